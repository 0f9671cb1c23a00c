// Compaction of the change log: one bounded step under the Relay's pool, run from the compacting shard's alarm.
import type { Upstream } from '../upstream/index.ts';
import {
  type CompactionOptions,
  removeOldConflicts,
  removeSuperseded,
  removeTombstones,
  type StepResult,
} from './steps.ts';

export type { CompactionOptions, StepResult } from './steps.ts';

/**
 * One step of a compaction round, resumed from `after` (the superseded scan's position). The caller
 * schedules the next step soon while `more` holds, else after its interval. Each transaction takes
 * one connection of this shard's share, so compaction never adds a connection to the budget.
 */
export async function compactionStep(
  upstream: Upstream,
  after: number,
  options: CompactionOptions,
  now: number,
): Promise<StepResult & { more: boolean }> {
  const superseded = await upstream.transaction((tx) => removeSuperseded(tx, after, options.batch));
  const tombstones = await upstream.transaction((tx) =>
    removeTombstones(tx, now - options.retentionMs, options.batch),
  );
  const conflicts = await upstream.transaction((tx) =>
    removeOldConflicts(tx, options.retentionMs, options.batch),
  );
  const more = superseded.last !== 0 || tombstones === options.batch || conflicts === options.batch;
  return { after: superseded.last, superseded: superseded.removed, tombstones, conflicts, more };
}
