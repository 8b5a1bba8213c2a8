/* POST /query-stream and /close-query on a memory-runtime node: pull queries (a table by
 * key, a table scan with a filter, a stream scan), push queries with LIMIT fed by records
 * produced after they start, the JSON-array format, /close-query, bad requests, and both
 * kinds of query over a windowed table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "test_server_util.h"

static const char *DDL =
    "CREATE STREAM s (id BIGINT KEY, name STRING, n INT) "
    "WITH (kafka_topic='s', value_format='JSON', partitions=2);";

static char *body_for(const char *sql) {
  json_t *req = json_pack("{s:s, s:{}}", "sql", sql, "properties");
  char *body = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  return body;
}

/* POST /query-stream answered in full; returns the body's lines (delimited format). */
static json_t *query_lines(wy_node_t *n, const char *sql, int *status) {
  char *body = body_for(sql);
  wy_node_reply_t r;
  wy_node_handle(n, "POST", "/query-stream", body, strlen(body), &r);
  free(body);
  *status = r.status;
  if (r.status != 200) fprintf(stderr, "reply %d: %s\n", r.status, r.body);
  json_t *lines = json_array();
  for (char *line = r.body; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    json_t *j = json_loads(line, 0, NULL);
    json_array_append_new(lines, j ? j : json_string(line));
    line = nl ? nl + 1 : NULL;
  }
  wy_node_reply_free(&r);
  return lines;
}

