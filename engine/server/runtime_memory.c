/* runtime_memory.c — the node runtime over the engine's memory broker: each query reads
 * its source topics' partitions from its own positions, record by record, with
 * ksqlDB's record-at-a-time semantics (deliver, then drain the repartition topics). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/runtime/driver.h"
#include "engine/server/node.h"

/* Records delivered per poll, so that requests get the node's lock between batches. */
#define MEMORY_POLL_BUDGET 1000

/* One query as this runtime drives it: a source over its source topics' partitions
 * (positions kept by the source), the internal topics drained after every record. */
typedef struct mem_query {
  char *id;
  wy_query_t *q;
  wy_source_t *src, *internal;
  wy_driver_t *driver;
  bool seen;
} mem_query_t;

typedef struct mem_rt {
  mem_query_t *queries;
  size_t nqueries;
} mem_rt_t;

static void mem_query_free(mem_query_t *q) {
  wy_driver_destroy(q->driver);
  wy_source_destroy(q->internal);
  wy_source_destroy(q->src);
  free(q->id);
}

static int64_t end_offset(wy_memory_broker_t *b, const char *topic, int32_t part) {
  int64_t end = 0;
  wy_error_t err;
  if (wy_memory_broker_end_offset(b, topic, part, &end, &err) != WY_OK) return 0;
  return end;
}

static mem_query_t *mem_find(mem_rt_t *rt, const wy_query_t *q) {
  for (size_t i = 0; i < rt->nqueries; i++)
    if (rt->queries[i].q == q && strcmp(rt->queries[i].id, wy_query_plan(q)->id) == 0)
      return &rt->queries[i];
  return NULL;
}

/* A query seen for the first time: its source over every partition of its source topics,
 * from the start or the current end. */
static mem_query_t *mem_add(mem_rt_t *rt, wy_memory_broker_t *b, wy_query_t *q, bool earliest) {
  const wy_plan_t *plan = wy_query_plan(q);
  for (size_t i = 0; i < rt->nqueries; i++) {
    /* CREATE OR REPLACE keeps the query id: the upgraded query goes on from where the
     * one it replaces stopped, as a consumer group's committed offsets make it on Kafka */
    mem_query_t *old = &rt->queries[i];
    if (old->q == q || strcmp(old->id, plan->id) != 0) continue;
    wy_error_t err;
    wy_driver_destroy(old->driver);
    wy_source_destroy(old->internal);
    old->driver = NULL;
    old->internal = NULL;
    old->q = q;
    wy_driver_options_t o = {.query = q, .source = old->src};
    if (wy_driver_memory_internal(b, plan, &old->internal, &err) != WY_OK) return NULL;
    o.internal = old->internal;
    if (wy_driver_new(&o, &old->driver, &err) != WY_OK) return NULL;
    return old;
  }
  mem_query_t *grown = realloc(rt->queries, (rt->nqueries + 1) * sizeof *grown);
  if (!grown) return NULL;
  rt->queries = grown;
  mem_query_t *mq = &rt->queries[rt->nqueries];
  memset(mq, 0, sizeof *mq);
  const wy_plan_t *p = wy_query_plan(q);
  wy_error_t err;
  mq->q = q;
  wy_status_t st =
      (mq->id = strdup(p->id)) ? wy_memory_source_new(b, NULL, &mq->src, &err) : WY_ERR_NOMEM;
  for (size_t s = 0; st == WY_OK && s < p->nsource_topics; s++) {
    int32_t np = wy_memory_broker_partitions(b, p->source_topics[s]);
    for (int32_t part = 0; st == WY_OK && part < np; part++)
      st = wy_source_seek(mq->src, p->source_topics[s], part,
                          earliest ? WY_OFFSET_BEGINNING : WY_OFFSET_END, &err);
  }
  if (st == WY_OK) st = wy_driver_memory_internal(b, p, &mq->internal, &err);
  wy_driver_options_t o = {.query = q, .source = mq->src, .internal = mq->internal};
  if (st == WY_OK) st = wy_driver_new(&o, &mq->driver, &err);
  if (st != WY_OK) {
    mem_query_free(mq);
    return NULL;
  }
  rt->nqueries++;
  return mq;
}

static size_t mem_poll(void *ctx, wy_engine_t *e, const wy_node_hooks_t *h, int timeout_ms) {
  mem_rt_t *rt = ctx;
  wy_memory_broker_t *b = wy_engine_broker(e);
  if (!b) return 0;
  for (size_t i = 0; i < rt->nqueries; i++) rt->queries[i].seen = false;
  size_t delivered = 0;
  for (size_t qi = 0; qi < wy_engine_query_count(e); qi++) {
    wy_query_t *q = wy_engine_query_at(e, qi);
    const char *id = wy_query_plan(q)->id;
    mem_query_t *mq = mem_find(rt, q);
    if (!mq) mq = mem_add(rt, b, q, h->from_earliest(h->user, id));
    if (!mq) continue;
    mq->seen = true;
    if (delivered >= MEMORY_POLL_BUDGET || !h->runs(h->user, id)) continue;
    const wy_query_counters_t *c = wy_query_counters(q);
    uint64_t out0 = wy_counter_load(&c->out), logged0 = wy_counter_load(&c->logged);
    uint64_t nanos0 = wy_driver_stats(mq->driver).nanos;
    size_t n = 0;
    wy_error_t err;
    wy_status_t st = wy_driver_poll(mq->driver, MEMORY_POLL_BUDGET - delivered, 0, &n, &err);
    if (n)
      h->processed(h->user, id, n, wy_counter_load(&c->out) - out0,
                   wy_counter_load(&c->logged) - logged0,
                   wy_driver_stats(mq->driver).nanos - nanos0);
    /* the record stays unconsumed: RESUME retries it */
    if (st != WY_OK) h->failed(h->user, id, &err);
    delivered += n;
  }
  size_t w = 0;
  for (size_t i = 0; i < rt->nqueries; i++) {
    if (rt->queries[i].seen)
      rt->queries[w++] = rt->queries[i];
    else
      mem_query_free(&rt->queries[i]);
  }
  rt->nqueries = w;
  (void)timeout_ms; /* the memory broker has no waiting poll: the node's pump paces us */
  return delivered;
}

