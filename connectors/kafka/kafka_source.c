#include "connectors/kafka/kafka_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connectors/kafka/kafka_int.h"
#include "engine/base/arena.h"
#include "engine/base/log.h"

struct wy_kafka_source {
  wy_source_t base;
  rd_kafka_t *rk;
  rd_kafka_queue_t *queue; /* the consumer queue: records, rebalances and errors */
  bool group_mode;
  bool has_group; /* the caller named a group: commits mean something */
  wy_kafka_rebalance_cb on_rebalance;
  void *opaque;
  /* Messages handed out by the last poll: the records point into them, so they live
   * until the next poll. Headers of those records live in the arena. */
  rd_kafka_message_t **held;
  size_t nheld, held_cap;
  /* Messages consumed but not handed out (a poll that failed part-way): the next poll
   * takes them first, so that no record is skipped. */
  rd_kafka_message_t **carry;
  size_t ncarry;
  wy_arena_t arena;
  /* An error met after some records were already gathered, reported next poll. */
  wy_error_t pending;
  /* Partitions were revoked during the current poll (see drop_unowned). */
  bool revoked_in_poll;
};

static const char *const kind_names[] = {
#define WY_X_KIND(code, name) name,
    WY_KAFKA_REBALANCE_KINDS(WY_X_KIND)
#undef WY_X_KIND
};

const char *wy_kafka_rebalance_name(wy_kafka_rebalance_t kind) {
  return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

static void release_held(wy_kafka_source_t *ks) {
  for (size_t i = 0; i < ks->nheld; i++) rd_kafka_message_destroy(ks->held[i]);
  ks->nheld = 0;
  wy_arena_reset(&ks->arena);
}

static void notify(wy_kafka_source_t *ks, wy_kafka_rebalance_t kind,
                   const rd_kafka_topic_partition_list_t *parts) {
  wy_log(WY_LOG_INFO, "kafka", "rebalance %s partitions=%d client=%s", kind_names[kind], parts->cnt,
         rd_kafka_name(ks->rk));
  if (!ks->on_rebalance || parts->cnt == 0) return;
  wy_position_t *pos = calloc((size_t)parts->cnt, sizeof *pos);
  if (!pos) {
    wy_log(WY_LOG_ERROR, "kafka", "out of memory reporting a rebalance");
    return;
  }
  for (int i = 0; i < parts->cnt; i++)
    pos[i] =
        (wy_position_t){parts->elems[i].topic, parts->elems[i].partition, WY_KAFKA_OFFSET_UNKNOWN};
  ks->on_rebalance(ks->opaque, kind, pos, (size_t)parts->cnt);
  free(pos);
}

static void log_assign_error(rd_kafka_error_t *e, rd_kafka_resp_err_t code, const char *what) {
  if (e) {
    wy_log(WY_LOG_ERROR, "kafka", "%s failed: %s", what, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  } else if (code) {
    wy_log(WY_LOG_ERROR, "kafka", "%s failed: %s", what, rd_kafka_err2str(code));
  }
}

/* Runs on the polling thread. Assignments are applied before the runtime hears of them
 * (so it may seek), revocations after (so it may still commit). */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t code,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
  wy_kafka_source_t *ks = opaque;
  const char *protocol = rd_kafka_rebalance_protocol(rk); /* NULL once out of the group */
  bool cooperative = protocol && strcmp(protocol, "COOPERATIVE") == 0;
  if (code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative)
      log_assign_error(rd_kafka_incremental_assign(rk, parts), 0, "incremental assign");
    else
      log_assign_error(NULL, rd_kafka_assign(rk, parts), "assign");
    notify(ks, WY_KAFKA_ASSIGNED, parts);
    return;
  }
  ks->revoked_in_poll = true;
  if (code == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
    notify(ks, rd_kafka_assignment_lost(rk) ? WY_KAFKA_LOST : WY_KAFKA_REVOKED, parts);
  else
    wy_log(WY_LOG_ERROR, "kafka", "rebalance failed: %s", rd_kafka_err2str(code));
  if (cooperative)
    log_assign_error(rd_kafka_incremental_unassign(rk, parts), 0, "incremental unassign");
  else
    log_assign_error(NULL, rd_kafka_assign(rk, NULL), "unassign");
}

static wy_kafka_source_t *self(wy_source_t *src) { return (wy_kafka_source_t *)src; }

static wy_status_t fill_headers(wy_kafka_source_t *ks, rd_kafka_message_t *m, wy_record_t *r,
                                wy_error_t *err) {
  rd_kafka_headers_t *hdrs;
  r->headers = NULL;
  r->nheaders = 0;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return WY_OK;
  size_t n = rd_kafka_header_cnt(hdrs);
  wy_header_t *h = wy_arena_alloc(&ks->arena, n * sizeof *h);
  if (!h && n) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const void *val;
    size_t size;
    rd_kafka_header_get_all(hdrs, i, &h[i].key, &val, &size);
    h[i].value = val;
    h[i].value_len = val ? size : 0;
  }
  r->headers = h;
  r->nheaders = n;
  return WY_OK;
}

