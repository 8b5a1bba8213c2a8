/* join.c — joins of two sources: stream-table (INNER, LEFT), table-table on primary keys
 * (every kind), stream-stream within a window (every kind), with the re-keying of a side
 * whose join expression is not its key (query_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyzer/query_int.h"

/* An ON condition `a = b`, split into the expression of each side. */
typedef struct join_cond {
  const wy_ast_expr_t *side[2]; /* [0] refers to the left source, [1] to the right */
} join_cond_t;

static void ast_sources(const wy_qa_t *a, const wy_ast_expr_t *e, bool *left, bool *right) {
  if (e->kind == WY_AST_COLUMN) {
    wy_error_t ignore;
    const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "JOIN", &ignore);
    if (c) {
      if (c->slot < a->src[1].base) *left = true;
      else *right = true;
    }
    return;
  }
  for (size_t i = 0; i < e->nargs; i++) ast_sources(a, e->args[i], left, right);
}

static wy_status_t split_join(wy_qa_t *a, const wy_ast_join_t *j, join_cond_t *jc, wy_error_t *err) {
  const wy_ast_expr_t *on = j->on;
  char *text = wy_analyze_expr_text(on);
  wy_status_t st = WY_OK;
  if (on->kind != WY_AST_COMPARE || on->op != WY_AST_OP_EQ) {
    st = wy_error_set_pos(err, WY_ERR_ANALYSIS, on->pos.line, on->pos.column, "Unsupported join expression: %s", text);
  } else {
    for (int i = 0; i < 2 && st == WY_OK; i++) {
      bool l = false, r = false;
      ast_sources(a, on->args[i], &l, &r);
      if (l == r) {
        char *side = wy_analyze_expr_text(on->args[i]);
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
      st = wy_error_set_pos(err, WY_ERR_ANALYSIS, on->pos.line, on->pos.column, "Invalid join condition: %s", text);
  }
  free(text);
  return st;
}

/* A join side re-keyed by its join expression: a SELECT_KEY whose rows the planner
 * repartitions; the join sees [KSQL_JOIN_KEY, the source's columns]. */
static wy_status_t rekey_side(wy_qa_t *a, const wy_source_ref_t *r, const wy_ast_expr_t *side,
                              const wy_type_t *key_type, const char *name, wy_logical_t **out, wy_error_t *err) {
  *out = NULL;
  wy_logical_t *src = NULL;
  if (wy_analyze_source(a, r->def, &src, err) != WY_OK) return err->code;
  /* the expression is over the joined scope: rebase it onto this side's own row */
  wy_scope_t own;
  wy_scope_init(&own);
  wy_status_t st = WY_OK;
  for (size_t i = 0; st == WY_OK && i < a->in_scope.n; i++) {
    const wy_scope_col_t *c = &a->in_scope.cols[i];
    if (c->slot < r->base || c->slot >= r->base + (int)r->def->schema.n + WY_ROW_NPSEUDO) continue;
    st = wy_scope_add(&own, c->source, c->alias, c->name, c->slot - r->base, wy_type_ref(c->type), c->is_key,
                      c->pseudo, c->header, err);
  }
  wy_convert_ctx_t ocx = {.scope = &own, .catalog = a->cx->catalog, .clause = "JOIN"};
  wy_expr_t *x = st == WY_OK ? wy_convert_bind(&ocx, side, a->cx->registry, false, err) : NULL;
  wy_scope_clear(&own);
  if (!x) {
    wy_logical_destroy(src);
    return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  wy_logical_t *sk = wy_logical_new(WY_LOGICAL_SELECT_KEY, src);
  if (!sk) {
    wy_expr_destroy(x);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  *out = sk;
  sk->table = r->table;
  sk->exprs = calloc(1, sizeof *sk->exprs);
  sk->keep = calloc(r->def->schema.n + 1, sizeof *sk->keep);
  sk->repartition = strdup(name);
  if (!sk->exprs || !sk->keep || !sk->repartition) {
    wy_expr_destroy(x);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  sk->exprs[0].name = strdup("KSQL_JOIN_KEY");
  sk->exprs[0].type = wy_type_ref(key_type);
  sk->exprs[0].prog = wy_analyze_compile(x, err);
  wy_expr_destroy(x);
  sk->nexprs = 1;
  if (!sk->exprs[0].name || !sk->exprs[0].prog) return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  st = wy_analyze_add_column(sk, "KSQL_JOIN_KEY", wy_type_ref(key_type), WY_NS_KEY, err);
  for (size_t c = 0; st == WY_OK && c < r->def->schema.n; c++) {
    sk->keep[sk->nkeep++] = (int)c;
    st = wy_analyze_add_column(sk, r->def->schema.cols[c].name, wy_type_ref(r->def->schema.cols[c].type),
                               WY_NS_VALUE, err);
  }
  sk->nkey = 1;
  return st;
}

static bool side_is_plain_column(wy_qa_t *a, const wy_ast_expr_t *e) {
  if (e->kind != WY_AST_COLUMN) return false;
  wy_error_t ig;
  const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig);
  return c && !c->pseudo;
}

/* ksqlDB's refusals that depend on the sources alone. */
static wy_status_t check_sources(wy_qa_t *a, const wy_ast_join_t *j, wy_error_t *err) {
  const wy_source_ref_t *L = &a->src[0], *R = &a->src[1];
  wy_strlist_t kafka = {0};
  for (size_t i = 0; i < 2; i++)
    if (!strcmp(a->src[i].def->value_format.name, "KAFKA")) wy_strlist_add(&kafka, a->src[i].def->name);
  if (kafka.n) {
    char list[512];
    wy_strlist_join(&kafka, list, sizeof list, ", ");
    wy_strlist_free(&kafka);
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.",
                        list);
  }
  if (L->def->window != WY_WINDOW_NONE || R->def->window != WY_WINDOW_NONE) {
    if ((L->def->window == WY_WINDOW_NONE) != (R->def->window == WY_WINDOW_NONE))
      return wy_error_set(err, WY_ERR_ANALYSIS, "Can not join windowed source to non-windowed source.");
    return wy_error_set(err, WY_ERR_UNSUPPORTED, "joins of windowed sources are not supported yet");
  }
  if (L->table && !R->table)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s %s "
                        "JOIN %s.",
                        L->def->name, j->kind == WY_AST_JOIN_LEFT ? "LEFT" : "INNER", R->def->name);
  if (!L->table && R->table && (j->kind == WY_AST_JOIN_RIGHT || j->kind == WY_AST_JOIN_FULL))
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Invalid join type: %s join not supported for stream-table join. Got %s %s JOIN %s.",
                        j->kind == WY_AST_JOIN_FULL ? "full-outer" : "right", L->def->name,
                        j->kind == WY_AST_JOIN_FULL ? "FULL OUTER" : "RIGHT", R->def->name);
  if (!L->table && !R->table && !j->before.set)
    return wy_error_set_pos(err, WY_ERR_ANALYSIS, j->pos.line, j->pos.column,
                            "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn "
                            "about how to specify a WITHIN clause with a stream-stream join, please visit: "
                            "https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select");
  return WY_OK;
}

/* The join's key type: both sides' expressions must have the same. */
static wy_status_t key_type_of(wy_qa_t *a, const join_cond_t *jc, const wy_type_t **out, wy_error_t *err) {
  wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "JOIN"};
  wy_expr_t *lx = wy_convert_bind(&cx, jc->side[0], a->cx->registry, false, err);
  if (!lx) return err->code;
  wy_expr_t *rx = wy_convert_bind(&cx, jc->side[1], a->cx->registry, false, err);
  if (!rx) {
    wy_expr_destroy(lx);
    return err->code;
  }
  wy_status_t st = WY_OK;
  if (!wy_type_equal(wy_expr_type(lx), wy_expr_type(rx))) {
    char lt[128], rt[128];
    wy_type_format(wy_expr_type(lx), lt, sizeof lt);
    wy_type_format(wy_expr_type(rx), rt, sizeof rt);
    char *l = wy_analyze_expr_text(jc->side[0]), *r = wy_analyze_expr_text(jc->side[1]);
    st = wy_error_set(err, WY_ERR_ANALYSIS, "Invalid join condition: types don't match. Got %s{%s} = %s{%s}.", l, lt,
                      r, rt);
    free(l);
    free(r);
  } else {
    *out = wy_type_ref(wy_expr_type(rx));
  }
  wy_expr_destroy(lx);
  wy_expr_destroy(rx);
  return st;
}

