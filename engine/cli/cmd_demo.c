/*
 * walleye demo — the quick start's first command: the book's streaming data mesh.
 *
 * Starts the embedded Kafka broker, generates USERS change events (Debezium) and a
 * clickstream with the datagen connector, runs examples/clickstream/pipeline.sql on the
 * Kafka runtime (materialized users, clicks enriched by a stream-table join, the phone
 * number masked before the data product is published), prints a sample of the data
 * product and its lineage graph, and stops cleanly. Bounded: a few hundred records,
 * 30 s at most.
 */
#include <ftw.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/datagen/datagen.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_sink.h"
#include "engine/base/log.h"
#include "engine/cli/cli.h"
#include "engine/config/config.h"
#include "engine/lineage/lineage.h"
#include "engine/streams/kafka_runtime.h"
#include "examples/clickstream/pipeline_sql.h" /* generated: wy_demo_pipeline_sql */

#define DEMO_USERS 50
#define DEMO_CLICKS 400
#define DEMO_SAMPLE 5
#define DEMO_TIMEOUT_MS 30000
#define DEMO_PRODUCT "CLICK_USERS_PRODUCT"

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int produce(const char *bootstrap, wy_datagen_kind_t kind, const char *topic,
                   uint64_t count) {
  wy_error_t err;
  wy_kafka_prop_t props[] = {{"bootstrap.servers", bootstrap}, {"log_level", "3"}};
  wy_kafka_sink_config_t sc = {props, 2, NULL, 0};
  wy_kafka_sink_t *ks = NULL;
  wy_datagen_options_t o;
  wy_datagen_options_init(&o, kind);
  o.seed = 42;
  o.nusers = DEMO_USERS;
  wy_datagen_t *g = NULL;
  int rc = -1;
  if (wy_kafka_sink_new(&sc, &ks, &err) == WY_OK && wy_datagen_new(&o, &g, &err) == WY_OK) {
    wy_datagen_run_t run = {count, 0, 10000, NULL};
    wy_datagen_stats_t st;
    if (wy_datagen_produce(g, wy_kafka_sink_base(ks), topic, &run, &st, &err) == WY_OK) {
      printf("  %-12s %llu records\n", topic, (unsigned long long)st.delivered);
      rc = 0;
    }
  }
  if (rc) fprintf(stderr, "walleye demo: producing to %s: %s\n", topic, err.msg);
  wy_kafka_sink_destroy(ks); /* before the generator: late reports are written into it */
  wy_datagen_destroy(g);
  return rc;
}

/* The data product's lineage, from the plans: what feeds each query, and each output
 * column's inputs with their transformation (and masking). */
static void print_lineage(wy_engine_t *e) {
  static const char *const how[] = {"identity", "transformation", "aggregation",
                                    "filter",   "join",           "group by",
                                    "window",   "sort",           "conditional"};
  printf("\nLineage of the data product (OpenLineage column lineage, as text):\n");
  for (size_t i = 0; i < wy_engine_query_count(e); i++) {
    const wy_plan_t *p = wy_query_plan(wy_engine_query_at(e, i));
    printf("  %s%s%s -> [%s] -> %s\n", p->source_names[0] ? p->source_names[0] : "?",
           p->source_names[1] ? " + " : "", p->source_names[1] ? p->source_names[1] : "", p->id,
           p->sink_name);
    if (!p->sink_name || strcmp(p->sink_name, DEMO_PRODUCT) != 0) continue;
    for (size_t c = 0; c < p->nlineage; c++) {
      const wy_column_lineage_t *col = &p->lineage[c];
      printf("      %-12s <-", col->name);
      for (size_t r = 0; r < col->nrefs; r++) {
        const wy_column_lineage_ref_t *ref = &col->refs[r];
        printf(" %s.%s (%s%s)", p->source_names[ref->input], ref->field,
               ref->transform >= 0 && ref->transform < 9 ? how[ref->transform] : "?",
               ref->masking ? ", masked" : "");
      }
      printf("\n");
    }
    for (size_t r = 0; r < p->nlineage_indirect; r++) {
      const wy_column_lineage_ref_t *ref = &p->lineage_indirect[r];
      printf("      (all rows)   <- %s.%s (%s)\n", p->source_names[ref->input], ref->field,
             ref->transform >= 0 && ref->transform < 9 ? how[ref->transform] : "?");
    }
  }
}

