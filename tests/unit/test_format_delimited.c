/* engine/formats DELIMITED codec: Commons CSV reading and quoting, ksqlDB's field
 * parsing and byte-exact output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/formats/format.h"

static wy_arena_t arena;
static wy_error_t err;

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

static wy_format_codec_t *csv(char delim, size_t n, ...) {
  wy_format_column_t cols[16];
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) {
    cols[i].name = va_arg(ap, const char *);
    cols[i].type = va_arg(ap, const wy_type_t *);
  }
  va_end(ap);
  wy_format_schema_t schema = {n, cols};
  wy_format_options_t opts = {.delimiter = delim};
  wy_format_codec_t *c = wy_format_codec_new(WY_FORMAT_DELIMITED, &schema, &opts, &err);
  for (size_t i = 0; i < n; i++) wy_type_unref(cols[i].type);
  return c;
}

static wy_status_t dec(wy_format_codec_t *c, const char *line, wy_value_t *out) {
  return wy_format_decode(c, line, strlen(line), &arena, out, NULL, &err);
}

static void assert_str(const wy_value_t *v, const char *s) {
  assert_false(v->null);
  assert_int_equal(v->len, strlen(s));
  assert_memory_equal(v->u.str, s, v->len);
}

static void assert_line(wy_format_codec_t *c, const wy_value_t *cols, const char *want) {
  wy_buf_t b;
  wy_buf_init(&b);
  bool is_null = true;
  assert_int_equal(wy_format_encode(c, cols, &b, &is_null, &err), WY_OK);
  assert_false(is_null);
  if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
    fail_msg("encoded [%.*s], want [%s]", (int)b.len, b.data, want);
  wy_buf_free(&b);
}

static void decodes_fields_by_type(void **state) {
  (void)state;
  wy_format_codec_t *c =
      csv(0, 8, "ID", wy_type_bigint(), "NAME", wy_type_string(), "V", wy_type_int(), "OK",
          wy_type_boolean(), "D", wy_type_double(), "DEC", wy_type_decimal(6, 4), "TS",
          wy_type_timestamp(), "BY", wy_type_bytes());
  assert_non_null(c);
  wy_value_t v[8];
  assert_int_equal(dec(c, "0,zero,-7,TRUE,1.5e3,12.0,1000,aGk=", v), WY_OK);
  assert_true(v[0].u.i64 == 0);
  assert_str(&v[1], "zero");
  assert_int_equal(v[2].u.i32, -7);
  assert_true(v[3].u.b);
  assert_true(v[4].u.f64 == 1500.0);
  assert_true(v[5].u.dec == 120000 && v[5].scale == 4);
  assert_int_equal(v[6].kind, WY_T_TIMESTAMP);
  assert_true(v[6].u.i64 == 1000);
  assert_memory_equal(v[7].u.str, "hi", 2);
  /* Anything but "true" is false, as Boolean.parseBoolean. Empty fields are NULL. */
  assert_int_equal(dec(c, "\"22\",,,yes,,,,", v), WY_OK);
  assert_true(v[0].u.i64 == 22);
  assert_true(v[1].null && v[2].null && v[4].null && v[5].null && v[7].null);
  assert_false(v[3].u.b);
  assert_int_equal(v[2].kind, WY_T_INT);
  wy_format_codec_destroy(c);
}

static void reads_quoted_fields_like_commons_csv(void **state) {
  (void)state;
  wy_format_codec_t *c = csv(0, 2, "A", wy_type_string(), "B", wy_type_string());
  wy_value_t v[2];
  assert_int_equal(dec(c, "\"a,b\",\"say \"\"hi\"\"\"", v), WY_OK);
  assert_str(&v[0], "a,b");
  assert_str(&v[1], "say \"hi\"");
  /* Quotes inside an unquoted field are literal; spaces are kept. */
  assert_int_equal(dec(c, " x\"y ,  \"q\"", v), WY_OK);
  assert_str(&v[0], " x\"y ");
  assert_str(&v[1], "  \"q\"");
  /* Spaces after a closing quote are allowed; a newline in quotes is data. */
  assert_int_equal(dec(c, "\"multi\nline\"  ,\"\"", v), WY_OK);
  assert_str(&v[0], "multi\nline");
  assert_true(v[1].null); /* a quoted empty field is NULL too */
  /* Only the first record counts; empty lines before it are skipped. */
  assert_int_equal(dec(c, "\r\n\na,b\r\nc,d", v), WY_OK);
  assert_str(&v[0], "a");
  assert_str(&v[1], "b");
  wy_format_codec_destroy(c);
}

