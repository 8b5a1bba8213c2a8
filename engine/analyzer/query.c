/*
 * query.c — CSAS, CTAS and INSERT INTO ... SELECT: from a SELECT to a physical plan.
 *
 * Rows flowing through a plan are arrays of values: the real columns of the stage
 * (key columns first) followed by three pseudo columns (ROWTIME, ROWPARTITION,
 * ROWOFFSET). A joined row is the left row (with its pseudo columns) followed by the
 * right row (with its own). Scopes built here mirror those layouts, so compiled
 * expressions index rows directly.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/analyzer/analyzer.h"
#include "engine/analyzer/analyzer_int.h"
#include "engine/analyzer/scope.h"
#include "engine/lineage/lineage.h"

#define NPSEUDO 3
static const char *const pseudo_names[NPSEUDO] = {"ROWTIME", "ROWPARTITION", "ROWOFFSET"};

static const wy_type_t *pseudo_type(int i) {
  return i == 1 ? wy_type_int() : wy_type_bigint();
}

/* ---- small helpers ---------------------------------------------------------------- */

typedef struct {
  char **items;
  size_t n;
} strlist_t;

static void strlist_free(strlist_t *l) {
  for (size_t i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

static bool strlist_has(const strlist_t *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i], s) == 0) return true;
  return false;
}

static bool strlist_add(strlist_t *l, const char *s) {
  char **grown = realloc(l->items, (l->n + 1) * sizeof *grown);
  if (!grown) return false;
  l->items = grown;
  l->items[l->n] = strdup(s);
  if (!l->items[l->n]) return false;
  l->n++;
  return true;
}

/* "A, B and C" */
static void join_words(const strlist_t *l, char *buf, size_t cap, const char *last_sep) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < l->n; i++) {
    const char *sep = i == 0 ? "" : (i == l->n - 1 ? last_sep : ", ");
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", sep, l->items[i]);
    if (len >= cap) break;
  }
}

static char *expr_text(const wy_ast_expr_t *e) {
  char *s = wy_ast_expr_to_sql(e);
  return s ? s : strdup("?");
}

/* ---- analysis state ---------------------------------------------------------------- */

typedef struct source_ref {
  const wy_source_def_t *def;
  const char *alias; /* alias or name */
  int base;          /* first slot of this source in the row */
  bool table;
} source_ref_t;

typedef struct agg_info {
  const wy_ast_expr_t *call; /* the AST call (for equality) */
  wy_expr_t *bound;          /* the bound call, args included */
} agg_info_t;

typedef struct qa {
  const wy_analyzer_ctx_t *cx;
  const wy_ast_stmt_t *stmt;
  const wy_ast_query_t *q;
  wy_plan_t *plan;
  source_ref_t src[2];
  size_t nsrc;
  wy_scope_t in_scope; /* the input (possibly joined) row */
  int in_width;        /* slots of the input row */
  bool joined;
  /* aggregation */
  bool aggregate;
  size_t ngroup;
  const wy_ast_expr_t **group;
  agg_info_t aggs[WY_PLAN_MAX_AGGS];
  size_t naggs;
  strlist_t non_agg_cols; /* offending select expressions */
  uint8_t used[512];      /* input-row slots referenced by WHERE and SELECT (simple queries) */
  bool cur_item_bad;      /* the item being converted references a non-grouped column */
  char service_id[128];
} qa_t;

/* ---- column lineage ------------------------------------------------------------- */

static int source_index(const qa_t *a, const char *source) {
  for (size_t i = 0; i < a->nsrc; i++)
    if (strcmp(a->src[i].def->name, source) == 0) return (int)i;
  return -1;
}

static void lineage_add(wy_plan_lineage_ref_t **refs, size_t *n, int input, const char *field, int transform,
                        bool masking) {
  for (size_t i = 0; i < *n; i++) {
    wy_plan_lineage_ref_t *r = &(*refs)[i];
    if (r->input == input && strcmp(r->field, field) == 0 && r->transform == transform) {
      r->masking = r->masking || masking;
      return;
    }
  }
  wy_plan_lineage_ref_t *grown = realloc(*refs, (*n + 1) * sizeof *grown);
  if (!grown) return;
  *refs = grown;
  grown[*n] = (wy_plan_lineage_ref_t){input, strdup(field), transform, masking};
  if (grown[*n].field) (*n)++;
}

/* Every column an expression reads, with how its value reaches the result. */
static void lineage_walk(qa_t *a, const wy_ast_expr_t *e, bool top, bool agg, bool masking,
                         wy_plan_lineage_ref_t **refs, size_t *n, int forced) {
  if (!e) return;
  if (e->kind == WY_AST_COLUMN) {
    wy_error_t ig;
    const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig);
    if (!c || c->pseudo) return;
    int input = source_index(a, c->source);
    if (input < 0) return;
    int t = forced >= 0 ? forced : agg ? WY_LINEAGE_AGGREGATION : top ? WY_LINEAGE_IDENTITY : WY_LINEAGE_TRANSFORMATION;
    lineage_add(refs, n, input, c->name, t, masking);
    return;
  }
  if (e->kind == WY_AST_CALL) {
    const wy_function_t *f = wy_registry_find(a->cx->registry, e->name);
    if (f && (f->flags & WY_FN_MASKING)) masking = true;
    if (f && (f->flags & WY_FN_AGGREGATE)) agg = true;
  }
  for (size_t i = 0; i < e->nargs; i++) lineage_walk(a, e->args[i], false, agg, masking, refs, n, forced);
}

/* Record the lineage of one output column (an expression, or a column for `*`). */
static void lineage_column(qa_t *a, const char *name, const wy_ast_expr_t *e, const wy_scope_col_t *col) {
  wy_plan_lineage_col_t *grown = realloc(a->plan->lineage, (a->plan->nlineage + 1) * sizeof *grown);
  if (!grown) return;
  a->plan->lineage = grown;
  wy_plan_lineage_col_t *c = &grown[a->plan->nlineage];
  memset(c, 0, sizeof *c);
  c->name = strdup(name);
  if (!c->name) return;
  a->plan->nlineage++;
  if (e) {
    lineage_walk(a, e, true, false, false, &c->refs, &c->nrefs, -1);
  } else if (col && !col->pseudo) {
    int input = source_index(a, col->source);
    if (input >= 0) lineage_add(&c->refs, &c->nrefs, input, col->name, WY_LINEAGE_IDENTITY, false);
  }
}

static void lineage_indirect(qa_t *a, const wy_ast_expr_t *e, int transform) {
  lineage_walk(a, e, false, false, false, &a->plan->lineage_indirect, &a->plan->nlineage_indirect, transform);
}

static const char *prop(const qa_t *a, const char *name) {
  return a->cx->property ? a->cx->property(a->cx->user, name) : NULL;
}

static wy_status_t add_source_to_scope(qa_t *a, source_ref_t *r, int base, wy_error_t *err) {
  r->base = base;
  const wy_schema_t *s = &r->def->schema;
  for (size_t i = 0; i < s->n; i++) {
    const wy_column_t *c = &s->cols[i];
    if (wy_scope_add(&a->in_scope, r->def->name, r->alias, c->name, base + (int)i,
                     wy_type_ref(c->type), c->ns == WY_NS_KEY, false,
                     c->ns == WY_NS_HEADER || c->ns == WY_NS_HEADERS, err) != WY_OK)
      return err->code;
  }
  for (int i = 0; i < NPSEUDO; i++)
    if (wy_scope_add(&a->in_scope, r->def->name, r->alias, pseudo_names[i], base + (int)s->n + i,
                     pseudo_type(i), false, true, false, err) != WY_OK)
      return err->code;
  return WY_OK;
}

/* Bind an expression and compile it. */
static wy_expr_program_t *compile_bound(wy_expr_t *x, wy_error_t *err) {
  wy_expr_program_t *p = NULL;
  if (wy_expr_compile(x, &p, err) != WY_OK) return NULL;
  return p;
}

/* ---- aggregation: rewriting SELECT/HAVING over the aggregate row -------------------- */

static bool is_aggregate_name(const qa_t *a, const char *name) {
  const wy_function_t *f = wy_registry_find(a->cx->registry, name);
  return f && (f->flags & WY_FN_AGGREGATE);
}

static wy_expr_t *agg_rewrite(void *user, const wy_ast_expr_t *e, bool *handled, wy_error_t *err) {
  qa_t *a = user;
  /* A GROUP BY expression: the key column of the aggregate row. */
  for (size_t i = 0; i < a->ngroup; i++) {
    if (wy_ast_expr_equal(e, a->group[i])) {
      *handled = true;
      /* Type: convert + bind the group expression in the input scope. */
      wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "GROUP BY"};
      wy_expr_t *g = wy_convert_bind(&cx, a->group[i], a->cx->registry, false, err);
      if (!g) return NULL;
      const wy_type_t *t = wy_type_ref(wy_expr_type(g));
      wy_expr_destroy(g);
      char *text = expr_text(e);
      wy_expr_t *col = wy_expr_column(text, (int)i, t, e->pos.line, e->pos.column);
      free(text);
      return col;
    }
  }
  if (e->kind == WY_AST_CALL && is_aggregate_name(a, e->name)) {
    *handled = true;
    size_t idx = a->naggs;
    for (size_t i = 0; i < a->naggs; i++)
      if (wy_ast_expr_equal(e, a->aggs[i].call)) idx = i;
    if (idx == a->naggs) {
      if (a->naggs == sizeof a->aggs / sizeof a->aggs[0]) {
        wy_error_set(err, WY_ERR_UNSUPPORTED, "too many aggregate functions in one query");
        return NULL;
      }
      /* Arguments are evaluated over the input row. */
      wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "SELECT"};
      wy_expr_t *call = wy_convert_expr(&cx, e, err);
      if (!call) return NULL;
      if (wy_expr_bind(call, a->cx->registry, true, err) != WY_OK) {
        wy_expr_destroy(call);
        return NULL;
      }
      a->aggs[idx].call = e;
      a->aggs[idx].bound = call;
      a->naggs++;
    }
    char *text = expr_text(e);
    wy_expr_t *col = wy_expr_column(text, (int)(a->ngroup + idx),
                                    wy_type_ref(wy_expr_type(a->aggs[idx].bound)), e->pos.line,
                                    e->pos.column);
    free(text);
    return col;
  }
  if (e->kind == WY_AST_COLUMN && !e->qualifier && a->q->window &&
      (!strcmp(e->name, "WINDOWSTART") || !strcmp(e->name, "WINDOWEND"))) {
    /* the window bounds of a windowed aggregation, at fixed slots of the aggregate row */
    *handled = true;
    int slot = (int)a->ngroup + WY_PLAN_MAX_AGGS + (strcmp(e->name, "WINDOWEND") == 0);
    return wy_expr_column(e->name, slot, wy_type_bigint(), e->pos.line, e->pos.column);
  }
  if (e->kind == WY_AST_CALL && !wy_registry_find(a->cx->registry, e->name)) {
    *handled = true;
    wy_error_set_pos(err, WY_ERR_ANALYSIS, e->pos.line, e->pos.column,
                     "Can't find any functions with the name '%s'", e->name);
    return NULL;
  }
  if (e->kind == WY_AST_COLUMN) {
    /* A column that is not (part of) a GROUP BY expression. */
    *handled = true;
    a->cur_item_bad = true;
    /* Keep going to collect every offender: return a NULL literal placeholder. */
    wy_value_t v = wy_null(WY_T_STRING);
    return wy_expr_literal(&v, NULL, e->pos.line, e->pos.column);
  }
  *handled = false;
  return NULL;
}

