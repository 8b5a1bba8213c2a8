/* aggregate.c — GROUP BY: the group keys, the aggregate calls, HAVING and windows
 * (query_int.h). The aggregate row is [group keys][WINDOWSTART][WINDOWEND][one column
 * per aggregate call]; SELECT and HAVING are rewritten over it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/analyzer/query_int.h"
#include "engine/base/limits.h"

/* Slots of the aggregate row after the group keys. */
#define AGG_WINDOW_START 0
#define AGG_WINDOW_END 1
#define AGG_FIRST_CALL 2

static bool is_aggregate_name(const wy_qa_t *a, const char *name) {
  const wy_function_t *f = wy_registry_find(a->cx->registry, name);
  return f && (f->flags & WY_FN_AGGREGATE);
}

bool wy_analyze_has_aggregate(const wy_qa_t *a, const wy_ast_expr_t *e) {
  if (!e) return false;
  if (e->kind == WY_AST_CALL && is_aggregate_name(a, e->name)) return true;
  for (size_t i = 0; i < e->nargs; i++)
    if (wy_analyze_has_aggregate(a, e->args[i])) return true;
  return false;
}

static const char *find_aggregate_name(const wy_qa_t *a, const wy_ast_expr_t *e) {
  if (!e) return NULL;
  if (e->kind == WY_AST_CALL && is_aggregate_name(a, e->name)) return e->name;
  for (size_t i = 0; i < e->nargs; i++) {
    const char *n = find_aggregate_name(a, e->args[i]);
    if (n) return n;
  }
  return NULL;
}

static bool is_window_bound(const wy_ast_expr_t *e) {
  return e && e->kind == WY_AST_COLUMN &&
         (!strcmp(e->name, "WINDOWSTART") || !strcmp(e->name, "WINDOWEND"));
}

/* The first window bound column under e (only inside aggregate calls when agg_only). */
static const wy_ast_expr_t *find_window_bound(const wy_qa_t *a, const wy_ast_expr_t *e,
                                              bool agg_only, bool in_agg) {
  if (!e) return NULL;
  if (is_window_bound(e) && (in_agg || !agg_only)) return e;
  bool agg = in_agg || (e->kind == WY_AST_CALL && is_aggregate_name(a, e->name));
  for (size_t i = 0; i < e->nargs; i++) {
    const wy_ast_expr_t *b = find_window_bound(a, e->args[i], agg_only, agg);
    if (b) return b;
  }
  return NULL;
}

/* A windowed aggregation's bounds exist only in its result: ksqlDB refuses them in its
 * aggregate calls, WHERE, GROUP BY and HAVING, in that order. */
static wy_status_t check_window_bounds(const wy_qa_t *a, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  if (!q->window) return WY_OK;
  const wy_ast_expr_t *b = NULL;
  for (size_t i = 0; !b && i < q->nitems; i++)
    b = find_window_bound(a, q->items[i]->expr, true, false);
  if (!b) b = find_window_bound(a, q->where, false, false);
  for (size_t i = 0; !b && i < q->ngroup_by; i++)
    b = find_window_bound(a, q->group_by[i], false, false);
  if (!b) b = find_window_bound(a, q->having, false, false);
  if (!b) return WY_OK;
  return wy_error_set_pos(err, WY_ERR_ANALYSIS, b->pos.line, b->pos.column,
                          "Window bounds column %s can only be used in the SELECT clause of "
                          "windowed aggregations and can not be passed to aggregate functions.\n"
                          "See https://github.com/confluentinc/ksql/issues/4397",
                          b->name);
}

