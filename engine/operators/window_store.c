/* window_store.c — segmented window stores and their clock (window_store.h). */
#include "engine/operators/window_store.h"

#include <stdlib.h>
#include <string.h>

#include "engine/base/intmath.h"
#include "engine/formats/keycodec.h"
#include "engine/formats/rowcodec.h"

#define MIN_INTERVAL 60000 /* ms: Kafka Streams' smallest segment */
#define TIME_LEN 9         /* a BIGINT in a key: tag and 8 bytes */

/* The clock's stored columns: stream time, largest end, emitted close time. */
static void clock_types(const wy_type_t **types) {
  for (int i = 0; i < 3; i++) types[i] = wy_type_bigint();
}

static int64_t segment_of(const wy_window_store_t *w, int64_t end) {
  return wy_floor_div(end, w->interval);
}

/* The clock's key: [NULL], before every segment. */
static size_t clock_key(wy_task_ctx_t *t) {
  wy_value_t k = wy_null(WY_T_BIGINT);
  return wy_task_key(t, &k, 1);
}

static wy_value_t time_value(int64_t v) {
  return v == WY_NO_TIME ? wy_null(WY_T_BIGINT) : wy_bigint(v);
}
static int64_t time_of(const wy_value_t *v) { return v->null ? WY_NO_TIME : v->u.i64; }

wy_status_t wy_window_open(wy_window_store_t *w, wy_op_t *op, wy_store_t *store, size_t nkey,
                           int64_t retention, wy_error_t *err) {
  memset(w, 0, sizeof *w);
  w->store = store;
  w->nkey = nkey;
  w->retention = retention > 0 ? retention : 0;
  w->interval = w->retention / 2 > MIN_INTERVAL ? w->retention / 2 : MIN_INTERVAL;
  w->clock = (wy_window_clock_t){WY_NO_TIME, WY_NO_TIME, WY_NO_TIME};
  w->live_segment = WY_NO_TIME;
  w->parts = calloc(nkey + 3, sizeof *w->parts);
  if (!w->parts) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return wy_window_load(w, op, err);
}

wy_status_t wy_window_load(wy_window_store_t *w, wy_op_t *op, wy_error_t *err) {
  wy_task_ctx_t *t = op->task;
  w->clock = (wy_window_clock_t){WY_NO_TIME, WY_NO_TIME, WY_NO_TIME};
  w->live_segment = WY_NO_TIME;
  size_t klen = clock_key(t);
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  const void *val;
  size_t vlen;
  bool found;
  if (wy_store_get(w->store, t->scratch.data, klen, &val, &vlen, &found, err) != WY_OK)
    return err->code;
  if (found) {
    wy_value_t c[3];
    const wy_type_t *types[3];
    clock_types(types);
    if (wy_rowcodec_decode(val, vlen, types, 3, &t->arena, c, err) != WY_OK) return err->code;
    w->clock = (wy_window_clock_t){time_of(&c[0]), time_of(&c[1]), time_of(&c[2])};
  }
  w->saved = w->clock;
  return WY_OK;
}

void wy_window_close(wy_window_store_t *w) {
  free(w->parts);
  w->parts = NULL;
}

bool wy_window_expired(const wy_window_store_t *w, int64_t end) {
  /* as in Kafka Streams' stores, a window expires exactly the retention after the latest */
  return w->clock.max_end != WY_NO_TIME && end <= w->clock.max_end - w->retention;
}

/* The key of n leading parts (segment, then what follows) in the arena. */
static uint8_t *parts_key(wy_op_t *op, const wy_value_t *parts, size_t n, size_t *len) {
  wy_task_ctx_t *t = op->task;
  *len = wy_task_key(t, parts, n);
  return *len ? wy_task_scratch_copy(t, &t->arena, *len) : NULL;
}

uint8_t *wy_window_key(wy_window_store_t *w, wy_op_t *op, const wy_value_t *keys, int64_t start,
                       int64_t end, size_t *len) {
  w->parts[0] = wy_bigint(segment_of(w, end));
  memcpy(w->parts + 1, keys, w->nkey * sizeof *keys);
  w->parts[w->nkey + 1] = wy_bigint(end);
  w->parts[w->nkey + 2] = wy_bigint(start);
  return parts_key(op, w->parts, w->nkey + 3, len);
}

