/* connectors/kafka on the embedded broker: sink, source (manual and in a group),
 * commits, rebalances, back-pressure, faults, transactions and topic administration.
 * Each test starts its own in-process cluster on 127.0.0.1 and is bounded in records
 * and time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_admin.h"
#include "connectors/kafka/kafka_sink.h"
#include "connectors/kafka/kafka_source.h"

/* Kafka protocol ApiKey of Produce requests, for fault injection. */
enum { API_PRODUCE = 0 };

/* ---- fixture ---------------------------------------------------------------------- */

typedef struct fx {
  wy_embedded_broker_t *broker;
  wy_kafka_prop_t props[8];
  size_t nprops;
} fx_t;

static int setup(void **state) {
  fx_t *fx = calloc(1, sizeof *fx);
  wy_error_t err;
  if (wy_embedded_broker_start(1, &fx->broker, &err) != WY_OK) return -1;
  const wy_kafka_prop_t props[] = {
      {"bootstrap.servers", wy_embedded_broker_bootstraps(fx->broker)},
      {"auto.offset.reset", "earliest"},
      /* Short group timings: the mock waits session.timeout - 1 s for members to rejoin. */
      {"session.timeout.ms", "2500"},
      {"heartbeat.interval.ms", "200"},
      {"kafka.consumer.fetch.wait.max.ms", "50"},
      {"kafka.linger.ms", "2"},
  };
  memcpy(fx->props, props, sizeof props);
  fx->nprops = sizeof props / sizeof props[0];
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fx_t *fx = *state;
  wy_embedded_broker_stop(fx->broker);
  free(fx);
  return 0;
}

