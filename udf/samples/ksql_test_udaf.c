/* The test aggregates ksqlDB's conformance cases call, with the behaviour their expected
 * outputs and errors show. They exercise the SDK's aggregate features:
 *
 *   TEST_UDAF(BIGINT | INT | DOUBLE | STRING | STRUCT<A INT, B INT>)   sums (of lengths,
 *        field by field for the struct), NULLs counting 0; with undo, so tables work
 *   VAR_ARG(BIGINT first, STRING... rest)           sum of first + lengths of rest
 *   MID_VAR_ARG(BIGINT, STRING..., INT a, INT b)    the same, starting at a + b: a
 *        variadic column parameter before the init (literal) parameters
 *   MULTI_ARG(BIGINT, STRING, INT base, STRING... extra)        sum of first + length
 *   FOUR_ARG(BIGINT, STRING, STRING, STRING, INT base, STRING... extra)
 *   FIVE_ARG(BIGINT, STRING, STRING, STRING, INT, INT base, STRING... extra)
 *        start at base + the lengths of extra (init arguments, literals)
 *   OBJ_COL_ARG(INT first, ANY... rest)             -> ARRAY<INT>
 *   GENERIC_VAR_ARG(T first, INT second, U... rest) -> ARRAY<T>
 *        collect first from every row whose arguments are all non-NULL
 *
 * The library is for tests: it is built beside the samples but not installed. */
#include <string.h>

#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

static const wy_udf_host_t *H;

/* ---- sums ---- */

static int64_t num(const wy_udf_value_t *v) {
  if (v->null) return 0;
  switch (v->kind) {
    case WY_UDF_INT:
      return v->u.i32;
    case WY_UDF_BIGINT:
      return v->u.i64;
    case WY_UDF_STRING:
      return v->len;
    default:
      return 0;
  }
}

/* Sum over args: INT and BIGINT values, STRING lengths, NULLs as 0. */
static int64_t total(const wy_udf_value_t *a, size_t n) {
  int64_t t = 0;
  for (size_t i = 0; i < n; i++) t += num(&a[i]);
  return t;
}

static int zero_bigint(wy_udf_ctx_t *ctx, wy_udf_value_t *st) {
  *st = wy_udf_bigint(0);
  return WY_UDF_OK;
}

static int sum_add(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  *st = wy_udf_bigint((int64_t)((uint64_t)num(st) + (uint64_t)total(a, n)));
  return WY_UDF_OK;
}

static int sum_undo(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  *st = wy_udf_bigint((int64_t)((uint64_t)num(st) - (uint64_t)total(a, n)));
  return WY_UDF_OK;
}

static int same(wy_udf_ctx_t *ctx, const wy_udf_value_t *st, wy_udf_value_t *out) {
  *out = *st;
  return WY_UDF_OK;
}

/* The init arguments' sum: INT ones as they are, STRING ones by length. */
static int init_sum(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  *st = wy_udf_bigint(total(a, n));
  return WY_UDF_OK;
}

static int zero_double(wy_udf_ctx_t *ctx, wy_udf_value_t *st) {
  *st = wy_udf_double(0);
  return WY_UDF_OK;
}

static int dsum(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st,
                int sign) {
  *st = wy_udf_double(st->u.f64 + (a[0].null ? 0 : sign * a[0].u.f64));
  return WY_UDF_OK;
}
static int dsum_add(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  return dsum(ctx, a, n, st, 1);
}
static int dsum_undo(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  return dsum(ctx, a, n, st, -1);
}

/* STRUCT<A INT, B INT>: field-wise sums with Java's int arithmetic. */
static int pair(wy_udf_ctx_t *ctx, int32_t x, int32_t y, wy_udf_value_t *out) {
  wy_udf_value_t *f = wy_udf_new_list(H, ctx, WY_UDF_STRUCT, 2, out);
  if (!f) return H->fail(ctx, "out of memory");
  f[0] = wy_udf_int(x);
  f[1] = wy_udf_int(y);
  return WY_UDF_OK;
}

static int32_t field(const wy_udf_value_t *s, uint32_t i) {
  if (s->null || s->u.list->n <= i || s->u.list->items[i].null) return 0;
  return s->u.list->items[i].u.i32;
}

static int zero_pair(wy_udf_ctx_t *ctx, wy_udf_value_t *st) { return pair(ctx, 0, 0, st); }

static int pair_fold(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, wy_udf_value_t *st, int sign) {
  uint32_t x = (uint32_t)field(st, 0) + (uint32_t)(sign * field(&a[0], 0));
  uint32_t y = (uint32_t)field(st, 1) + (uint32_t)(sign * field(&a[0], 1));
  return pair(ctx, (int32_t)x, (int32_t)y, st);
}
static int pair_add(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  return pair_fold(ctx, a, st, 1);
}
static int pair_undo(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  return pair_fold(ctx, a, st, -1);
}

