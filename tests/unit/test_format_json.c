/* engine/formats JSON codec: ksqlDB's JSON semantics (field matching, coercions,
 * wrapping, nesting, nulls, errors) and byte-exact output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
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

/* A codec over columns given as name/type pairs; types are consumed. */
static wy_format_codec_t *codec(bool key, wy_wrap_t wrap, size_t n, ...) {
  wy_format_column_t cols[16];
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) {
    cols[i].name = va_arg(ap, const char *);
    cols[i].type = va_arg(ap, const wy_type_t *);
  }
  va_end(ap);
  wy_format_schema_t schema = {n, cols};
  wy_format_options_t opts = {.is_key = key, .wrap_single = wrap};
  wy_format_codec_t *c = wy_format_codec_new(WY_FORMAT_JSON, &schema, &opts, &err);
  for (size_t i = 0; i < n; i++) wy_type_unref(cols[i].type);
  return c;
}

static wy_status_t dec(wy_format_codec_t *c, const char *json, wy_value_t *out, bool *null_row) {
  return wy_format_decode(c, json, strlen(json), &arena, out, null_row, &err);
}

static void assert_str(const wy_value_t *v, const char *s) {
  assert_false(v->null);
  assert_int_equal(v->kind, WY_T_STRING);
  assert_int_equal(v->len, strlen(s));
  assert_memory_equal(v->u.str, s, v->len);
}

static void assert_encodes(wy_format_codec_t *c, const wy_value_t *cols, const char *want) {
  wy_buf_t b;
  wy_buf_init(&b);
  bool is_null = true;
  assert_int_equal(wy_format_encode(c, cols, &b, &is_null, &err), WY_OK);
  assert_false(is_null);
  if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
    fail_msg("encoded %.*s, want %s", (int)b.len, b.data, want);
  wy_buf_free(&b);
}

static void decodes_every_primitive_type(void **state) {
  (void)state;
  wy_format_codec_t *c = codec(
      false, WY_WRAP_DEFAULT, 10, "B", wy_type_boolean(), "I", wy_type_int(), "L", wy_type_bigint(),
      "D", wy_type_double(), "DEC", wy_type_decimal(4, 2), "S", wy_type_string(), "BY",
      wy_type_bytes(), "TS", wy_type_timestamp(), "DT", wy_type_date(), "TM", wy_type_time());
  assert_non_null(c);
  assert_false(wy_format_codec_unwrapped(c));
  wy_value_t v[10];
  bool null_row = true;
  const char *json =
      " {\"B\": true, \"I\": 7, \"L\": 10827272222, \"D\": 1.5e2, \"DEC\": 12.3,"
      " \"S\": \"x y\", \"BY\": \"aGk=\", \"TS\": 1000, \"DT\": 19000,"
      " \"TM\": 3600000}\n";
  assert_int_equal(dec(c, json, v, &null_row), WY_OK);
  assert_false(null_row);
  assert_true(v[0].u.b);
  assert_int_equal(v[1].u.i32, 7);
  assert_true(v[2].u.i64 == 10827272222LL);
  assert_true(v[3].u.f64 == 150.0);
  assert_int_equal(v[4].kind, WY_T_DECIMAL);
  assert_true(v[4].u.dec == 1230 && v[4].scale == 2 && v[4].precision == 4);
  assert_str(&v[5], "x y");
  /* No escapes: the string is a slice of the input itself. */
  assert_true(v[5].u.str > json && v[5].u.str < json + strlen(json));
  assert_int_equal(v[6].kind, WY_T_BYTES);
  assert_int_equal(v[6].len, 2);
  assert_memory_equal(v[6].u.str, "hi", 2);
  assert_int_equal(v[7].kind, WY_T_TIMESTAMP);
  assert_true(v[7].u.i64 == 1000);
  assert_int_equal(v[8].kind, WY_T_DATE);
  assert_int_equal(v[8].u.i32, 19000);
  assert_int_equal(v[9].kind, WY_T_TIME);
  assert_int_equal(v[9].u.i32, 3600000);
  wy_format_codec_destroy(c);
}

