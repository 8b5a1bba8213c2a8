/*
 * query.c — CSAS, CTAS and INSERT INTO ... SELECT: from a SELECT to a logical plan.
 *
 * The entry resolves the FROM and JOIN sources into one input scope, then hands the
 * statement to its shape: plain (this file), aggregate (aggregate.c) or join (join.c);
 * each builds the logical tree from the sources up and ends it with the sink built
 * here. Rows and scopes: query_int.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/analyzer/query_int.h"
#include "engine/base/limits.h"
#include "engine/formats/avro.h"
#include "engine/lineage/lineage.h"

/* How many pseudo columns a row of source d shows: the window bounds only when its key
 * is windowed. */
static int visible_pseudo(const wy_source_def_t *d) {
  return d->window != WY_WINDOW_NONE ? WY_ROW_NPSEUDO : WY_PSEUDO_WINDOWSTART;
}

/* ---- small helpers ------------------------------------------------------------------ */

void wy_strlist_free(wy_strlist_t *l) {
  for (size_t i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

bool wy_strlist_has(const wy_strlist_t *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i], s) == 0) return true;
  return false;
}

bool wy_strlist_add(wy_strlist_t *l, const char *s) {
  char **grown = realloc(l->items, (l->n + 1) * sizeof *grown);
  if (!grown) return false;
  l->items = grown;
  l->items[l->n] = strdup(s);
  if (!l->items[l->n]) return false;
  l->n++;
  return true;
}

void wy_strlist_join(const wy_strlist_t *l, char *buf, size_t cap, const char *last_sep) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < l->n; i++) {
    const char *sep = i == 0 ? "" : (i == l->n - 1 ? last_sep : ", ");
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", sep, l->items[i]);
    if (len >= cap) break;
  }
}

char *wy_analyze_expr_text(const wy_ast_expr_t *e) {
  char *s = wy_ast_expr_to_sql(e);
  return s ? s : strdup("?");
}

const char *wy_analyze_prop(const wy_qa_t *a, const char *name) {
  return a->cx->property ? a->cx->property(a->cx->user, name) : NULL;
}

wy_expr_program_t *wy_analyze_compile(wy_expr_t *x, wy_error_t *err) {
  wy_expr_program_t *p = NULL;
  if (wy_expr_compile(x, &p, err) != WY_OK) return NULL;
  return p;
}

wy_status_t wy_analyze_add_column(wy_logical_t *n, const char *name, const wy_type_t *type,
                                  wy_col_ns_t ns, wy_error_t *err) {
  return wy_schema_add(&n->schema, name, type, ns, NULL, err);
}

wy_status_t wy_analyze_add_key_expr(wy_logical_t *sk, const char *name, wy_expr_t *x,
                                    wy_error_t *err) {
  wy_named_expr_t *e = &sk->exprs[sk->nexprs++];
  e->name = strdup(name);
  e->type = wy_type_ref(wy_expr_type(x));
  e->prog = wy_analyze_compile(x, err);
  wy_expr_destroy(x);
  if (!e->name || !e->prog)
    return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return wy_analyze_add_column(sk, name, wy_type_ref(e->type), WY_NS_KEY, err);
}

/* ---- sources ------------------------------------------------------------------------ */

static wy_status_t add_source_to_scope(wy_qa_t *a, wy_source_ref_t *r, int base, wy_error_t *err) {
  r->base = base;
  const wy_schema_t *s = &r->def->schema;
  for (size_t i = 0; i < s->n; i++) {
    const wy_column_t *c = &s->cols[i];
    if (wy_scope_add(&a->in_scope, r->def->name, r->alias, c->name, base + (int)i,
                     wy_type_ref(c->type), c->ns == WY_NS_KEY, false,
                     c->ns == WY_NS_HEADER || c->ns == WY_NS_HEADERS, err) != WY_OK)
      return err->code;
  }
  for (int i = 0; i < visible_pseudo(r->def); i++)
    if (wy_scope_add(&a->in_scope, r->def->name, r->alias, wy_row_pseudo_name(i),
                     base + (int)s->n + i, wy_row_pseudo_type(i), false, true, false, err) != WY_OK)
      return err->code;
  return WY_OK;
}

static wy_status_t resolve_relation(wy_qa_t *a, const wy_ast_relation_t *r, wy_source_ref_t *out,
                                    wy_error_t *err) {
  const wy_source_def_t *d = wy_catalog_find(a->cx->catalog, r->name);
  if (!d)
    return wy_error_set_pos(err, WY_ERR_NOT_FOUND, r->pos.line, r->pos.column, "%s does not exist.",
                            r->name);
  out->def = d;
  out->alias = r->alias ? r->alias : d->name;
  out->table = d->kind == WY_SOURCE_TABLE;
  return WY_OK;
}

bool wy_analyze_is_key_ref(wy_qa_t *a, const wy_ast_expr_t *e, const wy_source_ref_t *r,
                           int *key_index) {
  if (e->kind != WY_AST_COLUMN) return false;
  wy_error_t ignore;
  const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, e->qualifier, e->name, "JOIN", &ignore);
  if (!c || !c->is_key) return false;
  int idx = c->slot - r->base;
  if (idx < 0 || (size_t)idx >= r->def->schema.n) return false;
  if (key_index) *key_index = idx;
  return true;
}

/* A STRING event-time column with ksqlDB's TIMESTAMP_FORMAT (a Java pattern): the
 * program PARSE_TIMESTAMP(column, format) over the row; *out NULL for any other. */
