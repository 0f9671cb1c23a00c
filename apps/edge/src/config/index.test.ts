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
    const config = relayConfig({ PG_MAX: '7', EMBEDDING_DIM: '', BREAKER_OPEN_MS: '1500' });
    expect(config.pool.max).toBe(7);
    expect(config.embeddingDim).toBe(192);
    expect(config.breaker.openMs).toBe(1500);
  });

  it.each(['0', '-1', '2.5', 'three'])('refuses PG_MAX=%s with bad_config', (value) => {
    expect(() => relayConfig({ PG_MAX: value })).toThrow(expect.objectContaining({ code: 'bad_config' }));
  });
});