static void matches_field_names_like_ksqldb(void **state) {
  (void)state;
  wy_format_codec_t *c = codec(false, WY_WRAP_DEFAULT, 3, "ID", wy_type_int(), "lower",
                               wy_type_int(), "NAME", wy_type_string());
  wy_value_t v[3];
  /* Lower-case JSON keys match upper-case columns; a quoted lower-case column only
   * matches exactly; missing fields are NULL. */
  assert_int_equal(dec(c, "{\"id\":1,\"LOWER\":2}", v, NULL), WY_OK);
  assert_int_equal(v[0].u.i32, 1);
  assert_true(v[1].null);
  assert_true(v[2].null);
  assert_int_equal(v[2].kind, WY_T_STRING);
  assert_int_equal(dec(c, "{\"lower\":2}", v, NULL), WY_OK);
  assert_int_equal(v[1].u.i32, 2);
  /* An exact match wins over a case-insensitive one, whatever the order. */
  assert_int_equal(dec(c, "{\"ID\":1,\"id\":2}", v, NULL), WY_OK);
  assert_int_equal(v[0].u.i32, 1);
  assert_int_equal(dec(c, "{\"id\":2,\"ID\":1}", v, NULL), WY_OK);
  assert_int_equal(v[0].u.i32, 1);
  /* Later duplicates replace earlier ones. */
  assert_int_equal(dec(c, "{\"Id\":2,\"iD\":3}", v, NULL), WY_OK);
  assert_int_equal(v[0].u.i32, 3);
  /* Unknown fields, however nested, are skipped. */
  assert_int_equal(
      dec(c, "{\"x\":{\"a\":[1,{\"b\":null},\"]}\"]},\"name\":\"n\",\"y\":[[],{}],\"z\":-0.5e3}", v,
          NULL),
      WY_OK);
  assert_str(&v[2], "n");
  wy_format_codec_destroy(c);
}

static void coerces_values_like_ksqldb(void **state) {
  (void)state;
  wy_format_codec_t *c = codec(false, WY_WRAP_DEFAULT, 6, "I", wy_type_int(), "L", wy_type_bigint(),
                               "D", wy_type_double(), "S", wy_type_string(), "DEC",
                               wy_type_decimal(6, 4), "TS", wy_type_timestamp());
  wy_value_t v[6];
  assert_int_equal(dec(c,
                       "{\"I\":\"123\",\"L\":\"-5\",\"D\":\"12.5\",\"S\":12,\"DEC\":\"1.5\","
                       "\"TS\":\"99\"}",
                       v, NULL),
                   WY_OK);
  assert_int_equal(v[0].u.i32, 123);
  assert_true(v[1].u.i64 == -5);
  assert_true(v[2].u.f64 == 12.5);
  assert_str(&v[3], "12");
  assert_true(v[4].u.dec == 15000);
  assert_true(v[5].u.i64 == 99);
  /* Numbers with fractions truncate into integers; out-of-range integers wrap. */
  assert_int_equal(dec(c, "{\"I\":-1.9,\"L\":2.5e1}", v, NULL), WY_OK);
  assert_int_equal(v[0].u.i32, -1);
  assert_true(v[1].u.i64 == 25);
  assert_int_equal(dec(c, "{\"I\":4294967297}", v, NULL), WY_OK);
  assert_int_equal(v[0].u.i32, 1);
  /* Text of numbers and booleans as Jackson's asText(). */
  const char *texts[][2] = {
      {"1.50", "1.50"}, {"1e3", "1E+3"}, {"-0", "0"}, {"true", "true"}, {"0.0000001", "1E-7"}};
  for (size_t i = 0; i < 5; i++) {
    char json[64];
    snprintf(json, sizeof json, "{\"S\":%s}", texts[i][0]);
    assert_int_equal(dec(c, json, v, NULL), WY_OK);
    assert_str(&v[3], texts[i][1]);
  }
  /* Objects become compact JSON text; arrays become "[a, b]" of element strings. */
  assert_int_equal(
      dec(c, "{\"S\": { \"a\" : [1, \"x\\ty\", null] , \"b\":{} , \"c\":2.50}}", v, NULL), WY_OK);
  assert_str(&v[3], "{\"a\":[1,\"x\\ty\",null],\"b\":{},\"c\":2.50}");
  assert_int_equal(dec(c, "{\"S\":[1, \"b\", null, [2, 3], true]}", v, NULL), WY_OK);
  assert_str(&v[3], "[1, b, null, [2, 3], true]");
  /* A decimal from a JSON number keeps exact digits. */
  assert_int_equal(dec(c, "{\"DEC\":12.3650}", v, NULL), WY_OK);
  assert_true(v[4].u.dec == 123650);
  wy_format_codec_destroy(c);
}

