/* bench_store — workload store-put-get: point writes then point reads of 100-byte
 * values in one task's store, with and without the read cache (and with changelog
 * logging to the memory connector), each against raw RocksDB C API calls on an instance
 * with the same options, in the same run. One JSON object per result line.
 *   bench_store [--quick] [--ops N] [--dir PATH]
 */
#include <rocksdb/c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connectors/memory/memory.h"
#include "state/state.h"

#define VALUE_LEN 100

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Keys are a fixed permutation of 0..n-1 so neither side gets sequential inserts. */
static void make_key(uint64_t i, char *buf) {
  uint64_t x = (i * 0x9E3779B97F4A7C15ULL) ^ 0x5bd1e995;
  memcpy(buf, &x, 8);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void rm_rf(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", path);
}

static double run_raw(const char *dir, long n, size_t write_buffer, size_t cache_bytes) {
  rocksdb_options_t *o = rocksdb_options_create();
  rocksdb_options_set_create_if_missing(o, 1);
  rocksdb_options_set_write_buffer_size(o, write_buffer);
  rocksdb_options_set_max_write_buffer_number(o, 2);
  rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
  rocksdb_cache_t *cache = rocksdb_cache_create_lru(cache_bytes);
  rocksdb_block_based_options_set_block_cache(t, cache);
  rocksdb_block_based_options_set_cache_index_and_filter_blocks(t, 1);
  rocksdb_block_based_options_set_filter_policy(t, rocksdb_filterpolicy_create_bloom(10));
  rocksdb_options_set_block_based_table_factory(o, t);
  char *err = NULL;
  rocksdb_t *db = rocksdb_open(o, dir, &err);
  if (err) {
    fprintf(stderr, "raw open: %s\n", err);
    exit(1);
  }
  rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
  rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
  char key[8], val[VALUE_LEN];
  memset(val, 'v', sizeof val);
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    make_key((uint64_t)i, key);
    memcpy(val, key, 8);
    rocksdb_put(db, wo, key, 8, val, VALUE_LEN, &err);
  }
  size_t found = 0;
  for (long i = 0; i < n; i++) {
    make_key(next_rand() % (uint64_t)n, key);
    size_t len;
    char *v = rocksdb_get(db, ro, key, 8, &len, &err);
    found += v != NULL;
    free(v);
  }
  double dt = now_s() - t0;
  if (found != (size_t)n || err) fprintf(stderr, "raw: lost records (%zu of %ld)\n", found, n);
  rocksdb_writeoptions_destroy(wo);
  rocksdb_readoptions_destroy(ro);
  rocksdb_close(db);
  rocksdb_options_destroy(o);
  rocksdb_block_based_options_destroy(t);
  rocksdb_cache_destroy(cache);
  return 2.0 * (double)n / dt;
}

