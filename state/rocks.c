/* Node environment, task states and the RocksDB store (see state.h). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "state/state_int.h"

#define MIN_WRITE_BUFFER (64u << 10) /* RocksDB's own lower bound */

struct wy_state_env {
  wy_state_config_t cfg;
  rocksdb_cache_t *cache;
  rocksdb_env_t *renv;
  rocksdb_block_based_table_options_t *table;
  pthread_mutex_t mu; /* guards the list of open tasks and their column families */
  wy_task_state_t *open;
  size_t open_stores;
  size_t write_buffer_size;
};

/* ---- configuration ---- */

static bool parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || errno || *s == '-') return false;
  unsigned shift = 0;
  switch (*end) {
    case 'k':
    case 'K':
      shift = 10;
      end++;
      break;
    case 'm':
    case 'M':
      shift = 20;
      end++;
      break;
    case 'g':
    case 'G':
      shift = 30;
      end++;
      break;
    default:
      break;
  }
  if (*end || (shift && v > (ULLONG_MAX >> shift))) return false;
  *out = (size_t)(v << shift);
  return true;
}

static wy_status_t set_str(char **field, const char *key, const char *value, wy_error_t *err) {
  char *copy = strdup(value);
  if (!copy) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!*value) {
    free(copy);
    return wy_error_set(err, WY_ERR_CONFIG, "%s must not be empty", key);
  }
  free(*field);
  *field = copy;
  return WY_OK;
}

static wy_status_t set_size(size_t *field, const char *key, const char *value, wy_error_t *err) {
  if (!parse_size(value, field))
    return wy_error_set(err, WY_ERR_CONFIG, "%s: '%s' is not a size", key, value);
  return WY_OK;
}

#define WY_X_SET_STR(f, key, v, err) set_str(&cfg->f, key, v, err)
#define WY_X_SET_SIZE(f, key, v, err) set_size(&cfg->f, key, v, err)

wy_status_t wy_state_config_set(wy_state_config_t *cfg, const char *key, const char *value,
                                wy_error_t *err) {
#define WY_X_CFG_SET(field, k, kind, def, doc)                                     \
  if (strcmp(key, k) == 0) {                                                       \
    wy_status_t st = WY_X_SET_##kind(field, k, value, err);                        \
    if (st == WY_OK && cfg->write_buffer_percent > 90)                             \
      return wy_error_set(err, WY_ERR_CONFIG, "write buffer share must be <= 90"); \
    return st;                                                                     \
  }
  WY_STATE_CONFIG_KEYS(WY_X_CFG_SET)
#undef WY_X_CFG_SET
  return wy_error_set(err, WY_ERR_NOT_FOUND, "unknown state key %s", key);
}

wy_status_t wy_state_config_init(wy_state_config_t *cfg, wy_error_t *err) {
  memset(cfg, 0, sizeof *cfg);
#define WY_X_CFG_DEF(field, k, kind, def, doc)          \
  if (wy_state_config_set(cfg, k, def, err) != WY_OK) { \
    wy_state_config_release(cfg);                       \
    return err ? err->code : WY_ERR_CONFIG;             \
  }
  WY_STATE_CONFIG_KEYS(WY_X_CFG_DEF)
#undef WY_X_CFG_DEF
  return WY_OK;
}

static void free_str(char **p) {
  free(*p);
  *p = NULL;
}
static void free_size(size_t *p) { *p = 0; }

void wy_state_config_release(wy_state_config_t *cfg) {
  if (!cfg) return;
#define WY_X_FREE_STR(f) free_str(&cfg->f)
#define WY_X_FREE_SIZE(f) free_size(&cfg->f)
#define WY_X_CFG_FREE(field, k, kind, def, doc) WY_X_FREE_##kind(field);
  WY_STATE_CONFIG_KEYS(WY_X_CFG_FREE)
#undef WY_X_CFG_FREE
}

size_t wy_state_config_doc(char *buf, size_t cap) {
  size_t n = 0;
#define WY_X_DOC_APPEND(...)                                                        \
  do {                                                                              \
    int k = snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, __VA_ARGS__); \
    if (k > 0) n += (size_t)k;                                                      \
  } while (0)
  WY_X_DOC_APPEND("| key | default | meaning |\n|---|---|---|\n");
