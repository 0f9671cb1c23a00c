// Faults and load against the bundled Worker: the connection cap under a burst, and the breaker.
import type { PushAck } from '@voicesync/schema';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countConnections,
  type EdgeHandle,
  type PostgresHandle,
  sampleConnections,
  startEdge,
  startPostgres,
} from '../../../../test/harness/index.ts';
import { ADMIN_TOKEN, call, createDevice, type Edge, errorCode, upsert } from '../../test/edge-client.ts';
import { APPLICATION_NAME } from './pool/postgres.ts';

let cluster: PostgresHandle;

function edgeWith(vars: Record<string, string> = {}): Promise<EdgeHandle> {
  return startEdge({ vars: { DATABASE_URL: cluster.url, ADMIN_TOKEN, PG_MAX: '3', ...vars } });
}

async function breakerState(edge: Edge): Promise<string> {
  return (await call<{ breaker: { state: string } }>(edge, 'GET', '/health')).body.breaker.state;
}

beforeAll(async () => {
  cluster = await startPostgres();
}, 180_000);

afterAll(async () => {
  await cluster?.destroy();
});

describe('under load', () => {
  it('never holds more than PG_MAX connections for 200 concurrent pushes', async () => {
    // A generous acquire timeout: this test is about the cap, and a loaded CI box must not turn it into 503s.
    const edge = await edgeWith({ PG_ACQUIRE_TIMEOUT_MS: '30000' });
    try {
      const devices = await Promise.all(
        Array.from({ length: 50 }, (_, i) => createDevice(edge, `tenant-load-${i % 5}`)),
      );
      const sampler = sampleConnections(cluster.url, 5, { applicationName: APPLICATION_NAME });
      // Four identical requests per device at once: the device row lock lets exactly one apply.
      const answers = await Promise.all(
        devices.flatMap((device, i) =>
          Array.from({ length: 4 }, async () => {
            const body = { mutations: [await upsert(1, `load-${i}`, i + 1)] };
            return call<PushAck>(edge, 'POST', '/v1/push', { token: device.token, body });
          }),
        ),
      );
      const peak = (await sampler.stop()).max;
      expect(answers.map((a) => a.status)).toEqual(Array(200).fill(200));
      const statuses = answers.map((a) => a.body.results[0]!.status);
      expect(statuses.filter((s) => s === 'applied')).toHaveLength(50);
      expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(150);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(3);

      const status = await call<{ pool: { max: number; active: number } }>(edge, 'GET', '/v1/status');
      expect(status.body.pool).toMatchObject({ max: 3, active: 0 });
      const metrics = await (await fetch(`${edge.url}/metrics`)).text();
      expect(metrics).toContain('voicesync_relay_pool_max 3');
      expect(metrics).toContain('voicesync_relay_breaker_state{state="CLOSED"} 1');
      expect(metrics).toContain('voicesync_relay_push_mutations_total{status="applied"} 50');
    } finally {
      await edge.destroy();
    }
  });
});

describe('connection lifecycle', () => {
  const relayConnections = () => countConnections(cluster.url, { applicationName: APPLICATION_NAME });

  async function burst(edge: EdgeHandle, tenantId: string): Promise<void> {
    const devices = await Promise.all(Array.from({ length: 12 }, () => createDevice(edge, tenantId)));
    await Promise.all(
      devices.map(async (device, i) => {
        const body = { mutations: [await upsert(1, `life-${i}`, i + 1)] };
        expect((await call(edge, 'POST', '/v1/push', { token: device.token, body })).status).toBe(200);
      }),
    );
  }

  it('recycles a connection after its query budget', async () => {
    const edge = await edgeWith({ PG_MAX_QUERIES_PER_CONNECTION: '20' });
    try {
      await burst(edge, 'tenant-recycle');
      const status = await call<{ pool: { recycled: number; opened: number } }>(edge, 'GET', '/v1/status');
      expect(status.body.pool.recycled).toBeGreaterThan(0);
      expect(status.body.pool.opened).toBeGreaterThan(3);
      expect(await relayConnections()).toBeLessThanOrEqual(3);
    } finally {
      await edge.destroy();
    }
  });

  it('closes idle connections down to the one it keeps', async () => {
    const edge = await edgeWith({ PG_IDLE_TIMEOUT_MS: '1000' });
    try {
      await burst(edge, 'tenant-idle');
      const status = await call<{ pool: { opened: number } }>(edge, 'GET', '/v1/status');
      expect(status.body.pool.opened).toBeGreaterThan(1);
      // The close is postgres.js's timer in workerd, then a backend exiting: polled, not slept on.
      await expect.poll(relayConnections, { timeout: 15_000, interval: 100 }).toBe(1);
    } finally {
      await edge.destroy();
    }
  });
});

