/* engine/formats KAFKA and NONE codecs, and the format table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine/formats/format.h"

static wy_error_t err;

static wy_format_codec_t *one(wy_format_t f, const char *name, const wy_type_t *t) {
  wy_format_column_t col = {name, t};
  wy_format_schema_t schema = {t ? 1 : 0, &col};
  wy_format_codec_t *c = wy_format_codec_new(f, &schema, NULL, &err);
  wy_type_unref(t);
  return c;
}

static void check_bytes(wy_format_codec_t *c, wy_value_t v, const void *want, size_t n) {
  wy_buf_t b;
  wy_buf_init(&b);
  bool is_null = true;
  assert_int_equal(wy_format_encode(c, &v, &b, &is_null, &err), WY_OK);
  assert_false(is_null);
  assert_int_equal(b.len, n);
  assert_memory_equal(b.data, want, n);
  wy_value_t back;
  wy_arena_t a;
  wy_arena_init(&a, 0);
  assert_int_equal(wy_format_decode(c, b.data, b.len, &a, &back, NULL, &err), WY_OK);
  assert_true(wy_value_equal(&v, &back));
  wy_arena_release(&a);
  wy_buf_free(&b);
}

static void kafka_uses_big_endian_serializers(void **state) {
  (void)state;
  wy_format_codec_t *c = one(WY_FORMAT_KAFKA, "K", wy_type_int());
  assert_true(wy_format_codec_unwrapped(c));
  check_bytes(c, wy_int(0x01020304), "\x01\x02\x03\x04", 4);
  check_bytes(c, wy_int(-2), "\xff\xff\xff\xfe", 4);
  wy_format_codec_destroy(c);
  c = one(WY_FORMAT_KAFKA, "K", wy_type_bigint());
  check_bytes(c, wy_bigint(998877665544332211LL), "\x0d\xdc\xb9\xf1\xcc\xd7\x63\xb3", 8);
  wy_format_codec_destroy(c);
  c = one(WY_FORMAT_KAFKA, "K", wy_type_double());
  check_bytes(c, wy_double(1.5), "\x3f\xf8\0\0\0\0\0\0", 8);
  check_bytes(c, wy_double(-INFINITY), "\xff\xf0\0\0\0\0\0\0", 8);
  wy_format_codec_destroy(c);
  c = one(WY_FORMAT_KAFKA, "K", wy_type_string());
  check_bytes(c, wy_string("h\xc3\xa9", 3), "h\xc3\xa9", 3);
  check_bytes(c, wy_string("", 0), "", 0); /* an empty string is not NULL */
  wy_format_codec_destroy(c);
  c = one(WY_FORMAT_KAFKA, "K", wy_type_bytes());
  check_bytes(c, wy_bytes("\0\1", 2), "\0\1", 2);
  wy_format_codec_destroy(c);
}

static void kafka_rejects_wrong_sizes_with_kafkas_message(void **state) {
  (void)state;
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_value_t v;
  struct {
    const wy_type_t *t;
    const char *msg;
  } cases[] = {
      {wy_type_int(), "Size of data received by IntegerDeserializer is not 4"},
      {wy_type_bigint(), "Size of data received by LongDeserializer is not 8"},
      {wy_type_double(), "Size of data received by DoubleDeserializer is not 8"},
  };
  for (int i = 0; i < 3; i++) {
    wy_format_codec_t *c = one(WY_FORMAT_KAFKA, "COL", cases[i].t);
    assert_int_equal(wy_format_decode(c, "abc", 3, &a, &v, NULL, &err), WY_ERR_DECODE);
    assert_non_null(strstr(err.msg, cases[i].msg));
    assert_non_null(strstr(err.msg, "COL"));
    assert_int_equal(wy_format_decode(c, "", 0, &a, &v, NULL, &err), WY_ERR_DECODE);
    wy_format_codec_destroy(c);
  }
  wy_arena_release(&a);
}