static bool ast_has_aggregate(const qa_t *a, const wy_ast_expr_t *e) {
  if (!e) return false;
  if (e->kind == WY_AST_CALL && is_aggregate_name(a, e->name)) return true;
  for (size_t i = 0; i < e->nargs; i++)
    if (ast_has_aggregate(a, e->args[i])) return true;
  return false;
}

static const char *find_aggregate_name(const qa_t *a, const wy_ast_expr_t *e) {
  if (!e) return NULL;
  if (e->kind == WY_AST_CALL && is_aggregate_name(a, e->name)) return e->name;
  for (size_t i = 0; i < e->nargs; i++) {
    const char *n = find_aggregate_name(a, e->args[i]);
    if (n) return n;
  }
  return NULL;
}

/* ---- projection -------------------------------------------------------------------- */

typedef struct proj_item {
  char *name;
  wy_expr_t *expr;              /* bound */
  const wy_ast_expr_t *ast;     /* NULL for * expansions */
  const wy_scope_col_t *col;    /* a plain column reference: which one */
  bool is_key;
  int pos_line, pos_col;
} proj_item_t;

typedef struct proj {
  proj_item_t *items;
  size_t n, cap;
} proj_t;

static void proj_free(proj_t *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->items[i].name);
    wy_expr_destroy(p->items[i].expr);
  }
  free(p->items);
  memset(p, 0, sizeof *p);
}

static proj_item_t *proj_push(proj_t *p) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    proj_item_t *grown = realloc(p->items, cap * sizeof *grown);
    if (!grown) return NULL;
    p->items = grown;
    p->cap = cap;
  }
  proj_item_t *it = &p->items[p->n++];
  memset(it, 0, sizeof *it);
  return it;
}

/* ksqlDB's generated names: KSQL_COL_<n>, the lowest n not taken by an explicit name. */
static char *next_generated_name(const proj_t *p, const wy_ast_query_t *q, int *counter) {
  char name[32];
  for (;;) {
    snprintf(name, sizeof name, "KSQL_COL_%d", (*counter)++);
    bool taken = false;
    for (size_t i = 0; i < p->n && !taken; i++)
      taken = p->items[i].name && strcmp(p->items[i].name, name) == 0;
    for (size_t i = 0; i < q->nitems && !taken; i++)
      taken = q->items[i]->alias && strcmp(q->items[i]->alias, name) == 0;
    if (!taken) return strdup(name);
  }
}

/* Default name of a select expression without alias. */
static char *default_name(qa_t *a, const wy_ast_expr_t *e, const proj_t *p, int *counter) {
  if (e->kind == WY_AST_COLUMN) {
    /* in a join, a qualified column keeps its source's prefix only when both sources
     * have a column of that name (ksqlDB: T_ID, but VAL when only one side has VAL) */
    size_t having = 0;
    for (size_t i = 0; a->joined && i < a->nsrc; i++) having += wy_schema_find(&a->src[i].def->schema, e->name) >= 0;
    if (a->joined && e->qualifier && having > 1) {
      char buf[512];
      snprintf(buf, sizeof buf, "%s_%s", e->qualifier, e->name);
      return strdup(buf);
    }
    return strdup(e->name);
  }
  if (e->kind == WY_AST_DEREF) return strdup(e->name);
  return next_generated_name(p, a->q, counter);
}

/* ---- the query --------------------------------------------------------------------- */

static wy_plan_step_t *step_new(wy_step_kind_t kind) {
  wy_plan_step_t *s = calloc(1, sizeof *s);
  if (s) {
    s->kind = kind;
    s->other_input = -1;
    wy_schema_init(&s->out_schema);
    wy_format_spec_init(&s->key_format, NULL);
    wy_format_spec_init(&s->value_format, NULL);
  }
  return s;
}

static void append_step(wy_plan_step_t **head, wy_plan_step_t *s) {
  while (*head) head = &(*head)->next;
  *head = s;
}

static wy_status_t input_from_source(qa_t *a, wy_plan_input_t *in, const wy_source_def_t *d,
                                     wy_error_t *err) {
  memset(in, 0, sizeof *in);
  in->topic = strdup(d->topic);
  in->source_name = strdup(d->name);
  in->is_table = d->kind == WY_SOURCE_TABLE;
  if (wy_schema_copy(&in->schema, &d->schema, err) != WY_OK) return err->code;
  in->nkey = wy_schema_count_ns(&d->schema, WY_NS_KEY);
  in->key_format = d->key_format;
  in->value_format = d->value_format;
  in->timestamp_slot = d->timestamp_column ? wy_schema_find(&d->schema, d->timestamp_column) : -1;
  in->timestamp_format = d->timestamp_format ? strdup(d->timestamp_format) : NULL;
  if (in->timestamp_slot >= 0 && d->timestamp_format) {
    /* a STRING event time parsed with ksqlDB's TIMESTAMP_FORMAT (a Java pattern) */
    const wy_column_t *tc = &d->schema.cols[in->timestamp_slot];
    wy_value_t fmt = wy_string(d->timestamp_format, strlen(d->timestamp_format));
    wy_expr_t *args[2] = {wy_expr_column(tc->name, in->timestamp_slot, wy_type_ref(tc->type), 0, 0),
                          wy_expr_literal(&fmt, wy_type_string(), 0, 0)};
    wy_expr_t *call = wy_expr_call("PARSE_TIMESTAMP", args, 2, 0, 0);
    if (!call || wy_expr_bind(call, a->cx->registry, false, err) != WY_OK ||
        wy_expr_compile(call, &in->timestamp_prog, err) != WY_OK) {
      wy_expr_destroy(call);
      return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    wy_expr_destroy(call);
  }
  in->windowed = d->window != WY_WINDOW_NONE;
  if (in->is_table) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s-Source", d->name);
    in->store_name = strdup(buf);
  }
  if (!in->topic || !in->source_name) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return WY_OK;
}

static char *internal_topic(const qa_t *a, const char *suffix) {
  char buf[512];
  snprintf(buf, sizeof buf, "_confluent-ksql-%squery_%s-%s", a->service_id, a->plan->id, suffix);
  return strdup(buf);
}

/* Resolve FROM / JOIN relations. */
static wy_status_t resolve_relation(qa_t *a, const wy_ast_relation_t *r, source_ref_t *out,
                                    wy_error_t *err) {
  const wy_source_def_t *d = wy_catalog_find(a->cx->catalog, r->name);
  if (!d)
    return wy_error_set_pos(err, WY_ERR_NOT_FOUND, r->pos.line, r->pos.column,
                            "%s does not exist.", r->name);
  out->def = d;
  out->alias = r->alias ? r->alias : d->name;
  out->table = d->kind == WY_SOURCE_TABLE;
  return WY_OK;
}

/* Split an ON condition `a = b` into the expression of each side. */
typedef struct join_cond {
  const wy_ast_expr_t *side[2]; /* [0] refers to the left source, [1] to the right */
} join_cond_t;

static int ast_sources(const qa_t *a, const wy_ast_expr_t *e, bool *left, bool *right) {
  if (e->kind == WY_AST_COLUMN) {
    wy_error_t ignore;
    const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "JOIN", &ignore);
    if (c) {
      if (c->slot < a->src[1].base) *left = true;
      else *right = true;
    }
    return 0;
  }
  for (size_t i = 0; i < e->nargs; i++) ast_sources(a, e->args[i], left, right);
  return 0;
}

static wy_status_t split_join(qa_t *a, const wy_ast_join_t *j, join_cond_t *jc, wy_error_t *err) {
  const wy_ast_expr_t *on = j->on;
  char *text = expr_text(on);
  wy_status_t st = WY_OK;
  if (on->kind != WY_AST_COMPARE || on->op != WY_AST_OP_EQ) {
    st = wy_error_set_pos(err, WY_ERR_ANALYSIS, on->pos.line, on->pos.column,
                          "Unsupported join expression: %s", text);
  } else {
    for (int i = 0; i < 2 && st == WY_OK; i++) {
      bool l = false, r = false;
      ast_sources(a, on->args[i], &l, &r);
      if (l == r) {
        char *side = expr_text(on->args[i]);
        st = wy_error_set_pos(err, WY_ERR_ANALYSIS, on->pos.line, on->pos.column,
                              "Invalid comparison expression '%s' in join '(%s)'. Each side of the "
                              "join comparision must contain references from exactly one source.",
                              side, text);
        free(side);
      } else {
        jc->side[l ? 0 : 1] = on->args[i];
      }
    }
    if (st == WY_OK && (!jc->side[0] || !jc->side[1]))
      st = wy_error_set_pos(err, WY_ERR_ANALYSIS, on->pos.line, on->pos.column,
                            "Invalid join condition: %s", text);
  }
  free(text);
  return st;
}

/* Is the AST a plain reference to the given key column of a source? */
static bool is_key_ref(qa_t *a, const wy_ast_expr_t *e, const source_ref_t *r, int *key_index) {
  if (e->kind != WY_AST_COLUMN) return false;
  wy_error_t ignore;
  const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "JOIN", &ignore);
  if (!c || !c->is_key) return false;
  int idx = c->slot - r->base;
  if (idx < 0 || (size_t)idx >= r->def->schema.n) return false;
  if (key_index) *key_index = idx;
  return true;
}

static wy_status_t check_reserved_alias(const wy_ast_select_item_t *it, wy_error_t *err) {
  if (it->alias && wy_analyze_is_reserved(it->alias))
    return wy_error_set_pos(err, WY_ERR_ANALYSIS, it->pos.line, it->pos.column,
                            "`%s` is a reserved column name. You cannot use it as an alias for a column.",
                            it->alias);
  return WY_OK;
}

