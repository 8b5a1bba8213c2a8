/* join.c — joins of two or more sources (query_int.h), left-deep as ksqlDB runs them:
 * A JOIN B ... JOIN C ... is (A ⋈ B) ⋈ C, each step a join of the result so far (the
 * left) with one more source (the right), with the rules of its kind: stream-table
 * (INNER, LEFT), table-table on primary keys (every kind), stream-stream within a
 * window (every kind). A side whose join expression is not its key is re-keyed (and
 * repartitioned) first; only streams can be. The result so far is keyed by its last
 * join's key, which equals every plain column of that join's condition (and, when that
 * join's left side was not re-keyed, the columns equal to the key before it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyzer/query_int.h"
#include "engine/base/limits.h"
#include "engine/formats/avro.h"

/* An ON condition `a = b`, split into the expression of each side. */
typedef struct join_cond {
  const wy_ast_expr_t *side[2]; /* [0] refers to the left (earlier sources), [1] to the right */
} join_cond_t;

/* The columns equal to the result's key so far: input slots, and names for messages. */
typedef struct key_set {
  int *slots;
  char **names;
  size_t n;
} key_set_t;

static void key_set_free(key_set_t *k) {
  for (size_t i = 0; i < k->n; i++) free(k->names[i]);
  free(k->slots);
  free(k->names);
  memset(k, 0, sizeof *k);
}

static bool key_set_has(const key_set_t *k, int slot) {
  for (size_t i = 0; i < k->n; i++)
    if (k->slots[i] == slot) return true;
  return false;
}

/* Add a plain column reference (nothing for another expression). */
static wy_status_t key_set_add(wy_qa_t *a, key_set_t *k, const wy_ast_expr_t *e, wy_error_t *err) {
  if (e->kind != WY_AST_COLUMN) return WY_OK;
  wy_error_t ig;
  const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig);
  if (!c || key_set_has(k, c->slot)) return WY_OK;
  int *s = realloc(k->slots, (k->n + 1) * sizeof *s);
  if (s) k->slots = s;
  char **nm = realloc(k->names, (k->n + 1) * sizeof *nm);
  if (nm) k->names = nm;
  char *name = NULL;
  if (!s || !nm || asprintf(&name, "%s.%s", c->alias, c->name) < 0)
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  k->slots[k->n] = c->slot;
  k->names[k->n++] = name;
  return WY_OK;
}

/* ksqlDB's text of an expression in its join messages (malloc'd; "?" when out of
 * memory): comparisons and AND/OR in parentheses, NULL in lower case. */
static char *on_text(const wy_ast_expr_t *e) {
  if (e->kind == WY_AST_LITERAL && e->lit == WY_AST_LIT_NULL) return strdup("null");
  if (e->kind != WY_AST_COMPARE && e->kind != WY_AST_AND && e->kind != WY_AST_OR)
    return wy_analyze_expr_text(e);
  char *l = on_text(e->args[0]), *r = on_text(e->args[1]), *out = NULL;
  const char *op = e->kind == WY_AST_AND  ? "AND"
                   : e->kind == WY_AST_OR ? "OR"
                                          : wy_ast_op_sql(e->op);
  if (asprintf(&out, "(%s %s %s)", l ? l : "?", op, r ? r : "?") < 0) out = NULL;
  free(l);
  free(r);
  return out ? out : strdup("?");
}

static bool is_equality(const wy_ast_expr_t *e) {
  return e->kind == WY_AST_COMPARE && e->op == WY_AST_OP_EQ;
}

/* The source k of a column reference's slot: -1 for none. */
static int source_of_slot(const wy_qa_t *a, int slot) {
  for (size_t k = a->nsrc; k-- > 0;)
    if (slot >= a->src[k].base)
      return slot < a->src[k].base + (int)a->src[k].def->schema.n + WY_ROW_NPSEUDO ? (int)k : -1;
  return -1;
}

/* The sources (among 0..k, those joined so far) one side of join k's condition refers
 * to, into used[]; a column of no such source cannot be resolved. */
static wy_status_t side_sources(const wy_qa_t *a, size_t k, const wy_ast_expr_t *e, bool *used,
                                wy_error_t *err) {
  if (e->kind == WY_AST_COLUMN) {
    wy_error_t ig;
    const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig);
    int s = c ? source_of_slot(a, c->slot) : -1;
    if (c && s >= 0 && (size_t)s <= k) {
      used[s] = true;
      return WY_OK;
    }
    /* ksqlDB names the column as written, after its location */
    return wy_error_set_pos(err, WY_ERR_ANALYSIS, e->pos.line, e->pos.column,
                            "Line: %d, Col: %d: JOIN ON column '%s%s%s' cannot be resolved.",
                            e->pos.line, e->pos.column, e->qualifier ? e->qualifier : "",
                            e->qualifier ? "." : "", e->name);
  }
  if (e->kind == WY_AST_LAMBDA) return WY_OK; /* its parameters are no columns */
  for (size_t i = 0; i < e->nargs; i++)
    if (side_sources(a, k, e->args[i], used, err) != WY_OK) return err->code;
  return WY_OK;
}

/* The one source a side of the condition refers to, or ksqlDB's refusal. */
static wy_status_t only_source(const wy_qa_t *a, size_t k, const wy_ast_expr_t *side,
                               const wy_ast_expr_t *on, int *out, wy_error_t *err) {
  bool *used = calloc(k + 1, sizeof *used);
  if (!used) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = side_sources(a, k, side, used, err);
  size_t n = 0;
  for (size_t i = 0; i <= k; i++)
    if (used[i]) *out = (int)i, n++;
  free(used);
  if (st != WY_OK || n == 1) return st;
  char *text = on_text(on), *sidet = on_text(side);
  wy_error_set(err, WY_ERR_ANALYSIS,
               "Invalid comparison expression '%s' in join '%s'. Each side of the join "
               "comparision must contain references from exactly one source.",
               sidet ? sidet : "?", text ? text : "?");
  free(text);
  free(sidet);
  return err->code;
}

