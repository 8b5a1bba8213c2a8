/* udf/registry: signatures, overload resolution, iteration, aggregate functions and
 * their state encoding, and the text rendering shared with CAST. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/numtext.h"
#include "udf/convert.h"
#include "udf/registry.h"

static wy_status_t fn_dummy(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_int((int32_t)n);
  return WY_OK;
}

static wy_overload_def_t def(const char *name, const char *sig, const char *ret) {
  wy_overload_def_t d = {.name = name,
                         .category = "OTHER",
                         .signature = sig,
                         .ret = ret,
                         .fn = fn_dummy,
                         .description = "test"};
  return d;
}

static wy_status_t resolve(const wy_registry_t *r, const char *name, const wy_type_t **types,
                           size_t n, wy_resolved_t *res, wy_error_t *err) {
  wy_call_arg_t args[8] = {{0}};
  for (size_t i = 0; i < n; i++) args[i].type = types[i];
  return wy_registry_resolve(r, name, args, n, false, NULL, NULL, res, err);
}

static void exact_match_beats_widening(void **state) {
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t d1 = def("f", "BIGINT", "BIGINT"), d2 = def("F", "INT", "INT"),
                    d3 = def("f", "DOUBLE", "DOUBLE");
  assert_int_equal(wy_registry_add(r, &d1, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &d2, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &d3, &err), WY_OK);
  wy_resolved_t res;
  const wy_type_t *t[1] = {wy_type_int()};
  assert_int_equal(resolve(r, "f", t, 1, &res, &err), WY_OK);
  assert_int_equal(res.ret->kind, WY_T_INT);
  wy_resolved_release(&res);
  /* DECIMAL widens to DOUBLE only. */
  t[0] = wy_type_decimal(4, 2);
  assert_int_equal(resolve(r, "F", t, 1, &res, &err), WY_OK);
  assert_int_equal(res.ret->kind, WY_T_DOUBLE);
  assert_int_equal(res.param_types[0]->kind, WY_T_DOUBLE);
  wy_resolved_release(&res);
  wy_type_unref(t[0]);
  t[0] = wy_type_string();
  assert_int_equal(resolve(r, "f", t, 1, &res, &err), WY_ERR_TYPE);
  /* a built-in scalar is named lower-case, as ksqlDB declares them; overloads sorted */
  assert_string_equal(err.msg,
                      "Function 'f' does not accept parameters (STRING).\n"
                      "Valid alternatives are:\nf(BIGINT)\nf(DOUBLE)\nf(INTEGER)");
  assert_int_equal(wy_registry_add(r, &d2, &err), WY_ERR_EXISTS);
  wy_registry_destroy(r);
}

