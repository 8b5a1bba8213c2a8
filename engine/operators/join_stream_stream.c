/* join_stream_stream.c — JOIN_STREAM_STREAM, on both sides, as Kafka Streams joins two
 * streams. Each record is kept in this side's buffer, a window store (window_store.h)
 * keyed by join key (and a windowed row's window), time and offset, whose segments expire
 * by the join's retention (before + after + grace; a day without a grace period), so its
 * state stays bounded; a record older than its buffer's retention allows is not kept.
 * It then meets the other side's buffered records whose time lies in [t - before,
 * t + after]: each match emits a joined row at the later of the two times.
 *
 * An outer side without a match: without a grace period it is emitted alone at once
 * (Kafka Streams' old semantics). With one, it waits in the join's shared outer store
 * until its window closes (time + after + grace passed by the join's stream time, the
 * largest time of either side), and is emitted then unless a match came meanwhile; a
 * record whose window already closed is emitted at once. The outer store is a window
 * store too: keyed by [side, join key...] and its close time, its clock the stream time
 * both sides share. */
#include <stdlib.h>
#include <string.h>

#include "engine/formats/keycodec.h"
#include "engine/formats/rowcodec.h"
#include "engine/operators/join_row.h"
#include "engine/operators/window_store.h"

#define DEFAULT_RETENTION (24 * 3600 * 1000LL) /* Kafka Streams' without a grace period */

typedef struct join_ss {
  wy_window_store_t buffer, other; /* this side's (owned) and the other side's buffer */
  wy_window_store_t outer;         /* the shared outer store, or store NULL */
  bool has_outer;
  wy_join_side_t me, them;
  int64_t retention;
  const wy_type_t **outer_types[2]; /* an outer entry's value: join key, then a side's row */
} join_ss_t;

static size_t nparts(const wy_op_t *op) {
  const wy_plan_input_t *in = &op->task->sub->inputs[op->step->input];
  return in->window == WY_WINDOW_NONE ? 1 : 3;
}

/* The types of an outer entry of one side: the join key's, then the side's row. */
static const wy_type_t **outer_types(const wy_op_t *op, const wy_join_side_t *s) {
  const wy_schema_t *out = &op->step->out.schema;
  const wy_type_t **t = calloc(s->n + WY_ROW_NPSEUDO + 1, sizeof *t);
  if (!t) return NULL;
  t[0] = out->cols[out->n - 1].type;
  memcpy(t + 1, s->types, (s->n + WY_ROW_NPSEUDO) * sizeof *t);
  return t;
}

static wy_status_t join_ss_open(wy_op_t *op, wy_error_t *err) {
  join_ss_t *s = op->state;
  const wy_plan_join_t *j = &op->step->join;
  int64_t size = j->within_before + j->within_after;
  s->retention = j->grace >= 0              ? size + j->grace
                 : size > DEFAULT_RETENTION ? size
                                            : DEFAULT_RETENTION;
  size_t np = nparts(op);
  if (wy_join_side_open(op, true, &s->me, err) != WY_OK ||
      wy_join_side_open(op, false, &s->them, err) != WY_OK ||
      wy_window_open(&s->buffer, op, op->task->stores[j->this_store], np, s->retention, err) !=
          WY_OK ||
      wy_window_open(&s->other, op, op->task->stores[j->other_store], np, s->retention, err) !=
          WY_OK)
    return err->code;
  if (j->outer_store < 0) return WY_OK;
  s->has_outer = true;
  s->outer_types[0] = outer_types(op, &s->me);
  s->outer_types[1] = outer_types(op, &s->them);
  if (!s->outer_types[0] || !s->outer_types[1])
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return wy_window_open(&s->outer, op, op->task->stores[j->outer_store], np + 1, s->retention, err);
}

/* The leading parts of a buffer key: the join key, then a windowed row's window. */
static size_t key_parts(const wy_row_t *r, const wy_value_t *key, wy_value_t *parts) {
  parts[0] = *key;
  if (!r->windowed) return 1;
  parts[1] = wy_bigint(r->wstart);
  parts[2] = wy_bigint(r->wend);
  return 3;
}

/* Is this side of the step the left one, as the outer store's keys tell the sides? */
static bool is_left(const wy_op_t *op, bool mine) { return mine == op->step->join.this_is_left; }

