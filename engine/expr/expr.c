/* Builders, accessors, destruction and ksqlDB-style rendering of expression trees. */
#include "engine/expr/expr_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/numtext.h"
#include "udf/convert.h"

static const char *const OP_SQL[] = {
#define WY_X_OP(op, sql, name) sql,
    WY_EXPR_OPS(WY_X_OP)
#undef WY_X_OP
};
static const char *const OP_NAME[] = {
#define WY_X_OP(op, sql, name) name,
    WY_EXPR_OPS(WY_X_OP)
#undef WY_X_OP
};

const char *wy_expr_op_sql(wy_expr_op_t op) { return op < WY_OP__COUNT ? OP_SQL[op] : "?"; }
const char *wy_expr_op_name(wy_expr_op_t op) { return op < WY_OP__COUNT ? OP_NAME[op] : "?"; }

wy_expr_kind_t wy_expr_kind(const wy_expr_t *e) { return e->kind; }
const wy_type_t *wy_expr_type(const wy_expr_t *e) { return e->type; }
size_t wy_expr_child_count(const wy_expr_t *e) { return e->nkids; }
wy_expr_t *wy_expr_child(const wy_expr_t *e, size_t i) { return i < e->nkids ? e->kids[i] : NULL; }
const char *wy_expr_name(const wy_expr_t *e) { return e->name; }
const wy_value_t *wy_expr_literal_value(const wy_expr_t *e) {
  return e->kind == WY_E_LITERAL ? &e->value : NULL;
}

bool wy_expr_has_aggregate(const wy_expr_t *e) {
  if (e->kind == WY_E_CALL && e->res.fn && (e->res.fn->flags & WY_FN_AGGREGATE)) return true;
  for (size_t i = 0; i < e->nkids; i++)
    if (e->kids[i] && wy_expr_has_aggregate(e->kids[i])) return true;
  return false;
}

void wy_expr_destroy(wy_expr_t *e) {
  if (!e) return;
  for (size_t i = 0; i < e->nkids; i++) wy_expr_destroy(e->kids[i]);
  free(e->kids);
  for (size_t i = 0; i < e->nnames; i++) free(e->names[i]);
  free(e->names);
  free(e->name);
  wy_type_unref(e->type);
  wy_type_unref(e->target);
  if (e->arena) {
    wy_arena_release(e->arena);
    free(e->arena);
  }
  wy_resolved_release(&e->res);
  free(e);
}

static void free_kids(wy_expr_t **kids, size_t n) {
  for (size_t i = 0; i < n; i++) wy_expr_destroy(kids[i]);
}

wy_expr_t *wy_expr__node(wy_expr_kind_t kind, wy_expr_t **kids, size_t n, int line, int col) {
  wy_expr_t *e = calloc(1, sizeof *e);
  if (e && n) {
    e->kids = malloc(n * sizeof *e->kids);
    if (!e->kids) {
      free(e);
      e = NULL;
    }
  }
  if (!e) {
    free_kids(kids, n);
    return NULL;
  }
  if (n) memcpy(e->kids, kids, n * sizeof *kids);
  e->nkids = n;
  e->kind = kind;
  e->line = line;
  e->col = col;
  return e;
}

wy_expr_t *wy_expr__implicit_cast(wy_expr_t *x, const wy_type_t *to) {
  wy_expr_t *e = wy_expr_cast(x, wy_type_ref(to), x->line, x->col);
  if (!e) return NULL;
  e->implicit = true;
  e->type = wy_type_ref(to);
  e->bound = true;
  return e;
}

static bool set_names(wy_expr_t *e, const char *const *names, size_t n) {
  e->names = calloc(n ? n : 1, sizeof *e->names);
  if (!e->names) return false;
  e->nnames = n;
  for (size_t i = 0; i < n; i++)
    if (!(e->names[i] = strdup(names[i]))) return false;
  return true;
}

wy_expr_t *wy_expr_literal(const wy_value_t *v, const wy_type_t *type, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_LITERAL, NULL, 0, line, col);
  if (!e) {
    wy_type_unref(type);
    return NULL;
  }
  e->type = type;
  e->arena = malloc(sizeof *e->arena);
  if (!e->arena) goto fail;
  wy_arena_init(e->arena, 256);
  if (!wy_value_deep_copy(e->arena, v, &e->value)) goto fail;
  return e;
