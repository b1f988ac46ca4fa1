// The fast implementations of gemm.h's contract, and the choice among them at load.
//
// Bits: each element of C is one lane of one vector accumulator whose chain is gemm.h's, fma by fma in
// the same order (see gemm_kernel.inc), so the result equals nn_gemm_ref's for every input and a row's
// bits never depend on the other rows. Nothing reassociates: this file compiles with -ffp-contract=off
// and uses explicit FMA intrinsics only.
//
// Dispatch: the file compiles with plain `cc -O3 -std=c11 -fPIC` (no -m flags); the vector code sits in
// functions with target attributes, and nn_gemm_select runs them only when __builtin_cpu_supports says
// the CPU has the instructions: AVX-512 (F, VL, DQ) + FMA first, else AVX2 + FMA, else (or not x86-64)
// the reference.
//
// Tiles (AVX-512, 32 zmm registers): 12 rows x 32 columns (24 accumulators) for the bulk (8 x 32
// measured the same, ~100-110 GFLOP/s, about 90% of this Zen 4 core's measured FMA peak of 117);
// 8 x 16 for a last panel of 9-16 columns (and n = 16, the CNN's second conv); 8 x 8 in ymm registers
// for <= 8 columns (n = 8, the first conv's dW: a zmm tile would waste half of every FMA, and Zen 4
// runs two ymm FMAs per cycle, so ymm loses nothing); up to 4 x 64 for calls of at most 4 rows
// (batch-1 inference: one row still has 4 independent chains to hide FMA latency, and only the vectors
// a panel needs are computed). And for transA with n <= 8 (the first conv's forward), 32 rows x n with
// a lane per row instead of per column (see rv_tile).
// Row tiles are balanced, so 64 rows run as 11,11,11,11,11,9 rather than 12 x 5 + 4.
//
// Packing: per 256-deep block, B is packed one zero-padded panel at a time (<= 64 KiB: it stays in L1/L2
// while every row tile of the block uses it); a transposed B goes through 8x8 in-register transposes.
// Calls of few rows read a non-transposed B in place (a masked load for the last columns), since
// packing would cost about as much as the multiply. A is never packed: each element is broadcast from
// where it lies, which costs the same for either layout. The zero-padded lanes are never stored: the
// last vector of each row goes through a masked store.
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <pthread.h>

/** The widest packed panel: 4 vectors of 16 floats, NN_KC deep. */
#define PANEL_FLOATS (NN_KC * 64)

// The packing scratch: one per thread (Node worker threads call concurrently), allocated on a thread's
// first call and freed when the thread exits, so the hot path never allocates.
static _Thread_local float *tl_scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;

static void make_scratch_key(void) { scratch_key_ok = pthread_key_create(&scratch_key, free) == 0; }

/** This thread's scratch, or NULL when it cannot be allocated (the caller then uses the reference). */
static float *thread_scratch(void) {
  if (tl_scratch) return tl_scratch;
  pthread_once(&scratch_once, make_scratch_key);
  float *s = aligned_alloc(64, PANEL_FLOATS * sizeof(float));
  if (!s) return NULL;
  if (scratch_key_ok) pthread_setspecific(scratch_key, s);
  tl_scratch = s;
  return s;
}

static inline int min_int(int x, int y) { return x < y ? x : y; }

/**
 * Packs a transposed B's panel: dst[p*nr + jj] = b[(j0+jj)*ldb + p0+p] for jj < cols, zero for
 * cols <= jj < nr. 8x8 blocks go through an in-register transpose (8 loads and 8 stores instead of 64
 * scalar copies); it only moves bits. AVX2 suffices, and every implementation that calls it has AVX2.
 */
