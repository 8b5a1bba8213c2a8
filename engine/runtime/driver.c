/* driver.c — read, deliver, drain, commit (driver.h). */
#include "engine/runtime/driver.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_BATCH 500

/* Where one partition stands. */
typedef struct pos {
  char *topic;
  int32_t partition;
  int64_t next;      /* after the last record delivered; -1: none yet */
  int64_t first;     /* the first offset delivered; -1: none */
  int64_t committed; /* the last committed position; -1: unknown */
} pos_t;

struct wy_driver {
  wy_driver_options_t o;
  wy_record_t *recs, *irecs; /* poll buffers: the source's and the internal source's */
  pos_t *pos;
  size_t npos, cap;
  size_t last;            /* the position the previous record used */
  const char *last_topic; /* ... under this topic pointer */
  wy_driver_stats_t stats;
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

wy_status_t wy_driver_new(const wy_driver_options_t *o, wy_driver_t **out, wy_error_t *err) {
  *out = NULL;
  if (!o->query || !o->source)
    return wy_error_set(err, WY_ERR_INVALID, "a driver needs a query and a source");
  wy_driver_t *d = calloc(1, sizeof *d);
  if (!d) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  d->o = *o;
  if (!d->o.batch) d->o.batch = DEFAULT_BATCH;
  d->recs = calloc(d->o.batch, sizeof *d->recs);
  d->irecs = o->internal ? calloc(d->o.batch, sizeof *d->irecs) : NULL;
  if (!d->recs || (o->internal && !d->irecs)) {
    wy_driver_destroy(d);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  *out = d;
  return WY_OK;
}

void wy_driver_destroy(wy_driver_t *d) {
  if (!d) return;
  for (size_t i = 0; i < d->npos; i++) free(d->pos[i].topic);
  free(d->pos);
  free(d->recs);
  free(d->irecs);
  free(d);
}

static pos_t *pos_find(wy_driver_t *d, const char *topic, int32_t partition, bool create) {
  if (d->last < d->npos && d->pos[d->last].partition == partition &&
      (d->last_topic == topic || strcmp(d->pos[d->last].topic, topic) == 0)) {
    d->last_topic = topic;
    return &d->pos[d->last];
  }
  for (size_t i = 0; i < d->npos; i++)
    if (d->pos[i].partition == partition && strcmp(d->pos[i].topic, topic) == 0) {
      d->last = i;
      d->last_topic = topic;
      return &d->pos[i];
    }
  if (!create) return NULL;
  if (d->npos == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    pos_t *g = realloc(d->pos, cap * sizeof *g);
    if (!g) return NULL;
    d->pos = g;
    d->cap = cap;
  }
  pos_t *p = &d->pos[d->npos];
  if (!(p->topic = strdup(topic))) return NULL;
  p->partition = partition;
  p->next = p->first = p->committed = -1;
  d->last = d->npos++;
  d->last_topic = topic;
  return p;
}

wy_status_t wy_driver_drain(wy_driver_t *d, wy_error_t *err) {
  if (!d->o.internal) return WY_OK;
  for (;;) {
    size_t got = 0;
    if (wy_source_poll(d->o.internal, d->irecs, d->o.batch, &got, 0, err) != WY_OK)
      return err->code;
    if (!got) return WY_OK;
    for (size_t i = 0; i < got; i++)
      if (wy_query_deliver(d->o.query, &d->irecs[i], err) != WY_OK) return err->code;
  }
}

/* The query failed on recs[from]: that record and those after it were not consumed;
 * each of their partitions is sought back to its first of them. */
static void unconsume(wy_driver_t *d, const wy_record_t *recs, size_t from, size_t n) {
  for (size_t i = from; i < n; i++) {
    bool seen = false;
    for (size_t k = from; k < i && !seen; k++)
      seen = recs[k].partition == recs[i].partition && strcmp(recs[k].topic, recs[i].topic) == 0;
    wy_error_t e;
    if (!seen) wy_source_seek(d->o.source, recs[i].topic, recs[i].partition, recs[i].offset, &e);
  }
}

wy_status_t wy_driver_deliver(wy_driver_t *d, const wy_record_t *recs, size_t nrecs, size_t *n,
                              wy_error_t *err) {
  *n = 0;
  if (!nrecs) return WY_OK;
  uint64_t t0 = now_ns();
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < nrecs; i++) {
    const wy_record_t *rec = &recs[i];
    pos_t *p = pos_find(d, rec->topic, rec->partition, true);
    if (!p) {
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      unconsume(d, recs, i, nrecs);
      break;
    }
    if (!d->o.admit || d->o.admit(d->o.user, rec)) {
      if (wy_query_deliver(d->o.query, rec, err) != WY_OK || wy_driver_drain(d, err) != WY_OK) {
        st = err->code;
        unconsume(d, recs, i, nrecs);
        break;
      }
      (*n)++;
    }
    if (p->first < 0) p->first = rec->offset;
    p->next = rec->offset + 1;
  }
  d->stats.records += *n;
  d->stats.nanos += now_ns() - t0;
  return st;
}

wy_status_t wy_driver_poll(wy_driver_t *d, size_t max, int timeout_ms, size_t *n, wy_error_t *err) {
  *n = 0;
  if (!max || max > d->o.batch) max = d->o.batch;
  size_t got = 0;
  if (wy_source_poll(d->o.source, d->recs, max, &got, timeout_ms, err) != WY_OK) return err->code;
  return wy_driver_deliver(d, d->recs, got, n, err);
}

wy_position_t *wy_driver_dirty(wy_driver_t *d, size_t *n) {
  *n = 0;
  wy_position_t *out = calloc(d->npos + 1, sizeof *out);
  if (!out) return NULL;
  for (size_t i = 0; i < d->npos; i++)
    if (d->pos[i].next >= 0 && d->pos[i].next != d->pos[i].committed)
      out[(*n)++] = (wy_position_t){d->pos[i].topic, d->pos[i].partition, d->pos[i].next};
  return out;
}

void wy_driver_committed(wy_driver_t *d, const wy_position_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    pos_t *x = pos_find(d, p[i].topic, p[i].partition, false);
    if (x) x->committed = p[i].offset;
  }
}