/* Names and overloads as ksqlDB prints them in errors and DESCRIBE FUNCTION. */
static void names_and_overloads_read_as_ksqldb_prints_them(void **state) {
  (void)state;
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t v = def("join_all", "STRING sep, STRING... parts", "STRING"),
                    g = def("join_all", "ARRAY<T> list, FN(T => STRING) f", "STRING"),
                    z = def("NOW_ISH", "", "BIGINT");
  v.path = g.path = "/opt/udf/libjoin.so";
  assert_int_equal(wy_registry_add(r, &v, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &g, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &z, &err), WY_OK);
  const wy_function_t *f = wy_registry_find(r, "JOIN_ALL");
  char buf[256];
  assert_false(wy_function_is_builtin(f));
  assert_string_equal(wy_function_display_name(f, buf, sizeof buf), "JOIN_ALL"); /* as loaded */
  wy_overload_describe(f, &f->overloads[0], buf, sizeof buf);
  assert_string_equal(buf, "JOIN_ALL(STRING sep, STRING... parts)");
  wy_overload_describe(f, &f->overloads[1], buf, sizeof buf);
  assert_string_equal(buf, "JOIN_ALL(ARRAY<T> list, LAMBDA(T => STRING) f)");
  const wy_function_t *n = wy_registry_find(r, "now_ish");
  assert_true(wy_function_is_builtin(n));
  wy_overload_describe(n, &n->overloads[0], buf, sizeof buf);
  assert_string_equal(buf, "now_ish()");
  /* a long description is cut, never overrun */
  char small[8];
  assert_true(wy_overload_describe(f, &f->overloads[0], small, sizeof small) >= sizeof small);
  assert_string_equal(small, "JOIN_AL");
  /* aggregates (and COALESCE) keep ksqlDB's upper case */
  wy_function_t agg = {.name = "TOPK", .flags = WY_FN_AGGREGATE, .path = "internal"};
  assert_string_equal(wy_function_display_name(&agg, buf, sizeof buf), "TOPK");
  wy_function_t co = {.name = "COALESCE", .path = "internal"};
  assert_string_equal(wy_function_display_name(&co, buf, sizeof buf), "COALESCE");
  /* no overload fits: the loaded name, the argument types, every overload sorted */
  wy_resolved_t res;
  const wy_type_t *t[1] = {wy_type_int()};
  assert_int_equal(resolve(r, "join_all", t, 1, &res, &err), WY_ERR_TYPE);
  assert_string_equal(err.msg,
                      "Function 'JOIN_ALL' does not accept parameters (INTEGER).\n"
                      "Valid alternatives are:\n"
                      "JOIN_ALL(ARRAY<T> list, LAMBDA(T => STRING) f)\n"
                      "JOIN_ALL(STRING sep, STRING... parts)");
  /* only untyped NULLs bind no generic: ksqlDB calls that ambiguous */
  wy_overload_def_t pk = def("pick_one", "T, T...", "T");
  assert_int_equal(wy_registry_add(r, &pk, &err), WY_OK);
  const wy_type_t *nulls[2] = {NULL, NULL};
  assert_int_equal(resolve(r, "PICK_ONE", nulls, 2, &res, &err), WY_ERR_TYPE);
  assert_string_equal(err.msg,
                      "Function 'pick_one' cannot be resolved due to ambiguous method "
                      "parameters (null, null).");
  wy_registry_destroy(r);
}

static void generics_bind_to_the_widest_argument(void **state) {
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t d = def("pick", "T, T...", "T"), m = def("keys", "MAP<K, V>", "ARRAY<K>");
  assert_int_equal(wy_registry_add(r, &d, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &m, &err), WY_OK);
  wy_resolved_t res;
  const wy_type_t *t[3] = {wy_type_int(), NULL, wy_type_bigint()};
  assert_int_equal(resolve(r, "pick", t, 3, &res, &err), WY_OK);
  assert_int_equal(res.ret->kind, WY_T_BIGINT);
  assert_int_equal(res.param_types[1]->kind, WY_T_BIGINT); /* the NULL takes T */
  wy_resolved_release(&res);
  t[1] = wy_type_string();
  assert_int_equal(resolve(r, "pick", t, 3, &res, &err), WY_ERR_TYPE);
  const wy_type_t *mt = wy_type_map(wy_type_string(), wy_type_double());
  assert_int_equal(resolve(r, "keys", &mt, 1, &res, &err), WY_OK);
  char buf[64];
  wy_type_format(res.ret, buf, sizeof buf);
  assert_string_equal(buf, "ARRAY<STRING>");
  wy_resolved_release(&res);
  wy_type_unref(mt);
  assert_int_equal(resolve(r, "keys", t, 1, &res, &err), WY_ERR_TYPE);
  wy_registry_destroy(r);
}

static void malformed_signatures_are_rejected(void **state) {
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t a = def("g", "ARRAY<", "INT"), b = def("g", "INT..., INT...", "INT"),
                    c = def("g", "INT", "WHAT");
  assert_int_equal(wy_registry_add(r, &a, &err), WY_ERR_INVALID);
  assert_int_equal(wy_registry_add(r, &b, &err), WY_ERR_INVALID);
  assert_int_equal(wy_registry_add(r, &c, &err), WY_ERR_INVALID);
  /* literal (init) parameters come last */
  wy_overload_def_t d = def("g", "LITERAL INT n, BIGINT", "INT");
  assert_int_equal(wy_registry_add(r, &d, &err), WY_ERR_INVALID);
  assert_null(wy_registry_find(r, "g"));
  wy_registry_destroy(r);
}

