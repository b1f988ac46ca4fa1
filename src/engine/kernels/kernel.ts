// The matrix-multiply kernel interface that dense and conv2d layers share. The plain TypeScript
// kernel is the reference; faster ones (WebAssembly, threads) plug in through setKernel without any
// layer changing.

import type { Float } from '../tensor.js';
import { typescriptKernel } from './gemm.js';

export interface MatMulKernel {
  readonly name: string;
  /**
   * Row-major C[m x n] = op(A) · op(B), or += when `accumulate`. op(A) is m x k (A stored k x m when
   * transA), op(B) is k x n (B stored n x k when transB). Leading dimensions are the stored row lengths.
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float, aOffset: number, lda: number,
    b: Float, bOffset: number, ldb: number,
    c: Float, cOffset: number, ldc: number,
    accumulate: boolean,
  ): void;
}

let current: MatMulKernel = typescriptKernel;

export function getKernel(): MatMulKernel {
  return current;
}

export function setKernel(kernel: MatMulKernel): void {
  current = kernel;
}