static wy_status_t event_time(wy_qa_t *a, const wy_schema_t *s, int slot, const char *format,
                              wy_expr_program_t **out, wy_error_t *err) {
  *out = NULL;
  if (slot < 0 || !format) return WY_OK;
  const wy_column_t *tc = &s->cols[slot];
  wy_value_t fmt = wy_string(format, strlen(format));
  wy_expr_t *args[2] = {wy_expr_column(tc->name, slot, wy_type_ref(tc->type), 0, 0),
                        wy_expr_literal(&fmt, wy_type_string(), 0, 0)};
  wy_expr_t *call = wy_expr_call("PARSE_TIMESTAMP", args, 2, 0, 0);
  wy_status_t st = call && wy_expr_bind(call, a->cx->registry, false, err) == WY_OK
                       ? wy_expr_compile(call, out, err)
                       : WY_ERR_NOMEM;
  wy_expr_destroy(call);
  if (st != WY_OK) return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return WY_OK;
}

wy_status_t wy_analyze_source(wy_qa_t *a, const wy_source_def_t *d, wy_logical_t **out,
                              wy_error_t *err) {
  wy_logical_t *n = wy_logical_new(WY_LOGICAL_SOURCE, NULL);
  *out = n;
  if (!n) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  n->table = d->kind == WY_SOURCE_TABLE;
  n->nkey = wy_schema_count_ns(&d->schema, WY_NS_KEY);
  n->source.name = strdup(d->name);
  n->source.topic = strdup(d->topic);
  if (!n->source.name || !n->source.topic) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_schema_copy(&n->schema, &d->schema, err) != WY_OK) return err->code;
  n->source.key_format = d->key_format;
  n->source.value_format = d->value_format;
  n->source.window = d->window;
  n->source.window_size = d->window_size_ms;
  n->source.partitions = d->partitions;
  n->source.timestamp_slot =
      d->timestamp_column ? wy_schema_find(&d->schema, d->timestamp_column) : -1;
  const char *thr = wy_analyze_prop(a, "ksql.timestamp.throw.on.invalid");
  n->source.timestamp_throw = thr && !strcasecmp(thr, "true");
  return event_time(a, &d->schema, n->source.timestamp_slot, d->timestamp_format,
                    &n->source.timestamp_prog, err);
}

/* ---- WHERE -------------------------------------------------------------------------- */

wy_status_t wy_analyze_filter(wy_logical_t **node, wy_expr_program_t *pred, wy_error_t *err) {
  wy_logical_t *f = wy_logical_new(WY_LOGICAL_FILTER, *node);
  *node = f;
  if (!f) {
    wy_expr_program_destroy(pred);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  f->predicate = pred;
  f->table = f->input->table;
  f->nkey = f->input->nkey;
  return wy_schema_copy(&f->schema, &f->input->schema, err);
}

wy_status_t wy_analyze_where(wy_qa_t *a, const wy_scope_t *scope, wy_logical_t **node,
                             wy_error_t *err) {
  if (!a->q->where) return WY_OK;
  wy_convert_ctx_t cx = {.scope = scope,
                         .catalog = a->cx->catalog,
                         .clause = "WHERE",
                         .used = a->used,
                         .nused = a->nused};
  wy_expr_t *x = wy_convert_expr(&cx, a->q->where, err);
  if (!x) return err->code;
  if (wy_expr_bind(x, a->cx->registry, false, err) != WY_OK) {
    wy_expr_destroy(x);
    if (strncmp(err->msg, "operator does not exist", 23) == 0 ||
        strncmp(err->msg, "invalid input syntax", 20) == 0 || strncmp(err->msg, "Cast of ", 8) == 0)
      wy_error_prefix(err, "Invalid Predicate");
    else if (strncmp(err->msg, "Invalid Predicate", 17) != 0 &&
             strncmp(err->msg, "Can't find", 10) != 0 && strncmp(err->msg, "Function", 8) != 0)
      wy_error_prefix(err, "Error in WHERE expression");
    return err->code;
  }
  if (wy_expr_check_boolean(x, err) != WY_OK) {
    wy_expr_destroy(x);
    return wy_error_prefix(err, "Type error in WHERE expression");
  }
  wy_expr_program_t *pred = wy_analyze_compile(x, err);
  wy_expr_destroy(x);
  if (!pred) return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return wy_analyze_filter(node, pred, err);
}

/* ---- the sink ----------------------------------------------------------------------- */

/* CREATE OR REPLACE of an existing source: ksqlDB's upgrade rules. The kind stays; the
 * key columns stay; every value column stays with its type and place, new ones come
 * after them. */
static wy_status_t check_upgrade(const wy_source_def_t *old, bool want_table,
                                 const wy_schema_t *schema, wy_error_t *err) {
  const char *issue = NULL;
  char text[5400], now[2048], was[2048]; /* room for both schemas and the changed ones */
  if ((old->kind == WY_SOURCE_TABLE) != want_table) {
    snprintf(text, sizeof text, "has type = %s which is not upgrade compatible with %s",
             want_table ? "KTABLE" : "KSTREAM",
             old->kind == WY_SOURCE_TABLE ? "KTABLE" : "KSTREAM");
    issue = text;
  } else {
    /* the old columns not kept as they were, at their place */
    wy_schema_t lost;
    wy_schema_init(&lost);
    for (size_t i = 0; i < old->schema.n; i++) {
      const wy_column_t *o = &old->schema.cols[i], *c = i < schema->n ? &schema->cols[i] : NULL;
      if (!c || strcmp(o->name, c->name) != 0 || o->ns != c->ns || !wy_type_equal(o->type, c->type))
        wy_schema_add(&lost, o->name, wy_type_ref(o->type), o->ns, NULL, NULL);
    }
    bool ok = lost.n == 0;
    for (size_t i = old->schema.n; ok && i < schema->n; i++) ok = schema->cols[i].ns != WY_NS_KEY;
    if (!ok) {
      char changed[1024] = "";
      wy_schema_format(&lost, false, changed, sizeof changed);
      wy_schema_format(schema, false, now, sizeof now);
      wy_schema_format(&old->schema, false, was, sizeof was);
      snprintf(text, sizeof text,
               "has schema = %s which is not upgrade compatible with %s. The following columns "
               "are changed, missing or reordered: [%s]",
               now, was, changed);
      issue = text;
    }
    wy_schema_clear(&lost);
  }
  if (!issue) return WY_OK;
  return wy_error_set(err, WY_ERR_ANALYSIS, "Cannot upgrade data source: DataSource '`%s`' %s",
                      old->name, issue);
}

/* ksqlDB's implicit casts of INSERT INTO: a numeric column widens (INT to BIGINT,
 * DECIMAL or DOUBLE; BIGINT to DECIMAL or DOUBLE; DECIMAL to DOUBLE, or to a DECIMAL
 * with as many integer and fraction digits). */
static bool implicitly_casts(const wy_type_t *from, const wy_type_t *to) {
  if (wy_type_equal(from, to)) return true;
  static const int rank[WY_T__COUNT] = {
      [WY_T_INT] = 1, [WY_T_BIGINT] = 2, [WY_T_DECIMAL] = 3, [WY_T_DOUBLE] = 4};
  int rf = rank[from->kind], rt = rank[to->kind];
  if (!rf || !rt) return false;
  if (from->kind == WY_T_DECIMAL && to->kind == WY_T_DECIMAL)
    return from->scale <= to->scale && from->precision - from->scale <= to->precision - to->scale;
  return rf < rt;
}

/* Same columns in the same order, each castable to the sink's. */
static bool castable_schema(const wy_schema_t *from, const wy_schema_t *to) {
  if (from->n != to->n) return false;
  for (size_t i = 0; i < from->n; i++)
    if (strcmp(from->cols[i].name, to->cols[i].name) != 0 || from->cols[i].ns != to->cols[i].ns ||
        !implicitly_casts(from->cols[i].type, to->cols[i].type))
      return false;
  return true;
}

/* A PROJECT between the query's result and the sink casting each column to the sink's
 * type. */
static wy_status_t cast_to_sink(wy_qa_t *a, wy_logical_t *sink, const wy_schema_t *to,
                                wy_error_t *err) {
  wy_logical_t *in = sink->input;
  wy_logical_t *c = wy_logical_new(WY_LOGICAL_PROJECT, in); /* destroys in on failure */
  sink->input = c;                                          /* the sink owns what it reads */
  if (!c || !(c->exprs = calloc(to->n + 1, sizeof *c->exprs)))
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  c->table = in->table;
  c->nkey = in->nkey;
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < to->n && st == WY_OK; i++) {
    const wy_column_t *col = &in->schema.cols[i];
    wy_expr_t *x = wy_expr_column(col->name, (int)i, wy_type_ref(col->type), 0, 0);
    if (x && !wy_type_equal(col->type, to->cols[i].type))
      x = wy_expr_cast(x, wy_type_ref(to->cols[i].type), 0, 0);
    if (!x) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (wy_expr_bind(x, a->cx->registry, false, err) != WY_OK) {
      wy_expr_destroy(x);
      return err->code;
    }
    wy_named_expr_t *e = &c->exprs[c->nexprs++];
    e->name = strdup(col->name);
    e->type = wy_type_ref(to->cols[i].type);
    e->prog = wy_analyze_compile(x, err);
    wy_expr_destroy(x);
    if (!e->name || !e->prog)
      return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    st = wy_analyze_add_column(c, col->name, wy_type_ref(e->type), col->ns, err);
  }
  if (st == WY_OK) {
    wy_schema_clear(&sink->schema);
    wy_schema_init(&sink->schema);
    st = wy_schema_copy(&sink->schema, to, err);
  }
  return st;
}

