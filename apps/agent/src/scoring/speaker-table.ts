// Speaker ids, names and sample counts per index row, in typed arrays: no JS object or string per speaker.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = 0;

/** A table's rows as flat arrays (what an index snapshot saves); ids and names packed in row order. */
export interface SpeakerTableParts {
  readonly idLength: Uint16Array;
  readonly nameLength: Uint16Array;
  readonly hash: Uint32Array;
  readonly samples: Uint32Array;
  /** Row r's UTF-8 id then name, rows one after another. */
  readonly arena: Uint8Array;
}

/** What the index keeps beside a speaker's row: the display name and the enrolment count. */
export interface SpeakerLabel {
  readonly name: string;
  readonly totalSamples: number;
}

// FNV-1a over UTF-16 code units: hashes a JS string without encoding it first.
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Rows [0, size) each hold an id, a name and a count; ids resolve to rows through an open-addressing
 * table (linear probing, at most half full). At a million speakers this is ~60 bytes a speaker where
 * a Map of strings to objects costs ~250. Removal moves the last row into the hole, as the matrices do.
 *
 * @example
 * const table = new SpeakerTable();
 * const row = table.append('spk-1', { name: 'Ada', totalSamples: 3 });
 * table.rowOf('spk-1'); // row
 */
export class SpeakerTable {
  #size = 0;
  // Per row: where its UTF-8 id (then name) starts in the arena, their lengths, its hash, its count.
  #start = new Uint32Array(16);
  #idLength = new Uint16Array(16);
  #nameLength = new Uint16Array(16);
  #hash = new Uint32Array(16);
  #samples = new Uint32Array(16);
  #arena = new Uint8Array(1024);
  #arenaUsed = 0;
  // row + 1 per slot, EMPTY when free; the length is a power of two.
  #slots = new Int32Array(64);
  #probe = new Uint8Array(256);

  get size(): number {
    return this.#size;
  }

  /** Bytes held, spare capacity included. */
  get bytes(): number {
    return [
      this.#start,
      this.#idLength,
      this.#nameLength,
      this.#hash,
      this.#samples,
      this.#arena,
      this.#slots,
    ]
      .map((array) => array.byteLength)
      .reduce((a, b) => a + b, 0);
  }

