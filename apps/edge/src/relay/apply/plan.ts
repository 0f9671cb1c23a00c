// Decides, in memory, what a batch does: duplicates, rejections, conflicts and the rows to write.
import type { MutationResult } from '@voicesync/schema';
import type { Checked, IncomingContent } from './validate.ts';

/** What PostgreSQL holds for a speaker (a tombstone keeps its tombstone hash). */
export interface ServerContent {
  contentHash: string;
  updatedAt: number;
}

export interface ConflictRecord {
  speakerId: string;
  mutationId: number;
  baseHash: string | null;
  serverHash: string | null;
  incomingHash: string;
  winner: 'incoming' | 'server';
}

export interface ChangeRecord {
  speakerId: string;
  contentHash: string;
  mutationId: number;
}

export interface BatchPlan {
  results: MutationResult[];
  /** Final content per speaker and how many applied mutations it folds (the version increment). */
  writes: Map<string, { content: IncomingContent; applied: number }>;
  changes: ChangeRecord[];
  conflicts: ConflictRecord[];
  lastMutationId: number;
}

/**
 * The conflict rule: the side with the greater `updatedAt` wins; on a tie the greater
 * `contentHash` (plain string comparison of lowercase hex) wins, so equal inputs give the same
 * winner on every device. A side PostgreSQL has no row for never wins against a write.
 */
export function incomingWins(incoming: ServerContent, server: ServerContent | null): boolean {
  if (!server) return true;
  if (incoming.updatedAt !== server.updatedAt) return incoming.updatedAt > server.updatedAt;
  return incoming.contentHash > server.contentHash;
}

/**
 * Folds a batch, in order, over the server's current content. Ids at or below
 * `lastMutationId` are duplicates; the caller has already refused a gap.
 */
export function planBatch(
  lastMutationId: number,
  batch: Checked[],
  server: Map<string, ServerContent>,
): BatchPlan {
  const state = new Map(server);
  const plan: BatchPlan = { results: [], writes: new Map(), changes: [], conflicts: [], lastMutationId };
  for (const checked of batch) {
    const { mutation } = checked;
    if (mutation.mutationId <= lastMutationId) {
      plan.results.push({ mutationId: mutation.mutationId, status: 'duplicate' });
      continue;
    }
    plan.lastMutationId = mutation.mutationId;
    if (!checked.content) {
      plan.results.push({ mutationId: mutation.mutationId, status: 'rejected', reason: checked.reason });
      continue;
    }
    const incoming = checked.content;
    const current = state.get(incoming.speakerId) ?? null;
    const serverHash = current?.contentHash ?? null;
    const conflicted = mutation.baseHash !== serverHash;
    const wins = !conflicted || incomingWins(incoming, current);
    if (wins) {
      state.set(incoming.speakerId, { contentHash: incoming.contentHash, updatedAt: incoming.updatedAt });
      const applied = (plan.writes.get(incoming.speakerId)?.applied ?? 0) + 1;
      plan.writes.set(incoming.speakerId, { content: incoming, applied });
      plan.changes.push({
        speakerId: incoming.speakerId,
        contentHash: incoming.contentHash,
        mutationId: mutation.mutationId,
      });
    }
    const contentHash = state.get(incoming.speakerId)?.contentHash;
    if (!conflicted) {
      plan.results.push({ mutationId: mutation.mutationId, status: 'applied', contentHash });
      continue;
    }
    const winner = wins ? 'incoming' : 'server';
    if (!wins && serverHash !== null) {
      // Re-announce the winning server content in the change log: the losing device skipped the
      // earlier change while its write was pending, and must converge through pull.
      plan.changes.push({
        speakerId: incoming.speakerId,
        contentHash: serverHash,
        mutationId: mutation.mutationId,
      });
    }
    plan.conflicts.push({
      speakerId: incoming.speakerId,
      mutationId: mutation.mutationId,
      baseHash: mutation.baseHash,
      serverHash,
      incomingHash: incoming.contentHash,
      winner,
    });
    plan.results.push({ mutationId: mutation.mutationId, status: 'conflict', winner, contentHash });
  }
  return plan;
}