/* Non-record events from the consumer. Returns WY_OK for those librdkafka recovers
 * from by itself. */
static wy_status_t consumer_event(wy_kafka_source_t *ks, const rd_kafka_message_t *m,
                                  wy_error_t *err) {
  const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "?";
  switch (m->err) {
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      return WY_OK;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return wy_error_set(err, WY_ERR_NOT_FOUND, WY_KAFKA_NO_TOPIC_FMT, topic);
    default:
      break;
  }
  char reason[512];
  if (m->err == RD_KAFKA_RESP_ERR__FATAL || rd_kafka_fatal_error(ks->rk, reason, sizeof reason))
    return wy_error_set(err, WY_ERR_KAFKA, "fatal consumer error: %s",
                        m->err == RD_KAFKA_RESP_ERR__FATAL ? rd_kafka_message_errstr(m) : reason);
  wy_log(WY_LOG_WARN, "kafka", "consumer error: %s topic=%s partition=%d",
         rd_kafka_message_errstr(m), topic, (int)m->partition);
  return WY_OK;
}

/* A rebalance inside a poll may revoke partitions whose records this poll already
 * gathered. The runtime has closed their tasks by then, and the new owner reads them
 * again from the last commit, so they are dropped here rather than handed out. */
static void drop_unowned(wy_kafka_source_t *ks, wy_record_t *out, size_t *n) {
  rd_kafka_topic_partition_list_t *mine = NULL;
  if (rd_kafka_assignment(ks->rk, &mine) != RD_KAFKA_RESP_ERR_NO_ERROR || !mine) return;
  size_t kept = 0;
  for (size_t i = 0; i < *n; i++) {
    if (!rd_kafka_topic_partition_list_find(mine, out[i].topic, out[i].partition)) continue;
    out[kept] = out[i];
    /* held[] and out[] are filled in step, so they compact in step. */
    rd_kafka_message_t *m = ks->held[kept];
    ks->held[kept] = ks->held[i];
    ks->held[i] = m;
    kept++;
  }
  for (size_t i = kept; i < *n; i++) rd_kafka_message_destroy(ks->held[i]);
  ks->nheld = kept;
  *n = kept;
  rd_kafka_topic_partition_list_destroy(mine);
}

/* One record of the consumer queue into out[*n] (held until the next poll), or a
 * non-record event: those librdkafka recovers from are dropped, the first other one is
 * kept in ks->pending. Takes m, unless it fails (out of memory). */
static wy_status_t take_message(wy_kafka_source_t *ks, rd_kafka_message_t *m, wy_record_t *out,
                                size_t *n, wy_error_t *err) {
  if (m->err) {
    wy_error_t e;
    wy_error_clear(&e);
    wy_status_t st = consumer_event(ks, m, &e);
    rd_kafka_message_destroy(m);
    if (st == WY_OK) return WY_OK;
    if (ks->pending.code == WY_OK)
      ks->pending = e;
    else
      wy_log(WY_LOG_WARN, "kafka", "consumer error: %s", e.msg);
    return WY_OK;
  }
  wy_record_t *r = &out[*n];
  wy_status_t st = fill_headers(ks, m, r, err);
  if (st != WY_OK) return st; /* m is not taken */
  ks->held[ks->nheld++] = m;
  r->topic = rd_kafka_topic_name(m->rkt);
  r->partition = m->partition;
  r->offset = m->offset;
  r->timestamp = rd_kafka_message_timestamp(m, NULL);
  r->key = m->key;
  r->key_len = m->key ? m->key_len : 0;
  r->value = m->payload;
  r->value_len = m->payload ? m->len : 0;
  (*n)++;
  return WY_OK;
}

