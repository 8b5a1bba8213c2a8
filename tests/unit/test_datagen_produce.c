/* connectors/datagen: producing to sinks — memory connector, rate limit, failures, stop,
 * and the print sink behind `walleye datagen --stdout`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/datagen/datagen.h"
#include "connectors/memory/memory.h"

typedef struct fixture {
  wy_memory_broker_t *broker;
  wy_sink_t *sink;
  wy_datagen_t *gen;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  assert_int_equal(wy_memory_broker_new(&f->broker, NULL), WY_OK);
  assert_int_equal(wy_memory_sink_new(f->broker, &f->sink, NULL), WY_OK);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  wy_sink_destroy(f->sink);
  wy_datagen_destroy(f->gen);
  wy_memory_broker_destroy(f->broker);
  free(f);
  return 0;
}

static wy_datagen_t *make(wy_datagen_kind_t kind, uint64_t seed) {
  wy_datagen_options_t o;
  wy_datagen_options_init(&o, kind);
  o.seed = seed;
  o.nusers = 30;
  o.tombstones = true;
  wy_datagen_t *g;
  assert_int_equal(wy_datagen_new(&o, &g, NULL), WY_OK);
  return g;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void produces_the_generated_sequence_to_the_memory_connector(void **state) {
  fixture_t *f = *state;
  assert_int_equal(wy_memory_broker_create_topic(f->broker, "users", 1, NULL), WY_OK);
  f->gen = make(WY_DATAGEN_USERS, 3);
  wy_datagen_run_t run = {.count = 500};
  wy_datagen_stats_t st;
  wy_error_t err;
  assert_int_equal(wy_datagen_produce(f->gen, f->sink, "users", &run, &st, &err), WY_OK);
  assert_int_equal(st.sent, 500);
  assert_int_equal(st.delivered, 500);
  assert_int_equal(st.failed, 0);
  assert_string_equal(st.first_failure, "");

  /* The topic holds exactly what a fresh generator with the same seed produces. */
  wy_datagen_t *ref = make(WY_DATAGEN_USERS, 3);
  int64_t end;
  assert_int_equal(wy_memory_broker_end_offset(f->broker, "users", 0, &end, NULL), WY_OK);
  assert_int_equal(end, 500);
  size_t tombstones = 0;
  for (int64_t off = 0; off < end; off++) {
    wy_record_t got;
    wy_datagen_record_t want;
    assert_int_equal(wy_memory_broker_read(f->broker, "users", 0, off, &got, NULL), WY_OK);
    assert_int_equal(wy_datagen_next(ref, &want, NULL), WY_OK);
    assert_int_equal(got.timestamp, want.timestamp);
    assert_int_equal(got.key_len, want.key_len);
    assert_memory_equal(got.key, want.key, want.key_len);
    if (want.value_null) {
      assert_null(got.value);
      tombstones++;
    } else {
      assert_int_equal(got.value_len, want.value_len);
      assert_memory_equal(got.value, want.value, want.value_len);
    }
  }
  assert_true(tombstones > 0);
  wy_datagen_destroy(ref);
}

static void keys_land_in_kafkas_partition_for_them(void **state) {
  fixture_t *f = *state;
  assert_int_equal(wy_memory_broker_create_topic(f->broker, "clicks", 4, NULL), WY_OK);
  f->gen = make(WY_DATAGEN_CLICKSTREAM, 8);
  wy_datagen_run_t run = {.count = 300};
  wy_datagen_stats_t st;
  assert_int_equal(wy_datagen_produce(f->gen, f->sink, "clicks", &run, &st, NULL), WY_OK);
  int64_t total = 0;
  for (int32_t p = 0; p < 4; p++) {
    int64_t end;
    assert_int_equal(wy_memory_broker_end_offset(f->broker, "clicks", p, &end, NULL), WY_OK);
    assert_true(end > 0);
    for (int64_t off = 0; off < end; off++) {
      wy_record_t r;
      assert_int_equal(wy_memory_broker_read(f->broker, "clicks", p, off, &r, NULL), WY_OK);
      assert_int_equal(wy_memory_partition_for_key(r.key, r.key_len, 4), p);
    }
    total += end;
  }
  assert_int_equal(total, 300);
}

static void rate_limit_paces_records_without_stalling(void **state) {
  fixture_t *f = *state;
  f->gen = make(WY_DATAGEN_CLICKSTREAM, 1);
  wy_datagen_run_t run = {.count = 200, .rate = 1000};
  wy_datagen_stats_t st;
  double t0 = now_s();
  clock_t cpu0 = clock();
  assert_int_equal(wy_datagen_produce(f->gen, f->sink, "paced", &run, &st, NULL), WY_OK);
  double wall = now_s() - t0;
  double cpu = (double)(clock() - cpu0) / CLOCKS_PER_SEC;
  assert_int_equal(st.delivered, 200);
  /* 200 records at 1000/s with a 20-record burst: at least 0.18 s, far below 2 s. */
  assert_true(wall >= 0.15);
  assert_true(wall < 2.0);
  assert_true(st.elapsed_s >= 0.15 && st.elapsed_s <= wall);
  /* Waiting sleeps: the process is mostly idle while paced. */
  assert_true(cpu < wall * 0.5);

  /* The bare token bucket: 30 tokens at 100/s (burst 2) take about 0.28 s. */
  wy_datagen_rate_t r;
  wy_datagen_rate_init(&r, 100);
  t0 = now_s();
  for (int i = 0; i < 30; i++) wy_datagen_rate_acquire(&r);
  wall = now_s() - t0;
  assert_true(wall >= 0.25 && wall < 2.0);
}

