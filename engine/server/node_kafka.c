/* node_kafka.c — the node runtime on Kafka: the command topic on the cluster and the
 * service's queries in a wy_kafka_runtime that executes the statements as they come. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "connectors/kafka/kafka_sink.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/base/log.h"
#include "engine/streams/kafka_runtime.h"
#include "engine/server/node_kafka.h"
#include "parser/parser.h"
#include "state/state.h"

/* How long a start waits to read the command topic up to its end, and an append for
 * its acknowledgement. */
#define CATCH_UP_TIMEOUT_MS 15000
#define APPEND_TIMEOUT_MS 10000

struct wy_node_kafka_env {
  wy_kafka_prop_t *props;
  size_t nprops;
  char **owned;
  wy_kafka_sink_t *sink;
  wy_kafka_backend_t *backend;
  struct wy_sr *schema_registry; /* borrowed */
};

void wy_node_kafka_env_set_schema_registry(wy_node_kafka_env_t *env, struct wy_sr *sr) {
  env->schema_registry = sr;
}

/* ---- environment ---- */

static wy_status_t env_add(wy_node_kafka_env_t *env, const char *key, const char *value,
                           wy_error_t *err) {
  wy_kafka_prop_t *g = realloc(env->props, (env->nprops + 1) * sizeof *g);
  if (g) env->props = g;
  char **o = realloc(env->owned, (2 * env->nprops + 2) * sizeof *o);
  if (o) env->owned = o;
  char *k = strdup(key), *v = strdup(value);
  if (!g || !o || !k || !v) {
    free(k);
    free(v);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  env->owned[2 * env->nprops] = k;
  env->owned[2 * env->nprops + 1] = v;
  env->props[env->nprops++] = (wy_kafka_prop_t){k, v};
  return WY_OK;
}

wy_status_t wy_node_kafka_env_new(const wy_config_t *cfg, wy_node_kafka_env_t **out,
                                  wy_error_t *err) {
  *out = NULL;
  const char *bootstrap = wy_config_get_string(cfg, WY_CFG_BOOTSTRAP_SERVERS);
  /* not the default: a node runs on Kafka only when told which cluster */
  if (!wy_config_is_set(cfg, WY_CFG_BOOTSTRAP_SERVERS) || !bootstrap || !*bootstrap)
    return wy_error_set(err, WY_ERR_CONFIG, "bootstrap.servers: must be set");
  wy_node_kafka_env_t *env = calloc(1, sizeof *env);
  if (!env) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = env_add(env, "bootstrap.servers", bootstrap, err);
  for (size_t i = 0; st == WY_OK && i < wy_config_kafka_count(cfg); i++) {
    const char *k, *v;
    wy_config_kafka_entry(cfg, i, &k, &v);
    char full[512];
    snprintf(full, sizeof full, "kafka.%s", k);
    st = env_add(env, full, v, err);
  }
  wy_kafka_sink_config_t sc = {env->props, env->nprops, NULL, 0};
  if (st == WY_OK) st = wy_kafka_sink_new(&sc, &env->sink, err);
  if (st == WY_OK) {
    wy_kafka_sink_base(env->sink)->on_delivery = wy_delivery_dispatch;
    st = wy_kafka_backend_new(env->props, env->nprops, wy_kafka_sink_base(env->sink), &env->backend,
                              err);
  }
  if (st != WY_OK) {
    wy_node_kafka_env_destroy(env);
    return st;
  }
  *out = env;
  return WY_OK;
}

const wy_backend_t *wy_node_kafka_env_backend(const wy_node_kafka_env_t *env) {
  return wy_kafka_backend_base(env->backend);
}

void wy_node_kafka_env_destroy(wy_node_kafka_env_t *env) {
  if (!env) return;
  if (env->sink) {
    wy_error_t e;
    if (wy_sink_flush(wy_kafka_sink_base(env->sink), APPEND_TIMEOUT_MS, &e) != WY_OK)
      wy_log(WY_LOG_WARN, "node", "INSERT VALUES records not acknowledged: %s", e.msg);
  }
  wy_kafka_backend_destroy(env->backend);
  wy_kafka_sink_destroy(env->sink);
  for (size_t i = 0; i < 2 * env->nprops; i++) free(env->owned[i]);
  free(env->owned);
  free(env->props);
  free(env);
}

/* ---- runtime state ---- */

/* A command-topic record: raw (fetched, not yet handed to the node) or the statements
 * of it the queries' engines execute. */
typedef struct cmd_rec {
  int64_t offset;
  char *text;
} cmd_rec_t;

typedef struct cmd_list {
  cmd_rec_t *v;
  size_t n;
} cmd_list_t;

typedef struct reported {
  char *id;
  wy_kafka_query_stats_t s;
} reported_t;

typedef struct kn_rt {
  wy_node_kafka_env_t *env;
  const wy_config_t *cfg;
  const wy_registry_t *registry;
  char topic[300];
  rd_kafka_t *producer, *consumer;
  bool caught_up;
  cmd_list_t fetched; /* read from the command topic, not yet asked for */
  cmd_list_t log;     /* the service's statements, by offset */
  wy_kafka_runtime_t *krt;
  int64_t applied_offset; /* the last command-log offset krt executed (-1: none) */
  size_t applied_count;   /* how many log entries krt executed */
  bool failed;            /* krt stopped on an error (or would not start): its queries are in
                           * ERROR until a RESUME makes one run again, which rebuilds it */
  reported_t *reported;   /* per krt query id: counters already reported to the node */
  size_t nreported;
} kn_rt_t;

static void list_clear(cmd_list_t *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i].text);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* Insert in offset order; an offset already there is kept (takes text either way). */
static void list_put(cmd_list_t *l, int64_t offset, char *text) {
  size_t at = l->n;
  while (at > 0 && l->v[at - 1].offset >= offset) {
    if (l->v[at - 1].offset == offset) {
      free(text);
      return;
    }
    at--;
  }
  cmd_rec_t *g = realloc(l->v, (l->n + 1) * sizeof *g);
  if (!g) {
    free(text);
    return;
  }
  l->v = g;
  if (at < l->n) memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof *g);
  l->v[at] = (cmd_rec_t){offset, text};
  l->n++;
}

