/* builtins_int.h — shared helpers and prototypes of the built-in function
 * implementations (udf/fn_*.c). Private to udf/. */
#ifndef WY_UDF_BUILTINS_INT_H
#define WY_UDF_BUILTINS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "udf/builtins_list.h"
#include "udf/convert.h"
#include "udf/registry.h"

typedef struct wy_prep {
  wy_prepare_fn prepare;
  wy_release_fn release;
} wy_prep_t;

#define WY_FN_DECL(impl) \
  wy_status_t impl(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out);
#define WY_X_SCALAR_DECL(NAME, CAT, PARAMS, RET, RETFN, IMPL, PREP, OVF, FNF, DESC) WY_FN_DECL(IMPL)
WY_BUILTIN_SCALARS(WY_X_SCALAR_DECL)
#undef WY_X_SCALAR_DECL
#define WY_X_TABLE_DECL(NAME, PARAMS, RET, RETFN, IMPL, DESC) WY_FN_DECL(IMPL)
WY_BUILTIN_TABLES(WY_X_TABLE_DECL)
#undef WY_X_TABLE_DECL

extern const wy_prep_t wy_prep_regex0, wy_prep_regex1, wy_prep_datetime;
extern const wy_udaf_ops_t wy_udaf_count_star, wy_udaf_count, wy_udaf_sum, wy_udaf_sum_list,
    wy_udaf_avg, wy_udaf_min, wy_udaf_max, wy_udaf_latest, wy_udaf_latest_n, wy_udaf_earliest,
    wy_udaf_earliest_n;
extern const wy_udaf_ops_t wy_udaf_collect_list, wy_udaf_collect_set, wy_udaf_histogram,
    wy_udaf_topk, wy_udaf_topkdistinct, wy_udaf_attr, wy_udaf_stddev_samp, wy_udaf_stddev_sample,
    wy_udaf_correlation, wy_udaf_count_distinct;

/* Return-type providers. */
const wy_type_t *wy_ret_arg0(const wy_type_t *const *args, const wy_value_t *const *consts,
                             size_t n, wy_error_t *err);
/* The element type of argument 0 (an ARRAY). */
const wy_type_t *wy_ret_elem0(const wy_type_t *const *args, const wy_value_t *const *consts,
                              size_t n, wy_error_t *err);
/* TOPK / TOPKDISTINCT: ARRAY<T>, or ARRAY<STRUCT<sort_col T, col0 A, ...>>. */
const wy_type_t *wy_ret_topk(const wy_type_t *const *args, const wy_value_t *const *consts,
                             size_t n, wy_error_t *err);
const wy_type_t *wy_ret_topkdistinct(const wy_type_t *const *args, const wy_value_t *const *consts,
                                     size_t n, wy_error_t *err);
/* DECIMAL(p, s) -> DECIMAL(p - s + 1, 0): ROUND/FLOOR/CEIL/TRUNC without places. */
const wy_type_t *wy_ret_decimal_int(const wy_type_t *const *args, const wy_value_t *const *consts,
                                    size_t n, wy_error_t *err);

/* The DECIMAL wide enough for every (DECIMAL) argument: GREATEST/LEAST, as ksqlDB's
 * DecimalUtil.widen. */
const wy_type_t *wy_ret_decimal_widest(const wy_type_t *const *args,
                                       const wy_value_t *const *consts, size_t n, wy_error_t *err);
/* ARRAY<STRUCT<K STRING, V T>> for ENTRIES(MAP<STRING, T>, ...). */
const wy_type_t *wy_ret_entries(const wy_type_t *const *args, const wy_value_t *const *consts,
                                size_t n, wy_error_t *err);

/* A function failure: NULL for the call, message for the processing log. */
wy_status_t wy_fn_fail(wy_fn_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
wy_status_t wy_fn_nomem(wy_fn_ctx_t *ctx);
/* Arena string result of n bytes (NUL-terminated); NULL on ENOMEM. */
char *wy_fn_alloc(wy_fn_ctx_t *ctx, size_t n);
/* Finish a wy_buf_t as a STRING (or BYTES) result. */
wy_status_t wy_fn_buf_result(wy_fn_ctx_t *ctx, wy_buf_t *b, bool bytes, wy_value_t *out);
/* Value as double for the math functions (INT, BIGINT, DOUBLE, DECIMAL). */
double wy_fn_as_double(const wy_value_t *v);

/* JSON rendering of a value (TO_JSON_STRING, JSON helpers). */
void wy_fn_json_value(wy_buf_t *b, const wy_value_t *v, const wy_type_t *t);

#endif
