/* The built-in aggregates of issue 18 (udf/udaf_collect.c, udf/udaf_stats.c): accumulate,
 * undo, merge, result, NULLs, empty input, limits, and the accumulator's state encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "udf/convert.h"
#include "udf/registry.h"

typedef struct {
  wy_resolved_t res;
  const wy_udaf_ops_t *ops;
  wy_fn_ctx_t ctx;
  wy_error_t err;
  wy_arena_t arena;
  wy_udaf_settings_t site;
  const wy_type_t *acc_type;
  wy_value_t acc;
} agg_t;

/* Resolve NAME over the argument types and start a fresh accumulator; limit > 0 sets
 * the call site's limit (COLLECT_*), as the analyzer does from the query's property. */
static void agg_open(agg_t *g, const char *name, const wy_type_t *const *types, size_t n,
                     int32_t limit) {
  wy_call_arg_t args[8] = {{0}};
  for (size_t i = 0; i < n; i++) args[i].type = types[i];
  assert_int_equal(wy_registry_resolve(wy_registry_builtins(), name, args, n, true, NULL, NULL,
                                       &g->res, &g->err),
                   WY_OK);
  g->ops = g->res.ov->agg;
  wy_arena_init(&g->arena, 0);
  memset(&g->ctx, 0, sizeof g->ctx);
  g->site.limit = limit;
  g->ctx.arena = &g->arena;
  g->ctx.err = &g->err;
  g->ctx.ret = g->res.ret;
  g->ctx.arg_types = g->res.param_types;
  g->ctx.nargs = n;
  g->ctx.site = limit > 0 ? &g->site : NULL;
  g->acc_type = g->ops->acc_type(types, n);
  assert_non_null(g->acc_type);
  assert_int_equal(g->ops->init(&g->ctx, &g->acc), WY_OK);
}
static void agg_close(agg_t *g) {
  wy_type_unref(g->acc_type);
  wy_resolved_release(&g->res);
  wy_arena_release(&g->arena);
}
static wy_status_t add(agg_t *g, const wy_value_t *args, size_t n) {
  return g->ops->accumulate(&g->ctx, args, n, &g->acc);
}
static void add1(agg_t *g, wy_value_t v) { assert_int_equal(add(g, &v, 1), WY_OK); }
static void undo1(agg_t *g, wy_value_t v) {
  assert_non_null(g->ops->undo);
  assert_int_equal(g->ops->undo(&g->ctx, &v, 1, &g->acc), WY_OK);
}
static const char *text_of(agg_t *g, const wy_value_t *v, const wy_type_t *t, char *buf,
                           size_t cap) {
  const char *s;
  size_t len;
  assert_int_equal(wy_value_format_sql(v, t, &g->arena, &s, &len), WY_OK);
  snprintf(buf, cap, "%.*s", (int)len, s);
  return buf;
}
static const char *result(agg_t *g, char *buf, size_t cap) {
  wy_value_t out;
  assert_int_equal(g->ops->result(&g->ctx, &g->acc, &out), WY_OK);
  return text_of(g, &out, g->res.ret, buf, cap);
}
static double result_double(agg_t *g) {
  wy_value_t out;
  assert_int_equal(g->ops->result(&g->ctx, &g->acc, &out), WY_OK);
  assert_int_equal(out.kind, WY_T_DOUBLE);
  return out.u.f64;
}
/* The accumulator survives the state store: encode, decode, same text. */
static void round_trip(agg_t *g) {
  uint8_t buf[65536];
  size_t n = wy_udf_state_encode(&g->acc, buf, sizeof buf);
  assert_true(n > 0 && n <= sizeof buf);
  wy_value_t back;
  assert_int_equal(wy_udf_state_decode(buf, n, &g->arena, &back, &g->err), WY_OK);
  char a[4096], b[4096];
  assert_string_equal(text_of(g, &back, g->acc_type, b, sizeof b),
                      text_of(g, &g->acc, g->acc_type, a, sizeof a));
  g->acc = back; /* go on from the decoded state */
}
/* Fold another accumulator (a later session) into g's. */
static void merge(agg_t *g, agg_t *later) {
  assert_int_equal(g->ops->merge(&g->ctx, &later->acc, &g->acc), WY_OK);
}

static const wy_value_t NUL_INT = {.kind = WY_T_INT, .null = 1};

