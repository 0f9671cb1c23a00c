// The agent's OpenAPI document against a live agent (a child process syncing to the real Worker and
// PostgreSQL): every documented operation is called, successes and errors, and every answer must
// match the document; the app's route list must be in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, startAgent } from '../harness/index.ts';
import { inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';
import { randomVector } from '../support/index.ts';
import { type Stack, startStack } from '../support/stack.ts';
import { Contract, freshFetch, openApi31Problems, raw, undocumentedRoutes } from './contract.ts';

let stack: Stack;
let agent: AgentHandle;
let contract: Contract;

/** Answers that need a broken disk or scoring backend; test/faults and the scoring tests cover them. */
const EXEMPT = {
  '* 503': 'a locked or unwritable database, a failed scoring backend: test/faults covers them',
  '* 507': 'a full disk: test/faults covers it',
};

beforeAll(async () => {
  stack = await startStack();
  const device = await stack.device('contract-agent');
  agent = await startAgent({ edge: stack.edge.url, token: device.token });
  const document = await (await freshFetch(`${agent.url}/openapi.json`)).json();
  contract = new Contract('agent', document, agent.url);
}, 120_000);

afterAll(async () => {
  await agent?.destroy();
  await stack?.destroy();
});

describe('agent OpenAPI contract', () => {
  it('serves a valid OpenAPI 3.1 document that names every route of the app', async () => {
    expect(await openApi31Problems(contract.document)).toBe('');
    const local = await inProcessAgent();
    try {
      // The dashboard's static files are the page's parts, not operations.
      expect(undocumentedRoutes(local.app.routes, contract.document, /^\/assets\//)).toEqual([]);
    } finally {
      await local.close();
      removeDatabase(local.db);
    }
  });

  it('answers every operation as documented, errors included', async () => {
    const c = contract;
    const key = { authorization: `Bearer ${agent.apiKey}` };
    const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
      headers: { ...key, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const embedding = randomVector(7);

    await c.call('GET', '/health', 200);
    await c.call('GET', '/openapi.json', 200);
    const docs = await c.call('GET', '/docs', 200);
    for (const operation of c.operations()) expect(docs.body).toContain(operation.replace(/^(\S+) /, '$1 '));

    // Profiles: write, read, list, enrol, delete.
    await c.call('PUT', '/v1/profiles/ada', 200, { method: 'PUT', ...json({ name: 'Ada', embedding }) });
    await c.call('PUT', '/v1/profiles/ada', 400, { method: 'PUT', ...json({ name: 'Ada' }) });
    await c.call('PUT', '/v1/profiles/ada', 400, { method: 'PUT', ...json('{"name":') });
    await c.call('PUT', '/v1/profiles/bad%20id', 400, { method: 'PUT', ...json({ name: 'Ada', embedding }) });
    await c.call('GET', '/v1/profiles/ada', 200, { headers: key });
    await c.call('GET', '/v1/profiles/bad%20id', 400, { headers: key });
    await c.call('GET', '/v1/profiles/nobody', 404, { headers: key });
    await c.call('GET', '/v1/profiles?limit=5', 200, { headers: key });
    await c.call('GET', '/v1/profiles?name=Ada', 200, { headers: key });
    await c.call('GET', '/v1/profiles?limit=0', 400, { headers: key });
    const samples = { name: 'Grace', embeddings: [randomVector(8), randomVector(9)] };
    await c.call('POST', '/v1/profiles/grace/samples', 200, json(samples));
    await c.call('POST', '/v1/profiles/grace/samples', 400, json({ embeddings: [[1, 2]] }));

    // Authentication from memory.
    const verified = await c.call('POST', '/v1/verify', 200, json({ speakerId: 'ada', embedding }));
    expect(verified.body.accepted).toBe(true);
    await c.call('POST', '/v1/verify', 404, json({ speakerId: 'nobody', embedding }));
    await c.call('POST', '/v1/verify', 400, json({ speakerId: 'ada', embedding: [1, 2, 3] }));
    await c.call('POST', '/v1/identify', 200, json({ embedding, k: 2 }));
    await c.call('POST', '/v1/identify', 400, json({ embedding, k: 99 }));
    await c.call('PUT', '/v1/cohort', 200, { method: 'PUT', ...json({ embeddings: [randomVector(10)] }) });
    await c.call('PUT', '/v1/cohort', 400, { method: 'PUT', ...json({ embeddings: 'many' }) });

    // The outbox and operations.
    await c.call('GET', '/v1/outbox?status=all&limit=10', 200, { headers: key });
    await c.call('GET', '/v1/outbox?status=lost', 400, { headers: key });
    await c.call('POST', '/v1/outbox/retry', 200, { method: 'POST', headers: key });
    await c.call('POST', '/v1/sync', 200, { method: 'POST', headers: key });
    await c.call('GET', '/v1/status', 200, { headers: key });
    await c.call('GET', '/v1/metrics/history', 200, { headers: key });
    const metrics = await c.call('GET', '/metrics', 200, { headers: key });
    expect(metrics.body).toContain('voicesync_');
    await c.call('DELETE', '/v1/profiles/ada?priority=URGENT', 400, { method: 'DELETE', headers: key });
    await c.call('DELETE', '/v1/profiles/bad%20id', 400, { method: 'DELETE', headers: key });
    await c.call('DELETE', '/v1/profiles/ada?priority=LOW', 200, { method: 'DELETE', headers: key });
    await c.call('DELETE', '/v1/profiles/ada', 404, { method: 'DELETE', headers: key });

    // Browser pages: the dashboard and its sign-in.
    const html = { accept: 'text/html' };
    await c.call('GET', '/', 200, { headers: key });
    await c.call('GET', '/', 401, { headers: html });
    await c.call('GET', '/login', 200);
    await c.call('GET', '/login?code=spent', 401);
    const code = /login\?code=(\S+)/.exec(agent.logs.join('\n'))?.[1];
    expect(code).toBeDefined();
    await c.call('GET', `/login?code=${code}`, 303);
    const form = (value: string): RequestInit => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: value }).toString(),
    });
    await c.call('POST', '/login', 303, form(agent.apiKey ?? ''));
    await c.call('POST', '/login', 401, form('not-the-key'));

    // The same refusals on every operation: no key (401), a foreign page or host name (403).
    const foreign = { 'content-type': 'application/json', origin: 'https://evil.example' };
    for (const operation of c.operations()) {
      const [method = 'GET', template = '/'] = operation.split(' ');
      const path = template.replace('{speakerId}', 'ada');
      const responses = c.document.paths[template][method.toLowerCase()].responses;
      if (responses['401'] && method !== 'POST' && template !== '/login') {
        await c.call(method, path, 401, { headers: { 'content-type': 'application/json' } });
      } else if (responses['401'] && template !== '/login') {
        await c.call(method, path, 401, { body: '{}', headers: { 'content-type': 'application/json' } });
      }
      if (responses['403']) await c.call(method, path, 403, { headers: { ...key, ...foreign } });
    }
    // The dashboard and the docs are for loopback names only, even with the key (an IP literal passes the guard).
    const lan = { ...key, host: '192.168.1.20:7420' };
    c.check('GET', '/docs', 403, await raw('GET', `${agent.url}/docs`, lan));

    // Bodies refused for their size or type, on every operation that reads JSON.
    for (const operation of c.operations()) {
      const [method = 'GET', template = '/'] = operation.split(' ');
      const op = c.document.paths[template][method.toLowerCase()];
      if (!op.requestBody?.content?.['application/json']) continue;
      const path = template.replace('{speakerId}', 'ada');
      await c.call(method, path, 415, { headers: { ...key, 'content-type': 'text/plain' }, body: '{}' });
      await c.call(method, path, 413, {
        headers: { ...key, 'content-type': 'application/json' },
        body: 'x'.repeat(4 * 1024 * 1024 + 1),
      });
    }

    expect(c.unseen(EXEMPT)).toEqual([]);
  }, 120_000);
});
