/* state: store semantics on RocksDB, key order in scans, the read cache, changelog
 * logging, the memory budget, and RocksDB errors surfacing as store errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connectors/memory/memory.h"
#include "engine/formats/keycodec.h"
#include "state/state.h"

typedef struct fixture {
  char dir[64];
  wy_state_config_t cfg;
  wy_state_env_t *env;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/wy_store_XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  wy_state_config_init(&f->cfg, NULL);
  wy_state_config_set(&f->cfg, "state.dir", f->dir, NULL);
  wy_state_config_set(&f->cfg, "ksql.service.id", "svc", NULL);
  wy_state_config_set(&f->cfg, "state.rocksdb.memory.bytes", "8m", NULL);
  if (wy_state_env_new(&f->cfg, &f->env, NULL) != WY_OK) return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  wy_state_env_destroy(f->env);
  wy_state_config_release(&f->cfg);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  if (system(cmd) != 0) return -1;
  free(f);
  return 0;
}

static wy_store_t *plain_store(wy_task_state_t *ts, const char *name, int64_t cache) {
  wy_store_spec_t spec = {.name = name, .changelog = WY_CHANGELOG_NONE, .cache_bytes = cache};
  wy_store_t *s = NULL;
  wy_error_t err;
  if (wy_task_state_store(ts, &spec, &s, &err) != WY_OK) fail_msg("%s", err.msg);
  return s;
}

static void check_value(wy_store_t *s, const char *key, const char *want) {
  const void *v;
  size_t n;
  bool found;
  assert_int_equal(wy_store_get(s, key, strlen(key), &v, &n, &found, NULL), WY_OK);
  if (!want) {
    assert_false(found);
    return;
  }
  assert_true(found);
  assert_int_equal(n, strlen(want));
  assert_memory_equal(v, want, n);
}

static void put_get_delete_and_atomic_batches(void **state) {
  fixture_t *f = *state;
  wy_task_state_t *ts;
  assert_int_equal(wy_task_state_open(f->env, "q1", 0, 0, &ts, NULL), WY_OK);
  wy_store_t *s = plain_store(ts, "agg", 0);
  check_value(s, "a", NULL);
  assert_int_equal(wy_store_put(s, "a", 1, "one", 3, NULL), WY_OK);
  assert_int_equal(wy_store_put(s, "b", 1, "", 0, NULL), WY_OK); /* empty value is a value */
  check_value(s, "a", "one");
  check_value(s, "b", "");
  assert_int_equal(wy_store_put(s, "a", 1, "uno", 3, NULL), WY_OK);
  check_value(s, "a", "uno");
  assert_int_equal(wy_store_delete(s, "a", 1, NULL), WY_OK);
  check_value(s, "a", NULL);
  wy_store_op_t ops[] = {{"c", 1, "3", 1}, {"b", 1, NULL, 0}, {"c", 1, "33", 2}};
  assert_int_equal(wy_store_write(s, ops, 3, NULL), WY_OK);
  check_value(s, "b", NULL);
  check_value(s, "c", "33"); /* later op of a batch wins */
  /* Same name again gives the same store; another store is separate. */
  assert_ptr_equal(plain_store(ts, "agg", 0), s);
  wy_store_t *other = plain_store(ts, "other", 0);
  check_value(other, "c", NULL);
  assert_int_equal(wy_store_flush(s, NULL), WY_OK);
  wy_task_state_close(ts);
  /* Data survives a reopen. */
  assert_int_equal(wy_task_state_open(f->env, "q1", 0, 0, &ts, NULL), WY_OK);
  s = plain_store(ts, "agg", 0);
  check_value(s, "c", "33");
  wy_task_state_close(ts);
  /* DROP removes the query's state; a new open starts empty. */
  assert_int_equal(wy_state_remove_query(f->env, "q1", NULL), WY_OK);
  assert_int_equal(wy_task_state_open(f->env, "q1", 0, 0, &ts, NULL), WY_OK);
  wy_error_t err;
  assert_int_equal(wy_state_remove_query(f->env, "q1", &err), WY_ERR_INVALID); /* open task */
  s = plain_store(ts, "agg", 0);
  check_value(s, "c", NULL);
  wy_task_state_close(ts);
  assert_int_equal(wy_state_remove_query(f->env, "never-ran", NULL), WY_OK);
}

static size_t enc_key(const char *s, int64_t n, uint8_t *buf) {
  wy_value_t k[2] = {wy_string(s, strlen(s)), wy_bigint(n)};
  return wy_keycodec_encode(k, 2, buf, 64);
}

