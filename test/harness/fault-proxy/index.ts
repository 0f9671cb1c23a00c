// A TCP fault proxy on loopback (node:net): passes bytes through, or adds latency, stalls, or resets.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** `pass`: bytes flow; `latency`: each chunk waits `latencyMs`; `stall`: accepted, never answered; `reset`: RST. */
export type FaultMode = 'pass' | 'latency' | 'stall' | 'reset';

export interface FaultProxyOptions {
  /** Where connections go; read per connection, so a target that moved (a restarted server) is followed. */
  target: () => { host?: string; port: number };
  /** Delay per chunk in `latency` mode. Default 200 ms. */
  latencyMs?: number;
}

export interface FaultProxy {
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly mode: FaultMode;
  /** Connections accepted so far. */
  readonly accepted: number;
  /**
   * Switches the fault. `stall` and `reset` also apply to open connections: stalled ones stop
   * forwarding (what arrives is dropped) and are reset when the stall lifts; `reset` destroys every
   * open connection with an RST and refuses new ones the same way until the mode changes.
   */
  set(mode: FaultMode, options?: { latencyMs?: number }): void;
  close(): Promise<void>;
}

/** A pair of sockets, client side and target side. */
interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * @example
 * const proxy = await startFaultProxy({ target: () => ({ port: pg.port }) });
 * proxy.set('stall'); ... proxy.set('pass');
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let latencyMs = options.latencyMs ?? 200;
  let accepted = 0;
  const links = new Set<Link>();

  const forward = (from: Socket, to: Socket) => {
    // Chunks leave in order: one that came after a delayed one never overtakes it.
    let due = 0;
    from.on('data', (chunk: Buffer) => {
      if (mode === 'stall') return;
      const now = Date.now();
      due = Math.max(now + (mode === 'latency' ? latencyMs : 0), due);
      const write = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (due <= now) write();
      else setTimeout(write, due - now);
    });
    from.on('end', () => to.end());
  };
  const resetAll = () => {
    for (const { client, upstream } of links) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    links.clear();
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const target = options.target();
    const upstream = createConnection({ host: target.host ?? '127.0.0.1', port: target.port });
    const link = { client, upstream };
    links.add(link);
    const drop = () => {
      links.delete(link);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    set(next, opts = {}) {
      const previous = mode;
      mode = next;
      if (opts.latencyMs !== undefined) latencyMs = opts.latencyMs;
      // A stalled connection lost bytes and never answers: when the stall lifts, it dies as a real
      // one would at its peer's timeout, instead of resuming a stream with a hole in it.
      if (next === 'reset' || (previous === 'stall' && next !== 'stall')) resetAll();
    },
    async close() {
      for (const { client, upstream } of links) {
        client.destroy();
        upstream.destroy();
      }
      links.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