/* The index of an aggregate call among the query's, added when new. */
static wy_status_t agg_index(wy_qa_t *a, const wy_ast_expr_t *e, size_t *idx, wy_error_t *err) {
  for (size_t i = 0; i < a->naggs; i++)
    if (wy_ast_expr_equal(e, a->aggs[i].call)) return *idx = i, WY_OK;
  if (wy_limit_check(err, WY_LIMIT_AGGREGATES, "The query", a->naggs + 1, e->pos.line,
                     e->pos.column) != WY_OK)
    return err->code;
  if (a->naggs == a->aggs_cap) {
    size_t cap = a->aggs_cap ? a->aggs_cap * 2 : 8;
    wy_agg_info_t *g = realloc(a->aggs, cap * sizeof *g);
    if (!g) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    a->aggs = g;
    a->aggs_cap = cap;
  }
  /* Arguments are evaluated over the input row. */
  wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "SELECT"};
  wy_expr_t *call = wy_convert_expr(&cx, e, err);
  if (!call) return err->code;
  if (wy_expr_bind(call, a->cx->registry, true, err) != WY_OK) {
    wy_expr_destroy(call);
    return err->code;
  }
  a->aggs[a->naggs] = (wy_agg_info_t){e, call};
  *idx = a->naggs++;
  return WY_OK;
}

/* SELECT and HAVING over the aggregate row: GROUP BY expressions become its key columns,
 * aggregate calls its result columns, WINDOWSTART/WINDOWEND its window bounds; any other
 * column is an error, collected to report them all. */
/* The text of e as ksqlDB names it over a join, where the joined row calls a source's
 * column <alias>_<column>: SUM(I1.BAR) is SUM(I1_BAR). Outside quoted text only. */
