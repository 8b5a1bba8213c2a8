/*
 * bench_passthrough — the raw librdkafka baseline for end-to-end benchmarks.
 *
 * Produces N records of about 250 bytes to an input topic (not timed), then times
 * consuming them and producing the same bytes to an output topic, with no decoding:
 * the floor that a walleye query over the same topics cannot beat. Prints one JSON
 * object on stdout. CPU time is the whole process's, so with the in-process broker it
 * includes the broker's work too ("broker":"embedded").
 *
 *   bench_passthrough [--bootstrap HOST:PORT] [--records N | --quick] [--partitions P]
 *                     [--size BYTES]
 */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_admin.h"

typedef struct options {
  const char *bootstrap;
  long records;
  int partitions;
  int size;
} options_t;

static double wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what, const char *why) {
  fprintf(stderr, "bench_passthrough: %s: %s\n", what, why);
  exit(1);
}

typedef struct acks {
  long ok, failed;
} acks_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  acks_t *a = opaque;
  if (m->err)
    a->failed++;
  else
    a->ok++;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap, const char *const *kv,
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

static void produce(rd_kafka_t *rk, const char *topic, const void *key, size_t klen,
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

static void fill_input(const options_t *o, const char *topic) {
  acks_t acks = {0};
  rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, o->bootstrap, producer_conf, &acks);
  char *value = malloc((size_t)o->size);
  unsigned seed = 42;
  for (long i = 0; i < o->records; i++) {
    for (int j = 0; j < o->size; j++) value[j] = (char)(' ' + rand_r(&seed) % 95);
    char key[32];
    int klen = snprintf(key, sizeof key, "user-%ld", i % 10007);
    produce(rk, topic, key, (size_t)klen, value, (size_t)o->size, 0);
    if (i % 1000 == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 60000);
  free(value);
  rd_kafka_destroy(rk);
  if (acks.ok != o->records) die("filling the input topic", "not every record was acknowledged");
}

typedef struct timing {
  double wall, cpu;
} timing_t;

/* Consume the input, produce each record's bytes to the output. Timed from the first
 * record consumed to the last acknowledgement: client start-up (connections, the
 * idempotent producer's id, about 0.5 s each on the mock) and shutdown are not the
 * work being measured, so the output producer is warmed up with one record first. */
static long pass_through(const options_t *o, const char *in, int in_parts, const char *out,
                         acks_t *acks, timing_t *t) {
  const char *consumer_conf[] = {"group.id", "bench-passthrough", "enable.auto.commit", "false",
                                 NULL};
  rd_kafka_t *c = client(RD_KAFKA_CONSUMER, o->bootstrap, consumer_conf, NULL);
  rd_kafka_t *p = client(RD_KAFKA_PRODUCER, o->bootstrap, producer_conf, acks);
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
  while (seen < o->records && wall_s() - idle_since < 10.0) {
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

static void usage(void) {
  fprintf(stderr, "usage: bench_passthrough [--bootstrap HOST:PORT] [--records N | --quick] "
                  "[--partitions P] [--size BYTES]\n");
  exit(2);
}

int main(int argc, char **argv) {
  options_t o = {NULL, 200000, 16, 250};
  static const struct option opts[] = {{"bootstrap", required_argument, NULL, 'b'},
                                        {"records", required_argument, NULL, 'n'},
                                        {"quick", no_argument, NULL, 'q'},
                                        {"partitions", required_argument, NULL, 'p'},
                                        {"size", required_argument, NULL, 's'},
                                        {NULL, 0, NULL, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "b:n:qp:s:", opts, NULL)) != -1) {
    switch (ch) {
    case 'b': o.bootstrap = optarg; break;
    case 'n': o.records = atol(optarg); break;
    case 'q': o.records = 50000; break;
    case 'p': o.partitions = atoi(optarg); break;
    case 's': o.size = atoi(optarg); break;
    default: usage();
    }
  }
  if (o.records < 1 || o.records > 10000000 || o.partitions < 1 || o.partitions > 256 ||
      o.size < 1 || o.size > 1000000)
    usage();

  wy_error_t err;
  wy_embedded_broker_t *broker = NULL;
  if (!o.bootstrap) {
    /* The mock keeps about 5 MB per partition: enough partitions hold every record. */
    if (wy_embedded_broker_start(1, &broker, &err) != WY_OK) die("embedded broker", err.msg);
    o.bootstrap = wy_embedded_broker_bootstraps(broker);
  }
  char in[64], out[64];
  snprintf(in, sizeof in, "bench-in-%ld", (long)getpid());
  snprintf(out, sizeof out, "bench-out-%ld", (long)getpid());
  const wy_kafka_prop_t props[] = {{"bootstrap.servers", o.bootstrap}};
  wy_kafka_admin_t *admin;
  if (wy_kafka_admin_new(props, 1, &admin, &err) != WY_OK) die("admin", err.msg);
  int in_parts = 0, out_parts = 0;
  wy_kafka_topic_spec_t spec = {in, o.partitions, -1, NULL, 0};
  if (wy_kafka_admin_create_topic(admin, &spec, 3000, &in_parts, &err) != WY_OK)
    die("input topic", err.msg);
  spec.name = out;
  if (wy_kafka_admin_create_topic(admin, &spec, 3000, &out_parts, &err) != WY_OK)
    die("output topic", err.msg);
  wy_kafka_admin_destroy(admin);

  double p0 = wall_s();
  fill_input(&o, in);
  double produce_s = wall_s() - p0;

  acks_t acks = {0};
  timing_t t;
  long passed = pass_through(&o, in, in_parts, out, &acks, &t);

  printf("{\"bench\":\"passthrough\",\"broker\":\"%s\",\"records\":%ld,\"record_bytes\":%d,"
         "\"partitions\":%d,\"passed\":%ld,\"acked\":%ld,\"failed\":%ld,\"fill_seconds\":%.3f,"
         "\"seconds\":%.3f,\"records_per_s\":%.0f,\"cpu_us_per_record\":%.2f}\n",
         broker ? "embedded" : "external", o.records, o.size, in_parts, passed, acks.ok,
         acks.failed, produce_s, t.wall, passed / t.wall, passed ? t.cpu * 1e6 / passed : 0.0);
  wy_embedded_broker_stop(broker);
  return passed == o.records && acks.ok == passed ? 0 : 1;
}
