/* In-process topics, plus the memory source and sink (see memory.h). */
#include "connectors/memory/memory.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/base/arena.h"

typedef struct mpart {
  wy_record_t *recs; /* record headers; their bytes live in `data` */
  uint64_t *seq;     /* each record's place in the broker's order of appends */
  size_t n, cap;
  wy_arena_t data; /* never reset: records are immutable for the topic's life */
} mpart_t;

typedef struct mtopic {
  char *name;
  int32_t nparts;
  uint32_t round_robin;
  mpart_t *parts;
  struct mtopic *next;
} mtopic_t;

typedef struct mcommit {
  char *group, *topic;
  int32_t partition;
  int64_t offset;
  struct mcommit *next;
} mcommit_t;

struct wy_memory_broker {
  pthread_mutex_t mu;
  pthread_cond_t appended; /* signalled on every append, for polls that wait */
  mtopic_t *topics;
  mcommit_t *commits;
  int32_t auto_partitions;
  uint64_t appends; /* records appended so far, to any topic */
};

/* ---- partitioner ---- */

int32_t wy_murmur2(const void *data, size_t len) {
  const uint8_t *d = data;
  const uint32_t m = 0x5bd1e995u;
  const int r = 24;
  uint32_t h = 0x9747b28cu ^ (uint32_t)len;
  size_t n4 = len / 4;
  for (size_t i = 0; i < n4; i++) {
    const uint8_t *p = d + i * 4;
    uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint8_t *tail = d + (len & ~(size_t)3);
  switch (len % 4) {
    case 3:
      h ^= (uint32_t)tail[2] << 16;
      /* fall through */
    case 2:
      h ^= (uint32_t)tail[1] << 8;
      /* fall through */
    case 1:
      h ^= tail[0];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return (int32_t)h;
}

int32_t wy_memory_partition_for_key(const void *key, size_t key_len, int32_t npartitions) {
  if (npartitions <= 0) return -1;
  return (int32_t)(((uint32_t)wy_murmur2(key, key_len) & 0x7fffffffu) % (uint32_t)npartitions);
}

/* ---- broker ---- */

wy_status_t wy_memory_broker_new(wy_memory_broker_t **out, wy_error_t *err) {
  *out = NULL;
  wy_memory_broker_t *b = calloc(1, sizeof *b);
  if (!b) return wy_error_set(err, WY_ERR_NOMEM, "memory broker: out of memory");
  pthread_mutex_init(&b->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&b->appended, &ca);
  pthread_condattr_destroy(&ca);
  b->auto_partitions = 1;
  *out = b;
  return WY_OK;
}

static void topic_free(mtopic_t *t) {
  for (int32_t p = 0; p < t->nparts; p++) {
    free(t->parts[p].recs);
    free(t->parts[p].seq);
    wy_arena_release(&t->parts[p].data);
  }
  free(t->parts);
  free(t->name);
  free(t);
}

void wy_memory_broker_destroy(wy_memory_broker_t *b) {
  if (!b) return;
  while (b->topics) {
    mtopic_t *t = b->topics;
    b->topics = t->next;
    topic_free(t);
  }
  while (b->commits) {
    mcommit_t *c = b->commits;
    b->commits = c->next;
    free(c->group);
    free(c->topic);
    free(c);
  }
  pthread_cond_destroy(&b->appended);
  pthread_mutex_destroy(&b->mu);
  free(b);
}

void wy_memory_broker_set_auto_create(wy_memory_broker_t *b, int32_t partitions) {
  pthread_mutex_lock(&b->mu);
  b->auto_partitions = partitions < 0 ? 0 : partitions;
  pthread_mutex_unlock(&b->mu);
}

static mtopic_t *find_topic(wy_memory_broker_t *b, const char *name) {
  for (mtopic_t *t = b->topics; t; t = t->next)
    if (strcmp(t->name, name) == 0) return t;
  return NULL;
}

/* Caller holds the lock. */
static wy_status_t create_topic_locked(wy_memory_broker_t *b, const char *name, int32_t nparts,
                                       mtopic_t **out, wy_error_t *err) {
  mtopic_t *t = find_topic(b, name);
  if (t) {
    if (t->nparts != nparts)
      return wy_error_set(err, WY_ERR_EXISTS, "topic %s exists with %d partitions, not %d", name,
                          t->nparts, nparts);
    if (out) *out = t;
    return WY_OK;
  }
  if (nparts <= 0 || !name || !*name)
    return wy_error_set(err, WY_ERR_INVALID, "topic needs a name and at least one partition");
  t = calloc(1, sizeof *t);
  if (t) t->name = strdup(name);
  if (t) t->parts = calloc((size_t)nparts, sizeof *t->parts);
  if (!t || !t->name || !t->parts) {
    if (t) {
      free(t->name);
      free(t->parts);
      free(t);
    }
    return wy_error_set(err, WY_ERR_NOMEM, "topic %s: out of memory", name);
  }
  t->nparts = nparts;
  for (int32_t p = 0; p < nparts; p++) wy_arena_init(&t->parts[p].data, 0);
  t->next = b->topics;
  b->topics = t;
  if (out) *out = t;
  return WY_OK;
}

wy_status_t wy_memory_broker_create_topic(wy_memory_broker_t *b, const char *topic,
                                          int32_t partitions, wy_error_t *err) {
  pthread_mutex_lock(&b->mu);
  wy_status_t st = create_topic_locked(b, topic, partitions, NULL, err);
  pthread_mutex_unlock(&b->mu);
  return st;
}

wy_status_t wy_memory_broker_delete_topic(wy_memory_broker_t *b, const char *topic,
                                          wy_error_t *err) {
  pthread_mutex_lock(&b->mu);
  for (mtopic_t **pp = &b->topics; *pp; pp = &(*pp)->next) {
    if (strcmp((*pp)->name, topic) == 0) {
      mtopic_t *t = *pp;
      *pp = t->next;
      topic_free(t);
      pthread_mutex_unlock(&b->mu);
      return WY_OK;
    }
  }
  pthread_mutex_unlock(&b->mu);
  return wy_error_set(err, WY_ERR_NOT_FOUND, "unknown topic %s", topic);
}

int32_t wy_memory_broker_partitions(wy_memory_broker_t *b, const char *topic) {
  pthread_mutex_lock(&b->mu);
  mtopic_t *t = find_topic(b, topic);
  int32_t n = t ? t->nparts : -1;
  pthread_mutex_unlock(&b->mu);
  return n;
}

/* Find or implicitly create a topic. Caller holds the lock. */
static wy_status_t topic_for_write(wy_memory_broker_t *b, const char *name, mtopic_t **out,
                                   wy_error_t *err) {
  *out = find_topic(b, name);
  if (*out) return WY_OK;
  if (b->auto_partitions <= 0) return wy_error_set(err, WY_ERR_NOT_FOUND, "unknown topic %s", name);
  return create_topic_locked(b, name, b->auto_partitions, out, err);
}

/* Append a copy of one record. Caller holds the lock. */
static wy_status_t append_locked(wy_memory_broker_t *b, mtopic_t *t, int32_t partition,
                                 const void *key, size_t key_len, const void *value,
                                 size_t value_len, const wy_header_t *headers, size_t nheaders,
                                 int64_t timestamp, int32_t *partition_out, int64_t *offset_out,
                                 wy_error_t *err) {
  if (partition < 0) {
    partition = key ? wy_memory_partition_for_key(key, key_len, t->nparts)
                    : (int32_t)(t->round_robin++ % (uint32_t)t->nparts);
  }
  if (partition >= t->nparts)
    return wy_error_set(err, WY_ERR_NOT_FOUND, "topic %s has no partition %d", t->name, partition);
  mpart_t *p = &t->parts[partition];
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 64;
    wy_record_t *r = realloc(p->recs, cap * sizeof *r);
    if (r) p->recs = r;
    uint64_t *q = r ? realloc(p->seq, cap * sizeof *q) : NULL;
    if (!q) return wy_error_set(err, WY_ERR_NOMEM, "topic %s: out of memory", t->name);
    p->seq = q;
    p->cap = cap;
  }
  wy_record_t rec = {.topic = t->name,
                     .partition = partition,
                     .offset = (int64_t)p->n,
                     .timestamp = timestamp,
                     .key_len = key ? key_len : 0,
                     .value_len = value ? value_len : 0,
                     .nheaders = nheaders};
  bool ok = true;
  if (key) ok = (rec.key = wy_arena_strndup(&p->data, key, key_len)) != NULL;
  if (ok && value) ok = (rec.value = wy_arena_strndup(&p->data, value, value_len)) != NULL;
  if (ok && nheaders) {
    wy_header_t *h = wy_arena_alloc(&p->data, nheaders * sizeof *h);
    ok = h != NULL;
    for (size_t i = 0; ok && i < nheaders; i++) {
      h[i].key = wy_arena_strdup(&p->data, headers[i].key);
      h[i].value_len = headers[i].value ? headers[i].value_len : 0;
      h[i].value = headers[i].value
                       ? wy_arena_strndup(&p->data, headers[i].value, headers[i].value_len)
                       : NULL;
      ok = h[i].key && (!headers[i].value || h[i].value);
    }
    rec.headers = h;
  }
  if (!ok) return wy_error_set(err, WY_ERR_NOMEM, "topic %s: out of memory", t->name);
  p->seq[p->n] = b->appends++;
  p->recs[p->n++] = rec;
  if (partition_out) *partition_out = partition;
  if (offset_out) *offset_out = rec.offset;
  pthread_cond_broadcast(&b->appended);
  return WY_OK;
}

wy_status_t wy_memory_broker_produce(wy_memory_broker_t *b, const char *topic, int32_t partition,
                                     const void *key, size_t key_len, const void *value,
                                     size_t value_len, const wy_header_t *headers, size_t nheaders,
                                     int64_t timestamp, int32_t *partition_out, int64_t *offset_out,
                                     wy_error_t *err) {
  pthread_mutex_lock(&b->mu);
  mtopic_t *t;
  wy_status_t st = topic_for_write(b, topic, &t, err);
  if (st == WY_OK)
    st = append_locked(b, t, partition, key, key_len, value, value_len, headers, nheaders,
                       timestamp, partition_out, offset_out, err);
  pthread_mutex_unlock(&b->mu);
  return st;
}

/* Caller holds the lock. */
static mpart_t *find_part(wy_memory_broker_t *b, const char *topic, int32_t partition) {
  mtopic_t *t = find_topic(b, topic);
  if (!t || partition < 0 || partition >= t->nparts) return NULL;
  return &t->parts[partition];
}

wy_status_t wy_memory_broker_end_offset(wy_memory_broker_t *b, const char *topic, int32_t partition,
                                        int64_t *out, wy_error_t *err) {
  pthread_mutex_lock(&b->mu);
  mpart_t *p = find_part(b, topic, partition);
  if (p) *out = (int64_t)p->n;
  pthread_mutex_unlock(&b->mu);
  if (!p) return wy_error_set(err, WY_ERR_NOT_FOUND, "unknown partition %s[%d]", topic, partition);
  return WY_OK;
}

wy_status_t wy_memory_broker_read(wy_memory_broker_t *b, const char *topic, int32_t partition,
                                  int64_t offset, wy_record_t *out, wy_error_t *err) {
  return wy_memory_broker_read_seq(b, topic, partition, offset, out, NULL, err);
}

wy_status_t wy_memory_broker_read_seq(wy_memory_broker_t *b, const char *topic, int32_t partition,
                                      int64_t offset, wy_record_t *out, uint64_t *seq,
                                      wy_error_t *err) {
  pthread_mutex_lock(&b->mu);
  mpart_t *p = find_part(b, topic, partition);
  bool found = p && offset >= 0 && (size_t)offset < p->n;
  if (found) *out = p->recs[offset];
  if (found && seq) *seq = p->seq[offset];
  pthread_mutex_unlock(&b->mu);
  if (!found)
    return wy_error_set(err, WY_ERR_NOT_FOUND, "no record at %s[%d]@%lld", topic, partition,
                        (long long)offset);
  return WY_OK;
}

static mcommit_t *find_commit(wy_memory_broker_t *b, const char *group, const char *topic,
                              int32_t partition) {
  for (mcommit_t *c = b->commits; c; c = c->next)
    if (c->partition == partition && strcmp(c->group, group) == 0 && strcmp(c->topic, topic) == 0)
      return c;
  return NULL;
}

int64_t wy_memory_broker_committed(wy_memory_broker_t *b, const char *group, const char *topic,
                                   int32_t partition) {
  if (!group) return -1;
  pthread_mutex_lock(&b->mu);
  mcommit_t *c = find_commit(b, group, topic, partition);
  int64_t off = c ? c->offset : -1;
  pthread_mutex_unlock(&b->mu);
  return off;
}

/* ---- save / load ---- */

#define MB_MAGIC "WYMEMBROKER1\n"

static bool put_blob(FILE *f, const void *p, size_t len, bool present) {
  int64_t n = present ? (int64_t)len : -1;
  return fwrite(&n, sizeof n, 1, f) == 1 && (!present || !len || fwrite(p, 1, len, f) == len);
}

wy_status_t wy_memory_broker_save(wy_memory_broker_t *b, const char *path, wy_error_t *err) {
  FILE *f = fopen(path, "wb");
  if (!f) return wy_error_set(err, WY_ERR_IO, "cannot write %s: %s", path, strerror(errno));
  pthread_mutex_lock(&b->mu);
  bool ok = fputs(MB_MAGIC, f) >= 0;
  for (mtopic_t *t = b->topics; ok && t; t = t->next) {
    ok = put_blob(f, t->name, strlen(t->name), true) && fwrite(&t->nparts, sizeof t->nparts, 1, f);
    for (int32_t p = 0; ok && p < t->nparts; p++) {
      uint64_t n = t->parts[p].n;
      ok = fwrite(&n, sizeof n, 1, f) == 1;
      for (uint64_t i = 0; ok && i < n; i++) {
        const wy_record_t *r = &t->parts[p].recs[i];
        uint64_t nh = r->nheaders;
        ok = fwrite(&r->timestamp, sizeof r->timestamp, 1, f) == 1 &&
             put_blob(f, r->key, r->key_len, r->key) &&
             put_blob(f, r->value, r->value_len, r->value) && fwrite(&nh, sizeof nh, 1, f) == 1;
        for (uint64_t h = 0; ok && h < nh; h++)
          ok = put_blob(f, r->headers[h].key, strlen(r->headers[h].key), true) &&
               put_blob(f, r->headers[h].value, r->headers[h].value_len, r->headers[h].value);
      }
    }
  }
  pthread_mutex_unlock(&b->mu);
  if (fclose(f) != 0) ok = false;
  return ok ? WY_OK : wy_error_set(err, WY_ERR_IO, "cannot write %s", path);
}

/* Read a length-prefixed blob into the scratch arena (NULL data when absent). */
static bool get_blob(FILE *f, wy_arena_t *a, char **data, size_t *len) {
  int64_t n;
  if (fread(&n, sizeof n, 1, f) != 1 || n < -1 || n > (int64_t)1 << 31) return false;
  *data = NULL;
  *len = n > 0 ? (size_t)n : 0;
  if (n < 0) return true;
  if (!(*data = wy_arena_alloc(a, *len + 1))) return false;
  (*data)[*len] = '\0';
  return !*len || fread(*data, 1, *len, f) == *len;
}

/* One topic's partitions and records. Caller holds the lock. */
static bool load_topic(wy_memory_broker_t *b, FILE *f, mtopic_t *t, wy_arena_t *scratch,
                       wy_error_t *err) {
  for (int32_t p = 0; p < t->nparts; p++) {
    uint64_t n;
    if (fread(&n, sizeof n, 1, f) != 1) return false;
    for (uint64_t i = 0; i < n; i++) {
      wy_arena_reset(scratch);
      int64_t ts;
      uint64_t nh;
      char *key, *val;
      size_t klen, vlen;
      if (fread(&ts, sizeof ts, 1, f) != 1 || !get_blob(f, scratch, &key, &klen) ||
          !get_blob(f, scratch, &val, &vlen) || fread(&nh, sizeof nh, 1, f) != 1 || nh > 65536)
        return false;
      wy_header_t *h = nh ? wy_arena_calloc(scratch, nh, sizeof *h) : NULL;
      if (nh && !h) return false;
      for (uint64_t k = 0; k < nh; k++) {
        char *hk, *hv;
        size_t hklen;
        if (!get_blob(f, scratch, &hk, &hklen) || !hk ||
            !get_blob(f, scratch, &hv, &h[k].value_len))
          return false;
        h[k].key = hk;
        h[k].value = hv;
      }
      if (append_locked(b, t, p, key, klen, val, vlen, h, nh, ts, NULL, NULL, err) != WY_OK)
        return false;
    }
  }
  return true;
}

wy_status_t wy_memory_broker_load(wy_memory_broker_t *b, const char *path, wy_error_t *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return wy_error_set(err, WY_ERR_IO, "cannot read %s: %s", path, strerror(errno));
  char magic[sizeof MB_MAGIC] = {0};
  wy_status_t st = WY_OK;
  if (fread(magic, 1, sizeof MB_MAGIC - 1, f) != sizeof MB_MAGIC - 1 || strcmp(magic, MB_MAGIC))
    st = wy_error_set(err, WY_ERR_DECODE, "%s is not a memory broker dump", path);
  wy_arena_t scratch;
  wy_arena_init(&scratch, 0);
  pthread_mutex_lock(&b->mu);
  while (st == WY_OK) {
    wy_arena_reset(&scratch);
    char *name;
    size_t len;
    int32_t nparts;
    mtopic_t *t;
    if (!get_blob(f, &scratch, &name, &len)) break; /* clean end of file */
    if (!name || fread(&nparts, sizeof nparts, 1, f) != 1 || find_topic(b, name)) {
      st = wy_error_set(err, WY_ERR_DECODE, "%s: bad or duplicate topic", path);
      break;
    }
    name = strdup(name); /* the scratch arena is reset per record */
    if (!name) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (st == WY_OK) st = create_topic_locked(b, name, nparts, &t, err);
    if (st == WY_OK && !load_topic(b, f, t, &scratch, err))
      st =
          wy_error_set(err, WY_ERR_DECODE, "%s: truncated or corrupt dump of topic %s", path, name);
    free(name);
  }
  pthread_mutex_unlock(&b->mu);
  wy_arena_release(&scratch);
  fclose(f);
  return st;
}

/* ---- source ---- */

typedef struct massign {
  char *topic;
  int32_t partition;
  int64_t position;
} massign_t;

typedef struct msource {
  wy_source_t base;
  wy_memory_broker_t *b;
  char *group;
  massign_t *as;
  size_t n, cap;
  size_t next; /* round-robin start among assignments */
} msource_t;

static massign_t *find_assign(msource_t *s, const char *topic, int32_t partition) {
  for (size_t i = 0; i < s->n; i++)
    if (s->as[i].partition == partition && strcmp(s->as[i].topic, topic) == 0) return &s->as[i];
  return NULL;
}

static wy_status_t add_assign(msource_t *s, const char *topic, int32_t partition, int64_t pos,
                              massign_t **out, wy_error_t *err) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    massign_t *a = realloc(s->as, cap * sizeof *a);
    if (!a) return wy_error_set(err, WY_ERR_NOMEM, "memory source: out of memory");
    s->as = a;
    s->cap = cap;
  }
  char *t = strdup(topic);
  if (!t) return wy_error_set(err, WY_ERR_NOMEM, "memory source: out of memory");
  s->as[s->n] = (massign_t){t, partition, pos};
  *out = &s->as[s->n++];
  return WY_OK;
}

