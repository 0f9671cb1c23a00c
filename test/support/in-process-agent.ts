// An agent inside the test process: real libSQL file, real edge, injectable fetch for faults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, createAgent } from '../../apps/agent/src/agent.ts';
import { createApp } from '../../apps/agent/src/api/index.ts';
import { resolveConfig } from '../../apps/agent/src/config/index.ts';
import { createLogger } from '../../apps/agent/src/logger/index.ts';
import type { Fetch } from '../../apps/agent/src/sync/transport/index.ts';
import type { Clock } from '@voicesync/core';

/** Intervals short enough for tests; every value is an ordinary config option. */
export const FAST_SYNC = {
  syncIntervalMs: 200,
  pullIntervalMs: 500,
  backoffInitialMs: 50,
  backoffMaxMs: 500,
  requestTimeoutMs: 20_000,
  breaker: { failureThreshold: 5, successThreshold: 2, openMs: 500, halfOpenTimeoutMs: 500 },
};

/** The header an in-process request needs to pass the agent's API key check (none with allowUnauthenticated). */
export function apiKeyHeader(agent: Agent): Record<string, string> {
  const key = agent.access.options.key;
  return key === undefined ? {} : { authorization: `Bearer ${key}` };
}

export interface InProcessAgent {
  agent: Agent;
  app: ReturnType<typeof createApp>;
  db: string;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the fields it asserts on
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
  /** Closes, then opens the same database again with the same options. */
  reopen(): Promise<InProcessAgent>;
}

export async function inProcessAgent(
  options: {
    edgeUrl?: string;
    token?: string;
    db?: string;
    config?: Record<string, unknown>;
    fetch?: Fetch;
    /** The agent's clock (a machine whose time is off). */
    clock?: Clock;
    /** Collects the agent's log lines (raw JSON) instead of discarding them. */
    logs?: string[];
    /** Run on the product's defaults instead of FAST_SYNC (what fault suites about outages do). */
    defaults?: boolean;
    /** Start as `voicesync agent start --reset-sync` does. */
    resetSync?: boolean;
  } = {},
): Promise<InProcessAgent> {
  const dir = options.db ? undefined : mkdtempSync(join(tmpdir(), 'voicesync-agent-'));
  const db = options.db ?? join(dir ?? '', 'agent.db');
  const config = resolveConfig(
    { db, logLevel: 'silent' },
    options.defaults ? {} : FAST_SYNC,
    options.edgeUrl ? { edgeUrl: options.edgeUrl, token: options.token } : {},
    options.config,
  );
  const logs = options.logs;
  const agent = await createAgent(config, {
    logger: logs
      ? createLogger('info', { write: (line: string) => void logs.push(line) })
      : createLogger('silent'),
    ...(options.resetSync ? { resetSync: true } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = createApp(agent);
  const handle: InProcessAgent = {
    agent,
    app,
    db,
    async call(method, path, body) {
      const response = await app.request(path, {
        method,
        ...(body === undefined
          ? { headers: apiKeyHeader(agent) }
          : {
              headers: { 'content-type': 'application/json', ...apiKeyHeader(agent) },
              body: JSON.stringify(body),
            }),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      await agent.close();
    },
    async reopen() {
      await agent.close();
      return inProcessAgent({ ...options, db });
    },
  };
  return handle;
}

/** Removes a temp database made by inProcessAgent (and its WAL files). */
export function removeDatabase(db: string): void {
  rmSync(join(db, '..'), { recursive: true, force: true });
}
