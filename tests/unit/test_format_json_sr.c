/* engine/formats JSON_SR: the wire header, the codec over the JSON payload, bad records,
 * the JSON Schema generated for sinks, inference of columns from registered schemas,
 * and reader/writer compatibility. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/format.h"
#include "engine/formats/json_sr.h"
#include "engine/registry/registry.h"

static wy_error_t err;
static wy_arena_t arena;

static int setup(void **state) {
  (void)state;
  wy_arena_init(&arena, 0);
  wy_error_clear(&err);
  return 0;
}
static int teardown(void **state) {
  (void)state;
  wy_arena_release(&arena);
  return 0;
}

static wy_format_codec_t *codec(wy_sr_t *r, const char *subject, size_t n,
                                const wy_format_column_t *cols, bool is_key, wy_wrap_t wrap,
                                int32_t schema_id, bool write) {
  wy_format_schema_t s = {n, cols};
  wy_format_options_t o = {.is_key = is_key,
                           .wrap_single = wrap,
                           .registry = r,
                           .subject = subject,
                           .schema_id = schema_id,
                           .register_schema = write};
  return wy_format_codec_new(WY_FORMAT_JSON_SR, &s, &o, &err);
}

static int32_t header_id(const wy_buf_t *b) {
  assert_true(b->len >= 5);
  assert_int_equal(b->data[0], 0);
  return (int32_t)((uint32_t)b->data[1] << 24 | (uint32_t)b->data[2] << 16 |
                   (uint32_t)b->data[3] << 8 | b->data[4]);
}

/* Structural JSON equality of two texts (key order does not matter). */
static void assert_json_eq(const char *expected, const char *actual) {
  json_t *e = json_loads(expected, JSON_DECODE_ANY, NULL),
         *a = json_loads(actual, JSON_DECODE_ANY, NULL);
  assert_non_null(e);
  assert_non_null(a);
  if (!json_equal(e, a)) fail_msg("expected %s\n but was %s", expected, actual);
  json_decref(e);
  json_decref(a);
}

static char *generate(size_t n, const wy_format_column_t *cols, bool unwrapped, const char *title) {
  wy_format_schema_t s = {n, cols};
  char *text = NULL;
  assert_int_equal(wy_json_sr_schema_from_columns(&s, unwrapped, title, &text, &err), WY_OK);
  return text;
}

/* ---- codec ---- */

static void writes_the_registered_id_then_json(void **state) {
  (void)state;
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_format_column_t cols[] = {{"SPEED", wy_type_int()}, {"PLATE", wy_type_string()}};
  wy_format_codec_t *c = codec(reg, "cars-value", 2, cols, false, WY_WRAP_DEFAULT, 0, true);
  assert_non_null(c);
  /* the codec registered its schema as a JSON schema under the subject when built */
  int32_t id;
  const char *text;
  wy_sr_type_t type;
  assert_int_equal(wy_sr_latest(reg, "cars-value", &id, &text, &type, &err), WY_OK);
  assert_int_equal(type, WY_SR_JSON);
  assert_json_eq(
      "{\"type\":\"object\",\"properties\":{"
      "\"SPEED\":{\"connect.index\":0,\"oneOf\":[{\"type\":\"null\"},"
      "{\"type\":\"integer\",\"connect.type\":\"int32\"}]},"
      "\"PLATE\":{\"connect.index\":1,\"oneOf\":[{\"type\":\"null\"},"
      "{\"type\":\"string\"}]}}}",
      text);
  wy_value_t row[] = {wy_int(88), wy_string("K-9 ZZ", 6)};
  wy_buf_t b;
  wy_buf_init(&b);
  bool null_record = true;
  assert_int_equal(wy_format_encode(c, row, &b, &null_record, &err), WY_OK);
  assert_false(null_record);
  assert_int_equal(header_id(&b), id);
  const char *json = "{\"SPEED\":88,\"PLATE\":\"K-9 ZZ\"}";
  assert_int_equal(b.len, 5 + strlen(json));
  assert_memory_equal(b.data + 5, json, strlen(json));
  /* and reads back */
  wy_value_t out[2];
  bool null_row = true;
  assert_int_equal(wy_format_decode(c, b.data, b.len, &arena, out, &null_row, &err), WY_OK);
  assert_false(null_row);
  assert_int_equal(out[0].u.i32, 88);
  assert_int_equal(out[1].len, 6);
  assert_memory_equal(out[1].u.str, "K-9 ZZ", 6);
  wy_buf_free(&b);
  wy_format_codec_destroy(c);
  wy_sr_destroy(reg);
}

