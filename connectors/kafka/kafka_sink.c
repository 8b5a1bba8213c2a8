#include "connectors/kafka/kafka_sink.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/kafka/kafka_int.h"
#include "engine/base/log.h"

struct wy_kafka_sink {
  wy_sink_t base;
  rd_kafka_t *rk;
  bool transactional;
  int queue_full_timeout_ms;
  size_t capacity; /* queue.buffering.max.messages */
  wy_kafka_txn_fault_t fault;
  wy_kafka_sink_stats_t stats;
  /* Reused argument vector for rd_kafka_produceva: no allocation per record. */
  rd_kafka_vu_t *vus;
  size_t vus_cap;
  /* Topic handles: those prepared ahead of the first record (held so that their
   * metadata stays known) and those met since. Sending through a handle spares
   * librdkafka its per-record topic lookup by name (a write lock on the client and a
   * string compare per topic). last: the handle of the latest send. */
  rd_kafka_topic_t **prepared;
  size_t nprepared, cap;
  rd_kafka_topic_t *last;
};

/* Keep a topic handle; false (the handle destroyed) when out of memory. */
static bool keep_handle(wy_kafka_sink_t *ks, rd_kafka_topic_t *rkt) {
  if (ks->nprepared == ks->cap) {
    size_t cap = ks->cap ? ks->cap * 2 : 16;
    rd_kafka_topic_t **g = realloc(ks->prepared, cap * sizeof *g);
    if (!g) {
      rd_kafka_topic_destroy(rkt);
      return false;
    }
    ks->prepared = g;
    ks->cap = cap;
  }
  ks->prepared[ks->nprepared++] = rkt;
  return true;
}

/* The handle of topic, made on first use; NULL when it cannot be made (the record is
 * then sent by name). */
static rd_kafka_topic_t *topic_handle(wy_kafka_sink_t *ks, const char *topic) {
  if (ks->last && strcmp(rd_kafka_topic_name(ks->last), topic) == 0) return ks->last;
  for (size_t i = 0; i < ks->nprepared; i++)
    if (strcmp(rd_kafka_topic_name(ks->prepared[i]), topic) == 0) return ks->last = ks->prepared[i];
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(ks->rk, topic, NULL);
  if (!rkt || !keep_handle(ks, rkt))
    return NULL; /* sent by name: librdkafka reports what is wrong */
  return ks->last = rkt;
}

static const char *const fault_names[] = {
#define WY_X_FAULT(code, name) name,
    WY_KAFKA_TXN_FAULTS(WY_X_FAULT)
#undef WY_X_FAULT
};

const char *wy_kafka_txn_fault_name(wy_kafka_txn_fault_t f) {
  return (unsigned)f < sizeof fault_names / sizeof fault_names[0] ? fault_names[f] : "?";
}

static wy_kafka_sink_t *self(wy_sink_t *s) { return (wy_kafka_sink_t *)s; }

