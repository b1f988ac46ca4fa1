// Scalar ports of the WebAssembly kernel's helpers (assembly/gemm.ts); see ops.h. The vector code
// there and these loops do the same float operations on each element in the same order.
#include <math.h>
#include <string.h>
#include "ops.h"

static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }

void nn_bias_relu(float *z, const float *bias, int rows, int width, float *y) {
  for (int r = 0; r < rows; r++) {
    float *zr = z + (long)r * width;
    float *yr = y ? y + (long)r * width : NULL;
    for (int j = 0; j < width; j++) {
      float v = zr[j];
      if (bias) {
        v = v + bias[j];
        zr[j] = v;
      }
      if (yr) yr[j] = v < 0 ? 0.0f : v; // as f32x4.pmax(v, 0): NaN stays NaN
    }
  }
}

void nn_relu_backward(const float *dy, const float *z, float *dz, long length) {
  for (long i = 0; i < length; i++) dz[i] = z[i] > 0 ? dy[i] : 0.0f;
}

void nn_sum_rows(const float *x, float *out, int rows, int width) {
  for (int j = 0; j < width; j++) out[j] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * width;
    for (int j = 0; j < width; j++) out[j] = out[j] + xr[j];
  }
}

void nn_im2col(const float *x, const nn_window *g, float *cols) {
  const long C = g->channels, run = (long)g->kW * C, row = (long)g->inW * C, image = (long)g->inH * row;
  float *o = cols;
  for (int n = 0; n < g->batch; n++) {
    const float *img = x + n * image;
    for (int oy = 0; oy < g->outH; oy++) {
      const int iy0 = oy * g->strideH - g->padTop;
      for (int ox = 0; ox < g->outW; ox++) {
        const int x0 = ox * g->strideW - g->padLeft;
        for (int ky = 0; ky < g->kH; ky++) {
          const int iy = iy0 + ky;
          if (iy < 0 || iy >= g->inH) {
            memset(o, 0, (size_t)run * sizeof(float));
          } else if (x0 >= 0 && x0 + g->kW <= g->inW) {
            memcpy(o, img + iy * row + x0 * C, (size_t)run * sizeof(float));
          } else {
            for (int kx = 0; kx < g->kW; kx++) {
              const int ix = x0 + kx;
              float *dst = o + kx * C;
              if (ix < 0 || ix >= g->inW) memset(dst, 0, (size_t)C * sizeof(float));
              else memcpy(dst, img + iy * row + ix * C, (size_t)C * sizeof(float));
            }
          }
          o += run;
        }
      }
    }
  }
}

void nn_col2im(const float *dcols, const nn_window *g, float *dx) {
  const long C = g->channels, image = (long)g->inH * g->inW * C;
  memset(dx, 0, (size_t)(g->batch * image) * sizeof(float));
  const float *o = dcols;
  for (int n = 0; n < g->batch; n++) {
    float *img = dx + n * image;
    for (int oy = 0; oy < g->outH; oy++) {
      for (int ox = 0; ox < g->outW; ox++) {
        const int x0 = ox * g->strideW - g->padLeft;
        for (int ky = 0; ky < g->kH; ky++) {
          const int iy = oy * g->strideH - g->padTop + ky;
          if (iy < 0 || iy >= g->inH) {
            o += g->kW * C;
            continue;
          }
          for (int kx = 0; kx < g->kW; kx++) {
            const int ix = x0 + kx;
            if (ix >= 0 && ix < g->inW) {
              float *dst = img + ((long)iy * g->inW + ix) * C;
              for (long c = 0; c < C; c++) dst[c] = dst[c] + o[c];
            }
            o += C;
          }
        }
      }
    }
  }
}

