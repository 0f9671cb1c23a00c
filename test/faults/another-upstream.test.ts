// Issue 11: an agent whose database synced with one PostgreSQL is pointed at a fresh one (a new
// edge, a new device there). It says so with the fix; --reset-sync pushes every profile to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, randomVector } from '../support/index.ts';
import { inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';
import { type Stack, startStack } from '../support/stack.ts';

describe('another upstream', () => {
  let first: Stack;
  let fresh: Stack;
  beforeAll(async () => {
    [first, fresh] = await Promise.all([startStack(), startStack()]);
  });
  afterAll(async () => {
    await Promise.all([first?.destroy(), fresh?.destroy()]);
  });

  const upstream = async (stack: Stack) =>
    (await stack.sql<{ speaker_id: string }[]>`SELECT speaker_id FROM profiles ORDER BY speaker_id`).map(
      (r) => r.speaker_id,
    );

  it('detects a database that synced elsewhere, and --reset-sync pushes every profile as the first sync', async () => {
    const old = await first.device('tenant-home');
    let local = await inProcessAgent({ edgeUrl: first.edge.url, token: old.token, defaults: true });
    const ids = Array.from({ length: 12 }, (_, i) => `home-${String(i).padStart(2, '0')}`);
    try {
      for (const [i, id] of ids.entries()) {
        const { status } = await local.call('PUT', `/v1/profiles/${id}`, {
          name: id,
          embedding: randomVector(i),
        });
        expect(status).toBe(200);
      }
      await eventually(async () => (await local.agent.outbox.counts()).pending === 0, 30_000);
      expect(await upstream(first)).toEqual(ids);
    } finally {
      await local.close();
    }

    // The same file, now with a fresh database behind a new edge, where this is a new device.
    const device = await fresh.device('tenant-home');
    local = await inProcessAgent({
      db: local.db,
      edgeUrl: fresh.edge.url,
      token: device.token,
      defaults: true,
    });
    try {
      await eventually(async () => local.agent.stats.anotherUpstream, 30_000);
      const status = await local.call('GET', '/v1/status');
      expect(status.body.edge.anotherUpstream).toContain('--reset-sync');
      expect(status.body.edge.anotherUpstream).not.toContain('\n');
      expect(await upstream(fresh)).toEqual([]);
    } finally {
      await local.close();
    }

    local = await inProcessAgent({
      db: local.db,
      edgeUrl: fresh.edge.url,
      token: device.token,
      defaults: true,
      resetSync: true,
    });
    try {
      await eventually(async () => (await upstream(fresh)).length === ids.length || undefined, 60_000);
      expect(await upstream(fresh)).toEqual(ids);
      expect((await local.agent.outbox.counts()).deadLetters).toBe(0);
      // Synced with this upstream now: the next start finds nothing to report.
      await eventually(async () => (await local.agent.outbox.counts()).pending === 0, 30_000);
      await local.close();
      local = await inProcessAgent({
        db: local.db,
        edgeUrl: fresh.edge.url,
        token: device.token,
        defaults: true,
      });
      await eventually(
        async () => (await local.agent.outbox.localPosition()).device === device.deviceId,
        30_000,
      );
      expect(local.agent.stats.anotherUpstream).toBeUndefined();
      const hashes = await fresh.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM profiles`;
      expect(hashes[0]?.n).toBe(ids.length);
    } finally {
      await local.close();
      removeDatabase(local.db);
    }
  }, 240_000);
});