/* Records come from the consumer queue a batch at a time (rd_kafka_consume_batch_queue:
 * one app-poll bookkeeping and no clock reads per record, where rd_kafka_consumer_poll
 * paid both per record). The batch call waits until its batch is full or the timeout
 * passes, so the wait is for one record only and the rest is taken without waiting.
 * Rebalance callbacks run inside these calls, on this thread; librdkafka drops from a
 * batch the records of partitions revoked during it (version barriers), and
 * drop_unowned covers the records of earlier calls of this poll. */
static wy_status_t src_poll(wy_source_t *src, wy_record_t *out, size_t max, size_t *n,
                            int timeout_ms, wy_error_t *err) {
  wy_kafka_source_t *ks = self(src);
  *n = 0;
  release_held(ks);
  if (ks->pending.code != WY_OK) {
    wy_status_t st = wy_error_set(err, ks->pending.code, "%s", ks->pending.msg);
    wy_error_clear(&ks->pending);
    return st;
  }
  if (max > ks->held_cap) {
    rd_kafka_message_t **h = realloc(ks->held, max * sizeof *h);
    if (!h) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    ks->held = h;
    ks->held_cap = max;
  }
  if (max == 0) return WY_OK;
  ks->revoked_in_poll = false;
  /* The batch is read into held[] itself: take_message stores the i-th message at
   * held[nheld] with nheld <= i, so no message is overwritten before it is taken. */
  rd_kafka_message_t **batch = ks->held;
  ssize_t got;
  if (ks->ncarry) {
    /* left from a failed poll; partitions may have been revoked since */
    got = (ssize_t)(ks->ncarry < max ? ks->ncarry : max);
    memcpy(batch, ks->carry, (size_t)got * sizeof *batch);
    memmove(ks->carry, ks->carry + got, (ks->ncarry - (size_t)got) * sizeof *batch);
    ks->ncarry -= (size_t)got;
    ks->revoked_in_poll = true;
  } else {
    got = rd_kafka_consume_batch_queue(ks->queue, 0, batch, max);
  }
  if (got == 0 && timeout_ms > 0) {
    got = rd_kafka_consume_batch_queue(ks->queue, timeout_ms, batch, 1);
    if (got == 1 && max > 1) {
      ssize_t more = rd_kafka_consume_batch_queue(ks->queue, 0, batch + 1, max - 1);
      if (more > 0) got += more;
    }
  }
  if (got < 0) return wy_kafka_error_from(err, rd_kafka_last_error(), "cannot consume");
  for (ssize_t i = 0; i < got; i++) {
    if (take_message(ks, batch[i], out, n, err) == WY_OK) continue;
    /* Out of memory: the records not taken wait for the next poll, which retries them
     * first; the records taken are handed out, the error is reported when none is. */
    size_t left = (size_t)(got - i);
    rd_kafka_message_t **c = realloc(ks->carry, (ks->ncarry + left) * sizeof *c);
    if (!c) {
      for (ssize_t k = i; k < got; k++) rd_kafka_message_destroy(batch[k]);
      wy_log(WY_LOG_ERROR, "kafka", "out of memory: %zu consumed records dropped client=%s", left,
             rd_kafka_name(ks->rk));
    } else {
      memmove(c + left, c, ks->ncarry * sizeof *c);
      memcpy(c, batch + i, left * sizeof *c);
      ks->carry = c;
      ks->ncarry += left;
    }
    if (*n == 0) return err->code;
    break;
  }
  if (ks->revoked_in_poll && *n > 0) drop_unowned(ks, out, n);
  if (*n == 0 && ks->pending.code != WY_OK) {
    wy_status_t st = wy_error_set(err, ks->pending.code, "%s", ks->pending.msg);
    wy_error_clear(&ks->pending);
    return st;
  }
  return WY_OK;
}

