/* suppress.c — SUPPRESS (EMIT FINAL): a windowed aggregation's rows are held back, the
 * latest per group and window, and each window's row goes on once, when the window
 * closes: a time window once stream time reaches its end plus the grace period, a
 * session once no record can join it any more (its end plus the inactivity gap is before
 * stream time less the grace period). Closed windows go in end order, then group key
 * order, after the last row of a record (a record may update several hopping windows),
 * at the time of their latest record. A merged session's delete removes it from the
 * buffer. As Kafka Streams' window store forgets windows past its retention before they
 * are emitted, a time window that closes already past the retention (stream time jumped
 * over it) is dropped, not emitted. The buffer is a segmented store with the stream time
 * beside it (window_store.h), so it survives a restart. */
#include <stdlib.h>
#include <string.h>

#include "engine/formats/rowcodec.h"
#include "engine/operators/window_store.h"

typedef struct suppress {
  wy_window_store_t buffer;
  const wy_type_t **types; /* the aggregate row's columns, then its time */
  size_t ncols;
  bool session;
} suppress_t;

static wy_status_t suppress_open(wy_op_t *op, wy_error_t *err) {
  suppress_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  s->session = p->window == WY_WINDOW_SESSION;
  s->ncols = p->in.schema.n;
  s->types = wy_types_of(&p->in.schema, 0, s->ncols, 1);
  if (!s->types) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  /* sessions leave the buffer only when emitted: none is forgotten before */
  int64_t retention = s->session ? INT64_MAX / 4 : p->window_retention;
  return wy_window_open(&s->buffer, op, op->task->stores[p->store], p->in.nkey, retention, err);
}

/* The last window end that is closed at the current stream time. */
static int64_t closed_until(const suppress_t *s, const wy_plan_step_t *p) {
  int64_t close = s->buffer.clock.stream_time - p->window_grace;
  return s->session ? close - p->window_size - 1 : close;
}

/* One buffered window's row, decoded and sent on. */
static wy_status_t emit_entry(wy_op_t *op, const wy_row_t *r, const wy_window_entry_t *e,
                              wy_error_t *err) {
  suppress_t *s = op->state;
  wy_value_t *v = wy_row_values(op->task, s->ncols);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_rowcodec_decode(e->value, e->value_len, s->types, s->ncols + 1, &op->task->arena, v,
                         err) != WY_OK)
    return err->code;
  wy_row_t nr = *r;
  nr.v = v;
  nr.n = s->ncols;
  nr.nkey = op->step->in.nkey;
  nr.ts = v[s->ncols].null ? e->end : v[s->ncols].u.i64;
  nr.tombstone = nr.retract = nr.suppress = nr.more = false;
  nr.old = NULL;
  nr.windowed = true;
  nr.wstart = e->start;
  nr.wend = e->end;
  wy_row_set_pseudo(&nr);
  return wy_op_forward(op, &nr, err);
}

/* A time window that closed after its aggregate's store dropped it has no final result;
 * ksqlDB's final results keep a window that ends exactly the retention behind the latest
 * (with no grace period, a window is emitted as the next one opens). */
static bool past_retention(const wy_window_store_t *buffer, int64_t end) {
  return buffer->clock.max_end != WY_NO_TIME && end < buffer->clock.max_end - buffer->retention;
}

/* Send on, and forget, every buffered window closed by now. */
static wy_status_t emit_closed(wy_op_t *op, const wy_row_t *r, wy_error_t *err) {
  suppress_t *s = op->state;
  wy_window_clock_t *c = &s->buffer.clock;
  int64_t upto = closed_until(s, op->step);
  if (c->stream_time == WY_NO_TIME || (c->emitted != WY_NO_TIME && c->emitted >= upto))
    return WY_OK;
  wy_window_entry_t *e;
  size_t n;
  if (wy_window_ending_by(&s->buffer, op, upto, &e, &n, err) != WY_OK) return err->code;
  for (size_t i = 0; i < n; i++) {
    if (wy_window_delete(&s->buffer, op, e[i].key, e[i].key_len, err) != WY_OK) return err->code;
    if (!s->session && past_retention(&s->buffer, e[i].end)) continue;
    if (emit_entry(op, r, &e[i], err) != WY_OK) return err->code;
  }
  c->emitted = upto;
  return WY_OK;
}

static wy_status_t suppress_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  suppress_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  if (!r->windowed) return WY_OK;
  wy_window_observe(&s->buffer, r->ts);
  size_t klen;
  uint8_t *key = wy_window_key(&s->buffer, op, r->v, r->wstart, r->wend, &klen);
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  if (r->tombstone) {
    if (wy_window_delete(&s->buffer, op, key, klen, err) != WY_OK) return err->code;
  } else {
    r->v[s->ncols] = wy_bigint(r->ts); /* the row's time, in its first pseudo slot */
    size_t vlen;
    if (wy_task_row(t, s->types, r->v, s->ncols + 1, &vlen, err) != WY_OK ||
        wy_window_put(&s->buffer, op, key, klen, t->scratch.data, vlen, r->wend, err) != WY_OK)
      return err->code;
  }
  return r->more ? WY_OK : emit_closed(op, r, err);
}

static wy_status_t suppress_restored(wy_op_t *op, wy_error_t *err) {
  suppress_t *s = op->state;
  return wy_window_load(&s->buffer, op, err);
}

static wy_status_t suppress_flush(wy_op_t *op, wy_error_t *err) {
  suppress_t *s = op->state;
  return wy_window_flush(&s->buffer, op, err);
}

static void suppress_close(wy_op_t *op) {
  suppress_t *s = op->state;
  wy_window_close(&s->buffer);
  free(s->types);
}

const wy_op_ops_t wy_op_suppress = {.state_size = sizeof(suppress_t),
                                    .open = suppress_open,
                                    .process = suppress_process,
                                    .flush = suppress_flush,
                                    .restored = suppress_restored,
                                    .close = suppress_close};
