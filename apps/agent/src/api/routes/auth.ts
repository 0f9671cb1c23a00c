// /v1/verify, /v1/identify and enrolment samples: answered from memory, zero network I/O.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { Priority, VoicesyncError } from '@voicesync/core';
import { MAX_INT32, storableText } from '@voicesync/schema';
import { errorResponses, jsonResponse } from '@voicesync/schema/openapi';
import { z } from 'zod';
import type { Agent } from '../../agent.ts';
import { centroidUpdate } from '../../auth/index.ts';
import { parseEmbedding, parsePriority, priorityInputSchema, speakerIdInput } from '../../profiles/index.ts';
import { bodyErrors, guarded, jsonBody, route, storageErrors } from '../openapi/route.ts';
import {
  cohortResultSchema,
  enrolmentResultSchema,
  identificationSchema,
  verificationSchema,
} from '../openapi/schemas.ts';
import { speakerParams } from './params.ts';

const embeddingFields = {
  embedding: z.array(z.number()).optional().describe('the embedding as numbers (give this or embeddingB64)'),
  embeddingB64: z.string().optional().describe('base64 of little-endian float32 values'),
};
const verifySchema = z.object({ speakerId: speakerIdInput, ...embeddingFields }).strict();
const identifySchema = z
  .object({ ...embeddingFields, k: z.number().int().min(1).max(32).optional() })
  .strict();
const samplesSchema = z
  .object({
    name: storableText().trim().min(1).max(200).optional().describe('required for a new speaker'),
    embeddings: z.array(z.array(z.number())).min(1).max(1000).optional(),
    embeddingsB64: z.array(z.string()).min(1).max(1000).optional(),
    priority: priorityInputSchema.optional().describe('HIGH when absent'),
  })
  .strict();
const cohortSchema = z.object({ embeddings: z.array(z.array(z.number())).max(100_000) }).strict();

const verify = createRoute({
  method: 'post',
  path: '/verify',
  tags: ['authentication'],
  summary: 'Score a claimed speaker against an embedding (from memory, no network)',
  request: { body: jsonBody(verifySchema) },
  responses: {
    200: jsonResponse('the decision and its score', verificationSchema),
    ...bodyErrors,
    ...guarded,
    ...errorResponses({ 404: 'not_found: no such speaker is enrolled' }),
  },
});

const identify = createRoute({
  method: 'post',
  path: '/identify',
  tags: ['authentication'],
  summary: 'The top-k enrolled speakers for an embedding, with open-set rejection',
  request: { body: jsonBody(identifySchema) },
  responses: {
    200: jsonResponse('matches, best first', identificationSchema),
    ...bodyErrors,
    ...guarded,
    ...errorResponses({ 503: 'backend_unavailable: the scoring backend failed' }),
  },
});

const samples = createRoute({
  method: 'post',
  path: '/profiles/{speakerId}/samples',
  tags: ['profiles'],
  summary: 'Enrol samples: the profile’s centroid moves, the write is durable before the answer',
  request: { params: speakerParams, body: jsonBody(samplesSchema) },
  responses: {
    200: jsonResponse('committed locally and queued for the edge', enrolmentResultSchema),
    ...bodyErrors,
    ...guarded,
    ...storageErrors,
  },
});

const cohort = createRoute({
  method: 'put',
  path: '/cohort',
  tags: ['authentication'],
  summary: 'Replace the impostor cohort used by score normalisation',
  request: { body: jsonBody(cohortSchema) },
  responses: {
    200: jsonResponse('the cohort’s new size', cohortResultSchema),
    ...bodyErrors,
    ...guarded,
    ...storageErrors,
  },
});

export function authRoutes(agent: Agent): OpenAPIHono {
  const app = new OpenAPIHono();
  const dim = agent.config.dim;

  route(app, verify, (c, { body }) => {
    const embedding = parseEmbedding(body, dim);
    const started = performance.now();
    const result = agent.auth.verify(body.speakerId, embedding);
    agent.metrics.observeVerify((performance.now() - started) / 1000, result.accepted);
    return c.json(result);
  });

  route(app, identify, async (c, { body }) => {
    const embedding = parseEmbedding(body, dim);
    const started = performance.now();
    const result = await agent.auth.identifyAsync(embedding, body.k ?? agent.config.identifyK);
    agent.metrics.observeIdentify((performance.now() - started) / 1000, result.accepted);
    return c.json(result);
  });

  route(app, samples, async (c, { params: { speakerId }, body }) => {
    const raw = [
      ...(body.embeddings ?? []).map((embedding) => ({ embedding })),
      ...(body.embeddingsB64 ?? []).map((embeddingB64) => ({ embeddingB64 })),
    ];
    if (raw.length === 0) throw new VoicesyncError('invalid_embedding', 'give embeddings or embeddingsB64');
    const samples = raw.map((input) => parseEmbedding(input, dim));
    const priority = parsePriority(body.priority, Priority.HIGH);
    let totalSamples = 0;
    const result = await agent.profiles.putDerived(
      speakerId,
      (current) => {
        const name = body.name ?? current?.name;
        if (!name) throw new VoicesyncError('invalid_body', 'name: required when enrolling a new speaker');
        if ((current?.totalSamples ?? 0) + samples.length > MAX_INT32) {
          throw new VoicesyncError(
            'invalid_body',
            `totalSamples would exceed ${MAX_INT32}: the profile already counts ${current?.totalSamples}`,
          );
        }
        const centroid = centroidUpdate(current, samples, dim);
        totalSamples = centroid.totalSamples;
        return { name, ...centroid, acousticFeatures: current?.acousticFeatures ?? null };
      },
      priority,
    );
    return c.json({ ...result, totalSamples });
  });

  route(app, cohort, async (c, { body }) => {
    await agent.cohort.replace(body.embeddings.map((e) => parseEmbedding({ embedding: e }, dim)));
    agent.auth.cohortChanged();
    return c.json({ size: agent.cohort.size });
  });

  return app;
}
