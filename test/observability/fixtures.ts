// Test fixtures for the operations suites: an in-process agent with captured logs, a fake edge, a closed port.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EdgeStatus, Mutation } from '@voicesync/schema';
import { type Agent, createAgent } from '../../apps/agent/src/agent.ts';
import { createApp } from '../../apps/agent/src/api/index.ts';
import { type AgentConfigInput, resolveConfig } from '../../apps/agent/src/config/index.ts';
import { createLogger } from '../../apps/agent/src/logger/index.ts';
import type { Fetch } from '../../apps/agent/src/sync/transport/index.ts';
import { apiKeyHeader } from '../support/in-process-agent.ts';

export const DIM = 16;

export interface TestAgent {
  agent: Agent;
  app: ReturnType<typeof createApp>;
  /** Every log line the agent wrote, raw JSON text. */
  logs: string[];
  dir: string;
  request(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** An agent in this process on a temp database, logging at trace level into `logs`. */
export async function startTestAgent(
  options: Partial<AgentConfigInput> = {},
  fetch?: Fetch,
): Promise<TestAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'voicesync-ops-'));
  const logs: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => void logs.push(line) });
  const config = resolveConfig({ db: join(dir, 'agent.db'), dim: DIM, logLevel: 'trace', ...options });
  const agent = await createAgent(config, { logger, ...(fetch ? { fetch } : {}) });
  const app = createApp(agent);
  return {
    agent,
    app,
    logs,
    dir,
    request: (path, init = {}) =>
      Promise.resolve(
        app.request(path, {
          method: init.method ?? 'GET',
          ...(init.body === undefined
            ? { headers: apiKeyHeader(agent) }
            : {
                body: JSON.stringify(init.body),
                headers: { 'content-type': 'application/json', ...apiKeyHeader(agent) },
              }),
        }),
      ),
    async close() {
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A unit vector with distinctive 8-decimal values, so a leaked value is easy to find in text. */
export function embedding(seed: number, dim = DIM): number[] {
  const raw = Array.from({ length: dim }, (_, i) => Math.sin(seed * 7.31 + i * 1.37) + 0.01 * seed);
  const norm = Math.hypot(...raw);
  return raw.map((v) => Number((v / norm).toFixed(8)));
}

/** A loopback port nothing listens on (bound, then released), for real ECONNREFUSED. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A minimal edge behind an injected fetch: acks pushes, answers pull and /v1/status, and can be
 * taken down (network errors) and brought back.
 */
export class FakeEdge {
  down = false;
  /** Pushes and the device handshake answer 503 (Postgres down behind a reachable edge); /v1/status still answers. */
  upstreamDown = false;
  load = 0.42;
  relayBreaker: 'CLOSED' | 'OPEN' | 'HALF_OPEN' = 'CLOSED';
  /** Every mutation is answered `rejected` (the edge refusing it), the only way to a dead letter. */
  rejectMutations = false;
  applied: Mutation[] = [];
  private lastMutationId = 0;

  fetch: Fetch = async (input, init) => {
    if (this.down) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    const url = new URL(input);
    if (url.pathname === '/v1/status') {
      const latency = { p50: 0, p99: 0, count: 0, sumMs: 0 };
      const pool = { max: 3, active: 1, idle: 1, waiting: 0, load: this.load };
      const counters = { opened: 2, recycled: 0, errors: 0, timeouts: 0, queries: 0 };
      const breaker = { state: this.relayBreaker, retryAfterMs: 0 };
      const push = {
        batches: 0,
        gaps: 0,
        mutations: { applied: 0, duplicate: 0, conflict: 0, rejected: 0 },
        announcements: { sent: 0, skipped: 0 },
      };
      const status: EdgeStatus = {
        pool: { ...pool, ...counters, acquireMs: latency, queryMs: latency },
        breaker,
        push,
        uptimeMs: 1000,
        budget: { pgMax: 3, shards: 1, share: 3 },
        shards: [{ shard: 0, breaker, pool, load: this.load, push, uptimeMs: 1000 }],
      };
      return Response.json(status);
    }
    if (url.pathname === '/v1/pull') return Response.json({ changes: [], nextCursor: 0, hasMore: false });
    if (url.pathname === '/v1/device' && !this.upstreamDown) {
      return Response.json({ deviceId: 'dev_test', lastMutationId: this.lastMutationId });
    }
    if ((url.pathname === '/v1/push' || url.pathname === '/v1/device') && this.upstreamDown) {
      const error = { error: { code: 'upstream_unavailable', message: 'circuit open' } };
      return Response.json(error, { status: 503, headers: { 'retry-after': '1' } });
    }
    if (url.pathname === '/v1/push') {
      const { mutations } = JSON.parse(String(init?.body)) as { mutations: Mutation[] };
      const results = mutations.map((m) => {
        const fresh = m.mutationId > this.lastMutationId;
        if (fresh && this.rejectMutations) {
          return { mutationId: m.mutationId, status: 'rejected', reason: 'refused by the test edge' };
        }
        if (fresh) this.applied.push(m);
        return {
          mutationId: m.mutationId,
          status: fresh ? 'applied' : 'duplicate',
          contentHash: m.contentHash,
        };
      });
      this.lastMutationId = Math.max(this.lastMutationId, ...mutations.map((m) => m.mutationId));
      return Response.json({ lastMutationId: this.lastMutationId, results, load: this.load });
    }
    return Response.json({ error: { code: 'not_found', message: url.pathname } }, { status: 404 });
  };

  /** The same edge over real HTTP on loopback, for agents in child processes; close() makes it unreachable. */
  async serve(): Promise<{ url: string; close(): Promise<void> }> {
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
        const response = await this.fetch(`http://edge.test${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          ...(body === undefined ? {} : { body }),
        });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(await response.text());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
}
