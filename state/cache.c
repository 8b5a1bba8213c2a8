/* Bounded LRU read cache in front of a store (see store.h). */
#include <stdlib.h>
#include <string.h>

#include "state/store.h"

typedef struct centry {
  struct centry *hnext;       /* hash chain */
  struct centry *prev, *next; /* LRU list, most recent first */
  uint64_t hash;
  uint32_t klen, vlen, cap; /* cap: bytes available in data */
  bool present;             /* false caches "key is absent" */
  unsigned char data[];     /* key, then value */
} centry_t;

typedef struct cstore {
  wy_store_t base;
  wy_store_t *inner;
  centry_t **buckets;
  size_t mask;
  centry_t *head, *tail;
  centry_t *spare; /* last evicted entry, reused to avoid malloc on a full cache */
  size_t bytes, capacity, entries, max_item;
  uint64_t hits, misses, evictions;
} cstore_t;

static const wy_store_ops_t cache_ops;

/* 64-bit hash of the key bytes (xor-multiply over words; keys are short). */
static uint64_t key_hash(const unsigned char *p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0x100000001b3ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, p, n);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 32);
}

static size_t entry_size(const centry_t *e) { return sizeof *e + e->cap; }

static void lru_unlink(cstore_t *c, centry_t *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    c->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    c->tail = e->prev;
}

static void lru_push_front(cstore_t *c, centry_t *e) {
  e->prev = NULL;
  e->next = c->head;
  if (c->head) c->head->prev = e;
  c->head = e;
  if (!c->tail) c->tail = e;
}

static centry_t **find_slot(cstore_t *c, const void *key, size_t klen, uint64_t h) {
  centry_t **pp = &c->buckets[h & c->mask];
  for (; *pp; pp = &(*pp)->hnext)
    if ((*pp)->hash == h && (*pp)->klen == klen && memcmp((*pp)->data, key, klen) == 0) break;
  return pp;
}

/* Unlink an entry from hash and list, keeping it as the spare (freeing the old spare). */
static void retire(cstore_t *c, centry_t **slot) {
  centry_t *e = *slot;
  *slot = e->hnext;
  lru_unlink(c, e);
  c->bytes -= entry_size(e);
  c->entries--;
  free(c->spare);
  c->spare = e;
}

static void remove_key(cstore_t *c, const void *key, size_t klen) {
  uint64_t h = key_hash(key, klen);
  centry_t **slot = find_slot(c, key, klen, h);
  if (*slot) retire(c, slot);
}

/* Insert or replace the entry for key. Returns the entry, or NULL when the item is too
 * big to cache or memory is short (the cache then simply does not hold the key). */
static centry_t *upsert(cstore_t *c, const void *key, size_t klen, const void *val, size_t vlen,
                        bool present) {
  uint64_t h = key_hash(key, klen);
  centry_t **slot = find_slot(c, key, klen, h);
  if (*slot) retire(c, slot);
  size_t need = klen + (present ? vlen : 0);
  if (sizeof(centry_t) + need > c->max_item) return NULL;
  while (c->tail && c->bytes + sizeof(centry_t) + need > c->capacity) {
    centry_t *victim = c->tail;
    retire(c, find_slot(c, victim->data, victim->klen, victim->hash));
    c->evictions++;
  }
  centry_t *e = c->spare;
  if (e && e->cap >= need) {
    c->spare = NULL;
  } else {
    /* Round up so entries of similar sizes can reuse each other. */
    size_t cap = (need + 31) & ~(size_t)31;
    e = malloc(sizeof *e + cap);
    if (!e) return NULL;
    e->cap = (uint32_t)cap;
  }
  e->hash = h;
  e->klen = (uint32_t)klen;
  e->vlen = present ? (uint32_t)vlen : 0;
  e->present = present;
  memcpy(e->data, key, klen);
  if (present && vlen) memcpy(e->data + klen, val, vlen);
  slot = &c->buckets[h & c->mask];
  e->hnext = *slot;
  *slot = e;
  lru_push_front(c, e);
  c->bytes += entry_size(e);
  c->entries++;
  return e;
}

