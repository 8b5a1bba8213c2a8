/* Built-in aggregate functions. Accumulators are SQL values (see registry.h), so a
 * state store keeps them with wy_udf_state_encode. New lists go to ctx->arena. */
#include <string.h>

#include "engine/base/decimal.h"
#include "udf/builtins_int.h"

static const wy_type_t *acc_bigint(const wy_type_t *const *args, size_t n) {
  return wy_type_bigint();
}
static const wy_type_t *acc_arg0(const wy_type_t *const *args, size_t n) {
  return wy_type_ref(args[0]);
}
static const wy_type_t *acc_elem0(const wy_type_t *const *args, size_t n) {
  return wy_type_ref(args[0]->elem);
}
static const wy_type_t *acc_array0(const wy_type_t *const *args, size_t n) {
  return wy_type_array(wy_type_ref(args[0]));
}
static const wy_type_t *acc_avg(const wy_type_t *const *args, size_t n) {
  wy_type_t *s = wy_type_struct_new();
  if (s && (!wy_type_struct_add(s, "SUM", wy_type_double()) ||
            !wy_type_struct_add(s, "COUNT", wy_type_bigint()))) {
    wy_type_unref(s);
    return NULL;
  }
  return s;
}

/* ---- COUNT ---- */

static wy_status_t count_init(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  *acc = wy_bigint(0);
  return WY_OK;
}
static wy_status_t count_star_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n,
                                  wy_value_t *acc) {
  acc->u.i64++;
  return WY_OK;
}
static wy_status_t count_star_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n,
                                   wy_value_t *acc) {
  acc->u.i64--;
  return WY_OK;
}
static wy_status_t count_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  if (!a[0].null) acc->u.i64++;
  return WY_OK;
}
static wy_status_t count_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  if (!a[0].null) acc->u.i64--;
  return WY_OK;
}
static wy_status_t same_result(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  *out = *acc;
  return WY_OK;
}
static wy_status_t count_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  acc->u.i64 += later->u.i64;
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_count_star = {acc_bigint,      count_init,  count_star_acc,
                                          count_star_undo, same_result, count_merge};
const wy_udaf_ops_t wy_udaf_count = {acc_bigint, count_init,  count_acc,
                                     count_undo, same_result, count_merge};

/* ---- SUM, SUM_LIST ---- */

static wy_status_t zero_of(const wy_type_t *t, wy_value_t *acc) {
  switch (t->kind) {
    case WY_T_INT:
      *acc = wy_int(0);
      break;
    case WY_T_BIGINT:
      *acc = wy_bigint(0);
      break;
    case WY_T_DOUBLE:
      *acc = wy_double(0);
      break;
    default:
      *acc = wy_decimal(0, t->precision, t->scale);
      break;
  }
  return WY_OK;
}
static wy_status_t sum_init(wy_fn_ctx_t *ctx, wy_value_t *acc) { return zero_of(ctx->ret, acc); }

/* acc += sign * v, wrapping like Java for INT/BIGINT; DECIMAL fails on overflow. */
static wy_status_t add_to(wy_fn_ctx_t *ctx, wy_value_t *acc, const wy_value_t *v, int sign) {
  if (v->null) return WY_OK;
  switch (acc->kind) {
    case WY_T_INT:
      acc->u.i32 = (int32_t)((uint32_t)acc->u.i32 + (uint32_t)sign * (uint32_t)v->u.i32);
      break;
    case WY_T_BIGINT:
      acc->u.i64 = (int64_t)((uint64_t)acc->u.i64 + (uint64_t)(int64_t)sign * (uint64_t)v->u.i64);
      break;
    case WY_T_DOUBLE:
      acc->u.f64 += sign * v->u.f64;
      break;
    default: {
      wy_int128_t x;
      if (!wy_decimal_rescale(v->u.dec, v->scale, acc->scale, &x))
        return wy_fn_fail(ctx, "Numeric field overflow");
      wy_int128_t r = acc->u.dec + sign * x;
      if (!wy_decimal_fits(r, acc->precision))
        return wy_fn_fail(ctx, "Numeric field overflow: SUM exceeds DECIMAL(%d, %d)",
                          acc->precision, acc->scale);
      acc->u.dec = r;
    }
  }
  return WY_OK;
}
static wy_status_t sum_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return add_to(ctx, acc, &a[0], 1);
}
static wy_status_t sum_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return add_to(ctx, acc, &a[0], -1);
}
static wy_status_t sum_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  return add_to(ctx, acc, later, 1);
}
const wy_udaf_ops_t wy_udaf_sum = {acc_arg0, sum_init, sum_acc, sum_undo, same_result, sum_merge};

