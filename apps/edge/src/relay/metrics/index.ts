// What the Relay counts about pushes, and the status snapshot it serves to /v1/status and /metrics.
import type { MutationResult } from '@voicesync/schema';
import type { Announced } from '../../notify/tenant-hubs.ts';

export * from './latency.ts';

export type MutationStatus = MutationResult['status'];

export interface PushSnapshot {
  batches: number;
  gaps: number;
  mutations: Record<MutationStatus, number>;
  /** Announcements of committed pushes: sent to the tenant's hub, or skipped (nobody else listened). */
  announcements: Record<Announced, number>;
}

/** The shape of a Relay's status is the wire's (`@voicesync/schema`), so /v1/status answers what agents parse. */
export type { RelayStatus } from '@voicesync/schema';

/** In-memory counters; they restart at zero with the Relay, which Prometheus counters allow. */
export class PushCounters {
  private batches = 0;
  private gaps = 0;
  private readonly mutations: Record<MutationStatus, number> = {
    applied: 0,
    duplicate: 0,
    conflict: 0,
    rejected: 0,
  };
  private readonly announcements: Record<Announced, number> = { sent: 0, skipped: 0 };

  /** A committed batch. */
  batch(results: MutationResult[]): void {
    this.batches += 1;
    for (const result of results) this.mutations[result.status] += 1;
  }

  /** A committed batch, its mutations counted by status already. */
  counted(counts: Record<MutationStatus, number>): void {
    this.batches += 1;
    for (const status of Object.keys(this.mutations) as MutationStatus[]) {
      this.mutations[status] += counts[status] ?? 0;
    }
  }

  gap(): void {
    this.gaps += 1;
  }

  announced(outcome: Announced): void {
    this.announcements[outcome] += 1;
  }

  snapshot(): PushSnapshot {
    return {
      batches: this.batches,
      gaps: this.gaps,
      mutations: { ...this.mutations },
      announcements: { ...this.announcements },
    };
  }
}
export * from './shards.ts';