#define WY_X_CFG_DOC(field, k, kind, def, doc) \
  WY_X_DOC_APPEND("| `%s` | `%s` | %s |\n", k, def, doc);
  WY_STATE_CONFIG_KEYS(WY_X_CFG_DOC)
#undef WY_X_CFG_DOC
#undef WY_X_DOC_APPEND
  return n;
}

static wy_status_t config_copy(wy_state_config_t *dst, const wy_state_config_t *src,
                               wy_error_t *err) {
  memset(dst, 0, sizeof *dst);
  bool ok = true;
#define WY_X_COPY_STR(f) ok = ok && (dst->f = strdup(src->f ? src->f : "")) != NULL
#define WY_X_COPY_SIZE(f) dst->f = src->f
#define WY_X_CFG_COPY(field, k, kind, def, doc) WY_X_COPY_##kind(field);
  WY_STATE_CONFIG_KEYS(WY_X_CFG_COPY)
#undef WY_X_CFG_COPY
  if (!ok) {
    wy_state_config_release(dst);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  return WY_OK;
}

/* ---- helpers ---- */

wy_status_t wy_rocks_error(wy_error_t *err, char *rerr, const char *what, const char *name) {
  wy_error_set(err, WY_ERR_STORE, "store %s: %s: %s", name, what, rerr ? rerr : "unknown error");
  rocksdb_free(rerr);
  return WY_ERR_STORE;
}

static wy_status_t mkdirs(const char *path, wy_error_t *err) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return wy_error_set(err, WY_ERR_IO, "path too long: %s", path);
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || !*p) {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return wy_error_set(err, WY_ERR_IO, "cannot create %s: %s", buf, strerror(errno));
      struct stat sb;
      if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return wy_error_set(err, WY_ERR_IO, "%s is not a directory", buf);
      *p = c;
      if (!c) break;
    }
  }
  return WY_OK;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  return remove(path);
}

static wy_status_t rmtree(const char *path, wy_error_t *err) {
  struct stat sb;
  if (lstat(path, &sb) != 0) return WY_OK;
  if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    return wy_error_set(err, WY_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
  return WY_OK;
}

static bool valid_name(const char *s) {
  if (!s || !*s || strlen(s) > 200) return false;
  for (; *s; s++)
    if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9') &&
        *s != '.' && *s != '_' && *s != '-')
      return false;
  return true;
}

/* ---- environment ---- */

static size_t write_buffer_total(const wy_state_env_t *env) {
  size_t m = env->cfg.memory_bytes, p = env->cfg.write_buffer_percent;
  return m / 100 * p + m % 100 * p / 100;
}

/* Re-divide the memtable share among open column families. Caller holds env->mu. */
static void rebalance_locked(wy_state_env_t *env) {
  size_t per = write_buffer_total(env) / (2 * (env->open_stores ? env->open_stores : 1));
  if (per < MIN_WRITE_BUFFER) per = MIN_WRITE_BUFFER;
  if (per == env->write_buffer_size) return;
  env->write_buffer_size = per;
  char val[32];
  snprintf(val, sizeof val, "%zu", per);
  const char *keys[] = {"write_buffer_size"}, *vals[] = {val};
  for (wy_task_state_t *ts = env->open; ts; ts = ts->next_open) {
    rocksdb_options_set_write_buffer_size(ts->opts, per);
    for (size_t i = 0; i < ts->nstores; i++) {
      char *rerr = NULL;
      rocksdb_set_options_cf(ts->db, ts->stores[i]->cf, 1, keys, vals, &rerr);
      if (rerr) {
        wy_log(WY_LOG_WARN, "state", "cannot resize write buffer store=%s error=%s",
               ts->stores[i]->name, rerr);
        rocksdb_free(rerr);
      }
    }
  }
}

