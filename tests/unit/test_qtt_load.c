/* engine/testing: loading QTT files, expansion, exact JSON, SQL splitting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/testing/qtt.h"
#include "engine/testing/qtt_json.h"

static wy_qtt_file_t *parse(const char *path, const char *json) {
  wy_error_t err;
  wy_error_clear(&err);
  wy_qtt_file_t *f = wy_qtt_file_parse(path, json, strlen(json), &err);
  if (!f) fprintf(stderr, "parse failed: %s\n", err.msg);
  assert_non_null(f);
  return f;
}

static const char *prop(const wy_qtt_case_t *c, const char *name) {
  static char buf[128];
  return wy_qtt_case_property(c, name, buf, sizeof buf);
}

static void format_and_config_expand_with_ksqldb_names(void **state) {
  (void)state;
  wy_qtt_file_t *f = parse(
      "dir/my-tests.json",
      "{\"tests\":[{\"name\":\"matrix\",\"format\":[\"AVRO\",\"JSON\"],"
      "\"config\":[\"at_least_once\",\"exactly_once_v2\"],"
      "\"properties\":{\"ksql.streams.processing.guarantee\":\"{config}\",\"other\":\"{FORMAT}\"},"
      "\"statements\":[\"CREATE STREAM S (V INT) WITH (kafka_topic='s', "
      "value_format='{FORMAT}');\","
      "\"CREATE STREAM O AS SELECT * FROM S;\"],"
      "\"inputs\":[{\"topic\":\"s\",\"value\":{\"V\":1}}],"
      "\"outputs\":[{\"topic\":\"O\",\"value\":{\"V\":1}}]}]}");
  assert_int_equal(f->nentries, 1);
  assert_int_equal(f->ncases, 4);
  static const char *const names[] = {
      "my-tests - matrix - AVRO - ksql.streams.processing.guarantee=at_least_once",
      "my-tests - matrix - AVRO - ksql.streams.processing.guarantee=exactly_once_v2",
      "my-tests - matrix - JSON - ksql.streams.processing.guarantee=at_least_once",
      "my-tests - matrix - JSON - ksql.streams.processing.guarantee=exactly_once_v2"};
  for (size_t i = 0; i < 4; i++) {
    const wy_qtt_case_t *c = &f->cases[i];
    assert_null(c->invalid);
    assert_string_equal(c->full_name, names[i]);
    assert_string_equal(c->name, "matrix");
    assert_string_equal(c->format, i < 2 ? "AVRO" : "JSON");
    assert_string_equal(prop(c, "ksql.streams.processing.guarantee"),
                        i % 2 ? "exactly_once_v2" : "at_least_once");
    /* {FORMAT} is replaced in statements only, as in ksqlDB. */
    assert_string_equal(prop(c, "other"), "{FORMAT}");
    assert_non_null(
        strstr(c->statements.items[0], i < 2 ? "value_format='AVRO'" : "value_format='JSON'"));
    assert_string_equal(c->statements.items[1], "CREATE STREAM O AS SELECT * FROM S;");
  }
  wy_qtt_file_destroy(f);
}

static void format_placeholder_without_formats_becomes_the_error_text(void **state) {
  (void)state;
  wy_qtt_file_t *f = parse("x.json",
                           "{\"tests\":[{\"name\":\"n\",\"format\":[],"
                           "\"statements\":[\"CREATE ... '{FORMAT}'\"],"
                           "\"expectedException\":{\"message\":\"m\"}}]}");
  assert_int_equal(f->ncases, 1);
  assert_string_equal(f->cases[0].full_name, "x - n");
  assert_null(f->cases[0].format);
  assert_non_null(strstr(f->cases[0].statements.items[0], "please set the 'format' test case"));
  wy_qtt_file_destroy(f);
}

