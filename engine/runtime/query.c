/* query.c — a running query: routing records to tasks, commits, partitions (query.h). */
#include "engine/runtime/query.h"

#include <stdlib.h>
#include <string.h>

#include "engine/lineage/lineage.h"
#include "engine/runtime/task.h"

/* Lineage statistics are counted locally and added to the run's shared counters every
 * WY_LINEAGE_FLUSH records and at commit: RUNNING events lag by at most that many. */
#define WY_LINEAGE_FLUSH 1024

/* A topic the query reads, and where its records go. */
typedef struct route {
  const char *topic;     /* the plan's */
  const char *last_seen; /* the caller's pointer to the same name, compared first */
  size_t sub, input;
  int source; /* its index among the plan's source topics (lineage), or -1 */
} route_t;

/* The tasks of one sub-topology, by partition. */
typedef struct sub_tasks {
  wy_task_t **by_partition;
  size_t cap;
} sub_tasks_t;

struct wy_query {
  wy_plan_t *plan;
  wy_exec_env_t env;
  wy_query_counters_t counters;
  route_t *routes;
  size_t nroutes;
  sub_tasks_t *tasks; /* per sub-topology */
  struct wy_lineage_run *lineage;
  wy_lineage_counter_t **lineage_in; /* per source topic */
  wy_lineage_counter_t *lineage_out;
  uint64_t *pending_in; /* per source topic: [records, bytes] */
  uint64_t out_seen[2]; /* the counters' out and out_bytes at the last flush */
  uint32_t pending_n;
};

