// In workerd, base64 goes through the runtime's native codec: it must accept and produce exactly
// what the JavaScript codec (the one Node 20 runs) does, or agent and edge would disagree on bytes.
import {
  base64ToBytesJs,
  bytesToBase64Js,
  bytesToHex,
  bytesToHexJs,
  float32ToBytes,
  profileContentHash,
} from '@voicesync/core';
import { build } from 'esbuild';
import fc from 'fast-check';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../harness/index.ts';

const WORKER = `
import { base64IntoBytes, base64ToBytes, bytesToBase64, bytesToHex } from './index.ts';
import { uploadedContentHash } from '../hashing/index.ts';
export default {
  async fetch(request) {
    const { decode, encode, into = [], uploads = [] } = await request.json();
    return Response.json({
      nativeSet: typeof Uint8Array.prototype.setFromBase64 === 'function',
      into: into.map(([text, size]) => { const target = new Uint8Array(size); return base64IntoBytes(text, target) ? bytesToHex(target) : null; }),
      uploaded: await Promise.all(uploads.map(([content, dim]) => uploadedContentHash(content, dim))),
      native: typeof Uint8Array.fromBase64 === 'function',
      nativeHex: typeof Uint8Array.prototype.toHex === 'function',
      decoded: decode.map((text) => { try { return bytesToHex(base64ToBytes(text)); } catch (e) { return e instanceof RangeError ? null : String(e); } }),
      encoded: encode.map((hex) => bytesToBase64(Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16)))),
      hexed: encode.map((hex) => bytesToHex(Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16)))),
    });
  },
};`;

let mf: Miniflare;

beforeAll(async () => {
  const bundle = await build({
    stdin: { contents: WORKER, resolveDir: repoPath('packages/core/src/bytes'), loader: 'js' },
    bundle: true,
    format: 'esm',
    write: false,
  });
  mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]?.text ?? '',
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
  });
});

afterAll(async () => {
  await mf?.dispose();
});

function jsDecode(text: string): string | null {
  try {
    return bytesToHex(base64ToBytesJs(text));
  } catch {
    return null;
  }
}

/** Canonical texts, and the ways a text can be almost canonical. */
const texts = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((bytes) => bytesToBase64Js(bytes)),
  fc
    .tuple(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.nat(),
      fc.constantFrom(' ', '\n', '\t', '=', '-', '_', 'é', '\0', '+', 'A', ''),
    )
    .map(([bytes, at, insert]) => {
      const text = bytesToBase64Js(bytes);
      const i = at % (text.length + 1);
      return `${text.slice(0, i)}${insert}${text.slice(i)}`;
    }),
  fc
    .tuple(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.nat(),
      fc.constantFrom(' ', '=', '-', 'B', 'R', '/'),
    )
    .map(([bytes, at, replace]) => {
      const text = bytesToBase64Js(bytes);
      const i = at % text.length;
      return `${text.slice(0, i)}${replace}${text.slice(i + 1)}`;
    }),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => bytesToBase64Js(bytes).replace(/=+$/, '')),
  fc.string({ unit: fc.constantFrom('Q', 'U', 'A', '/', '+', '=', ' ', '\n', '-'), maxLength: 16 }),
);