static void scans_follow_value_order_of_encoded_keys(void **state) {
  fixture_t *f = *state;
  wy_task_state_t *ts;
  assert_int_equal(wy_task_state_open(f->env, "q2", 1, 3, &ts, NULL), WY_OK);
  wy_store_t *s = plain_store(ts, "t", 0);
  const char *users[] = {"bob", "al", "alice", "b"};
  int64_t nums[] = {5, -3, 100, 0, -100000};
  uint8_t key[64];
  for (int u = 0; u < 4; u++)
    for (int n = 0; n < 5; n++) {
      size_t kl = enc_key(users[u], nums[n], key);
      assert_int_equal(wy_store_put(s, key, kl, users[u], strlen(users[u]), NULL), WY_OK);
    }
  /* A full scan returns keys in (string, bigint) value order. */
  wy_store_iter_t *it;
  assert_int_equal(wy_store_range(s, NULL, 0, NULL, 0, &it, NULL), WY_OK);
  wy_arena_t a;
  wy_arena_init(&a, 0);
  const wy_type_t *types[2] = {wy_type_string(), wy_type_bigint()};
  wy_value_t prev[2];
  int count = 0;
  for (; wy_store_iter_valid(it); wy_store_iter_next(it), count++) {
    size_t kl;
    const void *k = wy_store_iter_key(it, &kl);
    wy_value_t cur[2];
    assert_int_equal(wy_keycodec_decode(k, kl, types, 2, &a, cur, NULL, NULL), WY_OK);
    if (count) {
      int c = wy_value_compare(&prev[0], &cur[0]);
      assert_true(c < 0 || (c == 0 && wy_value_compare(&prev[1], &cur[1]) < 0));
    }
    prev[0] = cur[0];
    prev[1] = cur[1];
  }
  assert_int_equal(wy_store_iter_status(it, NULL), WY_OK);
  wy_store_iter_destroy(it);
  assert_int_equal(count, 20);
  /* Prefix scan on the first column: "al" only, not "alice". */
  wy_value_t first = wy_string("al", 2);
  size_t pl = wy_keycodec_encode(&first, 1, key, sizeof key);
  assert_int_equal(wy_store_prefix(s, key, pl, &it, NULL), WY_OK);
  int64_t last = INT64_MIN;
  for (count = 0; wy_store_iter_valid(it); wy_store_iter_next(it), count++) {
    size_t kl, vl;
    const void *k = wy_store_iter_key(it, &kl);
    const void *v = wy_store_iter_value(it, &vl);
    assert_int_equal(vl, 2);
    assert_memory_equal(v, "al", 2);
    wy_value_t cur[2];
    wy_keycodec_decode(k, kl, types, 2, &a, cur, NULL, NULL);
    assert_true(cur[1].u.i64 > last);
    last = cur[1].u.i64;
  }
  wy_store_iter_destroy(it);
  assert_int_equal(count, 5);
  /* Half-open range: bob in [-3, 5). */
  uint8_t lo[64], hi[64];
  size_t lol = enc_key("bob", -3, lo), hil = enc_key("bob", 5, hi);
  assert_int_equal(wy_store_range(s, lo, lol, hi, hil, &it, NULL), WY_OK);
  for (count = 0; wy_store_iter_valid(it); wy_store_iter_next(it)) count++;
  wy_store_iter_destroy(it);
  assert_int_equal(count, 2); /* -3 and 0 */
  wy_arena_release(&a);
  wy_task_state_close(ts);
}