static char *joined_text(const wy_qa_t *a, const wy_ast_expr_t *e) {
  char *text = wy_analyze_expr_text(e);
  char quote = 0;
  for (char *p = text; p && *p; p++) {
    if (quote) {
      if (*p == quote) quote = 0;
      continue;
    }
    if (*p == '\'' || *p == '"' || *p == '`') {
      quote = *p;
      continue;
    }
    if (p != text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
    for (size_t i = 0; i < a->nsrc; i++) {
      size_t n = strlen(a->src[i].alias);
      if (n && strncmp(p, a->src[i].alias, n) == 0 && p[n] == '.') {
        p[n] = '_';
        p += n;
        break;
      }
    }
  }
  return text;
}

static wy_expr_t *agg_rewrite(void *user, const wy_ast_expr_t *e, bool *handled, wy_error_t *err) {
  wy_qa_t *a = user;
  for (size_t i = 0; i < a->ngroup; i++) {
    if (wy_ast_expr_equal(e, a->group[i])) {
      *handled = true;
      /* Type: convert + bind the group expression in the input scope. */
      wy_convert_ctx_t cx = {
          .scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "GROUP BY"};
      wy_expr_t *g = wy_convert_bind(&cx, a->group[i], a->cx->registry, false, err);
      if (!g) return NULL;
      const wy_type_t *t = wy_type_ref(wy_expr_type(g));
      wy_expr_destroy(g);
      char *text = wy_analyze_expr_text(e);
      wy_expr_t *col = wy_expr_column(text, (int)i, t, e->pos.line, e->pos.column);
      free(text);
      return col;
    }
  }
  if (e->kind == WY_AST_CALL && is_aggregate_name(a, e->name)) {
    *handled = true;
    size_t idx = 0;
    if (agg_index(a, e, &idx, err) != WY_OK) return NULL;
    char *text = a->joined ? joined_text(a, e) : wy_analyze_expr_text(e);
    wy_expr_t *col =
        wy_expr_column(text, (int)(a->ngroup + AGG_FIRST_CALL + idx),
                       wy_type_ref(wy_expr_type(a->aggs[idx].bound)), e->pos.line, e->pos.column);
    free(text);
    return col;
  }
  if (a->q->window && is_window_bound(e) &&
      (!e->qualifier || !strcmp(e->qualifier, a->src[0].alias) ||
       !strcmp(e->qualifier, a->src[0].def->name))) {
    *handled = true;
    if (a->joined) /* ksqlDB's aggregations over joins know no window bounds (ksql#5931) */
      return wy_error_set_pos(err, WY_ERR_ANALYSIS, e->pos.line, e->pos.column,
                              "SELECT column '%s' cannot be resolved.", e->name),
             NULL;
    int slot =
        (int)a->ngroup + (strcmp(e->name, "WINDOWEND") == 0 ? AGG_WINDOW_END : AGG_WINDOW_START);
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
    if (a->in_having && !wy_strlist_has(&a->non_agg_cols, e->name) &&
        !wy_strlist_add(&a->non_agg_cols, e->name))
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory"), NULL;
    /* Keep going to collect every offender: return a NULL literal placeholder. */
    wy_value_t v = wy_null(WY_T_STRING);
    return wy_expr_literal(&v, NULL, e->pos.line, e->pos.column);
  }
  *handled = false;
  return NULL;
}

typedef struct {
  const wy_registry_t *registry;
  const wy_ast_expr_t *call; /* the first call of an unknown function */
} unknown_fn_t;

static bool find_unknown_fn(const wy_ast_expr_t *e, void *ud) {
  unknown_fn_t *u = ud;
  if (e->kind == WY_AST_CALL && !wy_registry_find(u->registry, e->name)) {
    u->call = e;
    return false;
  }
  return true;
}

/* ksqlDB's checks before anything is built; the caller has no GROUP BY when *done.
 * in_table: the aggregated rows are a table's (a table, or tables joined). */
static wy_status_t check_grouping(wy_qa_t *a, const wy_source_ref_t *r, bool in_table,
                                  wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  if (q->window && in_table)
    return wy_error_set(err, WY_ERR_ANALYSIS, "WINDOW clause is only supported on streams.");
  if (!a->joined && strcmp(r->def->value_format.name, "KAFKA") == 0)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Source(s) %s are using the 'KAFKA' value format. This format does not yet "
                        "support GROUP BY.",
                        r->def->name);
  /* ksqlDB resolves every function before it looks at the grouping */
  unknown_fn_t u = {a->cx->registry, NULL};
  for (size_t i = 0; i < q->nitems && !u.call; i++)
    if (q->items[i]->expr) wy_ast_expr_walk(q->items[i]->expr, find_unknown_fn, &u);
  if (!u.call && q->having) wy_ast_expr_walk(q->having, find_unknown_fn, &u);
  if (u.call)
    return wy_error_set_pos(err, WY_ERR_ANALYSIS, u.call->pos.line, u.call->pos.column,
                            "Can't find any functions with the name '%s'", u.call->name);
  bool any_agg = wy_analyze_has_aggregate(a, q->having);
  for (size_t i = 0; i < q->nitems; i++)
    if (q->items[i]->expr && wy_analyze_has_aggregate(a, q->items[i]->expr)) any_agg = true;
  if (q->has_group_by && !any_agg)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "GROUP BY requires aggregate functions in either the SELECT or HAVING clause.");
  a->ngroup = q->ngroup_by;
  a->group = (const wy_ast_expr_t **)q->group_by;
  if (!q->has_group_by || q->ngroup_by == 0) {
    /* ksqlDB first reports columns that are neither grouped nor aggregated. */
    wy_scope_t dummy;
    wy_scope_init(&dummy);
    wy_proj_t p = {0};
    wy_status_t st = wy_analyze_projection(a, &p, &dummy, agg_rewrite, err);
    wy_proj_free(&p);
    wy_scope_clear(&dummy);
    if (st != WY_OK) return st;
    const char *first = NULL;
    for (size_t i = 0; i < q->nitems && !first; i++)
      if (q->items[i]->expr) first = find_aggregate_name(a, q->items[i]->expr);
    char call[256];
    if (first && strcasecmp(first, "COUNT") == 0)
      snprintf(call, sizeof call, "COUNT(ROWTIME)");
    else
      snprintf(call, sizeof call, "%s", first ? first : "?");
    return wy_error_set(
        err, WY_ERR_UNSUPPORTED,
        "CREATE TABLE AS SELECT statement does not support aggregate function [%s] without a "
        "GROUP BY clause.",
        call);
  }
  const wy_ast_expr_t *g0 = a->group[0];
  if (wy_limit_check(err, WY_LIMIT_KEY_COLUMNS, "GROUP BY", a->ngroup, g0->pos.line,
                     g0->pos.column) != WY_OK)
    return err->code;
  for (size_t i = 0; i < a->ngroup; i++) {
    const char *agg = find_aggregate_name(a, a->group[i]);
    if (agg)
      return wy_error_set(
          err, WY_ERR_ANALYSIS,
          "GROUP BY does not support aggregate functions: %s is an aggregate function.", agg);
    for (size_t j = 0; j < i; j++) {
      bool same = wy_ast_expr_equal(a->group[i], a->group[j]);
      if (!same && a->group[i]->kind == WY_AST_COLUMN && a->group[j]->kind == WY_AST_COLUMN) {
        wy_error_t ig;
        const wy_scope_col_t *x =
            wy_scope_resolve(&a->in_scope, a->group[i]->qualifier, a->group[i]->name, "", &ig);
        const wy_scope_col_t *y =
            wy_scope_resolve(&a->in_scope, a->group[j]->qualifier, a->group[j]->name, "", &ig);
        same = x && y && x->slot == y->slot;
      }
      if (same) {
        char *t = wy_analyze_qualified_text(a, a->group[i]);
        wy_error_set(err, WY_ERR_ANALYSIS, "Duplicate GROUP BY expression: %s", t);
        free(t);
        return err->code;
      }
    }
  }
  return WY_OK;
}

