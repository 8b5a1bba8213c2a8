/* Numeric built-ins: Java Math semantics (NaN/Infinity pass through, DECIMAL exact). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/base/decimal.h"
#include "engine/base/numtext.h"
#include "udf/builtins_int.h"

static wy_status_t dbl(wy_value_t *out, double d) {
  *out = wy_double(d);
  return WY_OK;
}

wy_status_t fn_abs(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = a[0];
  switch (a[0].kind) {
    case WY_T_INT:
      out->u.i32 = a[0].u.i32 < 0 ? (int32_t)(0u - (uint32_t)a[0].u.i32) : a[0].u.i32;
      break;
    case WY_T_BIGINT:
      out->u.i64 = a[0].u.i64 < 0 ? (int64_t)(0u - (uint64_t)a[0].u.i64) : a[0].u.i64;
      break;
    case WY_T_DOUBLE:
      out->u.f64 = fabs(a[0].u.f64);
      break;
    default:
      out->u.dec = a[0].u.dec < 0 ? -a[0].u.dec : a[0].u.dec;
      break;
  }
  return WY_OK;
}

/* Round x (scale s) to `places` decimal places with mode: 'h' half toward positive
 * infinity (ksqlDB's ROUND keeps java.lang.Math.round's rule: HALF_UP above zero,
 * HALF_DOWN otherwise, so -1.5 -> -1), 'f' floor, 'c' ceiling, 't' truncate. Keeps the
 * scale (digits beyond `places` become 0). */
static wy_int128_t dec_round(wy_int128_t x, int s, int places, char mode) {
  int drop = s - places;
  if (drop <= 0) return x;
  if (drop > 38) return 0;
  wy_int128_t p = wy_decimal_pow10(drop), q = x / p, r = x % p;
  switch (mode) {
    case 'h': {
      wy_int128_t twice = (r < 0 ? -r : r) * 2;
      if (twice > p || (twice == p && x > 0)) q += x < 0 ? -1 : 1;
      break;
    }
    case 'f':
      if (r < 0) q--;
      break;
    case 'c':
      if (r > 0) q++;
      break;
    default:
      break;
  }
  return q * p;
}

/* DECIMAL result: round to `places`, then express at the result type's scale. */
static wy_status_t dec_result(wy_fn_ctx_t *ctx, const wy_value_t *v, int places, char mode,
                              wy_value_t *out) {
  wy_int128_t r = dec_round(v->u.dec, v->scale, places, mode), y;
  int ps = ctx->ret->scale;
  if (!wy_decimal_rescale(r, v->scale, ps, &y) || !wy_decimal_fits(y, ctx->ret->precision))
    return wy_fn_fail(ctx, "Numeric field overflow");
  *out = wy_decimal(y, ctx->ret->precision, ps);
  return WY_OK;
}

/* Integer-valued doubles: round(double) returns BIGINT (Java Math.round: half toward
 * positive infinity). */
static int64_t java_round(double d) {
  if (isnan(d)) return 0;
  /* floor(d + 0.5) would round 0.49999999999999994 up; d - floor(d) is exact. */
  double f = floor(d);
  if (d - f >= 0.5) f += 1;
  if (f >= 9223372036854775807.0) return INT64_MAX;
  if (f <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)f;
}

/* BigDecimal.valueOf(d).setScale(places, mode).doubleValue() */
static double round_double_places(double d, int places, char mode) {
  if (!isfinite(d)) return d;
  char tmp[64];
  size_t len = wy_double_java(d, tmp);
  wy_int128_t x;
  int s = places < 0 ? 0 : places > 30 ? 30 : places;
  /* Parse at a generous scale, then round to the requested places. */
  int scale = s + 18 > 37 ? 37 : s + 18;
  if (!wy_decimal_parse(tmp, len, WY_DECIMAL_MAX_PRECISION, scale, &x)) {
    double m = pow(10, places);
    return mode == 't' ? trunc(d * m) / m : (d < 0 ? -floor(-d * m + 0.5) : floor(d * m + 0.5)) / m;
  }
  x = dec_round(x, scale, places, mode);
  return wy_decimal_to_double(x, scale);
}

