/* fk_join.c — foreign-key table-table joins (query_int.h): `L JOIN R ON expr(L) = R.key`
 * where the left expression is not the left table's key. ksqlDB runs them as Kafka
 * Streams' KIP-213 join: each left row subscribes, by its foreign key, to the right row
 * of that key; the result is keyed by the left table's primary key, so the projection
 * must keep every column of it. Only INNER and LEFT joins, only as the first join. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyzer/query_int.h"
#include "engine/formats/avro.h"

bool wy_analyze_is_fk_join(const wy_qa_t *a, size_t k, bool left_table, int left_slot) {
  return k == 1 && left_table && left_slot < 0 && a->src[k].table;
}

/* ksqlDB's text of one side of the condition, its columns qualified by their source. */
static char *side_text(wy_qa_t *a, const wy_ast_expr_t *e) {
  if (e->kind != WY_AST_CAST) return wy_analyze_qualified_text(a, e);
  char *arg = side_text(a, e->args[0]), *type = wy_ast_type_to_sql(e->type), *out = NULL;
  if (asprintf(&out, "CAST(%s AS %s)", arg ? arg : "?", type ? type : "?") < 0) out = NULL;
  free(arg);
  free(type);
  return out;
}

/* "<what>. Got <a> = <b>." in ksqlDB's words: the condition's sides as written. */
static wy_status_t refuse_condition(wy_qa_t *a, size_t k, const char *what, wy_error_t *err) {
  const wy_ast_expr_t *on = a->q->joins[k - 1]->on;
  char *l = side_text(a, on->args[0]), *r = side_text(a, on->args[1]);
  wy_error_set(err, WY_ERR_ANALYSIS, "Invalid join condition: %s. Got %s = %s.", what, l ? l : "?",
               r ? r : "?");
  free(l);
  free(r);
  return err->code;
}

wy_status_t wy_analyze_refuse_table_join_key(wy_qa_t *a, size_t k, wy_error_t *err) {
  return refuse_condition(
      a, k, "table-table joins require to join on the primary key of the right input table", err);
}

/* A side of the condition bound over the input scope (the left table's slots come
 * first, so they are the left row's). */
static wy_expr_t *bind_side(wy_qa_t *a, const wy_ast_expr_t *e, wy_error_t *err) {
  wy_convert_ctx_t cx = {.scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "JOIN"};
  return wy_convert_bind(&cx, e, a->cx->registry, false, err);
}

/* Both sides must have one type, named in the refusal as the condition is written. */
static wy_status_t check_types(wy_qa_t *a, size_t k, const wy_ast_expr_t *const side[2],
                               wy_expr_t *lx, wy_error_t *err) {
  wy_expr_t *rx = bind_side(a, side[1], err);
  if (!rx) return err->code;
  bool flipped = a->q->joins[k - 1]->on->args[0] == side[1];
  const wy_type_t *t[2] = {wy_expr_type(flipped ? rx : lx), wy_expr_type(flipped ? lx : rx)};
  wy_status_t st = WY_OK;
  if (!wy_type_equal(t[0], t[1])) {
    const wy_ast_expr_t *on = a->q->joins[k - 1]->on;
    char ts[2][128], *l = side_text(a, on->args[0]), *r = side_text(a, on->args[1]);
    wy_type_format(t[0], ts[0], sizeof ts[0]);
    wy_type_format(t[1], ts[1], sizeof ts[1]);
    st = wy_error_set(err, WY_ERR_ANALYSIS,
                      "Invalid join condition: types don't match. Got %s{%s} = %s{%s}.",
                      l ? l : "?", ts[0], r ? r : "?", ts[1]);
    free(l);
    free(r);
  }
  wy_expr_destroy(rx);
  return st;
}

/* ksqlDB's refusals before the types are compared (the right side is the right table's
 * key: join.c refused it otherwise). */
static wy_status_t check_fk_join(wy_qa_t *a, size_t k, const wy_ast_expr_t *const side[2],
                                 int *right_key, wy_error_t *err) {
  const wy_ast_join_t *j = a->q->joins[k - 1];
  if (j->kind == WY_AST_JOIN_FULL)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Invalid join type: full-outer join not supported for foreign-key "
                        "table-table join. Got %s [FULL] OUTER JOIN %s.",
                        a->src[0].def->name, a->src[k].def->name);
  if (!wy_analyze_is_key_ref(a, side[1], &a->src[k], right_key))
    return wy_analyze_refuse_table_join_key(a, k, err);
  return WY_OK;
}

/* ksqlDB's refusals after the types are compared (windowed tables never get here: no
 * persistent query reads one). */
