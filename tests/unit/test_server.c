/* server node: POST /ksql statements, ksqlDB's entities and errors, query control, the
 * memory runtime's counters and /metrics — all through wy_node_handle, without sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <time.h>

#include "test_server_util.h"
#include "udf/registry.h"

static const char *DDL =
    "CREATE STREAM s (id BIGINT KEY, name STRING) "
    "WITH (kafka_topic='s', value_format='JSON', partitions=2);";

static uint64_t topic_records(node_fixture_t *f, const char *topic) {
  uint64_t n = 0;
  wy_error_t err;
  for (int32_t p = 0; p < wy_memory_broker_partitions(f->broker, topic); p++) {
    int64_t end = 0;
    wy_memory_broker_end_offset(f->broker, topic, p, &end, &err);
    n += (uint64_t)end;
  }
  return n;
}

/* The value of one sample line of /metrics ("name{labels} value"), or -1. */
static double metric(node_fixture_t *f, const char *sample) {
  wy_node_reply_t r;
  wy_node_handle(f->node, "GET", "/metrics", NULL, 0, &r);
  assert_int_equal(r.status, 200);
  double v = -1;
  size_t len = strlen(sample);
  for (char *line = r.body; line && *line;) {
    char *nl = strchr(line, '\n');
    if (strncmp(line, sample, len) == 0 && line[len] == ' ') v = strtod(line + len + 1, NULL);
    line = nl ? nl + 1 : NULL;
  }
  wy_node_reply_free(&r);
  return v;
}

static void ddl_and_csas_answer_current_status(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_t *j = node_ksql(f->node, DDL, NULL, &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(j), 1);
  json_t *e = json_array_get(j, 0);
  assert_string_equal(json_string_value(json_object_get(e, "@type")), "currentStatus");
  assert_string_equal(json_string_value(json_object_get(e, "commandId")), "stream/`S`/create");
  assert_string_equal(json_string_value(json_object_get(e, "statementText")), DDL);
  json_t *cs = json_object_get(e, "commandStatus");
  assert_string_equal(json_string_value(json_object_get(cs, "status")), "SUCCESS");
  assert_string_equal(json_string_value(json_object_get(cs, "message")), "Stream created");
  assert_true(json_is_null(json_object_get(cs, "queryId")));
  json_int_t seq1 = json_integer_value(json_object_get(e, "commandSequenceNumber"));
  json_decref(j);

  j = node_ksql(f->node,
                "CREATE STREAM up AS SELECT id, UCASE(name) AS n FROM s;"
                "CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s GROUP BY id;",
                NULL, &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(j), 2);
  e = json_array_get(j, 0);
  cs = json_object_get(e, "commandStatus");
  const char *qid = json_string_value(json_object_get(cs, "queryId"));
  assert_non_null(qid);
  char msg[128];
  snprintf(msg, sizeof msg, "Created query with ID %s", qid);
  assert_string_equal(json_string_value(json_object_get(cs, "message")), msg);
  assert_true(json_integer_value(json_object_get(e, "commandSequenceNumber")) > seq1);
  e = json_array_get(j, 1);
  assert_string_equal(json_string_value(json_object_get(e, "commandId")), "table/`T`/create");
  json_decref(j);

  j = node_ksql(f->node, "DROP STREAM up;", NULL, &st);
  assert_int_equal(st, 200);
  cs = json_object_get(json_array_get(j, 0), "commandStatus");
  assert_string_equal(json_string_value(json_object_get(cs, "message")),
                      "Source `UP` (topic: UP) was dropped.");
  json_decref(j);
}

/* CREATE OR REPLACE of a CSAS upgrades the running query: same id, the offsets it
 * committed (no record read twice), and ksqlDB's refusal of an incompatible schema. */