static void cache_counts_hits_and_misses_and_stays_bounded(void **state) {
  fixture_t *f = *state;
  wy_task_state_t *ts;
  assert_int_equal(wy_task_state_open(f->env, "q3", 0, 0, &ts, NULL), WY_OK);
  wy_store_t *s = plain_store(ts, "lookup", 8192);
  wy_store_cache_stats_t st;
  assert_true(wy_store_cache_stats(s, &st));
  assert_false(wy_store_cache_stats(plain_store(ts, "uncached", 0), &st));
  char key[16], val[100];
  memset(val, 'v', sizeof val);
  for (int i = 0; i < 200; i++) {
    snprintf(key, sizeof key, "k%03d", i);
    assert_int_equal(wy_store_put(s, key, strlen(key), val, sizeof val, NULL), WY_OK);
  }
  wy_store_cache_stats(s, &st);
  assert_true(st.bytes <= st.capacity);
  assert_true(st.evictions > 0);
  uint64_t h0 = st.hits, m0 = st.misses;
  check_value(s, "absent", NULL); /* miss, cached as absent */
  check_value(s, "absent", NULL); /* hit */
  wy_store_cache_stats(s, &st);
  assert_int_equal(st.misses, m0 + 1);
  assert_int_equal(st.hits, h0 + 1);
  /* Write-through: a put after a cached "absent" is visible, and so is a delete. */
  assert_int_equal(wy_store_put(s, "absent", 6, "now", 3, NULL), WY_OK);
  check_value(s, "absent", "now");
  assert_int_equal(wy_store_delete(s, "absent", 6, NULL), WY_OK);
  check_value(s, "absent", NULL);
  wy_store_op_t ops[] = {{"k000", 4, "batched", 7}};
  assert_int_equal(wy_store_write(s, ops, 1, NULL), WY_OK);
  check_value(s, "k000", "batched");
  /* Reading every key keeps the cache within its capacity and misses on evicted keys. */
  wy_store_cache_stats(s, &st);
  m0 = st.misses;
  for (int round = 0; round < 2; round++)
    for (int i = 1; i < 200; i++) {
      snprintf(key, sizeof key, "k%03d", i);
      const void *v;
      size_t n;
      bool found;
      assert_int_equal(wy_store_get(s, key, strlen(key), &v, &n, &found, NULL), WY_OK);
      assert_true(found && n == sizeof val && memcmp(v, val, n) == 0);
    }
  wy_store_cache_stats(s, &st);
  assert_true(st.bytes <= st.capacity);
  assert_true(st.misses >= m0 + 300); /* 199 keys of ~140 bytes do not fit in 8 KiB */
  /* A hot key read repeatedly is served from the cache. */
  h0 = st.hits;
  m0 = st.misses;
  for (int i = 0; i < 50; i++) check_value(s, "k000", "batched");
  wy_store_cache_stats(s, &st);
  assert_int_equal(st.misses, m0 + 1);
  assert_int_equal(st.hits, h0 + 49);
  wy_task_state_close(ts);
}

static void changelog_gets_every_write_and_topic_tables_write_none(void **state) {
  fixture_t *f = *state;
  wy_memory_broker_t *b;
  wy_memory_broker_new(&b, NULL);
  wy_memory_broker_create_topic(b, "svc-q4-agg-changelog", 4, NULL);
  wy_memory_broker_create_topic(b, "users", 4, NULL);
  wy_sink_t *sink;
  wy_memory_sink_new(b, &sink, NULL);
  sink->on_delivery = wy_delivery_dispatch;
  wy_task_state_t *ts;
  assert_int_equal(wy_task_state_open(f->env, "q4", 0, 2, &ts, NULL), WY_OK);
  wy_store_spec_t spec = {.name = "agg",
                          .changelog = WY_CHANGELOG_OWN,
                          .topic = "svc-q4-agg-changelog",
                          .sink = sink,
                          .cache_bytes = -1};
  wy_store_t *agg, *tbl;
  assert_int_equal(wy_task_state_store(ts, &spec, &agg, NULL), WY_OK);
  wy_store_spec_t tspec = {
      .name = "users", .changelog = WY_CHANGELOG_TOPIC, .topic = "users", .cache_bytes = -1};
  assert_int_equal(wy_task_state_store(ts, &tspec, &tbl, NULL), WY_OK);
  wy_task_state_set_timestamp(ts, 1234);
  wy_store_put(agg, "x", 1, "1", 1, NULL);
  wy_store_put(agg, "y", 1, "2", 1, NULL);
  wy_store_delete(agg, "x", 1, NULL);
  wy_store_op_t ops[] = {{"z", 1, "3", 1}};
  wy_store_write(agg, ops, 1, NULL);
  wy_store_put(tbl, "u1", 2, "alice", 5, NULL);
  /* Commit before the reports came back is refused. */
  wy_error_t err;
  assert_int_equal(wy_task_state_commit(ts, NULL, 0, &err), WY_ERR_STORE);
  assert_non_null(strstr(err.msg, "not acknowledged"));
  assert_int_equal(wy_sink_flush(sink, 1000, NULL), WY_OK);
  wy_position_t in = {"users", 2, 17};
  assert_int_equal(wy_task_state_commit(ts, &in, 1, &err), WY_OK);
  /* The changelog partition is the task's; records mirror the writes in order. */
  int64_t end;
  wy_memory_broker_end_offset(b, "svc-q4-agg-changelog", 2, &end, NULL);
  assert_int_equal(end, 4);
  const char *keys[] = {"x", "y", "x", "z"};
  const char *vals[] = {"1", "2", NULL, "3"};
  for (int i = 0; i < 4; i++) {
    wy_record_t r;
    wy_memory_broker_read(b, "svc-q4-agg-changelog", 2, i, &r, NULL);
    assert_memory_equal(r.key, keys[i], 1);
    if (vals[i])
      assert_memory_equal(r.value, vals[i], 1);
    else
      assert_null(r.value);
    assert_int_equal(r.timestamp, 1234);
  }
  /* The table on a topic wrote no second copy anywhere. */
  for (int p = 0; p < 4; p++) {
    wy_memory_broker_end_offset(b, "users", p, &end, NULL);
    assert_int_equal(end, 0);
  }
  /* The checkpoint holds the changelog's next offset and the table's input position. */
  char path[256];
  snprintf(path, sizeof path, "%s/checkpoint", wy_task_state_dir(ts));
  wy_checkpoint_entry_t *e;
  size_t n;
  assert_int_equal(wy_checkpoint_read(path, &e, &n, NULL), WY_OK);
  assert_int_equal(n, 2);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(e[i].partition, 2);
    if (strcmp(e[i].topic, "users") == 0)
      assert_int_equal(e[i].offset, 17);
    else {
      assert_string_equal(e[i].topic, "svc-q4-agg-changelog");
      assert_int_equal(e[i].offset, 4);
    }
  }
  free(e);
  /* A failed changelog delivery fails the next commit and removes the checkpoint. */
  wy_memory_sink_fail_next(sink, 1, WY_ERR_KAFKA, "disk full on broker");
  wy_store_put(agg, "q", 1, "9", 1, NULL);
  wy_sink_flush(sink, 1000, NULL);
  assert_int_equal(access(path, F_OK), -1);
  assert_int_equal(wy_task_state_commit(ts, NULL, 0, &err), WY_ERR_STORE);
  assert_non_null(strstr(err.msg, "disk full on broker"));
  assert_int_equal(access(path, F_OK), -1);
  wy_task_state_close(ts);
  wy_sink_destroy(sink);
  wy_memory_broker_destroy(b);
}

