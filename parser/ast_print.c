/* The normalized-SQL printer of ASTs: `walleye parse`, ksqlDB's statement texts and
 * error messages print statements, expressions and types through it. */
#include "parser/ast.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/buf.h"
#include "parser/parser_int.h"

WY_NAME_FN(static, join_name, wy_ast_join_kind_t, WY_AST_JOIN_KINDS)
WY_NAME_FN(static, window_name, wy_ast_window_kind_t, WY_AST_WINDOW_KINDS)
WY_NAME_FN(static, emit_name, wy_ast_emit_t, WY_AST_EMIT_KINDS)
WY_NAME_FN(static, constraint_name, wy_ast_constraint_t, WY_AST_CONSTRAINTS)

/* ---- printer ------------------------------------------------------------------------- */

/* Writes s between quote characters, doubling any quote inside; a ${ in s is written
 * $${, its escape, so that the text parses back to s. */
static void put_quoted(wy_buf_t *b, const char *s, char q) {
  wy_buf_append(b, &q, 1);
  for (const char *c = s; *c; c++) {
    if (c[0] == '$' && c[1] == '{') wy_buf_append(b, "$", 1);
    wy_buf_append(b, c, 1);
    if (*c == q) wy_buf_append(b, &q, 1);
  }
  wy_buf_append(b, &q, 1);
}

bool wy_ast_ident_is_plain(const char *name) {
  if (!name || !*name) return false;
  if (!((*name >= 'A' && *name <= 'Z') || *name == '_')) return false;
  for (const char *c = name; *c; c++)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '@'))
      return false;
  /* Keywords ksqlDB treats as non-reserved read back as identifiers, except the
   * constructor names, which would turn ARRAY[1] or MAP(..) into constructors. */
  int kw = wy_lex_keyword(name, strlen(name));
  return kw == 0 || (wy_token_is_nonreserved(kw) && strcmp(name, "ARRAY") != 0 &&
                     strcmp(name, "MAP") != 0 && strcmp(name, "STRUCT") != 0);
}

/* An unsubstituted ${var}, which is printed as written. */
static bool is_variable(const char *name) {
  size_t n = strlen(name);
  if (n < 4 || name[0] != '$' || name[1] != '{' || name[n - 1] != '}') return false;
  if (!((name[2] >= 'A' && name[2] <= 'Z') || (name[2] >= 'a' && name[2] <= 'z') || name[2] == '_'))
    return false;
  for (size_t i = 3; i + 1 < n; i++)
    if (!(isalnum((unsigned char)name[i]) || name[i] == '_' || name[i] == '@')) return false;
  return true;
}

static void put_ident(wy_buf_t *b, const char *name) {
  if (is_variable(name))
    wy_buf_append_str(b, name);
  else if (wy_ast_ident_is_plain(name))
    wy_buf_append_str(b, name);
  else
    put_quoted(b, name, '`');
}

static void put_type(wy_buf_t *b, const wy_ast_type_t *t);

static void put_wy_type(wy_buf_t *b, const wy_type_t *t) {
  switch (t->kind) {
    case WY_T_DECIMAL:
      wy_buf_printf(b, "DECIMAL(%d, %d)", t->precision, t->scale);
      break;
    case WY_T_ARRAY:
      wy_buf_append_str(b, "ARRAY<");
      put_wy_type(b, t->elem);
      wy_buf_append_str(b, ">");
      break;
    case WY_T_MAP:
      wy_buf_append_str(b, "MAP<");
      put_wy_type(b, t->key);
      wy_buf_append_str(b, ", ");
      put_wy_type(b, t->elem);
      wy_buf_append_str(b, ">");
      break;
    case WY_T_STRUCT:
      wy_buf_append_str(b, "STRUCT<");
      for (size_t i = 0; i < t->nfields; i++) {
        if (i) wy_buf_append_str(b, ", ");
        put_ident(b, t->fields[i].name);
        wy_buf_append_str(b, " ");
        put_wy_type(b, t->fields[i].type);
      }
      wy_buf_append_str(b, ">");
      break;
    default:
      wy_buf_append_str(b, wy_type_kind_name(t->kind));
      break;
  }
}

