// The multi-device suites' world: PostgreSQL, the Worker in workerd, and in-process agents of one tenant.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { type Agent, createAgent } from '../../apps/agent/src/agent.ts';
import { createApp } from '../../apps/agent/src/api/index.ts';
import { type AgentConfigInput, resolveConfig } from '../../apps/agent/src/config/index.ts';
import { createLogger } from '../../apps/agent/src/logger/index.ts';
import { type EdgeHandle, type PostgresHandle, type TempDir, tempDir } from '../harness/index.ts';
import type { Device, Sql } from '../support/index.ts';
import { apiKeyHeader } from '../support/in-process-agent.ts';
import { startStack } from '../support/stack.ts';
import { Link } from './link.ts';

/**
 * Small intervals so a partition heals and a drain finishes in seconds; nothing may dead-letter, on
 * the default retry budget (an outage spends none of it).
 */
export const FAST_SYNC: AgentConfigInput = {
  syncIntervalMs: 300,
  pullIntervalMs: 500,
  backoffInitialMs: 50,
  backoffMaxMs: 200,
  requestTimeoutMs: 10_000,
  breaker: { openMs: 500 },
  relayStatusIntervalMs: 60_000,
  dashboard: false,
};

export interface Backend {
  pg: PostgresHandle;
  edge: EdgeHandle;
  sql: Sql;
  adminToken: string;
  dir: TempDir;
  provision(tenantId: string): Promise<Device>;
  destroy(): Promise<void>;
}

/** PostgreSQL + the edge (`options` as startStack takes them) and a temp dir named after the suite. */
export async function startBackend(
  name = 'multi-device',
  options: Parameters<typeof startStack>[0] = { vars: { PG_MAX: '3' } },
): Promise<Backend> {
  const stack = await startStack(options);
  const dir = tempDir(name);
  return {
    pg: stack.postgres,
    edge: stack.edge,
    sql: stack.sql,
    adminToken: stack.adminToken,
    dir,
    provision: stack.device,
    async destroy() {
      await stack.destroy();
      await dir.remove();
    },
  };
}

export interface FleetAgent {
  name: string;
  device: Device;
  agent: Agent;
  /** The agent's HTTP API, called in process (no port). */
  app: Hono;
  link: Link;
  dbPath: string;
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface FleetAgentOptions {
  config?: AgentConfigInput;
  /** Live notifications (default on). */
  notify?: boolean;
  /** Reopen an existing database instead of a fresh one. */
  dbPath?: string;
}

/** An agent of `device` in this process, reaching the edge through its own `Link`. */
export async function startFleetAgent(
  backend: Backend,
  name: string,
  device: Device,
  options: FleetAgentOptions = {},
): Promise<FleetAgent> {
  const link = new Link();
  const dbPath = options.dbPath ?? join(backend.dir.path, `${name}-${randomBytes(4).toString('hex')}.db`);
  const config = resolveConfig(
    { ...FAST_SYNC, ...options.config },
    { db: dbPath, edgeUrl: backend.edge.url, deviceId: device.deviceId, token: device.token },
  );
  const logger = createLogger(process.env.HARNESS_ECHO === '1' ? 'info' : 'silent');
  const agent = await createAgent(config, {
    fetch: link.fetch,
    notify: options.notify === false ? false : link.notify,
    logger,
  });
  const app = createApp(agent);
  return {
    name,
    device,
    agent,
    app,
    link,
    dbPath,
    async call(method, path, body) {
      const init: RequestInit = { method, headers: apiKeyHeader(agent) };
      if (body !== undefined) {
        init.headers = { 'content-type': 'application/json', ...apiKeyHeader(agent) };
        init.body = JSON.stringify(body);
      }
      const response = await app.request(path, init);
      return { status: response.status, body: (await response.json()) as never };
    },
    close: () => agent.close(),
  };
}
