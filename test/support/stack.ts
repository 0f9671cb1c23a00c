// One PostgreSQL + edge Worker pair for a suite, with an admin token and a SQL client to read back.
import { randomBytes } from 'node:crypto';
import {
  bytesToBase64,
  enrolmentHash,
  float32ToBytes,
  float64ToBytes,
  profileContentHash,
  sumOfSamples,
} from '@voicesync/core';
import {
  type EdgeHandle,
  type PostgresHandle,
  type StartPostgresOptions,
  startEdge,
  startPostgres,
} from '../harness/index.ts';
import { type Device, pg, provisionDevice, randomVector, type Sql } from './index.ts';

export interface Stack {
  postgres: PostgresHandle;
  edge: EdgeHandle;
  sql: Sql;
  adminToken: string;
  device(tenantId: string): Promise<Device>;
  destroy(): Promise<void>;
}

export async function startStack(
  options: { vars?: Record<string, string>; postgres?: StartPostgresOptions } = {},
): Promise<Stack> {
  const adminToken = randomBytes(18).toString('base64url');
  const postgres = await startPostgres(options.postgres);
  const sql = pg(postgres.url);
  const edge = await startEdge({
    vars: { DATABASE_URL: postgres.url, ADMIN_TOKEN: adminToken, ...options.vars },
  });
  return {
    postgres,
    edge,
    sql,
    adminToken,
    device: (tenantId) => provisionDevice(edge.url, adminToken, tenantId),
    async destroy() {
      await sql.end({ timeout: 1 });
      await edge.destroy();
      await postgres.destroy();
    },
  };
}

/** A well-formed upsert mutation as an agent would send it (content hash computed the same way). */
export async function upsertMutation(
  speakerId: string,
  mutationId: number,
  seed: number,
  updatedAt = Date.now(),
) {
  const embedding = randomVector(seed);
  const contentHash = await profileContentHash({
    speakerId,
    name: speakerId,
    embedding,
    acousticFeatures: null,
    totalSamples: 1,
  });
  return {
    mutationId,
    speakerId,
    op: 'upsert' as const,
    baseHash: null,
    contentHash,
    updatedAt,
    priority: 2,
    profile: {
      name: speakerId,
      embeddingB64: bytesToBase64(float32ToBytes(embedding)),
      acousticFeatures: null,
      totalSamples: 1,
    },
  };
}

/** POST /v1/push as a device. */
export function push(edgeUrl: string, token: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${edgeUrl}/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A well-formed enrolment of one new sample, as an agent would send it (hashed the same way). */
export async function enrolMutation(
  speakerId: string,
  mutationId: number,
  seed: number,
  updatedAt = Date.now(),
) {
  const delta = {
    speakerId,
    name: speakerId,
    acousticFeatures: null,
    sampleSum: sumOfSamples([randomVector(seed)], 192),
    samples: 1,
  };
  return {
    mutationId,
    speakerId,
    op: 'enrol' as const,
    baseHash: null,
    contentHash: await enrolmentHash(delta),
    updatedAt,
    priority: 2,
    enrolment: {
      name: speakerId,
      sampleSumB64: bytesToBase64(float64ToBytes(delta.sampleSum)),
      samples: 1,
      acousticFeatures: null,
    },
  };
}
