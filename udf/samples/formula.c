/* FORMULA — the UDF example of ksqlDB's documentation ("A custom formula for important
 * business logic"), with its two overloads and Java's arithmetic:
 *   FORMULA(INT v1, INT v2)       -> BIGINT  (long) (v1 * v2), the product wrapping as int
 *   FORMULA(DOUBLE v1, DOUBLE v2) -> BIGINT  (long) (int) (ceil(v1) * ceil(v2))
 * BIGINT arguments widen to the DOUBLE overload, as in ksqlDB. */
#include <math.h>
#include <stdint.h>

#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

static int formula_int(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  /* Java int multiplication wraps; unsigned arithmetic does the same without UB. */
  uint32_t p = (uint32_t)a[0].u.i32 * (uint32_t)a[1].u.i32;
  *out = wy_udf_bigint((int32_t)p);
  return WY_UDF_OK;
}

/* Java's (int) of a double: NaN is 0, out-of-range values saturate. */
static int32_t java_d2i(double d) {
  if (d != d) return 0;
  if (d >= 2147483647.0) return INT32_MAX;
  if (d <= -2147483648.0) return INT32_MIN;
  return (int32_t)d;
}

static int formula_double(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n,
                          wy_udf_value_t *out) {
  *out = wy_udf_bigint(java_d2i(ceil(a[0].u.f64) * ceil(a[1].u.f64)));
  return WY_UDF_OK;
}

WALLEYE_UDF_INIT(host, lib) {
  static const char *const author = "example user", *const version = "1.0.2";
  wy_udf_scalar_t f = {
      .size = sizeof f,
      .name = "FORMULA",
      .params = "INT v1, INT v2",
      .returns = "BIGINT",
      .fn = formula_int,
      .description = "A custom formula for important business logic.",
      .category = "MATHEMATICAL",
      .author = author,
      .version = version,
  };
  if (host->add_scalar(lib, &f)) return WY_UDF_ERROR;
  f.params = "DOUBLE v1, DOUBLE v2";
  f.fn = formula_double;
  f.description = "A special variant of the formula, handling double parameters.";
  return host->add_scalar(lib, &f);
}
