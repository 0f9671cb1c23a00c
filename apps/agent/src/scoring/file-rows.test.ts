import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoringBackend } from './backend.ts';
import { createScoringBackend } from './create-scoring-backend.ts';
import { MemoryRows } from './exact-rows.ts';
import { FileRows } from './file-rows.ts';
import { l2normalize } from './l2-normalize.ts';
import { randomEmbeddings, seededRandom } from './random-embeddings.ts';

const DIM = 32;
let backend: ScoringBackend;
const files: FileRows[] = [];
beforeAll(async () => {
  backend = await createScoringBackend('wasm-simd');
});
afterAll(() => {
  for (const file of files) file.close();
});

describe('FileRows', () => {
  it('after appends past the write buffer, overwrites and swap-removes, reads and scores exactly like the in-memory matrix', () => {
    const file = new FileRows(backend, DIM);
    files.push(file);
    const memory = new MemoryRows(backend, DIM);
    const rows = randomEmbeddings(20_000, DIM, 3);
    const unit = (i: number) => l2normalize(rows.subarray(i * DIM, (i + 1) * DIM), DIM);
    // 20,000 appends cross the 4,096-row write buffer and the 8,192-row scan chunk several times.
    for (let i = 0; i < 12_000; i++) {
      file.set(i, unit(i));
      memory.set(i, unit(i));
    }
    const random = seededRandom(5);
    for (let step = 0; step < 8_000; step++) {
      const choice = random();
      const row = Math.floor(random() * file.rows);
      if (choice < 0.3) {
        file.swapRemove(row);
        memory.swapRemove(row);
      } else {
        const at = choice < 0.6 ? row : file.rows;
        file.set(at, unit(12_000 + step));
        memory.set(at, unit(12_000 + step));
      }
    }
    expect(file.rows).toBe(memory.rows);
    for (let row = 0; row < file.rows; row += 97) expect(file.copy(row)).toEqual(memory.copy(row));
    for (let q = 0; q < 5; q++) {
      const probe = unit(q * 1000);
      expect(file.topK(probe, 7)).toEqual(memory.topK(probe, 7));
      for (let row = q; row < file.rows; row += 1013)
        expect(file.score(row, probe)).toBe(memory.score(row, probe));
    }
  });

  it('keeps nothing on disk under a name: the file is unlinked as soon as it is open', async () => {
    const { readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    files.push(new FileRows(backend, DIM));
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`voicesync-rows-${process.pid}-`))).toEqual(
      [],
    );
  });
});