/* Build the projection over a scope; aggregates go through the rewrite hook. */
static wy_status_t build_projection(qa_t *a, proj_t *p, const wy_scope_t *scope,
                                    wy_expr_rewrite_fn rewrite, wy_error_t *err) {
  int counter = 0;
  const wy_ast_query_t *q = a->q;
  for (size_t i = 0; i < q->nitems; i++) {
    const wy_ast_select_item_t *it = q->items[i];
    if (check_reserved_alias(it, err) != WY_OK) return err->code;
    if (it->kind == WY_AST_ITEM_ALL || it->kind == WY_AST_ITEM_SOURCE_ALL) {
      if (a->aggregate) {
        /* Each column must be a GROUP BY column: it becomes that key column. */
        const source_ref_t *r = &a->src[0];
        for (size_t c = 0; c < r->def->schema.n; c++) {
          const wy_column_t *col = &r->def->schema.cols[c];
          size_t g = 0;
          for (; g < a->ngroup; g++)
            if (a->group[g]->kind == WY_AST_COLUMN && strcmp(a->group[g]->name, col->name) == 0) break;
          if (g == a->ngroup) {
            if (!strlist_has(&a->non_agg_cols, col->name)) strlist_add(&a->non_agg_cols, col->name);
            continue;
          }
          proj_item_t *pi = proj_push(p);
          if (!pi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
          pi->name = strdup(col->name);
          pi->ast = a->group[g];
          pi->expr = wy_expr_column(col->name, (int)g, wy_type_ref(col->type), it->pos.line, it->pos.column);
          if (!pi->expr || wy_expr_bind(pi->expr, a->cx->registry, false, err) != WY_OK)
            return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        }
        continue;
      }
      /* Expand over the scope's real columns: after PARTITION BY the scope is the
       * re-keyed row, so `*` sees the new key first. */
      for (size_t c = 0; c < scope->n; c++) {
        const wy_scope_col_t *col = &scope->cols[c];
        if (col->pseudo) continue;
        if (it->kind == WY_AST_ITEM_SOURCE_ALL && strcmp(it->source, col->alias) != 0 &&
            strcmp(it->source, col->source) != 0)
          continue;
        proj_item_t *pi = proj_push(p);
        if (!pi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        char buf[512];
        if (a->joined) snprintf(buf, sizeof buf, "%s_%s", col->alias, col->name);
        else snprintf(buf, sizeof buf, "%s", col->name);
        pi->name = strdup(buf);
        pi->expr = wy_expr_column(col->name, col->slot, wy_type_ref(col->type), it->pos.line, it->pos.column);
        if (!pi->expr || wy_expr_bind(pi->expr, a->cx->registry, false, err) != WY_OK)
          return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        pi->col = col;
        if (col->slot >= 0 && (size_t)col->slot < sizeof a->used) a->used[col->slot] = 1;
        lineage_column(a, pi->name, NULL, col);
      }
      continue;
    }
    if (it->kind == WY_AST_ITEM_STRUCT_ALL)
      return wy_error_set_pos(err, WY_ERR_UNSUPPORTED, it->pos.line, it->pos.column,
                              "struct->* is not supported yet");
    proj_item_t *pi = proj_push(p);
    if (!pi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    pi->ast = it->expr;
    pi->pos_line = it->pos.line;
    pi->pos_col = it->pos.column;
    wy_convert_ctx_t cx = {.scope = scope, .catalog = a->cx->catalog, .clause = "SELECT",
                           .rewrite = rewrite, .user = a, .used = a->used, .nused = sizeof a->used};
    a->cur_item_bad = false;
    pi->expr = wy_convert_expr(&cx, it->expr, err);
    if (!pi->expr) return err->code;
    if (a->aggregate && a->cur_item_bad) {
      /* ksqlDB names the whole select expression, rendered as it renders expressions. */
      char text[1024];
      wy_convert_ctx_t plain = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "SELECT"};
      wy_error_t ig;
      wy_expr_t *x = wy_convert_expr(&plain, it->expr, &ig);
      if (x && wy_expr_bind(x, a->cx->registry, true, &ig) == WY_OK) {
        wy_expr_format(x, text, sizeof text);
      } else {
        char *t = expr_text(it->expr);
        snprintf(text, sizeof text, "%s", t);
        free(t);
      }
      wy_expr_destroy(x);
      if (!strlist_has(&a->non_agg_cols, text)) strlist_add(&a->non_agg_cols, text);
      a->cur_item_bad = false;
    }
    if (a->aggregate && a->non_agg_cols.n) continue; /* reported after the loop */
    if (wy_expr_bind(pi->expr, a->cx->registry, false, err) != WY_OK) return err->code;
    pi->name = it->alias ? strdup(it->alias) : default_name(a, it->expr, p, &counter);
    if (pi->name) lineage_column(a, pi->name, it->expr, NULL);
    if (!a->aggregate && it->expr->kind == WY_AST_COLUMN) {
      wy_error_t ignore;
      pi->col = wy_scope_resolve(scope, it->expr->qualifier, it->expr->name, "SELECT", &ignore);
      if (pi->col && pi->col->pseudo && !it->alias && strcmp(pi->col->name, "ROWTIME") != 0)
        return wy_error_set_pos(err, WY_ERR_ANALYSIS, it->pos.line, it->pos.column,
                                "Reserved column name in select: `%s`. Please remove or alias the column.",
                                pi->col->name);
      if (pi->col && pi->col->pseudo && !it->alias)
        return wy_error_set_pos(err, WY_ERR_ANALYSIS, it->pos.line, it->pos.column,
                                "Reserved column name in select: `%s`. Please remove or alias the column.",
                                pi->col->name);
    }
  }
  if (a->aggregate && a->non_agg_cols.n) {
    char list[1024];
    join_words(&a->non_agg_cols, list, sizeof list, ", ");
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\n"
                        "Either add the column(s) to the GROUP BY or remove them from the SELECT.",
                        list);
  }
  return WY_OK;
}

/* Mark the key items of a projection: the ones matching the key expressions (AST
 * equality for GROUP BY / PARTITION BY / join expressions, column identity for a
 * source's key columns). Fails with ksqlDB's messages when a key is missing or repeated. */
typedef struct key_spec {
  size_t n;
  const wy_ast_expr_t *ast[16];     /* expressions (GROUP BY, PARTITION BY) or NULL */
  int slot[16];                     /* or an input slot (source key columns) */
  const wy_type_t *type[16];
  const char *kind_word;            /* "key column", "grouping expression", ... */
  const char *alt_ast[16];          /* join: the other side's expression text, or NULL */
  const wy_ast_expr_t *alt[16];
  bool by_slot;                     /* also match plain columns at slot[k] (re-keyed scope) */
  bool qualify;                     /* messages name columns as SOURCE.COLUMN (PARTITION BY) */
  bool synthetic;                   /* the join's synthetic ROWKEY column */
} key_spec_t;

/* ksqlDB's rendering of an expression with source-qualified columns: ABS(INPUT.ID). */
static char *qualified_text(qa_t *a, const wy_ast_expr_t *e) {
  if (e->kind == WY_AST_COLUMN) {
    wy_error_t ig;
    const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig);
    char buf[512];
    snprintf(buf, sizeof buf, "%s.%s", c ? c->source : (e->qualifier ? e->qualifier : "?"), e->name);
    return strdup(buf);
  }
  if (e->kind == WY_AST_CALL && !e->star) {
    char buf[1024];
    size_t len = (size_t)snprintf(buf, sizeof buf, "%s(", e->name);
    for (size_t i = 0; i < e->nargs && len < sizeof buf; i++) {
      char *arg = qualified_text(a, e->args[i]);
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", arg ? arg : "?");
      free(arg);
    }
    if (len < sizeof buf) snprintf(buf + len, sizeof buf - len, ")");
    return strdup(buf);
  }
  return expr_text(e);
}

static bool item_matches_key(qa_t *a, const proj_item_t *it, const key_spec_t *ks, size_t k) {
  if (ks->by_slot) {
    if (it->col && !it->col->pseudo && it->col->slot == ks->slot[k]) return true;
    return it->ast && ks->ast[k] && wy_ast_expr_equal(it->ast, ks->ast[k]);
  }
  if (ks->ast[k]) {
    if (it->ast && wy_ast_expr_equal(it->ast, ks->ast[k])) return true;
    if (it->ast && ks->alt[k] && wy_ast_expr_equal(it->ast, ks->alt[k])) return true;
    /* GROUP BY x, SELECT t.x: compare resolved columns */
    if (it->col && ks->ast[k]->kind == WY_AST_COLUMN) {
      wy_error_t ignore;
      const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, ks->ast[k]->qualifier,
                                                 ks->ast[k]->name, "SELECT", &ignore);
      if (c && c->slot == it->col->slot) return true;
    }
    if (it->col && ks->alt[k] && ks->alt[k]->kind == WY_AST_COLUMN) {
      wy_error_t ignore;
      const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, ks->alt[k]->qualifier,
                                                 ks->alt[k]->name, "SELECT", &ignore);
      if (c && c->slot == it->col->slot) return true;
    }
    return false;
  }
  return it->col && it->col->slot == ks->slot[k];
}

static wy_status_t assign_keys(qa_t *a, proj_t *p, const key_spec_t *ks, int *key_item,
                               wy_error_t *err) {
  strlist_t missing = {0};
  bool any_missing = false;
  for (size_t k = 0; k < ks->n; k++) {
    key_item[k] = -1;
    const char *first = NULL;
    for (size_t i = 0; i < p->n; i++) {
      if (!item_matches_key(a, &p->items[i], ks, k)) continue;
      if (key_item[k] >= 0 && (!p->items[i].ast || !p->items[key_item[k]].ast)) {
        /* `*` expands both join columns: the first is the key, the other a value */
        if (!p->items[key_item[k]].ast && p->items[i].ast) {
          p->items[key_item[k]].is_key = false;
          key_item[k] = (int)i;
          first = p->items[i].name;
          p->items[i].is_key = true;
        }
        continue;
      }
      if (key_item[k] >= 0) {
        char keyname[256];
        snprintf(keyname, sizeof keyname, "%s", first);
        strlist_free(&missing);
        if (strcmp(ks->kind_word, "grouping expression") == 0)
          return wy_error_set(err, WY_ERR_ANALYSIS,
                              "The projection contains a key column more than once: `%s` and `%s`.", first,
                              p->items[i].name);
        return wy_error_set(err, WY_ERR_ANALYSIS,
                            "The projection contains a key column (`%s`) more than once, aliased as: %s and %s.",
                            ks->ast[k] && ks->ast[k]->kind == WY_AST_COLUMN ? ks->ast[k]->name : first,
                            first, p->items[i].name);
      }
      key_item[k] = (int)i;
      first = p->items[i].name;
      p->items[i].is_key = true;
    }
    if (key_item[k] < 0) any_missing = true;
    if (key_item[k] < 0 || (ks->qualify && ks->n > 1)) {
      char *text = NULL;
      if (ks->qualify && ks->ast[k]) {
        text = qualified_text(a, ks->ast[k]);
      } else if (ks->ast[k]) {
        text = expr_text(ks->ast[k]);
        if (ks->alt[k]) {
          char *alt = expr_text(ks->alt[k]);
          char both[1024];
          snprintf(both, sizeof both, "%s or %s", text, alt);
          free(alt);
          free(text);
          text = strdup(both);
        }
      } else {
        for (size_t c = 0; c < a->in_scope.n; c++)
          if (a->in_scope.cols[c].slot == ks->slot[k]) text = strdup(a->in_scope.cols[c].name);
      }
      strlist_add(&missing, text ? text : "?");
      free(text);
    }
  }
  if (any_missing && ks->synthetic) {
    strlist_free(&missing);
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n"
                        "The query used to build `%s` must include the join expression ROWKEY in its projection "
                        "(eg, SELECT ROWKEY...).\nROWKEY was added as a synthetic key column because the join "
                        "criteria did not match any source column. This expression must be included in the "
                        "projection and may be aliased.", a->stmt->name ? a->stmt->name : "?");
  }
  if (any_missing && missing.n) {
    char list[1024];
    join_words(&missing, list, sizeof list, " and ");
    char eg[1024];
    join_words(&missing, eg, sizeof eg, ", ");
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "The query used to build `%s` must include the %s%s %s in its projection (eg, SELECT %s...).",
                 a->stmt->name ? a->stmt->name : "?", ks->kind_word, missing.n > 1 ? "s" : "", list,
                 eg);
    strlist_free(&missing);
    return err->code;
  }
  strlist_free(&missing);
  return WY_OK;
}