/* Statements the queries' engines execute: the ones that change the catalog or the
 * set of queries (PAUSE/RESUME are the node's business). */
static bool runtime_statement(wy_ast_stmt_kind_t k) {
  switch (k) {
    case WY_AST_STMT_CREATE_STREAM:
    case WY_AST_STMT_CREATE_TABLE:
    case WY_AST_STMT_CREATE_STREAM_AS:
    case WY_AST_STMT_CREATE_TABLE_AS:
    case WY_AST_STMT_INSERT_INTO:
    case WY_AST_STMT_DROP_STREAM:
    case WY_AST_STMT_DROP_TABLE:
    case WY_AST_STMT_TERMINATE:
    case WY_AST_STMT_CREATE_TYPE:
    case WY_AST_STMT_DROP_TYPE:
      return true;
    default:
      return false;
  }
}

/* Remember a command record's statements for the next rebuild of the queries. */
static void log_command(kn_rt_t *rt, int64_t offset, const char *rec, size_t len) {
  json_t *j = json_loadb(rec, len, 0, NULL);
  const char *ksql = json_string_value(json_object_get(j, "ksql"));
  wy_ast_script_t *script = NULL;
  wy_error_t err;
  if (!ksql || wy_parse(ksql, strlen(ksql), NULL, &script, &err) != WY_OK) {
    json_decref(j);
    return;
  }
  size_t cap = 1;
  for (size_t i = 0; i < script->n; i++)
    cap += (script->stmts[i]->text ? strlen(script->stmts[i]->text) : 0) + 3;
  char *sql = malloc(cap), *w = sql;
  for (size_t i = 0; sql && i < script->n; i++) {
    const char *t = script->stmts[i]->text;
    if (!t || !runtime_statement(script->stmts[i]->kind)) continue;
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == ';' || t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '\t'))
      n--;
    memcpy(w, t, n);
    w += n;
    memcpy(w, ";\n", 2);
    w += 2;
  }
  if (sql) *w = '\0';
  if (sql && w > sql)
    list_put(&rt->log, offset, sql);
  else
    free(sql);
  wy_ast_script_destroy(script);
  json_decref(j);
}

