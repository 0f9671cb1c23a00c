// The agent API against input that used to slip through: text and JSON the databases cannot keep as
// sent, counts past their columns, bad query limits, and requests only a web page would make.
// Each is refused with a 4xx JSON error and leaves the store, the outbox and memory as they were.
import { MAX_INT32 } from '@voicesync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiKeyHeader,
  type InProcessAgent,
  inProcessAgent,
  removeDatabase,
} from '../support/in-process-agent.ts';
import { randomVector } from '../support/index.ts';

let t: InProcessAgent;

beforeAll(async () => {
  t = await inProcessAgent();
});

afterAll(async () => {
  await t?.close();
  if (t) removeDatabase(t.db);
});

interface Answer {
  status: number;
  error?: { code: string; message: string };
}

async function send(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Answer> {
  const response = await t.app.request(path, {
    method,
    headers: { ...apiKeyHeader(t.agent), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const parsed = (await response.json()) as { error?: Answer['error'] };
  return { status: response.status, ...(parsed.error ? { error: parsed.error } : {}) };
}

/** Everything a refused request must leave as it was. */
async function snapshot() {
  const profiles = await t.agent.store.client.execute(
    'SELECT speaker_id, name, total_samples, content_hash FROM profiles ORDER BY speaker_id',
  );
  const outbox = await t.agent.store.client.execute('SELECT count(*) AS n FROM outbox');
  return {
    profiles: profiles.rows.map((row) => ({ ...row })),
    outbox: Number(outbox.rows[0]?.n),
    indexed: t.agent.auth.speakers().length,
  };
}

const good = { name: 'Ada', embedding: randomVector(1) };

describe('agent API input', () => {
  it('refuses text and JSON the databases cannot keep as sent, naming the field', async () => {
    const before = await snapshot();
    const cases: Array<[string, string, string]> = [
      ['NUL in a name', JSON.stringify({ ...good, name: 'a\u0000b' }), 'name'],
      ['a lone surrogate in a name', JSON.stringify({ ...good, name: 'a\ud800b' }), 'name'],
      [
        'NUL in a feature value',
        JSON.stringify({ ...good, acousticFeatures: { k: 'a\u0000' } }),
        'acousticFeatures.k',
      ],
      [
        'a __proto__ feature key',
        JSON.stringify(good).replace('{', '{"acousticFeatures":{"__proto__":{"x":1}},'),
        'acousticFeatures.__proto__',
      ],
      [
        'features nested 100,000 deep',
        JSON.stringify(good).replace(
          '{',
          `{"acousticFeatures":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}},`,
        ),
        'acousticFeatures.x',
      ],
      [
        'features over 64 KiB',
        JSON.stringify({ ...good, acousticFeatures: { blob: 'x'.repeat(70_000) } }),
        'acousticFeatures',
      ],
      [
        'features that are not an object',
        JSON.stringify({ ...good, acousticFeatures: [1, 2] }),
        'acousticFeatures',
      ],
      ['totalSamples over int32', JSON.stringify({ ...good, totalSamples: MAX_INT32 + 1 }), 'totalSamples'],
    ];
    for (const [label, body, path] of cases) {
      const answer = await send('PUT', '/v1/profiles/ada', body);
      expect({ label, status: answer.status, code: answer.error?.code }).toEqual({
        label,
        status: 400,
        code: 'invalid_body',
      });
      expect(answer.error?.message, label).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}`));
    }
    const samples = await send(
      'POST',
      '/v1/profiles/ada/samples',
      JSON.stringify({ name: 'a\u0000b', embeddings: [good.embedding] }),
    );
    expect(samples).toMatchObject({ status: 400, error: { code: 'invalid_body' } });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an enrolment that would count past the column, or whose samples cancel out', async () => {
    expect(
      (await send('PUT', '/v1/profiles/full', JSON.stringify({ ...good, totalSamples: MAX_INT32 }))).status,
    ).toBe(200);
    const before = await snapshot();
    const overflow = await send(
      'POST',
      '/v1/profiles/full/samples',
      JSON.stringify({ embeddings: [good.embedding] }),
    );
    expect(overflow).toMatchObject({ status: 400, error: { code: 'invalid_body' } });
    expect(overflow.error?.message).toContain(String(MAX_INT32));
    const opposite = good.embedding.map((value) => -value);
    const cancel = await send(
      'POST',
      '/v1/profiles/new-one/samples',
      JSON.stringify({ name: 'New', embeddings: [good.embedding, opposite] }),
    );
    expect(cancel).toMatchObject({ status: 400, error: { code: 'zero_norm' } });
    expect(cancel.error?.message).toContain('cancel out');
    expect(await snapshot()).toEqual(before);
  });

  it('answers a limit that is not an integer in range, or an unknown priority, with invalid_query', async () => {
    for (const path of ['/v1/outbox', '/v1/profiles']) {
      for (const limit of ['1.5', '0', '-1', 'abc', '', '1e3', '100000']) {
        const answer = await send('GET', `${path}?limit=${encodeURIComponent(limit)}`, undefined, {});
        expect({ path, limit, status: answer.status, code: answer.error?.code }).toEqual({
          path,
          limit,
          status: 400,
          code: 'invalid_query',
        });
      }
      expect((await send('GET', `${path}?limit=2`, undefined, {})).status).toBe(200);
    }
    expect(await send('DELETE', '/v1/profiles/ada?priority=URGENT', undefined, {})).toMatchObject({
      status: 400,
      error: { code: 'invalid_query', message: expect.stringMatching(/^priority: /) },
    });
  });

  it('keeps web pages out: other content types, other origins and re-pointed host names', async () => {
    const before = await snapshot();
    const body = JSON.stringify({ name: 'Evil', embeddings: [good.embedding] });
    const cases: Array<[string, Record<string, string>, number, string]> = [
      [
        'text/plain (a form-free cross-site post)',
        { 'content-type': 'text/plain; charset=json' },
        415,
        'unsupported_media_type',
      ],
      ['a json-like type', { 'content-type': 'application/json-seq' }, 415, 'unsupported_media_type'],
      [
        'another origin',
        { 'content-type': 'application/json', origin: 'https://evil.example' },
        403,
        'forbidden',
      ],
      ['an opaque origin', { 'content-type': 'application/json', origin: 'null' }, 403, 'forbidden'],
      [
        'a re-pointed DNS name',
        { 'content-type': 'application/json', host: 'evil.example:7070' },
        403,
        'forbidden',
      ],
    ];
    for (const [label, headers, status, code] of cases) {
      const answer = await send('POST', '/v1/profiles/evil/samples', body, headers);
      expect({ label, status: answer.status, code: answer.error?.code }).toEqual({ label, status, code });
    }
    // Reads are guarded too: a rebinding page must not list who is enrolled.
    expect((await send('GET', '/v1/profiles', undefined, { host: 'evil.example' })).status).toBe(403);
    expect(await snapshot()).toEqual(before);

    // Programs: no Origin, an IP address, localhost, or the agent's own page.
    for (const headers of [
      { 'content-type': 'application/json', host: '127.0.0.1:7070' },
      { 'content-type': 'application/json; charset=utf-8', host: 'localhost:7070' },
      { 'content-type': 'application/json', host: '192.168.1.20:7070' },
      { 'content-type': 'application/json', host: '[::1]:7070', origin: 'http://[::1]:7070' },
      { host: 'localhost:7070' },
    ]) {
      const answer = await send('GET', '/v1/status', undefined, headers);
      expect({ headers, status: answer.status }).toEqual({ headers, status: 200 });
    }
    // A name the operator allowed (allowedHosts), in any case.
    const named = await inProcessAgent({ config: { allowedHosts: ['VoiceBox.lan'] } });
    try {
      const status = (host: string) =>
        named.app.request('/v1/status', { headers: { host, ...apiKeyHeader(named.agent) } });
      expect((await status('voicebox.lan:7420')).status).toBe(200);
      expect((await status('other.lan:7420')).status).toBe(403);
    } finally {
      await named.close();
      removeDatabase(named.db);
    }
    const own = await send('POST', '/v1/profiles/own/samples', body, {
      'content-type': 'application/json',
      host: '127.0.0.1:7070',
      origin: 'http://127.0.0.1:7070',
    });
    expect(own.status).toBe(200);
  });

  it('a full local database answers 507 storage_full, writes nothing, and verification keeps answering', async () => {
    expect((await send('PUT', '/v1/profiles/full-a', JSON.stringify(good))).status).toBe(200);
    const client = t.agent.store.client;
    const pages = Number((await client.execute('PRAGMA page_count')).rows[0]?.page_count);
    // The file may not grow: the same SQLITE_FULL a full disk gives.
    await client.execute(`PRAGMA max_page_count = ${pages}`);
    let refused: { id: string; answer: Answer; before: Awaited<ReturnType<typeof snapshot>> } | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const before = await snapshot();
      const body = JSON.stringify({ name: `Filler ${i}`, embedding: randomVector(1000 + i) });
      const answer = await send('PUT', `/v1/profiles/filler-${i}`, body);
      if (answer.status !== 200) refused = { id: `filler-${i}`, answer, before };
    }
    expect(refused?.answer).toMatchObject({ status: 507, error: { code: 'storage_full' } });
    expect(await snapshot()).toEqual(refused?.before);
    expect((await send('GET', `/v1/profiles/${refused?.id}`, undefined, {})).status).toBe(404);
    const verify = await t.app.request('/v1/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...apiKeyHeader(t.agent) },
      body: JSON.stringify({ speakerId: 'full-a', embedding: good.embedding }),
    });
    expect(((await verify.json()) as { accepted: boolean }).accepted).toBe(true);
    // Space again: the same write goes through.
    await client.execute('PRAGMA max_page_count = 1073741823');
    const retried = JSON.stringify({ name: 'Again', embedding: randomVector(7) });
    expect((await send('PUT', `/v1/profiles/${refused?.id}`, retried)).status).toBe(200);
  });
});
