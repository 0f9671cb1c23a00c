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

// f32 rows go out (or are read back for the CRC) this many at a time: 12 MiB at 192 dimensions.
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

/** The temp file a save writes before its rename; one per process, so a crashed writer's is known. */
export const snapshotTempOf = (path: string): string => `${path}.tmp-${process.pid}`;

/** Temp files of writers that crashed (any pid) would each hold up to a gigabyte: removed. */
export function removeSnapshotTemps(path: string): void {
  const prefix = `${basename(path)}.tmp-`;
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
  }
}

// The header without its CRC, and every section after the f32 rows with its position (padding is
// zeros, covered by the CRC like everything else), in file order.
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
  const back: Array<[Uint8Array, number]> = [
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
    back.push([piece, position]);
    position += piece.length;
  }
  return { at, header, back };
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
  const { at, header, back } = layoutOf(content, generation);
  removeSnapshotTemps(path);
  const temp = snapshotTempOf(path);
  const fd = openSync(temp, 'w', 0o600);
  try {
    const put = (bytes: Uint8Array, position: number) => {
      for (let done = 0; done < bytes.length; ) {
        done += writeSync(fd, bytes, done, bytes.length - done, position + done);
      }
    };
    let crc = crc32(encodeHeader(header).subarray(0, CRC_START));
    for (const [bytes, position] of back) {
      put(bytes, position);
      crc = crc32(bytes, crc);
    }
    const chunk = new Float32Array(CHUNK_ROWS * index.dim);
    for (let first = 0; first < content.rows; first += CHUNK_ROWS) {
      const out = chunk.subarray(0, Math.min(CHUNK_ROWS, content.rows - first) * index.dim);
      index.readRows(first, out);
      put(bytesOf(out), at.f32 + first * index.dim * 4);
      crc = crc32(bytesOf(out), crc);
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
 * Completes a snapshot whose f32 rows are already in `temp` (the parallel preload wrote them there):
 * writes the table and compact rows after them, checksums all, fsyncs, and renames it to `path`
 * only if `stillCurrent()` (libSQL still at `generation`: else the file could never be used).
 * Every write, read and fsync runs off the event loop; only the CRC runs on it, 12 MiB at a time.
 */
export async function completeSnapshot(
  temp: string,
  path: string,
  content: SnapshotContent,
  generation: number,
  stillCurrent: () => Promise<boolean>,
): Promise<boolean> {
  const { at, header, back } = layoutOf(content, generation);
  const file = await open(temp, 'r+');
  try {
    let crc = crc32(encodeHeader(header).subarray(0, CRC_START));
    for (const [bytes, position] of back) {
      for (let done = 0; done < bytes.length; ) {
        done += (await file.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
      }
      crc = crc32(bytes, crc);
    }
    const chunk = Buffer.allocUnsafe(CHUNK_ROWS * content.dim * 4);
    for (let position = at.f32; position < at.idLength; ) {
      const want = Math.min(chunk.length, at.idLength - position);
      const { bytesRead } = await file.read(chunk, 0, want, position);
      if (bytesRead === 0) throw new RangeError('f32 rows ended early');
      crc = crc32(chunk.subarray(0, bytesRead), crc);
      position += bytesRead;
    }
    await file.write(encodeHeader({ ...header, crc: crc >>> 0 }), 0, undefined, 0);
    await file.sync();
  } finally {
    await file.close();
  }
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
