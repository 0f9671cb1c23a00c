// /v1/notify in workerd against a real PostgreSQL: fan-out per tenant, refusals, revocation, heartbeat.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type EdgeHandle,
  type PostgresHandle,
  startEdge,
  startPostgres,
} from '../../../../test/harness/index.ts';
import { ADMIN_TOKEN, call, createDevice, type Device, upsert } from '../../test/edge-client.ts';
import { listen as listenOn, sleep, until } from '../../test/notify-client.ts';
import { CLOSE_CODES, MAX_SOCKETS_PER_DEVICE, PING, PONG } from './protocol.ts';

let cluster: PostgresHandle;
let sql: postgres.Sql;
let edge: EdgeHandle;
const sockets: WebSocket[] = [];

/** Opens /v1/notify; rejects with the HTTP status when the upgrade is refused. */
const listen = (token: string | undefined) => listenOn(edge, token, sockets);

beforeAll(async () => {
  cluster = await startPostgres();
  sql = postgres(cluster.url, { max: 2, onnotice: () => {} });
  edge = await startEdge({ vars: { DATABASE_URL: cluster.url, ADMIN_TOKEN, PG_MAX: '3' } });
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await edge?.destroy();
  await sql?.end({ timeout: 1 });
  await cluster?.destroy();
});

describe('GET /v1/notify', () => {
  let a1: Device;
  let a2: Device;
  let b1: Device;

  beforeAll(async () => {
    [a1, a2, b1] = await Promise.all([
      createDevice(edge, 'notify-a'),
      createDevice(edge, 'notify-a'),
      createDevice(edge, 'notify-b'),
    ]);
  });

  it("announces a committed push to the tenant's other devices only, with the newest change id", async () => {
    const [pusher, peer, stranger] = await Promise.all([
      listen(a1.token),
      listen(a2.token),
      listen(b1.token),
    ]);
    const answer = await call(edge, 'POST', '/v1/push', {
      token: a1.token,
      body: { mutations: [await upsert(1, 'ann', 1), await upsert(2, 'ben', 2)] },
    });
    expect(answer.status).toBe(200);
    await until(() => peer.messages.length > 0);
    const [row] = await sql<
      { newest: string }[]
    >`select max(seq) as newest from changes where tenant_id = 'notify-a'`;
    expect(peer.messages.map((m) => JSON.parse(m))).toEqual([
      { type: 'changed', cursor: Number(row!.newest) },
    ]);
    await sleep(300);
    expect(stranger.messages).toEqual([]);
    expect(pusher.messages).toEqual([]);
  });

  it('does not announce a replayed batch, which changes nothing', async () => {
    const peer = await listen(a2.token);
    const answer = await call(edge, 'POST', '/v1/push', {
      token: a1.token,
      body: { mutations: [await upsert(1, 'ann', 1)] },
    });
    expect(answer.status).toBe(200);
    await sleep(300);
    expect(peer.messages).toEqual([]);
  });

  it('answers the heartbeat', async () => {
    const peer = await listen(a2.token);
    peer.socket.send(PING);
    await until(() => peer.messages.includes(PONG));
  });

  it('refuses missing, malformed and forged credentials, and a request without the upgrade', async () => {
    await expect(listen(undefined)).rejects.toThrow('401');
    await expect(listen('not-a-token')).rejects.toThrow('401');
    const forged = `${a1.deviceId}.${'A'.repeat(43)}`;
    await expect(listen(forged)).rejects.toThrow('401');
    const plain = await call(edge, 'GET', '/v1/notify', { token: a1.token });
    expect(plain.status).toBe(426);
    expect((plain.body.error as { code?: string }).code).toBe('upgrade_required');
  });

  it('closes a socket that sends anything but the heartbeat', async () => {
    const peer = await listen(a2.token);
    peer.socket.send('hello');
    expect((await peer.closed).code).toBe(CLOSE_CODES.unsupported);
  });

  it('keeps at most MAX_SOCKETS_PER_DEVICE sockets per device, closing the oldest', async () => {
    const device = await createDevice(edge, 'notify-a');
    const first = await listen(device.token);
    for (let i = 1; i < MAX_SOCKETS_PER_DEVICE; i++) await listen(device.token);
    expect(first.socket.readyState).toBe(WebSocket.OPEN);
    await listen(device.token);
    expect((await first.closed).code).toBe(CLOSE_CODES.replaced);
  });

  it("closes a revoked device's sockets and refuses it afterwards", async () => {
    const device = await createDevice(edge, 'notify-a');
    const listener = await listen(device.token);
    const revoked = await call(edge, 'POST', `/v1/admin/devices/${device.deviceId}/revoke`, {
      token: ADMIN_TOKEN,
    });
    expect(revoked.status).toBe(200);
    expect((await listener.closed).code).toBe(CLOSE_CODES.revoked);
    await expect(listen(device.token)).rejects.toThrow('403');
  });
});
