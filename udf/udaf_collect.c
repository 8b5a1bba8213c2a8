/* Built-in aggregates that collect values: COLLECT_LIST, COLLECT_SET, HISTOGRAM, TOPK,
 * TOPKDISTINCT and ATTR. Accumulators are SQL values (registry.h); every step builds
 * its new list or map in ctx->arena, as the old one may live in a store buffer. */
#include <stdio.h>
#include <string.h>

#include "udf/builtins_int.h"

/* COLLECT_LIST / COLLECT_SET bound: the call site's property, 1000 without one. */
static uint32_t site_limit(const wy_fn_ctx_t *ctx) {
  const wy_udaf_settings_t *s = ctx->site;
  return s && s->limit > 0 ? (uint32_t)s->limit : 1000;
}

static const wy_type_t *acc_list_arg0(const wy_type_t *const *args, size_t n) {
  return wy_type_array(wy_type_ref(args[0]));
}
static wy_status_t list_init(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  wy_list_t *l = wy_list_new(ctx->arena, 0);
  if (!l) return wy_fn_nomem(ctx);
  *acc = wy_array(l);
  return WY_OK;
}
static wy_status_t same(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  *out = *acc;
  return WY_OK;
}

/* acc's items with `add` appended (n of them). */
static wy_status_t list_append(wy_fn_ctx_t *ctx, wy_value_t *acc, const wy_value_t *add,
                               uint32_t n) {
  const wy_list_t *old = acc->u.list;
  wy_list_t *l = wy_list_new(ctx->arena, old->n + n);
  if (!l) return wy_fn_nomem(ctx);
  if (old->n) memcpy(l->items, old->items, old->n * sizeof *l->items);
  if (n) memcpy(l->items + old->n, add, n * sizeof *l->items);
  *acc = wy_array(l);
  return WY_OK;
}
/* acc's items without item i. */
static wy_status_t list_remove(wy_fn_ctx_t *ctx, wy_value_t *acc, uint32_t i) {
  const wy_list_t *old = acc->u.list;
  wy_list_t *l = wy_list_new(ctx->arena, old->n - 1);
  if (!l) return wy_fn_nomem(ctx);
  if (i) memcpy(l->items, old->items, i * sizeof *l->items);
  if (old->n - i - 1) memcpy(l->items + i, old->items + i + 1, (old->n - i - 1) * sizeof *l->items);
  *acc = wy_array(l);
  return WY_OK;
}
static bool list_has(const wy_list_t *l, const wy_value_t *v) {
  for (uint32_t i = 0; i < l->n; i++)
    if (wy_value_equal(&l->items[i], v)) return true;
  return false;
}

/* ---- COLLECT_LIST: every value, NULLs included, up to the limit ---- */

static wy_status_t clist_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  if (acc->u.list->n >= site_limit(ctx)) return WY_OK; /* beyond the limit: ignored */
  return list_append(ctx, acc, &a[0], 1);
}
/* The last occurrence goes (ksqlDB's choice); a value never collected (the limit) stays. */
static wy_status_t clist_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  const wy_list_t *l = acc->u.list;
  for (uint32_t i = l->n; i-- > 0;)
    if (wy_value_equal(&l->items[i], &a[0])) return list_remove(ctx, acc, i);
  return WY_OK;
}
/* The earlier session's values, then the later's, up to the limit. */
static wy_status_t clist_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  uint32_t limit = site_limit(ctx), have = acc->u.list->n;
  uint32_t room = have >= limit ? 0 : limit - have;
  uint32_t n = later->u.list->n < room ? later->u.list->n : room;
  return list_append(ctx, acc, later->u.list->items, n);
}
const wy_udaf_ops_t wy_udaf_collect_list = {acc_list_arg0, list_init, clist_acc,
                                            clist_undo,    same,      clist_merge};

/* ---- COLLECT_SET: distinct values (NULL is one) in first-seen order, up to the limit ---- */

