/* ARRAY, MAP and lambda built-ins. Element equality is wy_value_equal (NULL equals
 * NULL, as Java's equals on boxed values). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "udf/builtins_int.h"

static wy_list_t *new_list(wy_fn_ctx_t *ctx, uint32_t n) {
  wy_list_t *l = wy_list_new(ctx->arena, n);
  return l;
}

static bool contains(const wy_value_t *items, uint32_t n, const wy_value_t *v) {
  for (uint32_t i = 0; i < n; i++)
    if (wy_value_equal(&items[i], v)) return true;
  return false;
}

wy_status_t fn_array_length(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_int((int32_t)a[0].u.list->n);
  return WY_OK;
}

wy_status_t fn_array_contains(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_bool(!a[0].null && contains(a[0].u.list->items, a[0].u.list->n, &a[1]));
  return WY_OK;
}

/* Distinct elements of x (optionally only those in / not in y), then of z. */
static wy_status_t set_op(wy_fn_ctx_t *ctx, const wy_list_t *x, const wy_list_t *y, int ymode,
                          const wy_list_t *z, wy_value_t *out) {
  wy_list_t *l = new_list(ctx, x->n + (z ? z->n : 0));
  if (!l) return wy_fn_nomem(ctx);
  uint32_t k = 0;
  for (int pass = 0; pass < 2; pass++) {
    const wy_list_t *src = pass ? z : x;
    for (uint32_t i = 0; src && i < src->n; i++) {
      const wy_value_t *v = &src->items[i];
      if (!pass && y && contains(y->items, y->n, v) != (ymode > 0)) continue;
      if (!contains(l->items, k, v)) l->items[k++] = *v;
    }
  }
  l->n = k;
  *out = wy_array(l);
  return WY_OK;
}

wy_status_t fn_array_distinct(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return set_op(ctx, a[0].u.list, NULL, 0, NULL, out);
}
wy_status_t fn_array_except(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return set_op(ctx, a[0].u.list, a[1].u.list, -1, NULL, out);
}
wy_status_t fn_array_intersect(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return set_op(ctx, a[0].u.list, a[1].u.list, 1, NULL, out);
}
wy_status_t fn_array_union(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return set_op(ctx, a[0].u.list, NULL, 0, a[1].u.list, out);
}

wy_status_t fn_array_concat(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null && a[1].null) return *out = wy_null(WY_T_ARRAY), WY_OK;
  uint32_t n0 = a[0].null ? 0 : a[0].u.list->n, n1 = a[1].null ? 0 : a[1].u.list->n;
  wy_list_t *l = new_list(ctx, n0 + n1);
  if (!l) return wy_fn_nomem(ctx);
  if (n0) memcpy(l->items, a[0].u.list->items, n0 * sizeof *l->items);
  if (n1) memcpy(l->items + n0, a[1].u.list->items, n1 * sizeof *l->items);
  *out = wy_array(l);
  return WY_OK;
}

wy_status_t fn_array_remove(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null) return *out = wy_null(WY_T_ARRAY), WY_OK;
  const wy_list_t *x = a[0].u.list;
  wy_list_t *l = new_list(ctx, x->n);
  if (!l) return wy_fn_nomem(ctx);
  uint32_t k = 0;
  for (uint32_t i = 0; i < x->n; i++)
    if (!wy_value_equal(&x->items[i], &a[1])) l->items[k++] = x->items[i];
  l->n = k;
  *out = wy_array(l);
  return WY_OK;
}

wy_status_t fn_array_join(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null) return *out = wy_null(WY_T_STRING), WY_OK;
  const char *d = ",";
  size_t dn = 1;
  if (n > 1) {
    d = a[1].null ? "" : a[1].u.str;
    dn = a[1].null ? 0 : a[1].len;
  }
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  const wy_list_t *x = a[0].u.list;
  for (uint32_t i = 0; i < x->n; i++) {
    if (i) wy_buf_append(&b, d, dn);
    wy_value_append_sql(&b, &x->items[i], ctx->arg_types[0]->elem);
  }
  return wy_fn_buf_result(ctx, &b, false, out);
}

