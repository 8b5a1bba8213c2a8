/* engine + plan/sink_schemas: a CSAS/CTAS/INSERT INTO whose sink schema the Schema
 * Registry refuses fails as a statement, naming the subject, the level and the field,
 * and leaves nothing behind (no sink in the catalog, no query, no key schema). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/memory/memory.h"
#include "engine/base/log.h"
#include "engine/catalog/catalog.h"
#include "engine/engine.h"
#include "engine/registry/registry.h"

typedef struct fixture {
  wy_memory_broker_t *broker;
  wy_sr_t *sr;
  wy_engine_t *engine;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  wy_error_t err;
  wy_log_set_level(WY_LOG_ERROR);
  if (wy_memory_broker_new(&f->broker, &err) != WY_OK) return -1;
  wy_memory_broker_set_auto_create(f->broker, 1);
  f->sr = wy_sr_mem_new(WY_COMPAT_BACKWARD);
  wy_engine_options_t o = {0};
  o.broker = f->broker;
  o.schema_registry = f->sr;
  if (wy_engine_new(&o, &f->engine, &err) != WY_OK) return -1;
  wy_engine_set_property(f->engine, "ksql.service.id", "sinks_", &err);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  wy_engine_destroy(f->engine);
  wy_sr_destroy(f->sr);
  wy_memory_broker_destroy(f->broker);
  free(f);
  return 0;
}

static wy_status_t exec(fixture_t *f, const char *sql, wy_error_t *err) {
  wy_error_clear(err);
  return wy_engine_execute_sql(f->engine, sql, NULL, err);
}

static void exec_ok(fixture_t *f, const char *sql) {
  wy_error_t err;
  if (exec(f, sql, &err) != WY_OK) fail_msg("%s\n-> %s", sql, err.msg);
}

/* An earlier version of the sinks' value subjects, whose fields have other types than
 * the sinks' (which the sinks' schemas cannot read) and a required field they lack
 * (which the earlier schema cannot do without). */
static const char *EARLIER =
    "{\"type\":\"record\",\"name\":\"KsqlDataSourceSchema\",\"namespace\":"
    "\"io.confluent.ksql.avro_schemas\",\"fields\":[{\"name\":\"WEIGHT\",\"type\":\"string\"},"
    "{\"name\":\"N\",\"type\":\"string\"},{\"name\":\"DEPOT\",\"type\":\"int\"},"
    "{\"name\":\"WAREHOUSE\",\"type\":\"string\"}]}";

static bool subject_exists(fixture_t *f, const char *subject) {
  wy_error_t err;
  return wy_sr_latest(f->sr, subject, NULL, NULL, NULL, &err) == WY_OK;
}

static void refused_csas_leaves_nothing_behind(void **state) {
  fixture_t *f = *state;
  exec_ok(f,
          "CREATE STREAM parcels (id STRING KEY, weight DOUBLE, city STRING) WITH "
          "(kafka_topic='parcels', key_format='AVRO', value_format='AVRO', partitions=1);");
  int32_t id;
  wy_error_t err;
  assert_int_equal(wy_sr_register(f->sr, "heavy-value", WY_SR_AVRO, EARLIER, &id, &err), WY_OK);
  size_t queries = wy_engine_query_count(f->engine);
  assert_int_equal(exec(f,
                        "CREATE STREAM heavy WITH (kafka_topic='heavy') AS SELECT id, weight "
                        "FROM parcels WHERE weight > 20;",
                        &err),
                   WY_ERR_CONFIG);
  assert_string_equal(err.msg,
                      "Could not register the value schema of the sink for topic heavy: the "
                      "Schema Registry refuses it under subject 'heavy-value' (compatibility "
                      "BACKWARD): the new schema cannot read data written with version 1: field "
                      "'WEIGHT': reader union has no branch for writer type string");
  assert_null(wy_catalog_find(wy_engine_catalog(f->engine), "HEAVY"));
  assert_int_equal(wy_engine_query_count(f->engine), queries);
  assert_false(subject_exists(f, "heavy-key")); /* the key side was not registered either */
  /* under NONE for that subject the same statement goes through */
  assert_int_equal(wy_sr_set_compatibility(f->sr, "heavy-value", WY_COMPAT_NONE, &err), WY_OK);
  exec_ok(f,
          "CREATE STREAM heavy WITH (kafka_topic='heavy') AS SELECT id, weight FROM parcels "
          "WHERE weight > 20;");
  assert_non_null(wy_catalog_find(wy_engine_catalog(f->engine), "HEAVY"));
  assert_int_equal(wy_engine_query_count(f->engine), queries + 1);
}