static void fill(node_fixture_t *f) {
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  assert_int_equal(st, 200);
  json_decref(
      node_ksql(f->node,
                "CREATE TABLE latest AS SELECT id, LATEST_BY_OFFSET(name) AS name, SUM(n) AS total "
                "FROM s GROUP BY id;",
                "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  for (int64_t id = 1; id <= 6; id++) {
    char v[64];
    snprintf(v, sizeof v, "{\"NAME\":\"a%lld\",\"N\":%lld}", (long long)id, (long long)id);
    produce(f, id, v);
  }
  produce(f, 2, "{\"NAME\":\"b2\",\"N\":10}"); /* key 2 updated */
  wy_node_pump(f->node, 0);
}

static void pull_query_by_key_on_a_table(void **state) {
  node_fixture_t *f = *state;
  int st;
  fill(f);
  json_t *lines = query_lines(f->node, "SELECT * FROM latest WHERE id = 2;", &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(lines), 2);
  json_t *h = json_array_get(lines, 0);
  assert_non_null(json_string_value(json_object_get(h, "queryId")));
  char *names = json_dumps(json_object_get(h, "columnNames"), JSON_COMPACT);
  char *types = json_dumps(json_object_get(h, "columnTypes"), JSON_COMPACT);
  assert_string_equal(names, "[\"ID\",\"NAME\",\"TOTAL\"]");
  assert_string_equal(types, "[\"BIGINT\",\"STRING\",\"INTEGER\"]");
  free(names);
  free(types);
  char *row = json_dumps(json_array_get(lines, 1), JSON_COMPACT);
  assert_string_equal(row, "[2,\"b2\",12]"); /* the latest value of the key */
  free(row);
  json_decref(lines);
  /* an unknown key: the header only */
  lines = query_lines(f->node, "SELECT name FROM latest WHERE id = 99;", &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(lines), 1);
  json_decref(lines);
}

/* sessionVariables are substituted in /query-stream's sql as in /ksql's, and a node with
 * ksql.variable.substitution.enable=false keeps ${name} as written. */
static void session_variables_on_query_stream(void **state) {
  node_fixture_t *f = *state;
  int st;
  fill(f);
  json_t *j = node_call(f->node, "POST", "/query-stream",
                        "{\"sql\":\"SELECT ${col} FROM ${tbl} WHERE id = 2;\","
                        "\"sessionVariables\":{\"col\":\"name\",\"tbl\":\"latest\"}}",
                        &st);
  assert_int_equal(st, 200);
  json_decref(j);
  j = node_call(f->node, "POST", "/query-stream",
                "{\"sql\":\"SELECT * FROM latest;\",\"sessionVariables\":[1]}", &st);
  assert_int_equal(st, 400);
  json_decref(j);
  /* substitution off: ${tbl} is not a source */
  wy_config_t *cfg = wy_config_new();
  wy_error_t err;
  assert_int_equal(wy_config_set(cfg, "ksql.variable.substitution.enable", "false", &err), WY_OK);
  wy_node_t *off = node_on(f->broker, cfg);
  assert_non_null(off);
  j = node_call(off, "POST", "/query-stream",
                "{\"sql\":\"SELECT * FROM ${tbl};\",\"sessionVariables\":{\"tbl\":\"latest\"}}",
                &st);
  assert_int_equal(st, 400);
  char *text = json_dumps(j, JSON_COMPACT);
  assert_non_null(strstr(text, "${tbl}"));
  free(text);
  json_decref(j);
  wy_node_destroy(off);
  wy_config_destroy(cfg);
}

static void pull_scans_a_table_and_a_stream(void **state) {
  node_fixture_t *f = *state;
  int st;
  fill(f);
  /* a table scan with a filter on a value column: keys in order, each once */
  json_t *lines = query_lines(f->node, "SELECT id, total FROM latest WHERE total > 4;", &st);
  assert_int_equal(st, 200);
  char *all = json_dumps(lines, JSON_COMPACT);
  assert_non_null(strstr(all, "[2,12]"));
  assert_non_null(strstr(all, "[5,5]"));
  assert_non_null(strstr(all, "[6,6]"));
  assert_int_equal(json_array_size(lines), 4);
  free(all);
  json_decref(lines);
  /* a stream: every record, LIMIT applied */
  lines = query_lines(f->node, "SELECT id, name FROM s WHERE id = 2;", &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(lines), 3); /* header + the two records of key 2 */
  json_decref(lines);
  lines = query_lines(f->node, "SELECT id FROM s LIMIT 3;", &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(lines), 4);
  json_decref(lines);
  /* pseudo columns may be selected bare, and keep their names and the real positions */
  lines =
      query_lines(f->node, "SELECT id, ROWTIME, ROWPARTITION, ROWOFFSET FROM s WHERE id = 2;", &st);
  assert_int_equal(st, 200);
  char *names = json_dumps(json_object_get(json_array_get(lines, 0), "columnNames"), JSON_COMPACT);
  assert_string_equal(names, "[\"ID\",\"ROWTIME\",\"ROWPARTITION\",\"ROWOFFSET\"]");
  free(names);
  assert_int_equal(json_array_size(lines), 3);
  json_t *last = json_array_get(lines, 2);
  assert_int_equal(json_integer_value(json_array_get(last, 1)), 1000); /* the record's timestamp */
  int64_t end = 0;
  wy_error_t err;
  int32_t part = (int32_t)json_integer_value(json_array_get(last, 2));
  assert_int_equal(wy_memory_broker_end_offset(f->broker, "s", part, &end, &err), WY_OK);
  assert_int_equal(json_integer_value(json_array_get(last, 3)),
                   end - 1); /* the update of key 2 came last */
  json_decref(lines);
}

static void push_query_streams_new_rows_until_limit(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  produce(f, 1, "{\"NAME\":\"old\",\"N\":1}"); /* before the query: not seen (latest) */
  char *body = body_for("SELECT id, UCASE(name) AS up FROM s WHERE n > 0 EMIT CHANGES LIMIT 2;");
  wy_node_stream_t *s = NULL;
  wy_node_reply_t r = {0};
  wy_node_query_stream(f->node, body, strlen(body), "application/json", &s, &r);
  free(body);
  assert_non_null(s);
  assert_string_equal(wy_node_stream_content_type(s), "application/json");
  size_t len;
  bool done = false;
  char *part = wy_node_stream_next(s, 50, &len, &done); /* the header, no rows yet */
  assert_non_null(part);
  assert_false(done);
  char all[4096] = "";
  strncat(all, part, sizeof all - 1);
  free(part);
  /* one key, so one partition: the order is the produce order */
  produce(f, 7, "{\"NAME\":\"x\",\"N\":0}"); /* filtered out */
  produce(f, 7, "{\"NAME\":\"y\",\"N\":1}");
  produce(f, 7, "{\"NAME\":\"z\",\"N\":2}");
  produce(f, 7, "{\"NAME\":\"w\",\"N\":3}"); /* past the LIMIT */
  for (int i = 0; i < 50 && !done; i++) {
    part = wy_node_stream_next(s, 50, &len, &done);
    if (part) strncat(all, part, sizeof all - strlen(all) - 1);
    free(part);
  }
  assert_true(done);
  wy_node_stream_close(s);
  json_t *j = json_loads(all, 0, NULL);
  assert_non_null(j);
  assert_int_equal(json_array_size(j), 3);
  char *rows = json_dumps(j, JSON_COMPACT);
  assert_non_null(strstr(rows, "[7,\"Y\"],[7,\"Z\"]]"));
  free(rows);
  json_decref(j);
}

static void close_query_ends_a_push_query(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  char *body = body_for("SELECT * FROM s EMIT CHANGES;");
  wy_node_stream_t *s = NULL;
  wy_node_reply_t r = {0};
  wy_node_query_stream(f->node, body, strlen(body), NULL, &s, &r);
  free(body);
  assert_non_null(s);
  size_t len;
  bool done = false;
  char *part = wy_node_stream_next(s, 10, &len, &done);
  json_t *h = json_loadb(part, len, JSON_DISABLE_EOF_CHECK, NULL);
  free(part);
  char close[256];
  snprintf(close, sizeof close, "{\"queryId\":\"%s\"}",
           json_string_value(json_object_get(h, "queryId")));
  json_decref(h);
  json_decref(node_call(f->node, "POST", "/close-query", close, &st));
  assert_int_equal(st, 200);
  part = wy_node_stream_next(s, 10, &len, &done);
  free(part);
  assert_true(done);
  wy_node_stream_close(s);
  json_t *e = node_call(f->node, "POST", "/close-query", close, &st); /* gone now */
  assert_int_equal(st, 400);
  json_decref(e);
}

static void bad_requests_get_ksqldb_errors(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  static const struct {
    const char *body;
    const char *type;
  } cases[] = {
      {"{not json", "generic_error"},
      {"{\"ksql\":\"SELECT * FROM s;\"}", "generic_error"},
      {"{\"sql\":\"SELEC * FROM s;\"}", "statement_error"},
      {"{\"sql\":\"SELECT * FROM nope EMIT CHANGES;\"}", "statement_error"},
      {"{\"sql\":\"CREATE STREAM t AS SELECT * FROM s;\"}", "statement_error"},
      {"{\"sql\":\"SELECT * FROM s; SELECT * FROM s;\"}", "statement_error"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *j = node_call(f->node, "POST", "/query-stream", cases[i].body, &st);
    assert_int_equal(st, 400);
    assert_string_equal(json_string_value(json_object_get(j, "@type")), cases[i].type);
    assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 0);
    json_decref(j);
  }
  json_t *j = node_call(f->node, "POST", "/query-stream",
                        "{\"sql\":\"SELECT * FROM nope EMIT CHANGES;\"}", &st);
  assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "NOPE"));
  json_decref(j);
}