static void create_or_replace_upgrades_the_query(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_t *j = node_ksql(f->node, "CREATE STREAM up AS SELECT id, name FROM s;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st);
  assert_int_equal(st, 200);
  char qid[64];
  snprintf(qid, sizeof qid, "%s",
           json_string_value(
               json_object_get(json_object_get(json_array_get(j, 0), "commandStatus"), "queryId")));
  json_decref(j);
  produce(f, 1, "{\"NAME\":\"ann\"}");
  produce(f, 2, "{\"NAME\":\"bo\"}");
  wy_node_pump(f->node, 0);
  assert_int_equal(topic_records(f, "UP"), 2);
  j = node_ksql(f->node, "CREATE OR REPLACE STREAM up AS SELECT id, name, UCASE(name) AS u FROM s;",
                "{\"auto.offset.reset\":\"earliest\"}", &st);
  assert_int_equal(st, 200);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_array_get(j, 0), "commandStatus"), "queryId")),
                      qid);
  json_decref(j);
  produce(f, 3, "{\"NAME\":\"cy\"}");
  wy_node_pump(f->node, 0);
  assert_int_equal(topic_records(f, "UP"), 3); /* not 5: the upgrade resumed */
  /* dropping a column is not an upgrade */
  j = node_ksql(f->node, "CREATE OR REPLACE STREAM up AS SELECT id, UCASE(name) AS u FROM s;", NULL,
                &st);
  assert_int_equal(st, 400);
  const char *msg = json_string_value(json_object_get(j, "message"));
  assert_non_null(msg);
  assert_non_null(strstr(msg, "Cannot upgrade data source: DataSource '`UP`' has schema = "));
  assert_non_null(
      strstr(msg, "The following columns are changed, missing or reordered: [`NAME` STRING, `U` "));
  json_decref(j);
}

/* A query ended (TERMINATE, DROP, an upgrade) while reports of its writes still wait in
 * the node's sink: a later INSERT VALUES flushes the sink, which must not call into the
 * ended query (a use-after-free that crashed the server; ASan sees it here). */
static void ending_a_query_keeps_the_sink_safe(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node,
                        "CREATE TABLE counts AS SELECT id, COUNT(*) AS c FROM s GROUP BY id;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  for (int round = 0; round < 3; round++) {
    produce(f, 1, "{\"NAME\":\"x\"}");
    wy_node_pump(f->node, 0); /* the aggregate writes its output and changelog */
    json_decref(node_ksql(f->node,
                          round == 0 ? "CREATE OR REPLACE TABLE counts AS SELECT id, COUNT(*) AS c "
                                       "FROM s GROUP BY id;"
                          : round == 1 ? "TERMINATE ALL;"
                                       : "DROP TABLE counts;",
                          NULL, &st));
    assert_int_equal(st, 200);
    json_decref(node_ksql(f->node, "INSERT INTO s (id, name) VALUES (9, 'after');", NULL, &st));
    assert_int_equal(st, 200);
    if (round == 1)
      json_decref(node_ksql(
          f->node, "CREATE OR REPLACE TABLE counts AS SELECT id, COUNT(*) AS c FROM s GROUP BY id;",
          NULL, &st));
  }
  int64_t health;
  json_t *h = node_call(f->node, "GET", "/healthcheck", NULL, &st);
  assert_int_equal(st, 200);
  health = json_is_true(json_object_get(h, "isHealthy"));
  assert_true(health);
  json_decref(h);
}