static void collect_list_keeps_order_nulls_and_the_limit(void **state) {
  (void)state;
  char buf[512];
  const wy_type_t *it[] = {wy_type_int()};
  agg_t g;
  agg_open(&g, "COLLECT_LIST", it, 1, 0);
  assert_string_equal(result(&g, buf, sizeof buf), "[]");
  add1(&g, wy_int(1));
  add1(&g, NUL_INT);
  add1(&g, wy_int(2));
  add1(&g, wy_int(1));
  assert_string_equal(result(&g, buf, sizeof buf), "[1, null, 2, 1]");
  round_trip(&g);
  undo1(&g, wy_int(1)); /* the last 1 goes */
  assert_string_equal(result(&g, buf, sizeof buf), "[1, null, 2]");
  undo1(&g, NUL_INT);
  undo1(&g, wy_int(7)); /* never collected: nothing to take back */
  assert_string_equal(result(&g, buf, sizeof buf), "[1, 2]");
  agg_close(&g);

  agg_t l, later;
  agg_open(&l, "COLLECT_LIST", it, 1, 3);
  agg_open(&later, "COLLECT_LIST", it, 1, 3);
  for (int i = 1; i <= 5; i++) add1(&l, wy_int(i));
  assert_string_equal(result(&l, buf, sizeof buf), "[1, 2, 3]"); /* beyond 3: ignored */
  undo1(&l, wy_int(3));
  add1(&later, wy_int(8));
  add1(&later, wy_int(9));
  merge(&l, &later); /* the earlier session's values first, up to the limit */
  assert_string_equal(result(&l, buf, sizeof buf), "[1, 2, 8]");
  agg_close(&l);
  agg_close(&later);
  wy_type_unref(it[0]);
}

static void collect_list_takes_any_type(void **state) {
  (void)state;
  char buf[512];
  const wy_type_t *st = wy_type_array(wy_type_string());
  agg_t g;
  agg_open(&g, "COLLECT_LIST", &st, 1, 0);
  assert_string_equal(wy_type_format(g.res.ret, buf, sizeof buf) ? buf : "",
                      "ARRAY<ARRAY<STRING>>");
  wy_list_t *l = wy_list_new(&g.arena, 2);
  l->items[0] = wy_string("a", 1);
  l->items[1] = wy_null(WY_T_STRING);
  add1(&g, wy_array(l));
  add1(&g, wy_null(WY_T_ARRAY));
  assert_string_equal(result(&g, buf, sizeof buf), "[[a, null], null]");
  round_trip(&g);
  agg_close(&g);
  wy_type_unref(st);
}

static void collect_set_keeps_distinct_values_up_to_the_limit(void **state) {
  (void)state;
  char buf[512];
  const wy_type_t *st[] = {wy_type_string()};
  agg_t g, later;
  agg_open(&g, "COLLECT_SET", st, 1, 0);
  assert_null(g.ops->undo); /* ksqlDB: streams only */
  assert_string_equal(result(&g, buf, sizeof buf), "[]");
  add1(&g, wy_string("b", 1));
  add1(&g, wy_null(WY_T_STRING));
  add1(&g, wy_string("a", 1));
  add1(&g, wy_string("b", 1));
  add1(&g, wy_null(WY_T_STRING));
  assert_string_equal(result(&g, buf, sizeof buf), "[b, null, a]");
  round_trip(&g);
  agg_open(&later, "COLLECT_SET", st, 1, 0);
  add1(&later, wy_string("a", 1));
  add1(&later, wy_string("c", 1));
  merge(&g, &later);
  assert_string_equal(result(&g, buf, sizeof buf), "[b, null, a, c]");
  agg_close(&g);
  agg_close(&later);

  agg_open(&g, "COLLECT_SET", st, 1, 2);
  add1(&g, wy_string("x", 1));
  add1(&g, wy_string("x", 1));
  add1(&g, wy_string("y", 1));
  add1(&g, wy_string("z", 1));
  assert_string_equal(result(&g, buf, sizeof buf), "[x, y]");
  agg_close(&g);
  wy_type_unref(st[0]);
}