static void rocksdb_errors_surface_as_store_errors(void **state) {
  fixture_t *f = *state;
  wy_error_t err;
  /* The same task opened twice: RocksDB's lock refuses, as a clear error. */
  wy_task_state_t *ts, *ts2;
  assert_int_equal(wy_task_state_open(f->env, "q5", 0, 0, &ts, NULL), WY_OK);
  wy_store_put(plain_store(ts, "s", 0), "k", 1, "v", 1, NULL);
  assert_int_equal(wy_task_state_open(f->env, "q5", 0, 0, &ts2, &err), WY_ERR_STORE);
  assert_non_null(strstr(err.msg, "lock"));
  wy_task_state_close(ts);
  /* A corrupt CURRENT file. */
  char path[256];
  snprintf(path, sizeof path, "%s/svc/q5/0_0/rocksdb/CURRENT", f->dir);
  FILE *fp = fopen(path, "w");
  fputs("MANIFEST-999999\n", fp);
  fclose(fp);
  assert_int_equal(wy_task_state_open(f->env, "q5", 0, 0, &ts, &err), WY_ERR_STORE);
  assert_non_null(strstr(err.msg, "cannot open"));
  /* state.dir that is a file; bad names. */
  wy_state_config_t cfg;
  wy_state_config_init(&cfg, NULL);
  snprintf(path, sizeof path, "%s/afile", f->dir);
  fp = fopen(path, "w");
  fclose(fp);
  wy_state_config_set(&cfg, "state.dir", path, NULL);
  wy_state_env_t *env;
  assert_int_equal(wy_state_env_new(&cfg, &env, &err), WY_ERR_IO);
  wy_state_config_release(&cfg);
  assert_int_equal(wy_task_state_open(f->env, "../escape", 0, 0, &ts, &err), WY_ERR_INVALID);
  assert_int_equal(wy_task_state_open(f->env, "q6", 0, 0, &ts, NULL), WY_OK);
  wy_store_spec_t spec = {.name = "bad/name", .changelog = WY_CHANGELOG_NONE};
  wy_store_t *s;
  assert_int_equal(wy_task_state_store(ts, &spec, &s, &err), WY_ERR_INVALID);
  spec = (wy_store_spec_t){.name = "ok", .changelog = WY_CHANGELOG_OWN, .topic = "ok-changelog"};
  assert_int_equal(wy_task_state_store(ts, &spec, &s, &err), WY_ERR_INVALID); /* no sink */
  wy_task_state_close(ts);
}