static void refused_ctas_and_insert_into_fail_too(void **state) {
  fixture_t *f = *state;
  exec_ok(f,
          "CREATE STREAM scans (id STRING KEY, depot STRING) WITH (kafka_topic='scans', "
          "value_format='AVRO', partitions=1);");
  wy_error_t err;
  int32_t id;
  assert_int_equal(wy_sr_register(f->sr, "PER_DEPOT-value", WY_SR_AVRO, EARLIER, &id, &err), WY_OK);
  assert_int_equal(exec(f,
                        "CREATE TABLE per_depot AS SELECT depot, COUNT(*) AS n FROM scans "
                        "GROUP BY depot;",
                        &err),
                   WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "subject 'PER_DEPOT-value' (compatibility BACKWARD)"));
  assert_null(wy_catalog_find(wy_engine_catalog(f->engine), "PER_DEPOT"));
  /* INSERT INTO an existing AVRO stream whose subject moved on under FULL */
  exec_ok(f,
          "CREATE STREAM relay (id STRING KEY, depot STRING) WITH (kafka_topic='relay', "
          "value_format='AVRO', partitions=1);");
  assert_int_equal(wy_sr_set_compatibility(f->sr, "relay-value", WY_COMPAT_FULL, &err), WY_OK);
  assert_int_equal(wy_sr_register(f->sr, "relay-value", WY_SR_AVRO, EARLIER, &id, &err), WY_OK);
  size_t queries = wy_engine_query_count(f->engine);
  assert_int_equal(exec(f, "INSERT INTO relay SELECT id, depot FROM scans;", &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "subject 'relay-value' (compatibility FULL)"));
  assert_non_null(strstr(err.msg, "field 'DEPOT': reader union has no branch for writer type"));
  assert_int_equal(wy_engine_query_count(f->engine), queries);
}

/* A CREATE with declared columns stands for schemas a writer registers later: a
 * declaration its topic's subject refuses fails now, and no stream is created. */
static void refused_create_with_columns_fails(void **state) {
  fixture_t *f = *state;
  wy_error_t err;
  int32_t id;
  assert_int_equal(wy_sr_register(f->sr, "weights-value", WY_SR_AVRO, EARLIER, &id, &err), WY_OK);
  assert_int_equal(exec(f,
                        "CREATE STREAM weights (id STRING KEY, weight DOUBLE) WITH "
                        "(kafka_topic='weights', value_format='AVRO', partitions=1);",
                        &err),
                   WY_ERR_CONFIG);
  assert_string_equal(err.msg,
                      "Could not register the value schema of stream WEIGHTS for topic weights: "
                      "the Schema Registry refuses it under subject 'weights-value' "
                      "(compatibility BACKWARD): the new schema cannot read data written with "
                      "version 1: field 'WEIGHT': reader union has no branch for writer type "
                      "string");
  assert_null(wy_catalog_find(wy_engine_catalog(f->engine), "WEIGHTS"));
  /* a declaration the subject accepts (a new field with a default) goes through */
  exec_ok(f,
          "CREATE STREAM counts (id STRING KEY, parcels INT) WITH (kafka_topic='weights', "
          "value_format='AVRO', partitions=1);");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(refused_csas_leaves_nothing_behind, setup, teardown),
      cmocka_unit_test_setup_teardown(refused_ctas_and_insert_into_fail_too, setup, teardown),
      cmocka_unit_test_setup_teardown(refused_create_with_columns_fails, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
