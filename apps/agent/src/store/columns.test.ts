import { outbox, profiles } from '@voicesync/schema/sqlite';
import { describe, expect, it } from 'vitest';
import { PROFILE_COLUMNS, ROW_COLUMNS } from '../profiles/rows.ts';
import { OUTBOX_COLUMNS } from '../sync/outbox/rows.ts';
import { columnNames, selectList } from './columns.ts';
import { tempStore } from '../testing/index.ts';

/** The columns of a table as the migrated libSQL file has them. */
async function migratedColumns(table: string): Promise<string[]> {
  const store = await tempStore();
  try {
    const rs = await store.client.execute(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`);
    return rs.rows.map((row) => String(row.name)).sort();
  } finally {
    store.cleanup();
  }
}

const split = (list: string) => list.split(', ').sort();

describe('SQL column lists come from the drizzle tables', () => {
  it('the outbox and profile SELECT lists are the tables the migrations create', async () => {
    expect(split(OUTBOX_COLUMNS)).toEqual(await migratedColumns('outbox'));
    expect(split(ROW_COLUMNS)).toEqual(await migratedColumns('profiles'));
    expect(split(PROFILE_COLUMNS)).toEqual(split(ROW_COLUMNS).filter((name) => name !== 'sample_sum'));
  });

  it('names follow the drizzle keys, and a key the table lacks is refused', () => {
    expect(columnNames(outbox, ['speakerId', 'nextAttemptAt'])).toEqual(['speaker_id', 'next_attempt_at']);
    expect(selectList(profiles, ['embedding', 'sampleSum'])).not.toContain('embedding');
    expect(() => columnNames(outbox, ['nope' as 'seq'])).toThrow('no column nope');
  });
});
