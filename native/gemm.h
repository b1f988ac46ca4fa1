// The native kernel's matrix multiply: the contract every implementation in this directory keeps.
//
// Row-major C[m x n] = op(A)[m x k] · op(B)[k x n] (accumulate: C += ...). op(A) is A, or A stored
// k x m when transA; op(B) is B, or B stored n x k when transB. lda/ldb/ldc are the stored row lengths
// (in floats).
//
// Every element of C gets exactly this arithmetic, whatever m, n and the element's position:
//   for each depth block [p0, p0 + NN_KC) of k, from p0 = 0:
//     acc = 0; for p in the block, in order: acc = fmaf(op(A)[i][p], op(B)[p][j], acc)
//     c = (p0 == 0 && !accumulate) ? acc : c + acc
//   k == 0: c = 0 (or unchanged when accumulating).
//   then, when bias != NULL: c = c + bias[j]; stored to C.
//   then, when y != NULL: y[i * ldc + j] = c < 0 ? 0 : c   (relu; NaN stays NaN; y is laid out as C).
// So a row's result never depends on the other rows in the call (batch invariance, which exact dynamic
// batching relies on), and the bits equal the WebAssembly relaxed-SIMD kernel's (assembly/gemm.ts)
// wherever that kernel's multiply-add is fused (every x86-64 CPU with FMA).
#ifndef NN_GEMM_H
#define NN_GEMM_H

#define NN_KC 256

typedef void (*nn_gemm_fn)(int transA, int transB, int m, int n, int k,
                           const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                           int accumulate, const float *bias, float *y);

/** The portable reference (gemm_ref.c): plain loops with fmaf, slow, the definition of the bits. */
void nn_gemm_ref(int transA, int transB, int m, int n, int k,
                 const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                 int accumulate, const float *bias, float *y);

/**
 * The fastest implementation this CPU can run (gemm_fast.c), chosen once at load; never NULL (the
 * reference where nothing faster runs). `name` receives what it is, e.g. "avx512" or "reference".
 */
nn_gemm_fn nn_gemm_select(const char **name);

#endif