static wy_status_t array_extreme(const wy_value_t *a, wy_value_t *out, int sign, wy_type_kind_t k) {
  const wy_value_t *best = NULL;
  const wy_list_t *x = a[0].u.list;
  for (uint32_t i = 0; i < x->n; i++)
    if (!x->items[i].null && (!best || wy_value_compare(&x->items[i], best) * sign > 0))
      best = &x->items[i];
  *out = best ? *best : wy_null(k);
  return WY_OK;
}
wy_status_t fn_array_max(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return array_extreme(a, out, 1, ctx->ret->kind);
}
wy_status_t fn_array_min(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return array_extreme(a, out, -1, ctx->ret->kind);
}

static int cmp_asc(const void *x, const void *y) {
  const wy_value_t *a = x, *b = y;
  if (a->null || b->null) return (int)a->null - (int)b->null; /* NULLs last */
  return wy_value_compare(a, b);
}
static int cmp_desc(const void *x, const void *y) {
  const wy_value_t *a = x, *b = y;
  if (a->null || b->null) return (int)a->null - (int)b->null;
  return wy_value_compare(b, a);
}

wy_status_t fn_array_sort(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  bool desc = false;
  if (n > 1) {
    if (a[1].len == 4 && !strncasecmp(a[1].u.str, "DESC", 4))
      desc = true;
    else if (!(a[1].len == 3 && !strncasecmp(a[1].u.str, "ASC", 3)))
      return *out = wy_null(WY_T_ARRAY), WY_OK;
  }
  const wy_list_t *x = a[0].u.list;
  wy_list_t *l = new_list(ctx, x->n);
  if (!l) return wy_fn_nomem(ctx);
  if (x->n) memcpy(l->items, x->items, x->n * sizeof *l->items);
  if (l->n > 1) qsort(l->items, l->n, sizeof *l->items, desc ? cmp_desc : cmp_asc);
  *out = wy_array(l);
  return WY_OK;
}

wy_status_t fn_slice(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null) return *out = wy_null(WY_T_ARRAY), WY_OK;
  const wy_list_t *x = a[0].u.list;
  int64_t from = a[1].null ? 1 : (int64_t)a[1].u.i32,
          to = a[2].null ? (int64_t)x->n : (int64_t)a[2].u.i32;
  if (from < 1) from = 1;
  if (to > (int64_t)x->n) to = x->n;
  uint32_t cnt = to >= from ? (uint32_t)(to - from + 1) : 0;
  wy_list_t *l = new_list(ctx, cnt);
  if (!l) return wy_fn_nomem(ctx);
  if (cnt) memcpy(l->items, x->items + from - 1, cnt * sizeof *l->items);
  *out = wy_array(l);
  return WY_OK;
}

wy_status_t fn_elt(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null || a[0].u.i32 < 1 || (size_t)a[0].u.i32 >= n)
    return *out = wy_null(WY_T_STRING), WY_OK;
  *out = a[a[0].u.i32];
  return WY_OK;
}

wy_status_t fn_field(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_int(0);
  if (a[0].null) return WY_OK;
  for (size_t i = 1; i < n; i++)
    if (wy_value_equal(&a[0], &a[i])) return *out = wy_int((int32_t)i), WY_OK;
  return WY_OK;
}

static wy_status_t map_part(wy_fn_ctx_t *ctx, const wy_value_t *m, bool keys, wy_value_t *out) {
  wy_list_t *l = new_list(ctx, m->u.map->n);
  if (!l) return wy_fn_nomem(ctx);
  if (l->n) memcpy(l->items, keys ? m->u.map->keys : m->u.map->vals, l->n * sizeof *l->items);
  *out = wy_array(l);
  return WY_OK;
}
wy_status_t fn_map_keys(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return map_part(ctx, &a[0], true, out);
}
wy_status_t fn_map_values(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return map_part(ctx, &a[0], false, out);
}

/* Put k -> v into m (which has room), replacing an equal key. */
static void map_put(wy_map_t *m, const wy_value_t *k, const wy_value_t *v) {
  uint32_t j = 0;
  while (j < m->n && !wy_value_equal(&m->keys[j], k)) j++;
  m->keys[j] = *k;
  m->vals[j] = *v;
  if (j == m->n) m->n++;
}