/* INSERT INTO: the existing stream the query writes, with ksqlDB's checks. */
static wy_status_t insert_target(wy_qa_t *a, const wy_schema_t *out_schema, bool result_is_table,
                                 wy_logical_t *n, wy_error_t *err) {
  const wy_ast_stmt_t *s = a->stmt;
  const wy_source_def_t *t = wy_catalog_find(a->cx->catalog, s->name);
  if (!t)
    return wy_error_set(err, WY_ERR_NOT_FOUND, "Line: %d, Col: %d: Source `%s` does not exist.",
                        s->name_pos.line, s->name_pos.column, s->name);
  if (t->kind == WY_SOURCE_TABLE)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "INSERT INTO can only be used to insert into a stream. %s is a table.",
                        t->name);
  if (t->is_source)
    return wy_error_set(err, WY_ERR_ANALYSIS, "Cannot insert into read-only stream: %s", t->name);
  if (result_is_table)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Incompatible data sink and query result. Data sink (%s) type is KSTREAM but "
        "select query result is KTABLE.",
        t->name);
  for (size_t i = 0; i < t->schema.n; i++)
    if (t->schema.cols[i].ns == WY_NS_HEADER || t->schema.cols[i].ns == WY_NS_HEADERS)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Cannot insert into %s because it has header columns", t->name);
  if (!wy_schema_equal(out_schema, &t->schema) && castable_schema(out_schema, &t->schema)) {
    if (cast_to_sink(a, n, &t->schema, err) != WY_OK) return err->code;
  } else if (!wy_schema_equal(out_schema, &t->schema)) {
    char r[2048], k[2048];
    wy_schema_format(out_schema, false, r, sizeof r);
    wy_schema_format(&t->schema, false, k, sizeof k);
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s", r,
        k);
  }
  n->sink.name = strdup(t->name);
  n->sink.topic = strdup(t->topic);
  n->sink.key_format = t->key_format;
  n->sink.value_format = t->value_format;
  n->sink.window = t->window;
  n->sink.timestamp_slot =
      t->timestamp_column ? wy_schema_find(out_schema, t->timestamp_column) : -1;
  a->lq->partitions = t->partitions;
  if (!n->sink.name || !n->sink.topic) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return event_time(a, out_schema, n->sink.timestamp_slot, t->timestamp_format,
                    &n->sink.timestamp_prog, err);
}