/* Build a PROJECT step from a projection whose key items are marked, keys first. */
static wy_status_t project_step(qa_t *a, proj_t *p, const int *key_item, size_t nkey,
                                wy_plan_step_t **out, wy_error_t *err) {
  wy_plan_step_t *s = step_new(WY_STEP_PROJECT);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  s->exprs = calloc(p->n ? p->n : 1, sizeof *s->exprs);
  if (!s->exprs) {
    wy_plan_step_destroy(s);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  size_t order[256];
  size_t n = 0;
  for (size_t k = 0; k < nkey; k++) order[n++] = (size_t)key_item[k];
  for (size_t i = 0; i < p->n && n < 256; i++)
    if (!p->items[i].is_key) order[n++] = i;
  size_t nvalue = n - nkey;
  if (nvalue == 0) {
    wy_plan_step_destroy(s);
    return wy_error_set(err, WY_ERR_ANALYSIS, "The projection contains no value columns.");
  }
  for (size_t j = 0; j < n; j++) {
    proj_item_t *it = &p->items[order[j]];
    if (j >= nkey && wy_analyze_is_reserved(it->name)) {
      wy_plan_step_destroy(s);
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Reserved column name in select: `%s`. Please remove or alias the column.",
                          it->name);
    }
    for (size_t m = 0; m < j; m++) {
      if (strcmp(s->exprs[m].name, it->name) == 0) {
        char t[256];
        wy_type_format(wy_expr_type(it->expr), t, sizeof t);
        bool key = j < nkey && m < nkey;
        wy_plan_step_destroy(s);
        if (key)
          return wy_error_set(err, WY_ERR_ANALYSIS, "The projection contains a key column more than once: `%s` and `%s`.",
                              it->name, it->name);
        return wy_error_set(err, WY_ERR_ANALYSIS, "Duplicate value columns found in schema: `%s` %s",
                            it->name, t);
      }
    }
    wy_plan_expr_t *pe = &s->exprs[s->nexprs++];
    pe->name = strdup(it->name);
    pe->type = wy_type_ref(wy_expr_type(it->expr));
    if (!pe->name || !(pe->prog = compile_bound(it->expr, err))) {
      wy_plan_step_destroy(s);
      return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    if (wy_schema_add(&s->out_schema, it->name, wy_type_ref(pe->type), j < nkey ? WY_NS_KEY : WY_NS_VALUE,
                      NULL, err) != WY_OK) {
      wy_plan_step_destroy(s);
      return err->code;
    }
  }
  s->out_nkey = nkey;
  *out = s;
  return WY_OK;
}

static wy_status_t where_step(qa_t *a, const wy_scope_t *scope, wy_plan_step_t **out, wy_error_t *err) {
  *out = NULL;
  if (!a->q->where) return WY_OK;
  wy_convert_ctx_t cx = {.scope = scope, .catalog = a->cx->catalog, .clause = "WHERE", .used = a->used,
                         .nused = sizeof a->used};
  wy_expr_t *x = wy_convert_expr(&cx, a->q->where, err);
  if (!x) return err->code;
  if (wy_expr_bind(x, a->cx->registry, false, err) != WY_OK) {
    wy_expr_destroy(x);
    if (strncmp(err->msg, "operator does not exist", 23) == 0 ||
        strncmp(err->msg, "invalid input syntax", 20) == 0)
      wy_error_prefix(err, "Invalid Predicate");
    else if (strncmp(err->msg, "Invalid Predicate", 17) != 0 && strncmp(err->msg, "Can't find", 10) != 0 &&
             strncmp(err->msg, "Function", 8) != 0)
      wy_error_prefix(err, "Error in WHERE expression");
    return err->code;
  }
  if (wy_expr_check_boolean(x, err) != WY_OK) {
    wy_expr_destroy(x);
    return wy_error_prefix(err, "Type error in WHERE expression");
  }
  wy_plan_step_t *s = step_new(WY_STEP_FILTER);
  if (!s || !(s->predicate = compile_bound(x, err))) {
    wy_expr_destroy(x);
    wy_plan_step_destroy(s);
    return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  wy_expr_destroy(x);
  *out = s;
  return WY_OK;
}

/* The sink: a new source definition for CSAS/CTAS, or the target of INSERT INTO. */
static wy_status_t build_sink(qa_t *a, const wy_schema_t *out_schema, bool result_is_table,
                              bool key_none, wy_source_def_t **sink_out, wy_plan_step_t **step_out,
                              wy_error_t *err) {
  const wy_ast_stmt_t *s = a->stmt;
  const source_ref_t *left = &a->src[0];
  wy_plan_step_t *step = step_new(WY_STEP_SINK);
  if (!step) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  *step_out = step;
  if (s->kind == WY_AST_STMT_INSERT_INTO) {
    const wy_source_def_t *t = wy_catalog_find(a->cx->catalog, s->name);
    if (!t) return wy_error_set(err, WY_ERR_NOT_FOUND, "%s does not exist.", s->name);
    if (t->kind == WY_SOURCE_TABLE)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "INSERT INTO can only be used to insert into a stream. %s is a table.", t->name);
    if (t->is_source)
      return wy_error_set(err, WY_ERR_ANALYSIS, "Cannot insert into read-only stream: %s", t->name);
    if (result_is_table)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Incompatible data sink and query result. Data sink (%s) type is KSTREAM but "
                          "select query result is KTABLE.", t->name);
    if (!wy_schema_equal(out_schema, &t->schema)) {
      char r[2048], k[2048];
      wy_schema_format(out_schema, false, r, sizeof r);
      wy_schema_format(&t->schema, false, k, sizeof k);
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s",
                          r, k);
    }
    step->topic = strdup(t->topic);
    step->key_format = t->key_format;
    step->value_format = t->value_format;
    a->plan->sink_name = strdup(t->name);
    a->plan->sink_topic = strdup(t->topic);
    a->plan->partitions = t->partitions;
    *sink_out = NULL;
    return WY_OK;
  }
  bool want_table = s->kind == WY_AST_STMT_CREATE_TABLE_AS;
  if (want_table && !result_is_table)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE "
                        "STREAM AS SELECT statement instead.");
  if (!want_table && result_is_table)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE "
                        "TABLE AS SELECT statement instead.");
  if (wy_analyze_check_props(s, err) != WY_OK) return err->code;
  const wy_source_def_t *existing = wy_catalog_find(a->cx->catalog, s->name);
  if (existing && !s->or_replace) {
    if (s->if_not_exists) return wy_error_set(err, WY_ERR_EXISTS, "%s already exists", s->name);
    return wy_error_set(err, WY_ERR_EXISTS,
                        "Cannot add %s '%s': A %s with the same name already exists",
                        want_table ? "table" : "stream", s->name,
                        existing->kind == WY_SOURCE_TABLE ? "table" : "stream");
  }
  wy_source_def_t *d = wy_source_def_new(s->name, want_table ? WY_SOURCE_TABLE : WY_SOURCE_STREAM);
  if (!d) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  *sink_out = d;
  if (wy_schema_copy(&d->schema, out_schema, err) != WY_OK) return err->code;
  const char *topic = wy_analyze_prop_text(s, "KAFKA_TOPIC");
  char buf[512];
  if (!topic) {
    const char *prefix = prop(a, "ksql.output.topic.name.prefix");
    snprintf(buf, sizeof buf, "%s%s", prefix ? prefix : "", s->name);
    topic = buf;
  }
  d->topic = strdup(topic);
  d->sql = s->text ? strdup(s->text) : NULL;
  /* Formats: WITH, else inherited from the (left) source. */
  wy_format_spec_t kf, vf;
  wy_format_spec_init(&kf, NULL);
  wy_format_spec_init(&vf, NULL);
  if (wy_analyze_formats(a->cx, s, &kf, &vf, false, false, err) != WY_OK) return err->code;
  d->key_format = kf.name[0] ? kf : left->def->key_format;
  if (!kf.name[0]) {
    d->key_format.wrap_single = -1;
    if (strcmp(d->key_format.name, "NONE") == 0 && wy_schema_count_ns(out_schema, WY_NS_KEY) > 0) {
      const char *dk = prop(a, "ksql.persistence.default.format.key");
      wy_format_spec_init(&d->key_format, dk && *dk ? dk : "KAFKA");
    }
  }
  if (key_none) wy_format_spec_init(&d->key_format, "NONE");
  d->value_format = vf.name[0] ? vf : left->def->value_format;
  if (!vf.name[0]) {
    d->value_format.schema_id = -1;
    d->value_format.full_schema_name[0] = '\0';
    const char *wrap = wy_analyze_prop_text(s, "WRAP_SINGLE_VALUE");
    if (!wrap) d->value_format.wrap_single = -1;
  }
  if (vf.wrap_single >= 0) d->value_format.wrap_single = vf.wrap_single;
  const char *parts = wy_analyze_prop_text(s, "PARTITIONS");
  d->partitions = parts ? atoi(parts) : left->def->partitions;
  const char *reps = wy_analyze_prop_text(s, "REPLICAS");
  d->replicas = reps ? atoi(reps) : left->def->replicas;
  const char *ts = wy_analyze_prop_text(s, "TIMESTAMP");
  if (ts) {
    char up[256];
    size_t i = 0;
    for (; ts[i] && i < sizeof up - 1; i++) up[i] = (char)toupper((unsigned char)ts[i]);
    up[i] = '\0';
    if (wy_schema_find(&d->schema, up) < 0)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", up);
    d->timestamp_column = strdup(up);
    const char *tf = wy_analyze_prop_text(s, "TIMESTAMP_FORMAT");
    if (tf) d->timestamp_format = strdup(tf);
  }
  d->query_id = strdup(a->plan->id);
  if (wy_analyze_check_key_types(&d->schema, err) != WY_OK) return err->code;
  if (wy_analyze_check_format(&d->schema, true, &d->key_format, err) != WY_OK) return err->code;
  if (wy_analyze_check_format(&d->schema, false, &d->value_format, err) != WY_OK) return err->code;
  step->topic = strdup(d->topic);
  step->key_format = d->key_format;
  step->value_format = d->value_format;
  a->plan->sink_name = strdup(d->name);
  a->plan->sink_topic = strdup(d->topic);
  a->plan->partitions = d->partitions;
  a->plan->sink_is_table = want_table;
  return WY_OK;
}