static wy_status_t msource_poll(wy_source_t *src, wy_record_t *out, size_t max, size_t *n,
                                int timeout_ms, wy_error_t *err) {
  msource_t *s = (msource_t *)src;
  *n = 0;
  if (!max || !s->n) return WY_OK;
  struct timespec deadline = {0, 0};
  if (timeout_ms > 0) { /* a poll that does not wait (the runtime's drain) reads no clock */
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
  }
  pthread_mutex_lock(&s->b->mu);
  for (;;) {
    for (size_t k = 0; k < s->n && *n < max; k++) {
      massign_t *a = &s->as[(s->next + k) % s->n];
      mpart_t *p = find_part(s->b, a->topic, a->partition);
      while (p && a->position < (int64_t)p->n && *n < max) out[(*n)++] = p->recs[a->position++];
    }
    s->next = (s->next + 1) % s->n;
    if (*n || timeout_ms <= 0) break;
    if (pthread_cond_timedwait(&s->b->appended, &s->b->mu, &deadline) == ETIMEDOUT) timeout_ms = 0;
  }
  pthread_mutex_unlock(&s->b->mu);
  return WY_OK;
}

static wy_status_t msource_commit(wy_source_t *src, const wy_position_t *pos, size_t npos,
                                  wy_error_t *err) {
  msource_t *s = (msource_t *)src;
  if (!s->group)
    return wy_error_set(err, WY_ERR_INVALID, "memory source has no group id to commit");
  wy_status_t st = WY_OK;
  pthread_mutex_lock(&s->b->mu);
  for (size_t i = 0; i < npos && st == WY_OK; i++) {
    mcommit_t *c = find_commit(s->b, s->group, pos[i].topic, pos[i].partition);
    if (!c) {
      c = calloc(1, sizeof *c);
      if (c && (!(c->group = strdup(s->group)) || !(c->topic = strdup(pos[i].topic)))) {
        free(c->group);
        free(c);
        c = NULL;
      }
      if (!c) {
        st = wy_error_set(err, WY_ERR_NOMEM, "memory source: out of memory");
        break;
      }
      c->partition = pos[i].partition;
      c->next = s->b->commits;
      s->b->commits = c;
    }
    c->offset = pos[i].offset;
  }
  pthread_mutex_unlock(&s->b->mu);
  return st;
}

