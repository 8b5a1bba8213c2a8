/* SAMPLE_TOPK — an aggregate from a UDF library: the K largest INT values of a group,
 * largest first, NULLs ignored, as the built-in TOPK(INT, k). It exists to measure a
 * shared-object UDAF against the built-in doing the same work (benchmarks/, workload
 * udaf-topk); it is registered under its own name so both can run in one process.
 *
 *   SAMPLE_TOPK(INT value, INT k) -> ARRAY<INT>    state: ARRAY<INT>, sorted, at most k
 */
#include <string.h>

#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

static const wy_udf_host_t *H;

static int topk_init(wy_udf_ctx_t *ctx, wy_udf_value_t *st) {
  wy_udf_list_t *l = H->alloc(ctx, sizeof *l);
  if (!l) return H->fail(ctx, "out of memory");
  l->n = 0;
  l->items = NULL;
  st->kind = WY_UDF_ARRAY;
  st->null = 0;
  st->u.list = l;
  return WY_UDF_OK;
}

/* Insert the value after the entries not smaller than it and keep the k largest. The old
 * state may live in walleye's store buffer: a change builds a new list. */
static int topk_acc(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *st) {
  if (a[1].null || a[1].u.i32 <= 0)
    return H->fail(ctx, "The number of values to keep must be positive");
  if (a[0].null) return WY_UDF_OK;
  uint32_t k = (uint32_t)a[1].u.i32;
  const wy_udf_list_t *old = st->u.list;
  uint32_t at = 0;
  while (at < old->n && old->items[at].u.i32 >= a[0].u.i32) at++;
  if (at >= k) return WY_UDF_OK; /* ranks after a full list: nothing changes */
  uint32_t total = old->n < k ? old->n + 1 : k;
  wy_udf_list_t *l = H->alloc(ctx, sizeof *l + total * sizeof *l->items);
  if (!l) return H->fail(ctx, "out of memory");
  l->n = total;
  l->items = (wy_udf_value_t *)(l + 1);
  if (at) memcpy(l->items, old->items, at * sizeof *l->items);
  l->items[at] = a[0];
  if (total - at - 1)
    memcpy(l->items + at + 1, old->items + at, (total - at - 1) * sizeof *l->items);
  st->u.list = l;
  return WY_UDF_OK;
}

static int topk_result(wy_udf_ctx_t *ctx, const wy_udf_value_t *st, wy_udf_value_t *out) {
  *out = *st;
  return WY_UDF_OK;
}

WALLEYE_UDF_INIT(host, lib) {
  H = host;
  wy_udf_aggregate_t a = {.size = sizeof a,
                          .name = "SAMPLE_TOPK",
                          .params = "INT value, INT k",
                          .returns = "ARRAY<INT>",
                          .state = "ARRAY<INT>",
                          .init = topk_init,
                          .accumulate = topk_acc,
                          .result = topk_result,
                          .description =
                              "The K largest INT values, largest first (a sample "
                              "of an aggregate library; see the built-in TOPK)."};
  return host->add_aggregate(lib, &a);
}
