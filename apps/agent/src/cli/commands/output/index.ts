// Terminal output for CLI commands: colour only on a TTY (and never with NO_COLOR), plain aligned tables.
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/** Colours when stdout is a terminal that wants them; plain text when piped or NO_COLOR is set. */
export function terminalColors(): Colors {
  return pc.createColors(Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
}

/** Visible width, ignoring colour escapes. */
function width(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Rows under a header, columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
