// The kernel the engine tests exercise: the test matrix (vitest.config.ts) runs them once per kernel
// present. KERNEL=wasm-relaxed-simd (with --experimental-wasm-relaxed-simd) selects the relaxed-SIMD
// WebAssembly build, KERNEL=native the native addon (dist/native/nn_native.node); each fails loudly
// when this runtime cannot run it. Otherwise plain SIMD.

import { createNativeKernel, relaxedSimdAvailable, setKernel, wasmKernel, wasmRelaxedKernel, type MatMulKernel } from '../../src/engine/index.js';
import { loadNative } from '../../src/native/load-native.js';

function select(): MatMulKernel {
  if (process.env.KERNEL === 'native') {
    const { binding, reason } = loadNative();
    if (!binding) throw new Error(`KERNEL=native, but ${reason}`);
    return createNativeKernel(binding);
  }
  if (process.env.KERNEL !== 'wasm-relaxed-simd') return wasmKernel;
  if (!relaxedSimdAvailable()) throw new Error('KERNEL=wasm-relaxed-simd, but this runtime rejects relaxed SIMD (run node with --experimental-wasm-relaxed-simd)');
  return wasmRelaxedKernel;
}

/** The kernel of this matrix entry (named SIMD_KERNEL before the native kernel joined the matrix). */
export const SIMD_KERNEL: MatMulKernel = select();

/** Makes SIMD_KERNEL the engine's kernel (setup file of the test matrix, and tests that switched kernels). */
export function useSimdKernel(): void {
  setKernel(SIMD_KERNEL);
}