static void set_query_id(qa_t *a) {
  const wy_ast_stmt_t *s = a->stmt;
  char buf[512];
  int n = a->cx->next_query_number;
  if (s->kind == WY_AST_STMT_INSERT_INTO) snprintf(buf, sizeof buf, "INSERTQUERY_%d", n);
  else snprintf(buf, sizeof buf, "%s_%s_%d", s->kind == WY_AST_STMT_CREATE_TABLE_AS ? "CTAS" : "CSAS",
                s->name, n);
  a->plan->id = strdup(buf);
  a->plan->kind = s->kind == WY_AST_STMT_INSERT_INTO    ? WY_QUERY_INSERT
                  : s->kind == WY_AST_STMT_CREATE_TABLE_AS ? WY_QUERY_CTAS
                                                           : WY_QUERY_CSAS;
  a->plan->sql = s->text ? strdup(s->text) : NULL;
}

/* Output schema helper from a PROJECT step. */
static const wy_schema_t *step_schema(const wy_plan_step_t *s) { return &s->out_schema; }

/* ---- shapes ------------------------------------------------------------------------ */

/* SELECT ... FROM one source [WHERE] [PARTITION BY]. */
static wy_status_t plan_simple(qa_t *a, wy_source_def_t **sink, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  const source_ref_t *r = &a->src[0];
  wy_plan_input_t *in = &a->plan->subs[0].inputs[0];
  a->plan->nsubs = 1;
  a->plan->subs[0].ninputs = 1;
  if (input_from_source(a, in, r->def, err) != WY_OK) return err->code;

  wy_plan_step_t *where = NULL;
  if (where_step(a, &a->in_scope, &where, err) != WY_OK) return err->code;
  if (where) append_step(&in->steps, where);

  bool key_none = false;
  wy_scope_t pscope;
  wy_scope_init(&pscope);
  const wy_scope_t *proj_scope = &a->in_scope;
  key_spec_t ks = {0};
  ks.kind_word = "key column";
  if (q->has_partition_by) {
    if (r->table)
      return wy_error_set(err, WY_ERR_ANALYSIS, "Unsupported PARTITION BY on a table: only streams can be repartitioned.");
    /* PARTITION BY builds a new row: new key columns, then the old value columns that
     * did not become keys, then the old key columns. */
    wy_plan_step_t *sk = step_new(WY_STEP_SELECT_KEY);
    if (!sk) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    append_step(&in->steps, sk);
    bool null_key = q->npartition_by == 1 && q->partition_by[0]->kind == WY_AST_LITERAL &&
                    q->partition_by[0]->lit == WY_AST_LIT_NULL;
    for (size_t i = 0; i < q->npartition_by; i++)
      if (q->npartition_by > 1 && q->partition_by[i]->kind == WY_AST_LITERAL &&
          q->partition_by[i]->lit == WY_AST_LIT_NULL)
        return wy_error_set(err, WY_ERR_ANALYSIS, "Cannot PARTITION BY multiple columns including NULL");
    size_t nk = null_key ? 0 : q->npartition_by;
    sk->exprs = calloc(nk ? nk : 1, sizeof *sk->exprs);
    sk->keep = calloc(r->def->schema.n + 1, sizeof *sk->keep);
    if (!sk->exprs || !sk->keep) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    int counter = 0;
    bool consumed[256] = {false};
    for (size_t i = 0; i < nk; i++) {
      const wy_ast_expr_t *pe = q->partition_by[i];
      wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "PARTITION BY"};
      wy_expr_t *x = wy_convert_bind(&cx, pe, a->cx->registry, false, err);
      if (!x) {
        if (pe->kind == WY_AST_COLUMN && strstr(err->msg, "cannot be resolved"))
          wy_error_set_pos(err, WY_ERR_ANALYSIS, pe->pos.line, pe->pos.column,
                           "PARTITION BY column '%s' cannot be resolved. '%s' must be a column in the source "
                           "schema since PARTITION BY is applied on the input.", pe->name, pe->name);
        return err->code;
      }
      char name[256];
      if (pe->kind == WY_AST_COLUMN) {
        snprintf(name, sizeof name, "%s", pe->name);
        wy_error_t ig;
        const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, pe->qualifier, pe->name, "", &ig);
        if (c && !c->pseudo && c->slot < 256) consumed[c->slot] = true;
      } else if (pe->kind == WY_AST_DEREF) {
        snprintf(name, sizeof name, "%s", pe->name);
      } else {
        snprintf(name, sizeof name, "KSQL_COL_%d", counter++);
      }
      sk->exprs[i].name = strdup(name);
      sk->exprs[i].type = wy_type_ref(wy_expr_type(x));
      sk->exprs[i].prog = compile_bound(x, err);
      wy_expr_destroy(x);
      sk->nexprs++;
      if (!sk->exprs[i].prog) return err->code;
      wy_schema_add(&sk->out_schema, name, wy_type_ref(sk->exprs[i].type), WY_NS_KEY, NULL, err);
      ks.ast[i] = pe;
    }
    /* value columns not consumed, then old keys */
    for (int pass = 0; pass < 2; pass++) {
      for (size_t c = 0; c < r->def->schema.n; c++) {
        const wy_column_t *col = &r->def->schema.cols[c];
        bool is_key = col->ns == WY_NS_KEY;
        if (is_key != (pass == 1) || consumed[c]) continue;
        if (wy_schema_find(&sk->out_schema, col->name) >= 0) continue;
        sk->keep[sk->nkeep++] = (int)c;
        wy_schema_add(&sk->out_schema, col->name, wy_type_ref(col->type),
                      col->ns == WY_NS_KEY ? WY_NS_VALUE : col->ns, col->header_key, err);
      }
    }
    sk->out_nkey = nk;
    ks.n = nk;
    ks.kind_word = "partitioning expression";
    key_none = null_key;
    /* The projection now sees the re-keyed row. */
    for (size_t c = 0; c < sk->out_schema.n; c++) {
      const wy_column_t *col = &sk->out_schema.cols[c];
      if (wy_scope_add(&pscope, r->def->name, r->alias, col->name, (int)c, wy_type_ref(col->type),
                       c < nk, false, false, err) != WY_OK) {
        wy_scope_clear(&pscope);
        return err->code;
      }
    }
    for (int i = 0; i < NPSEUDO; i++)
      wy_scope_add(&pscope, r->def->name, r->alias, pseudo_names[i], (int)sk->out_schema.n + i,
                   pseudo_type(i), false, true, false, err);
    proj_scope = &pscope;
    /* Key expressions now match the new key columns by slot. */
    for (size_t i = 0; i < nk; i++) ks.slot[i] = (int)i;
    ks.by_slot = true;
    ks.qualify = true;
  } else {
    for (size_t c = 0; c < r->def->schema.n && ks.n < 16; c++)
      if (r->def->schema.cols[c].ns == WY_NS_KEY) ks.slot[ks.n++] = (int)c;
  }
  proj_t p = {0};
  int key_item[16];
  wy_status_t st = build_projection(a, &p, proj_scope, NULL, err);
  if (st == WY_OK) {
    st = assign_keys(a, &p, &ks, key_item, err);
    if (st != WY_OK && q->has_partition_by) {
      /* ksqlDB names the partitioning expressions as written. */
      key_spec_t named = ks;
      for (size_t i = 0; i < ks.n; i++) named.ast[i] = q->partition_by[i];
      (void)named;
    }
  }
  wy_plan_step_t *proj = NULL;
  if (st == WY_OK) st = project_step(a, &p, key_item, ks.n, &proj, err);
  proj_free(&p);
  wy_scope_clear(&pscope);
  if (st != WY_OK) return st;
  append_step(&in->steps, proj);
  /* Without a re-keying step the row's slots are the source's: the decoder may skip the
   * columns nothing reads. The TIMESTAMP column is read by the source itself. */
  if (!q->has_partition_by && r->def->schema.n <= sizeof a->used) {
    in->used = calloc(r->def->schema.n + 1, 1);
    if (in->used) {
      memcpy(in->used, a->used, r->def->schema.n);
      if (in->timestamp_slot >= 0) in->used[in->timestamp_slot] = 1;
    }
  }
  wy_plan_step_t *sinkstep = NULL;
  st = build_sink(a, step_schema(proj), r->table, key_none, sink, &sinkstep, err);
  append_step(&in->steps, sinkstep);
  return st;
}

