// Scalar ports of the WebAssembly kernel's helpers (assembly/gemm.ts); see ops.h. The vector code
// there and these loops do the same float operations on each element in the same order.
#include <math.h>
#include <stdint.h>
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
  // dy is read whatever z is: a conditional load would keep the compiler from vectorising the loop.
  for (long i = 0; i < length; i++) {
    const float d = dy[i];
    dz[i] = z[i] > 0 ? d : 0.0f;
  }
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
        // Output columns whose input column ox·sW - padLeft + kx is inside the image: [lo, hi).
        const int shift = kx - g->padLeft;
        const int lo = imin(shift >= 0 ? 0 : (-shift + g->strideW - 1) / g->strideW, g->outW);
        const int hi = g->inW - 1 - shift < 0 ? lo : imax(imin((g->inW - 1 - shift) / g->strideW + 1, g->outW), lo);
        for (int oy = 0; oy < g->outH; oy++) {
          const int iy = oy * g->strideH - g->padTop + ky;
          if (iy < 0 || iy >= g->inH) {
            memset(dst, 0, (size_t)g->outW * sizeof(float));
          } else {
            const float *src = img + (long)iy * g->inW + shift;
            memset(dst, 0, (size_t)lo * sizeof(float));
            if (g->strideW == 1) memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof(float));
            else for (int ox = lo; ox < hi; ox++) dst[ox] = src[(long)ox * g->strideW];
            memset(dst + hi, 0, (size_t)(g->outW - hi) * sizeof(float));
          }
          dst += g->outW;
        }
      }
    }
  }
}

/**
 * Four channels in one vector (GCC/Clang vector extensions: SSE on x86-64, NEON on arm64, plain code
 * elsewhere): max pooling's lanes, as the WebAssembly kernel's f32x4 ones. Selects are bitwise, so a
 * NaN never wins a comparison and ties keep the first element, lane by lane.
 */
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

static inline v4f load4(const float *x) {
  v4f v;
  memcpy(&v, x, sizeof v);
  return v;
}

static inline v4f select4(v4i mask, v4f yes, v4f no) { return (v4f)(((v4i)yes & mask) | ((v4i)no & ~mask)); }

void nn_max_pool(const float *x, const nn_window *g, float *y) {
  const long C = g->channels, image = (long)g->inH * g->inW * C, vectors = C / 4 * 4;
  const v4f lowest = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  float *o = y;
  for (int n = 0; n < g->batch; n++) {
    const float *img = x + n * image;
    for (int oy = 0; oy < g->outH; oy++) {
      const int y0 = imax(oy * g->strideH - g->padTop, 0), y1 = imin(oy * g->strideH - g->padTop + g->kH, g->inH);
      for (int ox = 0; ox < g->outW; ox++) {
        const int x0 = imax(ox * g->strideW - g->padLeft, 0), x1 = imin(ox * g->strideW - g->padLeft + g->kW, g->inW);
        const float *first = img + ((long)y0 * g->inW + x0) * C;
        // Each channel scans its window in the WebAssembly kernel's order: best < v takes v (pmax).
        long c = 0;
        for (; c < vectors; c += 4) {
          v4f best = lowest;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const v4f v = load4(img + ((long)iy * g->inW + ix) * C + c);
              best = select4(best < v, v, best);
            }
          }
          best = select4(best == lowest, load4(first + c), best);
          memcpy(o + c, &best, sizeof best);
        }
        for (; c < C; c++) {
          float best = -INFINITY;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const float v = img[((long)iy * g->inW + ix) * C + c];
              if (best < v) best = v;
            }
          }
          o[c] = best == -INFINITY ? first[c] : best;
        }
        o += C;
      }
    }
  }
}