static void produce_at(node_fixture_t *f, int64_t id, const char *value, int64_t ts) {
  wy_error_t err;
  char key[8];
  for (int i = 0; i < 8; i++) key[i] = (char)((uint64_t)id >> (56 - 8 * i));
  assert_int_equal(wy_memory_broker_produce(f->broker, "s", -1, key, 8, value, strlen(value), NULL,
                                            0, ts, NULL, NULL, &err),
                   WY_OK);
}

/* A push query (LIMIT 1) started, then one record of `id` produced at ts: the whole
 * response, into all. */
static void push_one_record(node_fixture_t *f, const char *sql, int64_t id, int64_t ts, char *all,
                            size_t cap) {
  char *body = body_for(sql);
  wy_node_stream_t *s = NULL;
  wy_node_reply_t r = {0};
  wy_node_query_stream(f->node, body, strlen(body), "application/json", &s, &r);
  free(body);
  assert_non_null(s);
  size_t len;
  bool done = false;
  all[0] = '\0';
  char *part = wy_node_stream_next(s, 50, &len, &done);
  if (part) strncat(all, part, cap - 1);
  free(part);
  produce_at(f, id, "{\"NAME\":\"e\",\"N\":1}", ts);
  for (int i = 0; i < 50 && !done; i++) {
    wy_node_pump(f->node, 0);
    part = wy_node_stream_next(s, 50, &len, &done);
    if (part) strncat(all, part, cap - strlen(all) - 1);
    free(part);
  }
  assert_true(done);
  wy_node_stream_close(s);
}

