/* sqltest.c — ksqlDB's SQL test tool (see sqltest.h): test files split at their
 * directives, each test run on its own engine and memory broker, the queries fed by the
 * memory runtime after every statement, the asserts checked against the records of the
 * sources' topics in the order they were produced. */
#include "engine/testing/sqltest.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/analyzer/scope.h"
#include "engine/base/buf.h"
#include "engine/catalog/format_spec.h"
#include "engine/engine.h"
#include "engine/registry/registry.h"
#include "engine/server/node.h"
#include "parser/parser.h"
#include "udf/convert.h"

/* Enough rounds of the runtime for any test's records to settle; a query that keeps
 * producing for itself (INSERT INTO its own source) stops there. */
#define SQLTEST_MAX_PUMP_ROUNDS 10000

typedef struct sqltest {
  char *name;
  char *expected_error;   /* --@expected.error: a class name, or NULL */
  char *expected_message; /* --@expected.message: a substring of the error, or NULL */
  char *text;             /* the test's statements, on their lines of the file */
  int line;               /* the line of the --@test directive */
} sqltest_t;

typedef struct cursor {
  char *topic;
  size_t next; /* records of the topic already asserted */
} cursor_t;

typedef struct run {
  wy_engine_t *engine;
  wy_memory_broker_t *broker;
  wy_sr_t *sr;
  wy_node_runtime_t rt;
  cursor_t *cursors;
  size_t ncursors;
  bool query_failed;
  char query_error[WY_ERROR_MSG_MAX + 256];
} run_t;

/* ---- test files ---- */

static char *copy_trimmed(const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
  char *out = malloc(n + 1);
  if (out) {
    memcpy(out, s, n);
    out[n] = '\0';
  }
  return out;
}

static void sqltest_free(sqltest_t *t) {
  free(t->name);
  free(t->expected_error);
  free(t->expected_message);
  free(t->text);
}

/* The value of a `--@key: value` line, or NULL when the line is not that directive. */
static const char *directive(const char *line, size_t n, const char *key, size_t *vlen) {
  size_t k = strlen(key);
  if (n < 3 + k || strncmp(line, "--@", 3) != 0 || strncasecmp(line + 3, key, k) != 0 ||
      line[3 + k] != ':')
    return NULL;
  *vlen = n - 4 - k;
  return line + 4 + k;
}

/* Split a file's text into its tests. Statements keep their line numbers: a test's
 * text has blank lines where the file has other lines. */
static sqltest_t *split_tests(const char *text, size_t *ntests) {
  sqltest_t *tests = NULL;
  size_t n = 0;
  wy_buf_t body;
  wy_buf_init(&body);
  int line = 1;
  for (const char *p = text; *p; line++) {
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    size_t vlen;
    const char *v;
    if ((v = directive(p, len, "test", &vlen))) {
      sqltest_t *grown = realloc(tests, (n + 1) * sizeof *grown);
      if (!grown) break;
      tests = grown;
      if (n) tests[n - 1].text = wy_buf_take(&body);
      wy_buf_init(&body);
      memset(&tests[n], 0, sizeof tests[n]);
      tests[n].name = copy_trimmed(v, vlen);
      tests[n].line = line;
      n++;
    } else if (n && (v = directive(p, len, "expected.error", &vlen))) {
      free(tests[n - 1].expected_error);
      tests[n - 1].expected_error = copy_trimmed(v, vlen);
    } else if (n && (v = directive(p, len, "expected.message", &vlen))) {
      free(tests[n - 1].expected_message);
      tests[n - 1].expected_message = copy_trimmed(v, vlen);
    } else if (n) {
      wy_buf_append(&body, p, len);
    }
    if (n) wy_buf_append(&body, "\n", 1); /* every line keeps its number */
    p = end ? end + 1 : p + len;
  }
  if (n) tests[n - 1].text = wy_buf_take(&body);
  wy_buf_free(&body);
  /* lines before a test's directive are blank in its text: prefix them */
  for (size_t i = 0; i < n; i++) {
    size_t pad = (size_t)tests[i].line - 1;
    size_t len = tests[i].text ? strlen(tests[i].text) : 0;
    char *t = malloc(pad + len + 1);
    if (!t) continue;
    memset(t, '\n', pad);
    if (len) memcpy(t + pad, tests[i].text, len);
    t[pad + len] = '\0';
    free(tests[i].text);
    tests[i].text = t;
  }
  *ntests = n;
  return tests;
}

/* ---- the runtime ---- */

