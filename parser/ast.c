/* AST names, walks, destructors and structural equality (the printer: ast_print.c). */
#include "parser/ast.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/buf.h"
#include "parser/parser_int.h"

/* ---- names of enumerations --------------------------------------------------------- */

WY_NAME_FN(, wy_ast_op_sql, wy_ast_op_t, WY_AST_OPS)
WY_NAME_FN(, wy_ast_lit_kind_name, wy_ast_lit_kind_t, WY_AST_LIT_KINDS)
WY_NAME_FN(, wy_ast_time_unit_name, wy_ast_time_unit_t, WY_AST_TIME_UNITS)
WY_NAME_FN(, wy_ast_expr_kind_name, wy_ast_expr_kind_t, WY_AST_EXPR_KINDS)
WY_NAME_FN(, wy_ast_stmt_kind_name, wy_ast_stmt_kind_t, WY_AST_STMT_KINDS)
WY_NAME_FN(, wy_ast_show_name, wy_ast_show_t, WY_AST_SHOW_KINDS)

int64_t wy_ast_duration_ms(const wy_ast_duration_t *d) {
  static const int64_t ms_of[] = {
#define WY_X(unit, name, ms) ms,
      WY_AST_TIME_UNITS(WY_X)
#undef WY_X
  };
  if (!d->set || (unsigned)d->unit >= WY_AST_UNIT__COUNT) return 0;
  int64_t ms = ms_of[d->unit];
  if (d->count > INT64_MAX / ms) return INT64_MAX;
  if (d->count < INT64_MIN / ms) return INT64_MIN;
  return d->count * ms;
}

const wy_ast_property_t *wy_ast_stmt_property(const wy_ast_stmt_t *s, const char *name) {
  for (size_t i = 0; s && i < s->nprops; i++)
    if (strcasecmp(s->props[i]->name, name) == 0) return s->props[i];
  return NULL;
}

/* ---- walking ------------------------------------------------------------------------ */

bool wy_ast_expr_walk(const wy_ast_expr_t *e, wy_ast_expr_fn fn, void *ud) {
  if (!e) return true;
  if (!fn(e, ud)) return false;
  for (size_t i = 0; i < e->nargs; i++)
    if (!wy_ast_expr_walk(e->args[i], fn, ud)) return false;
  return true;
}

static bool walk_all(wy_ast_expr_t *const *v, size_t n, wy_ast_expr_fn fn, void *ud) {
  for (size_t i = 0; i < n; i++)
    if (!wy_ast_expr_walk(v[i], fn, ud)) return false;
  return true;
}

static bool walk_query(const wy_ast_query_t *q, wy_ast_expr_fn fn, void *ud) {
  if (!q) return true;
  for (size_t i = 0; i < q->nitems; i++)
    if (!wy_ast_expr_walk(q->items[i]->expr, fn, ud)) return false;
  for (size_t i = 0; i < q->njoins; i++)
    if (!wy_ast_expr_walk(q->joins[i]->on, fn, ud)) return false;
  return wy_ast_expr_walk(q->where, fn, ud) && walk_all(q->group_by, q->ngroup_by, fn, ud) &&
         walk_all(q->partition_by, q->npartition_by, fn, ud) && wy_ast_expr_walk(q->having, fn, ud);
}

bool wy_ast_stmt_walk(const wy_ast_stmt_t *s, wy_ast_expr_fn fn, void *ud) {
  if (!s) return true;
  for (size_t i = 0; i < s->nprops; i++)
    if (!wy_ast_expr_walk(s->props[i]->value, fn, ud)) return false;
  return walk_query(s->query, fn, ud) && walk_all(s->values, s->nvalues, fn, ud) &&
         wy_ast_expr_walk(s->schema_id, fn, ud) && wy_ast_stmt_walk(s->explained, fn, ud);
}

/* ---- destructors --------------------------------------------------------------------- */

static void names_free(wy_ast_name_t *names, size_t n) {
  for (size_t i = 0; i < n; i++) free(names[i].text);
  free(names);
}

void wy_ast_type_destroy(wy_ast_type_t *t) {
  if (!t) return;
  wy_type_unref(t->type);
  free(t->alias);
  wy_ast_type_destroy(t->elem);
  wy_ast_type_destroy(t->key);
  for (size_t i = 0; i < t->nfields; i++) wy_ast_type_destroy(t->field_types[i]);
  names_free(t->field_names, t->nfields);
  free(t->field_types);
  free(t);
}

