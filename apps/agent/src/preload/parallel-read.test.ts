import { closeSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { Authenticator, Cohort } from '../auth/index.ts';
import { resolveConfig } from '../config/index.ts';
import { createScoringBackend, EmbeddingIndex, QUANTISED_DEFAULTS } from '../scoring/index.ts';
import { openStore } from '../store/index.ts';
import { seededSpeakerId, seedProfiles } from '../testing/seed-profiles.ts';
import { preloadIndex, snapshotPathOf } from './index.ts';
import { type ParallelRead, readParallel } from './parallel-read.ts';

const COUNT = QUANTISED_DEFAULTS.minRows + 300;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// Renames the first and the last speaker to the same new name in one transaction, again and again,
// until told to stop (or 60 s): every committed state has both names equal, and a new generation.
const WRITER = `
const { workerData: w, parentPort } = require('node:worker_threads');
const Database = require(w.libsql);
const stop = new Int32Array(w.stop);
const db = new Database(w.path, { timeout: 5000 });
const rename = db.prepare('UPDATE profiles SET name = ? WHERE speaker_id = ?');
const started = Date.now();
let n = 0;
parentPort.postMessage('started');
while (Atomics.load(stop, 0) === 0 && Date.now() - started < 60000) {
  n++;
  db.exec('BEGIN IMMEDIATE');
  rename.run(['v' + n, w.first]);
  rename.run(['v' + n, w.last]);
  db.exec('COMMIT');
}
db.close();
parentPort.postMessage(n);
`;

function nameAt(read: ParallelRead, row: number): string {
  const { idLength, nameLength, arena } = read.speakers;
  let at = 0;
  for (let r = 0; r < row; r++) at += idLength[r]! + nameLength[r]!;
  at += idLength[row]!;
  return Buffer.from(arena.subarray(at, at + nameLength[row]!)).toString('utf8');
}

describe('parallel preload readers', () => {
  it('return one state of the table while a writer commits, or give up when their generations differ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicesync-parallel-'));
    dirs.push(dir);
    const path = join(dir, 'agent.db');
    await seedProfiles(path, COUNT);
    const db = new Database(path, { readonly: true });
    const { lo, hi } = db.prepare('SELECT MIN(rowid) AS lo, MAX(rowid) AS hi FROM profiles').get() as {
      lo: number;
      hi: number;
    };
    db.close();
    const stop = new SharedArrayBuffer(4);
    const libsql = createRequire(import.meta.url).resolve('libsql');
    // The first speaker is in the first reader's rowid range, the last in the last reader's.
    const workerData = { libsql, path, stop, first: seededSpeakerId(0), last: seededSpeakerId(COUNT - 1) };
    const writer = new Worker(WRITER, { eval: true, workerData });
    const commits = new Promise<number>((resolve) => {
      writer.on('message', (m) => {
        if (typeof m === 'number') resolve(m);
      });
    });
    await new Promise((resolve) => writer.once('message', resolve));
    const outcomes: string[] = [];
    try {
      for (let attempt = 0; attempt < 6; attempt++) {
        const read = await readParallel({ path, dim: 192, minRowid: lo, maxRowid: hi, dir, minRows: 1 });
        if ('fallback' in read) {
          outcomes.push(read.fallback);
          continue;
        }
        for (const { fd } of read.f32) closeSync(fd);
        // Both readers read at one generation: the two renamed rows carry the same name.
        expect(read.rows).toBe(COUNT);
        expect(nameAt(read, COUNT - 1)).toBe(nameAt(read, 0));
        outcomes.push('read');
      }
    } finally {
      Atomics.store(new Int32Array(stop), 0, 1);
    }
    expect(await commits).toBeGreaterThan(0);
    // The check is exercised: readers that start a few milliseconds apart under a busy writer see
    // different generations, and that read is refused.
    expect(outcomes).toContain('the readers saw different generations');
    expect(outcomes.filter((o) => o !== 'read' && o !== 'the readers saw different generations')).toEqual([]);
  }, 120_000);

  it('write no snapshot when the index changed before its compact rows were copied for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicesync-parallel-'));
    dirs.push(dir);
    const path = join(dir, 'agent.db');
    const seeded = await seedProfiles(path, COUNT);
    const store = await openStore(path);
    const index = new EmbeddingIndex({ backend: await createScoringBackend('wasm-simd') });
    const auth = new Authenticator(index, new Cohort(store, 192), resolveConfig({ db: path }));
    try {
      const result = await preloadIndex(store, auth);
      expect(result.readers).toBeGreaterThanOrEqual(2);
      // A write the moment the agent is ready (before the snapshot's copy of the compact rows).
      index.upsert(seededSpeakerId(7), seeded.embeddings.subarray(0, 192));
      expect(await result.saving).toEqual({
        saved: false,
        saveError: 'the index changed before its compact rows were copied',
      });
      expect(existsSync(snapshotPathOf(path))).toBe(false);
    } finally {
      index.close();
      store.close();
    }
  }, 60_000);
});