static void builtins_are_iterable_in_name_order_with_metadata(void **state) {
  const wy_registry_t *r = wy_registry_builtins();
  assert_non_null(r);
  size_t n = wy_registry_count(r);
  assert_true(n > 100);
  for (size_t i = 1; i < n; i++)
    assert_true(strcmp(wy_registry_at(r, i - 1)->name, wy_registry_at(r, i)->name) < 0);
  for (size_t i = 0; i < n; i++) {
    const wy_function_t *f = wy_registry_at(r, i);
    assert_true(f->description[0] != '\0');
    assert_true(f->noverloads > 0);
  }
  const wy_function_t *f = wy_registry_find(r, "latest_by_offset");
  assert_non_null(f);
  assert_true(f->flags & WY_FN_AGGREGATE);
  assert_int_equal(f->noverloads, 4);
  assert_true(wy_registry_find(r, "RANDOM")->flags & WY_FN_NONDETERMINISTIC);
  assert_string_equal(wy_registry_find(r, "SUBSTRING")->category, "STRING");
  assert_null(wy_registry_find(r, "NO_SUCH_FUNCTION"));
}

static void widening_costs_and_common_types(void **state) {
  assert_int_equal(wy_type_widen_cost(wy_type_int(), wy_type_int()), 0);
  assert_true(wy_type_widen_cost(wy_type_int(), wy_type_bigint()) > 0);
  assert_true(wy_type_widen_cost(wy_type_int(), wy_type_double()) >
              wy_type_widen_cost(wy_type_int(), wy_type_bigint()));
  assert_int_equal(wy_type_widen_cost(wy_type_double(), wy_type_int()), -1);
  assert_int_equal(wy_type_widen_cost(wy_type_string(), wy_type_int()), -1);
  const wy_type_t *d1 = wy_type_decimal(4, 2), *d2 = wy_type_decimal(10, 0);
  assert_int_equal(wy_type_widen_cost(d1, d2), -1);
  const wy_type_t *c = wy_type_common(d1, d2);
  assert_int_equal(c->precision, 12);
  assert_int_equal(c->scale, 2);
  wy_type_unref(c);
  c = wy_type_common(wy_type_int(), d1);
  assert_int_equal(c->precision, 12);
  wy_type_unref(c);
  assert_null(wy_type_common(wy_type_boolean(), wy_type_int()));
  wy_type_unref(d1);
  wy_type_unref(d2);
}

/* ---- aggregates ---- */

typedef struct {
  wy_resolved_t res;
  wy_fn_ctx_t ctx;
  wy_error_t err;
  wy_arena_t arena;
  wy_value_t acc;
} agg_t;

static void agg_open(agg_t *g, const char *name, const wy_type_t **types, size_t n) {
  wy_call_arg_t args[4] = {{0}};
  for (size_t i = 0; i < n; i++) args[i].type = types[i];
  assert_int_equal(wy_registry_resolve(wy_registry_builtins(), name, args, n, true, NULL, NULL,
                                       &g->res, &g->err),
                   WY_OK);
  wy_arena_init(&g->arena, 0);
  memset(&g->ctx, 0, sizeof g->ctx);
  g->ctx.arena = &g->arena;
  g->ctx.err = &g->err;
  g->ctx.ret = g->res.ret;
  g->ctx.arg_types = g->res.param_types;
  g->ctx.nargs = n;
  assert_int_equal(g->res.ov->agg->init(&g->ctx, &g->acc), WY_OK);
}
static wy_status_t agg_add(agg_t *g, const wy_value_t *args, size_t n) {
  return g->res.ov->agg->accumulate(&g->ctx, args, n, &g->acc);
}
static const char *agg_text(agg_t *g, char *buf, size_t cap) {
  wy_value_t out;
  assert_int_equal(g->res.ov->agg->result(&g->ctx, &g->acc, &out), WY_OK);
  const char *s;
  size_t len;
  wy_value_format_sql(&out, g->res.ret, &g->arena, &s, &len);
  snprintf(buf, cap, "%.*s", (int)len, s);
  return buf;
}
static void agg_close(agg_t *g) {
  wy_resolved_release(&g->res);
  wy_arena_release(&g->arena);
}

