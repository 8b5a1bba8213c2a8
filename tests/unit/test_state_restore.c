/* state: restore from changelogs, checkpoints, crash before commit, full restores. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connectors/memory/memory.h"
#include "state/state.h"

static char tmpdir[64];

static wy_state_env_t *new_env(void) {
  wy_state_config_t cfg;
  wy_state_config_init(&cfg, NULL);
  wy_state_config_set(&cfg, "state.dir", tmpdir, NULL);
  wy_state_config_set(&cfg, "ksql.service.id", "svc", NULL);
  wy_state_env_t *env = NULL;
  wy_error_t err;
  if (wy_state_env_new(&cfg, &env, &err) != WY_OK) fail_msg("%s", err.msg);
  wy_state_config_release(&cfg);
  return env;
}

static wy_status_t broker_end(void *opaque, const char *topic, int32_t partition, int64_t *end,
                              wy_error_t *err) {
  return wy_memory_broker_end_offset(opaque, topic, partition, end, err);
}

static wy_store_t *logged_store(wy_task_state_t *ts, wy_sink_t *sink, const char *changelog) {
  wy_store_spec_t spec = {.name = "agg",
                          .changelog = WY_CHANGELOG_OWN,
                          .topic = changelog,
                          .sink = sink,
                          .cache_bytes = -1};
  wy_store_t *s = NULL;
  wy_error_t err;
  if (wy_task_state_store(ts, &spec, &s, &err) != WY_OK) fail_msg("%s", err.msg);
  return s;
}

static wy_restore_stats_t restore(wy_task_state_t *ts, wy_memory_broker_t *b) {
  wy_source_t *src;
  wy_memory_source_new(b, NULL, &src, NULL);
  wy_restore_stats_t stats;
  wy_error_t err;
  if (wy_task_state_restore(ts, src, broker_end, b, 1000, &stats, &err) != WY_OK)
    fail_msg("restore: %s", err.msg);
  wy_source_destroy(src);
  return stats;
}

/* The store must hold exactly the latest value of every key of the changelog partition. */
static void assert_store_equals_changelog(wy_store_t *s, wy_memory_broker_t *b, const char *topic,
                                          int32_t partition) {
  int64_t end;
  assert_int_equal(wy_memory_broker_end_offset(b, topic, partition, &end, NULL), WY_OK);
  size_t live = 0;
  for (int64_t off = 0; off < end; off++) {
    wy_record_t r;
    wy_memory_broker_read(b, topic, partition, off, &r, NULL);
    /* Skip records superseded later in the log. */
    bool superseded = false;
    for (int64_t later = off + 1; later < end && !superseded; later++) {
      wy_record_t l;
      wy_memory_broker_read(b, topic, partition, later, &l, NULL);
      superseded = l.key_len == r.key_len && memcmp(l.key, r.key, r.key_len) == 0;
    }
    if (superseded) continue;
    const void *v;
    size_t n;
    bool found;
    assert_int_equal(wy_store_get(s, r.key, r.key_len, &v, &n, &found, NULL), WY_OK);
    if (!r.value) {
      assert_false(found);
      continue;
    }
    live++;
    if (!found || n != r.value_len || memcmp(v, r.value, n) != 0)
      fail_msg("key %.*s differs from the changelog", (int)r.key_len, (const char *)r.key);
  }
  size_t count = 0;
  wy_store_iter_t *it;
  wy_store_range(s, NULL, 0, NULL, 0, &it, NULL);
  for (; wy_store_iter_valid(it); wy_store_iter_next(it)) count++;
  wy_store_iter_destroy(it);
  assert_int_equal(count, live); /* and nothing else */
}

static void write_round(wy_store_t *s, int round, int n) {
  for (int i = 0; i < n; i++) {
    char key[16], val[32];
    snprintf(key, sizeof key, "key%03d", (i * 7) % 120);
    snprintf(val, sizeof val, "round%d-%d", round, i);
    if (round > 1 && i % 5 == 0)
      wy_store_delete(s, key, strlen(key), NULL);
    else
      wy_store_put(s, key, strlen(key), val, strlen(val), NULL);
  }
}

/* The child writes and commits, writes more, and is SIGKILLed before the next commit;
 * "Kafka" (the memory broker, saved to a file) outlives it. */
static void child_writes_then_dies(const char *broker_file) {
  alarm(20); /* never outlive the test */
  wy_state_env_t *env = new_env();
  wy_memory_broker_t *b;
  wy_memory_broker_new(&b, NULL);
  wy_memory_broker_create_topic(b, "svc-crash-agg-changelog", 2, NULL);
  wy_sink_t *sink;
  wy_memory_sink_new(b, &sink, NULL);
  sink->on_delivery = wy_delivery_dispatch;
  wy_task_state_t *ts;
  if (wy_task_state_open(env, "crash", 0, 1, &ts, NULL) != WY_OK) _exit(2);
  wy_store_t *s = logged_store(ts, sink, "svc-crash-agg-changelog");
  restore(ts, b);
  write_round(s, 1, 300);
  wy_sink_flush(sink, 1000, NULL);
  if (wy_task_state_commit(ts, NULL, 0, NULL) != WY_OK) _exit(3);
  write_round(s, 2, 250);
  wy_sink_flush(sink, 1000, NULL);
  if (wy_memory_broker_save(b, broker_file, NULL) != WY_OK) _exit(4);
  kill(getpid(), SIGKILL);
  _exit(5);
}

