/* Built-in statistical aggregates: STDDEV_SAMP, STDDEV_SAMPLE and CORRELATION. They
 * follow ksqlDB's arithmetic step by step (Java's wrapping INT/BIGINT sums, the same
 * formulas), so that results agree to the last bit. */
#include <math.h>
#include <string.h>

#include "udf/builtins_int.h"

static wy_type_t *struct_of(const char *const *names, const wy_type_t *const *types, size_t n) {
  wy_type_t *s = wy_type_struct_new();
  for (size_t i = 0; s && i < n; i++)
    if (!wy_type_struct_add(s, names[i], types[i])) {
      wy_type_unref(s);
      s = NULL;
    }
  return s;
}
/* A new STRUCT value of n fields in the arena. */
static wy_list_t *fields(wy_fn_ctx_t *ctx, uint32_t n) { return wy_list_new(ctx->arena, n); }

/* ---- STDDEV_SAMP (the sample variance, as ksqlDB documents) and STDDEV_SAMPLE ----
 * STRUCT<SUM T, COUNT BIGINT, M2 DOUBLE>, T the argument's type (INT, BIGINT, DOUBLE):
 * the Youngs-Cramer update of ksqlDB's StandardDeviationSampUdaf. */

enum { SD_SUM, SD_COUNT, SD_M2 };

/* The overload's sum type: a DECIMAL argument widens to the DOUBLE overload. */
static wy_type_kind_t sd_sum_kind(const wy_type_t *arg) {
  return arg && (arg->kind == WY_T_INT || arg->kind == WY_T_BIGINT) ? arg->kind : WY_T_DOUBLE;
}
static const wy_type_t *acc_stddev(const wy_type_t *const *args, size_t n) {
  static const char *const names[] = {"SUM", "COUNT", "M2"};
  const wy_type_t *types[] = {wy_type_primitive(sd_sum_kind(args[0])), wy_type_bigint(),
                              wy_type_double()};
  return struct_of(names, types, 3);
}
static wy_status_t sd_init(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  wy_list_t *l = fields(ctx, 3);
  if (!l) return wy_fn_nomem(ctx);
  wy_type_kind_t k = sd_sum_kind(ctx->arg_types && ctx->nargs ? ctx->arg_types[0] : NULL);
  l->items[SD_SUM] = k == WY_T_INT ? wy_int(0) : k == WY_T_BIGINT ? wy_bigint(0) : wy_double(0);
  l->items[SD_COUNT] = wy_bigint(0);
  l->items[SD_M2] = wy_double(0);
  *acc = wy_struct(l);
  return WY_OK;
}
static uint64_t wrap(int64_t x) { return (uint64_t)x; }