static wy_status_t msource_seek(wy_source_t *src, const char *topic, int32_t partition,
                                int64_t offset, wy_error_t *err) {
  msource_t *s = (msource_t *)src;
  massign_t *a = find_assign(s, topic, partition);
  if (!a) {
    wy_status_t st = add_assign(s, topic, partition, 0, &a, err);
    if (st != WY_OK) return st;
  }
  if (offset == WY_OFFSET_BEGINNING) offset = 0;
  if (offset == WY_OFFSET_END) {
    pthread_mutex_lock(&s->b->mu);
    mpart_t *p = find_part(s->b, topic, partition);
    offset = p ? (int64_t)p->n : 0;
    pthread_mutex_unlock(&s->b->mu);
  }
  if (offset < 0) return wy_error_set(err, WY_ERR_INVALID, "bad offset %lld", (long long)offset);
  a->position = offset;
  return WY_OK;
}

static void msource_destroy(wy_source_t *src) {
  msource_t *s = (msource_t *)src;
  for (size_t i = 0; i < s->n; i++) free(s->as[i].topic);
  free(s->as);
  free(s->group);
  free(s);
}

static const wy_source_ops_t msource_ops = {.poll = msource_poll,
                                            .commit = msource_commit,
                                            .seek = msource_seek,
                                            .destroy = msource_destroy};