static void memory_budget_is_shared_by_every_store(void **state) {
  fixture_t *f = *state;
  wy_state_memory_t m;
  assert_int_equal(wy_state_env_memory(f->env, &m, NULL), WY_OK);
  assert_int_equal(m.budget, 8u << 20);
  assert_int_equal(m.block_cache_capacity, 6u << 20); /* 75 % */
  wy_task_state_t *a, *b;
  wy_task_state_open(f->env, "q7", 0, 0, &a, NULL);
  wy_task_state_open(f->env, "q7", 0, 1, &b, NULL);
  wy_store_t *s1 = plain_store(a, "s1", 0);
  plain_store(a, "s2", 0);
  plain_store(b, "s1", 0);
  plain_store(b, "s2", 0);
  wy_state_env_memory(f->env, &m, NULL);
  assert_int_equal(m.open_stores, 4);
  /* 2 MiB of memtables for 4 stores, 2 memtables each. */
  assert_int_equal(m.write_buffer_size, (2u << 20) / 8);
  char val[1000];
  memset(val, 'x', sizeof val);
  for (int i = 0; i < 3000; i++) {
    char key[16];
    snprintf(key, sizeof key, "%08d", i);
    wy_store_put(s1, key, 8, val, sizeof val, NULL);
  }
  wy_state_env_memory(f->env, &m, NULL);
  /* 3 MB written, yet memtables stay within the write-buffer share (+ one arena block). */
  assert_true(m.memtables > 0);
  assert_true(m.memtables <= (2u << 20) + (1u << 20));
  wy_task_state_close(b);
  wy_state_env_memory(f->env, &m, NULL);
  assert_int_equal(m.open_stores, 2);
  assert_int_equal(m.write_buffer_size, (2u << 20) / 4);
  wy_task_state_close(a);
  /* Configuration: sizes with suffixes, unknown keys, generated docs. */
  wy_state_config_t cfg;
  wy_state_config_init(&cfg, NULL);
  wy_error_t err;
  assert_int_equal(wy_state_config_set(&cfg, "state.cache.bytes", "3k", NULL), WY_OK);
  assert_int_equal(cfg.cache_bytes, 3072);
  assert_int_equal(wy_state_config_set(&cfg, "state.cache.bytes", "lots", &err), WY_ERR_CONFIG);
  assert_int_equal(wy_state_config_set(&cfg, "kafka.acks", "all", &err), WY_ERR_NOT_FOUND);
  wy_state_config_release(&cfg);
  char doc[4096];
  assert_true(wy_state_config_doc(doc, sizeof doc) < sizeof doc);
  assert_non_null(strstr(doc, "`state.rocksdb.memory.bytes`"));
}

static void checkpoint_files_round_trip_and_detect_corruption(void **state) {
  fixture_t *f = *state;
  char path[256];
  snprintf(path, sizeof path, "%s/ckpt", f->dir);
  wy_checkpoint_entry_t in[2] = {{"a-changelog", 0, 42}, {"b", 7, 0}};
  assert_int_equal(wy_checkpoint_write(path, in, 2, NULL), WY_OK);
  wy_checkpoint_entry_t *out;
  size_t n;
  assert_int_equal(wy_checkpoint_read(path, &out, &n, NULL), WY_OK);
  assert_int_equal(n, 2);
  assert_string_equal(out[0].topic, "a-changelog");
  assert_int_equal(out[0].offset, 42);
  assert_int_equal(out[1].partition, 7);
  free(out);
  /* Flip one digit: the checksum catches it. */
  int fd = open(path, O_RDWR);
  char buf[256];
  ssize_t len = read(fd, buf, sizeof buf);
  char *p = strstr(buf, "42");
  assert_non_null(p);
  assert_true(pwrite(fd, "43", 2, p - buf) == 2);
  close(fd);
  wy_error_t err;
  assert_int_equal(wy_checkpoint_read(path, &out, &n, &err), WY_ERR_DECODE);
  assert_int_equal(truncate(path, (off_t)len / 2), 0);
  assert_int_equal(wy_checkpoint_read(path, &out, &n, &err), WY_ERR_DECODE);
  unlink(path);
  assert_int_equal(wy_checkpoint_read(path, &out, &n, &err), WY_ERR_NOT_FOUND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(put_get_delete_and_atomic_batches, setup, teardown),
      cmocka_unit_test_setup_teardown(scans_follow_value_order_of_encoded_keys, setup, teardown),
      cmocka_unit_test_setup_teardown(cache_counts_hits_and_misses_and_stays_bounded, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(changelog_gets_every_write_and_topic_tables_write_none, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(rocksdb_errors_surface_as_store_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(memory_budget_is_shared_by_every_store, setup, teardown),
      cmocka_unit_test_setup_teardown(checkpoint_files_round_trip_and_detect_corruption, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
