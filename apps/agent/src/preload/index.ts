// Start-up: fills the embedding index from its snapshot when libSQL has not changed since it was taken,
// else streams every live profile from libSQL, a page at a time, and saves a new snapshot.
import { rmSync } from 'node:fs';
import type { Authenticator } from '../auth/index.ts';
import type { Store } from '../store/index.ts';
import { snapshotPathOf } from './snapshot-format.ts';
import { readSnapshot } from './snapshot-read.ts';
import { writeSnapshot } from './snapshot-write.ts';

export { SNAPSHOT_FORMAT_VERSION, snapshotPathOf } from './snapshot-format.ts';

/** Rows per page: large enough that per-query overhead vanishes, small enough to hold twice. */
export const PRELOAD_PAGE = 10_000;

// Only what the index and the names need, in rowid order: the table's own order on disk, so the
// scan reads pages front to back, and no blob is decoded beyond a view of its bytes.
const PAGE_SQL = `SELECT rowid AS r, speaker_id, name, embedding, total_samples FROM profiles
  WHERE rowid > ? AND deleted = 0 ORDER BY rowid LIMIT ?`;

/** How the index was filled: from the snapshot, or from libSQL (and why the snapshot was not used). */
export interface PreloadResult {
  readonly loaded: number;
  readonly source: 'snapshot' | 'libsql';
  readonly skipped?: string | undefined;
  /** Whether a new snapshot was saved after a libSQL load, or why saving it failed. */
  readonly saved?: boolean;
  readonly saveError?: string;
}

/** The generation the profiles triggers draw anew on every write (migration 0003). */
export async function profilesGeneration(store: Store): Promise<number> {
  const { rows } = await store.client.execute('SELECT generation FROM profiles_generation WHERE id = 0');
  return Number(rows[0]?.generation ?? 0);
}

/**
 * Loads every live profile into `auth`'s (empty) index. `onPage(loaded, total)` runs after each page
 * or snapshot range, and the event loop gets a turn between them (a progress bar, signals). Nothing
 * else may write the index until this returns: the snapshot saved is of the rows this call read.
 */
export async function preloadIndex(
  store: Store,
  auth: Authenticator,
  onPage?: (loaded: number, total: number) => void,
): Promise<PreloadResult> {
  const snapshot = store.path === ':memory:' ? undefined : snapshotPathOf(store.path);
  const generation = await profilesGeneration(store);
  let skipped: string | undefined;
  if (snapshot) {
    const outcome = await readSnapshot(snapshot, auth.index, generation, onPage);
    if ('loaded' in outcome) return { loaded: outcome.loaded, source: 'snapshot' };
    skipped = outcome.skipped;
  }
  const loaded = await readProfiles(store, auth, onPage);
  if (!snapshot) return { loaded, source: 'libsql' };
  // Saved only when no writer changed a profile while the pages were read: then the index is exactly
  // libSQL at `generation`. An index too small for a compact copy has no snapshot (libSQL is fast).
  // A snapshot that cannot be written (disk full) costs the next start time, never correctness.
  let saved = false;
  let saveError: string | undefined;
  try {
    if ((await profilesGeneration(store)) === generation)
      saved = writeSnapshot(snapshot, auth.index, generation);
  } catch (error) {
    saveError = String(error);
  }
  if (!saved) rmSync(snapshot, { force: true });
  return { loaded, source: 'libsql', skipped, saved, ...(saveError ? { saveError } : {}) };
}

async function readProfiles(
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
