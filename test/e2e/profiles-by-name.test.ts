// GET /v1/profiles?name= (the original design's get_by_name): exact display-name lookup, no embeddings,
// deleted speakers excluded, bad names refused without touching anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessAgent, inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';
import { randomVector } from '../support/index.ts';

let t: InProcessAgent;

beforeAll(async () => {
  t = await inProcessAgent();
  const people: Array<[string, string]> = [
    ['kim-1', 'Kim'],
    ['kim-2', 'Kim'],
    ['kimberly', 'Kimberly'],
    ['lowercase-kim', 'kim'],
    ['gone', 'Kim'],
    ['ada', 'Ada Lovelace'],
  ];
  for (const [i, [id, name]] of people.entries()) {
    const put = await t.call('PUT', `/v1/profiles/${id}`, { name, embedding: randomVector(i + 1) });
    expect(put.status).toBe(200);
  }
  expect((await t.call('DELETE', '/v1/profiles/gone')).status).toBe(200);
});

afterAll(async () => {
  await t?.close();
  if (t) removeDatabase(t.db);
});

describe('GET /v1/profiles?name=', () => {
  it('returns every live speaker with exactly that display name, as summaries without embeddings', async () => {
    const { status, body } = await t.call('GET', '/v1/profiles?name=Kim');
    expect(status).toBe(200);
    expect(body).toEqual([
      { speakerId: 'kim-1', name: 'Kim', totalSamples: 1, version: 1 },
      { speakerId: 'kim-2', name: 'Kim', totalSamples: 1, version: 1 },
    ]);
  });

  it('matches the whole name, case and spaces included, and answers [] when nobody has it', async () => {
    expect(
      (await t.call('GET', '/v1/profiles?name=kim')).body.map((p: { speakerId: string }) => p.speakerId),
    ).toEqual(['lowercase-kim']);
    expect(
      (await t.call('GET', `/v1/profiles?name=${encodeURIComponent('Ada Lovelace')}`)).body,
    ).toHaveLength(1);
    expect((await t.call('GET', '/v1/profiles?name=Ki')).body).toEqual([]);
    expect((await t.call('GET', '/v1/profiles?name=%25')).body).toEqual([]);
  });

  it('honours limit together with name', async () => {
    const { body } = await t.call('GET', '/v1/profiles?name=Kim&limit=1');
    expect(body).toEqual([{ speakerId: 'kim-1', name: 'Kim', totalSamples: 1, version: 1 }]);
  });

  it('refuses an empty, NUL-bearing or oversized name with 400 invalid_query', async () => {
    for (const query of ['name=', 'name=a%00b', `name=${'x'.repeat(1025)}`]) {
      const { status, body } = await t.call('GET', `/v1/profiles?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('invalid_query');
      expect(body.error.message).toContain('name');
    }
  });
});
