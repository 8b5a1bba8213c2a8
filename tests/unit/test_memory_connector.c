/* connectors/memory: partitioner, logs, source, sink, save/load. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connectors/memory/memory.h"

static void murmur2_matches_kafka(void **state) {
  /* Values from Kafka's own UtilsTest.testMurmur2. */
  assert_int_equal(wy_murmur2("21", 2), -973932308);
  assert_int_equal(wy_murmur2("foobar", 6), -790332482);
  assert_int_equal(wy_murmur2("a-little-bit-long-string", 24), -985981536);
  assert_int_equal(wy_murmur2("a-little-bit-longer-string", 26), -1486304829);
  assert_int_equal(wy_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48), -58897971);
  assert_int_equal(wy_murmur2("abc", 3), 479470107);
  /* Positive modulo, as Kafka's Utils.toPositive. */
  assert_int_equal(wy_memory_partition_for_key("21", 2, 7),
                   (int32_t)(((uint32_t)-973932308 & 0x7fffffff) % 7));
}

static void produce_partitions_by_key_and_reads_back_in_order(void **state) {
  wy_memory_broker_t *b;
  assert_int_equal(wy_memory_broker_new(&b, NULL), WY_OK);
  assert_int_equal(wy_memory_broker_create_topic(b, "t", 4, NULL), WY_OK);
  assert_int_equal(wy_memory_broker_create_topic(b, "t", 4, NULL), WY_OK);
  wy_error_t err;
  assert_int_equal(wy_memory_broker_create_topic(b, "t", 2, &err), WY_ERR_EXISTS);
  int32_t p;
  int64_t off;
  for (int i = 0; i < 3; i++) {
    char v[16];
    snprintf(v, sizeof v, "v%d", i);
    assert_int_equal(wy_memory_broker_produce(b, "t", -1, "k1", 2, v, strlen(v), NULL, 0, 100 + i,
                                              &p, &off, NULL),
                     WY_OK);
    assert_int_equal(p, wy_memory_partition_for_key("k1", 2, 4));
    assert_int_equal(off, i);
  }
  wy_header_t h[2] = {{"trace", "abc", 3}, {"empty", NULL, 0}};
  assert_int_equal(wy_memory_broker_produce(b, "t", 3, NULL, 0, NULL, 0, h, 2, 7, NULL, &off, NULL),
                   WY_OK);
  wy_record_t r;
  assert_int_equal(wy_memory_broker_read(b, "t", p, 1, &r, NULL), WY_OK);
  assert_memory_equal(r.value, "v1", 2);
  assert_int_equal(r.timestamp, 101);
  assert_string_equal(r.topic, "t");
  int64_t end;
  assert_int_equal(wy_memory_broker_end_offset(b, "t", 3, &end, NULL), WY_OK);
  assert_int_equal(end, off + 1);
  assert_int_equal(wy_memory_broker_read(b, "t", 3, off, &r, NULL), WY_OK);
  assert_null(r.key);
  assert_null(r.value); /* tombstone */
  assert_int_equal(r.nheaders, 2);
  assert_string_equal(r.headers[0].key, "trace");
  assert_memory_equal(r.headers[0].value, "abc", 3);
  assert_null(r.headers[1].value);
  assert_int_equal(wy_memory_broker_read(b, "t", p, 3, &r, &err), WY_ERR_NOT_FOUND);
  assert_int_equal(wy_memory_broker_end_offset(b, "nope", 0, &end, &err), WY_ERR_NOT_FOUND);
  /* Implicit creation can be turned off. */
  wy_memory_broker_set_auto_create(b, 0);
  assert_int_equal(
      wy_memory_broker_produce(b, "x", -1, "k", 1, "v", 1, NULL, 0, 0, NULL, NULL, &err),
      WY_ERR_NOT_FOUND);
  wy_memory_broker_set_auto_create(b, 3);
  assert_int_equal(
      wy_memory_broker_produce(b, "x", -1, "k", 1, "v", 1, NULL, 0, 0, NULL, NULL, &err), WY_OK);
  assert_int_equal(wy_memory_broker_partitions(b, "x"), 3);
  wy_memory_broker_destroy(b);
}

/* A test driver lists a topic's records in the order they were produced, across
 * partitions and topics: each record has its place in the broker's order of appends. */
static void records_know_their_place_in_the_order_of_appends(void **state) {
  wy_memory_broker_t *b;
  assert_int_equal(wy_memory_broker_new(&b, NULL), WY_OK);
  assert_int_equal(wy_memory_broker_create_topic(b, "t", 4, NULL), WY_OK);
  const int32_t parts[] = {3, 0, 3, 1};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(
        wy_memory_broker_produce(b, "t", parts[i], "k", 1, "v", 1, NULL, 0, 0, NULL, NULL, NULL),
        WY_OK);
    assert_int_equal(
        wy_memory_broker_produce(b, "other", -1, "k", 1, "v", 1, NULL, 0, 0, NULL, NULL, NULL),
        WY_OK);
  }
  wy_record_t r;
  uint64_t seq[4];
  const int64_t offs[] = {0, 0, 1, 0};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(wy_memory_broker_read_seq(b, "t", parts[i], offs[i], &r, &seq[i], NULL),
                     WY_OK);
    assert_int_equal(r.partition, parts[i]);
    if (i) assert_int_equal(seq[i], seq[i - 1] + 2); /* a record of "other" between each */
  }
  wy_error_t err;
  assert_int_equal(wy_memory_broker_read_seq(b, "t", 3, 2, &r, &seq[0], &err), WY_ERR_NOT_FOUND);
  wy_memory_broker_destroy(b);
}