static wy_status_t cset_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  if (acc->u.list->n >= site_limit(ctx) || list_has(acc->u.list, &a[0])) return WY_OK;
  return list_append(ctx, acc, &a[0], 1);
}
static wy_status_t cset_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  const wy_list_t *b = later->u.list;
  for (uint32_t i = 0; i < b->n; i++) {
    wy_status_t st = cset_acc(ctx, &b->items[i], 1, acc);
    if (st) return st;
  }
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_collect_set = {acc_list_arg0, list_init, cset_acc,
                                           NULL,          same,      cset_merge};

const char *wy_udaf_limit_property(const wy_udaf_ops_t *ops, int32_t *dflt) {
  *dflt = 1000;
  if (ops == &wy_udaf_collect_list) return "ksql.functions.collect_list.limit";
  if (ops == &wy_udaf_collect_set) return "ksql.functions.collect_set.limit";
  return NULL;
}

/* ---- HISTOGRAM: MAP<STRING, BIGINT> of at most 1000 distinct non-NULL strings ---- */

#define WY_HISTOGRAM_LIMIT 1000u

static const wy_type_t *acc_histogram(const wy_type_t *const *args, size_t n) {
  return wy_type_map(wy_type_string(), wy_type_bigint());
}
static wy_status_t hist_init(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  wy_map_t *m = wy_map_new(ctx->arena, 0);
  if (!m) return wy_fn_nomem(ctx);
  *acc = wy_mapv(m);
  return WY_OK;
}
/* Add `by` to key's count: a new key is appended while there is room, a count that
 * reaches 0 goes. */
static wy_status_t hist_add(wy_fn_ctx_t *ctx, wy_value_t *acc, const wy_value_t *key, int64_t by) {
  if (key->null) return WY_OK;
  const wy_map_t *old = acc->u.map;
  uint32_t at = old->n;
  for (uint32_t i = 0; i < old->n; i++)
    if (wy_value_equal(&old->keys[i], key)) at = i;
  if (at == old->n && (by <= 0 || old->n >= WY_HISTOGRAM_LIMIT)) return WY_OK;
  int64_t count = (at < old->n ? old->vals[at].u.i64 : 0) + by;
  uint32_t n = at == old->n ? old->n + 1 : count > 0 ? old->n : old->n - 1;
  wy_map_t *m = wy_map_new(ctx->arena, n);
  if (!m) return wy_fn_nomem(ctx);
  for (uint32_t i = 0, o = 0; i < old->n; i++) {
    if (i == at && count <= 0) continue;
    m->keys[o] = old->keys[i];
    m->vals[o++] = i == at ? wy_bigint(count) : old->vals[i];
  }
  if (at == old->n) {
    m->keys[old->n] = *key;
    m->vals[old->n] = wy_bigint(count);
  }
  *acc = wy_mapv(m);
  return WY_OK;
}
static wy_status_t hist_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return hist_add(ctx, acc, &a[0], 1);
}
static wy_status_t hist_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return hist_add(ctx, acc, &a[0], -1);
}
static wy_status_t hist_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  const wy_map_t *b = later->u.map;
  for (uint32_t i = 0; i < b->n; i++) {
    wy_status_t st = hist_add(ctx, acc, &b->keys[i], b->vals[i].u.i64);
    if (st) return st;
  }
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_histogram = {acc_histogram, hist_init, hist_acc,
                                         hist_undo,     same,      hist_merge};

/* ---- TOPK, TOPKDISTINCT: the K largest values, largest first ---- */

static bool topk_sortable(wy_type_kind_t k) {
  switch (k) {
    case WY_T_INT:
    case WY_T_BIGINT:
    case WY_T_DOUBLE:
    case WY_T_DECIMAL:
    case WY_T_STRING:
    case WY_T_BYTES:
    case WY_T_DATE:
    case WY_T_TIME:
    case WY_T_TIMESTAMP:
      return true;
    default:
      return false;
  }
}

