// Skipped announcements in workerd: a shard stops asking a tenant's hub while nobody but the
// pusher listens, and a device that joins, whatever its shard, hears of the very next push.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import {
  type EdgeHandle,
  type PostgresHandle,
  startEdge,
  startPostgres,
} from '../../../../test/harness/index.ts';
import { relayStatus } from '../../../../test/scale-out/status.ts';
import { ADMIN_TOKEN, call, createDevice, type Device, upsert } from '../../test/edge-client.ts';
import { listen as listenOn, sleep, until } from '../../test/notify-client.ts';
import { shardOf } from '../relay/shards/index.ts';

const SHARDS = 3;
let cluster: PostgresHandle;
let edge: EdgeHandle;
const sockets: WebSocket[] = [];

const listen = (token: string) => listenOn(edge, token, sockets);

/**
 * The announcement counters of the shard that serves `device`, once they count `pushes`
 * announcements: an announcement runs after its push was acknowledged.
 */
async function announcements(device: Device, pushes: number) {
  for (const deadline = Date.now() + 5_000; ; ) {
    const status = await relayStatus(edge.url);
    const counted = status.shards[shardOf(device.deviceId, SHARDS)]?.push.announcements;
    if (counted && (counted.sent + counted.skipped === pushes || Date.now() > deadline)) return counted;
    await sleep(20);
  }
}

beforeAll(async () => {
  cluster = await startPostgres();
  edge = await startEdge({
    vars: { DATABASE_URL: cluster.url, ADMIN_TOKEN, RELAY_SHARDS: String(SHARDS), PG_MAX: '3' },
  });
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await edge?.destroy();
  await cluster?.destroy();
});

describe('announcing a push with RELAY_SHARDS=3', () => {
  it('skips the hub while only the pusher listens, and a device joining on another shard hears the next push', async () => {
    const pusher = await createDevice(edge, 'quiet-a');
    let joiner = await createDevice(edge, 'quiet-a');
    while (shardOf(joiner.deviceId, SHARDS) === shardOf(pusher.deviceId, SHARDS)) {
      joiner = await createDevice(edge, 'quiet-a');
    }
    // The pusher's own socket is nobody else: its pushes are not announced to it.
    await listen(pusher.token);
    let mutationId = 0;
    const push = async () => {
      mutationId += 1;
      const answer = await call(edge, 'POST', '/v1/push', {
        token: pusher.token,
        body: { mutations: [await upsert(mutationId, `s-${mutationId}`, mutationId)] },
      });
      expect(answer.status).toBe(200);
    };

    await push(); // asks the hub, which has no other socket
    expect(await announcements(pusher, 1)).toEqual({ sent: 1, skipped: 0 });
    await push();
    await push();
    expect(await announcements(pusher, 3)).toEqual({ sent: 1, skipped: 2 });

    const listener = await listen(joiner.token);
    await push();
    await until(() => listener.messages.length > 0);
    expect(JSON.parse(listener.messages[0] ?? '')).toMatchObject({ type: 'changed' });
    expect(await announcements(pusher, 4)).toEqual({ sent: 2, skipped: 2 });

    // While the joiner listens, every push is announced.
    await push();
    await until(() => listener.messages.length > 1);
    expect(await announcements(pusher, 5)).toEqual({ sent: 3, skipped: 2 });
  });
});
