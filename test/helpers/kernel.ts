// The WebAssembly kernel build the engine tests exercise: the test matrix (vitest.config.ts) runs them
// once per build present. KERNEL=wasm-relaxed-simd (with --experimental-wasm-relaxed-simd) selects the
// relaxed-SIMD build, and fails loudly when the runtime does not accept it; otherwise plain SIMD.

import { relaxedSimdAvailable, setKernel, wasmKernel, wasmRelaxedKernel, type MatMulKernel } from '../../src/engine/index.js';

function select(): MatMulKernel {
  if (process.env.KERNEL !== 'wasm-relaxed-simd') return wasmKernel;
  if (!relaxedSimdAvailable()) throw new Error('KERNEL=wasm-relaxed-simd, but this runtime rejects relaxed SIMD (run node with --experimental-wasm-relaxed-simd)');
  return wasmRelaxedKernel;
}

export const SIMD_KERNEL: MatMulKernel = select();

/** Makes SIMD_KERNEL the engine's kernel (setup file of the test matrix, and tests that switched kernels). */
export function useSimdKernel(): void {
  setKernel(SIMD_KERNEL);
}