/* A windowed table (a CTAS of a windowed aggregation, and the same topic declared with
 * WINDOW_TYPE): its keys carry their windows, `*` shows the window bounds after the key,
 * and pull queries may bound WINDOWSTART and WINDOWEND. */
static void windowed_table_pull_and_push(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node,
                        "CREATE TABLE counts AS SELECT id, COUNT(*) AS c FROM s "
                        "WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY id;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  json_decref(node_ksql(f->node,
                        "CREATE TABLE declared (id BIGINT PRIMARY KEY, c BIGINT) WITH "
                        "(kafka_topic='COUNTS', value_format='JSON', WINDOW_TYPE='TUMBLING', "
                        "WINDOW_SIZE='10 SECONDS');",
                        NULL, &st));
  assert_int_equal(st, 200);
  produce_at(f, 1, "{\"NAME\":\"a\",\"N\":1}", 1000);
  produce_at(f, 1, "{\"NAME\":\"b\",\"N\":1}", 2000);
  produce_at(f, 1, "{\"NAME\":\"c\",\"N\":1}", 12000);
  produce_at(f, 2, "{\"NAME\":\"d\",\"N\":1}", 3000);
  wy_node_pump(f->node, 0);
  const char *tables[] = {"counts", "declared"};
  for (int t = 0; t < 2; t++) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE id = 1;", tables[t]);
    json_t *lines = query_lines(f->node, sql, &st);
    assert_int_equal(st, 200);
    char *names =
        json_dumps(json_object_get(json_array_get(lines, 0), "columnNames"), JSON_COMPACT);
    assert_string_equal(names, "[\"ID\",\"WINDOWSTART\",\"WINDOWEND\",\"C\"]");
    free(names);
    char *rows = json_dumps(lines, JSON_COMPACT);
    assert_int_equal(json_array_size(lines), 3); /* one row per window, the latest count */
    assert_non_null(strstr(rows, "[1,0,10000,2]"));
    assert_non_null(strstr(rows, "[1,10000,20000,1]"));
    free(rows);
    json_decref(lines);
    snprintf(sql, sizeof sql,
             "SELECT id, c FROM %s WHERE id = 1 AND WINDOWSTART >= 5000 AND WINDOWEND <= 20000;",
             tables[t]);
    lines = query_lines(f->node, sql, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(lines), 2);
    rows = json_dumps(json_array_get(lines, 1), JSON_COMPACT);
    assert_string_equal(rows, "[1,1]");
    free(rows);
    json_decref(lines);
  }
  /* push: the windowed rows produced after the query starts */
  char all[4096];
  push_one_record(f, "SELECT * FROM counts EMIT CHANGES LIMIT 1;", 2, 4000, all, sizeof all);
  assert_non_null(strstr(all, "[2,0,10000,2]"));
}

/* The rows of a pull query (its header dropped) as one JSON text, and how many. */
static char *pull_rows(node_fixture_t *f, const char *sql, size_t *n) {
  int st;
  json_t *lines = query_lines(f->node, sql, &st);
  assert_int_equal(st, 200);
  assert_true(json_array_size(lines) >= 1);
  json_array_remove(lines, 0);
  *n = json_array_size(lines);
  char *rows = json_dumps(lines, JSON_COMPACT);
  json_decref(lines);
  return rows;
}

static void assert_pull(node_fixture_t *f, const char *sql, const char *want) {
  size_t n;
  char *rows = pull_rows(f, sql, &n);
  if (strcmp(rows, want) != 0) fail_msg("%s\n  got  %s\n  want %s", sql, rows, want);
  free(rows);
}

/* A pull query refused with a statement error whose message has `want`. */
static void assert_refused(node_fixture_t *f, const char *sql, const char *want) {
  char *body = body_for(sql);
  int st;
  json_t *j = node_call(f->node, "POST", "/query-stream", body, &st);
  free(body);
  const char *msg = json_string_value(json_object_get(j, "message"));
  if (st != 400 || !msg || !strstr(msg, want))
    fail_msg("%s\n  got %d %s\n  want %s", sql, st, msg ? msg : "(none)", want);
  assert_string_equal(json_string_value(json_object_get(j, "@type")), "statement_error");
  json_decref(j);
}