wy_status_t wy_memory_source_new(wy_memory_broker_t *b, const char *group, wy_source_t **out,
                                 wy_error_t *err) {
  *out = NULL;
  msource_t *s = calloc(1, sizeof *s);
  if (!s || (group && !(s->group = strdup(group)))) {
    free(s);
    return wy_error_set(err, WY_ERR_NOMEM, "memory source: out of memory");
  }
  s->base.ops = &msource_ops;
  s->b = b;
  *out = &s->base;
  return WY_OK;
}

wy_status_t wy_memory_source_assign(wy_source_t *src, const char *topic, int32_t partition,
                                    wy_error_t *err) {
  msource_t *s = (msource_t *)src;
  if (find_assign(s, topic, partition)) return WY_OK;
  int64_t committed = wy_memory_broker_committed(s->b, s->group, topic, partition);
  massign_t *a;
  return add_assign(s, topic, partition, committed < 0 ? 0 : committed, &a, err);
}

wy_status_t wy_memory_source_assign_topic(wy_source_t *src, const char *topic, wy_error_t *err) {
  msource_t *s = (msource_t *)src;
  int32_t n = wy_memory_broker_partitions(s->b, topic);
  if (n < 0) return wy_error_set(err, WY_ERR_NOT_FOUND, "unknown topic %s", topic);
  for (int32_t p = 0; p < n; p++) {
    wy_status_t st = wy_memory_source_assign(src, topic, p, err);
    if (st != WY_OK) return st;
  }
  return WY_OK;
}

