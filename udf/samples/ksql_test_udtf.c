/* TEST_UDTF and THROWING_UDTF — table functions behaving as the test UDTFs that
 * ksqlDB's conformance cases call, written with the SDK (walleye/udf.h) so that those
 * cases exercise shared-object table functions for real.
 *
 * TEST_UDTF has ksqlDB's overloads:
 *   (INT, BIGINT, DOUBLE, BOOLEAN, STRING, DECIMAL, STRUCT) -> STRING: each argument as
 *     Java's String.valueOf renders it, one value per argument;
 *   the same with ARRAY<...> or MAP<STRING, ...> of each type: the first element (the
 *     first map value) of each, rendered so; an empty one fails the call;
 *   one argument of each type -> that type: the argument itself (a DECIMAL as
 *     DECIMAL(30, 10), the type ksqlDB's test function declares).
 * ksqlDB declares its STRUCT parameters as STRUCT<A VARCHAR>; Java renders such a struct
 * as Struct{A=value} (fields with a NULL value left out), which is what this library
 * writes, naming the struct's first field A as that declaration does.
 * THROWING_UDTF(BOOLEAN) yields FALSE, and fails when its argument is TRUE. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

static const wy_udf_host_t *H;

/* ---- Java's String.valueOf ---- */

typedef struct {
  char *p;
  size_t n, cap;
  bool oom;
} text_t;

static void put(text_t *t, const char *s, size_t n) {
  if (t->n + n > t->cap) {
    t->oom = true;
    return;
  }
  memcpy(t->p + t->n, s, n);
  t->n += n;
}
static void puts0(text_t *t, const char *s) { put(t, s, strlen(s)); }

/* Double.toString: the shortest digits that read back as d; plain notation for
 * 1e-3 <= |d| < 1e7 (with at least one fraction digit), else d.dddE<exp>. */
static void put_double(text_t *t, double d) {
  char buf[64];
  if (isnan(d)) return puts0(t, "NaN");
  if (isinf(d)) return puts0(t, d > 0 ? "Infinity" : "-Infinity");
  if (d == 0) return puts0(t, signbit(d) ? "-0.0" : "0.0");
  int p = 1;
  for (; p < 17; p++) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, d);
    if (strtod(buf, NULL) == d) break;
  }
  snprintf(buf, sizeof buf, "%.*e", p - 1, d);
  int exp = atoi(strchr(buf, 'e') + 1);
  double a = fabs(d);
  if (a >= 1e-3 && a < 1e7) {
    int decimals = p - 1 - exp;
    snprintf(buf, sizeof buf, "%.*f", decimals < 1 ? 1 : decimals, d);
    return puts0(t, buf);
  }
  /* mantissa digits, then E<exp> */
  char *e = strchr(buf, 'e');
  *e = '\0';
  puts0(t, buf);
  if (!strchr(buf, '.')) puts0(t, ".0");
  snprintf(buf, sizeof buf, "E%d", exp);
  puts0(t, buf);
}

