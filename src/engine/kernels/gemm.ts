// The reference matrix multiply in plain TypeScript. Loops are ordered so the innermost one walks
// memory contiguously for each transpose case, and four rows of C are computed together so each
// loaded row of B is used four times (register blocking); this is the hot loop of the whole engine.

import type { Float } from '../tensor.js';
import type { MatMulKernel } from './matmul-kernel.js';

export const typescriptKernel: MatMulKernel = {
  name: 'typescript',
  gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate) {
    if (!accumulate) {
      for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    }
    if (transB) gemmTransB(transA, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    else gemmPlainB(transA, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
  },
};

/** C += op(A) · B with B stored k x n: broadcast A's element, stream a row of B into a row of C. */
function gemmPlainB(
  transA: boolean, m: number, n: number, k: number,
  a: Float, aOff: number, lda: number, b: Float, bOff: number, ldb: number,
  c: Float, cOff: number, ldc: number,
): void {
  // A(i, p) lives at aOff + i*lda + p, or aOff + p*lda + i when transposed.
  const rowStride = transA ? 1 : lda;
  const colStride = transA ? lda : 1;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = cOff + i * ldc;
    const c1 = c0 + ldc;
    const c2 = c1 + ldc;
    const c3 = c2 + ldc;
    const a0 = aOff + i * rowStride;
    for (let p = 0; p < k; p++) {
      const ap = a0 + p * colStride;
      const x0 = a[ap];
      const x1 = a[ap + rowStride];
      const x2 = a[ap + 2 * rowStride];
      const x3 = a[ap + 3 * rowStride];
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue; // relu activations are often zero
      const bp = bOff + p * ldb;
      for (let j = 0; j < n; j++) {
        const y = b[bp + j];
        c[c0 + j] += x0 * y;
        c[c1 + j] += x1 * y;
        c[c2 + j] += x2 * y;
        c[c3 + j] += x3 * y;
      }
    }
  }
  for (; i < m; i++) {
    const ci = cOff + i * ldc;
    const ai = aOff + i * rowStride;
    for (let p = 0; p < k; p++) {
      const x = a[ai + p * colStride];
      if (x === 0) continue;
      const bp = bOff + p * ldb;
      for (let j = 0; j < n; j++) c[ci + j] += x * b[bp + j];
    }
  }
}

/** C += op(A) · Bᵀ with B stored n x k: dot products of rows, four columns of C at a time. */
function gemmTransB(
  transA: boolean, m: number, n: number, k: number,
  a: Float, aOff: number, lda: number, b: Float, bOff: number, ldb: number,
  c: Float, cOff: number, ldc: number,
): void {
  const rowStride = transA ? 1 : lda;
  const colStride = transA ? lda : 1;
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * rowStride;
    const ci = cOff + i * ldc;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = bOff + j * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = a[ai + p * colStride];
        s0 += x * b[b0 + p];
        s1 += x * b[b1 + p];
        s2 += x * b[b2 + p];
        s3 += x * b[b3 + p];
      }
      c[ci + j] += s0;
      c[ci + j + 1] += s1;
      c[ci + j + 2] += s2;
      c[ci + j + 3] += s3;
    }
    for (; j < n; j++) {
      const bj = bOff + j * ldb;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p * colStride] * b[bj + p];
      c[ci + j] += s;
    }
  }
}
