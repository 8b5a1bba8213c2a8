/* Table functions (UDTF): each call writes its 0..n values as an ARRAY of the function's
 * return type (registry.h, WY_FN_TABLE); the FLAT_MAP operator makes rows of them. A
 * NULL argument yields no rows (the call is not made), as ksqlDB's EXPLODE and
 * CUBE_EXPLODE return an empty list for a NULL list. */
#include "udf/builtins_int.h"

/* EXPLODE(array): the array's elements, NULL elements included. */
wy_status_t fn_explode(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  (void)ctx;
  (void)n;
  *out = wy_array(a[0].u.list);
  return WY_OK;
}

/* ksqlDB's Cube: combination i (0 .. 2^d - 1) keeps column j where bit d-1-j of i is
 * set, so the first row is all NULLs and the last the array itself; a combination that
 * would keep a NULL column equals one that drops it, and is skipped. */
#define CUBE_MAX_COLUMNS 30

wy_status_t fn_cube_explode(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  (void)n;
  const wy_list_t *cols = a[0].u.list;
  uint32_t d = cols->n;
  if (d > CUBE_MAX_COLUMNS)
    return wy_fn_fail(ctx, "CUBE_EXPLODE takes at most %d columns, not %u", CUBE_MAX_COLUMNS,
                      (unsigned)d);
  const wy_type_t *elem = ctx->ret && ctx->ret->kind == WY_T_ARRAY ? ctx->ret->elem : NULL;
  const wy_type_t *row_elem = elem && elem->kind == WY_T_ARRAY ? elem->elem : NULL;
  wy_type_kind_t null_kind = row_elem ? row_elem->kind : WY_T_STRING;
  uint32_t null_mask = 0, nulls = 0;
  for (uint32_t j = 0; j < d; j++)
    if (cols->items[j].null) {
      null_mask |= 1u << (d - 1 - j);
      nulls++;
    }
  uint32_t combos = 1u << d, rows = 1u << (d - nulls);
  wy_list_t *result = wy_list_new(ctx->arena, rows);
  if (!result) return wy_fn_nomem(ctx);
  uint32_t r = 0;
  for (uint32_t i = 0; i < combos; i++) {
    if (i & null_mask) continue;
    wy_list_t *row = wy_list_new(ctx->arena, d);
    if (!row) return wy_fn_nomem(ctx);
    for (uint32_t j = 0; j < d; j++)
      row->items[j] = (i >> (d - 1 - j)) & 1u ? cols->items[j] : wy_null(null_kind);
    result->items[r++] = wy_array(row);
  }
  *out = wy_array(result);
  return WY_OK;
}
