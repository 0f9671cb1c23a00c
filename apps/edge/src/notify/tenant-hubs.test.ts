import { describe, expect, it } from 'vitest';
import type { Env } from '../env.ts';
import { QUIET_TTL_MS, TenantHubs } from './tenant-hubs.ts';

/** Hubs whose clock the test moves; the quiet bookkeeping never touches the namespace. */
function hubs() {
  const clock = { now: 1_000 };
  return { hubs: new TenantHubs({} as Pick<Env, 'HUB'>, () => clock.now), clock };
}

describe('TenantHubs: skipping announcements nobody would receive', () => {
  it("skips the pusher's announcements after the hub found no other socket, and only the pusher's", () => {
    const { hubs: h } = hubs();
    expect(h.skips('t', 'dev-a')).toBe(false);
    h.heard('t', 'dev-a', 0, h.mark());
    expect(h.skips('t', 'dev-a')).toBe(true);
    // dev-b's push would reach dev-a's sockets, which the hub did not count as others.
    expect(h.skips('t', 'dev-b')).toBe(false);
    expect(h.skips('other-tenant', 'dev-a')).toBe(false);
  });

  it('announces again once another socket was counted', () => {
    const { hubs: h } = hubs();
    h.heard('t', 'dev-a', 0, h.mark());
    h.heard('t', 'dev-a', 2, h.mark());
    expect(h.skips('t', 'dev-a')).toBe(false);
  });

  it('announces again when a device of the tenant joins', () => {
    const { hubs: h } = hubs();
    h.heard('t', 'dev-a', 0, h.mark());
    h.heard('u', 'dev-c', 0, h.mark());
    h.listening('t');
    expect(h.skips('t', 'dev-a')).toBe(false);
    expect(h.skips('u', 'dev-c')).toBe(true);
  });

  it('does not believe a "nobody listens" answer that crossed a join on its way back', () => {
    const { hubs: h } = hubs();
    const mark = h.mark(); // the announcement leaves
    h.listening('t'); // a device joins; the hub had answered before it accepted the socket
    h.heard('t', 'dev-a', 0, mark);
    expect(h.skips('t', 'dev-a')).toBe(false);
  });

  it('asks the hub again after QUIET_TTL_MS, should a join signal have been lost', () => {
    const { hubs: h, clock } = hubs();
    h.heard('t', 'dev-a', 0, h.mark());
    clock.now += QUIET_TTL_MS - 1;
    expect(h.skips('t', 'dev-a')).toBe(true);
    clock.now += 1;
    expect(h.skips('t', 'dev-a')).toBe(false);
  });
});