/* An outer entry's key: [left?, key parts] and its close time (time + the side's after;
 * the grace is the emission's), the offset last. */
static uint8_t *outer_key(join_ss_t *s, wy_op_t *op, bool left, const wy_value_t *parts, size_t np,
                          int64_t close, int64_t offset, size_t *len) {
  wy_value_t k[4];
  k[0] = wy_bool(left);
  memcpy(k + 1, parts, np * sizeof *parts);
  return wy_window_key(&s->outer, op, k, offset, close, len);
}

/* The join's stream time, kept in the outer store both sides share. */
static wy_status_t advance_stream_time(join_ss_t *s, wy_op_t *op, int64_t ts, wy_error_t *err) {
  if (wy_window_load(&s->outer, op, err) != WY_OK) return err->code;
  wy_window_observe(&s->outer, ts);
  return wy_window_flush(&s->outer, op, err);
}

/* Emit, alone, the outer entries whose window closed by the stream time, and drop them. */
static wy_status_t emit_closed(join_ss_t *s, wy_op_t *op, const wy_row_t *r, wy_error_t *err) {
  int64_t closed = s->outer.clock.stream_time - op->step->join.grace - 1;
  wy_window_entry_t *e;
  size_t n;
  if (wy_window_ending_by(&s->outer, op, closed, &e, &n, err) != WY_OK) return err->code;
  wy_arena_t *a = &op->task->arena;
  for (size_t i = 0; i < n; i++) {
    bool left = false;
    const wy_type_t *bt = wy_type_boolean();
    wy_value_t lv;
    /* the side: the first part after the segment (a BIGINT: 9 bytes) */
    if (e[i].key_len > 9 &&
        wy_keycodec_decode(e[i].key + 9, e[i].key_len - 9, &bt, 1, a, &lv, NULL, err) == WY_OK)
      left = !lv.null && lv.u.b;
    bool mine = left == op->step->join.this_is_left;
    const wy_join_side_t *side = mine ? &s->me : &s->them;
    wy_value_t *v = wy_row_values(op->task, side->n + 1);
    if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (wy_rowcodec_decode(e[i].value, e[i].value_len, s->outer_types[!mine],
                           side->n + WY_ROW_NPSEUDO + 1, a, v, err) != WY_OK)
      return err->code;
    const wy_value_t *row = v + 1 + side->drop;
    int64_t ts = v[1 + side->n].null ? r->ts : v[1 + side->n].u.i64;
    if (wy_window_delete(&s->outer, op, e[i].key, e[i].key_len, err) != WY_OK ||
        wy_join_emit(op, r, mine ? row : NULL, mine ? NULL : row, &v[0], ts, false, err) != WY_OK)
      return err->code;
  }
  return WY_OK;
}

/* Keep an unmatched record of this (outer) side until its window closes. */
static wy_status_t hold_outer(join_ss_t *s, wy_op_t *op, const wy_row_t *r, const wy_value_t *key,
                              const wy_value_t *parts, size_t np, int64_t close, wy_error_t *err) {
  wy_task_ctx_t *t = op->task;
  size_t klen;
  uint8_t *k = outer_key(s, op, is_left(op, true), parts, np, close, r->offset, &klen);
  wy_value_t *v = wy_row_values(t, s->me.n + 1);
  if (!k || !v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  v[0] = *key;
  memcpy(v + 1, r->v, (s->me.n + WY_ROW_NPSEUDO) * sizeof *v);
  size_t vlen;
  if (wy_task_row(t, s->outer_types[0], v, s->me.n + WY_ROW_NPSEUDO + 1, &vlen, err) != WY_OK)
    return err->code;
  /* the clock (its largest close time) is shared with the other side: written at once */
  if (wy_window_put(&s->outer, op, k, klen, t->scratch.data, vlen, close, err) != WY_OK)
    return err->code;
  return wy_window_flush(&s->outer, op, err);
}

/* A match of an other-side record held as unmatched: it is no longer. */
static wy_status_t release_outer(join_ss_t *s, wy_op_t *op, const wy_value_t *parts, size_t np,
                                 const wy_window_entry_t *other, wy_error_t *err) {
  const wy_plan_join_t *j = &op->step->join;
  if (!s->has_outer || !wy_join_other_kept(j)) return WY_OK;
  size_t klen;
  uint8_t *k = outer_key(s, op, is_left(op, false), parts, np, other->end + j->within_before,
                         other->start, &klen);
  if (!k) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return wy_window_delete(&s->outer, op, k, klen, err);
}

/* Keep r in this side's buffer, unless it is older than the retention allows. */
static wy_status_t buffer_record(join_ss_t *s, wy_op_t *op, const wy_row_t *r,
                                 const wy_value_t *parts, size_t np, wy_error_t *err) {
  wy_task_ctx_t *t = op->task;
  if (s->buffer.clock.max_end != WY_NO_TIME && r->ts <= s->buffer.clock.max_end - s->retention)
    return WY_OK;
  size_t klen, vlen;
  uint8_t *k = wy_window_key(&s->buffer, op, parts, r->offset, r->ts, &klen);
  if (!k) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_task_row(t, s->me.types, r->v, s->me.n + WY_ROW_NPSEUDO, &vlen, err) != WY_OK)
    return err->code;
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  return wy_window_put(&s->buffer, op, k, klen, t->scratch.data, vlen, r->ts, err);
}

