// A progress bar with rate and ETA for long CLI operations, drawn only when stdout is a terminal.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the amount done so far (and optionally a new total). */
  update(done: number, total?: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A bar on stdout when it is a TTY; otherwise a no-op, so piped output and logs stay clean.
 *
 * @example
 * const bar = startProgress('enrolling', samples.length, 'samples');
 * bar.update(100); bar.stop();
 */
export function startProgress(label: string, total: number, unit: string): Progress {
  if (!process.stdout.isTTY) return SILENT;
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    stream: process.stdout,
    hideCursor: true,
    etaBuffer: 20,
  });
  const started = performance.now();
  bar.start(total, 0, { rate: '0' });
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '0' });
    },
    stop() {
      bar.stop();
    },
  };
}
