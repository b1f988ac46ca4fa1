// The kernel interface that dense, conv2d and pooling layers call. The plain TypeScript kernel
// (gemm.ts) is the reference; faster ones (WebAssembly, threads) implement the same contract, and
// every optional step falls back to the reference when a kernel lacks it.

import type { Float } from '../tensor.js';
import type { Window2d } from './window2d.js';

/** The scalars of one Adam/AdamW step, as optimizers/adam.ts and adamw.ts compute them (in double). */
export interface AdamStepScalars {
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** lr / (1 - β1^t) */
  stepSize: number;
  /** sqrt(1 - β2^t) */
  correction2Sqrt: number;
  epsilon: number;
  /** Adam: d = g + gradientDecay·p (0: d = g exactly). */
  gradientDecay: number;
  /** AdamW: p ← p·parameterDecay first (1 - lr·wd), moments from g alone; null for Adam. */
  parameterDecay: number | null;
}

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
  /**
   * Optional: where new float32 buffers live. The WebAssembly kernel places them in its own memory so
   * that gemm, im2col and col2im work on them in place, without copies.
   */
  allocateFloat32?(length: number): Float32Array;
  /** Optional faster im2col / col2im (same contract as ./im2col.ts); conv2d uses the reference otherwise. */
  im2col?(x: Float, xOffset: number, images: number, g: Window2d, cols: Float): void;
  col2im?(dcols: Float, images: number, g: Window2d, dx: Float, dxOffset: number): void;
  /**
   * Optional fused element-wise steps of dense and conv2d, each bit-identical to the reference code
   * (up to the sign of zero). They return false for buffers they cannot take; the caller then runs the
   * reference. biasRelu: z[r, j] += bias[j] (no bias: null), then y = relu(z) (y null: no activation),
   * for `rows` rows of `width` starting at element `offset` of z and y.
   */
  biasRelu?(z: Float, offset: number, bias: Float | null, rows: number, width: number, y: Float | null): boolean;
  /**
   * gemm (C = op(A)·B, overwriting C) with biasRelu's step fused into it, y laid out as C (from
   * element cOffset). False when it cannot; it has then written nothing.
   */
  gemmBiasRelu?(
    transA: boolean, m: number, n: number, k: number,
    a: Float, aOffset: number, lda: number, b: Float, bOffset: number, ldb: number,
    c: Float, cOffset: number, ldc: number, bias: Float | null, y: Float | null,
  ): boolean;
  /** dz = z > 0 ? dy : 0. */
  reluBackward?(dy: Float, z: Float, dz: Float, length: number): boolean;
  /** out[j] = Σ_r x[r, j] (the bias gradient). */
  sumRows?(x: Float, out: Float, rows: number, width: number): boolean;
  /**
   * Optional im2col into the transposed layout (patch element-major, rows of length `ld`), which one
   * channel images fill with long runs; false when it cannot (conv2d then uses im2col).
   */
  im2colTransposed?(x: Float, xOffset: number, images: number, g: Window2d, cols: Float, ld: number): boolean;
  /** Max pooling forward, y only (backward finds each window's first maximum again in x). */
  maxPool?(x: Float, batch: number, g: Window2d, y: Float): boolean;
  /** dx = 0, then grad[o] is added at the first maximum of output o's window in x. */
  maxPoolBackward?(x: Float, grad: Float, batch: number, g: Window2d, dx: Float): boolean;
  /**
   * Optional: one Adam (or AdamW) step over a parameter in place, bit-identical to the TypeScript
   * loop of optimizers/adam.ts (adamw.ts); false when it cannot (the optimizer then runs that loop).
   */
  adamStep?(p: Float, g: Float, m: Float, v: Float, s: AdamStepScalars): boolean;
  /** Optional: whether every value is finite (the trainer's divergence checks); null when it cannot take the buffer. */
  allFinite?(x: Float): boolean | null;
}
