/* stream_thread.c — one stream thread over Kafka: its clients, the poll loop,
 * rebalances and restores, commits and transactions, and the statements it applies
 * between rounds (streams_int.h). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "engine/plog/processing_log.h"
#include "engine/streams/streams_int.h"
#include "parser/parser.h"
#include "state/state.h"

/* ---- proxy sink ---------------------------------------------------------------------------- */

static wy_sink_t *inner_of(wy_sink_t *s) { return wy_kafka_sink_base(((proxy_sink_t *)s)->inner); }

static wy_status_t proxy_send(wy_sink_t *s, const char *topic, int32_t partition, const void *key,
                              size_t key_len, const void *value, size_t value_len,
                              const wy_header_t *headers, size_t nheaders, int64_t timestamp,
                              void *opaque, wy_error_t *err) {
  return wy_sink_send(inner_of(s), topic, partition, key, key_len, value, value_len, headers,
                      nheaders, timestamp, opaque, err);
}
static void proxy_poll(wy_sink_t *s) { wy_sink_poll(inner_of(s)); }
static wy_status_t proxy_flush(wy_sink_t *s, int timeout_ms, wy_error_t *err) {
  return wy_sink_flush(inner_of(s), timeout_ms, err);
}
static void proxy_destroy(wy_sink_t *s) { (void)s; /* the thread owns the producer */ }

const wy_sink_ops_t wy_streams_proxy_ops = {proxy_send, proxy_poll, proxy_flush, proxy_destroy};

/* ---- restore source ----------------------------------------------------------------------- */

static restore_src_t *rsrc(wy_source_t *s) { return (restore_src_t *)s; }

void wy_streams_restore_reset(restore_src_t *r) {
  wy_kafka_source_destroy(r->ks);
  r->ks = NULL;
  for (size_t i = 0; i < r->nwant; i++) free((char *)r->want[i].topic);
  for (size_t i = 0; i < r->nends; i++) free(r->ends[i].topic);
  r->nwant = r->nends = 0;
}

/* Room for one more element of a growing array. */
static bool room_for(void **v, size_t n, size_t *cap, size_t size) {
  if (n < *cap) return true;
  size_t c = *cap ? *cap * 2 : 8;
  void *g = realloc(*v, c * size);
  if (!g) return false;
  *v = g;
  *cap = c;
  return true;
}