/* The joined row's columns, for EXPLAIN: each side's (after its re-key column) with its
 * pseudo columns, then the join key. */
static wy_status_t joined_schema(wy_logical_t *jn, const wy_type_t *key_type, wy_error_t *err) {
  static const char *const pseudo[WY_ROW_NPSEUDO] = {"ROWTIME", "ROWPARTITION", "ROWOFFSET"};
  const wy_logical_t *sides[2] = {jn->left, jn->right};
  size_t drop[2] = {jn->join.left_drop, jn->join.right_drop};
  wy_status_t st = WY_OK;
  for (int s = 0; s < 2 && st == WY_OK; s++) {
    const wy_schema_t *sc = &sides[s]->schema;
    for (size_t i = drop[s]; st == WY_OK && i < sc->n; i++)
      st = wy_analyze_add_column(jn, sc->cols[i].name, wy_type_ref(sc->cols[i].type), WY_NS_VALUE, err);
    for (int i = 0; st == WY_OK && i < WY_ROW_NPSEUDO; i++)
      st = wy_analyze_add_column(jn, pseudo[i], i == 1 ? wy_type_int() : wy_type_bigint(), WY_NS_VALUE, err);
  }
  if (st == WY_OK) st = wy_analyze_add_column(jn, "ROWKEY", wy_type_ref(key_type), WY_NS_VALUE, err);
  return st;
}

