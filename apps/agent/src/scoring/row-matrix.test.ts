import { describe, expect, it } from 'vitest';
import { RowMatrix } from './row-matrix.ts';

const row = (...values: number[]) => new Float32Array(values);

describe('RowMatrix', () => {
  it('appends by doubling capacity and keeps earlier rows', () => {
    const matrix = new RowMatrix(4);
    for (let i = 0; i < 9; i++) matrix.set(i, row(i, i, i, i));
    expect(matrix.rows).toBe(9);
    expect(matrix.data.length).toBe(16 * 4);
    expect(Array.from(matrix.row(8))).toEqual([8, 8, 8, 8]);
    expect(Array.from(matrix.row(0))).toEqual([0, 0, 0, 0]);
  });

  it('swap-removes by moving the last row into the hole', () => {
    const matrix = new RowMatrix(4);
    for (const [i, r] of [row(0, 0, 0, 1), row(0, 0, 1, 0), row(0, 1, 0, 0)].entries()) matrix.set(i, r);
    expect(matrix.swapRemove(0)).toBe(2);
    expect(matrix.rows).toBe(2);
    expect(Array.from(matrix.row(0))).toEqual([0, 1, 0, 0]);
    expect(matrix.swapRemove(1)).toBe(1);
    expect(Array.from(matrix.data.subarray(0, 4))).toEqual([0, 1, 0, 0]);
  });

  it('bumps the version on every write so cached copies can refresh', () => {
    const matrix = new RowMatrix(4);
    matrix.set(0, row(1, 0, 0, 0));
    const before = matrix.version;
    matrix.set(0, row(0, 1, 0, 0));
    matrix.swapRemove(0);
    expect(matrix.version).toBe(before + 2);
  });

  it('refuses writes that would leave a gap or change the width', () => {
    const matrix = new RowMatrix(4);
    expect(() => matrix.set(1, row(1, 0, 0, 0))).toThrow(RangeError);
    expect(() => matrix.set(0, row(1, 0))).toThrow(RangeError);
  });
});
