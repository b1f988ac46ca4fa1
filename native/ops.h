// The native kernel's element-wise and convolution helpers: scalar C ports of assembly/gemm.ts's
// (the WebAssembly kernel's) functions with the same arithmetic in the same order, so the results
// are bit-identical to it and to the TypeScript reference (compiled with -ffp-contract=off: no
// multiply-add is fused behind our back). The caller (addon.c) has checked every span.
#ifndef NN_OPS_H
#define NN_OPS_H

/** A 2-D window over channels-last images (src/engine/kernels/window2d.ts) and the image count. */
typedef struct {
  int batch, inH, inW, channels, kH, kW, strideH, strideW, padTop, padLeft, outH, outW;
} nn_window;

/** z[r, j] += bias[j] (bias NULL: none), then y = relu(z) when y is not NULL (NaN stays NaN). */
void nn_bias_relu(float *z, const float *bias, int rows, int width, float *y);
/** dz = z > 0 ? dy : 0. */
void nn_relu_backward(const float *dy, const float *z, float *dz, long length);
/** out[j] = Σ_r x[r, j], row after row. */
void nn_sum_rows(const float *x, float *out, int rows, int width);
/** cols[(n, oy, ox), (ky, kx, c)] = x[n, iy, ix, c], zero outside the image. */
void nn_im2col(const float *x, const nn_window *g, float *cols);
/** The adjoint of im2col (dx zeroed first). */
void nn_col2im(const float *dcols, const nn_window *g, float *dx);
/** im2col transposed for one channel: row (ky, kx) of length ld holds every output pixel. */
void nn_im2col_transposed(const float *x, const nn_window *g, float *cols, long ld);
/** Max pooling: the first maximum of each (clipped, non-empty) window. */
void nn_max_pool(const float *x, const nn_window *g, float *y);
/** dx = 0, then each output's gradient added at its window's first maximum. */
void nn_max_pool_backward(const float *x, const float *grad, const nn_window *g, float *dx);

/** The scalars of one Adam/AdamW step, computed by the caller (src/engine/optimizers) in double. */
typedef struct {
  double oneMinusBeta1, beta2, oneMinusBeta2, stepSize, correction2Sqrt, epsilon;
  /** Adam: added to the gradient as weightDecay·p (0: not at all). */
  double gradientDecay;
  /** AdamW (decoupled): p is first multiplied by this (1 - lr·weightDecay). */
  int decoupled;
  double parameterDecay;
} nn_adam_scalars;

/**
 * One Adam (or AdamW) step over n float32 parameters, in double exactly as the TypeScript loops of
 * adam.ts and adamw.ts (same operations, same order, each array element rounded to float32 where the
 * TypeScript stores it), so the results are bit-identical to them.
 */
void nn_adam_step(float *p, const float *g, float *m, float *v, long n, const nn_adam_scalars *s);

/** 1 when none of the n values is NaN or infinite. */
int nn_all_finite(const float *x, long n);

#endif
