/* engine/registry: the REST client against the project's test server on 127.0.0.1 —
 * the REST subset, the id cache, basic auth, retries of transient failures, and what an
 * AVRO codec reports when the registry is down. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "engine/formats/format.h"
#include "engine/registry/registry.h"
#include "engine/registry/server.h"

static wy_error_t err;

static wy_sr_t *client(int port, const char *user_info, int retries) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
  wy_sr_http_config_t cfg = {
      .url = url, .user_info = user_info, .timeout_ms = 2000, .retries = retries, .backoff_ms = 5};
  wy_sr_t *r = wy_sr_http_new(&cfg, &err);
  assert_non_null(r);
  return r;
}

static const char *V1 =
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
static const char *V2 =
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
    "{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}]}";
static const char *BAD =
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}";

static void rest_subset_and_id_cache(void **state) {
  wy_sr_server_t *s = wy_sr_server_start(0, NULL, &err);
  assert_non_null(s);
  wy_sr_t *r = client(wy_sr_server_port(s), NULL, 0);
  int32_t id1, id2, id;
  assert_int_equal(wy_sr_register(r, "orders-value", WY_SR_AVRO, V1, &id1, &err), WY_OK);
  assert_int_equal(wy_sr_register(r, "orders-value", WY_SR_AVRO, V2, &id2, &err), WY_OK);
  assert_int_equal(id1, 1);
  assert_int_equal(id2, 2);
  const char *text;
  assert_int_equal(wy_sr_latest(r, "orders-value", &id, &text, NULL, &err), WY_OK);
  assert_int_equal(id, 2);
  assert_string_equal(text, V2);
  int before = wy_sr_server_requests(s);
  assert_int_equal(wy_sr_get_schema(r, 1, &text, NULL, &err), WY_OK);
  assert_string_equal(text, V1);
  assert_int_equal(wy_sr_get_schema(r, 1, &text, NULL, &err), WY_OK); /* cached */
  assert_int_equal(wy_sr_server_requests(s), before);
  bool ok = true;
  assert_int_equal(wy_sr_check_compatible(r, "orders-value", WY_SR_AVRO, BAD, &ok, &err), WY_OK);
  assert_false(ok);
  assert_int_equal(wy_sr_register(r, "orders-value", WY_SR_AVRO, BAD, &id, &err), WY_ERR_CONFIG);
  /* the refusal names the subject, its level and the field, read back over HTTP */
  assert_non_null(strstr(err.msg, "subject \"orders-value\" (compatibility BACKWARD)"));
  assert_non_null(strstr(err.msg, "version 2: field 'a': cannot read int as string"));
  assert_int_equal(wy_sr_get_schema(r, 77, &text, NULL, &err), WY_ERR_NOT_FOUND);
  assert_int_equal(wy_sr_latest(r, "a/b c-value", &id, &text, NULL, &err), WY_ERR_NOT_FOUND);
  assert_string_equal(err.msg, "Subject 'a/b c-value' not found");
  wy_sr_destroy(r);
  wy_sr_server_stop(s);
}

/* Each schema carries its type (Confluent's schemaType) through the client, the server
 * and the caches: the same text as AVRO and as PROTOBUF are two schemas. */
static void schema_types_travel_with_schemas(void **state) {
  wy_sr_server_t *s = wy_sr_server_start(0, NULL, &err);
  assert_non_null(s);
  wy_sr_t *r = client(wy_sr_server_port(s), NULL, 0);
  static const char *PROTO = "syntax = \"proto3\";\n\nmessage Pick {\n  int32 n = 1;\n}\n";
  int32_t avro_id, proto_id, id;
  assert_int_equal(wy_sr_register(r, "a-value", WY_SR_AVRO, "\"int\"", &avro_id, &err), WY_OK);
  assert_int_equal(wy_sr_register(r, "p-value", WY_SR_PROTOBUF, PROTO, &proto_id, &err), WY_OK);
  assert_true(proto_id != avro_id);
  const char *text;
  wy_sr_type_t type = WY_SR_AVRO;
  assert_int_equal(wy_sr_latest(r, "p-value", &id, &text, &type, &err), WY_OK);
  assert_int_equal(id, proto_id);
  assert_int_equal(type, WY_SR_PROTOBUF);
  assert_string_equal(text, PROTO);
  wy_sr_t *fresh = client(wy_sr_server_port(s), NULL, 0); /* nothing cached */
  assert_int_equal(wy_sr_get_schema(fresh, proto_id, &text, &type, &err), WY_OK);
  assert_int_equal(type, WY_SR_PROTOBUF);
  assert_int_equal(wy_sr_get_schema(fresh, avro_id, &text, &type, &err), WY_OK);
  assert_int_equal(type, WY_SR_AVRO);
  /* a subject does not change its schema type */
  bool ok = true;
  assert_int_equal(wy_sr_check_compatible(fresh, "a-value", WY_SR_PROTOBUF, PROTO, &ok, &err),
                   WY_OK);
  assert_false(ok);
  assert_string_equal(wy_sr_type_name(WY_SR_JSON), "JSON");
  assert_true(wy_sr_type_from_name("protobuf", &type) && type == WY_SR_PROTOBUF);
  assert_false(wy_sr_type_from_name("XML", &type));
  wy_sr_destroy(fresh);
  wy_sr_destroy(r);
  wy_sr_server_stop(s);
}