static void put_type(wy_buf_t *b, const wy_ast_type_t *t) {
  switch (t->kind) {
    case WY_AST_TYPE_BUILTIN:
      put_wy_type(b, t->type);
      break;
    case WY_AST_TYPE_ALIAS:
      put_ident(b, t->alias);
      break;
    case WY_AST_TYPE_ARRAY:
      wy_buf_append_str(b, "ARRAY<");
      put_type(b, t->elem);
      wy_buf_append_str(b, ">");
      break;
    case WY_AST_TYPE_MAP:
      wy_buf_append_str(b, "MAP<");
      put_type(b, t->key);
      wy_buf_append_str(b, ", ");
      put_type(b, t->elem);
      wy_buf_append_str(b, ">");
      break;
    case WY_AST_TYPE_STRUCT:
      wy_buf_append_str(b, "STRUCT<");
      for (size_t i = 0; i < t->nfields; i++) {
        if (i) wy_buf_append_str(b, ", ");
        put_ident(b, t->field_names[i].text);
        wy_buf_append_str(b, " ");
        put_type(b, t->field_types[i]);
      }
      wy_buf_append_str(b, ">");
      break;
    default:
      break;
  }
}

/* Binding strength, loosest first, matching the grammar's levels. */
enum { P_OR = 1, P_AND, P_NOT, P_PRED, P_CONCAT, P_ADD, P_MUL, P_UNARY, P_PRIMARY };

static int expr_prec(const wy_ast_expr_t *e) {
  switch (e->kind) {
    case WY_AST_OR:
      return P_OR;
    case WY_AST_AND:
      return P_AND;
    case WY_AST_NOT:
      return P_NOT;
    case WY_AST_COMPARE:
    case WY_AST_IS_NULL:
    case WY_AST_IS_DISTINCT:
    case WY_AST_LIKE:
    case WY_AST_BETWEEN:
    case WY_AST_IN:
      return P_PRED;
    case WY_AST_BINARY:
      return e->op == WY_AST_OP_CONCAT                            ? P_CONCAT
             : (e->op == WY_AST_OP_ADD || e->op == WY_AST_OP_SUB) ? P_ADD
                                                                  : P_MUL;
    case WY_AST_UNARY:
      return P_UNARY;
    case WY_AST_LITERAL:
      return e->text && e->text[0] == '-' ? P_UNARY : P_PRIMARY;
    case WY_AST_LAMBDA:
      return 0;
    default:
      return P_PRIMARY;
  }
}

static void put_expr(wy_buf_t *b, const wy_ast_expr_t *e, int min_prec);

static void put_args(wy_buf_t *b, wy_ast_expr_t *const *args, size_t n, const char *sep) {
  for (size_t i = 0; i < n; i++) {
    if (i) wy_buf_append_str(b, sep);
    put_expr(b, args[i], 0);
  }
}