static wy_status_t round_like(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out,
                              char mode) {
  int places = n > 1 ? a[1].u.i32 : 0;
  switch (a[0].kind) {
    case WY_T_INT:
    case WY_T_BIGINT:
      *out = a[0];
      return WY_OK;
    case WY_T_DOUBLE:
      if (n > 1) return dbl(out, round_double_places(a[0].u.f64, places, mode));
      if (mode == 'h')
        *out = wy_bigint(java_round(a[0].u.f64));
      else
        *out = wy_bigint((int64_t)trunc(a[0].u.f64));
      return WY_OK;
    default:
      return dec_result(ctx, &a[0], places, mode, out);
  }
}

wy_status_t fn_round(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return round_like(ctx, a, n, out, 'h');
}
wy_status_t fn_trunc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return round_like(ctx, a, n, out, 't');
}

static wy_status_t floor_ceil(wy_fn_ctx_t *ctx, const wy_value_t *a, wy_value_t *out, char mode) {
  if (a[0].kind == WY_T_DOUBLE) return dbl(out, mode == 'f' ? floor(a[0].u.f64) : ceil(a[0].u.f64));
  if (a[0].kind == WY_T_DECIMAL) return dec_result(ctx, &a[0], 0, mode, out);
  *out = a[0];
  return WY_OK;
}
wy_status_t fn_floor(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return floor_ceil(ctx, a, out, 'f');
}
wy_status_t fn_ceil(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return floor_ceil(ctx, a, out, 'c');
}

wy_status_t fn_sign(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  double d = wy_fn_as_double(&a[0]);
  if (isnan(d)) return *out = wy_null(WY_T_INT), WY_OK;
  *out = wy_int(d > 0 ? 1 : d < 0 ? -1 : 0);
  return WY_OK;
}

#define UNARY_MATH(name, expr)                                                         \
  wy_status_t name(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) { \
    double x = wy_fn_as_double(&a[0]);                                                 \
    return dbl(out, expr);                                                             \
  }
UNARY_MATH(fn_sqrt, sqrt(x))
UNARY_MATH(fn_cbrt, cbrt(x))
UNARY_MATH(fn_exp, exp(x))
UNARY_MATH(fn_ln, log(x))
UNARY_MATH(fn_degrees, x *(180.0 / M_PI))
UNARY_MATH(fn_radians, x / 180.0 * M_PI)
UNARY_MATH(fn_sin, sin(x))
UNARY_MATH(fn_cos, cos(x))
UNARY_MATH(fn_tan, tan(x))
UNARY_MATH(fn_cot, 1.0 / tan(x))
UNARY_MATH(fn_asin, asin(x))
UNARY_MATH(fn_acos, acos(x))
UNARY_MATH(fn_atan, atan(x))
UNARY_MATH(fn_sinh, sinh(x))
UNARY_MATH(fn_cosh, cosh(x))
UNARY_MATH(fn_tanh, tanh(x))

wy_status_t fn_logb(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  double b = wy_fn_as_double(&a[0]), v = wy_fn_as_double(&a[1]);
  if (b <= 0 || b == 1) return dbl(out, NAN); /* as ksqlDB: no logarithm to these bases */
  return dbl(out, log(v) / log(b));
}

wy_status_t fn_power(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return dbl(out, pow(wy_fn_as_double(&a[0]), wy_fn_as_double(&a[1])));
}

wy_status_t fn_atan2(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return dbl(out, atan2(wy_fn_as_double(&a[0]), wy_fn_as_double(&a[1])));
}

wy_status_t fn_pi(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return dbl(out, M_PI);
}

/* Haversine great-circle distance (ksqlDB's GEO_DISTANCE): earth radius 6371 km or
 * 3959 miles; the unit is matched case-insensitively after trimming. */
static const char *const GEO_MILES[] = {"mi", "mile", "miles"};
static const char *const GEO_KMS[] = {"km", "kilometer", "kilometers", "kilometre", "kilometres"};

static bool geo_unit_is(const char *s, size_t len, const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strlen(names[i]) == len && !strncasecmp(s, names[i], len)) return true;
  return false;
}

