/* session_aggregate.c — SESSION_AGGREGATE (GROUP BY over WINDOW SESSION): a record opens a
 * session [t, t] of its group, merged, as Kafka Streams merges them, with every session
 * of the group that lies within the inactivity gap of it (ends at or after t - gap,
 * starts at or before t + gap): the merged session spans them all, its accumulators are
 * theirs merged (in time order) plus the record. The sessions merged away are deleted
 * and retracted downstream (a delete of each, at its end), then the merged session's row
 * goes on, at its end. A record whose merged session ends before stream time less the
 * grace period and the gap is late: dropped. Sessions live in a segmented store, by end, with the
 * stream time beside them (window_store.h). */
#include <stdlib.h>
#include <string.h>

#include "engine/operators/accumulate.h"
#include "engine/operators/window_store.h"

typedef struct session_agg {
  wy_accumulator_t acc;
  wy_value_t *keys;
  wy_window_store_t sessions;
} session_agg_t;

static wy_status_t session_open(wy_op_t *op, wy_error_t *err) {
  session_agg_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  s->keys = calloc(p->in.nkey + 1, sizeof *s->keys);
  if (!s->keys) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_acc_open(&s->acc, p, err) != WY_OK) return err->code;
  return wy_window_open(&s->sessions, op, op->task->stores[p->store], p->in.nkey,
                        p->window_retention, err);
}

/* A row of the group's session: its result (acc), or its delete (acc NULL). */
static wy_status_t emit(wy_op_t *op, const wy_row_t *r, const wy_value_t *acc, int64_t start,
                        int64_t end, bool more, wy_error_t *err) {
  session_agg_t *s = op->state;
  wy_row_t nr = *r;
  nr.null_key = false;
  nr.n = r->nkey + WY_AGG_FIRST_CALL + s->acc.ncalls;
  nr.v = acc ? wy_acc_result(op, r, acc, start, end, true) : wy_row_values(op->task, nr.n);
  if (!nr.v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!acc) memcpy(nr.v, r->v, r->nkey * sizeof *nr.v);
  nr.ts = end; /* a session's records are timed at its end */
  nr.tombstone = !acc;
  nr.retract = nr.suppress = false;
  nr.old = NULL;
  nr.windowed = true;
  nr.wstart = start;
  nr.wend = end;
  nr.more = more;
  wy_row_set_pseudo(&nr);
  return wy_op_forward(op, &nr, err);
}

static wy_status_t session_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  session_agg_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  wy_task_ctx_t *t = op->task;
  if (r->tombstone) return WY_OK;
  for (size_t i = 0; i < r->nkey; i++)
    if (r->v[i].null) {
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, "key",
                "GROUP BY key is NULL: record skipped");
      return WY_OK;
    }
  memcpy(s->keys, r->v, r->nkey * sizeof *s->keys);
  wy_window_observe(&s->sessions, r->ts);
  /* Kafka Streams closes a session a gap after its grace period: a record can still
   * join a session that ends up to stream time - grace - gap */
  int64_t gap = p->window_size, close = s->sessions.clock.stream_time - p->window_grace - gap;
  wy_window_entry_t *near;
  size_t n;
  if (wy_window_find(&s->sessions, op, s->keys, r->ts - gap, r->ts + gap, &near, &n, err) != WY_OK)
    return err->code;
  wy_value_t *acc, *other;
  int64_t ignore = 0, start = r->ts, end = r->ts;
  if (wy_acc_load(op, &s->acc, NULL, 0, &acc, &ignore, err) != WY_OK) return err->code;
  for (size_t i = 0; i < n; i++) {
    if (wy_acc_load(op, &s->acc, near[i].value, near[i].value_len, &other, &ignore, err) != WY_OK)
      return err->code;
    if (wy_acc_merge(op, &s->acc, other, acc, err) != WY_OK) return err->code;
    if (near[i].start < start) start = near[i].start;
    if (near[i].end > end) end = near[i].end;
  }
  if (end < close) {
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL,
              "record for a closed session dropped");
    return WY_OK;
  }
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  bool grown = start != r->ts || end != r->ts;
  for (size_t i = 0; grown && i < n; i++) {
    if (wy_window_delete(&s->sessions, op, near[i].key, near[i].key_len, err) != WY_OK ||
        emit(op, r, NULL, near[i].start, near[i].end, true, err) != WY_OK)
      return err->code;
  }
  if (wy_acc_add(op, &s->acc, r, acc, err) != WY_OK) return err->code;
  size_t klen, vlen;
  uint8_t *key = wy_window_key(&s->sessions, op, s->keys, start, end, &klen);
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_acc_store(op, &s->acc, acc, end, &vlen, err) != WY_OK ||
      wy_window_put(&s->sessions, op, key, klen, t->scratch.data, vlen, end, err) != WY_OK)
    return err->code;
  return emit(op, r, acc, start, end, false, err);
}

static wy_status_t session_restored(wy_op_t *op, wy_error_t *err) {
  session_agg_t *s = op->state;
  return wy_window_load(&s->sessions, op, err);
}

static wy_status_t session_flush(wy_op_t *op, wy_error_t *err) {
  session_agg_t *s = op->state;
  return wy_window_flush(&s->sessions, op, err);
}

static void session_close(wy_op_t *op) {
  session_agg_t *s = op->state;
  wy_acc_close(&s->acc);
  wy_window_close(&s->sessions);
  free(s->keys);
}

const wy_op_ops_t wy_op_session_aggregate = {.state_size = sizeof(session_agg_t),
                                             .open = session_open,
                                             .process = session_process,
                                             .flush = session_flush,
                                             .restored = session_restored,
                                             .close = session_close};