/* BigDecimal.toString of an unscaled value and scale (plain notation). */
static void put_decimal(text_t *t, wy_udf_int128_t v, int scale) {
  char digits[64];
  int n = 0;
  bool neg = v < 0;
  unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
  do {
    digits[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  while (n <= scale) digits[n++] = '0';
  if (neg) puts0(t, "-");
  for (int i = n - 1; i >= 0; i--) {
    char c = digits[i];
    put(t, &c, 1);
    if (i == scale && scale > 0) puts0(t, ".");
  }
}

static void put_value(text_t *t, const wy_udf_value_t *v) {
  char buf[64];
  if (v->null) return puts0(t, "null");
  switch ((wy_udf_kind_t)v->kind) {
    case WY_UDF_INT:
      snprintf(buf, sizeof buf, "%d", (int)v->u.i32);
      return puts0(t, buf);
    case WY_UDF_BIGINT:
      snprintf(buf, sizeof buf, "%lld", (long long)v->u.i64);
      return puts0(t, buf);
    case WY_UDF_DOUBLE:
      return put_double(t, v->u.f64);
    case WY_UDF_BOOLEAN:
      return puts0(t, v->u.b ? "true" : "false");
    case WY_UDF_STRING:
      return put(t, v->u.str, v->len);
    case WY_UDF_DECIMAL:
      return put_decimal(t, v->u.dec, v->scale);
    case WY_UDF_STRUCT: {
      /* Kafka Connect's Struct.toString, fields named as ksqlDB declares them */
      puts0(t, "Struct{");
      bool first = true;
      for (uint32_t i = 0; i < v->u.list->n; i++) {
        if (v->u.list->items[i].null) continue;
        if (!first) puts0(t, ",");
        first = false;
        if (i == 0)
          puts0(t, "A");
        else {
          snprintf(buf, sizeof buf, "F%u", (unsigned)i);
          puts0(t, buf);
        }
        puts0(t, "=");
        put_value(t, &v->u.list->items[i]);
      }
      return puts0(t, "}");
    }
    default:
      return puts0(t, "?");
  }
}

static int value_of(wy_udf_ctx_t *ctx, const wy_udf_value_t *v, wy_udf_value_t *out) {
  text_t t = {H->alloc(ctx, 4096), 0, 4096, false};
  if (!t.p) return H->fail(ctx, "out of memory");
  put_value(&t, v);
  if (t.oom) return H->fail(ctx, "value too long");
  *out = wy_udf_string(t.p, t.n);
  return WY_UDF_OK;
}

/* ---- TEST_UDTF ---- */

/* One STRING per argument: the argument itself, or the first element of an ARRAY, or
 * the first value of a MAP (Java's List.get(0), values().iterator().next()). */
static int standard_params(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n,
                           wy_udf_value_t *out) {
  wy_udf_value_t *items = wy_udf_array_new(H, ctx, (uint32_t)n, out);
  if (!items) return H->fail(ctx, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const wy_udf_value_t *v = &a[i];
    if (v->kind == WY_UDF_ARRAY) {
      if (!v->u.list->n) return H->fail(ctx, "Index 0 out of bounds for length 0");
      v = &v->u.list->items[0];
    } else if (v->kind == WY_UDF_MAP) {
      if (!v->u.map->n) return H->fail(ctx, "NoSuchElementException");
      v = &v->u.map->vals[0];
    }
    int rc = value_of(ctx, v, &items[i]);
    if (rc != WY_UDF_OK) return rc;
  }
  return WY_UDF_OK;
}

/* The argument as the single value. */
static int identity(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  (void)n;
  wy_udf_value_t *items = wy_udf_array_new(H, ctx, 1, out);
  if (!items) return H->fail(ctx, "out of memory");
  items[0] = a[0];
  return WY_UDF_OK;
}

/* A DECIMAL as DECIMAL(30, 10). */
static int decimal_30_10(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n,
                         wy_udf_value_t *out) {
  (void)n;
  if (a[0].scale > 10) return H->fail(ctx, "Rounding necessary");
  wy_udf_value_t v = a[0];
  for (int s = v.scale; s < 10; s++) v.u.dec *= 10;
  v.scale = 10;
  v.precision = 30;
  wy_udf_value_t *items = wy_udf_array_new(H, ctx, 1, out);
  if (!items) return H->fail(ctx, "out of memory");
  items[0] = v;
  return WY_UDF_OK;
}

/* ---- THROWING_UDTF ---- */

static int throw_if_true(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n,
                         wy_udf_value_t *out) {
  (void)n;
  if (a[0].u.b) return H->fail(ctx, "You asked me to throw...");
  wy_udf_value_t *items = wy_udf_array_new(H, ctx, 1, out);
  if (!items) return H->fail(ctx, "out of memory");
  items[0].kind = WY_UDF_BOOLEAN;
  items[0].null = 0;
  items[0].u.b = false;
  return WY_UDF_OK;
}

static int add(wy_udf_library_t *lib, const char *name, const char *params, const char *returns,
               wy_udf_scalar_fn fn, const char *description) {
  wy_udf_table_t t = {
      .size = sizeof t,
      .name = name,
      .params = params,
      .returns = returns,
      .fn = fn,
      .description = description,
      .author = "walleye (ksqlDB's test UDTF)",
      .version = "1.0.0",
  };
  return H->add_table_function(lib, &t);
}

WALLEYE_UDF_INIT(host, lib) {
  H = host;
  if (!WY_UDF_HOST_HAS(host, add_table_function))
    return host->init_error(lib, "this walleye has no table functions");
  static const struct {
    const char *params, *returns;
    wy_udf_scalar_fn fn;
  } TEST_UDTF[] = {
      {"INT i, BIGINT l, DOUBLE d, BOOLEAN b, STRING s, DECIMAL bd, STRUCT struct", "STRING",
       standard_params},
      {"ARRAY<INT> i, ARRAY<BIGINT> l, ARRAY<DOUBLE> d, ARRAY<BOOLEAN> b, ARRAY<STRING> s, "
       "ARRAY<DECIMAL> bd, ARRAY<STRUCT> struct",
       "STRING", standard_params},
      {"MAP<STRING, INT> i, MAP<STRING, BIGINT> l, MAP<STRING, DOUBLE> d, MAP<STRING, BOOLEAN> b, "
       "MAP<STRING, STRING> s, MAP<STRING, DECIMAL> bd, MAP<STRING, STRUCT> struct",
       "STRING", standard_params},
      {"INT i", "INT", identity},
      {"BIGINT l", "BIGINT", identity},
      {"DOUBLE d", "DOUBLE", identity},
      {"BOOLEAN b", "BOOLEAN", identity},
      {"STRING s", "STRING", identity},
      {"DECIMAL bd", "DECIMAL(30, 10)", decimal_30_10},
      {"STRUCT struct", "STRUCT<A VARCHAR>", identity},
  };
  for (size_t i = 0; i < sizeof TEST_UDTF / sizeof TEST_UDTF[0]; i++) {
    int rc = add(lib, "TEST_UDTF", TEST_UDTF[i].params, TEST_UDTF[i].returns, TEST_UDTF[i].fn,
                 i ? "" : "ksqlDB's test table function: its arguments as values.");
    if (rc != WY_UDF_OK) return rc;
  }
  return add(lib, "THROWING_UDTF", "BOOLEAN shouldThrow", "BOOLEAN", throw_if_true,
             "ksqlDB's test table function that fails when asked to.");
}
