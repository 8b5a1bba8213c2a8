/* kafka_runtime.c — the Kafka runtime: configuration, the stream threads' set-up and
 * the public API (kafka_runtime.h; the threads themselves: stream_thread.c). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "connectors/kafka/kafka_admin.h"
#include "engine/base/log.h"
#include "engine/plog/processing_log.h"
#include "engine/streams/streams_int.h"
#include "parser/parser.h"

/* ---- runtime --------------------------------------------------------------------------------- */

static wy_status_t add_prop(wy_kafka_runtime_t *rt, const char *key, const char *value, size_t *cap,
                            wy_error_t *err) {
  if (rt->nprops == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    wy_kafka_prop_t *g = realloc(rt->props, *cap * sizeof *g);
    char **o = realloc(rt->owned, *cap * 2 * sizeof *o);
    if (g) rt->props = g;
    if (o) rt->owned = o;
    if (!g || !o) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  char *k = strdup(key), *v = strdup(value);
  if (k) rt->owned[rt->nowned++] = k;
  if (v) rt->owned[rt->nowned++] = v;
  if (!k || !v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rt->props[rt->nprops++] = (wy_kafka_prop_t){k, v};
  return WY_OK;
}

static wy_status_t read_config(wy_kafka_runtime_t *rt, const wy_config_t *c, wy_error_t *err) {
  rt->service_id = strdup(wy_config_get_string(c, WY_CFG_SERVICE_ID));
  rt->state_dir = strdup(wy_config_get_string(c, WY_CFG_STATE_DIR));
  rt->bootstrap = strdup(wy_config_get_string(c, WY_CFG_BOOTSTRAP_SERVERS));
  if (!rt->service_id || !rt->state_dir || !rt->bootstrap)
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!*rt->service_id)
    return wy_error_set(err, WY_ERR_CONFIG, "ksql.service.id: must not be empty");
  if (!*rt->bootstrap)
    return wy_error_set(err, WY_ERR_CONFIG, "bootstrap.servers: must not be empty");
  const char *g = wy_config_get_string(c, WY_CFG_PROCESSING_GUARANTEE);
  rt->eos = g && strncmp(g, "exactly_once", 12) == 0;
  rt->fail_on_production = wy_config_get_bool(c, WY_CFG_FAIL_ON_PRODUCTION_ERROR);
  rt->earliest = strcmp(wy_config_get_string(c, WY_CFG_AUTO_OFFSET_RESET), "earliest") == 0;
  if (wy_config_get_bool(c, WY_CFG_PROCESSING_LOG_AUTO_CREATE)) {
    /* ksqlDB's default name: <service id>ksql_processing_log */
    const char *name = wy_config_get_string(c, WY_CFG_PROCESSING_LOG_TOPIC);
    char def[300];
    snprintf(def, sizeof def, "%sksql_processing_log", rt->service_id);
    rt->plog_topic = strdup(name && *name ? name : def);
    if (!rt->plog_topic) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  int64_t n = wy_config_get_int(c, WY_CFG_NUM_STREAM_THREADS);
  if (n < 1 || n > MAX_THREADS)
    return wy_error_set(err, WY_ERR_CONFIG, "num.stream.threads: must be from 1 to %d, not %lld",
                        MAX_THREADS, (long long)n);
  rt->nthreads = (int)n;
  rt->commit_interval_ms = wy_config_get_int(c, WY_CFG_COMMIT_INTERVAL_MS);
  if (rt->commit_interval_ms < 0)
    return wy_error_set(err, WY_ERR_CONFIG, "commit.interval.ms: must not be negative");
  size_t cap = 0;
  if (add_prop(rt, "bootstrap.servers", rt->bootstrap, &cap, err) != WY_OK ||
      add_prop(rt, "auto.offset.reset", wy_config_get_string(c, WY_CFG_AUTO_OFFSET_RESET), &cap,
               err) != WY_OK)
    return err->code;
  for (size_t i = 0; i < wy_config_kafka_count(c); i++) {
    const char *k, *v;
    wy_config_kafka_entry(c, i, &k, &v);
    char full[512];
    snprintf(full, sizeof full, "kafka.%s", k);
    if (add_prop(rt, full, v, &cap, err) != WY_OK) return err->code;
  }
  /* librdkafka rejects bad keys and values only when a client is built: build one of
   * each kind now, so that a bad config refuses to start with the key's name. */
  for (int role = WY_KAFKA_ROLE_CONSUMER; role <= WY_KAFKA_ROLE_PRODUCER; role++) {
    void *conf = NULL;
    if (wy_kafka_config_build(NULL, 0, rt->props, rt->nprops, (wy_kafka_role_t)role, &conf, err) !=
        WY_OK)
      return err->code;
    rd_kafka_conf_destroy(conf);
  }
  return WY_OK;
}

static wy_status_t run_sql(wy_kafka_runtime_t *rt, const char *sql, wy_error_t *err) {
  wy_ast_script_t *script;
  if (wy_parse(sql, strlen(sql), NULL, &script, err) != WY_OK) return err->code;
  wy_status_t st = WY_OK;
  for (int t = 0; t < rt->nthreads && st == WY_OK; t++)
    for (size_t i = 0; i < script->n && st == WY_OK; i++) {
      /* INSERT VALUES produce records: once per node, not once per thread */
      if (t > 0 && script->stmts[i]->kind == WY_AST_STMT_INSERT_VALUES) continue;
      st = wy_engine_execute(rt->threads[t].engine, script->stmts[i], err);
    }
  wy_ast_script_destroy(script);
  return st;
}

static wy_status_t setup_threads(wy_kafka_runtime_t *rt, const wy_kafka_runtime_options_t *o,
                                 wy_error_t *err) {
  rt->threads = calloc((size_t)rt->nthreads, sizeof *rt->threads);
  if (!rt->threads) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (int t = 0; t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    th->rt = rt;
    th->index = t;
    th->proxy.base.ops = &wy_streams_proxy_ops;
    th->proxy.base.on_delivery = wy_delivery_dispatch;
    th->proxy.inner = rt->setup_sink;
    th->restore.base.ops = &wy_streams_restore_ops;
    th->recs = calloc(POLL_BATCH, sizeof *th->recs);
    if (!th->recs) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    th->restore.th = th;
    th->backend = *wy_kafka_backend_base(rt->backend);
    th->backend.sink = &th->proxy.base;
    wy_engine_options_t eo = {0};
    eo.backend = &th->backend;
    eo.registry = o->registry;
    eo.state_dir = rt->state_dir;
    eo.service_id = rt->service_id;
    eo.schema_registry = o->schema_registry;
    eo.lineage = o->lineage;
    eo.bootstrap_servers = wy_config_get_string(o->config, WY_CFG_BOOTSTRAP_SERVERS);
    if (wy_engine_new(&eo, &th->engine, err) != WY_OK) return err->code;
  }
  return WY_OK;
}

/* The processing log's topic (ksql.logging.processing.topic.auto.create): created with
 * one partition if missing, and written by a plain producer per stream thread, outside
 * any transaction, as ksqlDB's log appender does: an entry is written even when the
 * transaction of the record it describes is aborted. */
static wy_status_t setup_processing_log(wy_kafka_runtime_t *rt, wy_error_t *err) {
  if (!rt->plog_topic) return WY_OK;
  const wy_backend_t *kb = wy_kafka_backend_base(rt->backend);
  if (kb->ops->partitions(kb->ctx, rt->plog_topic) <= 0 &&
      kb->ops->create_topic(kb->ctx, rt->plog_topic, 1, false, err) != WY_OK)
    return wy_error_prefix(err, "processing-log topic");
  for (int t = 0; t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    wy_kafka_sink_config_t sc = {rt->props, rt->nprops, NULL, 0};
    if (wy_kafka_sink_new(&sc, &th->plog_sink, err) != WY_OK) return err->code;
    wy_plog_attach_sink(wy_engine_plog(th->engine), wy_kafka_sink_base(th->plog_sink),
                        rt->plog_topic);
  }
  return WY_OK;
}

/* A thread's run of engine query q (not consuming yet). */
static wy_status_t setup_queries(wy_kafka_runtime_t *rt, wy_error_t *err) {
  size_t nq = wy_engine_query_count(rt->threads[0].engine);
  for (int t = 0; t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    if (wy_engine_query_count(th->engine) != nq)
      return wy_error_set(err, WY_ERR_INTERNAL, "stream thread %d started %zu queries, not %zu", t,
                          wy_engine_query_count(th->engine), nq);
    for (size_t i = 0; i < nq; i++)
      if (wy_streams_qrun_new(th, wy_engine_query_at(th->engine, i), err) != WY_OK)
        return err->code;
  }
  return WY_OK;
}

wy_status_t wy_kafka_runtime_new(const wy_kafka_runtime_options_t *o, wy_kafka_runtime_t **out,
                                 wy_error_t *err) {
  *out = NULL;
  if (!o->config || !o->sql)
    return wy_error_set(err, WY_ERR_INVALID, "the runtime needs a config and SQL");
  wy_kafka_runtime_t *rt = calloc(1, sizeof *rt);
  if (!rt) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rt->stats.first_record_ms = -1;
  rt->stats.subscribed_ms = -1;
  rt->stats.first_assigned_ms = -1;
  pthread_mutex_init(&rt->view_lock, NULL);
  pthread_mutex_init(&rt->cmd_lock, NULL);
  pthread_cond_init(&rt->cmd_cond, NULL);
  rt->from_earliest = o->from_earliest;
  rt->from_earliest_user = o->user;
  snprintf(rt->node, sizeof rt->node, "%lx%lx", (long)getpid(), (long)(now_ms() & 0xffffff));
  wy_status_t st = read_config(rt, o->config, err);
  wy_kafka_sink_config_t sc = {0};
  sc.props = rt->props;
  sc.nprops = rt->nprops;
  if (st == WY_OK) st = wy_kafka_sink_new(&sc, &rt->setup_sink, err);
  if (st == WY_OK) {
    wy_kafka_sink_base(rt->setup_sink)->on_delivery = wy_delivery_dispatch;
    st = wy_kafka_backend_new(rt->props, rt->nprops, NULL, &rt->backend, err);
  }
  if (st == WY_OK) st = setup_threads(rt, o, err);
  if (st == WY_OK) st = setup_processing_log(rt, err);
  if (st == WY_OK) st = run_sql(rt, o->sql, err);
  if (st == WY_OK) st = setup_queries(rt, err);
  if (st == WY_OK) {
    wy_error_t e;
    if (wy_sink_flush(wy_kafka_sink_base(rt->setup_sink), FLUSH_TIMEOUT_MS, &e) != WY_OK)
      wy_log(WY_LOG_WARN, "runtime", "INSERT VALUES records not acknowledged: %s", e.msg);
  }
  if (st != WY_OK) {
    wy_kafka_runtime_destroy(rt);
    return st;
  }
  *out = rt;
  return WY_OK;
}

size_t wy_kafka_runtime_query_count(const wy_kafka_runtime_t *rt) { return rt->threads[0].nq; }

const char *wy_kafka_runtime_query_id(const wy_kafka_runtime_t *rt, size_t i) {
  return i < rt->threads[0].nq ? wy_query_plan(rt->threads[0].q[i]->q)->id : NULL;
}

wy_engine_t *wy_kafka_runtime_engine(wy_kafka_runtime_t *rt) { return rt->threads[0].engine; }

wy_status_t wy_kafka_runtime_start(wy_kafka_runtime_t *rt, wy_error_t *err) {
  if (rt->running) return wy_error_set(err, WY_ERR_INVALID, "the runtime is already started");
  rt->started_ms = now_ms();
  __atomic_store_n(&rt->stop, 0, __ATOMIC_RELAXED);
  for (int t = 0; t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    if (pthread_create(&th->tid, NULL, wy_streams_thread_main, th) != 0) {
      wy_kafka_runtime_stop(rt);
      wy_kafka_runtime_wait(rt, err);
      return wy_error_set(err, WY_ERR_INTERNAL, "cannot start stream thread %d", t);
    }
    th->started = true;
  }
  rt->running = 1;
  return WY_OK;
}

void wy_kafka_runtime_stop(wy_kafka_runtime_t *rt) {
  __atomic_store_n(&rt->stop, 1, __ATOMIC_RELAXED);
}

bool wy_kafka_runtime_running(const wy_kafka_runtime_t *rt) {
  return rt->running && !__atomic_load_n(&rt->stop, __ATOMIC_RELAXED);
}

wy_status_t wy_kafka_runtime_wait(wy_kafka_runtime_t *rt, wy_error_t *err) {
  wy_status_t st = WY_OK;
  for (int t = 0; t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    if (!th->started) continue;
    pthread_join(th->tid, NULL);
    th->started = false;
    if (th->status != WY_OK && st == WY_OK) {
      st = th->status;
      *err = th->err;
    }
  }
  rt->running = 0;
  return st;
}

wy_kafka_runtime_stats_t wy_kafka_runtime_stats(const wy_kafka_runtime_t *rt) {
  wy_kafka_runtime_stats_t s;
#define LOAD(f) s.f = __atomic_load_n(&rt->stats.f, __ATOMIC_RELAXED)
  LOAD(records);
  LOAD(commits);
  LOAD(commit_failures);
  LOAD(aborts);
  LOAD(restarts);
  LOAD(production_errors);
  LOAD(partitions_restored);
  LOAD(backpressure_pauses);
  LOAD(first_record_ms);
  LOAD(subscribed_ms);
  LOAD(first_assigned_ms);
#undef LOAD
  return s;
}

/* Query i of thread 0 (the control thread's view) matched by id on every thread, since
 * the threads' lists may differ in order while a command is applied. Lock held. */
static const qrun_t *thread_query(const sthread_t *th, const char *id) {
  for (size_t k = 0; k < th->nq; k++)
    if (strcmp(wy_query_plan(th->q[k]->q)->id, id) == 0) return th->q[k];
  return NULL;
}

void wy_kafka_runtime_query_pause(wy_kafka_runtime_t *rt, size_t i, bool paused) {
  const char *id = wy_kafka_runtime_query_id(rt, i);
  if (!id) return;
  pthread_mutex_lock(&rt->view_lock);
  for (int t = 0; t < rt->nthreads; t++) {
    qrun_t *qr = (qrun_t *)thread_query(&rt->threads[t], id);
    if (qr) __atomic_store_n(&qr->pause_wanted, paused ? 1 : 0, __ATOMIC_RELAXED);
  }
  pthread_mutex_unlock(&rt->view_lock);
}

wy_kafka_query_stats_t wy_kafka_runtime_query_stats(wy_kafka_runtime_t *rt, size_t i) {
  wy_kafka_query_stats_t s = {0};
  const char *id = wy_kafka_runtime_query_id(rt, i);
  if (!id) return s;
  pthread_mutex_lock(&rt->view_lock);
  for (int t = 0; t < rt->nthreads; t++) {
    const qrun_t *qr = thread_query(&rt->threads[t], id);
    if (!qr) continue;
    const wy_query_counters_t *c = wy_query_counters(qr->q);
    s.out += wy_counter_load(&c->out);
    s.skipped += wy_counter_load(&c->logged);
    s.commits += __atomic_load_n(&qr->commits, __ATOMIC_RELAXED);
    if (qr->driver) {
      wy_driver_stats_t ds = wy_driver_stats(qr->driver);
      s.in += ds.records;
      s.nanos += ds.nanos;
    }
  }
  pthread_mutex_unlock(&rt->view_lock);
  return s;
}

/* ---- statements on a running runtime (the threads apply them: stream_thread.c) ---- */

wy_status_t wy_kafka_runtime_execute(wy_kafka_runtime_t *rt, const char *sql, wy_error_t *err) {
  if (!wy_kafka_runtime_running(rt))
    return wy_error_set(err, WY_ERR_INVALID, "the runtime is not running");
  char *text = strdup(sql);
  char **kept = text ? realloc(rt->cmd_texts, (rt->ncmd_texts + 1) * sizeof *kept) : NULL;
  if (!kept) {
    free(text);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  /* kept until the runtime goes: a thread that did not answer in time may still read it */
  rt->cmd_texts = kept;
  rt->cmd_texts[rt->ncmd_texts++] = text;
  pthread_mutex_lock(&rt->cmd_lock);
  rt->cmd_sql = text;
  rt->cmd_done = 0;
  rt->cmd_status = WY_OK;
  rt->cmd_seq++;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += EXECUTE_TIMEOUT_MS / 1000;
  while (rt->cmd_done < rt->nthreads && wy_kafka_runtime_running(rt))
    if (pthread_cond_timedwait(&rt->cmd_cond, &rt->cmd_lock, &until) != 0) break;
  bool all = rt->cmd_done == rt->nthreads;
  wy_status_t st = rt->cmd_status;
  if (st != WY_OK) *err = rt->cmd_err;
  pthread_mutex_unlock(&rt->cmd_lock);
  if (st == WY_OK && !all)
    return wy_error_set(err, WY_ERR_TIMEOUT, "the stream threads did not apply the statements");
  return st;
}

void wy_kafka_runtime_destroy(wy_kafka_runtime_t *rt) {
  if (!rt) return;
  if (rt->running) {
    wy_error_t e;
    wy_kafka_runtime_stop(rt);
    wy_kafka_runtime_wait(rt, &e);
  }
  for (int t = 0; rt->threads && t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    if (th->plog_sink) {
      wy_error_t e;
      if (wy_sink_flush(wy_kafka_sink_base(th->plog_sink), FLUSH_TIMEOUT_MS, &e) != WY_OK)
        wy_log(WY_LOG_WARN, "runtime", "processing-log entries not acknowledged: %s", e.msg);
      if (th->engine) wy_plog_attach_sink(wy_engine_plog(th->engine), NULL, NULL);
    }
    wy_engine_destroy(th->engine);
    wy_kafka_sink_destroy(th->plog_sink);
    while (th->nq) wy_streams_qrun_remove(th, th->nq - 1);
    free(th->q);
    free(th->recs);
    wy_streams_restore_reset(&th->restore);
    free(th->restore.want);
    free(th->restore.ends);
  }
  free(rt->threads);
  wy_kafka_sink_destroy(rt->setup_sink);
  wy_kafka_backend_destroy(rt->backend);
  for (size_t i = 0; i < rt->nowned; i++) free(rt->owned[i]);
  free(rt->owned);
  free(rt->props);
  free(rt->service_id);
  free(rt->plog_topic);
  free(rt->state_dir);
  free(rt->bootstrap);
  pthread_mutex_destroy(&rt->view_lock);
  pthread_mutex_destroy(&rt->cmd_lock);
  pthread_cond_destroy(&rt->cmd_cond);
  for (size_t i = 0; i < rt->ncmd_texts; i++) free(rt->cmd_texts[i]);
  free(rt->cmd_texts);
  free(rt);
}

void wy_kafka_runtime_lag(wy_kafka_runtime_t *rt, wy_kafka_lag_fn fn, void *user) {
  pthread_mutex_lock(&rt->view_lock);
  for (int t = 0; t < rt->nthreads; t++)
    for (size_t i = 0; i < rt->threads[t].nq; i++) {
      const qrun_t *qr = rt->threads[t].q[i];
      for (size_t k = 0; k < qr->nlag; k++)
        fn(user, wy_query_plan(qr->q)->id, qr->lag[k].topic, qr->lag[k].partition, qr->lag[k].lag);
    }
  pthread_mutex_unlock(&rt->view_lock);
}
