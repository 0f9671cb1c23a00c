// Issue 16: the conflict log keeps replace/delete conflicts and stops recording enrolment merges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, type FleetAgent, startBackend, startFleetAgent } from '../multi-device/fleet.ts';
import { eventually, randomVector } from '../support/index.ts';
import { postgresProfile, utterance } from './expected.ts';

const TENANT = 'conflict-log';

describe('the conflict log with enrolment deltas', () => {
  let backend: Backend;
  let fleet: FleetAgent[];

  beforeAll(async () => {
    backend = await startBackend();
    const devices = await Promise.all([0, 1].map(() => backend.provision(TENANT)));
    fleet = await Promise.all(devices.map((device, i) => startFleetAgent(backend, `d${i}`, device)));
  });

  afterAll(async () => {
    await Promise.all((fleet ?? []).map((member) => member.close()));
    await backend?.destroy();
  });

  const conflicts = async () =>
    backend.sql<{ speaker_id: string; winner: string }[]>`
      select speaker_id, winner from conflicts where tenant_id = ${TENANT} order by id`;
  const settled = async (
    speakerId: string,
    check: (row: Awaited<ReturnType<typeof postgresProfile>>) => boolean,
  ) =>
    eventually(async () => {
      const drained = await Promise.all(
        fleet.map(async (m) => (await m.agent.outbox.counts()).pending === 0),
      );
      return drained.every(Boolean) && check(await postgresProfile(backend.sql, TENANT, speakerId));
    }, 60_000);

  it('records a concurrent replace and delete, and not two concurrent enrolments', async () => {
    const [a, b] = fleet as [FleetAgent, FleetAgent];
    expect(
      (await a.call('POST', '/v1/profiles/both/samples', { name: 'Both', embeddings: [utterance(1)] }))
        .status,
    ).toBe(200);
    await settled('both', (row) => row?.totalSamples === 1);
    await eventually(async () => (await b.agent.profiles.readRow('both'))?.totalSamples === 1);

    a.link.cut();
    b.link.cut();
    await a.call('POST', '/v1/profiles/both/samples', { embeddings: [utterance(2)] });
    await b.call('POST', '/v1/profiles/both/samples', { embeddings: [utterance(3)] });
    a.link.heal();
    b.link.heal();
    await settled('both', (row) => row?.totalSamples === 3);
    expect(await conflicts()).toEqual([]);

    await eventually(async () => {
      await Promise.all(fleet.map((m) => m.agent.puller?.pull()));
      const rows = await Promise.all(fleet.map((m) => m.agent.profiles.readRow('both')));
      return rows.every((row) => row?.totalSamples === 3);
    });
    a.link.cut();
    b.link.cut();
    expect(
      (await a.call('PUT', '/v1/profiles/both', { name: 'Both', embedding: randomVector(4) })).status,
    ).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await b.call('DELETE', '/v1/profiles/both')).status).toBe(200);
    a.link.heal();
    b.link.heal();
    // Whichever arrives second names a base PostgreSQL no longer holds; the later delete wins either way.
    await settled('both', (row) => row?.deleted === true);
    expect(await conflicts()).toEqual([{ speaker_id: 'both', winner: expect.any(String) }]);
  });
});