static bool hook_runs(void *user, const char *id) {
  (void)user, (void)id;
  return true;
}
static bool hook_earliest(void *user, const char *id) {
  (void)user, (void)id;
  return true;
}
static void hook_processed(void *user, const char *id, uint64_t in, uint64_t out, uint64_t skipped,
                           uint64_t nanos) {
  (void)user, (void)id, (void)in, (void)out, (void)skipped, (void)nanos;
}
static void hook_failed(void *user, const char *id, const wy_error_t *err) {
  run_t *r = user;
  if (r->query_failed) return;
  r->query_failed = true;
  snprintf(r->query_error, sizeof r->query_error, "query %s failed: %s", id, err->msg);
}

/* Let the queries consume everything produced so far. */
static void pump(run_t *r) {
  wy_node_hooks_t h = {r, hook_runs, hook_earliest, hook_processed, hook_failed};
  for (int round = 0; round < SQLTEST_MAX_PUMP_ROUNDS && !r->query_failed; round++)
    if (r->rt.ops->poll(r->rt.ctx, r->engine, &h, 0) == 0) break;
}

/* ---- asserts ---- */

static cursor_t *cursor_for(run_t *r, const char *topic) {
  for (size_t i = 0; i < r->ncursors; i++)
    if (strcmp(r->cursors[i].topic, topic) == 0) return &r->cursors[i];
  cursor_t *grown = realloc(r->cursors, (r->ncursors + 1) * sizeof *grown);
  if (!grown) return NULL;
  r->cursors = grown;
  cursor_t *c = &r->cursors[r->ncursors];
  if (!(c->topic = strdup(topic))) return NULL;
  c->next = 0;
  r->ncursors++;
  return c;
}

/* The record of topic with the lowest append sequence above those already asserted. */
static bool next_record(run_t *r, const char *topic, wy_record_t *out) {
  cursor_t *c = cursor_for(r, topic);
  if (!c) return false;
  int32_t np = wy_memory_broker_partitions(r->broker, topic);
  /* the k-th record in produce order: walk the partitions' heads in sequence order */
  int64_t *at = calloc((size_t)(np > 0 ? np : 1), sizeof *at);
  if (!at) return false;
  bool found = false;
  for (size_t k = 0; k <= c->next; k++) {
    int32_t best = -1;
    uint64_t best_seq = 0;
    wy_record_t best_rec;
    for (int32_t p = 0; p < np; p++) {
      wy_record_t rec;
      uint64_t seq;
      wy_error_t e;
      if (wy_memory_broker_read_seq(r->broker, topic, p, at[p], &rec, &seq, &e) != WY_OK) continue;
      if (best < 0 || seq < best_seq) best = p, best_seq = seq, best_rec = rec;
    }
    if (best < 0) break;
    at[best]++;
    if (k == c->next) {
      *out = best_rec;
      found = true;
    }
  }
  free(at);
  if (found) c->next++;
  return found;
}