/* Runs on the thread that polls or flushes the producer. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  wy_kafka_sink_t *ks = opaque;
  wy_status_t st = WY_OK;
  if (m->err) {
    st = m->err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT ? WY_ERR_TIMEOUT : WY_ERR_KAFKA;
    ks->stats.failed++;
  } else {
    ks->stats.acked++;
  }
  if (ks->base.on_delivery)
    ks->base.on_delivery(m->_private, st, rd_kafka_topic_name(m->rkt), m->partition,
                         m->err ? -1 : m->offset, m->err ? rd_kafka_err2str(m->err) : NULL);
}

static wy_status_t fatal_status(wy_kafka_sink_t *ks, wy_error_t *err) {
  char reason[512];
  if (!rd_kafka_fatal_error(ks->rk, reason, sizeof reason)) return WY_OK;
  ks->fault = WY_KAFKA_TXN_FATAL;
  return wy_error_set(err, WY_ERR_KAFKA, "fatal producer error: %s", reason);
}

static wy_status_t sink_send(wy_sink_t *sink, const char *topic, int32_t partition, const void *key,
                             size_t key_len, const void *value, size_t value_len,
                             const wy_header_t *headers, size_t nheaders, int64_t timestamp,
                             void *opaque, wy_error_t *err) {
  wy_kafka_sink_t *ks = self(sink);
  size_t need = 7 + nheaders;
  if (need > ks->vus_cap) {
    rd_kafka_vu_t *v = realloc(ks->vus, need * sizeof *v);
    if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    ks->vus = v;
    ks->vus_cap = need;
  }
  rd_kafka_vu_t *v = ks->vus;
  size_t n = 0;
  rd_kafka_topic_t *rkt = topic_handle(ks, topic);
  v[n++] = rkt ? (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_RKT, .u.rkt = rkt}
               : (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_TOPIC, .u.cstr = topic};
  v[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_PARTITION,
                           .u.i32 = partition < 0 ? RD_KAFKA_PARTITION_UA : partition};
  v[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_KEY, .u.mem = {(void *)key, key ? key_len : 0}};
  v[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_VALUE,
                           .u.mem = {(void *)value, value ? value_len : 0}};
  v[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_MSGFLAGS, .u.i = RD_KAFKA_MSG_F_COPY};
  /* librdkafka stamps "now" when the timestamp is 0, so 0 cannot be sent as such. */
  v[n++] =
      (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_TIMESTAMP, .u.i64 = timestamp > 0 ? timestamp : 0};
  v[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_OPAQUE, .u.ptr = opaque};
  for (size_t i = 0; i < nheaders; i++)
    v[n++] = (rd_kafka_vu_t){.vtype = RD_KAFKA_VTYPE_HEADER,
                             .u.header = {headers[i].key, headers[i].value,
                                          headers[i].value ? (ssize_t)headers[i].value_len : 0}};
  int64_t deadline = 0;
  for (;;) {
    rd_kafka_error_t *e = rd_kafka_produceva(ks->rk, v, n);
    if (!e) {
      ks->stats.sent++;
      return WY_OK;
    }
    rd_kafka_resp_err_t code = rd_kafka_error_code(e);
    if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      wy_status_t st = fatal_status(ks, err);
      if (st == WY_OK)
        st = wy_error_set(err, WY_ERR_KAFKA, "cannot send to %s: %s", topic,
                          rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      return st;
    }
    rd_kafka_error_destroy(e);
    /* Back-pressure: wait for acknowledgements to make room, but not forever. */
    int64_t now = wy_kafka_now_ms();
    if (!deadline) deadline = now + ks->queue_full_timeout_ms;
    if (now >= deadline)
      return wy_error_set(err, WY_ERR_TIMEOUT,
                          "cannot send to %s: the producer queue stayed full for %d ms", topic,
                          ks->queue_full_timeout_ms);
    rd_kafka_poll(ks->rk, 10);
  }
}

static void sink_poll(wy_sink_t *sink) { rd_kafka_poll(self(sink)->rk, 0); }

static wy_status_t sink_flush(wy_sink_t *sink, int timeout_ms, wy_error_t *err) {
  wy_kafka_sink_t *ks = self(sink);
  rd_kafka_resp_err_t e = rd_kafka_flush(ks->rk, timeout_ms);
  if (e == RD_KAFKA_RESP_ERR__TIMED_OUT)
    return wy_error_set(err, WY_ERR_TIMEOUT, "%d records still unacknowledged after %d ms",
                        rd_kafka_outq_len(ks->rk), timeout_ms);
  if (e) return wy_kafka_error_from(err, e, "cannot flush the producer");
  return fatal_status(ks, err);
}

static void sink_destroy(wy_sink_t *sink) { wy_kafka_sink_destroy(self(sink)); }

static const wy_sink_ops_t kafka_sink_ops = {
    .send = sink_send,
    .poll = sink_poll,
    .flush = sink_flush,
    .destroy = sink_destroy,
};

wy_sink_t *wy_kafka_sink_base(wy_kafka_sink_t *ks) { return &ks->base; }

wy_kafka_sink_t *wy_kafka_sink_from(wy_sink_t *sink) {
  return sink && sink->ops == &kafka_sink_ops ? self(sink) : NULL;
}

wy_kafka_sink_stats_t wy_kafka_sink_stats(const wy_kafka_sink_t *ks) { return ks->stats; }