static void listings_and_descriptions_have_ksqldb_shapes(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node, "CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s GROUP BY id;",
                        NULL, &st));
  assert_int_equal(st, 200);
  json_t *j = node_ksql(
      f->node, "SHOW STREAMS; LIST TABLES; SHOW QUERIES; DESCRIBE s; DESCRIBE FUNCTION ucase;",
      NULL, &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(j), 5);
  json_t *streams = json_object_get(json_array_get(j, 0), "streams");
  assert_int_equal(json_array_size(streams), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(streams, 0), "name")), "S");
  assert_string_equal(json_string_value(json_object_get(json_array_get(streams, 0), "valueFormat")),
                      "JSON");
  json_t *tables = json_object_get(json_array_get(j, 1), "tables");
  assert_int_equal(json_array_size(tables), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(tables, 0), "type")),
                      "TABLE");
  json_t *queries = json_object_get(json_array_get(j, 2), "queries");
  assert_int_equal(json_array_size(queries), 1);
  json_t *q = json_array_get(queries, 0);
  assert_string_equal(json_string_value(json_object_get(q, "state")), "RUNNING");
  assert_string_equal(json_string_value(json_array_get(json_object_get(q, "sinks"), 0)), "T");

  json_t *desc = json_array_get(j, 3);
  assert_string_equal(json_string_value(json_object_get(desc, "@type")), "sourceDescription");
  json_t *sd = json_object_get(desc, "sourceDescription");
  json_t *fields = json_object_get(sd, "fields");
  assert_int_equal(json_array_size(fields), 2);
  assert_string_equal(json_string_value(json_object_get(json_array_get(fields, 0), "type")), "KEY");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_array_get(fields, 1), "schema"), "type")),
                      "STRING");
  assert_int_equal(json_array_size(json_object_get(sd, "readQueries")), 1);
  assert_int_equal(json_array_size(json_object_get(sd, "writeQueries")), 0);

  json_t *fn = json_array_get(j, 4);
  assert_string_equal(json_string_value(json_object_get(fn, "@type")), "describe_function");
  assert_string_equal(json_string_value(json_object_get(fn, "name")), "UCASE");
  assert_true(json_array_size(json_object_get(fn, "functions")) >= 1);
  json_decref(j);

  j = node_ksql(f->node, "SHOW FUNCTIONS;", NULL, &st);
  json_t *fns = json_object_get(json_array_get(j, 0), "functions");
  bool count_is_aggregate = false;
  for (size_t i = 0; i < json_array_size(fns); i++)
    if (strcmp(json_string_value(json_object_get(json_array_get(fns, i), "name")), "COUNT") == 0)
      count_is_aggregate =
          strcmp(json_string_value(json_object_get(json_array_get(fns, i), "type")), "AGGREGATE") ==
          0;
  assert_true(count_is_aggregate);
  json_decref(j);
}

static json_t *find_named(json_t *a, const char *name) {
  for (size_t i = 0; i < json_array_size(a); i++)
    if (strcmp(json_string_value(json_object_get(json_array_get(a, i), "name")), name) == 0)
      return json_array_get(a, i);
  return NULL;
}

/* SHOW FUNCTIONS and DESCRIBE FUNCTION answer with ksqlDB's function_names and
 * describe_function entities, filled from the registry. */
