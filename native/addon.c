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
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
