// Start-up: fills the embedding index from its snapshot when libSQL has not changed since it was taken,
// else reads every live profile from libSQL (worker threads in parallel when the table is large, a
// page at a time otherwise) and saves a new snapshot (after the agent is ready, on the parallel path).
import { read as readFd } from 'node:fs';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { Authenticator } from '../auth/index.ts';
import type { QuantisedRows } from '../kernel/quantised-rows.ts';
import type { BaseRows } from '../scoring/file-rows.ts';
import type { EmbeddingIndex } from '../scoring/index.ts';
import type { Store } from '../store/index.ts';
import { readParallel } from './parallel-read.ts';
import { snapshotPathOf } from './snapshot-format.ts';
import { readSnapshot } from './snapshot-read.ts';
import { type SnapshotContent, saveSnapshot, writeSnapshot } from './snapshot-write.ts';

export { SNAPSHOT_FORMAT_VERSION, snapshotPathOf } from './snapshot-format.ts';

const readAsync = promisify(readFd);
// Bytes of compact rows copied per event-loop turn for the snapshot (a few milliseconds each).
const COPY_SLICE = 16 * 1024 * 1024;

/** Rows per page: large enough that per-query overhead vanishes, small enough to hold twice. */
export const PRELOAD_PAGE = 10_000;

// Only what the index and the names need, in rowid order: the table's own order on disk, so the
// scan reads pages front to back, and no blob is decoded beyond a view of its bytes.
const PAGE_SQL = `SELECT rowid AS r, speaker_id, name, embedding, total_samples FROM profiles
  WHERE rowid > ? AND deleted = 0 ORDER BY rowid LIMIT ?`;

/** Whether a new snapshot was saved after a libSQL load, or why saving it failed. */
export interface SnapshotSave {
  readonly saved: boolean;
  readonly saveError?: string;
}

/** How the index was filled: from the snapshot, or from libSQL (and why the snapshot was not used). */
export interface PreloadResult {
  readonly loaded: number;
  readonly source: 'snapshot' | 'libsql';
  readonly skipped?: string | undefined;
  /** libSQL read by this many worker threads; 0 when read page by page here (and `serial` says why). */
  readonly readers?: number;
  readonly serial?: string;
  /**
   * After a libSQL load: settles once the new snapshot is saved or not. On the parallel path the index
   * is complete and usable before (the save then runs off the event loop): await it before closing.
   */
  readonly saving?: Promise<SnapshotSave>;
}

/** The generation the profiles triggers draw anew on every write (migration 0003). */
export async function profilesGeneration(store: Store): Promise<number> {
  const { rows } = await store.client.execute('SELECT generation FROM profiles_generation WHERE id = 0');
  return Number(rows[0]?.generation ?? 0);
}

