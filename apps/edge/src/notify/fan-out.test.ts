import { describe, expect, it } from 'vitest';
import { type Attached, fanOut, overCap, type Sendable } from './fan-out.ts';
import { changedMessage } from './protocol.ts';

class FakeSocket implements Sendable {
  readonly received: string[] = [];
  constructor(private readonly broken = false) {}
  send(message: string): void {
    if (this.broken) throw new TypeError('WebSocket is closing');
    this.received.push(message);
  }
}

function attach(deviceId: string, connectedAt = 0, broken = false): Attached<FakeSocket> {
  return { socket: new FakeSocket(broken), deviceId, connectedAt };
}

describe('fanOut', () => {
  it('sends the message to every socket but those of the excluded device', () => {
    const targets = [attach('dev_a'), attach('dev_b'), attach('dev_b'), attach('dev_c')];
    const result = fanOut(targets, changedMessage(42), 'dev_a');
    expect(result).toEqual({ sent: 3, failed: 0 });
    expect(targets.map((t) => t.socket.received.length)).toEqual([0, 1, 1, 1]);
    expect(JSON.parse(targets[1]!.socket.received[0]!)).toEqual({ type: 'changed', cursor: 42 });
  });

  it('sends to every socket when no device is excluded', () => {
    const targets = [attach('dev_a'), attach('dev_b')];
    expect(fanOut(targets, 'x', null)).toEqual({ sent: 2, failed: 0 });
  });

  it('counts a socket that throws and still reaches the ones after it', () => {
    const targets = [attach('dev_a', 0, true), attach('dev_b')];
    expect(fanOut(targets, 'x', null)).toEqual({ sent: 1, failed: 1 });
    expect(targets[1]!.socket.received).toEqual(['x']);
  });

  it('does nothing for a tenant without sockets', () => {
    expect(fanOut([], 'x', null)).toEqual({ sent: 0, failed: 0 });
  });
});

describe('overCap', () => {
  it('keeps room for the new socket by closing the oldest ones', () => {
    const existing = [attach('dev_a', 30), attach('dev_a', 10), attach('dev_a', 20), attach('dev_a', 40)];
    expect(overCap(existing, 4).map((a) => a.connectedAt)).toEqual([10]);
    expect(overCap(existing, 2).map((a) => a.connectedAt)).toEqual([10, 20, 30]);
  });

  it('closes nothing below the cap', () => {
    expect(overCap([attach('dev_a', 1)], 4)).toEqual([]);
    expect(overCap([], 1)).toEqual([]);
  });
});