wy_status_t wy_state_env_new(const wy_state_config_t *cfg, wy_state_env_t **out, wy_error_t *err) {
  *out = NULL;
  wy_state_env_t *env = calloc(1, sizeof *env);
  if (!env) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (config_copy(&env->cfg, cfg, err) != WY_OK) {
    free(env);
    return err ? err->code : WY_ERR_NOMEM;
  }
  pthread_mutex_init(&env->mu, NULL);
  wy_status_t st = mkdirs(env->cfg.dir, err);
  if (st != WY_OK) {
    wy_error_prefix(err, "state.dir");
    wy_state_env_destroy(env);
    return st;
  }
  size_t wb = write_buffer_total(env);
  size_t cache = env->cfg.memory_bytes > wb ? env->cfg.memory_bytes - wb : (1u << 20);
  env->cache = rocksdb_cache_create_lru(cache);
  env->renv = rocksdb_create_default_env();
  int threads = env->cfg.background_threads ? (int)env->cfg.background_threads : 1;
  rocksdb_env_set_background_threads(env->renv, threads);
  rocksdb_env_set_high_priority_background_threads(env->renv, 1);
  env->table = rocksdb_block_based_options_create();
  rocksdb_block_based_options_set_block_cache(env->table, env->cache);
  rocksdb_block_based_options_set_cache_index_and_filter_blocks(env->table, 1);
  rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(env->table, 1);
  rocksdb_block_based_options_set_filter_policy(env->table, rocksdb_filterpolicy_create_bloom(10));
  rocksdb_block_based_options_set_format_version(env->table, 5);
  env->write_buffer_size = 0;
  rebalance_locked(env);
  *out = env;
  return WY_OK;
}

void wy_state_env_destroy(wy_state_env_t *env) {
  if (!env) return;
  if (env->open) wy_log(WY_LOG_ERROR, "state", "state environment destroyed with open tasks");
  if (env->table) rocksdb_block_based_options_destroy(env->table);
  if (env->cache) rocksdb_cache_destroy(env->cache);
  if (env->renv) rocksdb_env_destroy(env->renv);
  pthread_mutex_destroy(&env->mu);
  wy_state_config_release(&env->cfg);
  free(env);
}

wy_status_t wy_state_env_memory(wy_state_env_t *env, wy_state_memory_t *out, wy_error_t *err) {
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&env->mu);
  rocksdb_memory_consumers_t *mc = rocksdb_memory_consumers_create();
  for (wy_task_state_t *ts = env->open; ts; ts = ts->next_open)
    rocksdb_memory_consumers_add_db(mc, ts->db);
  rocksdb_memory_consumers_add_cache(mc, env->cache);
  char *rerr = NULL;
  rocksdb_memory_usage_t *mu = rocksdb_approximate_memory_usage_create(mc, &rerr);
  if (mu) {
    out->memtables = rocksdb_approximate_memory_usage_get_mem_table_total(mu);
    out->table_readers = rocksdb_approximate_memory_usage_get_mem_table_readers_total(mu);
    rocksdb_approximate_memory_usage_destroy(mu);
  }
  rocksdb_memory_consumers_destroy(mc);
  out->budget = env->cfg.memory_bytes;
  out->block_cache_capacity = rocksdb_cache_get_capacity(env->cache);
  out->block_cache_usage = rocksdb_cache_get_usage(env->cache);
  out->block_cache_pinned = rocksdb_cache_get_pinned_usage(env->cache);
  out->write_buffer_size = env->write_buffer_size;
  out->open_stores = env->open_stores;
  pthread_mutex_unlock(&env->mu);
  if (rerr) return wy_rocks_error(err, rerr, "memory usage", "*");
  return WY_OK;
}

size_t wy_state_query_dir(const char *state_dir, const char *service_id, const char *query_id,
                          char *buf, size_t cap) {
  int n = snprintf(buf, cap, "%s/%s/%s", state_dir, service_id, query_id);
  return n < 0 ? 0 : (size_t)n;
}

size_t wy_state_env_query_dir(const wy_state_env_t *env, const char *query_id, char *buf,
                              size_t cap) {
  return wy_state_query_dir(env->cfg.dir, env->cfg.service_id, query_id, buf, cap);
}

/* Bytes of the regular files under path (not following links); vanished entries count 0. */
static uint64_t tree_bytes(const char *path, int depth) {
  DIR *d = opendir(path);
  if (!d) return 0;
  uint64_t sum = 0;
  for (struct dirent *de; (de = readdir(d)) != NULL;) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    char child[PATH_MAX];
    struct stat sb;
    if (snprintf(child, sizeof child, "%s/%s", path, de->d_name) >= (int)sizeof child ||
        lstat(child, &sb) != 0)
      continue;
    if (S_ISREG(sb.st_mode))
      sum += (uint64_t)sb.st_size;
    else if (S_ISDIR(sb.st_mode) && depth < 4)
      sum += tree_bytes(child, depth + 1);
  }
  closedir(d);
  return sum;
}