static void source_polls_in_offset_order_seeks_and_commits_per_group(void **state) {
  wy_memory_broker_t *b;
  wy_memory_broker_new(&b, NULL);
  wy_memory_broker_create_topic(b, "in", 2, NULL);
  for (int i = 0; i < 10; i++) {
    char v[4] = {(char)('0' + i)};
    wy_memory_broker_produce(b, "in", i % 2, "k", 1, v, 1, NULL, 0, i, NULL, NULL, NULL);
  }
  wy_source_t *src;
  assert_int_equal(wy_memory_source_new(b, "g1", &src, NULL), WY_OK);
  assert_int_equal(wy_memory_source_assign_topic(src, "in", NULL), WY_OK);
  wy_record_t recs[16];
  size_t n, got = 0;
  int64_t last[2] = {-1, -1};
  while (wy_source_poll(src, recs, 3, &n, 0, NULL) == WY_OK && n) {
    for (size_t i = 0; i < n; i++) {
      assert_int_equal(recs[i].offset, last[recs[i].partition] + 1);
      last[recs[i].partition] = recs[i].offset;
    }
    got += n;
  }
  assert_int_equal(got, 10);
  wy_position_t pos = {"in", 0, 3};
  assert_int_equal(wy_source_commit(src, &pos, 1, NULL), WY_OK);
  assert_int_equal(wy_memory_broker_committed(b, "g1", "in", 0), 3);
  assert_int_equal(wy_memory_broker_committed(b, "g2", "in", 0), -1);
  /* Seek back on one partition re-reads from there. */
  assert_int_equal(wy_source_seek(src, "in", 1, 4, NULL), WY_OK);
  assert_int_equal(wy_source_poll(src, recs, 16, &n, 0, NULL), WY_OK);
  assert_int_equal(n, 1);
  assert_int_equal(recs[0].offset, 4);
  wy_source_destroy(src);
  /* A new source of the same group resumes at the committed offset. */
  wy_memory_source_new(b, "g1", &src, NULL);
  wy_memory_source_assign(src, "in", 0, NULL);
  assert_int_equal(wy_memory_source_position(src, "in", 0), 3);
  assert_int_equal(wy_source_seek(src, "in", 0, WY_OFFSET_END, NULL), WY_OK);
  assert_int_equal(wy_memory_source_position(src, "in", 0), 5);
  assert_int_equal(wy_source_seek(src, "in", 0, WY_OFFSET_BEGINNING, NULL), WY_OK);
  assert_int_equal(wy_memory_source_position(src, "in", 0), 0);
  wy_source_destroy(src);
  wy_memory_broker_destroy(b);
}

typedef struct producer_arg {
  wy_memory_broker_t *b;
} producer_arg_t;

static void *late_producer(void *p) {
  producer_arg_t *a = p;
  usleep(50000);
  wy_memory_broker_produce(a->b, "slow", 0, "k", 1, "v", 1, NULL, 0, 0, NULL, NULL, NULL);
  return NULL;
}

static void poll_waits_for_a_record_from_another_thread(void **state) {
  wy_memory_broker_t *b;
  wy_memory_broker_new(&b, NULL);
  wy_memory_broker_create_topic(b, "slow", 1, NULL);
  wy_source_t *src;
  wy_memory_source_new(b, NULL, &src, NULL);
  wy_memory_source_assign(src, "slow", 0, NULL);
  producer_arg_t arg = {b};
  pthread_t th;
  pthread_create(&th, NULL, late_producer, &arg);
  wy_record_t r;
  size_t n;
  assert_int_equal(wy_source_poll(src, &r, 1, &n, 5000, NULL), WY_OK);
  assert_int_equal(n, 1);
  pthread_join(th, NULL);
  assert_int_equal(wy_source_poll(src, &r, 1, &n, 20, NULL), WY_OK);
  assert_int_equal(n, 0);
  wy_error_t err;
  wy_position_t pos = {"slow", 0, 1};
  assert_int_equal(wy_source_commit(src, &pos, 1, &err), WY_ERR_INVALID); /* no group */
  wy_source_destroy(src);
  wy_memory_broker_destroy(b);
}

typedef struct reports {
  int ok, failed;
  int64_t last_offset;
  char reason[64];
} reports_t;

