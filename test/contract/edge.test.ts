// The edge's OpenAPI document against the live Worker (workerd + PostgreSQL): every documented
// operation is called, successes and errors, and every answer must match the document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, upsertMutation } from '../support/stack.ts';
import { Contract, freshFetch, openApi31Problems, raw } from './contract.ts';

let stack: Stack;
let contract: Contract;

beforeAll(async () => {
  stack = await startStack();
  const document = await (await freshFetch(`${stack.edge.url}/openapi.json`)).json();
  contract = new Contract('edge', document, stack.edge.url);
}, 120_000);

afterAll(async () => {
  await stack?.destroy();
});

const json = (token: string | undefined, body: unknown): RequestInit => ({
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

describe('edge OpenAPI contract', () => {
  // That every route of the app is in it is checked beside the app (apps/edge/src/routes/openapi):
  // the Worker's types do not load in this suite's TypeScript project.
  it('serves a valid OpenAPI 3.1 document', async () => {
    expect(await openApi31Problems(contract.document)).toBe('');
  });

  it('answers every operation as documented, errors included', async () => {
    const c = contract;
    const admin = bearer(stack.adminToken);
    await c.call('GET', '/openapi.json', 200);
    await c.call('GET', '/health', 200);
    await c.call('GET', '/v1/status', 200);
    const metrics = await c.call('GET', '/metrics', 200);
    expect(metrics.body).toContain('voicesync_');

    // Administration.
    const tenantId = 'contract-tenant';
    const created = await c.call('POST', '/v1/admin/devices', 201, {
      ...json(stack.adminToken, { tenantId, name: 'phone' }),
    });
    const device = created.body as { deviceId: string; token: string };
    await c.call('POST', '/v1/admin/devices', 400, json(stack.adminToken, { tenantId: '' }));
    await c.call('POST', '/v1/admin/devices', 400, json(stack.adminToken, '{"tenantId":'));
    await c.call('POST', '/v1/admin/devices', 401, json(undefined, { tenantId }));
    await c.call('GET', `/v1/admin/devices?tenantId=${tenantId}`, 200, admin);
    await c.call('GET', '/v1/admin/devices', 400, admin);
    await c.call('GET', `/v1/admin/devices?tenantId=${tenantId}`, 401);
    const rotated = await c.call('POST', `/v1/admin/devices/${device.deviceId}/rotate`, 200, {
      ...json(stack.adminToken, { graceSeconds: 0 }),
    });
    const token = (rotated.body as { token: string }).token;
    await c.call('POST', `/v1/admin/devices/${device.deviceId}/rotate`, 400, {
      ...json(stack.adminToken, { graceSeconds: -1 }),
    });
    await c.call('POST', '/v1/admin/devices/nope/rotate', 404, admin);
    await c.call('POST', `/v1/admin/devices/${device.deviceId}/rotate`, 401, { method: 'POST' });

    // A device's sync.
    await c.call('GET', '/v1/device', 200, bearer(token));
    await c.call('GET', '/v1/device', 401);
    const first = await upsertMutation('ada', 1, 1);
    const ack = await c.call('POST', '/v1/push', 200, json(token, { mutations: [first] }));
    expect(ack.body.results[0].status).toBe('applied');
    await c.call('POST', '/v1/push', 409, json(token, { mutations: [await upsertMutation('ada', 5, 2)] }));
    await c.call('POST', '/v1/push', 400, json(token, { mutations: [] }));
    await c.call('POST', '/v1/push', 400, json(token, '{"mutations":'));
    const tooLarge = await raw('POST', `${stack.edge.url}/v1/push`, {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': String(8 * 1024 * 1024 + 1),
    });
    c.check('POST', '/v1/push', 413, tooLarge);
    await c.call('POST', '/v1/push', 401, json(undefined, { mutations: [first] }));
    const pulled = await c.call('GET', '/v1/pull?cursor=0&limit=10', 200, bearer(token));
    expect(pulled.body.changes.map((change: { speakerId: string }) => change.speakerId)).toEqual(['ada']);
    await c.call('GET', '/v1/pull?cursor=junk', 200, bearer(token));
    await c.call('GET', '/v1/pull?limit=0', 400, bearer(token));
    await c.call('GET', '/v1/pull', 401);
    await c.call('GET', '/v1/notify', 426, bearer(token));
    await c.call('GET', '/v1/notify', 401);
    const ws = { authorization: `Bearer ${token}`, connection: 'Upgrade', upgrade: 'websocket' };
    c.check('GET', '/v1/notify', 400, await raw('GET', `${stack.edge.url}/v1/notify`, ws));
    const opened = await raw('GET', `${stack.edge.url}/v1/notify`, {
      ...ws,
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
    });
    c.check('GET', '/v1/notify', 101, opened);

    // Revocation: the device's every route then answers 403.
    await c.call('POST', `/v1/admin/devices/${device.deviceId}/revoke`, 200, admin);
    await c.call('POST', '/v1/admin/devices/nope/revoke', 404, admin);
    await c.call('POST', `/v1/admin/devices/${device.deviceId}/revoke`, 401, { method: 'POST' });
    await c.call('GET', '/v1/device', 403, bearer(token));
    await c.call('GET', '/v1/pull', 403, bearer(token));
    await c.call('POST', '/v1/push', 403, json(token, { mutations: [await upsertMutation('ada', 2, 3)] }));
    const handshake = {
      ...ws,
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
    };
    c.check('GET', '/v1/notify', 403, await raw('GET', `${stack.edge.url}/v1/notify`, handshake));

    // Too many failures from one address (its own bucket, by CF-Connecting-IP): 429 on every gated route.
    const flood = { 'cf-connecting-ip': '198.51.100.7', authorization: 'Bearer forged.token' };
    for (let i = 0; i < 40; i++) {
      const response = await freshFetch(`${stack.edge.url}/v1/device`, { headers: flood });
      await response.arrayBuffer();
      if (response.status === 429) break;
    }
    const limited = [
      await c.call('GET', '/v1/device', 429, { headers: flood }),
      await c.call('GET', '/v1/pull', 429, { headers: flood }),
      await c.call('POST', '/v1/push', 429, { method: 'POST', headers: flood, body: '{}' }),
      await c.call('POST', '/v1/admin/devices', 429, { method: 'POST', headers: flood, body: '{}' }),
      await c.call('GET', `/v1/admin/devices?tenantId=${tenantId}`, 429, { headers: flood }),
      await c.call('POST', `/v1/admin/devices/${device.deviceId}/rotate`, 429, {
        method: 'POST',
        headers: flood,
      }),
      await c.call('POST', `/v1/admin/devices/${device.deviceId}/revoke`, 429, {
        method: 'POST',
        headers: flood,
      }),
    ];
    for (const answer of limited) expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    c.check(
      'GET',
      '/v1/notify',
      429,
      await raw('GET', `${stack.edge.url}/v1/notify`, { ...handshake, ...flood }),
    );

    // PostgreSQL gone: every route that needs it answers 503 with Retry-After, as documented.
    const spare = (await c.call('POST', '/v1/admin/devices', 201, json(stack.adminToken, { tenantId })))
      .body as { token: string };
    await stack.postgres.stop();
    const down = [
      await c.call('GET', '/v1/device', 503, bearer(spare.token)),
      await c.call('GET', '/v1/pull', 503, bearer(spare.token)),
      await c.call(
        'POST',
        '/v1/push',
        503,
        json(spare.token, { mutations: [await upsertMutation('bo', 1, 4)] }),
      ),
      await c.call('POST', '/v1/admin/devices', 503, json(stack.adminToken, { tenantId })),
      await c.call('GET', `/v1/admin/devices?tenantId=${tenantId}`, 503, admin),
      await c.call('POST', `/v1/admin/devices/${device.deviceId}/rotate`, 503, admin),
      await c.call('POST', `/v1/admin/devices/${device.deviceId}/revoke`, 503, admin),
    ];
    for (const answer of down) expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    c.check(
      'GET',
      '/v1/notify',
      503,
      await raw('GET', `${stack.edge.url}/v1/notify`, {
        ...handshake,
        authorization: `Bearer ${spare.token}`,
      }),
    );

    expect(c.unseen({})).toEqual([]);
  }, 120_000);
});
