/* engine/testing: ksqlDB's comparison rules (values, records, exceptions, post). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/testing/qtt_compare.h"
#include "engine/testing/qtt_json.h"

static wy_arena_t arena;

static int setup(void **state) {
  (void)state;
  wy_arena_init(&arena, 0);
  return 0;
}
static int teardown(void **state) {
  (void)state;
  wy_arena_release(&arena);
  return 0;
}

/* A JSON value from text, numbers exact. */
static wy_value_t J(const char *text) {
  wy_error_t err;
  json_t *j = wy_qtt_json_parse(text, strlen(text), "test", &err);
  assert_non_null(j);
  wy_value_t v;
  assert_true(wy_qtt_json_value(j, &arena, &v));
  json_decref(j);
  return v;
}

static wy_value_t dec(int64_t unscaled, int scale) { return wy_decimal(unscaled, 10, scale); }

static bool matches(wy_value_t e, wy_value_t a, char *diff) {
  return wy_qtt_value_matches(&e, &a, diff, WY_QTT_DIFF_MAX);
}

static void integer_literal_follows_the_actual_kind(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_true(matches(J("1"), wy_int(1), d));
  assert_true(matches(J("1"), wy_bigint(1), d));
  assert_true(matches(J("1"), wy_double(1.0), d));
  assert_true(matches(J("1"), dec(1, 0), d));
  /* An integer literal never matches a decimal with a fractional scale. */
  assert_false(matches(J("1"), dec(10, 1), d));
  assert_non_null(strstr(d, "expected 1 but was 1.0"));
  assert_false(matches(J("2"), wy_int(3), d));
  assert_string_equal(d, "expected 2 but was 3 (INTEGER)");
  /* ...and intValue() keeps the low 32 bits of a long literal, as Java does. */
  assert_true(matches(J("3000000000"), wy_int(-1294967296), d));
  assert_true(matches(J("3000000000"), wy_bigint(3000000000LL), d));
}

static void real_literal_needs_the_same_decimal_scale(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_true(matches(J("1.0"), dec(10, 1), d));
  assert_false(matches(J("1.0"), dec(100, 2), d));
  assert_string_equal(d, "expected 1.0 but was 1.00 (DECIMAL)");
  assert_false(matches(J("1.0"), dec(1, 0), d));
  assert_true(matches(J("-0.05"), dec(-5, 2), d));
  assert_true(matches(J("12.3450"), dec(123450, 4), d));
  assert_false(matches(J("12.345"), dec(123450, 4), d));
}

static void doubles_compare_within_a_millionth(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_true(matches(J("13.54"), wy_double(13.54), d));
  assert_true(matches(J("1.0"), wy_double(1.0000004), d));
  assert_false(matches(J("1.0"), wy_double(1.00001), d));
  assert_non_null(strstr(d, "(DOUBLE)"));
  assert_true(matches(J("1e3"), wy_double(1000.0), d));
}

static void int_and_long_truncate_the_expected_value(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  /* ksqlDB compares expected.intValue() with an Integer: 1.7 truncates to 1. */
  assert_true(matches(J("1.7"), wy_int(1), d));
  assert_true(matches(J("-1.7"), wy_bigint(-1), d));
  assert_false(matches(J("2.1"), wy_int(1), d));
}

static void strings_match_text_decimals_and_base64_bytes(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_true(matches(J("\"bob\""), wy_string("bob", 3), d));
  assert_false(matches(J("\"bob\""), wy_string("bobby", 5), d));
  assert_string_equal(d, "expected \"bob\" but was \"bobby\" (STRING)");
  assert_true(matches(J("\"1.50\""), dec(150, 2), d));
  assert_false(matches(J("\"1.5\""), dec(150, 2), d));
  assert_false(matches(J("\"abc\""), dec(150, 2), d));
  /* BigDecimal's text: leading zeros and a plus sign are fine, the scale still counts */
  assert_true(matches(J("\"005.4\""), dec(54, 1), d));
  assert_true(matches(J("\"-01.79\""), dec(-179, 2), d));
  assert_true(matches(J("\"+0.5\""), dec(5, 1), d));
  assert_true(matches(J("\"000\""), dec(0, 0), d));
  assert_false(matches(J("\"005.40\""), dec(54, 1), d));
  assert_true(matches(J("\"IQ==\""), wy_bytes("!", 1), d));
  assert_false(matches(J("\"IQ\""), wy_bytes("!", 1), d));
  assert_false(matches(J("\"1\""), wy_int(1), d)); /* text never matches a number */
}

