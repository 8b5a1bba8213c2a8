/* projection.c — SELECT: its items, their names, the key columns and the PROJECT node
 * (query_int.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyzer/query_int.h"
#include "engine/base/limits.h"

void wy_proj_free(wy_proj_t *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->items[i].name);
    wy_expr_destroy(p->items[i].expr);
  }
  free(p->items);
  memset(p, 0, sizeof *p);
}

static wy_proj_item_t *proj_push(wy_proj_t *p) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    wy_proj_item_t *grown = realloc(p->items, cap * sizeof *grown);
    if (!grown) return NULL;
    p->items = grown;
    p->cap = cap;
  }
  wy_proj_item_t *it = &p->items[p->n++];
  memset(it, 0, sizeof *it);
  return it;
}

/* ksqlDB's generated names: KSQL_COL_<n>, the lowest n not taken by an explicit name. */
static char *next_generated_name(const wy_proj_t *p, const wy_ast_query_t *q, int *counter) {
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

/* Every source of a join has the pseudo columns. */
static bool is_pseudo_name(const char *name) {
  return !strcmp(name, "ROWTIME") || !strcmp(name, "ROWPARTITION") || !strcmp(name, "ROWOFFSET");
}

/* Which alias index name takes for base: 0 for base itself, N for base_N, else -1. */
static long alias_index(const char *name, const char *base) {
  size_t n = strlen(base);
  if (strncmp(name, base, n) != 0) return -1;
  if (!name[n]) return 0;
  if (name[n] != '_' || !name[n + 1]) return -1;
  long idx = 0;
  for (const char *c = name + n + 1; *c; c++) {
    if (*c < '0' || *c > '9' || idx > 100000000) return -1;
    idx = idx * 10 + (*c - '0');
  }
  return idx;
}

/* ksqlDB's ColumnAliasGenerator for a struct field selected without alias: the field's
 * name, unless a source column or an earlier item took it, then name_<n> above the
 * highest index taken (A->B over a source with B is B_1). */
static char *deref_alias(wy_qa_t *a, const char *base, const wy_proj_t *p) {
  long top = -1;
  for (size_t i = 0; i < a->nsrc; i++) {
    const wy_schema_t *sc = &a->src[i].def->schema;
    for (size_t c = 0; c < sc->n; c++) {
      long idx = alias_index(sc->cols[c].name, base);
      if (idx > top) top = idx;
    }
  }
  for (size_t k = 0; k < p->n; k++) {
    long idx = p->items[k].name ? alias_index(p->items[k].name, base) : -1;
    if (idx > top) top = idx;
  }
  if (top < 0) return strdup(base);
  char buf[512];
  snprintf(buf, sizeof buf, "%s_%ld", base, top + 1);
  return strdup(buf);
}

/* Default name of a select expression without alias. */
static char *default_name(wy_qa_t *a, const wy_ast_expr_t *e, const wy_proj_t *p, int *counter) {
  if (e->kind == WY_AST_COLUMN) {
    /* in a join, a qualified column keeps its source's prefix only when both sources
     * have a column of that name (ksqlDB: T_ID, but VAL when only one side has VAL) */
    size_t having = 0;
    for (size_t i = 0; a->joined && i < a->nsrc; i++)
      having += wy_schema_find(&a->src[i].def->schema, e->name) >= 0 || is_pseudo_name(e->name);
    if (a->joined && e->qualifier && having > 1) {
      char buf[512];
      snprintf(buf, sizeof buf, "%s_%s", e->qualifier, e->name);
      return strdup(buf);
    }
    return strdup(e->name);
  }
  if (e->kind == WY_AST_DEREF) return deref_alias(a, e->name, p);
  return next_generated_name(p, a->q, counter);
}

static wy_status_t check_reserved_alias(const wy_ast_select_item_t *it, wy_error_t *err) {
  if (it->alias && wy_analyze_is_reserved(it->alias))
    return wy_error_set_pos(
        err, WY_ERR_ANALYSIS, it->pos.line, it->pos.column,
        "`%s` is a reserved column name. You cannot use it as an alias for a column.", it->alias);
  return WY_OK;
}

/* One column of a `*` expansion. */
static wy_status_t push_star_column(wy_qa_t *a, wy_proj_t *p, const wy_scope_col_t *col,
                                    const wy_ast_select_item_t *it, wy_error_t *err) {
  wy_proj_item_t *pi = proj_push(p);
  if (!pi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  char buf[512];
  if (a->joined && col->alias[0])
    snprintf(buf, sizeof buf, "%s_%s", col->alias, col->name);
  else
    snprintf(buf, sizeof buf, "%s", col->name);
  pi->name = strdup(buf);
  pi->expr =
      wy_expr_column(col->name, col->slot, wy_type_ref(col->type), it->pos.line, it->pos.column);
  if (!pi->expr || wy_expr_bind(pi->expr, a->cx->registry, false, err) != WY_OK)
    return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  pi->col = col;
  if (col->slot >= 0 && (size_t)col->slot < a->nused) a->used[col->slot] = 1;
  wy_analyze_lineage_column(a, pi->name, NULL, col);
  return WY_OK;
}

static bool is_window_bound(const wy_scope_col_t *col) {
  return col->pseudo && (!strcmp(col->name, "WINDOWSTART") || !strcmp(col->name, "WINDOWEND"));
}

/* The window bounds of a windowed source (its WINDOWSTART and WINDOWEND pseudo columns,
 * which only windowed sources have in scope), once per source. */
static wy_status_t push_window_bounds(wy_qa_t *a, wy_proj_t *p, const wy_scope_t *scope,
                                      const char *alias, wy_strlist_t *done,
                                      const wy_ast_select_item_t *it, wy_error_t *err) {
  if (wy_strlist_has(done, alias)) return WY_OK;
  if (!wy_strlist_add(done, alias)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t c = 0; c < scope->n; c++)
    if (is_window_bound(&scope->cols[c]) && !strcmp(scope->cols[c].alias, alias) &&
        push_star_column(a, p, &scope->cols[c], it, err) != WY_OK)
      return err->code;
  return WY_OK;
}

/* `*` (or `S.*`) over the scope's real columns: after PARTITION BY the scope is the
 * re-keyed row, so `*` sees the new key first. A windowed source's bounds follow its
 * key columns where ksqlDB shows them: in a join's columns, and in a SELECT's (push and
 * pull queries); a persistent query over one windowed stream keeps them in its key. */
static wy_status_t expand_star(wy_qa_t *a, wy_proj_t *p, const wy_scope_t *scope,
                               const wy_ast_select_item_t *it, wy_error_t *err) {
  bool windows = a->cx->transient || a->joined;
  wy_strlist_t done = {0};
  wy_status_t st = WY_OK;
  for (size_t c = 0; c < scope->n && st == WY_OK; c++) {
    const wy_scope_col_t *col = &scope->cols[c];
    if (it->kind == WY_AST_ITEM_SOURCE_ALL && strcmp(it->source, col->alias) != 0 &&
        strcmp(it->source, col->source) != 0)
      continue;
    if (windows && ((!col->pseudo && !col->is_key) || is_window_bound(col)))
      st = push_window_bounds(a, p, scope, col->alias, &done, it, err);
    if (st == WY_OK && !col->pseudo) st = push_star_column(a, p, col, it, err);
  }
  wy_strlist_free(&done);
  return st;
}

/* Build the projection over a scope; aggregates go through the rewrite hook. */
wy_status_t wy_analyze_projection(wy_qa_t *a, wy_proj_t *p, const wy_scope_t *scope,
                                  wy_expr_rewrite_fn rewrite, wy_error_t *err) {
  int counter = 0;
  const wy_ast_query_t *q = a->q;
  wy_strlist_free(&a->item_names);
  for (size_t i = 0; i < q->nitems; i++) {
    const wy_ast_select_item_t *it = q->items[i];
    if (check_reserved_alias(it, err) != WY_OK) return err->code;
    if (it->kind == WY_AST_ITEM_ALL || it->kind == WY_AST_ITEM_SOURCE_ALL) {
      wy_strlist_add(&a->item_names, "*"); /* the formatted statement is not printed */
      if (a->aggregate) {
        /* Each column must be a GROUP BY column: it becomes that key column. */
        const wy_source_ref_t *r = &a->src[0];
        for (size_t c = 0; c < r->def->schema.n; c++) {
          const wy_column_t *col = &r->def->schema.cols[c];
          size_t g = 0;
          for (; g < a->ngroup; g++)
            if (a->group[g]->kind == WY_AST_COLUMN && strcmp(a->group[g]->name, col->name) == 0)
              break;
          if (g == a->ngroup) {
            if (!wy_strlist_has(&a->non_agg_cols, col->name))
              wy_strlist_add(&a->non_agg_cols, col->name);
            continue;
          }
          wy_proj_item_t *pi = proj_push(p);
          if (!pi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
          pi->name = strdup(col->name);
          pi->ast = a->group[g];
          pi->expr = wy_expr_column(col->name, (int)g, wy_type_ref(col->type), it->pos.line,
                                    it->pos.column);
          if (!pi->expr || wy_expr_bind(pi->expr, a->cx->registry, false, err) != WY_OK)
            return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        }
        continue;
      }
      if (expand_star(a, p, scope, it, err) != WY_OK) return err->code;
      continue;
    }
    if (it->kind == WY_AST_ITEM_STRUCT_ALL)
      return wy_error_set_pos(err, WY_ERR_UNSUPPORTED, it->pos.line, it->pos.column,
                              "struct->* is not supported yet");
    wy_proj_item_t *pi = proj_push(p);
    if (!pi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    pi->ast = it->expr;
    pi->pos_line = it->pos.line;
    pi->pos_col = it->pos.column;
    wy_convert_ctx_t cx = {.scope = scope,
                           .catalog = a->cx->catalog,
                           .clause = "SELECT",
                           .rewrite = rewrite   ? rewrite
                                      : a->ntfs ? wy_analyze_tf_rewrite
                                                : NULL,
                           .user = a,
                           .used = a->used,
                           .nused = a->nused};
    a->cur_item_bad = false;
    pi->expr = wy_convert_expr(&cx, it->expr, err);
    if (!pi->expr) return err->code;
    if (a->aggregate && a->cur_item_bad) {
      /* ksqlDB names the whole select expression, rendered as it renders expressions. */
      char text[1024];
      wy_convert_ctx_t plain = {
          .scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "SELECT"};
      wy_error_t ig;
      wy_expr_t *x = wy_convert_expr(&plain, it->expr, &ig);
      if (x && wy_expr_bind(x, a->cx->registry, true, &ig) == WY_OK) {
        wy_expr_format(x, text, sizeof text);
      } else {
        char *t = wy_analyze_expr_text(it->expr);
        snprintf(text, sizeof text, "%s", t);
        free(t);
      }
      wy_expr_destroy(x);
      if (!wy_strlist_has(&a->non_agg_cols, text)) wy_strlist_add(&a->non_agg_cols, text);
      a->cur_item_bad = false;
    }
    if (a->aggregate && a->non_agg_cols.n) continue; /* reported after the loop */
    if (wy_expr_bind(pi->expr, a->cx->registry, false, err) != WY_OK) {
      /* ksqlDB finds an impossible cast when it generates the select's code */
      if (strncmp(err->msg, "Cast of ", 8) == 0) wy_error_prefix(err, "Invalid Select");
      return err->code;
    }
    pi->name = it->alias ? strdup(it->alias) : default_name(a, it->expr, p, &counter);
    if (pi->name) wy_strlist_add(&a->item_names, pi->name);
    if (pi->name) wy_analyze_lineage_column(a, pi->name, it->expr, NULL);
    if (!a->aggregate && it->expr->kind == WY_AST_COLUMN) {
      wy_error_t ignore;
      pi->col = wy_scope_resolve(scope, it->expr->qualifier, it->expr->name, "SELECT", &ignore);
      if (pi->col && pi->col->pseudo && !it->alias && wy_analyze_is_reserved(pi->name))
        return wy_error_set_pos(
            err, WY_ERR_ANALYSIS, it->pos.line, it->pos.column,
            "Reserved column name in select: `%s`. Please remove or alias the column.",
            pi->col->name);
    }
  }
  if (a->aggregate && a->non_agg_cols.n) {
    char list[1024];
    wy_strlist_join(&a->non_agg_cols, list, sizeof list, ", ");
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
wy_status_t wy_key_spec_init(wy_key_spec_t *ks, size_t n, const char *kind_word, wy_error_t *err) {
  memset(ks, 0, sizeof *ks);
  ks->kind_word = kind_word;
  ks->ast = calloc(n + 1, sizeof *ks->ast);
  ks->alt = calloc(n + 1, sizeof *ks->alt);
  ks->slot = calloc(n + 1, sizeof *ks->slot);
  if (!ks->ast || !ks->alt || !ks->slot) {
    wy_key_spec_free(ks);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  ks->n = n;
  return WY_OK;
}

void wy_key_spec_free(wy_key_spec_t *ks) {
  free(ks->ast);
  free(ks->alt);
  free(ks->slot);
  ks->ast = ks->alt = NULL;
  ks->slot = NULL;
  ks->n = 0;
}

/* ksqlDB's rendering of an expression with source-qualified columns: ABS(INPUT.ID). */
char *wy_analyze_qualified_text(wy_qa_t *a, const wy_ast_expr_t *e) {
  if (e->kind == WY_AST_COLUMN) {
    wy_error_t ig;
    const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "", &ig);
    char buf[512];
    snprintf(buf, sizeof buf, "%s.%s", c ? c->source : (e->qualifier ? e->qualifier : "?"),
             e->name);
    return strdup(buf);
  }
  if (e->kind == WY_AST_CALL && !e->star) {
    char buf[1024];
    size_t len = (size_t)snprintf(buf, sizeof buf, "%s(", e->name);
    for (size_t i = 0; i < e->nargs && len < sizeof buf; i++) {
      char *arg = wy_analyze_qualified_text(a, e->args[i]);
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", arg ? arg : "?");
      free(arg);
    }
    if (len < sizeof buf) snprintf(buf + len, sizeof buf - len, ")");
    return strdup(buf);
  }
  return wy_analyze_expr_text(e);
}

static bool item_matches_key(wy_qa_t *a, const wy_proj_item_t *it, const wy_key_spec_t *ks,
                             size_t k) {
  /* a join's key: any column equal to it */
  for (size_t i = 0; k == 0 && it->col && !it->col->pseudo && i < ks->nalt; i++)
    if (it->col->slot == ks->alt_slots[i]) return true;
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

/* Where a join's key column stands among the columns equal to the key (the first is the
 * one ksqlDB names the key after); past them for any other item. */
static size_t alt_rank(const wy_key_spec_t *ks, const wy_proj_item_t *it) {
  for (size_t i = 0; it->col && i < ks->nalt; i++)
    if (it->col->slot == ks->alt_slots[i]) return i;
  return ks->nalt;
}

/* WITH (TIMESTAMP='x') names no item of the projection: ksqlDB's error, true. */
static bool timestamp_not_projected(wy_qa_t *a, const wy_proj_t *p, wy_error_t *err) {
  const char *ts = wy_analyze_prop_text(a->stmt, "TIMESTAMP");
  if (!ts) return false;
  char name[256];
  size_t n = 0;
  for (; ts[n] && n + 1 < sizeof name; n++) name[n] = (char)toupper((unsigned char)ts[n]);
  name[n] = '\0';
  for (size_t i = 0; i < p->n; i++)
    if (p->items[i].name && strcmp(p->items[i].name, name) == 0) return false;
  wy_error_set(err, WY_ERR_ANALYSIS,
               "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'",
               name);
  return true;
}

wy_status_t wy_analyze_assign_keys(wy_qa_t *a, wy_proj_t *p, const wy_key_spec_t *ks, int *key_item,
                                   wy_error_t *err) {
  wy_strlist_t missing = {0};
  bool any_missing = false;
  for (size_t k = 0; k < ks->n; k++) {
    key_item[k] = -1;
    const char *first = NULL;
    for (size_t i = 0; i < p->n; i++) {
      if (!item_matches_key(a, &p->items[i], ks, k)) continue;
      const wy_proj_item_t *kept = key_item[k] >= 0 ? &p->items[key_item[k]] : NULL;
      if (kept && ks->nalt &&
          !(kept->ast && p->items[i].ast && alt_rank(ks, kept) == 0 &&
            alt_rank(ks, &p->items[i]) == 0)) {
        /* a join's key is the column ksqlDB names it after (the left's) if selected, else
         * an equal one; an explicit item before a `*` expansion; the others are values */
        const wy_proj_item_t *it = &p->items[i];
        size_t rk = alt_rank(ks, kept) * 2 + !kept->ast, ri = alt_rank(ks, it) * 2 + !it->ast;
        if (ri < rk) {
          p->items[key_item[k]].is_key = false;
          key_item[k] = (int)i;
          first = p->items[i].name;
          p->items[i].is_key = true;
        }
        continue;
      }
      if (key_item[k] >= 0) {
        /* a join's key column is named as the joined row names it: <alias>_<column> */
        char keyname[512];
        const wy_scope_col_t *kc = p->items[i].col;
        if (a->joined && kc && kc->alias[0])
          snprintf(keyname, sizeof keyname, "%s_%s", kc->alias, kc->name);
        else
          snprintf(keyname, sizeof keyname, "%s", first);
        wy_strlist_free(&missing);
        if (strcmp(ks->kind_word, "grouping expression") == 0)
          return wy_error_set(err, WY_ERR_ANALYSIS,
                              "The projection contains a key column more than once: `%s` and `%s`.",
                              first, p->items[i].name);
        /* ksqlDB lists the names in order */
        const char *x = first, *y = p->items[i].name;
        if (strcmp(x, y) > 0) x = p->items[i].name, y = first;
        return wy_error_set(
            err, WY_ERR_ANALYSIS,
            "The projection contains a key column (`%s`) more than once, aliased as: %s and %s.",
            ks->ast[k] && ks->ast[k]->kind == WY_AST_COLUMN ? ks->ast[k]->name : keyname, x, y);
      }
      key_item[k] = (int)i;
      first = p->items[i].name;
      p->items[i].is_key = true;
    }
    if (key_item[k] < 0) any_missing = true;
    /* ksqlDB names every key column of a join or of the source when one is missing */
    if (key_item[k] < 0 || (ks->qualify && ks->n > 1) || !ks->ast[k]) {
      char *text = NULL;
      if (ks->qualify && ks->ast[k]) {
        text = wy_analyze_qualified_text(a, ks->ast[k]);
      } else if (ks->ast[k]) {
        text = wy_analyze_expr_text(ks->ast[k]);
        if (ks->alt[k]) {
          char *alt = wy_analyze_expr_text(ks->alt[k]);
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
      wy_strlist_add(&missing, text ? text : "?");
      free(text);
    }
  }
  /* ksqlDB checks the sink's TIMESTAMP column against the projection before its keys */
  if (any_missing && timestamp_not_projected(a, p, err)) {
    wy_strlist_free(&missing);
    return err->code;
  }
  if (any_missing && ks->synthetic) {
    wy_strlist_free(&missing);
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n"
        "The query used to build `%s` must include the join expression ROWKEY in its projection "
        "(eg, SELECT ROWKEY...).\nROWKEY was added as a synthetic key column because the join "
        "criteria did not match any source column. This expression must be included in the "
        "projection and may be aliased.",
        a->stmt->name ? a->stmt->name : "?");
  }
  if (any_missing && ks->nalt && key_item[0] < 0) {
    /* ksqlDB names every column the join key may be taken from */
    wy_strlist_t alts = {0};
    for (size_t i = 0; i < ks->nalt; i++) wy_strlist_add(&alts, ks->alt_names[i]);
    char list[1024];
    wy_strlist_join(&alts, list, sizeof list, " or ");
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "The query used to build `%s` must include the %s%s %s in its projection (eg, "
                 "SELECT %s...).",
                 a->stmt->name ? a->stmt->name : "?", ks->kind_word, alts.n > 1 ? "s" : "", list,
                 alts.items[0]);
    wy_strlist_free(&alts);
    wy_strlist_free(&missing);
    return err->code;
  }
  if (any_missing && missing.n) {
    char list[1024];
    wy_strlist_join(&missing, list, sizeof list, " and ");
    char eg[1024];
    wy_strlist_join(&missing, eg, sizeof eg, ", ");
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "The query used to build `%s` must include the %s%s %s in its projection (eg, "
                 "SELECT %s...).",
                 a->stmt->name ? a->stmt->name : "?", ks->kind_word, missing.n > 1 ? "s" : "", list,
                 eg);
    wy_strlist_free(&missing);
    return err->code;
  }
  wy_strlist_free(&missing);
  return WY_OK;
}

/* A PROJECT node from a projection whose key items are marked: keys first. */
wy_status_t wy_analyze_project(wy_qa_t *a, wy_proj_t *p, const int *key_item, size_t nkey,
                               wy_logical_t *input, wy_logical_t **out, wy_error_t *err) {
  *out = NULL;
  wy_logical_t *s = wy_logical_new(WY_LOGICAL_PROJECT, input);
  size_t *order = calloc(p->n + nkey + 1, sizeof *order);
  if (!s || !order || !(s->exprs = calloc(p->n + 1, sizeof *s->exprs))) {
    free(order);
    wy_logical_destroy(s);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  s->table = input->table;
  size_t n = 0;
  for (size_t k = 0; k < nkey; k++) order[n++] = (size_t)key_item[k];
  for (size_t i = 0; i < p->n; i++)
    if (!p->items[i].is_key) order[n++] = i;
  wy_status_t st = wy_limit_check(err, WY_LIMIT_COLUMNS, "The projection", n, 0, 0);
  if (st == WY_OK && n == nkey)
    st = wy_error_set(err, WY_ERR_ANALYSIS, "The projection contains no value columns.");
  for (size_t j = 0; j < n && st == WY_OK; j++) {
    wy_proj_item_t *it = &p->items[order[j]];
    /* a SELECT's `*` shows a windowed source's bounds under their own names */
    bool shown_bound = a->cx->transient && !it->ast && it->col && is_window_bound(it->col);
    if (j >= nkey && wy_analyze_is_reserved(it->name) && !shown_bound) {
      st = wy_error_set(err, WY_ERR_ANALYSIS,
                        "Reserved column name in select: `%s`. Please remove or alias the column.",
                        it->name);
      break;
    }
    for (size_t m = 0; m < j && st == WY_OK; m++) {
      if (strcmp(s->exprs[m].name, it->name) != 0) continue;
      char t[256];
      wy_type_format(wy_expr_type(it->expr), t, sizeof t);
      if (j < nkey && m < nkey)
        st = wy_error_set(err, WY_ERR_ANALYSIS,
                          "The projection contains a key column more than once: `%s` and `%s`.",
                          it->name, it->name);
      else
        st = wy_error_set(err, WY_ERR_ANALYSIS, "Duplicate value columns found in schema: `%s` %s",
                          it->name, t);
    }
    if (st != WY_OK) break;
    wy_named_expr_t *pe = &s->exprs[s->nexprs++];
    pe->name = strdup(it->name);
    pe->type = wy_type_ref(wy_expr_type(it->expr));
    if (!pe->name || !(pe->prog = wy_analyze_compile(it->expr, err))) {
      st = err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      break;
    }
    st = wy_analyze_add_column(s, it->name, wy_type_ref(pe->type),
                               j < nkey ? WY_NS_KEY : WY_NS_VALUE, err);
  }
  free(order);
  if (st != WY_OK) {
    wy_logical_destroy(s);
    return st;
  }
  s->nkey = nkey;
  *out = s;
  return WY_OK;
}