/* Decode one side (key or value columns) of a record into row slots of d's schema. */
static wy_status_t decode_side(run_t *r, const wy_source_def_t *d, bool key, const void *bytes,
                               size_t len, wy_arena_t *arena, wy_value_t *row, wy_error_t *err) {
  const wy_schema_t *sc = &d->schema;
  wy_format_column_t *cols = calloc(sc->n + 1, sizeof *cols);
  int *slot = calloc(sc->n + 1, sizeof *slot);
  wy_value_t *vals = wy_arena_calloc(arena, sc->n + 1, sizeof *vals);
  if (!cols || !slot || !vals) {
    free(cols);
    free(slot);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  size_t n = 0;
  for (size_t i = 0; i < sc->n; i++)
    if (sc->cols[i].ns == (key ? WY_NS_KEY : WY_NS_VALUE)) {
      cols[n] = (wy_format_column_t){sc->cols[i].name, sc->cols[i].type};
      slot[n++] = (int)i;
    }
  wy_status_t st = WY_OK;
  if (n && bytes) {
    wy_codec_request_t req = {key, d->topic, r->sr, false, NULL, NULL, 0};
    const wy_format_spec_t *spec = key ? &d->key_format : &d->value_format;
    wy_format_codec_t *c = wy_format_spec_codec(spec, cols, n, &req, err);
    bool null_row = false;
    st = c ? wy_format_decode(c, bytes, len, arena, vals, &null_row, err) : err->code;
    wy_format_codec_destroy(c);
    for (size_t i = 0; st == WY_OK && i < n; i++) row[slot[i]] = vals[i];
  }
  free(cols);
  free(slot);
  return st;
}

static void append_value(wy_buf_t *b, const wy_value_t *v, const wy_type_t *t) {
  if (v->null)
    wy_buf_append_str(b, "null");
  else
    wy_value_append_sql(b, v, t);
}

/* ksqlDB's failure text of an assert: where it is, what differs. */
static void assert_failure(const wy_ast_stmt_t *s, const char *what, char *why, size_t cap) {
  char text[512];
  snprintf(text, sizeof text, "%s", s->text ? s->text : "");
  size_t tl = strlen(text);
  while (tl && (text[tl - 1] == ';' || text[tl - 1] == ' ' || text[tl - 1] == '\n'))
    text[--tl] = '\0';
  snprintf(why, cap, "Test failure for assert `%s` (Line: %d, Col: %d):\n%s", text, s->pos.line,
           s->pos.column, what);
}

/* ASSERT VALUES / ASSERT NULL VALUES: the next record of the source's topic. */
static bool check_values(run_t *r, const wy_ast_stmt_t *s, char *why, size_t cap) {
  const wy_source_def_t *d = wy_catalog_find(wy_engine_catalog(r->engine), s->name);
  if (!d) {
    snprintf(why, cap, "Source %s does not exist.", s->name);
    return false;
  }
  bool tombstone = s->kind == WY_AST_STMT_ASSERT_TOMBSTONE;
  wy_arena_t arena;
  wy_arena_init(&arena, 0);
  wy_value_t *want = NULL;
  int64_t want_ts = -1;
  wy_error_t err;
  wy_error_clear(&err);
  bool ok = wy_engine_values_row(r->engine, d, s, &arena, &want, &want_ts, &err) == WY_OK;
  if (!ok) snprintf(why, cap, "%s", err.msg);
  wy_record_t rec;
  const wy_schema_t *sc = &d->schema;
  wy_buf_t msg;
  wy_buf_init(&msg);
  if (ok && !next_record(r, d->topic, &rec)) {
    wy_buf_append_str(&msg, "Expected another record for ");
    wy_buf_append_str(&msg, d->name);
    wy_buf_append_str(&msg, ", but already read all records");
    assert_failure(s, wy_buf_cstr(&msg), why, cap);
    ok = false;
  }
  wy_value_t *got = ok ? wy_arena_calloc(&arena, sc->n + 1, sizeof *got) : NULL;
  for (size_t i = 0; got && i < sc->n; i++) got[i] = wy_null(sc->cols[i].type->kind);
  if (ok && (decode_side(r, d, true, rec.key, rec.key_len, &arena, got, &err) != WY_OK ||
             decode_side(r, d, false, rec.value, rec.value_len, &arena, got, &err) != WY_OK)) {
    assert_failure(s, err.msg, why, cap);
    ok = false;
  }
  if (ok) {
    /* the columns the assert names, or every key and value column */
    bool same = tombstone == (rec.value == NULL);
    size_t ncols = s->has_insert_columns ? s->ninsert_columns : sc->n;
    wy_buf_t head, exp, act;
    wy_buf_init(&head);
    wy_buf_init(&exp);
    wy_buf_init(&act);
    for (size_t i = 0; i < ncols; i++) {
      const char *name = s->has_insert_columns ? s->insert_columns[i].text : sc->cols[i].name;
      wy_buf_append_str(&head, i ? " | " : "");
      wy_buf_append_str(&head, name);
      wy_buf_append_str(&exp, i ? " | " : "");
      wy_buf_append_str(&act, i ? " | " : "");
      if (strcmp(name, "ROWTIME") == 0) {
        char t[32];
        snprintf(t, sizeof t, "%lld", (long long)want_ts);
        wy_buf_append_str(&exp, t);
        snprintf(t, sizeof t, "%lld", (long long)rec.timestamp);
        wy_buf_append_str(&act, t);
        same &= want_ts == rec.timestamp;
        continue;
      }
      int at = wy_schema_find(sc, name);
      if (at < 0) continue; /* refused by wy_engine_values_row */
      const wy_column_t *c = &sc->cols[at];
      if (c->ns != WY_NS_KEY && c->ns != WY_NS_VALUE) continue;
      append_value(&exp, &want[at], c->type);
      append_value(&act, &got[at], c->type);
      same &= wy_value_equal(&want[at], &got[at]);
    }
    if (!same) {
      wy_buf_append_str(&msg, tombstone ? "Expected a tombstone" : "Expected record");
      wy_buf_append_str(&msg, " does not match actual.\n  COLUMNS  | ");
      wy_buf_append_str(&msg, wy_buf_cstr(&head));
      wy_buf_append_str(&msg, "\n  EXPECTED | ");
      wy_buf_append_str(&msg, wy_buf_cstr(&exp));
      wy_buf_append_str(&msg, "\n  ACTUAL   | ");
      wy_buf_append_str(&msg, rec.value || tombstone ? wy_buf_cstr(&act) : "<tombstone>");
      assert_failure(s, wy_buf_cstr(&msg), why, cap);
      ok = false;
    }
    wy_buf_free(&head);
    wy_buf_free(&exp);
    wy_buf_free(&act);
  }
  wy_buf_free(&msg);
  wy_arena_release(&arena);
  return ok;
}

/* ASSERT STREAM|TABLE: the source exists with this kind, these columns (when listed)
 * and these topic and formats (when given). */
static bool check_source(run_t *r, const wy_ast_stmt_t *s, char *why, size_t cap) {
  bool table = s->kind == WY_AST_STMT_ASSERT_TABLE;
  const wy_catalog_t *cat = wy_engine_catalog(r->engine);
  const wy_source_def_t *d = wy_catalog_find(cat, s->name);
  char what[1024];
  if (!d || (d->kind == WY_SOURCE_TABLE) != table) {
    snprintf(what, sizeof what, "Expected %s %s to exist%s", table ? "table" : "stream", s->name,
             d ? ", but it is of the other kind" : "");
    assert_failure(s, what, why, cap);
    return false;
  }
  for (size_t i = 0; i < s->ncolumns; i++) {
    const wy_ast_column_def_t *c = s->columns[i];
    wy_error_t err;
    const wy_type_t *t = wy_convert_type(cat, c->type, &err);
    int at = wy_schema_find(&d->schema, c->name);
    bool key = c->constraint == WY_AST_COL_KEY || c->constraint == WY_AST_COL_PRIMARY_KEY;
    bool same = t && at >= 0 && wy_type_equal(t, d->schema.cols[at].type) &&
                (d->schema.cols[at].ns == WY_NS_KEY) == key;
    wy_type_unref(t);
    if (!same) {
      char schema[768];
      wy_schema_format(&d->schema, false, schema, sizeof schema);
      snprintf(what, sizeof what, "Column `%s` differs or is missing: %s has %s", c->name, s->name,
               schema);
      assert_failure(s, what, why, cap);
      return false;
    }
  }
  static const char *const props[] = {"KAFKA_TOPIC", "KEY_FORMAT", "VALUE_FORMAT", "FORMAT"};
  for (size_t i = 0; i < sizeof props / sizeof *props; i++) {
    const wy_ast_property_t *p = wy_ast_stmt_property(s, props[i]);
    const char *want = p && p->value ? p->value->text : NULL;
    if (!want) continue;
    const char *have =
        i == 0   ? d->topic
        : i == 1 ? d->key_format.name
        : i == 2 ? d->value_format.name
                 : (strcasecmp(d->key_format.name, d->value_format.name) == 0 ? d->value_format.name
                                                                              : "");
    bool same = i == 0 ? strcmp(want, have) == 0 : strcasecmp(want, have) == 0;
    if (!same) {
      snprintf(what, sizeof what, "Expected %s '%s' but was '%s'", props[i], want, have);
      assert_failure(s, what, why, cap);
      return false;
    }
  }
  return true;
}

/* ---- one test ---- */

static bool setup(run_t *r, const wy_registry_t *registry, wy_error_t *err) {
  memset(r, 0, sizeof *r);
  if (wy_memory_broker_new(&r->broker, err) != WY_OK) return false;
  wy_memory_broker_set_auto_create(r->broker, 1);
  if (!(r->sr = wy_sr_mem_new(WY_COMPAT_NONE))) return false;
  wy_engine_options_t o = {0};
  o.broker = r->broker;
  o.registry = registry;
  o.schema_registry = r->sr;
  if (wy_engine_new(&o, &r->engine, err) != WY_OK) return false;
  wy_engine_set_property(r->engine, "ksql.service.id", "sqltest_", err);
  wy_engine_set_property(r->engine, "auto.offset.reset", "earliest", err);
  return wy_node_memory_runtime(r->engine, &r->rt, err) == WY_OK;
}

static void teardown(run_t *r) {
  if (r->rt.ops && r->rt.ops->destroy) r->rt.ops->destroy(r->rt.ctx);
  wy_engine_destroy(r->engine);
  wy_memory_broker_destroy(r->broker);
  wy_sr_destroy(r->sr);
  for (size_t i = 0; i < r->ncursors; i++) free(r->cursors[i].topic);
  free(r->cursors);
}

/* Runs t; true when it passed, else why says what failed. */
static bool run_test(const sqltest_t *t, const wy_registry_t *registry, char *why, size_t cap) {
  run_t r;
  wy_error_t err;
  wy_error_clear(&err);
  if (!setup(&r, registry, &err)) {
    snprintf(why, cap, "cannot set the test up: %s", err.msg);
    teardown(&r);
    return false;
  }
  wy_ast_script_t *script = NULL;
  bool failed_assert = false, errored = false;
  char error[WY_ERROR_MSG_MAX + 512] = "";
  if (wy_parse_ex(t->text, strlen(t->text), NULL, WY_PARSE_TEST, &script, &err) != WY_OK) {
    wy_parse_error_format(&err, error, sizeof error);
    errored = true;
  }
  for (size_t i = 0; !errored && !failed_assert && i < script->n; i++) {
    const wy_ast_stmt_t *s = script->stmts[i];
    switch (s->kind) {
      case WY_AST_STMT_ASSERT_VALUES:
      case WY_AST_STMT_ASSERT_TOMBSTONE:
        pump(&r);
        failed_assert = !r.query_failed && !check_values(&r, s, why, cap);
        break;
      case WY_AST_STMT_ASSERT_STREAM:
      case WY_AST_STMT_ASSERT_TABLE:
        failed_assert = !check_source(&r, s, why, cap);
        break;
      default:
        wy_error_clear(&err);
        if (wy_engine_execute(r.engine, s, &err) != WY_OK) {
          snprintf(error, sizeof error, "%s", err.msg);
          errored = true;
        }
        pump(&r);
    }
    if (r.query_failed && !errored) {
      snprintf(error, sizeof error, "%s", r.query_error);
      errored = true;
    }
  }
  wy_ast_script_destroy(script);
  teardown(&r);
  if (failed_assert) return false;
  if (t->expected_error || t->expected_message) {
    if (!errored) {
      snprintf(why, cap, "Expected test to throw %s%s%s",
               t->expected_error ? t->expected_error : "an error",
               t->expected_message ? " with message: " : "",
               t->expected_message ? t->expected_message : "");
      return false;
    }
    if (t->expected_message && !strstr(error, t->expected_message)) {
      snprintf(why, cap, "Expected error message containing: %s\nbut was: %s", t->expected_message,
               error);
      return false;
    }
    return true;
  }
  if (errored) {
    snprintf(why, cap, "%s", error);
    return false;
  }
  return true;
}

/* ---- the directory ---- */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  wy_buf_t b;
  wy_buf_init(&b);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) wy_buf_append(&b, chunk, n);
  fclose(f);
  return wy_buf_take(&b);
}