  /** The row of `speakerId`, or -1. */
  rowOf(speakerId: string): number {
    const mask = this.#slots.length - 1;
    const bytes = this.#encodeProbe(speakerId);
    for (let slot = hashOf(speakerId) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.#slots[slot]!;
      if (entry === EMPTY) return -1;
      if (this.#idEquals(entry - 1, bytes)) return entry - 1;
    }
  }

  idAt(row: number): string {
    const start = this.#start[row]!;
    return decoder.decode(this.#arena.subarray(start, start + this.#idLength[row]!));
  }

  labelAt(row: number): SpeakerLabel {
    const start = this.#start[row]! + this.#idLength[row]!;
    const name = decoder.decode(this.#arena.subarray(start, start + this.#nameLength[row]!));
    return { name, totalSamples: this.#samples[row]! };
  }

  /** Adds a speaker at row `size` (the caller checked it is new) and returns that row. */
  append(speakerId: string, label: SpeakerLabel): number {
    const row = this.#size;
    if (row === this.#start.length) this.#growRows(row * 2);
    if ((row + 1) * 2 > this.#slots.length) this.#rehash(this.#slots.length * 2);
    this.#size++;
    this.#hash[row] = hashOf(speakerId);
    this.#write(row, speakerId, label);
    this.#place(row);
    return row;
  }

  /** Replaces a row's name and count (its id stays). */
  relabel(row: number, label: SpeakerLabel): void {
    const id = this.#arena.slice(this.#start[row]!, this.#start[row]! + this.#idLength[row]!);
    this.#write(row, decoder.decode(id), label);
  }

  /** Forgets `hole`'s speaker, moving the last row into it. */
  swapRemove(hole: number): void {
    const last = this.#size - 1;
    this.#unplace(hole);
    if (hole !== last) {
      this.#unplace(last);
      this.#start[hole] = this.#start[last]!;
      this.#idLength[hole] = this.#idLength[last]!;
      this.#nameLength[hole] = this.#nameLength[last]!;
      this.#hash[hole] = this.#hash[last]!;
      this.#samples[hole] = this.#samples[last]!;
      this.#size--;
      this.#place(hole);
    } else {
      this.#size--;
    }
  }

  /** Rows [0, size) as flat arrays, the arena compacted into row order. */
  toParts(): SpeakerTableParts {
    this.#compact(0);
    const n = this.#size;
    return {
      idLength: this.#idLength.slice(0, n),
      nameLength: this.#nameLength.slice(0, n),
      hash: this.#hash.slice(0, n),
      samples: this.#samples.slice(0, n),
      arena: this.#arena.slice(0, this.#arenaUsed),
    };
  }

  /** A table holding exactly `parts` (from `toParts`); throws when the lengths do not add up. */
  static fromParts(parts: SpeakerTableParts): SpeakerTable {
    const n = parts.hash.length;
    const table = new SpeakerTable();
    table.#growRows(Math.max(16, n));
    let at = 0;
    for (let row = 0; row < n; row++) {
      table.#start[row] = at;
      at += parts.idLength[row]! + parts.nameLength[row]!;
    }
    const consistent = [parts.idLength, parts.nameLength, parts.samples].every((a) => a.length === n);
    if (!consistent || at !== parts.arena.length) throw new RangeError('speaker table parts do not add up');
    table.#idLength.set(parts.idLength);
    table.#nameLength.set(parts.nameLength);
    table.#hash.set(parts.hash);
    table.#samples.set(parts.samples);
    table.#arena = new Uint8Array(Math.max(1024, at * 2));
    table.#arena.set(parts.arena);
    table.#arenaUsed = at;
    table.#size = n;
    let slots = 64;
    while (slots < n * 2) slots *= 2;
    table.#rehash(slots);
    return table;
  }

  #write(row: number, speakerId: string, { name, totalSamples }: SpeakerLabel): void {
    // Worst case 3 bytes per UTF-16 unit; the arena is compacted or grown before it could overflow.
    const room = (speakerId.length + name.length) * 3;
    if (this.#arenaUsed + room > this.#arena.length) this.#compact(room);
    const at = this.#arenaUsed;
    const id = encoder.encodeInto(speakerId, this.#arena.subarray(at)).written;
    const written = encoder.encodeInto(name, this.#arena.subarray(at + id)).written;
    this.#start[row] = at;
    this.#idLength[row] = id;
    this.#nameLength[row] = written;
    this.#samples[row] = totalSamples;
    this.#arenaUsed = at + id + written;
  }

  // Copies live entries into a fresh arena (dropping removed ones), big enough for `room` more bytes.
  #compact(room: number): void {
    let live = 0;
    for (let row = 0; row < this.#size; row++) live += this.#idLength[row]! + this.#nameLength[row]!;
    const next = new Uint8Array(Math.max(1024, (live + room) * 2));
    let at = 0;
    for (let row = 0; row < this.#size; row++) {
      const start = this.#start[row]!;
      const length = this.#idLength[row]! + this.#nameLength[row]!;
      next.set(this.#arena.subarray(start, start + length), at);
      this.#start[row] = at;
      at += length;
    }
    this.#arena = next;
    this.#arenaUsed = at;
  }

  #growRows(capacity: number): void {
    const grow = <T extends Uint32Array | Uint16Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.#start = grow(this.#start, (n) => new Uint32Array(n));
    this.#idLength = grow(this.#idLength, (n) => new Uint16Array(n));
    this.#nameLength = grow(this.#nameLength, (n) => new Uint16Array(n));
    this.#hash = grow(this.#hash, (n) => new Uint32Array(n));
    this.#samples = grow(this.#samples, (n) => new Uint32Array(n));
  }

  #rehash(slots: number): void {
    this.#slots = new Int32Array(slots);
    for (let row = 0; row < this.#size; row++) this.#place(row);
  }

  #place(row: number): void {
    const mask = this.#slots.length - 1;
    let slot = this.#hash[row]! & mask;
    while (this.#slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.#slots[slot] = row + 1;
  }

  // Backward-shift deletion: later entries of the probe run move up, so lookups never need tombstones.
  #unplace(row: number): void {
    const mask = this.#slots.length - 1;
    let slot = this.#hash[row]! & mask;
    while (this.#slots[slot] !== row + 1) slot = (slot + 1) & mask;
    let hole = slot;
    for (let next = (hole + 1) & mask; this.#slots[next] !== EMPTY; next = (next + 1) & mask) {
      const home = this.#hash[this.#slots[next]! - 1]! & mask;
      // The entry may fill the hole only if its home is not cyclically within (hole, next].
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        this.#slots[hole] = this.#slots[next]!;
        hole = next;
      }
    }
    this.#slots[hole] = EMPTY;
  }

  #encodeProbe(speakerId: string): Uint8Array {
    if (speakerId.length * 3 > this.#probe.length) this.#probe = new Uint8Array(speakerId.length * 3);
    return this.#probe.subarray(0, encoder.encodeInto(speakerId, this.#probe).written);
  }

  #idEquals(row: number, bytes: Uint8Array): boolean {
    if (this.#idLength[row] !== bytes.length) return false;
    const start = this.#start[row]!;
    for (let i = 0; i < bytes.length; i++) if (this.#arena[start + i] !== bytes[i]) return false;
    return true;
  }
}