/* CSAS / CTAS: the new stream or table's definition. */
static wy_status_t new_sink(wy_qa_t *a, const wy_schema_t *out_schema, bool result_is_table,
                            bool key_none, wy_source_def_t **sink_out, wy_error_t *err) {
  const wy_ast_stmt_t *s = a->stmt;
  const wy_source_ref_t *left = &a->src[0];
  bool want_table = s->kind == WY_AST_STMT_CREATE_TABLE_AS;
  if (want_table && !result_is_table)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE "
        "STREAM AS SELECT statement instead.");
  if (!want_table && result_is_table)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
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
  if (existing && check_upgrade(existing, want_table, out_schema, err) != WY_OK) return err->code;
  wy_source_def_t *d = wy_source_def_new(s->name, want_table ? WY_SOURCE_TABLE : WY_SOURCE_STREAM);
  if (!d) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  *sink_out = d;
  if (wy_schema_copy(&d->schema, out_schema, err) != WY_OK) return err->code;
  const char *topic = wy_analyze_prop_text(s, "KAFKA_TOPIC");
  char buf[512];
  if (!topic) {
    const char *prefix = wy_analyze_prop(a, "ksql.output.topic.name.prefix");
    snprintf(buf, sizeof buf, "%s%s", prefix ? prefix : "", s->name);
    topic = buf;
  }
  d->topic = strdup(topic);
  d->sql = s->text ? strdup(s->text) : NULL;
  d->window = a->result_window;
  d->window_size_ms = a->result_window_size;
  /* Formats: WITH, else inherited from the (left) source. */
  wy_format_spec_t kf, vf;
  wy_format_spec_init(&kf, NULL);
  wy_format_spec_init(&vf, NULL);
  if (wy_analyze_formats(a->cx, s, &kf, &vf, false, false, err) != WY_OK) return err->code;
  d->key_format = kf.name[0] ? kf : left->def->key_format;
  if (!kf.name[0]) {
    if (kf.delimiter) d->key_format.delimiter = kf.delimiter;
    /* the source's schema id and record name are its own: the sink's are derived */
    d->key_format.wrap_single = -1;
    d->key_format.schema_id = -1;
    d->key_format.full_schema_name[0] = '\0';
    d->key_format.full_schema_set = false;
    if (strcmp(d->key_format.name, "NONE") == 0 && wy_schema_count_ns(out_schema, WY_NS_KEY) > 0) {
      const char *dk = wy_analyze_prop(a, "ksql.persistence.default.format.key");
      wy_format_spec_init(&d->key_format, dk && *dk ? dk : "KAFKA");
    }
  }
  const char *explicit_key = wy_analyze_prop_text(s, "KEY_FORMAT");
  if (key_none && explicit_key && strcasecmp(explicit_key, "NONE") != 0)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Key format specified for stream without key columns.");
  if (key_none) wy_format_spec_init(&d->key_format, "NONE");
  d->value_format = vf.name[0] ? vf : left->def->value_format;
  if (!vf.name[0]) {
    if (vf.delimiter) d->value_format.delimiter = vf.delimiter; /* WITH (VALUE_DELIMITER=...) */
    d->value_format.schema_id = -1;
    d->value_format.full_schema_name[0] = '\0';
    d->value_format.full_schema_set = false;
    const char *wrap = wy_analyze_prop_text(s, "WRAP_SINGLE_VALUE");
    if (!wrap) d->value_format.wrap_single = -1;
  }
  /* a schema name in WITH names the sink's record, also with an inherited format */
  if (vf.full_schema_set) {
    memcpy(d->value_format.full_schema_name, vf.full_schema_name, sizeof vf.full_schema_name);
    d->value_format.full_schema_set = true;
  }
  if (kf.full_schema_set) {
    memcpy(d->key_format.full_schema_name, kf.full_schema_name, sizeof kf.full_schema_name);
    d->key_format.full_schema_set = true;
  }
  if (vf.wrap_single >= 0) d->value_format.wrap_single = vf.wrap_single;
  const char *parts = wy_analyze_prop_text(s, "PARTITIONS");
  d->partitions = parts ? atoi(parts) : left->def->partitions;
  if (d->partitions > (int)wy_limit(WY_LIMIT_PARTITIONS))
    return wy_limit_refuse(err, WY_LIMIT_PARTITIONS, "The sink topic", (size_t)d->partitions, 0, 0);
  const char *reps = wy_analyze_prop_text(s, "REPLICAS");
  d->replicas = reps ? atoi(reps) : left->def->replicas;
  if (wy_analyze_timestamp_column(s, d, err) != WY_OK) return err->code;
  d->query_id = strdup(a->lq->id);
  if (wy_analyze_check_key_types(&d->schema, err) != WY_OK) return err->code;
  if (wy_analyze_check_format(&d->schema, true, &d->key_format, err) != WY_OK ||
      wy_analyze_check_format(&d->schema, false, &d->value_format, err) != WY_OK) {
    /* ksqlDB refuses the sink's formats while planning, naming the statement it planned */
    char *text = wy_analyze_statement_text(a);
    size_t used = strlen(err->msg);
    if (text) snprintf(err->msg + used, sizeof err->msg - used, "\nStatement: %s", text);
    free(text);
    return err->code;
  }
  a->lq->partitions = d->partitions;
  return WY_OK;
}

wy_status_t wy_analyze_sink(wy_qa_t *a, wy_logical_t *input, bool result_is_table, bool key_none,
                            wy_source_def_t **sink_out, wy_logical_t **out, wy_error_t *err) {
  wy_logical_t *n = wy_logical_new(WY_LOGICAL_SINK, input);
  *out = n;
  *sink_out = NULL;
  if (!n) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  n->nkey = input->nkey;
  if (wy_schema_copy(&n->schema, &input->schema, err) != WY_OK) return err->code;
  if (a->stmt->kind == WY_AST_STMT_INSERT_INTO)
    return insert_target(a, &input->schema, result_is_table, n, err);
  n->table = a->stmt->kind == WY_AST_STMT_CREATE_TABLE_AS;
  if (new_sink(a, &input->schema, result_is_table, key_none, sink_out, err) != WY_OK)
    return err->code;
  const wy_source_def_t *d = *sink_out;
  n->sink.name = strdup(d->name);
  n->sink.topic = strdup(d->topic);
  n->sink.key_format = d->key_format;
  n->sink.value_format = d->value_format;
  n->sink.window = d->window;
  n->sink.timestamp_slot =
      d->timestamp_column ? wy_schema_find(&input->schema, d->timestamp_column) : -1;
  if (!n->sink.name || !n->sink.topic) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return event_time(a, &input->schema, n->sink.timestamp_slot, d->timestamp_format,
                    &n->sink.timestamp_prog, err);
}