describe('base64 and hex in workerd (native codec) and in Node (JavaScript codec)', () => {
  it('accept and refuse the same texts, decode them to the same bytes, and encode bytes alike', async () => {
    const decode = fc.sample(texts, { numRuns: 3000, seed: 13 });
    decode.push(
      '',
      'QQ==',
      'QR==',
      'QUI=',
      'QUJ=',
      'Q Q==',
      'QQ= ',
      ' QQ=',
      'QQ\n==',
      '====',
      'QUJD\n',
      'QU JD   ',
    );
    const bytes = fc.sample(fc.uint8Array({ maxLength: 800 }), { numRuns: 500, seed: 13 });
    const encode = bytes.map(bytesToHex);
    const response = await mf.dispatchFetch('http://edge/', {
      method: 'POST',
      body: JSON.stringify({ decode, encode }),
    });
    const answer = (await response.json()) as {
      native: boolean;
      nativeHex: boolean;
      decoded: Array<string | null>;
      encoded: string[];
      hexed: string[];
    };
    // The subject is the native path: workerd must have it, or this test proves nothing.
    expect(answer.native).toBe(true);
    expect(answer.decoded).toEqual(decode.map(jsDecode));
    expect(answer.encoded).toEqual(bytes.map(bytesToBase64Js));
    // Hex (the content hash's text) through workerd's native toHex, as Node's table loop writes it.
    expect(answer.nativeHex).toBe(true);
    expect(answer.hexed).toEqual(bytes.map(bytesToHexJs));
    // Both refusals and acceptances were exercised.
    expect(answer.decoded.filter((d) => d === null).length).toBeGreaterThan(500);
    expect(answer.decoded.filter((d) => d !== null).length).toBeGreaterThan(500);
  });

  it('decode into a buffer of a given size exactly when the JavaScript codec decodes to that size', async () => {
    const into: Array<[string, number]> = fc.sample(texts, { numRuns: 2000, seed: 17 }).flatMap((text) => {
      const decoded = jsDecode(text);
      const size = decoded === null ? Math.floor(text.length / 4) * 3 : decoded.length / 2;
      return [size - 1, size, size + 1].filter((n) => n >= 0).map((n): [string, number] => [text, n]);
    });
    const answer = (await (
      await mf.dispatchFetch('http://edge/', {
        method: 'POST',
        body: JSON.stringify({ decode: [], encode: [], into }),
      })
    ).json()) as { nativeSet: boolean; into: Array<string | null> };
    expect(answer.nativeSet).toBe(true);
    const expected = into.map(([text, size]) => {
      const decoded = jsDecode(text);
      return decoded !== null && decoded.length === size * 2 ? decoded : null;
    });
    expect(answer.into).toEqual(expected);
    expect(expected.filter((d) => d !== null).length).toBeGreaterThan(300);
  });

  it('hash an upload in place as Node hashes the decoded profile, and refuse what is not dim finite floats', async () => {
    const profile = (embedding: number[], name = 'Zoë 😀') => ({
      speakerId: 'spk-é',
      name,
      embeddingB64: bytesToBase64Js(float32ToBytes(embedding)),
      acousticFeatures: { pitch: 1.5, mfcc: [0.25, -3] },
      totalSamples: 3,
    });
    const valid = [
      profile([0.5, -0.25, 1, 0]),
      profile([3.4e38, -3.4e38, 1e-45, -0], 'x'.repeat(5000)),
      // All ASCII: the canonical head and tail are copied byte by byte, without encodeInto.
      { ...profile([0.5, -0.25, 1, 0], 'Ada'), speakerId: 'spk-1', acousticFeatures: null },
    ];
    const refused = [
      profile([0.5, Number.NaN, 1, 0]),
      profile([Number.POSITIVE_INFINITY, 0, 0, 0]),
      profile([0, 0, 0, Number.NEGATIVE_INFINITY]),
      profile([0.5, -0.25, 1]),
      {
        ...profile([0.5, -0.25, 1, 0]),
        embeddingB64: ` ${profile([0.5, -0.25, 1, 0]).embeddingB64.slice(1)}`,
      },
    ];
    const uploads = [...valid, ...refused].map((content) => [content, 4]);
    const answer = (await (
      await mf.dispatchFetch('http://edge/', {
        method: 'POST',
        body: JSON.stringify({ decode: [], encode: [], uploads }),
      })
    ).json()) as { uploaded: Array<string | null> };
    const expected = await Promise.all(
      valid.map(({ embeddingB64, ...content }) =>
        profileContentHash({
          ...content,
          embedding: new Float32Array(new Uint8Array(base64ToBytesJs(embeddingB64)).buffer),
        }),
      ),
    );
    expect(answer.uploaded).toEqual([...expected, ...refused.map(() => null)]);
  });
});
