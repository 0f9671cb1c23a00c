import { describe, expect, it } from 'vitest';
import { acceptsLegacyTokens, checkAdminTokenStrength, tokenKeys } from './auth.ts';

const KEY = `${'k'.repeat(20)}abcdefghijklmnopqrstuvw`;

describe('auth settings', () => {
  it('needs a DEVICE_TOKEN_KEY of 32+ bytes, and keeps the previous one beside it', () => {
    expect(() => tokenKeys({})).toThrow(expect.objectContaining({ code: 'device_auth_disabled' }));
    expect(() => tokenKeys({ DEVICE_TOKEN_KEY: 'short' })).toThrow(
      expect.objectContaining({ code: 'device_auth_disabled' }),
    );
    expect(tokenKeys({ DEVICE_TOKEN_KEY: KEY })).toEqual({ current: KEY });
    expect(tokenKeys({ DEVICE_TOKEN_KEY: KEY, DEVICE_TOKEN_KEY_PREVIOUS: 'old' })).toEqual({
      current: KEY,
      previous: 'old',
    });
  });

  it('lets unsigned tokens through only with LEGACY_DEVICE_TOKENS=accept', () => {
    expect(acceptsLegacyTokens({})).toBe(false);
    expect(acceptsLegacyTokens({ LEGACY_DEVICE_TOKENS: 'yes' })).toBe(false);
    expect(acceptsLegacyTokens({ LEGACY_DEVICE_TOKENS: ' Accept ' })).toBe(true);
  });

  it('refuses a short or repetitive admin token off loopback only', () => {
    for (const weak of ['admin-secret', 'a'.repeat(64)]) {
      expect(() => checkAdminTokenStrength(weak, 'https://edge.example.com/v1/admin')).toThrow(
        expect.objectContaining({ code: 'admin_token_weak' }),
      );
      for (const local of ['http://127.0.0.1:8787/v1/admin', 'http://localhost/v1/admin', 'http://[::1]/x']) {
        expect(() => checkAdminTokenStrength(weak, local)).not.toThrow();
      }
    }
    expect(() =>
      checkAdminTokenStrength('Yq3v9Jx0M2pLw7Rz5TbK8nCd1FhGs4Ae6UoIyVlQxZs', 'https://edge.example.com/'),
    ).not.toThrow();
  });
});