static void restore_after_kill_before_commit_equals_changelog(void **state) {
  char broker_file[128];
  snprintf(broker_file, sizeof broker_file, "%s/broker.bin", tmpdir);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) child_writes_then_dies(broker_file);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  wy_memory_broker_t *b;
  wy_memory_broker_new(&b, NULL);
  assert_int_equal(wy_memory_broker_load(b, broker_file, NULL), WY_OK);
  wy_state_env_t *env = new_env();
  wy_sink_t *sink;
  wy_memory_sink_new(b, &sink, NULL);
  sink->on_delivery = wy_delivery_dispatch;
  wy_task_state_t *ts;
  assert_int_equal(wy_task_state_open(env, "crash", 0, 1, &ts, NULL), WY_OK);
  wy_store_t *s = logged_store(ts, sink, "svc-crash-agg-changelog");
  wy_restore_stats_t st = restore(ts, b);
  /* Only the 250 records after the checkpoint were replayed; nothing was wiped. */
  assert_int_equal(st.records, 250);
  assert_int_equal(st.wiped, 0);
  assert_store_equals_changelog(s, b, "svc-crash-agg-changelog", 1);
  /* Writing after the restore continues the changelog where it ended. */
  wy_store_put(s, "new", 3, "v", 1, NULL);
  wy_sink_flush(sink, 1000, NULL);
  assert_int_equal(wy_task_state_commit(ts, NULL, 0, NULL), WY_OK);
  wy_checkpoint_entry_t *e;
  size_t n;
  char path[256];
  snprintf(path, sizeof path, "%s/checkpoint", wy_task_state_dir(ts));
  assert_int_equal(wy_checkpoint_read(path, &e, &n, NULL), WY_OK);
  assert_int_equal(n, 1);
  assert_int_equal(e[0].offset, 551);
  free(e);
  wy_task_state_close(ts);
  wy_sink_destroy(sink);
  wy_state_env_destroy(env);
  wy_memory_broker_destroy(b);
}

static void failed_changelog_write_means_wipe_and_full_restore(void **state) {
  wy_state_env_t *env = new_env();
  wy_memory_broker_t *b;
  wy_memory_broker_new(&b, NULL);
  wy_sink_t *sink;
  wy_memory_sink_new(b, &sink, NULL);
  sink->on_delivery = wy_delivery_dispatch;
  wy_task_state_t *ts;
  assert_int_equal(wy_task_state_open(env, "wipe", 0, 0, &ts, NULL), WY_OK);
  wy_store_t *s = logged_store(ts, sink, "svc-wipe-agg-changelog");
  restore(ts, b);
  write_round(s, 1, 100);
  wy_sink_flush(sink, 1000, NULL);
  assert_int_equal(wy_task_state_commit(ts, NULL, 0, NULL), WY_OK);
  /* This write reaches the local store but never the changelog: the store diverges. */
  wy_memory_sink_fail_next(sink, 1, WY_ERR_KAFKA, "not leader");
  wy_store_put(s, "ghost", 5, "boo", 3, NULL);
  wy_sink_flush(sink, 1000, NULL);
  wy_task_state_close(ts);
  assert_int_equal(wy_task_state_open(env, "wipe", 0, 0, &ts, NULL), WY_OK);
  s = logged_store(ts, sink, "svc-wipe-agg-changelog");
  wy_restore_stats_t st = restore(ts, b);
  assert_int_equal(st.wiped, 1);
  assert_int_equal(st.records, 100);
  assert_store_equals_changelog(s, b, "svc-wipe-agg-changelog", 0);
  /* Now a good commit, then a corrupt checkpoint: again wipe and restore in full. */
  wy_store_put(s, "more", 4, "x", 1, NULL);
  wy_sink_flush(sink, 1000, NULL);
  assert_int_equal(wy_task_state_commit(ts, NULL, 0, NULL), WY_OK);
  char path[256];
  snprintf(path, sizeof path, "%s/checkpoint", wy_task_state_dir(ts));
  wy_task_state_close(ts);
  FILE *f = fopen(path, "r+");
  fseek(f, 25, SEEK_SET);
  fputc('#', f);
  fclose(f);
  assert_int_equal(wy_task_state_open(env, "wipe", 0, 0, &ts, NULL), WY_OK);
  s = logged_store(ts, sink, "svc-wipe-agg-changelog");
  st = restore(ts, b);
  assert_int_equal(st.wiped, 1);
  assert_int_equal(st.records, 101);
  assert_store_equals_changelog(s, b, "svc-wipe-agg-changelog", 0);
  wy_task_state_close(ts);
  wy_sink_destroy(sink);
  wy_state_env_destroy(env);
  wy_memory_broker_destroy(b);
}

