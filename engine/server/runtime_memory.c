/* runtime_memory.c — the node runtime over the engine's memory broker: each query reads
 * its source topics' partitions from its own positions, record by record, with
 * ksqlDB's record-at-a-time semantics (deliver, then drain the repartition topics). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/server/node.h"

/* Records delivered per poll, so that requests get the node's lock between batches. */
#define MEMORY_POLL_BUDGET 1000

typedef struct mem_part {
  char *topic;
  int32_t partition;
  int64_t next;
} mem_part_t;

typedef struct mem_query {
  char *id;
  mem_part_t *parts;
  size_t nparts;
  bool seen;
} mem_query_t;

typedef struct mem_rt {
  mem_query_t *queries;
  size_t nqueries;
} mem_rt_t;

static void mem_query_free(mem_query_t *q) {
  for (size_t i = 0; i < q->nparts; i++) free(q->parts[i].topic);
  free(q->parts);
  free(q->id);
}

static int64_t end_offset(wy_memory_broker_t *b, const char *topic, int32_t part) {
  int64_t end = 0;
  wy_error_t err;
  if (wy_memory_broker_end_offset(b, topic, part, &end, &err) != WY_OK) return 0;
  return end;
}

static uint64_t topic_size(wy_memory_broker_t *b, const char *topic) {
  uint64_t sum = 0;
  int32_t np = topic ? wy_memory_broker_partitions(b, topic) : -1;
  for (int32_t p = 0; p < np; p++) sum += (uint64_t)end_offset(b, topic, p);
  return sum;
}

static mem_query_t *mem_find(mem_rt_t *rt, const char *id) {
  for (size_t i = 0; i < rt->nqueries; i++)
    if (strcmp(rt->queries[i].id, id) == 0) return &rt->queries[i];
  return NULL;
}

/* A query seen for the first time: one position per partition of its source topics. */
static mem_query_t *mem_add(mem_rt_t *rt, wy_memory_broker_t *b, const wy_plan_t *p, bool earliest) {
  mem_query_t *grown = realloc(rt->queries, (rt->nqueries + 1) * sizeof *grown);
  if (!grown) return NULL;
  rt->queries = grown;
  mem_query_t *q = &rt->queries[rt->nqueries];
  memset(q, 0, sizeof *q);
  q->id = strdup(p->id);
  if (!q->id) return NULL;
  for (size_t s = 0; s < p->nsource_topics; s++) {
    int32_t np = wy_memory_broker_partitions(b, p->source_topics[s]);
    for (int32_t part = 0; part < np; part++) {
      mem_part_t *pg = realloc(q->parts, (q->nparts + 1) * sizeof *pg);
      if (!pg) break;
      q->parts = pg;
      q->parts[q->nparts] = (mem_part_t){strdup(p->source_topics[s]), part,
                                         earliest ? 0 : end_offset(b, p->source_topics[s], part)};
      if (q->parts[q->nparts].topic) q->nparts++;
    }
  }
  rt->nqueries++;
  return q;
}

static uint64_t elapsed_ns(const struct timespec *a, const struct timespec *b) {
  return (uint64_t)((b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec));
}

