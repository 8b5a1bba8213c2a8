/*
 * bench_kafka.h — what the end-to-end benchmarks share: librdkafka clients configured
 * like walleye's, a produce that waits out a full queue, and the raw passthrough
 * baseline (consume and produce the same bytes, no decoding). Header-only (static
 * inline) because benchmarks/CMakeLists.txt builds each bench_*.c as one program.
 * Single-threaded use; die() ends the program (a benchmark has nothing to recover).
 */
#ifndef WY_BENCH_KAFKA_H
#define WY_BENCH_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline double wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static inline double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

static inline void die(const char *what, const char *why) {
  fprintf(stderr, "bench: %s: %s\n", what, why);
  exit(1);
}

typedef struct acks {
  long ok, failed;
} acks_t;

static inline void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  acks_t *a = opaque;
  if (m->err)
    a->failed++;
  else
    a->ok++;
}

/* kv: NULL-terminated key, value pairs. acks: delivery reports counted there (producers). */
static inline rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap, const char *const *kv,
                                 acks_t *acks) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr))
    die("config", errstr);
  for (; kv && kv[0]; kv += 2)
    if (rd_kafka_conf_set(conf, kv[0], kv[1], errstr, sizeof errstr)) die(kv[0], errstr);
  if (acks) {
    rd_kafka_conf_set_opaque(conf, acks);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  }
  rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (!rk) die("client", errstr);
  return rk;
}

/* The walleye sink's producer settings, so that the baseline is like for like. */
static const char *const producer_conf[] = {"enable.idempotence", "true",     "partitioner",
                                            "murmur2_random",     "linger.ms", "5",
                                            NULL};

static inline void produce(rd_kafka_t *rk, const char *topic, const void *key, size_t klen,
                           const void *val, size_t vlen, int64_t ts) {
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)val, vlen),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(ts > 0 ? ts : 0),
        RD_KAFKA_V_END);
    if (!e) return;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(e));
    rd_kafka_poll(rk, 1);
  }
}

typedef struct timing {
  double wall, cpu;
} timing_t;

/* Consume `records` records of in (in_parts partitions, from the beginning), produce
 * each record's bytes to out. Timed from the first record consumed to the last
 * acknowledgement: client start-up (connections, the idempotent producer's id, about
 * 0.5 s each on the mock) and shutdown are not the work being measured, so the output
 * producer is warmed up with one record first. Returns the records passed. */
static inline long pass_through(const char *bootstrap, long records, const char *in, int in_parts,
                                const char *out, acks_t *acks, timing_t *t) {
  const char *consumer_conf[] = {"group.id", "bench-passthrough", "enable.auto.commit", "false",
                                 NULL};
  rd_kafka_t *c = client(RD_KAFKA_CONSUMER, bootstrap, consumer_conf, NULL);
  rd_kafka_t *p = client(RD_KAFKA_PRODUCER, bootstrap, producer_conf, acks);
  produce(p, out, "warm-up", 7, "", 0, 0);
  rd_kafka_flush(p, 10000);
  acks->ok = acks->failed = 0;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(in_parts);
  for (int i = 0; i < in_parts; i++)
    rd_kafka_topic_partition_list_add(l, in, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(c, l);
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(c);
  rd_kafka_message_t *batch[1000];
  long seen = 0;
  double w0 = 0, c0 = 0;
  double idle_since = wall_s();
  while (seen < records && wall_s() - idle_since < 10.0) {
    ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch, 1000);
    if (n > 0 && seen == 0) {
      w0 = wall_s();
      c0 = cpu_s();
    }
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = batch[i];
      if (!m->err) {
        produce(p, out, m->key, m->key_len, m->payload, m->len,
                rd_kafka_message_timestamp(m, NULL));
        seen++;
      }
      rd_kafka_message_destroy(m);
    }
    if (n > 0) idle_since = wall_s();
    rd_kafka_poll(p, 0);
  }
  rd_kafka_flush(p, 60000);
  t->wall = wall_s() - w0;
  t->cpu = cpu_s() - c0;
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  rd_kafka_destroy(p);
  return seen;
}

#endif