wy_status_t fn_map_union(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null && a[1].null) return *out = wy_null(WY_T_MAP), WY_OK;
  uint32_t n0 = a[0].null ? 0 : a[0].u.map->n, n1 = a[1].null ? 0 : a[1].u.map->n;
  wy_map_t *m = wy_map_new(ctx->arena, n0 + n1);
  if (!m) return wy_fn_nomem(ctx);
  m->n = 0;
  for (int s = 0; s < 2; s++)
    for (uint32_t i = 0; i < (s ? n1 : n0); i++)
      map_put(m, &a[s].u.map->keys[i], &a[s].u.map->vals[i]);
  *out = wy_mapv(m);
  return WY_OK;
}

wy_status_t fn_as_map(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const wy_list_t *k = a[0].u.list, *v = a[1].u.list;
  wy_map_t *m = wy_map_new(ctx->arena, k->n);
  if (!m) return wy_fn_nomem(ctx);
  m->n = 0;
  for (uint32_t i = 0; i < k->n; i++) {
    wy_value_t val = i < v->n ? v->items[i] : wy_null(ctx->ret->elem->kind);
    if (!k->items[i].null) map_put(m, &k->items[i], &val);
  }
  *out = wy_mapv(m);
  return WY_OK;
}

/* ---- lambdas ---- */

wy_status_t fn_transform_array(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const wy_list_t *x = a[0].u.list;
  wy_list_t *l = new_list(ctx, x->n);
  if (!l) return wy_fn_nomem(ctx);
  for (uint32_t i = 0; i < x->n; i++) {
    wy_status_t st = ctx->invoke(ctx, 1, &x->items[i], 1, &l->items[i]);
    if (st) return st;
  }
  *out = wy_array(l);
  return WY_OK;
}

wy_status_t fn_transform_map(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const wy_map_t *x = a[0].u.map;
  wy_map_t *m = wy_map_new(ctx->arena, x->n);
  if (!m) return wy_fn_nomem(ctx);
  m->n = 0;
  for (uint32_t i = 0; i < x->n; i++) {
    wy_value_t kv[2] = {x->keys[i], x->vals[i]}, k, v;
    wy_status_t st = ctx->invoke(ctx, 1, kv, 2, &k);
    if (!st) st = ctx->invoke(ctx, 2, kv, 2, &v);
    if (st) return st;
    uint32_t before = m->n;
    map_put(m, &k, &v);
    if (m->n == before) /* ksqlDB collects with Collectors.toMap: a repeated key fails */
      return wy_fn_fail(ctx, "Duplicate key in the map TRANSFORM built");
  }
  *out = wy_mapv(m);
  return WY_OK;
}

wy_status_t fn_filter_array(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const wy_list_t *x = a[0].u.list;
  wy_list_t *l = new_list(ctx, x->n);
  if (!l) return wy_fn_nomem(ctx);
  uint32_t k = 0;
  for (uint32_t i = 0; i < x->n; i++) {
    wy_value_t keep;
    wy_status_t st = ctx->invoke(ctx, 1, &x->items[i], 1, &keep);
    if (st) return st;
    if (!keep.null && keep.u.b) l->items[k++] = x->items[i];
  }
  l->n = k;
  *out = wy_array(l);
  return WY_OK;
}

wy_status_t fn_filter_map(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const wy_map_t *x = a[0].u.map;
  wy_map_t *m = wy_map_new(ctx->arena, x->n);
  if (!m) return wy_fn_nomem(ctx);
  m->n = 0;
  for (uint32_t i = 0; i < x->n; i++) {
    wy_value_t kv[2] = {x->keys[i], x->vals[i]}, keep;
    wy_status_t st = ctx->invoke(ctx, 1, kv, 2, &keep);
    if (st) return st;
    if (!keep.null && keep.u.b) map_put(m, &kv[0], &kv[1]);
  }
  *out = wy_mapv(m);
  return WY_OK;
}

wy_status_t fn_reduce_array(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null) return *out = a[1], WY_OK;
  wy_value_t acc = a[1];
  const wy_list_t *x = a[0].u.list;
  for (uint32_t i = 0; i < x->n; i++) {
    wy_value_t p[2] = {acc, x->items[i]};
    wy_status_t st = ctx->invoke(ctx, 2, p, 2, &acc);
    if (st) return st;
  }
  *out = acc;
  return WY_OK;
}