/* GROUP BY (and aggregate calls without GROUP BY). */
static wy_status_t plan_aggregate(qa_t *a, wy_source_def_t **sink, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  const source_ref_t *r = &a->src[0];
  if (a->nsrc > 1) return wy_error_set(err, WY_ERR_UNSUPPORTED, "aggregations over joins are not supported yet");
  if (q->window && q->window->kind == WY_AST_WINDOW_SESSION)
    return wy_error_set(err, WY_ERR_UNSUPPORTED, "SESSION windows are not supported yet");
  if (q->window && r->table)
    return wy_error_set(err, WY_ERR_ANALYSIS, "WINDOW clause is only supported on streams.");
  if (q->window && q->emit == WY_AST_EMIT_FINAL)
    return wy_error_set(err, WY_ERR_UNSUPPORTED, "EMIT FINAL is not supported yet");
  if (strcmp(r->def->value_format.name, "KAFKA") == 0)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Source(s) %s are using the 'KAFKA' value format. This format does not yet support GROUP BY.",
                        r->def->name);
  bool any_agg = ast_has_aggregate(a, q->having);
  for (size_t i = 0; i < q->nitems; i++)
    if (q->items[i]->expr && ast_has_aggregate(a, q->items[i]->expr)) any_agg = true;
  if (q->has_group_by && !any_agg)
    return wy_error_set(err, WY_ERR_ANALYSIS, "GROUP BY requires aggregate functions in either the SELECT or HAVING clause.");
  a->ngroup = q->ngroup_by;
  a->group = (const wy_ast_expr_t **)q->group_by;
  if (!q->has_group_by || q->ngroup_by == 0) {
    /* ksqlDB first reports columns that are neither grouped nor aggregated. */
    wy_scope_t dummy;
    wy_scope_init(&dummy);
    proj_t p = {0};
    wy_status_t st = build_projection(a, &p, &dummy, agg_rewrite, err);
    proj_free(&p);
    wy_scope_clear(&dummy);
    if (st != WY_OK) return st;
    const char *first = NULL;
    for (size_t i = 0; i < q->nitems && !first; i++)
      if (q->items[i]->expr) first = find_aggregate_name(a, q->items[i]->expr);
    char call[256];
    if (first && strcasecmp(first, "COUNT") == 0) snprintf(call, sizeof call, "COUNT(ROWTIME)");
    else snprintf(call, sizeof call, "%s", first ? first : "?");
    return wy_error_set(err, WY_ERR_UNSUPPORTED,
                        "CREATE TABLE AS SELECT statement does not support aggregate function [%s] without a "
                        "GROUP BY clause.", call);
  }
  for (size_t i = 0; i < a->ngroup; i++) {
    const char *agg = find_aggregate_name(a, a->group[i]);
    if (agg)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "GROUP BY does not support aggregate functions: %s is an aggregate function.", agg);
    for (size_t j = 0; j < i; j++) {
      bool same = wy_ast_expr_equal(a->group[i], a->group[j]);
      if (!same && a->group[i]->kind == WY_AST_COLUMN && a->group[j]->kind == WY_AST_COLUMN) {
        wy_error_t ig;
        const wy_scope_col_t *x = wy_scope_resolve(&a->in_scope, a->group[i]->qualifier, a->group[i]->name, "", &ig);
        const wy_scope_col_t *y = wy_scope_resolve(&a->in_scope, a->group[j]->qualifier, a->group[j]->name, "", &ig);
        same = x && y && x->slot == y->slot;
      }
      if (same) {
        char *t = qualified_text(a, a->group[i]);
        wy_error_set(err, WY_ERR_ANALYSIS, "Duplicate GROUP BY expression: %s", t);
        free(t);
        return err->code;
      }
    }
  }
  /* Sub-topology 0: source -> WHERE -> group key -> repartition (unless keyed already). */
  wy_plan_input_t *in0 = &a->plan->subs[0].inputs[0];
  a->plan->subs[0].ninputs = 1;
  a->plan->nsubs = 1; /* owned by the plan from here on, also on errors */
  if (input_from_source(a, in0, r->def, err) != WY_OK) return err->code;
  wy_plan_step_t *where = NULL;
  if (where_step(a, &a->in_scope, &where, err) != WY_OK) return err->code;
  if (where) append_step(&in0->steps, where);

  bool keyed = !r->table && a->ngroup == wy_schema_count_ns(&r->def->schema, WY_NS_KEY);
  for (size_t i = 0; keyed && i < a->ngroup; i++) {
    int idx;
    keyed = is_key_ref(a, a->group[i], r, &idx) && idx == (int)i;
  }
  /* The aggregate's input row: group keys, then every source column (for the
   * aggregate arguments), then pseudo columns. */
  wy_plan_step_t *sk = step_new(WY_STEP_SELECT_KEY);
  if (!sk) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  append_step(&in0->steps, sk);
  sk->exprs = calloc(a->ngroup, sizeof *sk->exprs);
  sk->keep = calloc(r->def->schema.n + 1, sizeof *sk->keep);
  if (!sk->exprs || !sk->keep) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  int counter = 0;
  key_spec_t ks = {0};
  ks.kind_word = "grouping expression";
  for (size_t i = 0; i < a->ngroup; i++) {
    const wy_ast_expr_t *ge = a->group[i];
    wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "GROUP BY"};
    wy_expr_t *x = wy_convert_bind(&cx, ge, a->cx->registry, false, err);
    if (!x) return err->code;
    char name[256];
    if (ge->kind == WY_AST_COLUMN || ge->kind == WY_AST_DEREF) snprintf(name, sizeof name, "%s", ge->name);
    else snprintf(name, sizeof name, "KSQL_COL_%d", counter++);
    sk->exprs[i].name = strdup(name);
    sk->exprs[i].type = wy_type_ref(wy_expr_type(x));
    sk->exprs[i].prog = compile_bound(x, err);
    wy_expr_destroy(x);
    sk->nexprs++;
    if (!sk->exprs[i].prog) return err->code;
    wy_schema_add(&sk->out_schema, name, wy_type_ref(sk->exprs[i].type), WY_NS_KEY, NULL, err);
    ks.ast[i] = ge;
  }
  for (size_t c = 0; c < r->def->schema.n; c++) {
    const wy_column_t *col = &r->def->schema.cols[c];
    sk->keep[sk->nkeep++] = (int)c;
    char name[300];
    snprintf(name, sizeof name, "%s", col->name);
    if (wy_schema_find(&sk->out_schema, name) >= 0) snprintf(name, sizeof name, "%s_%zu", col->name, c);
    wy_schema_add(&sk->out_schema, name, wy_type_ref(col->type), WY_NS_VALUE, NULL, err);
  }
  sk->out_nkey = a->ngroup;
  sk->table_source = r->table;
  ks.n = a->ngroup;

  /* The aggregate's input scope: group key slots, then the source columns shifted. */
  wy_scope_t agg_in;
  wy_scope_init(&agg_in);
  for (size_t i = 0; i < a->in_scope.n; i++) {
    const wy_scope_col_t *c = &a->in_scope.cols[i];
    int slot = c->slot;
    if (c->pseudo) slot = (int)(a->ngroup + r->def->schema.n) + (slot - (int)r->def->schema.n);
    else slot = (int)a->ngroup + slot;
    wy_scope_add(&agg_in, c->source, c->alias, c->name, slot, wy_type_ref(c->type), c->is_key, c->pseudo,
                 c->header, err);
  }
  /* Swap scopes: aggregate arguments and group expressions resolve against agg_in. */
  wy_scope_t saved = a->in_scope;
  a->in_scope = agg_in;

  wy_plan_input_t *in1 = in0;
  wy_plan_step_t *rp = NULL;
  if (!keyed) {
    rp = step_new(WY_STEP_REPARTITION);
    if (!rp) {
      a->in_scope = saved;
      wy_scope_clear(&agg_in);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    rp->topic = internal_topic(a, "Aggregate-GroupBy-repartition");
    const char *dk = prop(a, "ksql.persistence.default.format.key");
    wy_format_spec_init(&rp->key_format, r->def->key_format.name[0] && strcmp(r->def->key_format.name, "NONE")
                                              ? r->def->key_format.name
                                              : (dk && *dk ? dk : "KAFKA"));
    rp->key_format.delimiter = r->def->key_format.delimiter;
    append_step(&in0->steps, rp);
    a->plan->internal_topics[a->plan->ninternal++] = strdup(rp->topic);
    /* Sub-topology 1 reads the repartition topic. */
    in1 = &a->plan->subs[1].inputs[0];
    memset(in1, 0, sizeof *in1);
    a->plan->subs[1].ninputs = 1;
    a->plan->nsubs = 2;
    in1->topic = strdup(rp->topic);
    wy_schema_copy(&in1->schema, &sk->out_schema, err);
    in1->nkey = a->ngroup;
    in1->key_format = rp->key_format;
    wy_format_spec_init(&in1->value_format, "INTERNAL");
    in1->timestamp_slot = -1;
  } else {
    a->plan->nsubs = 1;
  }

  /* SELECT and HAVING over the aggregate row: [group keys][aggregates][pseudo]. */
  wy_scope_t dummy;
  wy_scope_init(&dummy);
  proj_t p = {0};
  wy_status_t st = build_projection(a, &p, &dummy, agg_rewrite, err);
  wy_plan_step_t *having = NULL;
  if (st == WY_OK && q->having) {
    wy_convert_ctx_t cx = {.scope = &dummy, .catalog = a->cx->catalog, .clause = "HAVING",
                           .rewrite = agg_rewrite, .user = a};
    wy_expr_t *x = wy_convert_expr(&cx, q->having, err);
    if (!x) st = err->code;
    else if (a->non_agg_cols.n) {
      char list[1024];
      join_words(&a->non_agg_cols, list, sizeof list, ", ");
      st = wy_error_set(err, WY_ERR_ANALYSIS, "Non-aggregate HAVING expression not part of GROUP BY: %s", list);
    } else if (wy_expr_bind(x, a->cx->registry, false, err) != WY_OK) {
      wy_error_prefix(err, "Error in HAVING expression");
      st = err->code;
    } else if (wy_expr_check_boolean(x, err) != WY_OK) {
      wy_error_prefix(err, "Type error in HAVING expression");
      st = err->code;
    } else {
      having = step_new(WY_STEP_FILTER);
      if (!having || !(having->predicate = compile_bound(x, err))) st = err->code ? err->code : WY_ERR_NOMEM;
    }
    wy_expr_destroy(x);
  }
  int key_item[16];
  if (st == WY_OK) {
    /* Projection items that are exactly a GROUP BY expression are key columns. */
    for (size_t i = 0; i < p.n; i++) p.items[i].col = NULL;
    st = assign_keys(a, &p, &ks, key_item, err);
  }
  wy_plan_step_t *agg = NULL;
  strlist_t no_undo = {0};
  if (st == WY_OK) {
    agg = step_new(WY_STEP_AGGREGATE);
    if (!agg) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  if (st == WY_OK) {
    agg->table_source = r->table;
    agg->aggs = calloc(a->naggs ? a->naggs : 1, sizeof *agg->aggs);
    if (!agg->aggs) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == WY_OK && i < a->naggs; i++) {
      wy_plan_agg_t *pa = &agg->aggs[agg->naggs++];
      wy_expr_t *call = a->aggs[i].bound;
      pa->text = expr_text(a->aggs[i].call);
      size_t nargs = wy_expr_child_count(call);
      wy_call_arg_t args[16];
      const wy_type_t *argt[16];
      for (size_t j = 0; j < nargs && j < 16; j++) {
        wy_expr_t *c = wy_expr_child(call, j);
        args[j].type = wy_expr_type(c);
        args[j].literal = wy_expr_literal_value(c);
        args[j].lambda_arity = 0;
        argt[j] = args[j].type;
      }
      if (wy_registry_resolve(a->cx->registry, wy_expr_name(call), args, nargs, true, NULL, NULL,
                              &pa->resolved, err) != WY_OK) {
        st = err->code;
        break;
      }
      pa->ops = pa->resolved.ov->agg;
      if (r->table && pa->ops && !pa->ops->undo && !strlist_has(&no_undo, wy_expr_name(call)))
        strlist_add(&no_undo, wy_expr_name(call));
      pa->acc_type = pa->ops->acc_type(argt, nargs);
      pa->args = calloc(nargs ? nargs : 1, sizeof *pa->args);
      pa->nargs = nargs;
      for (size_t j = 0; j < nargs && st == WY_OK; j++)
        if (!(pa->args[j] = compile_bound(wy_expr_child(call, j), err))) st = err->code;
    }
    if (st == WY_OK && no_undo.n) {
      char list[512];
      join_words(&no_undo, list, sizeof list, " and ");
      st = wy_error_set(err, WY_ERR_ANALYSIS,
                        "The aggregation function%s %s cannot be applied to a table source, only to a stream source.",
                        no_undo.n > 1 ? "s" : "", list);
    }
    /* the aggregate row's schema (for EXPLAIN) */
    for (size_t i = 0; st == WY_OK && i < a->ngroup; i++)
      wy_schema_add(&agg->out_schema, sk->out_schema.cols[i].name, wy_type_ref(sk->out_schema.cols[i].type),
                    WY_NS_KEY, NULL, err);
    for (size_t i = 0; st == WY_OK && i < agg->naggs; i++) {
      char name[48];
      snprintf(name, sizeof name, "KSQL_AGG_VARIABLE_%zu", i);
      wy_schema_add(&agg->out_schema, name, wy_type_ref(wy_expr_type(a->aggs[i].bound)), WY_NS_VALUE,
                    NULL, err);
    }
    agg->out_nkey = a->ngroup;
    if (q->window) {
      agg->window_size = wy_ast_duration_ms(&q->window->size);
      agg->window_advance = q->window->kind == WY_AST_WINDOW_HOPPING ? wy_ast_duration_ms(&q->window->advance) : 0;
      /* ksqlDB's default grace period is 24 hours */
      agg->window_grace = q->window->grace.set ? wy_ast_duration_ms(&q->window->grace) : 24LL * 3600 * 1000;
      if (agg->window_size <= 0 || (q->window->kind == WY_AST_WINDOW_HOPPING && agg->window_advance <= 0))
        st = wy_error_set(err, WY_ERR_ANALYSIS, "Window size and advance must be positive");
      else if (agg->window_advance > agg->window_size)
        st = wy_error_set(err, WY_ERR_ANALYSIS,
                          "Window advance interval should be more than zero and less than or equal to window size");
    }
  }
  strlist_free(&no_undo);
  wy_plan_step_t *proj = NULL;
  if (st == WY_OK) st = project_step(a, &p, key_item, ks.n, &proj, err);
  proj_free(&p);
  wy_scope_clear(&dummy);
  a->in_scope = saved;
  wy_scope_clear(&agg_in);
  if (st != WY_OK) {
    wy_plan_step_destroy(agg);
    wy_plan_step_destroy(having);
    return st;
  }
  append_step(&in1->steps, agg);
  if (having) append_step(&in1->steps, having);
  append_step(&in1->steps, proj);
  wy_plan_step_t *sinkstep = NULL;
  st = build_sink(a, step_schema(proj), true, false, sink, &sinkstep, err);
  append_step(&in1->steps, sinkstep);
  if (st == WY_OK && q->window && *sink) {
    (*sink)->window = q->window->kind == WY_AST_WINDOW_HOPPING ? WY_WINDOW_HOPPING : WY_WINDOW_TUMBLING;
    (*sink)->window_size_ms = wy_ast_duration_ms(&q->window->size);
  }
  /* The repartition topic carries the key in the sink's key format, which can hold the
   * grouping columns (the source's might not, e.g. KAFKA with several columns). */
  if (st == WY_OK && rp && sinkstep) {
    rp->key_format = sinkstep->key_format;
    rp->key_format.schema_id = -1;
    in1->key_format = rp->key_format;
  }
  return st;
}

