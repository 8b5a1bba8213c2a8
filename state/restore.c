/* Restore from changelogs and commit with checkpoints (see state.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "state/state_int.h"

#define RESTORE_BATCH 512

static bool restorable(const wy_tstore_t *t) {
  return t->configured && t->mode != WY_CHANGELOG_NONE && t->topic;
}

static int64_t checkpointed(const wy_checkpoint_entry_t *e, size_t n, const char *topic,
                            int32_t partition) {
  for (size_t i = 0; i < n; i++)
    if (e[i].partition == partition && strcmp(e[i].topic, topic) == 0) return e[i].offset;
  return -1;
}

/* Decide each store's start offset, wiping stores whose content cannot be trusted. */
static wy_status_t plan(wy_task_state_t *ts, wy_restore_stats_t *stats, wy_error_t *err) {
  wy_checkpoint_entry_t *e = NULL;
  size_t n = 0;
  wy_error_t cerr;
  wy_status_t cst = wy_checkpoint_read(ts->checkpoint_path, &e, &n, &cerr);
  if (cst == WY_ERR_DECODE)
    wy_log(WY_LOG_WARN, "state", "corrupt checkpoint, restoring in full task=%s", ts->dir);
  else if (cst != WY_OK && cst != WY_ERR_NOT_FOUND)
    return wy_error_set(err, cst, "%s", cerr.msg);
  /* A checkpoint older than the instance (which was created just now) says nothing. */
  bool trusted = cst == WY_OK && !ts->fresh;
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < ts->nstores && st == WY_OK; i++) {
    wy_tstore_t *t = ts->stores[i];
    if (!restorable(t)) continue;
    t->position = trusted ? checkpointed(e, n, t->topic, ts->partition) : -1;
    if (t->position >= 0) continue;
    bool empty;
    if ((st = wy_tstore_empty(ts, t, &empty, err)) != WY_OK) break;
    if (!empty) {
      wy_log(WY_LOG_INFO, "state", "wiping store for a full restore store=%s task=%s", t->name,
             ts->dir);
      if ((st = wy_tstore_wipe(ts, t, err)) != WY_OK) break;
      if (stats) stats->wiped++;
    }
    t->position = 0;
  }
  free(e);
  return st;
}

static wy_tstore_t *store_for(wy_task_state_t *ts, const wy_record_t *r) {
  if (r->partition != ts->partition) return NULL;
  for (size_t i = 0; i < ts->nstores; i++)
    if (restorable(ts->stores[i]) && strcmp(ts->stores[i]->topic, r->topic) == 0)
      return ts->stores[i];
  return NULL;
}

/* Add one changelog record to the batch. */
static wy_status_t apply(wy_tstore_t *t, const wy_record_t *r, rocksdb_writebatch_t *wb,
                         wy_arena_t *a, bool *applied, wy_error_t *err) {
  wy_store_op_t op = {r->key, r->key_len, r->value, r->value_len};
  bool skip = !r->key;
  if (t->restore && !skip) {
    wy_status_t st = t->restore(t->restore_opaque, r, a, &op, &skip, err);
    if (st != WY_OK)
      return wy_error_prefix(err, "restore of %s at %s[%d]@%lld", t->name, r->topic, r->partition,
                             (long long)r->offset);
  }
  *applied = !skip;
  if (skip) return WY_OK;
  if (op.value)
    rocksdb_writebatch_put_cf(wb, t->cf, op.key, op.key_len, op.value, op.value_len);
  else
    rocksdb_writebatch_delete_cf(wb, t->cf, op.key, op.key_len);
  return WY_OK;
}

static bool caught_up(wy_task_state_t *ts) {
  for (size_t i = 0; i < ts->nstores; i++) {
    wy_tstore_t *t = ts->stores[i];
    if (restorable(t) && (t->restore_end < 0 || t->position < t->restore_end)) return false;
  }
  return true;
}