static void create_topic(fx_t *fx, const char *topic, int partitions) {
  wy_error_t err;
  assert_int_equal(wy_embedded_broker_create_topic(fx->broker, topic, partitions, &err), WY_OK);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- delivery reports --------------------------------------------------------------- */

#define MAX_SENT 256
typedef struct deliveries {
  int calls[MAX_SENT]; /* per record (opaque = index + 1): how many callbacks */
  int by_status[WY_STATUS__COUNT];
  char last_reason[256];
} deliveries_t;

static deliveries_t dr;

static void on_delivery(void *opaque, wy_status_t status, const char *topic, int32_t partition,
                        int64_t offset, const char *reason) {
  (void)topic;
  intptr_t i = (intptr_t)opaque - 1;
  assert_true(i >= 0 && i < MAX_SENT);
  dr.calls[i]++;
  dr.by_status[status]++;
  if (status == WY_OK) {
    assert_true(offset >= 0);
    assert_true(partition >= 0);
  } else {
    assert_int_equal(offset, -1);
    assert_non_null(reason);
    snprintf(dr.last_reason, sizeof dr.last_reason, "%s", reason);
  }
}

static wy_kafka_sink_t *new_sink(fx_t *fx, const wy_kafka_prop_t *extra, size_t nextra,
                                 const char *txn_id) {
  wy_kafka_prop_t props[16];
  memcpy(props, fx->props, fx->nprops * sizeof *props);
  if (nextra) memcpy(props + fx->nprops, extra, nextra * sizeof *props);
  wy_kafka_sink_config_t cfg = {
      .props = props, .nprops = fx->nprops + nextra, .transactional_id = txn_id};
  wy_kafka_sink_t *sink;
  wy_error_t err;
  if (wy_kafka_sink_new(&cfg, &sink, &err) != WY_OK) fail_msg("sink: %s", err.msg);
  wy_kafka_sink_base(sink)->on_delivery = on_delivery;
  memset(&dr, 0, sizeof dr);
  return sink;
}

/* Send value "<prefix><i>" with key "k<i % nkeys>" for i in [first, first + n). */
static void send_values(wy_kafka_sink_t *sink, const char *topic, int32_t partition,
                        const char *prefix, int first, int n, int nkeys) {
  for (int i = first; i < first + n; i++) {
    char key[16], value[32];
    snprintf(key, sizeof key, "k%d", i % nkeys);
    snprintf(value, sizeof value, "%s%d", prefix, i);
    wy_error_t err;
    if (wy_sink_send(wy_kafka_sink_base(sink), topic, partition, key, strlen(key), value,
                     strlen(value), NULL, 0, 0, (void *)(intptr_t)(i + 1), &err) != WY_OK)
      fail_msg("send: %s", err.msg);
  }
}

static void flush_ok(wy_kafka_sink_t *sink) {
  wy_error_t err;
  if (wy_sink_flush(wy_kafka_sink_base(sink), 15000, &err) != WY_OK) fail_msg("flush: %s", err.msg);
}

/* ---- polling ---------------------------------------------------------------------- */

typedef struct got {
  char key[32];
  bool null_key, null_value;
  char value[64];
  char topic[32];
  int32_t partition;
  int64_t offset, timestamp;
  size_t nheaders;
  char h0key[16], h0value[16];
  bool h1_null;
} got_t;

static void copy_str(char *dst, size_t cap, const void *src, size_t len) {
  size_t n = len < cap - 1 ? len : cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* Poll until want records arrived or timeout_ms passed; returns how many arrived. */
static size_t poll_until(wy_source_t *src, got_t *out, size_t cap, size_t want, int timeout_ms) {
  size_t n = 0;
  int64_t deadline = now_ms() + timeout_ms;
  wy_record_t recs[16];
  while (n < want && now_ms() < deadline) {
    size_t got;
    wy_error_t err;
    if (wy_source_poll(src, recs, 16, &got, 100, &err) != WY_OK) fail_msg("poll: %s", err.msg);
    for (size_t i = 0; i < got; i++, n++) {
      assert_true(n < cap);
      got_t *g = &out[n];
      memset(g, 0, sizeof *g);
      g->null_key = recs[i].key == NULL;
      g->null_value = recs[i].value == NULL;
      if (recs[i].key) copy_str(g->key, sizeof g->key, recs[i].key, recs[i].key_len);
      if (recs[i].value) copy_str(g->value, sizeof g->value, recs[i].value, recs[i].value_len);
      copy_str(g->topic, sizeof g->topic, recs[i].topic, strlen(recs[i].topic));
      g->partition = recs[i].partition;
      g->offset = recs[i].offset;
      g->timestamp = recs[i].timestamp;
      g->nheaders = recs[i].nheaders;
      if (recs[i].nheaders > 0) {
        copy_str(g->h0key, sizeof g->h0key, recs[i].headers[0].key, strlen(recs[i].headers[0].key));
        copy_str(g->h0value, sizeof g->h0value, recs[i].headers[0].value,
                 recs[i].headers[0].value_len);
      }
      if (recs[i].nheaders > 1) g->h1_null = recs[i].headers[1].value == NULL;
    }
  }
  return n;
}

static wy_kafka_source_t *new_source(fx_t *fx, const wy_kafka_source_config_t *base) {
  wy_kafka_source_config_t cfg = *base;
  cfg.props = fx->props;
  cfg.nprops = fx->nprops;
  wy_kafka_source_t *src;
  wy_error_t err;
  if (wy_kafka_source_new(&cfg, &src, &err) != WY_OK) fail_msg("source: %s", err.msg);
  return src;
}

static wy_kafka_source_t *assigned_source(fx_t *fx, const char *topic, int partitions,
                                          const char *group) {
  wy_position_t pos[8];
  for (int p = 0; p < partitions; p++)
    pos[p] = (wy_position_t){topic, p, WY_KAFKA_OFFSET_BEGINNING};
  wy_kafka_source_config_t cfg = {
      .assignment = pos, .nassignment = (size_t)partitions, .group_id = group};
  return new_source(fx, &cfg);
}

/* Java's default partitioner: murmur2 (seed 0x9747b28c), made positive, modulo. Written
 * here from Kafka's algorithm so that the test does not trust librdkafka's. */
static int32_t java_partition(const char *key, int32_t npartitions) {
  const uint8_t *d = (const uint8_t *)key;
  size_t len = strlen(key);
  const uint32_t m = 0x5bd1e995;
  uint32_t h = 0x9747b28c ^ (uint32_t)len;
  for (size_t i = 0; i + 4 <= len; i += 4) {
    uint32_t k =
        d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16 | (uint32_t)d[i + 3] << 24;
    k *= m;
    k ^= k >> 24;
    k *= m;
    h *= m;
    h ^= k;
  }
  size_t tail = len & ~(size_t)3;
  switch (len % 4) {
    case 3:
      h ^= (uint32_t)d[tail + 2] << 16; /* fall through */
    case 2:
      h ^= (uint32_t)d[tail + 1] << 8; /* fall through */
    case 1:
      h ^= d[tail];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return (int32_t)((h & 0x7fffffff) % (uint32_t)npartitions);
}

/* ---- sink and source -------------------------------------------------------------- */

static void sink_round_trip_keeps_keys_headers_timestamps_and_java_partitions(void **state) {
  fx_t *fx = *state;
  create_topic(fx, "roundtrip", 3);
  wy_kafka_sink_t *sink = new_sink(fx, NULL, 0, NULL);
  const wy_header_t headers[] = {{"src", "walleye", 7}, {"empty", NULL, 0}};
  enum { N = 30 };
  for (int i = 0; i < N; i++) {
    char key[16], value[16];
    snprintf(key, sizeof key, "user-%d", i % 10);
    snprintf(value, sizeof value, "v%d", i);
    wy_error_t err;
    assert_int_equal(
        wy_sink_send(wy_kafka_sink_base(sink), "roundtrip", -1, key, strlen(key), value,
                     strlen(value), headers, 2, 1600000000000 + i, (void *)(intptr_t)(i + 1), &err),
        WY_OK);
  }
  wy_error_t err;
  /* A tombstone with a null key, to an explicit partition. */
  assert_int_equal(wy_sink_send(wy_kafka_sink_base(sink), "roundtrip", 2, NULL, 0, NULL, 0, NULL, 0,
                                1700000000000, (void *)(intptr_t)(N + 1), &err),
                   WY_OK);
  flush_ok(sink);
  for (int i = 0; i <= N; i++) assert_int_equal(dr.calls[i], 1);
  assert_int_equal(dr.by_status[WY_OK], N + 1);
  wy_kafka_sink_stats_t stats = wy_kafka_sink_stats(sink);
  assert_int_equal(stats.sent, N + 1);
  assert_int_equal(stats.acked, N + 1);
  assert_int_equal(stats.failed, 0);
  wy_sink_destroy(wy_kafka_sink_base(sink));

  wy_kafka_source_t *src = assigned_source(fx, "roundtrip", 3, NULL);
  got_t got[64];
  assert_int_equal(poll_until(wy_kafka_source_base(src), got, 64, N + 1, 10000), N + 1);
  int tombstones = 0;
  for (int i = 0; i < N + 1; i++) {
    if (got[i].null_value) {
      tombstones++;
      assert_true(got[i].null_key);
      assert_int_equal(got[i].partition, 2);
      assert_int_equal(got[i].timestamp, 1700000000000);
      assert_int_equal(got[i].nheaders, 0);
      continue;
    }
    int v = atoi(got[i].value + 1);
    char key[16];
    snprintf(key, sizeof key, "user-%d", v % 10);
    assert_string_equal(got[i].key, key);
    assert_string_equal(got[i].topic, "roundtrip");
    assert_int_equal(got[i].partition, java_partition(key, 3));
    assert_int_equal(got[i].timestamp, 1600000000000 + v);
    assert_int_equal(got[i].nheaders, 2);
    assert_string_equal(got[i].h0key, "src");
    assert_string_equal(got[i].h0value, "walleye");
    assert_true(got[i].h1_null);
  }
  assert_int_equal(tombstones, 1);
  wy_source_destroy(wy_kafka_source_base(src));
}

static void group_consumer_resumes_from_committed_offsets(void **state) {
  fx_t *fx = *state;
  create_topic(fx, "commits", 2);
  wy_kafka_sink_t *sink = new_sink(fx, NULL, 0, NULL);
  enum { N = 20 };
  send_values(sink, "commits", -1, "v", 0, N, N);
  flush_ok(sink);
  wy_kafka_sink_destroy(sink);

  const char *group = "_confluent-ksql-test_query_CSAS_COMMITS_0";
  wy_error_t err;
  const char *topics[] = {"commits"};
  wy_kafka_source_config_t cfg = {.group_id = group, .topics = topics, .ntopics = 1};
  wy_kafka_source_t *first = new_source(fx, &cfg);
  got_t got[2 * N];
  assert_int_equal(poll_until(wy_kafka_source_base(first), got, 2 * N, N, 15000), N);

  /* Commit half of each partition: the next offset to read is count / 2. */
  int64_t per_partition[2] = {0, 0};
  for (int i = 0; i < N; i++) per_partition[got[i].partition]++;
  assert_true(per_partition[0] > 0 && per_partition[1] > 0);
  wy_position_t commit[2] = {{"commits", 0, per_partition[0] / 2},
                             {"commits", 1, per_partition[1] / 2}};
  assert_int_equal(wy_source_commit(wy_kafka_source_base(first), commit, 2, &err), WY_OK);
  wy_position_t check[2] = {{"commits", 0, 0}, {"commits", 1, 0}};
  assert_int_equal(wy_kafka_source_committed(first, check, 2, 5000, &err), WY_OK);
  assert_int_equal(check[0].offset, commit[0].offset);
  assert_int_equal(check[1].offset, commit[1].offset);
  wy_source_destroy(wy_kafka_source_base(first));

  /* A new member of the group starts where the commit left off, not at earliest. */
  wy_kafka_source_t *second = new_source(fx, &cfg);
  size_t left = (size_t)(N - commit[0].offset - commit[1].offset);
  size_t n = poll_until(wy_kafka_source_base(second), got, 2 * N, left, 15000);
  assert_int_equal(n, left);
  for (size_t i = 0; i < n; i++) assert_true(got[i].offset >= commit[got[i].partition].offset);
  /* And nothing more is there. */
  assert_int_equal(poll_until(wy_kafka_source_base(second), got, 2 * N, 1, 300), 0);
  wy_kafka_source_destroy(second);
}

typedef struct ownership {
  int owned;
  int events[3];
  int partitions_revoked;
} ownership_t;

static void on_rebalance(void *opaque, wy_kafka_rebalance_t kind, const wy_position_t *parts,
                         size_t n) {
  ownership_t *o = opaque;
  o->events[kind]++;
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(parts[i].topic, "shared");
    assert_int_equal(parts[i].offset, WY_KAFKA_OFFSET_UNKNOWN);
  }
  if (kind == WY_KAFKA_ASSIGNED) {
    o->owned += (int)n;
  } else {
    o->owned -= (int)n;
    o->partitions_revoked += (int)n;
  }
}

/* Poll both (b may be NULL) until a and b own the wanted counts. */
static bool poll_until_owned(wy_kafka_source_t *a, ownership_t *oa, int want_a,
                             wy_kafka_source_t *b, ownership_t *ob, int want_b, int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  got_t sink[64];
  while (now_ms() < deadline) {
    poll_until(wy_kafka_source_base(a), sink, 64, 64, 50);
    if (b) poll_until(wy_kafka_source_base(b), sink, 64, 64, 50);
    if (oa->owned == want_a && (!b || ob->owned == want_b)) return true;
  }
  return false;
}

static void two_consumers_share_partitions_cooperatively(void **state) {
  fx_t *fx = *state;
  create_topic(fx, "shared", 4);
  const char *topics[] = {"shared"};
  ownership_t oa = {0}, ob = {0};
  wy_kafka_source_config_t cfg = {.group_id = "_confluent-ksql-t_query_CSAS_SHARED_0",
                                  .topics = topics,
                                  .ntopics = 1,
                                  .on_rebalance = on_rebalance,
                                  .opaque = &oa};
  wy_kafka_source_t *a = new_source(fx, &cfg);
  assert_true(poll_until_owned(a, &oa, 4, NULL, NULL, 0, 10000));
  assert_int_equal(wy_kafka_source_assignment_count(a), 4);

  cfg.opaque = &ob;
  wy_kafka_source_t *b = new_source(fx, &cfg);
  assert_true(poll_until_owned(a, &oa, 2, b, &ob, 2, 15000));
  /* Cooperative: the first member gave up only the two partitions that moved. */
  assert_int_equal(oa.partitions_revoked, 2);
  assert_int_equal(oa.events[WY_KAFKA_LOST], 0);
  assert_int_equal(wy_kafka_source_assignment_count(a), 2);
  assert_int_equal(wy_kafka_source_assignment_count(b), 2);

  /* The second leaves: it hears of its revocation, the first takes everything back. */
  wy_kafka_source_destroy(b);
  assert_int_equal(ob.owned, 0);
  assert_true(poll_until_owned(a, &oa, 4, NULL, NULL, 0, 15000));
  wy_kafka_source_destroy(a);
  assert_int_equal(oa.owned, 0);
}

static void pause_holds_partitions_back_and_seek_rewinds(void **state) {
  fx_t *fx = *state;
  create_topic(fx, "flow", 2);
  wy_kafka_sink_t *sink = new_sink(fx, NULL, 0, NULL);
  send_values(sink, "flow", 0, "a", 0, 10, 3);
  send_values(sink, "flow", 1, "b", 10, 10, 3);
  flush_ok(sink);
  wy_kafka_sink_destroy(sink);

  wy_kafka_source_t *ks = assigned_source(fx, "flow", 2, NULL);
  wy_source_t *src = wy_kafka_source_base(ks);
  wy_error_t err;
  wy_position_t p0 = {"flow", 0, 0};
  assert_int_equal(wy_source_pause(src, &p0, 1, &err), WY_OK);
  got_t got[32];
  /* Ask for more than partition 1 holds: the paused partition must not fill in. */
  size_t n = poll_until(src, got, 32, 20, 1500);
  assert_int_equal(n, 10);
  for (size_t i = 0; i < n; i++) assert_int_equal(got[i].partition, 1);

  assert_int_equal(wy_source_resume(src, &p0, 1, &err), WY_OK);
  n = poll_until(src, got, 32, 10, 5000);
  assert_int_equal(n, 10);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(got[i].partition, 0);
    assert_int_equal(got[i].offset, (int64_t)i);
  }

  assert_int_equal(wy_source_seek(src, "flow", 0, 7, &err), WY_OK);
  n = poll_until(src, got, 32, 3, 5000);
  assert_int_equal(n, 3);
  for (size_t i = 0; i < n; i++) assert_int_equal(got[i].offset, 7 + (int64_t)i);
  /* Pausing a partition that is not assigned is reported. */
  wy_position_t other = {"flow", 9, 0};
  assert_int_equal(wy_source_pause(src, &other, 1, &err), WY_ERR_INVALID);
  assert_non_null(strstr(err.msg, "flow[9]"));
  wy_source_destroy(src);
}

/* Records are taken from the consumer a batch at a time; pausing and resuming between
 * batches (as the runtime's PAUSE does) must neither skip nor repeat an offset
 * (librdkafka 2.0's batch API could advance a partition's resume position past records
 * it dropped from a batch). */
static void pause_and_resume_between_batches_skip_nothing(void **state) {
  fx_t *fx = *state;
  enum { PARTS = 4, PER = 120 }; /* indices below MAX_SENT (repeated per partition) */
  create_topic(fx, "flowb", PARTS);
  wy_kafka_sink_t *sink = new_sink(fx, NULL, 0, NULL);
  for (int p = 0; p < PARTS; p++) send_values(sink, "flowb", p, "v", 0, PER, 7);
  flush_ok(sink);
  wy_kafka_sink_destroy(sink);

  wy_kafka_source_t *ks = assigned_source(fx, "flowb", PARTS, NULL);
  wy_source_t *src = wy_kafka_source_base(ks);
  wy_position_t all[PARTS];
  for (int p = 0; p < PARTS; p++) all[p] = (wy_position_t){"flowb", p, 0};
  int64_t next[PARTS] = {0};
  size_t total = 0;
  int64_t deadline = now_ms() + 60000; /* each resume fetches again: slow under ASan */
  wy_record_t recs[64];
  for (int round = 0; total < PARTS * PER && now_ms() < deadline; round++) {
    size_t n = 0;
    wy_error_t err;
    if (wy_source_poll(src, recs, 1 + (size_t)round % 16, &n, 20, &err) != WY_OK)
      fail_msg("poll: %s", err.msg);
    for (size_t i = 0; i < n; i++) {
      int32_t p = recs[i].partition;
      assert_true(p >= 0 && p < PARTS);
      if (recs[i].offset != next[p])
        fail_msg("partition %d: offset %lld after %lld", (int)p, (long long)recs[i].offset,
                 (long long)next[p] - 1);
      next[p]++;
      total++;
    }
    if (round % 4 == 1) {
      assert_int_equal(wy_source_pause(src, all, PARTS, &err), WY_OK);
      size_t none = 0;
      assert_int_equal(wy_source_poll(src, recs, 64, &none, 5, &err), WY_OK);
      /* records fetched before the pause may still come out once; then nothing */
      for (size_t i = 0; i < none; i++) {
        int32_t p = recs[i].partition;
        if (recs[i].offset != next[p])
          fail_msg("partition %d: offset %lld after %lld while paused", (int)p,
                   (long long)recs[i].offset, (long long)next[p] - 1);
        next[p]++;
        total++;
      }
      assert_int_equal(wy_source_resume(src, all, PARTS, &err), WY_OK);
    }
  }
  assert_int_equal(total, PARTS * PER);
  wy_source_destroy(src);
}

static void subscribing_to_a_missing_topic_reports_it_in_ksqldb_words(void **state) {
  fx_t *fx = *state;
  /* The mock would create any topic asked for; make it answer "unknown" instead. */
  rd_kafka_mock_topic_set_error(wy_embedded_broker_mock(fx->broker), "missing",
                                RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  const char *topics[] = {"missing"};
  wy_kafka_source_config_t cfg = {.group_id = "g-missing", .topics = topics, .ntopics = 1};
  wy_kafka_source_t *ks = new_source(fx, &cfg);
  wy_record_t recs[4];
  wy_error_t err;
  wy_status_t st = WY_OK;
  int64_t deadline = now_ms() + 10000;
  while (st == WY_OK && now_ms() < deadline) {
    size_t n;
    st = wy_source_poll(wy_kafka_source_base(ks), recs, 4, &n, 200, &err);
    assert_int_equal(n, 0);
  }
  assert_int_equal(st, WY_ERR_NOT_FOUND);
  assert_string_equal(err.msg, "Kafka topic does not exist: missing");
  wy_kafka_source_destroy(ks);
}

/* ---- faults ----------------------------------------------------------------------- */

static void produce_errors_are_retried_without_loss_or_duplicates(void **state) {
  fx_t *fx = *state;
  create_topic(fx, "retries", 1);
  rd_kafka_mock_cluster_t *mock = wy_embedded_broker_mock(fx->broker);
  rd_kafka_mock_push_request_errors(
      mock, API_PRODUCE, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  wy_kafka_sink_t *sink = new_sink(fx, NULL, 0, NULL);
  enum { N = 50 };
  send_values(sink, "retries", -1, "r", 0, N, 7);
  flush_ok(sink);
  assert_int_equal(dr.by_status[WY_OK], N);
  wy_kafka_sink_destroy(sink);

  wy_kafka_source_t *src = assigned_source(fx, "retries", 1, NULL);
  got_t got[2 * N];
  assert_int_equal(poll_until(wy_kafka_source_base(src), got, 2 * N, 2 * N, 3000), N);
  for (int i = 0; i < N; i++) {
    char want[16];
    snprintf(want, sizeof want, "r%d", i);
    assert_string_equal(got[i].value, want); /* in order, once each */
  }
  wy_kafka_source_destroy(src);
}

static void permanent_produce_error_is_reported_once_and_the_sink_goes_on(void **state) {
  fx_t *fx = *state;
  create_topic(fx, "refused", 1);
  rd_kafka_mock_push_request_errors(wy_embedded_broker_mock(fx->broker), API_PRODUCE, 1,
                                    RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  wy_kafka_sink_t *sink = new_sink(fx, NULL, 0, NULL);
  send_values(sink, "refused", 0, "x", 0, 1, 1);
  flush_ok(sink);
  assert_int_equal(dr.calls[0], 1);
  assert_int_equal(dr.by_status[WY_ERR_KAFKA], 1);
  assert_non_null(strstr(dr.last_reason, "too large"));
  send_values(sink, "refused", 0, "y", 1, 1, 1);
  flush_ok(sink);
  assert_int_equal(dr.calls[1], 1);
  assert_int_equal(dr.by_status[WY_OK], 1);
  wy_kafka_sink_destroy(sink);
}

static void broker_outage_fails_late_records_and_loses_none_that_recover(void **state) {
  fx_t *fx = *state;
  create_topic(fx, "outage", 1);
  rd_kafka_mock_cluster_t *mock = wy_embedded_broker_mock(fx->broker);

  /* Down for longer than the delivery timeout: each record fails, once, as a timeout. */
  const wy_kafka_prop_t short_timeout[] = {{"delivery.timeout.ms", "1000"}};
  wy_kafka_sink_t *sink = new_sink(fx, short_timeout, 1, NULL);
  rd_kafka_mock_broker_set_down(mock, 1);
  send_values(sink, "outage", 0, "lost", 0, 5, 5);
  wy_error_t err;
  assert_int_equal(wy_sink_flush(wy_kafka_sink_base(sink), 8000, &err), WY_OK);
  for (int i = 0; i < 5; i++) assert_int_equal(dr.calls[i], 1);
  assert_int_equal(dr.by_status[WY_ERR_TIMEOUT], 5);
  assert_true(strlen(dr.last_reason) > 0);
  assert_int_equal(wy_kafka_sink_stats(sink).failed, 5);
  wy_kafka_sink_destroy(sink);

  /* Down briefly: the records wait and are delivered once it is back. */
  sink = new_sink(fx, NULL, 0, NULL);
  send_values(sink, "outage", 0, "kept", 0, 5, 5);
  for (int i = 0; i < 5; i++) wy_sink_poll(wy_kafka_sink_base(sink));
  rd_kafka_mock_broker_set_up(mock, 1);
  flush_ok(sink);
  assert_int_equal(dr.by_status[WY_OK], 5);
  wy_kafka_sink_destroy(sink);

  wy_kafka_source_t *src = assigned_source(fx, "outage", 1, NULL);
  got_t got[16];
  assert_int_equal(poll_until(wy_kafka_source_base(src), got, 16, 16, 3000), 5);
  for (int i = 0; i < 5; i++) assert_int_equal(strncmp(got[i].value, "kept", 4), 0);
  wy_kafka_source_destroy(src);
}

/* ---- transactions ----------------------------------------------------------------- */

static void transactions_commit_abort_and_classify_faults(void **state) {
  fx_t *fx = *state;
  create_topic(fx, "txn-out", 1);
  create_topic(fx, "txn-in", 1);
  wy_kafka_sink_t *sink = new_sink(fx, NULL, 0, "walleye-test-txn");
  wy_kafka_source_t *in = assigned_source(fx, "txn-in", 1, "txn-group");
  wy_error_t err;
  assert_int_equal(wy_kafka_sink_txn_init(sink, 10000, &err), WY_OK);

  assert_int_equal(wy_kafka_sink_txn_begin(sink, &err), WY_OK);
  send_values(sink, "txn-out", -1, "c", 0, 5, 5);
  wy_position_t consumed = {"txn-in", 0, 7};
  assert_int_equal(wy_kafka_sink_txn_send_offsets(sink, in, &consumed, 1, 10000, &err), WY_OK);
  assert_int_equal(wy_kafka_sink_txn_commit(sink, 10000, &err), WY_OK);
  assert_int_equal(dr.by_status[WY_OK], 5);
  assert_int_equal(wy_kafka_sink_txn_begin(sink, &err), WY_OK);
  send_values(sink, "txn-out", -1, "aborted", 5, 3, 5);
  assert_int_equal(wy_kafka_sink_txn_abort(sink, 10000, &err), WY_OK);

  /* A broker refusing the records makes the transaction abortable, not fatal. */
  assert_int_equal(wy_kafka_sink_txn_begin(sink, &err), WY_OK);
  rd_kafka_mock_push_request_errors(wy_embedded_broker_mock(fx->broker), API_PRODUCE, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  send_values(sink, "txn-out", -1, "refused", 8, 1, 5);
  assert_int_not_equal(wy_kafka_sink_txn_commit(sink, 10000, &err), WY_OK);
  assert_int_equal(wy_kafka_sink_txn_fault(sink), WY_KAFKA_TXN_ABORTABLE);
  assert_non_null(strstr(err.msg, "abortable"));
  assert_int_equal(wy_kafka_sink_txn_abort(sink, 10000, &err), WY_OK);
  assert_int_equal(wy_kafka_sink_txn_fault(sink), WY_KAFKA_TXN_OK);
  /* Out of order: committing with no transaction open is refused. */
  assert_int_not_equal(wy_kafka_sink_txn_commit(sink, 1000, &err), WY_OK);
  assert_int_not_equal(wy_kafka_sink_txn_fault(sink), WY_KAFKA_TXN_OK);
  wy_kafka_sink_destroy(sink);
  wy_kafka_source_destroy(in);

  /* The committed records are there, in order. (The mock neither stores transactional
   * offsets nor writes abort markers, so neither is checked here.) */
  wy_kafka_source_t *out = assigned_source(fx, "txn-out", 1, NULL);
  got_t got[16];
  assert_true(poll_until(wy_kafka_source_base(out), got, 16, 5, 3000) >= 5);
  for (int i = 0; i < 5; i++) {
    char want[16];
    snprintf(want, sizeof want, "c%d", i);
    assert_string_equal(got[i].value, want);
  }
  wy_kafka_source_destroy(out);
}

/* ---- administration --------------------------------------------------------------- */

static wy_kafka_admin_t *new_admin(fx_t *fx) {
  wy_kafka_admin_t *a;
  wy_error_t err;
  if (wy_kafka_admin_new(fx->props, fx->nprops, &a, &err) != WY_OK) fail_msg("admin: %s", err.msg);
  return a;
}

static void admin_creates_topics_through_the_embedded_broker(void **state) {
  fx_t *fx = *state;
  wy_kafka_admin_t *a = new_admin(fx);
  wy_error_t err;
  int parts = 0;
  const wy_kafka_prop_t compact[] = {{"cleanup.policy", "compact"}};
  wy_kafka_topic_spec_t spec = {"_confluent-ksql-t_query_CTAS_X_0-Aggregate-changelog", 3, 1,
                                compact, 1};
  int64_t t0 = now_ms();
  assert_int_equal(wy_kafka_admin_create_topic(a, &spec, 5000, &parts, &err), WY_OK);
  assert_true(now_ms() - t0 < 2000); /* no CreateTopics round trip to wait out */
  assert_int_equal(parts, 3);        /* the count asked for, not the mock's default */
  assert_int_equal(wy_kafka_admin_topic_partitions(a, spec.name, 5000, &parts, &err), WY_OK);
  assert_int_equal(parts, 3);
  /* Creating it again is fine; with another partition count it is not. */
  assert_int_equal(wy_kafka_admin_create_topic(a, &spec, 5000, &parts, &err), WY_OK);
  spec.partitions = 6;
  assert_int_equal(wy_kafka_admin_create_topic(a, &spec, 5000, &parts, &err), WY_ERR_EXISTS);
  assert_non_null(strstr(err.msg, "already exists"));
  assert_int_equal(parts, 3);

  /* A missing topic is reported in ksqlDB's words, and asking does not create it. */
  assert_int_equal(wy_kafka_admin_topic_partitions(a, "no_such_topic", 5000, &parts, &err),
                   WY_ERR_NOT_FOUND);
  assert_string_equal(err.msg, "Kafka topic does not exist: no_such_topic");
  bool exists = true;
  assert_int_equal(wy_kafka_admin_topic_exists(a, "no_such_topic", 5000, &exists, &err), WY_OK);
  assert_false(exists);
  /* The in-process shortcut is found from any address of a bootstrap list, and only
   * for brokers of this process. */
  char list[256];
  snprintf(list, sizeof list, "127.0.0.1:1,%s", wy_embedded_broker_bootstraps(fx->broker));
  assert_int_equal(wy_embedded_broker_create_topic_at(list, "via-list", 2, &err), WY_OK);
  assert_int_equal(wy_kafka_admin_topic_partitions(a, "via-list", 5000, &parts, &err), WY_OK);
  assert_int_equal(parts, 2);
  assert_int_equal(wy_embedded_broker_create_topic_at("127.0.0.1:1", "elsewhere", 2, &err),
                   WY_ERR_NOT_FOUND);
  spec.name = "bad name";
  assert_int_equal(wy_kafka_admin_create_topic(a, &spec, 5000, &parts, &err), WY_ERR_INVALID);
  wy_kafka_admin_destroy(a);
}

static void admin_falls_back_to_auto_creation_when_create_topics_is_unanswered(void **state) {
  fx_t *fx = *state;
  wy_kafka_admin_t *a = new_admin(fx);
  wy_kafka_admin_use_embedded(a, false); /* as if the cluster were remote */
  wy_error_t err;
  int parts = 0;
  wy_kafka_topic_spec_t spec = {"fallback-1", 2, -1, NULL, 0};
  int64_t t0 = now_ms();
  assert_int_equal(wy_kafka_admin_create_topic(a, &spec, 1500, &parts, &err), WY_OK);
  int64_t first = now_ms() - t0;
  assert_true(first < 5000);  /* bounded by the timeout, not hung */
  assert_int_equal(parts, 4); /* the mock's automatic creation decides the count */
  assert_int_equal(wy_kafka_admin_topic_partitions(a, "fallback-1", 5000, &parts, &err), WY_OK);
  assert_int_equal(parts, 4);
  /* Having seen CreateTopics go unanswered, the next creation does not wait again. */
  spec.name = "fallback-2";
  t0 = now_ms();
  assert_int_equal(wy_kafka_admin_create_topic(a, &spec, 1500, &parts, &err), WY_OK);
  assert_true(now_ms() - t0 < 1000);
  assert_int_equal(parts, 4);
  wy_kafka_admin_destroy(a);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(sink_round_trip_keeps_keys_headers_timestamps_and_java_partitions),
      T(group_consumer_resumes_from_committed_offsets),
      T(two_consumers_share_partitions_cooperatively),
      T(pause_holds_partitions_back_and_seek_rewinds),
      T(pause_and_resume_between_batches_skip_nothing),
      T(subscribing_to_a_missing_topic_reports_it_in_ksqldb_words),
      T(produce_errors_are_retried_without_loss_or_duplicates),
      T(permanent_produce_error_is_reported_once_and_the_sink_goes_on),
      T(broker_outage_fails_late_records_and_loses_none_that_recover),
      T(transactions_commit_abort_and_classify_faults),
      T(admin_creates_topics_through_the_embedded_broker),
      T(admin_falls_back_to_auto_creation_when_create_topics_is_unanswered),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
