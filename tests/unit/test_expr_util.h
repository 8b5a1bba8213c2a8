/* Helpers shared by the expression and function tests: build small trees, bind,
 * compile and evaluate them, and render results as CAST(x AS STRING) would. */
#ifndef WY_TEST_EXPR_UTIL_H
#define WY_TEST_EXPR_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/decimal.h"
#include "engine/expr/expr.h"
#include "udf/convert.h"
#include "udf/registry.h"

static wy_arena_t t_arena;
static wy_error_t t_err;
static char t_text[4096];

static __attribute__((unused)) wy_expr_t *I(int32_t v) {
  wy_value_t x = wy_int(v);
  return wy_expr_literal(&x, wy_type_int(), 1, 1);
}
static __attribute__((unused)) wy_expr_t *BI(int64_t v) {
  wy_value_t x = wy_bigint(v);
  return wy_expr_literal(&x, wy_type_bigint(), 1, 1);
}
static __attribute__((unused)) wy_expr_t *D(double v) {
  wy_value_t x = wy_double(v);
  return wy_expr_literal(&x, wy_type_double(), 1, 1);
}
static __attribute__((unused)) wy_expr_t *B(bool v) {
  wy_value_t x = wy_bool(v);
  return wy_expr_literal(&x, wy_type_boolean(), 1, 1);
}
static __attribute__((unused)) wy_expr_t *S(const char *s) {
  wy_value_t x = wy_string(s, strlen(s));
  return wy_expr_literal(&x, wy_type_string(), 1, 1);
}
/* A DECIMAL literal typed as the parser types "1.50": DECIMAL(3, 2). */
static __attribute__((unused)) wy_expr_t *DEC(const char *s) {
  const char *dot = strchr(s, '.');
  int scale = dot ? (int)strlen(dot + 1) : 0;
  int digits = 0;
  for (const char *p = s; *p; p++) digits += *p >= '0' && *p <= '9';
  wy_int128_t u;
  if (!wy_decimal_parse(s, strlen(s), 38, scale, &u)) return NULL;
  wy_value_t x = wy_decimal(u, digits, scale);
  return wy_expr_literal(&x, wy_type_decimal(digits, scale), 1, 1);
}
static __attribute__((unused)) wy_expr_t *NUL(void) {
  wy_value_t x = wy_null(WY_T_STRING);
  return wy_expr_literal(&x, NULL, 1, 1);
}
static __attribute__((unused)) wy_expr_t *COL(const char *name, int slot, const wy_type_t *t) {
  return wy_expr_column(name, slot, t, 1, 1);
}

/* NAME(args...) with nargs arguments. */
static __attribute__((unused)) wy_expr_t *CALL(const char *name, int nargs, ...) {
  wy_expr_t *args[16];
  va_list ap;
  va_start(ap, nargs);
  for (int i = 0; i < nargs; i++) args[i] = va_arg(ap, wy_expr_t *);
  va_end(ap);
  return wy_expr_call(name, args, (size_t)nargs, 1, 1);
}
static __attribute__((unused)) wy_expr_t *BIN(wy_expr_op_t op, wy_expr_t *l, wy_expr_t *r) {
  return wy_expr_binary(op, l, r, 1, 1);
}

/* Bind, compile and evaluate e on row; destroys e. Returns the status of the first
 * failing step (bind errors land in t_err). */
static __attribute__((unused)) wy_status_t run_row(wy_expr_t *e, const wy_value_t *row,
                                                   wy_value_t *out, const wy_type_t **type) {
  wy_error_clear(&t_err);
  wy_status_t st = wy_expr_bind(e, NULL, false, &t_err);
  wy_expr_program_t *p = NULL;
  if (!st) st = wy_expr_compile(e, &p, &t_err);
  if (!st) {
    if (type) *type = wy_type_ref(wy_expr_program_type(p));
    st = wy_expr_eval(p, row, &t_arena, out, &t_err);
    /* Results may point at the program's literals: copy before the program goes. */
    wy_value_t tmp = *out;
    if (!st && !wy_value_deep_copy(&t_arena, &tmp, out)) st = WY_ERR_NOMEM;
  }
  wy_expr_program_destroy(p);
  wy_expr_destroy(e);
  return st;
}

/* Evaluate and render: "null" for NULL, "ERROR: msg" for failures, else the text of
 * CAST(v AS STRING). */
static __attribute__((unused)) const char *run_text_row(wy_expr_t *e, const wy_value_t *row) {
  wy_value_t v;
  const wy_type_t *t = NULL;
  wy_status_t st = run_row(e, row, &v, &t);
  if (st) {
    snprintf(t_text, sizeof t_text, "ERROR: %s", t_err.msg);
  } else {
    const char *s;
    size_t n;
    wy_value_format_sql(&v, t, &t_arena, &s, &n);
    snprintf(t_text, sizeof t_text, "%.*s", (int)n, s);
  }
  wy_type_unref(t);
  return t_text;
}
static __attribute__((unused)) const char *run_text(wy_expr_t *e) { return run_text_row(e, NULL); }

/* The result type of a bound expression, as ksqlDB renders it; destroys e. */
static __attribute__((unused)) const char *type_text(wy_expr_t *e) {
  wy_error_clear(&t_err);
  if (wy_expr_bind(e, NULL, false, &t_err))
    snprintf(t_text, sizeof t_text, "ERROR: %s", t_err.msg);
  else
    wy_type_format(wy_expr_type(e), t_text, sizeof t_text);
  wy_expr_destroy(e);
  return t_text;
}

static __attribute__((unused)) int t_setup(void **state) {
  (void)state;
  wy_arena_init(&t_arena, 0);
  return 0;
}
static __attribute__((unused)) int t_teardown(void **state) {
  (void)state;
  wy_arena_release(&t_arena);
  return 0;
}

#endif
