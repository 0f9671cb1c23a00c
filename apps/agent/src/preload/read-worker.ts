// The code of one parallel preload reader: a worker thread with its own read-only libSQL connection.
// Plain JS run with eval (as the scan pool's workers), so it needs no TypeScript loader in any runner.

/** Control words (Int32) shared with the host: the barrier after counting, then each reader's first row. */
export const CONTROL = { go: 0, start: 1 } as const;
/** `go` values: 0 waiting, 1 read your range, 2 stop (a reader saw another state, or failed). */
export const GO = { wait: 0, read: 1, stop: 2 } as const;

export interface ReaderData {
  readonly libsql: string;
  readonly path: string;
  /** SQL condition on rowid selecting this reader's range. */
  readonly range: string;
  readonly lane: number;
  readonly dim: number;
  readonly paddedDim: number;
  readonly stride: number;
  /** The file the unit f32 rows go to, row r at `offset + r * dim * 4`. */
  readonly fd: number;
  readonly offset: number;
  readonly chunkRows: number;
  readonly control: SharedArrayBuffer;
}

/** What a reader posts: its state's count, progress, then its rows' parts (or why it could not). */
export type ReaderMessage =
  | { readonly kind: 'counted'; readonly generation: number; readonly count: number }
  | { readonly kind: 'progress'; readonly rows: number }
  | {
      readonly kind: 'done';
      readonly idLength: Uint16Array;
      readonly nameLength: Uint16Array;
      readonly hash: Uint32Array;
      readonly samples: Uint32Array;
      readonly arena: Uint8Array;
      readonly codes: Uint8Array;
      readonly maxScale: number;
      readonly maxResidual: number;
    }
  | { readonly kind: 'invalid'; readonly reason: string };

// One read transaction (a WAL snapshot) holds the generation, the count and every row read, so the
// rows are exactly libSQL at that generation. The arithmetic is EmbeddingIndex.upsert's, value for
// value (l2normalize, QuantisedRows.set int8, SpeakerTable's FNV-1a hash of UTF-16 units); the
// snapshot tests compare the result with the page-by-page load bit for bit.
export const READER_SOURCE = `
const { workerData: w, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const Database = require(w.libsql);
const control = new Int32Array(w.control);
const db = new Database(w.path, { readonly: true });
const post = (m, transfer) => parentPort.postMessage(m, transfer);
try {
  db.exec('BEGIN');
  const generation = Number(db.prepare('SELECT generation FROM profiles_generation WHERE id = 0').raw(true).get()?.[0] ?? 0);
  const count = Number(db.prepare('SELECT COUNT(*) FROM profiles WHERE deleted = 0 AND ' + w.range).raw(true).get()[0]);
  post({ kind: 'counted', generation, count });
  Atomics.wait(control, ${CONTROL.go}, ${GO.wait});
  if (Atomics.load(control, ${CONTROL.go}) === ${GO.read}) read(count, control[${CONTROL.start} + w.lane]);
} catch (error) {
  post({ kind: 'invalid', reason: String(error) });
} finally {
  db.close();
}

function read(count, first) {
  const { dim, paddedDim, stride } = w;
  const idLength = new Uint16Array(count), nameLength = new Uint16Array(count);
  const hash = new Uint32Array(count), samples = new Uint32Array(count);
  const codes = new Uint8Array(count * stride);
  const bytes = new Int8Array(codes.buffer), scales = new Float32Array(codes.buffer);
  let arena = new Uint8Array(count * 32 + 1024), used = 0;
  const encoder = new TextEncoder();
  const chunk = new Float32Array(w.chunkRows * dim);
  const aligned = new Float32Array(dim);
  let maxScale = 0, maxResidual = 0, row = 0, inChunk = 0;
  const flush = () => {
    const b = new Uint8Array(chunk.buffer, 0, inChunk * dim * 4);
    const at = w.offset + (first + row - inChunk) * dim * 4;
    for (let done = 0; done < b.length; ) done += writeSync(w.fd, b, done, b.length - done, at + done);
    post({ kind: 'progress', rows: inChunk });
    inChunk = 0;
  };
  const rows = db.prepare('SELECT speaker_id, name, embedding, total_samples FROM profiles WHERE deleted = 0 AND ' + w.range + ' ORDER BY rowid').raw(true);
  for (const [rawId, rawName, blob, total] of rows.iterate()) {
    if (row === count) throw new Error('more rows than counted');
    if (!blob || blob.byteLength !== dim * 4) return post({ kind: 'invalid', reason: 'embedding of ' + blob?.byteLength + ' bytes' });
    let values;
    if (blob.byteOffset % 4 === 0) values = new Float32Array(blob.buffer, blob.byteOffset, dim);
    else { new Uint8Array(aligned.buffer).set(blob); values = aligned; }
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += values[i] * values[i];
    if (!Number.isFinite(sum) || sum === 0) return post({ kind: 'invalid', reason: 'embedding not finite or zero' });
    const norm = Math.sqrt(sum);
    const unit = chunk.subarray(inChunk * dim, (inChunk + 1) * dim);
    for (let i = 0; i < dim; i++) unit[i] = values[i] / norm;
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(unit[j]));
    const scale = max === 0 ? 1 : max / 127, inverse = 1 / scale, stored = Math.fround(scale);
    const at = row * stride;
    let residual = 0;
    for (let j = 0; j < dim; j++) {
      const code = Math.round(unit[j] * inverse);
      bytes[at + j] = code;
      residual += (unit[j] - code * stored) ** 2;
    }
    scales[(at + paddedDim) >> 2] = scale;
    maxScale = Math.max(maxScale, stored);
    maxResidual = Math.max(maxResidual, Math.sqrt(residual));
    const id = String(rawId), name = String(rawName);
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    hash[row] = h >>> 0;
    samples[row] = Number(total);
    const room = (id.length + name.length) * 3;
    if (used + room > arena.length) { const next = new Uint8Array((used + room) * 2); next.set(arena.subarray(0, used)); arena = next; }
    idLength[row] = encoder.encodeInto(id, arena.subarray(used)).written;
    nameLength[row] = encoder.encodeInto(name, arena.subarray(used + idLength[row])).written;
    used += idLength[row] + nameLength[row];
    row++;
    if (++inChunk === w.chunkRows) flush();
  }
  if (inChunk > 0) flush();
  if (row !== count) throw new Error('fewer rows than counted');
  db.exec('COMMIT');
  const trimmed = arena.slice(0, used);
  post({ kind: 'done', idLength, nameLength, hash, samples, arena: trimmed, codes, maxScale, maxResidual },
    [idLength.buffer, nameLength.buffer, hash.buffer, samples.buffer, trimmed.buffer, codes.buffer]);
}
`;