static wy_status_t rs_seek(wy_source_t *s, const char *topic, int32_t partition, int64_t offset,
                           wy_error_t *err) {
  restore_src_t *r = rsrc(s);
  if (r->ks) wy_streams_restore_reset(r); /* a new restore */
  char *t = strdup(topic);
  if (!t || !room_for((void **)&r->want, r->nwant, &r->want_cap, sizeof *r->want)) {
    free(t);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  r->want[r->nwant++] = (wy_position_t){t, partition, offset};
  return WY_OK;
}

static wy_status_t rs_poll(wy_source_t *s, wy_record_t *out, size_t max, size_t *n, int timeout_ms,
                           wy_error_t *err) {
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
    if (wy_source_poll(wy_kafka_source_base(r->ks), out, max, n,
                       left < 200 ? (left > 0 ? left : 0) : 200, err) != WY_OK)
      return err->code;
    if (*n) return WY_OK;
    rd_kafka_t *rk = wy_kafka_source_handle(r->ks);
    for (size_t i = 0; i < r->nends; i++) {
      if (r->ends[i].done || r->ends[i].end <= 0) continue;
      rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(l, r->ends[i].topic, r->ends[i].partition);
      bool passed = rd_kafka_position(rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                    l->elems[0].offset >= r->ends[i].end;
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

static wy_status_t rs_commit(wy_source_t *s, const wy_position_t *pos, size_t npos,
                             wy_error_t *err) {
  (void)s, (void)pos, (void)npos;
  return wy_error_set(err, WY_ERR_UNSUPPORTED, "a restore source does not commit");
}
static void rs_destroy(wy_source_t *s) { wy_streams_restore_reset(rsrc(s)); }

const wy_source_ops_t wy_streams_restore_ops = {rs_poll,    rs_commit, rs_seek,
                                                rs_destroy, NULL,      NULL};

/* End offset of a changelog partition (the high watermark). */
static wy_status_t end_offset(void *opaque, const char *topic, int32_t partition, int64_t *end,
                              wy_error_t *err) {
  qrun_t *qr = opaque;
  restore_src_t *r = &qr->th->restore;
  if (r->ks) wy_streams_restore_reset(r);
  int64_t lo = 0, hi = 0;
  rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(wy_kafka_source_handle(qr->src), topic,
                                                           partition, &lo, &hi, ADMIN_TIMEOUT_MS);
  if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
      e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    return wy_error_set(err, WY_ERR_NOT_FOUND, "no changelog %s", topic);
  if (e)
    return wy_error_set(err, WY_ERR_KAFKA, "%s[%d]: %s", topic, (int)partition,
                        rd_kafka_err2str(e));
  *end = hi;
  size_t i = 0;
  while (i < r->nends &&
         !(r->ends[i].partition == partition && strcmp(r->ends[i].topic, topic) == 0))
    i++;
  if (i == r->nends) {
    if (!room_for((void **)&r->ends, r->nends, &r->ends_cap, sizeof *r->ends) ||
        !(r->ends[i].topic = strdup(topic)))
      return WY_OK; /* out of memory: the marker check is skipped */
    r->nends++;
  }
  r->ends[i].partition = partition;
  r->ends[i].end = hi;
  r->ends[i].done = false;
  return WY_OK;
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

static wy_status_t restore_partition(sthread_t *th, qrun_t *qr, int32_t partition,
                                     wy_error_t *err) {
  if (th->rt->eos) forget_checkpoints(th, qr, partition); /* stores may hold aborted writes */
  wy_status_t st = wy_query_restore_partition(qr->q, partition, &th->restore.base, end_offset, qr,
                                              RESTORE_POLL_MS, err);
  wy_streams_restore_reset(&th->restore);
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

/* The operators' held-back writes go out before the sink's flush (or the transaction's
 * commit) that acknowledges them. */
static bool prepare_commit(sthread_t *th) {
  wy_error_t e;
  for (size_t i = 0; i < th->nq; i++)
    if (wy_query_prepare_commit(th->q[i]->q, &e) != WY_OK) {
      want_restart(th, e.msg);
      return false;
    }
  return true;
}

static wy_status_t commit_alos(sthread_t *th, wy_error_t *err) {
  if (!prepare_commit(th)) return WY_OK;
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
    if (!qr->driver) continue;
    size_t n;
    wy_position_t *p = wy_driver_dirty(qr->driver, &n);
    if (!p) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (n && wy_source_commit(wy_kafka_source_base(qr->src), p, n, err) != WY_OK) {
      STAT_ADD(th->rt, commit_failures, 1);
      wy_log(WY_LOG_WARN, "runtime", "offset commit failed, retried at the next interval: %s",
             err->msg);
    } else if (n) {
      wy_driver_committed(qr->driver, p, n);
      STAT_ADD(th->rt, commits, 1);
      __atomic_fetch_add(&qr->commits, 1, __ATOMIC_RELAXED);
    }
    free(p);
  }
  return WY_OK;
}

/* Run a transactional step, retrying what librdkafka calls retriable. */
#define TXN_CALL(th, call)                                                                 \
  ({                                                                                       \
    wy_status_t st_;                                                                       \
    for (int try_ = 0;; try_++) {                                                          \
      st_ = (call);                                                                        \
      if (st_ == WY_OK || wy_kafka_sink_txn_fault((th)->sink) != WY_KAFKA_TXN_RETRIABLE || \
          try_ >= 5)                                                                       \
        break;                                                                             \
      usleep(100 * 1000);                                                                  \
    }                                                                                      \
    st_;                                                                                   \
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

/* Exactly-once: every query's positions go into the thread's transaction, which is
 * then committed; the positions count as committed, and the stores are checkpointed,
 * only once it is. */
static wy_status_t commit_eos(sthread_t *th, wy_error_t *err) {
  if (!th->in_txn || !prepare_commit(th)) return WY_OK;
  wy_position_t **pos = calloc(th->nq + 1, sizeof *pos);
  size_t *npos = calloc(th->nq + 1, sizeof *npos);
  bool any = th->txn_dirty;
  wy_status_t st = pos && npos ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < th->nq && st == WY_OK; i++) {
    if (!th->q[i]->driver) continue;
    pos[i] = wy_driver_dirty(th->q[i]->driver, &npos[i]);
    if (!pos[i]) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    any |= npos[i] > 0;
  }
  wy_error_t e;
  for (size_t i = 0; i < th->nq && st == WY_OK && any; i++)
    if (npos[i]) {
      st = TXN_CALL(th, wy_kafka_sink_txn_send_offsets(th->sink, th->q[i]->src, pos[i], npos[i],
                                                       TXN_TIMEOUT_MS, &e));
      if (st != WY_OK) txn_failed(th, &e);
    }
  if (st == WY_OK && any) {
    st = TXN_CALL(th, wy_kafka_sink_txn_commit(th->sink, TXN_TIMEOUT_MS, &e));
    if (st != WY_OK) txn_failed(th, &e);
  }
  if (st == WY_OK && any) {
    th->in_txn = false;
    STAT_ADD(th->rt, commits, 1);
    for (size_t i = 0; i < th->nq; i++)
      if (npos[i]) {
        wy_driver_committed(th->q[i]->driver, pos[i], npos[i]);
        __atomic_fetch_add(&th->q[i]->commits, 1, __ATOMIC_RELAXED);
      }
    /* checkpoints only after the transaction: a checkpoint never names aborted data */
    for (size_t i = 0; i < th->nq && st == WY_OK; i++)
      if (wy_query_commit(th->q[i]->q, &e) != WY_OK) want_restart(th, e.msg);
  }
  for (size_t i = 0; pos && i < th->nq; i++) free(pos[i]);
  free(pos);
  free(npos);
  if (st == WY_ERR_NOMEM) return st;
  txn_begin(th);
  return WY_OK;
}

static wy_status_t commit_all(sthread_t *th, wy_error_t *err) {
  if (th->no_commit) return WY_OK;
  return th->rt->eos ? commit_eos(th, err) : commit_alos(th, err);
}

/* The group's committed offset of a partition, asked of the broker (-1: none). */
static int64_t committed_offset(void *opaque, const char *topic, int32_t partition) {
  qrun_t *qr = opaque;
  wy_position_t w = {topic, partition, -1};
  wy_error_t e;
  return wy_kafka_source_committed(qr->src, &w, 1, TXN_TIMEOUT_MS, &e) == WY_OK ? w.offset : -1;
}

/* The partitions a query's driver knows of (the ones it delivered or committed). */
typedef struct partitions {
  int32_t *v;
  size_t n, cap;
} partitions_t;

static void collect_partition(void *user, const char *topic, int32_t partition, int64_t next,
                              int64_t committed) {
  partitions_t *ps = user;
  for (size_t i = 0; i < ps->n; i++)
    if (ps->v[i] == partition) return;
  if (room_for((void **)&ps->v, ps->n, &ps->cap, sizeof *ps->v)) ps->v[ps->n++] = partition;
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
    if (!qr->driver) continue;
    if (wy_driver_rewind(qr->driver, committed_offset, qr, &e) != WY_OK) {
      want_restart(th, e.msg);
      return;
    }
    partitions_t ps = {0};
    wy_driver_positions(qr->driver, collect_partition, &ps);
    for (size_t k = 0; k < ps.n; k++) wy_query_release_partition(qr->q, ps.v[k]);
    for (size_t k = 0; k < ps.n; k++)
      if (restore_partition(th, qr, ps.v[k], &e) != WY_OK) {
        free(ps.v);
        want_restart(th, e.msg);
        return;
      }
    free(ps.v);
  }
  txn_begin(th);
}

static void txn_failed(sthread_t *th, const wy_error_t *e) {
  wy_kafka_txn_fault_t f = wy_kafka_sink_txn_fault(th->sink);
  wy_log(WY_LOG_WARN, "runtime", "transaction %s: %s", wy_kafka_txn_fault_name(f), e->msg);
  if (f == WY_KAFKA_TXN_ABORTABLE || f == WY_KAFKA_TXN_RETRIABLE)
    abort_and_rewind(th);
  else
    want_restart(th, e->msg);
}

/* ---- rebalances -------------------------------------------------------------------------- */

/* Set a start-up stat (ms since started) the first time only; any thread. */
static void stamp_once(int64_t *stat, int64_t started_ms) {
  int64_t expect = -1;
  __atomic_compare_exchange_n(stat, &expect, now_ms() - started_ms, false, __ATOMIC_RELAXED,
                              __ATOMIC_RELAXED);
}

static void on_rebalance(void *opaque, wy_kafka_rebalance_t kind, const wy_position_t *parts,
                         size_t n) {
  qrun_t *qr = opaque;
  sthread_t *th = qr->th;
  wy_error_t e;
  if (kind == WY_KAFKA_ASSIGNED) {
    stamp_once(&th->rt->stats.first_assigned_ms, th->rt->started_ms);
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
  if (kind == WY_KAFKA_REVOKED && commit_all(th, &e) != WY_OK)
    wy_log(WY_LOG_WARN, "runtime", "%s", e.msg);
  for (size_t i = 0; i < n; i++) {
    if (qr->driver) wy_driver_forget(qr->driver, parts[i].topic, parts[i].partition);
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
  if (p->sink_topic &&
      wy_kafka_sink_prepare_topic(th->sink, p->sink_topic, ADMIN_TIMEOUT_MS, &e) != WY_OK)
    wy_log(WY_LOG_DEBUG, "runtime", "%s", e.msg);
  for (size_t k = 0; k < p->ninternal; k++)
    if (wy_kafka_sink_prepare_topic(th->sink, p->internal_topics[k], ADMIN_TIMEOUT_MS, &e) != WY_OK)
      wy_log(WY_LOG_DEBUG, "runtime", "%s", e.msg);
  for (size_t k = 0; k < p->nchangelogs; k++)
    if (wy_kafka_sink_prepare_topic(th->sink, p->changelog_topics[k], ADMIN_TIMEOUT_MS, &e) !=
        WY_OK)
      wy_log(WY_LOG_DEBUG, "runtime", "%s", e.msg);
}

/* The consumer of one query: its group, its topics, its offset reset. */
static wy_status_t query_consumer_open(sthread_t *th, qrun_t *qr, wy_error_t *err) {
  wy_kafka_runtime_t *rt = th->rt;
  wy_kafka_prop_t *props = calloc(rt->nprops + 2, sizeof *props);
  if (!props) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  memcpy(props, rt->props, rt->nprops * sizeof *props);
  size_t np = rt->nprops;
  /* the query's own auto.offset.reset (a request's streamsProperties) wins */
  if (qr->reset >= 0)
    props[np++] = (wy_kafka_prop_t){"auto.offset.reset", qr->reset ? "earliest" : "latest"};
  /* co-partitioning for queries over several topics (see the header) */
  if (qr->ntopics > 1)
    props[np++] = (wy_kafka_prop_t){"kafka.consumer.partition.assignment.strategy", "range"};
  wy_kafka_source_config_t c = {0};
  c.props = props;
  c.nprops = np;
  c.group_id = qr->group;
  c.topics = qr->topics;
  c.ntopics = qr->ntopics;
  c.on_rebalance = on_rebalance;
  c.opaque = qr;
  wy_status_t st = wy_kafka_source_new(&c, &qr->src, err);
  free(props);
  /* the consumer reads the internal topics too: the driver drains nothing */
  wy_driver_options_t o = {.query = qr->q, .batch = POLL_BATCH};
  o.source = qr->src ? wy_kafka_source_base(qr->src) : NULL;
  if (st == WY_OK) st = wy_driver_new(&o, &qr->driver, err);
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
  wy_kafka_source_destroy(qr->src); /* revokes: on_rebalance releases what it held */
  qr->src = NULL;
  if (qr->driver) {
    partitions_t ps = {0};
    wy_driver_positions(qr->driver, collect_partition, &ps);
    for (size_t k = 0; k < ps.n; k++) wy_query_release_partition(qr->q, ps.v[k]);
    free(ps.v);
  }
  wy_driver_destroy(qr->driver);
  qr->driver = NULL;
  clear_lag(qr);
}

/* Close the producer, then the consumers. The producer goes first: its last delivery
 * reports go to the tasks' changelog stores, which closing a consumer frees (its revoke
 * closes the tasks). Callers commit before: the revokes here commit nothing. */
static void clients_close(sthread_t *th) {
  bool no_commit = th->no_commit;
  th->no_commit = true;
  wy_kafka_sink_destroy(th->sink);
  th->sink = NULL;
  for (size_t i = 0; i < th->nq; i++) query_consumer_close(th->q[i]);
  th->no_commit = no_commit;
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
  for (size_t i = 0; i < th->nq; i++) {
    if (!th->q[i]->driver) continue;
    partitions_t ps = {0};
    wy_driver_positions(th->q[i]->driver, collect_partition, &ps);
    for (size_t k = 0; k < ps.n; k++) forget_checkpoints(th, th->q[i], ps.v[k]);
    free(ps.v);
  }
  clients_close(th);
  th->no_commit = false;
  th->restart_wanted = false;
  int backoff = 100 << (th->restarts_in_row < 6 ? th->restarts_in_row : 6);
  th->restarts_in_row++;
  for (int waited = 0; waited < backoff && !__atomic_load_n(&rt->stop, __ATOMIC_RELAXED);
       waited += 20)
    usleep(20 * 1000);
  wy_error_t e;
  if (clients_open(th, &e) != WY_OK) fail_thread(th, &e);
}

/* Poll a query's consumer and deliver what it got through the query's driver. A
 * failed delivery restarts the thread's clients: the records are read again from the
 * committed offsets. */
static void poll_query(sthread_t *th, qrun_t *qr, size_t room, int timeout, bool *got_any) {
  wy_kafka_runtime_t *rt = th->rt;
  wy_error_t e;
  size_t got = 0, n = 0;
  if (wy_source_poll(wy_kafka_source_base(qr->src), th->recs, room, &got, timeout, &e) != WY_OK) {
    wy_log(WY_LOG_WARN, "runtime", "poll of %s: %s", qr->group, e.msg);
    usleep(50 * 1000);
    return;
  }
  if (!got) return;
  *got_any = true;
  wy_status_t st = wy_driver_deliver(qr->driver, th->recs, got, &n, &e);
  th->txn_dirty = true;
  STAT_ADD(rt, records, n);
  if (n && __atomic_load_n(&rt->stats.first_record_ms, __ATOMIC_RELAXED) < 0)
    stamp_once(&rt->stats.first_record_ms, rt->started_ms);
  if (st != WY_OK)
    want_restart(th, e.msg);
  else
    th->restarts_in_row = 0;
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
    if (tp->offset < 0) tp->offset = wy_driver_position(qr->driver, tp->topic, tp->partition);
    if (tp->offset >= 0) continue;
    if (!unknown) unknown = rd_kafka_topic_partition_list_new(l->cnt);
    rd_kafka_topic_partition_list_add(unknown, tp->topic, tp->partition);
  }
  if (unknown &&
      rd_kafka_committed(rk, unknown, LAG_QUERY_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR)
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
    if ((user_paused ||
         rd_kafka_get_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi) != 0 || hi < 0 ||
         (at < 0 && lo < 0)) &&
        rd_kafka_query_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi,
                                         LAG_QUERY_TIMEOUT_MS) != 0)
      continue;
    for (int k = 0; at < 0 && unknown && k < unknown->cnt; k++)
      if (unknown->elems[k].partition == tp->partition &&
          strcmp(unknown->elems[k].topic, tp->topic) == 0)
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

void *wy_streams_thread_main(void *arg) {
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
      size_t room = backpressure(th);
      apply_pause(th->q[i]);
      bool got = false;
      poll_query(th, th->q[i], room, timeout, &got);
      if (got) idle = false;
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

/* ---- a thread's queries ---- */

wy_status_t wy_streams_qrun_new(sthread_t *th, wy_query_t *q, wy_error_t *err) {
  wy_kafka_runtime_t *rt = th->rt;
  qrun_t *qr = calloc(1, sizeof *qr);
  if (!qr) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  qr->th = th;
  qr->q = q;
  const wy_plan_t *p = wy_query_plan(q);
  qr->reset = rt->from_earliest ? rt->from_earliest(rt->from_earliest_user, p->id) : -1;
  qr->group = p->app_id;
  qr->topics = wy_plan_topics(p, &qr->ntopics);
  qrun_t **g = qr->topics ? realloc(th->q, (th->nq + 1) * sizeof *g) : NULL;
  if (!g) {
    free(qr->topics);
    free(qr);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  pthread_mutex_lock(&rt->view_lock); /* readers of the thread's queries (stats, lag) */
  th->q = g;
  th->q[th->nq++] = qr;
  pthread_mutex_unlock(&rt->view_lock);
  return WY_OK;
}

/* Forget a thread's run of a query (its consumer closed): unlinked under the lock. */
void wy_streams_qrun_remove(sthread_t *th, size_t i) {
  qrun_t *qr = th->q[i];
  pthread_mutex_lock(&th->rt->view_lock);
  memmove(&th->q[i], &th->q[i + 1], (th->nq - i - 1) * sizeof *th->q);
  th->nq--;
  pthread_mutex_unlock(&th->rt->view_lock);
  wy_driver_destroy(qr->driver);
  free(qr->topics);
  free(qr->lag);
  free(qr);
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
    for (size_t k = 0; k < script->n && !ends; k++)
      ends = ends_query(script->stmts[k], wy_query_plan(th->q[i]->q));
    if (!ends) continue;
    if (!committed && commit_all(th, &e) != WY_OK) wy_log(WY_LOG_WARN, "runtime", "%s", e.msg);
    committed = true;
    query_consumer_close(th->q[i]);
    wy_streams_qrun_remove(th, i);
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
    if (wy_streams_qrun_new(th, q, &e) != WY_OK) {
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
  if (st != WY_OK)
    wy_log(WY_LOG_ERROR, "runtime", "stream thread %d: statements failed: %s", th->index, e.msg);
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
