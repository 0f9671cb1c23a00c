import { describe, expect, it } from 'vitest';
import { constantTimeEqual, requireAdmin } from './secret.ts';

describe('constantTimeEqual', () => {
  it('compares whole strings of any length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('requireAdmin', () => {
  it('is disabled without ADMIN_TOKEN', () => {
    expect(() => requireAdmin(undefined, 'Bearer x')).toThrow(
      expect.objectContaining({ code: 'admin_disabled' }),
    );
    expect(() => requireAdmin('', 'Bearer x')).toThrow(expect.objectContaining({ code: 'admin_disabled' }));
  });

  it('accepts only the exact token', () => {
    expect(() => requireAdmin('s3cret', 'Bearer s3cret')).not.toThrow();
    expect(() => requireAdmin('s3cret', 'Bearer s3cre')).toThrow(
      expect.objectContaining({ code: 'unauthorized' }),
    );
    expect(() => requireAdmin('s3cret', undefined)).toThrow(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });

  it('accepts ADMIN_TOKEN_PREVIOUS beside the current token during a rotation', () => {
    expect(() => requireAdmin('new-token', 'Bearer old-token', 'old-token')).not.toThrow();
    expect(() => requireAdmin('new-token', 'Bearer new-token', 'old-token')).not.toThrow();
    expect(() => requireAdmin('new-token', 'Bearer other', 'old-token')).toThrow(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });
});
