/* engine/registry: compatibility levels as Confluent defines them (BACKWARD: the new
 * schema reads data written with the latest; FORWARD: the latest reads data written with
 * the new one; FULL: both; _TRANSITIVE: against every version; NONE: no check), per
 * subject and global, in the in-process registry and over HTTP through the test
 * server's REST API (with Confluent's error codes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/registry/registry.h"
#include "engine/registry/server.h"

static wy_error_t err;

/* Avro records named "order" with the fields given as JSON. */
static char *rec(const char *fields) {
  static char buf[16][512];
  static int at;
  char *b = buf[at++ % 16];
  snprintf(b, 512, "{\"type\":\"record\",\"name\":\"order\",\"fields\":[%s]}", fields);
  return b;
}
#define QTY_INT "{\"name\":\"qty\",\"type\":\"int\"}"
#define QTY_LONG "{\"name\":\"qty\",\"type\":\"long\"}"
#define NOTE "{\"name\":\"note\",\"type\":\"string\"}"
#define NOTE_DEF "{\"name\":\"note\",\"type\":\"string\",\"default\":\"none\"}"
#define NOTE_INT_DEF "{\"name\":\"note\",\"type\":\"int\",\"default\":0}"

/* Register first, then would `next` be accepted under level? (a fresh registry) */
static bool accepts(wy_sr_compat_t level, const char *first, const char *next) {
  wy_sr_t *r = wy_sr_mem_new(level);
  int32_t id;
  assert_int_equal(wy_sr_register(r, "orders-value", WY_SR_AVRO, first, &id, &err), WY_OK);
  bool ok = false;
  assert_int_equal(wy_sr_check_compatible(r, "orders-value", WY_SR_AVRO, next, &ok, &err), WY_OK);
  wy_status_t st = wy_sr_register(r, "orders-value", WY_SR_AVRO, next, &id, &err);
  assert_int_equal(st, ok ? WY_OK : WY_ERR_CONFIG); /* the check and register agree */
  wy_sr_destroy(r);
  return ok;
}

static void each_level_accepts_what_its_definition_says(void **state) {
  const char *base = rec(QTY_INT "," NOTE);
  const char *base_def = rec(QTY_INT "," NOTE_DEF);
  const char *add_default = rec(QTY_INT "," NOTE
                                        ","
                                        "{\"name\":\"x\",\"type\":\"int\",\"default\":1}");
  const char *add_no_default = rec(QTY_INT "," NOTE
                                           ","
                                           "{\"name\":\"x\",\"type\":\"int\"}");
  const char *removed = rec(QTY_INT);
  const char *promoted = rec(QTY_LONG "," NOTE);
  const char *demoted_base = rec(QTY_LONG "," NOTE);
  const char *demoted = rec(QTY_INT "," NOTE);
  /* BACKWARD: the new schema reads old data */
  assert_true(accepts(WY_COMPAT_BACKWARD, base, add_default));
  assert_false(accepts(WY_COMPAT_BACKWARD, base, add_no_default));
  assert_true(accepts(WY_COMPAT_BACKWARD, base, removed));
  assert_true(accepts(WY_COMPAT_BACKWARD, base, promoted));
  assert_false(accepts(WY_COMPAT_BACKWARD, demoted_base, demoted));
  /* FORWARD: old readers read new data */
  assert_true(accepts(WY_COMPAT_FORWARD, base, add_default));
  assert_true(accepts(WY_COMPAT_FORWARD, base, add_no_default));
  assert_false(accepts(WY_COMPAT_FORWARD, base, removed)); /* old reader: note, no default */
  assert_true(accepts(WY_COMPAT_FORWARD, base_def, removed));
  assert_false(accepts(WY_COMPAT_FORWARD, base, promoted));
  assert_true(accepts(WY_COMPAT_FORWARD, demoted_base, demoted));
  /* FULL: both ways */
  assert_true(accepts(WY_COMPAT_FULL, base, add_default));
  assert_false(accepts(WY_COMPAT_FULL, base, add_no_default));
  assert_false(accepts(WY_COMPAT_FULL, base, removed));
  assert_true(accepts(WY_COMPAT_FULL, base_def, removed));
  assert_false(accepts(WY_COMPAT_FULL, base, promoted));
  /* NONE: anything */
  assert_true(accepts(WY_COMPAT_NONE, base, add_no_default));
  assert_true(accepts(WY_COMPAT_NONE, base, rec("{\"name\":\"qty\",\"type\":\"string\"}")));
}

