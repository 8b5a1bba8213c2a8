/* transient.c — push and pull queries as CSAS/CTAS of a scratch engine (transient.h). */
#include "engine/server/transient.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "connectors/memory/memory.h"
#include "engine/analyzer/analyzer.h"
#include "engine/base/arena.h"
#include "engine/base/log.h"
#include "engine/formats/format.h"
#include "engine/runtime/driver.h"
#include "engine/server/pull_bounds.h"
#include "parser/parser.h"

/* The scratch sink: a JSON topic of the scratch broker. */
#define SINK_NAME "WY_TRANSIENT_RESULT"
#define SINK_TOPIC "wy_transient_result"
#define PSEUDO_PREFIX "WY_PSEUDO_"

/* One output record, kept for the pull fold. */
typedef struct out_row {
  char *key; /* bytes of the output key (NULL: none) */
  size_t key_len;
  size_t seq;
  char *row; /* JSON array text; NULL for a tombstone */
} out_row_t;

struct wy_transient {
  char *id;
  wy_memory_broker_t *broker;
  wy_engine_t *engine;
  wy_query_t *query;
  wy_source_t *internal; /* the scratch query's internal topics */
  wy_driver_t *driver;
  bool pull, table;
  int64_t limit;
  const wy_source_def_t *sink;
  wy_format_codec_t *key_codec, *value_codec;
  wy_format_codec_t **col_codecs; /* one unwrapped JSON codec per sink column */
  size_t nkey, nvalue;
  wy_value_t *vals; /* a decoded row: the key columns, then the value columns */
  wy_arena_t arena;
  wy_buf_t buf;
  int64_t *next; /* per sink partition: next output offset to read */
  int32_t nparts;
  char **hidden; /* sink columns added for the CSAS, not part of the result */
  size_t nhidden;
  char **renames; /* aliases given to bare pseudo columns (PSEUDO_PREFIX + name) */
  size_t nrenames;
  out_row_t *rows; /* push: produced, not taken; pull: output, then the result */
  size_t nrows, cap, taken, seq;
};

static bool rows_push(wy_transient_t *t, out_row_t r) {
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    out_row_t *g = realloc(t->rows, cap * sizeof *g);
    if (!g) return false;
    t->rows = g;
    t->cap = cap;
  }
  t->rows[t->nrows++] = r;
  return true;
}

static void row_free(out_row_t *r) {
  free(r->key);
  free(r->row);
}

/* ---- planning ---- */

/* Append a copy of name to a list of names; false when out of memory. */
static bool add_name(char ***v, size_t *n, const char *name) {
  char **g = realloc(*v, (*n + 1) * sizeof *g);
  if (!g) return false;
  *v = g;
  if (!(g[*n] = strdup(name))) return false;
  (*n)++;
  return true;
}

static bool produces_table_error(const wy_error_t *e) {
  return strstr(e->msg, "produces a TABLE") != NULL;
}

/* A pull query's window bounds, with ksqlDB's rules (a push query filters freely). */
static wy_status_t check_window_bounds(wy_transient_t *t, wy_ast_query_t *q, wy_error_t *err) {
  if (!q->from || q->njoins) return WY_OK;
  const wy_source_def_t *src = wy_catalog_find(wy_engine_catalog(t->engine), q->from->name);
  return src ? wy_pull_window_bounds(q, src->window != WY_WINDOW_NONE, err) : WY_OK;
}