static const char *window_name(wy_window_kind_t w) {
  return w == WY_WINDOW_SESSION ? "SESSION" : w == WY_WINDOW_HOPPING ? "HOPPING" : "TUMBLING";
}

/* ksqlDB's refusals of sources windowed differently. */
static wy_status_t check_windowing(const wy_source_ref_t *l, const wy_source_ref_t *r,
                                   wy_error_t *err) {
  wy_window_kind_t lw = l->def->window, rw = r->def->window;
  if ((lw == WY_WINDOW_NONE) != (rw == WY_WINDOW_NONE))
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Can not join windowed source to non-windowed source.\n`%s` is %s "
                        "windowed\n`%s` is %s windowed",
                        l->alias, lw == WY_WINDOW_NONE ? "not" : window_name(lw), r->alias,
                        rw == WY_WINDOW_NONE ? "not" : window_name(rw));
  if (lw == WY_WINDOW_NONE || (lw == WY_WINDOW_SESSION) == (rw == WY_WINDOW_SESSION)) return WY_OK;
  return wy_error_set(
      err, WY_ERR_ANALYSIS,
      "Incompatible windowed sources.\nLeft source: %s\nRight source: %s\nSession windowed "
      "sources can only be joined to other session windowed sources, and may still not result "
      "in expected behaviour as session bounds must be an exact match for the join to "
      "work\nHopping and tumbling windowed sources can only be joined to other hopping and "
      "tumbling windowed sources",
      window_name(lw), window_name(rw));
}

/* ksqlDB's checks of join k's ON clause, all made before any join is planned: a single
 * equality, known columns, each side from one source, the two sides from two sources
 * one of which is source k; jc gets the side of the sources before k first. */
static wy_status_t analyze_on(wy_qa_t *a, size_t k, join_cond_t *jc, wy_error_t *err) {
  const wy_ast_expr_t *on = a->q->joins[k - 1]->on;
  if (on->kind != WY_AST_COMPARE) {
    char *text = on_text(on);
    if (on->kind == WY_AST_AND && is_equality(on->args[0]) && is_equality(on->args[1]))
      wy_error_set(err, WY_ERR_ANALYSIS,
                   "Invalid join condition: joins on multiple conditions are not yet supported. "
                   "Got %s.",
                   text ? text : "?");
    else
      wy_error_set(err, WY_ERR_ANALYSIS, "Unsupported join expression: %s", text ? text : "?");
    free(text);
    return err->code;
  }
  if (!is_equality(on))
    return wy_error_set(err, WY_ERR_ANALYSIS, "Only equality join criteria is supported.");
  int src[2] = {-1, -1};
  for (int i = 0; i < 2; i++)
    if (only_source(a, k, on->args[i], on, &src[i], err) != WY_OK) return err->code;
  const char *ln = a->src[src[0]].alias, *rn = a->src[src[1]].alias;
  if (src[0] == src[1])
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Each side of the join must reference exactly one source and not the same "
                        "source. Left side references %s and right references %s",
                        ln, rn);
  if (check_windowing(&a->src[src[0]], &a->src[src[1]], err) != WY_OK) return err->code;
  if ((size_t)src[0] != k && (size_t)src[1] != k)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "A join criteria is expected to reference the source (%s) in the FROM "
                        "clause, instead the right source references %s and the left source "
                        "references %s",
                        a->src[k].alias, rn, ln);
  bool flipped = (size_t)src[0] == k;
  jc->side[0] = on->args[flipped ? 1 : 0];
  jc->side[1] = on->args[flipped ? 0 : 1];
  return WY_OK;
}

static bool side_is_plain_column(wy_qa_t *a, const wy_ast_expr_t *e) {
  if (e->kind != WY_AST_COLUMN) return false;
  wy_error_t ig;
  return wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig) != NULL;
}

/* A scope of the slots [from, to) of the input scope, rebased to start at 0. */
static wy_status_t rebased_scope(wy_qa_t *a, int from, int to, wy_scope_t *out, wy_error_t *err) {
  wy_scope_init(out);
  wy_status_t st = WY_OK;
  for (size_t i = 0; st == WY_OK && i < a->in_scope.n; i++) {
    const wy_scope_col_t *c = &a->in_scope.cols[i];
    if (c->slot < from || c->slot >= to) continue;
    st = wy_scope_add(out, c->source, c->alias, c->name, c->slot - from, wy_type_ref(c->type),
                      c->is_key, c->pseudo, c->header, err);
  }
  return st;
}

/* A side re-keyed by its join expression: a SELECT_KEY over `node` (taken) whose rows the
 * planner repartitions; the join then sees [KSQL_JOIN_KEY, the side's columns]. The
 * expression is compiled over the side's own row: the input scope's slots [from, to). */
