/* aggregate.c — AGGREGATE (GROUP BY): each row read-modify-writes the accumulators of its
 * group in the step's store, and the group's new aggregate row goes on: [group keys]
 * [WINDOWSTART][WINDOWEND][one result per call], with the group's previous row as `old`
 * (for HAVING's deletes). A retraction (an aggregation over a table) undoes the old
 * version of a row; a suppressed one emits nothing, the addition that follows does.
 * Time windows: a row updates every window [start, start + size) holding its time, the
 * starts multiples of the advance (= size when tumbling); a window closes once stream
 * time passes its end plus the grace period, and later rows for it are dropped, as
 * Kafka Streams does. */
#include <stdlib.h>
#include <string.h>

#include "engine/base/intmath.h"
#include "engine/formats/rowcodec.h"
#include "engine/operators/op.h"

#define WINDOW_START 0 /* slots after the group keys */
#define FIRST_CALL 2

typedef struct aggregate {
  wy_store_t *store;
  const wy_type_t **acc_types;
  wy_value_t *keys;    /* the group keys, then a window start */
  wy_value_t *args;    /* one call's arguments */
  int64_t stream_time; /* the largest timestamp seen */
} aggregate_t;

static wy_status_t aggregate_open(wy_op_t *op, wy_error_t *err) {
  aggregate_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  s->store = op->task->stores[p->store];
  size_t maxargs = 0;
  s->acc_types = calloc(p->ncalls + 1, sizeof *s->acc_types);
  for (size_t i = 0; s->acc_types && i < p->ncalls; i++) {
    s->acc_types[i] = p->calls[i].acc_type;
    if (p->calls[i].nargs > maxargs) maxargs = p->calls[i].nargs;
  }
  s->keys = calloc(p->in.nkey + 2, sizeof *s->keys);
  s->args = calloc(maxargs + 1, sizeof *s->args);
  if (!s->acc_types || !s->keys || !s->args)
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return WY_OK;
}

/* The aggregate row of a group from its accumulators; NULL results where one fails. */
static wy_value_t *result_row(wy_op_t *op, wy_fn_ctx_t *ctx, const wy_row_t *r, wy_value_t *acc,
                              int64_t wstart, int64_t wend, bool log) {
  const wy_plan_step_t *p = op->step;
  size_t nkey = r->nkey;
  wy_value_t *v = wy_row_values(op->task, nkey + FIRST_CALL + p->ncalls);
  if (!v) return NULL;
  for (size_t i = 0; i < nkey; i++) v[i] = r->v[i];
  v[nkey + WINDOW_START] = wy_bigint(wstart);
  v[nkey + WINDOW_START + 1] = wy_bigint(wend);
  for (size_t i = 0; i < p->ncalls; i++) {
    ctx->ret = p->calls[i].resolved.ret;
    if (p->calls[i].ops->result(ctx, &acc[i], &v[nkey + FIRST_CALL + i]) != WY_OK) {
      if (log) wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, ctx->err->msg);
      v[nkey + FIRST_CALL + i] = wy_null(p->calls[i].resolved.ret->kind);
    }
  }
  return v;
}