static void records_topics_and_post_are_loaded(void **state) {
  (void)state;
  wy_qtt_file_t *f = parse(
      "r.json",
      "{\"comments\":[\"ignored\"],\"tests\":[{\"name\":\"r\",\"statements\":[\"s\"],"
      "\"topics\":[{\"name\":\"in\",\"valueFormat\":\"AVRO\",\"valueSchema\":{\"type\":\"int\"},"
      "\"valueSchemaId\":102}],"
      "\"inputs\":[{\"topic\":\"in\",\"value\":{\"A\":1.50},\"timestamp\":7,"
      "\"headers\":[{\"KEY\":\"h\",\"VALUE\":\"IQ==\"},{\"KEY\":\"n\",\"VALUE\":null}]},"
      "{\"topic\":\"in\",\"key\":\"k\",\"value\":null,"
      "\"window\":{\"start\":1,\"end\":2,\"type\":\"SESSION\"}}],"
      "\"outputs\":[{\"topic\":\"OUT\",\"value\":\"x\"}],"
      "\"post\":{\"sources\":[{\"name\":\"OUT\",\"type\":\"stream\",\"schema\":\"V INT\","
      "\"keyFormat\":{\"format\":\"KAFKA\"},\"isSource\":false}],"
      "\"topics\":{\"blacklist\":\".*-repartition\",\"topics\":[{\"name\":\"OUT\","
      "\"keyFormat\":{\"format\":\"KAFKA\",\"features\":[\"UNWRAP_SINGLES\"]},"
      "\"valueFormat\":{\"format\":\"JSON\"},\"partitions\":4}]}}}]}");
  const wy_qtt_case_t *c = &f->cases[0];
  assert_null(c->invalid);
  assert_int_equal(c->ntopics, 1);
  assert_string_equal(c->topics[0].value_format, "AVRO");
  assert_null(c->topics[0].key_format);
  assert_int_equal(c->topics[0].partitions, 1);
  assert_true(c->topics[0].has_value_schema_id);
  assert_int_equal(c->topics[0].value_schema_id, 102);
  assert_int_equal(c->topics[0].value_schema.kind, WY_T_MAP);

  assert_int_equal(c->ninputs, 2);
  const wy_qtt_record_t *r = &c->inputs[0];
  assert_true(r->key.null);
  assert_true(r->has_timestamp);
  assert_int_equal(r->timestamp, 7);
  const wy_value_t *a = wy_qtt_map_get(&r->value, "A", 1);
  assert_non_null(a);
  assert_int_equal(a->kind, WY_T_DECIMAL);
  assert_int_equal(a->scale, 2);
  assert_true(a->u.dec == 150);
  assert_int_equal(r->nheaders, 2);
  assert_int_equal(r->headers[0].len, 1);
  assert_memory_equal(r->headers[0].value, "!", 1);
  assert_null(r->headers[1].value);
  assert_int_equal(r->window.kind, WY_QTT_WINDOW_NONE);
  r = &c->inputs[1];
  assert_false(r->has_timestamp);
  assert_true(r->value.null);
  assert_int_equal(r->window.kind, WY_QTT_WINDOW_SESSION);
  assert_int_equal(r->window.end, 2);

  assert_true(c->has_post);
  assert_int_equal(c->post.nsources, 1);
  assert_string_equal(c->post.sources[0].schema, "V INT");
  assert_true(c->post.sources[0].has_key_format);
  assert_true(c->post.sources[0].has_is_source);
  assert_false(c->post.sources[0].is_source);
  assert_string_equal(c->post.blacklist, ".*-repartition");
  assert_int_equal(c->post.ntopics, 1);
  assert_int_equal(c->post.topics[0].key_format.features.n, 1);
  assert_string_equal(c->post.topics[0].value_format.format, "JSON");
  assert_true(c->post.topics[0].has_partitions);
  wy_qtt_file_destroy(f);
}

