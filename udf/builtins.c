/* Registration of the built-in function table (builtins_list.h) and the helpers the
 * implementations share. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/decimal.h"
#include "udf/builtins_int.h"

wy_status_t wy_fn_fail(wy_fn_ctx_t *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wy_status_t st = wy_error_setv(ctx->err, WY_ERR_EVAL, fmt, ap);
  va_end(ap);
  return st;
}

wy_status_t wy_fn_nomem(wy_fn_ctx_t *ctx) {
  return wy_error_set(ctx->err, WY_ERR_NOMEM, "out of memory");
}

char *wy_fn_alloc(wy_fn_ctx_t *ctx, size_t n) {
  char *p = wy_arena_alloc(ctx->arena, n + 1);
  if (p) p[n] = '\0';
  return p;
}

wy_status_t wy_fn_buf_result(wy_fn_ctx_t *ctx, wy_buf_t *b, bool bytes, wy_value_t *out) {
  const char *s = wy_buf_cstr(b);
  if (!s) return wy_fn_nomem(ctx);
  *out = bytes ? wy_bytes(s, b->len) : wy_string(s, b->len);
  return WY_OK;
}

double wy_fn_as_double(const wy_value_t *v) {
  switch (v->kind) {
    case WY_T_INT:
      return v->u.i32;
    case WY_T_BIGINT:
      return (double)v->u.i64;
    case WY_T_DECIMAL:
      return wy_decimal_to_double(v->u.dec, v->scale);
    default:
      return v->u.f64;
  }
}

const wy_type_t *wy_ret_arg0(const wy_type_t *const *args, const wy_value_t *const *consts,
                             size_t n, wy_error_t *err) {
  (void)consts;
  if (!n || !args[0]) {
    wy_error_set(err, WY_ERR_TYPE, "cannot infer the result type");
    return NULL;
  }
  return wy_type_ref(args[0]);
}

const wy_type_t *wy_ret_elem0(const wy_type_t *const *args, const wy_value_t *const *consts,
                              size_t n, wy_error_t *err) {
  (void)consts;
  if (!n || !args[0] || args[0]->kind != WY_T_ARRAY) {
    wy_error_set(err, WY_ERR_TYPE, "cannot infer the result type");
    return NULL;
  }
  return wy_type_ref(args[0]->elem);
}

const wy_type_t *wy_ret_decimal_int(const wy_type_t *const *args, const wy_value_t *const *consts,
                                    size_t n, wy_error_t *err) {
  const wy_type_t *t = wy_ret_arg0(args, consts, n, err);
  if (!t) return NULL;
  /* ksqlDB's provider: DECIMAL(p - s, 0), even though rounding up may need one digit
   * more (that value then fails as an overflow, as in ksqlDB). */
  int p = t->precision - t->scale;
  wy_type_unref(t);
  if (p < 1) p = 1;
  return wy_type_decimal(p, 0);
}

#define N WY_OV_NULL_CALLS
#define ND WY_FN_NONDETERMINISTIC
#define MK WY_FN_MASKING

static const struct scalar_row {
  const char *name, *category, *params, *ret;
  wy_return_fn ret_fn;
  wy_scalar_fn fn;
  const wy_prep_t *prep;
  unsigned ov_flags, fn_flags;
  const char *description;
} SCALARS[] = {
#define WY_X_SCALAR(NAME, CAT, PARAMS, RET, RETFN, IMPL, PREP, OVF, FNF, DESC) \
  {#NAME, CAT, PARAMS, RET, RETFN, IMPL, PREP, OVF, FNF, DESC},
    WY_BUILTIN_SCALARS(WY_X_SCALAR)
#undef WY_X_SCALAR
};

static const struct agg_row {
  const char *name, *params, *ret;
  wy_return_fn ret_fn;
  const wy_udaf_ops_t *ops;
  const char *description;
} AGGREGATES[] = {
#define WY_X_AGG(NAME, PARAMS, RET, RETFN, OPS, DESC) {#NAME, PARAMS, RET, RETFN, OPS, DESC},
    WY_BUILTIN_AGGREGATES(WY_X_AGG)
#undef WY_X_AGG
};

static const struct table_row {
  const char *name, *params, *ret;
  wy_return_fn ret_fn;
  wy_scalar_fn fn;
  const char *description;
} TABLES[] = {
#define WY_X_TABLE(NAME, PARAMS, RET, RETFN, IMPL, DESC) {#NAME, PARAMS, RET, RETFN, IMPL, DESC},
    WY_BUILTIN_TABLES(WY_X_TABLE)
#undef WY_X_TABLE
};

#undef N
#undef ND
#undef MK

wy_status_t wy_registry_add_builtins(wy_registry_t *r, wy_error_t *err) {
  for (size_t i = 0; i < sizeof SCALARS / sizeof SCALARS[0]; i++) {
    const struct scalar_row *s = &SCALARS[i];
    wy_overload_def_t d = {.name = s->name,
                           .category = s->category,
                           .signature = s->params,
                           .ret = s->ret,
                           .ret_fn = s->ret_fn,
                           .fn = s->fn,
                           .prepare = s->prep ? s->prep->prepare : NULL,
                           .release = s->prep ? s->prep->release : NULL,
                           .fn_flags = s->fn_flags,
                           .ov_flags = s->ov_flags,
                           .description = s->description,
                           .author = "confluentinc (semantics), walleye (implementation)"};
    wy_status_t st = wy_registry_add(r, &d, err);
    if (st) return wy_error_prefix(err, "built-in %s", s->name);
  }
  for (size_t i = 0; i < sizeof AGGREGATES / sizeof AGGREGATES[0]; i++) {
    const struct agg_row *s = &AGGREGATES[i];
    wy_overload_def_t d = {.name = s->name,
                           .category = "AGGREGATE",
                           .signature = s->params,
                           .ret = s->ret,
                           .ret_fn = s->ret_fn,
                           .agg = s->ops,
                           .fn_flags = WY_FN_AGGREGATE,
                           .ov_flags = WY_OV_NULL_CALLS,
                           .description = s->description,
                           .author = "confluentinc (semantics), walleye (implementation)"};
    wy_status_t st = wy_registry_add(r, &d, err);
    if (st) return wy_error_prefix(err, "built-in %s", s->name);
  }
  for (size_t i = 0; i < sizeof TABLES / sizeof TABLES[0]; i++) {
    const struct table_row *s = &TABLES[i];
    wy_overload_def_t d = {.name = s->name,
                           .category = "TABLE",
                           .signature = s->params,
                           .ret = s->ret,
                           .ret_fn = s->ret_fn,
                           .fn = s->fn,
                           .fn_flags = WY_FN_TABLE,
                           .description = s->description,
                           .author = "confluentinc (semantics), walleye (implementation)"};
    wy_status_t st = wy_registry_add(r, &d, err);
    if (st) return wy_error_prefix(err, "built-in %s", s->name);
  }
  return WY_OK;
}
