import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { Authenticator, Cohort } from '../auth/index.ts';
import { resolveConfig } from '../config/index.ts';
import { randomEmbeddings } from '../scoring/random-embeddings.ts';
import { createScoringBackend, EmbeddingIndex, QUANTISED_DEFAULTS } from '../scoring/index.ts';
import { openStore } from '../store/index.ts';
import { seedProfiles } from '../testing/seed-profiles.ts';
import { preloadIndex, SNAPSHOT_FORMAT_VERSION, snapshotPathOf } from './index.ts';
import { decodeHeader, sectionsOf } from './snapshot-format.ts';

// Just above the default size at which the index keeps a compact copy (and so has a snapshot).
const COUNT = QUANTISED_DEFAULTS.minRows + 300;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function seeded(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'voicesync-snapshot-'));
  dirs.push(dir);
  const path = join(dir, 'agent.db');
  await seedProfiles(path, COUNT);
  return path;
}

async function preload(path: string) {
  const store = await openStore(path);
  const index = new EmbeddingIndex({
    backend: await createScoringBackend('wasm-simd'),
    quantised: { rowFileDir: tmpdir() },
  });
  const auth = new Authenticator(index, new Cohort(store, 192), resolveConfig({ db: path }));
  const progress: number[] = [];
  try {
    const result = await preloadIndex(store, auth, (loaded) => progress.push(loaded));
    // The store stays open until the snapshot of a parallel load is written (the agent's close waits too).
    const save = await result.saving;
    return { result, save, index, progress };
  } finally {
    store.close();
  }
}

/**
 * What libSQL holds, read with plain SQL: the reference every load must equal (with `quantised`, an
 * index filled row by row through upsert, whose compact copy every load's must equal byte for byte).
 */
async function truth(path: string, quantised = false): Promise<EmbeddingIndex> {
  const db = new Database(path, { readonly: true });
  const reference = new EmbeddingIndex({
    backend: await createScoringBackend('wasm-simd'),
    quantised: quantised ? { rowFileDir: tmpdir() } : false,
  });
  const rows = db
    .prepare(
      'SELECT speaker_id, name, embedding, total_samples FROM profiles WHERE deleted = 0 ORDER BY rowid',
    )
    .all() as Array<{
    speaker_id: string;
    name: string;
    embedding: ArrayBuffer;
    total_samples: number;
  }>;
  for (const row of rows) {
    const embedding = new Float32Array(new Uint8Array(row.embedding).slice().buffer);
    reference.upsert(row.speaker_id, embedding, { name: row.name, totalSamples: row.total_samples });
  }
  db.close();
  return reference;
}

// Every speaker's label and stored row, and search answers (ids and exact scores), compared in bulk.
function expectSame(loaded: EmbeddingIndex, reference: EmbeddingIndex): void {
  expect(loaded.size).toBe(reference.size);
  const differing: string[] = [];
  for (const { speakerId, name, totalSamples } of reference.speakers()) {
    const label = loaded.label(speakerId);
    const row = loaded.get(speakerId);
    const same = row && Buffer.from(row.buffer).equals(Buffer.from(reference.get(speakerId)!.buffer));
    if (label?.name !== name || label.totalSamples !== totalSamples || !same) differing.push(speakerId);
  }
  expect(differing).toEqual([]);
  const probes = randomEmbeddings(20, 192, 99);
  for (let i = 0; i < 20; i++) {
    const probe = probes.subarray(i * 192, (i + 1) * 192);
    expect(loaded.search(probe, 3)).toEqual(reference.search(probe, 3));
  }
}

// The compact copy and speaker table byte for byte, and the bounds (toEqual on megabytes is slow).
function expectSameCompact(loaded: EmbeddingIndex, reference: EmbeddingIndex): void {
  const [a, b] = [loaded.saved()!, reference.saved()!];
  const bytes = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  expect([a.format, a.maxScale, a.maxResidual]).toEqual([b.format, b.maxScale, b.maxResidual]);
  expect(bytes(a.codes).equals(bytes(b.codes))).toBe(true);
  for (const part of ['idLength', 'nameLength', 'hash', 'samples', 'arena'] as const) {
    expect(bytes(a.speakers[part]).equals(bytes(b.speakers[part])), part).toBe(true);
  }
}

