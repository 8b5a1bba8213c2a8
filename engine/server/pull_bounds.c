/* pull_bounds.c — window bounds of pull queries, as ksqlDB checks them (pull_bounds.h). */
#include "engine/server/pull_bounds.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udf/convert.h"

/* The bounds seen on one window column in one conjunction. */
typedef struct column_bounds {
  bool equal, lower, upper;
} column_bounds_t;

typedef struct bounds {
  column_bounds_t start, end;
} bounds_t;

typedef enum { BOUND_EQUAL, BOUND_LOWER, BOUND_UPPER } bound_kind_t;

/* ksqlDB's names of the comparisons it sorts bounds by. */
static const char *bound_name(bound_kind_t k) {
  return k == BOUND_EQUAL ? "EQUAL" : k == BOUND_LOWER ? "GREATER_THAN" : "LESS_THAN";
}

static const char *window_column(const wy_ast_expr_t *e) {
  if (!e || e->kind != WY_AST_COLUMN || !e->name) return NULL;
  if (!strcmp(e->name, "WINDOWSTART")) return "WINDOWSTART";
  if (!strcmp(e->name, "WINDOWEND")) return "WINDOWEND";
  return NULL;
}

static wy_status_t refuse(wy_error_t *err, const char *msg) {
  return wy_error_set(err, WY_ERR_ANALYSIS,
                      "%s. Pull queries on a windowed table may compare "
                      "WINDOWSTART and WINDOWEND with =, <, <=, >, >= to literals.",
                      msg);
}

/* A datetime as ksqlDB reads a partial one: the missing fields are their smallest. */
static bool parse_datetime(const char *s, int64_t *ms) {
  size_t n = strlen(s);
  char full[64];
  static const char *const fill[] = {
      [4] = "-01-01T00:00", [7] = "-01T00:00", [10] = "T00:00", [13] = ":00"};
  if (n < sizeof fill / sizeof *fill && fill[n]) {
    snprintf(full, sizeof full, "%s%s", s, fill[n]);
    s = full;
    n = strlen(full);
  }
  return wy_parse_timestamp_iso(s, n, ms);
}

/* The bound's value in epoch milliseconds; a datetime literal becomes a BIGINT one. */
static wy_status_t bound_value(wy_ast_expr_t *v, wy_error_t *err) {
  if (v->kind == WY_AST_LITERAL && (v->lit == WY_AST_LIT_INT || v->lit == WY_AST_LIT_BIGINT))
    return WY_OK;
  if (v->kind != WY_AST_LITERAL || v->lit != WY_AST_LIT_STRING || !v->text)
    return refuse(err, "Window bounds must be an INT, BIGINT or STRING containing a datetime");
  int64_t ms;
  if (!parse_datetime(v->text, &ms)) {
    char msg[WY_ERROR_MSG_MAX / 2];
    snprintf(msg, sizeof msg, "Failed to parse datetime: %s", v->text);
    return refuse(err, msg);
  }
  char digits[24];
  snprintf(digits, sizeof digits, "%" PRId64, ms);
  char *text = strdup(digits);
  if (!text) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  free(v->text);
  v->text = text;
  v->lit = WY_AST_LIT_BIGINT;
  return WY_OK;
}

/* Record one bound of a column; refuse a second of its kind, or an equality with others. */
static wy_status_t add_bound(column_bounds_t *c, const char *col, bound_kind_t k,
                             const char *expr_text, wy_error_t *err) {
  bool *slot = k == BOUND_EQUAL ? &c->equal : k == BOUND_LOWER ? &c->lower : &c->upper;
  bool duplicate = *slot;
  *slot = true;
  char msg[WY_ERROR_MSG_MAX / 2];
  if (c->equal && (c->lower || c->upper)) {
    snprintf(msg, sizeof msg, "`%s` cannot be combined with other `%s` bounds", expr_text, col);
    return refuse(err, msg);
  }
  if (duplicate) {
    snprintf(msg, sizeof msg, "Duplicate `%s` bounds on: %s", col, bound_name(k));
    return refuse(err, msg);
  }
  return WY_OK;
}

