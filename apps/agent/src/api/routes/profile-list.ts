// GET /v1/profiles: who is enrolled (id, name, sample count, version) for the dashboard and CLI; never an embedding.
import { Hono } from 'hono';
import type { Agent } from '../../agent.ts';
import { queryLimit } from '../errors.ts';

export interface ProfileSummary {
  speakerId: string;
  name: string;
  totalSamples: number;
  version: number;
}

export function profileListRoutes(agent: Agent): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const limit = queryLimit(c.req.query('limit'), 1000, 10_000);
    // Only the listed columns are read, so embeddings never leave the database on this path.
    const rs = await agent.store.client.execute({
      sql: 'SELECT speaker_id, name, total_samples, version FROM profiles WHERE deleted = 0 ORDER BY name, speaker_id LIMIT ?',
      args: [limit],
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
