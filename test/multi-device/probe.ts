// Propagation probe shared by the suite and the benchmark: enrol on one agent, time until another verifies.
import { randomVector } from '../support/index.ts';
import type { FleetAgent } from './fleet.ts';

/**
 * Enrols `speakerId` on `writer` (enrolment is HIGH priority, so it is pushed at once), then polls
 * `reader`'s verify every 2 ms until it accepts. Returns the milliseconds from the request to that.
 */
export async function propagationMs(
  writer: FleetAgent,
  reader: FleetAgent,
  speakerId: string,
  seed: number,
  timeoutMs = 10_000,
): Promise<number> {
  const embedding = randomVector(seed);
  const started = performance.now();
  const enrolled = await writer.call('POST', `/v1/profiles/${speakerId}/samples`, {
    name: speakerId,
    embeddings: [embedding],
  });
  if (enrolled.status !== 200) throw new Error(`enrolment answered ${enrolled.status}`);
  for (;;) {
    const { status, body } = await reader.call<{ accepted?: boolean }>('POST', '/v1/verify', {
      speakerId,
      embedding,
    });
    if (status === 200 && body.accepted) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${speakerId} not verifiable on ${reader.name} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