static void decodes_with_json_rules_whatever_the_id(void **state) {
  (void)state;
  wy_format_column_t cols[] = {{"PRICE", wy_type_decimal(6, 3)}, {"TAG", wy_type_string()}};
  wy_format_codec_t *c = codec(NULL, NULL, 2, cols, false, WY_WRAP_DEFAULT, 0, false);
  assert_non_null(c);
  /* schema id 4242 is in no registry: ksqlDB's deserializer does not look it up */
  const char rec[] = "\0\0\0\x10\x92{\"price\":2.5,\"tag\":17}";
  wy_value_t out[2];
  assert_int_equal(wy_format_decode(c, rec, sizeof rec - 1, &arena, out, NULL, &err), WY_OK);
  assert_int_equal(out[0].kind, WY_T_DECIMAL);
  assert_int_equal(out[0].scale, 3);
  assert_true(out[0].u.dec == 2500);
  assert_int_equal(out[1].len, 2); /* a number coerced to STRING, as JSON does */
  assert_memory_equal(out[1].u.str, "17", 2);
  /* a JSON null is a null row */
  const char nul[] = "\0\0\0\0\1null";
  bool null_row = false;
  assert_int_equal(wy_format_decode(c, nul, sizeof nul - 1, &arena, out, &null_row, &err), WY_OK);
  assert_true(null_row);
  wy_format_codec_destroy(c);
  wy_type_unref(cols[0].type);
}

static void bad_records_are_decode_errors(void **state) {
  (void)state;
  wy_format_column_t cols[] = {{"N", wy_type_bigint()}};
  wy_format_codec_t *c = codec(NULL, NULL, 1, cols, false, WY_WRAP_DEFAULT, 0, false);
  assert_non_null(c);
  wy_value_t out[1];
  /* plain JSON, without the header */
  const char plain[] = "{\"N\":1}";
  assert_int_equal(wy_format_decode(c, plain, sizeof plain - 1, &arena, out, NULL, &err),
                   WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "magic byte"));
  assert_non_null(strstr(err.msg, "value"));
  /* a header cut short */
  const char shorty[] = "\0\0\0";
  assert_int_equal(wy_format_decode(c, shorty, 3, &arena, out, NULL, &err), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "5-byte"));
  /* an empty record */
  assert_int_equal(wy_format_decode(c, "", 0, &arena, out, NULL, &err), WY_ERR_DECODE);
  /* the header alone, or broken JSON after it */
  const char bare[] = "\0\0\0\0\7";
  assert_int_equal(wy_format_decode(c, bare, 5, &arena, out, NULL, &err), WY_ERR_DECODE);
  const char broken[] = "\0\0\0\0\7{\"N\":";
  assert_int_equal(wy_format_decode(c, broken, sizeof broken - 1, &arena, out, NULL, &err),
                   WY_ERR_DECODE);
  /* a type mismatch names the column */
  const char wrong[] = "\0\0\0\0\7{\"N\":\"many\"}";
  assert_int_equal(wy_format_decode(c, wrong, sizeof wrong - 1, &arena, out, NULL, &err),
                   WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "N"));
  wy_format_codec_destroy(c);
}