wy_status_t wy_task_state_restore(wy_task_state_t *ts, wy_source_t *src, wy_end_offset_fn end_fn,
                                  void *end_opaque, int timeout_ms, wy_restore_stats_t *stats,
                                  wy_error_t *err) {
  if (stats) memset(stats, 0, sizeof *stats);
  wy_status_t st = plan(ts, stats, err);
  for (size_t i = 0; i < ts->nstores && st == WY_OK; i++) {
    wy_tstore_t *t = ts->stores[i];
    if (!restorable(t)) continue;
    t->restore_end = -1;
    if (end_fn) {
      wy_error_t eerr;
      st = end_fn(end_opaque, t->topic, ts->partition, &t->restore_end, &eerr);
      if (st == WY_ERR_NOT_FOUND) { /* no changelog yet: nothing to restore */
        t->restore_end = 0;
        st = WY_OK;
      } else if (st != WY_OK) {
        wy_error_set(err, st, "store %s: end of changelog %s: %s", t->name, t->topic, eerr.msg);
      }
    }
    if (st == WY_OK && t->restore_end >= 0 && t->position >= t->restore_end) continue;
    if (st == WY_OK) st = wy_source_seek(src, t->topic, ts->partition, t->position, err);
  }
  wy_record_t *recs = st == WY_OK ? malloc(RESTORE_BATCH * sizeof *recs) : NULL;
  if (st == WY_OK && !recs) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
  wy_arena_t a;
  wy_arena_init(&a, 0);
  while (st == WY_OK && !caught_up(ts)) {
    size_t n = 0;
    if ((st = wy_source_poll(src, recs, RESTORE_BATCH, &n, timeout_ms, err)) != WY_OK) break;
    if (!n) {
      if (!end_fn) break; /* without end offsets, quiet means done */
      st = wy_error_set(err, WY_ERR_TIMEOUT, "restore of %s stalled: no changelog record in %d ms",
                        ts->dir, timeout_ms);
      break;
    }
    for (size_t i = 0; i < n && st == WY_OK; i++) {
      wy_tstore_t *t = store_for(ts, &recs[i]);
      if (!t || recs[i].offset < t->position) continue;
      if (t->restore_end >= 0 && recs[i].offset >= t->restore_end) continue;
      bool applied;
      st = apply(t, &recs[i], wb, &a, &applied, err);
      t->position = recs[i].offset + 1;
      if (applied && stats) stats->records++;
    }
    char *rerr = NULL;
    if (st == WY_OK && rocksdb_writebatch_count(wb)) {
      rocksdb_write(ts->db, ts->wopts, wb, &rerr);
      if (rerr) st = wy_rocks_error(err, rerr, "restore", ts->dir);
    }
    rocksdb_writebatch_clear(wb);
    wy_arena_reset(&a);
  }
  rocksdb_writebatch_destroy(wb);
  wy_arena_release(&a);
  free(recs);
  for (size_t i = 0; i < ts->nstores; i++) {
    wy_tstore_t *t = ts->stores[i];
    wy_store_cache_clear(t->top);
    if (restorable(t) && t->restore_end > t->position) t->position = t->restore_end;
  }
  return st;
}

wy_status_t wy_task_state_commit(wy_task_state_t *ts, const wy_position_t *inputs, size_t ninputs,
                                 wy_error_t *err) {
  wy_status_t st = WY_OK;
  size_t n = 0;
  for (size_t i = 0; i < ts->nstores && st == WY_OK; i++) {
    wy_tstore_t *t = ts->stores[i];
    if (t->logged) st = wy_logged_store_check(t->logged, err);
    if (t->mode == WY_CHANGELOG_TOPIC && t->configured)
      for (size_t k = 0; k < ninputs; k++)
        if (inputs[k].partition == ts->partition && strcmp(inputs[k].topic, t->topic) == 0)
          t->position = inputs[k].offset;
    n += restorable(t) && t->position >= 0;
  }
  char *rerr = NULL;
  if (st == WY_OK) {
    rocksdb_flush_wal(ts->db, 1, &rerr);
    if (rerr) st = wy_rocks_error(err, rerr, "commit", ts->dir);
  }
  wy_checkpoint_entry_t *e = st == WY_OK ? calloc(n ? n : 1, sizeof *e) : NULL;
  if (st == WY_OK && !e) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < ts->nstores && st == WY_OK; i++) {
    wy_tstore_t *t = ts->stores[i];
    if (!restorable(t) || t->position < 0) continue;
    if (strlen(t->topic) >= sizeof e->topic) {
      st = wy_error_set(err, WY_ERR_INVALID, "changelog topic name too long: %s", t->topic);
      break;
    }
    strcpy(e[k].topic, t->topic);
    e[k].partition = ts->partition;
    e[k].offset = t->position;
    k++;
  }
  if (st == WY_OK) st = wy_checkpoint_write(ts->checkpoint_path, e, k, err);
  free(e);
  if (st != WY_OK) unlink(ts->checkpoint_path);
  return st;
}
