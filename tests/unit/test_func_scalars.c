/* udf built-ins added for ksqlDB's full scalar reference (URL_*, GEO_DISTANCE, MD5,
 * byte conversions, JSON_ITEMS/RECORDS/ARRAY_CONTAINS, GENERATE_SERIES, ENTRIES) and
 * ksqlDB's overload resolution: edge cases the conformance files leave out (NULLs,
 * empty input, overflow, invalid input → NULL for the call with ksqlDB's message). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "test_expr_util.h"

#define EQ(expr, want) assert_string_equal(run_text(expr), want)
#define NULLS(t) wy_expr_cast(NUL(), t, 1, 1)

/* The call yields NULL and reports `msg` for the processing log. */
static void fails_with(wy_expr_t *e, const char *msg) {
  wy_value_t v;
  assert_int_equal(run_row(e, NULL, &v, NULL), WY_OK);
  assert_true(v.null);
  assert_int_equal(t_err.code, WY_ERR_EVAL);
  assert_non_null(strstr(t_err.msg, msg));
}

static void url_functions_parse_as_java_net_uri(void **state) {
  const char *u = "http://user@Example.com:8080/a%20b/c?x=1&y=%26&flag#top%21";
  EQ(CALL("URL_EXTRACT_HOST", 1, S(u)), "Example.com");
  EQ(CALL("URL_EXTRACT_PORT", 1, S(u)), "8080");
  EQ(CALL("URL_EXTRACT_PATH", 1, S(u)), "/a b/c");
  EQ(CALL("URL_EXTRACT_QUERY", 1, S(u)), "x=1&y=&&flag");
  EQ(CALL("URL_EXTRACT_FRAGMENT", 1, S(u)), "top!");
  EQ(CALL("URL_EXTRACT_PROTOCOL", 1, S(u)), "http");
  EQ(CALL("URL_EXTRACT_PARAMETER", 2, S(u), S("x")), "1");
  EQ(CALL("URL_EXTRACT_PARAMETER", 2, S(u), S("flag")), "");
  EQ(CALL("URL_EXTRACT_PARAMETER", 2, S(u), S("z")), "null");
  /* No port, no query, an IPv6 host, a registry-based authority, an empty URL. */
  EQ(CALL("URL_EXTRACT_PORT", 1, S("https://h.org/")), "null");
  EQ(CALL("URL_EXTRACT_PORT", 1, S("https://h.org:/")), "null");
  EQ(CALL("URL_EXTRACT_QUERY", 1, S("https://h.org/p")), "null");
  EQ(CALL("URL_EXTRACT_HOST", 1, S("http://[::1]:80/")), "[::1]");
  EQ(CALL("URL_EXTRACT_HOST", 1, S("http://under_score/")), "null");
  EQ(CALL("URL_EXTRACT_PATH", 1, S("")), "");
  EQ(CALL("URL_EXTRACT_PROTOCOL", 1, S("no/scheme")), "null");
  EQ(CALL("URL_EXTRACT_HOST", 1, NULLS(wy_type_string())), "null");
  /* Invalid syntax fails the call with ksqlDB's message. */
  fails_with(CALL("URL_EXTRACT_HOST", 1, S("http://a b/")), "URL input has invalid syntax");
  fails_with(CALL("URL_EXTRACT_PATH", 1, S("http://h/%zz")), "URL input has invalid syntax");
  fails_with(CALL("URL_EXTRACT_HOST", 1, S("1http://h/")), "URL input has invalid syntax");
  fails_with(CALL("URL_EXTRACT_FRAGMENT", 1, S("http://h/#a#b")), "URL input has invalid syntax");
}

static void url_params_encode_as_form_data(void **state) {
  EQ(CALL("URL_ENCODE_PARAM", 1, S("a b&c=d/é~")), "a+b%26c%3Dd%2F%C3%A9%7E");
  EQ(CALL("URL_ENCODE_PARAM", 1, S("-_.*")), "-_.*");
  EQ(CALL("URL_DECODE_PARAM", 1, S("a+b%26c%3Dd%2F%C3%A9")), "a b&c=d/é");
  EQ(CALL("URL_DECODE_PARAM", 1, S("")), "");
  fails_with(CALL("URL_DECODE_PARAM", 1, S("%4")), "Illegal hex characters");
  fails_with(CALL("URL_DECODE_PARAM", 1, S("%g1")), "Illegal hex characters");
}

