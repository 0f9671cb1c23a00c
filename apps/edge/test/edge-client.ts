// Node-only test support: talking to the Worker over HTTP, building consistent mutations, reading PG state.
import { bytesToBase64, float32ToBytes, profileContentHash } from '@voicesync/core';
import type { JsonValue, Mutation } from '@voicesync/schema';
import type postgres from 'postgres';
import { type Checked, checkMutation } from '../src/relay/apply/validate.ts';

export const ADMIN_TOKEN = 'test-admin-token';

export interface Device {
  deviceId: string;
  tenantId: string;
  token: string;
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is instead of JSON-encoding `body`. */
  raw?: string;
}

/** Anything serving the Worker over HTTP, e.g. the harness's EdgeHandle. */
export interface Edge {
  readonly url: string;
}

export async function call<T = Record<string, unknown>>(
  edge: Edge,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${edge.url}${path}`, { method, headers, ...(body ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

export function errorCode(answer: Answer): string | undefined {
  return (answer.body.error as { code?: string } | undefined)?.code;
}

export async function createDevice(edge: Edge, tenantId: string): Promise<Device> {
  const answer = await call<Device>(edge, 'POST', '/v1/admin/devices', {
    token: ADMIN_TOKEN,
    body: { tenantId },
  });
  if (answer.status !== 201) throw new Error(`creating a device failed: ${answer.status}`);
  return answer.body;
}

/** A deterministic 192-d float32 vector. */
export function vector(seed: number): number[] {
  return Array.from({ length: 192 }, (_, i) => Math.fround(Math.sin(seed * 1000 + i)));
}

/** An upsert whose contentHash is computed exactly as the agent computes it. */
export async function upsert(
  mutationId: number,
  speakerId: string,
  seed: number,
  options: {
    baseHash?: string | null;
    updatedAt?: number;
    /** Content overrides; the hash is still computed over what is sent. */
    name?: string;
    /** Sent as given, even when it is not valid JSON content (the edge must refuse it). */
    acousticFeatures?: unknown;
    totalSamples?: number;
  } = {},
): Promise<Mutation> {
  const embedding = vector(seed);
  const acousticFeatures = (
    'acousticFeatures' in options ? options.acousticFeatures : { pitchHz: 110 + seed, tags: ['a'] }
  ) as JsonValue;
  const content = {
    speakerId,
    name: options.name ?? `speaker ${speakerId}`,
    embedding,
    acousticFeatures,
    totalSamples: options.totalSamples ?? seed,
  };
  return {
    mutationId,
    speakerId,
    op: 'upsert',
    baseHash: options.baseHash ?? null,
    contentHash: await profileContentHash(content),
    updatedAt: options.updatedAt ?? 1_700_000_000_000 + mutationId,
    priority: 1,
    profile: {
      name: content.name,
      embeddingB64: bytesToBase64(float32ToBytes(embedding)),
      acousticFeatures,
      totalSamples: content.totalSamples,
    },
  };
}

/** Everything a refused request must leave untouched. */
export async function tableState(sql: postgres.Sql) {
  const [counts] = await sql`
    select (select count(*) from profiles)::int as profiles, (select count(*) from changes)::int as changes,
           (select count(*) from conflicts)::int as conflicts,
           (select coalesce(sum(version), 0) from profiles)::int as versions`;
  const devices = await sql`select id, last_mutation_id from devices order by id`;
  return { counts, devices };
}

/** What the push route hands the Relay for `mutations`: each checked as the Worker checks it (192-d, now). */
export function checkBatch(mutations: Mutation[]): Promise<Checked[]> {
  return Promise.all(
    mutations.map((m) => checkMutation(m, 192, { nowMs: Date.now(), maxClockSkewMs: 300_000 })),
  );
}
