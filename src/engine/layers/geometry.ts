// Output size and padding of a sliding window, shared by conv2d and pooling. "same" follows
// Keras/TensorFlow: out = ceil(in / stride), and when the total padding is odd the extra row or
// column goes at the bottom/right. An integer padding pads every side by that many zeros.

import type { Window2d } from '../kernels/window2d.js';
import { describe, specError, type FieldContext, type Pair } from '../spec-fields.js';
import type { Shape } from '../tensor.js';

export type PaddingSpec = 'valid' | 'same' | number;

/** Largest kernel, pool, stride or padding a spec may give. */
export const MAX_WINDOW = 4096;

export interface Window1d {
  out: number;
  /** Padding before the first element (top or left). */
  before: number;
}

/** Returns null when the window does not fit the padded input. */
export function windowGeometry(input: number, kernel: number, stride: number, padding: PaddingSpec): Window1d | null {
  if (padding === 'same') {
    const out = Math.ceil(input / stride);
    const total = Math.max((out - 1) * stride + kernel - input, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const pad = padding === 'valid' ? 0 : padding;
  const span = input + 2 * pad - kernel;
  if (span < 0) return null;
  return { out: Math.floor(span / stride) + 1, before: pad };
}

export function toPair(value: Pair): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/** The window of `kernelField` over an [h, w, c] input; SPEC_INVALID at that field when it does not fit. */
export function window2d(input: Shape, kernel: Pair, strides: Pair, padding: PaddingSpec, ctx: FieldContext, kernelField: string): Window2d {
  const [inH, inW, channels] = input;
  const [kH, kW] = toPair(kernel);
  const [strideH, strideW] = toPair(strides);
  const rows = windowGeometry(inH, kH, strideH, padding);
  const cols = windowGeometry(inW, kW, strideW, padding);
  if (!rows || !cols) {
    throw specError(ctx, kernelField, `${kernelField} ${describe(kernel)} does not fit the ${inH}x${inW} input with padding ${describe(padding)}`);
  }
  return { inH, inW, channels, kH, kW, strideH, strideW, padTop: rows.before, padLeft: cols.before, outH: rows.out, outW: cols.out };
}