static void unwrapped_keys_and_values(void **state) {
  (void)state;
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_format_column_t k[] = {{"ROOM", wy_type_int()}};
  wy_format_codec_t *c = codec(reg, "rooms-key", 1, k, true, WY_WRAP_DEFAULT, 0, true);
  assert_non_null(c);
  assert_true(wy_format_codec_unwrapped(c));
  const char *text;
  assert_int_equal(wy_sr_latest(reg, "rooms-key", NULL, &text, NULL, &err), WY_OK);
  assert_json_eq(
      "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"integer\",\"connect.type\":\"int32\"}]}", text);
  wy_value_t v = wy_int(-7);
  wy_buf_t b;
  wy_buf_init(&b);
  assert_int_equal(wy_format_encode(c, &v, &b, NULL, &err), WY_OK);
  assert_int_equal(b.len, 7);
  assert_memory_equal(b.data + 5, "-7", 2);
  /* a NULL unwrapped value is a null record */
  wy_value_t nv = wy_null(WY_T_INT);
  bool null_record = false;
  assert_int_equal(wy_format_encode(c, &nv, &b, &null_record, &err), WY_OK);
  assert_true(null_record);
  wy_buf_free(&b);
  wy_format_codec_destroy(c);
  /* WRAP_SINGLE_VALUE=false on a value of two columns is refused as JSON refuses it */
  wy_format_column_t two[] = {{"A", wy_type_int()}, {"B", wy_type_int()}};
  assert_null(codec(reg, "x-value", 2, two, false, WY_WRAP_FALSE, 0, false));
  assert_int_equal(err.code, WY_ERR_CONFIG);
  wy_sr_destroy(reg);
}

static void schema_id_sinks_write_that_id(void **state) {
  (void)state;
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  const char *mine = "{\"type\":\"object\",\"properties\":{\"Q\":{\"type\":\"integer\"}}}";
  assert_int_equal(wy_sr_mem_register_with_id(reg, "q-value", WY_SR_JSON, mine, 321, &err), WY_OK);
  assert_int_equal(wy_sr_mem_register_with_id(reg, "a-value", WY_SR_AVRO, "\"long\"", 322, &err),
                   WY_OK);
  wy_format_column_t cols[] = {{"Q", wy_type_bigint()}};
  wy_format_codec_t *c = codec(reg, "q-value", 1, cols, false, WY_WRAP_DEFAULT, 321, true);
  assert_non_null(c);
  wy_value_t v = wy_bigint(5);
  wy_buf_t b;
  wy_buf_init(&b);
  assert_int_equal(wy_format_encode(c, &v, &b, NULL, &err), WY_OK);
  assert_int_equal(header_id(&b), 321);
  assert_memory_equal(b.data + 5, "{\"Q\":5}", 7);
  wy_buf_free(&b);
  wy_format_codec_destroy(c);
  /* an id that is an Avro schema is refused */
  assert_null(codec(reg, "q-value", 1, cols, false, WY_WRAP_DEFAULT, 322, true));
  assert_non_null(strstr(err.msg, "AVRO"));
  /* writing without a registry is a configuration error */
  assert_null(codec(NULL, "q-value", 1, cols, false, WY_WRAP_DEFAULT, 0, true));
  assert_int_equal(err.code, WY_ERR_CONFIG);
  wy_sr_destroy(reg);
}

static void header_reader(void **state) {
  (void)state;
  int32_t id = 0;
  const uint8_t ok[] = {0, 0x7f, 0xff, 0xff, 0xfe, '1'};
  assert_int_equal(wy_json_sr_read_header(ok, sizeof ok, &id, &err), WY_OK);
  assert_int_equal(id, 0x7ffffffe);
  const uint8_t magic[] = {1, 0, 0, 0, 1};
  assert_int_equal(wy_json_sr_read_header(magic, sizeof magic, &id, &err), WY_ERR_DECODE);
}

/* ---- generation ---- */