size_t wy_kafka_sink_queued(wy_kafka_sink_t *ks) {
  int n = rd_kafka_outq_len(ks->rk);
  return n > 0 ? (size_t)n : 0;
}

size_t wy_kafka_sink_queue_capacity(const wy_kafka_sink_t *ks) { return ks->capacity; }

void *wy_kafka_sink_handle(wy_kafka_sink_t *ks) { return ks->rk; }

/* Idempotence, Java's partitioner; everything else is librdkafka's default. */
static const wy_kafka_prop_t producer_defaults[] = {
    {"enable.idempotence", "true"},
    {"partitioner", "murmur2_random"},
};

wy_status_t wy_kafka_sink_new(const wy_kafka_sink_config_t *cfg, wy_kafka_sink_t **out,
                              wy_error_t *err) {
  *out = NULL;
  if (!wy_kafka_config_lookup(cfg->props, cfg->nprops, WY_KAFKA_ROLE_PRODUCER, "bootstrap.servers"))
    return wy_error_set(err, WY_ERR_CONFIG, "bootstrap.servers is not set");
  wy_kafka_sink_t *ks = calloc(1, sizeof *ks);
  if (!ks) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  ks->base.ops = &kafka_sink_ops;
  ks->queue_full_timeout_ms = cfg->queue_full_timeout_ms > 0 ? cfg->queue_full_timeout_ms : 30000;
  ks->transactional = cfg->transactional_id && *cfg->transactional_id;

  void *vconf;
  wy_status_t st = wy_kafka_config_build(
      producer_defaults, sizeof producer_defaults / sizeof producer_defaults[0], cfg->props,
      cfg->nprops, WY_KAFKA_ROLE_PRODUCER, &vconf, err);
  if (st != WY_OK) goto fail;
  rd_kafka_conf_t *conf = vconf;
  char errstr[256];
  if (ks->transactional &&
      rd_kafka_conf_set(conf, "transactional.id", cfg->transactional_id, errstr, sizeof errstr)) {
    rd_kafka_conf_destroy(conf);
    st = wy_error_set(err, WY_ERR_CONFIG, "transactional id %s: %s", cfg->transactional_id, errstr);
    goto fail;
  }
  char cap[32];
  size_t caplen = sizeof cap;
  ks->capacity =
      rd_kafka_conf_get(conf, "queue.buffering.max.messages", cap, &caplen) == RD_KAFKA_CONF_OK
          ? (size_t)strtoull(cap, NULL, 10)
          : 100000;
  rd_kafka_conf_set_opaque(conf, ks);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  st = wy_kafka_client_new(RD_KAFKA_PRODUCER, conf, &ks->rk, err);
  if (st != WY_OK) goto fail;
  *out = ks;
  return WY_OK;
fail:
  wy_kafka_sink_destroy(ks);
  return st;
}

