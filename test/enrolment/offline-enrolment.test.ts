// Issue 16, done when: two devices enrol one speaker 50 times each while the edge is down; no sample is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, type FleetAgent, startBackend, startFleetAgent } from '../multi-device/fleet.ts';
import { eventually } from '../support/index.ts';
import {
  expectedCentroid,
  FLOAT32_ROUNDING,
  libsqlProfile,
  maxDifference,
  postgresProfile,
  utterance,
} from './expected.ts';

const TENANT = 'household';
const SPEAKER = 'owner';

describe('concurrent enrolment of one speaker on two offline devices', () => {
  let backend: Backend;
  let fleet: FleetAgent[];

  beforeAll(async () => {
    backend = await startBackend();
    const devices = await Promise.all([0, 1].map(() => backend.provision(TENANT)));
    fleet = await Promise.all(devices.map((device, i) => startFleetAgent(backend, `phone-${i}`, device)));
  });

  afterAll(async () => {
    await Promise.all((fleet ?? []).map((member) => member.close()));
    await backend?.destroy();
  });

  it('ends with every sample counted once, the same centroid on both devices and in PostgreSQL', async () => {
    const [phone, speaker] = fleet as [FleetAgent, FleetAgent];
    const samples: number[][] = [];
    const enrol = async (member: FleetAgent, seed: number) => {
      const vector = utterance(seed);
      samples.push(vector);
      const { status, body } = await member.call('POST', `/v1/profiles/${SPEAKER}/samples`, {
        name: 'Owner',
        embeddings: [vector],
      });
      expect(status, JSON.stringify(body)).toBe(200);
    };
    // Earlier samples, synced everywhere before the outage.
    for (let i = 0; i < 4; i++) await enrol(phone, 1000 + i);
    await eventually(async () => (await postgresProfile(backend.sql, TENANT, SPEAKER))?.totalSamples === 4);
    await eventually(async () => {
      await speaker.agent.puller?.pull();
      return (await speaker.agent.profiles.readRow(SPEAKER))?.totalSamples === 4;
    });

    await backend.edge.stop();
    // Interleaved, as two devices of one household would: each device's own count goes on rising.
    for (let i = 0; i < 50; i++) {
      await enrol(phone, 2000 + i);
      await enrol(speaker, 3000 + i);
    }
    expect((await phone.agent.profiles.readRow(SPEAKER))?.totalSamples).toBe(54);
    expect((await speaker.agent.profiles.readRow(SPEAKER))?.totalSamples).toBe(54);
    await backend.edge.start();

    for (const member of fleet) member.agent.pusher?.flushSoon();
    const upstream = await eventually(async () => {
      const row = await postgresProfile(backend.sql, TENANT, SPEAKER);
      return row?.totalSamples === 104 ? row : undefined;
    }, 90_000);
    await eventually(async () => {
      const held = await Promise.all(
        fleet.map(async (member) => {
          await member.agent.puller?.pull();
          return (await member.agent.outbox.counts()).pending === 0
            ? member.agent.profiles.readRow(SPEAKER)
            : undefined;
        }),
      );
      return held.every((row) => row?.contentHash === upstream.contentHash);
    }, 60_000);

    const expected = expectedCentroid(samples.map((vector) => ({ vector, weight: 1 })));
    expect(samples).toHaveLength(104);
    expect(maxDifference(upstream.embedding, expected)).toBeLessThanOrEqual(FLOAT32_ROUNDING);
    const paths = fleet.map((member) => member.dbPath);
    const [conflicts] = await backend.sql<{ n: number }[]>`
      select count(*)::int as n from conflicts where tenant_id = ${TENANT}`;
    expect(conflicts?.n).toBe(0);
    // Both devices score with it: the index holds the merged centroid.
    for (const member of fleet) {
      const verify = await member.call<{ accepted: boolean }>('POST', '/v1/verify', {
        speakerId: SPEAKER,
        embedding: utterance(9999),
      });
      expect(verify.body.accepted).toBe(true);
    }
    await Promise.all(fleet.map((member) => member.close()));
    fleet = [];
    for (const path of paths) {
      const local = await libsqlProfile(path, SPEAKER);
      expect(local).toEqual({ ...upstream });
    }
  });
});