static void function_listing_and_description(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_t *j = node_ksql(f->node, "LIST FUNCTIONS;", NULL, &st);
  assert_int_equal(st, 200);
  json_t *e = json_array_get(j, 0);
  assert_string_equal(json_string_value(json_object_get(e, "@type")), "function_names");
  assert_string_equal(json_string_value(json_object_get(e, "statementText")), "LIST FUNCTIONS;");
  json_t *fns = json_object_get(e, "functions");
  const wy_registry_t *r = wy_registry_builtins();
  assert_int_equal(json_array_size(fns), wy_registry_count(r));
  for (size_t i = 1; i < json_array_size(fns); i++) /* sorted by name */
    assert_true(strcmp(json_string_value(json_object_get(json_array_get(fns, i - 1), "name")),
                       json_string_value(json_object_get(json_array_get(fns, i), "name"))) < 0);
  json_t *len = find_named(fns, "LEN"), *sum = find_named(fns, "SUM");
  assert_non_null(len);
  assert_string_equal(json_string_value(json_object_get(len, "type")), "SCALAR");
  assert_string_equal(json_string_value(json_object_get(len, "category")), "STRING");
  assert_non_null(sum);
  assert_string_equal(json_string_value(json_object_get(sum, "type")), "AGGREGATE");
  json_decref(j);

  j = node_ksql(f->node, "DESCRIBE FUNCTION concat_ws; DESCRIBE FUNCTION Substring;", NULL, &st);
  assert_int_equal(st, 200);
  e = json_array_get(j, 0);
  assert_string_equal(json_string_value(json_object_get(e, "@type")), "describe_function");
  assert_string_equal(json_string_value(json_object_get(e, "name")), "CONCAT_WS");
  assert_string_equal(json_string_value(json_object_get(e, "type")), "SCALAR");
  assert_string_equal(json_string_value(json_object_get(e, "category")), "STRING");
  assert_string_equal(json_string_value(json_object_get(e, "path")), "internal");
  const wy_function_t *cw = wy_registry_find(r, "CONCAT_WS");
  json_t *variants = json_object_get(e, "functions");
  assert_int_equal(json_array_size(variants), cw->noverloads);
  json_t *v0 = json_array_get(variants, 0), *args = json_object_get(v0, "arguments");
  /* the separator, then the variadic rest: its element type, flagged */
  assert_int_equal(json_array_size(args), 2);
  assert_string_equal(json_string_value(json_object_get(json_array_get(args, 0), "name")),
                      "separator");
  assert_false(json_is_true(json_object_get(json_array_get(args, 0), "isVariadic")));
  assert_string_equal(json_string_value(json_object_get(json_array_get(args, 1), "type")),
                      "STRING");
  assert_true(json_is_true(json_object_get(json_array_get(args, 1), "isVariadic")));
  assert_string_equal(json_string_value(json_object_get(v0, "returnType")), "STRING");
  /* an overload without a description of its own shows the function's */
  for (size_t i = 0; i < json_array_size(variants); i++)
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(variants, i), "description")),
        cw->description);
  e = json_array_get(j, 1);
  assert_string_equal(json_string_value(json_object_get(e, "name")), "SUBSTRING");
  v0 = json_array_get(json_object_get(e, "functions"), 0);
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(json_object_get(v0, "arguments"), 1), "name")),
                      "pos");
  assert_string_equal(json_string_value(json_array_get(json_object_get(v0, "argumentTypes"), 1)),
                      "INTEGER");
  json_decref(j);

  j = node_ksql(f->node, "DESCRIBE FUNCTION sum; DESCRIBE FUNCTION no_such_fn;", NULL, &st);
  assert_int_equal(st, 400);
  assert_string_equal(json_string_value(json_object_get(j, "message")),
                      "Can't find any functions with the name 'NO_SUCH_FN'");
  json_t *ents = json_object_get(j, "entities");
  assert_int_equal(json_array_size(ents), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(ents, 0), "type")),
                      "AGGREGATE");
  json_decref(j);
}

static void statement_errors_carry_code_text_and_earlier_entities(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_t *j = node_ksql(
      f->node,
      "CREATE STREAM a (v INT) WITH (kafka_topic='a', value_format='JSON'); DESCRIBE nope;", NULL,
      &st);
  assert_int_equal(st, 400);
  assert_string_equal(json_string_value(json_object_get(j, "@type")), "statement_error");
  assert_int_equal(json_integer_value(json_object_get(j, "error_code")), 40001);
  assert_string_equal(json_string_value(json_object_get(j, "message")),
                      "Could not find STREAM/TABLE 'NOPE' in the Metastore");
  assert_string_equal(json_string_value(json_object_get(j, "statementText")), "DESCRIBE nope;");
  assert_int_equal(json_array_size(json_object_get(j, "entities")), 1);
  json_decref(j);

  j = node_ksql(f->node, "SELECT * FROM a EMIT CHANGES;", NULL, &st);
  assert_int_equal(st, 400);
  assert_int_equal(json_integer_value(json_object_get(j, "error_code")), 40002);
  json_decref(j);

  j = node_ksql(f->node, "CREATE STREAM oops (;", NULL, &st);
  assert_int_equal(st, 400);
  assert_int_equal(json_integer_value(json_object_get(j, "error_code")), 40001);
  assert_string_equal(json_string_value(json_object_get(j, "message")),
                      "line 1:21: Syntax Error\nSyntax error at or near ';' at line 1:21");
  json_decref(j);

  j = node_ksql(f->node, "TERMINATE NO_SUCH_QUERY;", NULL, &st);
  assert_int_equal(st, 400);
  assert_string_equal(json_string_value(json_object_get(j, "message")),
                      "Unknown queryId: NO_SUCH_QUERY");
  json_decref(j);
}