size_t wy_state_query_disk_usage(const char *query_dir,
                                 void (*fn)(void *user, const char *task, uint64_t bytes),
                                 void *user) {
  DIR *d = opendir(query_dir);
  if (!d) return 0;
  size_t n = 0;
  for (struct dirent *de; (de = readdir(d)) != NULL;) {
    char child[PATH_MAX];
    struct stat sb;
    if (de->d_name[0] == '.' ||
        snprintf(child, sizeof child, "%s/%s", query_dir, de->d_name) >= (int)sizeof child ||
        lstat(child, &sb) != 0 || !S_ISDIR(sb.st_mode))
      continue;
    fn(user, de->d_name, tree_bytes(child, 0));
    n++;
  }
  closedir(d);
  return n;
}

wy_status_t wy_state_remove_query(wy_state_env_t *env, const char *query_id, wy_error_t *err) {
  if (!valid_name(query_id))
    return wy_error_set(err, WY_ERR_INVALID, "bad query id '%s'", query_id);
  pthread_mutex_lock(&env->mu);
  for (wy_task_state_t *ts = env->open; ts; ts = ts->next_open) {
    if (strcmp(ts->query_id, query_id) == 0) {
      pthread_mutex_unlock(&env->mu);
      return wy_error_set(err, WY_ERR_INVALID, "query %s still has open tasks (%s)", query_id,
                          ts->dir);
    }
  }
  char path[PATH_MAX];
  wy_state_env_query_dir(env, query_id, path, sizeof path);
  wy_status_t st = rmtree(path, err);
  pthread_mutex_unlock(&env->mu);
  return st;
}

/* ---- the RocksDB store ---- */

typedef struct rstore {
  wy_store_t base;
  wy_task_state_t *ts;
  wy_tstore_t *t;                  /* its column family may be replaced by a wipe */
  rocksdb_pinnableslice_t *pinned; /* the last value read, until the next call */
} rstore_t;

static void release_pinned(rstore_t *r) {
  if (r->pinned) {
    rocksdb_pinnableslice_destroy(r->pinned);
    r->pinned = NULL;
  }
}

static wy_status_t rs_get(wy_store_t *s, const void *key, size_t key_len, const void **value,
                          size_t *value_len, bool *found, wy_error_t *err) {
  rstore_t *r = (rstore_t *)s;
  release_pinned(r);
  char *rerr = NULL;
  r->pinned = rocksdb_get_pinned_cf(r->ts->db, r->ts->ropts, r->t->cf, key, key_len, &rerr);
  if (rerr) return wy_rocks_error(err, rerr, "get", s->name);
  *value = r->pinned ? rocksdb_pinnableslice_value(r->pinned, value_len) : NULL;
  *found = *value != NULL;
  if (!*found) *value_len = 0;
  return WY_OK;
}

static wy_status_t rs_put(wy_store_t *s, const void *key, size_t key_len, const void *value,
                          size_t value_len, wy_error_t *err) {
  rstore_t *r = (rstore_t *)s;
  char *rerr = NULL;
  rocksdb_put_cf(r->ts->db, r->ts->wopts, r->t->cf, key, key_len, value, value_len, &rerr);
  return rerr ? wy_rocks_error(err, rerr, "put", s->name) : WY_OK;
}

static wy_status_t rs_del(wy_store_t *s, const void *key, size_t key_len, wy_error_t *err) {
  rstore_t *r = (rstore_t *)s;
  char *rerr = NULL;
  rocksdb_delete_cf(r->ts->db, r->ts->wopts, r->t->cf, key, key_len, &rerr);
  return rerr ? wy_rocks_error(err, rerr, "delete", s->name) : WY_OK;
}