static wy_status_t rekey(wy_qa_t *a, wy_logical_t *node, int from, int to,
                         const wy_ast_expr_t *side, const wy_type_t *key_type, const char *name,
                         wy_logical_t **out, wy_error_t *err) {
  *out = NULL;
  wy_scope_t own;
  wy_status_t st = rebased_scope(a, from, to, &own, err);
  wy_convert_ctx_t ocx = {.scope = &own, .catalog = a->cx->catalog, .clause = "JOIN"};
  wy_expr_t *x = st == WY_OK ? wy_convert_bind(&ocx, side, a->cx->registry, false, err) : NULL;
  wy_scope_clear(&own);
  if (!x) {
    wy_logical_destroy(node);
    return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  wy_logical_t *sk = wy_logical_new(WY_LOGICAL_SELECT_KEY, node);
  if (!sk) {
    wy_expr_destroy(x);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  *out = sk;
  sk->table = node->table;
  sk->exprs = calloc(1, sizeof *sk->exprs);
  sk->keep = calloc(node->schema.n + 1, sizeof *sk->keep);
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
  if (!sk->exprs[0].name || !sk->exprs[0].prog)
    return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  st = wy_analyze_add_column(sk, "KSQL_JOIN_KEY", wy_type_ref(key_type), WY_NS_KEY, err);
  for (size_t c = 0; st == WY_OK && c < node->schema.n; c++) {
    sk->keep[sk->nkeep++] = (int)c;
    st = wy_analyze_add_column(sk, node->schema.cols[c].name,
                               wy_type_ref(node->schema.cols[c].type), WY_NS_VALUE, err);
  }
  sk->nkey = 1;
  return st;
}

/* The join's type as ksqlDB's messages spell it, optional words in brackets. */
static const char *join_word(const wy_ast_join_t *j) {
  return j->kind == WY_AST_JOIN_LEFT    ? "LEFT [OUTER]"
         : j->kind == WY_AST_JOIN_RIGHT ? "RIGHT [OUTER]"
         : j->kind == WY_AST_JOIN_FULL  ? "[FULL] OUTER"
                                        : "[INNER]";
}

/* ---- joins of windowed sources ---------------------------------------------------- */

static const char *window_word(wy_window_kind_t w) {
  static const char *const words[] = {[WY_WINDOW_NONE] = "not",
                                      [WY_WINDOW_TUMBLING] = "TUMBLING",
                                      [WY_WINDOW_HOPPING] = "HOPPING",
                                      [WY_WINDOW_SESSION] = "SESSION"};
  return words[w];
}

/* Windowed sources join only windowed sources of a compatible kind (sessions with
 * sessions, time windows with time windows), matching when their windowed keys are
 * equal; the result keeps the left's window. ksqlDB's messages otherwise. */
static wy_status_t windowed_join_sides(wy_qa_t *a, size_t k, wy_error_t *err) {
  const wy_source_ref_t *L = &a->src[0], *R = &a->src[k];
  wy_window_kind_t lw = L->def->window, rw = R->def->window;
  if ((lw == WY_WINDOW_NONE) != (rw == WY_WINDOW_NONE))
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Can not join windowed source to non-windowed source.\n"
                        "`%s` is %s windowed\n`%s` is %s windowed",
                        L->alias, window_word(lw), R->alias, window_word(rw));
  if (lw == WY_WINDOW_NONE) return WY_OK;
  if ((lw == WY_WINDOW_SESSION) != (rw == WY_WINDOW_SESSION))
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Incompatible windowed sources.\nLeft source: %s\nRight source: %s\n"
        "Session windowed sources can only be joined to other session windowed sources, and "
        "may still not result in expected behaviour as session bounds must be an exact match for "
        "the join to work\n"
        "Hopping and tumbling windowed sources can only be joined to other hopping and "
        "tumbling windowed sources",
        window_word(lw), window_word(rw));
  a->result_window = lw;
  a->result_window_size = L->def->window_size_ms;
  return WY_OK;
}

/* A windowed side is never re-keyed: a repartition would lose its window (ksqlDB's issue
 * 4385). Nor do sides whose windowed keys differ in window or key format, which only a
 * repartition would bring together. */
static wy_status_t windowed_join_keys(const wy_qa_t *a, size_t k, bool rekey_left, bool rekey_right,
                                      wy_error_t *err) {
  const wy_source_def_t *L = a->src[0].def, *R = a->src[k].def;
  if (L->window == WY_WINDOW_NONE) return WY_OK;
  if (rekey_left || rekey_right || L->window != R->window ||
      L->window_size_ms != R->window_size_ms || strcmp(L->key_format.name, R->key_format.name))
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Implicit repartitioning of windowed sources is not supported. See "
                        "https://github.com/confluentinc/ksql/issues/4385.");
  return WY_OK;
}

/* ksqlDB's refusals that depend on the two sides' kinds and sources alone. */
static wy_status_t check_sides(wy_qa_t *a, size_t k, bool left_table, const char *left_name,
                               const wy_ast_join_t *j, wy_error_t *err) {
  const wy_source_ref_t *R = &a->src[k];
  wy_strlist_t kafka = {0};
  for (size_t i = 0; i <= k; i++)
    if ((i == 0 || i == k) && !strcmp(a->src[i].def->value_format.name, "KAFKA"))
      wy_strlist_add(&kafka, a->src[i].def->name);
  if (kafka.n) {
    char list[512];
    wy_strlist_join(&kafka, list, sizeof list, ", ");
    wy_strlist_free(&kafka);
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.",
        list);
  }
  if (windowed_join_sides(a, k, err) != WY_OK) return err->code;
  if (left_table && !R->table)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Invalid join order: table-stream joins are not supported; only "
                        "stream-table joins. Got %s %s "
                        "JOIN %s.",
                        left_name, join_word(j), R->def->name);
  if (!left_table && R->table && (j->kind == WY_AST_JOIN_RIGHT || j->kind == WY_AST_JOIN_FULL))
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Invalid join type: %s join not supported for stream-table join. Got %s %s JOIN %s.",
        j->kind == WY_AST_JOIN_FULL ? "full-outer" : "right", left_name, join_word(j),
        R->def->name);
  if (!left_table && !R->table && !j->before.set)
    return wy_error_set_pos(
        err, WY_ERR_ANALYSIS, j->pos.line, j->pos.column,
        "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn "
        "about how to specify a WITHIN clause with a stream-stream join, please visit: "
        "https://docs.confluent.io/current/ksql/docs/"
        "syntax-reference.html#create-stream-as-select");
  return WY_OK;
}

