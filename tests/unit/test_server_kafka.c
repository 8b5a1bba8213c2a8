/* engine/server/node_kafka on an in-process embedded broker: the command topic on Kafka
 * (a statement posted to one node is replayed by another and by a restarted node) and
 * the queries running in the Kafka runtime (INSERT VALUES posted to a node reach the
 * query, counted in /metrics). Bounded: 40 records, each wait gives up after 30 s (the
 * mock makes a new consumer group wait 3 s before its first assignment). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connectors/kafka/embedded_broker.h"
#include "engine/base/log.h"
#include "engine/server/node_kafka.h"

#define NRECORDS 40

typedef struct knode {
  wy_node_kafka_env_t *env;
  wy_node_t *node;
} knode_t;

typedef struct fx {
  wy_embedded_broker_t *broker;
  char state_dir[64];
  wy_config_t *cfg;
  knode_t a, b;
} fx_t;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static wy_status_t knode_new(const wy_config_t *cfg, knode_t *k, wy_error_t *err) {
  wy_engine_t *e = NULL;
  wy_node_runtime_t rt;
  if (wy_node_kafka_env_new(cfg, &k->env, err) != WY_OK) return err->code;
  wy_engine_options_t o = {.backend = wy_node_kafka_env_backend(k->env), .service_id = "kn_"};
  if (wy_engine_new(&o, &e, err) != WY_OK) return err->code;
  if (wy_node_kafka_runtime(k->env, cfg, NULL, &rt, err) != WY_OK) {
    wy_engine_destroy(e);
    return err->code;
  }
  return wy_node_new(e, rt, cfg, &k->node, err);
}

static void knode_destroy(knode_t *k) {
  wy_node_destroy(k->node);
  wy_node_kafka_env_destroy(k->env);
  k->node = NULL;
  k->env = NULL;
}

static int setup(void **state) {
  fx_t *fx = calloc(1, sizeof *fx);
  wy_error_t err;
  wy_log_set_level(WY_LOG_ERROR);
  if (wy_embedded_broker_start(1, &fx->broker, &err) != WY_OK) return -1;
  if (wy_embedded_broker_create_topic(fx->broker, "clicks", 4, &err) != WY_OK ||
      wy_embedded_broker_create_topic(fx->broker, "CLICKS_COPY", 4, &err) != WY_OK)
    return -1;
  strcpy(fx->state_dir, "/tmp/walleye-test-nodekafka-XXXXXX");
  if (!mkdtemp(fx->state_dir)) return -1;
  fx->cfg = wy_config_new();
  const char *kv[][2] = {
      {"bootstrap.servers", wy_embedded_broker_bootstraps(fx->broker)},
      {"ksql.service.id", "kn_"},
      {"state.dir", fx->state_dir},
      {"auto.offset.reset", "earliest"},
      {"commit.interval.ms", "100"},
      {"kafka.consumer.session.timeout.ms", "2500"},
      {"kafka.consumer.heartbeat.interval.ms", "200"},
      {"kafka.consumer.fetch.wait.max.ms", "50"},
      {"kafka.linger.ms", "2"},
  };
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
    if (wy_config_set(fx->cfg, kv[i][0], kv[i][1], &err) != WY_OK) return -1;
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fx_t *fx = *state;
  knode_destroy(&fx->a);
  knode_destroy(&fx->b);
  wy_config_destroy(fx->cfg);
  wy_embedded_broker_stop(fx->broker);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", fx->state_dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", fx->state_dir);
  free(fx);
  return 0;
}

/* POST /ksql; returns the HTTP status and the reply (caller frees). */
static int post(wy_node_t *n, const char *ksql, json_t **out) {
  json_t *req = json_pack("{s:s}", "ksql", ksql);
  char *body = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  wy_node_reply_t r;
  wy_node_handle(n, "POST", "/ksql", body, strlen(body), &r);
  free(body);
  *out = json_loadb(r.body, r.len, 0, NULL);
  wy_node_reply_free(&r);
  return r.status;
}

static size_t query_count(wy_node_t *n) {
  json_t *j = NULL;
  assert_int_equal(post(n, "SHOW QUERIES;", &j), 200);
  size_t c = json_array_size(json_object_get(json_array_get(j, 0), "queries"));
  json_decref(j);
  return c;
}

/* Sum of walleye_query_records_in_total over the node's queries. */
static unsigned long records_in(wy_node_t *n) {
  wy_node_reply_t r;
  wy_node_handle(n, "GET", "/metrics", NULL, 0, &r);
  unsigned long sum = 0;
  const char *name = "walleye_query_records_in_total{";
  for (const char *p = r.body; p && (p = strstr(p, name)) != NULL; p++) {
    const char *sp = strchr(p, ' ');
    if (sp && (p == r.body || p[-1] == '\n')) sum += strtoul(sp + 1, NULL, 10);
  }
  wy_node_reply_free(&r);
  return sum;
}

static void test_env_needs_bootstrap_servers(void **state) {
  (void)state;
  wy_config_t *cfg = wy_config_new();
  wy_node_kafka_env_t *env = (wy_node_kafka_env_t *)1;
  wy_error_t err;
  assert_int_equal(wy_node_kafka_env_new(cfg, &env, &err), WY_ERR_CONFIG);
  assert_null(env);
  assert_non_null(strstr(err.msg, "bootstrap.servers"));
  wy_node_kafka_env_destroy(NULL);
  wy_config_destroy(cfg);
}

