// Writes the index snapshot atomically: a private temp file, fsync, rename over the old one, fsync the dir.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { QuantisedFormat } from '../kernel/quantised.ts';
import type { EmbeddingIndex, SpeakerTableParts } from '../scoring/index.ts';
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

/** Everything a snapshot holds but the f32 rows. */
export interface SnapshotContent {
  readonly rows: number;
  readonly dim: number;
  readonly format: QuantisedFormat;
  readonly maxScale: number;
  readonly maxResidual: number;
  readonly speakers: SpeakerTableParts;
  /** The compact rows' bytes, in pieces that concatenate in row order. */
  readonly codes: readonly Uint8Array[];
}

// Temp files of writers that crashed (any pid) would each hold up to a gigabyte: gone first.
function removeTemps(path: string): string {
  const prefix = `${basename(path)}.tmp-`;
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
  }
  return `${path}.tmp-${process.pid}`;
}

// The header without its CRC, and every section before the f32 rows with its position, in file
// order (padding is zeros, covered by the CRC like everything else).
function layoutOf(c: SnapshotContent, generation: number) {
  const codeBytes = c.codes.reduce((n, piece) => n + piece.length, 0);
  const shape = { rows: c.rows, dim: c.dim, arenaBytes: c.speakers.arena.length, codeBytes };
  const at = sectionsOf(shape);
  const header: SnapshotHeader = {
    version: SNAPSHOT_FORMAT_VERSION,
    format: c.format,
    generation,
    ...shape,
    maxScale: c.maxScale,
    maxResidual: c.maxResidual,
    crc: 0,
  };
  const { speakers, rows } = c;
  const front: Array<[Uint8Array, number]> = [
    [bytesOf(speakers.idLength), at.idLength],
    [bytesOf(speakers.nameLength), at.nameLength],
    [new Uint8Array(at.hash - at.nameLength - rows * 2), at.nameLength + rows * 2],
    [bytesOf(speakers.hash), at.hash],
    [bytesOf(speakers.samples), at.samples],
    [speakers.arena, at.arena],
    [new Uint8Array(at.codes - at.arena - shape.arenaBytes), at.arena + shape.arenaBytes],
  ];
  let position = at.codes;
  for (const piece of c.codes) {
    front.push([piece, position]);
    position += piece.length;
  }
  front.push([new Uint8Array(at.f32 - position), position]);
  return { at, header, front };
}

/**
 * Saves `index` as it is now, tagged with `generation`; the caller guarantees the index holds exactly
 * the live profiles libSQL held at that generation. Returns false (and writes nothing) for an index
 * too small to have a compact copy. A crash at any point leaves the old snapshot or none, never a
 * partial one under the final name; a torn temp file is never read.
 */
export function writeSnapshot(path: string, index: EmbeddingIndex, generation: number): boolean {
  const saved = index.saved();
  if (!saved) return false;
  const content = { ...saved, rows: index.size, dim: index.dim, codes: [saved.codes] };
  const { at, header, front } = layoutOf(content, generation);
  const temp = removeTemps(path);
  const fd = openSync(temp, 'w', 0o600);
  try {
    let crc = crc32(encodeHeader(header).subarray(0, CRC_START));
    const put = (bytes: Uint8Array, position: number) => {
      crc = crc32(bytes, crc);
      for (let done = 0; done < bytes.length; ) {
        done += writeSync(fd, bytes, done, bytes.length - done, position + done);
      }
    };
    for (const [bytes, position] of front) put(bytes, position);
    const chunk = new Float32Array(CHUNK_ROWS * index.dim);
    for (let first = 0; first < content.rows; first += CHUNK_ROWS) {
      const out = chunk.subarray(0, Math.min(CHUNK_ROWS, content.rows - first) * index.dim);
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

/**
 * The same file as `writeSnapshot`, of `content` and the f32 rows `readRows(first, into)` gives (the
 * bytes of rows [first, ...) in row order), written while the agent already serves: every write,
 * read and fsync runs off the event loop, only the CRC on it, 12 MiB at a time. Renamed to `path`
 * only if `stillCurrent()` (libSQL still at `generation`; else the file could never be used).
 */
export async function saveSnapshot(
  path: string,
  content: SnapshotContent,
  generation: number,
  readRows: (first: number, into: Uint8Array) => Promise<void>,
  stillCurrent: () => Promise<boolean>,
): Promise<boolean> {
  const { at, header, front } = layoutOf(content, generation);
  const temp = removeTemps(path);
  const file = await open(temp, 'w', 0o600);
  try {
    let crc = crc32(encodeHeader(header).subarray(0, CRC_START));
    const put = async (bytes: Uint8Array, position: number) => {
      crc = crc32(bytes, crc);
      for (let done = 0; done < bytes.length; ) {
        done += (await file.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
      }
    };
    for (const [bytes, position] of front) await put(bytes, position);
    const rowBytes = content.dim * 4;
    const chunk = new Uint8Array(CHUNK_ROWS * rowBytes);
    for (let first = 0; first < content.rows; first += CHUNK_ROWS) {
      const out = chunk.subarray(0, Math.min(CHUNK_ROWS, content.rows - first) * rowBytes);
      await readRows(first, out);
      await put(out, at.f32 + first * rowBytes);
    }
    await file.write(encodeHeader({ ...header, crc: crc >>> 0 }), 0, undefined, 0);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  if (!(await stillCurrent())) {
    await rm(temp, { force: true });
    return false;
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return true;
}
