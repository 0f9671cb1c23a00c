// /v1/profiles: write (commit locally, then answer), read from memory first, delete as a tombstone.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { Priority, VoicesyncError } from '@voicesync/core';
import { errorResponses, jsonResponse } from '@voicesync/schema/openapi';
import { z } from 'zod';
import type { Agent } from '../../agent.ts';
import {
  parseEmbedding,
  parsePriority,
  priorityInputSchema,
  profileInputSchema,
} from '../../profiles/index.ts';
import { bodyErrors, guarded, jsonBody, route, storageErrors } from '../openapi/route.ts';
import { profileSchema, writeResultSchema } from '../openapi/schemas.ts';
import { speakerParams } from './params.ts';

const badSpeaker = errorResponses({ 400: 'invalid_speaker_id: the path’s speaker id is malformed' });
const unknown = errorResponses({ 404: 'not_found: no such speaker' });

const put = createRoute({
  method: 'put',
  path: '/{speakerId}',
  tags: ['profiles'],
  summary: 'Write a whole profile: durable locally before the answer, then synced',
  request: { params: speakerParams, body: jsonBody(profileInputSchema) },
  responses: {
    200: jsonResponse('committed locally and queued for the edge', writeResultSchema),
    ...bodyErrors,
    ...guarded,
    ...storageErrors,
  },
});

const get = createRoute({
  method: 'get',
  path: '/{speakerId}',
  tags: ['profiles'],
  summary: 'Read one profile (from memory first)',
  request: { params: speakerParams },
  responses: {
    200: jsonResponse('the profile with its embedding', profileSchema),
    ...badSpeaker,
    ...guarded,
    ...unknown,
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/{speakerId}',
  tags: ['profiles'],
  summary: 'Delete a profile (a tombstone that syncs to the other devices)',
  request: {
    params: speakerParams,
    query: z.object({ priority: priorityInputSchema.optional().describe('NORMAL when absent') }),
  },
  responses: {
    200: jsonResponse('the tombstone, committed locally and queued', writeResultSchema),
    ...errorResponses({ 400: 'invalid_speaker_id, or invalid_query: an unknown priority' }),
    ...guarded,
    ...unknown,
    ...storageErrors,
  },
});

export function profileRoutes(agent: Agent): OpenAPIHono {
  const app = new OpenAPIHono();

  route(app, put, async (c, { params: { speakerId }, body: input }) => {
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

  route(app, get, async (c, { params: { speakerId } }) => {
    const profile = await agent.profiles.get(speakerId);
    if (!profile) throw new VoicesyncError('not_found', `unknown speaker ${speakerId}`);
    return c.json({ ...profile, embedding: Array.from(profile.embedding) });
  });

  route(app, remove, async (c, { params: { speakerId }, query }) => {
    const priority = parsePriority(query.priority);
    const result = await agent.profiles.remove(speakerId, priority);
    if (!result) throw new VoicesyncError('not_found', `unknown speaker ${speakerId}`);
    return c.json(result);
  });

  return app;
}
