// Embeddings travel and rest as raw little-endian float32 bytes; these are the only conversions.

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Little-endian float32 bytes of a vector (a copy, independent of the input's buffer). */
export function float32ToBytes(vector: ArrayLike<number>): Uint8Array {
  // slice() is a memcpy; Float32Array.from walks an iterator (10x slower for a 192-d vector).
  const floats = vector instanceof Float32Array ? vector.slice() : Float32Array.from(vector);
  if (littleEndianHost) return new Uint8Array(floats.buffer);
  const out = new Uint8Array(floats.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < floats.length; i++) view.setFloat32(i * 4, floats[i] ?? 0, true);
  return out;
}

/**
 * Little-endian float32 bytes of a vector for reading only: a view of a Float32Array's own memory
 * on little-endian hosts (no copy), else a copy.
 */
export function float32BytesView(vector: ArrayLike<number>): Uint8Array {
  if (littleEndianHost && vector instanceof Float32Array) {
    return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  }
  return float32ToBytes(vector);
}

/**
 * A float32 vector over little-endian bytes for reading only: a view when the host is
 * little-endian and the bytes are 4-aligned (no copy), else a copy.
 */
export function float32View(bytes: Uint8Array): Float32Array {
  if (littleEndianHost && bytes.byteOffset % 4 === 0 && bytes.byteLength % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  return bytesToFloat32(bytes);
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

// Table-driven base64 and hex: the edge decodes and hashes every uploaded embedding, and the
// regex + atob + per-character loop they replace cost more than the SHA-256 itself (workerd profile).
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
const BASE64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_VALUE[BASE64_ALPHABET.charCodeAt(i)] = i;
const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Standard base64 with padding, in JavaScript (runtimes without `Uint8Array.prototype.toBase64`). */
export function bytesToBase64Js(bytes: Uint8Array): string {
  let out = '';
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += `${BASE64_ALPHABET[n >>> 18]}${BASE64_ALPHABET[(n >>> 12) & 63]}${BASE64_ALPHABET[(n >>> 6) & 63]}${BASE64_ALPHABET[n & 63]}`;
  }
  const rest = bytes.length - whole;
  if (rest === 1) {
    const n = (bytes[whole] ?? 0) << 16;
    out += `${BASE64_ALPHABET[n >>> 18]}${BASE64_ALPHABET[(n >>> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = ((bytes[whole] ?? 0) << 16) | ((bytes[whole + 1] ?? 0) << 8);
    out += `${BASE64_ALPHABET[n >>> 18]}${BASE64_ALPHABET[(n >>> 12) & 63]}${BASE64_ALPHABET[(n >>> 6) & 63]}=`;
  }
  return out;
}

function base64Value(text: string, at: number): number {
  const code = text.charCodeAt(at);
  const value = code < 128 ? (BASE64_VALUE[code] ?? -1) : -1;
  if (value < 0) throw new RangeError('invalid base64');
  return value;
}

/**
 * Decodes canonical standard base64 (the alphabet A-Z a-z 0-9 + /, length a multiple of 4, `=`
 * only at the end, unused trailing bits zero); throws a RangeError on anything else, whitespace and
 * the URL-safe alphabet included. Canonical means the text is the only encoding of its bytes, so
 * the edge can store the text's decoding in SQL and know it is the content it hashed.
 */
export function base64ToBytesJs(text: string): Uint8Array {
  const length = text.length;
  if (length % 4 !== 0) throw new RangeError('invalid base64');
  let pad = 0;
  if (length > 0 && text.charCodeAt(length - 1) === PAD) pad = text.charCodeAt(length - 2) === PAD ? 2 : 1;
  const out = new Uint8Array((length / 4) * 3 - pad);
  const whole = pad > 0 ? length - 4 : length;
  let o = 0;
  for (let i = 0; i < whole; i += 4) {
    const n =
      (base64Value(text, i) << 18) |
      (base64Value(text, i + 1) << 12) |
      (base64Value(text, i + 2) << 6) |
      base64Value(text, i + 3);
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  if (pad > 0) {
    let n = (base64Value(text, whole) << 18) | (base64Value(text, whole + 1) << 12);
    if (pad === 1) n |= base64Value(text, whole + 2) << 6;
    // Canonical only: bits after the last byte must be zero, so one byte string has one text.
    if ((pad === 2 ? n & 0xffff : n & 0xff) !== 0) throw new RangeError('invalid base64');
    out[o++] = n >>> 16;
    if (pad === 1) out[o] = (n >>> 8) & 255;
  }
  return out;
}

// The runtime's own codec where it has one (workerd's V8 does; Node 20 does not): the edge
// decodes every uploaded embedding and encodes every pulled one, and the native code is ~10x
// faster than the table loops above (edge-profile: base64ToBytes was the top function of a push).
interface NativeBase64 {
  fromBase64(text: string, options: { lastChunkHandling: 'strict' }): Uint8Array;
}
const nativeFrom = (Uint8Array as unknown as Partial<NativeBase64>).fromBase64;
const nativeTo = (Uint8Array.prototype as unknown as { toBase64?: (this: Uint8Array) => string }).toBase64;

/** Standard base64 with padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  return nativeTo ? nativeTo.call(bytes) : bytesToBase64Js(bytes);
}

/**
 * Decodes canonical standard base64 exactly as `base64ToBytesJs` does. The native decoder in
 * strict mode refuses a missing `=`, non-zero trailing bits and other alphabets, but skips ASCII
 * whitespace: a text with whitespace decodes to fewer bytes than its length promises, and is refused.
 */
export function base64ToBytes(text: string): Uint8Array {
  if (!nativeFrom) return base64ToBytesJs(text);
  const length = text.length;
  if (length % 4 !== 0) throw new RangeError('invalid base64');
  let out: Uint8Array;
  try {
    out = nativeFrom(text, { lastChunkHandling: 'strict' });
  } catch {
    throw new RangeError('invalid base64');
  }
  const pad =
    length > 0 && text.charCodeAt(length - 1) === PAD ? (text.charCodeAt(length - 2) === PAD ? 2 : 1) : 0;
  if (out.length !== (length / 4) * 3 - pad) throw new RangeError('invalid base64');
  return out;
}

interface NativeSetBase64 {
  setFromBase64(
    this: Uint8Array,
    text: string,
    options: { lastChunkHandling: 'strict' },
  ): { read: number; written: number };
}
const nativeSet = (Uint8Array.prototype as unknown as Partial<NativeSetBase64>).setFromBase64;

/**
 * Decodes canonical standard base64 (as `base64ToBytes`) into `target`, which its bytes must fill
 * exactly: false for any other text, one of another length included (`target` may then hold part
 * of it). Where the runtime decodes natively (workerd), nothing is allocated.
 */
export function base64IntoBytes(text: string, target: Uint8Array): boolean {
  if (text.length !== Math.ceil(target.length / 3) * 4) return false;
  try {
    if (!nativeSet) {
      const bytes = base64ToBytesJs(text);
      if (bytes.length !== target.length) return false;
      target.set(bytes);
      return true;
    }
    // Whitespace (which the native decoder skips) leaves it short of `target.length`; a text that
    // encodes more than fits stops before its end.
    const { read, written } = nativeSet.call(target, text, { lastChunkHandling: 'strict' });
    return read === text.length && written === target.length;
  } catch {
    return false;
  }
}

const nativeHex = (Uint8Array.prototype as unknown as { toHex?: (this: Uint8Array) => string }).toHex;

/** Lowercase hex: the runtime's own `toHex` where it has one (workerd's V8), else a table loop. */
export function bytesToHex(bytes: Uint8Array): string {
  return nativeHex ? nativeHex.call(bytes) : bytesToHexJs(bytes);
}

/** Lowercase hex in JavaScript (runtimes without `Uint8Array.prototype.toHex`). */
export function bytesToHexJs(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX_PAIRS[bytes[i] ?? 0];
  return hex;
}
