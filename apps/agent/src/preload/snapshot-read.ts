// Loads the index from its snapshot, or says why it cannot: any doubt means the caller reads libSQL.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { EmbeddingIndex, SavedIndex } from '../scoring/index.ts';
import {
  CRC_START,
  decodeHeader,
  HEADER_BYTES,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotHeader,
  sectionsOf,
} from './snapshot-format.ts';

// f32 rows come in this many at a time (12 MiB at 192 dimensions); progress is told after each.
const CHUNK_ROWS = 16_384;

/** Why a snapshot was not used (logged), or the number of speakers it loaded. */
export type SnapshotOutcome = { loaded: number } | { skipped: string };

function readExactly(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) {
    const read = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (read === 0) throw new RangeError('snapshot ended early');
    done += read;
  }
}

function check(h: SnapshotHeader | undefined, index: EmbeddingIndex, generation: number): string | undefined {
  if (!h) return 'not a snapshot';
  if (h.version !== SNAPSHOT_FORMAT_VERSION)
    return `format version ${h.version}, not ${SNAPSHOT_FORMAT_VERSION}`;
  if (h.generation !== generation) return `taken at generation ${h.generation}, libSQL is at ${generation}`;
  if (h.dim !== index.dim) return `dimension ${h.dim}, not ${index.dim}`;
  return undefined;
}

/**
 * Fills the empty `index` from the snapshot at `path` when it was taken at `generation` (the value
 * libSQL holds now) in this format, its size adds up and its CRC matches; otherwise the index is left
 * empty and the reason returned. `onChunk(loaded, total)` runs after each range of rows.
 */
export async function readSnapshot(
  path: string,
  index: EmbeddingIndex,
  generation: number,
  onChunk?: (loaded: number, total: number) => void,
): Promise<SnapshotOutcome> {
  let fd: number;
  let handed = false;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { skipped: 'no snapshot' };
  }
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    if (fstatSync(fd).size < HEADER_BYTES) return { skipped: 'truncated header' };
    readExactly(fd, head, 0);
    const h = decodeHeader(head);
    const wrong = check(h, index, generation);
    if (wrong || !h) return { skipped: wrong ?? 'not a snapshot' };
    const at = sectionsOf(h);
    if (fstatSync(fd).size !== at.end) return { skipped: `size ${fstatSync(fd).size}, not ${at.end}` };
    // The table (small) is read whole; the compact rows straight into the index's shared memory.
    const front = Buffer.allocUnsafe(at.f32 - HEADER_BYTES - h.codeBytes);
    readExactly(fd, front.subarray(0, at.codes - HEADER_BYTES), HEADER_BYTES);
    readExactly(fd, front.subarray(at.codes - HEADER_BYTES), at.codes + h.codeBytes);
    let crc = crc32(front.subarray(0, at.codes - HEADER_BYTES), crc32(head.subarray(0, CRC_START)));
    const view = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, offset: number, n: number): T =>
      make(front.buffer as ArrayBuffer, front.byteOffset + offset - HEADER_BYTES, n);
    const rows = h.rows;
    const saved: SavedIndex = {
      format: h.format,
      maxScale: h.maxScale,
      maxResidual: h.maxResidual,
      speakers: {
        idLength: view((b, o, n) => new Uint16Array(b, o, n), at.idLength, rows),
        nameLength: view((b, o, n) => new Uint16Array(b, o, n), at.nameLength, rows),
        hash: view((b, o, n) => new Uint32Array(b, o, n), at.hash, rows),
        samples: view((b, o, n) => new Uint32Array(b, o, n), at.samples, rows),
        arena: view((b, o, n) => new Uint8Array(b, o, n), at.arena, h.arenaBytes),
      },
      codes: (into) => {
        readExactly(fd, into, at.codes);
        crc = crc32(into, crc);
      },
    };
    // The row file reads the f32 rows in place through this descriptor, which it owns from here on
    // (the inode stays if the snapshot is replaced or removed later); here they are only checksummed.
    index.restore(saved, { fd, offset: at.f32, rows });
    handed = true;
    crc = crc32(front.subarray(at.codes - HEADER_BYTES), crc);
    const chunk = Buffer.allocUnsafe(CHUNK_ROWS * h.dim * 4);
    for (let first = 0; first < rows; first += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows - first);
      const bytes = chunk.subarray(0, count * h.dim * 4);
      readExactly(fd, bytes, at.f32 + first * h.dim * 4);
      crc = crc32(bytes, crc);
      onChunk?.(first + count, rows);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (crc >>> 0 !== h.crc) {
      index.clear();
      return { skipped: 'checksum mismatch' };
    }
    return { loaded: rows };
  } catch (error) {
    index.clear();
    return { skipped: `unreadable: ${String(error)}` };
  } finally {
    if (!handed) closeSync(fd);
  }
}
