/* join_stream_stream.c — JOIN_STREAM_STREAM, on both sides: each record is kept in this
 * side's buffer (a store keyed by join key, time and offset, logged to its changelog),
 * then meets the other side's buffered records whose time lies in the window
 * [t - before, t + after]; each match emits a joined row at the later of the two times,
 * and an outer side without a match is emitted alone. Windowed sides meet only within
 * the same window (their binary keys must be equal), which the buffer keys hold. */
#include <string.h>

#include "engine/formats/rowcodec.h"
#include "engine/operators/join_row.h"

typedef struct join_ss {
  wy_store_t *buffer, *other_buffer;
  wy_join_side_t me, other;
} join_ss_t;

static wy_status_t join_ss_open(wy_op_t *op, wy_error_t *err) {
  join_ss_t *s = op->state;
  s->buffer = op->task->stores[op->step->join.this_store];
  s->other_buffer = op->task->stores[op->step->join.other_store];
  if (wy_join_side_open(op, true, &s->me, err) != WY_OK) return err->code;
  return wy_join_side_open(op, false, &s->other, err);
}

/* The leading parts of a buffer key: the join key, then a windowed row's window. */
static size_t key_parts(const wy_row_t *r, const wy_value_t *key, wy_value_t *parts) {
  parts[0] = *key;
  if (!r->windowed) return 1;
  parts[1] = wy_bigint(r->wstart);
  parts[2] = wy_bigint(r->wend);
  return 3;
}

/* The other side's records under r's key (and window) in [from, to), decoded (collected
 * first: emitting writes to the stores, which may invalidate an iterator). */
static wy_status_t matches(wy_op_t *op, const wy_row_t *r, const wy_value_t *key, int64_t from,
                           int64_t to, wy_value_t ***out, size_t *n, wy_error_t *err) {
  join_ss_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  *n = 0;
  wy_value_t lo[4], hi[4];
  size_t np = key_parts(r, key, lo);
  key_parts(r, key, hi);
  lo[np] = wy_bigint(from);
  hi[np] = wy_bigint(to);
  size_t lolen = wy_task_key(t, lo, np + 1);
  uint8_t *lob = lolen ? wy_task_scratch_copy(t, &t->arena, lolen) : NULL;
  size_t hilen = lob ? wy_task_key(t, hi, np + 1) : 0;
  uint8_t *hib = hilen ? wy_task_scratch_copy(t, &t->arena, hilen) : NULL;
  if (!hib) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_store_iter_t *it;
  if (wy_store_range(s->other_buffer, lob, lolen, hib, hilen, &it, err) != WY_OK) return err->code;
  size_t cap = 8;
  wy_value_t **v = wy_arena_alloc(&t->arena, cap * sizeof *v);
  wy_status_t st = v ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (; st == WY_OK && wy_store_iter_valid(it); wy_store_iter_next(it)) {
    size_t len;
    const void *val = wy_store_iter_value(it, &len);
    wy_value_t *ov = wy_row_values(t, s->other.n);
    if (!ov)
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    else
      st = wy_rowcodec_decode(val, len, s->other.types, s->other.n + WY_ROW_NPSEUDO, &t->arena, ov,
                              err);
    if (st == WY_OK && *n == cap) {
      wy_value_t **grown = wy_arena_alloc(&t->arena, 2 * cap * sizeof *grown);
      if (!grown)
        st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      else
        memcpy(grown, v, cap * sizeof *grown);
      v = grown;
      cap *= 2;
    }
    if (st == WY_OK) v[(*n)++] = ov;
  }
  if (st == WY_OK) st = wy_store_iter_status(it, err);
  wy_store_iter_destroy(it);
  *out = v;
  return st;
}

static wy_status_t join_ss_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  join_ss_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  const wy_plan_join_t *j = &op->step->join;
  wy_value_t key;
  /* stream records with null values do not join */
  if (!wy_join_key(op, r, &key) || r->tombstone) return WY_OK;
  /* remember this record, then match the other side's buffer in the window */
  wy_value_t parts[5];
  size_t np = key_parts(r, &key, parts);
  parts[np] = wy_bigint(r->ts);
  parts[np + 1] = wy_bigint(r->offset);
  size_t klen = wy_task_key(t, parts, np + 2);
  uint8_t *kb = klen ? wy_task_scratch_copy(t, &t->arena, klen) : NULL;
  if (!kb) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t vlen;
  if (wy_task_row(t, s->me.types, r->v, s->me.n + WY_ROW_NPSEUDO, &vlen, err) != WY_OK)
    return err->code;
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  if (wy_store_put(s->buffer, kb, klen, t->scratch.data, vlen, err) != WY_OK) return err->code;
  wy_value_t **found;
  size_t n;
  if (matches(op, r, &key, r->ts - j->within_before, r->ts + j->within_after + 1, &found, &n,
              err) != WY_OK)
    return err->code;
  const wy_value_t *mine = wy_join_mine(op, r);
  for (size_t i = 0; i < n; i++) {
    int64_t ots = found[i][s->other.n].null ? r->ts : found[i][s->other.n].u.i64;
    if (wy_join_emit(op, r, mine, found[i] + s->other.drop, &key, r->ts > ots ? r->ts : ots, false,
                     err) != WY_OK)
      return err->code;
  }
  if (n == 0 && wy_join_this_kept(j))
    return wy_join_emit(op, r, mine, NULL, &key, r->ts, false, err);
  return WY_OK;
}

static void join_ss_close(wy_op_t *op) {
  join_ss_t *s = op->state;
  wy_join_side_close(&s->me);
  wy_join_side_close(&s->other);
}

const wy_op_ops_t wy_op_join_stream_stream = {.state_size = sizeof(join_ss_t),
                                              .open = join_ss_open,
                                              .process = join_ss_process,
                                              .close = join_ss_close};
