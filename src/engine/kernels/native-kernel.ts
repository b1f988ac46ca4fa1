// The native kernel (native/*.c, a Node-API addon) behind the MatMulKernel interface. The engine never
// loads files: the service loads the addon (src/native/load-native.ts) and hands its binding to
// createNativeKernel. Its gemm keeps native/gemm.h's contract (one fused multiply-add chain per element
// in 256-deep blocks), so its bits equal the relaxed-SIMD WebAssembly kernel's on an FMA CPU and a
// row's result never depends on the rest of the batch. It works on any Float32Array in place (no
// allocator, no staging), and so do its C ports of the WebAssembly kernel's helpers (im2col, col2im,
// bias + relu, relu backward, the bias gradient, max pooling; bit-identical to them) and its Adam/AdamW
// step (bit-identical to the optimizers' TypeScript loops). Float64 work
// (gradient checks) goes to the TypeScript reference.

import type { Float } from '../tensor.js';
import { typescriptKernel } from './gemm.js';
import { col2im, im2col } from './im2col.js';
import type { MatMulKernel } from './matmul-kernel.js';
import type { Window2d } from './window2d.js';

type F32 = Float32Array;
/** batch, inH, inW, channels, kH, kW, strideH, strideW, padTop, padLeft, outH, outW. */
type WindowArgs = [number, number, number, number, number, number, number, number, number, number, number, number];

/** What the addon exports (native/addon.c). Each call checks its spans and throws a RangeError outside them. */
export interface NativeBinding {
  info(): { gemm: string };
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: F32, aOffset: number, lda: number, b: F32, bOffset: number, ldb: number,
    c: F32, cOffset: number, ldc: number, accumulate: boolean, bias: F32 | null, y: F32 | null,
  ): void;
  biasRelu(z: F32, offset: number, bias: F32 | null, rows: number, width: number, y: F32 | null): void;
  reluBackward(dy: F32, z: F32, dz: F32, length: number): void;
  sumRows(x: F32, out: F32, rows: number, width: number): void;
  im2col(x: F32, xOffset: number, ...rest: [...WindowArgs, cols: F32]): void;
  col2im(dcols: F32, ...rest: [...WindowArgs, dx: F32, dxOffset: number]): void;
  im2colTransposed(x: F32, xOffset: number, ...rest: [...WindowArgs, cols: F32, ld: number]): void;
  maxPool(x: F32, ...rest: [...WindowArgs, y: F32]): void;
  maxPoolBackward(x: F32, grad: F32, ...rest: [...WindowArgs, dx: F32]): void;
  adamStep(
    p: F32, g: F32, m: F32, v: F32, length: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    stepSize: number, correction2Sqrt: number, epsilon: number, gradientDecay: number, decoupled: boolean, parameterDecay: number,
  ): void;
  allFinite(x: F32, length: number): boolean;
}

function windowArgs(batch: number, g: Window2d): WindowArgs {
  return [batch, g.inH, g.inW, g.channels, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW];
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
    // The helpers below run in C on float32 buffers (same bits as the reference); float64 ones fall back.
    im2col(x, xOffset, images, g, cols) {
      if (isF32(x) && isF32(cols)) binding.im2col(x, xOffset, ...windowArgs(images, g), cols);
      else im2col(x, xOffset, images, g, cols);
    },
    col2im(dcols, images, g, dx, dxOffset) {
      if (isF32(dcols) && isF32(dx)) binding.col2im(dcols, ...windowArgs(images, g), dx, dxOffset);
      else col2im(dcols, images, g, dx, dxOffset);
    },
    biasRelu(z, offset, bias, rows, width, y) {
      if (!(isF32(z) && isF32OrNull(bias) && isF32OrNull(y))) return false;
      binding.biasRelu(z, offset, bias, rows, width, y);
      return true;
    },
    reluBackward(dy, z, dz, length) {
      if (!(isF32(dy) && isF32(z) && isF32(dz))) return false;
      binding.reluBackward(dy, z, dz, length);
      return true;
    },
    sumRows(x, out, rows, width) {
      if (!(isF32(x) && isF32(out))) return false;
      binding.sumRows(x, out, rows, width);
      return true;
    },
    im2colTransposed(x, xOffset, images, g, cols, ld) {
      if (g.channels !== 1 || !(isF32(x) && isF32(cols))) return false;
      binding.im2colTransposed(x, xOffset, ...windowArgs(images, g), cols, ld);
      return true;
    },
    maxPool(x, batch, g, y) {
      if (!(isF32(x) && isF32(y))) return false;
      binding.maxPool(x, ...windowArgs(batch, g), y);
      return true;
    },
    maxPoolBackward(x, grad, batch, g, dx) {
      if (!(isF32(x) && isF32(grad) && isF32(dx))) return false;
      binding.maxPoolBackward(x, grad, ...windowArgs(batch, g), dx);
      return true;
    },
    adamStep(p, g, m, v, s) {
      if (!(isF32(p) && isF32(g) && isF32(m) && isF32(v))) return false;
      binding.adamStep(p, g, m, v, p.length, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.stepSize, s.correction2Sqrt, s.epsilon,
        s.gradientDecay, s.parameterDecay !== null, s.parameterDecay ?? 1);
      return true;
    },
    allFinite(x) {
      return isF32(x) ? binding.allFinite(x, x.length) : null;
    },
  };
}
