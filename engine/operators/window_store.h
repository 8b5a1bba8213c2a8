/*
 * window_store.h — windowed state in a task store, kept as Kafka Streams keeps it: in
 * segments of window-end time that are dropped whole once every window in them is past
 * the store's retention, and with the task's stream time beside the windows.
 *
 * A window's key is [segment][group keys][end][start] (keycodec tuples, so byte order is
 * value order): the segment is end / interval (interval = max(retention / 2, 60 s), as
 * Kafka Streams sizes its segments), so the windows of one segment are contiguous and a
 * group's sessions are found by a prefix scan per live segment. A window is expired once
 * its end is the retention or more behind the largest end stored (and then no longer
 * found); a segment is deleted
 * (each key through the store, so the changelog and a restore drop it too) once all its
 * windows are expired, which bounds the store by the retention.
 *
 * The clock — the stream time (the largest record time the operator saw), the largest
 * window end stored and the close time up to which windows were emitted — lives in the
 * same store under a key that sorts before every segment ([NULL]), written when it
 * changed before a commit (wy_window_flush): a restored store brings it back, so grace
 * periods and retention hold across restarts and task moves, not only in one process.
 *
 * Used by the AGGREGATE (time windows), SESSION_AGGREGATE and SUPPRESS operators of one
 * task, by the thread that owns it.
 */
#ifndef WY_WINDOW_STORE_H
#define WY_WINDOW_STORE_H

#include "engine/operators/op.h"

#define WY_NO_TIME INT64_MIN /* no record seen, nothing emitted */

typedef struct wy_window_clock {
  int64_t stream_time; /* the largest record time seen, or WY_NO_TIME */
  int64_t max_end;     /* the largest window end stored, or WY_NO_TIME */
  int64_t emitted;     /* windows closed at or before it were emitted, or WY_NO_TIME */
} wy_window_clock_t;

typedef struct wy_window_store {
  wy_store_t *store;
  int64_t retention, interval; /* ms */
  size_t nkey;                 /* group key columns */
  wy_window_clock_t clock, saved;
  int64_t live_segment; /* segments below it are deleted (WY_NO_TIME: not yet known) */
  wy_value_t *parts;    /* a key's values: segment, group keys, end, start */
} wy_window_store_t;

/* One window read back: its bounds and stored value. */
typedef struct wy_window_entry {
  int64_t start, end;
  const uint8_t *key; /* the store key and value, in the task's arena */
  size_t key_len;
  const uint8_t *value;
  size_t value_len;
} wy_window_entry_t;

/* Open over a task store (read the clock it holds). */
wy_status_t wy_window_open(wy_window_store_t *w, wy_op_t *op, wy_store_t *store, size_t nkey,
                           int64_t retention, wy_error_t *err);
void wy_window_close(wy_window_store_t *w);
/* Read the clock from the store again (after the task's stores were restored). */
wy_status_t wy_window_load(wy_window_store_t *w, wy_op_t *op, wy_error_t *err);

/* A record time reached the operator: stream time moves forward only. */
static inline void wy_window_observe(wy_window_store_t *w, int64_t ts) {
  if (w->clock.stream_time == WY_NO_TIME || ts > w->clock.stream_time) w->clock.stream_time = ts;
}
/* Is a window ending at end past the retention? */
bool wy_window_expired(const wy_window_store_t *w, int64_t end);

/* The key of a group's window, in the task's arena (*len bytes); NULL when out of memory. */
uint8_t *wy_window_key(wy_window_store_t *w, wy_op_t *op, const wy_value_t *keys, int64_t start,
                       int64_t end, size_t *len);
/* Write a window (the largest end moves; segments past the retention are deleted). */
wy_status_t wy_window_put(wy_window_store_t *w, wy_op_t *op, const uint8_t *key, size_t klen,
                          const void *value, size_t vlen, int64_t end, wy_error_t *err);
wy_status_t wy_window_delete(wy_window_store_t *w, wy_op_t *op, const uint8_t *key, size_t klen,
                             wy_error_t *err);
/* A group's unexpired windows with end >= from and start <= to (its sessions near a record), in
 * segment then end order: *out (arena) gets *n of them. */
wy_status_t wy_window_find(wy_window_store_t *w, wy_op_t *op, const wy_value_t *keys, int64_t from,
                           int64_t to, wy_window_entry_t **out, size_t *n, wy_error_t *err);
/* A group's windows with from <= end <= to, whatever the clock says (a store another
 * operator writes, e.g. a join's other buffer), in segment then end order. */
wy_status_t wy_window_fetch(wy_window_store_t *w, wy_op_t *op, const wy_value_t *keys, int64_t from,
                            int64_t to, wy_window_entry_t **out, size_t *n, wy_error_t *err);
/* Every group's windows ending at or before `upto`, in end order, then group key order. */
wy_status_t wy_window_ending_by(wy_window_store_t *w, wy_op_t *op, int64_t upto,
                                wy_window_entry_t **out, size_t *n, wy_error_t *err);
/* Write the clock when it changed (before a commit). */
wy_status_t wy_window_flush(wy_window_store_t *w, wy_op_t *op, wy_error_t *err);

#endif
