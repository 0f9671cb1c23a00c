import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEmbeddings, readOneEmbedding } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'voicesync-embeddings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function npy(descr: string, shape: string, values: Float32Array | Float64Array): Buffer {
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const padded = `${header.padEnd(118, ' ')}\n`;
  return Buffer.concat([
    Buffer.from([0x93]),
    Buffer.from('NUMPY'),
    Buffer.from([1, 0, padded.length, 0]),
    Buffer.from(padded, 'latin1'),
    Buffer.from(values.buffer),
  ]);
}

describe('readEmbeddings', () => {
  it('reads JSON as one vector, a list of vectors, or { embeddings }', () => {
    expect(readEmbeddings(file('one.json', '[0.5, 0.25]'))).toEqual([[0.5, 0.25]]);
    expect(readEmbeddings(file('many.json', '[[1,2],[3,4]]'))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(readEmbeddings(file('object.json', '{"embeddings": [[1,2]]}'))).toEqual([[1, 2]]);
  });

  it('reads float32 and float64 .npy files, one row per embedding', () => {
    const f32 = file('a.npy', npy('<f4', '(2, 2)', new Float32Array([0.5, 1, 1.5, 2])));
    expect(readEmbeddings(f32)).toEqual([
      [0.5, 1],
      [1.5, 2],
    ]);
    const f64 = file('b.npy', npy('<f8', '(3,)', new Float64Array([0.1, 0.2, 0.3])));
    expect(readOneEmbedding(f64)).toEqual([0.1, 0.2, 0.3]);
    expect(() => readEmbeddings(file('c.npy', npy('<i4', '(1,)', new Float32Array([1]))))).toThrow(
      /dtype <i4/,
    );
  });

  it('refuses what cannot be sent, with exit-code 2 errors naming the file', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['ragged.json', '[[1,2],[3]]', /embedding 1 has 1 values/],
      ['text.json', '[["a"]]', /not a finite number/],
      ['empty.json', '[]', /holds no embeddings/],
      ['zero.json', '[[]]', /embedding 0 is empty/],
      ['broken.json', '[1,', /not valid JSON/],
    ];
    for (const [name, content, pattern] of cases) {
      expect(() => readEmbeddings(file(name, content))).toThrow(pattern);
    }
    expect(() => readEmbeddings(join(dir, 'absent.json'))).toThrow(
      expect.objectContaining({ code: 'invalid_usage' }),
    );
    expect(() => readOneEmbedding(file('two.json', '[[1],[2]]'))).toThrow(/expected one embedding, found 2/);
  });
});
