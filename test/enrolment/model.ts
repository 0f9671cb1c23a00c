// The sync rules for one speaker, as a plain model: what each device queues and what the edge keeps.
import type { Part } from './expected.ts';

type Kind = 'unknown' | 'deleted' | 'live';

/** What a device holds locally; `token` names live content (equal tokens = equal content hash). */
interface Local {
  kind: Kind;
  token: number;
}

type Row =
  | { family: 'enrol'; baseTomb: boolean; u: number; parts: Part[] }
  | {
      family: 'write';
      op: 'replace' | 'delete';
      baseTomb: boolean;
      /** The live content the write was derived from; null with !baseTomb: no base at all. */
      baseToken: number | null;
      u: number;
      parts: Part[];
      token: number;
    };

export type ServerState =
  | { kind: 'absent' }
  | { kind: 'deleted'; u: number }
  | { kind: 'live'; u: number; token: number; parts: Part[] };

/**
 * Mirrors docs/sync-protocol-enrolment.md. Times are the order operations were made in (the test
 * spaces them so device clocks agree); each device's queued rows reach the edge, in order, at its
 * sync. Coalescing is modelled the way the outbox does it when nothing is numbered; the rules make
 * the result the same when rows were numbered and went up separately.
 */
export class SpeakerModel {
  server: ServerState = { kind: 'absent' };
  private readonly locals: Local[];
  private readonly queues: Row[][];
  private clock = 0;
  private tokens = 0;

  constructor(devices: number) {
    this.locals = Array.from({ length: devices }, () => ({ kind: 'unknown' as Kind, token: 0 }));
    this.queues = Array.from({ length: devices }, () => []);
  }

  enrol(device: number, parts: Part[]): void {
    const local = this.local(device);
    const u = ++this.clock;
    const queue = this.queue(device);
    const newest = queue.at(-1);
    if (newest?.family === 'enrol') {
      newest.parts.push(...parts);
      newest.u = u;
    } else queue.push({ family: 'enrol', baseTomb: local.kind === 'deleted', u, parts: [...parts] });
    this.locals[device] = { kind: 'live', token: ++this.tokens };
  }

  replace(device: number, part: Part): void {
    this.write(device, 'replace', [part]);
  }

  /** False when the device holds nothing live to delete (the agent answers 404, queues nothing). */
  remove(device: number): boolean {
    if (this.local(device).kind !== 'live') return false;
    this.write(device, 'delete', []);
    return true;
  }

  /** Whether the device has writes its next sync uploads. */
  pending(device: number): boolean {
    return this.queue(device).length > 0;
  }

  /** The device's queue reaches the edge in order; the device then holds what the edge holds. */
  sync(device: number): void {
    for (const row of this.queue(device)) this.apply(row);
    this.queues[device] = [];
    const server = this.server;
    this.locals[device] =
      server.kind === 'live'
        ? { kind: 'live', token: server.token }
        : { kind: server.kind === 'deleted' ? 'deleted' : 'unknown', token: 0 };
  }

  private write(device: number, op: 'replace' | 'delete', parts: Part[]): void {
    const local = this.local(device);
    const u = ++this.clock;
    const token = ++this.tokens;
    const queue = this.queue(device);
    const newest = queue.at(-1);
    if (newest?.family === 'write') Object.assign(newest, { op, u, parts, token });
    else {
      queue.push({
        family: 'write',
        op,
        baseTomb: local.kind === 'deleted',
        baseToken: local.kind === 'live' ? local.token : null,
        u,
        parts,
        token,
      });
    }
    this.locals[device] = op === 'delete' ? { kind: 'deleted', token: 0 } : { kind: 'live', token };
  }

  private apply(row: Row): void {
    const server = this.server;
    if (row.family === 'enrol') {
      if (server.kind === 'live') {
        this.server = {
          ...server,
          u: Math.max(server.u, row.u),
          token: ++this.tokens,
          parts: [...server.parts, ...row.parts],
        };
      } else if (server.kind === 'absent' || row.baseTomb) {
        const u = Math.max(row.u, server.kind === 'deleted' ? server.u : 0);
        this.server = { kind: 'live', u, token: ++this.tokens, parts: [...row.parts] };
      }
      return;
    }
    const matches =
      server.kind === 'absent'
        ? row.baseToken === null && !row.baseTomb
        : server.kind === 'deleted'
          ? row.baseTomb
          : row.baseToken === server.token;
    if (!matches && server.kind !== 'absent' && row.u < server.u) return;
    this.server =
      row.op === 'delete'
        ? { kind: 'deleted', u: row.u }
        : { kind: 'live', u: row.u, token: row.token, parts: row.parts };
  }

  private local(device: number): Local {
    const local = this.locals[device];
    if (!local) throw new Error(`no device ${device}`);
    return local;
  }

  private queue(device: number): Row[] {
    const queue = this.queues[device];
    if (!queue) throw new Error(`no device ${device}`);
    return queue;
  }
}