static void generates_every_type(void **state) {
  (void)state;
  wy_type_t *st = wy_type_struct_new();
  assert_true(wy_type_struct_add(st, "inner", wy_type_boolean()));
  wy_format_column_t cols[] = {
      {"B", wy_type_boolean()},
      {"I", wy_type_int()},
      {"L", wy_type_bigint()},
      {"D", wy_type_double()},
      {"S", wy_type_string()},
      {"Y", wy_type_bytes()},
      {"M", wy_type_decimal(9, 3)},
      {"DT", wy_type_date()},
      {"TM", wy_type_time()},
      {"TS", wy_type_timestamp()},
      {"A", wy_type_array(wy_type_string())},
      {"P", wy_type_map(wy_type_string(), wy_type_bigint())},
      {"R", st},
  };
  size_t n = sizeof cols / sizeof cols[0];
  char *text = generate(n, cols, false, NULL);
  json_t *root = json_loads(text, 0, NULL);
  assert_non_null(root);
  json_t *props = json_object_get(root, "properties");
  assert_int_equal(json_object_size(props), n);
  const char *inner[] = {
      "{\"type\":\"boolean\"}",
      "{\"type\":\"integer\",\"connect.type\":\"int32\"}",
      "{\"type\":\"integer\",\"connect.type\":\"int64\"}",
      "{\"type\":\"number\",\"connect.type\":\"float64\"}",
      "{\"type\":\"string\"}",
      "{\"type\":\"string\",\"connect.type\":\"bytes\"}",
      "{\"type\":\"number\",\"title\":\"org.apache.kafka.connect.data.Decimal\","
      "\"connect.version\":1,\"connect.type\":\"bytes\","
      "\"connect.parameters\":{\"scale\":\"3\",\"connect.decimal.precision\":\"9\"}}",
      "{\"type\":\"integer\",\"title\":\"org.apache.kafka.connect.data.Date\","
      "\"connect.version\":1,\"connect.type\":\"int32\"}",
      "{\"type\":\"integer\",\"title\":\"org.apache.kafka.connect.data.Time\","
      "\"connect.version\":1,\"connect.type\":\"int32\"}",
      "{\"type\":\"integer\",\"title\":\"org.apache.kafka.connect.data.Timestamp\","
      "\"connect.version\":1,\"connect.type\":\"int64\"}",
      "{\"type\":\"array\",\"items\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"string\"}]}}",
      "{\"type\":\"object\",\"connect.type\":\"map\",\"additionalProperties\":{\"oneOf\":["
      "{\"type\":\"null\"},{\"type\":\"integer\",\"connect.type\":\"int64\"}]}}",
      "{\"type\":\"object\",\"properties\":{\"inner\":{\"connect.index\":0,\"oneOf\":["
      "{\"type\":\"null\"},{\"type\":\"boolean\"}]}}}",
  };
  for (size_t i = 0; i < n; i++) {
    json_t *f = json_object_get(props, cols[i].name);
    assert_non_null(f);
    assert_int_equal(json_integer_value(json_object_get(f, "connect.index")), (json_int_t)i);
    json_t *one = json_object_get(f, "oneOf");
    assert_int_equal(json_array_size(one), 2);
    char *null_branch = json_dumps(json_array_get(one, 0), JSON_COMPACT);
    char *got = json_dumps(json_array_get(one, 1), JSON_COMPACT);
    assert_json_eq("{\"type\":\"null\"}", null_branch);
    assert_json_eq(inner[i], got);
    free(null_branch);
    free(got);
  }
  json_decref(root);
  free(text);
  for (size_t i = 0; i < n; i++) wy_type_unref(cols[i].type); /* primitives are static */
}

static void generates_titles_and_refuses_non_string_map_keys(void **state) {
  (void)state;
  wy_format_column_t cols[] = {{"X", wy_type_int()}};
  char *text = generate(1, cols, false, "com.example.Reading");
  json_t *root = json_loads(text, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(root, "title")), "com.example.Reading");
  json_decref(root);
  free(text);
  const wy_type_t *m = wy_type_map(wy_type_int(), wy_type_string());
  wy_format_column_t bad[] = {{"M", wy_type_array(m)}};
  wy_format_schema_t s = {1, bad};
  char *out = NULL;
  assert_int_equal(wy_json_sr_schema_from_columns(&s, false, NULL, &out, &err), WY_ERR_UNSUPPORTED);
  assert_string_equal(err.msg, "JSON only supports MAP types with STRING keys");
  assert_null(out);
  /* the codec refuses it with the same words */
  assert_null(codec(NULL, NULL, 1, bad, false, WY_WRAP_DEFAULT, 0, false));
  assert_string_equal(err.msg, "JSON only supports MAP types with STRING keys");
  wy_type_unref(bad[0].type);
}

/* ---- inference ---- */

static char *columns_text(const wy_format_column_t *cols, size_t n) {
  static char buf[1024];
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    char t[256];
    wy_type_format(cols[i].type, t, sizeof t);
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %s", i ? ", " : "", cols[i].name, t);
  }
  return buf;
}