static void reports_type_errors_with_column_and_json_type(void **state) {
  (void)state;
  wy_format_codec_t *c = codec(false, WY_WRAP_DEFAULT, 4, "ID", wy_type_int(), "OK",
                               wy_type_boolean(), "DEC", wy_type_decimal(4, 2), "ST", ({
                                 wy_type_t *st = wy_type_struct_new();
                                 wy_type_struct_add(st, "F", wy_type_array(wy_type_int()));
                                 (const wy_type_t *)st;
                               }));
  wy_value_t v[4];
  assert_int_equal(dec(c, "{\"ID\":\"abc\"}", v, NULL), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "column ID"));
  assert_non_null(strstr(err.msg, "Can't coerce string to type. targetType: INTEGER"));
  assert_int_equal(dec(c, "{\"OK\":1}", v, NULL), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "sourceType: IntNode, requiredType: BOOLEAN"));
  assert_non_null(strstr(err.msg, "path: $.OK"));
  assert_int_equal(dec(c, "{\"OK\":\"true\"}", v, NULL), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "TextNode"));
  assert_int_equal(dec(c, "{\"DEC\":1.234}", v, NULL), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "without rounding"));
  assert_int_equal(dec(c, "{\"DEC\":123.4}", v, NULL), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "Numeric field overflow"));
  assert_int_equal(dec(c, "{\"ST\":{\"f\":[1,2,\"x\"]}}", v, NULL), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "column ST"));
  assert_non_null(strstr(err.msg, "path: $.ST.F[2]"));
  assert_int_equal(dec(c, "[1,2]", v, NULL), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "ArrayNode"));
  wy_format_codec_destroy(c);
}

static void rejects_malformed_json_anywhere(void **state) {
  (void)state;
  wy_format_codec_t *c = codec(false, WY_WRAP_DEFAULT, 1, "A", wy_type_int());
  const char *bad[] = {
      "",
      "   ",
      "{",
      "{\"A\":1",
      "{\"A\":1,}",
      "{\"A\" 1}",
      "{A:1}",
      "{\"A\":01}",
      "{\"A\":1.}",
      "{\"A\":-}",
      "{\"x\":\"\\q\"}",
      "{\"x\":\"a\tb\"}",
      "{\"x\":[1,]}",
      "{\"x\":tru}",
      "{\"x\":\"\\u12\"}",
      "{\"x\":\"\xff\"}",
      "{\"x\":\"\xc3\"}",
      "{\"x\":[1 2]}",
      "{\"x\":{\"a\" 1}}",
      "{'A':1}",
      "{\"A\":1 \"B\":2}",
      "{\"x\":NaN}",
  };
  wy_value_t v[1];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (dec(c, bad[i], v, NULL) != WY_ERR_DECODE) fail_msg("accepted malformed: %s", bad[i]);
  }
  /* Trailing content after the root value is ignored, as Jackson's readTree does. */
  assert_int_equal(dec(c, "{\"A\":5} trailing", v, NULL), WY_OK);
  assert_int_equal(v[0].u.i32, 5);
  /* Deep nesting is refused, not a stack overflow. */
  char deep[5000];
  size_t n = 0;
  n += (size_t)sprintf(deep, "{\"x\":");
  for (int i = 0; i < 2000; i++) deep[n++] = '[';
  deep[n] = '\0';
  assert_int_equal(dec(c, deep, v, NULL), WY_ERR_DECODE);
  wy_format_codec_destroy(c);
}

