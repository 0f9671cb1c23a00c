// Issue 5, convergence: three agents write the same speakers at random while one is partitioned; all converge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, randomVector } from '../support/index.ts';
import { type Backend, type FleetAgent, startBackend, startFleetAgent } from './fleet.ts';
import {
  agentHashes,
  caughtUp,
  drained,
  identifyAnswer,
  libsqlHashes,
  newestChange,
  postgresHashes,
} from './state.ts';
import { runWorkload, seededRandom } from './workload.ts';

const TENANT = 'converge';
const SPEAKERS = 30;
/** CI runs the full minute; set lower locally for a quick pass. */
const DURATION_MS = Number(process.env.VOICESYNC_CONVERGENCE_MS ?? 60_000);
const SEED = Number(process.env.VOICESYNC_CONVERGENCE_SEED ?? Date.now() % 100_000);

describe('convergence of three devices under random writes and a partition', () => {
  let backend: Backend;
  let fleet: FleetAgent[];

  beforeAll(async () => {
    backend = await startBackend();
    const devices = await Promise.all([0, 1, 2].map(() => backend.provision(TENANT)));
    fleet = [];
    for (const [i, device] of devices.entries())
      fleet.push(await startFleetAgent(backend, `agent-${i}`, device));
  });

  afterAll(async () => {
    await Promise.all((fleet ?? []).map((member) => member.close()));
    await backend?.destroy();
  });

  it('ends with identical profiles and hashes in PostgreSQL and all three libSQL files', {
    timeout: DURATION_MS + 240_000,
  }, async () => {
    console.info(`convergence: ${DURATION_MS} ms, seed ${SEED} (VOICESYNC_CONVERGENCE_SEED replays it)`);
    const started = performance.now();
    const deadline = started + DURATION_MS;
    const partitioned = fleet[2]!;
    // Cut from 25 % to 60 % of the run: it keeps writing locally, and so do the others upstream.
    const partition = (async () => {
      await new Promise((resolve) => setTimeout(resolve, DURATION_MS * 0.25));
      partitioned.link.cut();
      await new Promise((resolve) => setTimeout(resolve, DURATION_MS * 0.35));
      partitioned.link.heal();
    })();
    const counts = await Promise.all(
      fleet.map((member, i) => runWorkload(member, SPEAKERS, SEED * 10 + i, deadline)),
    );
    await partition;
    console.info(`convergence writes: ${JSON.stringify(counts)}`);
    expect(partitioned.link.refused).toBeGreaterThan(0);

    for (const member of fleet) member.agent.pusher?.flushSoon();
    await eventually(async () => (await Promise.all(fleet.map(drained))).every(Boolean), 90_000);
    await eventually(
      async () => {
        const newest = await newestChange(backend.sql, TENANT);
        const current = await Promise.all(fleet.map((member) => caughtUp(member, newest)));
        if (!current.every(Boolean)) return false;
        const expected = JSON.stringify([...(await postgresHashes(backend.sql, TENANT))]);
        const held = await Promise.all(
          fleet.map(async (member) => JSON.stringify([...(await agentHashes(member))])),
        );
        return held.every((hashes) => hashes === expected);
      },
      60_000,
      250,
    );

    const expected = await postgresHashes(backend.sql, TENANT);
    expect(expected.size).toBeGreaterThan(0);
    for (const member of fleet) expect(member.agent.auth.index.size, member.name).toBe(expected.size);
    const [conflicts] =
      await backend.sql`select count(*)::int as n from conflicts where tenant_id = ${TENANT}`;
    console.info(`convergence: ${expected.size} live profiles, ${conflicts?.n} conflicts resolved`);

    // Probes: random voices and noisy versions of live profiles; every device must answer alike.
    const random = seededRandom(SEED);
    const probes = Array.from({ length: 20 }, (_, i) => randomVector(7_000_000 + SEED + i));
    for (const speakerId of [...expected.keys()].slice(0, 10)) {
      const profile = await fleet[0]!.call<{ embedding: number[] }>('GET', `/v1/profiles/${speakerId}`);
      probes.push(profile.body.embedding.map((v) => v + (random() - 0.5) * 0.05));
    }
    for (const probe of probes) {
      const answers = await Promise.all(fleet.map((member) => identifyAnswer(member, probe)));
      expect(new Set(answers).size, answers.join('\n')).toBe(1);
    }

    const paths = fleet.map((member) => member.dbPath);
    await Promise.all(fleet.map((member) => member.close()));
    fleet = [];
    for (const path of paths) expect(await libsqlHashes(path)).toEqual(expected);
  });
});