/* A join side re-keyed by its join expression: SELECT_KEY + REPARTITION in a
 * sub-topology of its own; the join reads the repartition topic. */
static wy_status_t rekey_side(qa_t *a, const source_ref_t *r, const wy_ast_expr_t *side, const wy_type_t *key_type,
                              const wy_format_spec_t *key_format, const char *suffix, wy_plan_input_t *join_in,
                              wy_error_t *err) {
  size_t si = a->plan->nsubs++;
  wy_plan_input_t *src = &a->plan->subs[si].inputs[0];
  a->plan->subs[si].ninputs = 1;
  if (input_from_source(a, src, r->def, err) != WY_OK) return err->code;
  wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "JOIN"};
  wy_expr_t *x = wy_convert_bind(&cx, side, a->cx->registry, false, err);
  if (!x) return err->code;
  /* the expression is over the joined scope: rebase it onto this side's own row */
  wy_expr_destroy(x);
  wy_scope_t own;
  wy_scope_init(&own);
  for (size_t i = 0; i < a->in_scope.n; i++) {
    const wy_scope_col_t *c = &a->in_scope.cols[i];
    if (c->slot < r->base || c->slot >= r->base + (int)r->def->schema.n + 3) continue;
    wy_scope_add(&own, c->source, c->alias, c->name, c->slot - r->base, wy_type_ref(c->type), c->is_key, c->pseudo,
                 c->header, err);
  }
  wy_convert_ctx_t ocx = {.scope = &own, .catalog = a->cx->catalog, .clause = "JOIN"};
  x = wy_convert_bind(&ocx, side, a->cx->registry, false, err);
  wy_scope_clear(&own);
  if (!x) return err->code;
  wy_plan_step_t *sk = step_new(WY_STEP_SELECT_KEY), *rp = step_new(WY_STEP_REPARTITION);
  if (!sk || !rp) {
    wy_expr_destroy(x);
    wy_plan_step_destroy(sk);
    wy_plan_step_destroy(rp);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  append_step(&src->steps, sk);
  append_step(&src->steps, rp);
  sk->exprs = calloc(1, sizeof *sk->exprs);
  sk->keep = calloc(r->def->schema.n + 1, sizeof *sk->keep);
  sk->exprs[0].name = strdup("KSQL_JOIN_KEY");
  sk->exprs[0].type = wy_type_ref(key_type);
  sk->exprs[0].prog = compile_bound(x, err);
  wy_expr_destroy(x);
  sk->nexprs = 1;
  if (!sk->exprs[0].prog) return err->code;
  wy_schema_add(&sk->out_schema, "KSQL_JOIN_KEY", wy_type_ref(key_type), WY_NS_KEY, NULL, err);
  for (size_t c = 0; c < r->def->schema.n; c++) {
    sk->keep[sk->nkeep++] = (int)c;
    wy_schema_add(&sk->out_schema, r->def->schema.cols[c].name, wy_type_ref(r->def->schema.cols[c].type),
                  WY_NS_VALUE, NULL, err);
  }
  sk->out_nkey = 1;
  rp->topic = internal_topic(a, suffix);
  rp->key_format = *key_format;
  rp->key_format.schema_id = -1;
  if (!strcmp(rp->key_format.name, "NONE") || !rp->key_format.name[0]) wy_format_spec_init(&rp->key_format, "JSON");
  a->plan->internal_topics[a->plan->ninternal++] = strdup(rp->topic);
  memset(join_in, 0, sizeof *join_in);
  join_in->topic = strdup(rp->topic);
  join_in->source_name = NULL;
  wy_schema_copy(&join_in->schema, &sk->out_schema, err);
  join_in->nkey = 1;
  join_in->key_format = rp->key_format;
  wy_format_spec_init(&join_in->value_format, "INTERNAL");
  join_in->timestamp_slot = -1;
  return WY_OK;
}

static bool side_is_plain_column(qa_t *a, const wy_ast_expr_t *e) {
  if (e->kind != WY_AST_COLUMN) return false;
  wy_error_t ig;
  const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig);
  return c && !c->pseudo;
}

/* Joins of two sources: stream-table (INNER, LEFT), table-table on primary keys (all
 * kinds), stream-stream within a window (all kinds). */