static void nulls_and_booleans(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_true(matches(J("null"), wy_null(WY_T_INT), d));
  assert_true(wy_qtt_value_matches(&(wy_value_t){.null = 1}, NULL, d, sizeof d));
  assert_false(matches(J("null"), wy_int(0), d));
  assert_string_equal(d, "expected null but was 0 (INTEGER)");
  assert_false(matches(J("0"), wy_null(WY_T_INT), d));
  assert_string_equal(d, "expected 0 but was null");
  assert_true(matches(J("true"), wy_bool(true), d));
  assert_false(matches(J("true"), wy_bool(false), d));
  assert_false(matches(J("true"), wy_string("true", 4), d));
}

static void objects_need_the_same_fields_and_fall_back_to_upper_case(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_true(matches(J("{\"NAME\":\"bob\",\"ID\":1}"), J("{\"ID\":1,\"NAME\":\"bob\"}"), d));
  /* Expected lower-case names find upper-case actual fields. */
  assert_true(matches(J("{\"name\":\"bob\"}"), J("{\"NAME\":\"bob\"}"), d));
  assert_false(matches(J("{\"NAME\":\"bob\"}"), J("{\"NAME\":\"bob\",\"X\":null}"), d));
  assert_non_null(strstr(d, "expected 1 fields but was 2"));
  /* A missing field reads as null, so it only matches an expected null. */
  assert_true(matches(J("{\"A\":null}"), J("{\"B\":null}"), d));
  assert_false(matches(J("{\"A\":1}"), J("{\"B\":1}"), d));
  assert_string_equal(d, "A: expected 1 but was null");
  assert_false(matches(J("{\"A\":1}"), J("[1]"), d));
  assert_non_null(strstr(d, "not an object"));
}

static void first_difference_names_the_path(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_false(matches(J("{\"A\":{\"B\":[1,2,{\"C\":\"x\"}]}}"),
                       J("{\"A\":{\"B\":[1,2,{\"C\":\"y\"}]}}"), d));
  assert_string_equal(d, "A.B[2].C: expected \"x\" but was \"y\" (STRING)");
  assert_false(matches(J("[1,2]"), J("[1,2,3]"), d));
  assert_non_null(strstr(d, "another length"));
  assert_false(matches(J("[1,2]"), J("[1,5]"), d));
  assert_string_equal(d, "[1]: expected 2 but was 5 (BIGINT)");
}

/* ---- records ---------------------------------------------------------------------- */

static wy_qtt_file_t *case_file(const char *json) {
  wy_error_t err;
  wy_qtt_file_t *f = wy_qtt_file_parse("unit.json", json, strlen(json), &err);
  assert_non_null(f);
  assert_null(f->cases[0].invalid);
  return f;
}

static void add(wy_qtt_result_t *r, const char *topic, wy_value_t key, wy_value_t value,
                int64_t ts) {
  wy_qtt_out_record_t rec = {
      .topic = topic, .key = {.value = key}, .value = {.value = value}, .timestamp = ts};
  assert_int_equal(wy_qtt_result_add_record(r, &rec, NULL), WY_OK);
}

static bool outputs_match(const wy_qtt_file_t *f, const wy_qtt_result_t *r, char *d) {
  return wy_qtt_outputs_match(&f->cases[0], r, &arena, d, WY_QTT_DIFF_MAX);
}

#define TWO_OUTPUTS                                                                 \
  "{\"tests\":[{\"name\":\"t\",\"statements\":[\"s\"],"                             \
  "\"inputs\":[{\"topic\":\"in\",\"key\":1,\"value\":{\"a\":1}}],"                  \
  "\"outputs\":[{\"topic\":\"OUT\",\"key\":1,\"value\":{\"A\":1},\"timestamp\":5}," \
  "{\"topic\":\"OUT\",\"key\":2,\"value\":{\"A\":2}}]}]}"

