// The native kernel (native/*.c, a Node-API addon) behind the MatMulKernel interface. The engine never
// loads files: the service loads the addon (src/native/load-native.ts) and hands its binding to
// createNativeKernel. Its gemm keeps native/gemm.h's contract (one fused multiply-add chain per element
// in 256-deep blocks), so its bits equal the relaxed-SIMD WebAssembly kernel's on an FMA CPU and a
// row's result never depends on the rest of the batch. It works on any Float32Array in place (no
// allocator, no staging); float64 work (gradient checks) goes to the TypeScript reference.

import type { Float } from '../tensor.js';
import { typescriptKernel } from './gemm.js';
import type { MatMulKernel } from './matmul-kernel.js';

type F32 = Float32Array;

/** What the addon exports (native/addon.c). Each call checks its spans and throws a RangeError outside them. */
export interface NativeBinding {
  info(): { gemm: string };
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: F32, aOffset: number, lda: number, b: F32, bOffset: number, ldb: number,
    c: F32, cOffset: number, ldc: number, accumulate: boolean, bias: F32 | null, y: F32 | null,
  ): void;
}

const isF32 = (x: Float | null): x is F32 => x instanceof Float32Array;
const isF32OrNull = (x: Float | null): x is F32 | null => x === null || x instanceof Float32Array;

export function createNativeKernel(binding: NativeBinding): MatMulKernel {
  const name = `native-${binding.info().gemm}`;
  return {
    name,
    gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate) {
      if (isF32(a) && isF32(b) && isF32(c)) binding.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, null, null);
      else typescriptKernel.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    },
    gemmBiasRelu(transA, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, y) {
      if (!(isF32(a) && isF32(b) && isF32(c) && isF32OrNull(bias) && isF32OrNull(y))) return false;
      binding.gemm(transA, false, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, false, bias, y);
      return true;
    },
  };
}