/* The key record a sink (and the query's repartition topics) writes under a Schema
 * Registry format is named after the sink, as ksqlDB names it. */
static wy_status_t name_key_schema(wy_logical_t *sink, wy_error_t *err) {
  char name[256];
  wy_avro_key_schema_name(sink->sink.name, name, sizeof name);
  sink->sink.key_schema_name = strdup(name);
  return sink->sink.key_schema_name ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
}

/* ---- the plain shape: FROM one source [WHERE] [PARTITION BY] ---------------------- */

/* PARTITION BY builds a new row: the new key columns, then the old value columns that
 * did not become keys, then the old key columns. The projection then sees that row. */
/* Does x read a column of the source that is not a key column (a value, header or
 * pseudo column)? */
static bool reads_non_key(const wy_expr_t *x, const wy_schema_t *source) {
  if (wy_expr_kind(x) == WY_E_COLUMN) {
    int at = wy_schema_find(source, wy_expr_name(x));
    return at < 0 || source->cols[at].ns != WY_NS_KEY;
  }
  for (size_t i = 0; i < wy_expr_child_count(x); i++)
    if (reads_non_key(wy_expr_child(x, i), source)) return true;
  return false;
}

static wy_status_t partition_by(wy_qa_t *a, wy_logical_t **node, wy_key_spec_t *ks,
                                wy_scope_t *pscope, bool *key_none, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  const wy_source_ref_t *r = &a->src[0];
  if (r->table)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Unsupported PARTITION BY on a table: only streams can be repartitioned.");
  if (q->npartition_by == 0)
    return wy_error_set(err, WY_ERR_ANALYSIS, "PARTITION BY requires at least one expression");
  bool null_key = q->npartition_by == 1 && q->partition_by[0]->kind == WY_AST_LITERAL &&
                  q->partition_by[0]->lit == WY_AST_LIT_NULL;
  for (size_t i = 0; i < q->npartition_by; i++)
    if (q->npartition_by > 1 && q->partition_by[i]->kind == WY_AST_LITERAL &&
        q->partition_by[i]->lit == WY_AST_LIT_NULL)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Cannot PARTITION BY multiple columns including NULL");
  size_t nk = null_key ? 0 : q->npartition_by;
  if (wy_limit_check(err, WY_LIMIT_KEY_COLUMNS, "PARTITION BY", nk,
                     nk ? q->partition_by[0]->pos.line : 0,
                     nk ? q->partition_by[0]->pos.column : 0) != WY_OK)
    return err->code;
  if (wy_key_spec_init(ks, nk, "partitioning expression", err) != WY_OK) return err->code;
  wy_logical_t *sk = wy_logical_new(WY_LOGICAL_SELECT_KEY, *node);
  *node = sk;
  bool *consumed = calloc(r->def->schema.n + 1, sizeof *consumed);
  if (!sk || !consumed || !(sk->exprs = calloc(nk + 1, sizeof *sk->exprs)) ||
      !(sk->keep = calloc(r->def->schema.n + 1, sizeof *sk->keep))) {
    free(consumed);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  int counter = 0;
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < nk && st == WY_OK; i++) {
    const wy_ast_expr_t *pe = q->partition_by[i];
    wy_convert_ctx_t cx = {
        .scope = &a->in_scope, .catalog = a->cx->catalog, .clause = "PARTITION BY"};
    wy_expr_t *x = wy_convert_bind(&cx, pe, a->cx->registry, false, err);
    if (!x) {
      if (pe->kind == WY_AST_COLUMN && strstr(err->msg, "cannot be resolved"))
        wy_error_set_pos(
            err, WY_ERR_ANALYSIS, pe->pos.line, pe->pos.column,
            "PARTITION BY column '%s' cannot be resolved. '%s' must be a column in the source "
            "schema since PARTITION BY is applied on the input.",
            pe->name, pe->name);
      st = err->code;
      break;
    }
    char name[256];
    if (pe->kind == WY_AST_COLUMN) {
      snprintf(name, sizeof name, "%s", pe->name);
      wy_error_t ig;
      const wy_scope_col_t *c = wy_scope_resolve(&a->in_scope, pe->qualifier, pe->name, "", &ig);
      if (c && !c->pseudo && (size_t)c->slot < r->def->schema.n) consumed[c->slot] = true;
    } else if (pe->kind == WY_AST_DEREF) {
      snprintf(name, sizeof name, "%s", pe->name);
    } else {
      snprintf(name, sizeof name, "KSQL_COL_%d", counter++);
    }
    bool reads_value = reads_non_key(x, &r->def->schema);
    st = wy_analyze_add_key_expr(sk, name, x, err);
    if (st == WY_OK) sk->exprs[sk->nexprs - 1].reads_value = reads_value;
    ks->ast[i] = pe;
  }
  /* value columns not consumed, then the old keys */
  for (int pass = 0; pass < 2 && st == WY_OK; pass++) {
    for (size_t c = 0; c < r->def->schema.n && st == WY_OK; c++) {
      const wy_column_t *col = &r->def->schema.cols[c];
      bool is_key = col->ns == WY_NS_KEY;
      if (is_key != (pass == 1) || consumed[c]) continue;
      if (wy_schema_find(&sk->schema, col->name) >= 0) continue;
      sk->keep[sk->nkeep++] = (int)c;
      st = wy_schema_add(&sk->schema, col->name, wy_type_ref(col->type),
                         col->ns == WY_NS_KEY ? WY_NS_VALUE : col->ns, col->header_key, err);
    }
  }
  free(consumed);
  if (st != WY_OK) return st;
  sk->nkey = nk;
  sk->table = r->table;
  *key_none = null_key;
  for (size_t c = 0; c < sk->schema.n && st == WY_OK; c++) {
    const wy_column_t *col = &sk->schema.cols[c];
    st = wy_scope_add(pscope, r->def->name, r->alias, col->name, (int)c, wy_type_ref(col->type),
                      c < nk, false, false, err);
  }
  for (int i = 0; i < visible_pseudo(r->def) && st == WY_OK; i++)
    st = wy_scope_add(pscope, r->def->name, r->alias, wy_row_pseudo_name(i), (int)sk->schema.n + i,
                      wy_row_pseudo_type(i), false, true, false, err);
  /* Key expressions now match the new key columns by slot. */
  for (size_t i = 0; i < nk; i++) ks->slot[i] = (int)i;
  ks->by_slot = true;
  ks->qualify = true;
  return st;
}

