// The agent's only door to the network: an edge client over an injected fetch.
import {
  type EdgeStatus,
  edgeStatusSchema,
  MUTATION_GAP,
  type Mutation,
  type PushAck,
  pushAckSchema,
} from '@voicesync/schema';
import { edgeFetch, type Fetch } from './http.ts';

export { edgeFetch, type Fetch } from './http.ts';

export type PushOutcome =
  | { kind: 'ack'; ack: PushAck }
  | { kind: 'gap'; lastMutationId: number }
  /** The edge refused the batch or the credential (400, 401, 403, 413); the request will not succeed as is. */
  | { kind: 'refused'; status: number; code: string; message: string }
  /**
   * Edge or upstream unavailable (network error, timeout, 5xx, 408, 429), or an answer the edge never
   * gives (a redirect, a 404: `edgeUrl` is wrong); worth retrying later.
   */
  | { kind: 'unavailable'; status?: number; code?: string; retryAfterMs?: number; message: string };

export type HandshakeOutcome = { kind: 'ok'; lastMutationId: number; deviceId?: string } | Failure;

export interface EdgeTransportOptions {
  edgeUrl: string;
  /** The device credential; replaced with `useToken` when the operator issues a new one. */
  token: string;
  timeoutMs: number;
  fetch?: Fetch;
  /** Told the edge's Date header of every answer, with when the request left and the answer came (clock skew). */
  onDate?: (date: string | null, sentAt: number, receivedAt: number) => void;
  now?: () => number;
}

interface ErrorShape {
  error?: { code?: string; message?: string; lastMutationId?: number; expected?: number };
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export class EdgeTransport {
  private readonly fetch: Fetch;
  /** Requests sent, for tests that prove the authentication path never touches the network. */
  requests = 0;

  private token: string;

  constructor(private readonly options: EdgeTransportOptions) {
    this.fetch = options.fetch ?? edgeFetch;
    this.token = options.token;
  }

  get edgeUrl(): string {
    return this.options.edgeUrl;
  }

  /** A new device credential (rotated after the edge refused the old one): the queue resumes with it. */
  useToken(token: string): void {
    this.token = token;
  }

  /**
   * Sends any request to the edge with the device credential (unless `credential: false`) and the
   * timeout.
   */
  async request(path: string, init: RequestInit = {}, { credential = true } = {}): Promise<Response> {
    this.requests += 1;
    const headers = new Headers(init.headers);
    if (credential) headers.set('authorization', `Bearer ${this.token}`);
    const now = this.options.now ?? Date.now;
    const sentAt = now();
    const response = await this.fetch(new URL(path, this.options.edgeUrl).toString(), {
      ...init,
      headers,
      signal: init.signal ?? AbortSignal.timeout(this.options.timeoutMs),
    });
    this.options.onDate?.(response.headers.get('date'), sentAt, now());
    return response;
  }

  /** Sends a request; a network failure becomes an `unavailable` outcome instead of a throw. */
  private async send(
    path: string,
    init?: RequestInit,
  ): Promise<{ response: Response; body: unknown } | Failure> {
    try {
      const response = await this.request(path, init);
      return { response, body: (await response.json().catch(() => undefined)) as unknown };
    } catch (error) {
      return { kind: 'unavailable', message: `edge unreachable: ${(error as Error).message}` };
    }
  }

  /** Asks where this device's mutation numbering stands upstream (before a fresh database numbers any). */
  async handshake(): Promise<HandshakeOutcome> {
    const sent = await this.send('/v1/device');
    if ('kind' in sent) return sent;
    const { lastMutationId, deviceId } = (sent.body ?? {}) as {
      lastMutationId?: unknown;
      deviceId?: unknown;
    };
    if (sent.response.ok && typeof lastMutationId === 'number') {
      return { kind: 'ok', lastMutationId, ...(typeof deviceId === 'string' ? { deviceId } : {}) };
    }
    return failure(sent.response, sent.body);
  }

  /**
   * The edge's GET /v1/status, read field by field: a partial answer is still worth showing. Sent
   * without the credential: the route needs none, and a credential sent where it is not needed can
   * only leak. A network failure throws.
   */
  async status(timeoutMs: number): Promise<StatusAnswer> {
    const response = await this.request(
      '/v1/status',
      { signal: AbortSignal.timeout(timeoutMs) },
      { credential: false },
    );
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    return { httpStatus: response.status, ok: response.ok, status: readStatus(body) };
  }

  async push(mutations: Mutation[]): Promise<PushOutcome> {
    const sent = await this.send('/v1/push', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mutations }),
    });
    if ('kind' in sent) return sent;
    const { response, body } = sent;
    const error = (body as ErrorShape | undefined)?.error;
    if (response.status === 409 && error?.code === MUTATION_GAP && typeof error.lastMutationId === 'number') {
      return { kind: 'gap', lastMutationId: error.lastMutationId };
    }
    if (!response.ok) return failure(response, body);
    const ack = pushAckSchema.safeParse(body);
    if (ack.success) return { kind: 'ack', ack: ack.data };
    return { kind: 'unavailable', status: response.status, message: 'edge sent a malformed answer' };
  }
}