static void geo_distance_validates_and_converts_units(void **state) {
  EQ(CALL("GEO_DISTANCE", 4, D(0), D(0), D(0), D(0)), "0.0");
  EQ(CALL("GEO_DISTANCE", 5, I(0), I(0), I(0), I(180), S("KM")), "20015.086796020572");
  EQ(CALL("GEO_DISTANCE", 5, I(0), I(0), I(0), I(180), S(" mi ")), "12437.565315561991");
  EQ(CALL("GEO_DISTANCE", 5, I(0), I(0), I(0), I(180), NULLS(wy_type_string())),
     "20015.086796020572"); /* a NULL unit is the default, KM */
  EQ(CALL("GEO_DISTANCE", 4, NULLS(wy_type_double()), D(0), D(0), D(0)), "null");
  assert_string_equal(type_text(CALL("GEO_DISTANCE", 4, I(1), BI(2), DEC("3.5"), D(4))), "DOUBLE");
  fails_with(CALL("GEO_DISTANCE", 4, D(90.5), D(0), D(0), D(0)), "valid latitude values");
  fails_with(CALL("GEO_DISTANCE", 4, D(0), D(0), D(0), D(-180.1)), "valid longitude values");
  fails_with(CALL("GEO_DISTANCE", 5, D(0), D(0), D(0), D(0), S("feet")),
             "units parameter must be one of");
}

static void md5_and_byte_conversions(void **state) {
  EQ(CALL("MD5", 1, S("")), "d41d8cd98f00b204e9800998ecf8427e");
  EQ(CALL("MD5", 1, S("The quick brown fox jumps over the lazy dog")),
     "9e107d9d372bb6826bd81d3542a419d6");
  /* 56 bytes: the length no longer fits the first padding block. */
  EQ(CALL("MD5", 1, S("12345678901234567890123456789012345678901234567890123456")),
     "49f193adce178490e34d1b3a4ec0064c");
  EQ(CALL("MD5", 1, NULLS(wy_type_string())), "null");
  EQ(CALL("INT_FROM_BYTES", 1, CALL("TO_BYTES", 2, S("7fffffff"), S("hex"))), "2147483647");
  EQ(CALL("INT_FROM_BYTES", 2, CALL("TO_BYTES", 2, S("00000080"), S("hex")), S("LITTLE_ENDIAN")),
     "-2147483648");
  EQ(CALL("BIGINT_FROM_BYTES", 1, CALL("TO_BYTES", 2, S("8000000000000000"), S("hex"))),
     "-9223372036854775808");
  EQ(CALL("DOUBLE_FROM_BYTES", 1, CALL("TO_BYTES", 2, S("7ff0000000000000"), S("hex"))),
     "Infinity");
  EQ(CALL("INT_FROM_BYTES", 1, NULLS(wy_type_bytes())), "null");
  fails_with(CALL("INT_FROM_BYTES", 1, CALL("TO_BYTES", 2, S("0102"), S("hex"))),
             "Number of bytes must be equal to 4, but found 2");
  fails_with(CALL("BIGINT_FROM_BYTES", 1, CALL("TO_BYTES", 2, S(""), S("hex"))),
             "Number of bytes must be equal to 8, but found 0");
  fails_with(CALL("DOUBLE_FROM_BYTES", 2, CALL("TO_BYTES", 2, S("0000000000000000"), S("hex")),
                  S("NATIVE")),
             "Byte order must be BIG_ENDIAN or LITTLE_ENDIAN");
}

static void string_overloads_and_fixes(void **state) {
  EQ(CALL("CHR", 1, S("\\u0041\\u0062c")), "Abc");
  EQ(CALL("CHR", 1, S("\\ud83d\\ude00")), "😀");
  EQ(CALL("CHR", 1, S("\\ud83d")), "\xEF\xBF\xBD"); /* a lone surrogate: U+FFFD */
  EQ(CALL("CHR", 1, S("\\u41")), "null");           /* fewer than 6 characters */
  fails_with(CALL("CHR", 1, S("\\u00zz")), "Unable to parse unicode value");
  EQ(CALL("CHR", 1, I(0x10FFFF + 1)), "null");
  EQ(CALL("LPAD", 3, S("abc"), I(5), S("")), "null");
  EQ(CALL("RPAD", 3, S("abcdef"), I(2), S("xy")), "ab");
  EQ(CALL("FROM_BYTES", 2,
          CALL("LPAD", 3, CALL("TO_BYTES", 2, S("ff"), S("hex")), I(3),
               CALL("TO_BYTES", 2, S("0102"), S("hex"))),
          S("hex")),
     "0102FF");
  EQ(CALL("SPLIT", 2, S(""), S(",")), "[]");
  EQ(CALL("ARRAY_LENGTH", 1, CALL("SPLIT", 2, S(""), S(","))), "1");
  EQ(CALL("SPLIT_TO_MAP", 3, S("a=1,,b=2=3,c"), S(","), S("=")), "{a=1, b=2}");
  EQ(CALL("SPLIT_TO_MAP", 3, S("a=1"), S("="), S("=")), "null");
  EQ(CALL("ENCODE", 3, S("0x1"), S("hex"), S("base64")), "AQ==");
  EQ(CALL("ENCODE", 3, S("x''"), S("hex"), S("utf8")), "");
}

