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

#include "benchmarks/bench_kafka.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_admin.h"

typedef struct options {
  const char *bootstrap;
  long records;
  int partitions;
  int size;
} options_t;

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

static void usage(void) {
  fprintf(stderr,
          "usage: bench_passthrough [--bootstrap HOST:PORT] [--records N | --quick] "
          "[--partitions P] [--size BYTES]\n");
  exit(2);
}

int main(int argc, char **argv) {
  options_t o = {NULL, 200000, 16, 250};
  static const struct option opts[] = {
      {"bootstrap", required_argument, NULL, 'b'}, {"records", required_argument, NULL, 'n'},
      {"quick", no_argument, NULL, 'q'},           {"partitions", required_argument, NULL, 'p'},
      {"size", required_argument, NULL, 's'},      {NULL, 0, NULL, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "b:n:qp:s:", opts, NULL)) != -1) {
    switch (ch) {
      case 'b':
        o.bootstrap = optarg;
        break;
      case 'n':
        o.records = atol(optarg);
        break;
      case 'q':
        o.records = 50000;
        break;
      case 'p':
        o.partitions = atoi(optarg);
        break;
      case 's':
        o.size = atoi(optarg);
        break;
      default:
        usage();
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
  long passed = pass_through(o.bootstrap, o.records, in, in_parts, out, false, &acks, &t);

  printf(
      "{\"bench\":\"passthrough\",\"broker\":\"%s\",\"records\":%ld,\"record_bytes\":%d,"
      "\"partitions\":%d,\"passed\":%ld,\"acked\":%ld,\"failed\":%ld,\"fill_seconds\":%.3f,"
      "\"seconds\":%.3f,\"records_per_s\":%.0f,\"cpu_us_per_record\":%.2f}\n",
      broker ? "embedded" : "external", o.records, o.size, in_parts, passed, acks.ok, acks.failed,
      produce_s, t.wall, passed / t.wall, passed ? t.cpu * 1e6 / passed : 0.0);
  wy_embedded_broker_stop(broker);
  return passed == o.records && acks.ok == passed ? 0 : 1;
}