static wy_status_t check_fk_join_kind(wy_qa_t *a, size_t k, wy_error_t *err) {
  if (a->q->joins[k - 1]->kind == WY_AST_JOIN_RIGHT)
    return wy_error_set(err, WY_ERR_ANALYSIS, "RIGHT OUTER JOIN on a foreign key is not supported");
  return WY_OK;
}

wy_status_t wy_analyze_fk_join(wy_qa_t *a, size_t k, const wy_ast_expr_t *const side[2],
                               wy_logical_t **left, const wy_type_t **key_type, wy_error_t *err) {
  const wy_source_ref_t *L = &a->src[0], *R = &a->src[k];
  int rk = -1;
  if (check_fk_join(a, k, side, &rk, err) != WY_OK) return err->code;
  wy_expr_t *fk = bind_side(a, side[0], err);
  if (!fk) return err->code;
  wy_status_t st = check_types(a, k, side, fk, err);
  if (st == WY_OK) st = check_fk_join_kind(a, k, err);
  wy_expr_program_t *prog = st == WY_OK ? wy_analyze_compile(fk, err) : NULL;
  wy_expr_destroy(fk);
  if (!prog) return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_logical_t *jn = wy_logical_new(WY_LOGICAL_JOIN, NULL);
  if (!jn) {
    wy_expr_program_destroy(prog);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  jn->left = *left;
  *left = jn; /* from here the join node owns the left side */
  jn->join.fk_prog = prog;
  jn->join.type = WY_JOIN_TABLE_TABLE;
  jn->join.index = (int)k;
  jn->join.left_outer = a->q->joins[k - 1]->kind == WY_AST_JOIN_LEFT;
  jn->join.left_key_slot = 0; /* the left table's (first) key column */
  jn->join.right_key_slot = rk;
  jn->join.left_partitions = L->def->partitions;
  jn->join.right_partitions = R->def->partitions;
  jn->join.fk_rekey_right = wy_analyze_is_sr_format(&R->def->key_format);
  if (jn->join.fk_rekey_right) { /* ksqlDB names the repartition's key record after the left */
    char ksn[256];
    wy_avro_key_schema_name(L->def->name, ksn, sizeof ksn);
    if (!(jn->join.key_schema_name = strdup(ksn)))
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  jn->table = true;
  jn->nkey = 1;
  if ((st = wy_analyze_source(a, R->def, &jn->right, err)) != WY_OK) return st;
  wy_type_unref(*key_type);
  *key_type = wy_type_ref(L->def->schema.cols[0].type);
  const char *const alias[2] = {L->alias, R->alias};
  if ((st = wy_analyze_joined_schema(jn, alias, *key_type, err)) != WY_OK) return st;
  a->fk_join = true;
  return WY_OK;
}

wy_status_t wy_analyze_fk_key_spec(wy_qa_t *a, wy_key_spec_t *ks, wy_error_t *err) {
  const wy_source_ref_t *L = &a->src[0];
  size_t n = wy_schema_count_ns(&L->def->schema, WY_NS_KEY);
  wy_key_spec_free(ks);
  if (wy_key_spec_init(ks, n, "key column", err) != WY_OK) return err->code;
  for (size_t i = 0; i < n; i++) ks->slot[i] = L->base + (int)i; /* key columns lead */
  return WY_OK;
}

wy_status_t wy_analyze_fk_projection(wy_qa_t *a, const wy_proj_t *p, wy_error_t *err) {
  const wy_source_ref_t *L = &a->src[0];
  wy_strlist_t missing = {0};
  for (size_t c = 0; c < L->def->schema.n; c++) {
    if (L->def->schema.cols[c].ns != WY_NS_KEY) continue;
    bool found = false;
    for (size_t i = 0; i < p->n && !found; i++)
      found = p->items[i].col && p->items[i].col->slot == L->base + (int)c;
    char name[512];
    snprintf(name, sizeof name, "`%s`", L->def->schema.cols[c].name);
    if (!found && !wy_strlist_add(&missing, name))
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  if (!missing.n) return WY_OK;
  char list[1024];
  wy_strlist_join(&missing, list, sizeof list, ", ");
  bool many = missing.n > 1;
  wy_strlist_free(&missing);
  return wy_error_set(err, WY_ERR_ANALYSIS,
                      "Primary key column%s missing in projection. For foreign-key table-table "
                      "joins, the projection must include all primary key columns from the left "
                      "input table (`%s`). Missing column%s: %s.",
                      many ? "s" : "", L->def->name, many ? "s" : "", list);
}