static size_t mem_poll(void *ctx, wy_engine_t *e, const wy_node_hooks_t *h, int timeout_ms) {
  mem_rt_t *rt = ctx;
  wy_memory_broker_t *b = wy_engine_broker(e);
  if (!b) return 0;
  wy_plog_t *pl = wy_engine_plog(e);
  for (size_t i = 0; i < rt->nqueries; i++) rt->queries[i].seen = false;
  size_t delivered = 0;
  for (size_t qi = 0; qi < wy_engine_query_count(e); qi++) {
    wy_query_t *q = wy_engine_query_at(e, qi);
    const wy_plan_t *p = wy_query_plan(q);
    mem_query_t *mq = mem_find(rt, p->id);
    if (!mq) mq = mem_add(rt, b, p, h->from_earliest(h->user, p->id));
    if (!mq) continue;
    mq->seen = true;
    bool failed = false;
    for (size_t pi = 0; pi < mq->nparts && !failed; pi++) {
      mem_part_t *mp = &mq->parts[pi];
      int64_t end = end_offset(b, mp->topic, mp->partition);
      while (mp->next < end && delivered < MEMORY_POLL_BUDGET && h->runs(h->user, p->id)) {
        wy_record_t rec;
        wy_error_t err;
        if (wy_memory_broker_read(b, mp->topic, mp->partition, mp->next, &rec, &err) != WY_OK) break;
        uint64_t out0 = topic_size(b, p->sink_topic), skip0 = pl ? wy_plog_total(pl) : 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        wy_status_t st = wy_query_deliver(q, &rec, &err);
        if (st == WY_OK) st = wy_query_drain(q, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (st != WY_OK) {
          /* the record stays unconsumed: RESUME retries it */
          h->failed(h->user, p->id, &err);
          failed = true;
          break;
        }
        mp->next++;
        delivered++;
        h->processed(h->user, p->id, 1, topic_size(b, p->sink_topic) - out0, (pl ? wy_plog_total(pl) : 0) - skip0,
                     elapsed_ns(&t0, &t1));
      }
    }
  }
  size_t w = 0;
  for (size_t i = 0; i < rt->nqueries; i++) {
    if (rt->queries[i].seen) rt->queries[w++] = rt->queries[i];
    else mem_query_free(&rt->queries[i]);
  }
  rt->nqueries = w;
  (void)timeout_ms; /* the memory broker has no waiting poll: the node's pump paces us */
  return delivered;
}

static void mem_started(void *ctx, wy_engine_t *e, wy_query_t *q, bool earliest) {
  mem_rt_t *rt = ctx;
  wy_memory_broker_t *b = wy_engine_broker(e);
  const wy_plan_t *p = wy_query_plan(q);
  if (b && !mem_find(rt, p->id)) mem_add(rt, b, p, earliest);
}

static void mem_lag(void *ctx, wy_engine_t *e, wy_node_lag_fn emit, void *u) {
  mem_rt_t *rt = ctx;
  wy_memory_broker_t *b = wy_engine_broker(e);
  if (!b) return;
  for (size_t i = 0; i < rt->nqueries; i++)
    for (size_t p = 0; p < rt->queries[i].nparts; p++) {
      const mem_part_t *mp = &rt->queries[i].parts[p];
      emit(u, rt->queries[i].id, mp->topic, mp->partition, end_offset(b, mp->topic, mp->partition) - mp->next);
    }
}

static wy_status_t mem_command_append(void *ctx, wy_engine_t *e, const char *topic, const char *rec, size_t len,
                                      int64_t *offset, wy_error_t *err) {
  wy_memory_broker_t *b = wy_engine_broker(e);
  /* one partition: the command log is totally ordered, as ksqlDB's */
  if (wy_memory_broker_partitions(b, topic) < 0 && wy_memory_broker_create_topic(b, topic, 1, err) != WY_OK)
    return err->code;
  return wy_memory_broker_produce(b, topic, 0, NULL, 0, rec, len, NULL, 0, 0, NULL, offset, err);
}

static char *mem_command_read(void *ctx, wy_engine_t *e, const char *topic, int64_t offset, size_t *len) {
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
static wy_status_t mem_open_reader(void *ctx, wy_engine_t *e, const char *const *topics, size_t ntopics, bool earliest,
                                   wy_source_t **out, wy_position_t **ends, size_t *nends, wy_error_t *err) {
  (void)ctx;
  wy_memory_broker_t *b = wy_engine_broker(e);
  *out = NULL;
  *ends = NULL;
  *nends = 0;
  size_t cap = 0;
  for (size_t i = 0; i < ntopics; i++) cap += (size_t)(wy_memory_broker_partitions(b, topics[i]) > 0 ? wy_memory_broker_partitions(b, topics[i]) : 0);
  wy_position_t *v = calloc(cap ? cap : 1, sizeof *v);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = wy_memory_source_new(b, NULL, out, err);
  for (size_t i = 0; st == WY_OK && i < ntopics; i++)
    for (int32_t p = 0; st == WY_OK && p < wy_memory_broker_partitions(b, topics[i]); p++) {
      int64_t end = end_offset(b, topics[i], p);
      v[(*nends)++] = (wy_position_t){topics[i], p, end};
      st = earliest ? wy_memory_source_assign(*out, topics[i], p, err) : wy_source_seek(*out, topics[i], p, end, err);
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

static const wy_node_runtime_ops_t memory_ops = {
    "memory", mem_poll, mem_started, mem_lag, NULL /* the engine's state dir */, mem_open_reader, NULL /* healthy */,
    mem_command_append, mem_command_read, mem_destroy};

wy_status_t wy_node_memory_runtime(wy_engine_t *e, wy_node_runtime_t *out, wy_error_t *err) {
  if (!wy_engine_broker(e)) return wy_error_set(err, WY_ERR_INVALID, "the memory runtime needs an engine on a memory broker");
  mem_rt_t *rt = calloc(1, sizeof *rt);
  if (!rt) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  out->ops = &memory_ops;
  out->ctx = rt;
  return WY_OK;
}