/* Source topic values are "name:<text>"; the store holds the upper-cased text. */
static wy_status_t decode_user(void *opaque, const wy_record_t *rec, wy_arena_t *a,
                               wy_store_op_t *op, bool *skip, wy_error_t *err) {
  int *calls = opaque;
  (*calls)++;
  if (rec->value && (rec->value_len < 5 || memcmp(rec->value, "name:", 5) != 0)) {
    *skip = true; /* undecodable: the processing log's business, not the store's */
    return WY_OK;
  }
  if (!rec->value) return WY_OK; /* tombstone: delete */
  char *up = wy_arena_alloc(a, rec->value_len - 5);
  for (size_t i = 5; i < rec->value_len; i++)
    up[i - 5] = (char)toupper(((const char *)rec->value)[i]);
  op->value = up;
  op->value_len = rec->value_len - 5;
  return WY_OK;
}

static void table_on_topic_restores_from_its_source_topic(void **state) {
  wy_state_env_t *env = new_env();
  wy_memory_broker_t *b;
  wy_memory_broker_new(&b, NULL);
  wy_memory_broker_create_topic(b, "users", 2, NULL);
  const char *recs[][2] = {{"u1", "name:alice"},
                           {"u2", "name:bob"},
                           {"u3", "garbage"},
                           {"u1", "name:alicia"},
                           {"u2", NULL}};
  for (int i = 0; i < 5; i++)
    wy_memory_broker_produce(b, "users", 1, recs[i][0], 2, recs[i][1],
                             recs[i][1] ? strlen(recs[i][1]) : 0, NULL, 0, i, NULL, NULL, NULL);
  int calls = 0;
  wy_store_spec_t spec = {.name = "users",
                          .changelog = WY_CHANGELOG_TOPIC,
                          .topic = "users",
                          .cache_bytes = -1,
                          .restore = decode_user,
                          .restore_opaque = &calls};
  wy_task_state_t *ts;
  wy_store_t *s;
  assert_int_equal(wy_task_state_open(env, "tbl", 0, 1, &ts, NULL), WY_OK);
  assert_int_equal(wy_task_state_store(ts, &spec, &s, NULL), WY_OK);
  /* Without end offsets: a quiet poll ends the restore. */
  wy_source_t *src;
  wy_memory_source_new(b, NULL, &src, NULL);
  wy_restore_stats_t st;
  assert_int_equal(wy_task_state_restore(ts, src, NULL, NULL, 50, &st, NULL), WY_OK);
  wy_source_destroy(src);
  assert_int_equal(calls, 5);
  assert_int_equal(st.records, 4);
  const void *v;
  size_t n;
  bool found;
  wy_store_get(s, "u1", 2, &v, &n, &found, NULL);
  assert_true(found && n == 6 && memcmp(v, "ALICIA", 6) == 0);
  wy_store_get(s, "u2", 2, &v, &n, &found, NULL);
  assert_false(found);
  wy_store_get(s, "u3", 2, &v, &n, &found, NULL);
  assert_false(found);
  /* Commit at input offset 5; two more records arrive; a restart replays only those. */
  wy_position_t in = {"users", 1, 5};
  assert_int_equal(wy_task_state_commit(ts, &in, 1, NULL), WY_OK);
  wy_task_state_close(ts);
  wy_memory_broker_produce(b, "users", 1, "u4", 2, "name:dan", 8, NULL, 0, 9, NULL, NULL, NULL);
  wy_memory_broker_produce(b, "users", 1, "u1", 2, NULL, 0, NULL, 0, 9, NULL, NULL, NULL);
  calls = 0;
  assert_int_equal(wy_task_state_open(env, "tbl", 0, 1, &ts, NULL), WY_OK);
  assert_int_equal(wy_task_state_store(ts, &spec, &s, NULL), WY_OK);
  st = restore(ts, b);
  assert_int_equal(calls, 2);
  assert_int_equal(st.wiped, 0);
  wy_store_get(s, "u4", 2, &v, &n, &found, NULL);
  assert_true(found && n == 3 && memcmp(v, "DAN", 3) == 0);
  wy_store_get(s, "u1", 2, &v, &n, &found, NULL);
  assert_false(found);
  wy_task_state_close(ts);
  /* Removing the query's state makes the next start restore everything. */
  assert_int_equal(wy_state_remove_query(env, "tbl", NULL), WY_OK);
  calls = 0;
  assert_int_equal(wy_task_state_open(env, "tbl", 0, 1, &ts, NULL), WY_OK);
  assert_int_equal(wy_task_state_store(ts, &spec, &s, NULL), WY_OK);
  restore(ts, b);
  assert_int_equal(calls, 7);
  wy_task_state_close(ts);
  wy_state_env_destroy(env);
  wy_memory_broker_destroy(b);
}

static int setup(void **state) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/wy_restore_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      /* First: the fork must happen before this process has RocksDB threads. */
      cmocka_unit_test(restore_after_kill_before_commit_equals_changelog),
      cmocka_unit_test(failed_changelog_write_means_wipe_and_full_restore),
      cmocka_unit_test(table_on_topic_restores_from_its_source_topic),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