static void test_statement_shared_processed_and_replayed(void **state) {
  fx_t *fx = *state;
  wy_error_t err;
  assert_int_equal(knode_new(fx->cfg, &fx->a, &err), WY_OK);
  assert_int_equal(wy_node_replay(fx->a.node), 0); /* a new service: nothing to replay */
  json_t *j = NULL;
  assert_int_equal(post(fx->a.node,
                        "CREATE STREAM clicks (k VARCHAR KEY, id INT) WITH (kafka_topic='clicks', value_format='JSON');"
                        "CREATE STREAM clicks_copy AS SELECT k, id FROM clicks;",
                        &j),
                   200);
  json_decref(j);
  assert_int_equal(query_count(fx->a.node), 1);

  /* node b of the same service replays the two command records at start */
  assert_int_equal(knode_new(fx->cfg, &fx->b, &err), WY_OK);
  assert_int_equal(wy_node_replay(fx->b.node), 2);
  assert_int_equal(query_count(fx->b.node), 1);

  char sql[NRECORDS * 64 + 1] = "";
  for (int i = 1; i <= NRECORDS; i++)
    snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "INSERT INTO clicks (k, id) VALUES ('k%d', %d);", i, i);
  assert_int_equal(post(fx->a.node, sql, &j), 200);
  json_decref(j);
  unsigned long in = 0;
  for (int64_t until = now_ms() + 30000; now_ms() < until && in < NRECORDS;) {
    wy_node_pump(fx->a.node, 0);
    wy_node_pump(fx->b.node, 0);
    in = records_in(fx->a.node) + records_in(fx->b.node);
    usleep(50 * 1000);
  }
  assert_true(in >= NRECORDS); /* at least once, shared by the two nodes' consumers */

  /* restart of b: the query comes back from the command topic */
  knode_destroy(&fx->b);
  assert_int_equal(knode_new(fx->cfg, &fx->b, &err), WY_OK);
  assert_int_equal(wy_node_replay(fx->b.node), 2);
  assert_int_equal(query_count(fx->b.node), 1);
  /* a TERMINATE on b reaches a: the command topic is followed, not only replayed */
  assert_int_equal(post(fx->b.node, "TERMINATE ALL;", &j), 200);
  json_decref(j);
  size_t left = 1;
  for (int64_t until = now_ms() + 10000; now_ms() < until && left > 0; usleep(20 * 1000)) {
    wy_node_pump(fx->a.node, 0);
    left = query_count(fx->a.node);
  }
  assert_int_equal(left, 0);
}

/* Pump node a until its records in reach want, or ms pass; returns them. */
static unsigned long pump_until(fx_t *fx, unsigned long want, int64_t ms) {
  unsigned long in = 0;
  for (int64_t until = now_ms() + ms; now_ms() < until && in < want; usleep(50 * 1000)) {
    wy_node_pump(fx->a.node, 0);
    in = records_in(fx->a.node);
  }
  return in;
}

static void insert(fx_t *fx, int from, int to) {
  char sql[64 * 16] = "";
  for (int i = from; i <= to; i++)
    snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "INSERT INTO clicks (k, id) VALUES ('k%d', %d);", i, i);
  json_t *j = NULL;
  assert_int_equal(post(fx->a.node, sql, &j), 200);
  json_decref(j);
}

/* PAUSE stops a query's input on Kafka (its consumer stays in the group); RESUME goes on
 * from where it stood, losing nothing. */
static void test_pause_and_resume_reach_the_kafka_runtime(void **state) {
  fx_t *fx = *state;
  wy_error_t err;
  assert_int_equal(knode_new(fx->cfg, &fx->a, &err), WY_OK);
  json_t *j = NULL;
  assert_int_equal(post(fx->a.node,
                        "CREATE STREAM clicks (k VARCHAR KEY, id INT) WITH (kafka_topic='clicks', value_format='JSON');"
                        "CREATE STREAM clicks_copy AS SELECT k, id FROM clicks;",
                        &j),
                   200);
  const char *qid = json_string_value(json_object_get(json_object_get(json_array_get(j, 1), "commandStatus"), "queryId"));
  assert_non_null(qid);
  char pause[128], resume[128];
  snprintf(pause, sizeof pause, "PAUSE %s;", qid);
  snprintf(resume, sizeof resume, "RESUME %s;", qid);
  json_decref(j);
  insert(fx, 1, 5);
  assert_int_equal(pump_until(fx, 5, 30000), 5);
  assert_int_equal(post(fx->a.node, pause, &j), 200);
  json_decref(j);
  pump_until(fx, 1000, 500); /* the pause reaches the stream thread */
  insert(fx, 6, 15);
  assert_int_equal(pump_until(fx, 1000, 3000), 5); /* nothing delivered while paused */
  assert_int_equal(post(fx->a.node, resume, &j), 200);
  json_decref(j);
  assert_int_equal(pump_until(fx, 15, 30000), 15); /* the ten, once each */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_env_needs_bootstrap_servers),
      cmocka_unit_test_setup_teardown(test_statement_shared_processed_and_replayed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pause_and_resume_reach_the_kafka_runtime, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