/* The join's key type: both sides' expressions must have the same. */
static wy_status_t key_type_of(wy_qa_t *a, const join_cond_t *jc, const wy_type_t **out,
                               wy_error_t *err) {
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
    st = wy_error_set(err, WY_ERR_ANALYSIS,
                      "Invalid join condition: types don't match. Got %s{%s} = %s{%s}.", l, lt, r,
                      rt);
    free(l);
    free(r);
  } else {
    *out = wy_type_ref(wy_expr_type(rx));
  }
  wy_expr_destroy(lx);
  wy_expr_destroy(rx);
  return st;
}

/* A map cannot be a key: ksqlDB names the join key after the left column, as the
 * joined schema names it (<alias>_<column>), or ROWKEY. */
static wy_status_t check_key_type(wy_qa_t *a, const wy_ast_expr_t *left, const wy_type_t *t,
                                  wy_error_t *err) {
  char name[512] = "ROWKEY";
  if (left->kind == WY_AST_COLUMN) {
    wy_error_t ig;
    const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, left->qualifier, left->name, "", &ig);
    if (c) snprintf(name, sizeof name, "%s_%s", c->alias, c->name);
  }
  wy_schema_t s;
  wy_schema_init(&s);
  wy_status_t st = wy_schema_add(&s, name, wy_type_ref(t), WY_NS_KEY, NULL, err);
  if (st == WY_OK) st = wy_analyze_check_key_types(&s, err);
  wy_schema_clear(&s);
  return st;
}

/* The joined row's columns: each side's (after its re-key column) with its pseudo
 * columns, then the join key, the row's key column. A source's columns are named as
 * ksqlDB names them inside a join, `<alias>_<column>`; the result of earlier joins
 * (alias NULL) keeps its names. Names are for EXPLAIN: expressions address slots. */
wy_status_t wy_analyze_joined_schema(wy_logical_t *jn, const char *const alias[2],
                                     const wy_type_t *key_type, wy_error_t *err) {
  const wy_logical_t *sides[2] = {jn->left, jn->right};
  size_t drop[2] = {jn->join.left_drop, jn->join.right_drop};
  wy_status_t st = WY_OK;
  for (int s = 0; s < 2 && st == WY_OK; s++) {
    const wy_schema_t *sc = &sides[s]->schema;
    for (size_t i = drop[s]; st == WY_OK && i < sc->n + WY_ROW_NPSEUDO; i++) {
      bool real = i < sc->n;
      const char *col = real ? sc->cols[i].name : wy_row_pseudo_name((int)(i - sc->n));
      char *name = NULL;
      if (alias[s] && asprintf(&name, "%s_%s", alias[s], col) < 0) name = NULL;
      if (alias[s] && !name) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      const wy_type_t *t =
          real ? wy_type_ref(sc->cols[i].type) : wy_row_pseudo_type((int)(i - sc->n));
      st = wy_analyze_add_column(jn, name ? name : col, t, WY_NS_VALUE, err);
      free(name);
    }
  }
  if (st == WY_OK) st = wy_analyze_add_column(jn, "ROWKEY", wy_type_ref(key_type), WY_NS_KEY, err);
  return st;
}

/* The repartition of join k's side, as ksqlDB and Kafka Streams name it: a stream's
 * "Join-left"/"Join-right" in a stream-stream join, "Join" in a stream-table join; a
 * table converted to the join's key format "<Left|Right>SourceKeyed-SelectKey". From
 * the second join on the names carry its number. */
static void rekey_name(size_t k, bool table, const char *ss_side, const char *table_side, char *buf,
                       size_t cap) {
  char join[32] = "Join", tside[48];
  if (k > 1) snprintf(join, sizeof join, "Join_%zu", k);
  snprintf(tside, sizeof tside, "%s", table_side);
  if (k > 1) snprintf(tside, sizeof tside, "%s_%zu", table_side, k);
  if (table)
    snprintf(buf, cap, "%s-SelectKey", tside);
  else if (ss_side)
    snprintf(buf, cap, "%s-%s", join, ss_side);
  else
    snprintf(buf, cap, "%s", join);
}

static bool is_sr_format(const wy_format_spec_t *f) {
  return !strcmp(f->name, "AVRO") || !strcmp(f->name, "PROTOBUF") || !strcmp(f->name, "JSON_SR");
}

static bool same_key_format(const wy_format_spec_t *a, const wy_format_spec_t *b) {
  return !strcmp(a->name, b->name) &&
         (a->delimiter ? a->delimiter : ',') == (b->delimiter ? b->delimiter : ',');
}

/* The key formats of a join's sides and what they decide. */
typedef struct side_formats {
  const wy_format_spec_t *left, *right;
  bool left_by_expr, right_by_expr; /* the side's join expression is not its key */
  bool left_source;                 /* the left side is a source (not joins before) */
  bool windowed;                    /* windowed sources: never re-keyed (their windows
                                       would be lost), their key format kept */
  wy_format_spec_t join;            /* out: the join's key format */
  bool left_rekey, right_rekey;     /* out: the side goes through a repartition topic */
} side_formats_t;

/* ksqlDB's key format of a join (KLIP-33): a side keyed by its join expression prefers
 * its key format, but for NONE and a Schema Registry format (its key schema becomes the
 * join's own); the join takes the left's preference, else the right's, else the first
 * source key format that is not NONE, else the default key format. A side is re-keyed
 * when its join expression is not its key or its key format is not the join's, and a
 * source under a Schema Registry format always. */
