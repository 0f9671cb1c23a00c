import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { float32ToBytes, Priority, profileContentHash } from '@voicesync/core';
import { sqliteMigrationsFolder } from '@voicesync/schema/sqlite';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { centroidUpdate } from '../auth/enrolment.ts';
import { Outbox, toMutation } from '../sync/outbox/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { randomEmbedding } from '../testing/index.ts';
import { ProfileStore } from './index.ts';

/** A database as the agent left it before enrolment deltas: migrated only up to `0001_cohort`. */
async function databaseBeforeDeltas(dir: string): Promise<string> {
  const folder = join(dir, 'migrations');
  mkdirSync(join(folder, 'meta'), { recursive: true });
  const journal = JSON.parse(readFileSync(join(sqliteMigrationsFolder, 'meta', '_journal.json'), 'utf8'));
  journal.entries = journal.entries.filter((entry: { tag: string }) => entry.tag <= '0001_cohort');
  writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const entry of journal.entries as Array<{ tag: string }>) {
    copyFileSync(join(sqliteMigrationsFolder, `${entry.tag}.sql`), join(folder, `${entry.tag}.sql`));
  }
  const path = join(dir, 'agent.db');
  const client = createClient({ url: `file:${path}`, intMode: 'number' });
  await migrate(drizzle(client), { migrationsFolder: folder });
  const embedding = randomEmbedding(1);
  const hash = await profileContentHash({
    speakerId: 'ada',
    name: 'Ada',
    embedding,
    acousticFeatures: null,
    totalSamples: 4,
  });
  const bytes = float32ToBytes(embedding);
  // The rows the older agent wrote: a profile and its pending upload, columns of that time only.
  await client.execute({
    sql: `INSERT INTO profiles (speaker_id, name, embedding, acoustic_features, total_samples, content_hash, version, deleted, updated_at)
          VALUES ('ada', 'Ada', ?, NULL, 4, ?, 1, 0, 1000)`,
    args: [bytes, hash],
  });
  await client.execute({
    sql: `INSERT INTO outbox (speaker_id, op, priority, name, embedding, acoustic_features, total_samples, content_hash, base_hash, updated_at)
          VALUES ('ada', 'upsert', 1, 'Ada', ?, NULL, 4, ?, NULL, 1000)`,
    args: [bytes, hash],
  });
  client.close();
  return path;
}

describe('a database from before enrolment deltas', () => {
  let dir: string;
  let store: Store | undefined;
  afterEach(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates: its pending upload stays a replace, and an enrolment adds to its profile as to count x centroid', async () => {
    dir = mkdtempSync(join(tmpdir(), 'voicesync-migrate-'));
    store = await openStore(await databaseBeforeDeltas(dir));
    const outbox = new Outbox(store);
    const batch = await outbox.nextBatch(Date.now(), [0, 1, 2, 3, 4], { 0: 9, 1: 9, 2: 9, 3: 9, 4: 9 }, 10);
    if (batch.kind !== 'send') throw new Error(`expected a batch, got ${batch.kind}`);
    const mutation = toMutation(batch.rows[0]!);
    expect(mutation).toMatchObject({ op: 'upsert', profile: { totalSamples: 4 } });
    expect(mutation.enrolment).toBeUndefined();

    const profiles = new ProfileStore(store);
    expect((await profiles.readRow('ada'))?.sampleSum).toBeNull();
    const sample = randomEmbedding(2);
    await profiles.putDerived(
      'ada',
      (current) => ({ name: 'Ada', ...centroidUpdate(current, [sample], 192) }),
      Priority.HIGH,
    );
    const after = await profiles.readRow('ada');
    expect(after?.totalSamples).toBe(5);
    // 4 x unit(old centroid) + unit(sample), normalised.
    const unit = (v: Float32Array) => {
      const n = Math.hypot(...v);
      return Array.from(v, (x) => x / n);
    };
    const old = unit(randomEmbedding(1));
    const add = unit(sample);
    const sum = old.map((x, i) => 4 * x + (add[i] ?? 0));
    const norm = Math.hypot(...sum);
    for (const [i, value] of after!.embedding.entries()) expect(value).toBeCloseTo((sum[i] ?? 0) / norm, 7);
    const rows = (await store.client.execute('SELECT op, samples FROM outbox ORDER BY seq')).rows;
    expect(rows.map((r) => [r.op, r.samples])).toEqual([
      ['upsert', null],
      ['enrol', 1],
    ]);
  });
});