static void malformed_requests_get_4xx_generic_errors(void **state) {
  node_fixture_t *f = *state;
  static const struct {
    const char *method, *path, *body;
    int status, code;
  } cases[] = {
      {"POST", "/ksql", "{not json", 400, 40000},
      {"POST", "/ksql", "[1,2]", 400, 40000},
      {"POST", "/ksql", "{\"ksql\": 42}", 400, 40000},
      {"POST", "/ksql", "{\"ksql\": \"SHOW STREAMS;\", \"streamsProperties\": []}", 400, 40000},
      {"POST", "/ksql", "{\"ksql\": \"   \"}", 400, 40000},
      {"POST", "/ksql", "", 400, 40000},
      {"POST", "/ksql", "{\"ksql\":\"SHOW STREAMS;\",\"ksql\":\"x\"}", 400, 40000},
      {"GET", "/ksql", NULL, 405, 40500},
      {"POST", "/info", "{}", 405, 40500},
      {"GET", "/nowhere", NULL, 404, 40400},
      {"GET", "/status/stream/`X`/create", NULL, 404, 40400},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int st;
    json_t *j = node_call(f->node, cases[i].method, cases[i].path, cases[i].body, &st);
    assert_int_equal(st, cases[i].status);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "error_code")), cases[i].code);
    assert_true(json_is_string(json_object_get(j, "message")));
    json_decref(j);
  }
  assert_int_equal(wy_node_requests(f->node, 4), sizeof cases / sizeof cases[0]);
}

static void counters_and_metrics_match_the_records_sent(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node,
                        "CREATE STREAM up AS SELECT id, UCASE(name) AS n FROM s WHERE id % 2 = 0;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  int sent = 0, bad = 0, kept = 0;
  for (int64_t id = 1; id <= 20; id++) {
    if (id % 7 == 0) {
      produce(f, id, "{not json");
      bad++;
    } else {
      produce(f, id, "{\"NAME\":\"x\"}");
      if (id % 2 == 0) kept++;
    }
    sent++;
  }
  assert_int_equal(wy_node_pump(f->node, 0), sent);
  assert_int_equal(wy_node_pump(f->node, 0), 0);
  assert_int_equal(topic_records(f, "UP"), kept);
  assert_true(metric(f, "walleye_query_records_in_total{query=\"CSAS_UP_0\"}") == sent);
  assert_true(metric(f, "walleye_query_records_out_total{query=\"CSAS_UP_0\"}") == kept);
  assert_true(metric(f, "walleye_query_records_skipped_total{query=\"CSAS_UP_0\"}") == bad);
  assert_true(metric(f, "walleye_query_processing_seconds_count{query=\"CSAS_UP_0\"}") == sent);
  assert_true(metric(f, "walleye_processing_log_records_total{type=\"DESERIALIZATION_ERROR\"}") ==
              bad);
  assert_true(metric(f, "walleye_queries{state=\"RUNNING\"}") == 1);
  assert_true(metric(f, "walleye_memory_rss_bytes") > 0);
  double lag = 0;
  lag += metric(f, "walleye_consumer_lag{query=\"CSAS_UP_0\",topic=\"s\",partition=\"0\"}");
  lag += metric(f, "walleye_consumer_lag{query=\"CSAS_UP_0\",topic=\"s\",partition=\"1\"}");
  assert_true(lag == 0);

  json_t *j = node_ksql(f->node, "SHOW QUERIES EXTENDED;", NULL, &st);
  json_t *stats = json_object_get(
      json_array_get(json_object_get(json_array_get(j, 0), "queryDescriptions"), 0), "statistics");
  assert_int_equal(json_integer_value(json_object_get(stats, "recordsIn")), sent);
  assert_int_equal(json_integer_value(json_object_get(stats, "recordsOut")), kept);
  assert_int_equal(json_integer_value(json_object_get(stats, "recordsSkipped")), bad);
  json_decref(j);
}

