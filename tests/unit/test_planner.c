/* engine/plan/planner: the physical plans of the query shapes — sub-topologies numbered
 * producers first, steps linked as rows flow, stores with their changelogs — and
 * ksqlDB's names for internal topics and changelogs under the query's application id,
 * with the node's service id (two services on one cluster never share a topic). */
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
#include "engine/plan/explain.h"
#include "engine/plan/planner.h"

static const char *const DDL =
    "CREATE STREAM clicks (user_id INT KEY, page STRING, region STRING) "
    "WITH (kafka_topic='clicks', value_format='JSON', partitions=4);"
    "CREATE TABLE users (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='users', "
    "value_format='JSON', partitions=4);"
    "CREATE STREAM views (user_id INT KEY, page STRING) "
    "WITH (kafka_topic='views', value_format='JSON', partitions=4);";

typedef struct fx {
  wy_memory_broker_t *broker;
  wy_engine_t *engine;
} fx_t;

/* An engine on a memory broker whose node has service id `sid` (NULL: none). */
static fx_t *engine_with(const char *sid) {
  fx_t *f = calloc(1, sizeof *f);
  wy_error_t err;
  if (wy_memory_broker_new(&f->broker, &err) != WY_OK) fail_msg("%s", err.msg);
  wy_engine_options_t o = {.broker = f->broker, .service_id = sid};
  if (wy_engine_new(&o, &f->engine, &err) != WY_OK) fail_msg("%s", err.msg);
  if (wy_engine_execute_sql(f->engine, DDL, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  return f;
}

static void fx_free(fx_t *f) {
  wy_engine_destroy(f->engine);
  wy_memory_broker_destroy(f->broker);
  free(f);
}

static const wy_plan_t *plan_of(fx_t *f, const char *sql) {
  wy_error_t err;
  if (wy_engine_execute_sql(f->engine, sql, NULL, &err) != WY_OK)
    fail_msg("%s\n-> %s", sql, err.msg);
  return wy_query_plan(wy_engine_query_at(f->engine, wy_engine_query_count(f->engine) - 1));
}

/* EXPLAIN's text of a plan (malloc'd). */
static char *explained(const wy_plan_t *p) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  wy_plan_explain(p, out);
  fclose(out);
  return text;
}

/* The steps of an input, in the order rows take them: "Source>Filter>...". */
static void chain(const wy_subtopology_t *s, size_t input, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  int hops = 0;
  for (int k = s->inputs[input].first; k >= 0 && hops++ < 64; k = s->steps[k].next)
    len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ">" : "",
                            wy_step_name(s->steps[k].kind));
}