/* Windows of id 1 in `counts`: [0, 10 s) 2 records, [10 s, 20 s) 1, [20 s, 30 s) 1. */
static void fill_counts(node_fixture_t *f) {
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node,
                        "CREATE TABLE counts AS SELECT id, COUNT(*) AS c FROM s "
                        "WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY id;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  json_decref(node_ksql(f->node,
                        "CREATE TABLE latest AS SELECT id, COUNT(*) AS c FROM s GROUP BY id;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  const int64_t times[] = {1000, 2000, 12000, 25000};
  for (size_t i = 0; i < 4; i++) produce_at(f, 1, "{\"NAME\":\"a\",\"N\":1}", times[i]);
  produce_at(f, 2, "{\"NAME\":\"b\",\"N\":1}", 3000);
  wy_node_pump(f->node, 0);
}

/* WINDOWSTART and WINDOWEND bounded with every comparison ksqlDB allows, on either side,
 * by BETWEEN, and by datetimes (partial ones too, read as UTC). */
static void pull_window_bounds_select_windows(void **state) {
  node_fixture_t *f = *state;
  fill_counts(f);
  static const struct {
    const char *where, *want;
  } cases[] = {
      {"WINDOWSTART = 10000", "[[1,10000]]"},
      {"WINDOWSTART < 10000", "[[1,0]]"},
      {"WINDOWSTART <= 10000", "[[1,0],[1,10000]]"},
      {"WINDOWSTART > 10000", "[[1,20000]]"},
      {"WINDOWSTART >= 10000", "[[1,10000],[1,20000]]"},
      {"10000 < WINDOWSTART", "[[1,20000]]"},
      {"10000 >= WINDOWSTART", "[[1,0],[1,10000]]"},
      {"WINDOWSTART BETWEEN 5000 AND 20000", "[[1,10000],[1,20000]]"},
      {"WINDOWSTART > 0 AND WINDOWSTART < 20000", "[[1,10000]]"},
      {"WINDOWEND = 20000", "[[1,10000]]"},
      {"WINDOWEND > 10000 AND WINDOWSTART < 20000", "[[1,10000]]"},
      {"WINDOWEND BETWEEN 10000 AND 20000", "[[1,0],[1,10000]]"},
      {"WINDOWSTART >= '1970-01-01T00:00:10'", "[[1,10000],[1,20000]]"},
      {"WINDOWSTART >= '1970-01-01T00:00:10.001Z'", "[[1,20000]]"},
      {"WINDOWSTART < '1970-01-01'", "[]"},
      {"WINDOWSTART = 10000 OR WINDOWSTART = 20000", "[[1,10000],[1,20000]]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id, WINDOWSTART FROM counts WHERE id = 1 AND (%s);",
             cases[i].where);
    assert_pull(f, sql, cases[i].want);
  }
  /* every window of every key, its bounds after the key */
  assert_pull(f, "SELECT * FROM counts WHERE WINDOWEND <= 10000;", "[[1,0,10000,2],[2,0,10000,1]]");
}