wy_status_t fn_reduce_map(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null) return *out = a[1], WY_OK;
  wy_value_t acc = a[1];
  const wy_map_t *x = a[0].u.map;
  for (uint32_t i = 0; i < x->n; i++) {
    wy_value_t p[3] = {acc, x->keys[i], x->vals[i]};
    wy_status_t st = ctx->invoke(ctx, 2, p, 3, &acc);
    if (st) return st;
  }
  *out = acc;
  return WY_OK;
}

/* ---- series and entries ---- */

/* The longest series GENERATE_SERIES builds: a bound on one call's memory (ksqlDB would
 * exhaust its heap instead). */
#define WY_SERIES_MAX 10000000

wy_status_t fn_generate_series(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  bool big = a[0].kind == WY_T_BIGINT;
  int64_t start = big ? a[0].u.i64 : a[0].u.i32, end = big ? a[1].u.i64 : a[1].u.i32;
  /* The difference as ksqlDB computes it: in the width of the arguments. */
  int64_t diff = big ? (int64_t)((uint64_t)end - (uint64_t)start)
                     : (int64_t)(int32_t)((uint32_t)end - (uint32_t)start);
  int64_t step = n > 2 ? a[2].u.i32 : diff > 0 ? 1 : -1;
  if (step == 0) return wy_fn_fail(ctx, "GENERATE_SERIES step cannot be zero");
  if ((diff > 0 && step < 0) || (diff < 0 && step > 0))
    return wy_fn_fail(ctx, "GENERATE_SERIES step has wrong sign");
  int64_t size = diff / step; /* >= 0: same signs; +1 below, after the bound check */
  if (size >= WY_SERIES_MAX)
    return wy_fn_fail(ctx, "GENERATE_SERIES: a series longer than %d values", WY_SERIES_MAX);
  wy_list_t *l = new_list(ctx, (uint32_t)size + 1);
  if (!l) return wy_fn_nomem(ctx);
  int64_t v = start;
  /* Wrapping step (no overflow past the last value), as Java's arithmetic. */
  for (uint32_t i = 0; i < l->n; i++, v = (int64_t)((uint64_t)v + (uint64_t)step))
    l->items[i] = big ? wy_bigint(v) : wy_int((int32_t)v);
  *out = wy_array(l);
  return WY_OK;
}

/* ARRAY<STRUCT<K STRING, V T>> for ENTRIES(MAP<STRING, T>, ...). */
const wy_type_t *wy_ret_entries(const wy_type_t *const *args, const wy_value_t *const *consts,
                                size_t n, wy_error_t *err) {
  (void)consts, (void)n;
  wy_type_t *st = wy_type_struct_new();
  if (!st || !wy_type_struct_add(st, "K", wy_type_string()) ||
      !wy_type_struct_add(st, "V", wy_type_ref(args[0]->elem))) {
    if (st) wy_type_unref(st);
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  const wy_type_t *t = wy_type_array(st);
  if (!t) wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return t;
}

static int cmp_entry_key(const void *x, const void *y) {
  const wy_value_t *a = ((const wy_value_t *const *)x)[0], *b = ((const wy_value_t *const *)y)[0];
  return wy_value_compare(a, b);
}

/* ENTRIES: one {K, V} struct per map entry, in the map's order or sorted by key. */
wy_status_t fn_entries(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const wy_map_t *m = a[0].u.map;
  bool sorted = !a[1].null && a[1].u.b;
  wy_list_t *l = new_list(ctx, m->n);
  /* Pairs of pointers (key, value) so that sorting moves both. */
  const wy_value_t **order = wy_arena_alloc(ctx->arena, 2 * (size_t)m->n * sizeof *order + 1);
  if (!l || !order) return wy_fn_nomem(ctx);
  for (uint32_t i = 0; i < m->n; i++) {
    order[2 * i] = &m->keys[i];
    order[2 * i + 1] = &m->vals[i];
  }
  if (sorted) qsort(order, m->n, 2 * sizeof *order, cmp_entry_key);
  for (uint32_t i = 0; i < m->n; i++) {
    wy_list_t *kv = new_list(ctx, 2);
    if (!kv) return wy_fn_nomem(ctx);
    kv->items[0] = *order[2 * i];
    kv->items[1] = *order[2 * i + 1];
    l->items[i] = wy_struct(kv);
  }
  *out = wy_array(l);
  return WY_OK;
}