static void names_follow_ksqldb_under_the_node_service_id(void **state) {
  (void)state;
  fx_t *f = engine_with("barsvc_");
  const wy_plan_t *p =
      plan_of(f, "CREATE TABLE t AS SELECT region, COUNT(*) AS n FROM clicks GROUP BY region;");
  assert_string_equal(p->app_id, "_confluent-ksql-barsvc_query_CTAS_T_0");
  assert_int_equal(p->ninternal, 1);
  assert_string_equal(p->internal_topics[0],
                      "_confluent-ksql-barsvc_query_CTAS_T_0-Aggregate-GroupBy-repartition");
  assert_int_equal(p->nchangelogs, 1);
  assert_string_equal(
      p->changelog_topics[0],
      "_confluent-ksql-barsvc_query_CTAS_T_0-Aggregate-Aggregate-Materialize-changelog");
  /* the engine created them: the repartition topic with the source's partitions */
  assert_int_equal(wy_memory_broker_partitions(f->broker, p->internal_topics[0]), 4);
  assert_int_equal(wy_memory_broker_partitions(f->broker, p->changelog_topics[0]), 4);
  /* producers first: the re-keying sub-topology, then the aggregation */
  assert_int_equal(p->nsubs, 2);
  char buf[256];
  chain(&p->subs[0], 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>SelectKey>Repartition");
  chain(&p->subs[1], 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>Aggregate>Project>Sink");
  assert_string_equal(p->subs[1].inputs[0].value_format.name, "INTERNAL");
  assert_true(p->subs[1].inputs[0].changes);
  assert_int_equal(p->subs[1].nstores, 1);
  assert_string_equal(p->subs[1].stores[0].name, "Aggregate-Aggregate-Materialize");
  fx_free(f);
  /* SET ksql.service.id wins over the node's; without either, ksqlDB's default */
  f = engine_with("barsvc_");
  wy_error_t err;
  assert_int_equal(wy_engine_set_property(f->engine, "ksql.service.id", "other_", &err), WY_OK);
  p = plan_of(f, "CREATE TABLE t AS SELECT region, COUNT(*) AS n FROM clicks GROUP BY region;");
  assert_string_equal(p->app_id, "_confluent-ksql-other_query_CTAS_T_0");
  fx_free(f);
  f = engine_with(NULL);
  p = plan_of(f, "CREATE TABLE t AS SELECT region, COUNT(*) AS n FROM clicks GROUP BY region;");
  assert_string_equal(p->app_id, "_confluent-ksql-default_query_CTAS_T_0");
  char app[64];
  assert_int_equal(wy_plan_app_id("s_", "Q_1", app, sizeof app),
                   strlen("_confluent-ksql-s_query_Q_1"));
  assert_string_equal(app, "_confluent-ksql-s_query_Q_1");
  fx_free(f);
}

static void joins_meet_in_one_sub_topology(void **state) {
  (void)state;
  fx_t *f = engine_with("svc_");
  /* stream-table on the table's key: one sub-topology, the table materialized */
  const wy_plan_t *p = plan_of(f,
                               "CREATE STREAM e AS SELECT c.user_id, page, name FROM clicks c JOIN "
                               "users u ON c.user_id = u.id;");
  assert_int_equal(p->nsubs, 1);
  assert_int_equal(p->ninternal, 0);
  assert_int_equal(p->nchangelogs, 0);
  char buf[256];
  chain(&p->subs[0], 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>Join>Project>Sink");
  chain(&p->subs[0], 1, buf, sizeof buf);
  assert_string_equal(buf, "Source>Materialize");
  assert_int_equal(p->subs[0].nstores, 1);
  assert_string_equal(p->subs[0].stores[0].name, "KafkaTopic_Right-Reduce");
  assert_null(p->subs[0].stores[0].changelog); /* the table's topic is its changelog */
  assert_string_equal(p->subs[0].stores[0].source_topic, "users");
  /* stream-stream on a value: both sides re-keyed first; both join steps continue into
   * one projection; a window buffer per side, logged */
  p = plan_of(f,
              "CREATE STREAM ss AS SELECT * FROM clicks c JOIN views d WITHIN 1 MINUTE ON c.page "
              "= d.page;");
  assert_int_equal(p->nsubs, 3);
  assert_int_equal(p->ninternal, 2);
  assert_string_equal(p->internal_topics[0],
                      "_confluent-ksql-svc_query_CSAS_SS_1-Join-left-repartition");
  assert_string_equal(p->internal_topics[1],
                      "_confluent-ksql-svc_query_CSAS_SS_1-Join-right-repartition");
  const wy_subtopology_t *j = &p->subs[2];
  assert_int_equal(j->ninputs, 2);
  assert_string_equal(j->inputs[0].topic, p->internal_topics[0]);
  int left = j->steps[j->inputs[0].first].next, right = j->steps[j->inputs[1].first].next;
  assert_int_equal(j->steps[left].kind, WY_STEP_JOIN_STREAM_STREAM);
  assert_int_equal(j->steps[right].kind, WY_STEP_JOIN_STREAM_STREAM);
  assert_int_equal(j->steps[left].next, j->steps[right].next);
  assert_true(j->steps[left].join.this_is_left);
  assert_int_equal(j->steps[left].join.other_store, j->steps[right].join.this_store);
  assert_int_equal(p->nchangelogs, 2);
  assert_string_equal(
      p->changelog_topics[0],
      "_confluent-ksql-svc_query_CSAS_SS_1-KSTREAM-JOINTHIS-0000000016-store-changelog");
  assert_int_equal(p->nsource_topics, 2);
  fx_free(f);
}

/* N-way: each join takes the result so far as its left side; a join on another key
 * re-keys that result through its own repartition topic; a table-table join over a
 * join result materializes it; names carry the join's number from the second on. */
static void joins_of_more_sources_chain_left_deep(void **state) {
  (void)state;
  fx_t *f = engine_with("svc_");
  wy_error_t err;
  const char *ddl =
      "CREATE TABLE regions (name STRING PRIMARY KEY, zone STRING) "
      "WITH (kafka_topic='regions', value_format='JSON', partitions=4);"
      "CREATE TABLE tiers (id INT PRIMARY KEY, tier STRING) "
      "WITH (kafka_topic='tiers', value_format='JSON', partitions=4);"
      "CREATE TABLE plans (id INT PRIMARY KEY, plan STRING) "
      "WITH (kafka_topic='plans', value_format='JSON', partitions=4);";
  if (wy_engine_execute_sql(f->engine, ddl, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  /* the same key twice: one sub-topology, one join step after the other */
  const wy_plan_t *p =
      plan_of(f,
              "CREATE STREAM e2 AS SELECT c.user_id, page, name, tier FROM clicks c "
              "JOIN users u ON c.user_id = u.id LEFT JOIN tiers t ON c.user_id = t.id;");
  assert_int_equal(p->nsubs, 1);
  assert_int_equal(p->ninternal, 0);
  assert_int_equal(p->nsource_topics, 3);
  char buf[256];
  chain(&p->subs[0], 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>Join>Join>Project>Sink");
  assert_string_equal(p->subs[0].stores[1].name, "KafkaTopic_Right_2-Reduce");
  /* then another key: the result so far is re-keyed on the region */
  p = plan_of(f,
              "CREATE STREAM e3 AS SELECT c.region, page, u.name, zone FROM clicks c "
              "JOIN users u ON c.user_id = u.id JOIN regions r ON c.region = r.name;");
  assert_int_equal(p->nsubs, 2);
  assert_int_equal(p->ninternal, 1);
  assert_string_equal(p->internal_topics[0],
                      "_confluent-ksql-svc_query_CSAS_E3_1-Join_2-repartition");
  chain(&p->subs[0], 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>Join>SelectKey>Repartition");
  chain(&p->subs[1], 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>Join>Project>Sink");
  /* three tables: the first join's result is kept for the third table to look up */
  p = plan_of(
      f,
      "CREATE TABLE t3 AS SELECT u.id, name, tier, plan FROM users u JOIN tiers t ON u.id = t.id "
      "LEFT JOIN plans p ON u.id = p.id;");
  assert_int_equal(p->nsubs, 1);
  chain(&p->subs[0], 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>Materialize>Join>Materialize>Join>Project>Sink");
  assert_int_equal(p->nchangelogs, 1);
  assert_string_equal(p->changelog_topics[0],
                      "_confluent-ksql-svc_query_CTAS_T3_2-Join-Materialize-changelog");
  fx_free(f);
}

/* The join's key format (KLIP-33): a table keyed in another format than the join's is
 * converted through "RightSourceKeyed-SelectKey-repartition" and kept again in a logged
 * "RightSourceKeyed-Materialize"; the plan describes both topics in the join's key
 * format and the table's value format. */
static void a_table_in_another_key_format_is_converted(void **state) {
  (void)state;
  fx_t *f = engine_with("svc_");
  wy_error_t err;
  const char *ddl =
      "CREATE TABLE dusers (id INT PRIMARY KEY, name STRING) WITH "
      "(kafka_topic='dusers', key_format='DELIMITED', value_format='JSON', "
      "partitions=4);";
  if (wy_engine_execute_sql(f->engine, ddl, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  const wy_plan_t *p = plan_of(f,
                               "CREATE STREAM e AS SELECT c.user_id, name FROM clicks c "
                               "JOIN dusers u ON c.user_id = u.id;");
  assert_int_equal(p->ninternal, 1);
  const char *topic = "_confluent-ksql-svc_query_CSAS_E_0-RightSourceKeyed-SelectKey-repartition";
  assert_string_equal(p->internal_topics[0], topic);
  const wy_plan_topic_desc_t *d = wy_plan_describe_topic(p, topic);
  assert_non_null(d);
  assert_string_equal(d->key_format.name, "KAFKA"); /* the left stream's: the join's */
  assert_string_equal(d->value_format.name, "JSON");
  assert_int_equal(p->nchangelogs, 1);
  assert_string_equal(p->changelog_topics[0],
                      "_confluent-ksql-svc_query_CSAS_E_0-RightSourceKeyed-Materialize-changelog");
  assert_non_null(wy_plan_describe_topic(p, p->changelog_topics[0]));
  const wy_subtopology_t *j = &p->subs[1];
  char buf[256];
  chain(j, 1, buf, sizeof buf);
  assert_string_equal(buf, "Source>Materialize");
  /* a stream-stream LEFT join re-keyed on one side: Kafka Streams' buffer names */
  p = plan_of(f,
              "CREATE STREAM ss AS SELECT * FROM clicks c LEFT JOIN views v WITHIN 1 MINUTE "
              "ON c.user_id = v.user_id;");
  assert_int_equal(p->ninternal, 0);
  assert_int_equal(p->nchangelogs, 2);
  assert_string_equal(
      p->changelog_topics[0],
      "_confluent-ksql-svc_query_CSAS_SS_1-KSTREAM-JOINTHIS-0000000008-store-changelog");
  assert_string_equal(
      p->changelog_topics[1],
      "_confluent-ksql-svc_query_CSAS_SS_1-KSTREAM-OUTEROTHER-0000000009-store-changelog");
  fx_free(f);
}

/* Internal topics get the partition counts Kafka Streams gives them, their sources'
 * (not the sink's PARTITIONS); sources of different counts do not join. */
static void repartition_topics_take_their_sources_partitions(void **state) {
  (void)state;
  fx_t *f = engine_with("svc_");
  wy_error_t err;
  const char *ddl =
      "CREATE TABLE zones (name STRING PRIMARY KEY, zone STRING) WITH "
      "(kafka_topic='zones', value_format='JSON', partitions=4);";
  if (wy_engine_execute_sql(f->engine, ddl, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  const wy_plan_t *p = plan_of(f,
                               "CREATE STREAM r WITH (partitions=8) AS SELECT c.region, page, "
                               "zone FROM clicks c JOIN zones z ON c.region = z.name;");
  assert_int_equal(p->ninternal, 1);
  assert_string_equal(p->internal_topics[0], "_confluent-ksql-svc_query_CSAS_R_0-Join-repartition");
  assert_int_equal(wy_memory_broker_partitions(f->broker, p->internal_topics[0]), 4);
  assert_int_equal(wy_memory_broker_partitions(f->broker, "R"), 8);
  /* an aggregation's changelog: a partition per task of its sub-topology (the repartition
   * topic's 4), not the sink's 8 */
  p = plan_of(f,
              "CREATE TABLE n WITH (partitions=8) AS SELECT region, COUNT(*) AS c FROM clicks "
              "GROUP BY region;");
  assert_int_equal(p->nchangelogs, 1);
  assert_int_equal(wy_memory_broker_partitions(f->broker, p->internal_topics[0]), 4);
  assert_int_equal(wy_memory_broker_partitions(f->broker, p->changelog_topics[0]), 4);
  const char *sql =
      "CREATE TABLE groups (name STRING PRIMARY KEY, n INT) WITH "
      "(kafka_topic='groups', value_format='JSON', partitions=1);"
      "CREATE STREAM g AS SELECT c.region, n FROM clicks c JOIN groups g ON c.region "
      "= g.name;";
  assert_int_not_equal(wy_engine_execute_sql(f->engine, sql, NULL, &err), WY_OK);
  assert_non_null(strstr(err.msg,
                         "Can't join `CLICKS` with `GROUPS` since the number of "
                         "partitions don't match. `CLICKS` partitions = 4; `GROUPS` "
                         "partitions = 1."));
  fx_free(f);
}

/* A foreign-key join: the right table's side in a sub-topology of its own (producers
 * first), reading the registration topic into the subscription store; the left table's
 * side subscribing and resolving the answers; Kafka Streams' names, each topic with the
 * partitions of the table it is co-partitioned with. */
static void foreign_key_joins_subscribe_through_two_topics(void **state) {
  (void)state;
  fx_t *f = engine_with("svc_");
  wy_error_t err;
  const char *ddl =
      "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT, item STRING) "
      "WITH (kafka_topic='orders', value_format='JSON', partitions=3);";
  if (wy_engine_execute_sql(f->engine, ddl, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  const wy_plan_t *p = plan_of(f,
                               "CREATE TABLE o AS SELECT o.id, item, name FROM orders o "
                               "LEFT JOIN users u ON o.user_id = u.id;");
  const char *reg =
      "_confluent-ksql-svc_query_CTAS_O_0-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-"
      "0000000010-topic";
  const char *resp =
      "_confluent-ksql-svc_query_CTAS_O_0-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000018-topic";
  assert_int_equal(p->nsubs, 2);
  assert_int_equal(p->ninternal, 2);
  assert_string_equal(p->internal_topics[0], reg);
  assert_string_equal(p->internal_topics[1], resp);
  assert_int_equal(wy_memory_broker_partitions(f->broker, reg), 4);  /* users' */
  assert_int_equal(wy_memory_broker_partitions(f->broker, resp), 3); /* orders' */
  char buf[256];
  const wy_subtopology_t *right = &p->subs[0], *left = &p->subs[1];
  assert_string_equal(right->inputs[0].topic, "users");
  chain(right, 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>Materialize>ForeignKeyRight");
  assert_string_equal(right->inputs[1].topic, reg);
  chain(right, 1, buf, sizeof buf);
  assert_string_equal(buf, "Source>ForeignKeyReceive");
  assert_int_equal(right->nstores, 2);
  assert_string_equal(right->stores[1].name, "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000014");
  assert_int_equal(p->nchangelogs, 1);
  assert_string_equal(p->changelog_topics[0],
                      "_confluent-ksql-svc_query_CTAS_O_0-KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-"
                      "0000000014-changelog");
  chain(left, 0, buf, sizeof buf);
  assert_string_equal(buf, "Source>Materialize>ForeignKeySubscribe");
  assert_string_equal(left->inputs[1].topic, resp);
  chain(left, 1, buf, sizeof buf);
  assert_string_equal(buf, "Source>ForeignKeyResolve>Project>Sink");
  assert_true(left->steps[left->steps[left->inputs[1].first].next].fk.left_join);
  char *text = explained(p);
  assert_non_null(strstr(text, "-> ForeignKeySubscribe (LEFT join on a foreign key) to "));
  assert_non_null(strstr(text, "-> ForeignKeyResolve against store KafkaTopic_Left-Reduce"));
  free(text);
  /* under an aggregation the join keeps its results, to retract the replaced one */
  p = plan_of(f,
              "CREATE TABLE n AS SELECT u.name, COUNT(*) AS c FROM orders o "
              "JOIN users u ON o.user_id = u.id GROUP BY u.name;");
  left = &p->subs[1];
  const wy_plan_step_t *resolve = &left->steps[left->steps[left->inputs[1].first].next];
  assert_true(resolve->retracts);
  assert_string_equal(left->stores[resolve->store].name,
                      "KTABLE-FK-JOIN-OUTPUT-STATE-STORE-0000000023");
  fx_free(f);
}

static void explain_reads_the_physical_plan(void **state) {
  (void)state;
  fx_t *f = engine_with("svc_");
  const wy_plan_t *p =
      plan_of(f, "CREATE TABLE t AS SELECT region, COUNT(*) AS n FROM clicks GROUP BY region;");
  char *text = explained(p);
  assert_non_null(strstr(text, "Application id: _confluent-ksql-svc_query_CTAS_T_0"));
  assert_non_null(strstr(text, "Sub-topology 1"));
  assert_non_null(
      strstr(text, "-> Aggregate (1 aggregate) in store Aggregate-Aggregate-Materialize"));
  assert_non_null(
      strstr(text,
             "store Aggregate-Aggregate-Materialize: changelog "
             "_confluent-ksql-svc_query_CTAS_T_0-Aggregate-Aggregate-Materialize-changelog"));
  free(text);
  fx_free(f);
}

int main(void) {
  wy_log_set_level(WY_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(names_follow_ksqldb_under_the_node_service_id),
      cmocka_unit_test(joins_meet_in_one_sub_topology),
      cmocka_unit_test(joins_of_more_sources_chain_left_deep),
      cmocka_unit_test(a_table_in_another_key_format_is_converted),
      cmocka_unit_test(repartition_topics_take_their_sources_partitions),
      cmocka_unit_test(foreign_key_joins_subscribe_through_two_topics),
      cmocka_unit_test(explain_reads_the_physical_plan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