/* Execute "CREATE STREAM|TABLE <sink> WITH (...) AS <select>" on the scratch engine. */
static wy_status_t plan_as(wy_transient_t *t, const char *text, bool table, wy_error_t *err) {
  char *sql = NULL;
  if (asprintf(&sql,
               "CREATE %s " SINK_NAME " WITH (KAFKA_TOPIC='" SINK_TOPIC
               "', KEY_FORMAT='JSON', VALUE_FORMAT='JSON') AS %s",
               table ? "TABLE" : "STREAM", text) < 0)
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_ast_script_t *script = NULL;
  wy_status_t st = wy_parse(sql, strlen(sql), NULL, &script, err);
  free(sql);
  if (st != WY_OK) return st;
  if (script->n != 1 || !script->stmts[0]->query) {
    wy_ast_script_destroy(script);
    return wy_error_set(err, WY_ERR_INVALID, "a query must be one SELECT statement");
  }
  /* the scratch query runs until the request ends: LIMIT and EMIT are the caller's */
  wy_ast_query_t *q = script->stmts[0]->query;
  q->has_limit = false;
  q->emit = WY_AST_EMIT_NONE;
  /* a SELECT may show pseudo columns (ROWTIME, ...) bare, a CSAS may not: alias them
   * for the scratch query, and show them under their own names */
  for (size_t i = 0; i < q->nitems; i++) {
    wy_ast_select_item_t *it = q->items[i];
    if (it->kind != WY_AST_ITEM_EXPR || it->alias || it->expr->kind != WY_AST_COLUMN ||
        !it->expr->name)
      continue;
    char upper[64];
    snprintf(upper, sizeof upper, "%s", it->expr->name);
    for (char *c = upper; *c; c++) *c = (char)toupper((unsigned char)*c);
    if (!wy_analyze_is_reserved(upper)) continue;
    if (asprintf(&it->alias, PSEUDO_PREFIX "%s", upper) < 0) {
      it->alias = NULL;
      continue;
    }
    if (!add_name(&t->renames, &t->nrenames, it->alias)) {
      wy_ast_script_destroy(script);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
  }
  st = t->pull ? check_window_bounds(t, q, err) : WY_OK;
  if (st == WY_OK) st = wy_engine_execute(t->engine, script->stmts[0], err);
  wy_ast_script_destroy(script);
  return st;
}

static wy_format_codec_t *json_codec(const wy_schema_t *s, wy_col_ns_t ns, bool is_key,
                                     wy_wrap_t wrap, size_t *ncols, wy_error_t *err) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++) n += s->cols[i].ns == ns;
  *ncols = n;
  if (n == 0) return NULL;
  wy_format_column_t *cols = calloc(n, sizeof *cols);
  if (!cols) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  n = 0;
  for (size_t i = 0; i < s->n; i++)
    if (s->cols[i].ns == ns) cols[n++] = (wy_format_column_t){s->cols[i].name, s->cols[i].type};
  wy_format_schema_t fs = {n, cols};
  wy_format_options_t o = {.is_key = is_key, .wrap_single = wrap};
  wy_format_t f;
  wy_format_codec_t *c =
      wy_format_from_name("JSON", &f, err) == WY_OK ? wy_format_codec_new(f, &fs, &o, err) : NULL;
  free(cols); /* the codec copies the names */
  return c;
}

static wy_status_t build_codecs(wy_transient_t *t, wy_error_t *err) {
  const wy_schema_t *s = &t->sink->schema;
  t->key_codec = json_codec(s, WY_NS_KEY, true, WY_WRAP_DEFAULT, &t->nkey, err);
  if (t->nkey && !t->key_codec) return err->code;
  t->value_codec = json_codec(s, WY_NS_VALUE, false, WY_WRAP_TRUE, &t->nvalue, err);
  if (t->nvalue && !t->value_codec) return err->code;
  t->col_codecs = calloc(s->n ? s->n : 1, sizeof *t->col_codecs);
  t->vals = calloc(s->n ? s->n : 1, sizeof *t->vals);
  if (!t->col_codecs || !t->vals) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_format_t f;
  wy_format_from_name("JSON", &f, err);
  for (size_t i = 0; i < s->n; i++) {
    wy_format_column_t c = {s->cols[i].name, s->cols[i].type};
    wy_format_schema_t fs = {1, &c};
    wy_format_options_t o = {.is_key = false, .wrap_single = WY_WRAP_FALSE};
    if (!(t->col_codecs[i] = wy_format_codec_new(f, &fs, &o, err))) return err->code;
  }
  return WY_OK;
}

/* A CSAS needs what a SELECT does not: the key columns of a table in the projection, and
 * a value column. Add what the error asks for right after SELECT, hidden from the
 * result; false when the error is not one of those. */
