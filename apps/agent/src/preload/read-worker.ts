// The code of one parallel preload reader: a worker thread with its own read-only libSQL connection.
// Plain JS run with eval (as the scan pool's workers), so it needs no TypeScript loader in any runner.

export interface ReaderData {
  readonly libsql: string;
  readonly path: string;
  /** This reader's rows: rowid > after and rowid < before. */
  readonly after: number;
  readonly before: number;
  readonly dim: number;
  readonly paddedDim: number;
  readonly stride: number;
  /** The file the unit f32 rows go to, row r of this reader at byte r * dim * 4. */
  readonly fd: number;
  /** The index's shared compact memory: row r of this reader goes to byte codesAt + r * stride. */
  readonly memory: { readonly buffer: SharedArrayBuffer };
  readonly codesAt: number;
  /** Rows this reader may write there (its rowid span); one more makes it give up. */
  readonly capacity: number;
  /** Rows per query: one row of the query carries this many profiles. */
  readonly batch: number;
  /** The compiled quantised kernel, instantiated over `memory`. */
  readonly module: object;
  /** This reader's own bytes of `memory`: encodeScratchBytes(chunk, dim) from this offset. */
  readonly scratch: number;
  /** Rows per encodeI8 call. */
  readonly chunk: number;
}

/** What a reader posts: progress, then its rows' parts with the generation it read them at. */
export type ReaderMessage =
  | { readonly kind: 'progress'; readonly rows: number }
  | {
      readonly kind: 'done';
      readonly generation: number;
      readonly rows: number;
      readonly idLength: Uint16Array;
      readonly nameLength: Uint16Array;
      readonly hash: Uint32Array;
      readonly samples: Uint32Array;
      readonly arena: Uint8Array;
      readonly maxScale: number;
      readonly maxResidual: number;
    }
  | { readonly kind: 'invalid'; readonly reason: string };

// A query row per `batch` profiles, in rowid order: every embedding of the batch in one blob, ids and
// names NUL-separated in one blob, rowids and sample counts as ASCII, and checks on the embeddings.
// A JS row, string and Buffer per profile cost more than everything else the preload does; this way
// libSQL makes four values per batch. Whatever does not parse (a NUL in a name, a non-integer count,
// an embedding of another size or type) makes the reader give up: the page-by-page load then reports it.
export const BATCH_SQL = `SELECT COUNT(*), MAX(r),
  CAST(group_concat(embedding, '') AS BLOB),
  CAST(group_concat(CAST(speaker_id AS BLOB) || char(0) || CAST(name AS BLOB), char(0)) AS BLOB),
  CAST(group_concat(r || ' ' || total_samples, ' ') AS BLOB),
  SUM(typeof(embedding) <> 'blob' OR length(embedding) <> ?)
  FROM (SELECT rowid AS r, speaker_id, name, embedding, total_samples FROM profiles
    WHERE deleted = 0 AND rowid > ? AND rowid < ? ORDER BY rowid LIMIT ?)`;
// (The parameters: the embedding's byte length, then rowid > ?, rowid < ?, and the batch size.)

