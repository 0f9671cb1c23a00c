// Speaker embeddings as unit rows of one contiguous matrix, scored by cosine with a pluggable backend.
import { availableParallelism } from 'node:os';
import type { QuantisedFormat } from '../kernel/quantised.ts';
import { QuantisedRows } from '../kernel/quantised-rows.ts';
import { ScanPool } from '../kernel/scan-pool.ts';
import { checkK, type ScoringBackend, type TopK } from './backend.ts';
import { checkDimension, l2normalize } from './l2-normalize.ts';
import {
  DEFAULT_CANDIDATES,
  type QuantisedSource,
  quantisedTopK,
  quantisedTopKPooled,
} from './quantised-search.ts';
import { type ExactRows, MemoryRows } from './exact-rows.ts';
import { type BaseRows, FileRows } from './file-rows.ts';
import { type SpeakerLabel, SpeakerTable, type SpeakerTableParts } from './speaker-table.ts';

export type { SpeakerLabel } from './speaker-table.ts';

/** Embedding size the voice pipeline produces. */
export const DEFAULT_DIM = 192;

/** Where search leaves the f32 scan; defaults measured in docs/benchmarks-search.md. */
export interface QuantisedSearchOptions {
  /** Encoding of the compact copy; int8 (dim + 4 bytes a row) measured faster than f16. */
  readonly format?: QuantisedFormat;
  /** From this many speakers, search scans the compact copy and re-scores candidates in f32. */
  readonly minRows?: number;
  /** From this many, `searchAsync` splits the scan over worker threads. */
  readonly threadMinRows?: number;
  /** Worker threads for `searchAsync`; default one per core, at most 3. */
  readonly threads?: number;
  /** Fewest candidates the scan hands over (they are scored exactly only until the top-k is proven). */
  readonly candidates?: number;
  /**
   * Where the f32 rows go once the compact copy exists: `file` (an unlinked file read with positioned
   * reads, so they leave process memory) or `memory` (the backend's matrix, as below minRows).
   */
  readonly exactRows?: 'file' | 'memory';
  /** Directory of that file; the system temp dir by default. */
  readonly rowFileDir?: string;
}

export const QUANTISED_DEFAULTS = {
  format: 'int8',
  minRows: 20_000,
  threadMinRows: 50_000,
  threads: Math.min(3, Math.max(1, availableParallelism())),
  candidates: DEFAULT_CANDIDATES,
  exactRows: 'file',
} as const satisfies Omit<Required<QuantisedSearchOptions>, 'rowFileDir'>;

type ResolvedOptions = Omit<Required<QuantisedSearchOptions>, 'rowFileDir'> & { rowFileDir?: string };

export interface EmbeddingIndexOptions {
  readonly backend: ScoringBackend;
  readonly dim?: number;
  /** The compact copy for large indexes; `false` keeps every search on the f32 scan. */
  readonly quantised?: QuantisedSearchOptions | false;
}

/** What an index snapshot saves besides the f32 rows (which `readRows` hands out in ranges). */
export interface SavedIndex {
  readonly format: QuantisedFormat;
  readonly speakers: SpeakerTableParts;
  /** The compact rows' bytes; on restore, a function that fills the index's own memory with them. */
  readonly codes: Uint8Array | ((into: Uint8Array) => void);
  readonly maxScale: number;
  readonly maxResidual: number;
}

export interface SpeakerScore {
  readonly speakerId: string;
  readonly score: number;
}

/**
 * Maps speakerId <-> row. Rows stay contiguous (removal moves the last row into the hole), so a search
 * is one pass of a kernel over `size` rows. From `minRows` speakers a compact int8 copy is scanned and
 * the f32 rows move to a file; every score returned is still the exact f32 cosine.
 *
 * @example
 * const index = new EmbeddingIndex({ backend: await createScoringBackend() });
 * index.upsert('spk-1', embedding, { name: 'Ada', totalSamples: 1 });
 * index.search(probe, 3); // [{ speakerId: 'spk-1', score: 0.93 }, ...]
 */
export class EmbeddingIndex {
  readonly dim: number;
  readonly #backend: ScoringBackend;
  #speakers = new SpeakerTable();
  readonly #quantised: ResolvedOptions | undefined;
  #exact: ExactRows;
  // Built when the index first reaches minRows: a small index never pays for it (nor reserves a shared memory).
  #compact: QuantisedRows | undefined;
  #pool: ScanPool | undefined;