/* One row into one group (and window, when wend > wstart). */
static wy_status_t aggregate_one(wy_op_t *op, wy_row_t *r, int64_t wstart, int64_t wend,
                                 wy_error_t *err) {
  aggregate_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  const wy_plan_step_t *p = op->step;
  bool windowed = p->window_size > 0;
  memcpy(s->keys, r->v, r->nkey * sizeof *s->keys);
  s->keys[r->nkey] = wy_bigint(wstart);
  size_t klen = wy_task_key(t, s->keys, r->nkey + (windowed ? 1 : 0));
  uint8_t *key = klen ? wy_task_scratch_copy(t, &t->arena, klen) : NULL;
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  const void *old;
  size_t oldlen;
  bool found;
  if (wy_store_get(s->store, key, klen, &old, &oldlen, &found, err) != WY_OK) return err->code;
  wy_value_t *acc = wy_arena_calloc(&t->arena, p->ncalls + 1, sizeof *acc);
  if (!acc) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_fn_ctx_t ctx;
  memset(&ctx, 0, sizeof ctx);
  wy_error_t e;
  ctx.arena = &t->arena;
  ctx.err = &e;
  if (found) {
    if (wy_rowcodec_decode(old, oldlen, s->acc_types, p->ncalls, &t->arena, acc, err) != WY_OK)
      return err->code;
  } else {
    for (size_t i = 0; i < p->ncalls; i++) {
      ctx.ret = p->calls[i].resolved.ret;
      if (p->calls[i].ops->init(&ctx, &acc[i]) != WY_OK)
        return wy_error_set(err, WY_ERR_EVAL, "%s", e.msg);
    }
  }
  /* the group's previous row, for HAVING's delete semantics */
  wy_value_t *old_row = found ? result_row(op, &ctx, r, acc, wstart, wend, false) : NULL;
  if (found && !old_row) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < p->ncalls; i++) {
    const wy_agg_call_t *a = &p->calls[i];
    bool ok = true;
    for (size_t j = 0; j < a->nargs; j++) {
      if (wy_expr_eval(a->args[j], r->v, &t->arena, &s->args[j], &e) != WY_OK) {
        wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    ctx.ret = a->resolved.ret;
    ctx.arg_types = a->resolved.param_types;
    ctx.nargs = a->nargs;
    wy_status_t st = r->retract && a->ops->undo
                         ? a->ops->undo(&ctx, s->args, a->nargs, &acc[i])
                         : a->ops->accumulate(&ctx, s->args, a->nargs, &acc[i]);
    if (st != WY_OK) wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
  }
  size_t vlen;
  if (wy_task_row(t, s->acc_types, acc, p->ncalls, &vlen, err) != WY_OK) return err->code;
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  if (wy_store_put(s->store, key, klen, t->scratch.data, vlen, err) != WY_OK) return err->code;
  if (r->suppress) return WY_OK; /* the addition that follows emits the result */
  wy_value_t *v = result_row(op, &ctx, r, acc, wstart, wend, true);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_row_t nr = *r;
  nr.v = v;
  nr.n = r->nkey + FIRST_CALL + p->ncalls;
  nr.retract = false;
  nr.old = old_row;
  if (old_row) {
    /* the previous row's pseudo columns are the new record's */
    wy_row_t o = nr;
    o.v = old_row;
    wy_row_set_pseudo(&o);
  }
  nr.windowed = windowed;
  nr.wstart = wstart;
  nr.wend = wend;
  wy_row_set_pseudo(&nr);
  return wy_op_forward(op, &nr, err);
}

static wy_status_t aggregate_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  aggregate_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  if (r->tombstone) return WY_OK; /* a deleted table row was retracted already */
  for (size_t i = 0; i < r->nkey; i++)
    if (r->v[i].null) {
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, "key",
                "GROUP BY key is NULL: record skipped");
      return WY_OK;
    }
  if (p->window_size <= 0) return aggregate_one(op, r, 0, 0, err);
  if (r->ts > s->stream_time) s->stream_time = r->ts;
  int64_t size = p->window_size, adv = p->window_advance > 0 ? p->window_advance : size;
  int64_t first =
      wy_floor_div(r->ts - size, adv) * adv + adv; /* the earliest start with ts < start + size */
  if (first < 0) first = 0;
  bool any = false;
  for (int64_t start = first; start <= r->ts; start += adv) {
    if (start + size + p->window_grace <= s->stream_time) continue;
    any = true;
    if (aggregate_one(op, r, start, start + size, err) != WY_OK) return err->code;
  }
  if (!any)
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL,
              "record for a closed window dropped");
  return WY_OK;
}

static void aggregate_close(wy_op_t *op) {
  aggregate_t *s = op->state;
  free(s->acc_types);
  free(s->keys);
  free(s->args);
}

const wy_op_ops_t wy_op_aggregate = {.state_size = sizeof(aggregate_t),
                                     .open = aggregate_open,
                                     .process = aggregate_process,
                                     .close = aggregate_close};
