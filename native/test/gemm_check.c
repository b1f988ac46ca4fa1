// Build and run (from the repository root):
//   cc -O2 -std=c11 -ffp-contract=off -D_DEFAULT_SOURCE -o /tmp/gemm_check native/gemm_ref.c native/gemm_fast.c native/test/gemm_check.c -lm -lpthread && /tmp/gemm_check
// NN_GEMM_ISA=avx2 /tmp/gemm_check checks the AVX2 path on an AVX-512 machine (=reference: the check's
// own sanity). It also runs clean built with -fsanitize=address,undefined and with -fsanitize=thread.
//
// Checks that nn_gemm_select's implementation equals nn_gemm_ref bit for bit (memcmp of the whole C and
// y buffers, including the gap elements between rows when ldc > n, which both must leave untouched)
// over a grid of small shapes, thousands of random shapes and flag combinations, the project's real
// shapes, 4 threads calling at once, and inputs full of NaN, inf, -0, denormals and overflow. Exits 1
// on the first difference.
//
// Every input span ends exactly at a page boundary followed by an unreadable page, so a read past the
// end of A, B, bias (or a write past C's span) crashes the check instead of passing unseen.
//
// NaN: inputs hold only x86's default NaN (0xffc00000), the one the hardware itself produces (inf - inf,
// 0 * inf). IEEE 754 leaves open which NaN's payload an operation with two NaN operands returns, and
// the reference's operand order is the compiler's; with one NaN bit pattern everywhere, memcmp is
// nevertheless exact. A last, lenient phase mixes in other NaN payloads and counts how often only the
// payload differs (it passes those).
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../gemm.h"