int wy_sqltest_run_directory(const char *dir, const wy_registry_t *registry, FILE *out,
                             FILE *err_out) {
  DIR *dh = opendir(dir);
  if (!dh) {
    fprintf(err_out, "cannot read the test directory %s\n", dir);
    return -1;
  }
  char **files = NULL;
  size_t nfiles = 0;
  for (struct dirent *de; (de = readdir(dh));) {
    size_t len = strlen(de->d_name);
    if (len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0) continue;
    char **grown = realloc(files, (nfiles + 1) * sizeof *grown);
    if (!grown) break;
    files = grown;
    files[nfiles] = malloc(strlen(dir) + len + 2);
    if (files[nfiles]) sprintf(files[nfiles++], "%s/%s", dir, de->d_name);
  }
  closedir(dh);
  qsort(files, nfiles, sizeof *files, by_name);
  int failed = 0;
  for (size_t f = 0; f < nfiles; f++) {
    char *text = read_file(files[f]);
    size_t ntests = 0;
    sqltest_t *tests = text ? split_tests(text, &ntests) : NULL;
    if (!text) {
      fprintf(err_out, ">>>>> Test failed: cannot read %s\n", files[f]);
      failed++;
    }
    for (size_t i = 0; i < ntests; i++) {
      char why[8192];
      if (run_test(&tests[i], registry, why, sizeof why)) {
        fprintf(out, ">>> Test passed!\n");
      } else {
        fprintf(err_out, ">>>>> Test failed: %s\n\nfile://%s:%d (%s)\n", why, files[f],
                tests[i].line, tests[i].name ? tests[i].name : "");
        failed++;
      }
      sqltest_free(&tests[i]);
    }
    free(tests);
    free(text);
    free(files[f]);
  }
  free(files);
  return failed;
}