static wy_status_t sum_list_each(wy_fn_ctx_t *ctx, const wy_value_t *a, wy_value_t *acc, int sign) {
  if (a[0].null) return WY_OK;
  for (uint32_t i = 0; i < a[0].u.list->n; i++) {
    wy_status_t st = add_to(ctx, acc, &a[0].u.list->items[i], sign);
    if (st) return st;
  }
  return WY_OK;
}
static wy_status_t sum_list_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return sum_list_each(ctx, a, acc, 1);
}
static wy_status_t sum_list_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return sum_list_each(ctx, a, acc, -1);
}
const wy_udaf_ops_t wy_udaf_sum_list = {acc_elem0,     sum_init,    sum_list_acc,
                                        sum_list_undo, same_result, sum_merge};

/* ---- AVG: STRUCT<SUM DOUBLE, COUNT BIGINT> ---- */

static wy_status_t avg_init(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  wy_list_t *l = wy_list_new(ctx->arena, 2);
  if (!l) return wy_fn_nomem(ctx);
  l->items[0] = wy_double(0);
  l->items[1] = wy_bigint(0);
  *acc = wy_struct(l);
  return WY_OK;
}
static wy_status_t avg_step(wy_fn_ctx_t *ctx, const wy_value_t *a, wy_value_t *acc, int sign) {
  if (a[0].null) return WY_OK;
  wy_list_t *l = wy_list_new(ctx->arena, 2); /* copy: the old state may live in a store buffer */
  if (!l) return wy_fn_nomem(ctx);
  l->items[0] = wy_double(acc->u.list->items[0].u.f64 + sign * wy_fn_as_double(&a[0]));
  l->items[1] = wy_bigint(acc->u.list->items[1].u.i64 + sign);
  *acc = wy_struct(l);
  return WY_OK;
}
static wy_status_t avg_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return avg_step(ctx, a, acc, 1);
}
static wy_status_t avg_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return avg_step(ctx, a, acc, -1);
}
static wy_status_t avg_result(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  int64_t c = acc->u.list->items[1].u.i64;
  *out = wy_double(c ? acc->u.list->items[0].u.f64 / (double)c : 0.0);
  return WY_OK;
}
static wy_status_t avg_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  wy_list_t *l = wy_list_new(ctx->arena, 2);
  if (!l) return wy_fn_nomem(ctx);
  l->items[0] = wy_double(acc->u.list->items[0].u.f64 + later->u.list->items[0].u.f64);
  l->items[1] = wy_bigint(acc->u.list->items[1].u.i64 + later->u.list->items[1].u.i64);
  *acc = wy_struct(l);
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_avg = {acc_avg, avg_init, avg_acc, avg_undo, avg_result, avg_merge};

/* ---- MIN, MAX ---- */

static wy_status_t null_init(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  *acc = wy_null(ctx->ret->kind);
  return WY_OK;
}
static wy_status_t extreme(wy_fn_ctx_t *ctx, const wy_value_t *a, wy_value_t *acc, int sign) {
  if (a[0].null) return WY_OK;
  if (acc->null || wy_value_compare(&a[0], acc) * sign > 0) *acc = a[0];
  return WY_OK;
}
static wy_status_t min_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return extreme(ctx, a, acc, -1);
}
static wy_status_t max_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return extreme(ctx, a, acc, 1);
}
static wy_status_t min_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  return extreme(ctx, later, acc, -1);
}
static wy_status_t max_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  return extreme(ctx, later, acc, 1);
}
const wy_udaf_ops_t wy_udaf_min = {acc_arg0, null_init, min_acc, NULL, same_result, min_merge};
const wy_udaf_ops_t wy_udaf_max = {acc_arg0, null_init, max_acc, NULL, same_result, max_merge};

/* ---- LATEST_BY_OFFSET / EARLIEST_BY_OFFSET ---- */

/* ignoreNulls is the last argument when it is BOOLEAN and present (default true). */
static bool ignore_nulls(const wy_value_t *a, size_t n, size_t at) {
  return n <= at || a[at].null || a[at].u.b;
}