wy_status_t wy_driver_commit(wy_driver_t *d, wy_error_t *err) {
  if (wy_query_prepare_commit(d->o.query, err) != WY_OK ||
      wy_query_commit(d->o.query, err) != WY_OK)
    return err->code;
  size_t n;
  wy_position_t *p = wy_driver_dirty(d, &n);
  if (!p) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = n ? wy_source_commit(d->o.source, p, n, err) : WY_OK;
  if (st == WY_OK) wy_driver_committed(d, p, n);
  free(p);
  return st;
}

void wy_driver_forget(wy_driver_t *d, const char *topic, int32_t partition) {
  pos_t *p = pos_find(d, topic, partition, false);
  if (!p) return;
  free(p->topic);
  *p = d->pos[--d->npos];
  d->last = d->npos; /* the cache may name the moved entry */
}

wy_status_t wy_driver_rewind(wy_driver_t *d,
                             int64_t (*ask)(void *user, const char *topic, int32_t partition),
                             void *user, wy_error_t *err) {
  for (size_t i = 0; i < d->npos; i++) {
    pos_t *p = &d->pos[i];
    if (p->committed < 0 && ask) p->committed = ask(user, p->topic, p->partition);
    int64_t to = p->committed >= 0 ? p->committed : p->first;
    if (to >= 0 && wy_source_seek(d->o.source, p->topic, p->partition, to, err) != WY_OK)
      return err->code;
    p->next = p->committed;
  }
  return WY_OK;
}

int64_t wy_driver_position(const wy_driver_t *d, const char *topic, int32_t partition) {
  for (size_t i = 0; i < d->npos; i++)
    if (d->pos[i].partition == partition && strcmp(d->pos[i].topic, topic) == 0)
      return d->pos[i].next >= 0 ? d->pos[i].next : d->pos[i].committed;
  return -1;
}

void wy_driver_positions(const wy_driver_t *d,
                         void (*fn)(void *user, const char *topic, int32_t partition, int64_t next,
                                    int64_t committed),
                         void *user) {
  for (size_t i = 0; i < d->npos; i++)
    fn(user, d->pos[i].topic, d->pos[i].partition, d->pos[i].next, d->pos[i].committed);
}

wy_driver_stats_t wy_driver_stats(const wy_driver_t *d) { return d->stats; }

wy_status_t wy_driver_memory_internal(wy_memory_broker_t *b, const wy_plan_t *p, wy_source_t **out,
                                      wy_error_t *err) {
  if (wy_memory_source_new(b, NULL, out, err) != WY_OK) return err->code;
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < p->ninternal && st == WY_OK; i++) {
    int32_t n = wy_memory_broker_partitions(b, p->internal_topics[i]);
    for (int32_t k = 0; k < n && st == WY_OK; k++)
      st = wy_source_seek(*out, p->internal_topics[i], k, WY_OFFSET_END, err);
  }
  if (st != WY_OK) {
    wy_source_destroy(*out);
    *out = NULL;
  }
  return st;
}
