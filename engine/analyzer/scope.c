#include "engine/analyzer/scope.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/decimal.h"

void wy_scope_init(wy_scope_t *s) { memset(s, 0, sizeof *s); }

void wy_scope_clear(wy_scope_t *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) {
    free(s->cols[i].source);
    free(s->cols[i].alias);
    free(s->cols[i].name);
    wy_type_unref(s->cols[i].type);
  }
  free(s->cols);
  memset(s, 0, sizeof *s);
}

wy_status_t wy_scope_add(wy_scope_t *s, const char *source, const char *alias, const char *name,
                         int slot, const wy_type_t *type, bool is_key, bool pseudo, bool header,
                         wy_error_t *err) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    wy_scope_col_t *grown = realloc(s->cols, cap * sizeof *grown);
    if (!grown) {
      wy_type_unref(type);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    s->cols = grown;
    s->cap = cap;
  }
  wy_scope_col_t *c = &s->cols[s->n];
  memset(c, 0, sizeof *c);
  c->source = strdup(source ? source : "");
  c->alias = strdup(alias ? alias : (source ? source : ""));
  c->name = strdup(name);
  c->slot = slot;
  c->type = type;
  c->is_key = is_key;
  c->pseudo = pseudo;
  c->header = header;
  if (!c->source || !c->alias || !c->name) {
    free(c->source);
    free(c->alias);
    free(c->name);
    wy_type_unref(type);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  s->n++;
  return WY_OK;
}

const wy_scope_col_t *wy_scope_resolve(const wy_scope_t *s, const char *qualifier, const char *name,
                                       const char *clause, wy_error_t *err) {
  const wy_scope_col_t *found = NULL;
  size_t matches = 0;
  bool qualifier_known = false;
  for (size_t i = 0; i < s->n; i++) {
    const wy_scope_col_t *c = &s->cols[i];
    if (qualifier) {
      if (strcmp(c->alias, qualifier) != 0 && strcmp(c->source, qualifier) != 0) continue;
      qualifier_known = true;
    }
    if (strcmp(c->name, name) != 0) continue;
    if (!found) found = c;
    matches++;
  }
  if (matches == 1 || (matches > 1 && found->pseudo)) return found;
  if (matches > 1) {
    char list[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < s->n && len < sizeof list - 64; i++) {
      const wy_scope_col_t *c = &s->cols[i];
      if (strcmp(c->name, name) != 0) continue;
      len += (size_t)snprintf(list + len, sizeof list - len, "%s%s.%s", len ? ", " : "", c->alias,
                              c->name);
    }
    wy_error_set(err, WY_ERR_ANALYSIS, "Column '%s' is ambiguous. Could be any of: %s", name, list);
    return NULL;
  }
  if (qualifier && !qualifier_known) {
    wy_error_set(err, WY_ERR_ANALYSIS, "'%s' is not a valid stream/table name or alias.",
                 qualifier);
    return NULL;
  }
  if (!strcmp(clause, "WHERE") && (!strcmp(name, "WINDOWSTART") || !strcmp(name, "WINDOWEND")))
    /* a window bound where the source has none (a windowed aggregation's bounds come
     * after WHERE) */
    wy_error_set(err, WY_ERR_ANALYSIS, "Error in WHERE expression: Unknown column %s.", name);
  else if (qualifier)
    wy_error_set(err, WY_ERR_ANALYSIS, "%s column '%s.%s' cannot be resolved.", clause, qualifier,
                 name);
  else
    wy_error_set(err, WY_ERR_ANALYSIS, "%s column '%s' cannot be resolved.", clause, name);
  return NULL;
}