static void delivery_failures_are_counted_and_returned(void **state) {
  fixture_t *f = *state;
  f->gen = make(WY_DATAGEN_PRODUCTS, 2);
  wy_memory_sink_fail_next(f->sink, 3, WY_ERR_KAFKA, "broker said no");
  wy_datagen_run_t run = {.count = 50};
  wy_datagen_stats_t st;
  wy_error_t err;
  assert_int_equal(wy_datagen_produce(f->gen, f->sink, "products", &run, &st, &err), WY_ERR_KAFKA);
  assert_int_equal(st.sent, 50);
  assert_int_equal(st.failed, 3);
  assert_int_equal(st.delivered, 47);
  assert_int_equal(st.first_failure_code, WY_ERR_KAFKA);
  assert_string_equal(st.first_failure, "broker said no");
  assert_non_null(strstr(err.msg, "3 of 50"));
  assert_non_null(strstr(err.msg, "broker said no"));
  int64_t end;
  assert_int_equal(wy_memory_broker_end_offset(f->broker, "products", 0, &end, NULL), WY_OK);
  assert_int_equal(end, 47);
}

static void send_refusal_stops_the_run(void **state) {
  fixture_t *f = *state;
  wy_memory_broker_set_auto_create(f->broker, 0); /* unknown topic: send fails */
  f->gen = make(WY_DATAGEN_CLICKSTREAM, 2);
  wy_datagen_run_t run = {.count = 50};
  wy_datagen_stats_t st;
  wy_error_t err;
  assert_int_not_equal(wy_datagen_produce(f->gen, f->sink, "missing", &run, &st, &err), WY_OK);
  assert_int_equal(st.sent, 0);
  assert_int_equal(st.failed, 1);
  assert_int_equal(wy_datagen_generated(f->gen), 1);
}

/* A clock that asks the run to stop once it has stamped `limit` records. */
typedef struct stopper {
  volatile sig_atomic_t stop;
  int calls, limit;
} stopper_t;
static int64_t stopping_clock(void *opaque) {
  stopper_t *s = opaque;
  if (++s->calls >= s->limit) s->stop = 1;
  return 1700000000000LL + s->calls;
}

static void unbounded_run_ends_when_stop_is_set(void **state) {
  fixture_t *f = *state;
  stopper_t s = {0, 0, 75};
  wy_datagen_options_t o;
  wy_datagen_options_init(&o, WY_DATAGEN_CLICKSTREAM);
  o.clock = stopping_clock;
  o.clock_opaque = &s;
  assert_int_equal(wy_datagen_new(&o, &f->gen, NULL), WY_OK);
  wy_datagen_run_t run = {.count = 0, .rate = 100000, .stop = &s.stop};
  wy_datagen_stats_t st;
  assert_int_equal(wy_datagen_produce(f->gen, f->sink, "clicks", &run, &st, NULL), WY_OK);
  assert_int_equal(st.sent, 75);
  assert_int_equal(st.delivered, 75);
  wy_record_t r;
  assert_int_equal(wy_memory_broker_read(f->broker, "clicks", 0, 74, &r, NULL), WY_OK);
  assert_int_equal(r.timestamp, 1700000000075LL);
}

static void print_sink_writes_escaped_lines_and_reports(void **state) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  assert_non_null(out);
  wy_sink_t *sink;
  assert_int_equal(wy_datagen_print_sink_new(out, &sink, NULL), WY_OK);

  wy_datagen_options_t o;
  wy_datagen_options_init(&o, WY_DATAGEN_USERS);
  o.nusers = 3;
  o.key_mode = WY_DATAGEN_KEY_KAFKA_INT;
  wy_datagen_t *g;
  assert_int_equal(wy_datagen_new(&o, &g, NULL), WY_OK);
  wy_datagen_run_t run = {.count = 3};
  wy_datagen_stats_t st;
  assert_int_equal(wy_datagen_produce(g, sink, "users", &run, &st, NULL), WY_OK);
  assert_int_equal(st.delivered, 3);
  /* Raw sends: a tab and a newline in a value, a null key, a tombstone. */
  assert_int_equal(wy_sink_send(sink, "t", -1, NULL, 0, "a\tb\nc\\", 6, NULL, 0, 0, NULL, NULL),
                   WY_OK);
  assert_int_equal(wy_sink_send(sink, "t", -1, "k", 1, NULL, 0, NULL, 0, 0, NULL, NULL), WY_OK);
  assert_int_equal(wy_sink_flush(sink, 1000, NULL), WY_OK);
  fclose(out);

  char *lines[5];
  size_t n = 0;
  for (char *save, *l = strtok_r(buf, "\n", &save); l && n < 5; l = strtok_r(NULL, "\n", &save))
    lines[n++] = l;
  assert_int_equal(n, 5);
  for (int i = 0; i < 3; i++) {
    char want[64];
    snprintf(want, sizeof want, "\\x00\\x00\\x00\\x%02x\t{\"before\":null,", i + 1);
    assert_true(strncmp(lines[i], want, strlen(want)) == 0);
  }
  assert_string_equal(lines[3], "\ta\\tb\\nc\\\\");
  assert_string_equal(lines[4], "k\t");
  free(buf);
  wy_sink_destroy(sink);
  wy_datagen_destroy(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(produces_the_generated_sequence_to_the_memory_connector,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(keys_land_in_kafkas_partition_for_them, setup, teardown),
      cmocka_unit_test_setup_teardown(rate_limit_paces_records_without_stalling, setup, teardown),
      cmocka_unit_test_setup_teardown(delivery_failures_are_counted_and_returned, setup, teardown),
      cmocka_unit_test_setup_teardown(send_refusal_stops_the_run, setup, teardown),
      cmocka_unit_test_setup_teardown(unbounded_run_ends_when_stop_is_set, setup, teardown),
      cmocka_unit_test(print_sink_writes_escaped_lines_and_reports),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
