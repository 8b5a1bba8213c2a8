/* lineage.c — column lineage of a query, derived from its statement (query_int.h). */
#include <stdlib.h>
#include <string.h>

#include "engine/analyzer/query_int.h"
#include "engine/lineage/lineage.h"

static int source_index(const wy_qa_t *a, const char *source) {
  for (size_t i = 0; i < a->nsrc; i++)
    if (strcmp(a->src[i].def->name, source) == 0) return (int)i;
  return -1;
}

static void lineage_add(wy_column_lineage_ref_t **refs, size_t *n, int input, const char *field,
                        int transform, bool masking) {
  for (size_t i = 0; i < *n; i++) {
    wy_column_lineage_ref_t *r = &(*refs)[i];
    if (r->input == input && strcmp(r->field, field) == 0 && r->transform == transform) {
      r->masking = r->masking || masking;
      return;
    }
  }
  wy_column_lineage_ref_t *grown = realloc(*refs, (*n + 1) * sizeof *grown);
  if (!grown) return;
  *refs = grown;
  grown[*n] = (wy_column_lineage_ref_t){input, strdup(field), transform, masking};
  if (grown[*n].field) (*n)++;
}

/* Every column an expression reads, with how its value reaches the result. */
static void lineage_walk(wy_qa_t *a, const wy_ast_expr_t *e, bool top, bool agg, bool masking,
                         wy_column_lineage_ref_t **refs, size_t *n, int forced) {
  if (!e) return;
  if (e->kind == WY_AST_COLUMN) {
    wy_error_t ig;
    const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig);
    if (!c || c->pseudo) return;
    int input = source_index(a, c->source);
    if (input < 0) return;
    int t = forced >= 0 ? forced
            : agg       ? WY_LINEAGE_AGGREGATION
            : top       ? WY_LINEAGE_IDENTITY
                        : WY_LINEAGE_TRANSFORMATION;
    lineage_add(refs, n, input, c->name, t, masking);
    return;
  }
  if (e->kind == WY_AST_CALL) {
    const wy_function_t *f = wy_registry_find(a->cx->registry, e->name);
    if (f && (f->flags & WY_FN_MASKING)) masking = true;
    if (f && (f->flags & WY_FN_AGGREGATE)) agg = true;
  }
  for (size_t i = 0; i < e->nargs; i++)
    lineage_walk(a, e->args[i], false, agg, masking, refs, n, forced);
}

void wy_analyze_lineage_column(wy_qa_t *a, const char *name, const wy_ast_expr_t *e,
                               const wy_scope_col_t *col) {
  wy_logical_query_t *q = a->lq;
  wy_column_lineage_t *grown = realloc(q->lineage, (q->nlineage + 1) * sizeof *grown);
  if (!grown) return;
  q->lineage = grown;
  wy_column_lineage_t *c = &grown[q->nlineage];
  memset(c, 0, sizeof *c);
  c->name = strdup(name);
  if (!c->name) return;
  q->nlineage++;
  if (e) {
    lineage_walk(a, e, true, false, false, &c->refs, &c->nrefs, -1);
  } else if (col && !col->pseudo) {
    int input = source_index(a, col->source);
    if (input >= 0) lineage_add(&c->refs, &c->nrefs, input, col->name, WY_LINEAGE_IDENTITY, false);
  }
}

void wy_analyze_lineage_indirect(wy_qa_t *a, const wy_ast_expr_t *e, int transform) {
  lineage_walk(a, e, false, false, false, &a->lq->lineage_indirect, &a->lq->nlineage_indirect,
               transform);
}