const wy_type_t *wy_convert_type(const wy_catalog_t *catalog, const wy_ast_type_t *t,
                                 wy_error_t *err) {
  switch (t->kind) {
    case WY_AST_TYPE_BUILTIN:
      return wy_type_ref(t->type);
    case WY_AST_TYPE_ALIAS: {
      const wy_type_t *found = catalog ? wy_catalog_find_type(catalog, t->alias) : NULL;
      if (!found) {
        wy_error_set_pos(err, WY_ERR_ANALYSIS, t->pos.line, t->pos.column, "Unknown type: %s",
                         t->alias);
        return NULL;
      }
      return wy_type_ref(found);
    }
    case WY_AST_TYPE_ARRAY: {
      const wy_type_t *e = wy_convert_type(catalog, t->elem, err);
      return e ? wy_type_array(e) : NULL;
    }
    case WY_AST_TYPE_MAP: {
      const wy_type_t *k = wy_convert_type(catalog, t->key, err);
      if (!k) return NULL;
      const wy_type_t *v = wy_convert_type(catalog, t->elem, err);
      if (!v) {
        wy_type_unref(k);
        return NULL;
      }
      return wy_type_map(k, v);
    }
    case WY_AST_TYPE_STRUCT: {
      wy_type_t *st = wy_type_struct_new();
      if (!st) return NULL;
      for (size_t i = 0; i < t->nfields; i++) {
        const wy_type_t *f = wy_convert_type(catalog, t->field_types[i], err);
        if (!f || !wy_type_struct_add(st, t->field_names[i].text, f)) {
          wy_type_unref(st);
          return NULL;
        }
      }
      return st;
    }
    default:
      wy_error_set(err, WY_ERR_INTERNAL, "unknown AST type kind");
      return NULL;
  }
}

/* Numeric literal text -> typed value, by the literal kind the parser assigned. */
static wy_expr_t *convert_literal(const wy_ast_expr_t *e, wy_error_t *err) {
  int line = e->pos.line, col = e->pos.column;
  wy_value_t v;
  const char *t = e->text ? e->text : "";
  switch (e->lit) {
    case WY_AST_LIT_NULL:
      v = wy_null(WY_T_STRING);
      return wy_expr_literal(&v, NULL, line, col);
    case WY_AST_LIT_BOOLEAN:
      v = wy_bool(t[0] == 'T' || t[0] == 't');
      return wy_expr_literal(&v, wy_type_boolean(), line, col);
    case WY_AST_LIT_INT:
    case WY_AST_LIT_BIGINT: {
      errno = 0;
      char *end;
      long long x = strtoll(t, &end, 10);
      if (errno || *end) {
        wy_error_set_pos(err, WY_ERR_PARSE, line, col, "Invalid numeric literal: %s", t);
        return NULL;
      }
      if (e->lit == WY_AST_LIT_INT && x >= INT32_MIN && x <= INT32_MAX) {
        v = wy_int((int32_t)x);
        return wy_expr_literal(&v, wy_type_int(), line, col);
      }
      v = wy_bigint(x);
      return wy_expr_literal(&v, wy_type_bigint(), line, col);
    }
    case WY_AST_LIT_DECIMAL: {
      wy_int128_t u;
      int p = e->precision ? e->precision : 1, s = e->scale;
      if (!wy_decimal_parse(t, strlen(t), p, s, &u)) {
        wy_error_set_pos(err, WY_ERR_PARSE, line, col, "Invalid numeric literal: %s", t);
        return NULL;
      }
      v = wy_decimal(u, p, s);
      return wy_expr_literal(&v, wy_type_decimal(p, s), line, col);
    }
    case WY_AST_LIT_DOUBLE: {
      errno = 0;
      double d = strtod(t, NULL);
      if (isinf(d)) {
        /* ksqlDB's AstBuilder fails the statement; its column counts one more */
        wy_error_set_pos(err, WY_ERR_PARSE, line, col,
                         "Failed to prepare statement: line %d:%d: Number overflows DOUBLE: %s",
                         line, col + 1, t);
        return NULL;
      }
      v = wy_double(d);
      return wy_expr_literal(&v, wy_type_double(), line, col);
    }
    case WY_AST_LIT_STRING:
      v = wy_string(t, strlen(t));
      return wy_expr_literal(&v, wy_type_string(), line, col);
    default:
      wy_error_set_pos(err, WY_ERR_INTERNAL, line, col, "unknown literal kind");
      return NULL;
  }
}

/* Convert args[from..from+n) into a malloc'd array; NULL on failure (all freed). */
static wy_expr_t **convert_list(wy_convert_ctx_t *cx, wy_ast_expr_t *const *args, size_t n,
                                wy_error_t *err) {
  wy_expr_t **out = calloc(n ? n : 1, sizeof *out);
  if (!out) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    out[i] = wy_convert_expr(cx, args[i], err);
    if (!out[i]) {
      for (size_t j = 0; j < i; j++) wy_expr_destroy(out[j]);
      free(out);
      return NULL;
    }
  }
  return out;
}