/* "(WINDOWSTART > 3)", as ksqlDB prints a comparison. */
static void comparison_text(const wy_ast_expr_t *e, char *buf, size_t cap) {
  const wy_ast_expr_t *a = e->args[0], *b = e->args[1];
  const char *l = a->kind == WY_AST_COLUMN ? a->name : a->text ? a->text : "?";
  const char *r = b->kind == WY_AST_COLUMN ? b->name : b->text ? b->text : "?";
  bool lq = a->kind == WY_AST_LITERAL && a->lit == WY_AST_LIT_STRING;
  bool rq = b->kind == WY_AST_LITERAL && b->lit == WY_AST_LIT_STRING;
  snprintf(buf, cap, "(%s%s%s %s %s%s%s)", lq ? "'" : "", l, lq ? "'" : "", wy_ast_op_sql(e->op),
           rq ? "'" : "", r, rq ? "'" : "");
}

/* The comparison's column side, NULL when neither side is a window column. */
static const char *compared_column(const wy_ast_expr_t *e, bool *on_right) {
  *on_right = window_column(e->args[1]) != NULL;
  return *on_right ? window_column(e->args[1]) : window_column(e->args[0]);
}

static wy_status_t check_comparison(wy_ast_expr_t *e, bool windowed, bounds_t *b, wy_error_t *err) {
  bool right;
  const char *col = compared_column(e, &right);
  if (!col) return WY_OK;
  char msg[WY_ERROR_MSG_MAX / 2];
  if (e->op == WY_AST_OP_NE) {
    snprintf(msg, sizeof msg, "Unsupported `%s` bounds: NOT_EQUAL", col);
    return refuse(err, msg);
  }
  if (!windowed) return refuse(err, "Cannot use WINDOWSTART/WINDOWEND on non-windowed source");
  char text[WY_ERROR_MSG_MAX / 4];
  comparison_text(e, text, sizeof text);
  if (bound_value(e->args[right ? 0 : 1], err) != WY_OK) return err->code;
  bool below = e->op == WY_AST_OP_LT || e->op == WY_AST_OP_LE; /* column < value */
  bound_kind_t k = e->op == WY_AST_OP_EQ ? BOUND_EQUAL : below != right ? BOUND_UPPER : BOUND_LOWER;
  return add_bound(col[6] == 'S' ? &b->start : &b->end, col, k, text, err);
}

/* col BETWEEN lo AND hi: a lower and an upper bound (NOT BETWEEN: only the values). */
static wy_status_t check_between(wy_ast_expr_t *e, bool windowed, bounds_t *b, wy_error_t *err) {
  const char *col = window_column(e->args[0]);
  if (!col) return WY_OK;
  if (!windowed) return refuse(err, "Cannot use WINDOWSTART/WINDOWEND on non-windowed source");
  if (bound_value(e->args[1], err) != WY_OK || bound_value(e->args[2], err) != WY_OK)
    return err->code;
  if (e->negated) return WY_OK;
  column_bounds_t *c = col[6] == 'S' ? &b->start : &b->end;
  char text[WY_ERROR_MSG_MAX / 4];
  snprintf(text, sizeof text, "(%s BETWEEN %s AND %s)", col, e->args[1]->text, e->args[2]->text);
  if (add_bound(c, col, BOUND_LOWER, text, err) != WY_OK) return err->code;
  return add_bound(c, col, BOUND_UPPER, text, err);
}

/* Walk a WHERE: each side of an OR is a conjunction of its own. */
static wy_status_t walk(wy_ast_expr_t *e, bool windowed, bounds_t *b, wy_error_t *err) {
  switch (e->kind) {
    case WY_AST_AND:
      if (walk(e->args[0], windowed, b, err) != WY_OK) return err->code;
      return walk(e->args[1], windowed, b, err);
    case WY_AST_OR:
    case WY_AST_NOT:
      for (size_t i = 0; i < e->nargs; i++) {
        bounds_t own = *b;
        if (walk(e->args[i], windowed, &own, err) != WY_OK) return err->code;
      }
      return WY_OK;
    case WY_AST_COMPARE:
      return check_comparison(e, windowed, b, err);
    case WY_AST_BETWEEN:
      return check_between(e, windowed, b, err);
    case WY_AST_IS_DISTINCT: {
      const char *col =
          window_column(e->args[0]) ? window_column(e->args[0]) : window_column(e->args[1]);
      if (!col) return WY_OK;
      char msg[WY_ERROR_MSG_MAX / 2];
      snprintf(msg, sizeof msg, "Unsupported `%s` bounds: %s", col,
               e->negated ? "IS_NOT_DISTINCT_FROM" : "IS_DISTINCT_FROM");
      return refuse(err, msg);
    }
    default:
      return WY_OK;
  }
}

wy_status_t wy_pull_window_bounds(wy_ast_query_t *q, bool windowed, wy_error_t *err) {
  bounds_t b = {0};
  return q->where ? walk(q->where, windowed, &b, err) : WY_OK;
}
