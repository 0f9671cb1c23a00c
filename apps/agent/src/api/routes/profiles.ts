// /v1/profiles: write (commit locally, then answer), read from memory first, delete as a tombstone.
import { Priority, VoicesyncError } from '@voicesync/core';
import { Hono } from 'hono';
import type { Agent } from '../../agent.ts';
import {
  parseEmbedding,
  parsePriority,
  parseSpeakerId,
  priorityInputSchema,
  profileInputSchema,
} from '../../profiles/index.ts';
import { readJson, zodError } from '../errors.ts';

export function profileRoutes(agent: Agent): Hono {
  const app = new Hono();

  app.put('/:speakerId', async (c) => {
    const speakerId = parseSpeakerId(c.req.param('speakerId'));
    const parsed = profileInputSchema.safeParse(await readJson(c));
    if (!parsed.success) throw zodError(parsed.error);
    const input = parsed.data;
    const embedding = parseEmbedding(input, agent.config.dim);
    // HIGH by default, as the original design writes profiles: an enrolment reaches the user's other
    // devices at once instead of at the next 30 s round.
    const priority = parsePriority(input.priority, Priority.HIGH);
    const result = await agent.profiles.put(
      speakerId,
      {
        name: input.name,
        embedding,
        acousticFeatures: input.acousticFeatures ?? null,
        ...(input.totalSamples === undefined ? {} : { totalSamples: input.totalSamples }),
      },
      priority,
    );
    return c.json(result);
  });

  app.get('/:speakerId', async (c) => {
    const speakerId = parseSpeakerId(c.req.param('speakerId'));
    const profile = await agent.profiles.get(speakerId);
    if (!profile) throw new VoicesyncError('not_found', `unknown speaker ${speakerId}`);
    return c.json({ ...profile, embedding: Array.from(profile.embedding) });
  });

  app.delete('/:speakerId', async (c) => {
    const speakerId = parseSpeakerId(c.req.param('speakerId'));
    const query = priorityInputSchema.optional().safeParse(c.req.query('priority'));
    if (!query.success) {
      throw new VoicesyncError('invalid_query', `priority: ${query.error.issues[0]?.message ?? 'invalid'}`, {
        details: { path: 'priority' },
      });
    }
    const priority = parsePriority(query.data);
    const result = await agent.profiles.remove(speakerId, priority);
    if (!result) throw new VoicesyncError('not_found', `unknown speaker ${speakerId}`);
    return c.json(result);
  });

  return app;
}