/* The aggregate's input row: the group keys, then every column of the input (for the
 * aggregate arguments). Re-keyed through a repartition topic unless the input is a
 * source stream already keyed by exactly the group keys. */
static wy_status_t group_key(wy_qa_t *a, const wy_source_ref_t *r, bool in_table,
                             wy_logical_t **node, wy_key_spec_t *ks, wy_error_t *err) {
  const wy_schema_t *in = &(*node)->schema;
  bool keyed =
      !in_table && !a->joined && a->ngroup == wy_schema_count_ns(&r->def->schema, WY_NS_KEY);
  for (size_t i = 0; keyed && i < a->ngroup; i++) {
    int idx;
    keyed = wy_analyze_is_key_ref(a, a->group[i], r, &idx) && idx == (int)i;
  }
  wy_logical_t *sk = wy_logical_new(WY_LOGICAL_SELECT_KEY, *node);
  *node = sk;
  if (!sk) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  sk->table = in_table;
  sk->table_source = in_table;
  sk->exprs = calloc(a->ngroup, sizeof *sk->exprs);
  sk->keep = calloc(in->n + 1, sizeof *sk->keep);
  if (!sk->exprs || !sk->keep || (!keyed && !(sk->repartition = strdup("Aggregate-GroupBy"))))
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  int counter = 0;
  for (size_t i = 0; i < a->ngroup; i++) {
    const wy_ast_expr_t *ge = a->group[i];
    wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "GROUP BY"};
    wy_expr_t *x = wy_convert_bind(&cx, ge, a->cx->registry, false, err);
    if (!x) return err->code;
    char name[256];
    if (ge->kind == WY_AST_COLUMN || ge->kind == WY_AST_DEREF)
      snprintf(name, sizeof name, "%s", ge->name);
    else
      snprintf(name, sizeof name, "KSQL_COL_%d", counter++);
    if (wy_analyze_add_key_expr(sk, name, x, err) != WY_OK) return err->code;
    ks->ast[i] = ge;
  }
  for (size_t c = 0; c < in->n; c++) {
    const wy_column_t *col = &in->cols[c];
    sk->keep[sk->nkeep++] = (int)c;
    char name[300];
    snprintf(name, sizeof name, "%s", col->name);
    if (wy_schema_find(&sk->schema, name) >= 0) snprintf(name, sizeof name, "%s_%zu", col->name, c);
    if (wy_analyze_add_column(sk, name, wy_type_ref(col->type), WY_NS_VALUE, err) != WY_OK)
      return err->code;
  }
  sk->nkey = a->ngroup;
  return WY_OK;
}

