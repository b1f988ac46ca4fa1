// Where the engine's buffers come from: float32 ones from the current kernel when it has an
// allocator (WebAssembly memory, so the kernel works on them in place), and grow-only scratch.

import { getKernel } from './kernels/kernel.js';
import type { Float, Precision } from './tensor.js';

/** A zero-filled buffer. */
export function allocate(precision: Precision, length: number): Float {
  if (precision === 'float64') return new Float64Array(length);
  return getKernel().allocateFloat32?.(length) ?? new Float32Array(length);
}

/** Grows a scratch buffer only when a bigger batch needs it, so steady-state training allocates nothing. */
export function ensureCapacity(buffer: Float | null, precision: Precision, length: number): Float {
  return buffer !== null && buffer.length >= length ? buffer : allocate(precision, length);
}