/* Sum of the samples whose line starts with prefix; *n gets how many. */
static double metric_sum(node_fixture_t *f, const char *prefix, int *n) {
  wy_node_reply_t r;
  wy_node_handle(f->node, "GET", "/metrics", NULL, 0, &r);
  double sum = 0;
  *n = 0;
  for (char *line = r.body; line && *line;) {
    char *nl = strchr(line, '\n'), *sp = strstr(line, "} ");
    if (strncmp(line, prefix, strlen(prefix)) == 0 && sp && (!nl || sp < nl)) {
      sum += strtod(sp + 2, NULL);
      (*n)++;
    }
    line = nl ? nl + 1 : NULL;
  }
  wy_node_reply_free(&r);
  return sum;
}

/* walleye_store_bytes: one sample per task of a stateful query (the source has 2
 * partitions, so 2 tasks once both had records), growing with the state; none for a
 * stateless query. */
static void store_sizes_are_reported_per_task(void **state) {
  node_fixture_t *f = *state;
  int st, tasks = 0;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node, "CREATE TABLE c AS SELECT id, COUNT(*) AS n FROM s GROUP BY id;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  json_decref(
      node_ksql(f->node, "CREATE STREAM up AS SELECT id, UCASE(name) AS n FROM s;", NULL, &st));
  assert_int_equal(st, 200);
  produce(f, 1, "{\"NAME\":\"x\"}");
  produce(f, 2, "{\"NAME\":\"x\"}");
  wy_node_pump(f->node, 0);
  double before = metric_sum(f, "walleye_store_bytes{query=\"CTAS_C_0\"", &tasks);
  assert_true(tasks >= 1); /* tasks open on their partition's first record */
  assert_true(before > 0);
  for (int64_t id = 3; id <= 2000; id++) produce(f, id, "{\"NAME\":\"x\"}");
  wy_node_pump(f->node, 0);
  double after = metric_sum(f, "walleye_store_bytes{query=\"CTAS_C_0\"", &tasks);
  assert_int_equal(tasks, 2);
  assert_true(after > before + 2000 * 8); /* every new key's row reached the stores' files */
  metric_sum(f, "walleye_store_bytes{query=\"CSAS_UP_", &tasks);
  assert_int_equal(tasks, 0);
}

static void offset_reset_is_per_request(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  produce(f, 2, "{\"NAME\":\"old\"}");
  /* default (latest): the old record is not read; earliest in the request: it is */
  json_decref(node_ksql(f->node, "CREATE STREAM late AS SELECT * FROM s;", NULL, &st));
  json_decref(node_ksql(f->node, "CREATE STREAM early AS SELECT * FROM s;",
                        "{\"auto.offset.reset\":\"earliest\"}", &st));
  assert_int_equal(st, 200);
  wy_node_pump(f->node, 0);
  assert_int_equal(topic_records(f, "LATE"), 0);
  assert_int_equal(topic_records(f, "EARLY"), 1);
  produce(f, 4, "{\"NAME\":\"new\"}");
  wy_node_pump(f->node, 0);
  assert_int_equal(topic_records(f, "LATE"), 1);
  assert_int_equal(topic_records(f, "EARLY"), 2);
  /* the override did not outlive its request */
  json_t *j = node_ksql(f->node, "SHOW PROPERTIES;", NULL, &st);
  json_t *props = json_object_get(json_array_get(j, 0), "properties");
  for (size_t i = 0; i < json_array_size(props); i++) {
    json_t *p = json_array_get(props, i);
    if (strcmp(json_string_value(json_object_get(p, "name")), "auto.offset.reset") == 0)
      assert_string_not_equal(json_string_value(json_object_get(p, "value")), "earliest");
  }
  json_decref(j);
}

