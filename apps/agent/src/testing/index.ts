// Test fixtures for the agent's unit tests: temp stores, random embeddings, a scripted edge.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mutation, PushAck } from '@voicesync/schema';
import { openStore, type Store } from '../store/index.ts';
import type { HandshakeOutcome, PushOutcome } from '../sync/transport/index.ts';

export async function tempStore(): Promise<Store & { dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'voicesync-unit-'));
  const store = await openStore(join(dir, 'agent.db'));
  return {
    ...store,
    dir,
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A deterministic pseudo-random unit-ish vector. */
export function randomEmbedding(seed: number, dim = 192): Float32Array {
  let state = seed * 2654435761 + 1;
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = state / 2147483648 - 0.5;
  }
  return out;
}

/**
 * An in-memory edge with the push protocol's bookkeeping (last id, duplicates, gaps), so the
 * pusher's own logic can be driven step by step. End-to-end tests use the real Worker.
 */
export class ScriptedEdge {
  lastMutationId = 0;
  applied: Mutation[] = [];
  load = 0;
  /** Next outcomes to return instead of processing (e.g. outages); consumed in order. */
  script: Array<PushOutcome | 'commit-but-lose-ack'> = [];
  requests: Mutation[][] = [];
  /** Batches holding a mutation this matches are refused whole with a 400, like a validation failure. */
  refuse: (m: Mutation) => boolean = () => false;

  handshake = async (): Promise<HandshakeOutcome> => ({ kind: 'ok', lastMutationId: this.lastMutationId });

  push = async (mutations: Mutation[]): Promise<PushOutcome> => {
    this.requests.push(mutations);
    const next = this.script.shift();
    if (next && next !== 'commit-but-lose-ack') return next;
    if (mutations.some(this.refuse))
      return { kind: 'refused', status: 400, code: 'invalid_batch', message: 'refused' };
    const fresh = mutations.filter((m) => m.mutationId > this.lastMutationId);
    if (fresh[0] && fresh[0].mutationId !== this.lastMutationId + 1) {
      return { kind: 'gap', lastMutationId: this.lastMutationId };
    }
    const ack: PushAck = { lastMutationId: this.lastMutationId, results: [], load: this.load };
    for (const m of mutations) {
      if (m.mutationId <= this.lastMutationId) {
        ack.results.push({ mutationId: m.mutationId, status: 'duplicate' });
        continue;
      }
      this.applied.push(m);
      this.lastMutationId = m.mutationId;
      ack.results.push({ mutationId: m.mutationId, status: 'applied', contentHash: m.contentHash });
    }
    ack.lastMutationId = this.lastMutationId;
    if (next === 'commit-but-lose-ack') return { kind: 'unavailable', message: 'ack lost' };
    return { kind: 'ack', ack };
  };
}
