// Which kernel the layers run on. The plain TypeScript kernel is the reference; faster ones
// (WebAssembly, threads) plug in through setKernel without any layer changing. The default is the
// WebAssembly kernel in its relaxed-SIMD build (fused multiply-add) where the runtime accepts relaxed
// SIMD, else its plain-SIMD build (wasmRelaxedKernel falls back by itself and names what runs); it
// hands float64 work (gradient checks) to the reference. setKernel(wasmKernel) selects plain SIMD,
// setKernel(typescriptKernel) the reference for everything.

import type { MatMulKernel } from './matmul-kernel.js';
import { wasmRelaxedKernel } from './wasm-kernel.js';

let current: MatMulKernel = wasmRelaxedKernel;

export function getKernel(): MatMulKernel {
  return current;
}

export function setKernel(kernel: MatMulKernel): void {
  current = kernel;
}
