// The chaos campaign's fault schedule: one seeded draw, printed, replayable with CHAOS_SEED.

export type FaultKind =
  | 'postgres-stop'
  | 'workerd-kill'
  | 'agent-kill'
  | 'agent-edge-latency'
  | 'agent-edge-stall'
  | 'agent-edge-reset'
  | 'edge-pg-latency'
  | 'edge-pg-stall'
  | 'edge-pg-reset';

export interface Fault {
  kind: FaultKind;
  /** Milliseconds after the campaign starts. */
  at: number;
  /** How long the fault holds (0 for an instant one: a reset, a kill with immediate restart). */
  durationMs: number;
  /** agent-kill: which agent; latency faults: the added delay in ms. */
  arg: number;
}

// mulberry32, seeded: a run replays from its seed (one implementation, shared with the agent's tests).
import { seededRandom } from '../../apps/agent/src/scoring/random-embeddings.ts';

export { seededRandom };

export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.CHAOS_SEED;
  if (given !== undefined && /^\d+$/.test(given)) return Number(given);
  return Math.floor(Math.random() * 2 ** 31);
}

/**
 * Faults at random times within `windowMs`: one PostgreSQL stop (up to `maxOutageMs`), one workerd
 * SIGKILL, one agent SIGKILL per agent, and on each proxied path a latency spell, a stall and a
 * reset. The faults of one path never overlap (one proxy has one mode at a time); the others may.
 */
export function drawSchedule(seed: number, windowMs: number, agents: number, maxOutageMs: number): Fault[] {
  const random = seededRandom(seed);
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  const faults: Fault[] = [];
  const outage = between(Math.min(15_000, maxOutageMs), maxOutageMs);
  faults.push({ kind: 'postgres-stop', at: between(3_000, windowMs - outage), durationMs: outage, arg: 0 });
  faults.push({
    kind: 'workerd-kill',
    at: between(3_000, windowMs - 8_000),
    durationMs: between(1_000, 8_000),
    arg: 0,
  });
  for (let agent = 0; agent < agents; agent++) {
    faults.push({ kind: 'agent-kill', at: between(3_000, windowMs - 2_000), durationMs: 0, arg: agent });
  }
  for (const path of ['agent-edge', 'edge-pg'] as const) {
    const spells = [`${path}-latency`, `${path}-stall`, `${path}-reset`] as FaultKind[];
    // A random order, laid out one after another from a random start.
    spells.sort(() => random() - 0.5);
    let at = between(2_000, windowMs / 3);
    for (const kind of spells) {
      const durationMs = kind.endsWith('reset') ? 0 : between(3_000, 12_000);
      faults.push({ kind, at, durationMs, arg: kind.endsWith('latency') ? between(50, 400) : 0 });
      at += durationMs + between(2_000, 10_000);
    }
  }
  return faults.sort((a, b) => a.at - b.at);
}