wy_status_t fn_geo_distance(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  for (size_t i = 0; i < 4; i++)
    if (a[i].null) return *out = wy_null(WY_T_DOUBLE), WY_OK;
  double lat1 = wy_fn_as_double(&a[0]), lon1 = wy_fn_as_double(&a[1]);
  double lat2 = wy_fn_as_double(&a[2]), lon2 = wy_fn_as_double(&a[3]);
  if (lat1 < -90 || lat2 < -90 || lat1 > 90 || lat2 > 90)
    return wy_fn_fail(ctx,
                      "valid latitude values for GeoDistance function are in the range of "
                      "-90 to 90 decimal degrees");
  if (lon1 < -180 || lon2 < -180 || lon1 > 180 || lon2 > 180)
    return wy_fn_fail(ctx,
                      "valid longitude values for GeoDistance function are in the range of "
                      "-180 to +180 decimal degrees");
  double radius = 6371;
  if (n > 4 && !a[4].null) {
    const char *u = a[4].u.str, *e = u + a[4].len;
    while (u < e && (unsigned char)*u <= ' ') u++;
    while (e > u && (unsigned char)e[-1] <= ' ') e--;
    size_t len = (size_t)(e - u);
    if (len && geo_unit_is(u, len, GEO_MILES, 3))
      radius = 3959;
    else if (len && !geo_unit_is(u, len, GEO_KMS, 5))
      return wy_fn_fail(ctx,
                        "GeoDistance function units parameter must be one of mi, mile, "
                        "miles, km, kilometer, kilometers, kilometre or kilometres. Values "
                        "are case-insensitive.");
  }
  double dlat = (lat2 - lat1) / 180.0 * M_PI, dlon = (lon2 - lon1) / 180.0 * M_PI;
  double s1 = sin(dlat / 2), s2 = sin(dlon / 2);
  double h = s1 * s1 + s2 * s2 * cos(lat1 / 180.0 * M_PI) * cos(lat2 / 180.0 * M_PI);
  return dbl(out, 2 * asin(sqrt(h)) * radius);
}

/* xorshift64*, one state per thread, seeded from the clock and the thread. */
static _Thread_local uint64_t rng_state;
wy_status_t fn_random(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (!rng_state) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    rng_state =
        ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&rng_state;
    if (!rng_state) rng_state = 0x9e3779b97f4a7c15ULL;
  }
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  uint64_t r = rng_state * 0x2545F4914F6CDD1DULL;
  return dbl(out, (double)(r >> 11) * 0x1.0p-53);
}

const wy_type_t *wy_ret_decimal_widest(const wy_type_t *const *args,
                                       const wy_value_t *const *consts, size_t n, wy_error_t *err) {
  (void)consts;
  const wy_type_t *t = NULL;
  for (size_t i = 0; i < n; i++) {
    if (!args[i]) continue;
    const wy_type_t *u = t ? wy_type_common(t, args[i]) : wy_type_ref(args[i]);
    wy_type_unref(t);
    if (!(t = u)) break;
  }
  if (!t) wy_error_set(err, WY_ERR_TYPE, "cannot infer the result type");
  return t;
}

/* The largest (sign 1) or smallest (-1) non-NULL, non-NaN argument. A DECIMAL keeps its
 * own scale, as ksqlDB returns the BigDecimal argument itself. */
static wy_status_t extreme(const wy_value_t *a, size_t n, wy_value_t *out, int sign) {
  const wy_value_t *best = NULL;
  for (size_t i = 0; i < n; i++) {
    if (a[i].null) continue;
    if (a[i].kind == WY_T_DOUBLE && isnan(a[i].u.f64)) continue;
    if (!best || wy_value_compare(&a[i], best) * sign > 0) best = &a[i];
  }
  *out = best ? *best : a[0];
  return WY_OK;
}
wy_status_t fn_greatest(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return extreme(a, n, out, 1);
}
wy_status_t fn_least(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return extreme(a, n, out, -1);
}

/* ---- null handling ---- */

wy_status_t fn_coalesce(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  for (size_t i = 0; i < n; i++)
    if (!a[i].null) return *out = a[i], WY_OK;
  *out = a[0];
  return WY_OK;
}

wy_status_t fn_nullif(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (!a[0].null && !a[1].null && wy_value_equal(&a[0], &a[1]))
    *out = wy_null((wy_type_kind_t)a[0].kind);
  else
    *out = a[0];
  return WY_OK;
}

wy_status_t fn_identity(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = a[0];
  return WY_OK;
}