static void expect_columns(const char *schema, bool is_key, bool unwrapped, const char *want) {
  wy_format_column_t *cols = NULL;
  size_t n = 0;
  if (wy_json_sr_infer_columns(schema, is_key, unwrapped, &cols, &n, &err) != WY_OK)
    fail_msg("inference of %s failed: %s", schema, err.msg);
  assert_string_equal(columns_text(cols, n), want);
  wy_json_sr_columns_free(cols, n);
}

static void infers_columns(void **state) {
  (void)state;
  /* connect.index orders the columns; names are upper-cased */
  expect_columns(
      "{\"type\":\"object\",\"properties\":{"
      "\"late\":{\"connect.index\":1,\"type\":\"string\"},"
      "\"early\":{\"connect.index\":0,\"oneOf\":[{\"type\":\"null\"},"
      "{\"type\":\"integer\",\"connect.type\":\"int32\"}]}}}",
      false, false, "EARLY INTEGER, LATE STRING");
  /* plain draft-7: integer is BIGINT, number DOUBLE, document order */
  expect_columns(
      "{\"type\":\"object\",\"properties\":{\"z\":{\"type\":\"number\"},"
      "\"a\":{\"type\":\"integer\"},\"f\":{\"type\":\"boolean\"}}}",
      false, false, "Z DOUBLE, A BIGINT, F BOOLEAN");
  /* type arrays, enums, bytes, Connect logical types */
  expect_columns(
      "{\"type\":\"object\",\"properties\":{"
      "\"n\":{\"type\":[\"null\",\"string\"]},"
      "\"e\":{\"enum\":[\"on\",\"off\"]},"
      "\"b\":{\"type\":\"string\",\"connect.type\":\"bytes\"},"
      "\"d\":{\"type\":\"number\",\"title\":\"org.apache.kafka.connect.data.Decimal\","
      "\"connect.type\":\"bytes\",\"connect.parameters\":{\"scale\":\"1\","
      "\"connect.decimal.precision\":\"5\"}},"
      "\"day\":{\"type\":\"integer\",\"title\":\"org.apache.kafka.connect.data.Date\","
      "\"connect.type\":\"int32\"},"
      "\"at\":{\"type\":\"integer\","
      "\"title\":\"org.apache.kafka.connect.data.Timestamp\"}}}",
      false, false, "N STRING, E STRING, B BYTES, D DECIMAL(5, 1), DAY DATE, AT TIMESTAMP");
  /* arrays, both map encodings, nested objects, $ref to definitions */
  expect_columns(
      "{\"type\":\"object\",\"definitions\":{\"pt\":{\"type\":\"object\","
      "\"properties\":{\"x\":{\"type\":\"integer\",\"connect.type\":\"int16\"}}}},"
      "\"properties\":{"
      "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
      "\"m1\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"number\"}},"
      "\"m2\":{\"type\":\"array\",\"connect.type\":\"map\",\"items\":{\"type\":\"object\","
      "\"properties\":{\"key\":{\"type\":\"string\"},\"value\":{\"type\":\"boolean\"}}}},"
      "\"where\":{\"$ref\":\"#/definitions/pt\"}}}",
      false, false,
      "TAGS ARRAY<STRING>, M1 MAP<STRING, DOUBLE>, M2 MAP<STRING, BOOLEAN>, "
      "WHERE STRUCT<`X` INTEGER>");
  /* anonymous keys and values: one ROWKEY / ROWVAL column */
  expect_columns(
      "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"integer\",\"connect.type\":\"int32\"}]}", true,
      true, "ROWKEY INTEGER");
  expect_columns("{\"type\":\"object\",\"properties\":{\"F1\":{\"type\":\"string\"}}}", true, true,
                 "ROWKEY STRUCT<`F1` STRING>");
  expect_columns("{\"type\":\"array\",\"items\":{\"type\":\"number\"}}", false, false,
                 "ROWVAL ARRAY<DOUBLE>");
  /* an optional object value is its fields */
  expect_columns(
      "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\",\"properties\":{"
      "\"q\":{\"type\":\"boolean\"}}}]}",
      false, false, "Q BOOLEAN");
}

