// The CLI's exit codes (documented in the root README) and the one place errors become them.
import { CommanderError } from 'commander';

export const EXIT = {
  ok: 0,
  /** The agent, edge or database answered with an error, or an operation did not finish in time. */
  failure: 1,
  /** Bad flags or arguments, invalid configuration, unreadable or malformed input file. */
  usage: 2,
  /** The agent, edge or database could not be reached at all. */
  unreachable: 3,
  /** verify rejected the claimed speaker, or identify found no match above the threshold. */
  rejected: 4,
} as const;

/** VoicesyncError codes with an exit code of their own; every other error is a failure (1). */
const EXIT_BY_CODE: Record<string, number> = {
  invalid_config: EXIT.usage,
  invalid_usage: EXIT.usage,
  unreachable: EXIT.unreachable,
  rejected: EXIT.rejected,
};

/**
 * Prints what went wrong (commander has already printed its own usage errors) and returns the exit code.
 *
 * @example
 * try { await program.parseAsync(); } catch (error) { process.exit(reportCliError(error)); }
 */
export function reportCliError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and --version end through here too, with exit code 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const code = (error as { code?: unknown }).code;
  const exit = typeof code === 'string' ? (EXIT_BY_CODE[code] ?? EXIT.failure) : EXIT.failure;
  // A rejection is an answer, already printed by the command; anything else needs a message.
  if (exit !== EXIT.rejected) console.error(`voicesync: ${(error as Error).message ?? String(error)}`);
  return exit;
}
