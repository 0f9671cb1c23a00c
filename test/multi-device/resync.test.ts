// Issue 5, resync: after a reset or an invalid pull cursor, one pull rebuilds exactly PostgreSQL's state.
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, randomVector } from '../support/index.ts';
import { type Backend, type FleetAgent, startBackend, startFleetAgent } from './fleet.ts';
import { agentHashes, libsqlHashes, newestChange, postgresHashes } from './state.ts';

const TENANT = 'resync';

/** Edits a closed agent's database file behind its back. */
async function tamper(dbPath: string, statements: string[]): Promise<void> {
  const client = createClient({ url: `file:${dbPath}` });
  try {
    await client.batch(statements, 'write');
  } finally {
    client.close();
  }
}

describe('resync from the change log', () => {
  let backend: Backend;
  let writer: FleetAgent;
  let reader: FleetAgent;

  /** The reader matches PostgreSQL in libSQL and in its index, and its cursor is at the log's head. */
  const rebuilt = async (member: FleetAgent) => {
    const expected = await postgresHashes(backend.sql, TENANT);
    const cursor = await member.agent.puller?.cursor();
    return (
      JSON.stringify([...(await agentHashes(member))]) === JSON.stringify([...expected]) &&
      member.agent.auth.index.size === expected.size &&
      cursor === (await newestChange(backend.sql, TENANT))
    );
  };

  beforeAll(async () => {
    backend = await startBackend();
    const [w, r] = await Promise.all([backend.provision(TENANT), backend.provision(TENANT)]);
    writer = await startFleetAgent(backend, 'writer', w!);
    reader = await startFleetAgent(backend, 'reader', r!);
    for (let i = 0; i < 40; i++) {
      const put = await writer.call('PUT', `/v1/profiles/r-${i}`, {
        name: `R${i}`,
        embedding: randomVector(i),
        priority: 'HIGH',
      });
      expect(put.status).toBe(200);
    }
    for (let i = 0; i < 5; i++)
      expect((await writer.call('DELETE', `/v1/profiles/r-${i}?priority=HIGH`)).status).toBe(200);
    for (let i = 5; i < 10; i++) {
      const put = await writer.call('PUT', `/v1/profiles/r-${i}`, {
        name: `R${i}'`,
        embedding: randomVector(100 + i),
        priority: 'HIGH',
      });
      expect(put.status).toBe(200);
    }
    await eventually(async () => (await writer.agent.outbox.counts()).pending === 0, 20_000);
    await eventually(() => rebuilt(reader), 20_000);
  });

  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await backend?.destroy();
  });

  it('a reset cursor replays the whole log without changing anything', async () => {
    // From here on only the test pulls: a background pull that read the cursor before the test
    // changed it would be joined by pull() and answer for the old cursor.
    await reader.agent.puller?.stop();
    await reader.agent.puller?.pull();
    await reader.agent.puller?.pull();
    const before = await agentHashes(reader);
    await reader.agent.puller?.resetCursor();
    const result = await reader.agent.puller?.pull();
    expect(result).toMatchObject({ applied: 0, resets: 0, cursor: await newestChange(backend.sql, TENANT) });
    expect(await agentHashes(reader)).toEqual(before);
  });

  it('a cursor beyond the log leads to exactly one full resync, not an error loop', async () => {
    await reader.agent.store.client.execute(
      "UPDATE sync_state SET value = '987654321' WHERE key = 'pull_cursor'",
    );
    const result = await reader.agent.puller?.pull();
    expect(result?.resets).toBe(1);
    expect(await rebuilt(reader)).toBe(true);
  });

  it('rebuilds lost, stale and resurrected rows after a restart with a reset cursor', async () => {
    await reader.close();
    await tamper(reader.dbPath, [
      "DELETE FROM profiles WHERE speaker_id IN ('r-20', 'r-21', 'r-22')",
      "UPDATE profiles SET name = 'stale', content_hash = 'stale' WHERE speaker_id = 'r-30'",
      "UPDATE profiles SET deleted = 0, name = 'ghost', embedding = (SELECT embedding FROM profiles WHERE speaker_id = 'r-39'), content_hash = 'ghost' WHERE speaker_id = 'r-0'",
      "DELETE FROM sync_state WHERE key = 'pull_cursor'",
    ]);
    reader = await startFleetAgent(backend, 'reader', reader.device, { dbPath: reader.dbPath });
    await eventually(() => rebuilt(reader), 20_000);
    expect(
      (await reader.call('POST', '/v1/verify', { speakerId: 'r-0', embedding: randomVector(39) })).status,
    ).toBe(404);
  });

  it('rebuilds after a restart with an invalid cursor, and the file on disk matches PostgreSQL', async () => {
    await reader.close();
    await tamper(reader.dbPath, [
      "DELETE FROM profiles WHERE speaker_id LIKE 'r-1%'",
      "UPDATE sync_state SET value = '99999999999' WHERE key = 'pull_cursor'",
    ]);
    reader = await startFleetAgent(backend, 'reader', reader.device, { dbPath: reader.dbPath });
    await eventually(() => rebuilt(reader), 20_000);
    const dbPath = reader.dbPath;
    await reader.close();
    expect(await libsqlHashes(dbPath)).toEqual(await postgresHashes(backend.sql, TENANT));
    reader = await startFleetAgent(backend, 'reader', reader.device, { dbPath });
  });
});