static void histogram_counts_undoes_and_stops_at_1000_strings(void **state) {
  (void)state;
  char buf[512];
  const wy_type_t *st[] = {wy_type_string()};
  agg_t g, later;
  agg_open(&g, "HISTOGRAM", st, 1, 0);
  assert_string_equal(result(&g, buf, sizeof buf), "{}");
  add1(&g, wy_string("a", 1));
  add1(&g, wy_string("b", 1));
  add1(&g, wy_null(WY_T_STRING)); /* no NULL key */
  add1(&g, wy_string("a", 1));
  assert_string_equal(result(&g, buf, sizeof buf), "{a=2, b=1}");
  round_trip(&g);
  undo1(&g, wy_string("b", 1)); /* a count of 0 leaves the map */
  undo1(&g, wy_string("q", 1));
  assert_string_equal(result(&g, buf, sizeof buf), "{a=2}");
  agg_open(&later, "HISTOGRAM", st, 1, 0);
  add1(&later, wy_string("c", 1));
  add1(&later, wy_string("a", 1));
  merge(&g, &later);
  assert_string_equal(result(&g, buf, sizeof buf), "{a=3, c=1}");
  agg_close(&g);
  agg_close(&later);

  agg_open(&g, "HISTOGRAM", st, 1, 0);
  char keys[1001][8];
  for (int i = 0; i <= 1000; i++) {
    int n = snprintf(keys[i], sizeof keys[i], "k%d", i);
    add1(&g, wy_string(keys[i], (size_t)n));
  }
  add1(&g, wy_string("k0", 2)); /* a known string still counts */
  wy_value_t out;
  assert_int_equal(g.ops->result(&g.ctx, &g.acc, &out), WY_OK);
  assert_int_equal(out.u.map->n, 1000);
  assert_int_equal(out.u.map->vals[0].u.i64, 2);
  agg_close(&g);
  wy_type_unref(st[0]);
}

static void topk_keeps_the_k_largest(void **state) {
  (void)state;
  char buf[512];
  const wy_type_t *t[] = {wy_type_bigint(), wy_type_int()};
  agg_t g, later;
  agg_open(&g, "TOPK", t, 2, 0);
  assert_string_equal(wy_type_format(g.res.ret, buf, sizeof buf) ? buf : "", "ARRAY<BIGINT>");
  assert_null(g.ops->undo);
  assert_string_equal(result(&g, buf, sizeof buf), "[]");
  int64_t in[] = {5, 1, 9, 7, 9};
  for (size_t i = 0; i < 5; i++) {
    wy_value_t a[2] = {wy_bigint(in[i]), wy_int(3)};
    assert_int_equal(add(&g, a, 2), WY_OK);
  }
  wy_value_t nul[2] = {wy_null(WY_T_BIGINT), wy_int(3)}; /* ignored */
  assert_int_equal(add(&g, nul, 2), WY_OK);
  assert_string_equal(result(&g, buf, sizeof buf), "[9, 9, 7]");
  round_trip(&g);
  wy_value_t zero[2] = {wy_bigint(1), wy_int(0)};
  assert_int_equal(add(&g, zero, 2), WY_ERR_EVAL);

  agg_open(&later, "TOPK", t, 2, 0);
  wy_value_t l8[2] = {wy_bigint(8), wy_int(3)};
  assert_int_equal(add(&later, l8, 2), WY_OK);
  merge(&g, &later); /* both sessions' values; the next row cuts to k */
  wy_value_t l2[2] = {wy_bigint(2), wy_int(3)};
  assert_int_equal(add(&g, l2, 2), WY_OK);
  assert_string_equal(result(&g, buf, sizeof buf), "[9, 9, 8]");
  agg_close(&g);
  agg_close(&later);
  wy_type_unref(t[0]);
  wy_type_unref(t[1]);
}

