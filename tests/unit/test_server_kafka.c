/* engine/server/node_kafka on an in-process embedded broker: the command topic on Kafka
 * (a statement posted to one node is replayed by another and by a restarted node) and
 * the queries running in the Kafka runtime (INSERT VALUES posted to a node reach the
 * query, counted in /metrics), PAUSE/RESUME with the consumer lag, a request's
 * auto.offset.reset, and RESUME after a failed stream thread. Bounded: at most 40
 * records a test, each wait gives up after 30 s (the mock makes a new consumer group
 * wait 3 s before its first assignment). */
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
      wy_embedded_broker_create_topic(fx->broker, "CLICKS_COPY", 4, &err) != WY_OK ||
      wy_embedded_broker_create_topic(fx->broker, "CLICKS_LATE", 4, &err) != WY_OK ||
      wy_embedded_broker_create_topic(fx->broker, "CLICK_COUNTS", 4, &err) != WY_OK)
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

/* Sum of the samples of a metric family on /metrics (of one query's, when qid is not
 * NULL); *lines (optional) gets how many samples there were. */
static long long metric_sum(wy_node_t *n, const char *family, const char *qid, int *lines) {
  wy_node_reply_t r;
  wy_node_handle(n, "GET", "/metrics", NULL, 0, &r);
  long long sum = 0;
  int count = 0;
  char name[128], want[160];
  snprintf(name, sizeof name, "%s{", family);
  snprintf(want, sizeof want, "query=\"%s\"", qid ? qid : "");
  for (const char *p = r.body; p && (p = strstr(p, name)) != NULL; p++) {
    if (p != r.body && p[-1] != '\n') continue;
    const char *eol = strchr(p, '\n'), *sp = strstr(p, "} ");
    if (!eol || !sp || sp > eol) continue;
    const char *q = strstr(p, want);
    if (qid && (!q || q > eol)) continue;
    sum += strtoll(sp + 2, NULL, 10);
    count++;
  }
  wy_node_reply_free(&r);
  if (lines) *lines = count;
  return sum;
}

static unsigned long records_in(wy_node_t *n) {
  return (unsigned long)metric_sum(n, "walleye_query_records_in_total", NULL, NULL);
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
                        "CREATE STREAM clicks (k VARCHAR KEY, id INT) WITH (kafka_topic='clicks', "
                        "value_format='JSON');"
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
    snprintf(sql + strlen(sql), sizeof sql - strlen(sql),
             "INSERT INTO clicks (k, id) VALUES ('k%d', %d);", i, i);
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

/* Node a, with the stream over the clicks topic declared. */
static void node_with_clicks(fx_t *fx) {
  wy_error_t err;
  json_t *j = NULL;
  assert_int_equal(knode_new(fx->cfg, &fx->a, &err), WY_OK);
  assert_int_equal(post(fx->a.node,
                        "CREATE STREAM clicks (k VARCHAR KEY, id INT) WITH (kafka_topic='clicks', "
                        "value_format='JSON');",
                        &j),
                   200);
  json_decref(j);
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
    snprintf(sql + strlen(sql), sizeof sql - strlen(sql),
             "INSERT INTO clicks (k, id) VALUES ('k%d', %d);", i, i);
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
                        "CREATE STREAM clicks (k VARCHAR KEY, id INT) WITH (kafka_topic='clicks', "
                        "value_format='JSON');"
                        "CREATE STREAM clicks_copy AS SELECT k, id FROM clicks;",
                        &j),
                   200);
  const char *qid = json_string_value(
      json_object_get(json_object_get(json_array_get(j, 1), "commandStatus"), "queryId"));
  assert_non_null(qid);
  char qid_copy[128];
  snprintf(qid_copy, sizeof qid_copy, "%s", qid);
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
  /* the paused query's consumer lag counts the ten waiting records, over the 4 input
   * partitions (ends of paused partitions are asked of the broker) */
  long long lag = 0;
  int lines = 0;
  for (int64_t until = now_ms() + 10000; now_ms() < until && lag != 10; usleep(100 * 1000))
    lag = metric_sum(fx->a.node, "walleye_consumer_lag", qid_copy, &lines);
  if (lag != 10) {
    wy_node_reply_t r;
    wy_node_handle(fx->a.node, "GET", "/metrics", NULL, 0, &r);
    fprintf(stderr, "%s\n", r.body);
    wy_node_reply_free(&r);
  }
  assert_int_equal(lag, 10);
  assert_int_equal(lines, 4);
  assert_int_equal(post(fx->a.node, resume, &j), 200);
  json_decref(j);
  assert_int_equal(pump_until(fx, 15, 30000), 15); /* the ten, once each */
  for (int64_t until = now_ms() + 10000; now_ms() < until && lag != 0; usleep(100 * 1000))
    lag = metric_sum(fx->a.node, "walleye_consumer_lag", qid_copy, &lines);
  assert_int_equal(lag, 0);
  assert_int_equal(lines, 4);
}