/* What ksqlDB refuses in a pull query's window bounds, with its messages. */
static void pull_window_bounds_refused(void **state) {
  node_fixture_t *f = *state;
  fill_counts(f);
  static const struct {
    const char *where, *message;
  } cases[] = {
      {"WINDOWSTART <> 0", "Unsupported `WINDOWSTART` bounds: NOT_EQUAL"},
      {"WINDOWEND IS DISTINCT FROM 0", "Unsupported `WINDOWEND` bounds: IS_DISTINCT_FROM"},
      {"WINDOWSTART > 1 AND WINDOWSTART >= 2", "Duplicate `WINDOWSTART` bounds on: GREATER_THAN"},
      {"WINDOWEND < 1 AND 2 > WINDOWEND", "Duplicate `WINDOWEND` bounds on: LESS_THAN"},
      {"WINDOWSTART = 1 AND WINDOWSTART = 2", "Duplicate `WINDOWSTART` bounds on: EQUAL"},
      {"WINDOWSTART = 2 AND WINDOWSTART > 3",
       "`(WINDOWSTART > 3)` cannot be combined with other `WINDOWSTART` bounds"},
      {"WINDOWSTART BETWEEN 1 AND 2 AND WINDOWSTART < 5",
       "Duplicate `WINDOWSTART` bounds on: LESS_THAN"},
      {"WINDOWEND > 1.5", "Window bounds must be an INT, BIGINT or STRING containing a datetime"},
      {"WINDOWEND > c", "Window bounds must be an INT, BIGINT or STRING containing a datetime"},
      {"WINDOWSTART > 'yesterday'", "Failed to parse datetime: yesterday"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM counts WHERE id = 1 AND %s;", cases[i].where);
    assert_refused(f, sql, cases[i].message);
  }
  assert_refused(f, "SELECT * FROM latest WHERE id = 1 AND WINDOWSTART > 0;",
                 "Cannot use WINDOWSTART/WINDOWEND on non-windowed source");
  /* a push query filters on its window bounds as on any column */
  char *body = body_for("SELECT * FROM counts WHERE WINDOWSTART <> 0 EMIT CHANGES LIMIT 1;");
  wy_node_stream_t *s = NULL;
  wy_node_reply_t r = {0};
  wy_node_query_stream(f->node, body, strlen(body), "application/json", &s, &r);
  free(body);
  assert_non_null(s);
  wy_node_stream_close(s);
}

/* A SESSION-windowed table: each session a row, bounded like time windows; a merged
 * session replaces the sessions it merged. */
static void session_table_pull_and_push(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node,
                        "CREATE TABLE visits AS SELECT id, COUNT(*) AS c FROM s "
                        "WINDOW SESSION (10 SECONDS) GROUP BY id;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  const int64_t times[] = {1000, 30000, 15000, 45000};
  for (size_t i = 0; i < 4; i++) produce_at(f, 1, "{\"NAME\":\"a\",\"N\":1}", times[i]);
  produce_at(f, 2, "{\"NAME\":\"b\",\"N\":1}", 3000);
  wy_node_pump(f->node, 0);
  int st2;
  json_t *lines = query_lines(f->node, "SELECT * FROM visits WHERE id = 1;", &st2);
  assert_int_equal(st2, 200);
  char *names = json_dumps(json_object_get(json_array_get(lines, 0), "columnNames"), JSON_COMPACT);
  assert_string_equal(names, "[\"ID\",\"WINDOWSTART\",\"WINDOWEND\",\"C\"]");
  free(names);
  json_decref(lines);
  /* 1000 alone; 30000 and 45000 bridged by nothing: 15000 joins none (gaps of 14 s, 15 s) */
  assert_pull(f, "SELECT * FROM visits WHERE id = 1;",
              "[[1,1000,1000,1],[1,15000,15000,1],[1,30000,30000,1],[1,45000,45000,1]]");
  produce_at(f, 1, "{\"NAME\":\"a\",\"N\":1}", 8000); /* merges 1000 and 15000 */
  wy_node_pump(f->node, 0);
  assert_pull(f, "SELECT * FROM visits WHERE id = 1 AND WINDOWEND <= 30000;",
              "[[1,1000,15000,3],[1,30000,30000,1]]");
  assert_pull(f,
              "SELECT WINDOWSTART, c FROM visits WHERE id = 1 AND WINDOWSTART BETWEEN 1000 AND "
              "29999;",
              "[[1000,3]]");
  assert_refused(f, "SELECT * FROM visits WHERE id = 1 AND WINDOWEND = 1 AND WINDOWEND > 0;",
                 "cannot be combined with other `WINDOWEND` bounds");
  /* push: a merge shows the merged session */
  char all[4096];
  push_one_record(f, "SELECT * FROM visits EMIT CHANGES LIMIT 1;", 2, 9000, all, sizeof all);
  if (!strstr(all, "[2,3000,9000,2]")) fail_msg("push gave %s", all);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(pull_query_by_key_on_a_table, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(pull_scans_a_table_and_a_stream, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(session_variables_on_query_stream, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(push_query_streams_new_rows_until_limit, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(close_query_ends_a_push_query, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(bad_requests_get_ksqldb_errors, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(windowed_table_pull_and_push, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(pull_window_bounds_select_windows, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(pull_window_bounds_refused, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(session_table_pull_and_push, node_setup, node_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