static wy_status_t rs_write(wy_store_t *s, const wy_store_op_t *ops, size_t n, wy_error_t *err) {
  rstore_t *r = (rstore_t *)s;
  rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
  for (size_t i = 0; i < n; i++) {
    if (ops[i].value)
      rocksdb_writebatch_put_cf(wb, r->t->cf, ops[i].key, ops[i].key_len, ops[i].value,
                                ops[i].value_len);
    else
      rocksdb_writebatch_delete_cf(wb, r->t->cf, ops[i].key, ops[i].key_len);
  }
  char *rerr = NULL;
  rocksdb_write(r->ts->db, r->ts->wopts, wb, &rerr);
  rocksdb_writebatch_destroy(wb);
  return rerr ? wy_rocks_error(err, rerr, "write batch", s->name) : WY_OK;
}

typedef struct riter {
  wy_store_iter_t base;
  rocksdb_iterator_t *it;
  rocksdb_readoptions_t *ro;
  const char *name;
  char *hi; /* upper bound, which must outlive the iterator */
} riter_t;

static bool ri_valid(wy_store_iter_t *it) { return rocksdb_iter_valid(((riter_t *)it)->it); }
static void ri_next(wy_store_iter_t *it) { rocksdb_iter_next(((riter_t *)it)->it); }
static const void *ri_key(wy_store_iter_t *it, size_t *len) {
  return rocksdb_iter_key(((riter_t *)it)->it, len);
}
static const void *ri_value(wy_store_iter_t *it, size_t *len) {
  return rocksdb_iter_value(((riter_t *)it)->it, len);
}
static wy_status_t ri_status(wy_store_iter_t *it, wy_error_t *err) {
  char *rerr = NULL;
  rocksdb_iter_get_error(((riter_t *)it)->it, &rerr);
  return rerr ? wy_rocks_error(err, rerr, "scan", ((riter_t *)it)->name) : WY_OK;
}
static void ri_destroy(wy_store_iter_t *it) {
  riter_t *r = (riter_t *)it;
  rocksdb_iter_destroy(r->it);
  rocksdb_readoptions_destroy(r->ro);
  free(r->hi);
  free(r);
}

static const wy_store_iter_ops_t riter_ops = {.valid = ri_valid,
                                              .next = ri_next,
                                              .key = ri_key,
                                              .value = ri_value,
                                              .status = ri_status,
                                              .destroy = ri_destroy};