/* HAVING's predicate over the aggregate row (NULL without HAVING). */
static wy_status_t having(wy_qa_t *a, wy_scope_t *dummy, wy_expr_program_t **out, wy_error_t *err) {
  *out = NULL;
  if (!a->q->having) return WY_OK;
  wy_convert_ctx_t cx = {.scope = dummy,
                         .catalog = a->cx->catalog,
                         .clause = "HAVING",
                         .rewrite = agg_rewrite,
                         .user = a};
  a->in_having = true; /* a column outside GROUP BY is named by the check below */
  wy_expr_t *x = wy_convert_expr(&cx, a->q->having, err);
  a->in_having = false;
  wy_status_t st = WY_OK;
  if (!x) {
    st = err->code;
  } else if (a->non_agg_cols.n) {
    char list[1024];
    wy_strlist_join(&a->non_agg_cols, list, sizeof list, ", ");
    st = wy_error_set(err, WY_ERR_ANALYSIS,
                      "Non-aggregate HAVING expression not part of GROUP BY: %s", list);
  } else if (wy_expr_bind(x, a->cx->registry, false, err) != WY_OK) {
    st = wy_error_prefix(err, "Error in HAVING expression");
  } else if (wy_expr_check_boolean(x, err) != WY_OK) {
    st = wy_error_prefix(err, "Type error in HAVING expression");
  } else if (!(*out = wy_analyze_compile(x, err))) {
    st = err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  wy_expr_destroy(x);
  return st;
}

/* Kafka Streams' grace period when a window sets none: 24 hours less its size (its
 * deprecated default, which ksqlDB keeps); EMIT FINAL without one emits at the window's
 * end, as ksqlDB does. */
static int64_t default_grace(const wy_ast_query_t *q, int64_t size) {
  if (q->emit == WY_AST_EMIT_FINAL) return 0;
  int64_t day = 24LL * 3600 * 1000;
  return size < day ? day - size : 0;
}

/* Every session aggregate must merge accumulators (SESSION windows merge sessions). */
static wy_status_t check_mergeable(const wy_logical_t *agg, wy_error_t *err) {
  for (size_t i = 0; i < agg->agg.ncalls; i++)
    if (!agg->agg.calls[i].ops->merge)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "The aggregation function %s cannot be used with SESSION windows: it "
                          "cannot merge sessions.",
                          agg->agg.calls[i].text);
  return WY_OK;
}

/* The AGGREGATE's window: kind, size (a session's inactivity gap), advance, grace period
 * and retention, with ksqlDB's and Kafka Streams' checks. */
static wy_status_t window_of(wy_qa_t *a, wy_logical_t *agg, wy_error_t *err) {
  const wy_ast_window_t *w = a->q->window;
  static const wy_window_kind_t kinds[] = {[WY_AST_WINDOW_TUMBLING] = WY_WINDOW_TUMBLING,
                                           [WY_AST_WINDOW_HOPPING] = WY_WINDOW_HOPPING,
                                           [WY_AST_WINDOW_SESSION] = WY_WINDOW_SESSION};
  bool session = w->kind == WY_AST_WINDOW_SESSION, hopping = w->kind == WY_AST_WINDOW_HOPPING;
  agg->agg.window = kinds[w->kind];
  agg->agg.window_size = wy_ast_duration_ms(&w->size);
  agg->agg.window_advance = hopping ? wy_ast_duration_ms(&w->advance) : 0;
  if (agg->agg.window_size <= 0 || (hopping && agg->agg.window_advance <= 0))
    return wy_error_set(err, WY_ERR_ANALYSIS, "Window size and advance must be positive");
  if (agg->agg.window_advance > agg->agg.window_size)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Window advance interval should be more than zero and less than or equal to window size");
  int64_t size = agg->agg.window_size;
  agg->agg.window_grace =
      w->grace.set ? wy_ast_duration_ms(&w->grace) : default_grace(a->q, agg->agg.window_size);
  int64_t least = size + agg->agg.window_grace;
  agg->agg.window_retention = w->retention.set ? wy_ast_duration_ms(&w->retention) : least;
  if (agg->agg.window_retention < least) {
    if (session)
      return wy_error_set(
          err, WY_ERR_ANALYSIS,
          "The retention period of the session store Aggregate-Aggregate-Materialize "
          "must be no smaller than the session inactivity gap plus the grace period. "
          "Got gap=[%lld], grace=[%lld], retention=[%lld]",
          (long long)size, (long long)agg->agg.window_grace, (long long)agg->agg.window_retention);
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "The retention period of the window store Aggregate-Aggregate-Materialize "
                        "must be no smaller than its window size plus the grace period. Got "
                        "size=[%lld], grace=[%lld], retention=[%lld]",
                        (long long)size, (long long)agg->agg.window_grace,
                        (long long)agg->agg.window_retention);
  }
  return session ? check_mergeable(agg, err) : WY_OK;
}

