import { describe, expect, it } from 'vitest';
import { deviceIdLiteral } from './index.ts';

describe('deviceIdLiteral', () => {
  it('quotes a device id', () => {
    expect(deviceIdLiteral('dev_0123456789abcdef')).toBe("'dev_0123456789abcdef'");
  });

  it('refuses anything but the token format, so nothing can end the quotes', () => {
    for (const id of [
      "dev_0123456789abcde'",
      "x' or '1'='1",
      'dev_0123456789ABCDEF',
      '',
      'dev_0123456789abcdef0',
    ]) {
      expect(() => deviceIdLiteral(id)).toThrow('not a device id');
    }
  });
});