fail:
  wy_expr_destroy(e);
  return NULL;
}

wy_expr_t *wy_expr_column(const char *name, int slot, const wy_type_t *type, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_COLUMN, NULL, 0, line, col);
  if (!e || !(e->name = strdup(name ? name : ""))) {
    wy_expr_destroy(e);
    wy_type_unref(type);
    return NULL;
  }
  e->type = type;
  e->slot = slot;
  return e;
}

wy_expr_t *wy_expr_call(const char *name, wy_expr_t **args, size_t n, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_CALL, args, n, line, col);
  if (e && !(e->name = strdup(name))) {
    wy_expr_destroy(e);
    return NULL;
  }
  if (e)
    for (char *p = e->name; *p; p++)
      if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
  return e;
}

wy_expr_t *wy_expr_binary(wy_expr_op_t op, wy_expr_t *l, wy_expr_t *r, int line, int col) {
  wy_expr_t *kids[2] = {l, r};
  wy_expr_t *e = wy_expr__node(WY_E_BINARY, kids, 2, line, col);
  if (e) e->op = op;
  return e;
}

wy_expr_t *wy_expr_unary(wy_expr_op_t op, wy_expr_t *x, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_UNARY, &x, 1, line, col);
  if (e) e->op = op;
  return e;
}

wy_expr_t *wy_expr_like(wy_expr_t *x, wy_expr_t *pattern, wy_expr_t *escape, bool negated, int line,
                        int col) {
  wy_expr_t *kids[3] = {x, pattern, escape};
  wy_expr_t *e = wy_expr__node(WY_E_LIKE, kids, escape ? 3 : 2, line, col);
  if (e) e->negated = negated;
  return e;
}

wy_expr_t *wy_expr_between(wy_expr_t *x, wy_expr_t *lo, wy_expr_t *hi, bool negated, int line,
                           int col) {
  wy_expr_t *kids[3] = {x, lo, hi};
  wy_expr_t *e = wy_expr__node(WY_E_BETWEEN, kids, 3, line, col);
  if (e) e->negated = negated;
  return e;
}

wy_expr_t *wy_expr_in(wy_expr_t *x, wy_expr_t **list, size_t n, bool negated, int line, int col) {
  wy_expr_t **kids = malloc((n + 1) * sizeof *kids);
  if (!kids) {
    wy_expr_destroy(x);
    free_kids(list, n);
    return NULL;
  }
  kids[0] = x;
  if (n) memcpy(kids + 1, list, n * sizeof *list);
  wy_expr_t *e = wy_expr__node(WY_E_IN, kids, n + 1, line, col);
  free(kids);
  if (e) e->negated = negated;
  return e;
}

wy_expr_t *wy_expr_case(wy_expr_t *operand, wy_expr_t **whens, wy_expr_t **thens, size_t n,
                        wy_expr_t *else_, int line, int col) {
  size_t total = (operand != NULL) + 2 * n + (else_ != NULL), k = 0;
  wy_expr_t **kids = malloc((total ? total : 1) * sizeof *kids);
  if (!kids) {
    wy_expr_destroy(operand);
    wy_expr_destroy(else_);
    free_kids(whens, n);
    free_kids(thens, n);
    return NULL;
  }
  if (operand) kids[k++] = operand;
  for (size_t i = 0; i < n; i++) {
    kids[k++] = whens[i];
    kids[k++] = thens[i];
  }
  if (else_) kids[k++] = else_;
  wy_expr_t *e = wy_expr__node(WY_E_CASE, kids, total, line, col);
  free(kids);
  if (e) {
    e->has_operand = operand != NULL;
    e->has_else = else_ != NULL;
  }
  return e;
}

wy_expr_t *wy_expr_cast(wy_expr_t *x, const wy_type_t *to, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_CAST, &x, 1, line, col);
  if (!e) {
    wy_type_unref(to);
    return NULL;
  }
  e->target = to;
  return e;
}

wy_expr_t *wy_expr_field(wy_expr_t *x, const char *field, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_FIELD, &x, 1, line, col);
  if (e && !(e->name = strdup(field))) {
    wy_expr_destroy(e);
    return NULL;
  }
  return e;
}