/* Delete every key of the segments below `below` (from the lowest live one). */
static wy_status_t drop_segments(wy_window_store_t *w, wy_op_t *op, int64_t below,
                                 wy_error_t *err) {
  wy_value_t lo_v = wy_bigint(w->live_segment == WY_NO_TIME ? INT64_MIN : w->live_segment);
  wy_value_t hi_v = wy_bigint(below);
  size_t lolen, hilen;
  uint8_t *lo = parts_key(op, &lo_v, 1, &lolen), *hi = lo ? parts_key(op, &hi_v, 1, &hilen) : NULL;
  if (!hi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  /* collect first: deleting under an iterator may invalidate it */
  wy_store_iter_t *it;
  if (wy_store_range(w->store, lo, lolen, hi, hilen, &it, err) != WY_OK) return err->code;
  wy_task_ctx_t *t = op->task;
  size_t n = 0, cap = 16;
  wy_store_op_t *ops = wy_arena_alloc(&t->arena, cap * sizeof *ops);
  wy_status_t st = ops ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (; st == WY_OK && wy_store_iter_valid(it); wy_store_iter_next(it)) {
    size_t klen;
    const void *k = wy_store_iter_key(it, &klen);
    if (n == cap) {
      wy_store_op_t *g = wy_arena_alloc(&t->arena, 2 * cap * sizeof *g);
      if (!g) {
        st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        break;
      }
      memcpy(g, ops, n * sizeof *g);
      ops = g;
      cap *= 2;
    }
    uint8_t *copy = wy_arena_alloc(&t->arena, klen ? klen : 1);
    if (!copy) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (st == WY_OK) {
      memcpy(copy, k, klen);
      ops[n++] = (wy_store_op_t){copy, klen, NULL, 0};
    }
  }
  if (st == WY_OK) st = wy_store_iter_status(it, err);
  wy_store_iter_destroy(it);
  if (st == WY_OK && n) st = wy_store_write(w->store, ops, n, err);
  if (st == WY_OK) w->live_segment = below;
  return st;
}

wy_status_t wy_window_put(wy_window_store_t *w, wy_op_t *op, const uint8_t *key, size_t klen,
                          const void *value, size_t vlen, int64_t end, wy_error_t *err) {
  if (wy_store_put(w->store, key, klen, value, vlen, err) != WY_OK) return err->code;
  if (w->clock.max_end != WY_NO_TIME && end <= w->clock.max_end) return WY_OK;
  w->clock.max_end = end;
  /* a segment goes once its last possible end is past the retention */
  int64_t below = wy_floor_div(end - w->retention, w->interval);
  if (w->live_segment != WY_NO_TIME && below <= w->live_segment) return WY_OK;
  return drop_segments(w, op, below, err);
}

wy_status_t wy_window_delete(wy_window_store_t *w, wy_op_t *op, const uint8_t *key, size_t klen,
                             wy_error_t *err) {
  (void)w;
  (void)op;
  return wy_store_delete(w->store, key, klen, err);
}

/* The end and start at the tail of a window key. */
static bool key_bounds(const uint8_t *key, size_t len, wy_arena_t *a, int64_t *start,
                       int64_t *end) {
  if (len < 2 * TIME_LEN) return false;
  const wy_type_t *types[2] = {wy_type_bigint(), wy_type_bigint()};
  wy_value_t v[2];
  wy_error_t e;
  if (wy_keycodec_decode(key + len - 2 * TIME_LEN, 2 * TIME_LEN, types, 2, a, v, NULL, &e) !=
          WY_OK ||
      v[0].null || v[1].null)
    return false;
  *end = v[0].u.i64;
  *start = v[1].u.i64;
  return true;
}

typedef struct entries {
  wy_window_entry_t *v;
  size_t n, cap;
} entries_t;

static wy_status_t entries_add(entries_t *e, wy_arena_t *a, wy_store_iter_t *it, int64_t start,
                               int64_t end, wy_error_t *err) {
  if (e->n == e->cap) {
    size_t cap = e->cap ? 2 * e->cap : 8;
    wy_window_entry_t *g = wy_arena_alloc(a, cap * sizeof *g);
    if (!g) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (e->n) memcpy(g, e->v, e->n * sizeof *g);
    e->v = g;
    e->cap = cap;
  }
  size_t klen, vlen;
  const void *k = wy_store_iter_key(it, &klen), *v = wy_store_iter_value(it, &vlen);
  uint8_t *kc = wy_arena_alloc(a, klen ? klen : 1), *vc = wy_arena_alloc(a, vlen ? vlen : 1);
  if (!kc || !vc) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  memcpy(kc, k, klen);
  memcpy(vc, v, vlen);
  e->v[e->n++] = (wy_window_entry_t){start, end, kc, klen, vc, vlen};
  return WY_OK;
}

/* The windows of keys [lo, hi) whose bounds pass keep (NULL: all). */
static wy_status_t scan(wy_window_store_t *w, wy_op_t *op, const uint8_t *lo, size_t lolen,
                        const uint8_t *hi, size_t hilen, int64_t from, int64_t to, int64_t upto,
                        entries_t *e, wy_error_t *err) {
  wy_arena_t *a = &op->task->arena;
  wy_store_iter_t *it;
  if (wy_store_range(w->store, lo, lolen, hi, hilen, &it, err) != WY_OK) return err->code;
  wy_status_t st = WY_OK;
  for (; st == WY_OK && wy_store_iter_valid(it); wy_store_iter_next(it)) {
    size_t klen;
    const uint8_t *k = wy_store_iter_key(it, &klen);
    int64_t start, end;
    if (!key_bounds(k, klen, a, &start, &end) || end < from || start > to || end > upto) continue;
    st = entries_add(e, a, it, start, end, err);
  }
  if (st == WY_OK) st = wy_store_iter_status(it, err);
  wy_store_iter_destroy(it);
  return st;
}

/* A group's windows of segment seg with end in [lo_end, hi_end] (their keys), passing
 * scan's bounds filter [from, to]. */
static wy_status_t scan_group(wy_window_store_t *w, wy_op_t *op, int64_t seg,
                              const wy_value_t *keys, int64_t lo_end, int64_t hi_end, int64_t from,
                              int64_t to, entries_t *e, wy_error_t *err) {
  /* [seg][keys][lo_end] .. [seg][keys][hi_end][+inf] */
  w->parts[0] = wy_bigint(seg);
  memcpy(w->parts + 1, keys, w->nkey * sizeof *keys);
  w->parts[w->nkey + 1] = wy_bigint(lo_end);
  size_t lolen, hilen;
  uint8_t *lo = parts_key(op, w->parts, w->nkey + 2, &lolen);
  w->parts[w->nkey + 1] = wy_bigint(hi_end);
  w->parts[w->nkey + 2] = wy_bigint(INT64_MAX);
  uint8_t *hi = lo ? parts_key(op, w->parts, w->nkey + 3, &hilen) : NULL;
  if (!hi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return scan(w, op, lo, lolen, hi, hilen, from, to, hi_end, e, err);
}

wy_status_t wy_window_find(wy_window_store_t *w, wy_op_t *op, const wy_value_t *keys, int64_t from,
                           int64_t to, wy_window_entry_t **out, size_t *n, wy_error_t *err) {
  entries_t e = {0};
  *out = NULL;
  *n = 0;
  if (w->clock.max_end == WY_NO_TIME) return WY_OK;
  /* expired windows are gone, as from Kafka Streams' stores, even before their segment */
  if (from <= w->clock.max_end - w->retention) from = w->clock.max_end - w->retention + 1;
  int64_t first = segment_of(w, from), last = segment_of(w, w->clock.max_end);
  if (w->live_segment != WY_NO_TIME && first < w->live_segment) first = w->live_segment;
  for (int64_t s = first; s <= last; s++)
    if (scan_group(w, op, s, keys, from, INT64_MAX, from, to, &e, err) != WY_OK) return err->code;
  *out = e.v;
  *n = e.n;
  return WY_OK;
}

wy_status_t wy_window_fetch(wy_window_store_t *w, wy_op_t *op, const wy_value_t *keys, int64_t from,
                            int64_t to, wy_window_entry_t **out, size_t *n, wy_error_t *err) {
  entries_t e = {0};
  for (int64_t s = segment_of(w, from); from <= to && s <= segment_of(w, to); s++)
    if (scan_group(w, op, s, keys, from, to, INT64_MIN, INT64_MAX, &e, err) != WY_OK)
      return err->code;
  *out = e.v;
  *n = e.n;
  return WY_OK;
}

static int by_end_then_key(const void *x, const void *y) {
  const wy_window_entry_t *a = x, *b = y;
  if (a->end != b->end) return a->end < b->end ? -1 : 1;
  size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
  int c = memcmp(a->key, b->key, n);
  if (c) return c;
  return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

wy_status_t wy_window_ending_by(wy_window_store_t *w, wy_op_t *op, int64_t upto,
                                wy_window_entry_t **out, size_t *n, wy_error_t *err) {
  entries_t e = {0};
  *out = NULL;
  *n = 0;
  wy_value_t lo_v = wy_bigint(w->live_segment == WY_NO_TIME ? INT64_MIN : w->live_segment);
  wy_value_t hi_v = wy_bigint(segment_of(w, upto) + 1);
  size_t lolen, hilen;
  uint8_t *lo = parts_key(op, &lo_v, 1, &lolen), *hi = lo ? parts_key(op, &hi_v, 1, &hilen) : NULL;
  if (!hi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (scan(w, op, lo, lolen, hi, hilen, INT64_MIN, INT64_MAX, upto, &e, err) != WY_OK)
    return err->code;
  if (e.n > 1) qsort(e.v, e.n, sizeof *e.v, by_end_then_key);
  *out = e.v;
  *n = e.n;
  return WY_OK;
}

wy_status_t wy_window_flush(wy_window_store_t *w, wy_op_t *op, wy_error_t *err) {
  if (!memcmp(&w->clock, &w->saved, sizeof w->clock)) return WY_OK;
  wy_task_ctx_t *t = op->task;
  wy_value_t c[3] = {time_value(w->clock.stream_time), time_value(w->clock.max_end),
                     time_value(w->clock.emitted)};
  const wy_type_t *types[3];
  clock_types(types);
  size_t vlen;
  if (wy_task_row(t, types, c, 3, &vlen, err) != WY_OK) return err->code;
  uint8_t *val = wy_task_scratch_copy(t, &t->arena, vlen);
  size_t klen = val ? clock_key(t) : 0;
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_store_put(w->store, t->scratch.data, klen, val, vlen, err) != WY_OK) return err->code;
  w->saved = w->clock;
  return WY_OK;
}