static void inference_failures(void **state) {
  (void)state;
  wy_format_column_t *cols = NULL;
  size_t n = 0;
  assert_int_equal(wy_json_sr_infer_columns("{not json", false, false, &cols, &n, &err),
                   WY_ERR_INVALID);
  assert_int_equal(wy_json_sr_infer_columns("{\"type\":\"null\"}", false, false, &cols, &n, &err),
                   WY_ERR_UNSUPPORTED);
  assert_int_equal(wy_json_sr_infer_columns("{\"type\":\"array\"}", false, false, &cols, &n, &err),
                   WY_ERR_UNSUPPORTED);
  assert_non_null(strstr(err.msg, "items"));
  assert_int_equal(
      wy_json_sr_infer_columns("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/nope\"}}}",
                               false, false, &cols, &n, &err),
      WY_ERR_INVALID);
  assert_int_equal(
      wy_json_sr_infer_columns("{\"type\":\"object\",\"properties\":{"
                               "\"a\":{\"type\":\"string\"},\"A\":{\"type\":\"string\"}}}",
                               false, false, &cols, &n, &err),
      WY_ERR_ANALYSIS);
  /* "$ref"s that double at every level would expand to 2^64 types: refused */
  assert_int_equal(wy_json_sr_infer_columns("{\"type\":\"object\",\"properties\":{"
                                            "\"a\":{\"$ref\":\"#\"},\"b\":{\"$ref\":\"#\"}}}",
                                            false, false, &cols, &n, &err),
                   WY_ERR_UNSUPPORTED);
  bool ok = true;
  const char *twice =
      "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#\"},"
      "\"b\":{\"$ref\":\"#\"}}}";
  assert_int_equal(wy_json_sr_schema_compatible(twice, twice, &ok, NULL, 0, &err), WY_OK);
  assert_null(cols);
  assert_int_equal(n, 0);
}

static void generated_schemas_infer_back_to_their_columns(void **state) {
  (void)state;
  wy_type_t *st = wy_type_struct_new();
  assert_true(wy_type_struct_add(st, "LAT", wy_type_double()));
  assert_true(wy_type_struct_add(st, "TAGS", wy_type_array(wy_type_bytes())));
  wy_format_column_t cols[] = {
      {"ID", wy_type_bigint()},
      {"AMOUNT", wy_type_decimal(12, 2)},
      {"SEEN", wy_type_timestamp()},
      {"WHERE", st},
      {"ATTRS", wy_type_map(wy_type_string(), wy_type_time())},
  };
  char *text = generate(5, cols, false, NULL);
  wy_format_column_t *back = NULL;
  size_t n = 0;
  assert_int_equal(wy_json_sr_infer_columns(text, false, false, &back, &n, &err), WY_OK);
  assert_int_equal(n, 5);
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(back[i].name, cols[i].name);
    assert_true(wy_type_equal(back[i].type, cols[i].type));
  }
  wy_json_sr_columns_free(back, n);
  free(text);
  for (size_t i = 0; i < 5; i++) wy_type_unref(cols[i].type);
}

/* ---- compatibility ---- */

static bool compatible(const char *reader, const char *writer, char *why, size_t cap) {
  bool ok = false;
  assert_int_equal(wy_json_sr_schema_compatible(reader, writer, &ok, why, cap, &err), WY_OK);
  return ok;
}

#define OPT_INT "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"integer\"}]}"
#define OBJ(props) "{\"type\":\"object\",\"properties\":{" props "}}"
#define CLOSED(props) \
  "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" props "}}"

