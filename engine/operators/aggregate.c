/* aggregate.c — AGGREGATE (GROUP BY): each row read-modify-writes the accumulators of its
 * group in the step's store, and the group's new aggregate row goes on: [group keys]
 * [WINDOWSTART][WINDOWEND][one result per call] (accumulate.h), with the group's previous
 * row as `old` (for HAVING's deletes), at the group's time (its latest record's), as
 * Kafka Streams times it. A retraction (an aggregation over a table) undoes the old
 * version of a row; a suppressed one emits nothing, the addition that follows does.
 * Time windows (TUMBLING, HOPPING): a row updates every window [start, start + size)
 * holding its time, the starts multiples of the advance; a window closes once stream
 * time reaches its end plus the grace period, and later rows for it are dropped; the
 * windows live in a segmented store that forgets them past the retention, beside the
 * stream time (window_store.h). */
#include <stdlib.h>
#include <string.h>

#include "engine/base/intmath.h"
#include "engine/operators/accumulate.h"
#include "engine/operators/window_store.h"

typedef struct aggregate {
  wy_store_t *store;
  wy_accumulator_t acc;
  wy_value_t *keys; /* the group keys */
  bool windowed;
  wy_window_store_t windows;
} aggregate_t;

static wy_status_t aggregate_open(wy_op_t *op, wy_error_t *err) {
  aggregate_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  s->store = op->task->stores[p->store];
  s->keys = calloc(p->in.nkey + 1, sizeof *s->keys);
  if (!s->keys) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_acc_open(&s->acc, p, err) != WY_OK) return err->code;
  s->windowed = p->window_size > 0;
  if (!s->windowed) return WY_OK;
  return wy_window_open(&s->windows, op, s->store, p->in.nkey, p->window_retention, err);
}

/* The group's store key (its window's when windowed), in the arena. */
static uint8_t *group_key(wy_op_t *op, const wy_row_t *r, int64_t wstart, int64_t wend,
                          size_t *len) {
  aggregate_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  memcpy(s->keys, r->v, r->nkey * sizeof *s->keys);
  if (s->windowed) return wy_window_key(&s->windows, op, s->keys, wstart, wend, len);
  *len = wy_task_key(t, s->keys, r->nkey);
  return *len ? wy_task_scratch_copy(t, &t->arena, *len) : NULL;
}

/* One row into one group (and window, when windowed); more: another window of the same
 * record follows. */
static wy_status_t aggregate_one(wy_op_t *op, wy_row_t *r, int64_t wstart, int64_t wend, bool more,
                                 wy_error_t *err) {
  aggregate_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  size_t klen;
  uint8_t *key = group_key(op, r, wstart, wend, &klen);
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  const void *old;
  size_t oldlen;
  bool found;
  if (wy_store_get(s->store, key, klen, &old, &oldlen, &found, err) != WY_OK) return err->code;
  wy_value_t *acc;
  int64_t ts = r->ts;
  if (wy_acc_load(op, &s->acc, found ? old : NULL, oldlen, &acc, &ts, err) != WY_OK)
    return err->code;
  if (r->ts > ts) ts = r->ts; /* the group's latest record time */
  /* the group's previous row, for HAVING's delete semantics */
  wy_value_t *old_row = found ? wy_acc_result(op, r, acc, wstart, wend, false) : NULL;
  if (found && !old_row) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_acc_add(op, &s->acc, r, acc, err) != WY_OK) return err->code;
  size_t vlen;
  if (wy_acc_store(op, &s->acc, acc, ts, &vlen, err) != WY_OK) return err->code;
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  wy_status_t st = s->windowed
                       ? wy_window_put(&s->windows, op, key, klen, t->scratch.data, vlen, wend, err)
                       : wy_store_put(s->store, key, klen, t->scratch.data, vlen, err);
  if (st != WY_OK) return err->code;
  if (r->suppress) return WY_OK; /* the addition that follows emits the result */
  wy_value_t *v = wy_acc_result(op, r, acc, wstart, wend, true);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_row_t nr = *r;
  nr.v = v;
  nr.n = r->nkey + WY_AGG_FIRST_CALL + s->acc.ncalls;
  nr.ts = ts;
  nr.retract = false;
  nr.null_key = false;
  nr.old = old_row;
  nr.windowed = s->windowed;
  nr.wstart = wstart;
  nr.wend = wend;
  nr.more = more;
  if (old_row) {
    /* the previous row's pseudo columns are the new record's */
    wy_row_t o = nr;
    o.v = old_row;
    wy_row_set_pseudo(&o);
  }
  wy_row_set_pseudo(&nr);
  return wy_op_forward(op, &nr, err);
}

/* A row into every time window holding its time that is still open. */
static wy_status_t aggregate_windows(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  aggregate_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  wy_window_observe(&s->windows, r->ts);
  int64_t close = s->windows.clock.stream_time - p->window_grace;
  int64_t size = p->window_size, adv = p->window_advance > 0 ? p->window_advance : size;
  /* the earliest start with ts < start + size, never before the epoch */
  int64_t first = wy_floor_div(r->ts - size, adv) * adv + adv;
  if (first < 0) first = 0;
  int64_t last = wy_floor_div(r->ts, adv) * adv, open = first;
  while (open <= last && open + size <= close) open += adv;
  if (open > last) {
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL,
              "record for a closed window dropped");
    return WY_OK;
  }
  for (int64_t start = open; start <= last; start += adv)
    if (aggregate_one(op, r, start, start + size, start + adv <= last, err) != WY_OK)
      return err->code;
  return WY_OK;
}

static wy_status_t aggregate_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  aggregate_t *s = op->state;
  if (r->tombstone) return WY_OK; /* a deleted table row was retracted already */
  for (size_t i = 0; i < r->nkey; i++)
    if (r->v[i].null) {
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, "key",
                "GROUP BY key is NULL: record skipped");
      return WY_OK;
    }
  if (!s->windowed) return aggregate_one(op, r, 0, 0, false, err);
  return aggregate_windows(op, r, err);
}

static wy_status_t aggregate_restored(wy_op_t *op, wy_error_t *err) {
  aggregate_t *s = op->state;
  return s->windowed ? wy_window_load(&s->windows, op, err) : WY_OK;
}

static wy_status_t aggregate_flush(wy_op_t *op, wy_error_t *err) {
  aggregate_t *s = op->state;
  return s->windowed ? wy_window_flush(&s->windows, op, err) : WY_OK;
}

static void aggregate_close(wy_op_t *op) {
  aggregate_t *s = op->state;
  wy_acc_close(&s->acc);
  wy_window_close(&s->windows);
  free(s->keys);
}

const wy_op_ops_t wy_op_aggregate = {.state_size = sizeof(aggregate_t),
                                     .open = aggregate_open,
                                     .process = aggregate_process,
                                     .flush = aggregate_flush,
                                     .restored = aggregate_restored,
                                     .close = aggregate_close};