/* A UDAF's init arguments must be literals (ksqlDB's words); the overload's prepare()
 * sees their values once, for init. */
static wy_status_t agg_literals(const wy_ast_expr_t *call, const wy_call_arg_t *args, size_t nargs,
                                wy_agg_call_t *pa, wy_error_t *err) {
  const wy_overload_t *ov = pa->resolved.ov;
  for (size_t j = 0; j < nargs; j++) {
    if (args[j].literal || !wy_overload_arg_literal(ov, nargs, j)) continue;
    char *text = j < call->nargs ? wy_analyze_expr_text(call->args[j]) : NULL;
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "Parameter %zu passed to function %s must be a literal constant, but was "
                 "expression: '%s'",
                 j + 1, pa->resolved.fn->name, text ? text : "?");
    free(text);
    return err->code;
  }
  if (!ov->prepare) return WY_OK;
  const wy_value_t **consts = calloc(nargs + 1, sizeof *consts);
  if (!consts) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t j = 0; j < nargs; j++) consts[j] = args[j].literal;
  wy_status_t st = ov->prepare(pa->resolved.param_types, consts, nargs, &pa->site, err);
  free(consts);
  return st;
}

/* The AGGREGATE node: its calls resolved against the registry, its window. */
/* The bound an aggregate's limit property sets for this query: its default when unset
 * or not a positive INT. */
static int32_t call_limit(const wy_qa_t *a, const wy_udaf_ops_t *ops) {
  int32_t dflt = 0;
  const char *prop = wy_udaf_limit_property(ops, &dflt);
  const char *v = prop ? wy_analyze_prop(a, prop) : NULL;
  char *end = NULL;
  long n = v ? strtol(v, &end, 10) : 0;
  return v && end != v && *end == '\0' && n > 0 && n <= INT32_MAX ? (int32_t)n : dflt;
}

/* Aggregate state goes through the source's value format (ksqlDB's internal topics),
 * and KAFKA and DELIMITED hold no ARRAY, MAP or STRUCT. */
static wy_status_t check_intermediate(const wy_qa_t *a, const wy_type_t *acc, wy_error_t *err) {
  const char *f = a->src[0].def->value_format.name;
  bool flat = strcmp(f, "DELIMITED") == 0 || strcmp(f, "KAFKA") == 0;
  if (!flat || (acc->kind != WY_T_ARRAY && acc->kind != WY_T_MAP && acc->kind != WY_T_STRUCT))
    return WY_OK;
  return wy_error_set(err, WY_ERR_ANALYSIS,
                      "One of the functions used in the statement has an intermediate type that "
                      "the value format can not handle. Please remove the function or change the "
                      "format.");
}