static void count_and_sum_accumulate_and_undo(void **state) {
  char buf[128];
  agg_t g;
  const wy_type_t *it[1] = {wy_type_int()};
  agg_open(&g, "COUNT", it, 1);
  wy_value_t vals[3] = {wy_int(1), wy_null(WY_T_INT), wy_int(3)};
  for (int i = 0; i < 3; i++) agg_add(&g, &vals[i], 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "2");
  assert_int_equal(g.res.ov->agg->undo(&g.ctx, &vals[0], 1, &g.acc), WY_OK);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "1");
  agg_close(&g);
  agg_open(&g, "COUNT", NULL, 0); /* COUNT(*) counts rows */
  agg_add(&g, NULL, 0);
  agg_add(&g, NULL, 0);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "2");
  agg_close(&g);
  agg_open(&g, "SUM", it, 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "0"); /* NULLs only: 0, as ksqlDB */
  assert_int_equal(g.res.ret->kind, WY_T_INT);
  wy_value_t big = wy_int(INT32_MAX), one = wy_int(1), nul = wy_null(WY_T_INT);
  agg_add(&g, &big, 1);
  agg_add(&g, &nul, 1);
  agg_add(&g, &one, 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "-2147483648");
  agg_close(&g);
  const wy_type_t *dt[1] = {wy_type_decimal(4, 1)};
  agg_open(&g, "SUM", dt, 1);
  wy_value_t d1 = wy_decimal(5004, 4, 1), d2 = wy_decimal(5000, 4, 1);
  assert_int_equal(agg_add(&g, &d1, 1), WY_OK);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "500.4");
  assert_int_equal(agg_add(&g, &d2, 1), WY_ERR_EVAL); /* 1000.4 needs DECIMAL(5, 1) */
  agg_close(&g);
  wy_type_unref(dt[0]);
  const wy_type_t *lt[1] = {wy_type_array(wy_type_bigint())};
  agg_open(&g, "SUM_LIST", lt, 1);
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_list_t *l = wy_list_new(&a, 3);
  l->items[0] = wy_bigint(922337203685LL), l->items[1] = wy_bigint(1),
  l->items[2] = wy_null(WY_T_BIGINT);
  wy_value_t arr = wy_array(l);
  agg_add(&g, &arr, 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "922337203686");
  agg_close(&g);
  wy_arena_release(&a);
  wy_type_unref(lt[0]);
}

static void avg_min_max(void **state) {
  char buf[128];
  agg_t g;
  const wy_type_t *it[1] = {wy_type_int()};
  agg_open(&g, "AVG", it, 1);
  wy_value_t v[3] = {wy_int(1), wy_int(2), wy_null(WY_T_INT)};
  for (int i = 0; i < 3; i++) agg_add(&g, &v[i], 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "1.5");
  g.res.ov->agg->undo(&g.ctx, &v[1], 1, &g.acc);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "1.0");
  agg_close(&g);
  const wy_type_t *st[1] = {wy_type_string()};
  agg_open(&g, "MIN", st, 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "null");
  wy_value_t s[4] = {wy_string("B", 1), wy_null(WY_T_STRING), wy_string("A", 1), wy_string("C", 1)};
  for (int i = 0; i < 4; i++) agg_add(&g, &s[i], 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "A");
  assert_null(g.res.ov->agg->undo);
  agg_close(&g);
  agg_open(&g, "MAX", st, 1);
  for (int i = 0; i < 4; i++) agg_add(&g, &s[i], 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "C");
  agg_close(&g);
}

