// Issue 4: PostgreSQL dies while an agent writes 2,000 profiles; nothing is lost, everything drains.
import { PRIORITIES } from '@voicesync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, pg, randomVector, type Sql } from '../support/index.ts';
import { type InProcessAgent, inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';
import { push, type Stack, startStack, upsertMutation } from '../support/stack.ts';

describe('dead database', () => {
  let stack: Stack;
  let sql: Sql;
  let local: InProcessAgent;
  /** Never used before the outage, so authenticating it needs PostgreSQL (nothing cached). */
  let probeToken: string;

  beforeAll(async () => {
    stack = await startStack({
      vars: { BREAKER_OPEN_MS: '1000', BREAKER_HALF_OPEN_TIMEOUT_MS: '1000', PG_CONNECT_TIMEOUT_MS: '1000' },
    });
    const device = await stack.device('tenant-dead');
    probeToken = (await stack.device('tenant-dead-probe')).token;
    local = await inProcessAgent({
      edgeUrl: stack.edge.url,
      token: device.token,
      // The agent's defaults (5 attempts, backoff to 60 s, its breaker open 60 s): an outage costs nothing.
      defaults: true,
    });
  });

  afterAll(async () => {
    await local?.close();
    if (local) removeDatabase(local.db);
    await sql?.end({ timeout: 1 });
    await stack?.destroy();
  });

  it('keeps every write through an outage, fails fast, keeps verifying, then drains exactly', async () => {
    const { postgres, edge } = stack;
    const written = new Map<string, string>();
    const write = async (i: number) => {
      const priority = PRIORITIES[i % 5]!;
      const { status, body } = await local.call('PUT', `/v1/profiles/dead-${i}`, {
        name: `D${i}`,
        embedding: randomVector(20_000 + i),
        priority,
      });
      expect(status).toBe(200);
      written.set(`dead-${i}`, body.contentHash);
    };
    for (let i = 0; i < 500; i++) await write(i);
    await postgres.stop();
    for (let i = 500; i < 2000; i++) await write(i);

    // The relay's breaker opens: a push now fails fast with 503 and Retry-After.
    await eventually(async () => {
      const started = performance.now();
      // A device whose record is not cached: authenticating it needs PostgreSQL, so the breaker
      // must answer first (an unsigned or made-up token would stop at the Worker's gate instead).
      const probe = await upsertMutation('probe', 1, 1);
      const response = await push(edge.url, probeToken, { mutations: [probe] });
      const elapsed = performance.now() - started;
      const body = (await response.json()) as { error?: { code?: string } };
      return (
        response.status === 503 &&
        body.error?.code === 'upstream_unavailable' &&
        response.headers.get('retry-after') !== null &&
        elapsed < 1000
      );
    }, 20_000);

    // Authentication is untouched by the outage.
    for (let i = 0; i < 2000; i += 97) {
      const probe = await local.call('POST', '/v1/verify', {
        speakerId: `dead-${i}`,
        embedding: randomVector(20_000 + i),
      });
      expect(probe.body.accepted).toBe(true);
    }
    // Nothing was dropped: what is not upstream yet is still in the outbox.
    const counts = await local.agent.outbox.counts();
    expect(counts.pending + local.agent.stats.synced).toBe(2000);
    expect(counts.deadLetters).toBe(0);
    expect(local.agent.stats.failed).toBeGreaterThan(0);

    await postgres.start();
    sql = pg(postgres.url);
    // No command: the queue notices the path is back (within one capped wait) and drains by itself.
    await eventually(async () => (await local.agent.outbox.counts()).pending === 0, 150_000, 500);
    expect((await local.agent.outbox.counts()).deadLetters).toBe(0);

    const rows = await sql<{ speaker_id: string; content_hash: string; version: number }[]>`
      SELECT speaker_id, content_hash, version FROM profiles WHERE tenant_id = 'tenant-dead'`;
    expect(rows).toHaveLength(2000);
    expect(new Map(rows.map((r) => [r.speaker_id, r.content_hash]))).toEqual(written);
    expect(rows.every((r) => r.version === 1)).toBe(true);
    const changes = await sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM changes WHERE tenant_id = 'tenant-dead'`;
    expect(changes[0]?.n).toBe(2000);
    const local2 = new Map((await local.agent.profiles.all()).map((p) => [p.speakerId, p.contentHash]));
    expect(local2).toEqual(written);
  }, 300_000);
});
