// A light simulated device: small pushes at mixed priorities, a /v1/notify socket, a pull on each notification.
import WebSocket from 'ws';
import { upsertMutation } from '../../../test/support/stack.ts';

export interface Device {
  deviceId: string;
  tenantId: string;
  token: string;
}

/** Latencies (ms) per route and the errors seen, shared by all devices of a run. */
export class RouteStats {
  readonly latency = new Map<string, number[]>();
  readonly errors = new Map<string, number>();

  observe(route: string, ms: number, status: number): void {
    const list = this.latency.get(route) ?? [];
    list.push(ms);
    this.latency.set(route, list);
    if (status !== 200 && status !== 101) {
      const key = `${route} ${status}`;
      this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    }
  }

  get requests(): number {
    return [...this.latency.values()].reduce((sum, list) => sum + list.length, 0);
  }
}

// mulberry32, seeded: a run replays from its seed (one implementation, shared with the agent's tests).
import { seededRandom } from '../../../apps/agent/src/scoring/random-embeddings.ts';

export const seeded = seededRandom;

export class SimulatedDevice {
  /** Mutation ids acknowledged by the edge; the next batch starts after this. */
  acked = 0;
  /** Mutations the edge acknowledged as applied or conflict-resolved (each must leave one change). */
  sent = 0;
  private socket: WebSocket | undefined;
  private cursor = 0;
  private pulling: Promise<void> | undefined;
  private pullAgain = false;
  private stopped = false;

  constructor(
    readonly device: Device,
    private readonly edgeUrl: string,
    private readonly stats: RouteStats,
    private readonly random: () => number,
  ) {}

  async connect(): Promise<void> {
    const url = `${this.edgeUrl.replace(/^http/, 'ws')}/v1/notify`;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.device.token}` } });
      socket.on('open', () => {
        this.stats.observe('notify (upgrade)', performance.now() - started, 101);
        this.socket = socket;
        resolve();
      });
      socket.on('unexpected-response', (_req, res) => {
        this.stats.observe('notify (upgrade)', performance.now() - started, res.statusCode ?? 0);
        resolve();
      });
      socket.on('error', () => resolve());
      socket.on('message', () => this.onChanged());
    });
  }

  /** Pushes 1-5 mutations every `minMs`-`maxMs` until `deadline`; a failed batch is sent again, as an agent would. */
  async run(deadline: number, minMs: number, maxMs: number): Promise<void> {
    let pending: { body: string; count: number } | undefined;
    let n = 0;
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, minMs + this.random() * (maxMs - minMs)));
      if (performance.now() >= deadline) break;
      if (!pending) {
        const count = 1 + Math.floor(this.random() * 5);
        const mutations = await Promise.all(
          Array.from({ length: count }, async (_, k) => {
            n += 1;
            const mutation = await upsertMutation(`${this.device.deviceId}-s${n % 7}`, this.acked + k + 1, n);
            return { ...mutation, priority: Math.floor(this.random() * 5) };
          }),
        );
        pending = { body: JSON.stringify({ mutations }), count };
      }
      const started = performance.now();
      const response = await fetch(`${this.edgeUrl}/v1/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.device.token}`, 'content-type': 'application/json' },
        body: pending.body,
      }).catch(() => undefined);
      this.stats.observe('push', performance.now() - started, response?.status ?? 0);
      if (response?.status === 200) {
        const ack = (await response.json()) as { lastMutationId: number };
        this.sent += ack.lastMutationId - this.acked;
        this.acked = ack.lastMutationId;
        pending = undefined;
      } else await response?.text();
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.pulling;
    this.socket?.close();
  }

  private onChanged(): void {
    if (this.stopped) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = this.pull().finally(() => {
      this.pulling = undefined;
      if (this.pullAgain) {
        this.pullAgain = false;
        this.onChanged();
      }
    });
  }

  private async pull(): Promise<void> {
    for (let page = 0; page < 20; page++) {
      const started = performance.now();
      const response = await fetch(`${this.edgeUrl}/v1/pull?cursor=${this.cursor}&limit=100`, {
        headers: { authorization: `Bearer ${this.device.token}` },
      }).catch(() => undefined);
      this.stats.observe('pull', performance.now() - started, response?.status ?? 0);
      if (response?.status !== 200) {
        await response?.text();
        return;
      }
      const body = (await response.json()) as { nextCursor: number; hasMore: boolean; reset?: boolean };
      this.cursor = body.reset ? 0 : body.nextCursor;
      if (!body.hasMore) return;
    }
  }
}