/* The two sides, keyed or re-keyed, under a JOIN node. */
static wy_status_t join_node(wy_qa_t *a, const join_cond_t *jc, const wy_type_t *key_type, int lk, int rk,
                             bool left_keyed, bool right_keyed, wy_logical_t **out, wy_error_t *err) {
  const wy_ast_join_t *j = a->q->joins[0];
  const wy_source_ref_t *L = &a->src[0], *R = &a->src[1];
  wy_logical_t *jn = wy_logical_new(WY_LOGICAL_JOIN, NULL);
  *out = jn;
  if (!jn) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  bool keyed[2] = {left_keyed || L->table, right_keyed || R->table};
  int key_slot[2] = {lk, rk};
  static const char *const names[2] = {"Join-left", "Join-right"};
  for (int side = 0; side < 2; side++) {
    const wy_source_ref_t *r = &a->src[side];
    wy_logical_t *n = NULL;
    wy_status_t st = keyed[side] ? wy_analyze_source(a, r->def, &n, err)
                                 : rekey_side(a, r, jc->side[side], key_type, names[side], &n, err);
    if (side == 0) jn->left = n;
    else jn->right = n;
    if (st != WY_OK) return st;
  }
  bool ss = !L->table && !R->table, tt = L->table && R->table;
  jn->join.type = ss ? WY_JOIN_STREAM_STREAM : tt ? WY_JOIN_TABLE_TABLE : WY_JOIN_STREAM_TABLE;
  jn->table = tt;
  jn->join.left_outer = j->kind == WY_AST_JOIN_LEFT || j->kind == WY_AST_JOIN_FULL;
  jn->join.right_outer = j->kind == WY_AST_JOIN_RIGHT || j->kind == WY_AST_JOIN_FULL;
  /* a re-keyed side carries the key in its first slot, which the joined row drops */
  jn->join.left_key_slot = keyed[0] ? key_slot[0] : 0;
  jn->join.right_key_slot = keyed[1] ? key_slot[1] : 0;
  jn->join.left_drop = keyed[0] ? 0 : 1;
  jn->join.right_drop = keyed[1] ? 0 : 1;
  if (ss) {
    jn->join.within_before = wy_ast_duration_ms(&j->before);
    jn->join.within_after = j->after.set ? wy_ast_duration_ms(&j->after) : jn->join.within_before;
  }
  jn->nkey = 1;
  return joined_schema(jn, key_type, err);
}