static void records_are_compared_per_topic_in_order(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  wy_qtt_file_t *f = case_file(TWO_OUTPUTS);
  wy_qtt_result_t *r = wy_qtt_result_new();
  add(r, "OUT", wy_bigint(1), J("{\"A\":1}"), 5);
  add(r, "other", wy_bigint(9), J("{\"Z\":1}"), 0); /* topics not expected are ignored */
  add(r, "OUT", wy_bigint(2), J("{\"A\":2}"), 77);  /* no expected timestamp: not checked */
  assert_true(outputs_match(f, r, d));
  wy_qtt_result_destroy(r);

  r = wy_qtt_result_new();
  add(r, "OUT", wy_bigint(2), J("{\"A\":2}"), 5);
  add(r, "OUT", wy_bigint(1), J("{\"A\":1}"), 5);
  assert_false(outputs_match(f, r, d));
  assert_non_null(strstr(d, "topic 'OUT' record 1 of 2: key: expected 1 but was 2"));
  assert_non_null(strstr(d, "expected <1, {\"A\":1}> with timestamp=5 but was <2, {\"A\":2}>"));
  wy_qtt_result_destroy(r);
  wy_qtt_file_destroy(f);
}

static void record_count_mismatch_is_reported_first(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  wy_qtt_file_t *f = case_file(TWO_OUTPUTS);
  wy_qtt_result_t *r = wy_qtt_result_new();
  add(r, "OUT", wy_bigint(7), J("{\"A\":7}"), 5);
  assert_false(outputs_match(f, r, d));
  assert_string_equal(d,
                      "topic 'OUT': expected 2 records but got 1; first actual: "
                      "<7, {\"A\":7}> with timestamp=5");
  wy_qtt_result_destroy(r);
  r = wy_qtt_result_new();
  assert_false(outputs_match(f, r, d));
  assert_string_equal(d, "topic 'OUT': expected 2 records but got 0");
  wy_qtt_result_destroy(r);
  wy_qtt_file_destroy(f);
}

static void timestamps_are_checked_when_given(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  wy_qtt_file_t *f = case_file(TWO_OUTPUTS);
  wy_qtt_result_t *r = wy_qtt_result_new();
  add(r, "OUT", wy_bigint(1), J("{\"A\":1}"), 6);
  add(r, "OUT", wy_bigint(2), J("{\"A\":2}"), 0);
  assert_false(outputs_match(f, r, d));
  assert_non_null(strstr(d, "timestamp: expected 5 but was 6"));
  wy_qtt_result_destroy(r);
  wy_qtt_file_destroy(f);

  /* Without inputs (INSERT VALUES only) an expected 0 accepts any wall-clock time. */
  f = case_file(
      "{\"tests\":[{\"name\":\"t\",\"statements\":[\"s\"],\"outputs\":["
      "{\"topic\":\"O\",\"value\":1,\"timestamp\":0},"
      "{\"topic\":\"O\",\"value\":2,\"timestamp\":3}]}]}");
  r = wy_qtt_result_new();
  add(r, "O", wy_null(WY_T_INT), wy_int(1), 1700000000000);
  add(r, "O", wy_null(WY_T_INT), wy_int(2), 4);
  assert_false(outputs_match(f, r, d));
  assert_non_null(strstr(d, "record 2 of 2: timestamp: expected 3 but was 4"));
  wy_qtt_result_destroy(r);
  wy_qtt_file_destroy(f);
}