/* Three versions; does the third go in under level? */
static bool third_accepted(wy_sr_compat_t level, const char *v1, const char *v2, const char *v3) {
  wy_sr_t *r = wy_sr_mem_new(level);
  int32_t id;
  assert_int_equal(wy_sr_register(r, "s-value", WY_SR_AVRO, v1, &id, &err), WY_OK);
  assert_int_equal(wy_sr_register(r, "s-value", WY_SR_AVRO, v2, &id, &err), WY_OK);
  wy_status_t st = wy_sr_register(r, "s-value", WY_SR_AVRO, v3, &id, &err);
  assert_true(st == WY_OK || st == WY_ERR_CONFIG);
  wy_sr_destroy(r);
  return st == WY_OK;
}

static void transitive_levels_check_every_version(void **state) {
  /* v3 reads v2's data (note present) but not v1's (note missing, no default) */
  const char *b1 = rec(QTY_INT), *b2 = rec(QTY_INT "," NOTE_DEF), *b3 = rec(QTY_INT "," NOTE);
  assert_true(third_accepted(WY_COMPAT_BACKWARD, b1, b2, b3));
  assert_false(third_accepted(WY_COMPAT_BACKWARD_TRANSITIVE, b1, b2, b3));
  /* v2's reader has a default for note, v1's has not */
  const char *f1 = rec(QTY_INT "," NOTE), *f2 = rec(QTY_INT "," NOTE_DEF), *f3 = rec(QTY_INT);
  assert_true(third_accepted(WY_COMPAT_FORWARD, f1, f2, f3));
  assert_false(third_accepted(WY_COMPAT_FORWARD_TRANSITIVE, f1, f2, f3));
  /* note comes back as an int: fine with v2 (no note), not with v1 (a string note) */
  const char *u1 = rec(QTY_INT "," NOTE_DEF), *u2 = rec(QTY_INT),
             *u3 = rec(QTY_INT "," NOTE_INT_DEF);
  assert_true(third_accepted(WY_COMPAT_FULL, u1, u2, u3));
  assert_false(third_accepted(WY_COMPAT_FULL_TRANSITIVE, u1, u2, u3));
}

static void subject_level_overrides_the_global_one_and_refusals_explain(void **state) {
  wy_sr_t *r = wy_sr_mem_new(WY_COMPAT_BACKWARD);
  wy_sr_compat_t level;
  assert_int_equal(wy_sr_get_compatibility(r, NULL, &level, &err), WY_OK);
  assert_int_equal(level, WY_COMPAT_BACKWARD);
  assert_int_equal(wy_sr_set_compatibility(r, NULL, WY_COMPAT_FORWARD, &err), WY_OK);
  assert_int_equal(wy_sr_set_compatibility(r, "loose-value", WY_COMPAT_NONE, &err), WY_OK);
  assert_int_equal(wy_sr_get_compatibility(r, "loose-value", &level, &err), WY_OK);
  assert_int_equal(level, WY_COMPAT_NONE);
  assert_int_equal(wy_sr_get_compatibility(r, "strict-value", &level, &err), WY_OK);
  assert_int_equal(level, WY_COMPAT_FORWARD);
  int32_t id;
  const char *v1 = rec(QTY_INT "," NOTE), *v2 = rec(QTY_INT);
  assert_int_equal(wy_sr_register(r, "loose-value", WY_SR_AVRO, v1, &id, &err), WY_OK);
  assert_int_equal(wy_sr_register(r, "loose-value", WY_SR_AVRO, v2, &id, &err), WY_OK);
  assert_int_equal(wy_sr_register(r, "strict-value", WY_SR_AVRO, v1, &id, &err), WY_OK);
  assert_int_equal(wy_sr_register(r, "strict-value", WY_SR_AVRO, v2, &id, &err), WY_ERR_CONFIG);
  assert_string_equal(err.msg,
                      "Schema being registered is incompatible with an earlier schema for "
                      "subject \"strict-value\" (compatibility FORWARD): version 1 cannot read "
                      "data written with the new schema: field 'note' is missing from the "
                      "writer and has no default");
  bool ok;
  char why[256];
  assert_int_equal(
      wy_sr_check_compatible_why(r, "strict-value", WY_SR_AVRO, v2, &ok, why, sizeof why, &err),
      WY_OK);
  assert_false(ok);
  assert_non_null(strstr(why, "field 'note'"));
  assert_true(wy_sr_compat_from_name("full_transitive", &level));
  assert_int_equal(level, WY_COMPAT_FULL_TRANSITIVE);
  assert_string_equal(wy_sr_compat_name(WY_COMPAT_BACKWARD_TRANSITIVE), "BACKWARD_TRANSITIVE");
  assert_false(wy_sr_compat_from_name("SIDEWAYS", &level));
  wy_sr_destroy(r);
}

/* ---- over HTTP ---- */

typedef struct {
  int status;
  json_t *body;
} reply_t;