static void pause_resume_and_terminate_control_delivery(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node, "CREATE STREAM up AS SELECT * FROM s;", NULL, &st));
  json_t *j = node_ksql(f->node, "PAUSE CSAS_UP_0;", NULL, &st);
  assert_int_equal(st, 200);
  json_decref(j);
  produce(f, 1, "{\"NAME\":\"a\"}");
  assert_int_equal(wy_node_pump(f->node, 0), 0);
  assert_int_equal(topic_records(f, "UP"), 0);
  j = node_ksql(f->node, "SHOW QUERIES;", NULL, &st);
  assert_string_equal(
      json_string_value(json_object_get(
          json_array_get(json_object_get(json_array_get(j, 0), "queries"), 0), "state")),
      "PAUSED");
  json_decref(j);
  assert_true(metric(f, "walleye_queries{state=\"PAUSED\"}") == 1);

  json_decref(node_ksql(f->node, "RESUME CSAS_UP_0;", NULL, &st));
  assert_int_equal(st, 200);
  assert_int_equal(wy_node_pump(f->node, 0), 1);
  assert_int_equal(topic_records(f, "UP"), 1);

  json_decref(node_ksql(f->node, "TERMINATE CSAS_UP_0;", NULL, &st));
  assert_int_equal(st, 200);
  j = node_ksql(f->node, "SHOW QUERIES;", NULL, &st);
  assert_int_equal(json_array_size(json_object_get(json_array_get(j, 0), "queries")), 0);
  json_decref(j);
  j = node_ksql(f->node, "PAUSE CSAS_UP_0;", NULL, &st);
  assert_int_equal(st, 400);
  json_decref(j);
}

static void status_info_and_health_endpoints(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_t *j = node_call(f->node, "GET", "/status", NULL, &st);
  assert_int_equal(st, 200);
  assert_string_equal(json_string_value(json_object_get(json_object_get(j, "commandStatuses"),
                                                        "stream/`S`/create")),
                      "SUCCESS");
  json_decref(j);
  j = node_call(f->node, "GET", "/status/stream/`S`/create", NULL, &st);
  assert_int_equal(st, 200);
  assert_string_equal(json_string_value(json_object_get(j, "message")), "Stream created");
  json_decref(j);
  j = node_call(f->node, "GET", "/info", NULL, &st);
  assert_int_equal(st, 200);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(j, "KsqlServerInfo"), "ksqlServiceId")),
      "test_");
  json_decref(j);
  j = node_call(f->node, "GET", "/healthcheck", NULL, &st);
  assert_int_equal(st, 200);
  assert_true(json_is_true(json_object_get(j, "isHealthy")));
  json_decref(j);
}

static void description_of_a_request_labels_its_queries(void **state) {
  node_fixture_t *f = *state;
  int st;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_call(
      f->node, "POST", "/ksql",
      "{\"ksql\":\"CREATE STREAM up AS SELECT * FROM s;\",\"description\":\"uppercase names\"}",
      &st));
  assert_int_equal(st, 200);
  json_t *j = node_ksql(f->node, "SHOW QUERIES;", NULL, &st);
  json_t *q = json_array_get(json_object_get(json_array_get(j, 0), "queries"), 0);
  assert_string_equal(json_string_value(json_object_get(q, "description")), "uppercase names");
  json_decref(j);
}