/** What the agent shows of the edge's status; a field the answer lacks or garbles is absent. */
export interface StatusAnswer {
  httpStatus: number;
  ok: boolean;
  status: Partial<Pick<EdgeStatus, 'breaker' | 'pool' | 'uptimeMs'>>;
}

function readStatus(body: Record<string, unknown> | undefined): StatusAnswer['status'] {
  // An edge before shards answered `{ relay: {...} }`.
  const source = (body?.relay ?? body ?? {}) as Record<string, unknown>;
  const { shape } = edgeStatusSchema;
  const breaker = shape.breaker.safeParse(source.breaker);
  const pool = shape.pool.safeParse(source.pool);
  const uptimeMs = shape.uptimeMs.safeParse(source.uptimeMs);
  return {
    ...(breaker.success ? { breaker: breaker.data } : {}),
    ...(pool.success ? { pool: pool.data } : {}),
    ...(uptimeMs.success ? { uptimeMs: uptimeMs.data } : {}),
  };
}

type Failure = Extract<PushOutcome, { kind: 'refused' } | { kind: 'unavailable' }>;

/** The refusals the edge itself gives on these routes: a bad batch or body, a refused credential. */
const EDGE_REFUSALS = new Set([400, 401, 403, 413]);

/**
 * An answer that is not what was asked for. 5xx, 408, 429 (and a malformed 2xx) are worth retrying
 * later; 400, 401, 403 and 413 are the edge's refusals, which will not change by themselves. Any
 * other answer (a redirect, a 404 or 405 from something that is not the edge) means `edgeUrl` is
 * wrong, not the batch: it waits like an outage, with the fix in the message, instead of turning
 * every write into a dead letter. Redirects are not followed, so the credential is never replayed
 * to another URL.
 */
function failure(response: Response, body: unknown): Failure {
  const { status } = response;
  const error = (body as ErrorShape | undefined)?.error;
  const message = `${status} ${error?.code ?? 'error'}: ${error?.message ?? response.statusText}`;
  if (EDGE_REFUSALS.has(status)) return { kind: 'refused', status, code: error?.code ?? 'error', message };
  if (response.ok || status >= 500 || status === 429 || status === 408) {
    const wait = retryAfterMs(response);
    return {
      kind: 'unavailable',
      status,
      message,
      ...(error?.code === undefined ? {} : { code: error.code }),
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    };
  }
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location') ?? 'an unnamed location';
    return {
      kind: 'unavailable',
      status,
      message: `edge answered ${status}, a redirect to ${location}: set edgeUrl to the edge's final address`,
    };
  }
  return {
    kind: 'unavailable',
    status,
    message: `${message} (not an answer of the voicesync edge: check edgeUrl)`,
  };
}
