/* plan.c — the physical plan's names, lookups and release (plan.h). */
#include "engine/plan/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const step_names[] = {
#define WY_X_STEP(kind, name, ops) name,
    WY_STEP_KINDS(WY_X_STEP)
#undef WY_X_STEP
};

const char *wy_step_name(wy_step_kind_t k) {
  return (unsigned)k < WY_STEP__COUNT ? step_names[k] : "Unknown";
}

static void shape_clear(wy_plan_shape_t *s) { wy_schema_clear(&s->schema); }

static void step_clear(wy_plan_step_t *s) {
  shape_clear(&s->in);
  shape_clear(&s->out);
  shape_clear(&s->join.other);
  wy_expr_program_destroy(s->predicate);
  wy_named_exprs_free(s->exprs, s->nexprs);
  free(s->keep);
  free(s->topic);
  free(s->key_schema_name);
  wy_expr_program_destroy(s->timestamp_prog);
  wy_agg_calls_free(s->calls, s->ncalls);
  shape_clear(&s->fk.left);
  shape_clear(&s->fk.right);
  wy_expr_program_destroy(s->fk.prog);
  free(s->fk.key_subject_topic);
}

static void input_clear(wy_plan_input_t *in) {
  free(in->topic);
  free(in->source_name);
  shape_clear(&in->shape);
  wy_expr_program_destroy(in->timestamp_prog);
  free(in->used);
}

static void strings_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

void wy_plan_destroy(wy_plan_t *p) {
  if (!p) return;
  for (size_t i = 0; i < p->nsubs; i++) {
    wy_subtopology_t *s = &p->subs[i];
    for (size_t k = 0; k < s->ninputs; k++) input_clear(&s->inputs[k]);
    for (size_t k = 0; k < s->nsteps; k++) step_clear(&s->steps[k]);
    for (size_t k = 0; k < s->nstores; k++) {
      free(s->stores[k].name);
      free(s->stores[k].changelog);
      free(s->stores[k].source_topic);
    }
    free(s->inputs);
    free(s->steps);
    free(s->stores);
  }
  free(p->subs);
  free(p->id);
  free(p->app_id);
  free(p->sql);
  free(p->sink_name);
  free(p->sink_topic);
  strings_free(p->internal_topics, p->ninternal);
  free(p->internal_partitions);
  strings_free(p->changelog_topics, p->nchangelogs);
  for (size_t i = 0; i < p->ndescs; i++) {
    free(p->descs[i].topic);
    free(p->descs[i].key_schema_name);
    wy_schema_clear(&p->descs[i].key);
  }
  free(p->descs);
  strings_free(p->source_topics, p->nsource_topics);
  strings_free(p->source_names, p->nsources);
  for (size_t i = 0; i < p->nlineage; i++) {
    free(p->lineage[i].name);
    wy_column_lineage_refs_free(p->lineage[i].refs, p->lineage[i].nrefs);
  }
  free(p->lineage);
  wy_column_lineage_refs_free(p->lineage_indirect, p->nlineage_indirect);
  free(p);
}

bool wy_plan_reads(const wy_plan_t *p, const char *topic) {
  for (size_t s = 0; s < p->nsubs; s++)
    for (size_t i = 0; i < p->subs[s].ninputs; i++)
      if (strcmp(p->subs[s].inputs[i].topic, topic) == 0) return true;
  return false;
}

const char **wy_plan_topics(const wy_plan_t *p, size_t *n) {
  *n = 0;
  size_t cap = p->nsource_topics + p->ninternal;
  const char **v = calloc(cap ? cap : 1, sizeof *v);
  if (!v) return NULL;
  for (size_t i = 0; i < p->nsource_topics; i++) v[(*n)++] = p->source_topics[i];
  for (size_t i = 0; i < p->ninternal; i++) v[(*n)++] = p->internal_topics[i];
  return v;
}

const wy_plan_topic_desc_t *wy_plan_describe_topic(const wy_plan_t *p, const char *topic) {
  for (size_t i = 0; i < p->ndescs; i++)
    if (strcmp(p->descs[i].topic, topic) == 0) return &p->descs[i];
  return NULL;
}

int wy_plan_internal_partitions(const wy_plan_t *p, size_t i) {
  int n = p->internal_partitions ? p->internal_partitions[i] : 0;
  return n > 0 ? n : p->partitions;
}

/* The key columns of a table's rows, as namespace ns. */
static wy_status_t add_keys(const wy_plan_shape_t *t, wy_col_ns_t ns, wy_schema_t *out,
                            wy_error_t *err) {
  for (size_t i = 0; i < t->nkey; i++)
    if (wy_schema_add(out, t->schema.cols[i].name, wy_type_ref(t->schema.cols[i].type), ns, NULL,
                      err) != WY_OK)
      return err->code;
  return WY_OK;
}

wy_status_t wy_fk_subscription_schema(const wy_plan_fk_t *fk, wy_schema_t *out, wy_error_t *err) {
  wy_schema_init(out);
  const wy_schema_t *r = &fk->right.schema;
  /* the foreign key is written as the right table's key (a PROTOBUF key names its field) */
  if (wy_schema_add(out, r->cols[0].name, wy_type_ref(r->cols[0].type), WY_NS_KEY, NULL, err) !=
          WY_OK ||
      wy_schema_add(out, "INSTRUCTION", wy_type_int(), WY_NS_VALUE, NULL, err) != WY_OK ||
      wy_schema_add(out, "HASH", wy_type_bigint(), WY_NS_VALUE, NULL, err) != WY_OK ||
      wy_schema_add(out, "PARTITION", wy_type_int(), WY_NS_VALUE, NULL, err) != WY_OK)
    return err->code;
  return add_keys(&fk->left, WY_NS_VALUE, out, err);
}

wy_status_t wy_fk_response_schema(const wy_plan_fk_t *fk, wy_schema_t *out, wy_error_t *err) {
  wy_schema_init(out);
  const wy_schema_t *r = &fk->right.schema;
  if (add_keys(&fk->left, WY_NS_KEY, out, err) != WY_OK ||
      wy_schema_add(out, "HASH", wy_type_bigint(), WY_NS_VALUE, NULL, err) != WY_OK ||
      wy_schema_add(out, "FOUND", wy_type_boolean(), WY_NS_VALUE, NULL, err) != WY_OK)
    return err->code;
  for (size_t i = 0; i < r->n + WY_ROW_NPSEUDO; i++) {
    bool real = i < r->n;
    const char *name = real ? r->cols[i].name : wy_row_pseudo_name((int)(i - r->n));
    const wy_type_t *t = real ? wy_type_ref(r->cols[i].type) : wy_row_pseudo_type((int)(i - r->n));
    char col[300];
    snprintf(col, sizeof col, "R_%s", name);
    if (wy_schema_add(out, col, t, WY_NS_VALUE, NULL, err) != WY_OK) return err->code;
  }
  return WY_OK;
}