static wy_expr_op_t compare_op(wy_ast_op_t op) {
  switch (op) {
    case WY_AST_OP_EQ:
      return WY_OP_EQ;
    case WY_AST_OP_NE:
      return WY_OP_NE;
    case WY_AST_OP_LT:
      return WY_OP_LT;
    case WY_AST_OP_LE:
      return WY_OP_LE;
    case WY_AST_OP_GT:
      return WY_OP_GT;
    default:
      return WY_OP_GE;
  }
}

static wy_expr_op_t arith_op(wy_ast_op_t op) {
  switch (op) {
    case WY_AST_OP_ADD:
      return WY_OP_ADD;
    case WY_AST_OP_SUB:
      return WY_OP_SUB;
    case WY_AST_OP_MUL:
      return WY_OP_MUL;
    case WY_AST_OP_DIV:
      return WY_OP_DIV;
    default:
      return WY_OP_MOD;
  }
}

#define NOMEM_IF_NULL(x)                                                              \
  do {                                                                                \
    if (!(x) && err->code == WY_OK) wy_error_set(err, WY_ERR_NOMEM, "out of memory"); \
  } while (0)

wy_expr_t *wy_convert_expr(wy_convert_ctx_t *cx, const wy_ast_expr_t *e, wy_error_t *err) {
  if (cx->rewrite) {
    bool handled = false;
    wy_expr_t *r = cx->rewrite(cx->user, e, &handled, err);
    if (r || handled) return r;
  }
  int line = e->pos.line, col = e->pos.column;
  wy_expr_t *out = NULL;
  err->code = WY_OK;
  switch (e->kind) {
    case WY_AST_LITERAL:
      return convert_literal(e, err);
    case WY_AST_TYPED_LITERAL: {
      wy_value_t s = wy_string(e->text, strlen(e->text));
      const wy_type_t *t = NULL;
      if (strcmp(e->name, "DATE") == 0)
        t = wy_type_date();
      else if (strcmp(e->name, "TIME") == 0)
        t = wy_type_time();
      else if (strcmp(e->name, "TIMESTAMP") == 0)
        t = wy_type_timestamp();
      if (!t) {
        wy_error_set_pos(err, WY_ERR_ANALYSIS, line, col, "Unknown typed literal: %s", e->name);
        return NULL;
      }
      out = wy_expr_cast(wy_expr_literal(&s, wy_type_string(), line, col), t, line, col);
      break;
    }
    case WY_AST_COLUMN: {
      if (!e->qualifier) {
        for (size_t i = cx->nlambda; i-- > 0;)
          if (strcmp(cx->lambda[i], e->name) == 0) return wy_expr_lambda_var(e->name, line, col);
      }
      const wy_scope_col_t *c = wy_scope_resolve(cx->scope, e->qualifier, e->name, cx->clause, err);
      if (!c) {
        err->line = line;
        err->column = col;
        return NULL;
      }
      if (cx->used && c->slot >= 0 && (size_t)c->slot < cx->nused) cx->used[c->slot] = 1;
      /* a joined row names its columns <alias>_<column>, as do ksqlDB's messages */
      char joined[512];
      const char *cname = c->name;
      if (cx->qualified_names && c->alias && c->alias[0]) {
        snprintf(joined, sizeof joined, "%s.%s", c->alias, c->name);
        cname = joined;
      } else if (cx->scope->joined && c->alias && c->alias[0] && !c->pseudo) {
        snprintf(joined, sizeof joined, "%s_%s", c->alias, c->name);
        cname = joined;
      }
      out = wy_expr_column(cname, c->slot, wy_type_ref(c->type), line, col);
      break;
    }
    case WY_AST_DEREF: {
      wy_expr_t *x = wy_convert_expr(cx, e->args[0], err);
      if (!x) return NULL;
      out = wy_expr_field(x, e->name, line, col);
      break;
    }
    case WY_AST_SUBSCRIPT: {
      wy_expr_t **a = convert_list(cx, e->args, 2, err);
      if (!a) return NULL;
      out = wy_expr_subscript(a[0], a[1], line, col);
      free(a);
      break;
    }
    case WY_AST_UNARY: {
      wy_expr_t *x = wy_convert_expr(cx, e->args[0], err);
      if (!x) return NULL;
      if (e->op == WY_AST_OP_POS) return x;
      out = wy_expr_unary(WY_OP_NEG, x, line, col);
      break;
    }
    case WY_AST_BINARY: {
      wy_expr_t **a = convert_list(cx, e->args, 2, err);
      if (!a) return NULL;
      if (e->op == WY_AST_OP_CONCAT)
        out = wy_expr_call("CONCAT", a, 2, line, col);
      else
        out = wy_expr_binary(arith_op(e->op), a[0], a[1], line, col);
      free(a);
      break;
    }
    case WY_AST_COMPARE: {
      wy_expr_t **a = convert_list(cx, e->args, 2, err);
      if (!a) return NULL;
      out = wy_expr_binary(compare_op(e->op), a[0], a[1], line, col);
      free(a);
      break;
    }
    case WY_AST_AND:
    case WY_AST_OR: {
      wy_expr_t **a = convert_list(cx, e->args, 2, err);
      if (!a) return NULL;
      out = wy_expr_binary(e->kind == WY_AST_AND ? WY_OP_AND : WY_OP_OR, a[0], a[1], line, col);
      free(a);
      break;
    }
    case WY_AST_NOT: {
      wy_expr_t *x = wy_convert_expr(cx, e->args[0], err);
      if (!x) return NULL;
      out = wy_expr_unary(WY_OP_NOT, x, line, col);
      break;
    }
    case WY_AST_IS_NULL: {
      wy_expr_t *x = wy_convert_expr(cx, e->args[0], err);
      if (!x) return NULL;
      out = wy_expr_unary(e->negated ? WY_OP_IS_NOT_NULL : WY_OP_IS_NULL, x, line, col);
      break;
    }
    case WY_AST_IS_DISTINCT: {
      wy_expr_t **a = convert_list(cx, e->args, 2, err);
      if (!a) return NULL;
      out = wy_expr_binary(e->negated ? WY_OP_NOT_DISTINCT : WY_OP_DISTINCT, a[0], a[1], line, col);
      free(a);
      break;
    }
    case WY_AST_LIKE: {
      wy_expr_t **a = convert_list(cx, e->args, 2, err);
      if (!a) return NULL;
      wy_expr_t *esc = NULL;
      if (e->text) {
        wy_value_t s = wy_string(e->text, strlen(e->text));
        esc = wy_expr_literal(&s, wy_type_string(), line, col);
      }
      out = wy_expr_like(a[0], a[1], esc, e->negated, line, col);
      free(a);
      break;
    }
    case WY_AST_BETWEEN: {
      wy_expr_t **a = convert_list(cx, e->args, 3, err);
      if (!a) return NULL;
      out = wy_expr_between(a[0], a[1], a[2], e->negated, line, col);
      free(a);
      break;
    }
    case WY_AST_IN: {
      wy_expr_t **a = convert_list(cx, e->args, e->nargs, err);
      if (!a) return NULL;
      out = wy_expr_in(a[0], a + 1, e->nargs - 1, e->negated, line, col);
      free(a);
      break;
    }
    case WY_AST_CASE: {
      size_t first = e->has_operand ? 1 : 0;
      size_t last = e->nargs - (e->has_else ? 1 : 0);
      size_t nwhen = last - first;
      wy_expr_t *operand = NULL, *els = NULL;
      wy_expr_t **whens = calloc(nwhen ? nwhen : 1, sizeof *whens);
      wy_expr_t **thens = calloc(nwhen ? nwhen : 1, sizeof *thens);
      bool ok = whens && thens;
      if (ok && e->has_operand) ok = (operand = wy_convert_expr(cx, e->args[0], err)) != NULL;
      for (size_t i = 0; ok && i < nwhen; i++) {
        const wy_ast_expr_t *w = e->args[first + i];
        ok = (whens[i] = wy_convert_expr(cx, w->args[0], err)) != NULL &&
             (thens[i] = wy_convert_expr(cx, w->args[1], err)) != NULL;
      }
      if (ok && e->has_else) ok = (els = wy_convert_expr(cx, e->args[e->nargs - 1], err)) != NULL;
      if (!ok) {
        for (size_t i = 0; i < nwhen && whens && thens; i++) {
          wy_expr_destroy(whens[i]);
          wy_expr_destroy(thens[i]);
        }
        wy_expr_destroy(operand);
        wy_expr_destroy(els);
        free(whens);
        free(thens);
        NOMEM_IF_NULL(NULL);
        return NULL;
      }
      out = wy_expr_case(operand, whens, thens, nwhen, els, line, col);
      free(whens);
      free(thens);
      break;
    }
    case WY_AST_CAST: {
      const wy_type_t *t = wy_convert_type(cx->catalog, e->type, err);
      if (!t) return NULL;
      wy_expr_t *x = wy_convert_expr(cx, e->args[0], err);
      if (!x) {
        wy_type_unref(t);
        return NULL;
      }
      out = wy_expr_cast(x, t, line, col);
      break;
    }
    case WY_AST_CALL: {
      if (e->star) {
        out = wy_expr_call(e->name, NULL, 0, line, col);
        break;
      }
      wy_expr_t **a = convert_list(cx, e->args, e->nargs, err);
      if (!a) return NULL;
      out = wy_expr_call(e->name, a, e->nargs, line, col);
      free(a);
      break;
    }
    case WY_AST_TIME_UNIT: {
      const char *u = wy_ast_time_unit_name(e->unit);
      wy_value_t s = wy_string(u, strlen(u));
      out = wy_expr_literal(&s, wy_type_string(), line, col);
      break;
    }
    case WY_AST_LAMBDA: {
      if (cx->nlambda + e->nnames > sizeof cx->lambda / sizeof cx->lambda[0]) {
        wy_error_set_pos(err, WY_ERR_UNSUPPORTED, line, col, "lambdas nested too deeply");
        return NULL;
      }
      const char *names[16];
      size_t saved = cx->nlambda;
      for (size_t i = 0; i < e->nnames; i++) {
        names[i] = e->names[i].text;
        cx->lambda[cx->nlambda++] = e->names[i].text;
      }
      wy_expr_t *body = wy_convert_expr(cx, e->args[0], err);
      cx->nlambda = saved;
      if (!body) return NULL;
      out = wy_expr_lambda(names, e->nnames, body, line, col);
      break;
    }
    case WY_AST_ARRAY: {
      wy_expr_t **a = convert_list(cx, e->args, e->nargs, err);
      if (!a) return NULL;
      out = wy_expr_array(a, e->nargs, line, col);
      free(a);
      break;
    }
    case WY_AST_MAP: {
      size_t n = e->nargs / 2;
      wy_expr_t **a = convert_list(cx, e->args, e->nargs, err);
      if (!a) return NULL;
      wy_expr_t **keys = calloc(n ? n : 1, sizeof *keys), **vals = calloc(n ? n : 1, sizeof *vals);
      if (!keys || !vals) {
        for (size_t i = 0; i < e->nargs; i++) wy_expr_destroy(a[i]);
        free(a);
        free(keys);
        free(vals);
        return wy_error_set(err, WY_ERR_NOMEM, "out of memory"), NULL;
      }
      for (size_t i = 0; i < n; i++) {
        keys[i] = a[2 * i];
        vals[i] = a[2 * i + 1];
      }
      out = wy_expr_map(keys, vals, n, line, col);
      free(a);
      free(keys);
      free(vals);
      break;
    }
    case WY_AST_STRUCT: {
      wy_expr_t **a = convert_list(cx, e->args, e->nargs, err);
      if (!a) return NULL;
      const char **names = calloc(e->nnames ? e->nnames : 1, sizeof *names);
      if (!names) {
        for (size_t i = 0; i < e->nargs; i++) wy_expr_destroy(a[i]);
        free(a);
        return wy_error_set(err, WY_ERR_NOMEM, "out of memory"), NULL;
      }
      for (size_t i = 0; i < e->nnames; i++) names[i] = e->names[i].text;
      out = wy_expr_struct(names, a, e->nargs, line, col);
      free(names);
      free(a);
      break;
    }
    case WY_AST_WHEN:
    default:
      wy_error_set_pos(err, WY_ERR_INTERNAL, line, col, "unexpected %s expression",
                       wy_ast_expr_kind_name(e->kind));
      return NULL;
  }
  NOMEM_IF_NULL(out);
  return out;
}

wy_expr_t *wy_convert_bind(wy_convert_ctx_t *cx, const wy_ast_expr_t *e, const wy_registry_t *reg,
                           bool allow_aggregates, wy_error_t *err) {
  wy_expr_t *x = wy_convert_expr(cx, e, err);
  if (!x) return NULL;
  if (wy_expr_bind(x, reg, allow_aggregates, err) != WY_OK) {
    wy_expr_destroy(x);
    return NULL;
  }
  return x;
}