void wy_memory_source_unassign(wy_source_t *src, const char *topic, int32_t partition) {
  msource_t *s = (msource_t *)src;
  massign_t *a = find_assign(s, topic, partition);
  if (!a) return;
  free(a->topic);
  *a = s->as[--s->n];
  s->next = 0;
}

int64_t wy_memory_source_position(wy_source_t *src, const char *topic, int32_t partition) {
  massign_t *a = find_assign((msource_t *)src, topic, partition);
  return a ? a->position : -1;
}

/* ---- sequence source ---- */

typedef struct mseq {
  wy_source_t base;
  wy_memory_broker_t *b;
  wy_position_t *pos;
  size_t n, next;
} mseq_t;

static wy_status_t mseq_poll(wy_source_t *src, wy_record_t *out, size_t max, size_t *n,
                             int timeout_ms, wy_error_t *err) {
  mseq_t *s = (mseq_t *)src;
  *n = 0;
  while (*n < max && s->next < s->n) {
    const wy_position_t *p = &s->pos[s->next++];
    if (wy_memory_broker_read(s->b, p->topic, p->partition, p->offset, &out[*n], err) != WY_OK)
      return err->code;
    (*n)++;
  }
  return WY_OK;
}

static wy_status_t mseq_commit(wy_source_t *src, const wy_position_t *pos, size_t npos,
                               wy_error_t *err) {
  return WY_OK;
}