/* ---- the command topic ---- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  int64_t *offset = m->_private;
  if (offset) *offset = m->err ? -2 : m->offset;
}

static wy_status_t clients_new(kn_rt_t *rt, wy_error_t *err) {
  void *conf = NULL;
  char msg[512];
  if (wy_kafka_config_build(NULL, 0, rt->env->props, rt->env->nprops, WY_KAFKA_ROLE_PRODUCER, &conf,
                            err) != WY_OK)
    return err->code;
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rt->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, msg, sizeof msg);
  if (!rt->producer) {
    rd_kafka_conf_destroy(conf);
    return wy_error_set(err, WY_ERR_IO, "command topic producer: %s", msg);
  }
  if (wy_kafka_config_build(NULL, 0, rt->env->props, rt->env->nprops, WY_KAFKA_ROLE_CONSUMER, &conf,
                            err) != WY_OK)
    return err->code;
  /* a manual assignment from the beginning, nothing committed; librdkafka wants a
   * group id all the same: one per process, which never joins */
  char group[400];
  snprintf(group, sizeof group, "%s_reader_%ld", rt->topic, (long)getpid());
  if (rd_kafka_conf_set(conf, "group.id", group, msg, sizeof msg) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "enable.auto.commit", "false", msg, sizeof msg) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", msg, sizeof msg) !=
          RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return wy_error_set(err, WY_ERR_CONFIG, "command topic consumer: %s", msg);
  }
  rt->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, msg, sizeof msg);
  if (!rt->consumer) {
    rd_kafka_conf_destroy(conf);
    return wy_error_set(err, WY_ERR_IO, "command topic consumer: %s", msg);
  }
  rd_kafka_poll_set_consumer(rt->consumer);
  rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, rt->topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t e = rd_kafka_assign(rt->consumer, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (e)
    return wy_error_set(err, WY_ERR_IO, "command topic %s: %s", rt->topic, rd_kafka_err2str(e));
  return WY_OK;
}

/* Move what the consumer has (waiting at most timeout_ms for the first record) into
 * fetched; returns the highest offset seen, or -1. */
