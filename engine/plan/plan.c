#include "engine/plan/plan.h"

#include <stdlib.h>

static const char *const step_names[] = {
#define WY_X_STEP(kind, name) name,
    WY_STEP_KINDS(WY_X_STEP)
#undef WY_X_STEP
};

const char *wy_step_name(wy_step_kind_t k) {
  return (unsigned)k < WY_STEP__COUNT ? step_names[k] : "Unknown";
}

void wy_plan_step_destroy(wy_plan_step_t *s) {
  while (s) {
    wy_plan_step_t *next = s->next;
    wy_expr_program_destroy(s->predicate);
    for (size_t i = 0; i < s->nexprs; i++) {
      free(s->exprs[i].name);
      wy_expr_program_destroy(s->exprs[i].prog);
      wy_type_unref(s->exprs[i].type);
    }
    free(s->exprs);
    free(s->keep);
    wy_schema_clear(&s->out_schema);
    free(s->topic);
    wy_expr_program_destroy(s->join_key);
    for (size_t i = 0; i < s->naggs; i++) {
      wy_plan_agg_t *a = &s->aggs[i];
      free(a->text);
      wy_resolved_release(&a->resolved);
      for (size_t j = 0; j < a->nargs; j++) wy_expr_program_destroy(a->args[j]);
      free(a->args);
      wy_type_unref(a->acc_type);
    }
    free(s->aggs);
    free(s);
    s = next;
  }
}

void wy_plan_input_clear(wy_plan_input_t *in) {
  free(in->topic);
  free(in->source_name);
  wy_schema_clear(&in->schema);
  free(in->timestamp_format);
  wy_expr_program_destroy(in->timestamp_prog);
  in->timestamp_prog = NULL;
  wy_plan_step_destroy(in->steps);
  free(in->store_name);
  free(in->used);
  in->used = NULL;
  in->topic = NULL;
  in->source_name = NULL;
  in->timestamp_format = NULL;
  in->steps = NULL;
  in->store_name = NULL;
}

void wy_plan_destroy(wy_plan_t *p) {
  if (!p) return;
  free(p->id);
  free(p->sql);
  free(p->sink_name);
  free(p->sink_topic);
  for (size_t i = 0; i < p->nsubs; i++)
    for (size_t j = 0; j < p->subs[i].ninputs; j++) wy_plan_input_clear(&p->subs[i].inputs[j]);
  for (size_t i = 0; i < p->ninternal; i++) free(p->internal_topics[i]);
  for (size_t i = 0; i < p->nsource_topics; i++) free(p->source_topics[i]);
  for (size_t i = 0; i < 2; i++) free(p->source_names[i]);
  for (size_t i = 0; i < p->nlineage; i++) {
    free(p->lineage[i].name);
    for (size_t j = 0; j < p->lineage[i].nrefs; j++) free(p->lineage[i].refs[j].field);
    free(p->lineage[i].refs);
  }
  free(p->lineage);
  for (size_t i = 0; i < p->nlineage_indirect; i++) free(p->lineage_indirect[i].field);
  free(p->lineage_indirect);
  free(p);
}