static void windows_and_headers_must_agree(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  wy_qtt_file_t *f = case_file(
      "{\"tests\":[{\"name\":\"t\",\"statements\":[\"s\"],\"outputs\":["
      "{\"topic\":\"S2\",\"key\":0,\"value\":\"0\",\"window\":{\"start\":0,\"end\":30000,"
      "\"type\":\"time\"},\"headers\":[{\"KEY\":\"abc\",\"VALUE\":\"IQ==\"}]}]}]}");
  wy_qtt_out_record_t rec = {
      .topic = "S2", .key = {.value = wy_int(0)}, .value = {.value = wy_string("0", 1)}};
  wy_qtt_result_t *r = wy_qtt_result_new();
  assert_int_equal(wy_qtt_result_add_record(r, &rec, NULL), WY_OK);
  assert_false(outputs_match(f, r, d));
  assert_non_null(strstr(d, "window: expected time [0, 30000] but was none"));
  wy_qtt_result_destroy(r);

  rec.window = (wy_qtt_window_t){WY_QTT_WINDOW_TIME, 0, 30000};
  r = wy_qtt_result_new();
  assert_int_equal(wy_qtt_result_add_record(r, &rec, NULL), WY_OK);
  assert_false(outputs_match(f, r, d)); /* header expected, none produced */
  assert_non_null(strstr(d, "headers: expected 1 but was 0"));
  wy_qtt_result_destroy(r);

  wy_qtt_header_t h = {"abc", (const uint8_t *)"!", 1};
  rec.headers = &h;
  rec.nheaders = 1;
  r = wy_qtt_result_new();
  assert_int_equal(wy_qtt_result_add_record(r, &rec, NULL), WY_OK);
  assert_true(outputs_match(f, r, d));
  wy_qtt_result_destroy(r);

  h.value = (const uint8_t *)"?";
  r = wy_qtt_result_new();
  assert_int_equal(wy_qtt_result_add_record(r, &rec, NULL), WY_OK);
  assert_false(outputs_match(f, r, d));
  assert_non_null(strstr(d, "headers[0] 'abc': values differ"));
  wy_qtt_result_destroy(r);
  wy_qtt_file_destroy(f);
}

static void raw_payloads_are_read_by_their_wire(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  wy_qtt_file_t *f = case_file(
      "{\"tests\":[{\"name\":\"t\",\"statements\":[\"s\"],\"outputs\":["
      "{\"topic\":\"O\",\"key\":5,\"value\":\"0,zero,0.0\"},"
      "{\"topic\":\"O\",\"key\":1.5,\"value\":\"\"}]}]}");
  static const uint8_t five[4] = {0, 0, 0, 5};
  static const uint8_t one_and_half[8] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0}; /* 1.5 */
  wy_qtt_out_record_t a = {
      .topic = "O",
      .key = {.raw = true, .wire = WY_QTT_WIRE_KAFKA_INT, .bytes = five, .len = 4},
      .value = {.raw = true,
                .wire = WY_QTT_WIRE_TEXT,
                .bytes = (const uint8_t *)"0,zero,0.0",
                .len = 10}};
  wy_qtt_out_record_t b = {
      .topic = "O",
      .key = {.raw = true, .wire = WY_QTT_WIRE_KAFKA_DOUBLE, .bytes = one_and_half, .len = 8},
      .value = {.raw = true, .wire = WY_QTT_WIRE_TEXT, .bytes = (const uint8_t *)"", .len = 0}};
  wy_qtt_result_t *r = wy_qtt_result_new();
  assert_int_equal(wy_qtt_result_add_record(r, &a, NULL), WY_OK);
  assert_int_equal(wy_qtt_result_add_record(r, &b, NULL), WY_OK);
  assert_true(outputs_match(f, r, d));
  wy_qtt_result_destroy(r);

  a.key.len = 3; /* a truncated INT cannot be read back */
  r = wy_qtt_result_new();
  assert_int_equal(wy_qtt_result_add_record(r, &a, NULL), WY_OK);
  assert_int_equal(wy_qtt_result_add_record(r, &b, NULL), WY_OK);
  assert_false(outputs_match(f, r, d));
  assert_non_null(strstr(d, "cannot read it back: kafka-int value has 3 bytes, not 4"));
  wy_qtt_result_destroy(r);
  wy_qtt_file_destroy(f);
}

