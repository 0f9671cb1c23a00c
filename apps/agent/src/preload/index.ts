// Start-up: streams every live profile from libSQL into the embedding index, a page at a time.
import type { Authenticator } from '../auth/index.ts';
import type { Store } from '../store/index.ts';

/** Rows per page: large enough that per-query overhead vanishes, small enough to hold twice. */
export const PRELOAD_PAGE = 10_000;

// Only what the index and the names need, in rowid order: the table's own order on disk, so the
// scan reads pages front to back, and no blob is decoded beyond a view of its bytes.
const PAGE_SQL = `SELECT rowid AS r, speaker_id, name, embedding, total_samples FROM profiles
  WHERE rowid > ? AND deleted = 0 ORDER BY rowid LIMIT ?`;

/**
 * Loads every live profile into `auth` and returns how many. `onPage(loaded, total)` runs after each
 * page, and the event loop gets a turn between pages (a progress bar, signals).
 */
export async function preloadIndex(
  store: Store,
  auth: Authenticator,
  onPage?: (loaded: number, total: number) => void,
): Promise<number> {
  const counted = await store.client.execute('SELECT COUNT(*) AS n FROM profiles WHERE deleted = 0');
  const total = Number(counted.rows[0]?.n ?? 0);
  let loaded = 0;
  let after = -1;
  for (;;) {
    const { rows } = await store.client.execute({ sql: PAGE_SQL, args: [after, PRELOAD_PAGE] });
    for (const row of rows) {
      const bytes = row.embedding as ArrayBuffer;
      auth.loadSpeaker(
        String(row.speaker_id),
        String(row.name),
        Number(row.total_samples),
        new Float32Array(bytes, 0, bytes.byteLength >> 2),
      );
    }
    loaded += rows.length;
    onPage?.(loaded, total);
    if (rows.length < PRELOAD_PAGE) return loaded;
    after = Number(rows[rows.length - 1]!.r);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
