// Issue 13: compaction keeps the change log near one row per speaker. 100,000 mutations over 1,000
// speakers leave 1,000 rows, and every device converges through the real edge, including one that
// was offline across the compaction. Old tombstones and conflicts go; a cursor behind them resets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, FleetAgent } from '../multi-device/fleet.ts';
import { startBackend, startFleetAgent } from '../multi-device/fleet.ts';
import { agentHashes, caughtUp, newestChange, postgresHashes } from '../multi-device/state.ts';
import { eventually, randomVector } from '../support/index.ts';
import { changeCount, SEED_DEVICE, seedRounds } from './seed.ts';

const TENANT = 'compact';
const SPEAKERS = 1_000;
const RETENTION_MS = 60_000;

describe('change-log compaction (COMPACTION_INTERVAL_MS=300 and COMPACTION_RETENTION_MS=60000 under test)', () => {
  let backend: Backend;
  const fleet: FleetAgent[] = [];

  beforeAll(async () => {
    backend = await startBackend('compaction', {
      vars: { COMPACTION_INTERVAL_MS: '300', COMPACTION_RETENTION_MS: String(RETENTION_MS) },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(fleet.map((member) => member.close()));
    await backend?.destroy();
  });

  async function converged(member: FleetAgent): Promise<boolean> {
    const newest = await newestChange(backend.sql, TENANT);
    if (!(await caughtUp(member, newest))) return false;
    const expected = JSON.stringify([...(await postgresHashes(backend.sql, TENANT))]);
    return JSON.stringify([...(await agentHashes(member))]) === expected;
  }

  it('leaves one change per speaker after 100,000 mutations and every device converges', {
    timeout: 300_000,
  }, async () => {
    const [online, offline, late] = await Promise.all([0, 1, 2].map(() => backend.provision(TENANT)));
    const a = await startFleetAgent(backend, 'online', online!);
    const c = await startFleetAgent(backend, 'offline', offline!);
    fleet.push(a);

    // 10 rounds: both devices read them, then one goes offline with its cursor in the log.
    await seedRounds(backend.sql, TENANT, SPEAKERS, 1, 10);
    await eventually(() => converged(c), 120_000);
    const offlineCursor = await c.agent.puller!.cursor();
    expect(offlineCursor).toBeGreaterThan(0);
    await c.close();

    // 90 more rounds (100,000 mutations in all), then ten writes through the edge on top.
    await seedRounds(backend.sql, TENANT, SPEAKERS, 11, 90);
    // Compaction runs all along (every 300 ms): the log already shrinks while it grows.
    const [written] = await backend.sql<{ last: string }[]>`
      select max(mutation_id) as last from changes where tenant_id = ${TENANT}`;
    expect(Number(written?.last)).toBe(100_000);
    for (let i = 0; i < 10; i++) {
      const body = { name: `spk-${i} by online`, embedding: randomVector(7_000 + i), totalSamples: 1 };
      expect((await a.call('PUT', `/v1/profiles/spk-${i}`, body)).status).toBe(200);
    }

    await eventually(async () => (await changeCount(backend.sql, TENANT)) === SPEAKERS, 180_000, 500);
    const [seeded] = await backend.sql<{ n: number }[]>`
      select count(*)::int as n from changes where tenant_id = ${TENANT} and device_id = ${SEED_DEVICE}`;
    expect(seeded?.n).toBe(SPEAKERS - 10);

    const back = await startFleetAgent(backend, 'offline-back', offline!, { dbPath: c.dbPath });
    const fresh = await startFleetAgent(backend, 'late', late!);
    fleet.push(back, fresh);
    for (const member of [a, back, fresh]) await eventually(() => converged(member), 120_000);
    const expected = await postgresHashes(backend.sql, TENANT);
    expect(expected.size).toBe(SPEAKERS);
    for (const member of [a, back, fresh]) expect(member.agent.auth.index.size, member.name).toBe(SPEAKERS);
  });

  it('removes tombstones and conflicts past the retention, resets a cursor behind them, and the device behind drops the speaker', {
    timeout: 120_000,
  }, async () => {
    const tenant = 'tomb';
    const device = await backend.provision(tenant);
    const old = Date.now() - 2 * RETENTION_MS;
    await seedRounds(backend.sql, tenant, 3, 1, 1);
    // A device that read spk-0 before its delete, then stays offline past the retention.
    const away = await startFleetAgent(backend, 'away', device);
    await eventually(async () => (await away.agent.profiles.get('spk-0')) !== undefined, 60_000);
    await away.close();
    const [before] = await backend.sql<{ id: string }[]>`
      select max(seq) as id from changes where tenant_id = ${tenant}`;
    const cursor = Number(before?.id);
    // spk-0 deleted long ago; spk-1 deleted just now (inside the retention). One transaction, as the
    // edge writes a delete: compaction (every 300 ms) must not take spk-0 before its change is logged.
    await backend.sql.begin(async (tx) => {
      await tx`update profiles set deleted = true, updated_at = ${old} where tenant_id = ${tenant} and speaker_id = 'spk-0'`;
      await tx`update profiles set deleted = true, updated_at = ${Date.now()} where tenant_id = ${tenant} and speaker_id = 'spk-1'`;
      await tx`with t as (update tenants set change_seq = change_seq + 2 where id = ${tenant}
                                  returning change_seq - 2 as base)
        insert into changes (tenant_id, seq, speaker_id, content_hash, device_id, mutation_id)
        select p.tenant_id, t.base + row_number() over (order by p.speaker_id), p.speaker_id,
          p.content_hash, ${SEED_DEVICE}, 100
        from t, profiles p
        where p.tenant_id = ${tenant} and p.speaker_id in ('spk-0', 'spk-1')`;
    });
    await backend.sql`insert into conflicts (tenant_id, speaker_id, device_id, mutation_id, server_hash, incoming_hash, winner, created_at)
      values (${tenant}, 'spk-2', ${SEED_DEVICE}, 1, 'a', 'b', 'server', now() - interval '2 minutes'),
             (${tenant}, 'spk-2', ${SEED_DEVICE}, 2, 'a', 'b', 'server', now())`;

    await eventually(async () => {
      const [row] = await backend.sql<{ n: number }[]>`
        select count(*)::int as n from profiles where tenant_id = ${tenant} and speaker_id = 'spk-0'`;
      return row?.n === 0;
    }, 60_000);
    const speakers = await backend.sql<{ speaker_id: string; deleted: boolean }[]>`
      select speaker_id, deleted from profiles where tenant_id = ${tenant} order by speaker_id`;
    expect(speakers).toEqual([
      { speaker_id: 'spk-1', deleted: true },
      { speaker_id: 'spk-2', deleted: false },
    ]);
    await eventually(async () => {
      const rows = await backend.sql<{ mutation_id: string }[]>`
        select mutation_id from conflicts where tenant_id = ${tenant}`;
      return rows.length === 1 && rows[0]?.mutation_id === '2';
    }, 30_000);

    const pull = async (from: number) => {
      const response = await fetch(`${backend.edge.url}/v1/pull?cursor=${from}`, {
        headers: { authorization: `Bearer ${device.token}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as {
        reset?: boolean;
        compacted?: boolean;
        changes: Array<{ speakerId: string }>;
        nextCursor: number;
      };
    };
    // Behind the horizon: the device may have missed spk-0's delete, which the log no longer holds.
    expect(await pull(cursor)).toMatchObject({ reset: true, compacted: true });
    // From the start, and from the head, the log is consistent: no spk-0, spk-1's tombstone kept.
    const full = await pull(0);
    expect(full.reset).toBeUndefined();
    expect(full.changes.map((change) => change.speakerId).sort()).toEqual(['spk-1', 'spk-2']);
    expect((await pull(full.nextCursor)).reset).toBeUndefined();

    // Back online, its cursor resets; once the full pull is read, spk-0 (whose tombstone the log
    // lost) is gone from its database and index, and spk-2 stays.
    const back = await startFleetAgent(backend, 'away-back', device, { dbPath: away.dbPath });
    fleet.push(back);
    await eventually(async () => back.agent.stats.lastPullAt !== undefined, 60_000);
    expect(await back.agent.profiles.get('spk-0')).toBeUndefined();
    expect(back.agent.auth.index.has('spk-0')).toBe(false);
    expect(await back.agent.profiles.get('spk-2')).toBeDefined();
  });
});