/* ksql.new.query.planner.enabled: ksqlDB's newer planner lets a plain projection drop
 * or reorder the source's key columns. */
static bool new_planner(wy_qa_t *a) {
  const char *v = wy_analyze_prop(a, "ksql.new.query.planner.enabled");
  return v && strcasecmp(v, "true") == 0;
}

/* Does the projection select every key column of ks (as plain column references)? */
static bool all_keys_selected(const wy_proj_t *p, const wy_key_spec_t *ks) {
  for (size_t k = 0; k < ks->n; k++) {
    bool found = false;
    for (size_t i = 0; i < p->n && !found; i++)
      found = p->items[i].col && p->items[i].col->slot == ks->slot[k];
    if (!found) return false;
  }
  return true;
}

wy_status_t wy_analyze_plain(wy_qa_t *a, wy_source_def_t **sink, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  const wy_source_ref_t *r = &a->src[0];
  wy_logical_t *node = NULL;
  wy_status_t st = wy_analyze_source(a, r->def, &node, err);
  wy_logical_t *source = node;
  if (st == WY_OK) st = wy_analyze_where(a, &a->in_scope, &node, err);
  bool key_none = false;
  wy_scope_t pscope;
  wy_scope_init(&pscope);
  const wy_scope_t *proj_scope = &a->in_scope;
  wy_key_spec_t ks = {0};
  if (st == WY_OK && q->has_partition_by) {
    st = partition_by(a, &node, &ks, &pscope, &key_none, err);
    proj_scope = &pscope;
  } else if (st == WY_OK) {
    st = wy_key_spec_init(&ks, wy_schema_count_ns(&r->def->schema, WY_NS_KEY), "key column", err);
    size_t k = 0;
    for (size_t c = 0; st == WY_OK && c < r->def->schema.n; c++)
      if (r->def->schema.cols[c].ns == WY_NS_KEY) ks.slot[k++] = (int)c;
  }
  wy_scope_t fscope;
  wy_scope_init(&fscope);
  if (st == WY_OK) st = wy_analyze_flat_map(a, &node, &proj_scope, &fscope, err);
  wy_proj_t p = {0};
  int *key_item = st == WY_OK ? calloc(ks.n + 1, sizeof *key_item) : NULL;
  if (st == WY_OK && !key_item) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (st == WY_OK) st = wy_analyze_projection(a, &p, proj_scope, NULL, err);
  if (st == WY_OK && !q->has_partition_by && new_planner(a) && !all_keys_selected(&p, &ks)) {
    ks.n = 0; /* the new planner's result of a projection without the source key: key-less */
    key_none = true;
  }
  if (st == WY_OK) st = wy_analyze_assign_keys(a, &p, &ks, key_item, err);
  if (st == WY_OK && !q->has_partition_by && new_planner(a)) {
    /* ... and its key columns in the order the projection names them */
    for (size_t i = 1; i < ks.n; i++)
      for (size_t j = i; j > 0 && key_item[j - 1] > key_item[j]; j--) {
        int t = key_item[j];
        key_item[j] = key_item[j - 1];
        key_item[j - 1] = t;
      }
  }
  if (st == WY_OK) {
    wy_logical_t *proj = NULL;
    st = wy_analyze_project(a, &p, key_item, ks.n, node, &proj, err);
    node = proj;
  }
  wy_proj_free(&p);
  free(key_item);
  wy_key_spec_free(&ks);
  wy_scope_clear(&pscope);
  wy_scope_clear(&fscope);
  if (st != WY_OK) {
    wy_logical_destroy(node);
    return st;
  }
  /* A result keyed as its source keeps the source's window. */
  if (!q->has_partition_by) {
    a->result_window = r->def->window;
    a->result_window_size = r->def->window_size_ms;
  }
  /* Without a re-keying step the row's slots are the source's: the decoder may skip the
   * columns nothing reads. The TIMESTAMP column is read by the source itself. */
  if (!q->has_partition_by && (source->source.used = calloc(r->def->schema.n + 1, 1))) {
    memcpy(source->source.used, a->used, r->def->schema.n);
    if (source->source.timestamp_slot >= 0) source->source.used[source->source.timestamp_slot] = 1;
  }
  st = wy_analyze_sink(a, node, r->table, key_none, sink, &node, err);
  a->lq->root = node;
  return st;
}

/* ---- entry -------------------------------------------------------------------------- */