static wy_status_t src_commit(wy_source_t *src, const wy_position_t *pos, size_t npos,
                              wy_error_t *err) {
  wy_kafka_source_t *ks = self(src);
  if (!ks->has_group)
    return wy_error_set(err, WY_ERR_INVALID, "a Kafka source without a group id cannot commit");
  if (npos == 0) return WY_OK;
  rd_kafka_topic_partition_list_t *l = wy_kafka_tpl_from(pos, npos);
  if (!l) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rd_kafka_resp_err_t e = rd_kafka_commit(ks->rk, l, 0 /* synchronous */);
  const rd_kafka_topic_partition_t *which = NULL;
  if (!e) e = wy_kafka_tpl_first_error(l, &which);
  wy_status_t st = WY_OK;
  if (e && which)
    st = wy_error_set(err, WY_ERR_KAFKA, "cannot commit offset %lld of %s[%d]: %s",
                      (long long)which->offset, which->topic, (int)which->partition,
                      rd_kafka_err2str(e));
  else if (e)
    st = wy_kafka_error_from(err, e, "cannot commit offsets");
  rd_kafka_topic_partition_list_destroy(l);
  return st;
}

static wy_status_t src_seek(wy_source_t *src, const char *topic, int32_t partition, int64_t offset,
                            wy_error_t *err) {
  wy_kafka_source_t *ks = self(src);
  wy_position_t p = {topic, partition, offset};
  rd_kafka_topic_partition_list_t *l = wy_kafka_tpl_from(&p, 1);
  if (!l) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rd_kafka_error_t *e = rd_kafka_seek_partitions(ks->rk, l, 10000);
  wy_status_t st = WY_OK;
  if (e) {
    st = wy_error_set(err, WY_ERR_KAFKA, "cannot seek %s[%d] to %lld: %s", topic, (int)partition,
                      (long long)offset, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  } else if (l->elems[0].err) {
    st = wy_error_set(err, WY_ERR_KAFKA, "cannot seek %s[%d] to %lld: %s", topic, (int)partition,
                      (long long)offset, rd_kafka_err2str(l->elems[0].err));
  }
  rd_kafka_topic_partition_list_destroy(l);
  return st;
}

typedef rd_kafka_resp_err_t (*flow_fn)(rd_kafka_t *, rd_kafka_topic_partition_list_t *);

/* librdkafka accepts pausing a partition it does not consume and does nothing; that is
 * a bug in the caller, so say so. */
static wy_status_t check_assigned(wy_kafka_source_t *ks, const char *what,
                                  const wy_position_t *parts, size_t nparts, wy_error_t *err) {
  rd_kafka_topic_partition_list_t *mine = NULL;
  rd_kafka_resp_err_t e = rd_kafka_assignment(ks->rk, &mine);
  if (e) return wy_kafka_error_from(err, e, "cannot read the assignment");
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < nparts && st == WY_OK; i++)
    if (!rd_kafka_topic_partition_list_find(mine, parts[i].topic, parts[i].partition))
      st = wy_error_set(err, WY_ERR_INVALID, "cannot %s %s[%d]: not assigned to this consumer",
                        what, parts[i].topic, (int)parts[i].partition);
  rd_kafka_topic_partition_list_destroy(mine);
  return st;
}

static wy_status_t flow(wy_kafka_source_t *ks, flow_fn fn, const char *what,
                        const wy_position_t *parts, size_t nparts, wy_error_t *err) {
  if (nparts == 0) return WY_OK;
  wy_status_t st = check_assigned(ks, what, parts, nparts, err);
  if (st != WY_OK) return st;
  rd_kafka_topic_partition_list_t *l = wy_kafka_tpl_from(parts, nparts);
  if (!l) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rd_kafka_resp_err_t e = fn(ks->rk, l);
  const rd_kafka_topic_partition_t *which = NULL;
  if (!e) e = wy_kafka_tpl_first_error(l, &which);
  if (e && which)
    st = wy_error_set(err, WY_ERR_KAFKA, "cannot %s %s[%d]: %s", what, which->topic,
                      (int)which->partition, rd_kafka_err2str(e));
  else if (e)
    st = wy_kafka_error_from(err, e, what);
  rd_kafka_topic_partition_list_destroy(l);
  return st;
}