static wy_status_t rs_range(wy_store_t *s, const void *lo, size_t lo_len, const void *hi,
                            size_t hi_len, wy_store_iter_t **out, wy_error_t *err) {
  rstore_t *r = (rstore_t *)s;
  *out = NULL;
  riter_t *it = calloc(1, sizeof *it);
  if (!it || (hi && !(it->hi = malloc(hi_len ? hi_len : 1)))) {
    free(it);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  it->base.ops = &riter_ops;
  it->name = s->name;
  it->ro = rocksdb_readoptions_create();
  if (hi) {
    if (hi_len) memcpy(it->hi, hi, hi_len);
    rocksdb_readoptions_set_iterate_upper_bound(it->ro, it->hi, hi_len);
  }
  it->it = rocksdb_create_iterator_cf(r->ts->db, it->ro, r->t->cf);
  if (lo)
    rocksdb_iter_seek(it->it, lo, lo_len);
  else
    rocksdb_iter_seek_to_first(it->it);
  *out = &it->base;
  return WY_OK;
}

static wy_status_t rs_flush(wy_store_t *s, wy_error_t *err) {
  rstore_t *r = (rstore_t *)s;
  rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
  rocksdb_flushoptions_set_wait(fo, 1);
  char *rerr = NULL;
  rocksdb_flush_cf(r->ts->db, fo, r->t->cf, &rerr);
  rocksdb_flushoptions_destroy(fo);
  return rerr ? wy_rocks_error(err, rerr, "flush", s->name) : WY_OK;
}

static void rs_close(wy_store_t *s) {
  rstore_t *r = (rstore_t *)s;
  release_pinned(r);
  free(r);
}

static const wy_store_ops_t rstore_ops = {.get = rs_get,
                                          .put = rs_put,
                                          .del = rs_del,
                                          .write = rs_write,
                                          .range = rs_range,
                                          .flush = rs_flush,
                                          .close = rs_close};

/* ---- task state ---- */

static void tstore_free(wy_tstore_t *t) {
  if (!t) return;
  wy_store_close(t->top); /* closes the whole stack down to raw */
  free(t->name);
  free(t->topic);
  free(t);
}

static wy_tstore_t *tstore_new(const char *name, rocksdb_column_family_handle_t *cf) {
  wy_tstore_t *t = calloc(1, sizeof *t);
  if (!t || !(t->name = strdup(name))) {
    free(t);
    return NULL;
  }
  t->cf = cf;
  t->position = -1;
  t->restore_end = -1;
  return t;
}

static void unregister_locked(wy_task_state_t *ts) {
  for (wy_task_state_t **pp = &ts->env->open; *pp; pp = &(*pp)->next_open) {
    if (*pp == ts) {
      *pp = ts->next_open;
      ts->env->open_stores -= ts->nstores;
      return;
    }
  }
}

void wy_task_state_close(wy_task_state_t *ts) {
  if (!ts) return;
  pthread_mutex_lock(&ts->env->mu);
  unregister_locked(ts);
  rebalance_locked(ts->env);
  pthread_mutex_unlock(&ts->env->mu);
  for (size_t i = 0; i < ts->nstores; i++) {
    if (ts->stores[i]->cf) rocksdb_column_family_handle_destroy(ts->stores[i]->cf);
    tstore_free(ts->stores[i]);
  }
  free(ts->stores);
  if (ts->db) rocksdb_close(ts->db);
  if (ts->opts) rocksdb_options_destroy(ts->opts);
  if (ts->wopts) rocksdb_writeoptions_destroy(ts->wopts);
  if (ts->ropts) rocksdb_readoptions_destroy(ts->ropts);
  free(ts->query_id);
  free(ts->dir);
  free(ts->db_dir);
  free(ts->checkpoint_path);
  free(ts);
}

const char *wy_task_state_dir(const wy_task_state_t *ts) { return ts->dir; }

void wy_task_state_set_timestamp(wy_task_state_t *ts, int64_t timestamp) {
  ts->timestamp = timestamp;
}

static rocksdb_options_t *task_options(wy_state_env_t *env) {
  rocksdb_options_t *o = rocksdb_options_create();
  rocksdb_options_set_create_if_missing(o, 1);
  rocksdb_options_set_create_missing_column_families(o, 1);
  rocksdb_options_set_env(o, env->renv);
  rocksdb_options_set_block_based_table_factory(o, env->table);
  rocksdb_options_set_write_buffer_size(o, env->write_buffer_size);
  rocksdb_options_set_max_write_buffer_number(o, 2);
  rocksdb_options_set_max_background_jobs(
      o, (int)(env->cfg.background_threads ? env->cfg.background_threads : 1));
  rocksdb_options_set_info_log_level(o, 3 /* ERROR */);
  rocksdb_options_set_keep_log_file_num(o, 2);
  rocksdb_options_set_max_log_file_size(o, 1 << 20);
  rocksdb_options_set_max_open_files(o, 256);
  rocksdb_options_set_paranoid_checks(o, 1);
  return o;
}

static wy_status_t add_cf_locked(wy_task_state_t *ts, wy_tstore_t *t, wy_error_t *err) {
  wy_tstore_t **n = realloc(ts->stores, (ts->nstores + 1) * sizeof *n);
  if (!n) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  ts->stores = n;
  ts->stores[ts->nstores++] = t;
  ts->env->open_stores++;
  return WY_OK;
}

static wy_status_t open_db(wy_task_state_t *ts, wy_error_t *err) {
  char *rerr = NULL;
  size_t ncf = 0;
  char **names = NULL;
  if (!ts->fresh) {
    names = rocksdb_list_column_families(ts->opts, ts->db_dir, &ncf, &rerr);
    if (rerr) {
      /* The C API hands back an (empty) array even on failure. */
      if (names) rocksdb_list_column_families_destroy(names, ncf);
      return wy_rocks_error(err, rerr, "cannot open", ts->dir);
    }
  }
  const char *dflt = "default";
  const char **cfn = calloc(ncf ? ncf : 1, sizeof *cfn);
  const rocksdb_options_t **cfo = calloc(ncf ? ncf : 1, sizeof *cfo);
  rocksdb_column_family_handle_t **h = calloc(ncf ? ncf : 1, sizeof *h);
  wy_status_t st = WY_OK;
  if (!cfn || !cfo || !h) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!ncf) {
    ncf = 1;
    if (cfn) cfn[0] = dflt;
  } else {
    for (size_t i = 0; cfn && i < ncf; i++) cfn[i] = names[i];
  }
  for (size_t i = 0; cfo && i < ncf; i++) cfo[i] = ts->opts;
  if (st == WY_OK) {
    ts->db = rocksdb_open_column_families(ts->opts, ts->db_dir, (int)ncf, cfn, cfo, h, &rerr);
    if (rerr) st = wy_rocks_error(err, rerr, "cannot open", ts->dir);
  }
  for (size_t i = 0; st == WY_OK && i < ncf; i++) {
    if (strcmp(cfn[i], dflt) == 0) {
      rocksdb_column_family_handle_destroy(h[i]);
      h[i] = NULL;
      continue;
    }
    wy_tstore_t *t = tstore_new(cfn[i], h[i]);
    if (!t)
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    else if ((st = add_cf_locked(ts, t, err)) != WY_OK)
      tstore_free(t);
    if (st == WY_OK) h[i] = NULL;
  }
  for (size_t i = 0; st != WY_OK && ts->db && i < ncf; i++)
    if (h[i]) rocksdb_column_family_handle_destroy(h[i]);
  if (names) rocksdb_list_column_families_destroy(names, ncf);
  free(cfn);
  free(cfo);
  free(h);
  return st;
}

