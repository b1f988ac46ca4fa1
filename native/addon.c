// The Node-API face of the native kernel (loaded by src/native/load-native.ts, wrapped by
// src/engine/kernels/native-kernel.ts). Every entry point takes Float32Arrays (any backing store: the
// JS heap, an ArrayBuffer, a SharedArrayBuffer such as the WebAssembly kernel's memory) plus element
// offsets, and checks every span it will read or write against the arrays before touching memory: a
// bad call throws a RangeError (or TypeError), never reads or writes outside an array.
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include "gemm.h"
#include "ops.h"

#define MAX_ARGS 20

static nn_gemm_fn gemm_impl;
static const char *gemm_name;
static pthread_once_t gemm_once = PTHREAD_ONCE_INIT;

static void select_gemm(void) { gemm_impl = nn_gemm_select(&gemm_name); }

/** The arguments of one call, with the first error kept (later checks are then no-ops). */
typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  int failed;
} args_t;

static void fail(args_t *in, int range, const char *message) {
  if (in->failed) return;
  in->failed = 1;
  if (range) napi_throw_range_error(in->env, "NATIVE_BOUNDS", message);
  else napi_throw_type_error(in->env, "NATIVE_ARGUMENT", message);
}

static int read_args(napi_env env, napi_callback_info info, size_t expected, args_t *in) {
  in->env = env;
  in->failed = 0;
  in->argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &in->argc, in->argv, NULL, NULL) != napi_ok) {
    fail(in, 0, "cannot read the arguments");
    return 0;
  }
  if (in->argc < expected) {
    char message[80];
    snprintf(message, sizeof message, "expected %zu arguments, received %zu", expected, in->argc);
    fail(in, 0, message);
    return 0;
  }
  return 1;
}

/** An integer argument in [min, INT32_MAX] (the C kernels index with int). */
static int int_arg(args_t *in, size_t i, int min) {
  if (in->failed) return 0;
  double value;
  if (napi_get_value_double(in->env, in->argv[i], &value) != napi_ok) {
    fail(in, 0, "expected a number");
    return 0;
  }
  if (!(value >= min && value <= INT32_MAX) || value != (double)(int64_t)value) {
    char message[96];
    snprintf(message, sizeof message, "argument %zu must be an integer in [%d, %d], received %g", i, min, INT32_MAX, value);
    fail(in, 1, message);
    return 0;
  }
  return (int)value;
}

/** A boolean argument (a number is taken as its truth value). */
static int flag_arg(args_t *in, size_t i) {
  if (in->failed) return 0;
  bool value;
  if (napi_get_value_bool(in->env, in->argv[i], &value) == napi_ok) return value;
  double number;
  if (napi_get_value_double(in->env, in->argv[i], &number) == napi_ok) return number != 0;
  fail(in, 0, "expected a boolean");
  return 0;
}

static double double_arg(args_t *in, size_t i) {
  if (in->failed) return 0;
  double value = 0;
  if (napi_get_value_double(in->env, in->argv[i], &value) != napi_ok) fail(in, 0, "expected a number");
  return value;
}

/** A Float32Array's elements and length; `nullable` accepts null/undefined as (NULL, 0). */
typedef struct {
  float *data;
  int64_t length;
} floats_t;

static floats_t floats_arg(args_t *in, size_t i, int nullable) {
  floats_t out = {NULL, 0};
  if (in->failed) return out;
  napi_valuetype type;
  if (napi_typeof(in->env, in->argv[i], &type) != napi_ok) type = napi_undefined;
  if (nullable && (type == napi_null || type == napi_undefined)) return out;
  bool is_typed = false;
  napi_is_typedarray(in->env, in->argv[i], &is_typed);
  napi_typedarray_type kind;
  size_t length = 0;
  void *data = NULL;
  if (!is_typed || napi_get_typedarray_info(in->env, in->argv[i], &kind, &length, &data, NULL, NULL) != napi_ok
      || kind != napi_float32_array) {
    char message[64];
    snprintf(message, sizeof message, "argument %zu must be a Float32Array", i);
    fail(in, 0, message);
    return out;
  }
  out.data = data;
  out.length = (int64_t)length;
  return out;
}

/**
 * Checks that a rows x cols block with row stride ld, from element `offset`, lies inside `array`;
 * an empty block touches nothing and always passes.
 */
