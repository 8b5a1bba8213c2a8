/* kafka_runtime.c — stream threads, rebalances, commits and transactions over Kafka. */
#include "engine/runtime/kafka_runtime.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connectors/kafka/kafka_admin.h"
#include "connectors/kafka/kafka_sink.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/base/log.h"
#include "engine/runtime/processing_log.h"
#include "engine/runtime/query_int.h"
#include "parser/parser.h"
#include "state/state.h"

#define POLL_BATCH 500
#define ADMIN_TIMEOUT_MS 5000
#define CREATE_TIMEOUT_MS 1500 /* the mock never answers CreateTopics: do not wait long */
#define FLUSH_TIMEOUT_MS 10000
#define TXN_TIMEOUT_MS 10000
#define RESTORE_POLL_MS 5000
#define MAX_THREADS 64
#define LAG_INTERVAL_MS 1000   /* how often a thread refreshes its consumer-lag snapshot */
#define LAG_QUERY_TIMEOUT_MS 200 /* short: a stop must not wait on it (shutdown < 1 s) */
#define EXECUTE_TIMEOUT_MS 60000 /* statements wait for every thread's current round */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define STAT_ADD(rt, field, n) __atomic_add_fetch(&(rt)->stats.field, (n), __ATOMIC_RELAXED)

/* ---- backend ------------------------------------------------------------------------ */

struct wy_kafka_backend {
  wy_backend_t base;
  wy_kafka_admin_t *admin;
  pthread_mutex_t lock; /* engines of several threads share the admin */
};

static int kb_partitions(void *ctx, const char *topic) {
  wy_kafka_backend_t *b = ctx;
  int n = -1;
  wy_error_t err;
  pthread_mutex_lock(&b->lock);
  if (wy_kafka_admin_topic_partitions(b->admin, topic, ADMIN_TIMEOUT_MS, &n, &err) != WY_OK) n = -1;
  pthread_mutex_unlock(&b->lock);
  return n;
}

static wy_status_t kb_create(void *ctx, const char *topic, int partitions, bool compacted, wy_error_t *err) {
  wy_kafka_backend_t *b = ctx;
  static const wy_kafka_prop_t compact[] = {{"cleanup.policy", "compact"}};
  wy_kafka_topic_spec_t spec = {topic, partitions, -1, compacted ? compact : NULL, compacted ? 1 : 0};
  pthread_mutex_lock(&b->lock);
  wy_status_t st = wy_kafka_admin_create_topic(b->admin, &spec, CREATE_TIMEOUT_MS, NULL, err);
  pthread_mutex_unlock(&b->lock);
  return st;
}

static wy_status_t kb_delete(void *ctx, const char *topic, wy_error_t *err) {
  (void)ctx;
  return wy_error_set(err, WY_ERR_UNSUPPORTED, "deleting Kafka topic %s is not supported by walleye run", topic);
}

static const wy_backend_ops_t kafka_backend_ops = {kb_partitions, kb_create, kb_delete};

wy_status_t wy_kafka_backend_new(const wy_kafka_prop_t *props, size_t nprops, wy_sink_t *sink,
                                 wy_kafka_backend_t **out, wy_error_t *err) {
  *out = NULL;
  wy_kafka_backend_t *b = calloc(1, sizeof *b);
  if (!b) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_kafka_admin_new(props, nprops, &b->admin, err) != WY_OK) {
    free(b);
    return err->code;
  }
  pthread_mutex_init(&b->lock, NULL);
  b->base.ops = &kafka_backend_ops;
  b->base.ctx = b;
  b->base.sink = sink;
  *out = b;
  return WY_OK;
}

const wy_backend_t *wy_kafka_backend_base(const wy_kafka_backend_t *b) { return &b->base; }

void wy_kafka_backend_destroy(wy_kafka_backend_t *b) {
  if (!b) return;
  wy_kafka_admin_destroy(b->admin);
  pthread_mutex_destroy(&b->lock);
  free(b);
}

/* ---- per-thread state ------------------------------------------------------------------- */

typedef struct sthread sthread_t;

/* Where one input partition of a query stands on this thread. */
typedef struct ppos {
  char *topic;
  int32_t partition;
  int64_t next;      /* next offset to read (after the last record delivered); -1: none yet */
  int64_t first;     /* first offset delivered since the assignment; -1: none */
  int64_t committed; /* last committed position; -1: unknown */
} ppos_t;

/* Consumer lag of one assigned partition, as of the thread's last snapshot. */
typedef struct plag {
  const char *topic; /* one of the qrun's topics */
  int32_t partition;
  int64_t lag;
} plag_t;

/* One query as run by one stream thread. */
typedef struct qrun {
  sthread_t *th;
  wy_query_t *q;
  char group[300];
  char *topics[8];
  size_t ntopics;
  wy_kafka_source_t *src;
  ppos_t *pos;
  size_t npos, cap;
  /* counters (atomic: stats are read from any thread) */
  uint64_t records; /* input records delivered */
  uint64_t out;     /* records produced to the sink topic */
  uint64_t skipped; /* input records skipped into the processing log */
  uint64_t nanos;   /* time spent delivering */
  int pause_wanted;  /* atomic: set by wy_kafka_runtime_query_pause from any thread */
  bool paused;       /* this thread's consumer has its partitions paused */
  int reset;         /* auto.offset.reset of this query: 1 earliest, 0 latest, -1 the config's */
  plag_t *lag;       /* under rt->view_lock: the lag snapshot of the assigned partitions */
  size_t nlag;
} qrun_t;

/* The engine's sink: forwards to the thread's current producer, which a restart
 * replaces while the engine keeps pointing here. */
typedef struct proxy_sink {
  wy_sink_t base;
  wy_kafka_sink_t *inner;
  /* while a query's records are delivered: its sink topic and output counter */
  const char *sink_topic;
  uint64_t *out;
} proxy_sink_t;

/* Restores read changelogs through a consumer with a manual assignment: the seeks of
 * one wy_task_state_restore call become the assignment of a consumer made at the first
 * poll. Under exactly-once the last offset of a changelog may be a transaction marker,
 * which no poll returns: once the consumer's position has passed a partition's end, a
 * keyless record at end-1 (skipped by the restore, which only advances its position)
 * tells the restore it is done. */
typedef struct restore_src {
  wy_source_t base;
  sthread_t *th;
  wy_kafka_source_t *ks;
  wy_position_t want[8];
  char *want_topic[8];
  size_t nwant;
  struct {
    char *topic;
    int32_t partition;
    int64_t end;
    bool done;
  } ends[8];
  size_t nends;
  wy_record_t fake;
} restore_src_t;

