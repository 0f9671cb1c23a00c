// Reads embeddings for enroll / verify / identify from a JSON file (an array, or an array of arrays) or a .npy file.
import { readFileSync } from 'node:fs';
import { VoicesyncError } from '@voicesync/core';
import { parseNpy } from './npy.ts';

function bad(path: string, message: string): VoicesyncError {
  return new VoicesyncError('invalid_usage', `${path}: ${message}`);
}

function fromJson(text: string, path: string): number[][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw bad(path, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'embeddings' in value) {
    value = (value as { embeddings: unknown }).embeddings;
  }
  if (Array.isArray(value) && value.length === 0) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return [value as number[]];
  if (Array.isArray(value) && value.every((v) => Array.isArray(v))) return value as number[][];
  throw bad(path, 'expected an array of numbers, an array of such arrays, or { "embeddings": [...] }');
}

/**
 * The rows, checked: at least one, all finite numbers, all of one non-zero dimension. `where`
 * names the source in errors (a file, or a speaker inside an import file).
 */
export function checkEmbeddings(rows: number[][], where: string): number[][] {
  if (rows.length === 0) throw bad(where, 'holds no embeddings');
  const dim = rows[0]?.length ?? 0;
  if (dim === 0) throw bad(where, 'embedding 0 is empty');
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== dim) {
      throw bad(
        where,
        `embedding ${i} has ${Array.isArray(row) ? row.length : 0} values, the first has ${dim}`,
      );
    }
    if (!row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw bad(where, `embedding ${i} holds a value that is not a finite number`);
    }
  });
  return rows;
}

/**
 * Every embedding in the file, checked: at least one, all finite numbers, all of one dimension.
 *
 * @example
 * const embeddings = readEmbeddings('alice.json'); // [[0.1, ...], ...]
 */
export function readEmbeddings(path: string): number[][] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw bad(path, `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const rows = path.toLowerCase().endsWith('.npy')
    ? parseNpy(bytes, path)
    : fromJson(bytes.toString('utf8'), path);
  return checkEmbeddings(rows, path);
}

/** Exactly one embedding (verify, identify). */
export function readOneEmbedding(path: string): number[] {
  const rows = readEmbeddings(path);
  if (rows.length !== 1 || !rows[0]) throw bad(path, `expected one embedding, found ${rows.length}`);
  return rows[0];
}