wy_expr_t *wy_expr_subscript(wy_expr_t *x, wy_expr_t *index, int line, int col) {
  wy_expr_t *kids[2] = {x, index};
  return wy_expr__node(WY_E_SUBSCRIPT, kids, 2, line, col);
}

wy_expr_t *wy_expr_array(wy_expr_t **items, size_t n, int line, int col) {
  return wy_expr__node(WY_E_ARRAY, items, n, line, col);
}

wy_expr_t *wy_expr_map(wy_expr_t **keys, wy_expr_t **vals, size_t n, int line, int col) {
  wy_expr_t **kids = malloc((2 * n + 1) * sizeof *kids);
  if (!kids) {
    free_kids(keys, n);
    free_kids(vals, n);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    kids[2 * i] = keys[i];
    kids[2 * i + 1] = vals[i];
  }
  wy_expr_t *e = wy_expr__node(WY_E_MAP, kids, 2 * n, line, col);
  free(kids);
  return e;
}

wy_expr_t *wy_expr_struct(const char *const *names, wy_expr_t **vals, size_t n, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_STRUCT, vals, n, line, col);
  if (e && !set_names(e, names, n)) {
    wy_expr_destroy(e);
    return NULL;
  }
  return e;
}

wy_expr_t *wy_expr_lambda(const char *const *names, size_t n, wy_expr_t *body, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_LAMBDA, &body, 1, line, col);
  if (e && !set_names(e, names, n)) {
    wy_expr_destroy(e);
    return NULL;
  }
  return e;
}

wy_expr_t *wy_expr_lambda_var(const char *name, int line, int col) {
  wy_expr_t *e = wy_expr__node(WY_E_LAMBDA_VAR, NULL, 0, line, col);
  if (e && !(e->name = strdup(name))) {
    wy_expr_destroy(e);
    return NULL;
  }
  return e;
}

/* ---- rendering ------------------------------------------------------------------- */

typedef struct {
  char *buf;
  size_t cap, len;
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->len < o->cap ? o->buf + o->len : NULL, o->len < o->cap ? o->cap - o->len : 0,
                    fmt, ap);
  va_end(ap);
  if (n > 0) o->len += (size_t)n;
}

static void fmt_expr(out_t *o, const wy_expr_t *e);

static void fmt_list(out_t *o, wy_expr_t *const *kids, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (i) put(o, ", ");
    fmt_expr(o, kids[i]);
  }
}

static void fmt_literal(out_t *o, const wy_expr_t *e) {
  const wy_value_t *v = &e->value;
  if (v->null) {
    put(o, "null");
    return;
  }
  char tmp[96];
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_STRING:
      put(o, "'");
      for (uint32_t i = 0; i < v->len; i++) put(o, v->u.str[i] == '\'' ? "''" : "%c", v->u.str[i]);
      put(o, "'");
      return;
    case WY_T_DOUBLE:
      wy_double_java(v->u.f64, tmp);
      put(o, "%s", tmp);
      return;
    case WY_T_BOOLEAN:
      put(o, "%s", v->u.b ? "true" : "false");
      return;
    default: {
      wy_arena_t a;
      wy_arena_init(&a, 1024);
      const char *s;
      size_t n;
      if (wy_value_format_sql(v, e->type, &a, &s, &n) == WY_OK) put(o, "%.*s", (int)n, s);
      wy_arena_release(&a);
      return;
    }
  }
}

