// Speaker verification and identification from memory only: cosine scores, thresholds, cohort norm.
import { VoicesyncError } from '@voicesync/core';
import type { AgentConfig } from '../config/index.ts';
import type { Profile, ProfileChange } from '../profiles/index.ts';
import { type EmbeddingIndex, l2normalize, type SpeakerScore } from '../scoring/index.ts';
import { type Cohort, type ScoreStats, topStats } from './cohort.ts';

export { Cohort } from './cohort.ts';
export { centroidUpdate } from './enrolment.ts';

type AuthConfig = Pick<AgentConfig, 'threshold' | 'speakerThresholds' | 'normalization'>;

export interface Verification {
  accepted: boolean;
  score: number;
  threshold: number;
  /** Plain cosine similarity (equals `score` unless normalisation is on). */
  rawScore: number;
}

export interface Identification {
  accepted: boolean;
  threshold: number;
  matches: Array<{ speakerId: string; name: string; score: number }>;
}

export class Authenticator {
  private readonly modelStats = new Map<string, ScoreStats>();

  constructor(
    readonly index: EmbeddingIndex,
    private readonly cohort: Cohort,
    private readonly config: AuthConfig,
  ) {}

  /** Keeps the index in step with every committed change (local writes, deletes, pulls). */
  apply(change: ProfileChange): void {
    if (change.kind === 'delete') {
      this.index.remove(change.speakerId);
      this.modelStats.delete(change.speakerId);
      return;
    }
    this.load(change.profile);
  }

  load(profile: Profile): void {
    this.loadSpeaker(profile.speakerId, profile.name, profile.totalSamples, profile.embedding);
  }

  /** `load` from bare columns, so the start-up preload builds no Profile objects. */
  loadSpeaker(speakerId: string, name: string, totalSamples: number, embedding: Float32Array): void {
    // Names live beside the rows in the index's compact table: no Map entry per speaker.
    this.index.upsert(speakerId, embedding, { name, totalSamples });
    this.modelStats.delete(speakerId);
  }

  /** The cohort changed: every cached model-side statistic is stale. */
  cohortChanged(): void {
    this.modelStats.clear();
  }

  speakers(): Array<{ speakerId: string; name: string; totalSamples: number }> {
    return [...this.index.speakers()];
  }

  thresholdFor(speakerId: string | undefined): number {
    const override = speakerId === undefined ? undefined : this.config.speakerThresholds[speakerId];
    if (override !== undefined) return override;
    return this.normalising ? this.config.normalization.threshold : this.config.threshold;
  }

  private get normalising(): boolean {
    return this.config.normalization.mode !== 'none' && this.cohort.size > 1;
  }

  verify(speakerId: string, embedding: Float32Array): Verification {
    // The index normalises the query itself; only the cohort needs a normalised copy here.
    const rawScore = this.index.score(speakerId, embedding);
    if (rawScore === undefined) throw new VoicesyncError('not_found', `unknown speaker ${speakerId}`);
    const score = this.normalising
      ? this.normalise(speakerId, rawScore, this.queryStats(embedding))
      : rawScore;
    const threshold = this.thresholdFor(speakerId);
    return { accepted: score >= threshold, score, threshold, rawScore };
  }

  /** Top-k speakers, best first; open-set: rejected when the best is below its threshold. */
  identify(embedding: Float32Array, k: number): Identification {
    return this.decide(embedding, k, this.index.search(embedding, this.candidateCount(k)));
  }

  /** `identify`, with a large index scanned on worker threads so the caller's thread stays free meanwhile. */
  async identifyAsync(embedding: Float32Array, k: number): Promise<Identification> {
    return this.decide(embedding, k, await this.index.searchAsync(embedding, this.candidateCount(k)));
  }

  private candidateCount(k: number): number {
    return this.normalising ? Math.min(32, Math.max(k, 10)) : k;
  }

  private decide(embedding: Float32Array, k: number, found: SpeakerScore[]): Identification {
    let candidates = found;
    if (this.normalising) {
      const queryStats = this.queryStats(embedding);
      candidates = candidates
        .map((c) => ({ speakerId: c.speakerId, score: this.normalise(c.speakerId, c.score, queryStats) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
    }
    const matches = candidates.map((c) => ({ ...c, name: this.index.label(c.speakerId)?.name ?? '' }));
    const best = matches[0];
    const threshold = this.thresholdFor(best?.speakerId);
    return { accepted: best !== undefined && best.score >= threshold, threshold, matches };
  }

  private queryStats(embedding: Float32Array): ScoreStats {
    return topStats(this.cohort.scores(l2normalize(embedding, this.index.dim)), this.topN);
  }

  private get topN(): number | undefined {
    return this.config.normalization.mode === 'as-norm' ? this.config.normalization.topN : undefined;
  }

  /** Symmetric normalisation: the mean of the z-scores against the query's and the model's cohort scores. */
  private normalise(speakerId: string, raw: number, queryStats: ScoreStats): number {
    let model = this.modelStats.get(speakerId);
    if (!model) {
      const vector = this.index.get(speakerId);
      if (!vector) return raw;
      model = topStats(this.cohort.scores(vector), this.topN);
      this.modelStats.set(speakerId, model);
    }
    return 0.5 * ((raw - queryStats.mean) / queryStats.std + (raw - model.mean) / model.std);
  }
}