// One read transaction (a WAL snapshot) holds the generation and every row read, so the rows are
// exactly libSQL at that generation; the host compares the readers' generations. The arithmetic is
// EmbeddingIndex.upsert's: the kernel's encodeI8 normalises as l2normalize does and encodes with the
// very function QuantisedRows.set calls; the ids' hash is SpeakerTable's FNV-1a of UTF-16 units. The
// snapshot tests compare the result with row-by-row upserts bit for bit.
export const READER_SOURCE = `
const { workerData: w, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const Database = require(w.libsql);
const post = (m, transfer) => parentPort.postMessage(m, transfer);
class Invalid extends Error {}
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Typed arrays for the rowid span (pages are only touched as rows fill them), handed over whole.
let capacity = 0, idLength, nameLength, hash, samples;
let arena = new Uint8Array(1 << 20), used = 0;
function reserve(rows) {
  if (rows <= capacity) return;
  if (rows > w.capacity) throw new Invalid('more rows than the rowid span');
  const next = w.capacity;
  const grow = (old, Make) => { const a = new Make(next); if (old) a.set(old); return a; };
  idLength = grow(idLength, Uint16Array); nameLength = grow(nameLength, Uint16Array);
  hash = grow(hash, Uint32Array); samples = grow(samples, Uint32Array);
  capacity = next;
}
// The kernel's int8 encoding (QuantisedRows.set runs the same function) over the index's memory.
const wasm = new WebAssembly.Instance(w.module, { env: { memory: w.memory } }).exports;
const scratch = new Uint8Array(w.memory.buffer, w.scratch, w.chunk * w.dim * 4);
const results = new Float64Array(w.memory.buffer, w.scratch + w.chunk * w.dim * 4, 2);

// Non-negative or negative decimal integer at text[at...] ending at a space or the end; [value, next].
function integer(text, at) {
  let sign = 1, value = 0, digits = 0;
  if (text[at] === 45) { sign = -1; at++; }
  for (; at < text.length && text[at] !== 32; at++, digits++) {
    const d = text[at] - 48;
    if (d < 0 || d > 9 || digits > 15) throw new Invalid('a rowid or sample count is not a small integer');
    value = value * 10 + d;
  }
  if (digits === 0) throw new Invalid('an empty number');
  return [sign * value, at + 1];
}

function put(fd, out, position) {
  for (let done = 0; done < out.length; ) done += writeSync(fd, out, done, out.length - done, position + done);
}

function readAll(db) {
  const { dim, paddedDim, stride } = w;
  const rowBytes = dim * 4;
  const query = db.prepare(${JSON.stringify(BATCH_SQL)}).raw(true);
  let rows = 0, after = w.after, maxScale = 0, maxResidual = 0;
  for (;;) {
    const [n, last, blob, text, numbers, wrong] = query.get(rowBytes, after, w.before, w.batch);
    if (!n) break;
    if (wrong !== 0 || blob.length !== n * rowBytes)
      throw new Invalid('an embedding is not ' + dim + ' float32 values');
    reserve(rows + n);
    // Normalised and encoded a chunk at a time in this reader's scratch area, whence the unit rows go to the file.
    for (let i = 0; i < n; i += w.chunk) {
      const m = Math.min(w.chunk, n - i);
      scratch.set(blob.subarray(i * rowBytes, (i + m) * rowBytes));
      const bad = wasm.encodeI8(w.scratch, m, dim, 1, w.codesAt + (rows + i) * stride, stride, paddedDim, results.byteOffset);
      if (bad >= 0) throw new Invalid('an embedding is not finite, or zero');
      maxScale = Math.max(maxScale, results[0]);
      maxResidual = Math.max(maxResidual, results[1]);
      put(w.fd, scratch.subarray(0, m * rowBytes), (rows + i) * rowBytes);
    }
    if (used + text.length > arena.length) {
      const next = new Uint8Array(Math.max(arena.length * 2, used + text.length));
      next.set(arena.subarray(0, used));
      arena = next;
    }
    let ascii = true;
    for (let i = 0; i < text.length; i++) if (text[i] > 127) { ascii = false; break; }
    if (!ascii) utf8.decode(text);
    let t = 0, p = 0, previous = after;
    for (let i = 0; i < n; i++) {
      const row = rows + i;
      // The id and the name (UTF-8, NUL-terminated but for the last name) go to the arena as they are.
      const idStart = t;
      while (t < text.length && text[t] !== 0) t++;
      const idEnd = t++;
      const nameStart = t;
      while (t < text.length && text[t] !== 0) t++;
      const nameEnd = t++;
      if (idEnd > text.length || nameEnd > text.length) throw new Invalid('a NUL in an id or name');
      let h = 0x811c9dc5;
      if (ascii) for (let k = idStart; k < idEnd; k++) h = Math.imul(h ^ text[k], 0x01000193);
      else {
        const id = utf8.decode(text.subarray(idStart, idEnd));
        for (let k = 0; k < id.length; k++) h = Math.imul(h ^ id.charCodeAt(k), 0x01000193);
      }
      hash[row] = h >>> 0;
      idLength[row] = idEnd - idStart;
      nameLength[row] = nameEnd - nameStart;
      for (let k = idStart; k < idEnd; k++) arena[used++] = text[k];
      for (let k = nameStart; k < nameEnd; k++) arena[used++] = text[k];
      let rowid;
      [rowid, p] = integer(numbers, p);
      if (!(rowid > previous)) throw new Invalid('rows out of rowid order');
      previous = rowid;
      [samples[row], p] = integer(numbers, p);
    }
    if (t < text.length + 1 || p < numbers.length) throw new Invalid('a NUL in an id or name');
    rows += n;
    after = last;
    post({ kind: 'progress', rows: n });
  }
  return { rows, maxScale, maxResidual };
}

const db = new Database(w.path, { readonly: true, timeout: 5000 });
try {
  db.exec('BEGIN');
  const generation = Number(db.prepare('SELECT generation FROM profiles_generation WHERE id = 0').raw(true).get()?.[0] ?? 0);
  const { rows, maxScale, maxResidual } = readAll(db);
  db.exec('COMMIT');
  reserve(1);
  const trimmed = arena.slice(0, used);
  post({ kind: 'done', generation, rows, idLength, nameLength, hash, samples, arena: trimmed, maxScale, maxResidual },
    [idLength.buffer, nameLength.buffer, hash.buffer, samples.buffer, trimmed.buffer]);
} catch (error) {
  post({ kind: 'invalid', reason: String(error && error.message || error) });
} finally {
  db.close();
}
`;
