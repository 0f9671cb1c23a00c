import { describe, expect, it } from 'vitest';
import { capacity } from './model.ts';

const population = {
  devices: 1_000_000,
  writesPerDevicePerDay: 20,
  devicesPerTenant: 4,
  speakersPerTenant: 3,
  peakFactor: 3,
  mutationsPerPush: 2,
  handshakesPerDevicePerDay: 6,
};
const costs = { push1Ms: 1, perMutationMs: 0.1, pullMs: 1, handshakeMs: 1, txnMs: 5 };
const limits = { shardRps: 400, sharePerShard: 5, originConnections: 100, pgWriteTxnPerSec: 5_000 };

describe('capacity', () => {
  it('derives rates, shards and a budget that never gives a shard more than 5 or less than 1', () => {
    const c = capacity(population, costs, limits);
    expect(c.writesPerSec).toBeCloseTo(231.48, 1);
    expect(c.pushPerSec).toBeCloseTo((231.48 * 3) / 2, 0);
    expect(c.pullPerSec).toBeCloseTo(c.pushPerSec * 3, 5);
    expect(c.shards).toBe(Math.ceil(c.relayRps / 400));
    expect(c.share).toBeGreaterThanOrEqual(1);
    expect(c.share).toBeLessThanOrEqual(5);
    expect(c.pgMax).toBe(c.share * c.shards);
    expect(c.changeLogRows).toBe(750_000);
  });

  it('scales linearly: ten times the devices, ten times the rates', () => {
    const small = capacity(population, costs, limits);
    const large = capacity({ ...population, devices: 10_000_000 }, costs, limits);
    expect(large.relayRps / small.relayRps).toBeCloseTo(10, 5);
    expect(large.shards).toBeGreaterThanOrEqual(small.shards * 9);
  });
});