static void handles_nulls_and_null_rows(void **state) {
  (void)state;
  wy_format_codec_t *w =
      codec(false, WY_WRAP_DEFAULT, 2, "A", wy_type_int(), "B", wy_type_string());
  wy_format_codec_t *u = codec(false, WY_WRAP_FALSE, 1, "A", wy_type_int());
  wy_value_t v[2];
  bool null_row = false;
  assert_int_equal(dec(w, " null ", v, &null_row), WY_OK);
  assert_true(null_row);
  assert_true(v[0].null && v[1].null);
  assert_int_equal(dec(w, "{\"A\":null,\"B\":null}", v, &null_row), WY_OK);
  assert_false(null_row);
  assert_true(v[0].null && v[1].null);
  /* An unwrapped null is a row whose column is NULL, not a null row. */
  assert_int_equal(dec(u, "null", v, &null_row), WY_OK);
  assert_false(null_row);
  assert_true(v[0].null);
  wy_format_codec_destroy(w);
  wy_format_codec_destroy(u);
}

static void unwraps_single_values_and_keys(void **state) {
  (void)state;
  wy_value_t v[2];
  /* Keys: one column is anonymous by default; several are an object. */
  wy_format_codec_t *k1 = codec(true, WY_WRAP_DEFAULT, 1, "K", wy_type_double());
  assert_true(wy_format_codec_unwrapped(k1));
  assert_int_equal(dec(k1, "654.321", v, NULL), WY_OK);
  assert_true(v[0].u.f64 == 654.321);
  wy_value_t kv = wy_double(654.321);
  assert_encodes(k1, &kv, "654.321");
  wy_format_codec_t *k2 =
      codec(true, WY_WRAP_DEFAULT, 2, "K1", wy_type_string(), "K2", wy_type_string());
  assert_false(wy_format_codec_unwrapped(k2));
  assert_int_equal(dec(k2, "{\"K1\":\"foo\",\"k2\":\"bar\"}", v, NULL), WY_OK);
  assert_str(&v[1], "bar");
  /* Values: wrapped by default, unwrapped on request. */
  wy_format_codec_t *vw = codec(false, WY_WRAP_DEFAULT, 1, "V", wy_type_boolean());
  wy_format_codec_t *vu = codec(false, WY_WRAP_FALSE, 1, "V", wy_type_array(wy_type_string()));
  wy_value_t b = wy_bool(true);
  assert_encodes(vw, &b, "{\"V\":true}");
  assert_int_equal(dec(vu, "[\"a\",\"b\",null]", v, NULL), WY_OK);
  assert_int_equal(v[0].u.list->n, 3);
  assert_true(v[0].u.list->items[2].null);
  assert_encodes(vu, v, "[\"a\",\"b\",null]");
  /* A struct key is matched case-insensitively and written with the type's names. */
  wy_type_t *st = wy_type_struct_new();
  wy_type_struct_add(st, "F", wy_type_double());
  wy_format_codec_t *ks = codec(true, WY_WRAP_DEFAULT, 1, "K", (const wy_type_t *)st);
  assert_int_equal(dec(ks, "{\"f\":45.67}", v, NULL), WY_OK);
  assert_encodes(ks, v, "{\"F\":45.67}");
  /* An unwrapped NULL is a null record. */
  wy_buf_t out;
  wy_buf_init(&out);
  bool is_null = false;
  wy_value_t n = wy_null(WY_T_BOOLEAN);
  wy_format_codec_t *vu1 = codec(false, WY_WRAP_FALSE, 1, "V", wy_type_boolean());
  assert_int_equal(wy_format_encode(vu1, &n, &out, &is_null, &err), WY_OK);
  assert_true(is_null);
  assert_int_equal(wy_format_encode(vw, &n, &out, &is_null, &err), WY_OK);
  assert_false(is_null);
  assert_int_equal(out.len, strlen("{\"V\":null}"));
  wy_buf_free(&out);
  wy_format_codec_destroy(k1);
  wy_format_codec_destroy(k2);
  wy_format_codec_destroy(vw);
  wy_format_codec_destroy(vu);
  wy_format_codec_destroy(vu1);
  wy_format_codec_destroy(ks);
}