static bool widen_projection(wy_transient_t *t, char **text, const wy_error_t *e) {
  const char *eg = strstr(e->msg, "(eg, SELECT "), *end = eg ? strstr(eg, "...)") : NULL;
  char add[512];
  if (eg && end) {
    eg += strlen("(eg, SELECT ");
    snprintf(add, sizeof add, "%.*s", (int)(end - eg), eg);
  } else if (strstr(e->msg, "no value columns")) {
    snprintf(add, sizeof add, "1 AS WY_TRANSIENT_PAD");
  } else {
    return false;
  }
  char *at = strcasestr(*text, "SELECT");
  char *wider = NULL;
  if (!at || asprintf(&wider, "%.*sSELECT %s, %s", (int)(at - *text), *text, add, at + 6) < 0)
    return false;
  free(*text);
  *text = wider;
  /* the names added ("A" or "A, B") are hidden; only plain names are kept */
  for (char *name = strtok(add, ", "); name; name = strtok(NULL, ", "))
    if (strcmp(name, "AS") != 0 && strcmp(name, "1") != 0 &&
        !add_name(&t->hidden, &t->nhidden, name))
      return false;
  return true;
}

static bool is_hidden(const wy_transient_t *t, const char *name) {
  for (size_t i = 0; i < t->nhidden; i++)
    if (t->hidden[i] && strcmp(t->hidden[i], name) == 0) return true;
  return false;
}

/* Plan the SELECT as a CSAS, or as a CTAS when it yields a table, widening its
 * projection where a CSAS needs more than the SELECT has. */
static wy_status_t plan(wy_transient_t *t, const wy_ast_stmt_t *select, wy_error_t *err) {
  char *text = strdup(select->text);
  if (!text) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = WY_OK;
  for (int attempt = 0; attempt < 4; attempt++) {
    wy_error_t stream_err;
    t->table = false;
    st = plan_as(t, text, false, &stream_err);
    if (st == WY_OK) break;
    t->table = true;
    st = plan_as(t, text, true, err);
    if (st == WY_OK) break;
    if (!produces_table_error(&stream_err)) *err = stream_err;
    if (!widen_projection(t, &text, err)) break;
  }
  free(text);
  return st;
}