struct sthread {
  wy_kafka_runtime_t *rt;
  int index;
  pthread_t tid;
  bool started;
  wy_engine_t *engine;
  wy_backend_t backend;
  proxy_sink_t proxy;
  wy_kafka_sink_t *sink;
  wy_kafka_sink_t *plog_sink; /* the processing-log topic's producer: never transactional */
  qrun_t **q; /* the thread's queries (stable addresses: consumers' callbacks keep them) */
  size_t nq;
  restore_src_t restore;
  uint64_t failed_seen;  /* producer failures already accounted for */
  bool in_txn;
  bool txn_dirty;        /* records sent or offsets pending since the transaction began */
  bool no_commit;        /* tearing down after an error: revocations must not commit */
  bool closing;
  bool restart_wanted;
  bool throttled;        /* back-pressure: the producer's queue is (nearly) full */
  int restarts_in_row;
  uint64_t applied;      /* the last command (wy_kafka_runtime_execute) applied */
  wy_status_t status;
  wy_error_t err;
  wy_record_t *recs;
};

struct wy_kafka_runtime {
  char *service_id;
  char *plog_topic; /* NULL: the processing log is not written to a topic */
  char *state_dir;
  char *bootstrap;
  bool eos;
  bool earliest; /* the config's auto.offset.reset is earliest */
  bool fail_on_production;
  int nthreads;
  int64_t commit_interval_ms;
  wy_kafka_prop_t *props;
  size_t nprops;
  char **owned; /* strings in props */
  size_t nowned;
  wy_kafka_backend_t *backend;
  wy_kafka_sink_t *setup_sink; /* produces INSERT VALUES while the SQL runs */
  sthread_t *threads;
  char node[32];
  int stop;
  int running;
  int64_t started_ms;
  wy_kafka_runtime_stats_t stats;
  pthread_mutex_t view_lock; /* the threads' query lists and lag snapshots, for other threads */
  bool (*from_earliest)(void *user, const char *query_id);
  void *from_earliest_user;
  /* wy_kafka_runtime_execute: the statements every thread applies, under cmd_lock */
  pthread_mutex_t cmd_lock;
  pthread_cond_t cmd_cond;
  const char *cmd_sql;
  char **cmd_texts; /* every command's text */
  size_t ncmd_texts;
  uint64_t cmd_seq;
  int cmd_done;
  wy_status_t cmd_status;
  wy_error_t cmd_err;
};

/* ---- proxy sink ---------------------------------------------------------------------------- */

static wy_sink_t *inner_of(wy_sink_t *s) { return wy_kafka_sink_base(((proxy_sink_t *)s)->inner); }

static wy_status_t proxy_send(wy_sink_t *s, const char *topic, int32_t partition, const void *key, size_t key_len,
                              const void *value, size_t value_len, const wy_header_t *headers, size_t nheaders,
                              int64_t timestamp, void *opaque, wy_error_t *err) {
  proxy_sink_t *px = (proxy_sink_t *)s;
  wy_status_t st = wy_sink_send(inner_of(s), topic, partition, key, key_len, value, value_len, headers, nheaders,
                                timestamp, opaque, err);
  if (st == WY_OK && px->out && px->sink_topic && strcmp(topic, px->sink_topic) == 0)
    __atomic_fetch_add(px->out, 1, __ATOMIC_RELAXED);
  return st;
}
static void proxy_poll(wy_sink_t *s) { wy_sink_poll(inner_of(s)); }
static wy_status_t proxy_flush(wy_sink_t *s, int timeout_ms, wy_error_t *err) {
  return wy_sink_flush(inner_of(s), timeout_ms, err);
}
static void proxy_destroy(wy_sink_t *s) { (void)s; /* the thread owns the producer */ }

static const wy_sink_ops_t proxy_ops = {proxy_send, proxy_poll, proxy_flush, proxy_destroy};

/* ---- restore source ----------------------------------------------------------------------- */

static restore_src_t *rsrc(wy_source_t *s) { return (restore_src_t *)s; }

static void restore_reset(restore_src_t *r) {
  wy_kafka_source_destroy(r->ks);
  r->ks = NULL;
  for (size_t i = 0; i < r->nwant; i++) free(r->want_topic[i]);
  for (size_t i = 0; i < r->nends; i++) free(r->ends[i].topic);
  r->nwant = r->nends = 0;
}

static wy_status_t rs_seek(wy_source_t *s, const char *topic, int32_t partition, int64_t offset, wy_error_t *err) {
  restore_src_t *r = rsrc(s);
  if (r->ks) restore_reset(r); /* a new restore */
  if (r->nwant >= 8) return wy_error_set(err, WY_ERR_INVALID, "too many changelogs in one task");
  r->want_topic[r->nwant] = strdup(topic);
  if (!r->want_topic[r->nwant]) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  r->want[r->nwant] = (wy_position_t){r->want_topic[r->nwant], partition, offset};
  r->nwant++;
  return WY_OK;
}

static wy_status_t rs_poll(wy_source_t *s, wy_record_t *out, size_t max, size_t *n, int timeout_ms, wy_error_t *err) {
  restore_src_t *r = rsrc(s);
  *n = 0;
  if (!r->ks) {
    if (!r->nwant) return WY_OK;
    wy_kafka_source_config_t c = {0};
    c.props = r->th->rt->props;
    c.nprops = r->th->rt->nprops;
    c.assignment = r->want;
    c.nassignment = r->nwant;
    if (wy_kafka_source_new(&c, &r->ks, err) != WY_OK) return err->code;
  }
  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    int left = (int)(deadline - now_ms());
    if (wy_source_poll(wy_kafka_source_base(r->ks), out, max, n, left < 200 ? (left > 0 ? left : 0) : 200, err) != WY_OK)
      return err->code;
    if (*n) return WY_OK;
    rd_kafka_t *rk = wy_kafka_source_handle(r->ks);
    for (size_t i = 0; i < r->nends; i++) {
      if (r->ends[i].done || r->ends[i].end <= 0) continue;
      rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(l, r->ends[i].topic, r->ends[i].partition);
      bool passed = rd_kafka_position(rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR && l->elems[0].offset >= r->ends[i].end;
      rd_kafka_topic_partition_list_destroy(l);
      if (!passed) continue;
      r->ends[i].done = true;
      memset(&r->fake, 0, sizeof r->fake);
      r->fake.topic = r->ends[i].topic;
      r->fake.partition = r->ends[i].partition;
      r->fake.offset = r->ends[i].end - 1;
      out[0] = r->fake;
      *n = 1;
      return WY_OK;
    }
    if (now_ms() >= deadline) return WY_OK;
  }
}

static wy_status_t rs_commit(wy_source_t *s, const wy_position_t *pos, size_t npos, wy_error_t *err) {
  (void)s, (void)pos, (void)npos;
  return wy_error_set(err, WY_ERR_UNSUPPORTED, "a restore source does not commit");
}
static void rs_destroy(wy_source_t *s) { restore_reset(rsrc(s)); }

static const wy_source_ops_t restore_ops = {rs_poll, rs_commit, rs_seek, rs_destroy, NULL, NULL};