  constructor({ backend, dim = DEFAULT_DIM, quantised = {} }: EmbeddingIndexOptions) {
    checkDimension(dim);
    this.dim = dim;
    this.#backend = backend;
    this.#exact = new MemoryRows(backend, dim);
    if (quantised === false) return;
    this.#quantised = { ...QUANTISED_DEFAULTS, ...quantised };
  }

  /**
   * Bytes of process memory per speaker: f32 rows (0 once they moved to the row file), the compact row,
   * and the speaker table's ids, names and hash slots (spare capacity included).
   */
  get bytesPerSpeaker(): { f32: number; compact: number; table: number } {
    const table = this.size === 0 ? 0 : Math.round(this.#speakers.bytes / this.size);
    return { f32: this.#exact.bytesPerRow, compact: this.#compact?.bytesPerRow ?? 0, table };
  }

  get size(): number {
    return this.#speakers.size;
  }

  has(speakerId: string): boolean {
    return this.#speakers.rowOf(speakerId) >= 0;
  }

  /**
   * Stores the L2-normalised embedding, overwriting the speaker's row in place or appending one; the
   * label (name, sample count) is replaced when given, and empty for a new speaker without one.
   */
  upsert(speakerId: string, embedding: Float32Array, label?: SpeakerLabel): void {
    const unit = l2normalize(embedding, this.dim);
    let row = this.#speakers.rowOf(speakerId);
    if (row < 0) {
      this.#exact.set(this.size, unit);
      row = this.#speakers.append(speakerId, label ?? { name: '', totalSamples: 0 });
    } else {
      this.#exact.set(row, unit);
      if (label) this.#speakers.relabel(row, label);
    }
    this.#compact?.set(row, unit);
    if (!this.#compact && this.#quantised && this.size >= this.#quantised.minRows)
      this.#goLarge(this.#quantised);
  }

  /** Forgets the speaker; returns false if it was not enrolled. */
  remove(speakerId: string): boolean {
    const hole = this.#speakers.rowOf(speakerId);
    if (hole < 0) return false;
    this.#exact.swapRemove(hole);
    this.#compact?.swapRemove(hole);
    this.#speakers.swapRemove(hole);
    return true;
  }

  /** A copy of the stored (unit-length) embedding. */
  get(speakerId: string): Float32Array | undefined {
    const row = this.#speakers.rowOf(speakerId);
    return row < 0 ? undefined : this.#exact.copy(row);
  }

  /** The speaker's name and sample count, as last given to `upsert`. */
  label(speakerId: string): SpeakerLabel | undefined {
    const row = this.#speakers.rowOf(speakerId);
    return row < 0 ? undefined : this.#speakers.labelAt(row);
  }

  /** Every speaker with its label, in row order. */
  *speakers(): Generator<{ speakerId: string } & SpeakerLabel> {
    for (let row = 0; row < this.size; row++) {
      yield { speakerId: this.#speakers.idAt(row), ...this.#speakers.labelAt(row) };
    }
  }

  /** The k most similar speakers to `query` by cosine, best first; ties go to the older row. */
  search(query: Float32Array, k: number): SpeakerScore[] {
    const unit = l2normalize(query, this.dim);
    const compact = this.#compact;
    if (!compact || (this.#exact instanceof MemoryRows && this.size < this.#quantised!.minRows)) {
      return this.#hits(this.#exact.topK(unit, k));
    }
    checkK(k);
    return this.#hits(quantisedTopK(this.#sourceFor(compact, unit, k), unit, k));
  }

  /**
   * The same answer as `search`; from `threadMinRows` speakers the scan runs on worker threads, so the
   * calling thread (the HTTP server) keeps serving while it runs.
   */
  async searchAsync(query: Float32Array, k: number): Promise<SpeakerScore[]> {
    const compact = this.#compact;
    if (!compact || this.size < this.#quantised!.threadMinRows) return this.search(query, k);
    const unit = l2normalize(query, this.dim);
    checkK(k);
    this.#pool ??= new ScanPool(compact, this.#quantised!.threads);
    return this.#hits(await quantisedTopKPooled(this.#sourceFor(compact, unit, k), this.#pool, unit, k));
  }

  /** Cosine of `query` with one speaker (for verify); undefined if the speaker is not enrolled. */
  score(speakerId: string, query: Float32Array): number | undefined {
    const unit = l2normalize(query, this.dim);
    const row = this.#speakers.rowOf(speakerId);
    return row < 0 ? undefined : this.#exact.score(row, unit);
  }

  /** Stops the scan workers and gives back the row file, if any; the index must not be used afterwards. */
  close(): void {
    this.#pool?.close();
    this.#pool = undefined;
    this.#exact.close();
  }

  /** The compact parts, for a snapshot; undefined while small (below minRows, libSQL loads it fast). */
  saved(): (SavedIndex & { readonly codes: Uint8Array }) | undefined {
    const compact = this.#compact;
    if (!compact) return undefined;
    const { maxScale, maxResidual } = compact;
    const format = compact.layout.format;
    return { format, speakers: this.#speakers.toParts(), codes: compact.codeBytes(), maxScale, maxResidual };
  }

  /** What `restore` accepts (format, and the size from which a compact copy pays), or undefined if nothing. */
  get restorable(): { readonly format: QuantisedFormat; readonly minRows: number } | undefined {
    const options = this.#quantised;
    return options?.exactRows === 'file' ? { format: options.format, minRows: options.minRows } : undefined;
  }

  /** Copies f32 unit rows [first, first + out.length / dim) into `out`. */
  readRows(first: number, out: Float32Array): void {
    this.#exact.readRows(first, out);
  }

  /**
   * Fills an empty index from a snapshot: speakers and compact rows from `saved`, f32 unit rows from
   * `base` (whose descriptor the index then owns). The row file reads them there until overwritten.
   * `compact` is the memory to restore the compact rows in (a parallel preload filled it in place).
   */
  restore(
    saved: SavedIndex,
    base: BaseRows | readonly BaseRows[],
    compact = new QuantisedRows(this.dim, saved.format),
  ): void {
    const options = this.#quantised;
    const format = compact.layout.format;
    if (
      this.size !== 0 ||
      !options ||
      format !== options.format ||
      saved.format !== format ||
      options.exactRows !== 'file'
    ) {
      throw new RangeError('a snapshot restores only into an empty index of the same format with a row file');
    }
    const speakers = SpeakerTable.fromParts(saved.speakers);
    const rows = 'fd' in base ? base.rows : base.reduce((n, segment) => n + segment.rows, 0);
    if (rows !== speakers.size) throw new RangeError(`${rows} f32 rows for ${speakers.size} speakers`);
    compact.restore(speakers.size, saved.codes, saved.maxScale, saved.maxResidual);
    this.#exact.close();
    this.#exact = new FileRows(this.#backend, this.dim, options.rowFileDir, base);
    this.#speakers = speakers;
    this.#compact = compact;
  }

  /** Forgets every speaker (a restore that failed half-way starts again from libSQL). */
  clear(): void {
    this.close();
    this.#speakers = new SpeakerTable();
    this.#compact = undefined;
    this.#exact = new MemoryRows(this.#backend, this.dim);
  }

  // Encodes every row so far into a new compact copy (from then on writes keep it in step) and moves
  // the f32 rows out of process memory unless told to keep them.
  #goLarge(options: ResolvedOptions): void {
    const compact = new QuantisedRows(this.dim, options.format);
    const memory = this.#exact as MemoryRows;
    const file =
      options.exactRows === 'file' ? new FileRows(this.#backend, this.dim, options.rowFileDir) : undefined;
    for (let row = 0; row < this.size; row++) {
      compact.set(row, memory.matrix.row(row));
      file?.set(row, memory.matrix.row(row));
    }
    this.#compact = compact;
    if (file) this.#exact = file;
  }

  #sourceFor(compact: QuantisedRows, unit: Float32Array, k: number): QuantisedSource {
    const exact = this.#exact;
    return {
      compact,
      minCandidates: this.#quantised!.candidates,
      exact: (row) => exact.score(row, unit),
      fullScan: () => exact.topK(unit, k),
    };
  }

  #hits({ indices, scores }: TopK): SpeakerScore[] {
    return Array.from(indices, (row, i) => ({ speakerId: this.#speakers.idAt(row), score: scores[i]! }));
  }
}