/* One raw request to the test server (Connection: close). */
static reply_t call(int port, const char *method, const char *path, const char *body) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  char req[4096];
  int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n%s",
                   method, path, body ? strlen(body) : 0, body ? body : "");
  assert_int_equal(write(fd, req, (size_t)n), n);
  static char resp[65536];
  size_t len = 0;
  for (ssize_t r; len < sizeof resp - 1 && (r = read(fd, resp + len, sizeof resp - 1 - len)) > 0;)
    len += (size_t)r;
  resp[len] = 0;
  close(fd);
  reply_t out = {0, NULL};
  sscanf(resp, "HTTP/1.1 %d", &out.status);
  const char *b = strstr(resp, "\r\n\r\n");
  if (b) out.body = json_loads(b + 4, JSON_DECODE_ANY, NULL);
  return out;
}

static int error_code(reply_t r) {
  int code = (int)json_integer_value(json_object_get(r.body, "error_code"));
  json_decref(r.body);
  return code;
}

static const char *str(reply_t r, const char *key) {
  static char buf[1024];
  snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(r.body, key)));
  json_decref(r.body);
  return buf;
}

/* "[1,2]" for an array answer */
static const char *dump(reply_t r) {
  static char buf[1024];
  char *s = json_dumps(r.body, JSON_COMPACT | JSON_ENCODE_ANY);
  snprintf(buf, sizeof buf, "%d %s", r.status, s ? s : "");
  free(s);
  json_decref(r.body);
  return buf;
}

static char *schema_body(const char *schema) {
  json_t *j = json_pack("{s:s}", "schema", schema);
  char *s = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  return s;
}

static void rest_api_config_and_error_codes(void **state) {
  wy_sr_server_options_t o = {NULL, 0, NULL, WY_COMPAT_BACKWARD};
  wy_sr_server_t *s = wy_sr_server_start_opts(&o, &err);
  assert_non_null(s);
  int port = wy_sr_server_port(s);
  /* levels: global and per subject */
  assert_string_equal(str(call(port, "GET", "/config", NULL), "compatibilityLevel"), "BACKWARD");
  assert_string_equal(
      str(call(port, "PUT", "/config", "{\"compatibility\":\"full\"}"), "compatibility"), "FULL");
  assert_string_equal(str(call(port, "GET", "/config", NULL), "compatibilityLevel"), "FULL");
  assert_int_equal(error_code(call(port, "PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}")),
                   42203);
  assert_string_equal(
      str(call(port, "PUT", "/config/pay-value", "{\"compatibility\":\"BACKWARD_TRANSITIVE\"}"),
          "compatibility"),
      "BACKWARD_TRANSITIVE");
  assert_string_equal(str(call(port, "GET", "/config/pay-value", NULL), "compatibilityLevel"),
                      "BACKWARD_TRANSITIVE");
  assert_int_equal(error_code(call(port, "GET", "/config/other-value", NULL)), 40408);
  assert_string_equal(str(call(port, "GET", "/config/other-value?defaultToGlobal=true", NULL),
                          "compatibilityLevel"),
                      "FULL");
  /* subjects and versions */
  char *v1 = schema_body(rec(QTY_INT)), *v2 = schema_body(rec(QTY_INT "," NOTE_DEF));
  char *bad = schema_body(rec(QTY_INT "," NOTE)), *broken = schema_body("{\"type\":");
  assert_string_equal(dump(call(port, "POST", "/subjects/pay-value/versions", v1)),
                      "200 {\"id\":1}");
  assert_string_equal(dump(call(port, "POST", "/subjects/pay-value/versions", v2)),
                      "200 {\"id\":2}");
  assert_string_equal(dump(call(port, "POST", "/subjects/pay-value/versions", v1)),
                      "200 {\"id\":1}");
  assert_string_equal(dump(call(port, "GET", "/subjects", NULL)), "200 [\"pay-value\"]");
  assert_string_equal(dump(call(port, "GET", "/subjects/pay-value/versions", NULL)), "200 [1,2]");
  reply_t latest = call(port, "GET", "/subjects/pay-value/versions/latest", NULL);
  assert_int_equal(json_integer_value(json_object_get(latest.body, "version")), 2);
  assert_int_equal(json_integer_value(json_object_get(latest.body, "id")), 2);
  json_decref(latest.body);
  reply_t first = call(port, "GET", "/subjects/pay-value/versions/1", NULL);
  assert_int_equal(json_integer_value(json_object_get(first.body, "version")), 1);
  json_decref(first.body);
  assert_int_equal(error_code(call(port, "GET", "/subjects/pay-value/versions/7", NULL)), 40402);
  assert_int_equal(error_code(call(port, "GET", "/subjects/nope/versions", NULL)), 40401);
  assert_int_equal(error_code(call(port, "GET", "/schemas/ids/99", NULL)), 40403);
  assert_string_equal(str(call(port, "GET", "/schemas/ids/2", NULL), "schema"),
                      rec(QTY_INT "," NOTE_DEF));
  /* lookup */
  reply_t found = call(port, "POST", "/subjects/pay-value", v2);
  assert_int_equal(json_integer_value(json_object_get(found.body, "version")), 2);
  json_decref(found.body);
  assert_int_equal(error_code(call(port, "POST", "/subjects/pay-value", bad)), 40403);
  assert_int_equal(error_code(call(port, "POST", "/subjects/nope", v1)), 40401);
  /* refusals: transitive, v1 has no note */
  reply_t refused = call(port, "POST", "/subjects/pay-value/versions", bad);
  assert_int_equal(refused.status, 409);
  const char *msg = json_string_value(json_object_get(refused.body, "message"));
  assert_non_null(strstr(msg, "(compatibility BACKWARD_TRANSITIVE)"));
  assert_non_null(strstr(msg, "version 1: field 'note'"));
  json_decref(refused.body);
  assert_int_equal(error_code(call(port, "POST", "/subjects/pay-value/versions", broken)), 42201);
  reply_t check =
      call(port, "POST", "/compatibility/subjects/pay-value/versions/latest?verbose=true", bad);
  assert_false(json_is_true(json_object_get(check.body, "is_compatible")));
  assert_non_null(
      strstr(json_string_value(json_array_get(json_object_get(check.body, "messages"), 0)),
             "field 'note'"));
  json_decref(check.body);
  assert_int_equal(
      error_code(call(port, "POST", "/compatibility/subjects/nope/versions/latest", v1)), 40401);
  /* delete: the versions it had; numbering goes on */
  assert_string_equal(dump(call(port, "DELETE", "/subjects/pay-value", NULL)), "200 [1,2]");
  assert_string_equal(dump(call(port, "GET", "/subjects", NULL)), "200 []");
  assert_string_equal(dump(call(port, "POST", "/subjects/pay-value/versions", v1)),
                      "200 {\"id\":1}");
  assert_string_equal(dump(call(port, "GET", "/subjects/pay-value/versions", NULL)), "200 [3]");
  free(v1);
  free(v2);
  free(bad);
  free(broken);
  wy_sr_server_stop(s);
}