static void kafka_null_and_schema_rules(void **state) {
  (void)state;
  wy_format_codec_t *c = one(WY_FORMAT_KAFKA, "K", wy_type_int());
  wy_buf_t b;
  wy_buf_init(&b);
  bool is_null = false;
  wy_value_t n = wy_null(WY_T_INT);
  assert_int_equal(wy_format_encode(c, &n, &b, &is_null, &err), WY_OK);
  assert_true(is_null);
  wy_format_codec_destroy(c);
  /* No columns: a key-less stream; the bytes are ignored and null is written. */
  c = one(WY_FORMAT_KAFKA, NULL, NULL);
  assert_non_null(c);
  wy_arena_t a;
  wy_arena_init(&a, 0);
  assert_int_equal(wy_format_decode(c, "ignored", 7, &a, NULL, NULL, &err), WY_OK);
  assert_int_equal(wy_format_encode(c, NULL, &b, &is_null, &err), WY_OK);
  assert_true(is_null);
  wy_format_codec_destroy(c);
  assert_null(one(WY_FORMAT_KAFKA, "K", wy_type_boolean()));
  assert_string_equal(err.msg, "The 'KAFKA' format does not support type 'BOOLEAN'");
  assert_null(one(WY_FORMAT_KAFKA, "K", wy_type_decimal(21, 19)));
  assert_non_null(strstr(err.msg, "'DECIMAL'"));
  wy_format_column_t cols[2] = {{"A", wy_type_int()}, {"B", wy_type_int()}};
  wy_format_schema_t two = {2, cols};
  assert_null(wy_format_codec_new(WY_FORMAT_KAFKA, &two, NULL, &err));
  assert_non_null(strstr(err.msg, "only supports a single field"));
  wy_format_options_t wrap = {.wrap_single = WY_WRAP_TRUE};
  wy_format_schema_t single = {1, cols};
  assert_null(wy_format_codec_new(WY_FORMAT_KAFKA, &single, &wrap, &err));
  assert_string_equal(err.msg,
                      "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
  wy_arena_release(&a);
  wy_buf_free(&b);
}

static void none_has_no_columns_and_writes_null(void **state) {
  (void)state;
  assert_null(one(WY_FORMAT_NONE, "K", wy_type_string()));
  assert_string_equal(err.msg,
                      "The 'NONE' format can only be used when no columns are defined. Got: "
                      "[`K` STRING]");
  wy_format_codec_t *c = one(WY_FORMAT_NONE, NULL, NULL);
  wy_arena_t a;
  wy_arena_init(&a, 0);
  bool null_row = true, is_null = false;
  assert_int_equal(
      wy_format_decode(c, "data that should be ignored", 27, &a, NULL, &null_row, &err), WY_OK);
  assert_false(null_row);
  wy_buf_t b;
  wy_buf_init(&b);
  assert_int_equal(wy_format_encode(c, NULL, &b, &is_null, &err), WY_OK);
  assert_true(is_null);
  wy_buf_free(&b);
  wy_arena_release(&a);
  wy_format_codec_destroy(c);
}

static void format_names_round_trip(void **state) {
  (void)state;
  for (int f = 0; f < WY_FORMAT__COUNT; f++) {
    wy_format_t back;
    assert_int_equal(wy_format_from_name_any(wy_format_name((wy_format_t)f), &back, &err), WY_OK);
    assert_int_equal(back, f);
  }
  wy_format_t f;
  /* walleye's own format for internal topics is not one a statement may name */
  assert_int_equal(wy_format_from_name("INTERNAL", &f, &err), WY_ERR_CONFIG);
  assert_string_equal(err.msg, "Unknown format: INTERNAL");
  assert_int_equal(wy_format_from_name_any("internal", &f, &err), WY_OK);
  assert_int_equal(f, WY_FORMAT_INTERNAL);
  assert_int_equal(wy_format_from_name("json", &f, &err), WY_OK);
  assert_int_equal(f, WY_FORMAT_JSON);
  assert_int_equal(wy_format_from_name("FOO", &f, &err), WY_ERR_CONFIG);
  assert_string_equal(err.msg, "Unknown format: FOO");
  assert_string_equal(wy_format_name((wy_format_t)99), "UNKNOWN");
  wy_format_codec_destroy(NULL);
  wy_buf_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(kafka_uses_big_endian_serializers),
      cmocka_unit_test(kafka_rejects_wrong_sizes_with_kafkas_message),
      cmocka_unit_test(kafka_null_and_schema_rules),
      cmocka_unit_test(none_has_no_columns_and_writes_null),
      cmocka_unit_test(format_names_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