wy_status_t wy_kafka_sink_prepare_topic(wy_kafka_sink_t *ks, const char *topic, int timeout_ms,
                                        wy_error_t *err) {
  for (size_t i = 0; i < ks->nprepared; i++)
    if (strcmp(rd_kafka_topic_name(ks->prepared[i]), topic) == 0) return WY_OK;
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(ks->rk, topic, NULL);
  if (!rkt)
    return wy_error_set(err, WY_ERR_KAFKA, "cannot name topic %s: %s", topic,
                        rd_kafka_err2str(rd_kafka_last_error()));
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t e = rd_kafka_metadata(ks->rk, 0, rkt, &md, timeout_ms);
  if (md) rd_kafka_metadata_destroy(md);
  if (!keep_handle(ks, rkt)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (e)
    return wy_error_set(err, WY_ERR_KAFKA, "cannot read the metadata of topic %s: %s", topic,
                        rd_kafka_err2str(e));
  return WY_OK;
}

void wy_kafka_sink_destroy(wy_kafka_sink_t *ks) {
  if (!ks) return;
  if (ks->rk) {
    /* Fail what is left so that every sent record has had its one callback. */
    rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(ks->rk, 1000);
    for (size_t i = 0; i < ks->nprepared; i++) rd_kafka_topic_destroy(ks->prepared[i]);
    free(ks->prepared);
    rd_kafka_destroy(ks->rk);
  }
  free(ks->vus);
  free(ks);
}

/* ---- transactions ---------------------------------------------------------------- */

/* Classify and consume a transactional error. */
static wy_status_t txn_result(wy_kafka_sink_t *ks, rd_kafka_error_t *e, const char *doing,
                              wy_error_t *err) {
  if (!e) {
    ks->fault = WY_KAFKA_TXN_OK;
    return WY_OK;
  }
  ks->fault = rd_kafka_error_is_fatal(e)             ? WY_KAFKA_TXN_FATAL
              : rd_kafka_error_txn_requires_abort(e) ? WY_KAFKA_TXN_ABORTABLE
              : rd_kafka_error_is_retriable(e)       ? WY_KAFKA_TXN_RETRIABLE
                                                     : WY_KAFKA_TXN_FATAL;
  wy_status_t st =
      rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__TIMED_OUT ? WY_ERR_TIMEOUT : WY_ERR_KAFKA;
  wy_error_set(err, st, "cannot %s (%s): %s", doing, fault_names[ks->fault],
               rd_kafka_error_string(e));
  rd_kafka_error_destroy(e);
  return st;
}

static wy_status_t need_txn(wy_kafka_sink_t *ks, wy_error_t *err) {
  if (ks->transactional) return WY_OK;
  ks->fault = WY_KAFKA_TXN_FATAL;
  return wy_error_set(err, WY_ERR_INVALID, "the sink was created without a transactional id");
}

wy_status_t wy_kafka_sink_txn_init(wy_kafka_sink_t *ks, int timeout_ms, wy_error_t *err) {
  wy_status_t st = need_txn(ks, err);
  if (st != WY_OK) return st;
  return txn_result(ks, rd_kafka_init_transactions(ks->rk, timeout_ms), "initialise transactions",
                    err);
}

wy_status_t wy_kafka_sink_txn_begin(wy_kafka_sink_t *ks, wy_error_t *err) {
  wy_status_t st = need_txn(ks, err);
  if (st != WY_OK) return st;
  return txn_result(ks, rd_kafka_begin_transaction(ks->rk), "begin a transaction", err);
}

wy_status_t wy_kafka_sink_txn_send_offsets(wy_kafka_sink_t *ks, wy_kafka_source_t *src,
                                           const wy_position_t *pos, size_t npos, int timeout_ms,
                                           wy_error_t *err) {
  wy_status_t st = need_txn(ks, err);
  if (st != WY_OK) return st;
  rd_kafka_consumer_group_metadata_t *meta =
      rd_kafka_consumer_group_metadata(wy_kafka_source_handle(src));
  if (!meta) return wy_error_set(err, WY_ERR_INVALID, "the source has no consumer group");
  rd_kafka_topic_partition_list_t *l = wy_kafka_tpl_from(pos, npos);
  if (!l) {
    rd_kafka_consumer_group_metadata_destroy(meta);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  rd_kafka_error_t *e = rd_kafka_send_offsets_to_transaction(ks->rk, l, meta, timeout_ms);
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_consumer_group_metadata_destroy(meta);
  return txn_result(ks, e, "send offsets to the transaction", err);
}

wy_status_t wy_kafka_sink_txn_commit(wy_kafka_sink_t *ks, int timeout_ms, wy_error_t *err) {
  wy_status_t st = need_txn(ks, err);
  if (st != WY_OK) return st;
  st = txn_result(ks, rd_kafka_commit_transaction(ks->rk, timeout_ms), "commit the transaction",
                  err);
  rd_kafka_poll(ks->rk, 0); /* serve the delivery callbacks of the committed records */
  return st;
}

wy_status_t wy_kafka_sink_txn_abort(wy_kafka_sink_t *ks, int timeout_ms, wy_error_t *err) {
  wy_status_t st = need_txn(ks, err);
  if (st != WY_OK) return st;
  st = txn_result(ks, rd_kafka_abort_transaction(ks->rk, timeout_ms), "abort the transaction", err);
  rd_kafka_poll(ks->rk, 0);
  return st;
}

wy_kafka_txn_fault_t wy_kafka_sink_txn_fault(const wy_kafka_sink_t *ks) { return ks->fault; }
