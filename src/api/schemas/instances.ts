// Rows of a model input (predict instances, JSON dataset inputs): each row nested in the input shape
// or flat in its row-major order. One pass over the numbers both checks them and packs them into one
// Float32Array (per-element zod schemas cost 6-30x more: bench/serve-validate.ts); errors still name the
// row and the element (`/instances/7/3/1`) and say what was expected.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ErrorDetail } from '../../errors.js';
import { elementCount } from '../../storage/dataset-codec.js';
import { invalid } from './common.js';

/** Rows with more problems than this report only the first ones. */
const MAX_DETAILS = 10;
/** Rows checked between event-loop yields: 256 rows of 784 numbers take well under a millisecond. */
const ROWS_PER_SLICE = 256;
/** Values are stored and computed as float32: a larger finite double would become Infinity there. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Packed floats allocated before any row is seen; beyond it the buffer grows with the numbers really sent. */
const INITIAL_FLOATS = 1 << 20;

/**
 * Numbers are appended in the order they are walked, which for a valid row is its row-major order.
 * Appending (rather than writing at offsets computed from the shape) means memory follows what the
 * client sent, never what a hostile shape claims (a [100000, 100000, 3] input must not allocate 120 GB).
 */
interface Packing {
  shape: readonly number[];
  size: number;
  out: Float32Array;
  cursor: number;
  details: ErrorDetail[];
}

/**
 * Checks every row against `shape` and packs them; bad rows throw 400 VALIDATION_ERROR naming each
 * offending element. Yields to the event loop every ROWS_PER_SLICE rows so a large batch never
 * stalls other requests (a small one never waits).
 */
export async function packRows(rows: readonly unknown[], shape: readonly number[], prefix: string): Promise<Float32Array> {
  const size = elementCount(shape);
  const total = rows.length * size;
  const packed = packedByReader(rows, size);
  if (packed !== null) return packed;
  const packing: Packing = { shape, size, out: new Float32Array(Math.min(total, INITIAL_FLOATS)), cursor: 0, details: [] };
  for (let i = 0; i < rows.length && packing.details.length < MAX_DETAILS; i++) {
    if (i > 0 && i % ROWS_PER_SLICE === 0) await yieldToEventLoop();
    const row = rows[i];
    const path = `${prefix}/${i}`;
    if (shape.length > 1 && Array.isArray(row) && Array.isArray(row[0])) packNested(packing, row, 0, path);
    else packFlat(packing, row, path);
  }
  if (packing.details.length > 0) invalid(packing.details.slice(0, MAX_DETAILS));
  return packing.out.length === total ? packing.out : packing.out.slice(0, total);
}

/**
 * Rows the body reader packed (number-rows-json.ts) are consecutive views of one buffer, each of the
 * right length: that buffer, viewed whole, is already the answer, with nothing to check or copy.
 */
function packedByReader(rows: readonly unknown[], size: number): Float32Array | null {
  const first = rows[0];
  if (!(first instanceof Float32Array)) return null;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!(row instanceof Float32Array) || row.length !== size || row.buffer !== first.buffer) return null;
    if (row.byteOffset !== first.byteOffset + i * size * Float32Array.BYTES_PER_ELEMENT) return null;
  }
  return new Float32Array(first.buffer, first.byteOffset, rows.length * size);
}

function packFlat(packing: Packing, row: unknown, path: string): void {
  const { size, shape } = packing;
  const isRow = Array.isArray(row) || row instanceof Float32Array;
  if (!isRow || row.length !== size) {
    const received = isRow ? `${row.length} numbers` : describe(row);
    packing.details.push({ path, message: `expected ${size} numbers (flat row of shape [${shape.join(', ')}]), received ${received}` });
    return;
  }
  // Packed by the body reader: numbers already checked against float32's range.
  if (row instanceof Float32Array) appendRow(packing, size).set(row);
  else packNumbers(packing, row, path);
}

/** One dimension of a nested row; the last holds the numbers. */
function packNested(packing: Packing, node: unknown, d: number, path: string): void {
  const { shape } = packing;
  if (!Array.isArray(node) || node.length !== shape[d]) {
    const received = Array.isArray(node) ? `${node.length}` : describe(node);
    packing.details.push({ path, message: `expected ${shape[d]} entries (dimension ${d} of shape [${shape.join(', ')}]), received ${received}` });
    return;
  }
  if (d === shape.length - 1) {
    packNumbers(packing, node, path);
    return;
  }
  for (let j = 0; j < node.length && packing.details.length < MAX_DETAILS; j++) packNested(packing, node[j], d + 1, `${path}/${j}`);
}

/** The next `length` floats of the output, grown if needed. */
function appendRow(packing: Packing, length: number): Float32Array {
  if (packing.cursor + length > packing.out.length) {
    const grown = new Float32Array(Math.max(packing.cursor + length, packing.out.length * 2));
    grown.set(packing.out);
    packing.out = grown;
  }
  const offset = packing.cursor;
  packing.cursor += length;
  return packing.out.subarray(offset, offset + length);
}

function packNumbers(packing: Packing, values: unknown[], path: string): void {
  const out = appendRow(packing, values.length);
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    // The range check also refuses NaN (every comparison with it is false).
    if (typeof v === 'number' && v >= -FLOAT32_MAX && v <= FLOAT32_MAX) {
      out[j] = v;
    } else {
      packing.details.push({
        path: `${path}/${j}`,
        message: typeof v === 'number' ? 'must fit in float32 (magnitude at most 3.4e38)' : `expected a number, received ${describe(v)}`,
      });
      if (packing.details.length >= MAX_DETAILS) return;
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : typeof value === 'object' ? 'an object' : String(typeof value);
}