static void pump_thread_delivers_while_requests_run(void **state) {
  node_fixture_t *f = *state;
  int st;
  wy_error_t err;
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(node_ksql(f->node, "CREATE STREAM up AS SELECT * FROM s;", NULL, &st));
  assert_int_equal(wy_node_start(f->node, &err), WY_OK);
  for (int i = 0; i < 50; i++) produce(f, i, "{\"NAME\":\"a\"}");
  for (int tries = 0; tries < 500 && topic_records(f, "UP") < 50; tries++) {
    json_decref(node_ksql(f->node, "SHOW QUERIES;", NULL, &st));
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
  }
  wy_node_stop(f->node);
  assert_int_equal(topic_records(f, "UP"), 50);
}

static json_t *query_list(wy_node_t *n) {
  int st;
  json_t *j = node_ksql(n, "SHOW QUERIES;", NULL, &st);
  assert_int_equal(st, 200);
  json_t *qs = json_incref(json_object_get(json_array_get(j, 0), "queries"));
  json_decref(j);
  return qs;
}

static void nodes_of_a_service_follow_the_command_topic(void **state) {
  node_fixture_t *f = *state;
  int st;
  wy_node_t *b = node_on(f->broker, f->cfg);
  assert_non_null(b);
  json_decref(node_ksql(f->node, DDL, NULL, &st));
  json_decref(
      node_call(f->node, "POST", "/ksql",
                "{\"ksql\":\"CREATE STREAM up AS SELECT * FROM s;\",\"description\":\"d1\"}", &st));
  assert_int_equal(st, 200);
  /* a rejected statement is not shared */
  json_decref(node_ksql(f->node, "CREATE STREAM bad AS SELECT nope FROM s;", NULL, &st));
  assert_int_equal(st, 400);
  assert_int_equal(wy_memory_broker_partitions(f->broker, "_confluent-ksql-test__command_topic"),
                   1);

  wy_node_pump(b, 0); /* follows: S and the query now exist on b */
  json_t *qs = query_list(b);
  assert_int_equal(json_array_size(qs), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 0), "id")), "CSAS_UP_0");
  assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 0), "description")),
                      "d1");
  json_decref(qs);
  /* b's statements reach a in turn; a does not apply its own twice */
  json_decref(node_ksql(b, "PAUSE CSAS_UP_0;", NULL, &st));
  assert_int_equal(st, 200);
  wy_node_pump(f->node, 0);
  qs = query_list(f->node);
  assert_int_equal(json_array_size(qs), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 0), "state")), "PAUSED");
  json_decref(qs);
  wy_node_destroy(b);

  /* a node started later (a restart) replays everything */
  wy_node_t *c = node_on(f->broker, f->cfg);
  assert_non_null(c);
  assert_int_equal(wy_node_replay(c), 3);
  qs = query_list(c);
  assert_int_equal(json_array_size(qs), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 0), "state")), "PAUSED");
  json_decref(qs);
  json_t *j = node_ksql(c, "DESCRIBE s;", NULL, &st);
  assert_int_equal(st, 200);
  json_decref(j);
  assert_int_equal(wy_node_replay(c), 0);
  wy_node_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(ddl_and_csas_answer_current_status, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(function_listing_and_description, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(create_or_replace_upgrades_the_query, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(ending_a_query_keeps_the_sink_safe, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(listings_and_descriptions_have_ksqldb_shapes, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(statement_errors_carry_code_text_and_earlier_entities,
                                      node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(malformed_requests_get_4xx_generic_errors, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(counters_and_metrics_match_the_records_sent, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(store_sizes_are_reported_per_task, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(offset_reset_is_per_request, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(pause_resume_and_terminate_control_delivery, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(status_info_and_health_endpoints, node_setup, node_teardown),
      cmocka_unit_test_setup_teardown(description_of_a_request_labels_its_queries, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(pump_thread_delivers_while_requests_run, node_setup,
                                      node_teardown),
      cmocka_unit_test_setup_teardown(nodes_of_a_service_follow_the_command_topic, node_setup,
                                      node_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
