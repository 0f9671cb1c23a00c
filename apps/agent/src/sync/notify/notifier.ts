// Keeps one WebSocket to the edge's /v1/notify and wakes the puller on each change; the pull timer covers outages.
import { type BackoffOptions, backoffDelay, type Sleep } from '@voicesync/core';
import type { Logger } from '../../logger/index.ts';
import type { ConnectNotify, NotifyClose, NotifyHandlers, NotifySocket } from './socket.ts';

/** The heartbeat pair of the edge's hub (answered without waking it from hibernation). */
export const PING = 'ping';
export const PONG = 'pong';
/** The edge closed the socket because the device was revoked. */
const CLOSE_REVOKED = 4003;
/** Cloudflare drops idle WebSockets after about 100 s; a ping every 30 s also finds half-open ones. */
export const DEFAULT_HEARTBEAT_MS = 30_000;

export type NotifierState = 'stopped' | 'connecting' | 'open' | 'waiting';

export interface NotifierOptions {
  edgeUrl: string;
  token: string;
  connect: ConnectNotify;
  /** Runs on every notification, and on every (re)connect since changes may have been missed meanwhile. */
  onChange: () => void;
  sleep: Sleep;
  backoff: BackoffOptions & { maxMs: number };
  heartbeatMs?: number;
  log: Logger;
}

/** The edge URL with a ws(s) scheme and the notify path. */
export function notifyUrl(edgeUrl: string): string {
  const url = new URL('/v1/notify', edgeUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export class Notifier {
  state: NotifierState = 'stopped';
  readonly counts = { connects: 0, notifications: 0, failures: 0 };
  private stopping: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private socket: NotifySocket | undefined;
  /** Whether anything arrived since the last ping. */
  private heard = false;

  constructor(private readonly options: NotifierOptions) {}

  start(): void {
    if (this.loop) return;
    this.stopping = new AbortController();
    this.loop = this.run(this.stopping.signal);
  }

  async stop(): Promise<void> {
    this.stopping?.abort();
    this.socket?.terminate();
    await this.loop;
    this.loop = undefined;
    this.state = 'stopped';
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { backoff, log, sleep } = this.options;
    let failures = 0;
    while (!signal.aborted) {
      this.state = 'connecting';
      const { opened, close } = await this.session(signal);
      if (signal.aborted) break;
      failures = opened ? 1 : failures + 1;
      if (!opened) this.counts.failures += 1;
      // A refused device stays refused until an operator acts: retry rarely, never in a tight loop.
      const refused = close.status === 401 || close.status === 403 || close.code === CLOSE_REVOKED;
      const delayMs = refused ? backoff.maxMs : backoffDelay(failures, backoff);
      const detail = {
        status: close.status,
        code: close.code,
        reason: close.reason,
        retryInMs: Math.round(delayMs),
      };
      if (opened || failures === 1)
        log.warn(detail, 'notification socket down; pulling on the timer until it is back');
      else log.debug(detail, 'notification socket still down');
      this.state = 'waiting';
      await sleep(delayMs, signal).catch(() => undefined);
    }
  }

  /** One socket from connect to close; resolves when it is gone. */
  private session(signal: AbortSignal): Promise<{ opened: boolean; close: NotifyClose }> {
    return new Promise((resolve) => {
      let opened = false;
      const beat = new AbortController();
      const handlers: NotifyHandlers = {
        onOpen: () => {
          opened = true;
          this.state = 'open';
          this.counts.connects += 1;
          this.heard = true;
          this.options.log.info('notification socket open');
          this.options.onChange();
          void this.heartbeat(beat.signal);
        },
        onMessage: (message) => {
          this.heard = true;
          if (message === PONG) return;
          this.counts.notifications += 1;
          this.options.onChange();
        },
        onClose: (close) => {
          beat.abort();
          this.socket = undefined;
          resolve({ opened, close });
        },
      };
      try {
        this.socket = this.options.connect(notifyUrl(this.options.edgeUrl), this.options.token, handlers);
      } catch (error) {
        resolve({ opened, close: { reason: (error as Error).message } });
        return;
      }
      if (signal.aborted) this.socket.terminate();
    });
  }

  /** Pings while the socket is open; a socket that stays silent for a whole period is dropped. */
  private async heartbeat(signal: AbortSignal): Promise<void> {
    const every = this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    for (;;) {
      const ended = await this.options.sleep(every, signal).then(
        () => false,
        () => true,
      );
      const socket = this.socket;
      if (ended || !socket) return;
      if (!this.heard) {
        this.options.log.warn('notification socket silent for a heartbeat period; reconnecting');
        socket.terminate();
        return;
      }
      this.heard = false;
      socket.send(PING);
    }
  }
}