static void fmt_expr(out_t *o, const wy_expr_t *e) {
  char tbuf[512];
  switch (e->kind) {
    case WY_E_LITERAL:
      fmt_literal(o, e);
      return;
    case WY_E_COLUMN:
    case WY_E_LAMBDA_VAR:
      put(o, "%s", e->name);
      return;
    case WY_E_CALL:
      put(o, "%s(", e->name);
      fmt_list(o, e->kids, e->nkids);
      put(o, ")");
      return;
    case WY_E_BINARY:
      put(o, "(");
      fmt_expr(o, e->kids[0]);
      put(o, " %s ", wy_expr_op_sql(e->op));
      fmt_expr(o, e->kids[1]);
      put(o, ")");
      return;
    case WY_E_UNARY:
      if (e->op == WY_OP_NEG) {
        put(o, "-");
        fmt_expr(o, e->kids[0]);
      } else if (e->op == WY_OP_NOT) {
        put(o, "(NOT ");
        fmt_expr(o, e->kids[0]);
        put(o, ")");
      } else {
        put(o, "(");
        fmt_expr(o, e->kids[0]);
        put(o, " %s)", wy_expr_op_sql(e->op));
      }
      return;
    case WY_E_LIKE:
      put(o, "(");
      fmt_expr(o, e->kids[0]);
      put(o, e->negated ? " NOT LIKE " : " LIKE ");
      fmt_expr(o, e->kids[1]);
      if (e->nkids > 2) {
        put(o, " ESCAPE ");
        fmt_expr(o, e->kids[2]);
      }
      put(o, ")");
      return;
    case WY_E_BETWEEN:
      put(o, "(");
      fmt_expr(o, e->kids[0]);
      put(o, e->negated ? " NOT BETWEEN " : " BETWEEN ");
      fmt_expr(o, e->kids[1]);
      put(o, " AND ");
      fmt_expr(o, e->kids[2]);
      put(o, ")");
      return;
    case WY_E_IN:
      put(o, "(");
      fmt_expr(o, e->kids[0]);
      put(o, e->negated ? " NOT IN (" : " IN (");
      fmt_list(o, e->kids + 1, e->nkids - 1);
      put(o, "))");
      return;
    case WY_E_CASE: {
      size_t k = 0, pairs = (e->nkids - e->has_operand - e->has_else) / 2;
      put(o, "(CASE ");
      if (e->has_operand) {
        fmt_expr(o, e->kids[k++]);
        put(o, " ");
      }
      for (size_t i = 0; i < pairs; i++) {
        put(o, "WHEN ");
        fmt_expr(o, e->kids[k++]);
        put(o, " THEN ");
        fmt_expr(o, e->kids[k++]);
        put(o, " ");
      }
      if (e->has_else) {
        put(o, "ELSE ");
        fmt_expr(o, e->kids[k]);
        put(o, " ");
      }
      put(o, "END)");
      return;
    }
    case WY_E_CAST:
      if (e->implicit) {
        fmt_expr(o, e->kids[0]);
        return;
      }
      wy_type_format(e->target, tbuf, sizeof tbuf);
      put(o, "CAST(");
      fmt_expr(o, e->kids[0]);
      put(o, " AS %s)", tbuf);
      return;
    case WY_E_FIELD:
      fmt_expr(o, e->kids[0]);
      put(o, "->%s", e->name);
      return;
    case WY_E_SUBSCRIPT:
      fmt_expr(o, e->kids[0]);
      put(o, "[");
      fmt_expr(o, e->kids[1]);
      put(o, "]");
      return;
    case WY_E_ARRAY:
      put(o, "ARRAY[");
      fmt_list(o, e->kids, e->nkids);
      put(o, "]");
      return;
    case WY_E_MAP:
      put(o, "MAP(");
      for (size_t i = 0; i + 1 < e->nkids; i += 2) {
        if (i) put(o, ", ");
        fmt_expr(o, e->kids[i]);
        put(o, ":=");
        fmt_expr(o, e->kids[i + 1]);
      }
      put(o, ")");
      return;
    case WY_E_STRUCT:
      put(o, "STRUCT(");
      for (size_t i = 0; i < e->nkids; i++) {
        put(o, "%s%s:=", i ? ", " : "", e->names[i]);
        fmt_expr(o, e->kids[i]);
      }
      put(o, ")");
      return;
    case WY_E_LAMBDA:
      put(o, "(");
      for (size_t i = 0; i < e->nnames; i++) put(o, "%s%s", i ? ", " : "", e->names[i]);
      put(o, ") => ");
      fmt_expr(o, e->kids[0]);
      return;
    default:
      return;
  }
}

size_t wy_expr_format(const wy_expr_t *e, char *buf, size_t cap) {
  out_t o = {buf, cap, 0};
  if (cap) buf[0] = '\0';
  fmt_expr(&o, e);
  if (cap) buf[o.len < cap ? o.len : cap - 1] = '\0';
  return o.len;
}
