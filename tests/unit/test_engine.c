/* engine: statements in, records through queries on the memory broker, records out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/memory/memory.h"
#include "engine/base/log.h"
#include "engine/engine.h"
#include "engine/runtime/driver.h"

typedef struct fixture {
  wy_memory_broker_t *broker;
  wy_engine_t *engine;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  wy_error_t err;
  wy_log_set_level(WY_LOG_ERROR);
  if (wy_memory_broker_new(&f->broker, &err) != WY_OK) return -1;
  wy_memory_broker_set_auto_create(f->broker, 1);
  wy_engine_options_t o = {0};
  o.broker = f->broker;
  if (wy_engine_new(&o, &f->engine, &err) != WY_OK) return -1;
  wy_engine_set_property(f->engine, "ksql.service.id", "test_", &err);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  wy_engine_destroy(f->engine);
  wy_memory_broker_destroy(f->broker);
  free(f);
  return 0;
}

static void exec_ok(fixture_t *f, const char *sql) {
  wy_error_t err;
  wy_error_clear(&err);
  wy_status_t st = wy_engine_execute_sql(f->engine, sql, NULL, &err);
  if (st != WY_OK) fail_msg("%s\n-> %s", sql, err.msg);
}

/* Produce a record to a topic and deliver it to every query reading it, then drain
 * the queries' internal topics (what the QTT executor does). */
static void pipe_record(fixture_t *f, const char *topic, const char *key, const char *value,
                        int64_t ts) {
  wy_error_t err;
  int32_t part;
  int64_t off;
  assert_int_equal(
      wy_memory_broker_produce(f->broker, topic, 0, key, key ? strlen(key) : 0, value,
                               value ? strlen(value) : 0, NULL, 0, ts, &part, &off, &err),
      WY_OK);
  for (size_t q = 0; q < wy_engine_query_count(f->engine); q++) {
    wy_query_t *query = wy_engine_query_at(f->engine, q);
    if (!wy_plan_reads(wy_query_plan(query), topic)) continue;
    wy_position_t at = {topic, part, off};
    wy_source_t *src, *internal;
    wy_driver_t *d;
    assert_int_equal(wy_memory_source_sequence(f->broker, &at, 1, &src, &err), WY_OK);
    assert_int_equal(wy_driver_memory_internal(f->broker, wy_query_plan(query), &internal, &err),
                     WY_OK);
    wy_driver_options_t o = {.query = query, .source = src, .internal = internal};
    assert_int_equal(wy_driver_new(&o, &d, &err), WY_OK);
    size_t n;
    assert_int_equal(wy_driver_poll(d, 0, 0, &n, &err), WY_OK);
    assert_int_equal(n, 1);
    wy_driver_destroy(d);
    wy_source_destroy(internal);
    wy_source_destroy(src);
  }
}

/* The record at an offset of partition 0, as "key|value" text ("<null>" for nulls). */
static const char *output_at(fixture_t *f, const char *topic, int64_t off, char *buf, size_t cap) {
  wy_error_t err;
  wy_record_t rec;
  if (wy_memory_broker_read(f->broker, topic, 0, off, &rec, &err) != WY_OK) return NULL;
  snprintf(buf, cap, "%.*s|%.*s", rec.key ? (int)rec.key_len : 6,
           rec.key ? (const char *)rec.key : "<null>", rec.value ? (int)rec.value_len : 6,
           rec.value ? (const char *)rec.value : "<null>");
  return buf;
}

static int64_t output_count(fixture_t *f, const char *topic) {
  wy_error_t err;
  int64_t end = 0;
  wy_memory_broker_end_offset(f->broker, topic, 0, &end, &err);
  return end;
}

