/*
 * store.h — the state store interface: ordered byte keys to byte values.
 *
 * Tables, aggregates and joins keep their state in stores. A store maps byte keys
 * (the engine writes order-preserving key tuples, so byte order is value order) to byte
 * values (the engine's row encoding) and offers point reads and writes, atomic write
 * batches, range and prefix scans, and flush. Implementations fill wy_store_ops_t: RocksDB (state.h
 * gives a task's stores), plus two wrappers that own the store they wrap: a bounded read cache
 * (wy_store_cached_new) and the changelog logger that state.h stacks in between.
 *
 * Memory: a value returned by get stays valid until the next call on the same store;
 * an iterator's key and value until it moves. Stores are per task, hence used by the
 * one stream thread that owns the task; they are not thread-safe.
 */
#ifndef WY_STATE_STORE_H
#define WY_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"

typedef struct wy_store wy_store_t;
typedef struct wy_store_iter wy_store_iter_t;

/* One write of a batch: value NULL deletes the key. */
typedef struct wy_store_op {
  const void *key;
  size_t key_len;
  const void *value;
  size_t value_len;
} wy_store_op_t;

typedef struct wy_store_ops {
  /* *found false when the key is absent (then *value is NULL). */
  wy_status_t (*get)(wy_store_t *s, const void *key, size_t key_len, const void **value,
                     size_t *value_len, bool *found, wy_error_t *err);
  wy_status_t (*put)(wy_store_t *s, const void *key, size_t key_len, const void *value,
                     size_t value_len, wy_error_t *err);
  wy_status_t (*del)(wy_store_t *s, const void *key, size_t key_len, wy_error_t *err);
  /* All ops or none. */
  wy_status_t (*write)(wy_store_t *s, const wy_store_op_t *ops, size_t n, wy_error_t *err);
  /* Keys in [lo, hi) in byte order; lo NULL = from the first key, hi NULL = to the last. */
  wy_status_t (*range)(wy_store_t *s, const void *lo, size_t lo_len, const void *hi, size_t hi_len,
                       wy_store_iter_t **out, wy_error_t *err);
  /* Make buffered writes durable in the store's own files. */
  wy_status_t (*flush)(wy_store_t *s, wy_error_t *err);
  void (*close)(wy_store_t *s);
} wy_store_ops_t;

struct wy_store {
  const wy_store_ops_t *ops;
  const char *name; /* for messages; owned by the implementation */
};

typedef struct wy_store_iter_ops {
  bool (*valid)(wy_store_iter_t *it);
  void (*next)(wy_store_iter_t *it);
  const void *(*key)(wy_store_iter_t *it, size_t *len);
  const void *(*value)(wy_store_iter_t *it, size_t *len);
  /* An error met while iterating (then valid() is false). */
  wy_status_t (*status)(wy_store_iter_t *it, wy_error_t *err);
  void (*destroy)(wy_store_iter_t *it);
} wy_store_iter_ops_t;

struct wy_store_iter {
  const wy_store_iter_ops_t *ops;
};

static inline wy_status_t wy_store_get(wy_store_t *s, const void *key, size_t key_len,
                                       const void **value, size_t *value_len, bool *found,
                                       wy_error_t *err) {
  return s->ops->get(s, key, key_len, value, value_len, found, err);
}
static inline wy_status_t wy_store_put(wy_store_t *s, const void *key, size_t key_len,
                                       const void *value, size_t value_len, wy_error_t *err) {
  return s->ops->put(s, key, key_len, value, value_len, err);
}
static inline wy_status_t wy_store_delete(wy_store_t *s, const void *key, size_t key_len,
                                          wy_error_t *err) {
  return s->ops->del(s, key, key_len, err);
}
static inline wy_status_t wy_store_write(wy_store_t *s, const wy_store_op_t *ops, size_t n,
                                         wy_error_t *err) {
  return s->ops->write(s, ops, n, err);
}
static inline wy_status_t wy_store_range(wy_store_t *s, const void *lo, size_t lo_len,
                                         const void *hi, size_t hi_len, wy_store_iter_t **out,
                                         wy_error_t *err) {
  return s->ops->range(s, lo, lo_len, hi, hi_len, out, err);
}
static inline wy_status_t wy_store_flush(wy_store_t *s, wy_error_t *err) {
  return s->ops->flush(s, err);
}
/* Stores handed out by a task state are closed by wy_task_state_close, not by callers. */
static inline void wy_store_close(wy_store_t *s) {
  if (s) s->ops->close(s);
}

/* Keys that start with prefix (every key when len is 0). */
wy_status_t wy_store_prefix(wy_store_t *s, const void *prefix, size_t len, wy_store_iter_t **out,
                            wy_error_t *err);

static inline bool wy_store_iter_valid(wy_store_iter_t *it) { return it->ops->valid(it); }
static inline void wy_store_iter_next(wy_store_iter_t *it) { it->ops->next(it); }
static inline const void *wy_store_iter_key(wy_store_iter_t *it, size_t *len) {
  return it->ops->key(it, len);
}
static inline const void *wy_store_iter_value(wy_store_iter_t *it, size_t *len) {
  return it->ops->value(it, len);
}
static inline wy_status_t wy_store_iter_status(wy_store_iter_t *it, wy_error_t *err) {
  return it->ops->status(it, err);
}
static inline void wy_store_iter_destroy(wy_store_iter_t *it) {
  if (it) it->ops->destroy(it);
}

/* ---- bounded read cache ---- */

typedef struct wy_store_cache_stats {
  uint64_t hits, misses, evictions;
  size_t entries, bytes, capacity;
} wy_store_cache_stats_t;

/* Wrap `inner` (ownership passes to the cache, even on failure) in an LRU read cache of
 * at most capacity_bytes (keys, values and per-entry overhead). Reads fill the cache,
 * absent keys included, so repeated lookups of missing join keys are cheap too; writes
 * go through to inner and update the cache. Scans read inner directly. */
wy_status_t wy_store_cached_new(wy_store_t *inner, size_t capacity_bytes, wy_store_t **out,
                                wy_error_t *err);
/* False when s is not a cached store. */
bool wy_store_cache_stats(const wy_store_t *s, wy_store_cache_stats_t *out);
/* Forget every cached entry (after inner changed behind the cache's back, e.g. restore). */
void wy_store_cache_clear(wy_store_t *s);

#endif