void nn_max_pool_backward(const float *x, const float *grad, const nn_window *g, float *dx) {
  const long C = g->channels, image = (long)g->inH * g->inW * C, vectors = C / 4 * 4;
  memset(dx, 0, (size_t)(g->batch * image) * sizeof(float));
  const float *o = grad;
  for (int n = 0; n < g->batch; n++) {
    const float *img = x + n * image;
    float *dimg = dx + n * image;
    for (int oy = 0; oy < g->outH; oy++) {
      const int y0 = imax(oy * g->strideH - g->padTop, 0), y1 = imin(oy * g->strideH - g->padTop + g->kH, g->inH);
      for (int ox = 0; ox < g->outW; ox++) {
        const int x0 = imax(ox * g->strideW - g->padLeft, 0), x1 = imin(ox * g->strideW - g->padLeft + g->kW, g->inW);
        // Offsets within one image (addon.c keeps an image under 2^31 floats) of each lane's winner:
        // a lane moves on only to a strictly greater value (ties and NaN keep the first), then each
        // gradient is added at its channel's winner, in channel order, as the WebAssembly kernel.
        const int first = (y0 * g->inW + x0) * (int)C;
        long c = 0;
        for (; c < vectors; c += 4) {
          v4f best = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
          v4i at = {first, first, first, first};
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const int offset = (iy * g->inW + ix) * (int)C;
              const v4f v = load4(img + offset + c);
              const v4i greater = v > best;
              best = select4(greater, v, best);
              at = (at & ~greater) | ((v4i){offset, offset, offset, offset} & greater);
            }
          }
          for (int lane = 0; lane < 4; lane++) {
            float *winner = dimg + at[lane] + c + lane;
            *winner = *winner + o[c + lane];
          }
        }
        for (; c < C; c++) {
          float best = -INFINITY;
          long at = first + c;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const long i = ((long)iy * g->inW + ix) * C + c;
              if (img[i] > best) {
                best = img[i];
                at = i;
              }
            }
          }
          dimg[at] = dimg[at] + o[c];
        }
        o += C;
      }
    }
  }
}

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/**
 * The loop of one step; `decoupled` and `decay` are constants at each call (three variants). Two
 * elements at a time in SSE2 doubles where the CPU has them (every x86-64): the same IEEE operations
 * in the same order as the scalar tail, which the compiler cannot vectorise itself because sqrt may
 * set errno under -std=c11.
 */