/* Per query, in the node's metrics. */
static long long query_in(fx_t *fx, const char *qid) {
  wy_node_pump(fx->a.node, 0);
  return metric_sum(fx->a.node, "walleye_query_records_in_total", qid, NULL);
}

static char *post_query(wy_node_t *n, const char *ksql, const char *offset_reset) {
  json_t *req = json_pack("{s:s}", "ksql", ksql);
  if (offset_reset)
    json_object_set_new(req, "streamsProperties",
                        json_pack("{s:s}", "auto.offset.reset", offset_reset));
  char *body = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  wy_node_reply_t r;
  wy_node_handle(n, "POST", "/ksql", body, strlen(body), &r);
  free(body);
  assert_int_equal(r.status, 200);
  json_t *j = json_loadb(r.body, r.len, 0, NULL);
  wy_node_reply_free(&r);
  const char *id = json_string_value(json_object_get(
      json_object_get(json_array_get(j, json_array_size(j) - 1), "commandStatus"), "queryId"));
  char *copy = id ? strdup(id) : NULL;
  json_decref(j);
  assert_non_null(copy);
  return copy;
}

/* A request's streamsProperties auto.offset.reset applies to the query it starts on
 * Kafka: with the node's default of latest, the query asked for earliest reads the five
 * records already there, the other one only what comes after it joined. */
static void test_request_offset_reset_applies_on_kafka(void **state) {
  fx_t *fx = *state;
  wy_error_t err;
  assert_int_equal(wy_config_set(fx->cfg, "auto.offset.reset", "latest", &err), WY_OK);
  node_with_clicks(fx);
  insert(fx, 1, 5);
  char *early =
      post_query(fx->a.node, "CREATE STREAM clicks_copy AS SELECT k, id FROM clicks;", "earliest");
  char *late =
      post_query(fx->a.node, "CREATE STREAM clicks_late AS SELECT k, id FROM clicks;", NULL);
  long long e = 0;
  for (int64_t until = now_ms() + 30000; now_ms() < until && e < 5; usleep(50 * 1000))
    e = query_in(fx, early);
  assert_int_equal(e, 5);
  /* markers until the latest-reset query has joined and read one */
  int markers = 0;
  long long l = 0;
  for (int64_t until = now_ms() + 30000; now_ms() < until && l == 0;) {
    insert(fx, 100 + markers, 100 + markers);
    markers++;
    for (int64_t wait = now_ms() + 1000; now_ms() < wait && l == 0; usleep(50 * 1000))
      l = query_in(fx, late);
  }
  assert_true(l >= 1);
  assert_true(l <= markers); /* none of the five from before */
  for (int64_t until = now_ms() + 10000; now_ms() < until && e < 5 + markers; usleep(50 * 1000))
    e = query_in(fx, early);
  assert_int_equal(e, 5 + markers);
  free(early);
  free(late);
}

/* A stream thread that stops on an error (here: a task's store cannot be opened, because
 * a file stands where its folder goes) puts the runtime's queries in ERROR; RESUME
 * rebuilds the runtime and the query goes on, losing nothing. */