/* End offset of a changelog partition (the high watermark). */
static wy_status_t end_offset(void *opaque, const char *topic, int32_t partition, int64_t *end, wy_error_t *err) {
  qrun_t *qr = opaque;
  restore_src_t *r = &qr->th->restore;
  if (r->ks) restore_reset(r);
  int64_t lo = 0, hi = 0;
  rd_kafka_resp_err_t e =
      rd_kafka_query_watermark_offsets(wy_kafka_source_handle(qr->src), topic, partition, &lo, &hi, ADMIN_TIMEOUT_MS);
  if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
      e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    return wy_error_set(err, WY_ERR_NOT_FOUND, "no changelog %s", topic);
  if (e) return wy_error_set(err, WY_ERR_KAFKA, "%s[%d]: %s", topic, (int)partition, rd_kafka_err2str(e));
  *end = hi;
  size_t i = 0;
  while (i < r->nends && !(r->ends[i].partition == partition && strcmp(r->ends[i].topic, topic) == 0)) i++;
  if (i == r->nends) {
    if (i == 8 || !(r->ends[i].topic = strdup(topic))) return WY_OK; /* the marker check is skipped */
    r->nends++;
  }
  r->ends[i].partition = partition;
  r->ends[i].end = hi;
  r->ends[i].done = false;
  return WY_OK;
}

/* ---- positions ---------------------------------------------------------------------------- */

static ppos_t *pos_find(qrun_t *qr, const char *topic, int32_t partition, bool create) {
  for (size_t i = 0; i < qr->npos; i++)
    if (qr->pos[i].partition == partition && strcmp(qr->pos[i].topic, topic) == 0) return &qr->pos[i];
  if (!create) return NULL;
  if (qr->npos == qr->cap) {
    size_t cap = qr->cap ? qr->cap * 2 : 16;
    ppos_t *g = realloc(qr->pos, cap * sizeof *g);
    if (!g) return NULL;
    qr->pos = g;
    qr->cap = cap;
  }
  ppos_t *p = &qr->pos[qr->npos];
  p->topic = strdup(topic);
  if (!p->topic) return NULL;
  p->partition = partition;
  p->next = p->first = p->committed = -1;
  qr->npos++;
  return p;
}

static void pos_remove(qrun_t *qr, const char *topic, int32_t partition) {
  ppos_t *p = pos_find(qr, topic, partition, false);
  if (!p) return;
  free(p->topic);
  *p = qr->pos[--qr->npos];
}

/* The positions that moved since the last commit; *n of them in out (malloc'ed). */
static wy_position_t *pos_dirty(qrun_t *qr, size_t *n) {
  *n = 0;
  wy_position_t *out = calloc(qr->npos ? qr->npos : 1, sizeof *out);
  if (!out) return NULL;
  for (size_t i = 0; i < qr->npos; i++)
    if (qr->pos[i].next >= 0 && qr->pos[i].next != qr->pos[i].committed)
      out[(*n)++] = (wy_position_t){qr->pos[i].topic, qr->pos[i].partition, qr->pos[i].next};
  return out;
}

static void pos_committed(qrun_t *qr, const wy_position_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ppos_t *x = pos_find(qr, p[i].topic, p[i].partition, false);
    if (x) x->committed = p[i].offset;
  }
}

/* ---- state of a partition ------------------------------------------------------------------- */

/* Make the next restore of a task start from scratch: with no checkpoint, a non-empty
 * store is wiped and replayed from the changelog's beginning (state.h). The path is
 * state.h's documented layout. */
static void forget_checkpoints(sthread_t *th, qrun_t *qr, int32_t partition) {
  const wy_plan_t *p = wy_query_plan(qr->q);
  for (size_t s = 0; s < p->nsubs; s++) {
    char dir[4096], path[4200];
    wy_state_query_dir(th->rt->state_dir, th->rt->service_id, p->id, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%zu_%d/checkpoint", dir, s, (int)partition);
    unlink(path);
  }
}

static wy_status_t restore_partition(sthread_t *th, qrun_t *qr, int32_t partition, wy_error_t *err) {
  if (th->rt->eos) forget_checkpoints(th, qr, partition); /* stores may hold aborted writes */
  wy_status_t st =
      wy_query_restore_partition(qr->q, partition, &th->restore.base, end_offset, qr, RESTORE_POLL_MS, err);
  restore_reset(&th->restore);
  if (st == WY_OK) STAT_ADD(th->rt, partitions_restored, 1);
  return st;
}

/* ---- commits ------------------------------------------------------------------------------- */

static void fail_thread(sthread_t *th, const wy_error_t *e) {
  if (th->status == WY_OK) {
    th->status = e->code ? e->code : WY_ERR_INTERNAL;
    th->err = *e;
  }
  wy_log(WY_LOG_ERROR, "runtime", "stream thread %d stops: %s", th->index, e->msg);
  __atomic_store_n(&th->rt->stop, 1, __ATOMIC_RELAXED);
}

static void want_restart(sthread_t *th, const char *why) {
  wy_log(WY_LOG_WARN, "runtime", "stream thread %d restarts its clients: %s", th->index, why);
  th->restart_wanted = true;
}

/* Producer failures since the last check: counted; true when they mean a restart. */
static bool production_failed(sthread_t *th) {
  uint64_t failed = wy_kafka_sink_stats(th->sink).failed;
  if (failed <= th->failed_seen) return false;
  STAT_ADD(th->rt, production_errors, failed - th->failed_seen);
  wy_log(WY_LOG_WARN, "runtime", "stream thread %d: %llu records could not be produced", th->index,
         (unsigned long long)(failed - th->failed_seen));
  th->failed_seen = failed;
  return th->rt->fail_on_production;
}

static wy_status_t commit_alos(sthread_t *th, wy_error_t *err) {
  if (wy_sink_flush(&th->proxy.base, FLUSH_TIMEOUT_MS, err) != WY_OK) {
    STAT_ADD(th->rt, commit_failures, 1);
    wy_log(WY_LOG_WARN, "runtime", "commit postponed: %s", err->msg);
    return WY_OK; /* outputs still in flight: the offsets wait for the next interval */
  }
  if (production_failed(th)) {
    want_restart(th, "a record could not be produced (ksql.fail.on.production.error)");
    return WY_OK;
  }
  for (size_t i = 0; i < th->nq; i++)
    if (wy_query_commit(th->q[i]->q, err) != WY_OK) {
      want_restart(th, err->msg);
      return WY_OK;
    }
  for (size_t i = 0; i < th->nq; i++) {
    qrun_t *qr = th->q[i];
    size_t n;
    wy_position_t *p = pos_dirty(qr, &n);
    if (!p) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (n && wy_source_commit(wy_kafka_source_base(qr->src), p, n, err) != WY_OK) {
      STAT_ADD(th->rt, commit_failures, 1);
      wy_log(WY_LOG_WARN, "runtime", "offset commit failed, retried at the next interval: %s", err->msg);
    } else if (n) {
      pos_committed(qr, p, n);
      STAT_ADD(th->rt, commits, 1);
    }
    free(p);
  }
  return WY_OK;
}

/* Run a transactional step, retrying what librdkafka calls retriable. */
#define TXN_CALL(th, call)                                                                  \
  ({                                                                                        \
    wy_status_t st_;                                                                        \
    for (int try_ = 0;; try_++) {                                                           \
      st_ = (call);                                                                         \
      if (st_ == WY_OK || wy_kafka_sink_txn_fault((th)->sink) != WY_KAFKA_TXN_RETRIABLE || try_ >= 5) break; \
      usleep(100 * 1000);                                                                   \
    }                                                                                       \
    st_;                                                                                    \
  })

static void txn_failed(sthread_t *th, const wy_error_t *e);

static wy_status_t txn_begin(sthread_t *th) {
  wy_error_t e;
  if (th->in_txn || th->closing) return WY_OK;
  if (TXN_CALL(th, wy_kafka_sink_txn_begin(th->sink, &e)) != WY_OK) {
    txn_failed(th, &e);
    return e.code;
  }
  th->in_txn = true;
  th->txn_dirty = false;
  return WY_OK;
}

static wy_status_t commit_eos(sthread_t *th, wy_error_t *err) {
  if (!th->in_txn) return WY_OK;
  wy_position_t *pos[64] = {0};
  size_t npos[64] = {0};
  bool any = th->txn_dirty;
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < th->nq && i < 64 && st == WY_OK; i++) {
    pos[i] = pos_dirty(th->q[i], &npos[i]);
    if (!pos[i]) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    any |= npos[i] > 0;
  }
  wy_error_t e;
  for (size_t i = 0; i < th->nq && i < 64 && st == WY_OK && any; i++)
    if (npos[i]) {
      st = TXN_CALL(th, wy_kafka_sink_txn_send_offsets(th->sink, th->q[i]->src, pos[i], npos[i], TXN_TIMEOUT_MS, &e));
      if (st != WY_OK) txn_failed(th, &e);
    }
  if (st == WY_OK && any) {
    st = TXN_CALL(th, wy_kafka_sink_txn_commit(th->sink, TXN_TIMEOUT_MS, &e));
    if (st != WY_OK) txn_failed(th, &e);
  }
  if (st == WY_OK && any) {
    th->in_txn = false;
    STAT_ADD(th->rt, commits, 1);
    for (size_t i = 0; i < th->nq && i < 64; i++) pos_committed(th->q[i], pos[i], npos[i]);
    /* checkpoints only after the transaction: a checkpoint never names aborted data */
    for (size_t i = 0; i < th->nq && st == WY_OK; i++)
      if (wy_query_commit(th->q[i]->q, &e) != WY_OK) want_restart(th, e.msg);
  }
  for (size_t i = 0; i < th->nq && i < 64; i++) free(pos[i]);
  if (st == WY_ERR_NOMEM) return st;
  txn_begin(th);
  return WY_OK;
}

