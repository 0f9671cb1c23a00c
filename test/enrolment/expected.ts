// The reference centroid, computed independently of the agent and the edge: float64 mean of unit samples.
import { createClient } from '@libsql/client';
import { randomVector, type Sql } from '../support/index.ts';

/** One speaker's utterance: a voice plus per-utterance noise, float32 values as an encoder gives them. */
export function utterance(seed: number, voice = 1): number[] {
  const base = randomVector(voice);
  const noise = randomVector(seed);
  return base.map((v, i) => Math.fround(v + 0.4 * (noise[i] ?? 0)));
}

/** Samples behind a profile: an enrolled utterance (weight 1) or a replaced centroid counting `weight` samples. */
export interface Part {
  vector: number[];
  weight: number;
}

/** Normalised mean of the parts' unit vectors, each counted `weight` times, in float64. */
export function expectedCentroid(samples: Part[]): number[] {
  const dim = samples[0]?.vector.length ?? 0;
  const sum = new Array<number>(dim).fill(0);
  for (const { vector, weight } of samples) {
    const norm = Math.hypot(...vector);
    for (let i = 0; i < dim; i++) sum[i] = (sum[i] ?? 0) + ((vector[i] ?? 0) / norm) * weight;
  }
  const norm = Math.hypot(...sum);
  return sum.map((value) => value / norm);
}

/** `vector` scaled to unit length (a replaced profile stores its embedding as given). */
export function unit(vector: ArrayLike<number>): number[] {
  const values = Array.from(vector);
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}

/** Largest absolute difference between two vectors (Infinity when their lengths differ). */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return worst;
}

/**
 * Within float32 rounding of a unit vector: each stored component is the float64 value rounded
 * once (half an ulp, at most 2^-25 for values below 1), plus float64 summation noise far below it.
 */
export const FLOAT32_ROUNDING = 2 ** -24;

export interface HeldProfile {
  deleted: boolean;
  name: string;
  totalSamples: number;
  contentHash: string;
  embedding: Float32Array;
  /** Hex of the float64 sum bytes, or null when written whole. */
  sampleSum: string | null;
}

function toFloat32(bytes: Uint8Array): Float32Array {
  return new Float32Array(new Uint8Array(bytes).buffer);
}

export async function postgresProfile(
  sql: Sql,
  tenantId: string,
  speakerId: string,
): Promise<HeldProfile | undefined> {
  const [row] = await sql<
    {
      deleted: boolean;
      name: string;
      total_samples: number;
      content_hash: string;
      embedding: Uint8Array;
      sample_sum: Uint8Array | null;
    }[]
  >`select deleted, name, total_samples, content_hash, embedding, sample_sum from profiles
    where tenant_id = ${tenantId} and speaker_id = ${speakerId}`;
  if (!row) return undefined;
  return {
    deleted: row.deleted,
    name: row.name,
    totalSamples: row.total_samples,
    contentHash: row.content_hash,
    embedding: toFloat32(row.embedding),
    sampleSum: row.sample_sum ? Buffer.from(row.sample_sum).toString('hex') : null,
  };
}

/** Reads a libSQL file with its own client: what is on disk, not what the agent believes. */
export async function libsqlProfile(dbPath: string, speakerId: string): Promise<HeldProfile | undefined> {
  const client = createClient({ url: `file:${dbPath}`, intMode: 'number' });
  try {
    const rs = await client.execute({
      sql: 'SELECT deleted, name, total_samples, content_hash, embedding, sample_sum FROM profiles WHERE speaker_id = ?',
      args: [speakerId],
    });
    const row = rs.rows[0];
    if (!row) return undefined;
    return {
      deleted: Number(row.deleted) === 1,
      name: String(row.name),
      totalSamples: Number(row.total_samples),
      contentHash: String(row.content_hash),
      embedding: toFloat32(new Uint8Array(row.embedding as ArrayBuffer)),
      sampleSum: row.sample_sum == null ? null : Buffer.from(row.sample_sum as ArrayBuffer).toString('hex'),
    };
  } finally {
    client.close();
  }
}