static _Thread_local uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_u64(void) {
  uint64_t x = rng_state;
  x ^= x << 13; x ^= x >> 7; x ^= x << 17;
  return rng_state = x;
}
static int rand_int(int lo, int hi) { return lo + (int)(next_u64() % (uint64_t)(hi - lo + 1)); }
static float rand_unit(void) { return (float)((next_u64() >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f; }

static float bits_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/** The NaNs inputs get: x86's default NaN only, or (the lenient phase) NaNs with other payloads too. */
static _Thread_local int payload_nans;

/** A random value; with probability `special` one of the values that break careless kernels. */
static float rand_value(double special) {
  if ((double)(next_u64() % 1000000) / 1e6 >= special) return rand_unit();
  switch (next_u64() % 9) {
    case 0: return bits_float(payload_nans && next_u64() % 2 ? 0x7fc00000u | (uint32_t)(next_u64() % 0x3fffff) : 0xffc00000u);
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return -0.0f;
    case 4: return 0.0f;
    case 5: return 1e-40f;                   // denormal
    case 6: return -3e38f;                   // overflows once summed
    case 7: return 3e38f;
    default: return rand_unit() * 1e-30f;
  }
}

/** A span of `count` floats ending at a page boundary with an unreadable page after it. */
typedef struct { void *map; size_t map_size; float *data; } guarded;

static guarded guarded_alloc(size_t count) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t bytes = count * sizeof(float);
  size_t pages = (bytes + page - 1) / page + 1;
  guarded g;
  g.map_size = pages * page;
  g.map = mmap(NULL, g.map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (g.map == MAP_FAILED) { perror("mmap"); exit(2); }
  mprotect((char *)g.map + (pages - 1) * page, page, PROT_NONE);
  g.data = (float *)((char *)g.map + (pages - 1) * page - bytes);
  return g;
}
static void guarded_free(guarded g) { munmap(g.map, g.map_size); }

static nn_gemm_fn fast;
static atomic_long cases;
static atomic_long payload_only;  // lenient phase: cases whose only differences are NaN payloads

/** Whether two buffers are equal bit for bit, except that any NaN equals any NaN. */
static int equal_but_nan_payloads(const float *x, const float *y, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (isnan(x[i]) && isnan(y[i])) continue;
    if (memcmp(&x[i], &y[i], 4)) return 0;
  }
  return 1;
}

typedef struct { int transA, transB, m, n, k, lda, ldb, ldc, accumulate, bias, y; double special; } shape;

/** Floats a stored matrix of `rows` rows of `cols` used floats at stride ld spans (0 when empty). */
static size_t span(int rows, int cols, int ld) { return rows && cols ? (size_t)(rows - 1) * ld + cols : 0; }

static void check(shape s) {
  int aRows = s.transA ? s.k : s.m, aCols = s.transA ? s.m : s.k;
  int bRows = s.transB ? s.n : s.k, bCols = s.transB ? s.k : s.n;
  size_t aSpan = span(aRows, aCols, s.lda), bSpan = span(bRows, bCols, s.ldb), cSpan = span(s.m, s.n, s.ldc);
  guarded A = guarded_alloc(aSpan), B = guarded_alloc(bSpan), bias = guarded_alloc((size_t)s.n);
  guarded C1 = guarded_alloc(cSpan), C2 = guarded_alloc(cSpan), Y1 = guarded_alloc(cSpan), Y2 = guarded_alloc(cSpan);
  // Gap elements (past a row's used length) get garbage too: a kernel that reads them changes results.
  for (size_t i = 0; i < aSpan; i++) A.data[i] = rand_value(s.special);
  for (size_t i = 0; i < bSpan; i++) B.data[i] = rand_value(s.special);
  for (int i = 0; i < s.n; i++) bias.data[i] = rand_value(s.special);
  for (size_t i = 0; i < cSpan; i++) C1.data[i] = C2.data[i] = rand_value(s.special);
  for (size_t i = 0; i < cSpan; i++) Y1.data[i] = Y2.data[i] = rand_value(0.5);
  const float *bp = s.bias ? bias.data : NULL;
  nn_gemm_ref(s.transA, s.transB, s.m, s.n, s.k, A.data, s.lda, B.data, s.ldb, C1.data, s.ldc, s.accumulate, bp, s.y ? Y1.data : NULL);
  fast(s.transA, s.transB, s.m, s.n, s.k, A.data, s.lda, B.data, s.ldb, C2.data, s.ldc, s.accumulate, bp, s.y ? Y2.data : NULL);
  int bad = memcmp(C1.data, C2.data, cSpan * sizeof(float)) != 0 || memcmp(Y1.data, Y2.data, cSpan * sizeof(float)) != 0;
  if (bad && payload_nans && equal_but_nan_payloads(C1.data, C2.data, cSpan) && equal_but_nan_payloads(Y1.data, Y2.data, cSpan)) {
    atomic_fetch_add(&payload_only, 1);
    bad = 0;
  }
  if (bad) {
    printf("MISMATCH after %ld cases: transA=%d transB=%d m=%d n=%d k=%d lda=%d ldb=%d ldc=%d accumulate=%d bias=%d y=%d special=%g\n",
           (long)atomic_load(&cases), s.transA, s.transB, s.m, s.n, s.k, s.lda, s.ldb, s.ldc, s.accumulate, s.bias, s.y, s.special);
    int shown = 0;
    for (size_t i = 0; i < cSpan && shown < 8; i++) {
      uint32_t u1, u2, v1, v2;
      memcpy(&u1, &C1.data[i], 4); memcpy(&u2, &C2.data[i], 4); memcpy(&v1, &Y1.data[i], 4); memcpy(&v2, &Y2.data[i], 4);
      if (u1 != u2 || v1 != v2) {
        printf("  [row %zu col %zu] c ref %08x (%g) fast %08x (%g); y ref %08x fast %08x\n", i / s.ldc, i % s.ldc,
               u1, C1.data[i], u2, C2.data[i], v1, v2);
        shown++;
      }
    }
    exit(1);
  }
  guarded_free(A); guarded_free(B); guarded_free(bias);
  guarded_free(C1); guarded_free(C2); guarded_free(Y1); guarded_free(Y2);
  atomic_fetch_add(&cases, 1);
}

/** The shape with its leading dimensions at least the row lengths, sometimes more. */
static shape with_strides(int transA, int transB, int m, int n, int k, int slack, double special) {
  shape s = { transA, transB, m, n, k, 0, 0, 0, rand_int(0, 1), rand_int(0, 1), rand_int(0, 1), special };
  int aCols = transA ? m : k, bCols = transB ? k : n;
  s.lda = (aCols > 0 ? aCols : 1) + (slack ? rand_int(0, 5) : 0);
  s.ldb = (bCols > 0 ? bCols : 1) + (slack ? rand_int(0, 5) : 0);
  s.ldc = (n > 0 ? n : 1) + (slack ? rand_int(0, 5) : 0);
  return s;
}

/** Random shapes; the thread phase runs several of these at once (each thread its own seed). */
static void random_cases(int count) {
  for (int t = 0; t < count; t++) {
    int big = t % 10 == 0;
    int m = rand_int(0, big ? 70 : 30), n = rand_int(0, big ? 140 : 70);
    int k = t % 7 == 0 ? rand_int(257, 800) : rand_int(0, 300);
    double special = t % 3 == 0 ? 0.0 : t % 3 == 1 ? 0.01 : 0.2;
    check(with_strides(rand_int(0, 1), rand_int(0, 1), m, n, k, rand_int(0, 1), special));
  }
}

static void *thread_body(void *seed) {
  rng_state = (uint64_t)(uintptr_t)seed * 0x9e3779b97f4a7c15ull + 1;
  random_cases(500);
  return NULL;
}

int main(void) {
  const char *name;
  fast = nn_gemm_select(&name);
  printf("implementation: %s\n", name);

  // 1. Every small shape and flag combination: tile edges, empty shapes, k = 0 and 1.
  for (int m = 0; m <= 18; m++)
    for (int n = 0; n <= 35; n++)
      for (int tA = 0; tA < 2; tA++)
        for (int tB = 0; tB < 2; tB++) {
          static const int ks[] = { 0, 1, 2, 3, 7 };
          for (int ki = 0; ki < 5; ki++) {
            shape s = with_strides(tA, tB, m, n, ks[ki], rand_int(0, 1), 0.02);
            check(s);
          }
        }
  long grid = cases;
  printf("grid of small shapes: %ld cases\n", grid);

  // 2. Random shapes, including several 256-deep blocks and leading dimensions with slack.
  random_cases(4000);
  printf("random shapes: %ld cases\n", cases - grid);
  long before_threads = cases;

  // 3. Concurrency: 4 threads at once, each with its own packing scratch (allocated on its first call,
  // freed when it exits), must each still get the reference's bits.
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, thread_body, (void *)(uintptr_t)(i + 1));
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  printf("4 concurrent threads: %ld cases\n", cases - before_threads);
  long before = cases;

  // 4. The project's shapes (MLP 784-128-64-10 and the CNN's convs), forward and backward.
  static const int mlp[][2] = { { 784, 128 }, { 128, 64 }, { 64, 10 }, { 256, 10 } };
  static const int batches[] = { 1, 2, 5, 64 };
  for (int l = 0; l < 4; l++)
    for (int bi = 0; bi < 4; bi++) {
      int in = mlp[l][0], out = mlp[l][1], batch = batches[bi];
      check(with_strides(0, 0, batch, out, in, 0, 0.001));   // forward
      check(with_strides(1, 0, in, out, batch, 0, 0.001));   // dW = Xᵀ·dZ
      check(with_strides(0, 1, batch, in, out, 0, 0.001));   // dX = dZ·Wᵀ
    }
  check(with_strides(1, 0, 576, 8, 25, 0, 0.001));   // conv1 forward, transposed patches
  check(with_strides(0, 0, 25, 8, 1152, 0, 0.001));  // conv1 dW, k over several blocks
  check(with_strides(0, 0, 640, 16, 200, 0, 0.001)); // conv2 forward
  check(with_strides(1, 0, 200, 16, 640, 0, 0.001)); // conv2 dW
  check(with_strides(0, 1, 640, 200, 16, 0, 0.001)); // conv2 dcols
  printf("project shapes: %ld cases\n", cases - before);

  // Larger shapes: many panels and row tiles in one call, with slack in every leading dimension.
  before = cases;
  for (int t = 0; t < 40; t++)
    check(with_strides(rand_int(0, 1), rand_int(0, 1), rand_int(60, 200), rand_int(60, 300), rand_int(200, 700), 1, 0.001));
  printf("larger shapes: %ld cases\n", cases - before);

  // 5. NaNs with other payloads: IEEE 754 does not say which of two NaN operands' payloads a result
  // carries, so these cases pass when the only differences are between NaNs; they are counted.
  long strict = cases;
  before = cases;
  payload_nans = 1;
  random_cases(1000);
  payload_nans = 0;
  printf("NaN payloads (lenient): %ld cases, %ld differ only in which NaN payload came out\n", cases - before,
         (long)payload_only);

  printf("PASS: %ld cases bit-identical to nn_gemm_ref, and %ld equal up to NaN payloads\n", strict, cases - strict);
  return 0;
}
