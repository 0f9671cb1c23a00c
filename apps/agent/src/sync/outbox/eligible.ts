// Which pending rows may join the next batch: due, unnumbered, not behind an older row of their speaker.
import type { PerPriority, Priority } from '@voicesync/core';
import type { Store } from '../../store/index.ts';
import { type OutboxRow, toOutboxRow } from './rows.ts';
import { eligibleSql } from './statements.ts';

/**
 * Up to `size` eligible rows, highest priority first, no level beyond its quota. One query
 * covers every level; it runs again only when a level hit its quota with room left in the batch.
 */
export async function pickEligible(
  store: Store,
  now: number,
  levels: readonly Priority[],
  quotas: PerPriority,
  size: number,
): Promise<OutboxRow[]> {
  const picked: OutboxRow[] = [];
  const taken: PerPriority = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0 };
  let open = levels.filter((level) => quotas[level] > 0);
  while (open.length > 0 && picked.length < size) {
    const rs = await store.client.execute({
      sql: eligibleSql(open.length, picked.length),
      args: [now, ...open, ...picked.map((row) => row.seq), size - picked.length],
    });
    const full = new Set<Priority>();
    for (const row of rs.rows.map(toOutboxRow)) {
      const count = taken[row.priority];
      if (count >= quotas[row.priority]) {
        full.add(row.priority);
        continue;
      }
      taken[row.priority] = count + 1;
      picked.push(row);
    }
    if (full.size === 0) break;
    open = open.filter((level) => !full.has(level));
  }
  return picked.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
}