static inline void adam_loop(float *p, const float *g, float *m, float *v, long n, const nn_adam_scalars *s,
                             int decoupled, int decay) {
  const double b1 = s->oneMinusBeta1, b2 = s->beta2, ob2 = s->oneMinusBeta2, step = s->stepSize;
  const double c2 = s->correction2Sqrt, eps = s->epsilon, wd = s->gradientDecay, pd = s->parameterDecay;
  long i = 0;
#if defined(__SSE2__)
  const __m128d B1 = _mm_set1_pd(b1), B2 = _mm_set1_pd(b2), OB2 = _mm_set1_pd(ob2), STEP = _mm_set1_pd(step);
  const __m128d C2 = _mm_set1_pd(c2), EPS = _mm_set1_pd(eps), WD = _mm_set1_pd(wd), PD = _mm_set1_pd(pd);
#define LOAD2(x) _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)((x) + i))))
#define ROUND2(x) _mm_cvtps_pd(_mm_cvtpd_ps(x)) /* to float32 and back, as a store and reload */
  for (; i + 2 <= n; i += 2) {
    __m128d pv = LOAD2(p), d = LOAD2(g);
    if (decoupled) pv = ROUND2(_mm_mul_pd(pv, PD));
    else if (decay) d = _mm_add_pd(d, _mm_mul_pd(WD, pv));
    __m128d mv = LOAD2(m), vv = LOAD2(v);
    mv = ROUND2(_mm_add_pd(mv, _mm_mul_pd(B1, _mm_sub_pd(d, mv))));
    vv = ROUND2(_mm_add_pd(_mm_mul_pd(B2, vv), _mm_mul_pd(_mm_mul_pd(OB2, d), d)));
    pv = _mm_sub_pd(pv, _mm_div_pd(_mm_mul_pd(STEP, mv), _mm_add_pd(_mm_div_pd(_mm_sqrt_pd(vv), C2), EPS)));
    _mm_storel_epi64((__m128i *)(m + i), _mm_castps_si128(_mm_cvtpd_ps(mv)));
    _mm_storel_epi64((__m128i *)(v + i), _mm_castps_si128(_mm_cvtpd_ps(vv)));
    _mm_storel_epi64((__m128i *)(p + i), _mm_castps_si128(_mm_cvtpd_ps(pv)));
  }
#undef LOAD2
#undef ROUND2
#endif
  for (; i < n; i++) {
    double d;
    if (decoupled) {
      // adamw.ts: p[i] *= decay (stored: rounded to float32), then the moments from g alone.
      p[i] = (float)((double)p[i] * pd);
      d = g[i];
    } else {
      // adam.ts: d = wd === 0 ? g[i] : g[i] + wd * p[i]
      d = decay ? (double)g[i] + wd * (double)p[i] : (double)g[i];
    }
    m[i] = (float)((double)m[i] + b1 * (d - (double)m[i]));
    v[i] = (float)(b2 * (double)v[i] + ob2 * d * d);
    p[i] = (float)((double)p[i] - (step * (double)m[i]) / (sqrt((double)v[i]) / c2 + eps));
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_ADAM_AVX512 1

/**
 * The same step eight elements at a time in AVX-512 doubles (division and square root dominate it, and
 * they are correctly rounded in every width, so the bits are the scalar loop's). Returns how many
 * elements it did (a multiple of 8); the caller finishes the rest.
 */
__attribute__((target("avx512f"))) static long adam_avx512(float *p, const float *g, float *m, float *v, long n,
                                                          const nn_adam_scalars *s, int decoupled, int decay) {
  const __m512d B1 = _mm512_set1_pd(s->oneMinusBeta1), B2 = _mm512_set1_pd(s->beta2), OB2 = _mm512_set1_pd(s->oneMinusBeta2);
  const __m512d STEP = _mm512_set1_pd(s->stepSize), C2 = _mm512_set1_pd(s->correction2Sqrt), EPS = _mm512_set1_pd(s->epsilon);
  const __m512d WD = _mm512_set1_pd(s->gradientDecay), PD = _mm512_set1_pd(s->parameterDecay);
  long i = 0;
#define LOAD8(x) _mm512_cvtps_pd(_mm256_loadu_ps((x) + i))
#define ROUND8(x) _mm512_cvtps_pd(_mm512_cvtpd_ps(x)) /* to float32 and back, as a store and reload */
  for (; i + 8 <= n; i += 8) {
    __m512d pv = LOAD8(p), d = LOAD8(g);
    if (decoupled) pv = ROUND8(_mm512_mul_pd(pv, PD));
    else if (decay) d = _mm512_add_pd(d, _mm512_mul_pd(WD, pv));
    __m512d mv = LOAD8(m), vv = LOAD8(v);
    mv = ROUND8(_mm512_add_pd(mv, _mm512_mul_pd(B1, _mm512_sub_pd(d, mv))));
    vv = ROUND8(_mm512_add_pd(_mm512_mul_pd(B2, vv), _mm512_mul_pd(_mm512_mul_pd(OB2, d), d)));
    pv = _mm512_sub_pd(pv, _mm512_div_pd(_mm512_mul_pd(STEP, mv), _mm512_add_pd(_mm512_div_pd(_mm512_sqrt_pd(vv), C2), EPS)));
    _mm256_storeu_ps(m + i, _mm512_cvtpd_ps(mv));
    _mm256_storeu_ps(v + i, _mm512_cvtpd_ps(vv));
    _mm256_storeu_ps(p + i, _mm512_cvtpd_ps(pv));
  }
#undef LOAD8
#undef ROUND8
  return i;
}
#endif

void nn_adam_step(float *p, const float *g, float *m, float *v, long n, const nn_adam_scalars *s) {
  const int decoupled = s->decoupled, decay = !decoupled && s->gradientDecay != 0;
  long done = 0;
#ifdef HAVE_ADAM_AVX512
  if (__builtin_cpu_supports("avx512f")) done = adam_avx512(p, g, m, v, n, s, decoupled, decay);
#endif
  p += done, g += done, m += done, v += done, n -= done;
  if (decoupled) adam_loop(p, g, m, v, n, s, 1, 0);
  else if (decay) adam_loop(p, g, m, v, n, s, 0, 1);
  else adam_loop(p, g, m, v, n, s, 0, 0);
}

int nn_all_finite(const float *x, long n) {
  // An exponent of all ones is NaN or infinity. OR-ing over the whole array keeps the loop free of
  // branches (vectorised); memcpy reads the bits without breaking aliasing rules.
  uint32_t bad = 0;
  for (long i = 0; i < n; i++) {
    uint32_t bits;
    memcpy(&bits, x + i, sizeof bits);
    bad |= (bits & 0x7f800000u) == 0x7f800000u;
  }
  return !bad;
}
