import type { Sleep } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../logger/index.ts';
import { Notifier, notifyUrl, PING, PONG } from './notifier.ts';
import type { ConnectNotify, NotifyHandlers, NotifySocket } from './socket.ts';

class FakeSocket implements NotifySocket {
  readonly sent: string[] = [];
  terminated = false;
  constructor(
    readonly url: string,
    readonly token: string,
    readonly handlers: NotifyHandlers,
  ) {}
  send(message: string): void {
    this.sent.push(message);
  }
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.handlers.onClose({ code: 1006, reason: 'terminated' });
  }
}

/** Sleeps that end only when the test says so (or their signal aborts). */
class ManualSleep {
  readonly pending: Array<{ ms: number; resolve: () => void }> = [];
  readonly sleep: Sleep = (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { ms, resolve };
      this.pending.push(entry);
      signal?.addEventListener('abort', () => {
        this.pending.splice(this.pending.indexOf(entry), 1);
        reject(signal.reason);
      });
    });
  /** Ends the sleep of `ms` (the first one pending). */
  end(ms: number): void {
    const index = this.pending.findIndex((entry) => entry.ms === ms);
    if (index < 0) throw new Error(`no pending sleep of ${ms} ms; pending: ${this.pending.map((p) => p.ms)}`);
    this.pending.splice(index, 1)[0]?.resolve();
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const sockets: FakeSocket[] = [];
  const connect: ConnectNotify = (url, token, handlers) => {
    const socket = new FakeSocket(url, token, handlers);
    sockets.push(socket);
    return socket;
  };
  const clock = new ManualSleep();
  let wakes = 0;
  const notifier = new Notifier({
    edgeUrl: 'http://127.0.0.1:8787',
    token: 'dev_0123456789abcdef.secret',
    connect,
    onChange: () => {
      wakes += 1;
    },
    sleep: clock.sleep,
    backoff: { initialMs: 100, maxMs: 1_000, jitter: (ms) => ms },
    heartbeatMs: 5_000,
    log: createLogger('silent'),
  });
  const last = () => sockets.at(-1)!;
  return { notifier, sockets, clock, last, wakes: () => wakes };
}

describe('Notifier', () => {
  it('wakes on connect and on every change, not on the heartbeat answer', async () => {
    const { notifier, last, wakes } = setup();
    notifier.start();
    expect(last().url).toBe('ws://127.0.0.1:8787/v1/notify');
    last().handlers.onOpen();
    expect(notifier.state).toBe('open');
    expect(wakes()).toBe(1);
    last().handlers.onMessage('{"type":"changed","cursor":7}');
    last().handlers.onMessage('{"type":"changed","cursor":8}');
    last().handlers.onMessage(PONG);
    expect(wakes()).toBe(3);
    expect(notifier.counts).toEqual({ connects: 1, notifications: 2, failures: 0 });
    await notifier.stop();
  });

  it('reconnects with exponential backoff, starting over once a socket opened', async () => {
    const { notifier, sockets, clock, last } = setup();
    notifier.start();
    last().handlers.onClose({ reason: 'ECONNREFUSED' });
    await flush();
    clock.end(100);
    await flush();
    last().handlers.onClose({ reason: 'ECONNREFUSED' });
    await flush();
    clock.end(200);
    await flush();
    expect(sockets).toHaveLength(3);
    last().handlers.onOpen();
    last().handlers.onClose({ code: 1006, reason: 'edge restarted' });
    await flush();
    expect(notifier.state).toBe('waiting');
    clock.end(100);
    await flush();
    expect(sockets).toHaveLength(4);
    expect(notifier.counts.failures).toBe(2);
    await notifier.stop();
  });

  it('waits the longest backoff when the edge refuses or revokes the device', async () => {
    const { notifier, clock, last } = setup();
    notifier.start();
    last().handlers.onClose({ status: 403, reason: 'Unexpected server response: 403' });
    await flush();
    expect(clock.pending.map((p) => p.ms)).toEqual([1_000]);
    clock.end(1_000);
    await flush();
    last().handlers.onOpen();
    last().handlers.onClose({ code: 4003, reason: 'device revoked' });
    await flush();
    expect(clock.pending.map((p) => p.ms)).toEqual([1_000]);
    await notifier.stop();
  });

  it('pings every period and drops a socket that stayed silent for one', async () => {
    const { notifier, sockets, clock, last } = setup();
    notifier.start();
    const first = last();
    first.handlers.onOpen();
    clock.end(5_000);
    await flush();
    expect(first.sent).toEqual([PING]);
    first.handlers.onMessage(PONG);
    clock.end(5_000);
    await flush();
    expect(first.sent).toEqual([PING, PING]);
    clock.end(5_000);
    await flush();
    expect(first.terminated).toBe(true);
    clock.end(100);
    await flush();
    expect(sockets).toHaveLength(2);
    await notifier.stop();
  });

  it('stops: closes the socket and never connects again', async () => {
    const { notifier, sockets, clock, last } = setup();
    notifier.start();
    last().handlers.onOpen();
    await notifier.stop();
    expect(last().terminated).toBe(true);
    expect(notifier.state).toBe('stopped');
    expect(clock.pending).toEqual([]);
    expect(sockets).toHaveLength(1);
  });

  it('treats a connect that throws as a failed attempt', async () => {
    const clock = new ManualSleep();
    const notifier = new Notifier({
      edgeUrl: 'http://127.0.0.1:8787',
      token: 't',
      connect: () => {
        throw new SyntaxError('bad url');
      },
      onChange: () => {},
      sleep: clock.sleep,
      backoff: { initialMs: 100, maxMs: 1_000, jitter: (ms) => ms },
      log: createLogger('silent'),
    });
    notifier.start();
    await flush();
    expect(clock.pending.map((p) => p.ms)).toEqual([100]);
    await notifier.stop();
  });
});

describe('notifyUrl', () => {
  it('uses ws for http and wss for https', () => {
    expect(notifyUrl('http://127.0.0.1:8787')).toBe('ws://127.0.0.1:8787/v1/notify');
    expect(notifyUrl('https://edge.example.com/')).toBe('wss://edge.example.com/v1/notify');
  });
});
