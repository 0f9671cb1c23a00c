// `voicesync outbox list|retry|drain`: inspect pending entries and dead letters, re-queue dead letters, wait for a drain.
import { PRIORITIES, VoicesyncError } from '@voicesync/core';
import { type Command, Option } from 'commander';
import { agentOption, agentTarget, requestJson } from '../http-client/index.ts';
import { type Colors, formatTable, printJson, terminalColors } from '../output/index.ts';
import { drainOutbox } from './drain.ts';

/** An entry as GET /v1/outbox lists it (never with embedding bytes). */
export interface OutboxEntryView {
  seq: number;
  speakerId: string;
  op: string;
  priority: string;
  status: 'pending' | 'dead';
  attempts: number;
  mutationId: number | null;
  nextAttemptAt: number;
  lastError: string | null;
}

export interface OutboxListing {
  entries: OutboxEntryView[];
  counts: { pending: number; byPriority: Record<string, number>; inFlight: number; deadLetters: number };
}

/** `--limit`: a whole number of entries within the route's limit of 1000 (not 1.5, 1e2 or "abc"). */
function parseLimit(flag: string): number {
  const limit = Number(flag);
  if (!/^\d+$/.test(flag) || limit < 1 || limit > 1000) {
    throw new VoicesyncError(
      'invalid_usage',
      `--limit must be an integer from 1 to 1000, got ${JSON.stringify(flag)}`,
    );
  }
  return limit;
}

function entryRow(e: OutboxEntryView, c: Colors, now: number): string[] {
  const status =
    e.status === 'dead' ? c.red('dead') : e.mutationId !== null ? c.yellow('in flight') : 'pending';
  const next =
    e.status === 'dead'
      ? '-'
      : e.nextAttemptAt > now
        ? `in ${Math.ceil((e.nextAttemptAt - now) / 1000)}s`
        : 'now';
  return [String(e.seq), e.speakerId, e.op, e.priority, status, String(e.attempts), next, e.lastError ?? ''];
}

/** The listing as a table plus a one-line summary, as `outbox list` prints it. */
export function formatOutbox(listing: OutboxListing, c: Colors, now = Date.now()): string {
  const { counts } = listing;
  const perPriority = PRIORITIES.map((p) => `${p} ${counts.byPriority[p] ?? 0}`).join(', ');
  const summary = `${counts.pending} pending (${perPriority}), ${counts.inFlight} in flight, ${counts.deadLetters} dead letters`;
  if (listing.entries.length === 0) return `no entries\n${summary}`;
  const header = ['SEQ', 'SPEAKER', 'OP', 'PRIORITY', 'STATUS', 'ATTEMPTS', 'NEXT', 'LAST ERROR'];
  return `${formatTable(
    header,
    listing.entries.map((e) => entryRow(e, c, now)),
  )}\n${summary}`;
}

export function registerOutbox(program: Command): void {
  const outbox = program
    .command('outbox')
    .description('the durable upload queue: pending entries and dead letters');

  outbox
    .command('list')
    .description('list outbox entries (GET /v1/outbox)')
    .addOption(agentOption())
    .addOption(
      new Option('--status <status>', 'which entries').choices(['pending', 'dead', 'all']).default('all'),
    )
    .option('--limit <n>', 'at most this many entries (1-1000)', '100')
    .option('--json', 'print the raw JSON answer')
    .action(async (flags: { agent: string; status: string; limit: string; json?: boolean }) => {
      const query = new URLSearchParams({ status: flags.status, limit: String(parseLimit(flags.limit)) });
      const listing = await requestJson<OutboxListing>(agentTarget(flags), `/v1/outbox?${query}`);
      if (flags.json) printJson(listing);
      else console.log(formatOutbox(listing, terminalColors()));
    });

  outbox
    .command('retry')
    .description('re-queue every dead letter with a fresh retry budget (POST /v1/outbox/retry)')
    .addOption(agentOption())
    .option('--json', 'print the raw JSON answer')
    .action(async (flags: { agent: string; json?: boolean }) => {
      const result = await requestJson<{ requeued: number }>(agentTarget(flags), '/v1/outbox/retry', {
        method: 'POST',
      });
      if (flags.json) printJson(result);
      else console.log(`re-queued ${result.requeued} dead letter${result.requeued === 1 ? '' : 's'}`);
    });

  outbox
    .command('drain')
    .description('start a full sync round and wait until nothing is pending (progress bar on a terminal)')
    .addOption(agentOption())
    .option('--timeout <seconds>', 'give up (exit 1) after this long', '300')
    .option('--interval <ms>', 'how often to poll /v1/status', '1000')
    .action(async (flags: { agent: string; timeout: string; interval: string }) => {
      await drainOutbox(agentTarget(flags), {
        timeoutMs: Number(flags.timeout) * 1000,
        intervalMs: Number(flags.interval),
      });
    });
}
