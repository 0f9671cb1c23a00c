// Profile content hash: SHA-256 (WebCrypto) over one canonical encoding, identical on agent and edge.
import { bytesToHex, float32BytesView } from '../bytes/index.ts';

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

/**
 * Canonical bytes, version 1:
 * "voicesync/profile/v1" NUL speakerId NUL name NUL dim(u32 LE) embedding(float32 LE x dim)
 * totalSamples(decimal) NUL canonicalJson(acousticFeatures ?? null), strings in UTF-8.
 */
export function encodeProfileContent(content: ProfileContent): Uint8Array {
  const head = encoder.encode(`voicesync/profile/v1\0${content.speakerId}\0${content.name}\0`);
  const dim = new Uint8Array(4);
  new DataView(dim.buffer).setUint32(0, content.embedding.length, true);
  const embedding = float32BytesView(content.embedding);
  const tail = encoder.encode(`${content.totalSamples}\0${canonicalJson(content.acousticFeatures ?? null)}`);
  const out = new Uint8Array(head.length + 4 + embedding.length + tail.length);
  out.set(head, 0);
  out.set(dim, head.length);
  out.set(embedding, head.length + 4);
  out.set(tail, head.length + 4 + embedding.length);
  return out;
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