/* ARRAY<T> for TOPK(col, k); ARRAY<STRUCT<sort_col T, col0 A, ...>> with other columns. */
static const wy_type_t *topk_type(const wy_type_t *const *args, size_t n) {
  if (n <= 2) return wy_type_array(wy_type_ref(args[0]));
  wy_type_t *s = wy_type_struct_new();
  if (!s) return NULL;
  bool ok = wy_type_struct_add(s, "sort_col", wy_type_ref(args[0]));
  for (size_t i = 1; ok && i + 1 < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "col%zu", i - 1);
    ok = wy_type_struct_add(s, name, wy_type_ref(args[i]));
  }
  if (!ok) {
    wy_type_unref(s);
    return NULL;
  }
  return wy_type_array(s);
}

static const wy_type_t *ret_topk(const char *name, const wy_type_t *const *args, size_t n,
                                 wy_error_t *err) {
  if (n < 2 || !args[0] || !topk_sortable(args[0]->kind)) {
    char t[128] = "null";
    if (n && args[0]) wy_type_format(args[0], t, sizeof t);
    wy_error_set(err, WY_ERR_TYPE, "Function '%s' does not accept parameters of type %s.", name, t);
    return NULL;
  }
  for (size_t i = 1; i + 1 < n; i++)
    if (!args[i]) {
      wy_error_set(err, WY_ERR_TYPE, "cannot infer the result type");
      return NULL;
    }
  const wy_type_t *t = topk_type(args, n);
  if (!t) wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return t;
}
const wy_type_t *wy_ret_topk(const wy_type_t *const *args, const wy_value_t *const *consts,
                             size_t n, wy_error_t *err) {
  return ret_topk("TOPK", args, n, err);
}
const wy_type_t *wy_ret_topkdistinct(const wy_type_t *const *args, const wy_value_t *const *consts,
                                     size_t n, wy_error_t *err) {
  return ret_topk("TOPKDISTINCT", args, n, err);
}

static const wy_value_t *topk_key(const wy_value_t *entry) {
  return entry->kind == WY_T_STRUCT ? &entry->u.list->items[0] : entry;
}

/* Insert row a (sort value a[0], other columns a[1..n-2], k = a[n-1]) after the entries
 * not smaller (ties keep arrival order) and keep the k largest; NULL sort values are
 * ignored. distinct: a value already kept is not added again. */
static wy_status_t topk_step(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc,
                             bool distinct) {
  const wy_value_t *k = &a[n - 1];
  if (k->null || k->u.i32 <= 0)
    return wy_fn_fail(ctx, "The number of values to keep must be positive");
  uint32_t limit = (uint32_t)k->u.i32;
  const wy_list_t *old = acc->u.list;
  bool add = !a[0].null;
  uint32_t at = old->n;
  for (uint32_t i = 0; add && i < old->n; i++) {
    int c = wy_value_compare(topk_key(&old->items[i]), &a[0]);
    if (distinct && c == 0) add = false;
    if (c < 0 && at == old->n) at = i;
  }
  /* a value that ranks after a full list changes nothing: no new list (the hot path) */
  if ((!add || (at == old->n && old->n >= limit)) && old->n <= limit) return WY_OK;
  uint32_t total = old->n + (add ? 1 : 0);
  if (total > limit) total = limit;
  wy_list_t *l = wy_list_new(ctx->arena, total);
  if (!l) return wy_fn_nomem(ctx);
  wy_value_t entry = a[0];
  if (add && n > 2) { /* the STRUCT form: sort_col, then the other columns */
    wy_list_t *f = wy_list_new(ctx->arena, (uint32_t)(n - 1));
    if (!f) return wy_fn_nomem(ctx);
    memcpy(f->items, a, (n - 1) * sizeof *f->items);
    entry = wy_struct(f);
  }
  for (uint32_t i = 0, o = 0; o < total; i++) {
    if (add && i == at) l->items[o++] = entry;
    if (o < total && i < old->n) l->items[o++] = old->items[i];
  }
  *acc = wy_array(l);
  return WY_OK;
}
static wy_status_t topk_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return topk_step(ctx, a, n, acc, false);
}
static wy_status_t topkd_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return topk_step(ctx, a, n, acc, true);
}
/* Both sessions' entries in order (k is not known here: the next accumulate cuts). */
static wy_status_t topk_merge_list(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc,
                                   bool distinct) {
  const wy_list_t *x = acc->u.list, *y = later->u.list;
  wy_list_t *l = wy_list_new(ctx->arena, x->n + y->n);
  if (!l) return wy_fn_nomem(ctx);
  uint32_t i = 0, j = 0, o = 0;
  while (i < x->n || j < y->n) {
    bool take_x = j == y->n || (i < x->n && wy_value_compare(topk_key(&x->items[i]),
                                                             topk_key(&y->items[j])) >= 0);
    const wy_value_t *v = take_x ? &x->items[i++] : &y->items[j++];
    if (distinct && o && wy_value_compare(topk_key(&l->items[o - 1]), topk_key(v)) == 0) continue;
    l->items[o++] = *v;
  }
  l->n = o;
  *acc = wy_array(l);
  return WY_OK;
}
static wy_status_t topk_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  return topk_merge_list(ctx, later, acc, false);
}
static wy_status_t topkd_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  return topk_merge_list(ctx, later, acc, true);
}
static const wy_type_t *acc_topk(const wy_type_t *const *args, size_t n) {
  return topk_type(args, n);
}
const wy_udaf_ops_t wy_udaf_topk = {acc_topk, list_init, topk_acc, NULL, same, topk_merge};
const wy_udaf_ops_t wy_udaf_topkdistinct = {acc_topk, list_init, topkd_acc,
                                            NULL,     same,      topkd_merge};