/**
 * Loads every live profile into `auth`'s (empty) index. `onPage(loaded, total)` runs after each page,
 * chunk or snapshot range, and the event loop gets a turn between them (a progress bar, signals).
 * Nothing else may write the index until this returns; the store must stay open until `saving` settles.
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
  if (!snapshot) return { loaded: await readProfiles(store, auth, onPage), source: 'libsql', readers: 0 };
  const parallel = await loadParallel(store, auth.index, snapshot, onPage);
  if ('loaded' in parallel) return { ...parallel, source: 'libsql', skipped };
  const loaded = await readProfiles(store, auth, onPage);
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
  const saving = Promise.resolve({ saved, ...(saveError ? { saveError } : {}) });
  return { loaded, source: 'libsql', skipped, readers: 0, serial: parallel.serial, saving };
}

// The parallel load: the readers quantise their rows and write the unit f32 rows to private files,
// which the index then reads them from (as from a snapshot): the host does little per row.
async function loadParallel(
  store: Store,
  index: EmbeddingIndex,
  snapshot: string,
  onPage?: (loaded: number, total: number) => void,
): Promise<{ loaded: number; readers: number; saving: Promise<SnapshotSave> } | { serial: string }> {
  const large = index.restorable;
  if (large?.format !== 'int8') return { serial: 'no int8 compact copy' };
  const { rows } = await store.client.execute('SELECT MIN(rowid) AS lo, MAX(rowid) AS hi FROM profiles');
  const lo = Number(rows[0]?.lo ?? 0);
  const hi = Number(rows[0]?.hi ?? -1);
  if (rows[0]?.lo == null || hi - lo + 1 < large.minRows) return { serial: 'fewer rows than minRows' };
  const read = await readParallel({
    path: store.path,
    dim: index.dim,
    minRowid: lo,
    maxRowid: hi,
    dir: dirname(snapshot),
    minRows: large.minRows,
    ...(onPage ? { onProgress: onPage } : {}),
  });
  if ('fallback' in read) return { serial: read.fallback };
  const { speakers, compact, place, maxScale, maxResidual, generation, f32 } = read;
  index.restore({ format: 'int8', speakers, codes: place, maxScale, maxResidual }, f32, compact);
  const current = async () => (await profilesGeneration(store)) === generation;
  // What is saved is the readers' own parts and files (the index copied the parts, and its writes go
  // to its private row file): writes after start cannot reach them. The index owns the f32 files'
  // descriptors: its owner closes it only after `saving` settled.
  const save = async (): Promise<SnapshotSave> => {
    const codes = await copyUnchanged(compact, read.rows);
    if (!codes) return { saved: false, saveError: 'the index changed before its compact rows were copied' };
    const content: SnapshotContent = {
      rows: read.rows,
      dim: index.dim,
      format: 'int8',
      maxScale,
      maxResidual,
      speakers,
      codes: [codes],
    };
    const rowBytes = index.dim * 4;
    return {
      saved: await saveSnapshot(
        snapshot,
        content,
        generation,
        (first, into) => readSegments(f32, rowBytes, first, into),
        current,
      ),
    };
  };
  const saving = save().then(
    async (outcome): Promise<SnapshotSave> => {
      if (!outcome.saved) await rm(snapshot, { force: true });
      return outcome;
    },
    async (error): Promise<SnapshotSave> => {
      await rm(snapshot, { force: true });
      return { saved: false, saveError: String(error) };
    },
  );
  return { loaded: read.rows, readers: read.readers, saving };
}

// The compact rows [0, rows) as they are now, copied a slice per event-loop turn right after the start;
// undefined if a write reached the index meanwhile (its version moved: the copy may be torn).
async function copyUnchanged(compact: QuantisedRows, rows: number): Promise<Uint8Array | undefined> {
  const version = compact.version;
  const { codes, stride } = compact.layout;
  const live = new Uint8Array(compact.memory.buffer, codes, rows * stride);
  const copy = new Uint8Array(live.length);
  for (let at = 0; at < live.length; at += COPY_SLICE) {
    copy.set(live.subarray(at, at + COPY_SLICE), at);
    await new Promise((resolve) => setImmediate(resolve));
    if (compact.version !== version) return undefined;
  }
  return copy;
}

// Rows [first, first + into.length / rowBytes) from consecutive row ranges in several files.
async function readSegments(
  segments: readonly BaseRows[],
  rowBytes: number,
  first: number,
  into: Uint8Array,
) {
  const end = first + into.length / rowBytes;
  let segmentFirst = 0;
  for (const { fd, offset, rows } of segments) {
    const from = Math.max(first, segmentFirst);
    const to = Math.min(end, segmentFirst + rows);
    for (let done = 0; from < to && done < (to - from) * rowBytes; ) {
      const at = (from - first) * rowBytes + done;
      const length = (to - from) * rowBytes - done;
      const { bytesRead } = await readAsync(
        fd,
        into,
        at,
        length,
        offset + (from - segmentFirst) * rowBytes + done,
      );
      if (bytesRead === 0) throw new RangeError('a preload row file ended early');
      done += bytesRead;
    }
    segmentFirst += rows;
  }
}

/** The page-by-page load on this thread (small tables, and the fallback): exported for the benchmark. */
export async function readProfiles(
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