static wy_status_t mseq_seek(wy_source_t *src, const char *topic, int32_t partition, int64_t offset,
                             wy_error_t *err) {
  return WY_OK;
}

static void mseq_destroy(wy_source_t *src) {
  mseq_t *s = (mseq_t *)src;
  for (size_t i = 0; i < s->n; i++) free((char *)s->pos[i].topic);
  free(s->pos);
  free(s);
}

static const wy_source_ops_t mseq_ops = {
    .poll = mseq_poll, .commit = mseq_commit, .seek = mseq_seek, .destroy = mseq_destroy};

wy_status_t wy_memory_source_sequence(wy_memory_broker_t *b, const wy_position_t *positions,
                                      size_t n, wy_source_t **out, wy_error_t *err) {
  *out = NULL;
  mseq_t *s = calloc(1, sizeof *s);
  if (!s || !(s->pos = calloc(n + 1, sizeof *s->pos))) {
    free(s);
    return wy_error_set(err, WY_ERR_NOMEM, "memory source: out of memory");
  }
  s->base.ops = &mseq_ops;
  s->b = b;
  for (; s->n < n; s->n++) {
    s->pos[s->n] = positions[s->n];
    if (!(s->pos[s->n].topic = strdup(positions[s->n].topic))) {
      mseq_destroy(&s->base);
      return wy_error_set(err, WY_ERR_NOMEM, "memory source: out of memory");
    }
  }
  *out = &s->base;
  return WY_OK;
}

