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

/** Population mean and variance (divide by rows) per feature, two passes in float64 for accuracy. */
export function featureMoments(x: Float, rows: number, features: number, mean: Float64Array, variance: Float64Array): void {
  mean.fill(0);
  variance.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * features;
    for (let f = 0; f < features; f++) mean[f] += x[o + f];
  }
  for (let f = 0; f < features; f++) mean[f] /= rows;
  for (let r = 0; r < rows; r++) {
    const o = r * features;
    for (let f = 0; f < features; f++) {
      const d = x[o + f] - mean[f];
      variance[f] += d * d;
    }
  }
  for (let f = 0; f < features; f++) variance[f] /= rows;
}

/**
 * y = (x - center)·scale + shift per feature, in float64, stored in y's precision. Subtracting first
 * (PyTorch's order) keeps a large mean from cancelling against a folded shift.
 */
export function centerScaleShift(x: Float, y: Float, rows: number, features: number, center: Float64Array, scale: Float64Array, shift: Float64Array | null): void {
  for (let r = 0; r < rows; r++) {
    const o = r * features;
    if (shift) for (let f = 0; f < features; f++) y[o + f] = (x[o + f] - center[f]) * scale[f] + shift[f];
    else for (let f = 0; f < features; f++) y[o + f] = (x[o + f] - center[f]) * scale[f];
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