static void join_key_format(const wy_qa_t *a, side_formats_t *f) {
  bool lsr = !f->windowed && f->left_source && is_sr_format(f->left),
       rsr = !f->windowed && is_sr_format(f->right);
  bool lpref = !f->left_by_expr && !lsr && strcmp(f->left->name, "NONE") != 0;
  bool rpref = !f->right_by_expr && !rsr && strcmp(f->right->name, "NONE") != 0;
  if (lpref)
    f->join = *f->left;
  else if (rpref)
    f->join = *f->right;
  else if (strcmp(f->left->name, "NONE") != 0 && f->left->name[0])
    f->join = *f->left;
  else if (strcmp(f->right->name, "NONE") != 0 && f->right->name[0])
    f->join = *f->right;
  else {
    const char *dk = wy_analyze_prop(a, "ksql.persistence.default.format.key");
    wy_format_spec_init(&f->join, dk && *dk ? dk : "KAFKA");
  }
  f->join.schema_id = -1;
  f->join.full_schema_name[0] = '\0';
  f->join.full_schema_set = false;
  f->left_rekey = f->left_by_expr || lsr || !same_key_format(f->left, &f->join);
  f->right_rekey = f->right_by_expr || rsr || !same_key_format(f->right, &f->join);
}

/* Co-partitioning: records of one key meet in one task only when both sides have as
 * many partitions. A re-keyed side's repartition topic gets its source's count, and the
 * result so far the first source's, so ksqlDB compares the sources' counts, re-keyed
 * or not, and refuses the join when they differ (foreign-key joins excepted). */
static wy_status_t check_partitions(const wy_qa_t *a, size_t k, wy_error_t *err) {
  const wy_source_def_t *L = a->src[0].def, *R = a->src[k].def;
  if (L->partitions == R->partitions) return WY_OK;
  return wy_error_set(err, WY_ERR_ANALYSIS,
                      "Can't join `%s` with `%s` since the number of partitions don't match. "
                      "`%s` partitions = %d; `%s` partitions = %d. Please repartition either "
                      "one so that the number of partitions match.",
                      L->name, R->name, L->name, L->partitions, R->name, R->partitions);
}

/* The name of the result so far for messages: the left source, or the joins'. */
static void left_name(const wy_qa_t *a, size_t k, char *buf, size_t cap) {
  size_t len = (size_t)snprintf(buf, cap, "%s", a->src[0].def->name);
  for (size_t i = 1; i < k && len < cap; i++)
    len += (size_t)snprintf(buf + len, cap - len, "_%s", a->src[i].def->name);
}

/* Join k on a foreign key (fk_join.c): the result is keyed by the left table's primary
 * key, equal to its key column when it has one. */
static wy_status_t fk_join_step(wy_qa_t *a, size_t k, const join_cond_t *jc, wy_logical_t **left,
                                key_set_t *keys, bool *synthetic, const wy_type_t **key_type,
                                wy_error_t *err) {
  if (wy_analyze_fk_join(a, k, jc->side, left, key_type, err) != WY_OK) return err->code;
  *synthetic = false;
  key_set_free(keys);
  const wy_source_ref_t *L = &a->src[0];
  if (wy_schema_count_ns(&L->def->schema, WY_NS_KEY) != 1) return WY_OK;
  wy_ast_expr_t key = {
      .kind = WY_AST_COLUMN, .qualifier = (char *)L->alias, .name = L->def->schema.cols[0].name};
  return key_set_add(a, keys, &key, err);
}