static void topk_with_other_columns_returns_structs(void **state) {
  (void)state;
  char buf[512];
  const wy_type_t *t[] = {wy_type_double(), wy_type_string(), wy_type_int(), wy_type_int()};
  agg_t g;
  agg_open(&g, "TOPK", t, 4, 0);
  assert_string_equal(wy_type_format(g.res.ret, buf, sizeof buf) ? buf : "",
                      "ARRAY<STRUCT<`sort_col` DOUBLE, `col0` STRING, `col1` INTEGER>>");
  wy_value_t r1[4] = {wy_double(1.5), wy_string("a", 1), wy_int(1), wy_int(2)};
  wy_value_t r2[4] = {wy_double(2.5), wy_null(WY_T_STRING), wy_int(2), wy_int(2)};
  wy_value_t r3[4] = {wy_double(0.5), wy_string("c", 1), wy_int(3), wy_int(2)};
  assert_int_equal(add(&g, r1, 4), WY_OK);
  assert_int_equal(add(&g, r2, 4), WY_OK);
  assert_int_equal(add(&g, r3, 4), WY_OK);
  assert_string_equal(result(&g, buf, sizeof buf),
                      "[Struct{sort_col=2.5,col1=2}, Struct{sort_col=1.5,col0=a,col1=1}]");
  round_trip(&g);
  agg_close(&g);
  for (int i = 0; i < 4; i++) wy_type_unref(t[i]);

  /* only comparable values can be ranked */
  const wy_type_t *bt[] = {wy_type_boolean(), wy_type_int()};
  wy_call_arg_t args[2] = {{.type = bt[0]}, {.type = bt[1]}};
  wy_resolved_t res;
  wy_error_t err;
  assert_int_not_equal(
      wy_registry_resolve(wy_registry_builtins(), "TOPK", args, 2, true, NULL, NULL, &res, &err),
      WY_OK);
  assert_non_null(strstr(err.msg, "TOPK"));
  wy_type_unref(bt[0]);
  wy_type_unref(bt[1]);
}

static void topkdistinct_ranks_each_value_once(void **state) {
  (void)state;
  char buf[512];
  const wy_type_t *t[] = {wy_type_string(), wy_type_int()};
  agg_t g, later;
  agg_open(&g, "TOPKDISTINCT", t, 2, 0);
  const char *in[] = {"b", "d", "b", "a", "d", "c"};
  for (size_t i = 0; i < 6; i++) {
    wy_value_t a[2] = {wy_string(in[i], 1), wy_int(3)};
    assert_int_equal(add(&g, a, 2), WY_OK);
  }
  assert_string_equal(result(&g, buf, sizeof buf), "[d, c, b]");
  agg_open(&later, "TOPKDISTINCT", t, 2, 0);
  wy_value_t e[2] = {wy_string("e", 1), wy_int(3)}, d[2] = {wy_string("d", 1), wy_int(3)};
  assert_int_equal(add(&later, e, 2), WY_OK);
  assert_int_equal(add(&later, d, 2), WY_OK);
  merge(&g, &later);
  assert_int_equal(add(&g, d, 2), WY_OK);
  assert_string_equal(result(&g, buf, sizeof buf), "[e, d, c]");
  agg_close(&g);
  agg_close(&later);
  wy_type_unref(t[0]);
  wy_type_unref(t[1]);
}

static void attr_is_the_only_value_or_null(void **state) {
  (void)state;
  char buf[512];
  const wy_type_t *t[] = {wy_type_string()};
  agg_t g, later;
  agg_open(&g, "ATTR", t, 1, 0);
  assert_string_equal(result(&g, buf, sizeof buf), "null"); /* no rows */
  add1(&g, wy_string("x", 1));
  add1(&g, wy_string("x", 1));
  assert_string_equal(result(&g, buf, sizeof buf), "x");
  add1(&g, wy_null(WY_T_STRING)); /* NULL is a value of its own */
  assert_string_equal(result(&g, buf, sizeof buf), "null");
  round_trip(&g);
  undo1(&g, wy_null(WY_T_STRING));
  assert_string_equal(result(&g, buf, sizeof buf), "x");
  undo1(&g, wy_string("x", 1));
  undo1(&g, wy_string("x", 1));
  assert_string_equal(result(&g, buf, sizeof buf), "null");
  add1(&g, wy_string("y", 1));
  agg_open(&later, "ATTR", t, 1, 0);
  add1(&later, wy_string("y", 1));
  merge(&g, &later);
  assert_string_equal(result(&g, buf, sizeof buf), "y");
  add1(&later, wy_string("z", 1));
  merge(&g, &later);
  assert_string_equal(result(&g, buf, sizeof buf), "null");
  agg_close(&g);
  agg_close(&later);
  wy_type_unref(t[0]);
}

