// The reference implementation of gemm.h's contract: the definition of the bits, not a fast path.
#include <math.h>
#include "gemm.h"

static inline float at(const float *x, int ld, int trans, int row, int col) {
  return trans ? x[(long)col * ld + row] : x[(long)row * ld + col];
}

void nn_gemm_ref(int transA, int transB, int m, int n, int k,
                 const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                 int accumulate, const float *bias, float *y) {
  for (int i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      float *cij = c + (long)i * ldc + j;
      float v = accumulate ? *cij : 0.0f;
      for (int p0 = 0; p0 < k; p0 += NN_KC) {
        int p1 = p0 + NN_KC < k ? p0 + NN_KC : k;
        float acc = 0.0f;
        for (int p = p0; p < p1; p++) acc = fmaf(at(a, lda, transA, i, p), at(b, ldb, transB, p, j), acc);
        v = (p0 == 0 && !accumulate) ? acc : v + acc;
      }
      if (bias) v = v + bias[j];
      *cij = v;
      if (y) y[(long)i * ldc + j] = v < 0 ? 0.0f : v;
    }
  }
}
