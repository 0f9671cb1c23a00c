// Writes the index snapshot atomically: a private temp file, fsync, rename over the old one, fsync the dir.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { EmbeddingIndex } from '../scoring/index.ts';
import {
  CRC_START,
  encodeHeader,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotHeader,
  sectionsOf,
} from './snapshot-format.ts';

// f32 rows go out this many at a time: 12 MiB at 192 dimensions, few writes, little memory.
const CHUNK_ROWS = 16_384;

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Saves `index` as it is now, tagged with `generation`; the caller guarantees the index holds exactly
 * the live profiles libSQL held at that generation. Returns false (and writes nothing) for an index
 * too small to have a compact copy. A crash at any point leaves the old snapshot or none, never a
 * partial one under the final name; a torn temp file is never read.
 */
export function writeSnapshot(path: string, index: EmbeddingIndex, generation: number): boolean {
  const saved = index.saved();
  if (!saved) return false;
  const rows = index.size;
  const { speakers, codes } = saved;
  const shape = { rows, dim: index.dim, arenaBytes: speakers.arena.length, codeBytes: codes.length };
  const at = sectionsOf(shape);
  const base = { version: SNAPSHOT_FORMAT_VERSION, format: saved.format, generation, ...shape };
  const header: SnapshotHeader = {
    ...base,
    maxScale: saved.maxScale,
    maxResidual: saved.maxResidual,
    crc: 0,
  };
  // Temp files of writers that crashed (any pid) would each hold up to a gigabyte: gone first.
  const prefix = `${basename(path)}.tmp-`;
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
  }
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    let crc = crc32(encodeHeader(header).subarray(0, CRC_START));
    const put = (bytes: Uint8Array, position: number) => {
      crc = crc32(bytes, crc);
      for (let done = 0; done < bytes.length; ) {
        done += writeSync(fd, bytes, done, bytes.length - done, position + done);
      }
    };
    // Padding between sections is zeros: covered by the CRC like everything else.
    const sections: Array<[Uint8Array, number]> = [
      [bytesOf(speakers.idLength), at.idLength],
      [bytesOf(speakers.nameLength), at.nameLength],
      [new Uint8Array(at.hash - at.nameLength - rows * 2), at.nameLength + rows * 2],
      [bytesOf(speakers.hash), at.hash],
      [bytesOf(speakers.samples), at.samples],
      [speakers.arena, at.arena],
      [new Uint8Array(at.codes - at.arena - shape.arenaBytes), at.arena + shape.arenaBytes],
      [codes, at.codes],
      [new Uint8Array(at.f32 - at.codes - shape.codeBytes), at.codes + shape.codeBytes],
    ];
    for (const [bytes, position] of sections) put(bytes, position);
    const chunk = new Float32Array(CHUNK_ROWS * index.dim);
    for (let first = 0; first < rows; first += CHUNK_ROWS) {
      const out = chunk.subarray(0, Math.min(CHUNK_ROWS, rows - first) * index.dim);
      index.readRows(first, out);
      put(bytesOf(out), at.f32 + first * index.dim * 4);
    }
    writeSync(fd, encodeHeader({ ...header, crc: crc >>> 0 }), 0, undefined, 0);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  // The rename itself is durable only once the directory is synced.
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return true;
}
