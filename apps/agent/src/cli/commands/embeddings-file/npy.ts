// Reads NumPy .npy files of float32/float64 embeddings (one row per embedding), as numpy.save writes them.
import { VoicesyncError } from '@voicesync/core';

const MAGIC = '\x93NUMPY';

function bad(path: string, message: string): VoicesyncError {
  return new VoicesyncError('invalid_usage', `${path}: ${message}`);
}

/** Rows of a 1-D (one embedding) or 2-D C-ordered little-endian float array. */
export function parseNpy(bytes: Uint8Array, path: string): number[][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(0, 6)) !== MAGIC) throw bad(path, 'not a .npy file');
  const major = bytes[6] ?? 0;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4' && descr !== '<f8')
    throw bad(path, `dtype ${descr ?? '?'} is not supported (use float32 or float64)`);
  if (fortran !== 'False') throw bad(path, 'Fortran-ordered arrays are not supported');
  const shape = (shapeText ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (shape.length < 1 || shape.length > 2 || shape.some((n) => !Number.isInteger(n))) {
    throw bad(path, `shape (${shapeText ?? ''}) is not one embedding or a matrix of them`);
  }
  const [rows, dim] = shape.length === 1 ? [1, shape[0] ?? 0] : [shape[0] ?? 0, shape[1] ?? 0];
  const width = descr === '<f4' ? 4 : 8;
  const dataStart = headerStart + headerLength;
  if (bytes.byteLength - dataStart < rows * dim * width)
    throw bad(path, 'file is shorter than its shape says');
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Array<number>(dim);
    for (let i = 0; i < dim; i++) {
      const offset = dataStart + (r * dim + i) * width;
      row[i] = width === 4 ? view.getFloat32(offset, true) : view.getFloat64(offset, true);
    }
    out.push(row);
  }
  return out;
}