void nn_im2col_transposed(const float *x, const nn_window *g, float *cols, long ld) {
  const long pixels = (long)g->outH * g->outW;
  for (int n = 0; n < g->batch; n++) {
    const float *img = x + (long)n * g->inH * g->inW;
    for (int ky = 0; ky < g->kH; ky++) {
      for (int kx = 0; kx < g->kW; kx++) {
        float *dst = cols + (long)(ky * g->kW + kx) * ld + n * pixels;
        for (int oy = 0; oy < g->outH; oy++) {
          const int iy = oy * g->strideH - g->padTop + ky;
          for (int ox = 0; ox < g->outW; ox++) {
            const int ix = ox * g->strideW - g->padLeft + kx;
            dst[ox] = iy < 0 || iy >= g->inH || ix < 0 || ix >= g->inW ? 0.0f : img[(long)iy * g->inW + ix];
          }
          dst += g->outW;
        }
      }
    }
  }
}

void nn_max_pool(const float *x, const nn_window *g, float *y) {
  const long C = g->channels, image = (long)g->inH * g->inW * C;
  float *o = y;
  for (int n = 0; n < g->batch; n++) {
    const float *img = x + n * image;
    for (int oy = 0; oy < g->outH; oy++) {
      const int y0 = imax(oy * g->strideH - g->padTop, 0), y1 = imin(oy * g->strideH - g->padTop + g->kH, g->inH);
      for (int ox = 0; ox < g->outW; ox++) {
        const int x0 = imax(ox * g->strideW - g->padLeft, 0), x1 = imin(ox * g->strideW - g->padLeft + g->kW, g->inW);
        const float *first = img + ((long)y0 * g->inW + x0) * C;
        for (long c = 0; c < C; c++) {
          float best = -INFINITY;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const float v = img[((long)iy * g->inW + ix) * C + c];
              if (best < v) best = v; // f32x4.pmax(best, v): a NaN never wins
            }
          }
          *o++ = best == -INFINITY ? first[c] : best;
        }
      }
    }
  }
}

void nn_max_pool_backward(const float *x, const float *grad, const nn_window *g, float *dx) {
  const long C = g->channels, image = (long)g->inH * g->inW * C;
  memset(dx, 0, (size_t)(g->batch * image) * sizeof(float));
  const float *o = grad;
  for (int n = 0; n < g->batch; n++) {
    const float *img = x + n * image;
    float *dimg = dx + n * image;
    for (int oy = 0; oy < g->outH; oy++) {
      const int y0 = imax(oy * g->strideH - g->padTop, 0), y1 = imin(oy * g->strideH - g->padTop + g->kH, g->inH);
      for (int ox = 0; ox < g->outW; ox++) {
        const int x0 = imax(ox * g->strideW - g->padLeft, 0), x1 = imin(ox * g->strideW - g->padLeft + g->kW, g->inW);
        for (long c = 0; c < C; c++) {
          float best = -INFINITY;
          long at = ((long)y0 * g->inW + x0) * C + c;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const long i = ((long)iy * g->inW + ix) * C + c;
              if (img[i] > best) {
                best = img[i];
                at = i;
              }
            }
          }
          dimg[at] = dimg[at] + *o++;
        }
      }
    }
  }
}

void nn_adam_step(float *p, const float *g, float *m, float *v, long n, const nn_adam_scalars *s) {
  for (long i = 0; i < n; i++) {
    double d;
    if (s->decoupled) {
      // adamw.ts: p[i] *= decay (stored: rounded to float32), then the moments from g alone.
      p[i] = (float)((double)p[i] * s->parameterDecay);
      d = g[i];
    } else {
      // adam.ts: d = wd === 0 ? g[i] : g[i] + wd * p[i]
      d = s->gradientDecay == 0 ? (double)g[i] : (double)g[i] + s->gradientDecay * (double)p[i];
    }
    m[i] = (float)((double)m[i] + s->oneMinusBeta1 * (d - (double)m[i]));
    v[i] = (float)(s->beta2 * (double)v[i] + s->oneMinusBeta2 * d * d);
    p[i] = (float)((double)p[i] - (s->stepSize * (double)m[i]) / (sqrt((double)v[i]) / s->correction2Sqrt + s->epsilon));
  }
}