static void test_resume_restarts_a_failed_query_on_kafka(void **state) {
  fx_t *fx = *state;
  wy_error_t err;
  json_t *j = NULL;
  node_with_clicks(fx);
  char *qid = post_query(
      fx->a.node, "CREATE TABLE click_counts AS SELECT k, COUNT(*) AS n FROM clicks GROUP BY k;",
      NULL);
  char path[512];
  snprintf(path, sizeof path, "%s/kn_/%s", fx->state_dir, qid);
  assert_int_equal(wy_config_set(fx->cfg, "auto.offset.reset", "earliest", &err), WY_OK);
  char cmd[1300];
  snprintf(cmd, sizeof cmd, "mkdir -p %s && for p in 0 1 2 3; do touch %s/0_$p; done", path, path);
  assert_int_equal(system(cmd), 0);
  insert(fx, 1, 5);
  const char *state_name = NULL;
  json_t *shown = NULL;
  for (int64_t until = now_ms() + 30000; now_ms() < until; usleep(100 * 1000)) {
    wy_node_pump(fx->a.node, 0);
    json_decref(shown);
    assert_int_equal(post(fx->a.node, "SHOW QUERIES;", &shown), 200);
    state_name = json_string_value(json_object_get(
        json_array_get(json_object_get(json_array_get(shown, 0), "queries"), 0), "state"));
    if (state_name && strcmp(state_name, "ERROR") == 0) break;
  }
  assert_non_null(state_name);
  assert_string_equal(state_name, "ERROR");
  json_decref(shown);
  assert_int_equal(query_in(fx, qid), 0);
  snprintf(cmd, sizeof cmd, "rm -f %s/0_*", path);
  assert_int_equal(system(cmd), 0);
  char resume[300];
  snprintf(resume, sizeof resume, "RESUME %s;", qid);
  assert_int_equal(post(fx->a.node, resume, &j), 200);
  json_decref(j);
  long long in = 0;
  for (int64_t until = now_ms() + 30000; now_ms() < until && in < 5; usleep(50 * 1000))
    in = query_in(fx, qid);
  assert_int_equal(in, 5);
  free(qid);
}

/* The body of POST /query-stream, answered in full (pull, or push with LIMIT). */
static char *query_stream(wy_node_t *n, const char *sql, const char *reset) {
  json_t *req = json_pack("{s:s, s:{}}", "sql", sql, "properties");
  if (reset)
    json_object_set_new(json_object_get(req, "properties"), "auto.offset.reset",
                        json_string(reset));
  char *body = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  wy_node_reply_t r;
  wy_node_handle(n, "POST", "/query-stream", body, strlen(body), &r);
  free(body);
  assert_int_equal(r.status, 200);
  char *out = r.body;
  r.body = NULL;
  wy_node_reply_free(&r);
  return out;
}

static int count_lines(const char *text) {
  int n = 0;
  for (const char *p = text; p && *p; p++) n += *p == '\n';
  return n;
}

/* Pull and push queries on Kafka: a pull query reads the CTAS's topic to its end and
 * answers the key's latest row (a windowed table's, one per window, with its bounds); a
 * push query from the beginning stops at its LIMIT. */
