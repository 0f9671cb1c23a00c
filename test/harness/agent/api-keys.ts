// The API key of each agent a test started, by base URL, so helpers that take only a URL can send it.
import { existsSync, readFileSync } from 'node:fs';

const keys = new Map<string, string>();

/** Remembers `key` for requests to `url` (an origin such as http://127.0.0.1:PORT). */
export function rememberAgentKey(url: string, key: string): void {
  keys.set(new URL(url).origin, key);
}

/** The key file's content, as a client would read it (the key alone on one line). */
export function readAgentKey(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/** `{ authorization: 'Bearer …' }` for an agent started by the harness, `{}` for any other URL. */
export function agentAuthHeaders(url: string): Record<string, string> {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return {};
  }
  const key = keys.get(origin);
  return key === undefined ? {} : { authorization: `Bearer ${key}` };
}

/** fetch to an agent with its key. */
export function agentFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(agentAuthHeaders(url))) {
    if (!headers.has(name)) headers.set(name, value);
  }
  return fetch(url, { ...init, headers });
}