/* Join k: the result so far (*left, taken and replaced) with source k. */
static wy_status_t join_step(wy_qa_t *a, size_t k, const join_cond_t *cond, wy_logical_t **left,
                             bool *left_table, key_set_t *keys, bool *synthetic,
                             const wy_type_t **key_type, wy_error_t *err) {
  const wy_ast_join_t *j = a->q->joins[k - 1];
  const wy_source_ref_t *R = &a->src[k];
  char lname[512];
  left_name(a, k, lname, sizeof lname);
  if (check_sides(a, k, *left_table, lname, j, err) != WY_OK) return err->code;
  join_cond_t jc = *cond;
  int rk = -1;
  bool right_keyed = wy_analyze_is_key_ref(a, jc.side[1], R, &rk) &&
                     wy_schema_count_ns(&R->def->schema, WY_NS_KEY) == 1;
  int left_slot = -1; /* the left expression's slot in the left row, when it is the left's key */
  if (k == 1) {
    int lk;
    if (wy_analyze_is_key_ref(a, jc.side[0], &a->src[0], &lk) &&
        wy_schema_count_ns(&a->src[0].def->schema, WY_NS_KEY) == 1)
      left_slot = lk;
  } else if (!*synthetic && jc.side[0]->kind == WY_AST_COLUMN) {
    wy_error_t ig;
    const wy_scope_col_t *c =
        wy_scope_resolve(&a->in_scope, jc.side[0]->qualifier, jc.side[0]->name, "", &ig);
    /* the result so far is keyed by its last join's key, its last column */
    if (c && key_set_has(keys, c->slot)) left_slot = R->base - WY_ROW_NPSEUDO - 1;
  }
  if (*left_table && R->table && !right_keyed) return wy_analyze_refuse_table_join_key(a, k, err);
  if (wy_analyze_is_fk_join(a, k, *left_table, left_slot))
    return fk_join_step(a, k, &jc, left, keys, synthetic, key_type, err);
  if (windowed_join_keys(a, k, left_slot < 0, !right_keyed && !R->table, err) != WY_OK)
    return err->code;
  if (R->table && !right_keyed) {
    wy_error_t ig;
    const wy_scope_col_t *lc =
        jc.side[0]->kind == WY_AST_COLUMN
            ? wy_scope_resolve(&a->in_scope, jc.side[0]->qualifier, jc.side[0]->name, "", &ig)
            : NULL;
    const wy_scope_col_t *rc =
        jc.side[1]->kind == WY_AST_COLUMN
            ? wy_scope_resolve(&a->in_scope, jc.side[1]->qualifier, jc.side[1]->name, "", &ig)
            : NULL;
    if (lc && rc)
      return wy_error_set(
          err, WY_ERR_ANALYSIS,
          "Invalid join condition: %s-table joins require to join on the table's primary key. Got "
          "%s.%s = %s.%s.",
          *left_table ? "table" : "stream", lc->source, lc->name, rc->source, rc->name);
    char *l = wy_analyze_expr_text(jc.side[0]), *r = wy_analyze_expr_text(jc.side[1]);
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "Invalid join condition: stream-table joins require to join on the table's "
                 "primary key. Got %s = %s.",
                 l, r);
    free(l);
    free(r);
    return err->code;
  }
  if (*left_table && left_slot < 0) {
    if (k == 1)
      return wy_error_set(err, WY_ERR_UNSUPPORTED,
                          "foreign-key table-table joins are not supported yet");
    char *l = wy_analyze_qualified_text(a, jc.side[0]),
         *r = wy_analyze_qualified_text(a, jc.side[1]);
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "Invalid join condition: foreign-key table-table joins are not supported as part "
                 "of n-way joins. Got "
                 "%s = %s.",
                 l, r);
    free(l);
    free(r);
    return err->code;
  }
  if (k > 1 && j->kind == WY_AST_JOIN_FULL && *left_table && R->table)
    return wy_error_set(
        err, WY_ERR_UNSUPPORTED,
        "A FULL OUTER table-table join is supported only as the first join of an n-way join.");
  wy_type_unref(*key_type);
  *key_type = NULL;
  if (key_type_of(a, &jc, key_type, err) != WY_OK ||
      check_key_type(a, jc.side[0], *key_type, err) != WY_OK ||
      check_partitions(a, k, err) != WY_OK)
    return err->code;

  /* the two sides: each re-keyed through a repartition topic unless keyed by its join
   * expression in the join's key format (a table always is keyed; it may be converted) */
  bool ss = !*left_table && !R->table, tt = *left_table && R->table;
  side_formats_t f = {.left = k == 1 ? &a->src[0].def->key_format : &(*left)->join.key_format,
                      .right = &R->def->key_format,
                      .left_by_expr = left_slot < 0,
                      .right_by_expr = !right_keyed && !R->table,
                      .left_source = k == 1,
                      .windowed = a->src[0].def->window != WY_WINDOW_NONE};
  join_key_format(a, &f);
  int lfrom = 0, lto = R->base - WY_ROW_NPSEUDO; /* the left row's slots */
  wy_logical_t *jn = wy_logical_new(WY_LOGICAL_JOIN, NULL);
  if (!jn) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  jn->join.key_format = f.join;
  char name[64];
  wy_status_t st = WY_OK;
  if (!f.left_rekey) {
    jn->left = *left;
  } else {
    rekey_name(k, *left_table, ss ? "left" : NULL, "LeftSourceKeyed", name, sizeof name);
    st = rekey(a, *left, lfrom, lto + WY_ROW_NPSEUDO, jc.side[0], *key_type, name, &jn->left, err);
  }
  *left = jn; /* from here the join node owns the left side */
  wy_logical_t *rsrc = NULL;
  if (st == WY_OK) st = wy_analyze_source(a, R->def, &rsrc, err);
  if (st == WY_OK && f.right_rekey) {
    rekey_name(k, R->table, "right", "RightSourceKeyed", name, sizeof name);
    st = rekey(a, rsrc, R->base, R->base + (int)R->def->schema.n + WY_ROW_NPSEUDO, jc.side[1],
               *key_type, name, &jn->right, err);
  } else {
    jn->right = rsrc;
  }
  if (st != WY_OK) return st;
  if (is_sr_format(&f.join)) {
    char ksn[256];
    wy_avro_key_schema_name(a->src[0].def->name, ksn, sizeof ksn);
    if (!(jn->join.key_schema_name = strdup(ksn)))
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  /* Kafka Streams numbers the first join's buffers after the processors before them:
   * each source 3 of them, each repartition 4 */
  if (ss && k == 1) jn->join.ks_index = 8 + 4 * (f.left_rekey + f.right_rekey);
  jn->join.type = ss ? WY_JOIN_STREAM_STREAM : tt ? WY_JOIN_TABLE_TABLE : WY_JOIN_STREAM_TABLE;
  jn->join.index = (int)k;
  jn->table = tt;
  jn->join.left_outer = j->kind == WY_AST_JOIN_LEFT || j->kind == WY_AST_JOIN_FULL;
  jn->join.right_outer = j->kind == WY_AST_JOIN_RIGHT || j->kind == WY_AST_JOIN_FULL;
  /* a re-keyed side carries the key in its first slot, which the joined row drops */
  jn->join.left_key_slot = f.left_rekey ? 0 : left_slot;
  jn->join.right_key_slot = f.right_rekey ? 0 : rk;
  jn->join.left_drop = f.left_rekey ? 1 : 0;
  jn->join.right_drop = f.right_rekey ? 1 : 0;
  if (ss) {
    jn->join.within_before = wy_ast_duration_ms(&j->before);
    jn->join.within_after = j->after.set ? wy_ast_duration_ms(&j->after) : jn->join.within_before;
    jn->join.grace = j->grace.set ? wy_ast_duration_ms(&j->grace) : -1;
  }
  jn->nkey = 1;
  const char *const alias[2] = {k == 1 ? a->src[0].alias : NULL, R->alias};
  if ((st = wy_analyze_joined_schema(jn, alias, *key_type, err)) != WY_OK) return st;
  /* the result's key: a synthetic ROWKEY for FULL OUTER or when no side is a plain
   * column; else equal to each plain side, and to the left's key when not re-keyed */
  *synthetic = j->kind == WY_AST_JOIN_FULL ||
               (!side_is_plain_column(a, jc.side[0]) && !side_is_plain_column(a, jc.side[1]));
  if (*synthetic || f.left_by_expr) key_set_free(keys);
  if (!*synthetic) {
    if ((st = key_set_add(a, keys, jc.side[0], err)) != WY_OK ||
        (st = key_set_add(a, keys, jc.side[1], err)) != WY_OK)
      return st;
  }
  *left_table = tt;
  return WY_OK;
}