static double run_store(const char *dir, long n, int64_t cache_bytes, bool logged,
                        size_t *write_buffer, size_t *block_cache, wy_store_cache_stats_t *cst,
                        wy_state_memory_t *used) {
  wy_state_config_t cfg;
  wy_state_config_init(&cfg, NULL);
  wy_state_config_set(&cfg, "state.dir", dir, NULL);
  wy_state_env_t *env;
  wy_error_t err;
  wy_memory_broker_t *b = NULL;
  wy_sink_t *sink = NULL;
  wy_task_state_t *ts;
  wy_store_t *s;
  if (wy_state_env_new(&cfg, &env, &err) != WY_OK ||
      wy_task_state_open(env, "bench", 0, 0, &ts, &err) != WY_OK) {
    fprintf(stderr, "store open: %s\n", err.msg);
    exit(1);
  }
  if (logged) {
    wy_memory_broker_new(&b, NULL);
    wy_memory_sink_new(b, &sink, NULL);
    sink->on_delivery = wy_delivery_dispatch;
  }
  wy_store_spec_t spec = {.name = "s",
                          .changelog = logged ? WY_CHANGELOG_OWN : WY_CHANGELOG_NONE,
                          .topic = logged ? "bench-s-changelog" : NULL,
                          .sink = sink,
                          .cache_bytes = cache_bytes};
  if (wy_task_state_store(ts, &spec, &s, &err) != WY_OK) {
    fprintf(stderr, "store: %s\n", err.msg);
    exit(1);
  }
  wy_state_memory_t mem;
  wy_state_env_memory(env, &mem, NULL);
  *write_buffer = mem.write_buffer_size;
  *block_cache = mem.block_cache_capacity;
  char key[8], val[VALUE_LEN];
  memset(val, 'v', sizeof val);
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    make_key((uint64_t)i, key);
    memcpy(val, key, 8);
    if (wy_store_put(s, key, 8, val, VALUE_LEN, &err) != WY_OK) break;
    if (sink && (i & 1023) == 0) wy_sink_poll(sink);
  }
  size_t found = 0;
  for (long i = 0; i < n; i++) {
    make_key(next_rand() % (uint64_t)n, key);
    const void *v;
    size_t len;
    bool f;
    wy_store_get(s, key, 8, &v, &len, &f, &err);
    found += f;
  }
  double dt = now_s() - t0;
  if (found != (size_t)n) fprintf(stderr, "store: lost records (%zu of %ld)\n", found, n);
  if (!wy_store_cache_stats(s, cst)) memset(cst, 0, sizeof *cst);
  wy_state_env_memory(env, used, NULL);
  if (sink) wy_sink_flush(sink, 1000, NULL);
  wy_task_state_close(ts);
  wy_sink_destroy(sink);
  wy_memory_broker_destroy(b);
  wy_state_env_destroy(env);
  wy_state_config_release(&cfg);
  return 2.0 * (double)n / dt;
}

int main(int argc, char **argv) {
  long n = 200000;
  const char *base = "/tmp";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0)
      n = 50000;
    else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
      n = atol(argv[++i]);
    else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
      base = argv[++i];
    else {
      fprintf(stderr, "usage: bench_store [--quick] [--ops N] [--dir PATH]\n");
      return 2;
    }
  }
  char dir[512], rawdir[600];
  snprintf(dir, sizeof dir, "%s/wy_bench_store_%d", base, (int)getpid());
  snprintf(rawdir, sizeof rawdir, "%s/raw", dir);
  struct {
    const char *mode;
    int64_t cache;
    bool logged;
  } modes[] = {
      {"nocache", 0, false}, {"cache", 64 << 20, false}, {"cache+changelog", 64 << 20, true}};
  for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
    /* Alternate raw and engine runs and keep each side's best: on a shared machine
     * this cancels most of the noise that a single ordered pair picks up. */
    size_t wb, bc;
    wy_store_cache_stats_t cst;
    wy_state_memory_t used;
    double engine = 0, raw = 0;
    for (int rep = 0; rep < 2; rep++) {
      rm_rf(dir);
      rng = 88172645463325252ULL;
      double e = run_store(dir, n, modes[m].cache, modes[m].logged, &wb, &bc, &cst, &used);
      rng = 88172645463325252ULL;
      double r = run_raw(rawdir, n, wb, bc);
      if (e > engine) engine = e;
      if (r > raw) raw = r;
    }
    printf(
        "{\"workload\":\"store-put-get\",\"mode\":\"%s\",\"records\":%ld,\"engine_rps\":%.0f,"
        "\"baseline\":\"rocksdb-c-api\",\"baseline_rps\":%.0f,\"ratio\":%.3f,"
        "\"cache_hits\":%llu,\"cache_misses\":%llu,\"rocksdb_budget\":%zu,"
        "\"rocksdb_memtables\":%zu,\"rocksdb_block_cache\":%zu}\n",
        modes[m].mode, n, engine, raw, raw / engine, (unsigned long long)cst.hits,
        (unsigned long long)cst.misses, used.budget, used.memtables, used.block_cache_usage);
    fflush(stdout);
  }
  rm_rf(dir);
  return 0;
}