static wy_status_t cache_get(wy_store_t *s, const void *key, size_t key_len, const void **value,
                             size_t *value_len, bool *found, wy_error_t *err) {
  cstore_t *c = (cstore_t *)s;
  uint64_t h = key_hash(key, key_len);
  centry_t *e = *find_slot(c, key, key_len, h);
  if (e) {
    c->hits++;
    if (e != c->head) {
      lru_unlink(c, e);
      lru_push_front(c, e);
    }
  } else {
    c->misses++;
    const void *v;
    size_t vlen;
    bool f;
    wy_status_t st = wy_store_get(c->inner, key, key_len, &v, &vlen, &f, err);
    if (st != WY_OK) return st;
    e = upsert(c, key, key_len, v, vlen, f);
    if (!e) { /* not cacheable: hand out inner's copy, valid until its next call */
      *value = f ? v : NULL;
      *value_len = f ? vlen : 0;
      *found = f;
      return WY_OK;
    }
  }
  *found = e->present;
  *value = e->present ? e->data + e->klen : NULL;
  *value_len = e->vlen;
  return WY_OK;
}

static wy_status_t cache_put(wy_store_t *s, const void *key, size_t key_len, const void *value,
                             size_t value_len, wy_error_t *err) {
  cstore_t *c = (cstore_t *)s;
  wy_status_t st = wy_store_put(c->inner, key, key_len, value, value_len, err);
  if (st != WY_OK)
    remove_key(c, key, key_len);
  else
    upsert(c, key, key_len, value, value_len, true);
  return st;
}

static wy_status_t cache_del(wy_store_t *s, const void *key, size_t key_len, wy_error_t *err) {
  cstore_t *c = (cstore_t *)s;
  wy_status_t st = wy_store_delete(c->inner, key, key_len, err);
  if (st != WY_OK)
    remove_key(c, key, key_len);
  else
    upsert(c, key, key_len, NULL, 0, false);
  return st;
}

static wy_status_t cache_write(wy_store_t *s, const wy_store_op_t *ops, size_t n, wy_error_t *err) {
  cstore_t *c = (cstore_t *)s;
  /* Invalidate rather than update: a batch may touch one key twice. */
  for (size_t i = 0; i < n; i++) remove_key(c, ops[i].key, ops[i].key_len);
  return wy_store_write(c->inner, ops, n, err);
}

static wy_status_t cache_range(wy_store_t *s, const void *lo, size_t lo_len, const void *hi,
                               size_t hi_len, wy_store_iter_t **out, wy_error_t *err) {
  return wy_store_range(((cstore_t *)s)->inner, lo, lo_len, hi, hi_len, out, err);
}

static wy_status_t cache_flush(wy_store_t *s, wy_error_t *err) {
  return wy_store_flush(((cstore_t *)s)->inner, err);
}

void wy_store_cache_clear(wy_store_t *s) {
  if (!s || s->ops != &cache_ops) return;
  cstore_t *c = (cstore_t *)s;
  while (c->head) {
    centry_t *e = c->head;
    c->head = e->next;
    free(e);
  }
  c->tail = NULL;
  memset(c->buckets, 0, (c->mask + 1) * sizeof *c->buckets);
  c->bytes = c->entries = 0;
}

static void cache_close(wy_store_t *s) {
  cstore_t *c = (cstore_t *)s;
  wy_store_cache_clear(s);
  free(c->spare);
  free(c->buckets);
  wy_store_close(c->inner);
  free(c);
}

static const wy_store_ops_t cache_ops = {.get = cache_get,
                                         .put = cache_put,
                                         .del = cache_del,
                                         .write = cache_write,
                                         .range = cache_range,
                                         .flush = cache_flush,
                                         .close = cache_close};

wy_status_t wy_store_cached_new(wy_store_t *inner, size_t capacity_bytes, wy_store_t **out,
                                wy_error_t *err) {
  *out = NULL;
  cstore_t *c = calloc(1, sizeof *c);
  /* About one bucket per 128 bytes of capacity: chains stay short for typical rows. */
  size_t nb = 64;
  while (nb < capacity_bytes / 128 && nb < ((size_t)1 << 22)) nb <<= 1;
  if (c) c->buckets = calloc(nb, sizeof *c->buckets);
  if (!c || !c->buckets) {
    free(c);
    wy_store_close(inner);
    return wy_error_set(err, WY_ERR_NOMEM, "read cache: out of memory");
  }
  c->base.ops = &cache_ops;
  c->base.name = inner->name;
  c->inner = inner;
  c->mask = nb - 1;
  c->capacity = capacity_bytes;
  /* One item may not take more than an eighth of the cache, or one big value would
   * flush everything else. */
  c->max_item = capacity_bytes / 8;
  *out = &c->base;
  return WY_OK;
}

bool wy_store_cache_stats(const wy_store_t *s, wy_store_cache_stats_t *out) {
  if (!s || s->ops != &cache_ops) return false;
  const cstore_t *c = (const cstore_t *)s;
  *out =
      (wy_store_cache_stats_t){c->hits, c->misses, c->evictions, c->entries, c->bytes, c->capacity};
  return true;
}