static void decodes_nested_arrays_maps_and_structs(void **state) {
  (void)state;
  wy_type_t *st = wy_type_struct_new();
  wy_type_struct_add(st, "A", wy_type_int());
  wy_type_struct_add(st, "B", wy_type_array(wy_type_string()));
  wy_format_codec_t *c =
      codec(false, WY_WRAP_DEFAULT, 2, "XS", wy_type_array((const wy_type_t *)st), "M",
            wy_type_map(wy_type_string(), wy_type_array(wy_type_int())));
  wy_value_t v[2];
  assert_int_equal(dec(c,
                       "{\"xs\":[{\"a\":1,\"b\":[\"p\",\"q\"]},null,{\"B\":[]}],"
                       "\"m\":{\"k1\":[1,2],\"k2\":null,\"k1\":[3],\"\\u00e9\":[]}}",
                       v, NULL),
                   WY_OK);
  const wy_list_t *xs = v[0].u.list;
  assert_int_equal(xs->n, 3);
  const wy_list_t *s0 = xs->items[0].u.list;
  assert_int_equal(s0->n, 2);
  assert_int_equal(s0->items[0].u.i32, 1);
  assert_str(&s0->items[1].u.list->items[1], "q");
  assert_true(xs->items[1].null);
  assert_true(xs->items[2].u.list->items[0].null);
  assert_int_equal(xs->items[2].u.list->items[1].u.list->n, 0);
  /* Duplicate map keys: last value (a Java map); the keys in the iteration order of
   * ksqlDB's `new HashMap<>(3)`: buckets é 1, k1 2, k2 3. */
  const wy_map_t *m = v[1].u.map;
  assert_int_equal(m->n, 3);
  assert_str(&m->keys[0], "\xc3\xa9");
  assert_str(&m->keys[1], "k1");
  assert_int_equal(m->vals[1].u.list->n, 1);
  assert_int_equal(m->vals[1].u.list->items[0].u.i32, 3);
  assert_str(&m->keys[2], "k2");
  assert_true(m->vals[2].null);
  assert_encodes(c, v,
                 "{\"XS\":[{\"A\":1,\"B\":[\"p\",\"q\"]},null,{\"A\":null,\"B\":[]}],"
                 "\"M\":{\"\xc3\xa9\":[],\"k1\":[3],\"k2\":null}}");
  /* A large map goes through the hashed de-duplication. */
  char big[8192];
  size_t n = (size_t)sprintf(big, "{\"M\":{");
  for (int i = 0; i < 200; i++)
    n += (size_t)sprintf(big + n, "%s\"k%d\":[%d]", i ? "," : "", i % 100, i);
  sprintf(big + n, "}}");
  assert_int_equal(dec(c, big, v, NULL), WY_OK);
  assert_int_equal(v[1].u.map->n, 100);
  uint32_t k7 = 0;
  while (k7 < 100 &&
         !(v[1].u.map->keys[k7].len == 2 && !memcmp(v[1].u.map->keys[k7].u.str, "k7", 2)))
    k7++;
  assert_true(k7 < 100);
  assert_int_equal(v[1].u.map->vals[k7].u.list->items[0].u.i32, 107);
  wy_format_codec_destroy(c);
}

static void unescapes_strings(void **state) {
  (void)state;
  wy_format_codec_t *c = codec(false, WY_WRAP_FALSE, 1, "S", wy_type_string());
  wy_value_t v[1];
  assert_int_equal(
      dec(c, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u0000\"", v, NULL), WY_OK);
  assert_int_equal(v[0].len, 19);
  assert_memory_equal(v[0].u.str, "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\0", 19);
  wy_format_codec_destroy(c);
}

