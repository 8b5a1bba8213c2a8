/* table_functions.c — table functions (UDTF) in SELECT (query_int.h).
 *
 * ksqlDB's rules: table functions only in the SELECT of a query over a stream, not with
 * aggregations, not nested in one another nor in a CASE. A SELECT with table functions
 * gets a FLAT_MAP node under its PROJECT: the FLAT_MAP evaluates every call over the
 * input row and makes one row per value, zipped (logical.h); the projection then reads
 * each call's value as a column of the FLAT_MAP's row (KSQL_SYNTH_<i>, ksqlDB's name),
 * so a call may sit inside other expressions (EXPLODE(A)->F, ABS(EXPLODE(B))). Elsewhere
 * (WHERE, GROUP BY, PARTITION BY, a join's criteria) a table function is not a scalar
 * function and binding reports it as ksqlDB's code generator does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyzer/query_int.h"

static const wy_function_t *table_function(const wy_qa_t *a, const wy_ast_expr_t *e) {
  if (!e || e->kind != WY_AST_CALL) return NULL;
  const wy_function_t *f = wy_registry_find(a->cx->registry, e->name);
  return f && wy_function_kind(f) == WY_FN_KIND_TABLE ? f : NULL;
}

static wy_status_t push_call(wy_qa_t *a, const wy_ast_expr_t *e, wy_error_t *err) {
  const wy_ast_expr_t **grown = realloc(a->tfs, (a->ntfs + 1) * sizeof *grown);
  if (!grown) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  a->tfs = grown;
  a->tfs[a->ntfs++] = e;
  return WY_OK;
}

/* The table function calls under e, in the order ksqlDB visits them; `outer` is the
 * enclosing table function, `in_case` the enclosing CASE. */
static wy_status_t collect(wy_qa_t *a, const wy_ast_expr_t *e, const wy_function_t *outer,
                           const wy_ast_expr_t *in_case, wy_error_t *err) {
  if (!e) return WY_OK;
  const wy_function_t *f = table_function(a, e);
  if (f) {
    if (outer)
      return wy_error_set_pos(err, WY_ERR_ANALYSIS, e->pos.line, e->pos.column,
                              "Table functions cannot be nested: %s(%s())", outer->name, f->name);
    if (a->aggregate)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Table functions cannot be used with aggregations.");
    if (in_case) {
      /* the CASE as ksqlDB formats expressions, when it converts */
      char text[1024];
      wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "SELECT"};
      wy_error_t ig;
      wy_expr_t *x = wy_convert_expr(&cx, in_case, &ig);
      if (x) {
        wy_expr_format(x, text, sizeof text);
      } else {
        char *t = wy_analyze_expr_text(in_case);
        snprintf(text, sizeof text, "%s", t);
        free(t);
      }
      wy_expr_destroy(x);
      return wy_error_set_pos(err, WY_ERR_ANALYSIS, e->pos.line, e->pos.column,
                              "Table functions cannot be used in CASE: %s", text);
    }
    if (push_call(a, e, err) != WY_OK) return err->code;
    outer = f;
  }
  if (e->kind == WY_AST_CASE) in_case = e;
  for (size_t i = 0; i < e->nargs; i++)
    if (collect(a, e->args[i], outer, in_case, err) != WY_OK) return err->code;
  return WY_OK;
}

wy_status_t wy_analyze_check_table_functions(wy_qa_t *a, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  for (size_t i = 0; i < q->nitems; i++)
    if (collect(a, q->items[i]->expr, NULL, NULL, err) != WY_OK) return err->code;
  if (a->ntfs && a->src[0].table)
    return wy_error_set(err, WY_ERR_ANALYSIS, "Table source is not supported with table functions");
  return WY_OK;
}

/* The scope of the FLAT_MAP's row: the input's, with the slots from `base` on (the
 * pseudo columns) moved past the k values of the calls. */
static wy_status_t shifted_scope(const wy_scope_t *in, int base, int k, wy_scope_t *out,
                                 wy_error_t *err) {
  out->joined = in->joined;
  for (size_t i = 0; i < in->n; i++) {
    const wy_scope_col_t *c = &in->cols[i];
    if (wy_scope_add(out, c->source, c->alias, c->name, c->slot >= base ? c->slot + k : c->slot,
                     wy_type_ref(c->type), c->is_key, c->pseudo, c->header, err) != WY_OK)
      return err->code;
  }
  return WY_OK;
}

/* One call, converted over the input row and bound among table functions. */
static wy_status_t add_call(wy_qa_t *a, const wy_scope_t *scope, size_t i, wy_logical_t *fm,
                            wy_error_t *err) {
  const wy_ast_expr_t *e = a->tfs[i];
  wy_convert_ctx_t cx = {.scope = scope,
                         .catalog = a->cx->catalog,
                         .clause = "SELECT",
                         .used = a->used,
                         .nused = a->nused};
  wy_expr_t *call = wy_convert_expr(&cx, e, err);
  if (!call) return err->code;
  wy_named_expr_t *x = &fm->exprs[fm->nexprs];
  if (wy_expr_bind_table_call(call, a->cx->registry, err) != WY_OK) {
    if (!err->line) err->line = e->pos.line, err->column = e->pos.column;
    wy_expr_destroy(call);
    return err->code;
  }
  char text[1024], name[32];
  wy_expr_format(call, text, sizeof text);
  snprintf(name, sizeof name, "KSQL_SYNTH_%zu", i);
  x->name = strdup(text);
  x->type = wy_type_ref(wy_expr_type(call));
  x->prog = wy_analyze_compile(call, err);
  wy_expr_destroy(call);
  fm->nexprs++;
  if (!x->name || !x->prog)
    return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return wy_analyze_add_column(fm, name, wy_type_ref(x->type->elem), WY_NS_VALUE, err);
}

wy_status_t wy_analyze_flat_map(wy_qa_t *a, wy_logical_t **node, const wy_scope_t **scope,
                                wy_scope_t *flat, wy_error_t *err) {
  if (!a->ntfs) return WY_OK;
  wy_logical_t *in = *node;
  wy_logical_t *fm = wy_logical_new(WY_LOGICAL_FLAT_MAP, in);
  *node = fm;
  if (!fm || !(fm->exprs = calloc(a->ntfs, sizeof *fm->exprs)))
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  fm->table = in->table;
  fm->nkey = in->nkey;
  if (wy_schema_copy(&fm->schema, &in->schema, err) != WY_OK) return err->code;
  a->tf_base = (int)in->schema.n;
  a->tf_node = fm;
  for (size_t i = 0; i < a->ntfs; i++)
    if (add_call(a, *scope, i, fm, err) != WY_OK) return err->code;
  if (shifted_scope(*scope, a->tf_base, (int)a->ntfs, flat, err) != WY_OK) return err->code;
  *scope = flat;
  return WY_OK;
}

wy_expr_t *wy_analyze_tf_rewrite(void *user, const wy_ast_expr_t *e, bool *handled,
                                 wy_error_t *err) {
  wy_qa_t *a = user;
  *handled = false;
  for (size_t i = 0; i < a->ntfs; i++) {
    if (a->tfs[i] != e) continue;
    *handled = true;
    const wy_column_t *c = &a->tf_node->schema.cols[a->tf_base + (int)i];
    wy_expr_t *col = wy_expr_column(c->name, a->tf_base + (int)i, wy_type_ref(c->type), e->pos.line,
                                    e->pos.column);
    if (!col) wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return col;
  }
  return NULL;
}