/* Read up to DEMO_SAMPLE records of the data product; returns how many were printed. */
static int consume_sample(const char *bootstrap, int64_t deadline) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", "walleye-demo-reader", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!c) return 0;
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(subs, DEMO_PRODUCT, RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(c, subs);
  rd_kafka_topic_partition_list_destroy(subs);
  int got = 0;
  printf("\nA sample of the data product %s (enriched, phone masked):\n", DEMO_PRODUCT);
  while (got < DEMO_SAMPLE && now_ms() < deadline) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);
    if (!m) continue;
    if (!m->err) {
      const unsigned char *k = m->key;
      if (k && m->key_len == 4) /* the KAFKA format's INT key */
        printf("  USERID=%-4d %.*s\n",
               (int)((uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3]),
               (int)m->len, (const char *)m->payload);
      else
        printf("  %.*s\n", (int)m->len, (const char *)m->payload);
      got++;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return got;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

int wy_cmd_demo(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf(
          "usage: walleye demo\n\nRuns the book's clickstream pipeline "
          "(examples/clickstream/pipeline.sql) on the\n"
          "embedded Kafka broker with generated data, prints a sample of the data product\n"
          "and its lineage, and exits.\n");
      return WY_EXIT_OK;
    }
    return wy_cli_usage_error("demo", "unexpected argument '%s'", argv[i]);
  }
  if (!getenv("WALLEYE_LOG_LEVEL")) wy_log_set_level(WY_LOG_ERROR);
  int64_t deadline = now_ms() + DEMO_TIMEOUT_MS;
  wy_error_t err;
  wy_embedded_broker_t *broker = NULL;
  if (wy_embedded_broker_start(1, &broker, &err) != WY_OK ||
      wy_embedded_broker_create_topic(broker, "clickstream", 1, &err) != WY_OK ||
      wy_embedded_broker_create_topic(broker, "users", 1, &err) != WY_OK) {
    fprintf(stderr, "walleye demo: %s\n", err.msg);
    wy_embedded_broker_stop(broker);
    return WY_EXIT_FAILURE;
  }
  const char *bootstrap = wy_embedded_broker_bootstraps(broker);
  printf("Embedded Kafka broker at %s\nGenerated data (datagen):\n", bootstrap);
  int rc = WY_EXIT_FAILURE;
  char state_dir[] = "/tmp/walleye-demo-XXXXXX";
  wy_config_t *cfg = wy_config_new();
  wy_kafka_runtime_t *rt = NULL;
  if (produce(bootstrap, WY_DATAGEN_USERS, "users", DEMO_USERS) != 0) goto out;
  const char *settings[][2] = {{"ksql.service.id", "walleye_demo_"},
                               {"bootstrap.servers", bootstrap},
                               {"auto.offset.reset", "earliest"},
                               {"commit.interval.ms", "200"},
                               {"num.stream.threads", "1"}};
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
    if (wy_config_set(cfg, settings[i][0], settings[i][1], &err) != WY_OK) goto fail;
  if (!mkdtemp(state_dir) || wy_config_set(cfg, "state.dir", state_dir, &err) != WY_OK) goto fail;
  wy_kafka_runtime_options_t ro = {0};
  ro.config = cfg;
  ro.sql = wy_demo_pipeline_sql;
  if (wy_kafka_runtime_new(&ro, &rt, &err) != WY_OK) goto fail;
  printf("\nPipeline examples/clickstream/pipeline.sql: %zu persistent queries\n",
         wy_kafka_runtime_query_count(rt));
  print_lineage(wy_kafka_runtime_engine(rt));
  if (wy_kafka_runtime_start(rt, &err) != WY_OK) goto fail;
  /* Clicks join the users known when they arrive (a stream-table join), so let the users
   * table materialize first: its change events and their repartitioned copies. */
  while (wy_kafka_runtime_stats(rt).records < 2 * DEMO_USERS && now_ms() < deadline) {
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  if (produce(bootstrap, WY_DATAGEN_CLICKSTREAM, "clickstream", DEMO_CLICKS) != 0) goto out;
  int got = consume_sample(bootstrap, deadline);
  wy_kafka_runtime_stop(rt);
  if (wy_kafka_runtime_wait(rt, &err) != WY_OK) goto fail;
  wy_kafka_runtime_stats_t st = wy_kafka_runtime_stats(rt);
  printf("\nProcessed %llu input records (first record %lld ms after start), %llu commits.\n",
         (unsigned long long)st.records, (long long)st.first_record_ms,
         (unsigned long long)st.commits);
  if (got == 0) {
    fprintf(stderr, "walleye demo: no record of %s arrived within %d s\n", DEMO_PRODUCT,
            DEMO_TIMEOUT_MS / 1000);
    goto out;
  }
  printf("Demo finished.\n");
  rc = WY_EXIT_OK;
  goto out;
fail:
  fprintf(stderr, "walleye demo: %s\n", err.msg);
out:
  wy_kafka_runtime_destroy(rt);
  wy_config_destroy(cfg);
  wy_embedded_broker_stop(broker);
  if (strcmp(state_dir, "/tmp/walleye-demo-XXXXXX") != 0)
    nftw(state_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return rc;
}
