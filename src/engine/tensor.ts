// Storage types. Models compute in float32 (the product); float64 exists so gradient checks can use
// finite differences without float32 rounding noise.

import { getKernel } from './kernels/kernel.js';

export type Precision = 'float32' | 'float64';
export type Float = Float32Array | Float64Array;
export type Shape = readonly number[];

/** A zero-filled buffer. Float32 ones come from the current kernel when it has an allocator (WebAssembly memory). */
export function allocate(precision: Precision, length: number): Float {
  if (precision === 'float64') return new Float64Array(length);
  return getKernel().allocateFloat32?.(length) ?? new Float32Array(length);
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return shape.join('x');
}

/** Grows a scratch buffer only when a bigger batch needs it, so steady-state training allocates nothing. */
export function ensureCapacity(buffer: Float | null, precision: Precision, length: number): Float {
  return buffer !== null && buffer.length >= length ? buffer : allocate(precision, length);
}
