/* explain.c — a plan as text: sub-topologies, their inputs, steps, schemas and topics. */
#include "engine/plan/explain.h"

#include <stdio.h>
#include <string.h>

static void schema_line(FILE *out, const char *indent, const wy_schema_t *s, bool table) {
  char buf[4096];
  wy_schema_format(s, table, buf, sizeof buf);
  fprintf(out, "%sschema: %s\n", indent, buf);
}

static const char *format_name(const wy_format_spec_t *f) { return f->name[0] ? f->name : "-"; }

static void explain_step(FILE *out, const wy_plan_step_t *s, bool table) {
  fprintf(out, "      -> %s", wy_step_name(s->kind));
  switch (s->kind) {
  case WY_STEP_FILTER:
    fprintf(out, "\n");
    break;
  case WY_STEP_PROJECT:
  case WY_STEP_SELECT_KEY:
    fprintf(out, " (%zu expression%s, %zu key column%s)\n", s->nexprs, s->nexprs == 1 ? "" : "s", s->out_nkey,
            s->out_nkey == 1 ? "" : "s");
    schema_line(out, "         ", &s->out_schema, table);
    break;
  case WY_STEP_REPARTITION:
    fprintf(out, " to %s (key format %s)\n", s->topic, format_name(&s->key_format));
    break;
  case WY_STEP_JOIN:
    fprintf(out, " %s%s%s with input %d\n", s->windowed ? "windowed " : "",
            s->left_outer && s->right_outer ? "FULL OUTER" : s->left_outer ? "LEFT" : s->right_outer ? "RIGHT" : "INNER",
            s->emit_on_update ? " (table-table)" : "", s->other_input);
    break;
  case WY_STEP_AGGREGATE:
    fprintf(out, " (%zu aggregate%s%s)\n", s->naggs, s->naggs == 1 ? "" : "s", s->table_source ? ", over a table" : "");
    for (size_t i = 0; i < s->naggs; i++) fprintf(out, "         %s\n", s->aggs[i].text);
    break;
  case WY_STEP_SINK:
    fprintf(out, " to %s (key format %s, value format %s)\n", s->topic, format_name(&s->key_format),
            format_name(&s->value_format));
    break;
  default:
    fprintf(out, "\n");
  }
}

void wy_plan_explain(const wy_plan_t *p, FILE *out) {
  static const char *const kinds[] = {"CSAS", "CTAS", "INSERT"};
  fprintf(out, "Query %s (%s) writes %s to topic %s\n", p->id, kinds[p->kind], p->sink_name ? p->sink_name : "-",
          p->sink_topic ? p->sink_topic : "-");
  if (p->sql) fprintf(out, "  SQL: %s\n", p->sql);
  for (size_t i = 0; i < p->nsubs; i++) {
    fprintf(out, "  Sub-topology %zu\n", i);
    for (size_t j = 0; j < p->subs[i].ninputs; j++) {
      const wy_plan_input_t *in = &p->subs[i].inputs[j];
      fprintf(out, "    input %zu: topic %s%s%s (key format %s, value format %s)%s\n", j, in->topic,
              in->source_name ? " = " : "", in->source_name ? in->source_name : "", format_name(&in->key_format),
              format_name(&in->value_format), in->is_table ? ", materialized" : "");
      schema_line(out, "      ", &in->schema, in->is_table);
      for (const wy_plan_step_t *s = in->steps; s; s = s->next) explain_step(out, s, p->sink_is_table);
    }
  }
  if (p->ninternal) {
    fprintf(out, "  Internal topics:\n");
    for (size_t i = 0; i < p->ninternal; i++) fprintf(out, "    %s\n", p->internal_topics[i]);
  }
}