static int check_span(args_t *in, const char *what, floats_t array, int64_t offset, int64_t rows, int64_t cols, int64_t ld) {
  if (in->failed) return 0;
  if (rows == 0 || cols == 0) return 1;
  int64_t end = offset + (rows - 1) * ld + cols;
  if (array.data == NULL || ld < cols || offset < 0 || end > array.length) {
    char message[200];
    snprintf(message, sizeof message,
             "%s: %lld x %lld block with row stride %lld from element %lld does not fit an array of %lld",
             what, (long long)rows, (long long)cols, (long long)ld, (long long)offset, (long long)array.length);
    fail(in, 1, message);
    return 0;
  }
  return 1;
}

static napi_value undefined_value(napi_env env) {
  napi_value value;
  napi_get_undefined(env, &value);
  return value;
}

// gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias|null, y|null)
static napi_value gemm(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 17, &in)) return NULL;
  int transA = flag_arg(&in, 0), transB = flag_arg(&in, 1);
  int m = int_arg(&in, 2, 0), n = int_arg(&in, 3, 0), k = int_arg(&in, 4, 0);
  floats_t a = floats_arg(&in, 5, 0);
  int aOff = int_arg(&in, 6, 0), lda = int_arg(&in, 7, 0);
  floats_t b = floats_arg(&in, 8, 0);
  int bOff = int_arg(&in, 9, 0), ldb = int_arg(&in, 10, 0);
  floats_t c = floats_arg(&in, 11, 0);
  int cOff = int_arg(&in, 12, 0), ldc = int_arg(&in, 13, 0);
  int accumulate = flag_arg(&in, 14);
  floats_t bias = floats_arg(&in, 15, 1);
  floats_t y = floats_arg(&in, 16, 1);
  check_span(&in, "a", a, aOff, transA ? k : m, transA ? m : k, lda);
  check_span(&in, "b", b, bOff, transB ? n : k, transB ? k : n, ldb);
  check_span(&in, "c", c, cOff, m, n, ldc);
  if (bias.data) check_span(&in, "bias", bias, 0, 1, n, n);
  if (y.data) check_span(&in, "y", y, cOff, m, n, ldc);
  if (in.failed) return NULL;
  if (m == 0 || n == 0) return undefined_value(env);
  // With k == 0 A and B are not read (their blocks are empty, perhaps of an empty array).
  gemm_impl(transA, transB, m, n, k, k ? a.data + aOff : NULL, lda, k ? b.data + bOff : NULL, ldb,
            c.data + cOff, ldc, accumulate, bias.data, y.data ? y.data + cOff : NULL);
  return undefined_value(env);
}

/**
 * The 12 window numbers from argument i on (batch, inH, inW, channels, kH, kW, strideH, strideW,
 * padTop, padLeft, outH, outW). `pooling`: every window of the output grid must overlap the image,
 * since pooling reads the first element of each clipped window (im2col and col2im check each pixel).
 */
static nn_window window_args(args_t *in, size_t i, int pooling) {
  nn_window g;
  g.batch = int_arg(in, i, 0);
  g.inH = int_arg(in, i + 1, 1);
  g.inW = int_arg(in, i + 2, 1);
  g.channels = int_arg(in, i + 3, 1);
  g.kH = int_arg(in, i + 4, 1);
  g.kW = int_arg(in, i + 5, 1);
  g.strideH = int_arg(in, i + 6, 1);
  g.strideW = int_arg(in, i + 7, 1);
  g.padTop = int_arg(in, i + 8, 0);
  g.padLeft = int_arg(in, i + 9, 0);
  g.outH = int_arg(in, i + 10, 0);
  g.outW = int_arg(in, i + 11, 0);
  if (in->failed || !pooling) return g;
  if ((int64_t)g.inH * g.inW * g.channels > INT32_MAX) {
    fail(in, 1, "window geometry: pooling takes images under 2^31 floats");
    return g;
  }
  int64_t lastY = (int64_t)(g.outH - 1) * g.strideH - g.padTop, lastX = (int64_t)(g.outW - 1) * g.strideW - g.padLeft;
  if (g.padTop >= g.kH || g.padLeft >= g.kW || (g.outH > 0 && lastY >= g.inH) || (g.outW > 0 && lastX >= g.inW)) {
    fail(in, 1, "window geometry: a window of the output grid lies outside the image");
  }
  return g;
}

static int64_t image_floats(const nn_window *g) { return (int64_t)g->batch * g->inH * g->inW * g->channels; }
static int64_t output_floats(const nn_window *g) { return (int64_t)g->batch * g->outH * g->outW * g->channels; }
static int64_t cols_floats(const nn_window *g) { return (int64_t)g->batch * g->outH * g->outW * g->kH * g->kW * g->channels; }

