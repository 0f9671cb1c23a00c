// Profile content hash: SHA-256 (WebCrypto) over one canonical encoding, identical on agent and edge.
import { base64IntoBytes, bytesToHex, float32BytesView } from '../bytes/index.ts';

/** The hashed content of a profile. Identity (tenant) and bookkeeping (versions, times) are not part of it. */
export interface ProfileContent {
  speakerId: string;
  name: string;
  embedding: ArrayLike<number>;
  acousticFeatures: unknown;
  totalSamples: number;
}

const encoder = new TextEncoder();

/**
 * JSON with object keys sorted at every level and no whitespace. Numbers use JavaScript's
 * shortest round-trip form, which is the same in V8 on Node and in workerd.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value ?? null);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The canonical encoding's text before the embedding's dimension. */
function canonicalHead(speakerId: string, name: string): string {
  return `voicesync/profile/v1\0${speakerId}\0${name}\0`;
}

/** The canonical encoding's text after the embedding. */
function canonicalTail(totalSamples: number, acousticFeatures: unknown): string {
  return `${totalSamples}\0${canonicalJson(acousticFeatures ?? null)}`;
}

/**
 * Canonical bytes, version 1:
 * "voicesync/profile/v1" NUL speakerId NUL name NUL dim(u32 LE) embedding(float32 LE x dim)
 * totalSamples(decimal) NUL canonicalJson(acousticFeatures ?? null), strings in UTF-8.
 */
export function encodeProfileContent(content: ProfileContent): Uint8Array {
  const head = encoder.encode(canonicalHead(content.speakerId, content.name));
  const dim = new Uint8Array(4);
  new DataView(dim.buffer).setUint32(0, content.embedding.length, true);
  const embedding = float32BytesView(content.embedding);
  const tail = encoder.encode(canonicalTail(content.totalSamples, content.acousticFeatures));
  const out = new Uint8Array(head.length + 4 + embedding.length + tail.length);
  out.set(head, 0);
  out.set(dim, head.length);
  out.set(embedding, head.length + 4);
  out.set(tail, head.length + 4 + embedding.length);
  return out;
}

/** A profile as a device uploads it: the embedding is the base64 text of its float32 bytes. */
export interface UploadedContent {
  speakerId: string;
  name: string;
  embeddingB64: string;
  acousticFeatures: unknown;
  totalSamples: number;
}

/**
 * The canonical encoding of uploads is written here, one at a time: WebCrypto's `digest` copies
 * its input before it returns (the spec's "get a copy of the bytes held by"), so every hash can
 * reuse it, and a 50-mutation push allocates no buffer of its own per profile.
 */
let scratch = new Uint8Array(4096);

/** True when every float32 (little-endian bytes) is finite: an exponent of all ones is NaN or an infinity. */
function finiteFloat32Bytes(bytes: Uint8Array): boolean {
  for (let i = 3; i < bytes.length; i += 4) {
    if (((bytes[i] as number) & 0x7f) === 0x7f && ((bytes[i - 1] as number) & 0x80) !== 0) return false;
  }
  return true;
}

/**
 * `profileContentHash` of an upload whose embedding is `dim` finite float32 values in canonical
 * base64, computed in place: the base64 is decoded straight into the canonical encoding. Null
 * when the embedding is anything else (the caller's full check says what is wrong).
 */
export function uploadedContentHash(content: UploadedContent, dim: number): Promise<string> | null {
  const head = canonicalHead(content.speakerId, content.name);
  const tail = canonicalTail(content.totalSamples, content.acousticFeatures);
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  const room = 3 * (head.length + tail.length) + 4 + dim * 4;
  if (scratch.length < room) scratch = new Uint8Array(2 ** Math.ceil(Math.log2(room)));
  let at = utf8Into(head, scratch, 0);
  // The dimension as u32 little-endian.
  scratch[at] = dim & 0xff;
  scratch[at + 1] = (dim >>> 8) & 0xff;
  scratch[at + 2] = (dim >>> 16) & 0xff;
  scratch[at + 3] = dim >>> 24;
  const embedding = scratch.subarray(at + 4, at + 4 + dim * 4);
  if (!base64IntoBytes(content.embeddingB64, embedding) || !finiteFloat32Bytes(embedding)) return null;
  at += 4 + embedding.length;
  at = utf8Into(tail, scratch, at);
  return sha256Hex(scratch.subarray(0, at));
}

/**
 * Writes `text` as UTF-8 into `target` from `at` (room for 3 bytes per unit is the caller's) and
 * answers where it ends. The canonical head and tail are short and mostly ASCII: copied byte by
 * byte they cost less than `encodeInto`'s call into the runtime and the result object it builds
 * (a visible share of a 50-mutation push in workerd, docs/capacity.md round 9); any other text
 * goes to `encodeInto`.
 */
function utf8Into(text: string, target: Uint8Array, at: number): number {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    // From the first unit that is not ASCII (a surrogate pair's first half included) on, the rest.
    if (unit >= 0x80) return at + i + encoder.encodeInto(text.slice(i), target.subarray(at + i)).written;
    target[at + i] = unit;
  }
  return at + length;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return bytesToHex(new Uint8Array(digest));
}

/** Lowercase hex SHA-256 of the canonical encoding. */
export function profileContentHash(content: ProfileContent): Promise<string> {
  return sha256Hex(encodeProfileContent(content));
}

/** Hash of a deleted profile: "voicesync/tombstone/v1" NUL speakerId. */
export function tombstoneHash(speakerId: string): Promise<string> {
  return sha256Hex(encoder.encode(`voicesync/tombstone/v1\0${speakerId}`));
}

/** Lowercase hex SHA-256 of a UTF-8 string (device secrets are stored only as this). */
export function sha256OfText(text: string): Promise<string> {
  return sha256Hex(encoder.encode(text));
}
