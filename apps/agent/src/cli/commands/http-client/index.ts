// JSON over HTTP to the agent or the edge, with failures turned into errors that carry their exit code.
import { VoicesyncError, failureReason } from '@voicesync/core';
import { Option } from 'commander';
import { clientApiKey } from './api-key.ts';

export interface ApiTarget {
  /** Who is being called, for messages: "agent" or "edge". */
  name: string;
  baseUrl: string;
  /** Bearer token; sent, never printed. */
  token?: string | undefined;
  timeoutMs?: number;
}

export const DEFAULT_AGENT_URL = 'http://127.0.0.1:7420';

/** `--agent <url>`, defaulting to VOICESYNC_AGENT_URL, then the agent's default loopback port. */
export function agentOption(): Option {
  return new Option('--agent <url>', 'agent base URL').env('VOICESYNC_AGENT_URL').default(DEFAULT_AGENT_URL);
}

/** The agent at `--agent`, with its API key from VOICESYNC_API_KEY or the agent's key file. */
export function agentTarget(flags: { agent: string }): ApiTarget {
  return { name: 'agent', baseUrl: flags.agent, token: clientApiKey(process.env) };
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * Sends a request and returns the parsed JSON answer.
 *
 * @example
 * const status = await requestJson<Status>(agentTarget(flags), '/v1/status');
 */
export async function requestJson<T>(
  target: ApiTarget,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  let url: URL;
  try {
    url = new URL(path, target.baseUrl);
  } catch (cause) {
    throw new VoicesyncError('invalid_usage', `${target.name} URL is not valid: ${target.baseUrl}`, {
      cause,
    });
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(target.timeoutMs ?? 30_000),
    });
  } catch (cause) {
    throw new VoicesyncError(
      'unreachable',
      `${target.name} unreachable at ${url.origin}: ${failureReason(cause)}`,
      {
        cause,
      },
    );
  }
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const error = (body as ErrorBody | undefined)?.error;
    const code = error?.code ?? 'http_error';
    // The remote code stays in details: it must not collide with the codes that pick an exit code.
    throw new VoicesyncError(
      'remote_error',
      `${target.name} answered ${response.status} ${code}: ${error?.message ?? response.statusText}`,
      { details: { status: response.status, code } },
    );
  }
  if (body === undefined)
    throw new VoicesyncError('invalid_response', `${target.name} answered without JSON`);
  return body as T;
}
