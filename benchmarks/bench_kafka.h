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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* CPU seconds of every thread of this process (/proc/self/task/TID/stat, clock
 * ticks): up to max threads into tid[] and cpu[]; returns how many. */
#include <dirent.h>
static inline int thread_cpu(int *tid, double *cpu, int max) {
  DIR *d = opendir("/proc/self/task");
  if (!d) return 0;
  int n = 0;
  long hz = sysconf(_SC_CLK_TCK);
  struct dirent *e;
  while (n < max && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[300], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    const char *p = strrchr(buf, ')'); /* after the command name */
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
      continue;
    tid[n] = atoi(e->d_name);
    cpu[n] = (double)(ut + st) / (double)hz;
    n++;
  }
  closedir(d);
  return n;
}

/* The CPU seconds of the busiest thread between two thread_cpu snapshots. */
static inline double busiest_thread_cpu(const int *t0, const double *c0, int n0, const int *t1,
                                        const double *c1, int n1) {
  double best = 0;
  for (int i = 0; i < n1; i++) {
    double before = 0;
    for (int k = 0; k < n0; k++)
      if (t0[k] == t1[i]) before = c0[k];
    if (c1[i] - before > best) best = c1[i] - before;
  }
  return best;
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
static const char *const producer_conf[] = {
    "enable.idempotence", "true", "partitioner", "murmur2_random", "linger.ms", "5", NULL};

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
  double wall_read; /* with a reader: first record consumed to last output counted */
} timing_t;

/* A consumer in this process counting the outputs of a passthrough on its own thread,
 * as bench_e2e counts the engine's: assigned to every partition of the topic from its
 * current end, before the first record is passed. */
#include <pthread.h>
typedef struct out_reader {
  rd_kafka_t *c;
  long want, got;
  double last; /* wall_s() when the last output arrived */
  pthread_t tid;
} out_reader_t;

static inline void *out_reader_main(void *arg) {
  out_reader_t *r = arg;
  rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(r->c);
  rd_kafka_message_t *batch[1000];
  double idle_since = wall_s();
  while (r->got < r->want && wall_s() - idle_since < 10.0) {
    ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch, 1000);
    for (ssize_t i = 0; i < n; i++) {
      if (!batch[i]->err) r->got++;
      rd_kafka_message_destroy(batch[i]);
    }
    if (n > 0) idle_since = r->last = wall_s();
  }
  rd_kafka_queue_destroy(q);
  return NULL;
}

static inline void out_reader_start(out_reader_t *r, const char *bootstrap, const char *topic,
                                    int partitions, long want) {
  const char *conf[] = {"group.id", "bench-passthrough-reader", "enable.auto.commit",
                        "false",    "fetch.wait.max.ms",        "10",
                        NULL};
  r->c = client(RD_KAFKA_CONSUMER, bootstrap, conf, NULL);
  r->want = want;
  r->got = 0;
  r->last = 0;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(partitions);
  for (int i = 0; i < partitions; i++) {
    int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(r->c, topic, i, &lo, &hi, 10000))
      die(topic, "no watermark offsets");
    rd_kafka_topic_partition_list_add(l, topic, i)->offset = hi;
  }
  rd_kafka_assign(r->c, l);
  rd_kafka_topic_partition_list_destroy(l);
  if (pthread_create(&r->tid, NULL, out_reader_main, r)) die("reader", "cannot start a thread");
}

static inline void out_reader_wait(out_reader_t *r) {
  pthread_join(r->tid, NULL);
  rd_kafka_consumer_close(r->c);
  rd_kafka_destroy(r->c);
}

/* Consume `records` records of in (in_parts partitions, from the beginning), produce
 * each record's bytes to out. Timed from the first record consumed to the last
 * acknowledgement: client start-up (connections, the idempotent producer's id, about
 * 0.5 s each on the mock) and shutdown are not the work being measured, so the output
 * producer is warmed up with one record first. With `with_reader`, a consumer on its
 * own thread counts the outputs (out has in_parts partitions) and t->wall_read runs to
 * the last one's arrival, which is how bench_e2e times the engine; t->cpu then
 * includes the reader. Returns the records passed. */
static inline long pass_through(const char *bootstrap, long records, const char *in, int in_parts,
                                const char *out, bool with_reader, acks_t *acks, timing_t *t) {
  /* The runtime's consumer settings (connectors/kafka/kafka_source.c and bench_e2e's
   * fetch wait): with librdkafka's default prefetch limits (100,000 records, 64 MB) a
   * consumer catching up on this backlog stops fetching for a second once its queue
   * passes them, which made some passthrough runs 4x slower than others. */
  const char *consumer_conf[] = {"group.id",
                                 "bench-passthrough",
                                 "enable.auto.commit",
                                 "false",
                                 "queued.min.messages",
                                 "500000",
                                 "queued.max.messages.kbytes",
                                 "131072",
                                 "fetch.wait.max.ms",
                                 "10",
                                 NULL};
  rd_kafka_t *c = client(RD_KAFKA_CONSUMER, bootstrap, consumer_conf, NULL);
  rd_kafka_t *p = client(RD_KAFKA_PRODUCER, bootstrap, producer_conf, acks);
  produce(p, out, "warm-up", 7, "", 0, 0);
  rd_kafka_flush(p, 10000);
  acks->ok = acks->failed = 0;
  out_reader_t reader;
  if (with_reader) out_reader_start(&reader, bootstrap, out, in_parts, records);
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
  t->wall_read = 0;
  if (with_reader) {
    out_reader_wait(&reader);
    if (reader.got != seen) die("passthrough reader", "not every output arrived");
    t->wall_read = reader.last - w0;
  }
  t->cpu = cpu_s() - c0;
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  rd_kafka_destroy(p);
  return seen;
}

#endif
