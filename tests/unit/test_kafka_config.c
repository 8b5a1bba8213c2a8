/* connectors/kafka: configuration mapping, group names, topic names (no broker). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/kafka/kafka_admin.h"
#include "connectors/kafka/kafka_config.h"
#include "connectors/kafka/kafka_sink.h"
#include "connectors/kafka/kafka_source.h"

/* What librdkafka ends up with for key, from a built configuration. */
static const char *built(rd_kafka_conf_t *conf, const char *key) {
  static char buf[512];
  size_t size = sizeof buf;
  if (rd_kafka_conf_get(conf, key, buf, &size) != RD_KAFKA_CONF_OK) return NULL;
  return buf;
}

static void kafka_prefix_passes_through_and_wins_over_aliases(void **state) {
  (void)state;
  const wy_kafka_prop_t props[] = {
      {"kafka.linger.ms", "42"},   /* pass-through */
      {"linger.ms", "7"},          /* ksqlDB alias, lower precedence */
      {"ksql.service.id", "svc_"}, /* another module's key: ignored */
      {"bootstrap.servers", "h1:9092"},
      {"auto.offset.reset", "earliest"}, /* consumer-only alias */
  };
  void *conf;
  wy_error_t err;
  assert_int_equal(wy_kafka_config_build(NULL, 0, props, 5, WY_KAFKA_ROLE_PRODUCER, &conf, &err),
                   WY_OK);
  assert_string_equal(built(conf, "linger.ms"), "42");
  assert_string_equal(built(conf, "bootstrap.servers"), "h1:9092");
  rd_kafka_conf_destroy(conf);

  assert_int_equal(wy_kafka_config_build(NULL, 0, props, 5, WY_KAFKA_ROLE_CONSUMER, &conf, &err),
                   WY_OK);
  assert_string_equal(built(conf, "auto.offset.reset"), "smallest");
  rd_kafka_conf_destroy(conf);
}

static void role_prefixes_reach_only_their_client(void **state) {
  (void)state;
  const wy_kafka_prop_t props[] = {
      {"kafka.client.id", "all"},
      {"kafka.consumer.client.id", "just-consumer"},
      {"ksql.streams.producer.client.id", "just-producer"},
  };
  assert_string_equal(wy_kafka_config_lookup(props, 3, WY_KAFKA_ROLE_CONSUMER, "client.id"),
                      "just-consumer");
  assert_string_equal(wy_kafka_config_lookup(props, 3, WY_KAFKA_ROLE_PRODUCER, "client.id"),
                      "just-producer");
  assert_string_equal(wy_kafka_config_lookup(props, 3, WY_KAFKA_ROLE_ADMIN, "client.id"), "all");
  /* A role prefix is not read as "kafka.consumer.client.id" for everyone. */
  assert_null(wy_kafka_config_lookup(props, 3, WY_KAFKA_ROLE_ADMIN, "consumer.client.id"));
}

static void defaults_apply_unless_overridden(void **state) {
  (void)state;
  const wy_kafka_prop_t defaults[] = {{"linger.ms", "5"}, {"client.id", "walleye"}};
  const wy_kafka_prop_t props[] = {{"kafka.linger.ms", "100"}};
  void *conf;
  wy_error_t err;
  assert_int_equal(
      wy_kafka_config_build(defaults, 2, props, 1, WY_KAFKA_ROLE_PRODUCER, &conf, &err), WY_OK);
  assert_string_equal(built(conf, "linger.ms"), "100");
  assert_string_equal(built(conf, "client.id"), "walleye");
  rd_kafka_conf_destroy(conf);
}

static void rejected_keys_and_values_name_the_property(void **state) {
  (void)state;
  void *conf = (void *)1;
  wy_error_t err;
  const wy_kafka_prop_t bad_key[] = {{"kafka.no.such.setting", "1"}};
  assert_int_equal(wy_kafka_config_build(NULL, 0, bad_key, 1, WY_KAFKA_ROLE_CONSUMER, &conf, &err),
                   WY_ERR_CONFIG);
  assert_null(conf);
  assert_non_null(strstr(err.msg, "kafka.no.such.setting"));
  const wy_kafka_prop_t bad_value[] = {{"auto.offset.reset", "sideways"}};
  assert_int_equal(
      wy_kafka_config_build(NULL, 0, bad_value, 1, WY_KAFKA_ROLE_CONSUMER, &conf, &err),
      WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "auto.offset.reset"));
  const wy_kafka_prop_t no_value[] = {{"kafka.linger.ms", NULL}};
  assert_int_equal(wy_kafka_config_build(NULL, 0, no_value, 1, WY_KAFKA_ROLE_PRODUCER, &conf, &err),
                   WY_ERR_CONFIG);
}