static void credentials_are_checked_and_not_retried(void **state) {
  wy_sr_server_t *s = wy_sr_server_start(0, "alice:s3cret", &err);
  wy_sr_t *good = client(wy_sr_server_port(s), "alice:s3cret", 3);
  wy_sr_t *bad = client(wy_sr_server_port(s), "alice:wrong", 3);
  int32_t id;
  assert_int_equal(wy_sr_register(good, "t-value", WY_SR_AVRO, V1, &id, &err), WY_OK);
  int before = wy_sr_server_requests(s);
  assert_int_equal(wy_sr_register(bad, "t-value", WY_SR_AVRO, V1, &id, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "refused the credentials (HTTP 401)"));
  assert_int_equal(wy_sr_server_requests(s), before + 1);
  wy_sr_destroy(good);
  wy_sr_destroy(bad);
  wy_sr_server_stop(s);
}

static void transient_failures_are_retried(void **state) {
  wy_sr_server_t *s = wy_sr_server_start(0, NULL, &err);
  wy_sr_t *r = client(wy_sr_server_port(s), NULL, 2);
  int32_t id;
  wy_sr_server_fail_next(s, 2, 503);
  assert_int_equal(wy_sr_register(r, "t-value", WY_SR_AVRO, V1, &id, &err), WY_OK);
  assert_int_equal(wy_sr_server_requests(s), 3);
  wy_sr_server_fail_next(s, 5, 500);
  const char *text;
  assert_int_equal(wy_sr_latest(r, "t-value", &id, &text, NULL, &err), WY_ERR_IO);
  assert_non_null(strstr(err.msg, "HTTP 500"));
  assert_int_equal(wy_sr_server_requests(s), 6);
  wy_sr_server_fail_next(s, 0, 0);
  wy_sr_destroy(r);
  wy_sr_server_stop(s);
}

/* What a codec of SR format f reports when the registry is down. */
static void outage_for(wy_format_t f) {
  wy_sr_server_t *s = wy_sr_server_start(0, NULL, &err);
  int port = wy_sr_server_port(s);
  wy_sr_t *r = client(port, NULL, 1);
  wy_format_column_t cols[] = {{"A", wy_type_int()}};
  wy_format_schema_t schema = {1, cols};
  wy_format_options_t o = {.registry = r, .subject = "t-value", .register_schema = true};
  wy_format_codec_t *c = wy_format_codec_new(f, &schema, &o, &err);
  assert_non_null(c);
  wy_value_t v = wy_int(5), back;
  wy_buf_t out;
  wy_buf_init(&out);
  assert_int_equal(wy_format_encode(c, &v, &out, NULL, &err), WY_OK);
  wy_sr_server_stop(s);
  /* A second codec (another task) has no cached writer schema and the registry is gone:
   * an I/O error, so the record is retried rather than skipped as undecodable. */
  wy_format_codec_t *c2 = wy_format_codec_new(
      f, &schema, &(wy_format_options_t){.registry = NULL, .subject = "t-value"}, &err);
  assert_non_null(c2);
  assert_int_equal(wy_format_decode(c2, out.data, out.len, NULL, &back, NULL, &err), WY_ERR_CONFIG);
  wy_sr_t *r2 = client(port, NULL, 1);
  wy_format_codec_t *c3 = wy_format_codec_new(
      f, &schema, &(wy_format_options_t){.registry = r2, .subject = "t-value"}, &err);
  wy_arena_t arena;
  wy_arena_init(&arena, 0);
  wy_status_t st = wy_format_decode(c3, out.data, out.len, &arena, &back, NULL, &err);
  assert_true(st == WY_ERR_IO || st == WY_ERR_TIMEOUT);
  assert_non_null(strstr(err.msg, "unreachable"));
  /* The handle that registered the schema cached its id, so its codec still decodes. */
  assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, &back, NULL, &err), WY_OK);
  assert_int_equal(back.u.i32, 5);
  wy_arena_release(&arena);
  wy_buf_free(&out);
  wy_format_codec_destroy(c);
  wy_format_codec_destroy(c2);
  wy_format_codec_destroy(c3);
  wy_sr_destroy(r);
  wy_sr_destroy(r2);
}

static void registry_outage_is_not_a_bad_record(void **state) {
  (void)state;
  outage_for(WY_FORMAT_AVRO);
  outage_for(WY_FORMAT_PROTOBUF);
}

static void config_keys(void **state) {
  wy_sr_http_config_t cfg = {0};
  assert_int_equal(wy_sr_http_config_set(&cfg, "schema.registry.url", "http://sr:8081", &err),
                   WY_OK);
  assert_int_equal(wy_sr_http_config_set(&cfg, "schema.registry.basic.auth.user.info", "u:p", &err),
                   WY_OK);
  assert_int_equal(wy_sr_http_config_set(&cfg, "schema.registry.retries", "5", &err), WY_OK);
  assert_int_equal(wy_sr_http_config_set(&cfg, "schema.registry.request.timeout.ms", "x", &err),
                   WY_ERR_CONFIG);
  assert_int_equal(wy_sr_http_config_set(&cfg, "nope", "1", &err), WY_ERR_NOT_FOUND);
  assert_string_equal(cfg.user_info, "u:p");
  assert_int_equal(cfg.retries, 5);
  cfg.url = "ftp://x";
  assert_null(wy_sr_http_new(&cfg, &err));
  assert_int_equal(err.code, WY_ERR_CONFIG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rest_subset_and_id_cache),
      cmocka_unit_test(schema_types_travel_with_schemas),
      cmocka_unit_test(credentials_are_checked_and_not_retried),
      cmocka_unit_test(transient_failures_are_retried),
      cmocka_unit_test(registry_outage_is_not_a_bad_record),
      cmocka_unit_test(config_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
