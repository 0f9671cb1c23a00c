// GET /v1/profiles: who is enrolled (id, name, sample count, version) for the dashboard and CLI; never an embedding.
// `?name=` is the original design's get_by_name: the speakers whose display name is exactly that text.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { errorResponses, jsonResponse } from '@voicesync/schema/openapi';
import { z } from 'zod';
import type { Agent } from '../../agent.ts';
import type { Value } from '../../store/index.ts';
import { guarded, route } from '../openapi/route.ts';
import { profileSummarySchema } from '../openapi/schemas.ts';
import { limitQuery } from '../request/index.ts';

export type ProfileSummary = z.infer<typeof profileSummarySchema>;

/** The longest name worth looking up; the column holds more, but no enrolment UI sends a page of text. */
const MAX_NAME_QUERY = 1024;

const nameQuery = z
  .string()
  .refine((raw) => raw !== '' && raw.length <= MAX_NAME_QUERY && !raw.includes('\u0000'), {
    error: (issue) =>
      `must be 1 to ${MAX_NAME_QUERY} characters without NUL, got ${String(issue.input).length} characters`,
  })
  .optional()
  .describe('only the speakers whose display name is exactly this');

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['profiles'],
  summary: 'List enrolled speakers by name (never an embedding); `name` finds them by display name',
  request: { query: z.object({ limit: limitQuery(1000, 10_000), name: nameQuery }) },
  responses: {
    200: jsonResponse('the speakers, ordered by name', z.array(profileSummarySchema)),
    ...errorResponses({ 400: 'invalid_query: a bad limit or name' }),
    ...guarded,
  },
});

export function profileListRoutes(agent: Agent): OpenAPIHono {
  const app = new OpenAPIHono();
  route(app, list, async (c, { query: { limit, name } }) => {
    const byName = name === undefined ? '' : 'AND name = ? ';
    const args: Value[] = name === undefined ? [limit] : [name, limit];
    // Only the listed columns are read, so embeddings never leave the database on this path.
    const rs = await agent.store.client.execute({
      sql: `SELECT speaker_id, name, total_samples, version FROM profiles WHERE deleted = 0 ${byName}ORDER BY name, speaker_id LIMIT ?`,
      args,
    });
    const profiles: ProfileSummary[] = rs.rows.map((row) => ({
      speakerId: String(row.speaker_id),
      name: String(row.name),
      totalSamples: Number(row.total_samples),
      version: Number(row.version),
    }));
    return c.json(profiles);
  });
  return app;
}