static void kafka_doubles_read_back_as_java_decimals(void **state) {
  (void)state;
  wy_value_t v;
  char buf[64];
  static const struct {
    double d;
    const char *text;
  } cases[] = {{0.0, "0.0"},       {1.0, "1.0"},     {13.54, "13.54"},
               {-0.001, "-0.001"}, {100.0, "100.0"}, {0.1 + 0.2, "0.30000000000000004"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_true(wy_qtt_double_to_decimal(cases[i].d, &v));
    wy_qtt_json_format(&v, buf, sizeof buf);
    assert_string_equal(buf, cases[i].text);
  }
  assert_false(wy_qtt_double_to_decimal(1.0 / 0.0, &v));
}

static void windowed_keys_split_into_inner_key_and_bounds(void **state) {
  (void)state;
  uint8_t key[3 + 16] = {'k', '1', '!'};
  int64_t end = 765, start = 234;
  for (int i = 0; i < 8; i++) {
    key[3 + i] = (uint8_t)(end >> (56 - 8 * i));
    key[11 + i] = (uint8_t)(start >> (56 - 8 * i));
  }
  size_t inner;
  wy_qtt_window_t w;
  assert_int_equal(wy_qtt_window_split(key, sizeof key, WY_QTT_WINDOW_SESSION, 0, &inner, &w, NULL),
                   WY_OK);
  assert_int_equal(inner, 3);
  assert_int_equal(w.start, 234);
  assert_int_equal(w.end, 765);
  assert_int_equal(wy_qtt_window_split(key, 11, WY_QTT_WINDOW_TIME, 1000, &inner, &w, NULL), WY_OK);
  assert_int_equal(inner, 3);
  assert_int_equal(w.start, 765);
  assert_int_equal(w.end, 1765);
  wy_error_t err;
  assert_int_equal(wy_qtt_window_split(key, 7, WY_QTT_WINDOW_TIME, 1000, &inner, &w, &err),
                   WY_ERR_DECODE);
}

/* ---- exceptions ------------------------------------------------------------------- */

static wy_qtt_exception_t exc(wy_qtt_phase_t phase, wy_status_t code, const char *msg) {
  return (wy_qtt_exception_t){.code = code, .phase = phase, .statement = 1, .message = msg};
}

static void exception_classes_map_onto_phase_and_code(void **state) {
  (void)state;
  wy_qtt_exception_t parse =
      exc(WY_QTT_PHASE_STATEMENT, WY_ERR_PARSE, "line 1:5: mismatched input");
  wy_qtt_exception_t analysis = exc(WY_QTT_PHASE_STATEMENT, WY_ERR_ANALYSIS, "x");
  wy_qtt_exception_t overflow = exc(WY_QTT_PHASE_PROCESSING, WY_ERR_OVERFLOW, "x");
  bool known;
  assert_true(wy_qtt_exception_class_matches(
      "io.confluent.ksql.parser.exception.ParseFailedException", &parse, &known));
  assert_true(known);
  assert_false(wy_qtt_exception_class_matches(
      "io.confluent.ksql.parser.exception.ParseFailedException", &analysis, NULL));
  /* A parse failure is also a KsqlStatementException and a KsqlException. */
  assert_true(wy_qtt_exception_class_matches("io.confluent.ksql.util.KsqlStatementException",
                                             &parse, NULL));
  assert_true(wy_qtt_exception_class_matches("KsqlException", &analysis, NULL));
  assert_false(wy_qtt_exception_class_matches("io.confluent.ksql.util.KsqlStatementException",
                                              &overflow, NULL));
  assert_true(wy_qtt_exception_class_matches("org.apache.kafka.streams.errors.StreamsException",
                                             &overflow, NULL));
  assert_false(wy_qtt_exception_class_matches("java.lang.NullPointerException", &parse, &known));
  assert_false(known);
}

static void exception_messages_use_contains(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  wy_qtt_exception_t a = exc(WY_QTT_PHASE_STATEMENT, WY_ERR_ANALYSIS,
                             "Line: 1, Col: 40: The statement does not define any columns.");
  wy_qtt_expected_exception_t ee = {"io.confluent.ksql.util.KsqlStatementException",
                                    "does not define any columns", NULL, NULL};
  assert_true(wy_qtt_exception_matches(&ee, &a, d, sizeof d));
  ee.message = "defines too many columns";
  assert_false(wy_qtt_exception_matches(&ee, &a, d, sizeof d));
  assert_non_null(strstr(d, "expected an exception message containing \"defines too many"));
  ee = (wy_qtt_expected_exception_t){"io.confluent.ksql.parser.exception.ParseFailedException",
                                     NULL, NULL, NULL};
  assert_false(wy_qtt_exception_matches(&ee, &a, d, sizeof d));
  assert_non_null(strstr(d, "ParseFailedException but got a statement error ANALYSIS"));
  ee = (wy_qtt_expected_exception_t){"com.example.Unknown", NULL, NULL, NULL};
  assert_false(wy_qtt_exception_matches(&ee, &a, d, sizeof d));
  assert_non_null(strstr(d, "no mapping"));
}

static void processing_exceptions_match_through_their_cause(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  wy_qtt_exception_t a = exc(WY_QTT_PHASE_PROCESSING, WY_ERR_OVERFLOW,
                             "Numeric field overflow: 12345 does not fit DECIMAL(4, 2)");
  wy_qtt_expected_exception_t ee = {
      "org.apache.kafka.streams.errors.StreamsException", "Exception caught in process",
      "io.confluent.ksql.function.KsqlFunctionException", "Numeric field overflow"};
  assert_true(wy_qtt_exception_matches(&ee, &a, d, sizeof d));
  ee.cause_message = "Division by zero";
  assert_false(wy_qtt_exception_matches(&ee, &a, d, sizeof d));
  assert_non_null(strstr(d, "cause message containing \"Division by zero\""));
  a.code = WY_ERR_DECODE;
  ee.cause_message = NULL;
  assert_false(wy_qtt_exception_matches(&ee, &a, d, sizeof d));
  assert_non_null(strstr(d, "expected cause io.confluent.ksql.function.KsqlFunctionException"));
}

/* ---- post conditions --------------------------------------------------------------- */

static void schemas_normalize_to_one_text(void **state) {
  (void)state;
  char a[256], b[256];
  wy_qtt_schema_normalize("ID BIGINT KEY, NAME varchar, D DECIMAL(4,2)", a, sizeof a);
  wy_qtt_schema_normalize("`ID` BIGINT KEY, `NAME` STRING, `D` DECIMAL(4, 2)", b, sizeof b);
  assert_string_equal(a, b);
  wy_qtt_schema_normalize("`V` INT, `K` STRING PRIMARY KEY", a, sizeof a);
  assert_string_equal(a, "K STRING KEY, V INTEGER");
  wy_qtt_schema_normalize("`s` STRUCT<`a` INT, b ARRAY<STRING>>", a, sizeof a);
  assert_string_equal(a, "s STRUCT < a INTEGER , B ARRAY < STRING > >");
  wy_qtt_schema_normalize("`name` STRING", a, sizeof a);
  wy_qtt_schema_normalize("name STRING", b, sizeof b);
  assert_string_not_equal(a, b); /* quoting keeps case */
}

#define POST_CASE(post)                                                               \
  "{\"tests\":[{\"name\":\"t\",\"statements\":[\"s\"],\"outputs\":[{\"topic\":\"O\"," \
  "\"value\":1}],\"post\":" post "}]}"

static wy_qtt_result_t *catalog(void) {
  wy_qtt_result_t *r = wy_qtt_result_new();
  const char *features[] = {"UNWRAP_SINGLES"};
  wy_qtt_source_info_t s = {
      .name = "OUTPUT",
      .is_table = true,
      .schema = "`ID` BIGINT PRIMARY KEY, `NAME` STRING",
      .topic = "OUTPUT",
      .key_format = {.format = "KAFKA",
                     .window_type = "TUMBLING",
                     .has_window_size = true,
                     .window_size = 30000,
                     .properties = wy_null(WY_T_STRING)},
      .value_format = {
          .format = "JSON", .features = {1, features}, .properties = wy_null(WY_T_STRING)}};
  assert_int_equal(wy_qtt_result_add_source(r, &s, NULL), WY_OK);
  wy_qtt_topic_info_t t = {
      .name = "OUTPUT",
      .partitions = 4,
      .key_format = {.format = "KAFKA", .properties = wy_null(WY_T_STRING)},
      .value_format = {.format = "DELIMITED", .properties = J("{\"delimiter\":\"|\"}")},
      .key_schema = wy_null(WY_T_STRING),
      .value_schema = wy_null(WY_T_STRING)};
  assert_int_equal(wy_qtt_result_add_topic(r, &t, NULL), WY_OK);
  t.name = "_confluent-ksql-some.ksql.service.idquery_CTAS_OUTPUT_0-Aggregate-GroupBy-repartition";
  assert_int_equal(wy_qtt_result_add_topic(r, &t, NULL), WY_OK);
  return r;
}

static bool post_ok(const char *json, char *d) {
  wy_qtt_file_t *f = case_file(json);
  wy_qtt_result_t *r = catalog();
  bool ok = wy_qtt_post_matches(&f->cases[0].post, r, d, WY_QTT_DIFF_MAX);
  wy_qtt_result_destroy(r);
  wy_qtt_file_destroy(f);
  return ok;
}

static void post_sources_are_a_has_items_check(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_true(post_ok(POST_CASE("{\"sources\":[{\"name\":\"OUTPUT\",\"type\":\"table\","
                                "\"schema\":\"ID BIGINT PRIMARY KEY, NAME STRING\","
                                "\"keyFormat\":{\"format\":\"KAFKA\",\"windowType\":\"TUMBLING\","
                                "\"windowSize\":30000},\"valueFormat\":\"JSON\","
                                "\"valueFeatures\":[\"UNWRAP_SINGLES\"]}]}"),
                      d));
  assert_false(post_ok(POST_CASE("{\"sources\":[{\"name\":\"OUTPUT\",\"type\":\"stream\"}]}"), d));
  assert_string_equal(d, "post: source 'OUTPUT': type: expected stream but was TABLE");
  assert_false(post_ok(POST_CASE("{\"sources\":[{\"name\":\"OUTPUT\",\"type\":\"TABLE\","
                                 "\"schema\":\"ID INT KEY, NAME STRING\"}]}"),
                       d));
  assert_non_null(strstr(d, "schema: expected ID INT KEY, NAME STRING but was"));
  assert_false(post_ok(POST_CASE("{\"sources\":[{\"name\":\"MISSING\",\"type\":\"TABLE\"}]}"), d));
  assert_string_equal(d, "post: source 'MISSING' does not exist");
  assert_false(post_ok(POST_CASE("{\"sources\":[{\"name\":\"OUTPUT\",\"type\":\"TABLE\","
                                 "\"keyFormat\":{\"format\":\"KAFKA\"}}]}"),
                       d));
  assert_non_null(strstr(d, "key format: expected KAFKA but was KAFKA window=TUMBLING/30000"));
  assert_false(post_ok(POST_CASE("{\"sources\":[{\"name\":\"OUTPUT\",\"type\":\"TABLE\","
                                 "\"valueFeatures\":[]}]}"),
                       d));
  assert_non_null(strstr(d, "value features differ"));
}

static void post_topics_blacklist_and_formats(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  assert_false(post_ok(POST_CASE("{\"topics\":{\"blacklist\":\".*-repartition\"}}"), d));
  assert_non_null(strstr(d, "-GroupBy-repartition' was created but matches the blacklist"));
  assert_true(post_ok(POST_CASE("{\"topics\":{\"blacklist\":\".*-changelog\"}}"), d));
  /* The pattern must match the whole name, as Java's matches() does. */
  assert_true(post_ok(POST_CASE("{\"topics\":{\"blacklist\":\"repartition\"}}"), d));
  assert_true(post_ok(POST_CASE("{\"topics\":{\"topics\":[{\"name\":\"OUTPUT\","
                                "\"keyFormat\":{\"format\":\"KAFKA\"},\"valueFormat\":{\"format\":"
                                "\"DELIMITED\",\"properties\":{\"delimiter\":\"|\"}},"
                                "\"partitions\":4}]}}"),
                      d));
  assert_false(post_ok(POST_CASE("{\"topics\":{\"topics\":[{\"name\":\"OUTPUT\","
                                 "\"keyFormat\":{\"format\":\"KAFKA\"},\"valueFormat\":{\"format\":"
                                 "\"DELIMITED\"}}]}}"),
                       d));
  assert_non_null(strstr(d, "value format: expected DELIMITED but was DELIMITED properties="));
  /* partitions are not compared: ksqlDB's cases expect 4 even where a topic has fewer */
  assert_true(post_ok(POST_CASE("{\"topics\":{\"topics\":[{\"name\":\"OUTPUT\","
                                "\"keyFormat\":{\"format\":\"KAFKA\"},\"valueFormat\":{\"format\":"
                                "\"DELIMITED\",\"properties\":{\"delimiter\":\"|\"}},"
                                "\"partitions\":1}]}}"),
                      d));
}

/* ---- verdicts --------------------------------------------------------------------- */

static void verdict_covers_exceptions_and_runner_errors(void **state) {
  (void)state;
  char d[WY_QTT_DIFF_MAX];
  wy_qtt_file_t *f = case_file(
      "{\"tests\":[{\"name\":\"neg\",\"statements\":[\"CREATE STREAM X;\"],"
      "\"expectedException\":{\"type\":\"io.confluent.ksql.util.KsqlStatementException\","
      "\"message\":\"no columns\"}},"
      "{\"name\":\"pos\",\"statements\":[\"s\"],\"outputs\":[{\"topic\":\"O\",\"value\":1}]}]}");
  const wy_qtt_case_t *neg = &f->cases[0], *pos = &f->cases[1];
  wy_error_t e;
  wy_error_set(&e, WY_ERR_ANALYSIS, "The statement defines no columns.");
  wy_qtt_result_t *r = wy_qtt_result_new();
  assert_false(wy_qtt_case_passes(neg, WY_OK, NULL, r, d, sizeof d));
  assert_non_null(strstr(d,
                         "expected exception io.confluent.ksql.util.KsqlStatementException "
                         "with message containing \"no columns\" but the case ran without one"));
  assert_int_equal(wy_qtt_result_set_exception(r, WY_QTT_PHASE_STATEMENT, 0, &e), WY_OK);
  assert_true(wy_qtt_case_passes(neg, WY_OK, NULL, r, d, sizeof d));
  assert_false(wy_qtt_case_passes(pos, WY_OK, NULL, r, d, sizeof d));
  assert_string_equal(d,
                      "unexpected statement error ANALYSIS in statement 1: "
                      "The statement defines no columns.");
  wy_qtt_result_destroy(r);

  r = wy_qtt_result_new();
  wy_error_set(&e, WY_ERR_UNSUPPORTED, "executor not implemented");
  assert_false(wy_qtt_case_passes(pos, WY_ERR_UNSUPPORTED, &e, r, d, sizeof d));
  assert_string_equal(d, "executor not implemented");
  /* A negative case must not pass just because the executor could not run. */
  assert_false(wy_qtt_case_passes(neg, WY_ERR_UNSUPPORTED, &e, r, d, sizeof d));
  wy_qtt_result_destroy(r);
  wy_qtt_file_destroy(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(integer_literal_follows_the_actual_kind),
      cmocka_unit_test(real_literal_needs_the_same_decimal_scale),
      cmocka_unit_test(doubles_compare_within_a_millionth),
      cmocka_unit_test(int_and_long_truncate_the_expected_value),
      cmocka_unit_test(strings_match_text_decimals_and_base64_bytes),
      cmocka_unit_test(nulls_and_booleans),
      cmocka_unit_test(objects_need_the_same_fields_and_fall_back_to_upper_case),
      cmocka_unit_test(first_difference_names_the_path),
      cmocka_unit_test(records_are_compared_per_topic_in_order),
      cmocka_unit_test(record_count_mismatch_is_reported_first),
      cmocka_unit_test(timestamps_are_checked_when_given),
      cmocka_unit_test(windows_and_headers_must_agree),
      cmocka_unit_test(raw_payloads_are_read_by_their_wire),
      cmocka_unit_test(kafka_doubles_read_back_as_java_decimals),
      cmocka_unit_test(windowed_keys_split_into_inner_key_and_bounds),
      cmocka_unit_test(exception_classes_map_onto_phase_and_code),
      cmocka_unit_test(exception_messages_use_contains),
      cmocka_unit_test(processing_exceptions_match_through_their_cause),
      cmocka_unit_test(schemas_normalize_to_one_text),
      cmocka_unit_test(post_sources_are_a_has_items_check),
      cmocka_unit_test(post_topics_blacklist_and_formats),
      cmocka_unit_test(verdict_covers_exceptions_and_runner_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