/* ---- sink ---- */

typedef struct mreport {
  void *opaque;
  wy_status_t status;
  const char *topic; /* the broker's copy of the name */
  int32_t partition;
  int64_t offset;
} mreport_t;

typedef struct msink {
  wy_sink_t base;
  wy_memory_broker_t *b;
  mreport_t *q;
  size_t n, cap;
  int fail_count;
  wy_status_t fail_status;
  char fail_reason[128];
} msink_t;

static wy_status_t msink_send(wy_sink_t *sink, const char *topic, int32_t partition,
                              const void *key, size_t key_len, const void *value, size_t value_len,
                              const wy_header_t *headers, size_t nheaders, int64_t timestamp,
                              void *opaque, wy_error_t *err) {
  msink_t *s = (msink_t *)sink;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    mreport_t *q = realloc(s->q, cap * sizeof *q);
    if (!q) return wy_error_set(err, WY_ERR_NOMEM, "memory sink: out of memory");
    s->q = q;
    s->cap = cap;
  }
  mreport_t r = {.opaque = opaque, .status = WY_OK, .partition = partition, .offset = -1};
  pthread_mutex_lock(&s->b->mu);
  mtopic_t *t;
  wy_status_t st = topic_for_write(s->b, topic, &t, err);
  if (st == WY_OK) {
    r.topic = t->name;
    if (s->fail_count > 0) {
      s->fail_count--;
      r.status = s->fail_status;
    } else {
      st = append_locked(s->b, t, partition, key, key_len, value, value_len, headers, nheaders,
                         timestamp, &r.partition, &r.offset, err);
    }
  }
  pthread_mutex_unlock(&s->b->mu);
  if (st != WY_OK) return st;
  s->q[s->n++] = r;
  return WY_OK;
}

