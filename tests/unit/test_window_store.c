/* window_store: segments deleted once past the retention (the store stays bounded over a
 * long run, expired windows are not found), and the clock written by wy_window_flush and
 * read back by wy_window_load after the store is reopened. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/operators/window_store.h"

#define RETENTION 60000 /* ms: one segment of 60 s, Kafka Streams' smallest */
#define SIZE 10000      /* ms: the windows' size */
#define NGROUPS 3

typedef struct fixture {
  char dir[64];
  wy_state_config_t cfg;
  wy_state_env_t *env;
  wy_task_state_t *ts;
  wy_task_ctx_t task;
  wy_op_t op;
} fixture_t;

static wy_store_t *open_task_store(fixture_t *f) {
  wy_error_t err;
  if (wy_task_state_open(f->env, "q", 0, 0, &f->ts, &err) != WY_OK) fail_msg("%s", err.msg);
  wy_store_spec_t spec = {.name = "windows", .changelog = WY_CHANGELOG_NONE, .cache_bytes = 0};
  wy_store_t *s = NULL;
  if (wy_task_state_store(f->ts, &spec, &s, &err) != WY_OK) fail_msg("%s", err.msg);
  return s;
}

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/wy_window_store_XXXXXX");
  if (!f || !mkdtemp(f->dir)) return -1;
  wy_state_config_init(&f->cfg, NULL);
  wy_state_config_set(&f->cfg, "state.dir", f->dir, NULL);
  wy_state_config_set(&f->cfg, "state.rocksdb.memory.bytes", "8m", NULL);
  if (wy_state_env_new(&f->cfg, &f->env, NULL) != WY_OK) return -1;
  wy_arena_init(&f->task.arena, 0);
  wy_buf_init(&f->task.scratch);
  f->op.task = &f->task;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  wy_task_state_close(f->ts);
  wy_state_env_destroy(f->env);
  wy_state_config_release(&f->cfg);
  wy_arena_release(&f->task.arena);
  wy_buf_free(&f->task.scratch);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  if (system(cmd) != 0) return -1;
  free(f);
  return 0;
}

static size_t count_keys(wy_store_t *s) {
  wy_store_iter_t *it;
  assert_int_equal(wy_store_range(s, NULL, 0, NULL, 0, &it, NULL), WY_OK);
  size_t n = 0;
  for (; wy_store_iter_valid(it); wy_store_iter_next(it)) n++;
  wy_store_iter_destroy(it);
  return n;
}

/* One window [end - SIZE, end) of a group, its value the group's number. */
static void put_window(fixture_t *f, wy_window_store_t *w, int64_t group, int64_t end) {
  wy_value_t key = wy_bigint(group);
  size_t klen;
  uint8_t *k = wy_window_key(w, &f->op, &key, end - SIZE, end, &klen);
  assert_non_null(k);
  wy_error_t err;
  assert_int_equal(wy_window_put(w, &f->op, k, klen, "v", 1, end, &err), WY_OK);
}

/* How many of a group's windows end at `end` (the next one starts there). */
static size_t found(fixture_t *f, wy_window_store_t *w, int64_t group, int64_t end) {
  wy_value_t key = wy_bigint(group);
  wy_window_entry_t *e;
  size_t n;
  wy_error_t err;
  assert_int_equal(wy_window_find(w, &f->op, &key, end, end - 1, &e, &n, &err), WY_OK);
  return n;
}

static void segments_past_retention_are_deleted(void **state) {
  fixture_t *f = *state;
  wy_store_t *s = open_task_store(f);
  wy_window_store_t w;
  wy_error_t err;
  assert_int_equal(wy_window_open(&w, &f->op, s, 1, RETENTION, &err), WY_OK);
  /* the live segments: the latest end's, and the one before it (the interval is the
   * retention here), each of per_segment windows per group */
  const size_t per_segment = RETENTION / SIZE, bound = 2 * per_segment;
  size_t most = 0;
  for (int64_t end = SIZE; end <= 2000 * SIZE; end += SIZE) {
    wy_arena_reset(&f->task.arena);
    for (int64_t g = 0; g < NGROUPS; g++) put_window(f, &w, g, end);
    size_t n = count_keys(s);
    assert_true(n <= NGROUPS * bound);
    if (n > most) most = n;
  }
  /* the store did fill its live segments: the bound is not met by an empty store */
  assert_int_equal(most, NGROUPS * bound);
  /* a window exactly the retention behind the latest has expired; one less has not */
  int64_t last = 2000 * SIZE;
  assert_true(wy_window_expired(&w, last - RETENTION));
  assert_false(wy_window_expired(&w, last - RETENTION + SIZE));
  assert_int_equal(found(f, &w, 1, last - RETENTION), 0);
  assert_int_equal(found(f, &w, 1, last - RETENTION + SIZE), 1);
  assert_int_equal(found(f, &w, 1, last), 1);
  assert_int_equal(found(f, &w, 1, SIZE), 0);
  wy_window_close(&w);
}

static void clock_is_written_at_flush_and_loaded_after_reopen(void **state) {
  fixture_t *f = *state;
  wy_store_t *s = open_task_store(f);
  wy_window_store_t w;
  wy_error_t err;
  assert_int_equal(wy_window_open(&w, &f->op, s, 1, RETENTION, &err), WY_OK);
  assert_int_equal(w.clock.stream_time, WY_NO_TIME);
  wy_window_observe(&w, 12345);
  wy_window_observe(&w, 500); /* stream time only moves forward */
  put_window(f, &w, 7, 20000);
  w.clock.emitted = 5000;
  size_t before = count_keys(s);
  /* nothing written until the flush: a reader of the store sees no clock */
  assert_int_equal(wy_window_load(&w, &f->op, &err), WY_OK);
  assert_int_equal(w.clock.stream_time, WY_NO_TIME);
  wy_window_observe(&w, 12345);
  put_window(f, &w, 7, 20000);
  w.clock.emitted = 5000;
  assert_int_equal(wy_window_flush(&w, &f->op, &err), WY_OK);
  assert_int_equal(count_keys(s), before + 1); /* the clock's own key */
  assert_int_equal(wy_window_flush(&w, &f->op, &err), WY_OK);
  assert_int_equal(count_keys(s), before + 1);
  wy_window_close(&w);

  /* reopened: the clock comes back with the windows */
  wy_task_state_close(f->ts);
  f->ts = NULL;
  wy_arena_reset(&f->task.arena);
  s = open_task_store(f);
  wy_window_store_t again;
  assert_int_equal(wy_window_open(&again, &f->op, s, 1, RETENTION, &err), WY_OK);
  again.clock.stream_time = 1; /* what a restore would overwrite */
  assert_int_equal(wy_window_load(&again, &f->op, &err), WY_OK);
  assert_int_equal(again.clock.stream_time, 12345);
  assert_int_equal(again.clock.max_end, 20000);
  assert_int_equal(again.clock.emitted, 5000);
  assert_int_equal(found(f, &again, 7, 20000), 1);
  wy_window_close(&again);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(segments_past_retention_are_deleted, setup, teardown),
      cmocka_unit_test_setup_teardown(clock_is_written_at_flush_and_loaded_after_reopen, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