static wy_status_t aggregate_node(wy_qa_t *a, bool in_table, const wy_logical_t *sk,
                                  wy_logical_t **node, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  wy_logical_t *agg = wy_logical_new(WY_LOGICAL_AGGREGATE, *node);
  *node = agg;
  if (!agg) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  agg->table = true;
  agg->table_source = in_table;
  agg->agg.calls = calloc(a->naggs + 1, sizeof *agg->agg.calls);
  if (!agg->agg.calls) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = WY_OK;
  wy_strlist_t no_undo = {0};
  for (size_t i = 0; st == WY_OK && i < a->naggs; i++) {
    wy_agg_call_t *pa = &agg->agg.calls[agg->agg.ncalls++];
    wy_expr_t *call = a->aggs[i].bound;
    pa->text = wy_analyze_expr_text(a->aggs[i].call);
    size_t nargs = wy_expr_child_count(call);
    wy_call_arg_t *args = calloc(nargs + 1, sizeof *args);
    const wy_type_t **argt = calloc(nargs + 1, sizeof *argt);
    pa->args = calloc(nargs + 1, sizeof *pa->args);
    if (!args || !argt || !pa->args) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    for (size_t j = 0; st == WY_OK && j < nargs; j++) {
      wy_expr_t *c = wy_expr_child(call, j);
      args[j].type = wy_expr_type(c);
      args[j].literal = wy_expr_literal_value(c);
      args[j].lambda_arity = 0;
      argt[j] = args[j].type;
    }
    if (st == WY_OK && wy_registry_resolve(a->cx->registry, wy_expr_name(call), args, nargs, true,
                                           NULL, NULL, &pa->resolved, err) != WY_OK)
      st = err->code;
    if (st == WY_OK) st = agg_literals(a->aggs[i].call, args, nargs, pa, err);
    if (st == WY_OK) {
      pa->ops = pa->resolved.ov->agg;
      if (in_table && pa->ops && !pa->ops->undo && !wy_strlist_has(&no_undo, wy_expr_name(call)))
        wy_strlist_add(&no_undo, wy_expr_name(call));
      pa->acc_type = pa->ops->acc_type(argt, nargs);
      if (!pa->acc_type)
        st = wy_error_set(err, WY_ERR_ANALYSIS, "%s: no accumulator type for these arguments",
                          pa->text);
      pa->settings.limit = call_limit(a, pa->ops);
      pa->nargs = nargs;
      if (st == WY_OK) st = check_intermediate(a, pa->acc_type, err);
      for (size_t j = 0; j < nargs && st == WY_OK; j++)
        if (!(pa->args[j] = wy_analyze_compile(wy_expr_child(call, j), err))) st = err->code;
    }
    free(args);
    free(argt);
  }
  if (st == WY_OK && no_undo.n) {
    char list[512];
    wy_strlist_join(&no_undo, list, sizeof list, " and ");
    st = wy_error_set(err, WY_ERR_ANALYSIS,
                      "The aggregation function%s %s cannot be applied to a table source, only to "
                      "a stream source.",
                      no_undo.n > 1 ? "s" : "", list);
  }
  wy_strlist_free(&no_undo);
  /* the aggregate row's schema (EXPLAIN): keys, window bounds, results */
  for (size_t i = 0; st == WY_OK && i < a->ngroup; i++)
    st = wy_analyze_add_column(agg, sk->schema.cols[i].name, wy_type_ref(sk->schema.cols[i].type),
                               WY_NS_KEY, err);
  if (st == WY_OK)
    st = wy_analyze_add_column(agg, "WINDOWSTART", wy_type_bigint(), WY_NS_VALUE, err);
  if (st == WY_OK) st = wy_analyze_add_column(agg, "WINDOWEND", wy_type_bigint(), WY_NS_VALUE, err);
  for (size_t i = 0; st == WY_OK && i < agg->agg.ncalls; i++) {
    char name[48];
    snprintf(name, sizeof name, "KSQL_AGG_VARIABLE_%zu", i);
    st = wy_analyze_add_column(agg, name, wy_type_ref(wy_expr_type(a->aggs[i].bound)), WY_NS_VALUE,
                               err);
  }
  agg->nkey = a->ngroup;
  if (st == WY_OK && q->window) st = window_of(a, agg, err);
  return st;
}

/* EMIT FINAL: a window's final row only, once it closes (a SUPPRESS right after the
 * AGGREGATE, so that HAVING and the projection see final rows only). */
static wy_status_t suppress_node(const wy_ast_query_t *q, wy_logical_t **node, wy_error_t *err) {
  if (!q->window)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "EMIT FINAL is only supported for windowed aggregations.");
  wy_logical_t *agg = *node, *sup = wy_logical_new(WY_LOGICAL_SUPPRESS, agg);
  *node = sup;
  if (!sup) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  sup->table = true;
  sup->nkey = agg->nkey;
  sup->agg.window = agg->agg.window;
  sup->agg.window_size = agg->agg.window_size;
  sup->agg.window_advance = agg->agg.window_advance;
  sup->agg.window_grace = agg->agg.window_grace;
  sup->agg.window_retention = agg->agg.window_retention;
  return wy_schema_copy(&sup->schema, &agg->schema, err);
}

