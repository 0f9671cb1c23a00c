// A loopback HTTP hop between a child-process agent and the edge: cut it, or lose a push's answer.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The agent runs in its own process (so it can be SIGKILLed), so its link is cut here instead of
 * in its fetch. While cut, every connection is reset. `loseNextAck()` lets the next push reach the
 * edge and commit, then resets the connection instead of answering, as a dropped link would.
 */
export class EdgeProxy {
  cut = true;
  lostAcks = 0;
  /** Pushes forwarded to the edge (reached it, answered or not). */
  pushes = 0;
  private losing = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<EdgeProxy> {
    const server = createServer();
    const proxy = new EdgeProxy(server, new URL(target));
    server.on('request', (req, res) => proxy.forward(req, res));
    // No live notifications through the hop: the agent falls back to its pull interval.
    server.on('upgrade', (_req, socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  loseNextAck(): void {
    this.losing += 1;
  }

  /** Forgets a lost answer that was asked for but never happened (nothing was pushed). */
  clearFaults(): void {
    this.losing = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    if (this.cut) {
      req.socket.destroy();
      return;
    }
    const isPush = req.method === 'POST' && req.url?.startsWith('/v1/push') === true;
    if (isPush) this.pushes += 1;
    const headers = { ...req.headers, host: this.target.host };
    const upstream = request(
      new URL(req.url ?? '/', this.target),
      { method: req.method, headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          if (isPush && answer.statusCode === 200 && this.losing > 0) {
            this.losing -= 1;
            this.lostAcks += 1;
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  }
}
