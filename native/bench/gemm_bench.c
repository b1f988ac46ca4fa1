// Build and run (from the repository root):
//   cc -O3 -std=c11 -ffp-contract=off -D_DEFAULT_SOURCE -o /tmp/gemm_bench native/gemm_ref.c native/gemm_fast.c native/bench/gemm_bench.c -lm -lpthread -ldl && /tmp/gemm_bench [name filter]
//
// GFLOP/s (2·m·n·k per call) of nn_gemm_select's implementation and of nn_gemm_ref for the project's
// shapes, the median of 5 samples of at least 40 ms each. For comparison only, OpenBLAS's cblas_sgemm on
// one thread when libopenblas.so.0 can be loaded (dlopen: no header or link-time dependency); it does
// plain GEMM (no bias or relu epilogue, no bit-exact contract).
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../gemm.h"

typedef void (*cblas_sgemm_fn)(int order, int transA, int transB, int m, int n, int k, float alpha,
                               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
static cblas_sgemm_fn openblas;

typedef struct { const char *name; int transA, transB, m, n, k, accumulate, epilogue; } shape;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static float *a, *b, *c, *y, *bias;

static void call(int which, nn_gemm_fn fn, const shape *s) {
  int lda = s->transA ? s->m : s->k, ldb = s->transB ? s->k : s->n;
  if (which == 2) {
    openblas(101, s->transA ? 112 : 111, s->transB ? 112 : 111, s->m, s->n, s->k, 1.0f, a, lda, b, ldb,
             s->accumulate ? 1.0f : 0.0f, c, s->n);
  } else {
    fn(s->transA, s->transB, s->m, s->n, s->k, a, lda, b, ldb, c, s->n, s->accumulate,
       s->epilogue ? bias : NULL, s->epilogue ? y : NULL);
  }
}

/** Median GFLOP/s over 5 samples, each repeating the call for at least 40 ms. */
static double gflops(int which, nn_gemm_fn fn, const shape *s) {
  double samples[5];
  double flops = 2.0 * s->m * s->n * s->k;
  call(which, fn, s);  // warm the caches and the scratch
  for (int t = 0; t < 5; t++) {
    long reps = 0;
    double start = now(), elapsed;
    do {
      call(which, fn, s);
      reps++;
    } while ((elapsed = now() - start) < 0.04);
    samples[t] = flops * reps / elapsed * 1e-9;
  }
  qsort(samples, 5, sizeof(double), cmp_double);
  return samples[2];
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;  // run only the shapes whose name contains this
  static const shape shapes[] = {
    { "mlp fwd 784->128 b64 (bias+relu)", 0, 0, 64, 128, 784, 0, 1 },
    { "mlp fwd 128->64 b64 (bias+relu)", 0, 0, 64, 64, 128, 0, 1 },
    { "mlp fwd 64->10 b64 (bias)", 0, 0, 64, 10, 64, 0, 1 },
    { "mlp dW 784x128 k=b64 (tA)", 1, 0, 784, 128, 64, 0, 0 },
    { "mlp dW 128x64 k=b64 (tA)", 1, 0, 128, 64, 64, 0, 0 },
    { "mlp dX b64x128 k=64 (tB)", 0, 1, 64, 128, 64, 0, 0 },
    { "mlp dX b64x64 k=10 (tB)", 0, 1, 64, 64, 10, 0, 0 },
    { "mlp fwd 784->128 b1024", 0, 0, 1024, 128, 784, 0, 1 },
    { "mlp fwd 128->64 b1024", 0, 0, 1024, 64, 128, 0, 1 },
    { "mlp fwd 64->10 b1024", 0, 0, 1024, 10, 64, 0, 1 },
    { "mlp fwd 784->128 b1", 0, 0, 1, 128, 784, 0, 1 },
    { "mlp fwd 128->64 b1", 0, 0, 1, 64, 128, 0, 1 },
    { "mlp fwd 64->10 b1", 0, 0, 1, 10, 64, 0, 1 },
    { "conv1 fwd 10368x8 k=25 (tA)", 1, 0, 10368, 8, 25, 0, 1 },
    { "conv1 dW 25x8 k=10368 (acc)", 0, 0, 25, 8, 10368, 1, 0 },
    { "conv2 fwd 1280x16 k=200", 0, 0, 1280, 16, 200, 0, 1 },
    { "conv2 dW 200x16 k=1280 (tA,acc)", 1, 0, 200, 16, 1280, 1, 0 },
    { "conv2 dcols 1280x200 k=16 (tB)", 0, 1, 1280, 200, 16, 0, 0 },
    { "cnn dense 256->10 b32", 0, 0, 32, 10, 256, 0, 1 },
    { "cnn dense 256->10 b256", 0, 0, 256, 10, 256, 0, 1 },
    { "square 512 (for scale)", 0, 0, 512, 512, 512, 0, 0 },
  };
  size_t most = 0;
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
    const shape *s = &shapes[i];
    size_t ab = (size_t)s->m * s->k + (size_t)s->k * s->n, cn = (size_t)s->m * s->n;
    if (ab > most) most = ab;
    if (cn > most) most = cn;
  }
  a = malloc(most * sizeof(float)); b = malloc(most * sizeof(float));
  c = malloc(most * sizeof(float)); y = malloc(most * sizeof(float)); bias = malloc(4096 * sizeof(float));
  for (size_t i = 0; i < most; i++) { a[i] = (float)(i % 97) * 0.01f - 0.4f; b[i] = (float)(i % 89) * 0.01f - 0.4f; c[i] = 0; }
  for (int i = 0; i < 4096; i++) bias[i] = 0.01f * (i % 7);

  void *lib = dlopen("libopenblas.so.0", RTLD_NOW);
  if (lib) {
    openblas = (cblas_sgemm_fn)dlsym(lib, "cblas_sgemm");
    void (*threads)(int) = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    if (threads) threads(1);
  }
  const char *name;
  nn_gemm_fn fast = nn_gemm_select(&name);
  printf("| shape | %s GFLOP/s | reference GFLOP/s | OpenBLAS 1 thread GFLOP/s |\n|---|---:|---:|---:|\n", name);
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
    const shape *s = &shapes[i];
    if (only && !strstr(s->name, only)) continue;
    double f = gflops(0, fast, s), r = gflops(1, nn_gemm_ref, s);
    if (openblas) printf("| %s | %.1f | %.2f | %.1f |\n", s->name, f, r, gflops(2, NULL, s));
    else printf("| %s | %.1f | %.2f | n/a |\n", s->name, f, r);
    fflush(stdout);
  }
  return 0;
}
