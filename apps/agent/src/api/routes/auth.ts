// /v1/verify, /v1/identify and enrolment samples: answered from memory, zero network I/O.
import { Priority, VoicesyncError } from '@voicesync/core';
import { MAX_INT32, storableText } from '@voicesync/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Agent } from '../../agent.ts';
import { centroidUpdate } from '../../auth/index.ts';
import {
  parseEmbedding,
  parsePriority,
  parseSpeakerId,
  priorityInputSchema,
  speakerIdInput,
} from '../../profiles/index.ts';
import { readJson, zodError } from '../errors.ts';

const embeddingFields = { embedding: z.array(z.number()).optional(), embeddingB64: z.string().optional() };
const verifySchema = z.object({ speakerId: speakerIdInput, ...embeddingFields }).strict();
const identifySchema = z
  .object({ ...embeddingFields, k: z.number().int().min(1).max(32).optional() })
  .strict();
const samplesSchema = z
  .object({
    name: storableText().trim().min(1).max(200).optional(),
    embeddings: z.array(z.array(z.number())).min(1).max(1000).optional(),
    embeddingsB64: z.array(z.string()).min(1).max(1000).optional(),
    priority: priorityInputSchema.optional(),
  })
  .strict();
const cohortSchema = z.object({ embeddings: z.array(z.array(z.number())).max(100_000) }).strict();

async function parse<T>(schema: z.ZodType<T>, body: Promise<unknown>): Promise<T> {
  const parsed = schema.safeParse(await body);
  if (!parsed.success) throw zodError(parsed.error);
  return parsed.data;
}

export function authRoutes(agent: Agent): Hono {
  const app = new Hono();
  const dim = agent.config.dim;

  app.post('/verify', async (c) => {
    const body = await parse(verifySchema, readJson(c));
    const embedding = parseEmbedding(body, dim);
    const started = performance.now();
    const result = agent.auth.verify(body.speakerId, embedding);
    agent.metrics.observeVerify((performance.now() - started) / 1000, result.accepted);
    return c.json(result);
  });

  app.post('/identify', async (c) => {
    const body = await parse(identifySchema, readJson(c));
    const embedding = parseEmbedding(body, dim);
    const started = performance.now();
    const result = await agent.auth.identifyAsync(embedding, body.k ?? agent.config.identifyK);
    agent.metrics.observeIdentify((performance.now() - started) / 1000, result.accepted);
    return c.json(result);
  });

  app.post('/profiles/:speakerId/samples', async (c) => {
    const speakerId = parseSpeakerId(c.req.param('speakerId'));
    const body = await parse(samplesSchema, readJson(c));
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

  app.put('/cohort', async (c) => {
    const body = await parse(cohortSchema, readJson(c));
    await agent.cohort.replace(body.embeddings.map((e) => parseEmbedding({ embedding: e }, dim)));
    agent.auth.cohortChanged();
    return c.json({ size: agent.cohort.size });
  });

  return app;
}
