// What batchNorm and normalize share: statistics per feature of a flat value or per channel of an
// image (always the last axis of the engine's channels-last data, so a batch is `rows` rows of
// `features` values), the PyTorch index of a per-feature tensor, and per-feature constants shaped
// to broadcast in the inference graph's layout.

import type { GraphLayout } from '../graph.js';
import { sizeOf, type Float, type Shape } from '../tensor.js';
import { chwIndexOfHwc } from './dense.js';
import type { LayerInput } from './layer.js';

/** Features (or channels) of a value of this shape: its last axis. */
export function featuresOf(shape: Shape): number {
  return shape[shape.length - 1];
}

/** Rows of `features` values that `batch` samples of `shape` hold. */
export function rowsOf(shape: Shape, batch: number): number {
  return (batch * sizeOf(shape)) / featuresOf(shape);
}

/**
 * Engine feature index -> PyTorch's. A flat input that a flatten made from an image has its
 * features in (h, w, c) order, PyTorch's BatchNorm1d sees them in (c, h, w) order; otherwise the
 * indices agree (an image's channels are the channels in both).
 */
export function featureTorchIndex(input: LayerInput): ((index: number) => number) | undefined {
  return input.shape.length === 1 && input.flattenedFrom ? chwIndexOfHwc(input.flattenedFrom) : undefined;
}

/**
 * Rows per block of the per-feature loops. They walk one feature's column at a time (a register
 * accumulator and a stride: about 5x faster in V8 than a nested row/feature loop when there are few
 * features), over a block of rows small enough to stay in cache while every column is walked.
 */
export function blockRows(features: number): number {
  return Math.max(1, Math.floor(4096 / features));
}

/** Population mean and variance (divide by rows) per feature, two passes in float64 for accuracy. */
export function featureMoments(x: Float, rows: number, features: number, mean: Float64Array, variance: Float64Array): void {
  mean.fill(0);
  variance.fill(0);
  const step = blockRows(features);
  for (let r0 = 0; r0 < rows; r0 += step) {
    const end = Math.min(rows, r0 + step) * features;
    for (let f = 0; f < features; f++) {
      let sum = 0;
      for (let i = r0 * features + f; i < end; i += features) sum += x[i];
      mean[f] += sum;
    }
  }
  for (let f = 0; f < features; f++) mean[f] /= rows;
  for (let r0 = 0; r0 < rows; r0 += step) {
    const end = Math.min(rows, r0 + step) * features;
    for (let f = 0; f < features; f++) {
      const m = mean[f];
      let sum = 0;
      for (let i = r0 * features + f; i < end; i += features) {
        const d = x[i] - m;
        sum += d * d;
      }
      variance[f] += sum;
    }
  }
  for (let f = 0; f < features; f++) variance[f] /= rows;
}

/**
 * y = (x - center)·scale + shift per feature, in float64, stored in y's precision. Subtracting first
 * (PyTorch's order) keeps a large mean from cancelling against a folded shift.
 */
export function centerScaleShift(x: Float, y: Float, rows: number, features: number, center: Float64Array, scale: Float64Array, shift: Float64Array | null): void {
  const step = blockRows(features);
  for (let r0 = 0; r0 < rows; r0 += step) {
    const end = Math.min(rows, r0 + step) * features;
    for (let f = 0; f < features; f++) {
      const c = center[f];
      const s = scale[f];
      const t = shift ? shift[f] : 0;
      for (let i = r0 * features + f; i < end; i += features) y[i] = (x[i] - c) * s + t;
    }
  }
}

/**
 * A per-feature constant of the inference graph: [C] broadcasts over the last axis (flat values and
 * channels-last images); a channels-first image needs [C, 1, 1].
 */
export function featureConstant(name: string, values: ArrayLike<number>, shape: Shape, layout: GraphLayout) {
  const dims = shape.length === 3 && layout === 'channelsFirst' ? [values.length, 1, 1] : [values.length];
  return { name, dims, data: Float32Array.from(values) };
}