static wy_status_t join_ss_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  join_ss_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  const wy_plan_join_t *j = &op->step->join;
  wy_value_t key;
  /* stream records with null values do not join */
  if (!wy_join_key(op, r, &key) || r->tombstone) return WY_OK;
  wy_value_t parts[3];
  size_t np = key_parts(r, &key, parts);
  if (s->has_outer) {
    if (advance_stream_time(s, op, r->ts, err) != WY_OK) return err->code;
    if (r->ts == s->outer.clock.stream_time && emit_closed(s, op, r, err) != WY_OK)
      return err->code;
  }
  if (buffer_record(s, op, r, parts, np, err) != WY_OK) return err->code;
  wy_window_entry_t *found;
  size_t n;
  if (wy_window_fetch(&s->other, op, parts, r->ts - j->within_before, r->ts + j->within_after,
                      &found, &n, err) != WY_OK)
    return err->code;
  const wy_value_t *mine = wy_join_mine(op, r);
  for (size_t i = 0; i < n; i++) {
    wy_value_t *ov = wy_row_values(t, s->them.n);
    if (!ov) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (wy_rowcodec_decode(found[i].value, found[i].value_len, s->them.types,
                           s->them.n + WY_ROW_NPSEUDO, &t->arena, ov, err) != WY_OK ||
        release_outer(s, op, parts, np, &found[i], err) != WY_OK)
      return err->code;
    int64_t ots = found[i].end;
    if (wy_join_emit(op, r, mine, ov + s->them.drop, &key, r->ts > ots ? r->ts : ots, false, err) !=
        WY_OK)
      return err->code;
  }
  if (n > 0 || !wy_join_this_kept(j)) return WY_OK;
  int64_t close = r->ts + j->within_after;
  if (s->has_outer && close >= s->outer.clock.stream_time)
    return hold_outer(s, op, r, &key, parts, np, close, err);
  return wy_join_emit(op, r, mine, NULL, &key, r->ts, false, err);
}

static wy_status_t join_ss_flush(wy_op_t *op, wy_error_t *err) {
  join_ss_t *s = op->state;
  return wy_window_flush(&s->buffer, op, err);
}

static wy_status_t join_ss_restored(wy_op_t *op, wy_error_t *err) {
  join_ss_t *s = op->state;
  return wy_window_load(&s->buffer, op, err);
}

static void join_ss_close(wy_op_t *op) {
  join_ss_t *s = op->state;
  wy_window_close(&s->buffer);
  wy_window_close(&s->other);
  wy_window_close(&s->outer);
  free(s->outer_types[0]);
  free(s->outer_types[1]);
  wy_join_side_close(&s->me);
  wy_join_side_close(&s->them);
}

const wy_op_ops_t wy_op_join_stream_stream = {.state_size = sizeof(join_ss_t),
                                              .open = join_ss_open,
                                              .process = join_ss_process,
                                              .flush = join_ss_flush,
                                              .restored = join_ss_restored,
                                              .close = join_ss_close};