/* sum + sign * v in the sum's type, wrapping like Java. */
static wy_value_t sd_sum(const wy_value_t *sum, const wy_value_t *v, int sign) {
  switch (sum->kind) {
    case WY_T_INT:
      return wy_int(
          (int32_t)(uint32_t)((uint32_t)sum->u.i32 + (uint32_t)sign * (uint32_t)v->u.i32));
    case WY_T_BIGINT:
      return wy_bigint((int64_t)(wrap(sum->u.i64) + wrap(sign) * wrap(v->u.i64)));
    default:
      return wy_double(sum->u.f64 + sign * v->u.f64);
  }
}
/* ksqlDB's delta: v * (count + 1) - (sum + v), in long arithmetic for INT and BIGINT. */
static double sd_delta(const wy_value_t *sum, int64_t count, const wy_value_t *v) {
  switch (sum->kind) {
    case WY_T_INT: {
      int32_t s = (int32_t)(uint32_t)((uint32_t)sum->u.i32 + (uint32_t)v->u.i32);
      return (double)(int64_t)(wrap(v->u.i32) * wrap(count + 1) - wrap(s));
    }
    case WY_T_BIGINT: {
      uint64_t s = wrap(sum->u.i64) + wrap(v->u.i64);
      return (double)(int64_t)(wrap(v->u.i64) * wrap(count + 1) - s);
    }
    default:
      return v->u.f64 * (double)(count + 1) - (sum->u.f64 + v->u.f64);
  }
}
static wy_status_t sd_step(wy_fn_ctx_t *ctx, const wy_value_t *v, wy_value_t *acc, int sign) {
  if (v->null) return WY_OK;
  const wy_list_t *o = acc->u.list;
  int64_t count = o->items[SD_COUNT].u.i64, n = count + sign;
  double m2 = o->items[SD_M2].u.f64;
  if (sign > 0 && count > 0) {
    double d = sd_delta(&o->items[SD_SUM], count, v);
    m2 += d * d / (double)(n * (n - 1));
  } else if (sign < 0 && n > 0) {
    double d = sd_delta(&o->items[SD_SUM], count, v);
    m2 -= d * d / (double)(n * (n + 1));
  }
  wy_list_t *l = fields(ctx, 3);
  if (!l) return wy_fn_nomem(ctx);
  l->items[SD_SUM] = sd_sum(&o->items[SD_SUM], v, sign);
  l->items[SD_COUNT] = wy_bigint(n);
  l->items[SD_M2] = wy_double(m2);
  *acc = wy_struct(l);
  return WY_OK;
}
static wy_status_t sd_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return sd_step(ctx, &a[0], acc, 1);
}
static wy_status_t sd_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return sd_step(ctx, &a[0], acc, -1);
}
static double sd_mean(const wy_list_t *l) {
  const wy_value_t *s = &l->items[SD_SUM];
  double sum = s->kind == WY_T_INT      ? s->u.i32
               : s->kind == WY_T_BIGINT ? (double)s->u.i64
                                        : s->u.f64;
  return sum / (double)l->items[SD_COUNT].u.i64;
}
static wy_status_t sd_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  const wy_list_t *x = acc->u.list, *y = later->u.list;
  int64_t cx = x->items[SD_COUNT].u.i64, cy = y->items[SD_COUNT].u.i64;
  double m2 = x->items[SD_M2].u.f64 + y->items[SD_M2].u.f64;
  if (cx && cy) {
    double inner = sd_mean(x) - sd_mean(y);
    m2 += (double)(cx * cy) * inner * inner / (double)(cx + cy);
  }
  wy_list_t *l = fields(ctx, 3);
  if (!l) return wy_fn_nomem(ctx);
  l->items[SD_SUM] = sd_sum(&x->items[SD_SUM], &y->items[SD_SUM], 1);
  l->items[SD_COUNT] = wy_bigint(cx + cy);
  l->items[SD_M2] = wy_double(m2);
  *acc = wy_struct(l);
  return WY_OK;
}
static double sd_variance(const wy_value_t *acc) {
  int64_t count = acc->u.list->items[SD_COUNT].u.i64;
  return count < 2 ? 0.0 : acc->u.list->items[SD_M2].u.f64 / (double)(count - 1);
}
static wy_status_t variance_result(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  *out = wy_double(sd_variance(acc));
  return WY_OK;
}
static wy_status_t stddev_result(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  *out = wy_double(sqrt(sd_variance(acc)));
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_stddev_samp = {acc_stddev, sd_init,         sd_acc,
                                           sd_undo,    variance_result, sd_merge};
const wy_udaf_ops_t wy_udaf_stddev_sample = {acc_stddev, sd_init,       sd_acc,
                                             sd_undo,    stddev_result, sd_merge};

/* ---- CORRELATION: Pearson's coefficient from running sums ----
 * STRUCT<X_SUM, Y_SUM, X_SQUARED_SUM, Y_SQUARED_SUM, XY_SUM DOUBLE, COUNT BIGINT>. */

enum { CO_X, CO_Y, CO_XX, CO_YY, CO_XY, CO_COUNT, CO_N };

static const wy_type_t *acc_corr(const wy_type_t *const *args, size_t n) {
  static const char *const names[] = {"X_SUM",         "Y_SUM",  "X_SQUARED_SUM",
                                      "Y_SQUARED_SUM", "XY_SUM", "COUNT"};
  const wy_type_t *types[] = {wy_type_double(), wy_type_double(), wy_type_double(),
                              wy_type_double(), wy_type_double(), wy_type_bigint()};
  return struct_of(names, types, CO_N);
}
static wy_status_t corr_init(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  wy_list_t *l = fields(ctx, CO_N);
  if (!l) return wy_fn_nomem(ctx);
  for (int i = 0; i < CO_COUNT; i++) l->items[i] = wy_double(0);
  l->items[CO_COUNT] = wy_bigint(0);
  *acc = wy_struct(l);
  return WY_OK;
}
/* acc + sign * (x, y, x², y², xy, 1). */
static wy_status_t corr_add(wy_fn_ctx_t *ctx, wy_value_t *acc, const double *d, int64_t count,
                            int sign) {
  const wy_list_t *o = acc->u.list;
  wy_list_t *l = fields(ctx, CO_N);
  if (!l) return wy_fn_nomem(ctx);
  for (int i = 0; i < CO_COUNT; i++) l->items[i] = wy_double(o->items[i].u.f64 + sign * d[i]);
  l->items[CO_COUNT] = wy_bigint(o->items[CO_COUNT].u.i64 + sign * count);
  *acc = wy_struct(l);
  return WY_OK;
}
static wy_status_t corr_step(wy_fn_ctx_t *ctx, const wy_value_t *a, wy_value_t *acc, int sign) {
  if (a[0].null || a[1].null) return WY_OK; /* a row missing x or y does not count */
  double x = wy_fn_as_double(&a[0]), y = wy_fn_as_double(&a[1]);
  double d[CO_COUNT] = {x, y, x * x, y * y, x * y};
  return corr_add(ctx, acc, d, 1, sign);
}
static wy_status_t corr_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return corr_step(ctx, a, acc, 1);
}
static wy_status_t corr_undo(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  return corr_step(ctx, a, acc, -1);
}
static wy_status_t corr_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  const wy_list_t *y = later->u.list;
  double d[CO_COUNT];
  for (int i = 0; i < CO_COUNT; i++) d[i] = y->items[i].u.f64;
  return corr_add(ctx, acc, d, y->items[CO_COUNT].u.i64, 1);
}
/* NaN with fewer than two rows or a constant column (0 / 0), as ksqlDB. */
static wy_status_t corr_result(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  const wy_value_t *f = acc->u.list->items;
  double n = (double)f[CO_COUNT].u.i64, sx = f[CO_X].u.f64, sy = f[CO_Y].u.f64;
  double num = n * f[CO_XY].u.f64 - sx * sy;
  double dx = n * f[CO_XX].u.f64 - sx * sx, dy = n * f[CO_YY].u.f64 - sy * sy;
  *out = wy_double(num / sqrt(dx * dy));
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_correlation = {acc_corr,  corr_init,   corr_acc,
                                           corr_undo, corr_result, corr_merge};

/* ---- COUNT_DISTINCT: HyperLogLog with 2^12 registers (about 1.6 % standard error) ----
 * The accumulator is BYTES: sparse while few registers are set (3 bytes per set register:
 * index, little-endian, then rank, sorted by index; fewer than 4096 bytes), dense (one
 * byte per register, exactly 4096 bytes) afterwards. A row that raises no register
 * allocates nothing. */

#define HLL_P 12
#define HLL_M (1u << HLL_P)
#define HLL_SPARSE_MAX ((HLL_M - 1) / 3) /* entries that stay below HLL_M bytes */

static const wy_type_t *acc_hll(const wy_type_t *const *args, size_t n) {
  return wy_type_primitive(WY_T_BYTES);
}
static wy_status_t hll_init(wy_fn_ctx_t *ctx, wy_value_t *acc) {
  *acc = wy_bytes("", 0);
  return WY_OK;
}
static uint32_t sp_idx(const uint8_t *e) { return (uint32_t)e[0] | (uint32_t)e[1] << 8; }

/* Registers of acc into regs (HLL_M bytes). */
static void hll_dense(const wy_value_t *acc, uint8_t *regs) {
  const uint8_t *p = (const uint8_t *)acc->u.str;
  if (acc->len == HLL_M) {
    memcpy(regs, p, HLL_M);
    return;
  }
  memset(regs, 0, HLL_M);
  for (uint32_t i = 0; i + 3 <= acc->len; i += 3) regs[sp_idx(p + i)] = p[i + 2];
}
/* The accumulator for registers regs: sparse when that is smaller. */
static wy_status_t hll_store(wy_fn_ctx_t *ctx, const uint8_t *regs, wy_value_t *acc) {
  uint32_t set = 0;
  for (uint32_t i = 0; i < HLL_M; i++) set += regs[i] != 0;
  size_t len = set <= HLL_SPARSE_MAX ? 3 * (size_t)set : HLL_M;
  uint8_t *p = (uint8_t *)wy_fn_alloc(ctx, len);
  if (!p) return wy_fn_nomem(ctx);
  if (len == HLL_M) {
    memcpy(p, regs, HLL_M);
  } else {
    for (uint32_t i = 0, o = 0; i < HLL_M; i++)
      if (regs[i]) {
        p[o] = (uint8_t)i;
        p[o + 1] = (uint8_t)(i >> 8);
        p[o + 2] = regs[i];
        o += 3;
      }
  }
  *acc = wy_bytes(p, len);
  return WY_OK;
}
static wy_status_t hll_acc(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *acc) {
  if (a[0].null) return WY_OK;
  uint64_t h = wy_value_hash(&a[0]);
  uint32_t idx = (uint32_t)(h >> (64 - HLL_P));
  uint64_t rest = h << HLL_P;
  uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - HLL_P + 1);
  const uint8_t *p = (const uint8_t *)acc->u.str;
  if (acc->len == HLL_M) {
    if (p[idx] >= rank) return WY_OK;
    uint8_t *d = (uint8_t *)wy_fn_alloc(ctx, HLL_M);
    if (!d) return wy_fn_nomem(ctx);
    memcpy(d, p, HLL_M);
    d[idx] = rank;
    *acc = wy_bytes(d, HLL_M);
    return WY_OK;
  }
  uint32_t lo = 0, hi = acc->len / 3; /* the first entry with index >= idx */
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (sp_idx(p + 3 * mid) < idx)
      lo = mid + 1;
    else
      hi = mid;
  }
  bool found = 3 * lo < acc->len && sp_idx(p + 3 * lo) == idx;
  if (found && p[3 * lo + 2] >= rank) return WY_OK;
  if (!found && acc->len / 3 >= HLL_SPARSE_MAX) { /* full: go dense */
    uint8_t regs[HLL_M];
    hll_dense(acc, regs);
    regs[idx] = rank;
    return hll_store(ctx, regs, acc);
  }
  size_t len = acc->len + (found ? 0 : 3);
  uint8_t *s = (uint8_t *)wy_fn_alloc(ctx, len);
  if (!s) return wy_fn_nomem(ctx);
  if (lo) memcpy(s, p, 3 * (size_t)lo);
  s[3 * lo] = (uint8_t)idx;
  s[3 * lo + 1] = (uint8_t)(idx >> 8);
  s[3 * lo + 2] = rank;
  size_t tail = 3 * (size_t)lo + (found ? 3 : 0);
  if (acc->len > tail) memcpy(s + 3 * lo + 3, p + tail, acc->len - tail);
  *acc = wy_bytes(s, len);
  return WY_OK;
}
static wy_status_t hll_merge(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc) {
  uint8_t a[HLL_M], b[HLL_M];
  hll_dense(acc, a);
  hll_dense(later, b);
  for (uint32_t i = 0; i < HLL_M; i++)
    if (b[i] > a[i]) a[i] = b[i];
  return hll_store(ctx, a, acc);
}
/* The HyperLogLog estimate, with linear counting for small cardinalities (a 64-bit hash
 * needs no large-range correction). */
static wy_status_t hll_result(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out) {
  uint8_t regs[HLL_M];
  hll_dense(acc, regs);
  double sum = 0;
  uint32_t zeros = 0;
  for (uint32_t i = 0; i < HLL_M; i++) {
    sum += ldexp(1.0, -regs[i]);
    zeros += regs[i] == 0;
  }
  double m = HLL_M, est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
  if (est <= 2.5 * m && zeros) est = m * log(m / zeros);
  *out = wy_bigint((int64_t)llround(est));
  return WY_OK;
}
const wy_udaf_ops_t wy_udaf_count_distinct = {acc_hll, hll_init,   hll_acc,
                                              NULL,    hll_result, hll_merge};