static void filter_and_project_produce_ksqldb_json(void **state) {
  fixture_t *f = *state;
  exec_ok(f,
          "CREATE STREAM clicks (ip STRING KEY, userid INT, status INT, request STRING) "
          "WITH (kafka_topic='clicks', format='JSON');");
  exec_ok(f,
          "CREATE STREAM ok_clicks AS SELECT ip, userid, UCASE(request) AS req, status * 2.0 AS s2 "
          "FROM clicks WHERE status <> 404;");
  pipe_record(f, "clicks", "\"1.1.1.1\"", "{\"USERID\":7,\"STATUS\":200,\"REQUEST\":\"get /\"}",
              10);
  pipe_record(f, "clicks", "\"2.2.2.2\"", "{\"USERID\":8,\"STATUS\":404,\"REQUEST\":\"get /x\"}",
              11);
  char buf[256];
  assert_int_equal(output_count(f, "OK_CLICKS"), 1);
  assert_string_equal(output_at(f, "OK_CLICKS", 0, buf, sizeof buf),
                      "\"1.1.1.1\"|{\"USERID\":7,\"REQ\":\"GET /\",\"S2\":400.0}");
}

static void undecodable_record_is_skipped_into_the_processing_log(void **state) {
  fixture_t *f = *state;
  exec_ok(f, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON');");
  exec_ok(f, "CREATE STREAM o AS SELECT k, v FROM s;");
  pipe_record(f, "s", "\"a\"", "{\"V\": not json", 1);
  pipe_record(f, "s", "\"b\"", "{\"V\": 5}", 2);
  assert_int_equal(output_count(f, "O"), 1);
  wy_plog_entry_t e[4];
  size_t n = wy_plog_recent(wy_engine_plog(f->engine), e, 4);
  assert_int_equal(n, 1);
  assert_int_equal(e[0].type, WY_PLOG_DESERIALIZATION_ERROR);
  assert_string_equal(e[0].topic, "s");
  assert_int_equal(e[0].partition, 0);
  assert_int_equal(e[0].offset, 0);
  assert_string_equal(e[0].target, "value");
  assert_true(strlen(e[0].message) > 0);
}

static void group_by_counts_and_keeps_latest(void **state) {
  fixture_t *f = *state;
  exec_ok(f,
          "CREATE STREAM users (id INT KEY, region STRING, phone STRING) "
          "WITH (kafka_topic='users', format='JSON');");
  exec_ok(f,
          "CREATE TABLE by_region AS SELECT region, COUNT(*) AS n, LATEST_BY_OFFSET(phone) AS "
          "last_phone "
          "FROM users GROUP BY region;");
  pipe_record(f, "users", "1", "{\"REGION\":\"eu\",\"PHONE\":\"111\"}", 1);
  pipe_record(f, "users", "2", "{\"REGION\":\"us\",\"PHONE\":\"222\"}", 2);
  pipe_record(f, "users", "3", "{\"REGION\":\"eu\",\"PHONE\":\"333\"}", 3);
  char buf[256];
  assert_int_equal(output_count(f, "BY_REGION"), 3);
  assert_string_equal(output_at(f, "BY_REGION", 0, buf, sizeof buf),
                      "\"eu\"|{\"N\":1,\"LAST_PHONE\":\"111\"}");
  assert_string_equal(output_at(f, "BY_REGION", 2, buf, sizeof buf),
                      "\"eu\"|{\"N\":2,\"LAST_PHONE\":\"333\"}");
}

static void stream_table_join_enriches_and_left_join_keeps_misses(void **state) {
  fixture_t *f = *state;
  exec_ok(f,
          "CREATE TABLE users (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='users', "
          "format='JSON');");
  exec_ok(
      f,
      "CREATE STREAM clicks (id INT KEY, url STRING) WITH (kafka_topic='clicks', format='JSON');");
  exec_ok(f,
          "CREATE STREAM enriched AS SELECT c.id, url, name FROM clicks c LEFT JOIN users u ON "
          "c.id = u.id;");
  pipe_record(f, "users", "1", "{\"NAME\":\"ann\"}", 1);
  pipe_record(f, "clicks", "1", "{\"URL\":\"/a\"}", 2);
  pipe_record(f, "clicks", "2", "{\"URL\":\"/b\"}", 3);
  char buf[256];
  assert_int_equal(output_count(f, "ENRICHED"), 2);
  assert_string_equal(output_at(f, "ENRICHED", 0, buf, sizeof buf),
                      "1|{\"URL\":\"/a\",\"NAME\":\"ann\"}");
  assert_string_equal(output_at(f, "ENRICHED", 1, buf, sizeof buf),
                      "2|{\"URL\":\"/b\",\"NAME\":null}");
}

/* The keys of a compacted topic's partition 0 whose latest record is not a delete. */
static int live_keys(fixture_t *f, const char *topic) {
  int64_t end = output_count(f, topic);
  int live = 0;
  wy_error_t err;
  for (int64_t i = 0; i < end; i++) {
    wy_record_t rec, later;
    if (wy_memory_broker_read(f->broker, topic, 0, i, &rec, &err) != WY_OK) continue;
    bool superseded = false;
    for (int64_t j = i + 1; j < end && !superseded; j++)
      superseded = wy_memory_broker_read(f->broker, topic, 0, j, &later, &err) == WY_OK &&
                   later.key_len == rec.key_len && !memcmp(later.key, rec.key, rec.key_len);
    if (!superseded && rec.value) live++;
  }
  return live;
}

/* A stream-stream join's buffer is a window store expiring by the join's retention
 * (WITHIN before + after + GRACE: 2 s here), in segments of a minute: after 200 s of
 * unmatched records it holds only the last segments' (and its clock), and a record
 * older than the retention allows is not kept. */
static void stream_stream_buffers_expire_by_retention(void **state) {
  fixture_t *f = *state;
  exec_ok(f, "CREATE STREAM l (id INT KEY, v STRING) WITH (kafka_topic='l', format='JSON');");
  exec_ok(f, "CREATE STREAM r (id INT KEY, v STRING) WITH (kafka_topic='r', format='JSON');");
  exec_ok(f,
          "CREATE STREAM j AS SELECT l.id, l.v AS lv, r.v AS rv FROM l JOIN r WITHIN 1 SECOND "
          "GRACE PERIOD 0 SECONDS ON l.id = r.id;");
  const char *buffer =
      "_confluent-ksql-test_query_CSAS_J_0-KSTREAM-JOINTHIS-0000000008-store-"
      "changelog";
  char key[16];
  for (int i = 0; i < 200; i++) {
    snprintf(key, sizeof key, "%d", i);
    pipe_record(f, "l", key, "{\"V\":\"x\"}", (int64_t)i * 1000);
  }
  /* live: the records of 180 s and later (segment 3 on), and the clock once flushed */
  int live = live_keys(f, buffer);
  assert_true(live >= 20 && live <= 20 + 1);
  int64_t written = output_count(f, buffer);
  pipe_record(f, "l", "7", "{\"V\":\"late\"}", 5000);
  assert_int_equal(output_count(f, buffer), written);
  /* a right record in the window of the last left one still joins */
  pipe_record(f, "r", "199", "{\"V\":\"y\"}", 199500);
  char buf[256];
  assert_int_equal(output_count(f, "J"), 1);
  assert_string_equal(output_at(f, "J", 0, buf, sizeof buf), "199|{\"LV\":\"x\",\"RV\":\"y\"}");
}

static void analysis_errors_say_what_is_wrong(void **state) {
  fixture_t *f = *state;
  exec_ok(f, "CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON');");
  wy_error_t err;
  assert_int_not_equal(
      wy_engine_execute_sql(f->engine, "CREATE STREAM o AS SELECT v FROM s;", NULL, &err), WY_OK);
  assert_string_equal(err.msg,
                      "The query used to build `O` must include the key column ID in its "
                      "projection (eg, SELECT ID...).");
  assert_int_not_equal(
      wy_engine_execute_sql(f->engine, "CREATE STREAM o2 AS SELECT id, bob FROM s;", NULL, &err),
      WY_OK);
  assert_string_equal(err.msg, "SELECT column 'BOB' cannot be resolved.");
  assert_int_equal(err.line, 1);
  assert_int_equal(err.column, 32);
  assert_int_not_equal(
      wy_engine_execute_sql(f->engine, "CREATE STREAM o3 AS SELECT id, v FROM nope;", NULL, &err),
      WY_OK);
  assert_string_equal(err.msg, "NOPE does not exist.");
}

/* The timestamp of the record at an offset of partition 0. */
static int64_t output_ts(fixture_t *f, const char *topic, int64_t off) {
  wy_error_t err;
  wy_record_t rec;
  assert_int_equal(wy_memory_broker_read(f->broker, topic, 0, off, &rec, &err), WY_OK);
  return rec.timestamp;
}

static void table_functions_zip_their_values_into_rows(void **state) {
  fixture_t *f = *state;
  exec_ok(f,
          "CREATE STREAM orders (id INT KEY, items ARRAY<STRING>, qty ARRAY<INT>, note STRING) "
          "WITH (kafka_topic='orders', format='JSON');");
  exec_ok(f,
          "CREATE STREAM lines AS SELECT id, note, EXPLODE(items) AS item, EXPLODE(qty) AS n "
          "FROM orders;");
  /* the longer call sets the count; the shorter is padded with NULLs */
  pipe_record(f, "orders", "1", "{\"ITEMS\":[\"a\",\"b\",\"c\"],\"QTY\":[2],\"NOTE\":\"x\"}", 100);
  /* a NULL array and an empty one: no values, so no row */
  pipe_record(f, "orders", "2", "{\"ITEMS\":null,\"QTY\":[],\"NOTE\":\"y\"}", 101);
  /* a NULL element is a value */
  pipe_record(f, "orders", "3", "{\"ITEMS\":[null],\"QTY\":[7,8],\"NOTE\":null}", 102);
  char buf[256];
  assert_int_equal(output_count(f, "LINES"), 5);
  assert_string_equal(output_at(f, "LINES", 0, buf, sizeof buf),
                      "1|{\"NOTE\":\"x\",\"ITEM\":\"a\",\"N\":2}");
  assert_string_equal(output_at(f, "LINES", 1, buf, sizeof buf),
                      "1|{\"NOTE\":\"x\",\"ITEM\":\"b\",\"N\":null}");
  assert_string_equal(output_at(f, "LINES", 2, buf, sizeof buf),
                      "1|{\"NOTE\":\"x\",\"ITEM\":\"c\",\"N\":null}");
  assert_string_equal(output_at(f, "LINES", 3, buf, sizeof buf),
                      "3|{\"NOTE\":null,\"ITEM\":null,\"N\":7}");
  assert_string_equal(output_at(f, "LINES", 4, buf, sizeof buf),
                      "3|{\"NOTE\":null,\"ITEM\":null,\"N\":8}");
  /* every row of an input record keeps its timestamp */
  assert_int_equal(output_ts(f, "LINES", 2), 100);
  assert_int_equal(output_ts(f, "LINES", 4), 102);
}

static void a_failing_table_function_call_drops_the_record(void **state) {
  fixture_t *f = *state;
  exec_ok(f, "CREATE STREAM s (id INT KEY, a INT, b INT) WITH (kafka_topic='s', format='JSON');");
  exec_ok(f, "CREATE STREAM o AS SELECT id, EXPLODE(ARRAY[a, a / b]) AS v FROM s;");
  pipe_record(f, "s", "1", "{\"A\":6,\"B\":0}", 1);
  pipe_record(f, "s", "2", "{\"A\":6,\"B\":3}", 2);
  char buf[256];
  assert_int_equal(output_count(f, "O"), 2);
  assert_string_equal(output_at(f, "O", 0, buf, sizeof buf), "2|{\"V\":6}");
  assert_string_equal(output_at(f, "O", 1, buf, sizeof buf), "2|{\"V\":2}");
  wy_plog_entry_t e[4];
  assert_int_equal(wy_plog_recent(wy_engine_plog(f->engine), e, 4), 1);
  assert_int_equal(e[0].type, WY_PLOG_RECORD_PROCESSING_ERROR);
  assert_int_equal(e[0].offset, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(filter_and_project_produce_ksqldb_json, setup, teardown),
      cmocka_unit_test_setup_teardown(undecodable_record_is_skipped_into_the_processing_log, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(group_by_counts_and_keeps_latest, setup, teardown),
      cmocka_unit_test_setup_teardown(stream_table_join_enriches_and_left_join_keeps_misses, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(stream_stream_buffers_expire_by_retention, setup, teardown),
      cmocka_unit_test_setup_teardown(analysis_errors_say_what_is_wrong, setup, teardown),
      cmocka_unit_test_setup_teardown(table_functions_zip_their_values_into_rows, setup, teardown),
      cmocka_unit_test_setup_teardown(a_failing_table_function_call_drops_the_record, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