static void test_query_stream_on_kafka(void **state) {
  fx_t *fx = *state;
  node_with_clicks(fx);
  char *qid = post_query(
      fx->a.node, "CREATE TABLE click_counts AS SELECT k, COUNT(*) AS n FROM clicks GROUP BY k;",
      NULL);
  char *wqid = post_query(fx->a.node,
                          "CREATE TABLE click_windows AS SELECT k, COUNT(*) AS n FROM clicks "
                          "WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY k;",
                          NULL);
  char *sqid = post_query(fx->a.node,
                          "CREATE TABLE click_sessions AS SELECT k, COUNT(*) AS n FROM clicks "
                          "WINDOW SESSION (1 HOUR) GROUP BY k;",
                          NULL);
  insert(fx, 1, 5);
  insert(fx, 3, 3); /* k3 twice */
  long long in = 0;
  for (int64_t until = now_ms() + 30000; now_ms() < until && in < 6; usleep(50 * 1000))
    in = query_in(fx, qid);
  assert_int_equal(in, 6);
  char *out = NULL;
  /* the output is produced (and committed) shortly after the input is counted */
  for (int64_t until = now_ms() + 10000; now_ms() < until; usleep(200 * 1000)) {
    free(out);
    out = query_stream(fx->a.node, "SELECT k, n FROM click_counts WHERE k = 'k3';", NULL);
    if (strstr(out, "[\"k3\",2]")) break;
  }
  assert_non_null(strstr(out, "\"columnNames\":[\"K\",\"N\"]"));
  assert_non_null(strstr(out, "\n[\"k3\",2]\n"));
  assert_int_equal(count_lines(out), 2);
  free(out);
  out = query_stream(fx->a.node, "SELECT * FROM click_counts;", NULL);
  assert_int_equal(count_lines(out), 1 + 5); /* a scan: every key once */
  free(out);
  /* the COUNT table's stores, one RocksDB a task, in state.dir */
  int tasks = 0;
  assert_true(metric_sum(fx->a.node, "walleye_store_bytes", qid, &tasks) > 0);
  assert_int_equal(tasks, 4);
  out = query_stream(fx->a.node, "SELECT id FROM clicks EMIT CHANGES LIMIT 4;", "earliest");
  assert_int_equal(count_lines(out), 1 + 4);
  free(out);
  /* the windowed table: its keys' windows decoded (wall-clock times: k3's two records
   * may straddle an hour, so one or two windows) */
  for (int64_t until = now_ms() + 10000; now_ms() < until && query_in(fx, wqid) < 6;)
    usleep(50 * 1000);
  out = NULL;
  for (int64_t until = now_ms() + 10000; now_ms() < until; usleep(200 * 1000)) {
    free(out);
    out = query_stream(fx->a.node, "SELECT * FROM click_windows WHERE k = 'k3';", NULL);
    if (count_lines(out) > 1) break;
  }
  assert_non_null(strstr(out, "\"columnNames\":[\"K\",\"WINDOWSTART\",\"WINDOWEND\",\"N\"]"));
  assert_non_null(strstr(out, "\n[\"k3\","));
  assert_true(count_lines(out) >= 2);
  int windows = count_lines(out) - 1;
  free(out);
  /* window bounds: datetimes (the records' wall-clock times are after 2000) */
  out = query_stream(
      fx->a.node, "SELECT * FROM click_windows WHERE k = 'k3' AND WINDOWSTART >= '2000-01';", NULL);
  assert_int_equal(count_lines(out), 1 + windows);
  free(out);
  out = query_stream(
      fx->a.node, "SELECT * FROM click_windows WHERE k = 'k3' AND WINDOWEND < '2000-01-01';", NULL);
  assert_int_equal(count_lines(out), 1);
  free(out);
  /* the session table: k3's two records, within the hour's gap, in one session */
  for (int64_t until = now_ms() + 10000; now_ms() < until && query_in(fx, sqid) < 6;)
    usleep(50 * 1000);
  out = NULL;
  for (int64_t until = now_ms() + 10000; now_ms() < until; usleep(200 * 1000)) {
    free(out);
    out = query_stream(fx->a.node, "SELECT k, n FROM click_sessions WHERE k = 'k3';", NULL);
    if (strstr(out, "[\"k3\",2]")) break;
  }
  if (!strstr(out, "\n[\"k3\",2]\n")) fail_msg("%s", out);
  free(out);
  free(sqid);
  free(wqid);
  free(qid);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_env_needs_bootstrap_servers),
      cmocka_unit_test_setup_teardown(test_statement_shared_processed_and_replayed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_pause_and_resume_reach_the_kafka_runtime, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_request_offset_reset_applies_on_kafka, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resume_restarts_a_failed_query_on_kafka, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_query_stream_on_kafka, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