static void projection_skips_unused_columns(void **state) {
  (void)state;
  wy_format_column_t cols[3] = {
      {"A", wy_type_int()}, {"B", wy_type_int()}, {"C", wy_type_string()}};
  uint8_t used[3] = {1, 0, 1};
  wy_format_schema_t schema = {3, cols};
  wy_format_options_t opts = {.projection = used};
  wy_format_codec_t *c = wy_format_codec_new(WY_FORMAT_JSON, &schema, &opts, &err);
  assert_non_null(c);
  wy_value_t v[3];
  /* B would not convert, but it is not used, so it is skipped and left NULL. */
  assert_int_equal(dec(c, "{\"A\":1,\"B\":\"nope\",\"C\":\"c\"}", v, NULL), WY_OK);
  assert_int_equal(v[0].u.i32, 1);
  assert_true(v[1].null);
  assert_str(&v[2], "c");
  /* Skipped fields must still be well-formed. */
  assert_int_equal(dec(c, "{\"A\":1,\"B\":[1,,2],\"C\":\"c\"}", v, NULL), WY_ERR_DECODE);
  wy_format_codec_destroy(c);
}

static void encodes_like_ksqldb(void **state) {
  (void)state;
  wy_format_codec_t *c = codec(false, WY_WRAP_DEFAULT, 9, "B", wy_type_boolean(), "I",
                               wy_type_int(), "D", wy_type_double(), "DEC", wy_type_decimal(4, 2),
                               "S", wy_type_string(), "BY", wy_type_bytes(), "N", wy_type_bigint(),
                               "TS", wy_type_timestamp(), "SMALL", wy_type_decimal(10, 9));
  wy_value_t v[9] = {wy_bool(false),
                     wy_int(-3),
                     wy_double(2.0),
                     wy_decimal(150, 4, 2),
                     wy_string("q\"\\/\n\x01\x1f\xc3\xa9\x7f", 10),
                     wy_bytes("hi", 2),
                     wy_null(WY_T_BIGINT),
                     wy_timestamp(1600000000000LL),
                     wy_decimal(1, 10, 9)};
  assert_encodes(c, v,
                 "{\"B\":false,\"I\":-3,\"D\":2.0,\"DEC\":1.50,\"S\":\"q\\\"\\\\/\\n\\u0001\\u001F"
                 "\xc3\xa9\x7f\",\"BY\":\"aGk=\",\"N\":null,\"TS\":1600000000000,\"SMALL\":1E-9}");
  /* Non-finite doubles are written as strings and read back. */
  v[2] = wy_double(NAN);
  assert_encodes(c, v,
                 "{\"B\":false,\"I\":-3,\"D\":\"NaN\",\"DEC\":1.50,\"S\":\"q\\\"\\\\/\\n\\u0001"
                 "\\u001F\xc3\xa9\x7f\",\"BY\":\"aGk=\",\"N\":null,\"TS\":1600000000000,"
                 "\"SMALL\":1E-9}");
  wy_format_codec_t *d = codec(false, WY_WRAP_FALSE, 1, "D", wy_type_double());
  wy_value_t x[1];
  assert_int_equal(dec(d, "\"-Infinity\"", x, NULL), WY_OK);
  assert_true(isinf(x[0].u.f64) && x[0].u.f64 < 0);
  x[0] = wy_double(1e10);
  assert_encodes(d, x, "1.0E10");
  /* A value of the wrong kind is an encode error naming the column. */
  v[1] = wy_string("x", 1);
  wy_buf_t out;
  wy_buf_init(&out);
  assert_int_equal(wy_format_encode(c, v, &out, NULL, &err), WY_ERR_ENCODE);
  assert_non_null(strstr(err.msg, "column I"));
  wy_buf_free(&out);
  wy_format_codec_destroy(c);
  wy_format_codec_destroy(d);
}

/* MAP(NULL := v) holds a NULL key: ksqlDB's JSON writes it as the name "null". */
static void encodes_a_null_map_key_as_null_text(void **state) {
  (void)state;
  wy_format_codec_t *c =
      codec(false, WY_WRAP_DEFAULT, 1, "M", wy_type_map(wy_type_string(), wy_type_int()));
  assert_non_null(c);
  wy_map_t *m = wy_map_new(&arena, 2);
  m->keys[0] = wy_string("k", 1);
  m->vals[0] = wy_int(1);
  m->keys[1] = wy_null(WY_T_STRING);
  m->vals[1] = wy_null(WY_T_INT);
  wy_value_t v[1] = {wy_mapv(m)};
  assert_encodes(c, v, "{\"M\":{\"k\":1,\"null\":null}}");
  m->n = 1;
  m->keys[0] = wy_null(WY_T_STRING);
  m->vals[0] = wy_int(-7);
  assert_encodes(c, v, "{\"M\":{\"null\":-7}}");
  wy_format_codec_destroy(c);
}