static void put_expr_body(wy_buf_t *b, const wy_ast_expr_t *e) {
  wy_ast_expr_t *const *a = e->args;
  switch (e->kind) {
    case WY_AST_LITERAL:
      if (e->lit == WY_AST_LIT_NULL)
        wy_buf_append_str(b, "NULL");
      else if (e->lit == WY_AST_LIT_STRING)
        put_quoted(b, e->text, '\'');
      else
        wy_buf_append_str(b, e->text);
      break;
    case WY_AST_TYPED_LITERAL:
      put_ident(b, e->name);
      wy_buf_append_str(b, " ");
      put_quoted(b, e->text, '\'');
      break;
    case WY_AST_COLUMN:
      if (e->qualifier) {
        put_ident(b, e->qualifier);
        wy_buf_append_str(b, ".");
      }
      put_ident(b, e->name);
      break;
    case WY_AST_DEREF:
      put_expr(b, a[0], P_PRIMARY);
      wy_buf_append_str(b, "->");
      put_ident(b, e->name);
      break;
    case WY_AST_SUBSCRIPT:
      put_expr(b, a[0], P_PRIMARY);
      wy_buf_append_str(b, "[");
      put_expr(b, a[1], P_CONCAT);
      wy_buf_append_str(b, "]");
      break;
    case WY_AST_UNARY: {
      wy_buf_append_str(b, wy_ast_op_sql(e->op));
      /* -(5) must not come back as the literal -5, and "- -x" must not become "--x". */
      if (e->op == WY_AST_OP_NEG && a[0]->kind == WY_AST_LITERAL && a[0]->lit != WY_AST_LIT_NULL &&
          a[0]->lit != WY_AST_LIT_STRING && a[0]->lit != WY_AST_LIT_BOOLEAN &&
          a[0]->text[0] != '-') {
        wy_buf_append_str(b, "(");
        put_expr(b, a[0], 0);
        wy_buf_append_str(b, ")");
        break;
      }
      if (expr_prec(a[0]) == P_UNARY) wy_buf_append_str(b, " ");
      put_expr(b, a[0], P_UNARY);
      break;
    }
    case WY_AST_BINARY: {
      int p = expr_prec(e);
      put_expr(b, a[0], p);
      wy_buf_append_str(b, " ");
      wy_buf_append_str(b, wy_ast_op_sql(e->op));
      wy_buf_append_str(b, " ");
      put_expr(b, a[1], p + 1);
      break;
    }
    case WY_AST_COMPARE:
      put_expr(b, a[0], P_CONCAT);
      wy_buf_append_str(b, " ");
      wy_buf_append_str(b, wy_ast_op_sql(e->op));
      wy_buf_append_str(b, " ");
      put_expr(b, a[1], P_CONCAT);
      break;
    case WY_AST_AND:
    case WY_AST_OR: {
      int p = expr_prec(e);
      put_expr(b, a[0], p);
      wy_buf_append_str(b, e->kind == WY_AST_AND ? " AND " : " OR ");
      put_expr(b, a[1], p + 1);
      break;
    }
    case WY_AST_NOT:
      wy_buf_append_str(b, "NOT ");
      put_expr(b, a[0], P_NOT);
      break;
    case WY_AST_IS_NULL:
      put_expr(b, a[0], P_CONCAT);
      wy_buf_append_str(b, e->negated ? " IS NOT NULL" : " IS NULL");
      break;
    case WY_AST_IS_DISTINCT:
      put_expr(b, a[0], P_CONCAT);
      wy_buf_append_str(b, e->negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
      put_expr(b, a[1], P_CONCAT);
      break;
    case WY_AST_LIKE:
      put_expr(b, a[0], P_CONCAT);
      wy_buf_append_str(b, e->negated ? " NOT LIKE " : " LIKE ");
      put_expr(b, a[1], P_CONCAT);
      if (e->text) {
        wy_buf_append_str(b, " ESCAPE ");
        put_quoted(b, e->text, '\'');
      }
      break;
    case WY_AST_BETWEEN:
      put_expr(b, a[0], P_CONCAT);
      wy_buf_append_str(b, e->negated ? " NOT BETWEEN " : " BETWEEN ");
      put_expr(b, a[1], P_CONCAT);
      wy_buf_append_str(b, " AND ");
      put_expr(b, a[2], P_CONCAT);
      break;
    case WY_AST_IN:
      put_expr(b, a[0], P_CONCAT);
      wy_buf_append_str(b, e->negated ? " NOT IN (" : " IN (");
      put_args(b, a + 1, e->nargs - 1, ", ");
      wy_buf_append_str(b, ")");
      break;
    case WY_AST_CASE: {
      size_t i = 0, n = e->nargs - (e->has_else ? 1 : 0);
      wy_buf_append_str(b, "CASE");
      if (e->has_operand) {
        wy_buf_append_str(b, " ");
        put_expr(b, a[i++], P_CONCAT);
      }
      for (; i < n; i++) {
        wy_buf_append_str(b, " ");
        put_expr(b, a[i], 0);
      }
      if (e->has_else) {
        wy_buf_append_str(b, " ELSE ");
        put_expr(b, a[n], 0);
      }
      wy_buf_append_str(b, " END");
      break;
    }
    case WY_AST_WHEN:
      wy_buf_append_str(b, "WHEN ");
      put_expr(b, a[0], 0);
      wy_buf_append_str(b, " THEN ");
      put_expr(b, a[1], 0);
      break;
    case WY_AST_CAST:
      wy_buf_append_str(b, "CAST(");
      put_expr(b, a[0], 0);
      wy_buf_append_str(b, " AS ");
      put_type(b, e->type);
      wy_buf_append_str(b, ")");
      break;
    case WY_AST_CALL:
      put_ident(b, e->name);
      wy_buf_append_str(b, "(");
      if (e->star) wy_buf_append_str(b, "*");
      put_args(b, a, e->nargs, ", ");
      wy_buf_append_str(b, ")");
      break;
    case WY_AST_TIME_UNIT:
      wy_buf_append_str(b, wy_ast_time_unit_name(e->unit));
      break;
    case WY_AST_LAMBDA:
      wy_buf_append_str(b, "(");
      for (size_t i = 0; i < e->nnames; i++) {
        if (i) wy_buf_append_str(b, ", ");
        put_ident(b, e->names[i].text);
      }
      wy_buf_append_str(b, ") => ");
      put_expr(b, a[0], 0);
      break;
    case WY_AST_ARRAY:
      wy_buf_append_str(b, "ARRAY[");
      put_args(b, a, e->nargs, ", ");
      wy_buf_append_str(b, "]");
      break;
    case WY_AST_MAP:
      wy_buf_append_str(b, "MAP(");
      for (size_t i = 0; i + 1 < e->nargs; i += 2) {
        if (i) wy_buf_append_str(b, ", ");
        put_expr(b, a[i], 0);
        wy_buf_append_str(b, " := ");
        put_expr(b, a[i + 1], 0);
      }
      wy_buf_append_str(b, ")");
      break;
    case WY_AST_STRUCT:
      wy_buf_append_str(b, "STRUCT(");
      for (size_t i = 0; i < e->nargs && i < e->nnames; i++) {
        if (i) wy_buf_append_str(b, ", ");
        put_ident(b, e->names[i].text);
        wy_buf_append_str(b, " := ");
        put_expr(b, a[i], 0);
      }
      wy_buf_append_str(b, ")");
      break;
    default:
      break;
  }
}

static void put_expr(wy_buf_t *b, const wy_ast_expr_t *e, int min_prec) {
  bool parens = expr_prec(e) < min_prec;
  if (parens) wy_buf_append_str(b, "(");
  put_expr_body(b, e);
  if (parens) wy_buf_append_str(b, ")");
}

static void put_duration(wy_buf_t *b, const wy_ast_duration_t *d) {
  wy_buf_printf(b, "%lld %s", (long long)d->count, wy_ast_time_unit_name(d->unit));
}

static void put_exprs_clause(wy_buf_t *b, const char *kw, wy_ast_expr_t *const *v, size_t n) {
  wy_buf_append_str(b, kw);
  if (n == 0) {
    wy_buf_append_str(b, "()");
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if (i) wy_buf_append_str(b, ", ");
    put_expr(b, v[i], P_CONCAT);
  }
}

static void put_relation(wy_buf_t *b, const wy_ast_relation_t *r) {
  put_ident(b, r->name);
  if (r->alias) {
    wy_buf_append_str(b, " AS ");
    put_ident(b, r->alias);
  }
}

static void put_query(wy_buf_t *b, const wy_ast_query_t *q) {
  wy_buf_append_str(b, "SELECT ");
  for (size_t i = 0; i < q->nitems; i++) {
    const wy_ast_select_item_t *it = q->items[i];
    if (i) wy_buf_append_str(b, ", ");
    switch (it->kind) {
      case WY_AST_ITEM_EXPR:
        put_expr(b, it->expr, 0);
        if (it->alias) {
          wy_buf_append_str(b, " AS ");
          put_ident(b, it->alias);
        }
        break;
      case WY_AST_ITEM_ALL:
        wy_buf_append_str(b, "*");
        break;
      case WY_AST_ITEM_SOURCE_ALL:
        put_ident(b, it->source);
        wy_buf_append_str(b, ".*");
        break;
      case WY_AST_ITEM_STRUCT_ALL:
        put_expr(b, it->expr, P_PRIMARY);
        wy_buf_append_str(b, "->*");
        break;
      default:
        break;
    }
  }
  wy_buf_append_str(b, " FROM ");
  put_relation(b, q->from);
  for (size_t i = 0; i < q->njoins; i++) {
    const wy_ast_join_t *j = q->joins[i];
    wy_buf_printf(b, " %s JOIN ", join_name(j->kind));
    put_relation(b, j->right);
    if (j->before.set) {
      wy_buf_append_str(b, " WITHIN ");
      if (j->after.set) {
        wy_buf_append_str(b, "(");
        put_duration(b, &j->before);
        wy_buf_append_str(b, ", ");
        put_duration(b, &j->after);
        wy_buf_append_str(b, ")");
      } else {
        put_duration(b, &j->before);
      }
      if (j->grace.set) {
        wy_buf_append_str(b, " GRACE PERIOD ");
        put_duration(b, &j->grace);
      }
    }
    wy_buf_append_str(b, " ON ");
    put_expr(b, j->on, 0);
  }
  if (q->window) {
    const wy_ast_window_t *w = q->window;
    wy_buf_printf(b, " WINDOW %s (", window_name(w->kind));
    if (w->kind != WY_AST_WINDOW_SESSION) wy_buf_append_str(b, "SIZE ");
    put_duration(b, &w->size);
    if (w->kind == WY_AST_WINDOW_HOPPING) {
      wy_buf_append_str(b, ", ADVANCE BY ");
      put_duration(b, &w->advance);
    }
    if (w->retention.set) {
      wy_buf_append_str(b, ", RETENTION ");
      put_duration(b, &w->retention);
    }
    if (w->grace.set) {
      wy_buf_append_str(b, ", GRACE PERIOD ");
      put_duration(b, &w->grace);
    }
    wy_buf_append_str(b, ")");
  }
  if (q->where) {
    wy_buf_append_str(b, " WHERE ");
    put_expr(b, q->where, 0);
  }
  if (q->has_group_by) put_exprs_clause(b, " GROUP BY ", q->group_by, q->ngroup_by);
  if (q->has_partition_by) put_exprs_clause(b, " PARTITION BY ", q->partition_by, q->npartition_by);
  if (q->having) {
    wy_buf_append_str(b, " HAVING ");
    put_expr(b, q->having, 0);
  }
  if (q->emit != WY_AST_EMIT_NONE) wy_buf_printf(b, " EMIT %s", emit_name(q->emit));
  if (q->has_limit) wy_buf_printf(b, " LIMIT %lld", (long long)q->limit);
}

static void put_columns(wy_buf_t *b, wy_ast_column_def_t *const *cols, size_t n) {
  wy_buf_append_str(b, " (");
  for (size_t i = 0; i < n; i++) {
    const wy_ast_column_def_t *c = cols[i];
    if (i) wy_buf_append_str(b, ", ");
    put_ident(b, c->name);
    wy_buf_append_str(b, " ");
    put_type(b, c->type);
    if (c->constraint != WY_AST_COL_VALUE) {
      wy_buf_append_str(b, " ");
      wy_buf_append_str(b, constraint_name(c->constraint));
    }
    if (c->constraint == WY_AST_COL_HEADER) {
      wy_buf_append_str(b, "(");
      put_quoted(b, c->header_key, '\'');
      wy_buf_append_str(b, ")");
    }
  }
  wy_buf_append_str(b, ")");
}

static void put_props(wy_buf_t *b, const wy_ast_stmt_t *s) {
  if (!s->nprops) return;
  wy_buf_append_str(b, " WITH (");
  for (size_t i = 0; i < s->nprops; i++) {
    if (i) wy_buf_append_str(b, ", ");
    if (s->props[i]->name_quoted)
      put_quoted(b, s->props[i]->name, '\'');
    else
      put_ident(b, s->props[i]->name);
    wy_buf_append_str(b, "=");
    put_expr(b, s->props[i]->value, 0);
  }
  wy_buf_append_str(b, ")");
}

static void put_values(wy_buf_t *b, const wy_ast_stmt_t *s, const char *kw) {
  if (s->has_insert_columns) {
    wy_buf_append_str(b, " (");
    for (size_t i = 0; i < s->ninsert_columns; i++) {
      if (i) wy_buf_append_str(b, ", ");
      put_ident(b, s->insert_columns[i].text);
    }
    wy_buf_append_str(b, ")");
  }
  wy_buf_append_str(b, kw);
  wy_buf_append_str(b, "(");
  put_args(b, s->values, s->nvalues, ", ");
  wy_buf_append_str(b, ")");
}

static void put_resource(wy_buf_t *b, const wy_ast_stmt_t *s) {
  if (s->name_quoted)
    put_quoted(b, s->name, '\'');
  else
    put_ident(b, s->name);
}

static void put_stmt(wy_buf_t *b, const wy_ast_stmt_t *s) {
  bool is_table = false;
  switch (s->kind) {
    case WY_AST_STMT_QUERY:
      put_query(b, s->query);
      break;
    case WY_AST_STMT_CREATE_TABLE:
    case WY_AST_STMT_CREATE_TABLE_AS:
      is_table = true; /* fall through */
    case WY_AST_STMT_CREATE_STREAM:
    case WY_AST_STMT_CREATE_STREAM_AS:
      wy_buf_append_str(b, "CREATE ");
      if (s->or_replace) wy_buf_append_str(b, "OR REPLACE ");
      if (s->is_source) wy_buf_append_str(b, "SOURCE ");
      wy_buf_append_str(b, is_table ? "TABLE " : "STREAM ");
      if (s->if_not_exists) wy_buf_append_str(b, "IF NOT EXISTS ");
      put_ident(b, s->name);
      if (s->ncolumns) put_columns(b, s->columns, s->ncolumns);
      put_props(b, s);
      if (s->query) {
        wy_buf_append_str(b, " AS ");
        put_query(b, s->query);
      }
      break;
    case WY_AST_STMT_INSERT_INTO:
      wy_buf_append_str(b, "INSERT INTO ");
      put_ident(b, s->name);
      put_props(b, s);
      wy_buf_append_str(b, " ");
      put_query(b, s->query);
      break;
    case WY_AST_STMT_INSERT_VALUES:
      wy_buf_append_str(b, "INSERT INTO ");
      put_ident(b, s->name);
      put_values(b, s, " VALUES ");
      break;
    case WY_AST_STMT_DROP_STREAM:
    case WY_AST_STMT_DROP_TABLE:
    case WY_AST_STMT_DROP_TYPE:
      wy_buf_append_str(b, s->kind == WY_AST_STMT_DROP_STREAM  ? "DROP STREAM "
                           : s->kind == WY_AST_STMT_DROP_TABLE ? "DROP TABLE "
                                                               : "DROP TYPE ");
      if (s->if_exists) wy_buf_append_str(b, "IF EXISTS ");
      put_ident(b, s->name);
      if (s->delete_topic) wy_buf_append_str(b, " DELETE TOPIC");
      break;
    case WY_AST_STMT_CREATE_TYPE:
      wy_buf_append_str(b, "CREATE TYPE ");
      if (s->if_not_exists) wy_buf_append_str(b, "IF NOT EXISTS ");
      put_ident(b, s->name);
      wy_buf_append_str(b, " AS ");
      put_type(b, s->type);
      break;
    case WY_AST_STMT_ALTER_STREAM:
    case WY_AST_STMT_ALTER_TABLE:
      wy_buf_append_str(b, s->kind == WY_AST_STMT_ALTER_STREAM ? "ALTER STREAM " : "ALTER TABLE ");
      put_ident(b, s->name);
      for (size_t i = 0; i < s->ncolumns; i++) {
        wy_buf_append_str(b, i ? ", ADD COLUMN " : " ADD COLUMN ");
        put_ident(b, s->columns[i]->name);
        wy_buf_append_str(b, " ");
        put_type(b, s->columns[i]->type);
      }
      break;
    case WY_AST_STMT_TERMINATE:
    case WY_AST_STMT_PAUSE:
    case WY_AST_STMT_RESUME:
      wy_buf_append_str(b, wy_ast_stmt_kind_name(s->kind));
      wy_buf_append_str(b, " ");
      if (s->all)
        wy_buf_append_str(b, "ALL");
      else
        put_ident(b, s->name);
      break;
    case WY_AST_STMT_SHOW:
      wy_buf_append_str(b, "SHOW ");
      if (s->all) wy_buf_append_str(b, "ALL ");
      wy_buf_append_str(b, wy_ast_show_name(s->show));
      if (s->extended) wy_buf_append_str(b, " EXTENDED");
      break;
    case WY_AST_STMT_DESCRIBE:
      wy_buf_append_str(b, "DESCRIBE ");
      put_ident(b, s->name);
      if (s->extended) wy_buf_append_str(b, " EXTENDED");
      break;
    case WY_AST_STMT_DESCRIBE_STREAMS:
    case WY_AST_STMT_DESCRIBE_TABLES:
      wy_buf_append_str(b, wy_ast_stmt_kind_name(s->kind));
      if (s->extended) wy_buf_append_str(b, " EXTENDED");
      break;
    case WY_AST_STMT_DESCRIBE_FUNCTION:
      wy_buf_append_str(b, "DESCRIBE FUNCTION ");
      put_ident(b, s->name);
      break;
    case WY_AST_STMT_EXPLAIN:
      wy_buf_append_str(b, "EXPLAIN ");
      if (s->explained)
        put_stmt(b, s->explained);
      else
        put_ident(b, s->name);
      break;
    case WY_AST_STMT_PRINT:
      wy_buf_append_str(b, "PRINT ");
      put_resource(b, s);
      if (s->from_beginning) wy_buf_append_str(b, " FROM BEGINNING");
      if (s->has_interval) wy_buf_printf(b, " INTERVAL %lld", (long long)s->interval);
      if (s->has_limit) wy_buf_printf(b, " LIMIT %lld", (long long)s->limit);
      break;
    case WY_AST_STMT_SET:
    case WY_AST_STMT_UNSET:
      wy_buf_append_str(b, s->kind == WY_AST_STMT_SET ? "SET " : "UNSET ");
      put_quoted(b, s->name, '\'');
      if (s->kind == WY_AST_STMT_SET) {
        wy_buf_append_str(b, "=");
        put_quoted(b, s->value, '\'');
      }
      break;
    case WY_AST_STMT_DEFINE:
      wy_buf_append_str(b, "DEFINE ");
      put_ident(b, s->name);
      wy_buf_append_str(b, " = ");
      put_quoted(b, s->value, '\'');
      break;
    case WY_AST_STMT_UNDEFINE:
      wy_buf_append_str(b, "UNDEFINE ");
      put_ident(b, s->name);
      break;
    case WY_AST_STMT_ASSERT_TOPIC:
      wy_buf_append_str(b, s->not_exists ? "ASSERT NOT EXISTS TOPIC " : "ASSERT TOPIC ");
      put_resource(b, s);
      put_props(b, s);
      if (s->timeout.set) {
        wy_buf_append_str(b, " TIMEOUT ");
        put_duration(b, &s->timeout);
      }
      break;
    case WY_AST_STMT_ASSERT_SCHEMA:
      wy_buf_append_str(b, s->not_exists ? "ASSERT NOT EXISTS SCHEMA" : "ASSERT SCHEMA");
      if (s->name) {
        wy_buf_append_str(b, " SUBJECT ");
        put_resource(b, s);
      }
      if (s->schema_id) {
        wy_buf_append_str(b, " ID ");
        put_expr(b, s->schema_id, 0);
      }
      if (s->timeout.set) {
        wy_buf_append_str(b, " TIMEOUT ");
        put_duration(b, &s->timeout);
      }
      break;
    case WY_AST_STMT_ASSERT_VALUES:
    case WY_AST_STMT_ASSERT_TOMBSTONE:
      wy_buf_append_str(
          b, s->kind == WY_AST_STMT_ASSERT_VALUES ? "ASSERT VALUES " : "ASSERT NULL VALUES ");
      put_ident(b, s->name);
      put_values(b, s, s->kind == WY_AST_STMT_ASSERT_VALUES ? " VALUES " : " KEY ");
      break;
    case WY_AST_STMT_ASSERT_STREAM:
    case WY_AST_STMT_ASSERT_TABLE:
      wy_buf_append_str(b,
                        s->kind == WY_AST_STMT_ASSERT_STREAM ? "ASSERT STREAM " : "ASSERT TABLE ");
      put_ident(b, s->name);
      if (s->ncolumns) put_columns(b, s->columns, s->ncolumns);
      put_props(b, s);
      break;
    case WY_AST_STMT_RUN_SCRIPT:
      wy_buf_append_str(b, "RUN SCRIPT ");
      put_quoted(b, s->value, '\'');
      break;
    default:
      break;
  }
}

char *wy_ast_stmt_to_sql(const wy_ast_stmt_t *s) {
  wy_buf_t b;
  wy_buf_init(&b);
  put_stmt(&b, s);
  return wy_buf_take(&b);
}

char *wy_ast_expr_to_sql(const wy_ast_expr_t *e) {
  wy_buf_t b;
  wy_buf_init(&b);
  put_expr(&b, e, 0);
  return wy_buf_take(&b);
}

char *wy_ast_type_to_sql(const wy_ast_type_t *t) {
  wy_buf_t b;
  wy_buf_init(&b);
  put_type(&b, t);
  return wy_buf_take(&b);
}