static void disabled_and_version_bounded_cases_are_skipped(void **state) {
  (void)state;
  wy_qtt_file_t *f =
      parse("s.json",
            "{\"tests\":["
            "{\"name\":\"off\",\"enabled\":false,\"format\":[\"A\",\"B\"],\"statements\":[\"s\"],"
            "\"outputs\":[{\"topic\":\"o\",\"value\":1}]},"
            "{\"name\":\"future\",\"versions\":{\"min\":\"99.0\"},\"statements\":[\"s\"],"
            "\"outputs\":[{\"topic\":\"o\",\"value\":1}]},"
            "{\"name\":\"past\",\"versions\":{\"max\":\"5.4\"},\"statements\":[\"s\"],"
            "\"outputs\":[{\"topic\":\"o\",\"value\":1}]},"
            "{\"name\":\"current\",\"versions\":{\"min\":\"6.0.0\"},\"statements\":[\"s\"],"
            "\"outputs\":[{\"topic\":\"o\",\"value\":1}]}]}");
  assert_int_equal(f->ncases, 5); /* disabled cases still count, format-expanded */
  assert_string_equal(f->cases[0].skip, "disabled");
  assert_false(f->cases[0].enabled);
  assert_string_equal(f->cases[1].full_name, "s - off - B");
  assert_string_equal(f->cases[2].skip, "needs ksqlDB >= 99.0");
  assert_string_equal(f->cases[3].skip, "needs ksqlDB <= 5.4");
  assert_null(f->cases[4].skip);
  wy_qtt_file_destroy(f);
}

static void malformed_cases_are_kept_as_invalid(void **state) {
  (void)state;
  wy_qtt_file_t *f =
      parse("bad.json",
            "{\"tests\":["
            "{\"name\":\"no statements\",\"outputs\":[{\"topic\":\"o\",\"value\":1}]},"
            "{\"name\":\"nothing to check\",\"statements\":[\"s\"]},"
            "{\"name\":\"config without placeholder\",\"config\":[\"a\"],\"statements\":[\"s\"],"
            "\"outputs\":[{\"topic\":\"o\",\"value\":1}]},"
            "{\"name\":\"bad header\",\"statements\":[\"s\"],\"outputs\":[{\"topic\":\"o\","
            "\"value\":1,\"headers\":[{\"KEY\":\"k\",\"VALUE\":\"*not base64*\"}]}]},"
            "{\"name\":\"bad window\",\"statements\":[\"s\"],\"outputs\":[{\"topic\":\"o\","
            "\"value\":1,\"window\":{\"start\":0,\"end\":1,\"type\":\"hopping\"}}]},"
            "{\"name\":\"dup\",\"statements\":[\"s\"],\"outputs\":[{\"topic\":\"o\",\"value\":1}]},"
            "{\"name\":\"dup\",\"statements\":[\"s\"],\"outputs\":[{\"topic\":\"o\",\"value\":1}]},"
            "{\"name\":\"exception without type or message\",\"statements\":[\"s\"],"
            "\"expectedException\":{}},"
            "\"not an object\"]}");
  assert_int_equal(f->ncases, 9);
  assert_non_null(strstr(f->cases[0].invalid, "'statements' must be a non-empty array"));
  assert_non_null(strstr(f->cases[1].invalid, "at least one of 'inputs', 'outputs'"));
  assert_non_null(strstr(f->cases[2].invalid, "exactly one property whose value is"));
  assert_non_null(strstr(f->cases[3].invalid, "not base64"));
  assert_non_null(strstr(f->cases[4].invalid, "neither 'time' nor 'session'"));
  assert_null(f->cases[5].invalid);
  assert_string_equal(f->cases[6].invalid, "duplicate test name");
  assert_non_null(strstr(f->cases[7].invalid, "at least one of 'type' and 'message'"));
  assert_string_equal(f->cases[8].invalid, "a test must be an object");
  wy_qtt_file_destroy(f);
}

