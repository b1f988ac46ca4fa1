// The binary form of a dataset on disk: float32 inputs (count x features, row-major), then int32
// labels (classification) or float32 targets (regression), all little-endian, no header (the record
// has the shapes). Its sha256 is the dataset's `sha256`.

import type { DatasetRecord, DatasetTensors, FeatureStats } from './types.js';

/** Elements in one sample of this shape (1 for `[]`). */
export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function encodeDataset(tensors: DatasetTensors): Uint8Array {
  const parts: ArrayBufferView[] = [tensors.inputs];
  if (tensors.labels) parts.push(tensors.labels);
  if (tensors.targets) parts.push(tensors.targets);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offset);
    offset += p.byteLength;
  }
  return out;
}

/** Copies out of `bytes` so every array owns an aligned buffer that can be transferred to a thread. */
export function decodeDataset(record: DatasetRecord, bytes: Uint8Array): DatasetTensors {
  const features = elementCount(record.inputShape);
  const inputBytes = record.count * features * 4;
  const inputs = new Float32Array(copy(bytes, 0, inputBytes));
  const rest = bytes.byteLength - inputBytes;
  if (record.kind === 'classification') {
    if (rest !== record.count * 4) throw new Error(`dataset ${record.id}: ${rest} label bytes for ${record.count} samples`);
    return { inputs, labels: new Int32Array(copy(bytes, inputBytes, rest)), targets: null };
  }
  const expected = record.count * (record.targetSize ?? 0) * 4;
  if (rest !== expected) throw new Error(`dataset ${record.id}: ${rest} target bytes, expected ${expected}`);
  return { inputs, labels: null, targets: new Float32Array(copy(bytes, inputBytes, rest)) };
}

function copy(bytes: Uint8Array, offset: number, length: number): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + length) as ArrayBuffer;
}

/** One pass, Welford-free: float64 sums are exact enough for float32 data of any size we accept. */
export function featureStats(values: Float32Array): FeatureStats {
  if (values.length === 0) return { min: 0, max: 0, mean: 0, std: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / values.length;
  const variance = Math.max(0, sumSq / values.length - mean * mean);
  return { min, max, mean, std: Math.sqrt(variance) };
}

export function classCounts(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}
