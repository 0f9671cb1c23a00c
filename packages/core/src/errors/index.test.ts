import { describe, expect, it } from 'vitest';
import { errorCode, failureReason } from './index.ts';

describe('errorCode and failureReason', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

  it('find the driver code where fetch and drizzle hide it, one or two causes down', () => {
    const fetchError = new TypeError('fetch failed', { cause: refused });
    const drizzleError = new Error('Failed query: CREATE SCHEMA', { cause: fetchError });
    expect(errorCode(refused)).toBe('ECONNREFUSED');
    expect(errorCode(drizzleError)).toBe('ECONNREFUSED');
    expect(failureReason(fetchError)).toBe('ECONNREFUSED');
  });

  it('fall back to the cause message, then the error message', () => {
    expect(errorCode(new Error('plain'))).toBeUndefined();
    expect(failureReason(new TypeError('fetch failed', { cause: new Error('bad port') }))).toBe('bad port');
    expect(failureReason(new Error('The operation was aborted due to timeout'))).toBe(
      'The operation was aborted due to timeout',
    );
    expect(failureReason('thrown text')).toBe('thrown text');
  });
});