wy_status_t wy_kafka_source_pause(wy_kafka_source_t *ks, const wy_position_t *parts, size_t nparts,
                                  wy_error_t *err) {
  return flow(ks, rd_kafka_pause_partitions, "pause", parts, nparts, err);
}

wy_status_t wy_kafka_source_resume(wy_kafka_source_t *ks, const wy_position_t *parts, size_t nparts,
                                   wy_error_t *err) {
  return flow(ks, rd_kafka_resume_partitions, "resume", parts, nparts, err);
}

static wy_status_t src_pause(wy_source_t *src, const wy_position_t *parts, size_t nparts,
                             wy_error_t *err) {
  return wy_kafka_source_pause(self(src), parts, nparts, err);
}

static wy_status_t src_resume(wy_source_t *src, const wy_position_t *parts, size_t nparts,
                              wy_error_t *err) {
  return wy_kafka_source_resume(self(src), parts, nparts, err);
}

static void src_destroy(wy_source_t *src) { wy_kafka_source_destroy(self(src)); }

static const wy_source_ops_t kafka_source_ops = {
    .poll = src_poll,
    .commit = src_commit,
    .seek = src_seek,
    .destroy = src_destroy,
    .pause = src_pause,
    .resume = src_resume,
};

wy_source_t *wy_kafka_source_base(wy_kafka_source_t *ks) { return &ks->base; }

wy_kafka_source_t *wy_kafka_source_from(wy_source_t *src) {
  return src && src->ops == &kafka_source_ops ? self(src) : NULL;
}

void *wy_kafka_source_handle(wy_kafka_source_t *ks) { return ks->rk; }

wy_status_t wy_kafka_source_committed(wy_kafka_source_t *ks, wy_position_t *parts, size_t nparts,
                                      int timeout_ms, wy_error_t *err) {
  rd_kafka_topic_partition_list_t *l = wy_kafka_tpl_from(parts, nparts);
  if (!l) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rd_kafka_resp_err_t e = rd_kafka_committed(ks->rk, l, timeout_ms);
  if (e) {
    rd_kafka_topic_partition_list_destroy(l);
    return wy_kafka_error_from(err, e, "cannot read committed offsets");
  }
  for (size_t i = 0; i < nparts; i++)
    parts[i].offset = l->elems[i].offset >= 0 ? l->elems[i].offset : WY_KAFKA_OFFSET_UNKNOWN;
  rd_kafka_topic_partition_list_destroy(l);
  return WY_OK;
}