/* The synthetic key's name: ROWKEY, or ROWKEY_<n> with the lowest n no source column
 * takes, as ksqlDB names it. */
static void synthetic_key_name(const wy_qa_t *a, char *buf, size_t cap) {
  for (int n = 0;; n++) {
    if (n == 0)
      snprintf(buf, cap, "ROWKEY");
    else
      snprintf(buf, cap, "ROWKEY_%d", n);
    bool taken = false;
    for (size_t i = 0; i < a->nsrc && !taken; i++)
      taken = wy_schema_find(&a->src[i].def->schema, buf) >= 0;
    if (!taken) return;
  }
}

/* The projection's key column, a column equal to the join key: its value is the join
 * key itself, which a missing side (an outer join's) does not null. */
static wy_status_t key_from_join_key(wy_qa_t *a, wy_proj_item_t *it, wy_error_t *err) {
  if (!it->col) return WY_OK;
  const wy_type_t *t = wy_type_ref(wy_expr_type(it->expr));
  wy_expr_t *x = wy_expr_column(it->col->name, a->rowkey_slot, t, it->pos_line, it->pos_col);
  if (!x || wy_expr_bind(x, a->cx->registry, false, err) != WY_OK) {
    wy_expr_destroy(x);
    return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  wy_expr_destroy(it->expr);
  it->expr = x;
  return WY_OK;
}

/* One partition expression over the joined row, compiled into sk's exprs[i]. */
static wy_status_t partition_key(wy_qa_t *a, wy_logical_t *sk, size_t i, int *counter,
                                 wy_scope_t *pscope, wy_error_t *err) {
  const wy_ast_expr_t *pe = a->q->partition_by[i];
  wy_convert_ctx_t cx = {
      .scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "PARTITION BY"};
  wy_expr_t *x = wy_convert_bind(&cx, pe, a->cx->registry, false, err);
  if (!x) return err->code;
  const wy_scope_col_t *c = NULL;
  char name[256];
  if (pe->kind == WY_AST_COLUMN) {
    wy_error_t ig;
    c = wy_scope_resolve(&a->in_scope, pe->qualifier, pe->name, "", &ig);
    snprintf(name, sizeof name, "%s", pe->name);
  } else if (pe->kind == WY_AST_DEREF) {
    snprintf(name, sizeof name, "%s", pe->name);
  } else {
    snprintf(name, sizeof name, "KSQL_COL_%d", (*counter)++);
  }
  if (wy_analyze_add_key_expr(sk, name, x, err) != WY_OK) return err->code;
  return wy_scope_add(pscope, c ? c->source : "", c ? c->alias : "", name, (int)i,
                      wy_type_ref(sk->exprs[sk->nexprs - 1].type), true, false, false, err);
}

/* Source s's columns in the re-keyed row, as ksqlDB lays a joined row out: value
 * columns, its pseudo columns (plain values now), key columns; a column that became a
 * key is not repeated. */
static wy_status_t partition_side(wy_qa_t *a, size_t s, size_t nk, const bool *consumed,
                                  wy_scope_t *pscope, wy_error_t *err) {
  int from = a->src[s].base, to = from + (int)a->src[s].def->schema.n + WY_ROW_NPSEUDO;
  for (int pass = 0; pass < 3; pass++)
    for (size_t i = 0; i < a->in_scope.n; i++) {
      const wy_scope_col_t *c = &a->in_scope.cols[i];
      int kind = c->pseudo ? 1 : c->is_key ? 2 : 0;
      if (c->slot < from || c->slot >= to || kind != pass || consumed[c->slot]) continue;
      if (wy_scope_add(pscope, c->source, c->alias, c->name, (int)nk + c->slot,
                       wy_type_ref(c->type), false, false, c->header, err) != WY_OK)
        return err->code;
    }
  return WY_OK;
}

/* PARTITION BY over a join: the joined row re-keyed in place (the sink writes the new
 * key), its columns kept as values; the projection then sees that row, whose key must
 * be the partitioning expressions (ks). */
static wy_status_t join_partition_by(wy_qa_t *a, wy_logical_t **node, wy_key_spec_t *ks,
                                     wy_scope_t *pscope, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  size_t nk = q->npartition_by, width = (*node)->schema.n;
  if ((*node)->table)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Unsupported PARTITION BY on a table: only streams can be repartitioned.");
  for (size_t i = 0; i < nk; i++)
    if (q->partition_by[i]->kind == WY_AST_LITERAL && q->partition_by[i]->lit == WY_AST_LIT_NULL)
      return wy_error_set(err, WY_ERR_UNSUPPORTED,
                          "PARTITION BY NULL over a join is not supported yet");
  if (wy_limit_check(err, WY_LIMIT_KEY_COLUMNS, "PARTITION BY", nk, q->partition_by[0]->pos.line,
                     q->partition_by[0]->pos.column) != WY_OK ||
      wy_key_spec_init(ks, nk, "partitioning expression", err) != WY_OK)
    return err->code;
  wy_logical_t *sk = wy_logical_new(WY_LOGICAL_SELECT_KEY, *node);
  bool *consumed = calloc(width + WY_ROW_NPSEUDO + 1, sizeof *consumed);
  if (sk) *node = sk;
  if (!sk || !consumed || !(sk->exprs = calloc(nk, sizeof *sk->exprs)) ||
      !(sk->keep = calloc(width + 1, sizeof *sk->keep))) {
    free(consumed);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  int counter = 0;
  wy_status_t st = WY_OK;
  for (size_t i = 0; st == WY_OK && i < nk; i++) {
    st = partition_key(a, sk, i, &counter, pscope, err);
    const wy_scope_col_t *c = st == WY_OK ? &pscope->cols[pscope->n - 1] : NULL;
    if (c && c->alias[0]) {
      wy_error_t ig;
      const wy_ast_expr_t *pe = q->partition_by[i];
      const wy_scope_col_t *in = wy_scope_resolve(&a->in_scope, pe->qualifier, pe->name, "", &ig);
      if (in) consumed[in->slot] = true;
    }
    ks->ast[i] = q->partition_by[i];
    ks->slot[i] = (int)i;
  }
  for (size_t c = 0; st == WY_OK && c < width; c++) {
    sk->keep[sk->nkeep++] = (int)c;
    st = wy_analyze_add_column(sk, sk->input->schema.cols[c].name,
                               wy_type_ref(sk->input->schema.cols[c].type), WY_NS_VALUE, err);
  }
  for (size_t s = 0; st == WY_OK && s < a->nsrc; s++)
    st = partition_side(a, s, nk, consumed, pscope, err);
  free(consumed);
  sk->nkey = nk;
  ks->by_slot = true;
  ks->qualify = true;
  return st;
}

/* What the joins yield: the tree, whether it is a table, and its key. */
typedef struct join_result {
  wy_logical_t *node;
  bool table, synthetic;
  key_set_t keys; /* the columns equal to the key (not synthetic) */
  const wy_type_t *key_type;
} join_result_t;

static void join_result_free(join_result_t *r) {
  wy_logical_destroy(r->node);
  key_set_free(&r->keys);
  wy_type_unref(r->key_type);
  memset(r, 0, sizeof *r);
}

/* Every JOIN of the query, left-deep; a synthetic key joins the input scope. */
static wy_status_t build_joins(wy_qa_t *a, join_result_t *r, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  memset(r, 0, sizeof *r);
  r->table = a->src[0].table;
  join_cond_t *conds = calloc(q->njoins + 1, sizeof *conds);
  wy_status_t st = conds ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t k = 1; st == WY_OK && k <= q->njoins; k++) st = analyze_on(a, k, &conds[k - 1], err);
  if (st == WY_OK) st = wy_analyze_source(a, a->src[0].def, &r->node, err);
  for (size_t k = 1; st == WY_OK && k <= q->njoins; k++)
    st = join_step(a, k, &conds[k - 1], &r->node, &r->table, &r->keys, &r->synthetic, &r->key_type,
                   err);
  free(conds);
  char rowkey[64];
  synthetic_key_name(a, rowkey, sizeof rowkey);
  if (st == WY_OK && r->synthetic)
    st = wy_scope_add(&a->in_scope, "", "", rowkey, a->rowkey_slot, wy_type_ref(r->key_type), true,
                      false, false, err);
  return st;
}

wy_status_t wy_analyze_join_input(wy_qa_t *a, wy_logical_t **node, bool *table, wy_error_t *err) {
  join_result_t r;
  wy_status_t st = build_joins(a, &r, err);
  *node = r.node;
  *table = r.table;
  r.node = NULL;
  join_result_free(&r);
  return st;
}

wy_status_t wy_analyze_join(wy_qa_t *a, wy_source_def_t **sink, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  join_result_t r;
  wy_status_t st = build_joins(a, &r, err);
  wy_logical_t *node = r.node;
  r.node = NULL;
  bool synthetic = r.synthetic;
  const key_set_t keys = r.keys; /* r owns them */
  if (st == WY_OK) st = wy_analyze_where(a, &a->in_scope, &node, err);
  wy_key_spec_t ks = {0};
  wy_scope_t pscope;
  wy_scope_init(&pscope);
  bool partitioned = q->has_partition_by && q->npartition_by > 0;
  const wy_scope_t *scope = partitioned ? &pscope : &a->in_scope;
  if (st == WY_OK && partitioned)
    st = join_partition_by(a, &node, &ks, &pscope, err);
  else if (st == WY_OK)
    st = wy_key_spec_init(&ks, 1, "join expression", err);
  bool fk = a->fk_join && q->njoins == 1 && !partitioned; /* keyed by the left's key */
  if (st == WY_OK && fk) {
    st = wy_analyze_fk_key_spec(a, &ks, err);
  } else if (st == WY_OK && !partitioned) {
    if (synthetic) {
      ks.slot[0] = a->rowkey_slot;
      ks.synthetic = true;
    } else {
      ks.slot[0] = keys.n ? keys.slots[0] : -1;
      ks.alt_slots = keys.slots;
      ks.alt_names = (const char *const *)keys.names;
      ks.nalt = keys.n;
    }
  }
  wy_scope_t fscope;
  wy_scope_init(&fscope);
  if (st == WY_OK) st = wy_analyze_flat_map(a, &node, &scope, &fscope, err);
  wy_proj_t p = {0};
  int *key_item = st == WY_OK ? calloc(ks.n + 1, sizeof *key_item) : NULL;
  if (st == WY_OK && !key_item) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (st == WY_OK) st = wy_analyze_projection(a, &p, scope, NULL, err);
  if (st == WY_OK && fk) st = wy_analyze_fk_projection(a, &p, err);
  if (st == WY_OK) st = wy_analyze_assign_keys(a, &p, &ks, key_item, err);
  if (st == WY_OK && !synthetic && !partitioned && !fk)
    st = key_from_join_key(a, &p.items[key_item[0]], err);
  if (st == WY_OK) {
    wy_logical_t *proj = NULL;
    st = wy_analyze_project(a, &p, key_item, ks.n, node, &proj, err);
    node = proj;
  }
  free(key_item);
  wy_scope_clear(&pscope);
  wy_scope_clear(&fscope);
  bool result_table = node && node->table;
  wy_proj_free(&p);
  wy_key_spec_free(&ks);
  join_result_free(&r);
  if (st != WY_OK) {
    wy_logical_destroy(node);
    return st;
  }
  st = wy_analyze_sink(a, node, result_table, false, sink, &node, err);
  a->lq->root = node;
  return st;
}