static void mem_started(void *ctx, wy_engine_t *e, wy_query_t *q, bool earliest) {
  mem_rt_t *rt = ctx;
  wy_memory_broker_t *b = wy_engine_broker(e);
  if (b && !mem_find(rt, q)) mem_add(rt, b, q, earliest);
}

static void mem_lag(void *ctx, wy_engine_t *e, wy_node_lag_fn emit, void *u) {
  mem_rt_t *rt = ctx;
  wy_memory_broker_t *b = wy_engine_broker(e);
  if (!b) return;
  /* the engine's queries only: a terminated one's entry goes at the next poll */
  for (size_t qi = 0; qi < wy_engine_query_count(e); qi++) {
    const mem_query_t *mq = mem_find(rt, wy_engine_query_at(e, qi));
    if (!mq) continue;
    const wy_plan_t *p = wy_query_plan(mq->q);
    for (size_t s = 0; s < p->nsource_topics; s++) {
      int32_t np = wy_memory_broker_partitions(b, p->source_topics[s]);
      for (int32_t part = 0; part < np; part++) {
        int64_t at = wy_memory_source_position(mq->src, p->source_topics[s], part);
        if (at >= 0)
          emit(u, mq->id, p->source_topics[s], part, end_offset(b, p->source_topics[s], part) - at);
      }
    }
  }
}

static wy_status_t mem_command_append(void *ctx, wy_engine_t *e, const char *topic, const char *rec,
                                      size_t len, int64_t *offset, wy_error_t *err) {
  wy_memory_broker_t *b = wy_engine_broker(e);
  /* one partition: the command log is totally ordered, as ksqlDB's */
  if (wy_memory_broker_partitions(b, topic) < 0 &&
      wy_memory_broker_create_topic(b, topic, 1, err) != WY_OK)
    return err->code;
  return wy_memory_broker_produce(b, topic, 0, NULL, 0, rec, len, NULL, 0, 0, NULL, offset, err);
}

static char *mem_command_read(void *ctx, wy_engine_t *e, const char *topic, int64_t offset,
                              size_t *len) {
  wy_memory_broker_t *b = wy_engine_broker(e);
  wy_record_t rec;
  wy_error_t err;
  if (wy_memory_broker_partitions(b, topic) < 1 || offset >= end_offset(b, topic, 0) ||
      wy_memory_broker_read(b, topic, 0, offset, &rec, &err) != WY_OK)
    return NULL;
  char *copy = malloc(rec.value_len + 1);
  if (!copy) return NULL;
  if (rec.value_len) memcpy(copy, rec.value, rec.value_len);
  copy[rec.value_len] = '\0';
  *len = rec.value_len;
  return copy;
}

static void mem_destroy(void *ctx) {
  mem_rt_t *rt = ctx;
  if (!rt) return;
  for (size_t i = 0; i < rt->nqueries; i++) mem_query_free(&rt->queries[i]);
  free(rt->queries);
  free(rt);
}

/* A memory source over every partition of the topics (no group: nothing committed). */
static wy_status_t mem_open_reader(void *ctx, wy_engine_t *e, const char *const *topics,
                                   size_t ntopics, bool earliest, wy_source_t **out,
                                   wy_position_t **ends, size_t *nends, wy_error_t *err) {
  (void)ctx;
  wy_memory_broker_t *b = wy_engine_broker(e);
  *out = NULL;
  *ends = NULL;
  *nends = 0;
  size_t cap = 0;
  for (size_t i = 0; i < ntopics; i++)
    cap += (size_t)(wy_memory_broker_partitions(b, topics[i]) > 0
                        ? wy_memory_broker_partitions(b, topics[i])
                        : 0);
  wy_position_t *v = calloc(cap ? cap : 1, sizeof *v);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = wy_memory_source_new(b, NULL, out, err);
  for (size_t i = 0; st == WY_OK && i < ntopics; i++)
    for (int32_t p = 0; st == WY_OK && p < wy_memory_broker_partitions(b, topics[i]); p++) {
      int64_t end = end_offset(b, topics[i], p);
      v[(*nends)++] = (wy_position_t){topics[i], p, end};
      st = earliest ? wy_memory_source_assign(*out, topics[i], p, err)
                    : wy_source_seek(*out, topics[i], p, end, err);
    }
  if (st != WY_OK) {
    if (*out) wy_source_destroy(*out);
    *out = NULL;
    free(v);
    *nends = 0;
    return st;
  }
  *ends = v;
  return WY_OK;
}

static const wy_node_runtime_ops_t memory_ops = {"memory",
                                                 mem_poll,
                                                 mem_started,
                                                 mem_lag,
                                                 NULL /* the engine's state dir */,
                                                 mem_open_reader,
                                                 NULL /* healthy */,
                                                 mem_command_append,
                                                 mem_command_read,
                                                 mem_destroy};

wy_status_t wy_node_memory_runtime(wy_engine_t *e, wy_node_runtime_t *out, wy_error_t *err) {
  if (!wy_engine_broker(e))
    return wy_error_set(err, WY_ERR_INVALID,
                        "the memory runtime needs an engine on a memory broker");
  mem_rt_t *rt = calloc(1, sizeof *rt);
  if (!rt) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  out->ops = &memory_ops;
  out->ctx = rt;
  return WY_OK;
}
