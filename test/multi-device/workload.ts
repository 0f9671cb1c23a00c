// The convergence workload: random upserts, enrolment samples and deletes over a shared set of speaker ids.
import { randomVector } from '../support/index.ts';
import type { FleetAgent } from './fleet.ts';

const PRIORITIES = ['CRITICAL', 'HIGH', 'NORMAL', 'LOW', 'DEFERRED'] as const;

// mulberry32, seeded: a run replays from its seed (one implementation, shared with the agent's tests).
import { seededRandom } from '../../apps/agent/src/scoring/random-embeddings.ts';

export { seededRandom };

export interface WorkloadCounts {
  upserts: number;
  samples: number;
  deletes: number;
  /** Deletes of a speaker this device did not know (404): expected, not an error. */
  missing: number;
}

/**
 * Writes through `member`'s HTTP API until `deadline` (performance.now() ms): 55 % whole-profile
 * upserts, 15 % enrolment samples, 30 % deletes, each at a random priority, 20-80 ms apart.
 */
export async function runWorkload(
  member: FleetAgent,
  speakers: number,
  seed: number,
  deadline: number,
): Promise<WorkloadCounts> {
  const random = seededRandom(seed);
  const counts: WorkloadCounts = { upserts: 0, samples: 0, deletes: 0, missing: 0 };
  let n = 0;
  while (performance.now() < deadline) {
    n += 1;
    const speakerId = `c-${Math.floor(random() * speakers)}`;
    const priority = PRIORITIES[Math.floor(random() * PRIORITIES.length)];
    const embedding = randomVector(seed * 1_000_003 + n);
    const roll = random();
    let status: number;
    if (roll < 0.55) {
      const body = {
        name: `${speakerId} by ${member.name} #${n}`,
        embedding,
        totalSamples: 1 + (n % 5),
        priority,
      };
      status = (await member.call('PUT', `/v1/profiles/${speakerId}`, body)).status;
      counts.upserts += 1;
    } else if (roll < 0.7) {
      status = (
        await member.call('POST', `/v1/profiles/${speakerId}/samples`, {
          name: `${speakerId} enrolled on ${member.name}`,
          embeddings: [embedding],
          priority,
        })
      ).status;
      counts.samples += 1;
    } else {
      status = (await member.call('DELETE', `/v1/profiles/${speakerId}?priority=${priority}`)).status;
      if (status === 404) counts.missing += 1;
      else counts.deletes += 1;
    }
    if (status !== 200 && status !== 404) throw new Error(`${member.name}: write answered ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20 + random() * 60));
  }
  return counts;
}
