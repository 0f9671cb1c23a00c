import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, bytesToFloat32, float32ToBytes } from './index.ts';

describe('float32 bytes', () => {
  it('round-trips through little-endian bytes and base64 exactly', () => {
    const vector = [1.5, -0, 3.4028234663852886e38, 1e-45, -0.1];
    const bytes = float32ToBytes(vector);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 0xc0, 0x3f]);
    expect(Array.from(bytesToFloat32(base64ToBytes(bytesToBase64(bytes))))).toEqual(
      Array.from(Float32Array.from(vector)),
    );
  });

  it('rejects malformed input', () => {
    expect(() => bytesToFloat32(new Uint8Array(5))).toThrow(RangeError);
    expect(() => base64ToBytes('not base64!')).toThrow(RangeError);
  });
});