wy_status_t wy_transient_new(wy_engine_t *node, const wy_ast_stmt_t *select, const char *query_id,
                             wy_transient_t **out, wy_error_t *err) {
  *out = NULL;
  if (select->kind != WY_AST_STMT_QUERY || !select->query || !select->text)
    return wy_error_set(err, WY_ERR_INVALID, "a query must be a SELECT statement");
  if (select->query->emit == WY_AST_EMIT_FINAL)
    return wy_error_set(err, WY_ERR_UNSUPPORTED, "EMIT FINAL is not supported in push queries");
  wy_transient_t *t = calloc(1, sizeof *t);
  if (!t) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_arena_init(&t->arena, 0);
  wy_buf_init(&t->buf);
  t->pull = select->query->emit == WY_AST_EMIT_NONE;
  t->limit = select->query->has_limit ? select->query->limit : -1;
  t->id = strdup(query_id);
  wy_status_t st = t->id ? wy_memory_broker_new(&t->broker, err)
                         : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (st == WY_OK) {
    wy_engine_options_t o = {0};
    o.broker = t->broker;
    o.registry = wy_engine_registry(node);
    o.schema_registry = wy_engine_schema_registry(node);
    o.service_id = "transient_";
    o.transient = true;
    st = wy_engine_new(&o, &t->engine, err);
  }
  const wy_catalog_t *cat = wy_engine_catalog(node);
  for (size_t i = 0; st == WY_OK && i < wy_catalog_count(cat); i++)
    st = wy_engine_add_source_copy(t->engine, wy_catalog_at(cat, i), err);
  if (st == WY_OK) st = plan(t, select, err);
  if (st == WY_OK) {
    t->query = wy_engine_query_at(t->engine, 0);
    t->sink = wy_catalog_find(wy_engine_catalog(t->engine), SINK_NAME);
    if (!t->query || !t->sink) st = wy_error_set(err, WY_ERR_INTERNAL, "the query was not planned");
  }
  if (st == WY_OK) st = build_codecs(t, err);
  if (st == WY_OK) {
    t->nparts = wy_memory_broker_partitions(t->broker, SINK_TOPIC);
    t->next = calloc(t->nparts > 0 ? (size_t)t->nparts : 1, sizeof *t->next);
    if (!t->next) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  if (st != WY_OK) {
    wy_transient_destroy(t);
    return st;
  }
  *out = t;
  return WY_OK;
}

void wy_transient_destroy(wy_transient_t *t) {
  if (!t) return;
  wy_format_codec_destroy(t->key_codec);
  wy_format_codec_destroy(t->value_codec);
  /* the sink's definition belongs to the scratch engine: before it goes */
  for (size_t i = 0; t->col_codecs && t->sink && i < t->sink->schema.n; i++)
    wy_format_codec_destroy(t->col_codecs[i]);
  free(t->col_codecs);
  wy_driver_destroy(t->driver);
  wy_source_destroy(t->internal);
  wy_engine_destroy(t->engine);
  wy_memory_broker_destroy(t->broker);
  free(t->vals);
  for (size_t i = t->taken; i < t->nrows; i++) row_free(&t->rows[i]);
  free(t->rows);
  free(t->next);
  wy_buf_free(&t->buf);
  wy_arena_release(&t->arena);
  for (size_t i = 0; i < t->nhidden; i++) free(t->hidden[i]);
  for (size_t i = 0; i < t->nrenames; i++) free(t->renames[i]);
  free(t->hidden);
  free(t->renames);
  free(t->id);
  free(t);
}

bool wy_transient_is_pull(const wy_transient_t *t) { return t->pull; }
int64_t wy_transient_limit(const wy_transient_t *t) { return t->limit; }

size_t wy_transient_topic_count(const wy_transient_t *t) {
  return wy_query_plan(t->query)->nsource_topics;
}
const char *wy_transient_topic(const wy_transient_t *t, size_t i) {
  return wy_query_plan(t->query)->source_topics[i];
}

char *wy_transient_header(const wy_transient_t *t) {
  json_t *names = json_array(), *types = json_array();
  for (size_t i = 0; i < t->sink->schema.n; i++) {
    const wy_column_t *c = &t->sink->schema.cols[i];
    if (is_hidden(t, c->name)) continue;
    char type[512];
    wy_type_format(c->type, type, sizeof type);
    bool renamed = false;
    for (size_t k = 0; k < t->nrenames && !renamed; k++)
      renamed = t->renames[k] && strcmp(t->renames[k], c->name) == 0;
    json_array_append_new(names, json_string(renamed ? c->name + strlen(PSEUDO_PREFIX) : c->name));
    json_array_append_new(types, json_string(type));
  }
  json_t *h =
      json_pack("{s:s, s:o, s:o}", "queryId", t->id, "columnNames", names, "columnTypes", types);
  char *text = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(h);
  return text;
}

/* ---- output ---- */

/* The row of an output record as a JSON array, in the sink's column order; NULL when
 * the record cannot be read (which the scratch query's own encoder rules out). */
static char *render_row(wy_transient_t *t, const wy_record_t *r) {
  const wy_schema_t *s = &t->sink->schema;
  wy_value_t *keys = t->vals, *values = t->vals + t->nkey;
  wy_error_t err;
  bool null_row = false;
  for (size_t i = 0; i < t->nkey + t->nvalue; i++) t->vals[i] = (wy_value_t){.null = 1};
  if ((t->key_codec && r->key &&
       wy_format_decode(t->key_codec, r->key, r->key_len, &t->arena, keys, &null_row, &err) !=
           WY_OK) ||
      (t->value_codec && r->value &&
       wy_format_decode(t->value_codec, r->value, r->value_len, &t->arena, values, &null_row,
                        &err) != WY_OK)) {
    wy_log(WY_LOG_WARN, "query-stream", "a row of query %s cannot be read: %s", t->id, err.msg);
    return NULL;
  }
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return NULL;
  fputc('[', f);
  size_t k = 0, v = 0;
  bool first = true;
  for (size_t i = 0; i < s->n; i++) {
    wy_value_t val = s->cols[i].ns == WY_NS_KEY     ? keys[k++]
                     : s->cols[i].ns == WY_NS_VALUE ? values[v++]
                                                    : (wy_value_t){.null = 1};
    bool null_record = false;
    if (is_hidden(t, s->cols[i].name)) continue;
    if (!first) fputc(',', f);
    first = false;
    if (val.null ||
        wy_format_encode(t->col_codecs[i], &val, &t->buf, &null_record, &err) != WY_OK ||
        null_record)
      fputs("null", f);
    else
      fwrite(t->buf.data, 1, t->buf.len, f);
  }
  fputc(']', f);
  fclose(f);
  return text;
}

/* Move what the scratch query produced into rows. */
static wy_status_t collect(wy_transient_t *t, wy_error_t *err) {
  for (int32_t p = 0; p < t->nparts; p++) {
    int64_t end = 0;
    if (wy_memory_broker_end_offset(t->broker, SINK_TOPIC, p, &end, err) != WY_OK) return err->code;
    for (; t->next[p] < end; t->next[p]++) {
      wy_record_t r;
      if (wy_memory_broker_read(t->broker, SINK_TOPIC, p, t->next[p], &r, err) != WY_OK)
        return err->code;
      out_row_t row = {0};
      row.seq = t->seq++;
      if (r.value || !t->table) row.row = render_row(t, &r);
      wy_arena_reset(&t->arena);
      if (r.value && !row.row) continue; /* unreadable: cannot happen with our encoder */
      if (t->pull && t->table && r.key) {
        row.key = malloc(r.key_len ? r.key_len : 1);
        if (!row.key) {
          free(row.row);
          return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        }
        memcpy(row.key, r.key, r.key_len);
        row.key_len = r.key_len;
      }
      if (!t->pull && !row.row) continue; /* push: a table's tombstone has no row to show */
      if (!rows_push(t, row)) {
        row_free(&row);
        return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      }
    }
  }
  return WY_OK;
}

wy_status_t wy_transient_start(wy_transient_t *t, struct wy_source *src,
                               bool (*admit)(void *, const wy_record_t *), void *user,
                               wy_error_t *err) {
  if (t->driver) return wy_error_set(err, WY_ERR_INVALID, "query %s has started already", t->id);
  if (wy_driver_memory_internal(t->broker, wy_query_plan(t->query), &t->internal, err) != WY_OK)
    return err->code;
  wy_driver_options_t o = {
      .query = t->query, .source = src, .internal = t->internal, .admit = admit, .user = user};
  return wy_driver_new(&o, &t->driver, err);
}

wy_status_t wy_transient_deliver(wy_transient_t *t, const wy_record_t *recs, size_t n,
                                 wy_error_t *err) {
  size_t done;
  if (!t->driver) return wy_error_set(err, WY_ERR_INVALID, "query %s has no reader", t->id);
  if (wy_driver_deliver(t->driver, recs, n, &done, err) != WY_OK) return err->code;
  return collect(t, err);
}

static int by_key_then_seq(const void *a, const void *b) {
  const out_row_t *x = a, *y = b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = n ? memcmp(x->key, y->key, n) : 0;
  if (c) return c;
  if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void wy_transient_finish(wy_transient_t *t) {
  if (!t->pull || !t->table) return;
  /* a table: the last row of each key, tombstones removing it */
  if (t->nrows > 1) qsort(t->rows, t->nrows, sizeof *t->rows, by_key_then_seq);
  size_t w = 0;
  for (size_t i = 0; i < t->nrows; i++) {
    bool last =
        i + 1 == t->nrows ||
        by_key_then_seq(&(out_row_t){t->rows[i].key, t->rows[i].key_len, 0, NULL},
                        &(out_row_t){t->rows[i + 1].key, t->rows[i + 1].key_len, 0, NULL}) != 0;
    if (last && t->rows[i].row)
      t->rows[w++] = t->rows[i];
    else
      row_free(&t->rows[i]);
  }
  t->nrows = w;
}

char *wy_transient_next_row(wy_transient_t *t) {
  if (t->taken >= t->nrows) {
    /* everything taken: reuse the space */
    t->taken = t->nrows = 0;
    return NULL;
  }
  out_row_t *r = &t->rows[t->taken++];
  free(r->key);
  return r->row;
}