static void json_items_records_and_contains(void **state) {
  EQ(CALL("JSON_ITEMS", 1, S("[{\"a\": 1}, { }]")), "[{\"a\":1}, {}]");
  EQ(CALL("JSON_ITEMS", 1, S("[{\"a\": 1}, 2]")), "null");
  EQ(CALL("JSON_ITEMS", 1, S("[]")), "[]");
  EQ(CALL("JSON_ITEMS", 1, S("{\"a\": 1}")), "null");
  EQ(CALL("JSON_RECORDS", 1, S("{\"k\": \"v\\n\", \"o\": {\"x\": [1, 2]}, \"k\": 3}")),
     "{k=3, o={\"x\":[1,2]}}");
  EQ(CALL("JSON_RECORDS", 1, S("[1]")), "null");
  EQ(CALL("JSON_RECORDS", 1, S("{\"a\": 1")), "null");
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("[1, 2.0, \"3\", true, null]"), I(1)), "true");
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("[1.0]"), I(1)), "false"); /* a fraction is no INT */
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("[2.0]"), D(2)), "true");
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("[\"a\\u0062\"]"), S("ab")), "true");
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("[[1], {\"a\": 1}]"), I(1)), "false"); /* top level only */
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("[false]"), B(false)), "true");
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("[null]"), NULLS(wy_type_int())), "true");
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("{\"a\": 1}"), I(1)), "false");
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, S("[9223372036854775808]"), BI(INT64_MAX)), "false");
  EQ(CALL("JSON_ARRAY_CONTAINS", 2, NULLS(wy_type_string()), I(1)), "null");
  EQ(CALL("JSON_CONCAT", 2, S("1"), S("{\"a\": 1}")), "[1,{\"a\":1}]");
  EQ(CALL("JSON_CONCAT", 2, S("{\"a\": 1}"), NULLS(wy_type_string())), "null");
  EQ(CALL("JSON_CONCAT", 2, S("[1"), S("[]")), "null");
}

static void series_and_entries(void **state) {
  EQ(CALL("GENERATE_SERIES", 2, I(3), I(1)), "[3, 2, 1]");
  EQ(CALL("GENERATE_SERIES", 3, I(0), I(10), I(4)), "[0, 4, 8]");
  EQ(CALL("GENERATE_SERIES", 3, BI(-1), BI(-7), I(-3)), "[-1, -4, -7]");
  assert_string_equal(type_text(CALL("GENERATE_SERIES", 2, BI(1), I(2))), "ARRAY<BIGINT>");
  EQ(CALL("GENERATE_SERIES", 2, NULLS(wy_type_int()), I(2)), "null");
  fails_with(CALL("GENERATE_SERIES", 3, I(0), I(3), I(0)), "GENERATE_SERIES step cannot be zero");
  fails_with(CALL("GENERATE_SERIES", 3, I(0), I(3), I(-1)), "GENERATE_SERIES step has wrong sign");
  fails_with(CALL("GENERATE_SERIES", 2, BI(0), BI(INT64_MAX)), "longer than");
  EQ(CALL("GENERATE_SERIES", 2, BI(INT64_MAX - 1), BI(INT64_MAX)),
     "[9223372036854775806, 9223372036854775807]");
  wy_expr_t *k[3] = {S("b"), S("a"), S("c")}, *v[3] = {I(2), I(1), NULLS(wy_type_int())};
  EQ(CALL("ENTRIES", 2, wy_expr_map(k, v, 3, 1, 1), B(true)),
     "[Struct{K=a,V=1}, Struct{K=b,V=2}, Struct{K=c}]");
  wy_expr_t *k2[2] = {S("z"), S("y")}, *v2[2] = {S("1"), S("2")};
  EQ(CALL("ENTRIES", 2, wy_expr_map(k2, v2, 2, 1, 1), B(false)),
     "[Struct{K=z,V=1}, Struct{K=y,V=2}]");
  wy_expr_t *k3[1] = {S("z")}, *v3[1] = {S("1")}; /* a map owns its items: new ones */
  assert_string_equal(type_text(CALL("ENTRIES", 2, wy_expr_map(k3, v3, 1, 1, 1), B(false))),
                      "ARRAY<STRUCT<`K` STRING, `V` STRING>>");
}