static wy_status_t commit_all(sthread_t *th, wy_error_t *err) {
  if (th->no_commit) return WY_OK;
  return th->rt->eos ? commit_eos(th, err) : commit_alos(th, err);
}

/* Abort: rewind every consumer to its committed offsets and rebuild the stores of the
 * assigned partitions from their (read-committed) changelogs. */
static void abort_and_rewind(sthread_t *th) {
  wy_error_t e;
  STAT_ADD(th->rt, aborts, 1);
  if (TXN_CALL(th, wy_kafka_sink_txn_abort(th->sink, TXN_TIMEOUT_MS, &e)) != WY_OK) {
    want_restart(th, e.msg);
    return;
  }
  th->in_txn = false;
  for (size_t i = 0; i < th->nq; i++) {
    qrun_t *qr = th->q[i];
    for (size_t k = 0; k < qr->npos; k++) {
      ppos_t *p = &qr->pos[k];
      if (p->committed < 0) {
        wy_position_t w = {p->topic, p->partition, 0};
        if (wy_kafka_source_committed(qr->src, &w, 1, TXN_TIMEOUT_MS, &e) == WY_OK && w.offset >= 0)
          p->committed = w.offset;
      }
      int64_t to = p->committed >= 0 ? p->committed : p->first;
      if (to >= 0 && wy_source_seek(wy_kafka_source_base(qr->src), p->topic, p->partition, to, &e) != WY_OK) {
        want_restart(th, e.msg);
        return;
      }
      p->next = p->committed;
    }
    for (size_t k = 0; k < qr->npos; k++) wy_query_release_partition(qr->q, qr->pos[k].partition);
    for (size_t k = 0; k < qr->npos; k++)
      if (restore_partition(th, qr, qr->pos[k].partition, &e) != WY_OK) {
        want_restart(th, e.msg);
        return;
      }
  }
  txn_begin(th);
}

static void txn_failed(sthread_t *th, const wy_error_t *e) {
  wy_kafka_txn_fault_t f = wy_kafka_sink_txn_fault(th->sink);
  wy_log(WY_LOG_WARN, "runtime", "transaction %s: %s", wy_kafka_txn_fault_name(f), e->msg);
  if (f == WY_KAFKA_TXN_ABORTABLE || f == WY_KAFKA_TXN_RETRIABLE) abort_and_rewind(th);
  else want_restart(th, e->msg);
}

/* ---- rebalances -------------------------------------------------------------------------- */