// biasRelu(z, offset, bias|null, rows, width, y|null): y laid out as z from `offset`.
static napi_value bias_relu(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 6, &in)) return NULL;
  floats_t z = floats_arg(&in, 0, 0);
  int offset = int_arg(&in, 1, 0);
  floats_t bias = floats_arg(&in, 2, 1);
  int rows = int_arg(&in, 3, 0), width = int_arg(&in, 4, 0);
  floats_t y = floats_arg(&in, 5, 1);
  check_span(&in, "z", z, offset, rows, width, width);
  if (bias.data) check_span(&in, "bias", bias, 0, 1, width, width);
  if (y.data) check_span(&in, "y", y, offset, rows, width, width);
  if (in.failed) return NULL;
  if (rows && width) nn_bias_relu(z.data + offset, bias.data, rows, width, y.data ? y.data + offset : NULL);
  return undefined_value(env);
}

// reluBackward(dy, z, dz, length)
static napi_value relu_backward(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 4, &in)) return NULL;
  floats_t dy = floats_arg(&in, 0, 0), z = floats_arg(&in, 1, 0), dz = floats_arg(&in, 2, 0);
  int length = int_arg(&in, 3, 0);
  check_span(&in, "dy", dy, 0, 1, length, length);
  check_span(&in, "z", z, 0, 1, length, length);
  check_span(&in, "dz", dz, 0, 1, length, length);
  if (in.failed) return NULL;
  if (length) nn_relu_backward(dy.data, z.data, dz.data, length);
  return undefined_value(env);
}

// sumRows(x, out, rows, width)
static napi_value sum_rows(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 4, &in)) return NULL;
  floats_t x = floats_arg(&in, 0, 0), out = floats_arg(&in, 1, 0);
  int rows = int_arg(&in, 2, 0), width = int_arg(&in, 3, 0);
  check_span(&in, "x", x, 0, rows, width, width);
  check_span(&in, "out", out, 0, 1, width, width);
  if (in.failed) return NULL;
  if (width) nn_sum_rows(x.data, out.data, rows, width);
  return undefined_value(env);
}

// im2col(x, xOffset, ...window, cols) and col2im(dcols, ...window, dx, dxOffset)
static napi_value im2col(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 15, &in)) return NULL;
  floats_t x = floats_arg(&in, 0, 0);
  int xOffset = int_arg(&in, 1, 0);
  nn_window g = window_args(&in, 2, 0);
  floats_t cols = floats_arg(&in, 14, 0);
  check_span(&in, "x", x, xOffset, 1, image_floats(&g), image_floats(&g));
  check_span(&in, "cols", cols, 0, 1, cols_floats(&g), cols_floats(&g));
  if (in.failed) return NULL;
  if (cols_floats(&g)) nn_im2col(x.data + xOffset, &g, cols.data);
  return undefined_value(env);
}

static napi_value col2im(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 15, &in)) return NULL;
  floats_t dcols = floats_arg(&in, 0, 0);
  nn_window g = window_args(&in, 1, 0);
  floats_t dx = floats_arg(&in, 13, 0);
  int dxOffset = int_arg(&in, 14, 0);
  check_span(&in, "dcols", dcols, 0, 1, cols_floats(&g), cols_floats(&g));
  check_span(&in, "dx", dx, dxOffset, 1, image_floats(&g), image_floats(&g));
  if (in.failed) return NULL;
  if (image_floats(&g)) nn_col2im(dcols.data, &g, dx.data + dxOffset);
  return undefined_value(env);
}

// im2colTransposed(x, xOffset, ...window (channels 1), cols, ld)
static napi_value im2col_transposed(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 16, &in)) return NULL;
  floats_t x = floats_arg(&in, 0, 0);
  int xOffset = int_arg(&in, 1, 0);
  nn_window g = window_args(&in, 2, 0);
  floats_t cols = floats_arg(&in, 14, 0);
  int ld = int_arg(&in, 15, 0);
  if (!in.failed && g.channels != 1) fail(&in, 1, "im2colTransposed takes images of one channel");
  check_span(&in, "x", x, xOffset, 1, image_floats(&g), image_floats(&g));
  check_span(&in, "cols", cols, 0, (int64_t)g.kH * g.kW, (int64_t)g.batch * g.outH * g.outW, ld);
  if (in.failed) return NULL;
  if (cols_floats(&g)) nn_im2col_transposed(x.data + xOffset, &g, cols.data, ld);
  return undefined_value(env);
}

