/* Foreign-key joins when answers cross: a left row that changes again before the answer
 * to its first subscription comes back must not be joined with that answer (Kafka
 * Streams' hash of the row), which the record-at-a-time QTT harness never shows, as it
 * drains the internal topics after every record. Here the records of the internal
 * topics are delivered only after both changes of the row. */
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
#include "engine/runtime/query.h"

static const char *const SQL =
    "CREATE TABLE customers (id STRING PRIMARY KEY, name STRING) "
    "WITH (kafka_topic='customers', value_format='JSON', partitions=1);"
    "CREATE TABLE orders (id STRING PRIMARY KEY, cust STRING, item STRING) "
    "WITH (kafka_topic='orders', value_format='JSON', partitions=1);"
    "CREATE TABLE enriched AS SELECT o.id AS id, item, name FROM orders o "
    "JOIN customers c ON o.cust = c.id;";

typedef struct fx {
  wy_memory_broker_t *broker;
  wy_engine_t *engine;
  wy_query_t *query;
  wy_source_t *internal; /* the join's registration and response topics */
  int64_t read;          /* ENRICHED records read so far */
} fx_t;

static int setup(void **state) {
  fx_t *f = calloc(1, sizeof *f);
  wy_error_t err;
  if (wy_memory_broker_new(&f->broker, &err) != WY_OK) return -1;
  wy_engine_options_t o = {.broker = f->broker};
  if (wy_engine_new(&o, &f->engine, &err) != WY_OK ||
      wy_engine_execute_sql(f->engine, SQL, NULL, &err) != WY_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  f->query = wy_engine_query_at(f->engine, wy_engine_query_count(f->engine) - 1);
  if (wy_driver_memory_internal(f->broker, wy_query_plan(f->query), &f->internal, &err) != WY_OK)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx_t *f = *state;
  wy_source_destroy(f->internal);
  wy_engine_destroy(f->engine);
  wy_memory_broker_destroy(f->broker);
  free(f);
  return 0;
}

/* A record of a source table, delivered to the query; the internal topics wait. */
static void deliver(fx_t *f, const char *topic, const char *key, const char *value, int64_t ts) {
  wy_error_t err;
  int64_t offset;
  wy_record_t rec;
  if (wy_memory_broker_produce(f->broker, topic, 0, key, strlen(key), value, strlen(value), NULL, 0,
                               ts, NULL, &offset, &err) != WY_OK ||
      wy_memory_broker_read(f->broker, topic, 0, offset, &rec, &err) != WY_OK ||
      wy_query_deliver(f->query, &rec, &err) != WY_OK)
    fail_msg("%s: %s", topic, err.msg);
}

/* Deliver what the internal topics hold, until they hold nothing more. */
static void drain(fx_t *f) {
  wy_error_t err;
  wy_record_t recs[16];
  size_t n;
  do {
    if (wy_source_poll(f->internal, recs, 16, &n, 0, &err) != WY_OK) fail_msg("%s", err.msg);
    for (size_t i = 0; i < n; i++)
      if (wy_query_deliver(f->query, &recs[i], &err) != WY_OK) fail_msg("%s", err.msg);
  } while (n);
}

/* The next output record's value ("" for a delete), or NULL when there is none. */
static const char *next_output(fx_t *f, char *buf, size_t cap) {
  wy_record_t rec;
  wy_error_t err;
  if (wy_memory_broker_read(f->broker, "ENRICHED", 0, f->read, &rec, &err) != WY_OK) return NULL;
  f->read++;
  snprintf(buf, cap, "%.*s", rec.value ? (int)rec.value_len : 0,
           rec.value ? (const char *)rec.value : "");
  return buf;
}

/* o1 joins c1 ("ann"); then o1 changes to `second` before any answer came back. */
static void join_then_change(fx_t *f, const char *second) {
  deliver(f, "customers", "c1", "{\"NAME\":\"ann\"}", 1);
  drain(f);
  deliver(f, "orders", "o1", "{\"CUST\":\"c1\",\"ITEM\":\"pen\"}", 2);
  deliver(f, "orders", "o1", second, 3);
  drain(f);
}

/* The next output is `want` ("" for a delete) and the last so far. */
static void only_output(fx_t *f, const char *want) {
  char buf[256];
  const char *out = next_output(f, buf, sizeof buf);
  assert_non_null(out);
  assert_string_equal(out, want);
  assert_null(next_output(f, buf, sizeof buf));
}

static void an_answer_to_an_older_version_of_the_row_is_dropped(void **state) {
  fx_t *f = *state;
  join_then_change(f, "{\"CUST\":\"c1\",\"ITEM\":\"pencil\"}");
  only_output(f, "{\"ITEM\":\"pencil\",\"NAME\":\"ann\"}");
}

static void a_row_moved_before_its_answer_came_gets_only_the_new_one(void **state) {
  fx_t *f = *state;
  join_then_change(f, "{\"CUST\":\"c2\",\"ITEM\":\"pen\"}");
  /* the answer from c1 is stale; c2 has no row: the INNER join's result is deleted */
  only_output(f, "");
  /* c1 no longer reaches o1; c2 does */
  deliver(f, "customers", "c1", "{\"NAME\":\"anne\"}", 4);
  deliver(f, "customers", "c2", "{\"NAME\":\"bob\"}", 5);
  drain(f);
  only_output(f, "{\"ITEM\":\"pen\",\"NAME\":\"bob\"}");
}

int main(void) {
  wy_log_set_level(WY_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(an_answer_to_an_older_version_of_the_row_is_dropped, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_row_moved_before_its_answer_came_gets_only_the_new_one,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