void wy_ast_expr_destroy(wy_ast_expr_t *e) {
  if (!e) return;
  for (size_t i = 0; i < e->nargs; i++) wy_ast_expr_destroy(e->args[i]);
  free(e->args);
  names_free(e->names, e->nnames);
  free(e->text);
  free(e->name);
  free(e->qualifier);
  wy_ast_type_destroy(e->type);
  free(e);
}

void wy_ast_select_item_destroy(wy_ast_select_item_t *it) {
  if (!it) return;
  wy_ast_expr_destroy(it->expr);
  free(it->alias);
  free(it->source);
  free(it);
}

void wy_ast_relation_destroy(wy_ast_relation_t *r) {
  if (!r) return;
  free(r->name);
  free(r->alias);
  free(r);
}

void wy_ast_join_destroy(wy_ast_join_t *j) {
  if (!j) return;
  wy_ast_relation_destroy(j->right);
  wy_ast_expr_destroy(j->on);
  free(j);
}

void wy_ast_window_destroy(wy_ast_window_t *w) { free(w); }

static void exprs_free(wy_ast_expr_t **v, size_t n) {
  for (size_t i = 0; i < n; i++) wy_ast_expr_destroy(v[i]);
  free(v);
}

void wy_ast_query_destroy(wy_ast_query_t *q) {
  if (!q) return;
  for (size_t i = 0; i < q->nitems; i++) wy_ast_select_item_destroy(q->items[i]);
  free(q->items);
  wy_ast_relation_destroy(q->from);
  for (size_t i = 0; i < q->njoins; i++) wy_ast_join_destroy(q->joins[i]);
  free(q->joins);
  wy_ast_window_destroy(q->window);
  wy_ast_expr_destroy(q->where);
  exprs_free(q->group_by, q->ngroup_by);
  exprs_free(q->partition_by, q->npartition_by);
  wy_ast_expr_destroy(q->having);
  free(q);
}

void wy_ast_column_def_destroy(wy_ast_column_def_t *c) {
  if (!c) return;
  free(c->name);
  wy_ast_type_destroy(c->type);
  free(c->header_key);
  free(c);
}

void wy_ast_property_destroy(wy_ast_property_t *p) {
  if (!p) return;
  free(p->name);
  wy_ast_expr_destroy(p->value);
  free(p);
}

void wy_ast_stmt_destroy(wy_ast_stmt_t *s) {
  if (!s) return;
  free(s->text);
  free(s->name);
  for (size_t i = 0; i < s->ncolumns; i++) wy_ast_column_def_destroy(s->columns[i]);
  free(s->columns);
  for (size_t i = 0; i < s->nprops; i++) wy_ast_property_destroy(s->props[i]);
  free(s->props);
  wy_ast_query_destroy(s->query);
  names_free(s->insert_columns, s->ninsert_columns);
  exprs_free(s->values, s->nvalues);
  wy_ast_type_destroy(s->type);
  free(s->value);
  wy_ast_expr_destroy(s->schema_id);
  wy_ast_stmt_destroy(s->explained);
  free(s);
}

/* ---- equality ------------------------------------------------------------------------ */

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static bool names_eq(const wy_ast_name_t *a, const wy_ast_name_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!str_eq(a[i].text, b[i].text)) return false;
  return true;
}

static bool dur_eq(const wy_ast_duration_t *a, const wy_ast_duration_t *b) {
  return a->set == b->set && (!a->set || (a->count == b->count && a->unit == b->unit));
}

bool wy_ast_type_equal(const wy_ast_type_t *a, const wy_ast_type_t *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || a->nfields != b->nfields) return false;
  if (a->kind == WY_AST_TYPE_BUILTIN) return wy_type_equal(a->type, b->type);
  if (!str_eq(a->alias, b->alias) || !wy_ast_type_equal(a->elem, b->elem) ||
      !wy_ast_type_equal(a->key, b->key) || !names_eq(a->field_names, b->field_names, a->nfields))
    return false;
  for (size_t i = 0; i < a->nfields; i++)
    if (!wy_ast_type_equal(a->field_types[i], b->field_types[i])) return false;
  return true;
}

static bool exprs_eq(wy_ast_expr_t *const *a, wy_ast_expr_t *const *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!wy_ast_expr_equal(a[i], b[i])) return false;
  return true;
}

bool wy_ast_expr_equal(const wy_ast_expr_t *a, const wy_ast_expr_t *b) {
  if (!a || !b) return a == b;
  return a->kind == b->kind && a->op == b->op && a->lit == b->lit && a->unit == b->unit &&
         a->negated == b->negated && a->has_operand == b->has_operand &&
         a->has_else == b->has_else && a->star == b->star && a->precision == b->precision &&
         a->scale == b->scale && str_eq(a->text, b->text) && str_eq(a->name, b->name) &&
         str_eq(a->qualifier, b->qualifier) && wy_ast_type_equal(a->type, b->type) &&
         a->nargs == b->nargs && exprs_eq(a->args, b->args, a->nargs) && a->nnames == b->nnames &&
         names_eq(a->names, b->names, a->nnames);
}