static void msink_poll(wy_sink_t *sink) {
  msink_t *s = (msink_t *)sink;
  /* Callbacks may send again; those reports wait for the next poll. */
  size_t n = s->n;
  for (size_t i = 0; i < n; i++) {
    mreport_t r = s->q[i];
    if (s->base.on_delivery)
      s->base.on_delivery(r.opaque, r.status, r.topic, r.partition, r.status ? -1 : r.offset,
                          r.status ? s->fail_reason : NULL);
  }
  memmove(s->q, s->q + n, (s->n - n) * sizeof *s->q);
  s->n -= n;
}

static wy_status_t msink_flush(wy_sink_t *sink, int timeout_ms, wy_error_t *err) {
  msink_t *s = (msink_t *)sink;
  while (s->n) msink_poll(sink);
  return WY_OK;
}

static void msink_destroy(wy_sink_t *sink) {
  msink_t *s = (msink_t *)sink;
  free(s->q);
  free(s);
}

static const wy_sink_ops_t msink_ops = {
    .send = msink_send, .poll = msink_poll, .flush = msink_flush, .destroy = msink_destroy};

wy_status_t wy_memory_sink_new(wy_memory_broker_t *b, wy_sink_t **out, wy_error_t *err) {
  *out = NULL;
  msink_t *s = calloc(1, sizeof *s);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "memory sink: out of memory");
  s->base.ops = &msink_ops;
  s->b = b;
  *out = &s->base;
  return WY_OK;
}

void wy_memory_sink_fail_next(wy_sink_t *sink, int count, wy_status_t status, const char *reason) {
  msink_t *s = (msink_t *)sink;
  s->fail_count = count;
  s->fail_status = status == WY_OK ? WY_ERR_KAFKA : status;
  snprintf(s->fail_reason, sizeof s->fail_reason, "%s", reason ? reason : "injected failure");
}

size_t wy_memory_sink_pending(wy_sink_t *sink) { return ((msink_t *)sink)->n; }