/* ---- collecting the first argument ---- */

static int empty_list(wy_udf_ctx_t *ctx, wy_udf_value_t *st) {
  return wy_udf_new_list(H, ctx, WY_UDF_ARRAY, 0, st) ? WY_UDF_OK : H->fail(ctx, "out of memory");
}

static int collect_first(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  for (size_t i = 0; i < n; i++)
    if (a[i].null) return WY_UDF_OK;
  const wy_udf_list_t *old = st->u.list;
  wy_udf_value_t *items = wy_udf_new_list(H, ctx, WY_UDF_ARRAY, old->n + 1, st);
  if (!items) return H->fail(ctx, "out of memory");
  if (old->n) memcpy(items, old->items, old->n * sizeof *items);
  items[old->n] = a[0];
  return WY_UDF_OK;
}

/* ---- registration ---- */

typedef struct {
  const char *name, *params, *init_params, *returns, *state;
  int (*init)(wy_udf_ctx_t *, wy_udf_value_t *);
  int (*init_with)(wy_udf_ctx_t *, const wy_udf_value_t *, size_t, wy_udf_value_t *);
  int (*accumulate)(wy_udf_ctx_t *, const wy_udf_value_t *, size_t, wy_udf_value_t *);
  int (*undo)(wy_udf_ctx_t *, const wy_udf_value_t *, size_t, wy_udf_value_t *);
  const char *description;
} agg_t;

#define PAIR "STRUCT<A INT, B INT>"
static const agg_t AGGS[] = {
    {"TEST_UDAF", "BIGINT v", NULL, "BIGINT", "BIGINT", zero_bigint, NULL, sum_add, sum_undo,
     "Sums its argument (test function)."},
    {"TEST_UDAF", "INT v", NULL, "BIGINT", "BIGINT", zero_bigint, NULL, sum_add, sum_undo, ""},
    {"TEST_UDAF", "DOUBLE v", NULL, "DOUBLE", "DOUBLE", zero_double, NULL, dsum_add, dsum_undo, ""},
    {"TEST_UDAF", "STRING v", NULL, "BIGINT", "BIGINT", zero_bigint, NULL, sum_add, sum_undo, ""},
    {"TEST_UDAF", PAIR " v", NULL, PAIR, PAIR, zero_pair, NULL, pair_add, pair_undo, ""},
    {"VAR_ARG", "BIGINT first, STRING... rest", NULL, "BIGINT", "BIGINT", zero_bigint, NULL,
     sum_add, sum_undo, "Sums first and the lengths of rest (test function)."},
    {"MID_VAR_ARG", "BIGINT first, STRING... rest", "INT a, INT b", "BIGINT", "BIGINT", NULL,
     init_sum, sum_add, sum_undo, "VAR_ARG starting at a + b (test function)."},
    {"MULTI_ARG", "BIGINT first, STRING second", "INT base, STRING... extra", "BIGINT", "BIGINT",
     NULL, init_sum, sum_add, sum_undo, "Sums first and lengths, from init arguments (test)."},
    {"FOUR_ARG", "BIGINT a, STRING b, STRING c, STRING d", "INT base, STRING... extra", "BIGINT",
     "BIGINT", NULL, init_sum, sum_add, sum_undo, "MULTI_ARG over four columns (test)."},
    {"FIVE_ARG", "BIGINT a, STRING b, STRING c, STRING d, INT e", "INT base, STRING... extra",
     "BIGINT", "BIGINT", NULL, init_sum, sum_add, sum_undo, "MULTI_ARG over five columns (test)."},
    {"OBJ_COL_ARG", "INT first, ANY... rest", NULL, "ARRAY<INT>", "ARRAY<INT>", empty_list, NULL,
     collect_first, NULL, "Collects first from rows without NULLs (test function)."},
    {"GENERIC_VAR_ARG", "T first, INT second, U... rest", NULL, "ARRAY<T>", "ARRAY<T>", empty_list,
     NULL, collect_first, NULL, "Collects first from rows without NULLs (test function)."},
};

WALLEYE_UDF_INIT(host, lib) {
  H = host;
  for (size_t i = 0; i < sizeof AGGS / sizeof AGGS[0]; i++) {
    const agg_t *g = &AGGS[i];
    wy_udf_aggregate_t a = {
        .size = sizeof a,
        .name = g->name,
        .params = g->params,
        .returns = g->returns,
        .state = g->state,
        .init = g->init,
        .accumulate = g->accumulate,
        .undo = g->undo,
        .result = same,
        .description = g->description,
        .author = "walleye (ksqlDB's test functions)",
        .version = "1.0",
        .init_params = g->init_params,
        .init_with = g->init_with,
    };
    if (host->add_aggregate(lib, &a)) return WY_UDF_ERROR;
  }
  return WY_UDF_OK;
}
