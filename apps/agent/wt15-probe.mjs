import Database from 'libsql';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
const path = '/tmp/voicesync-bench-preload-1000000.db';
function read(lo, hi, mode) {
  const db = new Database(path, { readonly: true });
  const s = db.prepare('SELECT speaker_id, name, embedding, total_samples FROM profiles WHERE rowid >= ? AND rowid < ? AND deleted = 0 ORDER BY rowid').raw(mode !== 'obj');
  let t = performance.now(); let n=0; let bytes = 0;
  for (const row of s.iterate(lo, hi)) { n++; bytes += mode==='obj' ? row.embedding.byteLength : row[2].byteLength; }
  db.close();
  return [n, performance.now()-t];
}
if (isMainThread) {
  console.log('1 thread raw', read(0, 1000001, 'raw'));
  console.log('1 thread obj', read(0, 1000001, 'obj'));
  for (const W of [2,3]) {
  const t = performance.now();
  const step = Math.ceil(1000001 / W);
  const rs = await Promise.all(Array.from({length: W}, (_, i) => new Promise(res => { const w = new Worker(new URL(import.meta.url), { workerData: [i*step, (i+1)*step] }); w.on('message', res); })));
  console.log(W, 'workers raw', rs, performance.now()-t);
  }
} else parentPort.postMessage(read(workerData[0], workerData[1], 'raw'));
