// GET /v1/profiles: who is enrolled (id, name, sample count, version) for the dashboard and CLI; never an embedding.
// `?name=` is the original design's get_by_name: the speakers whose display name is exactly that text.
import { VoicesyncError } from '@voicesync/core';
import { Hono } from 'hono';
import type { Agent } from '../../agent.ts';
import type { Value } from '../../store/index.ts';
import { queryLimit } from '../errors.ts';

export interface ProfileSummary {
  speakerId: string;
  name: string;
  totalSamples: number;
  version: number;
}

/** The longest name worth looking up; the column holds more, but no enrolment UI sends a page of text. */
const MAX_NAME_QUERY = 1024;

function nameQuery(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw === '' || raw.length > MAX_NAME_QUERY || raw.includes('\u0000')) {
    throw new VoicesyncError(
      'invalid_query',
      `name must be 1 to ${MAX_NAME_QUERY} characters without NUL, got ${raw.length} characters`,
    );
  }
  return raw;
}

export function profileListRoutes(agent: Agent): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const limit = queryLimit(c.req.query('limit'), 1000, 10_000);
    const name = nameQuery(c.req.query('name'));
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