static void round_trips_encoded_rows(void **state) {
  (void)state;
  wy_type_t *st = wy_type_struct_new();
  wy_type_struct_add(st, "X", wy_type_decimal(10, 3));
  wy_type_struct_add(st, "Y", wy_type_bytes());
  wy_format_codec_t *c = codec(false, WY_WRAP_DEFAULT, 5, "D", wy_type_double(), "S",
                               wy_type_string(), "L", wy_type_bigint(), "ST", (const wy_type_t *)st,
                               "M", wy_type_map(wy_type_string(), wy_type_double()));
  uint64_t seed = 42;
  wy_buf_t out;
  wy_buf_init(&out);
  for (int i = 0; i < 2000; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    double d;
    uint64_t bits = seed;
    memcpy(&d, &bits, sizeof d);
    if (isnan(d)) d = 0.5;
    char s[16];
    for (int k = 0; k < 15; k++) s[k] = (char)(1 + (seed >> (k * 4)) % 127);
    wy_list_t *sl = wy_list_new(&arena, 2);
    sl->items[0] = wy_decimal((wy_int128_t)(int64_t)(seed >> 20) % 1000000000, 10, 3);
    sl->items[1] = wy_bytes(s, (seed >> 7) % 15);
    wy_map_t *m = wy_map_new(&arena, 2);
    m->keys[0] = wy_string("a", 1);
    m->vals[0] = wy_double(-d / 3);
    m->keys[1] = wy_string(s, 3);
    m->vals[1] = wy_null(WY_T_DOUBLE);
    if (m->keys[1].u.str[0] == 'a' && m->keys[1].u.str[1] == 0) m->n = 1;
    wy_value_t row[5] = {wy_double(d), wy_string(s, 15), wy_bigint((int64_t)seed), wy_struct(sl),
                         wy_mapv(m)};
    assert_int_equal(wy_format_encode(c, row, &out, NULL, &err), WY_OK);
    wy_value_t back[5];
    assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, back, NULL, &err), WY_OK);
    for (int k = 0; k < 5; k++)
      if (!wy_value_equal(&row[k], &back[k]))
        fail_msg("column %d differs: %.*s", k, (int)out.len, out.data);
  }
  wy_buf_free(&out);
  wy_format_codec_destroy(c);
}

static void rejects_unsupported_schemas(void **state) {
  (void)state;
  assert_null(codec(false, WY_WRAP_DEFAULT, 1, "M", wy_type_map(wy_type_int(), wy_type_double())));
  assert_string_equal(err.msg, "JSON only supports MAP types with STRING keys");
  assert_null(codec(false, WY_WRAP_DEFAULT, 1, "A",
                    wy_type_array(wy_type_map(wy_type_bigint(), wy_type_int()))));
  assert_null(codec(false, WY_WRAP_FALSE, 2, "A", wy_type_int(), "B", wy_type_int()));
  assert_int_equal(err.code, WY_ERR_CONFIG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(decodes_every_primitive_type),
      cmocka_unit_test(matches_field_names_like_ksqldb),
      cmocka_unit_test(coerces_values_like_ksqldb),
      cmocka_unit_test(reports_type_errors_with_column_and_json_type),
      cmocka_unit_test(rejects_malformed_json_anywhere),
      cmocka_unit_test(handles_nulls_and_null_rows),
      cmocka_unit_test(unwraps_single_values_and_keys),
      cmocka_unit_test(decodes_nested_arrays_maps_and_structs),
      cmocka_unit_test(unescapes_strings),
      cmocka_unit_test(projection_skips_unused_columns),
      cmocka_unit_test(encodes_like_ksqldb),
      cmocka_unit_test(encodes_a_null_map_key_as_null_text),
      cmocka_unit_test(round_trips_encoded_rows),
      cmocka_unit_test(rejects_unsupported_schemas),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