static void file_errors_are_reported_not_crashed(void **state) {
  (void)state;
  wy_error_t err;
  const char *bad = "{\"tests\": [\n  {\"name\": \"x\",,}\n]}";
  assert_null(wy_qtt_file_parse("m.json", bad, strlen(bad), &err));
  assert_int_equal(err.code, WY_ERR_DECODE);
  assert_int_equal(err.line, 2);
  assert_non_null(strstr(err.msg, "m.json:2:"));
  assert_null(wy_qtt_file_parse("e.json", "{\"tests\":[]}", 12, &err));
  assert_non_null(strstr(err.msg, "non-empty \"tests\" array"));
  assert_null(wy_qtt_file_parse("e.json", "[1]", 3, &err));
  assert_null(wy_qtt_file_parse("e.json", "", 0, &err));
  assert_null(wy_qtt_file_load("/nonexistent/dir/x.json", &err));
  assert_int_equal(err.code, WY_ERR_IO);
}

static void json_keeps_numbers_exact_and_allows_comments(void **state) {
  (void)state;
  wy_arena_t a;
  wy_arena_init(&a, 0);
  const char *text =
      "// leading comment\n{\"a\": 1.50, /* inline */ \"b\": -0.05,\n"
      " \"c\": 123456789012345678901234567890, \"d\": 1e3, \"e\": 7,\n"
      " \"f\": \"// not a comment\", \"g\": \"\\u0000#42\", \"h\": 2.5E-3}";
  wy_error_t err;
  json_t *j = wy_qtt_json_parse(text, strlen(text), "t", &err);
  assert_non_null(j);
  wy_value_t v;
  assert_true(wy_qtt_json_value(j, &a, &v));
  json_decref(j);
  char buf[256];
  wy_qtt_json_format(&v, buf, sizeof buf);
  assert_string_equal(buf,
                      "{\"a\":1.50,\"b\":-0.05,\"c\":123456789012345678901234567890,"
                      "\"d\":1000,\"e\":7,\"f\":\"// not a comment\","
                      "\"g\":\"\\u0000#42\",\"h\":0.0025}");
  assert_int_equal(wy_qtt_map_get(&v, "e", 1)->kind, WY_T_BIGINT);
  assert_int_equal(wy_qtt_map_get(&v, "c", 1)->kind, WY_T_DECIMAL);
  const wy_value_t *g = wy_qtt_map_get(&v, "g", 1);
  assert_int_equal(g->kind, WY_T_STRING); /* a genuine string is never taken for a number */
  assert_int_equal(g->len, 4);
  /* Numbers past 38 digits cannot be exact: they degrade to DOUBLE. */
  wy_value_t n;
  assert_true(wy_qtt_number_value("1.000000000000000000000000000000000000001", 41, &n));
  assert_int_equal(n.kind, WY_T_DOUBLE);
  /* Absurd exponents saturate instead of overflowing; the slice is not read past. */
  assert_true(wy_qtt_number_value("1e-99999999999999999999", 23, &n));
  assert_int_equal(n.kind, WY_T_DOUBLE);
  assert_true(wy_qtt_number_value("2e3999", 3, &n)); /* the slice is "2e3" */
  assert_int_equal(n.kind, WY_T_DECIMAL);
  assert_int_equal(n.scale, 0);
  assert_true(n.u.dec == 2000);
  assert_true(wy_qtt_number_value("1.", 2, &n) == false);
  assert_false(wy_qtt_number_value("01", 2, &n));
  wy_arena_release(&a);
}

static void sql_scripts_split_at_top_level_semicolons(void **state) {
  (void)state;
  wy_arena_t a;
  wy_arena_init(&a, 0);
  const char *sql =
      "-- header; comment\nCREATE STREAM A (V STRING) WITH (kafka_topic='a;b');\n"
      "/* block ; comment */ INSERT INTO A (V) VALUES ('it''s;');\n"
      "CREATE STREAM `we;ird` AS SELECT * FROM A\n;  \n-- trailing\n";
  wy_qtt_strings_t out;
  assert_int_equal(wy_qtt_split_sql(sql, strlen(sql), &a, &out, NULL), WY_OK);
  assert_int_equal(out.n, 3);
  assert_string_equal(out.items[0],
                      "-- header; comment\nCREATE STREAM A (V STRING) WITH (kafka_topic='a;b');");
  assert_string_equal(out.items[1], "/* block ; comment */ INSERT INTO A (V) VALUES ('it''s;');");
  assert_string_equal(out.items[2], "CREATE STREAM `we;ird` AS SELECT * FROM A\n;");
  /* A statement without its semicolon still counts. */
  assert_int_equal(wy_qtt_split_sql("SELECT 1", 8, &a, &out, NULL), WY_OK);
  assert_int_equal(out.n, 1);
  wy_error_t err;
  assert_int_equal(wy_qtt_split_sql("SELECT 'x", 9, &a, &out, &err), WY_ERR_PARSE);
  wy_arena_release(&a);
}

