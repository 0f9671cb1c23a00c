// Applies other devices' changes from the edge's change log to libSQL and the index, cursor by cursor.
import {
  base64ToBytes,
  bytesToFloat64,
  bytesToFloat32,
  canonicalJson,
  type Clock,
  profileContentHash,
  type Sleep,
  tombstoneHash,
} from '@voicesync/core';
import { type PullChange, type PullResponse, pullResponseSchema } from '@voicesync/schema';
import type { Logger } from '../../logger/index.ts';
import { SyncLoop } from '../loop/index.ts';
import { dropUnlisted } from './resync.ts';
import type { Outbox } from '../outbox/index.ts';
import { type ProfileChange, type ProfileStore, upsertProfileStatement } from '../../profiles/index.ts';
import { type InStatement, readState, type Store, writeStateStatement } from '../../store/index.ts';
import type { SyncStats } from '../stats.ts';
import type { EdgeTransport } from '../transport/index.ts';

const CURSOR = 'pull_cursor';

export interface PullResult {
  applied: number;
  skipped: number;
  cursor: number;
  resets: number;
  /** Local profiles dropped after a reset because the full pull no longer listed them. */
  dropped: number;
  /**
   * The pull stopped before a change of a speaker whose own write is numbered but not yet
   * acknowledged; the cursor stays before it and the next pull comes soon.
   */
  blocked: boolean;
}

/** How soon a pull stopped by an unacknowledged write tries again (an ack takes one round trip). */
export const BLOCKED_RETRY_MS = 200;

type Prepared = { statement: InStatement; change: ProfileChange } | 'skip' | 'blocked';