/* Set a start-up stat (ms since started) the first time only; any thread. */
static void stamp_once(int64_t *stat, int64_t started_ms) {
  int64_t expect = -1;
  __atomic_compare_exchange_n(stat, &expect, now_ms() - started_ms, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static void on_rebalance(void *opaque, wy_kafka_rebalance_t kind, const wy_position_t *parts, size_t n) {
  qrun_t *qr = opaque;
  sthread_t *th = qr->th;
  wy_error_t e;
  if (kind == WY_KAFKA_ASSIGNED) {
    stamp_once(&th->rt->stats.first_assigned_ms, th->rt->started_ms);
    for (size_t i = 0; i < n; i++) pos_find(qr, parts[i].topic, parts[i].partition, true);
    for (size_t i = 0; i < n; i++) {
      bool seen = false;
      for (size_t k = 0; k < i; k++) seen |= parts[k].partition == parts[i].partition;
      if (seen) continue;
      if (restore_partition(th, qr, parts[i].partition, &e) != WY_OK) {
        fail_thread(th, &e);
        return;
      }
    }
    return;
  }
  if (kind == WY_KAFKA_REVOKED && commit_all(th, &e) != WY_OK) wy_log(WY_LOG_WARN, "runtime", "%s", e.msg);
  for (size_t i = 0; i < n; i++) {
    pos_remove(qr, parts[i].topic, parts[i].partition);
    wy_query_release_partition(qr->q, parts[i].partition);
  }
}

/* ---- stream thread --------------------------------------------------------------------------- */

/* The producer learns the partitions of every topic the queries write (sink, repartition
 * and changelog topics) before the consumers start: otherwise the first records of each
 * wait in its queue for the next metadata refresh, about a second (measured on the
 * embedded broker: 0.9 s, during which up to 100,000 records queue up). */
static void prepare_query_outputs(sthread_t *th, const qrun_t *qr) {
  wy_error_t e;
  const wy_plan_t *p = wy_query_plan(qr->q);
  if (p->sink_topic && wy_kafka_sink_prepare_topic(th->sink, p->sink_topic, ADMIN_TIMEOUT_MS, &e) != WY_OK)
    wy_log(WY_LOG_DEBUG, "runtime", "%s", e.msg);
  for (size_t k = 0; k < p->ninternal; k++)
    if (wy_kafka_sink_prepare_topic(th->sink, p->internal_topics[k], ADMIN_TIMEOUT_MS, &e) != WY_OK)
      wy_log(WY_LOG_DEBUG, "runtime", "%s", e.msg);
  const char *stores[8];
  size_t ns = wy_query_logged_stores(qr->q, stores, 8);
  for (size_t k = 0; k < ns && k < 8; k++) {
    char topic[512];
    wy_state_changelog_topic(th->rt->service_id, p->id, stores[k], topic, sizeof topic);
    if (wy_kafka_sink_prepare_topic(th->sink, topic, ADMIN_TIMEOUT_MS, &e) != WY_OK)
      wy_log(WY_LOG_DEBUG, "runtime", "%s", e.msg);
  }
}

/* The consumer of one query: its group, its topics, its offset reset. */
static wy_status_t query_consumer_open(sthread_t *th, qrun_t *qr, wy_error_t *err) {
  wy_kafka_runtime_t *rt = th->rt;
  wy_kafka_prop_t *props = calloc(rt->nprops + 2, sizeof *props);
  if (!props) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  memcpy(props, rt->props, rt->nprops * sizeof *props);
  size_t np = rt->nprops;
  /* the query's own auto.offset.reset (a request's streamsProperties) wins */
  if (qr->reset >= 0) props[np++] = (wy_kafka_prop_t){"auto.offset.reset", qr->reset ? "earliest" : "latest"};
  /* co-partitioning for queries over several topics (see the header) */
  if (qr->ntopics > 1) props[np++] = (wy_kafka_prop_t){"kafka.consumer.partition.assignment.strategy", "range"};
  wy_kafka_source_config_t c = {0};
  c.props = props;
  c.nprops = np;
  c.group_id = qr->group;
  c.topics = (const char *const *)qr->topics;
  c.ntopics = qr->ntopics;
  c.on_rebalance = on_rebalance;
  c.opaque = qr;
  wy_status_t st = wy_kafka_source_new(&c, &qr->src, err);
  free(props);
  return st;
}

static wy_status_t clients_open(sthread_t *th, wy_error_t *err) {
  wy_kafka_runtime_t *rt = th->rt;
  char txn_id[256];
  snprintf(txn_id, sizeof txn_id, "%s-%s-%d", rt->service_id, rt->node, th->index);
  wy_kafka_sink_config_t sc = {rt->props, rt->nprops, rt->eos ? txn_id : NULL, 0};
  if (wy_kafka_sink_new(&sc, &th->sink, err) != WY_OK) return err->code;
  wy_kafka_sink_base(th->sink)->on_delivery = wy_delivery_dispatch;
  th->proxy.inner = th->sink;
  th->failed_seen = 0;
  th->in_txn = false;
  if (rt->eos) {
    if (TXN_CALL(th, wy_kafka_sink_txn_init(th->sink, 30000, err)) != WY_OK) return err->code;
  }
  for (size_t i = 0; i < th->nq; i++) prepare_query_outputs(th, th->q[i]);
  for (size_t i = 0; i < th->nq; i++)
    if (query_consumer_open(th, th->q[i], err) != WY_OK) return err->code;
  if (th->nq) stamp_once(&rt->stats.subscribed_ms, rt->started_ms);
  return rt->eos ? txn_begin(th) : WY_OK;
}

static void clear_lag(qrun_t *qr) {
  pthread_mutex_lock(&qr->th->rt->view_lock);
  free(qr->lag);
  qr->lag = NULL;
  qr->nlag = 0;
  pthread_mutex_unlock(&qr->th->rt->view_lock);
}

/* Close a query's consumer (revoking what it holds: committing unless no_commit). */
static void query_consumer_close(qrun_t *qr) {
  wy_kafka_source_destroy(qr->src);
  qr->src = NULL;
  for (size_t k = 0; k < qr->npos; k++) {
    wy_query_release_partition(qr->q, qr->pos[k].partition);
    free(qr->pos[k].topic);
  }
  qr->npos = 0;
  clear_lag(qr);
}

/* Close the consumers and the producer. */
static void clients_close(sthread_t *th) {
  for (size_t i = 0; i < th->nq; i++) query_consumer_close(th->q[i]);
  wy_kafka_sink_destroy(th->sink);
  th->sink = NULL;
}

static void restart(sthread_t *th) {
  wy_kafka_runtime_t *rt = th->rt;
  STAT_ADD(rt, restarts, 1);
  th->no_commit = true;
  if (th->in_txn && th->sink) {
    wy_error_t e;
    wy_kafka_sink_txn_abort(th->sink, 2000, &e);
  }
  /* The stores may hold writes whose outputs were lost: rebuild them in full. */
  for (size_t i = 0; i < th->nq; i++)
    for (size_t k = 0; k < th->q[i]->npos; k++) forget_checkpoints(th, th->q[i], th->q[i]->pos[k].partition);
  clients_close(th);
  th->no_commit = false;
  th->restart_wanted = false;
  int backoff = 100 << (th->restarts_in_row < 6 ? th->restarts_in_row : 6);
  th->restarts_in_row++;
  for (int waited = 0; waited < backoff && !__atomic_load_n(&rt->stop, __ATOMIC_RELAXED); waited += 20)
    usleep(20 * 1000);
  wy_error_t e;
  if (clients_open(th, &e) != WY_OK) fail_thread(th, &e);
}

static void deliver_batch(sthread_t *th, qrun_t *qr, size_t n) {
  wy_kafka_runtime_t *rt = th->rt;
  wy_error_t e;
  if (!n) return;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  wy_plog_t *pl = wy_engine_plog(th->engine);
  uint64_t skipped0 = pl ? wy_plog_total(pl) : 0;
  th->proxy.sink_topic = wy_query_plan(qr->q)->sink_topic;
  th->proxy.out = &qr->out;
  for (size_t i = 0; i < n && !th->restart_wanted; i++) {
    const wy_record_t *r = &th->recs[i];
    ppos_t *p = pos_find(qr, r->topic, r->partition, true);
    if (!p) {
      wy_error_set(&e, WY_ERR_NOMEM, "out of memory");
      fail_thread(th, &e);
      return;
    }
    if (wy_query_deliver(qr->q, r, &e) != WY_OK) {
      want_restart(th, e.msg);
      return;
    }
    if (p->first < 0) p->first = r->offset;
    p->next = r->offset + 1;
    th->txn_dirty = true;
  }
  if (n && __atomic_load_n(&rt->stats.first_record_ms, __ATOMIC_RELAXED) < 0)
    stamp_once(&rt->stats.first_record_ms, rt->started_ms);
  STAT_ADD(rt, records, n);
  __atomic_fetch_add(&qr->records, (uint64_t)n, __ATOMIC_RELAXED);
  th->proxy.sink_topic = NULL;
  th->proxy.out = NULL;
  if (pl) __atomic_fetch_add(&qr->skipped, wy_plog_total(pl) - skipped0, __ATOMIC_RELAXED);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  __atomic_fetch_add(&qr->nanos,
                     (uint64_t)((int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec)),
                     __ATOMIC_RELAXED);
  if (!th->restart_wanted) th->restarts_in_row = 0;
}

/* PAUSE/RESUME of a query: its consumer's partitions are paused (librdkafka drops what it
 * had fetched for them and fetches again from the position on resume) while the thread
 * keeps polling, so the group membership stays. Paused again at every loop while
 * wanted, which covers partitions assigned since. */
static void apply_pause(qrun_t *qr) {
  bool want = __atomic_load_n(&qr->pause_wanted, __ATOMIC_RELAXED) != 0 || qr->th->throttled;
  if (!qr->src || (!want && !qr->paused)) return;
  rd_kafka_t *rk = wy_kafka_source_handle(qr->src);
  rd_kafka_topic_partition_list_t *l = NULL;
  if (rd_kafka_assignment(rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR || !l) return;
  if (l->cnt) {
    if (want)
      rd_kafka_pause_partitions(rk, l);
    else
      rd_kafka_resume_partitions(rk, l);
  }
  rd_kafka_topic_partition_list_destroy(l);
  qr->paused = want;
}

/* Refresh the query's lag snapshot: for each assigned partition, its end (the high
 * watermark) less the next offset to deliver. The consumer caches ends from its fetch
 * responses; a paused partition is not fetched, so its end is asked of the broker
 * (bounded), or a paused query's lag would stand still while its input grows. Where
 * nothing was delivered yet, the position is the committed offset, or with none the
 * partition's start under auto.offset.reset=earliest; under latest it is not known
 * (the consumer took the end as it was when it got there) and the partition is left
 * out rather than guessed. */
static void refresh_lag(qrun_t *qr) {
  rd_kafka_t *rk = wy_kafka_source_handle(qr->src);
  rd_kafka_topic_partition_list_t *l = NULL, *unknown = NULL;
  if (rd_kafka_assignment(rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR || !l) return;
  rd_kafka_position(rk, l);
  for (int i = 0; i < l->cnt; i++) {
    rd_kafka_topic_partition_t *tp = &l->elems[i];
    const ppos_t *p = tp->offset < 0 ? pos_find(qr, tp->topic, tp->partition, false) : NULL;
    if (p) tp->offset = p->next >= 0 ? p->next : p->committed;
    if (tp->offset >= 0) continue;
    if (!unknown) unknown = rd_kafka_topic_partition_list_new(l->cnt);
    rd_kafka_topic_partition_list_add(unknown, tp->topic, tp->partition);
  }
  if (unknown && rd_kafka_committed(rk, unknown, LAG_QUERY_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR)
    unknown->cnt = 0;
  bool earliest = qr->reset >= 0 ? qr->reset == 1 : qr->th->rt->earliest;
  /* PAUSEd: ends are stale. A back-pressure pause is short, and is not worth the stream
   * thread's waiting on the broker. */
  bool user_paused = __atomic_load_n(&qr->pause_wanted, __ATOMIC_RELAXED) != 0;
  plag_t *v = calloc(l->cnt ? (size_t)l->cnt : 1, sizeof *v);
  size_t n = 0;
  for (int i = 0; v && i < l->cnt; i++) {
    const rd_kafka_topic_partition_t *tp = &l->elems[i];
    const char *topic = NULL;
    for (size_t k = 0; k < qr->ntopics && !topic; k++)
      if (strcmp(qr->topics[k], tp->topic) == 0) topic = qr->topics[k];
    int64_t lo = -1, hi = -1, at = tp->offset;
    if (!topic) continue;
    if ((user_paused || rd_kafka_get_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi) != 0 || hi < 0 ||
         (at < 0 && lo < 0)) &&
        rd_kafka_query_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi, LAG_QUERY_TIMEOUT_MS) != 0)
      continue;
    for (int k = 0; at < 0 && unknown && k < unknown->cnt; k++)
      if (unknown->elems[k].partition == tp->partition && strcmp(unknown->elems[k].topic, tp->topic) == 0)
        at = unknown->elems[k].offset >= 0 ? unknown->elems[k].offset : earliest ? lo : -1;
    if (at < 0 && hi == lo) at = hi; /* an empty partition */
    if (at < 0) continue;
    v[n++] = (plag_t){topic, tp->partition, hi > at ? hi - at : 0};
  }
  if (unknown) rd_kafka_topic_partition_list_destroy(unknown);
  rd_kafka_topic_partition_list_destroy(l);
  pthread_mutex_lock(&qr->th->rt->view_lock);
  free(qr->lag);
  qr->lag = v;
  qr->nlag = v ? n : 0;
  pthread_mutex_unlock(&qr->th->rt->view_lock);
}

/* Back-pressure, as Kafka Streams pauses the partitions whose buffers are full: while the
 * producer's queue is over three quarters of its capacity, the thread's consumers pause
 * their partitions (staying in their groups, and still polled for rebalances); under a
 * quarter they resume. Returns how many records a poll may take: no more than the queue
 * has room for, so that sends rarely wait on a full queue. */
static size_t backpressure(sthread_t *th) {
  if (!th->sink) return POLL_BATCH;
  size_t cap = wy_kafka_sink_queue_capacity(th->sink), queued = wy_kafka_sink_queued(th->sink);
  if (!th->throttled && queued > cap / 4 * 3) {
    th->throttled = true;
    STAT_ADD(th->rt, backpressure_pauses, 1);
  } else if (th->throttled && queued < cap / 4) {
    th->throttled = false;
  }
  size_t room = queued < cap ? cap - queued : 0;
  return room >= POLL_BATCH ? POLL_BATCH : room ? room : 1;
}

static void apply_command(sthread_t *th);

static void *thread_main(void *arg) {
  sthread_t *th = arg;
  wy_kafka_runtime_t *rt = th->rt;
  wy_error_t e;
  if (clients_open(th, &e) != WY_OK) {
    fail_thread(th, &e);
    clients_close(th);
    return NULL;
  }
  int64_t next_commit = now_ms() + rt->commit_interval_ms, next_lag = now_ms() + LAG_INTERVAL_MS;
  /* A round polls every query's consumer. Only a round after one that found nothing
   * waits for records (10 ms a query with several, 50 ms with one): a query with no input
   * must not hold up the others (measured: the book pipeline's four queries ran at 12k
   * records/s when each poll waited 10 ms). */
  bool idle = false;
  while (!__atomic_load_n(&rt->stop, __ATOMIC_RELAXED)) {
    if (__atomic_load_n(&rt->cmd_seq, __ATOMIC_RELAXED) != th->applied) apply_command(th);
    if (th->nq == 0) usleep(20 * 1000); /* no query yet: wait for statements */
    int timeout = !idle ? 0 : th->nq > 1 ? 10 : 50;
    idle = true;
    for (size_t i = 0; i < th->nq && !th->restart_wanted && th->q[i]->src; i++) {
      size_t n = 0, room = backpressure(th);
      apply_pause(th->q[i]);
      if (wy_source_poll(wy_kafka_source_base(th->q[i]->src), th->recs, room, &n, timeout, &e) != WY_OK) {
        wy_log(WY_LOG_WARN, "runtime", "poll of %s: %s", th->q[i]->group, e.msg);
        usleep(50 * 1000);
        continue;
      }
      if (n) idle = false;
      deliver_batch(th, th->q[i], n);
    }
    if (th->status != WY_OK) break;
    if (th->sink) wy_sink_poll(&th->proxy.base);
    if (th->plog_sink) wy_sink_poll(wy_kafka_sink_base(th->plog_sink));
    if (!rt->eos && th->sink && !th->restart_wanted && production_failed(th))
      want_restart(th, "a record could not be produced (ksql.fail.on.production.error)");
    if (th->restart_wanted || !th->sink) {
      restart(th);
      next_commit = now_ms() + rt->commit_interval_ms;
      continue;
    }
    if (now_ms() >= next_commit) {
      if (commit_all(th, &e) != WY_OK) fail_thread(th, &e);
      next_commit = now_ms() + rt->commit_interval_ms;
    }
    if (now_ms() >= next_lag) {
      for (size_t i = 0; i < th->nq && !__atomic_load_n(&rt->stop, __ATOMIC_RELAXED); i++)
        if (th->q[i]->src) refresh_lag(th->q[i]);
      next_lag = now_ms() + LAG_INTERVAL_MS;
    }
  }
  /* closing: the last commit begins no new transaction */
  th->closing = true;
  th->no_commit = th->no_commit || th->restart_wanted || th->status != WY_OK || !th->sink;
  if (!th->no_commit && commit_all(th, &e) != WY_OK) fail_thread(th, &e);
  if (th->in_txn && th->sink) wy_kafka_sink_txn_abort(th->sink, 2000, &e);
  th->in_txn = false;
  clients_close(th);
  return NULL;
}

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
  if (!rt->service_id || !rt->state_dir || !rt->bootstrap) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!*rt->service_id) return wy_error_set(err, WY_ERR_CONFIG, "ksql.service.id: must not be empty");
  if (!*rt->bootstrap) return wy_error_set(err, WY_ERR_CONFIG, "bootstrap.servers: must not be empty");
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
    return wy_error_set(err, WY_ERR_CONFIG, "num.stream.threads: must be from 1 to %d, not %lld", MAX_THREADS,
                        (long long)n);
  rt->nthreads = (int)n;
  rt->commit_interval_ms = wy_config_get_int(c, WY_CFG_COMMIT_INTERVAL_MS);
  if (rt->commit_interval_ms < 0)
    return wy_error_set(err, WY_ERR_CONFIG, "commit.interval.ms: must not be negative");
  size_t cap = 0;
  if (add_prop(rt, "bootstrap.servers", rt->bootstrap, &cap, err) != WY_OK ||
      add_prop(rt, "auto.offset.reset", wy_config_get_string(c, WY_CFG_AUTO_OFFSET_RESET), &cap, err) != WY_OK)
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
    if (wy_kafka_config_build(NULL, 0, rt->props, rt->nprops, (wy_kafka_role_t)role, &conf, err) != WY_OK)
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

static wy_status_t setup_threads(wy_kafka_runtime_t *rt, const wy_kafka_runtime_options_t *o, wy_error_t *err) {
  rt->threads = calloc((size_t)rt->nthreads, sizeof *rt->threads);
  if (!rt->threads) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (int t = 0; t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    th->rt = rt;
    th->index = t;
    th->proxy.base.ops = &proxy_ops;
    th->proxy.base.on_delivery = wy_delivery_dispatch;
    th->proxy.inner = rt->setup_sink;
    th->restore.base.ops = &restore_ops;
    th->restore.th = th;
    th->backend = *wy_kafka_backend_base(rt->backend);
    th->backend.sink = &th->proxy.base;
    th->recs = calloc(POLL_BATCH, sizeof *th->recs);
    if (!th->recs) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
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
  if (kb_partitions(rt->backend, rt->plog_topic) <= 0 && kb_create(rt->backend, rt->plog_topic, 1, false, err) != WY_OK)
    return wy_error_prefix(err, "processing-log topic");
  for (int t = 0; t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    wy_kafka_sink_config_t sc = {rt->props, rt->nprops, NULL, 0};
    if (wy_kafka_sink_new(&sc, &th->plog_sink, err) != WY_OK) return err->code;
    wy_plog_attach_sink(wy_engine_plog(th->engine), wy_kafka_sink_base(th->plog_sink), rt->plog_topic);
  }
  return WY_OK;
}

/* A thread's run of engine query q (not consuming yet). */
static wy_status_t qrun_new(sthread_t *th, wy_query_t *q, wy_error_t *err) {
  wy_kafka_runtime_t *rt = th->rt;
  qrun_t *qr = calloc(1, sizeof *qr);
  if (!qr) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  qr->th = th;
  qr->q = q;
  const wy_plan_t *p = wy_query_plan(q);
  qr->reset = rt->from_earliest ? rt->from_earliest(rt->from_earliest_user, p->id) : -1;
  wy_status_t st = wy_kafka_group_id(rt->service_id, p->id, qr->group, sizeof qr->group, err);
  for (size_t s = 0; st == WY_OK && s < p->nsubs; s++)
    for (size_t k = 0; st == WY_OK && k < p->subs[s].ninputs; k++) {
      const char *topic = p->subs[s].inputs[k].topic;
      bool seen = false;
      for (size_t x = 0; x < qr->ntopics; x++) seen |= strcmp(qr->topics[x], topic) == 0;
      if (seen || qr->ntopics >= 8) continue;
      if (!(qr->topics[qr->ntopics++] = strdup(topic))) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
  qrun_t **g = st == WY_OK ? realloc(th->q, (th->nq + 1) * sizeof *g) : NULL;
  if (st == WY_OK && !g) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (st != WY_OK) {
    for (size_t k = 0; k < qr->ntopics; k++) free(qr->topics[k]);
    free(qr);
    return st;
  }
  pthread_mutex_lock(&rt->view_lock); /* readers of the thread's queries (stats, lag) */
  th->q = g;
  th->q[th->nq++] = qr;
  pthread_mutex_unlock(&rt->view_lock);
  return WY_OK;
}

/* Forget a thread's run of a query (its consumer closed): unlinked under the lock. */
static void qrun_remove(sthread_t *th, size_t i) {
  qrun_t *qr = th->q[i];
  pthread_mutex_lock(&th->rt->view_lock);
  memmove(&th->q[i], &th->q[i + 1], (th->nq - i - 1) * sizeof *th->q);
  th->nq--;
  pthread_mutex_unlock(&th->rt->view_lock);
  for (size_t k = 0; k < qr->ntopics; k++) free(qr->topics[k]);
  for (size_t k = 0; k < qr->npos; k++) free(qr->pos[k].topic);
  free(qr->pos);
  free(qr->lag);
  free(qr);
}

static wy_status_t setup_queries(wy_kafka_runtime_t *rt, wy_error_t *err) {
  size_t nq = wy_engine_query_count(rt->threads[0].engine);
  for (int t = 0; t < rt->nthreads; t++) {
    sthread_t *th = &rt->threads[t];
    if (wy_engine_query_count(th->engine) != nq)
      return wy_error_set(err, WY_ERR_INTERNAL, "stream thread %d started %zu queries, not %zu", t,
                          wy_engine_query_count(th->engine), nq);
    for (size_t i = 0; i < nq; i++)
      if (qrun_new(th, wy_engine_query_at(th->engine, i), err) != WY_OK) return err->code;
  }
  return WY_OK;
}

wy_status_t wy_kafka_runtime_new(const wy_kafka_runtime_options_t *o, wy_kafka_runtime_t **out, wy_error_t *err) {
  *out = NULL;
  if (!o->config || !o->sql) return wy_error_set(err, WY_ERR_INVALID, "the runtime needs a config and SQL");
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
    if (pthread_create(&th->tid, NULL, thread_main, th) != 0) {
      wy_kafka_runtime_stop(rt);
      wy_kafka_runtime_wait(rt, err);
      return wy_error_set(err, WY_ERR_INTERNAL, "cannot start stream thread %d", t);
    }
    th->started = true;
  }
  rt->running = 1;
  return WY_OK;
}

void wy_kafka_runtime_stop(wy_kafka_runtime_t *rt) { __atomic_store_n(&rt->stop, 1, __ATOMIC_RELAXED); }

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
    s.in += __atomic_load_n(&qr->records, __ATOMIC_RELAXED);
    s.out += __atomic_load_n(&qr->out, __ATOMIC_RELAXED);
    s.skipped += __atomic_load_n(&qr->skipped, __ATOMIC_RELAXED);
    s.nanos += __atomic_load_n(&qr->nanos, __ATOMIC_RELAXED);
  }
  pthread_mutex_unlock(&rt->view_lock);
  return s;
}

/* ---- statements on a running runtime --------------------------------------------------------- */

/* The thread's queries that statement s ends: TERMINATE id|ALL, DROP of a query's sink,
 * CREATE OR REPLACE of a query's sink (the engine replaces the query). */
static bool ends_query(const wy_ast_stmt_t *s, const wy_plan_t *p) {
  switch (s->kind) {
  case WY_AST_STMT_TERMINATE:
    return s->all || (s->name && strcasecmp(s->name, p->id) == 0);
  case WY_AST_STMT_DROP_STREAM:
  case WY_AST_STMT_DROP_TABLE:
    return s->name && p->sink_name && strcasecmp(s->name, p->sink_name) == 0;
  case WY_AST_STMT_CREATE_STREAM_AS:
  case WY_AST_STMT_CREATE_TABLE_AS:
    return s->or_replace && s->name && p->sink_name && strcasecmp(s->name, p->sink_name) == 0;
  default:
    return false;
  }
}

/* Apply statements on this thread, between two poll rounds: the consumers of the
 * queries they end are closed first (committing, so the queries' partitions go to the
 * group in order), then the engine executes them, then the queries they start get their
 * consumers. The other queries keep their consumers, assignments and stores. */
static wy_status_t thread_execute(sthread_t *th, const char *sql, wy_error_t *err) {
  wy_ast_script_t *script;
  if (wy_parse(sql, strlen(sql), NULL, &script, err) != WY_OK) return err->code;
  wy_error_t e;
  bool committed = false;
  for (size_t i = th->nq; i-- > 0;) {
    bool ends = false;
    for (size_t k = 0; k < script->n && !ends; k++) ends = ends_query(script->stmts[k], wy_query_plan(th->q[i]->q));
    if (!ends) continue;
    if (!committed && commit_all(th, &e) != WY_OK) wy_log(WY_LOG_WARN, "runtime", "%s", e.msg);
    committed = true;
    query_consumer_close(th->q[i]);
    qrun_remove(th, i);
  }
  wy_status_t st = WY_OK;
  for (size_t k = 0; k < script->n && st == WY_OK; k++) {
    /* INSERT VALUES produce records: once per node, by the first thread */
    if (th->index > 0 && script->stmts[k]->kind == WY_AST_STMT_INSERT_VALUES) continue;
    st = wy_engine_execute(th->engine, script->stmts[k], err);
  }
  wy_ast_script_destroy(script);
  /* the engine's queries this thread does not run yet */
  for (size_t i = 0; i < wy_engine_query_count(th->engine); i++) {
    wy_query_t *q = wy_engine_query_at(th->engine, i);
    bool known = false;
    for (size_t k = 0; k < th->nq && !known; k++) known = th->q[k]->q == q;
    if (known) continue;
    if (qrun_new(th, q, &e) != WY_OK) {
      if (st == WY_OK) *err = e, st = e.code;
      continue;
    }
    qrun_t *qr = th->q[th->nq - 1];
    if (th->sink) prepare_query_outputs(th, qr);
    if (th->sink && query_consumer_open(th, qr, &e) != WY_OK && st == WY_OK) *err = e, st = e.code;
  }
  return st;
}

/* Called by a stream thread between rounds: applies a pending command once. */
static void apply_command(sthread_t *th) {
  wy_kafka_runtime_t *rt = th->rt;
  pthread_mutex_lock(&rt->cmd_lock);
  uint64_t seq = rt->cmd_seq;
  const char *sql = rt->cmd_sql;
  pthread_mutex_unlock(&rt->cmd_lock);
  if (seq == th->applied) return;
  wy_error_t e;
  wy_status_t st = thread_execute(th, sql, &e);
  if (st != WY_OK) wy_log(WY_LOG_ERROR, "runtime", "stream thread %d: statements failed: %s", th->index, e.msg);
  pthread_mutex_lock(&rt->cmd_lock);
  th->applied = seq;
  rt->cmd_done++;
  if (st != WY_OK && rt->cmd_status == WY_OK) {
    rt->cmd_status = st;
    rt->cmd_err = e;
  }
  pthread_cond_broadcast(&rt->cmd_cond);
  pthread_mutex_unlock(&rt->cmd_lock);
}

wy_status_t wy_kafka_runtime_execute(wy_kafka_runtime_t *rt, const char *sql, wy_error_t *err) {
  if (!wy_kafka_runtime_running(rt)) return wy_error_set(err, WY_ERR_INVALID, "the runtime is not running");
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
  if (st == WY_OK && !all) return wy_error_set(err, WY_ERR_TIMEOUT, "the stream threads did not apply the statements");
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
    while (th->nq) qrun_remove(th, th->nq - 1);
    free(th->q);
    free(th->recs);
    restore_reset(&th->restore);
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