static void compatibility_rules(void **state) {
  (void)state;
  char why[256];
  /* the same schema */
  assert_true(compatible(OBJ("\"a\":" OPT_INT), OBJ("\"a\":" OPT_INT), why, sizeof why));
  /* integer widens to number, not the reverse */
  assert_true(compatible("{\"type\":\"number\"}", "{\"type\":\"integer\"}", why, sizeof why));
  assert_false(compatible("{\"type\":\"integer\"}", "{\"type\":\"number\"}", why, sizeof why));
  assert_non_null(strstr(why, "TYPE_NARROWED"));
  assert_false(compatible("{\"type\":\"string\"}", "{\"type\":\"boolean\"}", why, sizeof why));
  assert_non_null(strstr(why, "TYPE_CHANGED"));
  /* required -> optional is fine; optional -> required is not */
  assert_true(compatible(OPT_INT, "{\"type\":\"integer\"}", why, sizeof why));
  assert_false(compatible("{\"type\":\"integer\"}", OPT_INT, why, sizeof why));
  /* a property added by the reader: not over an open writer, fine over a closed one
   * unless required */
  assert_false(
      compatible(OBJ("\"a\":" OPT_INT ",\"b\":" OPT_INT), OBJ("\"a\":" OPT_INT), why, sizeof why));
  assert_non_null(strstr(why, "/properties/b"));
  assert_true(compatible(CLOSED("\"a\":" OPT_INT ",\"b\":" OPT_INT), CLOSED("\"a\":" OPT_INT), why,
                         sizeof why));
  assert_false(
      compatible("{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"b\"],"
                 "\"properties\":{\"a\":" OPT_INT ",\"b\":" OPT_INT "}}",
                 CLOSED("\"a\":" OPT_INT), why, sizeof why));
  /* a property dropped by the reader: fine when open, not when closed */
  assert_true(
      compatible(OBJ("\"a\":" OPT_INT), OBJ("\"a\":" OPT_INT ",\"b\":" OPT_INT), why, sizeof why));
  assert_false(compatible(CLOSED("\"a\":" OPT_INT), CLOSED("\"a\":" OPT_INT ",\"b\":" OPT_INT), why,
                          sizeof why));
  /* nested: array items and properties compare recursively */
  assert_false(compatible(OBJ("\"xs\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}"),
                          OBJ("\"xs\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}"), why,
                          sizeof why));
  assert_non_null(strstr(why, "/properties/xs/items"));
  /* a schema that is not JSON */
  bool ok;
  assert_int_equal(wy_json_sr_schema_compatible("{", OPT_INT, &ok, why, sizeof why, &err),
                   WY_ERR_INVALID);
  /* through the generic entry point */
  assert_int_equal(wy_format_sr_compatible(WY_SR_JSON, "{\"type\":\"integer\"}",
                                           "{\"type\":\"string\"}", &ok, why, sizeof why, &err),
                   WY_OK);
  assert_false(ok);
}

static void ksqldb_sink_evolution(void **state) {
  (void)state;
  /* ksqlDB's own sink schemas (open objects of optional properties): dropping a column
   * is BACKWARD compatible, adding one is not (Confluent's open content model rule) */
  wy_format_column_t v1[] = {{"A", wy_type_int()}, {"B", wy_type_string()}};
  wy_format_column_t v2[] = {{"A", wy_type_int()}};
  wy_format_column_t v3[] = {{"A", wy_type_bigint()}, {"B", wy_type_string()}};
  char *s1 = generate(2, v1, false, NULL), *s2 = generate(1, v2, false, NULL),
       *s3 = generate(2, v3, false, NULL);
  char why[256];
  assert_true(compatible(s2, s1, why, sizeof why));
  assert_false(compatible(s1, s2, why, sizeof why));
  /* INT -> BIGINT stays "integer" in JSON Schema */
  assert_true(compatible(s3, s1, why, sizeof why));
  free(s1);
  free(s2);
  free(s3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(writes_the_registered_id_then_json, setup, teardown),
      cmocka_unit_test_setup_teardown(decodes_with_json_rules_whatever_the_id, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_records_are_decode_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(unwrapped_keys_and_values, setup, teardown),
      cmocka_unit_test_setup_teardown(schema_id_sinks_write_that_id, setup, teardown),
      cmocka_unit_test_setup_teardown(header_reader, setup, teardown),
      cmocka_unit_test_setup_teardown(generates_every_type, setup, teardown),
      cmocka_unit_test_setup_teardown(generates_titles_and_refuses_non_string_map_keys, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(infers_columns, setup, teardown),
      cmocka_unit_test_setup_teardown(inference_failures, setup, teardown),
      cmocka_unit_test_setup_teardown(generated_schemas_infer_back_to_their_columns, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(compatibility_rules, setup, teardown),
      cmocka_unit_test_setup_teardown(ksqldb_sink_evolution, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