static void count_report(void *opaque, wy_status_t status, const char *topic, int32_t partition,
                         int64_t offset, const char *reason) {
  reports_t *r = opaque;
  if (status == WY_OK) {
    r->ok++;
    r->last_offset = offset;
  } else {
    r->failed++;
    snprintf(r->reason, sizeof r->reason, "%s", reason);
  }
}

static void sink_reports_from_poll_and_flush_and_injects_failures(void **state) {
  wy_memory_broker_t *b;
  wy_memory_broker_new(&b, NULL);
  wy_sink_t *sink;
  assert_int_equal(wy_memory_sink_new(b, &sink, NULL), WY_OK);
  sink->on_delivery = wy_delivery_dispatch;
  reports_t rep = {0};
  wy_delivery_target_t target = {count_report, &rep};
  for (int i = 0; i < 3; i++)
    assert_int_equal(wy_sink_send(sink, "out", 0, "k", 1, "v", 1, NULL, 0, 0, &target, NULL),
                     WY_OK);
  /* Appended at once, reported only when polled. */
  int64_t end;
  wy_memory_broker_end_offset(b, "out", 0, &end, NULL);
  assert_int_equal(end, 3);
  assert_int_equal(rep.ok, 0);
  assert_int_equal(wy_memory_sink_pending(sink), 3);
  wy_sink_poll(sink);
  assert_int_equal(rep.ok, 3);
  assert_int_equal(rep.last_offset, 2);
  wy_memory_sink_fail_next(sink, 1, WY_ERR_KAFKA, "broker down");
  wy_sink_send(sink, "out", 0, "k", 1, "v", 1, NULL, 0, 0, &target, NULL);
  wy_sink_send(sink, "out", 0, "k", 1, "v", 1, NULL, 0, 0, &target, NULL);
  assert_int_equal(wy_sink_flush(sink, 1000, NULL), WY_OK);
  assert_int_equal(rep.failed, 1);
  assert_string_equal(rep.reason, "broker down");
  assert_int_equal(rep.ok, 4);
  wy_memory_broker_end_offset(b, "out", 0, &end, NULL);
  assert_int_equal(end, 4); /* the failed record was not appended */
  assert_int_equal(wy_memory_sink_pending(sink), 0);
  wy_sink_destroy(sink);
  wy_memory_broker_destroy(b);
}

static void save_and_load_keep_every_record(void **state) {
  wy_memory_broker_t *b, *c;
  wy_memory_broker_new(&b, NULL);
  wy_memory_broker_create_topic(b, "a", 2, NULL);
  wy_header_t h = {"h", "\0x", 2};
  wy_memory_broker_produce(b, "a", 1, "k\0z", 3, NULL, 0, &h, 1, -5, NULL, NULL, NULL);
  wy_memory_broker_produce(b, "a", 1, NULL, 0, "", 0, NULL, 0, 9, NULL, NULL, NULL);
  char path[] = "/tmp/wy_membroker_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  assert_int_equal(wy_memory_broker_save(b, path, NULL), WY_OK);
  wy_memory_broker_new(&c, NULL);
  assert_int_equal(wy_memory_broker_load(c, path, NULL), WY_OK);
  assert_int_equal(wy_memory_broker_partitions(c, "a"), 2);
  wy_record_t r;
  assert_int_equal(wy_memory_broker_read(c, "a", 1, 0, &r, NULL), WY_OK);
  assert_int_equal(r.key_len, 3);
  assert_memory_equal(r.key, "k\0z", 3);
  assert_null(r.value);
  assert_int_equal(r.timestamp, -5);
  assert_int_equal(r.nheaders, 1);
  assert_memory_equal(r.headers[0].value, "\0x", 2);
  assert_int_equal(wy_memory_broker_read(c, "a", 1, 1, &r, NULL), WY_OK);
  assert_null(r.key);
  assert_non_null(r.value); /* empty, not a tombstone */
  assert_int_equal(r.value_len, 0);
  /* Loading again clashes with the existing topic; a truncated file is an error. */
  wy_error_t err;
  assert_int_not_equal(wy_memory_broker_load(c, path, &err), WY_OK);
  assert_int_equal(truncate(path, 30), 0);
  wy_memory_broker_t *d;
  wy_memory_broker_new(&d, NULL);
  assert_int_equal(wy_memory_broker_load(d, path, &err), WY_ERR_DECODE);
  unlink(path);
  wy_memory_broker_destroy(b);
  wy_memory_broker_destroy(c);
  wy_memory_broker_destroy(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(murmur2_matches_kafka),
      cmocka_unit_test(produce_partitions_by_key_and_reads_back_in_order),
      cmocka_unit_test(records_know_their_place_in_the_order_of_appends),
      cmocka_unit_test(source_polls_in_offset_order_seeks_and_commits_per_group),
      cmocka_unit_test(poll_waits_for_a_record_from_another_thread),
      cmocka_unit_test(sink_reports_from_poll_and_flush_and_injects_failures),
      cmocka_unit_test(save_and_load_keep_every_record),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
