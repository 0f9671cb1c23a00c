import { describe, expect, it } from 'vitest';
import { relayConfig } from './index.ts';

describe('relayConfig', () => {
  it('applies the design defaults when nothing is set', () => {
    const config = relayConfig({});
    expect(config.pool).toEqual({
      max: 3,
      acquireTimeoutMs: 5_000,
      statementTimeoutMs: 10_000,
      idleTimeoutMs: 300_000,
      connectTimeoutMs: 5_000,
      maxQueriesPerConnection: 50_000,
    });
    expect(config.breaker).toEqual({
      failureThreshold: 5,
      successThreshold: 2,
      openMs: 60_000,
      halfOpenTimeoutMs: 30_000,
    });
    expect(config.embeddingDim).toBe(192);
  });

  it('reads vars and treats an empty string as unset', () => {
    const config = relayConfig({ PG_MAX: '5', EMBEDDING_DIM: '', BREAKER_OPEN_MS: '1500' });
    expect(config.pool.max).toBe(5);
    expect(config.embeddingDim).toBe(192);
    expect(config.breaker.openMs).toBe(1500);
  });

  it('gives each of RELAY_SHARDS an equal share of PG_MAX, never summing above it', () => {
    expect(relayConfig({}).shards).toEqual({ count: 1, budget: 3, share: 3, locationHint: undefined });
    for (const [shards, budget] of [
      [3, 3],
      [4, 4],
      [3, 10],
      [7, 20],
      [64, 300],
    ] as const) {
      const config = relayConfig({ RELAY_SHARDS: String(shards), PG_MAX: String(budget) });
      expect(config.pool.max).toBe(config.shards.share);
      expect(config.pool.max * shards).toBeLessThanOrEqual(budget);
      expect(config.pool.max).toBeGreaterThanOrEqual(1);
      expect(config.pool.max).toBeLessThanOrEqual(5);
    }
  });

  it('refuses a share of 0 naming PG_MAX and RELAY_SHARDS', () => {
    expect(() => relayConfig({ RELAY_SHARDS: '4', PG_MAX: '3' })).toThrow(
      /PG_MAX=3 over RELAY_SHARDS=4 leaves a shard no connection/,
    );
  });

  it('refuses a share above 5 per object naming PG_MAX and RELAY_SHARDS', () => {
    expect(() => relayConfig({ PG_MAX: '6' })).toThrow(/PG_MAX=6 over RELAY_SHARDS=1 gives each shard 6/);
    expect(() => relayConfig({ PG_MAX: '40', RELAY_SHARDS: '4' })).toThrow(
      expect.objectContaining({
        code: 'bad_config',
        message: expect.stringContaining('RELAY_SHARDS to at least 8'),
      }),
    );
  });

  it('reads RELAY_LOCATION_HINT and refuses an unknown one', () => {
    expect(relayConfig({ RELAY_LOCATION_HINT: 'weur' }).shards.locationHint).toBe('weur');
    expect(() => relayConfig({ RELAY_LOCATION_HINT: 'mars' })).toThrow(/RELAY_LOCATION_HINT must be one of/);
  });

  it.each(['0', '-1', '2.5', 'three'])('refuses PG_MAX=%s with bad_config', (value) => {
    expect(() => relayConfig({ PG_MAX: value })).toThrow(expect.objectContaining({ code: 'bad_config' }));
  });
});
