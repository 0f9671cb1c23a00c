// Helpers shared by the cross-package suites: device provisioning, random profiles, polling, PG reads.
import postgres from 'postgres';
import { seededRandom } from '../../apps/agent/src/scoring/random-embeddings.ts';
import { agentFetch } from '../harness/agent/api-keys.ts';

export type Sql = postgres.Sql;

export function pg(url: string): Sql {
  return postgres(url, { max: 2, onnotice: () => {} });
}

export interface Device {
  deviceId: string;
  tenantId: string;
  token: string;
}

export async function provisionDevice(
  edgeUrl: string,
  adminToken: string,
  tenantId: string,
): Promise<Device> {
  const response = await fetch(`${edgeUrl}/v1/admin/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, name: `test device of ${tenantId}` }),
  });
  if (!response.ok) throw new Error(`provisioning failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Device;
}

/** Deterministic float32 values in [-0.5, 0.5) (mulberry32). */
export function randomVector(seed: number, dim = 192): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: dim }, () => Math.fround(next() - 0.5));
}

export async function json<T = unknown>(
  response: Response | Promise<Response>,
): Promise<{ status: number; body: T }> {
  const r = await response;
  return { status: r.status, body: (await r.json()) as T };
}

/** PUT a profile on an agent; the harness's agents get their API key added. */
export function putProfile(agentUrl: string, speakerId: string, body: unknown): Promise<Response> {
  return agentFetch(`${agentUrl}/v1/profiles/${speakerId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** POST /v1/verify on an agent; the harness's agents get their API key added. */
export function verifyAt(agentUrl: string, body: unknown): Promise<Response> {
  return agentFetch(`${agentUrl}/v1/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function agentStatus(agentUrl: string): Promise<{
  outbox: { pending: number; deadLetters: number; byPriority: Record<string, number> };
  synced: number;
  failed: number;
  pull: { pulled: number; lastPullAt: number | null; cursor: number | null };
}> {
  return (await (await agentFetch(`${agentUrl}/v1/status`)).json()) as never;
}
