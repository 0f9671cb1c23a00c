// Everything the search benchmark times: our backends, the exact-search peers, HNSW, all on one workload.
import hnswlib from 'hnswlib-node';
import { MetricKind, exactSearch } from 'usearch';
import { EmbeddingIndex, type ScoringBackend } from '../../../apps/agent/src/scoring/index.ts';

export interface Workload {
  /** `count` unit rows of `dim` floats, back to back. */
  readonly rows: Float32Array;
  readonly count: number;
  readonly dim: number;
  readonly queries: readonly Float32Array[];
}

export interface Contender {
  readonly name: string;
  readonly detail: string;
  /** Our backends are measured against peers: other libraries installed as bench dev deps. */
  readonly kind: 'ours' | 'peer';
  /** Exact scan (compared for speed) rather than an approximate index (compared for recall too). */
  readonly exact: boolean;
  /** Searches the workload's noisy probes instead of its random queries (recall is checked on those). */
  readonly onProbes?: boolean;
  /** Row indices of the k best for query `q`, best first; only this call is timed. */
  search(q: number, k: number): ArrayLike<number | bigint>;
}

const rowOf = (w: Workload, row: number): Float32Array => w.rows.subarray(row * w.dim, (row + 1) * w.dim);

/** A backend scanning its own RowMatrix, and for the default also the full EmbeddingIndex.search path. */
export function ourContenders(backend: ScoringBackend, w: Workload, withIndex: boolean): Contender[] {
  const matrix = backend.createMatrix(w.dim);
  for (let row = 0; row < w.count; row++) matrix.set(row, rowOf(w, row));
  const ours: Contender[] = [
    {
      name: backend.name,
      detail: backend.engine,
      kind: 'ours',
      exact: true,
      search: (q, k) => backend.topK(matrix, w.queries[q % w.queries.length]!, k).indices,
    },
  ];
  if (!withIndex) return ours;
  const index = new EmbeddingIndex({ backend, dim: w.dim });
  for (let row = 0; row < w.count; row++) index.upsert(String(row), rowOf(w, row));
  ours.push({
    name: `${backend.name} EmbeddingIndex`,
    detail: 'search(): normalise query, map rows to ids',
    kind: 'ours',
    exact: true,
    search: (q, k) => index.search(w.queries[q % w.queries.length]!, k).map((hit) => Number(hit.speakerId)),
  });
  return ours;
}

/** usearch's exact scan and hnswlib's brute force: the exact peers the default must beat. */
export function exactPeers(w: Workload): Contender[] {
  const brute = new hnswlib.BruteforceSearch('ip', w.dim);
  brute.initIndex(w.count);
  for (let row = 0; row < w.count; row++) brute.addPoint(Array.from(rowOf(w, row)), row);
  // hnswlib takes plain arrays; converting the query is the caller's cost, kept out of the timing.
  const arrays = w.queries.map((q) => Array.from(q));
  // usearch reads a subarray from the start of its buffer (byteOffset is ignored), so each query gets its own.
  const standalone = w.queries.map((q) => q.slice());
  return [
    {
      name: 'usearch exactSearch',
      detail: 'MetricKind.IP, 1 thread',
      kind: 'peer',
      exact: true,
      search: (q, k) =>
        exactSearch(w.rows, standalone[q % standalone.length]!, w.dim, k, MetricKind.IP, 1).keys,
    },
    {
      name: 'hnswlib BruteforceSearch',
      detail: "space 'ip'",
      kind: 'peer',
      exact: true,
      search: (q, k) => brute.searchKnn(arrays[q % arrays.length]!, k).neighbors,
    },
  ];
}

/** hnswlib HNSW (M=16, efConstruction=100, ef=64): approximate, so its recall is reported beside speed. */
export function hnswPeer(w: Workload): Contender {
  const hnsw = new hnswlib.HierarchicalNSW('ip', w.dim);
  hnsw.initIndex({ maxElements: w.count, m: 16, efConstruction: 100, randomSeed: 7 });
  for (let row = 0; row < w.count; row++) hnsw.addPoint(Array.from(rowOf(w, row)), row);
  hnsw.setEf(64);
  const arrays = w.queries.map((q) => Array.from(q));
  return {
    name: 'hnswlib HierarchicalNSW',
    detail: 'M=16 efC=100 ef=64',
    kind: 'peer',
    exact: false,
    search: (q, k) => hnsw.searchKnn(arrays[q % arrays.length]!, k).neighbors,
  };
}