static void latest_and_earliest_by_offset(void **state) {
  char buf[128];
  agg_t g;
  wy_value_t seq[3] = {wy_int(12), wy_null(WY_T_INT), wy_int(13)};
  const wy_type_t *t1[1] = {wy_type_int()}, *t2[2] = {wy_type_int(), wy_type_boolean()},
                  *t3[3] = {wy_type_int(), wy_type_int(), wy_type_boolean()};
  static const char *const want_latest[3] = {"12", "12", "13"}, *const want_latest_keep[3] = {
                                                                    "12", "null", "13"};
  static const char *const want_n_ignore[3] = {"[12]", "[12]", "[12, 13]"},
                           *const want_n_keep[3] = {"[12]", "[12, null]", "[null, 13]"};
  agg_open(&g, "LATEST_BY_OFFSET", t1, 1);
  for (int i = 0; i < 3; i++) {
    agg_add(&g, &seq[i], 1);
    assert_string_equal(agg_text(&g, buf, sizeof buf), want_latest[i]);
  }
  agg_close(&g);
  agg_open(&g, "LATEST_BY_OFFSET", t2, 2);
  for (int i = 0; i < 3; i++) {
    wy_value_t args[2] = {seq[i], wy_bool(false)};
    agg_add(&g, args, 2);
    assert_string_equal(agg_text(&g, buf, sizeof buf), want_latest_keep[i]);
  }
  agg_close(&g);
  for (int keep = 0; keep < 2; keep++) {
    agg_open(&g, "LATEST_BY_OFFSET", t3, 3);
    for (int i = 0; i < 3; i++) {
      wy_value_t args[3] = {seq[i], wy_int(2), wy_bool(!keep)};
      agg_add(&g, args, 3);
      assert_string_equal(agg_text(&g, buf, sizeof buf), keep ? want_n_keep[i] : want_n_ignore[i]);
    }
    assert_int_equal(g.res.ret->kind, WY_T_ARRAY);
    agg_close(&g);
  }
  agg_open(&g, "LATEST_BY_OFFSET", t3, 2); /* (T, INT n) */
  wy_value_t bad[2] = {wy_int(1), wy_int(0)};
  assert_int_equal(agg_add(&g, bad, 2), WY_ERR_EVAL);
  agg_close(&g);
  agg_open(&g, "EARLIEST_BY_OFFSET", t2, 2);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "null");
  for (int i = 1; i < 3; i++) {
    wy_value_t args[2] = {seq[i], wy_bool(false)};
    agg_add(&g, args, 2);
  }
  assert_string_equal(agg_text(&g, buf, sizeof buf), "null"); /* the NULL came first and is kept */
  agg_close(&g);
  agg_open(&g, "EARLIEST_BY_OFFSET", t1, 1);
  for (int i = 1; i < 3; i++) agg_add(&g, &seq[i], 1);
  assert_string_equal(agg_text(&g, buf, sizeof buf), "13");
  agg_close(&g);
  agg_open(&g, "EARLIEST_BY_OFFSET", t3, 2);
  for (int i = 0; i < 3; i++) {
    wy_value_t args[2] = {seq[i], wy_int(2)};
    agg_add(&g, args, 2);
  }
  assert_string_equal(agg_text(&g, buf, sizeof buf), "[12, 13]");
  agg_close(&g);
}

static void aggregate_state_round_trips_through_bytes(void **state) {
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_list_t *l = wy_list_new(&a, 3);
  l->items[0] = wy_string("héllo", 6);
  l->items[1] = wy_null(WY_T_DOUBLE);
  l->items[2] = wy_decimal(-12345, 7, 2);
  wy_map_t *m = wy_map_new(&a, 1);
  m->keys[0] = wy_string("k", 1);
  m->vals[0] = wy_array(l);
  wy_value_t v = wy_mapv(m), back;
  uint8_t buf[256];
  size_t n = wy_udf_state_encode(&v, buf, sizeof buf);
  assert_true(n > 0 && n < sizeof buf);
  assert_int_equal(wy_udf_state_encode(&v, NULL, 0), n);
  wy_error_t err;
  assert_int_equal(wy_udf_state_decode(buf, n, &a, &back, &err), WY_OK);
  assert_true(wy_value_equal(&v, &back));
  assert_int_equal(back.u.map->vals[0].u.list->items[2].scale, 2);
  for (size_t cut = 0; cut < n; cut++)
    assert_int_equal(wy_udf_state_decode(buf, cut, &a, &back, &err), WY_ERR_DECODE);
  uint8_t junk[3] = {0x7f, 1, 2};
  assert_int_equal(wy_udf_state_decode(junk, 3, &a, &back, &err), WY_ERR_DECODE);
  wy_arena_release(&a);
}

