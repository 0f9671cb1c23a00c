// Profile writes commit the row and its outbox entry in one libSQL transaction; reads are cache-first.
import type { Store } from '../store/index.ts';
import {
  canonicalJson,
  float32ToBytes,
  float64ToBytes,
  type Priority,
  profileContentHash,
  type SampleSum,
  tombstoneHash,
} from '@voicesync/core';
import { nextUpdatedAt } from '../clock-skew/index.ts';
import type { Outbox } from '../sync/outbox/index.ts';
import { commitEnrolment, commitWrite } from './commit.ts';
import { PROFILE_COLUMNS, ROW_COLUMNS, type Profile, type StoredProfile, toStoredProfile } from './rows.ts';

export { type Profile, type StoredProfile, toStoredProfile, upsertProfileStatement } from './rows.ts';
export * from './input.ts';

export type ProfileChange = { kind: 'upsert'; profile: Profile } | { kind: 'delete'; speakerId: string };

export interface WriteResult {
  speakerId: string;
  contentHash: string;
  version: number;
}

export interface ProfileContentInput {
  name: string;
  embedding: Float32Array;
  acousticFeatures?: unknown;
  totalSamples?: number;
  /** The profile's float64 sum of unit samples, when it was enrolled rather than written whole. */
  sampleSum?: SampleSum;
  /**
   * Set by an enrolment: only what it adds. The write then travels as a delta the edge adds to
   * whatever it holds, instead of as a replace that a concurrent enrolment elsewhere would overwrite.
   */
  enrolment?: { sampleSum: SampleSum; samples: number };
}

/** One profile read: how long it took and whether the cache answered it. */
export type ReadListener = (seconds: number, hit: boolean) => void;

export interface ProfileStoreOptions {
  now?: () => number;
  /** A stored `updatedAt` further ahead of `now` than this is not followed (five minutes by default). */
  maxAheadMs?: number;
  /** Told after each write whose outbox entry committed, so it can wake the pusher. */
  outbox?: Pick<Outbox, 'enqueued'>;
}

export class ProfileStore {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly cache = new Map<string, Profile>();
  private readonly listeners: Array<(change: ProfileChange) => void> = [];
  private readonly readListeners: ReadListener[] = [];
  cacheHits = 0;
  cacheMisses = 0;

  private readonly now: () => number;
  private readonly maxAheadMs: number;
  private readonly outbox: Pick<Outbox, 'enqueued'> | undefined;

  constructor(
    private readonly store: Store,
    options: ProfileStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxAheadMs = options.maxAheadMs ?? 300_000;
    this.outbox = options.outbox;
  }

  /** Called after every committed change (local or pulled), in commit order. */
  onChange(listener: (change: ProfileChange) => void): void {
    this.listeners.push(listener);
  }

  /** Runs `task` after every earlier write has finished: one writer, so read-then-write is safe. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Told after every `get`, with its time in seconds and whether the cache answered (metrics
   * observe reads here; nothing replaces the method).
   */
  onRead(listener: ReadListener): void {
    this.readListeners.push(listener);
  }

  get(speakerId: string): Promise<Profile | undefined> {
    if (this.readListeners.length === 0) return this.read(speakerId);
    const started = performance.now();
    const hitsBefore = this.cacheHits;
    const pending = this.read(speakerId);
    // The cache check runs before the read's first await: concurrent reads cannot be mistaken for each other.
    const hit = this.cacheHits !== hitsBefore;
    return pending.finally(() => {
      const seconds = (performance.now() - started) / 1000;
      for (const listener of this.readListeners) listener(seconds, hit);
    });
  }

  private async read(speakerId: string): Promise<Profile | undefined> {
    const cached = this.cache.get(speakerId);
    if (cached) {
      this.cacheHits += 1;
      return cached;
    }
    this.cacheMisses += 1;
    const row = await this.readRow(speakerId);
    if (!row || row.deleted) return undefined;
    // The sum is write state: the cache and the API hold the profile scoring uses.
    const { sampleSum: _sampleSum, ...profile } = row;
    this.cache.set(speakerId, profile);
    return profile;
  }

  /** Every live profile, for preloading the index. */
  async all(): Promise<Profile[]> {
    const rs = await this.store.client.execute(`SELECT ${PROFILE_COLUMNS} FROM profiles WHERE deleted = 0`);
    return rs.rows.map(toStoredProfile);
  }

