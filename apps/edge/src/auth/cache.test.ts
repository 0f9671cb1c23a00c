import { ManualClock } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { DeviceCache, type DeviceRecord } from './cache.ts';

const record: DeviceRecord = { deviceId: 'dev_1', tenantId: 't', secretHash: 'h', revoked: false };

describe('DeviceCache', () => {
  it('answers from memory until the ttl passes', () => {
    const clock = new ManualClock(1000);
    const cache = new DeviceCache(clock, 5000);
    cache.set('dev_1', record);
    cache.set('dev_2', null);
    clock.advance(4999);
    expect(cache.get('dev_1')).toEqual(record);
    expect(cache.get('dev_2')).toBeNull();
    clock.advance(1);
    expect(cache.get('dev_1')).toBeUndefined();
    expect(cache.get('dev_2')).toBeUndefined();
  });

  it('forgets an evicted device at once', () => {
    const cache = new DeviceCache(new ManualClock(), 5000);
    cache.set('dev_1', record);
    cache.evict('dev_1');
    expect(cache.get('dev_1')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new DeviceCache(new ManualClock(), 5000, 2);
    cache.set('a', record);
    cache.set('b', record);
    cache.set('c', record);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toEqual(record);
  });
});