static wy_status_t set_query_id(wy_qa_t *a, wy_error_t *err) {
  const wy_ast_stmt_t *s = a->stmt;
  char buf[512];
  int n = a->cx->next_query_number;
  const wy_source_def_t *replaced = s->or_replace ? wy_catalog_find(a->cx->catalog, s->name) : NULL;
  if (replaced && replaced->query_id) /* an upgrade keeps the query, its offsets and state */
    snprintf(buf, sizeof buf, "%s", replaced->query_id);
  else if (s->kind == WY_AST_STMT_INSERT_INTO)
    snprintf(buf, sizeof buf, "INSERTQUERY_%d", n);
  else
    snprintf(buf, sizeof buf, "%s_%s_%d", s->kind == WY_AST_STMT_CREATE_TABLE_AS ? "CTAS" : "CSAS",
             s->name, n);
  a->lq->id = strdup(buf);
  a->lq->kind = s->kind == WY_AST_STMT_INSERT_INTO       ? WY_QUERY_INSERT
                : s->kind == WY_AST_STMT_CREATE_TABLE_AS ? WY_QUERY_CTAS
                                                         : WY_QUERY_CSAS;
  a->lq->sql = s->text ? strdup(s->text) : NULL;
  if (!a->lq->id || (s->text && !a->lq->sql))
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return WY_OK;
}

/* A source joined a second time: ksqlDB supports no self joins. */
static wy_status_t check_self_join(const wy_qa_t *a, size_t k, wy_error_t *err) {
  const wy_source_def_t *d = a->src[k].def;
  for (size_t i = 0; i < k; i++) {
    if (a->src[i].def != d) continue;
    if (k > 1)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "N-way joins do not support multiple occurrences of the same source. "
                          "Source: '%s'.",
                          d->name);
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Can not join '%s' to '%s': self joins are not yet supported.", d->name,
                        d->name);
  }
  return WY_OK;
}

/* FROM and JOIN: the sources, the input scope, the lineage inputs. A join's row is the
 * left row (a source's, or the joins' before it) with its pseudo columns, then the new
 * source's with its own, then the join key: source k starts where the row of the joins
 * before it ends, and the final row's last slot is the key (ROWKEY when synthetic). */
static wy_status_t resolve_sources(wy_qa_t *a, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  if (!q || !q->from) return wy_error_set(err, WY_ERR_ANALYSIS, "query has no FROM clause");
  if (wy_limit_check(err, WY_LIMIT_JOIN_SOURCES, "The query", q->njoins + 1, q->from->pos.line,
                     q->from->pos.column) != WY_OK)
    return err->code;
  a->src = calloc(q->njoins + 1, sizeof *a->src);
  if (!a->src) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (resolve_relation(a, q->from, &a->src[0], err) != WY_OK) return err->code;
  a->nsrc = 1;
  if (add_source_to_scope(a, &a->src[0], 0, err) != WY_OK) return err->code;
  int width = (int)a->src[0].def->schema.n; /* real columns of the row so far */
  a->in_width = width + WY_ROW_NPSEUDO;
  a->rowkey_slot = -1;
  for (size_t k = 1; k <= q->njoins; k++) {
    if (resolve_relation(a, q->joins[k - 1]->right, &a->src[k], err) != WY_OK ||
        check_self_join(a, k, err) != WY_OK)
      return err->code;
    a->nsrc++;
    a->joined = true;
    a->in_scope.joined = true;
    int base = width + WY_ROW_NPSEUDO;
    if (add_source_to_scope(a, &a->src[k], base, err) != WY_OK) return err->code;
    width = base + (int)a->src[k].def->schema.n + WY_ROW_NPSEUDO + 1;
    a->rowkey_slot = width - 1;
    a->in_width = width + WY_ROW_NPSEUDO;
  }
  if (!a->cx->transient)
    for (size_t i = 0; i < a->nsrc; i++)
      if (a->src[i].table && a->src[i].def->window != WY_WINDOW_NONE)
        return wy_error_set(err, WY_ERR_ANALYSIS,
                            "KSQL does not support persistent queries on windowed tables.");
  a->nused = (size_t)a->in_width + 1;
  a->used = calloc(a->nused, 1);
  a->lq->source_names = calloc(a->nsrc, sizeof *a->lq->source_names);
  a->lq->source_topics = calloc(a->nsrc, sizeof *a->lq->source_topics);
  if (!a->used || !a->lq->source_names || !a->lq->source_topics)
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < a->nsrc; i++, a->lq->nsources++) {
    a->lq->source_names[i] = strdup(a->src[i].def->name);
    a->lq->source_topics[i] = strdup(a->src[i].def->topic);
    if (!a->lq->source_names[i] || !a->lq->source_topics[i]) {
      a->lq->nsources++;
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
  }
  return WY_OK;
}

/* ---- references, checked as ksqlDB checks them when it prepares a statement ---------- */

/* Is `name` a parameter of an enclosing lambda? */
static bool lambda_param(const wy_ast_expr_t *const *lambdas, size_t nl, const char *name) {
  for (size_t i = 0; i < nl; i++)
    for (size_t p = 0; p < lambdas[i]->nnames; p++)
      if (strcmp(lambdas[i]->names[p].text, name) == 0) return true;
  return false;
}

static bool known_source(const wy_qa_t *a, const char *qualifier) {
  for (size_t i = 0; i < a->nsrc; i++)
    if (strcmp(a->src[i].alias, qualifier) == 0 || strcmp(a->src[i].def->name, qualifier) == 0)
      return true;
  return false;
}

/* A column names an unknown source, or (in a join, unqualified) a column of several. */
static wy_status_t check_column_ref(const wy_qa_t *a, const wy_ast_expr_t *e, wy_error_t *err) {
  if (e->qualifier) {
    if (known_source(a, e->qualifier)) return WY_OK;
    return wy_error_set_pos(err, WY_ERR_ANALYSIS, e->pos.line, e->pos.column,
                            "Failed to prepare statement: '%s' is not a valid stream/table name "
                            "or alias.",
                            e->qualifier);
  }
  if (a->nsrc < 2) return WY_OK;
  char list[1024];
  size_t len = 0, having = 0;
  list[0] = '\0';
  for (size_t i = 0; i < a->nsrc; i++) {
    if (wy_schema_find(&a->src[i].def->schema, e->name) < 0) continue;
    having++;
    if (len < sizeof list)
      len += (size_t)snprintf(list + len, sizeof list - len, "%s%s.%s", having > 1 ? " or " : "",
                              a->src[i].alias, e->name);
  }
  if (having < 2) return WY_OK;
  return wy_error_set_pos(err, WY_ERR_ANALYSIS, e->pos.line, e->pos.column,
                          "Exception while preparing statement: Line: %d, Col: %d: Column '%s' is "
                          "ambiguous. Could be %s.",
                          e->pos.line, e->pos.column, e->name, list);
}