static void topic_names_follow_kafka_rules(void **state) {
  (void)state;
  wy_error_t err;
  assert_int_equal(wy_kafka_topic_name_check("orders.v1_raw-2", &err), WY_OK);
  assert_int_equal(wy_kafka_topic_name_check("", &err), WY_ERR_INVALID);
  assert_int_equal(wy_kafka_topic_name_check("..", &err), WY_ERR_INVALID);
  assert_int_equal(wy_kafka_topic_name_check("a b", &err), WY_ERR_INVALID);
  assert_non_null(strstr(err.msg, "' '"));
  char longname[251];
  memset(longname, 'x', 250);
  longname[250] = '\0';
  assert_int_equal(wy_kafka_topic_name_check(longname, &err), WY_ERR_INVALID);
  longname[249] = '\0';
  assert_int_equal(wy_kafka_topic_name_check(longname, &err), WY_OK);
}

static void clients_refuse_missing_bootstrap_and_bad_modes(void **state) {
  (void)state;
  wy_error_t err;
  const char *topics[] = {"t"};
  wy_kafka_source_t *src = (void *)1;
  wy_kafka_source_config_t sc = {.topics = topics, .ntopics = 1, .group_id = "g"};
  assert_int_equal(wy_kafka_source_new(&sc, &src, &err), WY_ERR_CONFIG);
  assert_null(src);
  const wy_kafka_prop_t props[] = {{"bootstrap.servers", "127.0.0.1:1"}};
  sc.props = props;
  sc.nprops = 1;
  sc.group_id = NULL;
  assert_int_equal(wy_kafka_source_new(&sc, &src, &err), WY_ERR_INVALID); /* no group */
  sc.ntopics = 0;
  assert_int_equal(wy_kafka_source_new(&sc, &src, &err), WY_ERR_INVALID); /* nothing to read */
  wy_kafka_sink_t *sink = (void *)1;
  wy_kafka_sink_config_t kc = {0};
  assert_int_equal(wy_kafka_sink_new(&kc, &sink, &err), WY_ERR_CONFIG);
  assert_null(sink);
  wy_kafka_admin_t *admin = (void *)1;
  assert_int_equal(wy_kafka_admin_new(NULL, 0, &admin, &err), WY_ERR_CONFIG);
  assert_null(admin);
  /* A non-transactional sink refuses transactional calls. */
  kc.props = props;
  kc.nprops = 1;
  assert_int_equal(wy_kafka_sink_new(&kc, &sink, &err), WY_OK);
  assert_int_equal(wy_kafka_sink_txn_begin(sink, &err), WY_ERR_INVALID);
  assert_int_equal(wy_kafka_sink_txn_fault(sink), WY_KAFKA_TXN_FATAL);
  assert_ptr_equal(wy_kafka_sink_from(wy_kafka_sink_base(sink)), sink);
  wy_sink_destroy(wy_kafka_sink_base(sink));
  wy_kafka_sink_destroy(NULL);
  wy_kafka_source_destroy(NULL);
  wy_kafka_admin_destroy(NULL);
}

/* docs/kafka.md carries the alias table generated from WY_KAFKA_ALIASES, verbatim. */
static void docs_carry_the_generated_alias_table(void **state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s", __FILE__);
  char *cut = strstr(path, "tests/unit/");
  assert_non_null(cut);
  strcpy(cut, "docs/kafka.md");
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char *doc = calloc(1, 1 << 16);
  size_t n = fread(doc, 1, (1 << 16) - 1, f);
  fclose(f);
  assert_true(n > 0);
  char *table = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&table, &len);
  wy_kafka_config_doc(mem);
  fclose(mem);
  if (!strstr(doc, table))
    fail_msg("docs/kafka.md is out of date; regenerate the table:\n%s", table);
  free(table);
  free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(kafka_prefix_passes_through_and_wins_over_aliases),
      cmocka_unit_test(role_prefixes_reach_only_their_client),
      cmocka_unit_test(defaults_apply_unless_overridden),
      cmocka_unit_test(rejected_keys_and_values_name_the_property),
      cmocka_unit_test(topic_names_follow_kafka_rules),
      cmocka_unit_test(clients_refuse_missing_bootstrap_and_bad_modes),
      cmocka_unit_test(docs_carry_the_generated_alias_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
