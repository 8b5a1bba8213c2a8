/* explain.c — a physical plan as text: sub-topologies, inputs, steps, stores, topics. */
#include "engine/plan/explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void schema_line(FILE *out, const char *indent, const wy_schema_t *s, bool table) {
  char buf[4096];
  wy_schema_format(s, table, buf, sizeof buf);
  fprintf(out, "%sschema: %s\n", indent, buf);
}

static const char *format_name(const wy_format_spec_t *f) { return f->name[0] ? f->name : "-"; }

static const char *join_kind(const wy_plan_join_t *j) {
  return j->left_outer && j->right_outer ? "FULL OUTER"
         : j->left_outer                 ? "LEFT"
         : j->right_outer                ? "RIGHT"
                                         : "INNER";
}

/* A windowed aggregation's window, in milliseconds. */
static void explain_window(FILE *out, const wy_plan_step_t *s) {
  static const char *const kinds[] = {"", "TUMBLING", "HOPPING", "SESSION"};
  if (s->window == WY_WINDOW_NONE) return;
  fprintf(out, "         window %s size %lld", kinds[s->window], (long long)s->window_size);
  if (s->window == WY_WINDOW_HOPPING) fprintf(out, " advance %lld", (long long)s->window_advance);
  fprintf(out, " grace %lld retention %lld\n", (long long)s->window_grace,
          (long long)s->window_retention);
}

static void explain_step(FILE *out, const wy_subtopology_t *sub, const wy_plan_step_t *s,
                         bool table) {
  fprintf(out, "      -> %s", wy_step_name(s->kind));
  switch (s->kind) {
    case WY_STEP_SOURCE:
      fprintf(out, " (input %d)\n", s->input);
      break;
    case WY_STEP_MATERIALIZE:
      fprintf(out, " into store %s%s\n", sub->stores[s->store].name,
              s->retracts ? " (retracting updates)" : "");
      break;
    case WY_STEP_PROJECT:
    case WY_STEP_SELECT_KEY:
      fprintf(out, " (%zu expression%s, %zu key column%s)\n", s->nexprs, s->nexprs == 1 ? "" : "s",
              s->out.nkey, s->out.nkey == 1 ? "" : "s");
      schema_line(out, "         ", &s->out.schema, table);
      break;
    case WY_STEP_FLAT_MAP:
      fprintf(out, " (%zu table function%s)\n", s->nexprs, s->nexprs == 1 ? "" : "s");
      for (size_t i = 0; i < s->nexprs; i++) fprintf(out, "         %s\n", s->exprs[i].name);
      schema_line(out, "         ", &s->out.schema, table);
      break;
    case WY_STEP_REPARTITION:
      fprintf(out, " to %s (key format %s)\n", s->topic, format_name(&s->key_format));
      break;
    case WY_STEP_JOIN_STREAM_TABLE:
    case WY_STEP_JOIN_TABLE_TABLE:
    case WY_STEP_JOIN_STREAM_STREAM:
      fprintf(out, " %s%s%s, the %s side, with store %s\n",
              s->kind == WY_STEP_JOIN_STREAM_STREAM ? "windowed " : "", join_kind(&s->join),
              s->kind == WY_STEP_JOIN_TABLE_TABLE ? " (table-table)" : "",
              s->join.this_is_left ? "left" : "right",
              s->join.other_store >= 0 ? sub->stores[s->join.other_store].name : "-");
      break;
    case WY_STEP_AGGREGATE:
    case WY_STEP_SESSION_AGGREGATE:
      fprintf(out, " (%zu aggregate%s%s) in store %s\n", s->ncalls, s->ncalls == 1 ? "" : "s",
              s->table_source ? ", over a table" : "", sub->stores[s->store].name);
      explain_window(out, s);
      for (size_t i = 0; i < s->ncalls; i++) fprintf(out, "         %s\n", s->calls[i].text);
      break;
    case WY_STEP_SUPPRESS:
      fprintf(out, " (final rows of closed windows) in store %s\n", sub->stores[s->store].name);
      explain_window(out, s);
      break;
    case WY_STEP_FK_SUBSCRIBE:
      fprintf(out, " (%s join on a foreign key) to %s\n", s->fk.left_join ? "LEFT" : "INNER",
              s->topic);
      break;
    case WY_STEP_FK_RECEIVE:
    case WY_STEP_FK_RIGHT_UPDATE:
      fprintf(out, " with store %s%s%s, answers to %s\n", sub->stores[s->fk.subscriptions].name,
              s->fk.table >= 0 ? " and " : "",
              s->fk.table >= 0 ? sub->stores[s->fk.table].name : "", s->topic);
      break;
    case WY_STEP_FK_RESOLVE:
      fprintf(out, " against store %s\n", sub->stores[s->fk.table].name);
      break;
    case WY_STEP_SINK:
      fprintf(out, " to %s (key format %s, value format %s)\n", s->topic,
              format_name(&s->key_format), format_name(&s->value_format));
      break;
    default:
      fprintf(out, "\n");
  }
}

/* The steps from `first` on, in the order rows take them (a join continues once). */
static void explain_chain(FILE *out, const wy_subtopology_t *sub, int first, bool *shown,
                          bool table) {
  for (int i = first; i >= 0 && (size_t)i < sub->nsteps; i = sub->steps[i].next) {
    if (shown[i]) {
      fprintf(out, "      -> (continues as above at %s)\n", wy_step_name(sub->steps[i].kind));
      return;
    }
    shown[i] = true;
    explain_step(out, sub, &sub->steps[i], table);
  }
}

void wy_plan_explain(const wy_plan_t *p, FILE *out) {
  static const char *const kinds[] = {"CSAS", "CTAS", "INSERT"};
  fprintf(out, "Query %s (%s) writes %s to topic %s\n", p->id, kinds[p->kind],
          p->sink_name ? p->sink_name : "-", p->sink_topic ? p->sink_topic : "-");
  if (p->sql) fprintf(out, "  SQL: %s\n", p->sql);
  fprintf(out, "  Application id: %s\n", p->app_id);
  for (size_t i = 0; i < p->nsubs; i++) {
    const wy_subtopology_t *sub = &p->subs[i];
    fprintf(out, "  Sub-topology %zu\n", i);
    bool *shown = calloc(sub->nsteps + 1, sizeof *shown);
    if (!shown) return;
    for (size_t j = 0; j < sub->ninputs; j++) {
      const wy_plan_input_t *in = &sub->inputs[j];
      fprintf(out, "    input %zu: topic %s%s%s (key format %s, value format %s)\n", j, in->topic,
              in->source_name ? " = " : "", in->source_name ? in->source_name : "",
              format_name(&in->key_format), format_name(&in->value_format));
      schema_line(out, "      ", &in->shape.schema, false);
      explain_chain(out, sub, in->first, shown, p->sink_is_table);
    }
    free(shown);
    for (size_t k = 0; k < sub->nstores; k++) {
      const wy_plan_store_t *st = &sub->stores[k];
      fprintf(out, "    store %s: %s%s\n", st->name,
              st->changelog ? "changelog " : "restored from ",
              st->changelog      ? st->changelog
              : st->source_topic ? st->source_topic
                                 : "-");
    }
  }
  if (p->ninternal) {
    fprintf(out, "  Internal topics:\n");
    for (size_t i = 0; i < p->ninternal; i++) fprintf(out, "    %s\n", p->internal_topics[i]);
  }
}