static void stddev_samp_is_the_variance_and_sample_its_root(void **state) {
  (void)state;
  const wy_type_t *t[] = {wy_type_int()};
  agg_t v, s;
  agg_open(&v, "STDDEV_SAMP", t, 1, 0);
  agg_open(&s, "STDDEV_SAMPLE", t, 1, 0);
  assert_true(result_double(&v) == 0.0); /* no rows, one row: 0 */
  int32_t in[] = {2, 4, 4, 4, 5, 5, 7, 9};
  for (size_t i = 0; i < 8; i++) {
    add1(&v, wy_int(in[i]));
    add1(&s, wy_int(in[i]));
    if (i == 0) assert_true(result_double(&v) == 0.0);
  }
  add1(&v, NUL_INT);
  /* mean 5, squared deviations 32, 7 degrees of freedom */
  assert_true(fabs(result_double(&v) - 32.0 / 7) < 1e-12);
  assert_true(fabs(result_double(&s) - sqrt(32.0 / 7)) < 1e-12);
  round_trip(&v);
  undo1(&v, wy_int(9)); /* {2,4,4,4,5,5,7}: mean 31/7 */
  double mean = 31.0 / 7, ss = 0;
  for (size_t i = 0; i < 7; i++) ss += (in[i] - mean) * (in[i] - mean);
  assert_true(fabs(result_double(&v) - ss / 6) < 1e-9);
  agg_close(&v);
  agg_close(&s);
  wy_type_unref(t[0]);
}

static void stddev_merges_sessions_and_wraps_like_java(void **state) {
  (void)state;
  const wy_type_t *t[] = {wy_type_double()};
  agg_t a, b, all;
  agg_open(&a, "STDDEV_SAMPLE", t, 1, 0);
  agg_open(&b, "STDDEV_SAMPLE", t, 1, 0);
  agg_open(&all, "STDDEV_SAMPLE", t, 1, 0);
  double in[] = {1.5, -2.0, 8.25, 3.0, 3.0, 10.5};
  for (size_t i = 0; i < 6; i++) {
    add1(i < 3 ? &a : &b, wy_double(in[i]));
    add1(&all, wy_double(in[i]));
  }
  merge(&a, &b);
  assert_true(fabs(result_double(&a) - result_double(&all)) < 1e-12);
  agg_close(&a);
  agg_close(&b);
  agg_close(&all);
  wy_type_unref(t[0]);

  /* BIGINT sums wrap as Java's long: the state stays a BIGINT */
  const wy_type_t *lt[] = {wy_type_bigint()};
  agg_t l;
  agg_open(&l, "STDDEV_SAMP", lt, 1, 0);
  add1(&l, wy_bigint(INT64_MAX));
  add1(&l, wy_bigint(1));
  assert_int_equal(l.acc.u.list->items[0].kind, WY_T_BIGINT);
  assert_true(l.acc.u.list->items[0].u.i64 == INT64_MIN);
  round_trip(&l);
  agg_close(&l);
  wy_type_unref(lt[0]);
}

static void correlation_follows_pearson(void **state) {
  (void)state;
  const wy_type_t *t[] = {wy_type_bigint(), wy_type_bigint()};
  agg_t g, later;
  agg_open(&g, "CORRELATION", t, 2, 0);
  assert_true(isnan(result_double(&g))); /* no rows */
  wy_value_t r1[2] = {wy_bigint(1), wy_bigint(3)}, r2[2] = {wy_bigint(2), wy_bigint(5)};
  wy_value_t r3[2] = {wy_bigint(4), wy_bigint(9)}, rn[2] = {wy_bigint(7), wy_null(WY_T_BIGINT)};
  assert_int_equal(add(&g, r1, 2), WY_OK);
  assert_true(isnan(result_double(&g))); /* one row */
  assert_int_equal(add(&g, r2, 2), WY_OK);
  assert_int_equal(add(&g, rn, 2), WY_OK); /* y missing: the row does not count */
  assert_int_equal(add(&g, r3, 2), WY_OK);
  assert_true(fabs(result_double(&g) - 1.0) < 1e-12); /* y = 2x + 1 */
  round_trip(&g);
  assert_int_equal(g.ops->undo(&g.ctx, r3, 2, &g.acc), WY_OK);
  assert_true(fabs(result_double(&g) - 1.0) < 1e-12);
  agg_open(&later, "CORRELATION", t, 2, 0);
  wy_value_t r4[2] = {wy_bigint(3), wy_bigint(-10)};
  assert_int_equal(add(&later, r4, 2), WY_OK);
  merge(&g, &later); /* (1,3) (2,5) (3,-10) */
  double x[] = {1, 2, 3}, y[] = {3, 5, -10}, mx = 2, my = -2.0 / 3, sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 3; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  assert_true(fabs(result_double(&g) - sxy / sqrt(sxx * syy)) < 1e-12);
  agg_close(&g);
  agg_close(&later);

  agg_open(&g, "CORRELATION", t, 2, 0); /* a constant column: NaN */
  wy_value_t c1[2] = {wy_bigint(1), wy_bigint(4)}, c2[2] = {wy_bigint(2), wy_bigint(4)};
  assert_int_equal(add(&g, c1, 2), WY_OK);
  assert_int_equal(add(&g, c2, 2), WY_OK);
  assert_true(isnan(result_double(&g)));
  agg_close(&g);
  wy_type_unref(t[0]);
  wy_type_unref(t[1]);
}