static wy_status_t plan_join(qa_t *a, wy_source_def_t **sink, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  const wy_ast_join_t *j = q->joins[0];
  source_ref_t *L = &a->src[0], *R = &a->src[1];
  bool ss = !L->table && !R->table, tt = L->table && R->table;
  {
    strlist_t kafka = {0};
    for (size_t i = 0; i < 2; i++)
      if (!strcmp(a->src[i].def->value_format.name, "KAFKA")) strlist_add(&kafka, a->src[i].def->name);
    if (kafka.n) {
      char list[512];
      join_words(&kafka, list, sizeof list, ", ");
      strlist_free(&kafka);
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.", list);
    }
  }
  if (L->def->window != WY_WINDOW_NONE || R->def->window != WY_WINDOW_NONE) {
    if ((L->def->window == WY_WINDOW_NONE) != (R->def->window == WY_WINDOW_NONE))
      return wy_error_set(err, WY_ERR_ANALYSIS, "Can not join windowed source to non-windowed source.");
    return wy_error_set(err, WY_ERR_UNSUPPORTED, "joins of windowed sources are not supported yet");
  }
  if (L->table && !R->table)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s %s JOIN %s.",
                        L->def->name, j->kind == WY_AST_JOIN_LEFT ? "LEFT" : "INNER", R->def->name);
  if (!L->table && R->table && (j->kind == WY_AST_JOIN_RIGHT || j->kind == WY_AST_JOIN_FULL))
    return wy_error_set(err, WY_ERR_ANALYSIS, "Invalid join type: %s join not supported for stream-table join. Got %s %s JOIN %s.",
                        j->kind == WY_AST_JOIN_FULL ? "full-outer" : "right", L->def->name,
                        j->kind == WY_AST_JOIN_FULL ? "FULL OUTER" : "RIGHT", R->def->name);
  if (ss && !j->before.set)
    return wy_error_set_pos(err, WY_ERR_ANALYSIS, j->pos.line, j->pos.column,
                            "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn "
                            "about how to specify a WITHIN clause with a stream-stream join, please visit: "
                            "https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select");
  join_cond_t jc = {{NULL, NULL}};
  if (split_join(a, j, &jc, err) != WY_OK) return err->code;
  int lk = -1, rk = -1;
  bool left_keyed = is_key_ref(a, jc.side[0], L, &lk) && wy_schema_count_ns(&L->def->schema, WY_NS_KEY) == 1;
  bool right_keyed = is_key_ref(a, jc.side[1], R, &rk) && wy_schema_count_ns(&R->def->schema, WY_NS_KEY) == 1;
  if (R->table && !right_keyed) {
    wy_error_t ig;
    const wy_scope_col_t *lc = jc.side[0]->kind == WY_AST_COLUMN
        ? wy_scope_resolve(&a->in_scope, jc.side[0]->qualifier, jc.side[0]->name, "", &ig) : NULL;
    const wy_scope_col_t *rc = jc.side[1]->kind == WY_AST_COLUMN
        ? wy_scope_resolve(&a->in_scope, jc.side[1]->qualifier, jc.side[1]->name, "", &ig) : NULL;
    if (lc && rc)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Invalid join condition: %s-table joins require to join on the table's primary key. Got %s.%s = %s.%s.",
                          L->table ? "table" : "stream", lc->source, lc->name, rc->source, rc->name);
    char *l = expr_text(jc.side[0]), *r = expr_text(jc.side[1]);
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "Invalid join condition: stream-table joins require to join on the table's primary key. Got %s = %s.", l, r);
    free(l);
    free(r);
    return err->code;
  }
  if (tt && !left_keyed)
    return wy_error_set(err, WY_ERR_UNSUPPORTED, "foreign-key table-table joins are not supported yet");
  /* Both sides' key types must match. */
  wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "JOIN"};
  wy_expr_t *lx = wy_convert_bind(&cx, jc.side[0], a->cx->registry, false, err);
  if (!lx) return err->code;
  wy_expr_t *rx = wy_convert_bind(&cx, jc.side[1], a->cx->registry, false, err);
  if (!rx) {
    wy_expr_destroy(lx);
    return err->code;
  }
  const wy_type_t *key_type = wy_type_ref(wy_expr_type(rx));
  if (!wy_type_equal(wy_expr_type(lx), wy_expr_type(rx))) {
    char lt[128], rt[128];
    wy_type_format(wy_expr_type(lx), lt, sizeof lt);
    wy_type_format(wy_expr_type(rx), rt, sizeof rt);
    char *l = expr_text(jc.side[0]), *r = expr_text(jc.side[1]);
    wy_error_set(err, WY_ERR_ANALYSIS, "Invalid join condition: types don't match. Got %s{%s} = %s{%s}.", l, lt, r, rt);
    free(l);
    free(r);
    wy_expr_destroy(lx);
    wy_expr_destroy(rx);
    wy_type_unref(key_type);
    return err->code;
  }
  wy_expr_destroy(lx);
  wy_expr_destroy(rx);

  /* The join sub-topology is subs[0]; re-keying sub-topologies follow. */
  a->plan->nsubs = 1;
  wy_subtopology_t *jsub = &a->plan->subs[0];
  jsub->ninputs = 2;
  wy_status_t st = WY_OK;
  const wy_format_spec_t *kf = R->table ? &R->def->key_format : &L->def->key_format;
  for (int side = 0; side < 2 && st == WY_OK; side++) {
    const source_ref_t *r = &a->src[side];
    bool keyed = side == 0 ? left_keyed : right_keyed;
    if (keyed || r->table) st = input_from_source(a, &jsub->inputs[side], r->def, err);
    else st = rekey_side(a, r, jc.side[side], key_type, kf, side == 0 ? "Join-left-repartition" : "Join-right-repartition",
                         &jsub->inputs[side], err);
  }
  if (st != WY_OK) {
    wy_type_unref(key_type);
    return st;
  }
  bool left_outer = j->kind == WY_AST_JOIN_LEFT || j->kind == WY_AST_JOIN_FULL;
  bool right_outer = j->kind == WY_AST_JOIN_RIGHT || j->kind == WY_AST_JOIN_FULL;
  for (int side = 0; side < 2; side++) {
    if (!ss && !tt && side == 1) break; /* stream-table: the table only materializes */
    wy_plan_step_t *x = step_new(WY_STEP_JOIN);
    if (!x) {
      wy_type_unref(key_type);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    x->other_input = 1 - side;
    x->this_is_left = side == 0;
    x->left_outer = left_outer;
    x->right_outer = right_outer;
    x->emit_on_update = tt;
    x->windowed = ss;
    x->nkeep = jsub->inputs[side].source_name ? 0 : 1; /* re-keyed rows carry the key in slot 0 */
    if (ss) {
      int64_t before = wy_ast_duration_ms(&j->before);
      int64_t after = j->after.set ? wy_ast_duration_ms(&j->after) : before;
      /* a left record at t matches right records in [t - before, t + after] */
      x->window_before = side == 0 ? before : after;
      x->window_after = side == 0 ? after : before;
    }
    if (jsub->inputs[side].source_name) {
      /* keyed by the key column: the key is in its key slot */
      int idx = side == 0 ? lk : rk;
      x->key_slot = idx;
    } else {
      x->key_slot = 0;
    }
    append_step(&jsub->inputs[side].steps, x);
  }
  /* Key of the result: the plain-column side of the condition, else a synthetic ROWKEY. */
  bool synthetic = j->kind == WY_AST_JOIN_FULL ||
                   (!side_is_plain_column(a, jc.side[0]) && !side_is_plain_column(a, jc.side[1]));
  if (synthetic)
    wy_scope_add(&a->in_scope, "", "", "ROWKEY", a->in_width, wy_type_ref(key_type), true, false, false, err);
  wy_plan_step_t *where = NULL;
  if (where_step(a, &a->in_scope, &where, err) != WY_OK) {
    wy_type_unref(key_type);
    return err->code;
  }
  key_spec_t ks = {0};
  ks.n = 1;
  ks.kind_word = "join expression";
  if (synthetic) {
    ks.slot[0] = a->in_width;
    ks.synthetic = true;
  } else if (side_is_plain_column(a, jc.side[0])) {
    ks.ast[0] = jc.side[0];
    if (side_is_plain_column(a, jc.side[1])) ks.alt[0] = jc.side[1];
  } else {
    ks.ast[0] = jc.side[1];
  }
  proj_t p = {0};
  int key_item[16];
  st = build_projection(a, &p, &a->in_scope, NULL, err);
  if (st == WY_OK) st = assign_keys(a, &p, &ks, key_item, err);
  wy_plan_step_t *proj = NULL;
  if (st == WY_OK) st = project_step(a, &p, key_item, 1, &proj, err);
  proj_free(&p);
  wy_type_unref(key_type);
  if (st != WY_OK) {
    wy_plan_step_destroy(where);
    return st;
  }
  wy_plan_step_t *sinkstep = NULL;
  st = build_sink(a, step_schema(proj), tt, false, sink, &sinkstep, err);
  if (where) append_step(&jsub->inputs[0].steps, where);
  append_step(&jsub->inputs[0].steps, proj);
  append_step(&jsub->inputs[0].steps, sinkstep);
  return st;
}

/* ---- entry ------------------------------------------------------------------------- */

wy_status_t wy_analyze_query(const wy_analyzer_ctx_t *cx, const wy_ast_stmt_t *s, wy_plan_t **plan_out,
                             wy_source_def_t **sink, wy_error_t *err) {
  *plan_out = NULL;
  *sink = NULL;
  qa_t a;
  memset(&a, 0, sizeof a);
  a.cx = cx;
  a.stmt = s;
  a.q = s->query;
  wy_scope_init(&a.in_scope);
  const char *sid = cx->property ? cx->property(cx->user, "ksql.service.id") : NULL;
  snprintf(a.service_id, sizeof a.service_id, "%s", sid ? sid : "default_");
  a.plan = calloc(1, sizeof *a.plan);
  if (!a.plan) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  set_query_id(&a);
  wy_status_t st = WY_OK;
  const wy_ast_query_t *q = a.q;
  if (!q || !q->from) st = wy_error_set(err, WY_ERR_ANALYSIS, "query has no FROM clause");
  if (st == WY_OK && q->njoins > 1)
    st = wy_error_set(err, WY_ERR_UNSUPPORTED, "N-way joins are not supported yet");
  if (st == WY_OK) st = resolve_relation(&a, q->from, &a.src[0], err);
  a.nsrc = 1;
  if (st == WY_OK) st = add_source_to_scope(&a, &a.src[0], 0, err);
  a.in_width = st == WY_OK ? (int)a.src[0].def->schema.n + NPSEUDO : 0;
  if (st == WY_OK && q->njoins == 1) {
    st = resolve_relation(&a, q->joins[0]->right, &a.src[1], err);
    if (st == WY_OK) {
      a.nsrc = 2;
      a.joined = true;
      a.in_scope.joined = true;
      st = add_source_to_scope(&a, &a.src[1], a.in_width, err);
      a.in_width += (int)a.src[1].def->schema.n + NPSEUDO;
    }
  }
  if (st == WY_OK) {
    for (size_t i = 0; i < a.nsrc; i++) {
      char *srcs[2] = {NULL, NULL};
      (void)srcs;
      a.plan->source_topics[a.plan->nsource_topics++] = strdup(a.src[i].def->topic);
    }
    bool has_agg = false;
    for (size_t i = 0; i < q->nitems; i++)
      if (q->items[i]->expr && ast_has_aggregate(&a, q->items[i]->expr)) has_agg = true;
    a.aggregate = q->has_group_by || has_agg;
    if (a.aggregate && q->has_partition_by)
      st = wy_error_set(err, WY_ERR_ANALYSIS, "PARTITION BY and GROUP BY in the same query are not supported.");
    else if (a.aggregate)
      st = plan_aggregate(&a, sink, err);
    else if (a.joined)
      st = plan_join(&a, sink, err);
    else if (q->window)
      st = wy_error_set(err, WY_ERR_ANALYSIS, "WINDOW clause requires a GROUP BY clause.");
    else
      st = plan_simple(&a, sink, err);
  }
  if (st == WY_OK) {
    /* query-wide dependencies: what decides whether and where a row goes */
    for (size_t i = 0; i < a.nsrc; i++) a.plan->source_names[i] = strdup(a.src[i].def->name);
    lineage_indirect(&a, q->where, WY_LINEAGE_FILTER);
    if (q->njoins) lineage_indirect(&a, q->joins[0]->on, WY_LINEAGE_JOIN);
    for (size_t i = 0; i < q->ngroup_by; i++) lineage_indirect(&a, q->group_by[i], WY_LINEAGE_GROUP_BY);
    lineage_indirect(&a, q->having, WY_LINEAGE_FILTER);
  }
  for (size_t i = 0; i < a.naggs; i++) wy_expr_destroy(a.aggs[i].bound);
  strlist_free(&a.non_agg_cols);
  wy_scope_clear(&a.in_scope);
  if (st != WY_OK) {
    wy_plan_destroy(a.plan);
    wy_source_def_destroy(*sink);
    *sink = NULL;
    return st;
  }
  *plan_out = a.plan;
  return WY_OK;
}
