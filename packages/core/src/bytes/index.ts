// Embeddings travel and rest as raw little-endian float32 bytes; these are the only conversions.

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Little-endian float32 bytes of a vector (a copy, independent of the input's buffer). */
export function float32ToBytes(vector: ArrayLike<number>): Uint8Array {
  const floats = Float32Array.from(vector);
  if (littleEndianHost) return new Uint8Array(floats.buffer);
  const out = new Uint8Array(floats.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < floats.length; i++) view.setFloat32(i * 4, floats[i] ?? 0, true);
  return out;
}

/** Vector from little-endian float32 bytes; throws when the length is not a multiple of 4. */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw new RangeError(`float32 bytes must be a multiple of 4, got ${bytes.byteLength}`);
  const out = new Float32Array(bytes.byteLength / 4);
  if (littleEndianHost) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Decodes standard base64; throws a RangeError on anything else. */
export function base64ToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new RangeError('invalid base64');
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