static int64_t fetch(kn_rt_t *rt, int timeout_ms) {
  int64_t last = -1;
  for (rd_kafka_message_t *m; (m = rd_kafka_consumer_poll(rt->consumer, timeout_ms)) != NULL;
       timeout_ms = 0) {
    if (!m->err) {
      char *copy = malloc(m->len + 1);
      if (copy) {
        if (m->len) memcpy(copy, m->payload, m->len);
        copy[m->len] = '\0';
        list_put(&rt->fetched, m->offset, copy);
      }
      last = m->offset;
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      wy_log(WY_LOG_WARN, "node", "command topic read error=%s", rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }
  return last;
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the topic up to the end it has now, so that a start replays every statement. */
static void catch_up(kn_rt_t *rt) {
  rt->caught_up = true;
  int64_t lo = 0, hi = 0, deadline = mono_ms() + CATCH_UP_TIMEOUT_MS;
  rd_kafka_resp_err_t e =
      rd_kafka_query_watermark_offsets(rt->consumer, rt->topic, 0, &lo, &hi, CATCH_UP_TIMEOUT_MS);
  if (e) {
    wy_log(WY_LOG_WARN, "node", "command topic end unknown topic=%s error=%s", rt->topic,
           rd_kafka_err2str(e));
    return;
  }
  int64_t have = rt->fetched.n ? rt->fetched.v[rt->fetched.n - 1].offset : -1;
  while (have < hi - 1 && mono_ms() < deadline) {
    int64_t last = fetch(rt, 100);
    if (last > have) have = last;
  }
  if (have < hi - 1)
    wy_log(WY_LOG_WARN, "node", "command topic not read to its end topic=%s", rt->topic);
}

static wy_status_t kn_command_append(void *ctx, wy_engine_t *e, const char *topic, const char *rec,
                                     size_t len, int64_t *offset, wy_error_t *err) {
  (void)e;
  kn_rt_t *rt = ctx;
  volatile int64_t result = -1;
  rd_kafka_resp_err_t re = rd_kafka_producev(
      rt->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
      RD_KAFKA_V_VALUE((void *)rec, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_OPAQUE((void *)&result), RD_KAFKA_V_END);
  if (re) return wy_error_set(err, WY_ERR_IO, "command topic %s: %s", topic, rd_kafka_err2str(re));
  rd_kafka_flush(rt->producer, APPEND_TIMEOUT_MS);
  if (result < 0) {
    /* not acknowledged in time: drop it so the callback never sees a dead pointer */
    rd_kafka_purge(rt->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rt->producer, 1000);
    return wy_error_set(err, WY_ERR_IO, "command topic %s: the record was not acknowledged", topic);
  }
  *offset = result;
  log_command(rt, result, rec, len);
  return WY_OK;
}

static char *kn_command_read(void *ctx, wy_engine_t *e, const char *topic, int64_t offset,
                             size_t *len) {
  (void)e;
  (void)topic;
  kn_rt_t *rt = ctx;
  if (!rt->caught_up) catch_up(rt);
  cmd_list_t *f = &rt->fetched;
  /* the node reads in order: what lies before offset was handed over already */
  size_t drop = 0;
  while (drop < f->n && f->v[drop].offset < offset) free(f->v[drop++].text);
  if (drop) memmove(f->v, f->v + drop, (f->n - drop) * sizeof *f->v);
  f->n -= drop;
  if (f->n == 0 || f->v[0].offset != offset) fetch(rt, 0);
  if (f->n == 0 || f->v[0].offset != offset) return NULL;
  char *text = f->v[0].text;
  memmove(f->v, f->v + 1, (f->n - 1) * sizeof *f->v);
  f->n--;
  *len = strlen(text);
  log_command(rt, offset, text, *len);
  return text;
}

/* ---- the queries ---- */

/* Stop and free the runtime; returns the error a stream thread stopped on, if any. */
static wy_status_t stop_queries(kn_rt_t *rt, wy_error_t *err) {
  if (!rt->krt) return WY_OK;
  wy_kafka_runtime_stop(rt->krt);
  wy_status_t st = wy_kafka_runtime_wait(rt->krt, err);
  if (st != WY_OK) wy_log(WY_LOG_WARN, "node", "stream threads stopped on an error: %s", err->msg);
  wy_kafka_runtime_destroy(rt->krt);
  rt->krt = NULL;
  for (size_t i = 0; i < rt->nreported; i++) free(rt->reported[i].id);
  free(rt->reported);
  rt->reported = NULL;
  rt->nreported = 0;
  return st;
}

/* The stream threads stopped on an error: every query of the runtime goes to ERROR with
 * it (ksqlDB's state for a query whose stream thread died). */
static void runtime_failed(kn_rt_t *rt, const wy_node_hooks_t *h) {
  size_t n = wy_kafka_runtime_query_count(rt->krt);
  char **ids = calloc(n ? n : 1, sizeof *ids);
  for (size_t i = 0; ids && i < n; i++) ids[i] = strdup(wy_kafka_runtime_query_id(rt->krt, i));
  wy_error_t err;
  if (stop_queries(rt, &err) == WY_OK)
    wy_error_set(&err, WY_ERR_INTERNAL, "the stream threads stopped");
  for (size_t i = 0; ids && i < n; i++)
    if (ids[i]) h->failed(h->user, ids[i], &err);
  for (size_t i = 0; ids && i < n; i++) free(ids[i]);
  free(ids);
  rt->failed = true;
}

/* After a failure, is any query running again (RESUMEd)? */
static bool any_query_runs(wy_engine_t *e, const wy_node_hooks_t *h) {
  for (size_t i = 0; i < wy_engine_query_count(e); i++)
    if (h->runs(h->user, wy_query_plan(wy_engine_query_at(e, i))->id)) return true;
  return false;
}

/* The statements of the log entries from index `from` on (malloc'd). */
static char *log_sql(const kn_rt_t *rt, size_t from) {
  size_t cap = 1;
  for (size_t i = from; i < rt->log.n; i++) cap += strlen(rt->log.v[i].text);
  char *sql = malloc(cap);
  if (!sql) return NULL;
  sql[0] = '\0';
  for (size_t i = from; i < rt->log.n; i++) strcat(sql, rt->log.v[i].text);
  return sql;
}

/* Every query goes to ERROR with err (the runtime is gone). */
static void all_failed(kn_rt_t *rt, wy_engine_t *e, const wy_node_hooks_t *h,
                       const wy_error_t *err) {
  for (size_t i = 0; i < wy_engine_query_count(e); i++)
    h->failed(h->user, wy_query_plan(wy_engine_query_at(e, i))->id, err);
  rt->failed = true;
}

/* Build and start the queries' runtime from every statement of the command topic. */
static void start_queries(kn_rt_t *rt, wy_engine_t *e, const wy_node_hooks_t *h) {
  char *sql = log_sql(rt, 0);
  if (!sql) return;
  rt->applied_count = rt->log.n;
  rt->applied_offset = rt->log.n ? rt->log.v[rt->log.n - 1].offset : -1;
  wy_kafka_runtime_options_t o = {.config = rt->cfg,
                                  .sql = sql,
                                  .registry = rt->registry,
                                  .schema_registry = rt->env->schema_registry};
  o.from_earliest = h->from_earliest; /* the request's streamsProperties, kept per query */
  o.user = h->user;
  rt->failed = false;
  wy_error_t err;
  wy_status_t st = wy_kafka_runtime_new(&o, &rt->krt, &err);
  free(sql);
  if (st == WY_OK) st = wy_kafka_runtime_start(rt->krt, &err);
  if (st != WY_OK) {
    wy_log(WY_LOG_ERROR, "node", "the queries cannot run on Kafka: %s", err.msg);
    wy_error_t ignored;
    stop_queries(rt, &ignored);
    all_failed(rt, e, h, &err);
    return;
  }
  wy_log(WY_LOG_INFO, "node", "queries running on Kafka count=%zu",
         wy_kafka_runtime_query_count(rt->krt));
}

/* The statements logged since krt was built or last told: executed by the running
 * runtime, so that the other queries go on undisturbed. An entry logged out of order
 * (before one already executed) rebuilds the runtime instead. */
static void follow_log(kn_rt_t *rt, wy_engine_t *e, const wy_node_hooks_t *h) {
  size_t upto = 0;
  while (upto < rt->log.n && rt->log.v[upto].offset <= rt->applied_offset) upto++;
  if (upto == rt->log.n) return;
  wy_error_t err;
  if (upto != rt->applied_count) {
    wy_log(WY_LOG_INFO, "node", "a statement came out of order: the queries are rebuilt");
    stop_queries(rt, &err);
    start_queries(rt, e, h);
    return;
  }
  char *sql = log_sql(rt, upto);
  if (!sql) return;
  wy_status_t st = wy_kafka_runtime_execute(rt->krt, sql, &err);
  free(sql);
  rt->applied_count = rt->log.n;
  rt->applied_offset = rt->log.v[rt->log.n - 1].offset;
  if (st != WY_OK) {
    wy_log(WY_LOG_ERROR, "node", "the running queries cannot take the statements: %s", err.msg);
    wy_error_t ignored;
    stop_queries(rt, &ignored);
    all_failed(rt, e, h, &err);
  }
}

/* The counters already reported for a query id (created on first use). */
static reported_t *reported_for(kn_rt_t *rt, const char *id) {
  for (size_t i = 0; i < rt->nreported; i++)
    if (strcmp(rt->reported[i].id, id) == 0) return &rt->reported[i];
  reported_t *g = realloc(rt->reported, (rt->nreported + 1) * sizeof *g);
  if (!g) return NULL;
  rt->reported = g;
  g[rt->nreported] = (reported_t){strdup(id), {0}};
  return g[rt->nreported].id ? &g[rt->nreported++] : NULL;
}

static size_t kn_poll(void *ctx, wy_engine_t *e, const wy_node_hooks_t *h, int timeout_ms) {
  (void)timeout_ms; /* the stream threads consume on their own; this only reports */
  kn_rt_t *rt = ctx;
  if (rt->krt && !wy_kafka_runtime_running(rt->krt)) runtime_failed(rt, h);
  if (rt->krt) {
    follow_log(rt, e, h);
  } else if (wy_engine_query_count(e) > 0 && (!rt->failed || any_query_runs(e, h))) {
    /* the first query, or a RESUME (or a new query) after a failure */
    start_queries(rt, e, h);
  }
  if (!rt->krt) return 0;
  size_t delivered = 0;
  for (size_t i = 0; i < wy_kafka_runtime_query_count(rt->krt); i++) {
    const char *id = wy_kafka_runtime_query_id(rt->krt, i);
    /* PAUSE, RESUME and ERROR of the node's queries reach the runtime */
    wy_kafka_runtime_query_pause(rt->krt, i, !h->runs(h->user, id));
    wy_kafka_query_stats_t now = wy_kafka_runtime_query_stats(rt->krt, i);
    reported_t *r = reported_for(rt, id);
    if (!r || (now.in == r->s.in && now.out == r->s.out)) continue;
    h->processed(h->user, id, now.in - r->s.in, now.out - r->s.out, now.skipped - r->s.skipped,
                 now.nanos - r->s.nanos);
    delivered += (size_t)(now.in - r->s.in);
    r->s = now;
  }
  return delivered;
}

static void kn_lag(void *ctx, wy_engine_t *e, wy_node_lag_fn emit, void *u) {
  (void)e;
  kn_rt_t *rt = ctx;
  if (rt->krt) wy_kafka_runtime_lag(rt->krt, emit, u);
}

/* A consumer of its own with a manual assignment of every partition (no group). */
static wy_status_t kn_open_reader(void *ctx, wy_engine_t *e, const char *const *topics,
                                  size_t ntopics, bool earliest, wy_source_t **out,
                                  wy_position_t **ends, size_t *nends, wy_error_t *err) {
  (void)e;
  kn_rt_t *rt = ctx;
  const wy_backend_t *b = wy_node_kafka_env_backend(rt->env);
  *out = NULL;
  *ends = NULL;
  *nends = 0;
  int *parts = calloc(ntopics + 1, sizeof *parts);
  if (!parts) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t cap = 0;
  for (size_t i = 0; i < ntopics; i++) {
    parts[i] = b->ops->partitions(b->ctx, topics[i]);
    if (parts[i] <= 0) {
      free(parts);
      return wy_error_set(err, WY_ERR_NOT_FOUND, "topic %s: no partitions known", topics[i]);
    }
    cap += (size_t)parts[i];
  }
  wy_position_t *start = calloc(cap ? cap : 1, sizeof *start),
                *end = calloc(cap ? cap : 1, sizeof *end);
  if (!start || !end) {
    free(start);
    free(end);
    free(parts);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  size_t n = 0;
  for (size_t i = 0; i < ntopics; i++)
    for (int32_t p = 0; p < parts[i]; p++, n++) {
      start[n] =
          (wy_position_t){topics[i], p, earliest ? WY_KAFKA_OFFSET_BEGINNING : WY_KAFKA_OFFSET_END};
      end[n] = (wy_position_t){topics[i], p, 0};
    }
  free(parts);
  wy_kafka_source_config_t c = {0};
  c.props = rt->env->props;
  c.nprops = rt->env->nprops;
  c.assignment = start;
  c.nassignment = n;
  wy_kafka_source_t *ks = NULL;
  wy_status_t st = wy_kafka_source_new(&c, &ks, err);
  for (size_t i = 0; st == WY_OK && i < n; i++) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t re = rd_kafka_query_watermark_offsets(
        wy_kafka_source_handle(ks), end[i].topic, end[i].partition, &lo, &hi, APPEND_TIMEOUT_MS);
    if (re)
      st = wy_error_set(err, WY_ERR_KAFKA, "%s[%d]: %s", end[i].topic, (int)end[i].partition,
                        rd_kafka_err2str(re));
    end[i].offset = hi;
  }
  free(start);
  if (st != WY_OK) {
    wy_kafka_source_destroy(ks);
    free(end);
    return st;
  }
  *out = wy_kafka_source_base(ks);
  *ends = end;
  *nends = n;
  return WY_OK;
}

/* The stream threads' stores live in state.dir under the service id (not the node
 * engine's temporary folder). */
static size_t kn_query_state_dir(void *ctx, wy_engine_t *e, const char *query_id, char *buf,
                                 size_t cap) {
  (void)e;
  kn_rt_t *rt = ctx;
  return wy_state_query_dir(wy_config_get_string(rt->cfg, WY_CFG_STATE_DIR),
                            wy_config_get_string(rt->cfg, WY_CFG_SERVICE_ID), query_id, buf, cap);
}

static bool kn_healthy(void *ctx) {
  kn_rt_t *rt = ctx;
  return !rt->krt || wy_kafka_runtime_running(rt->krt);
}

static void kn_destroy(void *ctx) {
  kn_rt_t *rt = ctx;
  if (!rt) return;
  wy_error_t ignored;
  stop_queries(rt, &ignored);
  if (rt->consumer) {
    rd_kafka_consumer_close(rt->consumer);
    rd_kafka_destroy(rt->consumer);
  }
  if (rt->producer) {
    rd_kafka_flush(rt->producer, 1000);
    rd_kafka_destroy(rt->producer);
  }
  list_clear(&rt->fetched);
  list_clear(&rt->log);
  free(rt);
}

static const wy_node_runtime_ops_t kafka_ops = {
    "kafka",
    kn_poll,
    NULL /* started: the rebuild picks new queries up */,
    kn_lag,
    kn_query_state_dir,
    kn_open_reader,
    kn_healthy,
    kn_command_append,
    kn_command_read,
    kn_destroy};

wy_status_t wy_node_kafka_runtime(wy_node_kafka_env_t *env, const wy_config_t *cfg,
                                  const wy_registry_t *registry, wy_node_runtime_t *out,
                                  wy_error_t *err) {
  kn_rt_t *rt = calloc(1, sizeof *rt);
  if (!rt) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rt->env = env;
  rt->cfg = cfg;
  rt->registry = registry;
  rt->applied_offset = -1;
  snprintf(rt->topic, sizeof rt->topic, "_confluent-ksql-%s_command_topic",
           wy_config_get_string(cfg, WY_CFG_SERVICE_ID));
  /* one partition: the command log is totally ordered, as ksqlDB's */
  const wy_backend_t *b = wy_node_kafka_env_backend(env);
  wy_status_t st = b->ops->partitions(b->ctx, rt->topic) > 0
                       ? WY_OK
                       : b->ops->create_topic(b->ctx, rt->topic, 1, false, err);
  if (st == WY_OK) st = clients_new(rt, err);
  if (st != WY_OK) {
    kn_destroy(rt);
    return st;
  }
  out->ops = &kafka_ops;
  out->ctx = rt;
  return WY_OK;
}