static void only_collect_functions_have_a_limit_property(void **state) {
  (void)state;
  const wy_type_t *it[] = {wy_type_int()};
  const char *names[] = {"COLLECT_LIST", "COLLECT_SET", "HISTOGRAM", "SUM"};
  const char *props[] = {"ksql.functions.collect_list.limit", "ksql.functions.collect_set.limit",
                         NULL, NULL};
  const wy_type_t *st[] = {wy_type_string()};
  for (int i = 0; i < 4; i++) {
    agg_t g;
    agg_open(&g, names[i], i == 2 ? st : it, 1, 0);
    int32_t dflt = 0;
    const char *p = wy_udaf_limit_property(g.ops, &dflt);
    if (props[i]) {
      assert_string_equal(p, props[i]);
      assert_int_equal(dflt, 1000);
    } else {
      assert_null(p);
    }
    agg_close(&g);
  }
  wy_type_unref(it[0]);
  wy_type_unref(st[0]);
}

static int64_t result_bigint(agg_t *g) {
  wy_value_t out;
  assert_int_equal(g->ops->result(&g->ctx, &g->acc, &out), WY_OK);
  assert_int_equal(out.kind, WY_T_BIGINT);
  return out.u.i64;
}

static void count_distinct_is_exact_when_small_and_close_when_large(void **state) {
  (void)state;
  const wy_type_t *t[] = {wy_type_bigint()};
  agg_t g, later;
  agg_open(&g, "COUNT_DISTINCT", t, 1, 0);
  assert_null(g.ops->undo); /* streams only */
  assert_int_equal(result_bigint(&g), 0);
  add1(&g, wy_null(WY_T_BIGINT));
  assert_int_equal(result_bigint(&g), 0);
  for (int r = 0; r < 3; r++)
    for (int64_t i = 0; i < 20; i++) add1(&g, wy_bigint(i * 7919));
  assert_int_equal(result_bigint(&g), 20);
  assert_true(g.acc.len < 100); /* sparse while small */
  round_trip(&g);
  /* a repeated value neither changes nor grows the state */
  wy_value_t before = g.acc;
  add1(&g, wy_bigint(0));
  assert_ptr_equal(g.acc.u.str, before.u.str);

  agg_open(&later, "COUNT_DISTINCT", t, 1, 0);
  for (int64_t i = 10; i < 30; i++) add1(&later, wy_bigint(i * 7919)); /* 10 new */
  merge(&g, &later);
  assert_int_equal(result_bigint(&g), 30);
  agg_close(&later);

  for (int64_t i = 0; i < 100000; i++) add1(&g, wy_bigint(1000000 + i));
  assert_int_equal(g.acc.len, 4096); /* dense */
  int64_t est = result_bigint(&g);
  assert_true(est > 100030 * 0.95 && est < 100030 * 1.05);
  round_trip(&g);
  assert_int_equal(result_bigint(&g), est);
  agg_close(&g);
  wy_type_unref(t[0]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(collect_list_keeps_order_nulls_and_the_limit),
      cmocka_unit_test(collect_list_takes_any_type),
      cmocka_unit_test(collect_set_keeps_distinct_values_up_to_the_limit),
      cmocka_unit_test(histogram_counts_undoes_and_stops_at_1000_strings),
      cmocka_unit_test(topk_keeps_the_k_largest),
      cmocka_unit_test(topk_with_other_columns_returns_structs),
      cmocka_unit_test(topkdistinct_ranks_each_value_once),
      cmocka_unit_test(attr_is_the_only_value_or_null),
      cmocka_unit_test(stddev_samp_is_the_variance_and_sample_its_root),
      cmocka_unit_test(stddev_merges_sessions_and_wraps_like_java),
      cmocka_unit_test(correlation_follows_pearson),
      cmocka_unit_test(only_collect_functions_have_a_limit_property),
      cmocka_unit_test(count_distinct_is_exact_when_small_and_close_when_large),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