static void reports_bad_lines(void **state) {
  (void)state;
  wy_format_codec_t *c = csv(0, 2, "ID", wy_type_int(), "DEC", wy_type_decimal(4, 2));
  wy_value_t v[2];
  assert_int_equal(dec(c, "", v), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "No fields in record"));
  assert_int_equal(dec(c, "1", v), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "expected: 2, got: 1"));
  assert_int_equal(dec(c, "1,2,3", v), WY_ERR_DECODE);
  assert_int_equal(dec(c, "x,1", v), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "column ID"));
  assert_non_null(strstr(err.msg, "\"x\""));
  assert_int_equal(dec(c, "1,1.234", v), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "without rounding"));
  assert_int_equal(dec(c, "\"1,2", v), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "EOF reached before encapsulated token finished"));
  assert_int_equal(dec(c, "\"1\"x,2", v), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "invalid char between encapsulated token and delimiter"));
  /* A broken later line fails the record, as Commons CSV reads every record. */
  assert_int_equal(dec(c, "1,2\n\"3", v), WY_ERR_DECODE);
  wy_format_codec_destroy(c);
}

static void encodes_byte_exact(void **state) {
  (void)state;
  wy_format_codec_t *c =
      csv(0, 3, "ID", wy_type_bigint(), "NAME", wy_type_string(), "V", wy_type_int());
  wy_value_t v[3] = {wy_bigint(0), wy_string("zero", 4), wy_int(0)};
  assert_line(c, v, "0,zero,0");
  v[1] = wy_null(WY_T_STRING);
  assert_line(c, v, "0,,0");
  /* Commons CSV MINIMAL quoting: the first field when it does not start with a letter or
   * digit; any field starting with a char <= '#', holding the delimiter, a quote, CR or
   * LF, or ending with a char <= ' '. */
  v[0] = wy_bigint(-5);
  v[1] = wy_string("a,b", 3);
  assert_line(c, v, "\"-5\",\"a,b\",0");
  v[0] = wy_bigint(5);
  const char *cases[][2] = {{"-x", "-x"},         {" x", "\" x\""}, {"x ", "\"x \""},
                            {"#x", "\"#x\""},     {"$x", "$x"},     {"q\"q", "\"q\"\"q\""},
                            {"l\nl", "\"l\nl\""}, {"", ""},         {"\xc3\xa9", "\xc3\xa9"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char want[32];
    v[1] = wy_string(cases[i][0], strlen(cases[i][0]));
    snprintf(want, sizeof want, "5,%s,0", cases[i][1]);
    assert_line(c, v, want);
  }
  /* An empty first field is quoted so that the line is not empty; NULL is not. */
  wy_format_codec_t *s = csv(0, 2, "S", wy_type_string(), "T", wy_type_string());
  wy_value_t sv[2] = {wy_string("", 0), wy_string("\xc3\xa9", 2)};
  assert_line(s, sv, "\"\",\xc3\xa9");
  sv[0] = wy_null(WY_T_STRING);
  assert_line(s, sv, ",\xc3\xa9");
  sv[0] = wy_string("\xc3\xa9", 2); /* non-ASCII first: not a letter or digit */
  assert_line(s, sv, "\"\xc3\xa9\",\xc3\xa9");
  wy_format_codec_destroy(c);
  wy_format_codec_destroy(s);
}

static void formats_numbers_like_java(void **state) {
  (void)state;
  wy_format_codec_t *c =
      csv('|', 6, "K", wy_type_string(), "D", wy_type_double(), "DEC", wy_type_decimal(33, 16), "B",
          wy_type_boolean(), "BY", wy_type_bytes(), "DT", wy_type_date());
  wy_value_t v[6] = {wy_string("k", 1), wy_double(1e7),    wy_decimal(12, 33, 2),
                     wy_bool(false),    wy_bytes("hi", 2), wy_date(19000)};
  /* A DECIMAL is printed plain at the scale the value carries. */
  assert_line(c, v, "k|1.0E7|0.12|false|aGk=|19000");
  v[1] = wy_double(13.54);
  v[2] = wy_decimal(1200000000000000LL, 33, 16);
  assert_line(c, v, "k|13.54|0.1200000000000000|false|aGk=|19000");
  wy_value_t back[6];
  assert_int_equal(dec(c, "k|0.0|.12|true|aGk=|19000", back), WY_OK);
  assert_true(wy_value_equal(&back[2], &v[2]));
  /* The first field of a line is quoted when it starts with '-', even for numbers. */
  wy_format_codec_t *d = csv(0, 1, "V", wy_type_decimal(33, 16));
  wy_value_t dv;
  assert_int_equal(dec(d, "-12345.12", &dv), WY_OK);
  assert_line(d, &dv, "\"-12345.1200000000000000\"");
  assert_int_equal(dec(d, "\"-12345.12\"", &dv), WY_OK);
  assert_line(d, &dv, "\"-12345.1200000000000000\"");
  wy_format_codec_destroy(c);
  wy_format_codec_destroy(d);
}

static void uses_custom_delimiters(void **state) {
  (void)state;
  char tab, space;
  assert_int_equal(wy_format_parse_delimiter("TAB", &tab, &err), WY_OK);
  assert_int_equal(wy_format_parse_delimiter("space", &space, &err), WY_OK);
  assert_int_equal(tab, '\t');
  assert_int_equal(space, ' ');
  wy_format_codec_t *c = csv(tab, 2, "A", wy_type_string(), "B", wy_type_string());
  wy_value_t v[2];
  assert_int_equal(dec(c, "x,y\tz", v), WY_OK);
  assert_str(&v[0], "x,y");
  assert_line(c, v, "x,y\tz");
  wy_format_codec_destroy(c);
  c = csv(space, 2, "A", wy_type_string(), "B", wy_type_string());
  assert_int_equal(dec(c, "0 zero", v), WY_OK);
  assert_str(&v[1], "zero");
  assert_line(c, v, "0 zero");
  wy_format_codec_destroy(c);
  char d;
  assert_int_equal(wy_format_parse_delimiter("<~>", &d, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "Delimiter must be a single character or TAB,SPACE"));
  assert_int_equal(wy_format_parse_delimiter("", &d, &err), WY_ERR_CONFIG);
  assert_int_equal(wy_format_parse_delimiter(" ", &d, &err), WY_ERR_CONFIG);
  assert_int_equal(wy_format_parse_delimiter("\t", &d, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "please use the special values 'TAB' or 'SPACE'"));
}

static void round_trips_random_rows(void **state) {
  (void)state;
  wy_format_codec_t *c = csv(';', 4, "S", wy_type_string(), "T", wy_type_string(), "D",
                             wy_type_double(), "L", wy_type_bigint());
  static const char alphabet[] = "ab;,\"\r\n #-\t1";
  uint64_t seed = 7;
  wy_buf_t out;
  wy_buf_init(&out);
  for (int i = 0; i < 5000; i++) {
    char s[2][12];
    wy_value_t v[4];
    for (int k = 0; k < 2; k++) {
      size_t n = 1 + (seed >> 3) % 11;
      for (size_t x = 0; x < n; x++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        s[k][x] = alphabet[(seed >> 33) % (sizeof alphabet - 1)];
      }
      v[k] = wy_string(s[k], n);
    }
    double d;
    memcpy(&d, &seed, sizeof d);
    if (d != d) d = 1;
    v[2] = wy_double(d);
    v[3] = wy_bigint((int64_t)seed);
    assert_int_equal(wy_format_encode(c, v, &out, NULL, &err), WY_OK);
    wy_value_t back[4];
    assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, back, NULL, &err), WY_OK);
    for (int k = 0; k < 4; k++)
      if (!wy_value_equal(&v[k], &back[k])) fail_msg("field %d: [%.*s]", k, (int)out.len, out.data);
  }
  wy_buf_free(&out);
  wy_format_codec_destroy(c);
}

static void rejects_nested_types_and_wrapping(void **state) {
  (void)state;
  assert_null(csv(0, 1, "K", wy_type_array(wy_type_double())));
  assert_string_equal(err.msg, "The 'DELIMITED' format does not support type 'ARRAY', column: `K`");
  assert_null(csv(0, 1, "K", wy_type_map(wy_type_string(), wy_type_int())));
  wy_format_column_t col = {"FOO", wy_type_int()};
  wy_format_schema_t schema = {1, &col};
  wy_format_options_t opts = {.wrap_single = WY_WRAP_TRUE};
  assert_null(wy_format_codec_new(WY_FORMAT_DELIMITED, &schema, &opts, &err));
  assert_string_equal(err.msg,
                      "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(decodes_fields_by_type),
      cmocka_unit_test(reads_quoted_fields_like_commons_csv),
      cmocka_unit_test(reports_bad_lines),
      cmocka_unit_test(encodes_byte_exact),
      cmocka_unit_test(formats_numbers_like_java),
      cmocka_unit_test(uses_custom_delimiters),
      cmocka_unit_test(round_trips_random_rows),
      cmocka_unit_test(rejects_nested_types_and_wrapping),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
