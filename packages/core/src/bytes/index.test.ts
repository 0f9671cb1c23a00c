import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  base64ToBytes,
  bytesToBase64,
  bytesToFloat32,
  bytesToHex,
  float32BytesView,
  float32ToBytes,
  float32View,
} from './index.ts';

describe('float32 bytes', () => {
  it('round-trips through little-endian bytes and base64 exactly', () => {
    const vector = [1.5, -0, 3.4028234663852886e38, 1e-45, -0.1];
    const bytes = float32ToBytes(vector);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 0xc0, 0x3f]);
    expect(Array.from(bytesToFloat32(base64ToBytes(bytesToBase64(bytes))))).toEqual(
      Array.from(Float32Array.from(vector)),
    );
  });

  it('views share memory when they can and copy when the bytes are unaligned', () => {
    const vector = Float32Array.from([1.5, -2, 3]);
    const bytes = float32BytesView(vector);
    expect(bytes).toEqual(float32ToBytes(vector));
    expect(bytes.buffer).toBe(vector.buffer);
    expect(Array.from(float32View(bytes))).toEqual([1.5, -2, 3]);
    expect(float32View(bytes).buffer).toBe(vector.buffer);
    const unaligned = new Uint8Array(13).subarray(1);
    unaligned.set(bytes);
    expect(Array.from(float32View(unaligned))).toEqual([1.5, -2, 3]);
    expect(float32BytesView([1.5, -2, 3])).toEqual(bytes);
  });

  it('rejects malformed input', () => {
    expect(() => bytesToFloat32(new Uint8Array(5))).toThrow(RangeError);
    expect(() => base64ToBytes('not base64!')).toThrow(RangeError);
  });
});

describe('base64 and hex', () => {
  it('agree with Node Buffer for every length up to 100 bytes and a float32 embedding', () => {
    const inputs = Array.from({ length: 101 }, (_, n) => new Uint8Array(randomBytes(n)));
    inputs.push(new Uint8Array(randomBytes(768)));
    for (const bytes of inputs) {
      const text = Buffer.from(bytes).toString('base64');
      expect(bytesToBase64(bytes)).toBe(text);
      expect(Array.from(base64ToBytes(text))).toEqual(Array.from(bytes));
      expect(bytesToHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
    }
  });

  it.each([
    ['a length that is not a multiple of 4', 'QUJD R'],
    ['a character outside the alphabet', 'QU*D'],
    ['the URL-safe alphabet', 'ab-_'],
    ['whitespace', 'QUJD\nQUJD'],
    ['padding in the middle', 'QQ==QUJD'],
    ['three padding characters', 'Q==='],
    ['a non-ASCII character', 'QUJé'],
    ['non-zero bits after the last byte (one pad)', 'QUJ='],
    ['non-zero bits after the last byte (two pads)', 'QR=='],
  ])('rejects %s', (_, text) => {
    expect(() => base64ToBytes(text)).toThrow(RangeError);
  });

  it('decodes the empty string and both paddings', () => {
    expect(base64ToBytes('')).toEqual(new Uint8Array(0));
    expect(Array.from(base64ToBytes('QQ=='))).toEqual([65]);
    expect(Array.from(base64ToBytes('QUI='))).toEqual([65, 66]);
  });
});