/* The HTTP client reads and sets levels, and names them in a refusal. */
static void http_client_reads_and_sets_levels(void **state) {
  wy_sr_server_options_t o = {NULL, 0, NULL, WY_COMPAT_BACKWARD};
  wy_sr_server_t *s = wy_sr_server_start_opts(&o, &err);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", wy_sr_server_port(s));
  wy_sr_http_config_t cfg = {.url = url, .retries = -1};
  wy_sr_t *r = wy_sr_http_new(&cfg, &err);
  assert_non_null(r);
  wy_sr_compat_t level;
  assert_int_equal(wy_sr_get_compatibility(r, "t-value", &level, &err), WY_OK);
  assert_int_equal(level, WY_COMPAT_BACKWARD);
  assert_int_equal(wy_sr_set_compatibility(r, "t-value", WY_COMPAT_FULL, &err), WY_OK);
  assert_int_equal(wy_sr_get_compatibility(r, "t-value", &level, &err), WY_OK);
  assert_int_equal(level, WY_COMPAT_FULL);
  assert_int_equal(wy_sr_get_compatibility(r, NULL, &level, &err), WY_OK);
  assert_int_equal(level, WY_COMPAT_BACKWARD);
  int32_t id;
  assert_int_equal(wy_sr_register(r, "t-value", WY_SR_AVRO, rec(QTY_INT "," NOTE), &id, &err),
                   WY_OK);
  assert_int_equal(wy_sr_register(r, "t-value", WY_SR_AVRO, rec(QTY_INT), &id, &err),
                   WY_ERR_CONFIG);
  assert_string_equal(err.msg,
                      "Schema being registered is incompatible with an earlier schema for "
                      "subject \"t-value\" (compatibility FULL): version 1 cannot read data "
                      "written with the new schema: field 'note' is missing from the writer and "
                      "has no default");
  wy_sr_destroy(r);
  wy_sr_server_stop(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(each_level_accepts_what_its_definition_says),
      cmocka_unit_test(transitive_levels_check_every_version),
      cmocka_unit_test(subject_level_overrides_the_global_one_and_refusals_explain),
      cmocka_unit_test(rest_api_config_and_error_codes),
      cmocka_unit_test(http_client_reads_and_sets_levels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