/* ---- ATTR: the value when every row has the same one (NULL included), else NULL ----
 * ARRAY<STRUCT<VALUE T, COUNT BIGINT>>: each distinct value with its row count. */

static const wy_type_t *acc_attr(const wy_type_t *const *args, size_t n) {
  wy_type_t *s = wy_type_struct_new();
  if (s && (!wy_type_struct_add(s, "VALUE", wy_type_ref(args[0])) ||
            !wy_type_struct_add(s, "COUNT", wy_type_bigint()))) {
    wy_type_unref(s);
    return NULL;
  }
  return s ? wy_type_array(s) : NULL;
}
static wy_status_t attr_add(wy_fn_ctx_t *ctx, wy_value_t *acc, const wy_value_t *v, int64_t by) {
  const wy_list_t *old = acc->u.list;
  uint32_t at = old->n;
  for (uint32_t i = 0; i < old->n && at == old->n; i++)
    if (wy_value_equal(&old->items[i].u.list->items[0], v)) at = i;
  if (at == old->n && by <= 0) return WY_OK;
  int64_t count = (at < old->n ? old->items[at].u.list->items[1].u.i64 : 0) + by;
  if (count <= 0) return list_remove(ctx, acc, at);
  wy_list_t *e = wy_list_new(ctx->arena, 2);
  if (!e) return wy_fn_nomem(ctx);
  e->items[0] = *v;
  e->items[1] = wy_bigint(count);
  wy_value_t entry = wy_struct(e);
  if (at == old->n) return list_append(ctx, acc, &entry, 1);
  wy_list_t *l = wy_list_new(ctx->arena, old->n);
  if (!l) return wy_fn_nomem(ctx);
  memcpy(l->items, old->items, old->n * sizeof *l->items);
  l->items[at] = entry;
  *acc = wy_array(l);
  return WY_OK;
}
static wy_status_t attr_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return attr_add(ctx, acc, &a[0], 1);
}
static wy_status_t attr_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return attr_add(ctx, acc, &a[0], -1);
}
static wy_status_t attr_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  const wy_list_t *b = later->u.list;
  for (uint32_t i = 0; i < b->n; i++) {
    const wy_list_t *e = b->items[i].u.list;
    wy_status_t st = attr_add(ctx, acc, &e->items[0], e->items[1].u.i64);
    if (st) return st;
  }
  return WY_OK;
}
static wy_status_t attr_result(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  const wy_list_t *l = acc->u.list;
  *out = l->n == 1 ? l->items[0].u.list->items[0] : wy_null(ctx->ret->kind);
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_attr = {acc_attr,  list_init,   attr_acc,
                                    attr_undo, attr_result, attr_merge};