/* GROUP BY (and aggregate calls without GROUP BY, which ksqlDB refuses). */
wy_status_t wy_analyze_aggregate(wy_qa_t *a, wy_source_def_t **sink, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  const wy_source_ref_t *r = &a->src[0];
  bool in_table = true; /* a join of tables is a table; any stream makes a stream */
  for (size_t i = 0; i < a->nsrc; i++) in_table = in_table && a->src[i].table;
  if (check_grouping(a, r, in_table, err) != WY_OK) return err->code;
  wy_logical_t *node = NULL;
  wy_status_t st = a->joined ? wy_analyze_join_input(a, &node, &in_table, err)
                             : wy_analyze_source(a, r->def, &node, err);
  if (st != WY_OK || wy_analyze_where(a, &a->in_scope, &node, err) != WY_OK ||
      check_window_bounds(a, err) != WY_OK) {
    wy_logical_destroy(node);
    return err->code;
  }
  wy_key_spec_t ks;
  if (wy_key_spec_init(&ks, a->ngroup, "grouping expression", err) != WY_OK) {
    wy_logical_destroy(node);
    return err->code;
  }
  st = group_key(a, r, in_table, &node, &ks, err);
  const wy_logical_t *sk = node;

  /* Aggregate arguments and group expressions resolve against the aggregate's input
   * row: group key slots, then the input's columns (and pseudo columns) shifted. */
  wy_scope_t agg_in, saved = a->in_scope;
  wy_scope_init(&agg_in);
  for (size_t i = 0; st == WY_OK && i < a->in_scope.n; i++) {
    const wy_scope_col_t *c = &a->in_scope.cols[i];
    st = wy_scope_add(&agg_in, c->source, c->alias, c->name, (int)a->ngroup + c->slot,
                      wy_type_ref(c->type), c->is_key, c->pseudo, c->header, err);
  }
  a->in_scope = agg_in;

  /* SELECT and HAVING over the aggregate row. */
  wy_scope_t dummy;
  wy_scope_init(&dummy);
  wy_proj_t p = {0};
  int *key_item = calloc(a->ngroup + 1, sizeof *key_item);
  if (st == WY_OK && !key_item) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (st == WY_OK) st = wy_analyze_projection(a, &p, &dummy, agg_rewrite, err);
  wy_expr_program_t *having_pred = NULL;
  if (st == WY_OK) st = having(a, &dummy, &having_pred, err);
  if (st == WY_OK) {
    /* Projection items that are exactly a GROUP BY expression are key columns. */
    for (size_t i = 0; i < p.n; i++) p.items[i].col = NULL;
    st = wy_analyze_assign_keys(a, &p, &ks, key_item, err);
  }
  /* the AGGREGATE comes after SELECT and HAVING: it computes every call they make */
  if (st == WY_OK) st = aggregate_node(a, in_table, sk, &node, err);
  if (st == WY_OK && q->emit == WY_AST_EMIT_FINAL) st = suppress_node(q, &node, err);
  if (st == WY_OK && having_pred) {
    st = wy_analyze_filter(&node, having_pred, err);
    having_pred = NULL;
  }
  wy_expr_program_destroy(having_pred);
  if (st == WY_OK) {
    wy_logical_t *proj = NULL;
    st = wy_analyze_project(a, &p, key_item, ks.n, node, &proj, err);
    node = proj;
  }
  wy_proj_free(&p);
  wy_scope_clear(&dummy);
  free(key_item);
  wy_key_spec_free(&ks);
  a->in_scope = saved;
  wy_scope_clear(&agg_in);
  if (st != WY_OK) {
    wy_logical_destroy(node);
    return st;
  }
  if (q->window) {
    static const wy_window_kind_t kinds[] = {[WY_AST_WINDOW_TUMBLING] = WY_WINDOW_TUMBLING,
                                             [WY_AST_WINDOW_HOPPING] = WY_WINDOW_HOPPING,
                                             [WY_AST_WINDOW_SESSION] = WY_WINDOW_SESSION};
    a->result_window = kinds[q->window->kind];
    a->result_window_size =
        q->window->kind == WY_AST_WINDOW_SESSION ? 0 : wy_ast_duration_ms(&q->window->size);
  }
  st = wy_analyze_sink(a, node, true, false, sink, &node, err);
  a->lq->root = node;
  return st;
}