static bool relation_eq(const wy_ast_relation_t *a, const wy_ast_relation_t *b) {
  if (!a || !b) return a == b;
  return str_eq(a->name, b->name) && str_eq(a->alias, b->alias);
}

static bool query_eq(const wy_ast_query_t *a, const wy_ast_query_t *b) {
  if (!a || !b) return a == b;
  if (a->nitems != b->nitems || a->njoins != b->njoins || !relation_eq(a->from, b->from) ||
      !wy_ast_expr_equal(a->where, b->where) || a->has_group_by != b->has_group_by ||
      a->ngroup_by != b->ngroup_by || !exprs_eq(a->group_by, b->group_by, a->ngroup_by) ||
      a->has_partition_by != b->has_partition_by || a->npartition_by != b->npartition_by ||
      !exprs_eq(a->partition_by, b->partition_by, a->npartition_by) ||
      !wy_ast_expr_equal(a->having, b->having) || a->emit != b->emit ||
      a->has_limit != b->has_limit || a->limit != b->limit)
    return false;
  for (size_t i = 0; i < a->nitems; i++) {
    const wy_ast_select_item_t *x = a->items[i], *y = b->items[i];
    if (x->kind != y->kind || !wy_ast_expr_equal(x->expr, y->expr) || !str_eq(x->alias, y->alias) ||
        !str_eq(x->source, y->source))
      return false;
  }
  for (size_t i = 0; i < a->njoins; i++) {
    const wy_ast_join_t *x = a->joins[i], *y = b->joins[i];
    if (x->kind != y->kind || !relation_eq(x->right, y->right) || !dur_eq(&x->before, &y->before) ||
        !dur_eq(&x->after, &y->after) || !dur_eq(&x->grace, &y->grace) ||
        !wy_ast_expr_equal(x->on, y->on))
      return false;
  }
  if (!a->window || !b->window) return a->window == b->window;
  const wy_ast_window_t *x = a->window, *y = b->window;
  return x->kind == y->kind && dur_eq(&x->size, &y->size) && dur_eq(&x->advance, &y->advance) &&
         dur_eq(&x->retention, &y->retention) && dur_eq(&x->grace, &y->grace);
}

bool wy_ast_stmt_equal(const wy_ast_stmt_t *a, const wy_ast_stmt_t *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || !str_eq(a->name, b->name) || a->name_quoted != b->name_quoted ||
      a->or_replace != b->or_replace || a->is_source != b->is_source ||
      a->if_not_exists != b->if_not_exists || a->if_exists != b->if_exists ||
      a->delete_topic != b->delete_topic || a->extended != b->extended || a->all != b->all ||
      a->not_exists != b->not_exists || a->from_beginning != b->from_beginning ||
      a->show != b->show || a->ncolumns != b->ncolumns || a->nprops != b->nprops ||
      !query_eq(a->query, b->query) || a->has_insert_columns != b->has_insert_columns ||
      a->ninsert_columns != b->ninsert_columns ||
      !names_eq(a->insert_columns, b->insert_columns, a->ninsert_columns) ||
      a->nvalues != b->nvalues || !exprs_eq(a->values, b->values, a->nvalues) ||
      !wy_ast_type_equal(a->type, b->type) || !str_eq(a->value, b->value) ||
      !wy_ast_expr_equal(a->schema_id, b->schema_id) || !dur_eq(&a->timeout, &b->timeout) ||
      a->has_interval != b->has_interval || a->interval != b->interval ||
      a->has_limit != b->has_limit || a->limit != b->limit ||
      !wy_ast_stmt_equal(a->explained, b->explained))
    return false;
  for (size_t i = 0; i < a->ncolumns; i++) {
    const wy_ast_column_def_t *x = a->columns[i], *y = b->columns[i];
    if (!str_eq(x->name, y->name) || !wy_ast_type_equal(x->type, y->type) ||
        x->constraint != y->constraint || !str_eq(x->header_key, y->header_key))
      return false;
  }
  for (size_t i = 0; i < a->nprops; i++) {
    const wy_ast_property_t *x = a->props[i], *y = b->props[i];
    if (!str_eq(x->name, y->name) || x->name_quoted != y->name_quoted ||
        !wy_ast_expr_equal(x->value, y->value))
      return false;
  }
  return true;
}