/* One pass over an expression: unknown qualifiers (qualified), else ambiguous columns. */
static wy_status_t check_refs(const wy_qa_t *a, const wy_ast_expr_t *e, bool qualified,
                              const wy_ast_expr_t **lambdas, size_t nl, wy_error_t *err) {
  if (!e) return WY_OK;
  if (e->kind == WY_AST_COLUMN && !lambda_param(lambdas, nl, e->name))
    return !e->qualifier == !qualified ? check_column_ref(a, e, err) : WY_OK;
  if (e->kind == WY_AST_LAMBDA) {
    if (nl >= WY_AST_MAX_DEPTH) return WY_OK;
    lambdas[nl++] = e;
  }
  for (size_t i = 0; i < e->nargs; i++)
    if (check_refs(a, e->args[i], qualified, lambdas, nl, err) != WY_OK) return err->code;
  return WY_OK;
}

/* Every column reference of the statement names a known source and, in a join, one
 * source only: ksqlDB refuses others before it analyzes anything else. */
static wy_status_t check_references(const wy_qa_t *a, wy_error_t *err) {
  const wy_ast_query_t *q = a->q;
  const wy_ast_expr_t **lambdas = calloc(WY_AST_MAX_DEPTH + 1, sizeof *lambdas);
  if (!lambdas) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = WY_OK;
  for (int pass = 0; pass < 2; pass++) {
    bool qd = pass == 0;
    for (size_t i = 0; st == WY_OK && i < q->nitems; i++)
      st = check_refs(a, q->items[i]->expr, qd, lambdas, 0, err);
    for (size_t i = 0; st == WY_OK && i < q->njoins; i++)
      st = check_refs(a, q->joins[i]->on, qd, lambdas, 0, err);
    if (st == WY_OK) st = check_refs(a, q->where, qd, lambdas, 0, err);
    for (size_t i = 0; st == WY_OK && i < q->ngroup_by; i++)
      st = check_refs(a, q->group_by[i], qd, lambdas, 0, err);
    for (size_t i = 0; st == WY_OK && i < q->npartition_by; i++)
      st = check_refs(a, q->partition_by[i], qd, lambdas, 0, err);
    if (st == WY_OK) st = check_refs(a, q->having, qd, lambdas, 0, err);
  }
  free(lambdas);
  return st;
}

wy_status_t wy_analyze_query(const wy_analyzer_ctx_t *cx, const wy_ast_stmt_t *s,
                             wy_logical_query_t **out, wy_source_def_t **sink, wy_error_t *err) {
  *out = NULL;
  *sink = NULL;
  wy_qa_t a;
  memset(&a, 0, sizeof a);
  a.cx = cx;
  a.stmt = s;
  a.q = s->query;
  wy_scope_init(&a.in_scope);
  a.lq = calloc(1, sizeof *a.lq);
  if (!a.lq) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = set_query_id(&a, err);
  if (st == WY_OK) st = resolve_sources(&a, err);
  if (st == WY_OK) st = check_references(&a, err);
  if (st == WY_OK) {
    const wy_ast_query_t *q = a.q;
    bool has_agg = false;
    for (size_t i = 0; i < q->nitems; i++)
      if (q->items[i]->expr && wy_analyze_has_aggregate(&a, q->items[i]->expr)) has_agg = true;
    a.aggregate = q->has_group_by || has_agg;
    if (wy_analyze_check_table_functions(&a, err) != WY_OK)
      st = err->code;
    else if (a.aggregate && q->has_partition_by)
      st = wy_error_set(err, WY_ERR_ANALYSIS,
                        "PARTITION BY and GROUP BY in the same query are not supported.");
    else if (!a.aggregate && q->emit == WY_AST_EMIT_FINAL)
      st = wy_error_set(err, WY_ERR_ANALYSIS,
                        "EMIT FINAL is only supported for windowed aggregations.");
    else if (a.aggregate)
      st = wy_analyze_aggregate(&a, sink, err);
    else if (a.joined)
      st = wy_analyze_join(&a, sink, err);
    else if (q->window)
      st = wy_error_set(err, WY_ERR_ANALYSIS, "WINDOW clause requires a GROUP BY clause.");
    else
      st = wy_analyze_plain(&a, sink, err);
  }
  if (st == WY_OK) st = name_key_schema(a.lq->root, err);
  if (st == WY_OK) {
    /* query-wide dependencies: what decides whether and where a row goes */
    const wy_ast_query_t *q = a.q;
    wy_analyze_lineage_indirect(&a, q->where, WY_LINEAGE_FILTER);
    for (size_t i = 0; i < q->njoins; i++)
      wy_analyze_lineage_indirect(&a, q->joins[i]->on, WY_LINEAGE_JOIN);
    for (size_t i = 0; i < q->ngroup_by; i++)
      wy_analyze_lineage_indirect(&a, q->group_by[i], WY_LINEAGE_GROUP_BY);
    wy_analyze_lineage_indirect(&a, q->having, WY_LINEAGE_FILTER);
  }
  for (size_t i = 0; i < a.naggs; i++) wy_expr_destroy(a.aggs[i].bound);
  free(a.aggs);
  free(a.tfs);
  free(a.used);
  free(a.src);
  wy_strlist_free(&a.non_agg_cols);
  wy_strlist_free(&a.item_names);
  wy_scope_clear(&a.in_scope);
  if (st != WY_OK) {
    wy_logical_query_destroy(a.lq);
    wy_source_def_destroy(*sink);
    *sink = NULL;
    return st;
  }
  *out = a.lq;
  return WY_OK;
}
