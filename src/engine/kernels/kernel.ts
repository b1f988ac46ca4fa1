// Which kernel the layers run on. The plain TypeScript kernel is the reference; faster ones
// (WebAssembly, threads) plug in through setKernel without any layer changing. The default is the
// WebAssembly SIMD kernel, which itself hands float64 work (gradient checks) to the reference;
// setKernel(typescriptKernel) selects the reference for everything.

import type { MatMulKernel } from './matmul-kernel.js';
import { wasmKernel } from './wasm-kernel.js';

let current: MatMulKernel = wasmKernel;

export function getKernel(): MatMulKernel {
  return current;
}

export function setKernel(kernel: MatMulKernel): void {
  current = kernel;
}
