// What reading the profiles out of libSQL costs with nothing done with the rows: the floors a preload
// is compared with. One thread with row objects (the first rounds' floor), raw rows (arrays, no object
// per row) on worker threads, and the preload's own query (a row per 4,096 profiles) on worker threads,
// the best bare read found: the readers' work less everything they do with the rows.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'libsql';
import { BATCH_SQL } from '../../../apps/agent/src/preload/read-worker.ts';

const COLUMNS = 'speaker_id, name, embedding, total_samples';

/** The first rounds' floor: the preload's columns and pages of 10,000, `.all()` as row objects. */
export function floorPagedObjects(path: string): number {
  const db = new Database(path, { readonly: true });
  const page = db.prepare(
    `SELECT rowid AS r, ${COLUMNS} FROM profiles WHERE rowid > ? AND deleted = 0 ORDER BY rowid LIMIT 10000`,
  );
  const started = performance.now();
  let after = -1;
  for (;;) {
    const rows = page.all([after]) as Array<{ r: number }>;
    if (rows.length < 10_000) break;
    after = rows[rows.length - 1]!.r;
  }
  db.close();
  return performance.now() - started;
}

// Each worker: one read transaction over its rowid range, rows fetched and each embedding's length read.
const WORKER = `
const { workerData: w, parentPort } = require('node:worker_threads');
const Database = require(w.libsql);
const db = new Database(w.path, { readonly: true, timeout: 5000 });
db.exec('BEGIN');
let bytes = 0;
if (w.batched) {
  const query = db.prepare(w.sql).raw(true);
  for (let after = w.after; ; ) {
    const row = query.get(768, after, w.before, 4096);
    if (!row[0]) break;
    bytes += row[2].length;
    after = row[1];
  }
} else {
  for (const row of db.prepare('SELECT ${COLUMNS} FROM profiles WHERE deleted = 0 AND rowid > ? AND rowid < ? ORDER BY rowid').raw(true).iterate(w.after, w.before)) bytes += row[2].byteLength;
}
db.exec('COMMIT');
db.close();
parentPort.postMessage(bytes);
`;

/** The bare read split over `threads` worker threads by rowid range: raw rows, or the preload's batches. */
export async function floorThreads(path: string, threads: number, batched: boolean): Promise<number> {
  const db = new Database(path, { readonly: true });
  const { lo, hi } = db.prepare('SELECT MIN(rowid) AS lo, MAX(rowid) AS hi FROM profiles').get() as {
    lo: number;
    hi: number;
  };
  db.close();
  const span = Math.ceil((hi - lo + 1) / threads);
  const libsql = createRequire(import.meta.url).resolve('libsql');
  const started = performance.now();
  await Promise.all(
    Array.from({ length: threads }, (_, lane) => {
      const workerData = {
        libsql,
        path,
        batched,
        sql: BATCH_SQL,
        after: lane === 0 ? -1e19 : lo + lane * span - 1,
        before: lane === threads - 1 ? 1e19 : lo + (lane + 1) * span,
      };
      const worker = new Worker(WORKER, { eval: true, workerData });
      return new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  return performance.now() - started;
}