static wy_status_t latest_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  if (a[0].null && ignore_nulls(a, n, 1)) return WY_OK;
  *acc = a[0];
  return WY_OK;
}
/* The later session's latest value wins, unless it has none (a NULL it may have taken
 * cannot be told from none: the earlier value is kept). */
static wy_status_t latest_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  if (!later->null) *acc = *later;
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_latest = {acc_arg0, null_init,   latest_acc,
                                      NULL,     same_result, latest_merge};

static wy_status_t empty_list(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  wy_list_t *l = wy_list_new(ctx->arena, 0);
  if (!l) return wy_fn_nomem(ctx);
  *acc = wy_array(l);
  return WY_OK;
}

/* Earliest: the accumulator is an ARRAY of at most one element, so "nothing yet" and
 * "a NULL was taken" differ. */
static wy_status_t earliest_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  if (acc->u.list->n || (a[0].null && ignore_nulls(a, n, 1))) return WY_OK;
  wy_list_t *l = wy_list_new(ctx->arena, 1);
  if (!l) return wy_fn_nomem(ctx);
  l->items[0] = a[0];
  *acc = wy_array(l);
  return WY_OK;
}
static wy_status_t earliest_result(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  *out = acc->u.list->n ? acc->u.list->items[0] : wy_null(ctx->ret->kind);
  return WY_OK;
}
static wy_status_t earliest_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  if (!acc->u.list->n) *acc = *later;
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_earliest = {acc_array0, empty_list,      earliest_acc,
                                        NULL,       earliest_result, earliest_merge};

static wy_status_t n_arg(wy_fn_ctx_t *ctx, const wy_value_t *a, uint32_t *limit) {
  if (a[1].null || a[1].u.i32 <= 0)
    return wy_fn_fail(ctx, "The number of values to keep must be positive");
  *limit = (uint32_t)a[1].u.i32;
  return WY_OK;
}

static wy_status_t latest_n_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  uint32_t limit = 0;
  wy_status_t st = n_arg(ctx, a, &limit);
  if (st || (a[0].null && ignore_nulls(a, n, 2))) return st;
  const wy_list_t *old = acc->u.list;
  uint32_t keep = old->n + 1 > limit ? limit - 1 : old->n;
  wy_list_t *l = wy_list_new(ctx->arena, keep + 1);
  if (!l) return wy_fn_nomem(ctx);
  if (keep) memcpy(l->items, old->items + (old->n - keep), keep * sizeof *l->items);
  l->items[keep] = a[0];
  *acc = wy_array(l);
  return WY_OK;
}
/* The earlier session's values, then the later's: the next accumulate keeps the N
 * latest (or earliest) of them. */
static wy_status_t concat_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  const wy_list_t *a = acc->u.list, *b = later->u.list;
  wy_list_t *l = wy_list_new(ctx->arena, a->n + b->n);
  if (!l) return wy_fn_nomem(ctx);
  if (a->n) memcpy(l->items, a->items, a->n * sizeof *l->items);
  if (b->n) memcpy(l->items + a->n, b->items, b->n * sizeof *l->items);
  *acc = wy_array(l);
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_latest_n = {acc_array0, empty_list,  latest_n_acc,
                                        NULL,       same_result, concat_merge};

static wy_status_t earliest_n_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n,
                                  wy_value_t *acc) {
  uint32_t limit = 0;
  wy_status_t st = n_arg(ctx, a, &limit);
  if (st) return st;
  if (acc->u.list->n > limit) { /* merged sessions: the earliest N of both */
    wy_list_t *cut = wy_list_new(ctx->arena, limit);
    if (!cut) return wy_fn_nomem(ctx);
    memcpy(cut->items, acc->u.list->items, limit * sizeof *cut->items);
    *acc = wy_array(cut);
  }
  if (acc->u.list->n >= limit || (a[0].null && ignore_nulls(a, n, 2))) return WY_OK;
  const wy_list_t *old = acc->u.list;
  wy_list_t *l = wy_list_new(ctx->arena, old->n + 1);
  if (!l) return wy_fn_nomem(ctx);
  if (old->n) memcpy(l->items, old->items, old->n * sizeof *l->items);
  l->items[old->n] = a[0];
  *acc = wy_array(l);
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_earliest_n = {acc_array0, empty_list,  earliest_n_acc,
                                          NULL,       same_result, concat_merge};