static void resolution_follows_ksqldb_udf_index(void **state) {
  EQ(CALL("GREATEST", 2, I(1), BI(2)),
     "ERROR: Function 'greatest' cannot be resolved due to ambiguous method parameters "
     "(INTEGER, BIGINT).");
  EQ(CALL("ABS", 1, NUL()),
     "ERROR: Function 'abs' cannot be resolved due to ambiguous method parameters (null).");
  EQ(CALL("LEAST", 2, DEC("1.50"), DEC("-10.5")), "-10.5");
  assert_string_equal(type_text(CALL("LEAST", 2, DEC("1.50"), DEC("-10.5"))), "DECIMAL(4, 2)");
  EQ(CALL("GREATEST", 2, CALL("FROM_DAYS", 1, I(1)), S("1970-01-03")), "1970-01-03");
  /* ksqlDB's words, then the valid alternatives */
  assert_non_null(strstr(run_text(CALL("LEN", 1, I(1))),
                         "ERROR: Function 'len' does not accept parameters (INTEGER).\n"
                         "Valid alternatives are:\nlen(BYTES)\nlen(STRING)"));
  assert_non_null(
      strstr(run_text(CALL("GEO_DISTANCE", 4, S("0"), D(0), D(0), D(0))),
             "ERROR: Function 'geo_distance' does not accept parameters (STRING, DOUBLE, DOUBLE, "
             "DOUBLE).\nValid alternatives are:\n"));
}

/* ROUND ties go toward positive infinity for every type (java.lang.Math.round's rule);
 * ROUND/TRUNC of a DECIMAL without places is DECIMAL(p - s, 0); FLOOR/CEIL keep it. */
static void rounding_follows_ksqldb(void **state) {
  EQ(CALL("ROUND", 2, D(-2.5), I(0)), "-2.0");
  EQ(CALL("ROUND", 2, D(2.5), I(0)), "3.0");
  EQ(CALL("ROUND", 2, D(-0.25), I(1)), "-0.2");
  EQ(CALL("ROUND", 2, D(-0.35), I(1)), "-0.3");
  EQ(CALL("ROUND", 2, D(-0.36), I(1)), "-0.4");
  EQ(CALL("ROUND", 2, D(-250), I(-2)), "-200.0");
  EQ(CALL("ROUND", 1, D(-3.5)), "-3");
  EQ(CALL("ROUND", 1, D(0.49999999999999994)), "0");
  EQ(CALL("ROUND", 1, DEC("-7.50")), "-7");
  EQ(CALL("ROUND", 1, DEC("7.50")), "8");
  EQ(CALL("ROUND", 2, DEC("-7.250"), I(1)), "-7.200");
  assert_string_equal(type_text(CALL("ROUND", 1, DEC("123.456"))), "DECIMAL(3, 0)");
  assert_string_equal(type_text(CALL("TRUNC", 1, DEC("123.456"))), "DECIMAL(3, 0)");
  assert_string_equal(type_text(CALL("ROUND", 1, DEC("0.45"))), "DECIMAL(1, 0)");
  EQ(CALL("TRUNC", 1, DEC("-9.99")), "-9");
  /* One digit more than p - s: the value overflows the result type, as in ksqlDB. */
  fails_with(CALL("ROUND", 1, DEC("9.6")), "overflow");
  assert_string_equal(type_text(CALL("FLOOR", 1, DEC("-4.25"))), "DECIMAL(3, 2)");
  EQ(CALL("FLOOR", 1, DEC("-4.25")), "-5.00");
  EQ(CALL("CEIL", 1, DEC("-4.25")), "-4.00");
  EQ(CALL("CEIL", 1, DEC("4.01")), "5.00");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(url_functions_parse_as_java_net_uri),
      cmocka_unit_test(url_params_encode_as_form_data),
      cmocka_unit_test(geo_distance_validates_and_converts_units),
      cmocka_unit_test(md5_and_byte_conversions),
      cmocka_unit_test(string_overloads_and_fixes),
      cmocka_unit_test(json_items_records_and_contains),
      cmocka_unit_test(series_and_entries),
      cmocka_unit_test(resolution_follows_ksqldb_udf_index),
      cmocka_unit_test(rounding_follows_ksqldb),
  };
  return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