/* ---- rendering ---- */

static void doubles_render_like_java(void **state) {
  static const struct {
    double d;
    const char *s;
  } cases[] = {{2.0, "2.0"},           {1e10, "1.0E10"},
               {1.234e-5, "1.234E-5"}, {0.001, "0.001"},
               {1e7, "1.0E7"},         {9999999.0, "9999999.0"},
               {-0.5, "-0.5"},         {0.1 + 0.2, "0.30000000000000004"},
               {100.0, "100.0"},       {123456.789, "123456.789"},
               {-0.0, "-0.0"},         {1.7976931348623157e308, "1.7976931348623157E308"}};
  char buf[64];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wy_double_java(cases[i].d, buf);
    assert_string_equal(buf, cases[i].s);
  }
  wy_double_java(NAN, buf);
  assert_string_equal(buf, "NaN");
}

static void text_parsing_is_strict(void **state) {
  wy_value_t v;
  assert_true(wy_text_to_value(" 12 ", 4, wy_type_int(), NULL, &v));
  assert_int_equal(v.u.i32, 12);
  assert_false(wy_text_to_value("2147483648", 10, wy_type_int(), NULL, &v));
  assert_true(wy_text_to_value("2147483648", 10, wy_type_bigint(), NULL, &v));
  assert_false(wy_text_to_value("1.5", 3, wy_type_int(), NULL, &v));
  assert_true(wy_text_to_value("1e3", 3, wy_type_double(), NULL, &v));
  assert_false(wy_text_to_value("0x10", 4, wy_type_double(), NULL, &v));
  assert_true(wy_text_to_value("N", 1, wy_type_boolean(), NULL, &v));
  assert_false(v.u.b);
  assert_false(wy_text_to_value("maybe", 5, wy_type_boolean(), NULL, &v));
  int64_t ms;
  assert_true(wy_parse_timestamp_iso("2022-04-28T21:44:47.943+01:00", 29, &ms));
  assert_int_equal(ms, 1651182287943LL - 3600000);
  assert_false(wy_parse_timestamp_iso("2022-13-01", 10, &ms));
}

static const char *resolve_msg(const wy_registry_t *r, const char *name, const wy_type_t **t,
                               size_t n, wy_error_t *err) {
  wy_resolved_t res;
  if (resolve(r, name, t, n, &res, err) == WY_OK) {
    wy_resolved_release(&res);
    return NULL;
  }
  return err->msg;
}

/* ksqlDB's UDAFs may put their variadic parameter before others (the column
 * arguments, then the init arguments). */
static void a_variadic_parameter_may_stand_in_the_middle(void **state) {
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t d = def("mid", "BIGINT first, STRING... rest, INT a, INT b", "BIGINT");
  assert_int_equal(wy_registry_add(r, &d, &err), WY_OK);
  const wy_type_t *bi = wy_type_bigint(), *s = wy_type_string(), *i = wy_type_int();
  const wy_type_t *none[] = {bi, i, i}, *two[] = {bi, s, s, i, i}, *bad[] = {bi, s, s, i},
                  *wrong[] = {s, s, i, i};
  assert_null(resolve_msg(r, "mid", none, 3, &err));
  assert_null(resolve_msg(r, "mid", two, 5, &err));
  assert_non_null(
      strstr(resolve_msg(r, "mid", bad, 4, &err),
             "Function 'mid' does not accept parameters (BIGINT, STRING, STRING, INTEGER).\n"
             "Valid alternatives are:\n"));
  assert_non_null(resolve_msg(r, "mid", wrong, 4, &err));
  const wy_overload_t *ov = &wy_registry_find(r, "mid")->overloads[0];
  assert_true(ov->variadic);
  assert_int_equal(ov->vararg, 1);
  size_t want[] = {0, 1, 1, 1, 2, 3};
  for (size_t k = 0; k < 6; k++) assert_int_equal(wy_overload_param_of(ov, 6, k), want[k]);
  assert_int_equal(wy_overload_param_of(ov, 3, 1), 2); /* no variadic argument at all */
  wy_registry_destroy(r);
}