wy_status_t wy_analyze_join(wy_qa_t *a, wy_source_def_t **sink, wy_error_t *err) {
  const wy_ast_join_t *j = a->q->joins[0];
  wy_source_ref_t *L = &a->src[0], *R = &a->src[1];
  bool tt = L->table && R->table;
  if (check_sources(a, j, err) != WY_OK) return err->code;
  join_cond_t jc = {{NULL, NULL}};
  if (split_join(a, j, &jc, err) != WY_OK) return err->code;
  int lk = -1, rk = -1;
  bool left_keyed = wy_analyze_is_key_ref(a, jc.side[0], L, &lk) && wy_schema_count_ns(&L->def->schema, WY_NS_KEY) == 1;
  bool right_keyed = wy_analyze_is_key_ref(a, jc.side[1], R, &rk) && wy_schema_count_ns(&R->def->schema, WY_NS_KEY) == 1;
  if (R->table && !right_keyed) {
    wy_error_t ig;
    const wy_scope_col_t *lc = jc.side[0]->kind == WY_AST_COLUMN
                                   ? wy_scope_resolve(&a->in_scope, jc.side[0]->qualifier, jc.side[0]->name, "", &ig)
                                   : NULL;
    const wy_scope_col_t *rc = jc.side[1]->kind == WY_AST_COLUMN
                                   ? wy_scope_resolve(&a->in_scope, jc.side[1]->qualifier, jc.side[1]->name, "", &ig)
                                   : NULL;
    if (lc && rc)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Invalid join condition: %s-table joins require to join on the table's primary key. Got "
                          "%s.%s = %s.%s.",
                          L->table ? "table" : "stream", lc->source, lc->name, rc->source, rc->name);
    char *l = wy_analyze_expr_text(jc.side[0]), *r = wy_analyze_expr_text(jc.side[1]);
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "Invalid join condition: stream-table joins require to join on the table's primary key. Got %s = %s.",
                 l, r);
    free(l);
    free(r);
    return err->code;
  }
  if (tt && !left_keyed)
    return wy_error_set(err, WY_ERR_UNSUPPORTED, "foreign-key table-table joins are not supported yet");
  const wy_type_t *key_type = NULL;
  if (key_type_of(a, &jc, &key_type, err) != WY_OK) return err->code;
  wy_logical_t *node = NULL;
  wy_status_t st = join_node(a, &jc, key_type, lk, rk, left_keyed, right_keyed, &node, err);
  /* Key of the result: the plain-column side of the condition, else a synthetic ROWKEY. */
  bool synthetic = j->kind == WY_AST_JOIN_FULL ||
                   (!side_is_plain_column(a, jc.side[0]) && !side_is_plain_column(a, jc.side[1]));
  if (st == WY_OK && synthetic) {
    node->join.synthetic_key = true;
    st = wy_scope_add(&a->in_scope, "", "", "ROWKEY", a->in_width, wy_type_ref(key_type), true, false, false, err);
  }
  if (st == WY_OK) st = wy_analyze_where(a, &a->in_scope, &node, err);
  wy_key_spec_t ks = {0};
  if (st == WY_OK) st = wy_key_spec_init(&ks, 1, "join expression", err);
  if (st == WY_OK) {
    if (synthetic) {
      ks.slot[0] = a->in_width;
      ks.synthetic = true;
    } else if (side_is_plain_column(a, jc.side[0])) {
      ks.ast[0] = jc.side[0];
      if (side_is_plain_column(a, jc.side[1])) ks.alt[0] = jc.side[1];
    } else {
      ks.ast[0] = jc.side[1];
    }
  }
  wy_proj_t p = {0};
  int key_item[1];
  if (st == WY_OK) st = wy_analyze_projection(a, &p, &a->in_scope, NULL, err);
  if (st == WY_OK) st = wy_analyze_assign_keys(a, &p, &ks, key_item, err);
  if (st == WY_OK) {
    wy_logical_t *proj = NULL;
    st = wy_analyze_project(a, &p, key_item, 1, node, &proj, err);
    node = proj;
  }
  wy_proj_free(&p);
  wy_key_spec_free(&ks);
  wy_type_unref(key_type);
  if (st != WY_OK) {
    wy_logical_destroy(node);
    return st;
  }
  st = wy_analyze_sink(a, node, tt, false, sink, &node, err);
  a->lq->root = node;
  return st;
}