static void versions_compare_numerically(void **state) {
  (void)state;
  assert_true(wy_qtt_version_compare("7.4.0", "7.3.0") > 0);
  assert_true(wy_qtt_version_compare("7.10", "7.9.9") > 0);
  assert_int_equal(wy_qtt_version_compare("6.0", "6.0.0"), 0);
  assert_true(wy_qtt_version_compare("5.4", "6.0.0") < 0);
}

static char *write_temp(const char *content) {
  char *path = strdup("/tmp/wy_qtt_load_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
  close(fd);
  return path;
}

static void runner_files_become_one_case(void **state) {
  (void)state;
  char *sql = write_temp(
      "CREATE STREAM TEST (ID BIGINT KEY, V BIGINT) WITH (kafka_topic='t', "
      "value_format='DELIMITED');\nCREATE TABLE S2 AS SELECT ID, MAX(V) FROM "
      "TEST GROUP BY ID;\n");
  char *in =
      write_temp("{\"inputs\":[{\"topic\":\"t\",\"key\":0,\"value\":\"5\",\"timestamp\":0}]}");
  char *out = write_temp(
      "{\"outputs\":[{\"topic\":\"S2\",\"key\":0,\"value\":\"5\","
      "\"window\":{\"start\":0,\"end\":30000,\"type\":\"time\"}}]}");
  char *empty = write_temp("{\"outputs\":[]}");
  wy_error_t err;
  wy_qtt_file_t *f = wy_qtt_file_from_runner_files(sql, in, out, &err);
  assert_non_null(f);
  assert_int_equal(f->ncases, 1);
  const wy_qtt_case_t *c = &f->cases[0];
  assert_string_equal(c->full_name, "KSQL_Test");
  assert_int_equal(c->statements.n, 2);
  assert_int_equal(c->ninputs, 1);
  assert_int_equal(c->noutputs, 1);
  assert_int_equal(c->outputs[0].window.kind, WY_QTT_WINDOW_TIME);
  assert_int_equal(c->nproperties, 0);
  wy_qtt_file_destroy(f);
  /* The input file is optional; an empty outputs list is not. */
  f = wy_qtt_file_from_runner_files(sql, NULL, out, &err);
  assert_non_null(f);
  assert_int_equal(f->cases[0].ninputs, 0);
  wy_qtt_file_destroy(f);
  assert_null(wy_qtt_file_from_runner_files(sql, in, empty, &err));
  assert_non_null(strstr(err.msg, "non-empty \"outputs\" array"));
  assert_null(wy_qtt_file_from_runner_files("/nonexistent.sql", in, out, &err));
  char *paths[] = {sql, in, out, empty};
  for (size_t i = 0; i < 4; i++) {
    unlink(paths[i]);
    free(paths[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(format_and_config_expand_with_ksqldb_names),
      cmocka_unit_test(format_placeholder_without_formats_becomes_the_error_text),
      cmocka_unit_test(records_topics_and_post_are_loaded),
      cmocka_unit_test(disabled_and_version_bounded_cases_are_skipped),
      cmocka_unit_test(malformed_cases_are_kept_as_invalid),
      cmocka_unit_test(file_errors_are_reported_not_crashed),
      cmocka_unit_test(json_keeps_numbers_exact_and_allows_comments),
      cmocka_unit_test(sql_scripts_split_at_top_level_semicolons),
      cmocka_unit_test(versions_compare_numerically),
      cmocka_unit_test(runner_files_become_one_case),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
