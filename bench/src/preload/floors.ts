// What reading the profiles out of libSQL costs with nothing done with the rows: the floors a preload
// is compared with. One thread with row objects (the first rounds' floor), and the best bare read this
// machine allows: raw rows (arrays, no object per row) on one thread and on worker threads.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'libsql';

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

// Each worker: one read transaction over its rowid range, raw rows iterated, each blob's length read.
const WORKER = `
const { workerData: w, parentPort } = require('node:worker_threads');
const Database = require(w.libsql);
const db = new Database(w.path, { readonly: true, timeout: 5000 });
db.exec('BEGIN');
let bytes = 0;
for (const row of db.prepare('SELECT ${COLUMNS} FROM profiles WHERE deleted = 0 AND ' + w.range + ' ORDER BY rowid').raw(true).iterate()) bytes += row[2].byteLength;
db.exec('COMMIT');
db.close();
parentPort.postMessage(bytes);
`;

/** The bare read split over `threads` worker threads by rowid range (1: one worker), raw rows. */
export async function floorRawThreads(path: string, threads: number): Promise<number> {
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
      const range = `rowid >= ${lo + lane * span} AND rowid < ${lo + (lane + 1) * span}`;
      const worker = new Worker(WORKER, { eval: true, workerData: { libsql, path, range } });
      return new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  return performance.now() - started;
}
