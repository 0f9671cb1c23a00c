// A hand-written check of a push request that accepts exactly what `pushRequestSchema` accepts and
// yields the same value, at a fraction of zod's CPU (edge profile: zod was ~10 % of a 50-mutation
// push). It answers only "accepted" (with the value) or "ask zod": zod still writes every error.
import { isPriority } from '@voicesync/core';
import type { JsonValue } from './values.ts';
import { jsonProblem, MAX_FEATURES_CHARS, MAX_INT32, unstorableText } from './values.ts';
import {
  MAX_PUSH_BATCH,
  type Mutation,
  type PushRequest,
  type WireEnrolment,
  type WireProfile,
} from './push.ts';

const SPEAKER_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * `hashSchema`'s /^[0-9a-f]{64}$/ as a loop: two hashes per mutation, and `RegExp.test` costs
 * ~10x the loop (1.7 % of a 50-mutation push's instructions in workerd, docs/capacity.md round 9).
 */
function isHash(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = value.charCodeAt(i);
    // 0-9 or a-f
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
const OPS = new Set(['upsert', 'delete', 'enrol']);

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function intIn(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

function storableName(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length >= 1 && value.length <= 200 && unstorableText(value) === null
  );
}

/** Acoustic features as `acousticFeaturesSchema().nullable()` takes them (the value itself, not a copy). */
function features(value: unknown): value is JsonValue {
  if (value === null) return true;
  if (value === undefined || jsonProblem(value) !== null) return false;
  return JSON.stringify(value).length <= MAX_FEATURES_CHARS;
}

function profileOf(value: unknown): WireProfile | undefined {
  if (!isObject(value)) return undefined;
  const { name, embeddingB64, acousticFeatures, totalSamples } = value;
  if (!storableName(name) || typeof embeddingB64 !== 'string' || embeddingB64.length > 1_000_000)
    return undefined;
  if (!intIn(totalSamples, 1, MAX_INT32) || !features(acousticFeatures)) return undefined;
  return { name, embeddingB64, acousticFeatures, totalSamples };
}

function enrolmentOf(value: unknown): WireEnrolment | undefined {
  if (!isObject(value)) return undefined;
  const { name, sampleSumB64, samples, acousticFeatures } = value;
  if (!storableName(name) || typeof sampleSumB64 !== 'string' || sampleSumB64.length > 2_000_000)
    return undefined;
  if (!intIn(samples, 1, MAX_INT32) || !features(acousticFeatures)) return undefined;
  return { name, sampleSumB64, samples, acousticFeatures };
}

function mutationOf(value: unknown, previousId: number | undefined): Mutation | undefined {
  if (!isObject(value)) return undefined;
  const { mutationId, speakerId, op, baseHash, contentHash, updatedAt, priority } = value;
  if (!intIn(mutationId, 1, Number.MAX_SAFE_INTEGER)) return undefined;
  if (previousId !== undefined && mutationId !== previousId + 1) return undefined;
  if (typeof speakerId !== 'string' || !SPEAKER_ID.test(speakerId)) return undefined;
  if (typeof op !== 'string' || !OPS.has(op)) return undefined;
  if (baseHash !== null && !isHash(baseHash)) return undefined;
  if (!isHash(contentHash)) return undefined;
  if (!intIn(updatedAt, 0, Number.MAX_SAFE_INTEGER) || typeof priority !== 'number' || !isPriority(priority))
    return undefined;
  const mutation: Mutation = {
    mutationId,
    speakerId,
    op: op as Mutation['op'],
    baseHash: baseHash as string | null,
    contentHash,
    updatedAt,
    priority,
  };
  if (value.profile !== undefined) {
    const profile = profileOf(value.profile);
    if (!profile) return undefined;
    mutation.profile = profile;
  } else if (op === 'upsert') return undefined;
  if (value.enrolment !== undefined) {
    const enrolment = enrolmentOf(value.enrolment);
    if (!enrolment) return undefined;
    mutation.enrolment = enrolment;
  } else if (op === 'enrol') return undefined;
  return mutation;
}

/**
 * `pushRequestSchema.parse(value)` when that would succeed, else undefined (then run the schema
 * for its error). `push-fast.test.ts` checks the two agree on generated requests, valid and not.
 */
export function fastPushRequest(value: unknown): PushRequest | undefined {
  if (!isObject(value) || !Array.isArray(value.mutations)) return undefined;
  const input: unknown[] = value.mutations;
  if (input.length < 1 || input.length > MAX_PUSH_BATCH) return undefined;
  const mutations: Mutation[] = [];
  for (const item of input) {
    const mutation = mutationOf(item, mutations.at(-1)?.mutationId);
    if (!mutation) return undefined;
    mutations.push(mutation);
  }
  return { mutations };
}