/* A UDAF's init parameters take literal arguments only; the analyzer enforces it. */
static void literal_parameters_are_marked(void **state) {
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t a = def("lit", "T, LITERAL INT n", "ARRAY<T>");
  wy_overload_def_t b = def("lit2", "BIGINT, STRING", "BIGINT");
  b.literal_signature = "INT base, STRING... extra";
  assert_int_equal(wy_registry_add(r, &a, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &b, &err), WY_OK);
  const wy_overload_t *oa = &wy_registry_find(r, "lit")->overloads[0];
  const wy_overload_t *ob = &wy_registry_find(r, "lit2")->overloads[0];
  assert_int_equal(oa->nliteral, 1);
  assert_false(wy_overload_arg_literal(oa, 2, 0));
  assert_true(wy_overload_arg_literal(oa, 2, 1));
  assert_int_equal(ob->nparams, 4);
  assert_int_equal(ob->nliteral, 2);
  assert_int_equal(ob->vararg, 3);
  bool want[] = {false, false, true, true, true};
  for (size_t k = 0; k < 5; k++) assert_int_equal(wy_overload_arg_literal(ob, 5, k), want[k]);
  /* resolution itself still goes by types: the literal check comes after it */
  const wy_type_t *bi = wy_type_bigint(), *s = wy_type_string(), *i = wy_type_int();
  const wy_type_t *ok[] = {bi, s, i, s, s}, *missing[] = {bi, s};
  assert_null(resolve_msg(r, "lit2", ok, 5, &err));
  assert_non_null(strstr(resolve_msg(r, "lit2", missing, 2, &err),
                         "Function 'lit2' does not accept parameters (BIGINT, STRING).\n"));
  wy_registry_destroy(r);
}

/* Generic aggregate states bind the placeholders of the parameters. */
static void signature_patterns_instantiate_from_argument_types(void **state) {
  wy_error_t err;
  const wy_type_t *d51 = wy_type_decimal(5, 1), *i = wy_type_int(), *dbl = wy_type_double(),
                  *s = wy_type_string();
  const wy_type_t *args[] = {d51, i, dbl, dbl}, *bad[] = {d51, i, dbl, s};
  const wy_type_t *t =
      wy_signature_instantiate("T first, INT n, U... rest", args, 4, "ARRAY<T>", &err);
  assert_non_null(t);
  char buf[64];
  wy_type_format(t, buf, sizeof buf);
  assert_string_equal(buf, "ARRAY<DECIMAL(5, 1)>");
  wy_type_unref(t);
  t = wy_signature_instantiate("T first, INT n, U... rest", args, 4, "MAP<STRING, U>", &err);
  wy_type_format(t, buf, sizeof buf);
  assert_string_equal(buf, "MAP<STRING, DOUBLE>");
  wy_type_unref(t);
  /* U cannot be both DOUBLE and STRING; V is bound by nothing */
  assert_null(wy_signature_instantiate("T first, INT n, U... rest", bad, 4, "ARRAY<U>", &err));
  assert_null(wy_signature_instantiate("T first, INT n, U... rest", args, 4, "ARRAY<V>", &err));
  assert_true(wy_type_pattern_valid("STRUCT<A INT, B ARRAY<STRING>>"));
  assert_false(wy_type_pattern_valid("ARRAY<T"));
  wy_type_unref(d51);
}

