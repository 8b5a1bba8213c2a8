/* engine/config: typed keys, aliases, passthrough, validation with clear messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/config/config.h"

static void defaults_apply_until_set(void **state) {
  (void)state;
  wy_config_t *c = wy_config_new();
  assert_string_equal(wy_config_get_string(c, WY_CFG_SERVICE_ID), "default_");
  assert_int_equal(wy_config_get_int(c, WY_CFG_NUM_STREAM_THREADS), 1);
  assert_false(wy_config_is_set(c, WY_CFG_NUM_STREAM_THREADS));
  wy_error_t err;
  assert_int_equal(wy_config_set(c, "num.stream.threads", "4", &err), WY_OK);
  assert_int_equal(wy_config_get_int(c, WY_CFG_NUM_STREAM_THREADS), 4);
  assert_true(wy_config_is_set(c, WY_CFG_NUM_STREAM_THREADS));
  wy_config_destroy(c);
}

static void ksqldb_aliases_and_streams_prefix_map_to_one_key(void **state) {
  (void)state;
  wy_config_t *c = wy_config_new();
  wy_error_t err;
  assert_int_equal(wy_config_set(c, "ksql.streams.processing.guarantee", "exactly_once_v2", &err),
                   WY_OK);
  assert_string_equal(wy_config_get_string(c, WY_CFG_PROCESSING_GUARANTEE), "exactly_once_v2");
  assert_int_equal(wy_config_set(c, "ksql.streams.state.dir", "/x", &err), WY_OK);
  assert_string_equal(wy_config_get_string(c, WY_CFG_STATE_DIR), "/x");
  assert_int_equal(wy_config_set(c, "schema.registry.url", "http://127.0.0.1:8081", &err), WY_OK);
  assert_string_equal(wy_config_get_string(c, WY_CFG_SCHEMA_REGISTRY_URL), "http://127.0.0.1:8081");
  wy_config_destroy(c);
}

static void kafka_keys_pass_through_without_prefix(void **state) {
  (void)state;
  wy_config_t *c = wy_config_new();
  wy_error_t err;
  assert_int_equal(wy_config_set(c, "kafka.linger.ms", "5", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "kafka.linger.ms", "7", &err), WY_OK);
  /* kafka.bootstrap.servers is an alias of a known key, not a passthrough. */
  assert_int_equal(wy_config_set(c, "kafka.bootstrap.servers", "127.0.0.1:1", &err), WY_OK);
  assert_int_equal(wy_config_kafka_count(c), 1);
  const char *k, *v;
  wy_config_kafka_entry(c, 0, &k, &v);
  assert_string_equal(k, "linger.ms");
  assert_string_equal(v, "7");
  assert_string_equal(wy_config_get_string(c, WY_CFG_BOOTSTRAP_SERVERS), "127.0.0.1:1");
  wy_config_destroy(c);
}

static void function_properties_reach_udf_libraries(void **state) {
  (void)state;
  wy_config_t *c = wy_config_new();
  wy_error_t err;
  assert_int_equal(wy_config_set(c, "ksql.functions.formula.base", "3", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "ksql.functions._global_.region", "eu", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "ksql.functions.formula.base", "4", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "udf.tokenize.key", "0123456789abcdef", &err), WY_OK);
  assert_string_equal(wy_config_udf_lookup(c, "ksql.functions.formula.base"), "4");
  assert_string_equal(wy_config_udf_lookup(c, "ksql.functions._global_.region"), "eu");
  assert_string_equal(wy_config_udf_lookup(c, "udf.tokenize.key"), "0123456789abcdef");
  assert_null(wy_config_udf_lookup(c, "ksql.functions.formula.other"));
  assert_null(wy_config_udf_lookup(c, "udf.tokenize.vault")); /* unset: no default */
  /* a property needs a function name and a key */
  assert_int_equal(wy_config_set(c, "ksql.functions.formula", "1", &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "ksql.functions.<name>.<key>"));
  wy_config_destroy(c);
}

static void bad_keys_and_values_are_refused_with_the_key_named(void **state) {
  (void)state;
  wy_config_t *c = wy_config_new();
  wy_error_t err;
  assert_int_equal(wy_config_set(c, "no.such.key", "1", &err), WY_ERR_CONFIG);
  assert_string_equal(err.msg, "unknown config key 'no.such.key'");
  assert_int_equal(wy_config_set(c, "num.stream.threads", "many", &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "'num.stream.threads' wants a non-negative integer, not 'many'"));
  assert_int_equal(wy_config_set(c, "auto.offset.reset", "middle", &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "one of earliest|latest"));
  assert_int_equal(wy_config_set(c, "ksql.fail.on.deserialization.error", "yes", &err),
                   WY_ERR_CONFIG);
  assert_int_equal(wy_config_set(c, "kafka.", "x", &err), WY_ERR_CONFIG);
  /* Nothing was changed by the failed sets. */
  assert_string_equal(wy_config_get_string(c, WY_CFG_AUTO_OFFSET_RESET), "latest");
  wy_config_destroy(c);
}

static void config_file_errors_carry_the_line(void **state) {
  (void)state;
  char path[] = "/tmp/wy_cfg_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *text = "# a node\n\nksql.service.id = orders_\nnum.stream.threads=2\nbogus\n";
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  wy_config_t *c = wy_config_new();
  wy_error_t err;
  assert_int_equal(wy_config_load_file(c, path, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, ":5: expected key=value"));
  assert_string_equal(wy_config_get_string(c, WY_CFG_SERVICE_ID), "orders_");
  assert_int_equal(wy_config_get_int(c, WY_CFG_NUM_STREAM_THREADS), 2);
  unlink(path);
  assert_int_equal(wy_config_load_file(c, path, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "cannot read config file"));
  wy_config_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(defaults_apply_until_set),
      cmocka_unit_test(ksqldb_aliases_and_streams_prefix_map_to_one_key),
      cmocka_unit_test(kafka_keys_pass_through_without_prefix),
      cmocka_unit_test(function_properties_reach_udf_libraries),
      cmocka_unit_test(bad_keys_and_values_are_refused_with_the_key_named),
      cmocka_unit_test(config_file_errors_carry_the_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