describe('index snapshot', () => {
  it('is saved after a libSQL load and then loads exactly what libSQL holds, with progress', async () => {
    const path = await seeded();
    const first = await preload(path);
    expect(first.result).toMatchObject({ source: 'libsql', skipped: 'no snapshot' });
    expect(first.result.readers).toBeGreaterThanOrEqual(2);
    expect(first.save).toEqual({ saved: true });
    expect(first.progress.at(-1)).toBe(COUNT);
    // The parallel readers' index is the row-by-row one: labels, f32 rows, compact rows and bounds.
    const rowByRow = await truth(path, true);
    expectSame(first.index, rowByRow);
    expectSameCompact(first.index, rowByRow);
    expect(existsSync(snapshotPathOf(path))).toBe(true);
    const second = await preload(path);
    expect(second.result).toEqual({ source: 'snapshot', loaded: COUNT });
    expect(second.progress.at(-1)).toBe(COUNT);
    expectSame(second.index, await truth(path));
    expectSame(second.index, first.index);
    // Writes after a restore (rows then leave the snapshot for the private row file) answer exactly
    // like the same writes on the index loaded from libSQL.
    const fresh = randomEmbeddings(400, 192, 5);
    for (let i = 0; i < 400; i++) {
      const id = i % 3 === 0 ? `spk-${String((i * 7919) % COUNT).padStart(8, '0')}` : `spk-added-${i}`;
      const embedding = fresh.subarray(i * 192, (i + 1) * 192);
      for (const index of [first.index, second.index]) {
        if (i % 5 === 4) index.remove(`spk-${String((i * 104_729) % COUNT).padStart(8, '0')}`);
        else index.upsert(id, embedding, { name: `n${i}`, totalSamples: i });
      }
    }
    expectSame(second.index, first.index);
  }, 60_000);

  it('is ignored when a restored older copy of the database took other writes since', async () => {
    const path = await seeded();
    // A file copy of the database as a backup tool makes it: the main file and its WAL, if any.
    const files = ['', '-wal', '-shm'];
    const copy = (from: string, to: string) => {
      for (const suffix of files) {
        rmSync(`${to}${suffix}`, { force: true });
        if (existsSync(`${from}${suffix}`)) copyFileSync(`${from}${suffix}`, `${to}${suffix}`);
      }
    };
    const backup = `${path}.backup`;
    copy(path, backup);
    const rename = (name: string) => {
      const db = new Database(path);
      db.prepare('UPDATE profiles SET name = ? WHERE speaker_id = ?').run([name, 'spk-00000003']);
      db.close();
    };
    rename('First history');
    expect((await preload(path)).save).toEqual({ saved: true });
    // The backup comes back and takes as many writes, other ones: a write counter would stand
    // where the snapshot was taken again, and the snapshot would serve the first history's name.
    copy(backup, path);
    rename('Second history');
    const after = await preload(path);
    expect(after.result.source).toBe('libsql');
    expect(after.index.label('spk-00000003')?.name).toBe('Second history');
    expectSame(after.index, await truth(path));
  }, 60_000);

  it('is ignored after writes through another path (direct libSQL insert, update, delete), then renewed', async () => {
    const path = await seeded();
    await preload(path);
    const fresh = randomEmbeddings(2, 192, 7);
    const db = new Database(path);
    db.prepare('UPDATE profiles SET name = ?, embedding = ? WHERE speaker_id = ?').run([
      'Renamed',
      Buffer.from(fresh.buffer, 0, 768),
      'spk-00000003',
    ]);
    db.prepare('DELETE FROM profiles WHERE speaker_id = ?').run(['spk-00000010']);
    db.prepare('UPDATE profiles SET deleted = 1 WHERE speaker_id = ?').run(['spk-00000011']);
    db.prepare(
      `INSERT INTO profiles (speaker_id, name, embedding, total_samples, content_hash, version, deleted, updated_at)
       VALUES ('spk-new', 'New', ?, 4, 'h', 1, 0, 1)`,
    ).run([Buffer.from(fresh.buffer, 768, 768)]);
    db.close();
    const after = await preload(path);
    expect(after.result.source).toBe('libsql');
    expect(after.result.skipped).toMatch(/generation/);
    expectSame(after.index, await truth(path));
    // The deleted rowids left gaps between the readers' ranges of the compact memory: closed exactly.
    expect(after.result.readers).toBeGreaterThanOrEqual(2);
    expectSameCompact(after.index, await truth(path, true));
    const again = await preload(path);
    expect(again.result.source).toBe('snapshot');
    expectSame(again.index, await truth(path));
  }, 60_000);

  it('is read in parallel with non-ASCII ids and names, and page by page when a name holds a NUL', async () => {
    const path = await seeded();
    const db = new Database(path);
    const rename = db.prepare('UPDATE profiles SET speaker_id = ?, name = ? WHERE speaker_id = ?');
    rename.run(['spk-ünïcode-😀', 'Zoë 😀 \u{FEFF}', 'spk-00000004']);
    rename.run(['spk-00000005', 'Ωμέγα', 'spk-00000005']);
    db.close();
    const parallel = await preload(path);
    expect(parallel.result.readers).toBeGreaterThanOrEqual(2);
    expect(parallel.index.label('spk-ünïcode-😀')?.name).toBe('Zoë 😀 \u{FEFF}');
    expectSame(parallel.index, await truth(path));
    expectSameCompact(parallel.index, await truth(path, true));
    const again = new Database(path);
    again.prepare('UPDATE profiles SET name = ? WHERE speaker_id = ?').run(['a\u0000b', 'spk-00000006']);
    again.close();
    const serial = await preload(path);
    expect(serial.result).toMatchObject({
      source: 'libsql',
      readers: 0,
      serial: expect.stringMatching(/NUL/),
    });
    expectSame(serial.index, await truth(path));
  }, 120_000);

  it('is ignored when truncated, corrupt, of another format version, or left half-written by a crash', async () => {
    const path = await seeded();
    await preload(path);
    const snapshot = snapshotPathOf(path);
    const good = readFileSync(snapshot);
    const sections = sectionsOf(decodeHeader(good)!);
    const reference = await truth(path);
    const damage: Array<[string, () => void, RegExp]> = [
      ['truncated', () => truncateSync(snapshot, good.length - 1000), /size/],
      ['torn header', () => truncateSync(snapshot, 30), /truncated header/],
      ['flipped byte in the f32 rows', () => flip(snapshot, good.length - 5), /checksum/],
      ['flipped byte in the names', () => flip(snapshot, 64 + COUNT * 12 + 7), /checksum/],
      ['flipped byte in the compact rows', () => flip(snapshot, sections.codes + 5), /checksum/],
      ['flipped byte in the generation', () => flip(snapshot, 24), /generation/],
      ['other format version', () => patch(snapshot, 8, SNAPSHOT_FORMAT_VERSION + 1), /format version/],
      [
        'crash before the rename',
        () => {
          rmSync(snapshot);
          writeFileSync(`${snapshot}.tmp-4242`, good.subarray(0, good.length >> 1));
        },
        /no snapshot/,
      ],
    ];
    for (const [what, harm, reason] of damage) {
      writeFileSync(snapshot, good);
      harm();
      const loaded = await preload(path);
      expect(loaded.result.source, what).toBe('libsql');
      expect(loaded.result.skipped, what).toMatch(reason);
      expectSame(loaded.index, reference);
      expect(statSync(snapshot).size, what).toBe(good.length);
      expect(existsSync(`${snapshot}.tmp-4242`), what).toBe(false);
    }
  }, 120_000);
});

function flip(path: string, at: number): void {
  const byte = readFileSync(path).subarray(at, at + 1);
  patchBytes(path, at, Buffer.from([byte[0]! ^ 0x10]));
}

function patch(path: string, at: number, value: number): void {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  patchBytes(path, at, b);
}

function patchBytes(path: string, at: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
}