/* ANY takes every type; STRUCT<...> and DECIMAL(p, s) parameters are concrete. */
static void any_and_concrete_struct_parameters(void **state) {
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t a = def("obj", "INT first, ANY... rest", "INT"),
                    b = def("st", "STRUCT<A INT, B INT> v", "INT"),
                    c = def("dec", "DECIMAL(4, 2) v", "INT");
  assert_int_equal(wy_registry_add(r, &a, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &b, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &c, &err), WY_OK);
  wy_type_t *ab = wy_type_struct_new(), *ac = wy_type_struct_new();
  wy_type_struct_add(ab, "A", wy_type_int());
  wy_type_struct_add(ab, "B", wy_type_int());
  wy_type_struct_add(ac, "A", wy_type_int());
  wy_type_struct_add(ac, "C", wy_type_int());
  const wy_type_t *i = wy_type_int(), *m = wy_type_map(wy_type_string(), wy_type_int()),
                  *d = wy_type_decimal(3, 1);
  const wy_type_t *mixed[] = {i, m, ab, d, wy_type_string()}, *s1[] = {ab}, *s2[] = {ac},
                  *dd[] = {d};
  assert_null(resolve_msg(r, "obj", mixed, 5, &err));
  assert_null(resolve_msg(r, "st", s1, 1, &err));
  assert_non_null(resolve_msg(r, "st", s2, 1, &err));
  assert_null(resolve_msg(r, "dec", dd, 1, &err)); /* DECIMAL(3, 1) widens to (4, 2) */
  char buf[64];
  wy_type_pat_format(wy_registry_find(r, "st")->overloads[0].params[0], buf, sizeof buf);
  assert_string_equal(buf, "STRUCT<`A` INTEGER, `B` INTEGER>");
  wy_type_unref(ab);
  wy_type_unref(ac);
  wy_type_unref(m);
  wy_type_unref(d);
  wy_registry_destroy(r);
}

/* Equal costs: ksqlDB prefers a fixed parameter list to a variadic one (a NULL fits
 * both (BIGINT, STRING) and (BIGINT...)). */
static void fixed_parameters_beat_variadic_on_equal_cost(void **state) {
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t v = def("tu", "BIGINT...", "INT"), f = def("tu", "BIGINT, STRING", "STRING");
  assert_int_equal(wy_registry_add(r, &v, &err), WY_OK);
  assert_int_equal(wy_registry_add(r, &f, &err), WY_OK);
  wy_call_arg_t args[2] = {{.type = wy_type_bigint()}, {.type = NULL}};
  wy_resolved_t res;
  assert_int_equal(wy_registry_resolve(r, "tu", args, 2, false, NULL, NULL, &res, &err), WY_OK);
  assert_int_equal(res.ret->kind, WY_T_STRING);
  wy_resolved_release(&res);
  wy_registry_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exact_match_beats_widening),
      cmocka_unit_test(names_and_overloads_read_as_ksqldb_prints_them),
      cmocka_unit_test(generics_bind_to_the_widest_argument),
      cmocka_unit_test(malformed_signatures_are_rejected),
      cmocka_unit_test(a_variadic_parameter_may_stand_in_the_middle),
      cmocka_unit_test(literal_parameters_are_marked),
      cmocka_unit_test(signature_patterns_instantiate_from_argument_types),
      cmocka_unit_test(any_and_concrete_struct_parameters),
      cmocka_unit_test(fixed_parameters_beat_variadic_on_equal_cost),
      cmocka_unit_test(builtins_are_iterable_in_name_order_with_metadata),
      cmocka_unit_test(widening_costs_and_common_types),
      cmocka_unit_test(count_and_sum_accumulate_and_undo),
      cmocka_unit_test(avg_min_max),
      cmocka_unit_test(latest_and_earliest_by_offset),
      cmocka_unit_test(aggregate_state_round_trips_through_bytes),
      cmocka_unit_test(doubles_render_like_java),
      cmocka_unit_test(text_parsing_is_strict),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