// maxPool(x, ...window, y) and maxPoolBackward(x, grad, ...window, dx)
static napi_value max_pool(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 14, &in)) return NULL;
  floats_t x = floats_arg(&in, 0, 0);
  nn_window g = window_args(&in, 1, 1);
  floats_t y = floats_arg(&in, 13, 0);
  check_span(&in, "x", x, 0, 1, image_floats(&g), image_floats(&g));
  check_span(&in, "y", y, 0, 1, output_floats(&g), output_floats(&g));
  if (in.failed) return NULL;
  if (output_floats(&g)) nn_max_pool(x.data, &g, y.data);
  return undefined_value(env);
}

static napi_value max_pool_backward(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 15, &in)) return NULL;
  floats_t x = floats_arg(&in, 0, 0), grad = floats_arg(&in, 1, 0);
  nn_window g = window_args(&in, 2, 1);
  floats_t dx = floats_arg(&in, 14, 0);
  check_span(&in, "x", x, 0, 1, image_floats(&g), image_floats(&g));
  check_span(&in, "grad", grad, 0, 1, output_floats(&g), output_floats(&g));
  check_span(&in, "dx", dx, 0, 1, image_floats(&g), image_floats(&g));
  if (in.failed) return NULL;
  if (image_floats(&g)) nn_max_pool_backward(x.data, grad.data, &g, dx.data);
  return undefined_value(env);
}

// adamStep(p, g, m, v, length, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, correction2Sqrt, epsilon,
//          gradientDecay, decoupled, parameterDecay)
static napi_value adam_step(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 14, &in)) return NULL;
  floats_t p = floats_arg(&in, 0, 0), g = floats_arg(&in, 1, 0), m = floats_arg(&in, 2, 0), v = floats_arg(&in, 3, 0);
  int length = int_arg(&in, 4, 0);
  nn_adam_scalars s;
  s.oneMinusBeta1 = double_arg(&in, 5);
  s.beta2 = double_arg(&in, 6);
  s.oneMinusBeta2 = double_arg(&in, 7);
  s.stepSize = double_arg(&in, 8);
  s.correction2Sqrt = double_arg(&in, 9);
  s.epsilon = double_arg(&in, 10);
  s.gradientDecay = double_arg(&in, 11);
  s.decoupled = flag_arg(&in, 12);
  s.parameterDecay = double_arg(&in, 13);
  check_span(&in, "p", p, 0, 1, length, length);
  check_span(&in, "g", g, 0, 1, length, length);
  check_span(&in, "m", m, 0, 1, length, length);
  check_span(&in, "v", v, 0, 1, length, length);
  if (in.failed) return NULL;
  if (length) nn_adam_step(p.data, g.data, m.data, v.data, length, &s);
  return undefined_value(env);
}

// allFinite(x, length) -> boolean
static napi_value all_finite(napi_env env, napi_callback_info info) {
  args_t in;
  if (!read_args(env, info, 2, &in)) return NULL;
  floats_t x = floats_arg(&in, 0, 0);
  int length = int_arg(&in, 1, 0);
  check_span(&in, "x", x, 0, 1, length, length);
  if (in.failed) return NULL;
  napi_value result;
  napi_get_boolean(env, length == 0 || nn_all_finite(x.data, length), &result);
  return result;
}

static napi_value info_fn(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, name;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, gemm_name, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, result, "gemm", name);
  return result;
}

NAPI_MODULE_INIT() {
  pthread_once(&gemm_once, select_gemm);
  napi_property_descriptor properties[] = {
    {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
    {"info", NULL, info_fn, NULL, NULL, NULL, napi_default, NULL},
    {"biasRelu", NULL, bias_relu, NULL, NULL, NULL, napi_default, NULL},
    {"reluBackward", NULL, relu_backward, NULL, NULL, NULL, napi_default, NULL},
    {"sumRows", NULL, sum_rows, NULL, NULL, NULL, napi_default, NULL},
    {"im2col", NULL, im2col, NULL, NULL, NULL, napi_default, NULL},
    {"col2im", NULL, col2im, NULL, NULL, NULL, napi_default, NULL},
    {"im2colTransposed", NULL, im2col_transposed, NULL, NULL, NULL, napi_default, NULL},
    {"maxPool", NULL, max_pool, NULL, NULL, NULL, napi_default, NULL},
    {"maxPoolBackward", NULL, max_pool_backward, NULL, NULL, NULL, napi_default, NULL},
    {"adamStep", NULL, adam_step, NULL, NULL, NULL, napi_default, NULL},
    {"allFinite", NULL, all_finite, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