size_t wy_kafka_source_assignment_count(wy_kafka_source_t *ks) {
  rd_kafka_topic_partition_list_t *l = NULL;
  if (rd_kafka_assignment(ks->rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR || !l) return 0;
  size_t n = (size_t)l->cnt;
  rd_kafka_topic_partition_list_destroy(l);
  return n;
}

/* The connector's consumer defaults: nothing is committed or stored behind the
 * runtime's back, and partitions move one by one on rebalance. The prefetch limits are
 * raised because librdkafka 2.0 stops fetching for a fixed second once its queue passes
 * either of them: with the defaults (100,000 records, 64 MB) a consumer catching up on a
 * backlog idled about 0.7 s of every second (measured on the embedded broker). */
static const wy_kafka_prop_t consumer_defaults[] = {
    {"queued.min.messages", "500000"}, {"queued.max.messages.kbytes", "131072"},
    {"enable.auto.commit", "false"},   {"enable.auto.offset.store", "false"},
    {"enable.partition.eof", "false"}, {"partition.assignment.strategy", "cooperative-sticky"},
    {"auto.offset.reset", "latest"},
};

static wy_status_t start_consuming(wy_kafka_source_t *ks, const wy_kafka_source_config_t *cfg,
                                   wy_error_t *err) {
  if (ks->group_mode) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)cfg->ntopics);
    if (!l) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < cfg->ntopics; i++)
      rd_kafka_topic_partition_list_add(l, cfg->topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(ks->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return e ? wy_kafka_error_from(err, e, "cannot subscribe") : WY_OK;
  }
  rd_kafka_topic_partition_list_t *l = wy_kafka_tpl_from(cfg->assignment, cfg->nassignment);
  if (!l) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rd_kafka_resp_err_t e = rd_kafka_assign(ks->rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  return e ? wy_kafka_error_from(err, e, "cannot assign partitions") : WY_OK;
}

wy_status_t wy_kafka_source_new(const wy_kafka_source_config_t *cfg, wy_kafka_source_t **out,
                                wy_error_t *err) {
  *out = NULL;
  bool group_mode = cfg->ntopics > 0;
  if (group_mode == (cfg->nassignment > 0))
    return wy_error_set(err, WY_ERR_INVALID,
                        "a Kafka source needs either topics to subscribe to or an assignment");
  if (group_mode && (!cfg->group_id || !*cfg->group_id))
    return wy_error_set(err, WY_ERR_INVALID,
                        "a Kafka source subscribing to topics needs a group id");
  if (!wy_kafka_config_lookup(cfg->props, cfg->nprops, WY_KAFKA_ROLE_CONSUMER, "bootstrap.servers"))
    return wy_error_set(err, WY_ERR_CONFIG, "bootstrap.servers is not set");

  wy_kafka_source_t *ks = calloc(1, sizeof *ks);
  if (!ks) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  ks->base.ops = &kafka_source_ops;
  ks->group_mode = group_mode;
  ks->on_rebalance = cfg->on_rebalance;
  ks->opaque = cfg->opaque;
  wy_arena_init(&ks->arena, 0);

  void *vconf;
  wy_status_t st = wy_kafka_config_build(
      consumer_defaults, sizeof consumer_defaults / sizeof consumer_defaults[0], cfg->props,
      cfg->nprops, WY_KAFKA_ROLE_CONSUMER, &vconf, err);
  if (st != WY_OK) goto fail;
  rd_kafka_conf_t *conf = vconf;
  /* librdkafka assigns partitions only to a consumer with a group, even one that never
   * joins it; a manual source without a group gets a private name nobody commits to. */
  ks->has_group = cfg->group_id && *cfg->group_id;
  char private_group[64];
  snprintf(private_group, sizeof private_group, "walleye-assign-%ld-%p", (long)getpid(),
           (void *)ks);
  char errstr[256];
  const char *group = ks->has_group ? cfg->group_id : private_group;
  if (rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr)) {
    rd_kafka_conf_destroy(conf);
    st = wy_error_set(err, WY_ERR_CONFIG, "group id %s: %s", group, errstr);
    goto fail;
  }
  rd_kafka_conf_set_opaque(conf, ks);
  if (group_mode) rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  st = wy_kafka_client_new(RD_KAFKA_CONSUMER, conf, &ks->rk, err);
  if (st != WY_OK) goto fail;
  /* One queue for records, rebalances and errors, all served by wy_source_poll. */
  rd_kafka_poll_set_consumer(ks->rk);
  ks->queue = rd_kafka_queue_get_consumer(ks->rk);
  if (!ks->queue) {
    st = wy_error_set(err, WY_ERR_KAFKA, "the consumer has no queue");
    goto fail;
  }
  st = start_consuming(ks, cfg, err);
  if (st != WY_OK) goto fail;
  *out = ks;
  return WY_OK;
fail:
  wy_kafka_source_destroy(ks);
  return st;
}

void wy_kafka_source_destroy(wy_kafka_source_t *ks) {
  if (!ks) return;
  release_held(ks);
  for (size_t i = 0; i < ks->ncarry; i++) rd_kafka_message_destroy(ks->carry[i]);
  free(ks->carry);
  if (ks->queue) rd_kafka_queue_destroy(ks->queue);
  if (ks->rk) {
    rd_kafka_consumer_close(ks->rk);
    rd_kafka_destroy(ks->rk);
  }
  free(ks->held);
  wy_arena_release(&ks->arena);
  free(ks);
}