wy_status_t wy_task_state_open(wy_state_env_t *env, const char *query_id, int subtopology,
                               int32_t partition, wy_task_state_t **out, wy_error_t *err) {
  *out = NULL;
  if (!valid_name(query_id))
    return wy_error_set(err, WY_ERR_INVALID, "bad query id '%s'", query_id);
  wy_task_state_t *ts = calloc(1, sizeof *ts);
  if (!ts) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  ts->env = env;
  ts->partition = partition;
  ts->query_id = strdup(query_id);
  if (asprintf(&ts->dir, "%s/%s/%s/%d_%d", env->cfg.dir, env->cfg.service_id, query_id, subtopology,
               partition) < 0)
    ts->dir = NULL;
  if (ts->dir && asprintf(&ts->db_dir, "%s/rocksdb", ts->dir) < 0) ts->db_dir = NULL;
  if (ts->dir && asprintf(&ts->checkpoint_path, "%s/checkpoint", ts->dir) < 0)
    ts->checkpoint_path = NULL;
  if (!ts->query_id || !ts->dir || !ts->db_dir || !ts->checkpoint_path) {
    wy_task_state_close(ts);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  wy_status_t st = mkdirs(ts->dir, err);
  if (st != WY_OK) {
    wy_task_state_close(ts);
    return st;
  }
  char current[PATH_MAX];
  snprintf(current, sizeof current, "%s/CURRENT", ts->db_dir);
  ts->fresh = access(current, F_OK) != 0;
  ts->opts = task_options(env);
  ts->wopts = rocksdb_writeoptions_create();
  ts->ropts = rocksdb_readoptions_create();
  pthread_mutex_lock(&env->mu);
  /* Register first so that close() can unregister on any failure below. */
  ts->next_open = env->open;
  env->open = ts;
  st = open_db(ts, err);
  rebalance_locked(env);
  pthread_mutex_unlock(&env->mu);
  if (st != WY_OK) {
    wy_task_state_close(ts);
    return st;
  }
  *out = ts;
  return WY_OK;
}

static wy_status_t create_cf(wy_task_state_t *ts, const char *name,
                             rocksdb_column_family_handle_t **out, wy_error_t *err) {
  char *rerr = NULL;
  *out = rocksdb_create_column_family(ts->db, ts->opts, name, &rerr);
  return rerr ? wy_rocks_error(err, rerr, "cannot create", name) : WY_OK;
}

wy_status_t wy_tstore_wipe(wy_task_state_t *ts, wy_tstore_t *t, wy_error_t *err) {
  char *rerr = NULL;
  rocksdb_drop_column_family(ts->db, t->cf, &rerr);
  if (rerr) return wy_rocks_error(err, rerr, "cannot wipe", t->name);
  pthread_mutex_lock(&ts->env->mu);
  rocksdb_column_family_handle_destroy(t->cf);
  t->cf = NULL;
  wy_status_t st = create_cf(ts, t->name, &t->cf, err);
  pthread_mutex_unlock(&ts->env->mu);
  wy_store_cache_clear(t->top);
  return st;
}

wy_status_t wy_tstore_empty(wy_task_state_t *ts, wy_tstore_t *t, bool *empty, wy_error_t *err) {
  rocksdb_iterator_t *it = rocksdb_create_iterator_cf(ts->db, ts->ropts, t->cf);
  rocksdb_iter_seek_to_first(it);
  *empty = !rocksdb_iter_valid(it);
  char *rerr = NULL;
  rocksdb_iter_get_error(it, &rerr);
  rocksdb_iter_destroy(it);
  return rerr ? wy_rocks_error(err, rerr, "scan", t->name) : WY_OK;
}

static wy_tstore_t *find_tstore(wy_task_state_t *ts, const char *name) {
  for (size_t i = 0; i < ts->nstores; i++)
    if (strcmp(ts->stores[i]->name, name) == 0) return ts->stores[i];
  return NULL;
}

/* Build raw -> [logged] -> [cache] for a column family. */
static wy_status_t build_stack(wy_task_state_t *ts, wy_tstore_t *t, const wy_store_spec_t *spec,
                               wy_error_t *err) {
  rstore_t *r = calloc(1, sizeof *r);
  if (!r) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  r->base.ops = &rstore_ops;
  r->base.name = t->name;
  r->ts = ts;
  r->t = t;
  t->raw = &r->base;
  wy_store_t *top = t->raw;
  wy_status_t st = WY_OK;
  if (spec->changelog == WY_CHANGELOG_OWN) {
    st = wy_logged_store_new(top, ts, t, spec->sink, &t->logged, err);
    top = t->logged;
  }
  int64_t cache = spec->cache_bytes < 0 ? (int64_t)ts->env->cfg.cache_bytes : spec->cache_bytes;
  if (st == WY_OK && cache > 0) st = wy_store_cached_new(top, (size_t)cache, &top, err);
  if (st != WY_OK) {
    t->raw = t->logged = NULL; /* the wrappers closed what they were given */
    return st;
  }
  t->top = top;
  return WY_OK;
}

wy_status_t wy_task_state_store(wy_task_state_t *ts, const wy_store_spec_t *spec, wy_store_t **out,
                                wy_error_t *err) {
  *out = NULL;
  if (!valid_name(spec->name) || strcmp(spec->name, "default") == 0)
    return wy_error_set(err, WY_ERR_INVALID, "bad store name '%s'", spec->name ? spec->name : "");
  if (spec->changelog == WY_CHANGELOG_OWN && !spec->sink)
    return wy_error_set(err, WY_ERR_INVALID, "store %s: a logged store needs a sink", spec->name);
  if (spec->changelog != WY_CHANGELOG_NONE && (!spec->topic || !*spec->topic))
    return wy_error_set(err, WY_ERR_INVALID, "store %s: changelog topic missing", spec->name);
  wy_tstore_t *t = find_tstore(ts, spec->name);
  if (t && t->configured) {
    *out = t->top;
    return WY_OK;
  }
  wy_status_t st = WY_OK;
  if (!t) {
    rocksdb_column_family_handle_t *cf;
    if ((st = create_cf(ts, spec->name, &cf, err)) != WY_OK) return st;
    if (!(t = tstore_new(spec->name, cf))) {
      rocksdb_column_family_handle_destroy(cf);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_lock(&ts->env->mu);
    st = add_cf_locked(ts, t, err);
    if (st == WY_OK) rebalance_locked(ts->env);
    pthread_mutex_unlock(&ts->env->mu);
    if (st != WY_OK) {
      rocksdb_column_family_handle_destroy(cf);
      tstore_free(t);
      return st;
    }
  }
  t->mode = spec->changelog;
  free(t->topic);
  t->topic = NULL;
  if (spec->changelog != WY_CHANGELOG_NONE) t->topic = strdup(spec->topic);
  if (spec->changelog != WY_CHANGELOG_NONE && !t->topic)
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  t->restore = spec->restore;
  t->restore_opaque = spec->restore_opaque;
  if ((st = build_stack(ts, t, spec, err)) != WY_OK) return st;
  t->configured = true;
  *out = t->top;
  return WY_OK;
}