  async liveCount(): Promise<number> {
    const rs = await this.store.client.execute('SELECT COUNT(*) AS n FROM profiles WHERE deleted = 0');
    return Number(rs.rows[0]?.n ?? 0);
  }

  /** Every live profile, a page at a time, so preloading a large database never holds it twice. */
  async *pages(size = 5_000): AsyncGenerator<Profile[]> {
    let after = '';
    for (;;) {
      const rs = await this.store.client.execute({
        sql: `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE deleted = 0 AND speaker_id > ? ORDER BY speaker_id LIMIT ?`,
        args: [after, size],
      });
      const page = rs.rows.map(toStoredProfile);
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1]?.speakerId ?? after;
      if (page.length < size) return;
    }
  }

  async readRow(speakerId: string): Promise<StoredProfile | undefined> {
    const rs = await this.store.client.execute({
      sql: `SELECT ${ROW_COLUMNS} FROM profiles WHERE speaker_id = ?`,
      args: [speakerId],
    });
    const row = rs.rows[0];
    return row ? toStoredProfile(row) : undefined;
  }

  /** Replaces a profile's content. Answers only after the row and its outbox entry are committed. */
  put(speakerId: string, input: ProfileContentInput, priority: Priority): Promise<WriteResult> {
    return this.putDerived(speakerId, () => input, priority);
  }

  /**
   * Like `put`, with content computed from the current row inside the write lock (enrolment
   * updates a running centroid and must not lose a concurrent sample).
   */
  putDerived(
    speakerId: string,
    derive: (current: StoredProfile | undefined) => ProfileContentInput,
    priority: Priority,
  ): Promise<WriteResult> {
    return this.exclusive(async () => {
      const current = await this.readRow(speakerId);
      const input = derive(current && !current.deleted ? current : undefined);
      const content = {
        speakerId,
        name: input.name,
        embedding: input.embedding,
        acousticFeatures: input.acousticFeatures ?? null,
        totalSamples: input.totalSamples ?? 1,
      };
      const contentHash = await profileContentHash(content);
      if (current && !current.deleted && current.contentHash === contentHash) {
        return { speakerId, contentHash, version: current.version };
      }
      const write = {
        speakerId,
        name: content.name,
        embedding: float32ToBytes(content.embedding),
        acousticFeatures: content.acousticFeatures === null ? null : canonicalJson(content.acousticFeatures),
        totalSamples: content.totalSamples,
        sampleSum: input.sampleSum ? float64ToBytes(input.sampleSum) : null,
        contentHash,
        updatedAt: this.nextTimestamp(current),
        deleted: false,
      };
      const version = input.enrolment
        ? await commitEnrolment(this.store, write, current, input.enrolment, priority)
        : await commitWrite(this.store, write, current, priority);
      const profile: Profile = { ...content, contentHash, version, updatedAt: write.updatedAt };
      this.cache.set(speakerId, profile);
      this.emit({ kind: 'upsert', profile });
      this.outbox?.enqueued(priority);
      return { speakerId, contentHash, version };
    });
  }

  /** Deletes a profile (a tombstone that syncs). Undefined when there is nothing to delete. */
  remove(speakerId: string, priority: Priority): Promise<WriteResult | undefined> {
    return this.exclusive(async () => {
      const current = await this.readRow(speakerId);
      if (!current || current.deleted) return undefined;
      const contentHash = await tombstoneHash(speakerId);
      const write = {
        speakerId,
        name: '',
        embedding: new Uint8Array(0),
        acousticFeatures: null,
        totalSamples: current.totalSamples,
        contentHash,
        updatedAt: this.nextTimestamp(current),
        deleted: true,
      };
      const version = await commitWrite(this.store, write, current, priority);
      this.cache.delete(speakerId);
      this.emit({ kind: 'delete', speakerId });
      this.outbox?.enqueued(priority);
      return { speakerId, contentHash, version };
    });
  }

  /** Later than both the clock and the content it replaces, unless that lies far in the future (see nextUpdatedAt). */
  private nextTimestamp(current: StoredProfile | undefined): number {
    return nextUpdatedAt(this.now(), current?.updatedAt, this.maxAheadMs);
  }

  /** Drops cached content (after pulled changes replace it). */
  forget(speakerId: string): void {
    this.cache.delete(speakerId);
  }

  emit(change: ProfileChange): void {
    for (const listener of this.listeners) listener(change);
  }

  get cacheSize(): number {
    return this.cache.size;
  }
}
