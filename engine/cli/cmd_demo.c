/*
 * walleye demo — the quick start's first command.
 *
 * Until the clickstream pipeline exists, the demo proves the toolchain end to end: it
 * starts the embedded broker, creates a topic, produces a few JSON records with an
 * idempotent producer, consumes them back with a consumer group and prints them.
 */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "connectors/kafka/embedded_broker.h"
#include "engine/cli/cli.h"

#define DEMO_TOPIC "walleye-demo"
#define DEMO_RECORDS 5
#define DEMO_TIMEOUT_MS 10000

static rd_kafka_t *demo_client(rd_kafka_type_t type, const char *bootstrap, char *errstr,
                               size_t cap) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int bad = rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, cap) ||
            rd_kafka_conf_set(conf, "log_level", "3", errstr, cap);
  if (type == RD_KAFKA_PRODUCER)
    bad = bad || rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, cap);
  else
    bad = bad || rd_kafka_conf_set(conf, "group.id", "walleye-demo", errstr, cap) ||
          rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, cap);
  if (bad) {
    rd_kafka_conf_destroy(conf);
    return NULL;
  }
  return rd_kafka_new(type, conf, errstr, cap); /* takes conf, also on failure */
}

static int demo_produce(const char *bootstrap) {
  char errstr[512];
  rd_kafka_t *p = demo_client(RD_KAFKA_PRODUCER, bootstrap, errstr, sizeof errstr);
  if (!p) {
    fprintf(stderr, "walleye demo: producer: %s\n", errstr);
    return -1;
  }
  static const char *const pages[] = {"/index.html", "/products/42", "/cart", "/checkout",
                                      "/about"};
  for (int i = 0; i < DEMO_RECORDS; i++) {
    char key[16], value[128];
    snprintf(key, sizeof key, "user-%d", i % 3);
    snprintf(value, sizeof value, "{\"userid\":%d,\"request\":\"GET %s\",\"status\":%d}", i % 3,
             pages[i], i == 3 ? 404 : 200);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        p, RD_KAFKA_V_TOPIC(DEMO_TOPIC), RD_KAFKA_V_KEY(key, strlen(key)),
        RD_KAFKA_V_VALUE(value, strlen(value)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_END);
    if (e) {
      fprintf(stderr, "walleye demo: produce: %s\n", rd_kafka_err2str(e));
      rd_kafka_destroy(p);
      return -1;
    }
  }
  rd_kafka_resp_err_t e = rd_kafka_flush(p, DEMO_TIMEOUT_MS);
  rd_kafka_destroy(p);
  if (e) {
    fprintf(stderr, "walleye demo: flush: %s\n", rd_kafka_err2str(e));
    return -1;
  }
  printf("produced %d records to %s\n", DEMO_RECORDS, DEMO_TOPIC);
  return 0;
}

static int demo_consume(const char *bootstrap) {
  char errstr[512];
  rd_kafka_t *c = demo_client(RD_KAFKA_CONSUMER, bootstrap, errstr, sizeof errstr);
  if (!c) {
    fprintf(stderr, "walleye demo: consumer: %s\n", errstr);
    return -1;
  }
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(subs, DEMO_TOPIC, RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(c, subs);
  rd_kafka_topic_partition_list_destroy(subs);

  int got = 0;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (got < DEMO_RECORDS) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (elapsed > DEMO_TIMEOUT_MS) break;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        fprintf(stderr, "walleye demo: consume: %s\n", rd_kafka_message_errstr(m));
    } else {
      printf("consumed %s[%d]@%lld key=%.*s value=%.*s\n", rd_kafka_topic_name(m->rkt),
             (int)m->partition, (long long)m->offset, (int)m->key_len, (const char *)m->key,
             (int)m->len, (const char *)m->payload);
      got++;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  if (got < DEMO_RECORDS) {
    fprintf(stderr, "walleye demo: consumed only %d of %d records\n", got, DEMO_RECORDS);
    return -1;
  }
  return 0;
}

int wy_cmd_demo(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: walleye demo\n\nStarts the embedded broker, produces and consumes a few "
             "records, and prints them.\n");
      return WY_EXIT_OK;
    }
    return wy_cli_usage_error("demo", "unexpected argument '%s'", argv[i]);
  }
  wy_error_t err;
  wy_embedded_broker_t *broker;
  if (wy_embedded_broker_start(1, &broker, &err) != WY_OK ||
      wy_embedded_broker_create_topic(broker, DEMO_TOPIC, 1, &err) != WY_OK) {
    fprintf(stderr, "walleye demo: %s\n", err.msg);
    return WY_EXIT_FAILURE;
  }
  printf("embedded broker at %s\n", wy_embedded_broker_bootstraps(broker));
  int rc = demo_produce(wy_embedded_broker_bootstraps(broker)) == 0 &&
                   demo_consume(wy_embedded_broker_bootstraps(broker)) == 0
               ? WY_EXIT_OK
               : WY_EXIT_FAILURE;
  wy_embedded_broker_stop(broker);
  if (rc == WY_EXIT_OK) printf("demo finished: the toolchain works end to end\n");
  return rc;
}
