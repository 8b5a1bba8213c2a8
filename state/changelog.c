/* The logging wrapper: every write also goes to the store's changelog (see state.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "state/state_int.h"

typedef struct lstore {
  wy_store_t base;
  wy_store_t *inner;
  wy_task_state_t *ts;
  wy_tstore_t *t;
  wy_sink_t *sink;
  wy_delivery_target_t target; /* the opaque of every send: reports come back here */
  uint64_t pending;            /* sends without a report yet */
  wy_status_t failed;          /* first failure, kept until the task restarts */
  char reason[200];
} lstore_t;

/* Any failure makes the local store diverge from its changelog, so the checkpoint goes
 * at once: a restart then wipes and restores from the changelog instead of trusting it. */
static void fail(lstore_t *l, wy_status_t st, const char *reason) {
  if (l->failed == WY_OK) {
    l->failed = st;
    /* A reason longer than the field is cut: the start says what went wrong. */
    snprintf(l->reason, sizeof l->reason, "%.*s", (int)sizeof l->reason - 1,
             reason ? reason : wy_status_describe(st));
    wy_log(WY_LOG_ERROR, "state", "changelog write failed store=%s topic=%s reason=%s",
           l->base.name, l->t->topic, l->reason);
  }
  unlink(l->ts->checkpoint_path);
}

static void on_delivery(void *opaque, wy_status_t status, const char *topic, int32_t partition,
                        int64_t offset, const char *reason) {
  lstore_t *l = opaque;
  if (l->pending) l->pending--;
  if (status != WY_OK)
    fail(l, status, reason);
  else if (offset >= l->t->position)
    l->t->position = offset + 1;
}

/* Counted before the send: a sink may report the delivery before it returns. */
static wy_status_t send(lstore_t *l, const void *key, size_t key_len, const void *value,
                        size_t value_len, wy_error_t *err) {
  l->pending++;
  wy_status_t st = wy_sink_send(l->sink, l->t->topic, l->ts->partition, key, key_len, value,
                                value_len, NULL, 0, l->ts->timestamp, &l->target, err);
  if (st != WY_OK) {
    l->pending--;
    fail(l, st, err ? err->msg : NULL);
    return wy_error_prefix(err, "store %s: changelog %s", l->base.name, l->t->topic);
  }
  return WY_OK;
}

static wy_status_t ls_get(wy_store_t *s, const void *key, size_t key_len, const void **value,
                          size_t *value_len, bool *found, wy_error_t *err) {
  return wy_store_get(((lstore_t *)s)->inner, key, key_len, value, value_len, found, err);
}

static wy_status_t ls_put(wy_store_t *s, const void *key, size_t key_len, const void *value,
                          size_t value_len, wy_error_t *err) {
  lstore_t *l = (lstore_t *)s;
  wy_status_t st = wy_store_put(l->inner, key, key_len, value, value_len, err);
  return st != WY_OK ? st : send(l, key, key_len, value, value_len, err);
}

static wy_status_t ls_del(wy_store_t *s, const void *key, size_t key_len, wy_error_t *err) {
  lstore_t *l = (lstore_t *)s;
  wy_status_t st = wy_store_delete(l->inner, key, key_len, err);
  return st != WY_OK ? st : send(l, key, key_len, NULL, 0, err);
}

static wy_status_t ls_write(wy_store_t *s, const wy_store_op_t *ops, size_t n, wy_error_t *err) {
  lstore_t *l = (lstore_t *)s;
  wy_status_t st = wy_store_write(l->inner, ops, n, err);
  for (size_t i = 0; i < n && st == WY_OK; i++)
    st = send(l, ops[i].key, ops[i].key_len, ops[i].value, ops[i].value_len, err);
  return st;
}

static wy_status_t ls_range(wy_store_t *s, const void *lo, size_t lo_len, const void *hi,
                            size_t hi_len, wy_store_iter_t **out, wy_error_t *err) {
  return wy_store_range(((lstore_t *)s)->inner, lo, lo_len, hi, hi_len, out, err);
}

static wy_status_t ls_flush(wy_store_t *s, wy_error_t *err) {
  return wy_store_flush(((lstore_t *)s)->inner, err);
}

static void ls_close(wy_store_t *s) {
  lstore_t *l = (lstore_t *)s;
  wy_store_close(l->inner);
  free(l);
}

static const wy_store_ops_t lstore_ops = {.get = ls_get,
                                          .put = ls_put,
                                          .del = ls_del,
                                          .write = ls_write,
                                          .range = ls_range,
                                          .flush = ls_flush,
                                          .close = ls_close};

wy_status_t wy_logged_store_new(wy_store_t *inner, wy_task_state_t *ts, wy_tstore_t *t,
                                wy_sink_t *sink, wy_store_t **out, wy_error_t *err) {
  *out = NULL;
  lstore_t *l = calloc(1, sizeof *l);
  if (!l) {
    wy_store_close(inner);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  l->base.ops = &lstore_ops;
  l->base.name = inner->name;
  l->inner = inner;
  l->ts = ts;
  l->t = t;
  l->sink = sink;
  l->target = (wy_delivery_target_t){on_delivery, l};
  *out = &l->base;
  return WY_OK;
}

wy_status_t wy_logged_store_check(wy_store_t *logged, wy_error_t *err) {
  lstore_t *l = (lstore_t *)logged;
  if (l->failed != WY_OK)
    return wy_error_set(err, WY_ERR_STORE, "store %s: changelog %s write failed: %s", l->base.name,
                        l->t->topic, l->reason);
  if (l->pending)
    return wy_error_set(err, WY_ERR_STORE,
                        "store %s: %llu changelog writes not acknowledged (flush the sink "
                        "before committing)",
                        l->base.name, (unsigned long long)l->pending);
  return WY_OK;
}
