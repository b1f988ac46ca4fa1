// Output size and padding of a sliding window, shared by conv2d and pooling. "same" follows
// Keras/TensorFlow: out = ceil(in / stride), and when the total padding is odd the extra row or
// column goes at the bottom/right. An integer padding pads every side by that many zeros.

export type PaddingSpec = 'valid' | 'same' | number;

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

export function toPair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}
