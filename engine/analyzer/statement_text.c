/* statement_text.c — a CSAS/CTAS as ksqlDB's SqlFormatter prints the statement it
 * planned, for the "Statement: ..." line its planning errors end with: the WITH
 * properties, every SELECT item with its alias (the generated ones too), columns
 * qualified by their source, binary operations in parentheses, one clause a line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyzer/query_int.h"
#include "engine/analyzer/scope.h"
#include "engine/base/buf.h"

/* e converted with qualified column names and formatted as ksqlDB's ExpressionFormatter
 * does; false when it cannot be (the text is then not printed). */
static bool put_expr(wy_qa_t *a, wy_buf_t *b, const wy_ast_expr_t *e) {
  wy_convert_ctx_t cx = {.scope = &a->in_scope,
                         .catalog = a->cx->catalog,
                         .clause = "SELECT",
                         .qualified_names = true};
  wy_error_t err;
  wy_expr_t *x = wy_convert_expr(&cx, e, &err);
  if (!x) return false;
  char text[2048];
  bool ok = wy_expr_format(x, text, sizeof text) < sizeof text;
  /* its formatter prints COUNT() as COUNT(*) (though not its messages, as ours) */
  for (const char *t = text, *c; ok && *t; t = c + 7) {
    if (!(c = strstr(t, "COUNT()"))) {
      wy_buf_append_str(b, t);
      break;
    }
    wy_buf_append(b, t, (size_t)(c - t));
    wy_buf_append_str(b, "COUNT(*)");
  }
  wy_expr_destroy(x);
  return ok;
}

char *wy_analyze_statement_text(wy_qa_t *a) {
  const wy_ast_stmt_t *s = a->stmt;
  const wy_ast_query_t *q = a->q;
  /* one source (a join's items would need its own qualifying), items all named */
  if (a->joined || a->nsrc != 1 || q->window || a->item_names.n != q->nitems) return NULL;
  for (size_t i = 0; i < a->item_names.n; i++)
    if (strcmp(a->item_names.items[i], "*") == 0) return NULL;
  wy_buf_t b;
  wy_buf_init(&b);
  wy_buf_append_str(&b,
                    s->kind == WY_AST_STMT_CREATE_TABLE_AS ? "CREATE TABLE " : "CREATE STREAM ");
  wy_buf_append_str(&b, s->name);
  for (size_t i = 0; i < s->nprops; i++) {
    const wy_ast_property_t *p = s->props[i];
    wy_buf_append_str(&b, i ? ", " : " WITH (");
    wy_buf_append_str(&b, p->name);
    wy_buf_append_str(&b, "=");
    bool quoted =
        p->value && p->value->kind == WY_AST_LITERAL && p->value->lit == WY_AST_LIT_STRING;
    if (quoted) wy_buf_append_str(&b, "'");
    wy_buf_append_str(&b, p->value && p->value->text ? p->value->text : "");
    if (quoted) wy_buf_append_str(&b, "'");
    if (i + 1 == s->nprops) wy_buf_append_str(&b, ")");
  }
  wy_buf_append_str(&b, " AS SELECT");
  bool ok = true;
  for (size_t i = 0; ok && i < q->nitems; i++) {
    wy_buf_append_str(&b, i ? ",\n  " : "\n  ");
    ok = put_expr(a, &b, q->items[i]->expr);
    wy_buf_append_str(&b, " ");
    wy_buf_append_str(&b, a->item_names.items[i]);
  }
  const wy_source_ref_t *r = &a->src[0];
  wy_buf_append_str(&b, "\nFROM ");
  wy_buf_append_str(&b, r->def->name);
  wy_buf_append_str(&b, " ");
  wy_buf_append_str(&b, r->alias);
  if (ok && q->where) {
    wy_buf_append_str(&b, "\nWHERE ");
    ok = put_expr(a, &b, q->where);
  }
  const char *kw = q->has_partition_by ? "\nPARTITION BY " : "\nGROUP BY ";
  size_t nkeys = q->has_partition_by ? q->npartition_by : q->ngroup_by;
  wy_ast_expr_t *const *keys = q->has_partition_by ? q->partition_by : q->group_by;
  for (size_t i = 0; ok && i < nkeys; i++) {
    wy_buf_append_str(&b, i ? ", " : kw);
    ok = put_expr(a, &b, keys[i]);
  }
  if (ok && q->having) {
    wy_buf_append_str(&b, "\nHAVING ");
    ok = put_expr(a, &b, q->having);
  }
  wy_buf_append_str(&b, "\nEMIT CHANGES");
  if (!ok || !wy_buf_cstr(&b)) {
    wy_buf_free(&b);
    return NULL;
  }
  return wy_buf_take(&b);
}