describe('configuration', () => {
  it('answers 500 bad_config for a var that is set but invalid', async () => {
    const edge = await edgeWith({ PG_MAX: 'three' });
    try {
      const health = await call(edge, 'GET', '/health');
      expect(health.status).toBe(500);
      expect(errorCode(health)).toBe('bad_config');
    } finally {
      await edge.destroy();
    }
  });
});

describe('breaker', () => {
  it('opens when PostgreSQL stops, answers 503 + Retry-After fast, and stays open across a restart', async () => {
    const edge = await edgeWith();
    const device = await createDevice(edge, 'tenant-c');
    const body = { mutations: [await upsert(1, 'ada', 1)] };
    await cluster.stop();
    try {
      const codes: Array<string | undefined> = [];
      for (let i = 0; i < 6; i++) {
        const answer = await call(edge, 'POST', '/v1/push', { token: device.token, body });
        expect(answer.status).toBe(503);
        codes.push(errorCode(answer));
      }
      expect(codes).toEqual([...Array(5).fill('upstream_error'), 'upstream_unavailable']);
      const started = Date.now();
      const open = await call(edge, 'POST', '/v1/push', { token: device.token, body });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(open.status).toBe(503);
      expect(Number(open.headers.get('retry-after'))).toBeGreaterThan(50);

      await edge.restart();
      const health = await call<{ ok: boolean; breaker: { state: string } }>(edge, 'GET', '/health');
      expect(health.body).toMatchObject({ ok: false, breaker: { state: 'OPEN' } });
      const afterRestart = await call(edge, 'POST', '/v1/push', { token: device.token, body });
      expect(afterRestart.status).toBe(503);
      expect(errorCode(afterRestart)).toBe('upstream_unavailable');
    } finally {
      await edge.destroy();
      await cluster.start();
    }
  });

  it('stays closed when PostgreSQL refuses a statement (a missing table): 500 on that route only', async () => {
    const edge = await edgeWith();
    const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
    try {
      const device = await createDevice(edge, 'tenant-s');
      // The pull route reads the change log; take it away as a bad migration would.
      await sql`ALTER TABLE changes RENAME TO changes_away`;
      for (let i = 0; i < 6; i++) {
        const pull = await call(edge, 'GET', '/v1/pull?cursor=0', { token: device.token });
        expect(pull.status).toBe(500);
        expect(errorCode(pull)).toBe('database_error');
      }
      expect(await breakerState(edge)).toBe('CLOSED');
      // Routes that do not touch the missing table keep working.
      const position = await call<{ lastMutationId: number }>(edge, 'GET', '/v1/device', {
        token: device.token,
      });
      expect(position.status).toBe(200);
      await sql`ALTER TABLE changes_away RENAME TO changes`;
      expect((await call(edge, 'GET', '/v1/pull?cursor=0', { token: device.token })).status).toBe(200);
    } finally {
      await sql`ALTER TABLE IF EXISTS changes_away RENAME TO changes`.catch(() => undefined);
      await sql.end({ timeout: 1 });
      await edge.destroy();
    }
  });

  it('closes again after the open period once PostgreSQL is back', async () => {
    const edge = await edgeWith({ BREAKER_OPEN_MS: '1000' });
    try {
      const device = await createDevice(edge, 'tenant-d');
      const body = { mutations: [await upsert(1, 'ada', 1)] };
      await cluster.stop();
      for (let i = 0; i < 5; i++) await call(edge, 'POST', '/v1/push', { token: device.token, body });
      expect(await breakerState(edge)).toBe('OPEN');
      await cluster.start();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await breakerState(edge)).toBe('HALF_OPEN');
      // The probe push runs two transactions (device lookup, then the batch): two successes close it.
      const probe = await call<PushAck>(edge, 'POST', '/v1/push', { token: device.token, body });
      expect(probe.status).toBe(200);
      expect(await breakerState(edge)).toBe('CLOSED');
    } finally {
      await edge.destroy();
    }
  });
});
