// The index snapshot's file layout: a fixed header, then the speaker table, the compact rows, the f32 rows.
import type { QuantisedFormat } from '../kernel/quantised.ts';

/** Bumped whenever the layout or any saved encoding changes: older files are then ignored. */
export const SNAPSHOT_FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
/** Where the CRC sits in the header; the bytes before it are covered by it. */
export const CRC_START = 56;
const MAGIC = 'VSIDXSNP';
const FORMATS: readonly QuantisedFormat[] = ['int8', 'f16'];

/** What the header says; every length below is derived from it, so a short file is caught by size. */
export interface SnapshotHeader {
  readonly version: number;
  readonly dim: number;
  readonly rows: number;
  readonly format: QuantisedFormat;
  /** The profiles_generation value the rows were read at. */
  readonly generation: number;
  readonly maxScale: number;
  readonly maxResidual: number;
  readonly arenaBytes: number;
  readonly codeBytes: number;
  /** CRC-32 of the header's first CRC_START bytes, then of every byte after the header. */
  readonly crc: number;
}

/** Byte offsets of the sections, each aligned to 4 so typed arrays can view them. */
export interface SnapshotSections {
  readonly idLength: number;
  readonly nameLength: number;
  readonly hash: number;
  readonly samples: number;
  readonly arena: number;
  readonly codes: number;
  readonly f32: number;
  readonly end: number;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

export function sectionsOf(
  h: Pick<SnapshotHeader, 'rows' | 'dim' | 'arenaBytes' | 'codeBytes'>,
): SnapshotSections {
  const idLength = HEADER_BYTES;
  const nameLength = idLength + h.rows * 2;
  const hash = align4(nameLength + h.rows * 2);
  const samples = hash + h.rows * 4;
  const arena = samples + h.rows * 4;
  const codes = align4(arena + h.arenaBytes);
  const f32 = align4(codes + h.codeBytes);
  return { idLength, nameLength, hash, samples, arena, codes, f32, end: f32 + h.rows * h.dim * 4 };
}

export function encodeHeader(h: SnapshotHeader): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(MAGIC, 0, 'latin1');
  b.writeUInt32LE(h.version, 8);
  b.writeUInt32LE(h.dim, 12);
  b.writeUInt32LE(h.rows, 16);
  b.writeUInt32LE(FORMATS.indexOf(h.format), 20);
  b.writeDoubleLE(h.generation, 24);
  b.writeDoubleLE(h.maxScale, 32);
  b.writeDoubleLE(h.maxResidual, 40);
  b.writeUInt32LE(h.arenaBytes, 48);
  b.writeUInt32LE(h.codeBytes, 52);
  b.writeUInt32LE(h.crc, CRC_START);
  return b;
}

/** The header, or undefined when the bytes are not a snapshot header at all. */
export function decodeHeader(b: Buffer): SnapshotHeader | undefined {
  if (b.length < HEADER_BYTES || b.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const format = FORMATS[b.readUInt32LE(20)];
  if (!format) return undefined;
  return {
    version: b.readUInt32LE(8),
    dim: b.readUInt32LE(12),
    rows: b.readUInt32LE(16),
    format,
    generation: b.readDoubleLE(24),
    maxScale: b.readDoubleLE(32),
    maxResidual: b.readDoubleLE(40),
    arenaBytes: b.readUInt32LE(48),
    codeBytes: b.readUInt32LE(52),
    crc: b.readUInt32LE(CRC_START),
  };
}

/** The snapshot of the database at `dbPath`: beside it, like its WAL files. */
export const snapshotPathOf = (dbPath: string): string => `${dbPath}.index-snapshot`;