export class Puller {
  private running: Promise<PullResult> | undefined;
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly profiles: ProfileStore,
    private readonly outbox: Pick<Outbox, 'speakerState'>,
    private readonly transport: Pick<EdgeTransport, 'request'>,
    private readonly stats: SyncStats,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly pageSize = 200,
  ) {}

  private loop: SyncLoop | undefined;

  /** Pulls now, then every `intervalMs`, and whenever `wake()` is called (a notification arrived). */
  start(intervalMs: number, sleep: Sleep): void {
    if (this.loop?.started) return;
    const loop = new SyncLoop(
      async () => {
        const result = await this.pull().catch((error: unknown) => {
          this.log.warn({ err: (error as Error).message }, 'pull failed; will retry');
        });
        return this.clock.now() + (result?.blocked ? Math.min(intervalMs, BLOCKED_RETRY_MS) : intervalMs);
      },
      this.clock,
      sleep,
    );
    this.loop = loop;
    loop.start();
  }

  /** A change arrived upstream; a wake during a pull is not lost (that pull may have read the log before it). */
  wake(): void {
    this.loop?.wake();
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  async cursor(): Promise<number> {
    return Number((await readState(this.store, CURSOR)) ?? 0);
  }

  /** Forget the cursor: the next pull rebuilds from the start of the log. */
  async resetCursor(): Promise<void> {
    await this.store.client.execute(writeStateStatement(CURSOR, '0'));
  }

  /** Pulls until the log is exhausted. Concurrent calls share one run (and trigger one more after it). */
  pull(): Promise<PullResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.pull().catch((error: unknown) => this.log.warn({ err: error }, 'pull failed'));
      }
    });
    return this.running;
  }

  private async drain(): Promise<PullResult> {
    const result: PullResult = {
      applied: 0,
      skipped: 0,
      cursor: await this.cursor(),
      resets: 0,
      dropped: 0,
      blocked: false,
    };
    /** After a reset: every speaker the full pull lists (applied or not). */
    let listed: Set<string> | undefined;
    for (;;) {
      const page = await this.fetchPage(result.cursor);
      if (page.reset) {
        // Unknown cursor: one full resync from 0, never a loop of resets.
        if (result.resets > 0) throw new Error('edge asked for a second reset in one pull');
        result.resets += 1;
        result.cursor = 0;
        // Only a cursor behind compaction: one ahead of the log is another upstream's (see
        // checkUpstream), whose log says nothing about what this database holds.
        if (page.compacted) listed = new Set();
        this.log.warn('edge does not know our pull cursor; resyncing from the start');
        continue;
      }
      for (const change of page.changes) listed?.add(change.speakerId);
      const { applied, skipped, cursor } = await this.applyPage(page, result.cursor);
      result.applied += applied;
      result.skipped += skipped;
      result.cursor = cursor;
      if (cursor !== page.nextCursor) {
        result.blocked = true;
        break;
      }
      if (!page.hasMore) break;
    }
    // Only a resync that read the whole log knows what the edge no longer holds.
    if (listed && !result.blocked) {
      result.dropped = (await dropUnlisted(this.store, this.profiles, this.outbox, listed, this.log)).length;
    }
    this.stats.pulled += result.applied;
    this.stats.lastPullAt = this.clock.now();
    return result;
  }

  private async fetchPage(cursor: number): Promise<PullResponse> {
    const response = await this.transport.request(`/v1/pull?cursor=${cursor}&limit=${this.pageSize}`);
    const body = (await response.json().catch(() => undefined)) as unknown;
    if (!response.ok) throw new Error(`pull failed with ${response.status}`);
    return pullResponseSchema.parse(body);
  }

  /**
   * One page in one transaction with its cursor. A speaker with a local write not yet sent is left
   * alone: that write goes up with its base hash and the edge's conflict rule decides. A speaker
   * whose write is numbered but unacknowledged stops the page: that write may already be applied
   * upstream, before this change, so skipping the change would lose it. The cursor then stays just
   * before it (changes compacted into later entries of the page are read again).
   */
  private applyPage(
    page: PullResponse,
    from: number,
  ): Promise<{ applied: number; skipped: number; cursor: number }> {
    return this.profiles.exclusive(async () => {
      const statements: InStatement[] = [];
      const changes: ProfileChange[] = [];
      let skipped = 0;
      let cursor = page.nextCursor;
      for (const change of page.changes) {
        const outcome = await this.prepare(change);
        if (outcome === 'blocked') {
          cursor = Math.max(from, change.cursor - 1);
          break;
        }
        if (outcome === 'skip') {
          skipped += 1;
          continue;
        }
        statements.push(outcome.statement);
        changes.push(outcome.change);
      }
      statements.push(writeStateStatement(CURSOR, String(cursor)));
      await this.store.client.batch(statements, 'write');
      for (const change of changes) {
        this.profiles.forget(change.kind === 'upsert' ? change.profile.speakerId : change.speakerId);
        this.profiles.emit(change);
      }
      return { applied: changes.length, skipped, cursor };
    });
  }

  private async prepare(change: PullChange): Promise<Prepared> {
    const { speakerId } = change;
    const local = await this.outbox.speakerState(speakerId);
    if (local === 'unsettled') return 'blocked';
    if (local === 'unsent') return 'skip';
    const current = await this.profiles.readRow(speakerId);
    const sampleSum = sumBytes(change);
    if (sampleSum === 'corrupt') return this.corrupt(change);
    if (current?.contentHash === change.contentHash && sameSum(current.sampleSum, sampleSum)) return 'skip';
    // This device's own earlier write, read back after its newer one was acknowledged: the newer
    // content is already upstream, and applying the old one would turn verification back to it until
    // the next pull. Only own writes: another device's older content can still be what PostgreSQL
    // holds (an enrolment dropped on a deleted speaker leaves the older tombstone standing), and a
    // merged enrolment keeps the later of two times, so an equal time is never skipped either.
    if (current && change.own && change.updatedAt < current.updatedAt) return 'skip';
    if (change.op === 'delete') {
      if (change.contentHash !== (await tombstoneHash(speakerId))) return this.corrupt(change);
      const statement = upsertProfileStatement({
        speakerId,
        name: '',
        embedding: new Uint8Array(0),
        acousticFeatures: null,
        totalSamples: current?.totalSamples ?? 1,
        contentHash: change.contentHash,
        updatedAt: change.updatedAt,
        deleted: true,
        version: change.version,
      });
      return { statement, change: { kind: 'delete', speakerId } };
    }
    if (!change.profile) return this.corrupt(change);
    const bytes = base64ToBytes(change.profile.embeddingB64);
    if (sampleSum && sampleSum.byteLength !== bytes.byteLength * 2) return this.corrupt(change);
    const content = {
      speakerId,
      name: change.profile.name,
      embedding: bytesToFloat32(bytes),
      acousticFeatures: change.profile.acousticFeatures ?? null,
      totalSamples: change.profile.totalSamples,
    };
    if ((await profileContentHash(content)) !== change.contentHash) return this.corrupt(change);
    const statement = upsertProfileStatement({
      speakerId,
      name: content.name,
      embedding: bytes,
      acousticFeatures: content.acousticFeatures === null ? null : canonicalJson(content.acousticFeatures),
      totalSamples: content.totalSamples,
      sampleSum,
      contentHash: change.contentHash,
      updatedAt: change.updatedAt,
      deleted: false,
      version: change.version,
    });
    const profile = {
      ...content,
      contentHash: change.contentHash,
      version: change.version,
      updatedAt: change.updatedAt,
    };
    return { statement, change: { kind: 'upsert', profile } };
  }

  private corrupt(change: PullChange): 'skip' {
    this.log.error(
      { speakerId: change.speakerId, cursor: change.cursor },
      'pulled change fails its content hash; skipped',
    );
    return 'skip';
  }
}

/**
 * Whether the local sum is the edge's, byte for byte. Equal hashes with different sums (the same
 * centroid after float32 rounding) still take the edge's sum, so later merges start from it.
 */
function sameSum(local: Float64Array | null, pulled: Uint8Array | null): boolean {
  if (local === null || pulled === null) return local === pulled;
  const theirs = bytesToFloat64(pulled);
  return theirs.length === local.length && theirs.every((value, i) => Object.is(value, local[i]));
}

/** The pulled float64 sum, null when the profile was written whole, or 'corrupt' when it is not base64. */
function sumBytes(change: PullChange): Uint8Array | null | 'corrupt' {
  if (!change.sampleSumB64) return null;
  try {
    return base64ToBytes(change.sampleSumB64);
  } catch {
    return 'corrupt';
  }
}
