/* logical.c — building and freeing logical plans (logical.h). */
#include "engine/analyzer/logical.h"

#include <stdlib.h>

static const char *const pseudo_names[WY_ROW_NPSEUDO] = {"ROWTIME", "ROWPARTITION", "ROWOFFSET",
                                                         "WINDOWSTART", "WINDOWEND"};

const char *wy_row_pseudo_name(int i) {
  return i >= 0 && i < WY_ROW_NPSEUDO ? pseudo_names[i] : NULL;
}

const wy_type_t *wy_row_pseudo_type(int i) { return i == 1 ? wy_type_int() : wy_type_bigint(); }

void wy_named_exprs_free(wy_named_expr_t *e, size_t n) {
  for (size_t i = 0; e && i < n; i++) {
    free(e[i].name);
    wy_expr_program_destroy(e[i].prog);
    wy_type_unref(e[i].type);
  }
  free(e);
}

void wy_agg_calls_free(wy_agg_call_t *a, size_t n) {
  for (size_t i = 0; a && i < n; i++) {
    free(a[i].text);
    if (a[i].site && a[i].resolved.ov->release) a[i].resolved.ov->release(a[i].site);
    wy_resolved_release(&a[i].resolved);
    for (size_t j = 0; j < a[i].nargs; j++) wy_expr_program_destroy(a[i].args[j]);
    free(a[i].args);
    wy_type_unref(a[i].acc_type);
  }
  free(a);
}

wy_logical_t *wy_logical_new(wy_logical_kind_t kind, wy_logical_t *input) {
  wy_logical_t *n = calloc(1, sizeof *n);
  if (!n) {
    wy_logical_destroy(input);
    return NULL;
  }
  n->kind = kind;
  n->input = input;
  wy_schema_init(&n->schema);
  wy_format_spec_init(&n->source.key_format, NULL);
  wy_format_spec_init(&n->source.value_format, NULL);
  wy_format_spec_init(&n->sink.key_format, NULL);
  wy_format_spec_init(&n->sink.value_format, NULL);
  n->source.timestamp_slot = -1;
  n->sink.timestamp_slot = -1;
  return n;
}

void wy_logical_destroy(wy_logical_t *n) {
  if (!n) return;
  wy_logical_destroy(n->input);
  wy_logical_destroy(n->left);
  wy_logical_destroy(n->right);
  wy_schema_clear(&n->schema);
  free(n->source.name);
  free(n->source.topic);
  wy_expr_program_destroy(n->source.timestamp_prog);
  free(n->source.used);
  wy_expr_program_destroy(n->predicate);
  wy_expr_program_destroy(n->join.fk_prog);
  wy_named_exprs_free(n->exprs, n->nexprs);
  free(n->keep);
  free(n->repartition);
  free(n->join.key_schema_name);
  wy_agg_calls_free(n->agg.calls, n->agg.ncalls);
  free(n->sink.name);
  free(n->sink.topic);
  free(n->sink.key_schema_name);
  wy_expr_program_destroy(n->sink.timestamp_prog);
  free(n);
}

void wy_column_lineage_refs_free(wy_column_lineage_ref_t *r, size_t n) {
  for (size_t i = 0; r && i < n; i++) free(r[i].field);
  free(r);
}

void wy_logical_query_destroy(wy_logical_query_t *q) {
  if (!q) return;
  free(q->id);
  free(q->sql);
  wy_logical_destroy(q->root);
  for (size_t i = 0; i < q->nsources; i++) {
    free(q->source_names[i]);
    free(q->source_topics[i]);
  }
  free(q->source_names);
  free(q->source_topics);
  for (size_t i = 0; i < q->nlineage; i++) {
    free(q->lineage[i].name);
    wy_column_lineage_refs_free(q->lineage[i].refs, q->lineage[i].nrefs);
  }
  free(q->lineage);
  wy_column_lineage_refs_free(q->lineage_indirect, q->nlineage_indirect);
  free(q);
}