static __attribute__((target("avx2"))) void pack_transposed(const float *b, long ldb, int p0, int kc, int j0,
                                                             int cols, int nr, float *dst) {
  int jj = 0;
  for (; jj + 8 <= cols; jj += 8) {
    const float *s = b + (long)(j0 + jj) * ldb + p0;
    int p = 0;
    for (; p + 8 <= kc; p += 8) {
      __m256 r0 = _mm256_loadu_ps(s + p), r1 = _mm256_loadu_ps(s + ldb + p);
      __m256 r2 = _mm256_loadu_ps(s + 2 * ldb + p), r3 = _mm256_loadu_ps(s + 3 * ldb + p);
      __m256 r4 = _mm256_loadu_ps(s + 4 * ldb + p), r5 = _mm256_loadu_ps(s + 5 * ldb + p);
      __m256 r6 = _mm256_loadu_ps(s + 6 * ldb + p), r7 = _mm256_loadu_ps(s + 7 * ldb + p);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
      __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float *d = dst + (long)p * nr + jj;
      _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(d + nr, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(d + 2 * nr, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(d + 3 * nr, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(d + 4 * nr, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(d + 5 * nr, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(d + 6 * nr, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(d + 7 * nr, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
    for (; p < kc; p++)
      for (int q = 0; q < 8; q++) dst[(long)p * nr + jj + q] = s[q * ldb + p];
  }
  for (; jj < cols; jj++) {
    const float *s = b + (long)(j0 + jj) * ldb + p0;
    for (int p = 0; p < kc; p++) dst[(long)p * nr + jj] = s[p];
  }
  if (cols < nr)
    for (int p = 0; p < kc; p++)
      for (int q = cols; q < nr; q++) dst[(long)p * nr + q] = 0.0f;
}

// ---- AVX-512: zmm (16 lanes) ----
#define TGT "avx512f,avx512vl,avx512dq,fma"
#define KN(x) x##_z16
#define V __m512
#define W 16
#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_loadu_ps(p)
#define VLOADM(p, cnt) _mm512_maskz_loadu_ps((__mmask16)((1u << (cnt)) - 1), (p))
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VSTOREM(p, cnt, v) _mm512_mask_storeu_ps((p), (__mmask16)((1u << (cnt)) - 1), (v))
#define VBCAST(p) _mm512_set1_ps(*(p))
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VADD(a, b) _mm512_add_ps((a), (b))
// relu as gemm.h writes it, v < 0 ? 0 : v: an ordered compare, so NaN and -0 pass through unchanged.
#define VRELU(v) _mm512_mask_mov_ps((v), _mm512_cmp_ps_mask((v), _mm512_setzero_ps(), _CMP_LT_OQ), _mm512_setzero_ps())
#include "gemm_kernel.inc"
#undef KN
#undef V
#undef W
#undef VZERO
#undef VLOAD
#undef VLOADM
#undef VSTORE
#undef VSTOREM
#undef VBCAST
#undef VFMA
#undef VADD
#undef VRELU

// ---- AVX-512VL: ymm (8 lanes), for panels of at most 8 columns ----
#define KN(x) x##_y8
#define V __m256
#define W 8
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VLOADM(p, cnt) _mm256_maskz_loadu_ps((__mmask8)((1u << (cnt)) - 1), (p))
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VSTOREM(p, cnt, v) _mm256_mask_storeu_ps((p), (__mmask8)((1u << (cnt)) - 1), (v))
#define VBCAST(p) _mm256_set1_ps(*(p))
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VADD(a, b) _mm256_add_ps((a), (b))
#define VRELU(v) _mm256_mask_mov_ps((v), _mm256_cmp_ps_mask((v), _mm256_setzero_ps(), _CMP_LT_OQ), _mm256_setzero_ps())
#include "gemm_kernel.inc"
#undef TGT
#undef KN
#undef V
#undef W
#undef VZERO
#undef VLOAD
#undef VLOADM
#undef VSTORE
#undef VSTOREM
#undef VBCAST
#undef VFMA
#undef VADD
#undef VRELU

// ---- AVX-512, rows in the vector: a stored-transposed A (transA) times at most 8 columns ----
// The first conv's forward multiply is (rows x 25) · (25 x 8) with A stored 25 x rows (the transposed
// patches). Lanes over columns would need one broadcast load per row and FMA; here a lane is a row:
// A's 16 consecutive rows at depth p are one contiguous vector, each of B's n <= 8 values at depth p is
// one broadcast, so a 32-row tile costs 2 + n loads for 2n FMAs. Each element's chain is still gemm.h's.
// The accumulators (column-major) go through two 8x8 in-register transposes per 16 rows for the
// row-major epilogue.
#define RV_TGT __attribute__((target("avx512f,avx512vl,avx512dq,fma")))

static inline RV_TGT __attribute__((always_inline)) void transpose8x8(__m256 r[8]) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/**
 * Rows [0, rows) (rows <= 16*nh) x columns [0, nc) of C for one depth block. A's row p (depth) starts
 * at a + p*lda (already offset to the tile's first row); op(B)[p][j] is b[p*8 + j] (packed).
 */
static inline RV_TGT __attribute__((always_inline)) void rv_tile(
    const int nc, const int nh, int rows, int kc, const float *a, long lda, const float *b,
    float *c, long ldc, int first, int last, const float *bias, float *y) {
  __m512 acc[2][8];
  for (int h = 0; h < nh; h++)
    for (int j = 0; j < nc; j++) acc[h][j] = _mm512_setzero_ps();
  __mmask16 m0 = rows >= 16 ? 0xffff : (__mmask16)((1u << rows) - 1);
  __mmask16 m1 = rows >= 32 ? 0xffff : rows > 16 ? (__mmask16)((1u << (rows - 16)) - 1) : 0;
  for (int p = 0; p < kc; p++) {
    const float *ap = a + p * lda, *bp = b + p * 8;
    __m512 a0 = _mm512_maskz_loadu_ps(m0, ap);
    __m512 a1 = nh > 1 ? _mm512_maskz_loadu_ps(m1, ap + 16) : a0;
#pragma GCC unroll 8
    for (int j = 0; j < nc; j++) {
      __m512 bj = _mm512_set1_ps(bp[j]);
      acc[0][j] = _mm512_fmadd_ps(a0, bj, acc[0][j]);
      if (nh > 1) acc[1][j] = _mm512_fmadd_ps(a1, bj, acc[1][j]);
    }
  }
  const __mmask8 cm = (__mmask8)((1u << nc) - 1);
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 2
  for (int h = 0; h < nh; h++) {
    __m256 lo[8], hi[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++) {
      __m512 x = j < nc ? acc[h][j] : _mm512_setzero_ps();
      lo[j] = _mm512_castps512_ps256(x);
      hi[j] = _mm512_extractf32x8_ps(x, 1);
    }
    transpose8x8(lo);
    transpose8x8(hi);
#pragma GCC unroll 16
    for (int r = 0; r < 16; r++) {  // unrolled: lo/hi stay registers
      if (h * 16 + r >= rows) break;
      long row = h * 16 + r;
      float *cp = c + row * ldc;
      __m256 x = r < 8 ? lo[r] : hi[r - 8];
      if (!first) x = _mm256_add_ps(_mm256_maskz_loadu_ps(cm, cp), x);
      if (last && bias) x = _mm256_add_ps(x, _mm256_maskz_loadu_ps(cm, bias));
      _mm256_mask_storeu_ps(cp, cm, x);
      if (last && y)
        _mm256_mask_storeu_ps(y + row * ldc, cm,
                              _mm256_mask_mov_ps(x, _mm256_cmp_ps_mask(x, zero, _CMP_LT_OQ), zero));
    }
  }
}

#define RV_CASE(NC) \
  case NC: \
    if (nh == 2) rv_tile(NC, 2, rows, kc, a, lda, b, c, ldc, first, last, bias, y); \
    else rv_tile(NC, 1, rows, kc, a, lda, b, c, ldc, first, last, bias, y); \
    break;

static RV_TGT void rv_dispatch(int nc, int nh, int rows, int kc, const float *a, long lda, const float *b,
                               float *c, long ldc, int first, int last,
                               const float *bias, float *y) {
  switch (nc) { RV_CASE(1) RV_CASE(2) RV_CASE(3) RV_CASE(4) RV_CASE(5) RV_CASE(6) RV_CASE(7) RV_CASE(8) }
}
#undef RV_CASE

/**
 * One depth block of a transA call with n <= 8: B's kc x n block packed to kc rows of 8 (so every
 * broadcast is at a constant offset), then 32-row tiles.
 */
static RV_TGT void rv_block(int transB, int m, int n, int p0, int kc, const float *a, long lda,
                            const float *b, long ldb, float *c, long ldc, int first, int last,
                            const float *bias, float *y, float *scratch) {
  long bsp = transB ? 1 : ldb, bsj = transB ? ldb : 1;
  for (int p = 0; p < kc; p++)
    for (int j = 0; j < n; j++) scratch[p * 8 + j] = b[(long)(p0 + p) * bsp + j * bsj];
  for (int i = 0; i < m; i += 32) {
    int rows = m - i < 32 ? m - i : 32;
    rv_dispatch(n, rows > 16 ? 2 : 1, rows, kc, a + (long)p0 * lda + i, lda, scratch,
                c + (long)i * ldc, ldc, first, last, bias, y ? y + (long)i * ldc : NULL);
  }
}

static void gemm_avx512(int transA, int transB, int m, int n, int k,
                        const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                        int accumulate, const float *bias, float *y) {
  if (m <= 0 || n <= 0) return;
  float *scratch = k > 0 ? thread_scratch() : NULL;
  if (!scratch) {  // k == 0 (no multiply: the reference's loop is the epilogue alone) or no memory
    nn_gemm_ref(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, y);
    return;
  }
  for (int p0 = 0; p0 < k; p0 += NN_KC) {
    int kc = min_int(NN_KC, k - p0);
    int first = p0 == 0 && !accumulate, last = p0 + kc >= k;
    const float *bb = last ? bias : NULL;
    float *yy = last ? y : NULL;
    if (transA && n <= 8 && m > 4) {
      rv_block(transB, m, n, p0, kc, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
      continue;
    }
    if (m <= 4) {
      block_z16(4, 4, transA, transB, m, p0, kc, 0, n, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
      continue;
    }
    int whole = n / 32 * 32, rest = n - whole;
    if (whole) block_z16(2, 12, transA, transB, m, p0, kc, 0, whole, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
    if (rest > 16) block_z16(2, 12, transA, transB, m, p0, kc, whole, n, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
    else if (rest > 8) block_z16(1, 8, transA, transB, m, p0, kc, whole, n, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
    else if (rest > 0) block_y8(1, 8, transA, transB, m, p0, kc, whole, n, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
  }
}
// ---- AVX2 + FMA: ymm (8 lanes), 16 registers, for x86-64 CPUs without AVX-512 ----
#define TGT "avx2,fma"
#define KN(x) x##_a8
#define V __m256
#define W 8
#define AVX2_MASK(cnt) _mm256_cmpgt_epi32(_mm256_set1_epi32(cnt), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VLOADM(p, cnt) _mm256_maskload_ps((p), AVX2_MASK(cnt))
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VSTOREM(p, cnt, v) _mm256_maskstore_ps((p), AVX2_MASK(cnt), (v))
#define VBCAST(p) _mm256_broadcast_ss(p)
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VADD(a, b) _mm256_add_ps((a), (b))
#define VRELU(v) _mm256_blendv_ps((v), _mm256_setzero_ps(), _mm256_cmp_ps((v), _mm256_setzero_ps(), _CMP_LT_OQ))
#include "gemm_kernel.inc"
#undef TGT
#undef KN
#undef V
#undef W
#undef AVX2_MASK
#undef VZERO
#undef VLOAD
#undef VLOADM
#undef VSTORE
#undef VSTOREM
#undef VBCAST
#undef VFMA
#undef VADD
#undef VRELU

/**
 * AVX2 tiles fit 16 ymm registers: 6 rows x 16 columns (12 accumulators) for the bulk, 12 x 8 for a
 * last panel of <= 8 columns, and up to 4 rows x 24 columns for calls of at most 4 rows.
 */
static void gemm_avx2(int transA, int transB, int m, int n, int k,
                      const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                      int accumulate, const float *bias, float *y) {
  if (m <= 0 || n <= 0) return;
  float *scratch = k > 0 ? thread_scratch() : NULL;
  if (!scratch) {
    nn_gemm_ref(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, y);
    return;
  }
  for (int p0 = 0; p0 < k; p0 += NN_KC) {
    int kc = min_int(NN_KC, k - p0);
    int first = p0 == 0 && !accumulate, last = p0 + kc >= k;
    const float *bb = last ? bias : NULL;
    float *yy = last ? y : NULL;
    if (m <= 4) {
      block_a8(3, 4, transA, transB, m, p0, kc, 0, n, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
      continue;
    }
    int whole = n / 16 * 16, rest = n - whole;
    if (whole) block_a8(2, 6, transA, transB, m, p0, kc, 0, whole, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
    if (rest > 8) block_a8(2, 6, transA, transB, m, p0, kc, whole, n, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
    else if (rest > 0) block_a8(1, 12, transA, transB, m, p0, kc, whole, n, a, lda, b, ldb, c, ldc, first, last, bb, yy, scratch);
  }
}
#endif

nn_gemm_fn nn_gemm_select(const char **name) {
  // NN_GEMM_ISA=avx2 or =reference forces a narrower implementation than the CPU could run, so the
  // check and the bench can exercise every path on one machine. Never a wider one.
  const char *force = getenv("NN_GEMM_ISA");
  int allow512 = !force || strcmp(force, "avx512") == 0;
  int allow2 = allow512 || strcmp(force, "avx2") == 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (allow512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma")) {
    *name = "avx512";
    return gemm_avx512;
  }
  if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    *name = "avx2";
    return gemm_avx2;
  }
#else
  (void)allow512;
  (void)allow2;
#endif
  *name = "reference";
  return nn_gemm_ref;
}