wy_status_t wy_query_new(wy_plan_t *plan, const wy_exec_env_t *env, wy_query_t **out,
                         wy_error_t *err) {
  *out = NULL;
  wy_query_t *q = calloc(1, sizeof *q);
  if (!q) {
    wy_plan_destroy(plan);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  q->plan = plan;
  q->env = *env;
  q->env.counters = &q->counters;
  size_t n = 0;
  for (size_t s = 0; s < plan->nsubs; s++) n += plan->subs[s].ninputs;
  q->routes = calloc(n + 1, sizeof *q->routes);
  q->tasks = calloc(plan->nsubs + 1, sizeof *q->tasks);
  q->pending_in = calloc(2 * plan->nsource_topics + 2, sizeof *q->pending_in);
  if (!q->routes || !q->tasks || !q->pending_in) {
    wy_query_destroy(q);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  for (size_t s = 0; s < plan->nsubs; s++)
    for (size_t i = 0; i < plan->subs[s].ninputs; i++) {
      route_t *r = &q->routes[q->nroutes++];
      r->topic = plan->subs[s].inputs[i].topic;
      r->sub = s;
      r->input = i;
      r->source = -1;
      for (size_t k = 0; k < plan->nsource_topics; k++)
        if (strcmp(plan->source_topics[k], r->topic) == 0) r->source = (int)k;
    }
  *out = q;
  return WY_OK;
}

void wy_query_destroy(wy_query_t *q) {
  if (!q) return;
  if (q->lineage) wy_query_flush_stats(q);
  wy_lineage_run_destroy(q->lineage);
  for (size_t s = 0; q->tasks && s < q->plan->nsubs; s++) {
    for (size_t p = 0; p < q->tasks[s].cap; p++) wy_task_close(q->tasks[s].by_partition[p]);
    free(q->tasks[s].by_partition);
  }
  free(q->tasks);
  free(q->routes);
  free(q->lineage_in);
  free(q->pending_in);
  wy_plan_destroy(q->plan);
  free(q);
}

const wy_plan_t *wy_query_plan(const wy_query_t *q) { return q->plan; }
const wy_query_counters_t *wy_query_counters(const wy_query_t *q) { return &q->counters; }

/* The task of a sub-topology for a partition, opened when missing. */
static wy_status_t task_for(wy_query_t *q, size_t sub, int32_t partition, wy_task_t **out,
                            wy_error_t *err) {
  sub_tasks_t *st = &q->tasks[sub];
  if (partition < 0)
    return wy_error_set(err, WY_ERR_INVALID, "query %s: a record without a partition", q->plan->id);
  if ((size_t)partition >= st->cap) {
    size_t cap = st->cap ? st->cap : 4;
    while (cap <= (size_t)partition) cap *= 2;
    wy_task_t **g = realloc(st->by_partition, cap * sizeof *g);
    if (!g) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    memset(g + st->cap, 0, (cap - st->cap) * sizeof *g);
    st->by_partition = g;
    st->cap = cap;
  }
  if (!st->by_partition[partition] &&
      wy_task_open(q->plan, sub, partition, &q->env, &st->by_partition[partition], err) != WY_OK)
    return err->code;
  *out = st->by_partition[partition];
  return WY_OK;
}

static void count_lineage(wy_query_t *q, const route_t *r, const wy_record_t *rec) {
  if (r->source >= 0) {
    q->pending_in[2 * r->source]++;
    q->pending_in[2 * r->source + 1] += rec->key_len + rec->value_len;
  }
  if (++q->pending_n >= WY_LINEAGE_FLUSH) wy_query_flush_stats(q);
}

wy_status_t wy_query_deliver(wy_query_t *q, const wy_record_t *rec, wy_error_t *err) {
  wy_counter_add(&q->counters.in, 1);
  wy_counter_add(&q->counters.in_bytes, rec->key_len + rec->value_len);
  bool counted = false;
  for (size_t i = 0; i < q->nroutes; i++) {
    route_t *r = &q->routes[i];
    if (r->last_seen != rec->topic) {
      if (strcmp(r->topic, rec->topic) != 0) continue;
      r->last_seen = rec->topic;
    }
    if (q->lineage && !counted) {
      count_lineage(q, r, rec);
      counted = true;
    }
    wy_task_t *t = NULL;
    if (task_for(q, r->sub, rec->partition, &t, err) != WY_OK ||
        wy_task_process(t, r->input, rec, err) != WY_OK)
      return err->code;
  }
  return WY_OK;
}

/* Run one step of a commit on every task. */
static wy_status_t each_task(wy_query_t *q, wy_status_t (*step)(wy_task_t *, wy_error_t *),
                             wy_error_t *err) {
  for (size_t s = 0; s < q->plan->nsubs; s++)
    for (size_t p = 0; p < q->tasks[s].cap; p++) {
      wy_task_t *t = q->tasks[s].by_partition[p];
      if (t && step(t, err) != WY_OK)
        return wy_error_prefix(err, "query %s: commit of task %zu_%zu", q->plan->id, s, p);
    }
  return WY_OK;
}

wy_status_t wy_query_prepare_commit(wy_query_t *q, wy_error_t *err) {
  return each_task(q, wy_task_prepare_commit, err);
}

wy_status_t wy_query_commit(wy_query_t *q, wy_error_t *err) {
  if (q->lineage) wy_query_flush_stats(q);
  return each_task(q, wy_task_commit, err);
}

void wy_query_release_partition(wy_query_t *q, int32_t partition) {
  for (size_t s = 0; s < q->plan->nsubs; s++)
    if (partition >= 0 && (size_t)partition < q->tasks[s].cap) {
      wy_task_close(q->tasks[s].by_partition[partition]);
      q->tasks[s].by_partition[partition] = NULL;
    }
}

wy_status_t wy_query_restore_partition(wy_query_t *q, int32_t partition, wy_source_t *src,
                                       wy_end_offset_fn end_fn, void *end_opaque, int timeout_ms,
                                       wy_error_t *err) {
  for (size_t s = 0; s < q->plan->nsubs; s++) {
    wy_task_t *t = NULL;
    if (task_for(q, s, partition, &t, err) != WY_OK) return err->code;
    if (wy_task_restore(t, src, end_fn, end_opaque, timeout_ms, err) != WY_OK)
      return wy_error_prefix(err, "query %s: restore of task %zu_%d", q->plan->id, s,
                             (int)partition);
  }
  return WY_OK;
}

void wy_query_attach_lineage(wy_query_t *q, struct wy_lineage_run *run) {
  q->lineage = run;
  q->lineage_in = calloc(q->plan->nsource_topics + 1, sizeof *q->lineage_in);
  for (size_t i = 0; q->lineage_in && i < q->plan->nsource_topics && i < q->plan->nsources; i++)
    q->lineage_in[i] = wy_lineage_run_input_counter(run, i);
  q->lineage_out = wy_lineage_run_output_counter(run, 0);
  q->out_seen[0] = q->counters.out;
  q->out_seen[1] = q->counters.out_bytes;
}

struct wy_lineage_run *wy_query_lineage(wy_query_t *q) {
  return q->lineage;
}

void wy_query_flush_stats(wy_query_t *q) {
  for (size_t i = 0; q->lineage_in && i < q->plan->nsource_topics; i++) {
    uint64_t *p = &q->pending_in[2 * i];
    if (q->lineage_in[i] && p[0]) wy_lineage_counter_add(q->lineage_in[i], p[0], p[1]);
    p[0] = p[1] = 0;
  }
  /* the sink's records, counted by the query's counters since the last flush */
  uint64_t out = q->counters.out - q->out_seen[0], bytes = q->counters.out_bytes - q->out_seen[1];
  if (q->lineage_out && out) wy_lineage_counter_add(q->lineage_out, out, bytes);
  q->out_seen[0] = q->counters.out;
  q->out_seen[1] = q->counters.out_bytes;
  q->pending_n = 0;
}
