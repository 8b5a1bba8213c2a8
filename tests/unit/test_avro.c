/* engine/formats AVRO: the codec (wire format, resolution, coercions, VALUE_SCHEMA_ID,
 * validatedString, bad bytes) checked against avro-c as an independent implementation,
 * and the schema helpers (generation for sinks, inference for sources, compatibility). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <avro.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/avro.h"
#include "engine/formats/format.h"
#include "engine/registry/registry.h"

static wy_error_t err;
static wy_arena_t arena;

static int setup(void **state) {
  wy_arena_init(&arena, 0);
  return 0;
}
static int teardown(void **state) {
  wy_arena_release(&arena);
  return 0;
}

static wy_format_codec_t *codec(wy_sr_t *r, const char *subject, size_t n,
                                const wy_format_column_t *cols, bool is_key, wy_wrap_t wrap,
                                int32_t schema_id) {
  wy_format_schema_t s = {n, cols};
  wy_format_options_t o = {.is_key = is_key,
                           .wrap_single = wrap,
                           .registry = r,
                           .subject = subject,
                           .schema_id = schema_id};
  return wy_format_codec_new(WY_FORMAT_AVRO, &s, &o, &err);
}

/* Avro binary of one value written by avro-c with the given schema, behind a wire header. */
typedef void (*fill_fn)(avro_value_t *v);
static size_t avroc_write(const char *schema, int32_t id, fill_fn fill, uint8_t *buf, size_t cap) {
  avro_schema_t s;
  assert_int_equal(avro_schema_from_json_length(schema, strlen(schema), &s), 0);
  avro_value_iface_t *iface = avro_generic_class_from_schema(s);
  avro_value_t v;
  assert_int_equal(avro_generic_value_new(iface, &v), 0);
  fill(&v);
  buf[0] = 0;
  buf[1] = (uint8_t)(id >> 24), buf[2] = (uint8_t)(id >> 16), buf[3] = (uint8_t)(id >> 8);
  buf[4] = (uint8_t)id;
  avro_writer_t w = avro_writer_memory((char *)buf + 5, (int64_t)cap - 5);
  assert_int_equal(avro_value_write(w, &v), 0);
  size_t n = (size_t)avro_writer_tell(w) + 5;
  avro_writer_free(w);
  avro_value_decref(&v);
  avro_value_iface_decref(iface);
  avro_schema_decref(s);
  return n;
}

static void set_branch(avro_value_t *v, const char *field, int branch, avro_value_t *out) {
  avro_value_t f;
  assert_int_equal(avro_value_get_by_name(v, field, &f, NULL), 0);
  assert_int_equal(avro_value_set_branch(&f, branch, out), 0);
}

/* ---- schema generation ---- */

static void generated_sink_schema_follows_ksqldb_naming(void **state) {
  wy_type_t *inner = wy_type_struct_new();
  wy_type_struct_add(inner, "ZIP", wy_type_int());
  wy_type_t *addr = wy_type_struct_new();
  wy_type_struct_add(addr, "CITY", wy_type_string());
  wy_type_struct_add(addr, "GEO", inner);
  wy_format_column_t cols[] = {{"ADDRESS", addr}, {"AMOUNT", wy_type_decimal(5, 2)}};
  wy_format_schema_t s = {2, cols};
  char *json;
  assert_int_equal(wy_avro_schema_from_columns(&s, false, "com.acme.Order", &json, &err), WY_OK);
  assert_string_equal(
      json,
      "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":["
      "{\"name\":\"ADDRESS\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Order_ADDRESS\","
      "\"fields\":[{\"name\":\"CITY\",\"type\":[\"null\",\"string\"],\"default\":null},"
      "{\"name\":\"GEO\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Order_ADDRESS_GEO\","
      "\"fields\":[{\"name\":\"ZIP\",\"type\":[\"null\",\"int\"],\"default\":null}],"
      "\"connect.name\":\"com.acme.Order_ADDRESS_GEO\"}],\"default\":null}],"
      "\"connect.name\":\"com.acme.Order_ADDRESS\"}],\"default\":null},"
      "{\"name\":\"AMOUNT\",\"type\":[\"null\",{\"type\":\"bytes\",\"scale\":2,\"precision\":5,"
      "\"connect.version\":1,\"connect.parameters\":{\"scale\":\"2\","
      "\"connect.decimal.precision\":\"5\"},\"connect.name\":"
      "\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}],\"default\":null}],"
      "\"connect.name\":\"com.acme.Order\"}");
  free(json);
  /* An unwrapped primitive is the bare type; the default name is ksqlDB's. */
  assert_int_equal(wy_avro_schema_from_columns(&s, false, NULL, &json, &err), WY_OK);
  assert_non_null(strstr(json,
                         "\"name\":\"KsqlDataSourceSchema\",\"namespace\":"
                         "\"io.confluent.ksql.avro_schemas\""));
  free(json);
  wy_format_column_t one[] = {{"K", wy_type_bigint()}};
  wy_format_schema_t s1 = {1, one};
  assert_int_equal(wy_avro_schema_from_columns(&s1, true, NULL, &json, &err), WY_OK);
  assert_string_equal(json, "\"long\"");
  free(json);
  wy_type_unref(addr);
  wy_type_unref(cols[1].type);
}

static void generation_rejects_what_avro_cannot_hold(void **state) {
  wy_format_column_t bad_name[] = {{"1ABC", wy_type_double()}};
  wy_format_schema_t s = {1, bad_name};
  char *json;
  assert_int_equal(wy_avro_schema_from_columns(&s, false, NULL, &json, &err), WY_ERR_ANALYSIS);
  assert_string_equal(err.msg,
                      "Schema is not compatible with Avro: Illegal initial character: 1ABC");
  wy_format_column_t map[] = {{"M", wy_type_map(wy_type_int(), wy_type_double())}};
  s.cols = map;
  assert_int_equal(wy_avro_schema_from_columns(&s, false, NULL, &json, &err), WY_ERR_UNSUPPORTED);
  assert_string_equal(err.msg, "Avro only supports MAPs with STRING keys");
  assert_null(codec(NULL, NULL, 1, map, false, WY_WRAP_DEFAULT, 0));
  assert_string_equal(err.msg, "Avro only supports MAPs with STRING keys");
  wy_type_unref(map[0].type);
  s.cols = bad_name;
  assert_int_equal(wy_avro_schema_from_columns(&s, false, " ", &json, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "fullSchemaName cannot be empty"));
  char key[128];
  wy_avro_key_schema_name("OUTPUT", key, sizeof key);
  assert_string_equal(key, "io.confluent.ksql.avro_schemas.OutputKey");
  wy_avro_key_schema_name("LEFT_TABLE", key, sizeof key); /* UPPER_UNDERSCORE -> UpperCamel */
  assert_string_equal(key, "io.confluent.ksql.avro_schemas.LeftTableKey");
  wy_avro_key_schema_name("_A__B_", key, sizeof key);
  assert_string_equal(key, "io.confluent.ksql.avro_schemas.ABKey");
  assert_true(wy_avro_key_schema_name("OUTPUT", key, 8) > 8);
  assert_string_equal(key, "");
}

/* ---- inference ---- */

static void infer_columns_maps_avro_types_to_sql(void **state) {
  const char *schema =
      "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
      "{\"name\":\"flag\",\"type\":\"boolean\"},{\"name\":\"n\",\"type\":[\"null\",\"int\"]},"
      "{\"name\":\"big\",\"type\":\"long\"},{\"name\":\"f\",\"type\":\"float\"},"
      "{\"name\":\"suit\",\"type\":{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"A\",\"B\"]}},"
      "{\"name\":\"md5\",\"type\":{\"type\":\"fixed\",\"name\":\"M\",\"size\":16}},"
      "{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
      "\"precision\":6,\"scale\":3}},"
      "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
      "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
      "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
      "{\"name\":\"kv\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\","
      "\"connect.internal.type\":\"MapEntry\",\"fields\":[{\"name\":\"key\",\"type\":\"string\"},"
      "{\"name\":\"value\",\"type\":\"double\"}]}}},"
      "{\"name\":\"sub\",\"type\":{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"x\","
      "\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}},"
      "{\"name\":\"either\",\"type\":[\"null\",\"int\",\"string\"]}]}";
  wy_format_column_t *cols;
  size_t n;
  assert_int_equal(wy_avro_infer_columns(schema, false, false, &cols, &n, &err), WY_OK);
  const char *want[] = {"FLAG BOOLEAN",
                        "N INTEGER",
                        "BIG BIGINT",
                        "F DOUBLE",
                        "SUIT STRING",
                        "MD5 BYTES",
                        "PRICE DECIMAL(6, 3)",
                        "DAY DATE",
                        "AT TIMESTAMP",
                        "TAGS MAP<STRING, BIGINT>",
                        "KV MAP<STRING, DOUBLE>",
                        "SUB STRUCT<`X` ARRAY<STRING>>",
                        "EITHER STRUCT<`INT` INTEGER, `STRING` STRING>"};
  assert_int_equal(n, sizeof want / sizeof *want);
  for (size_t i = 0; i < n; i++) {
    char buf[256], t[200];
    wy_type_format(cols[i].type, t, sizeof t);
    snprintf(buf, sizeof buf, "%s %s", cols[i].name, t);
    assert_string_equal(buf, want[i]);
  }
  wy_format_columns_free(cols, n);
  /* Anonymous: a primitive, or any schema when unwrapped, is one ROWKEY/ROWVAL column. */
  assert_int_equal(wy_avro_infer_columns("{\"type\":\"int\"}", true, true, &cols, &n, &err), WY_OK);
  assert_int_equal(n, 1);
  assert_string_equal(cols[0].name, "ROWKEY");
  wy_format_columns_free(cols, n);
  assert_int_equal(wy_avro_infer_columns(schema, false, true, &cols, &n, &err), WY_OK);
  assert_string_equal(cols[0].name, "ROWVAL");
  assert_int_equal(cols[0].type->kind, WY_T_STRUCT);
  wy_format_columns_free(cols, n);
  assert_int_equal(wy_avro_infer_columns("{\"type\":\"nope\"}", false, false, &cols, &n, &err),
                   WY_ERR_INVALID);
}

/* ---- compatibility ---- */

static void compatibility_follows_resolution_rules(void **state) {
  const char *v1 =
      "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
  const char *v2_default =
      "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\","
      "\"type\":\"long\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}]}";
  const char *v2_nodefault =
      "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\","
      "\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}]}";
  bool ok;
  char why[128];
  assert_int_equal(wy_avro_schema_compatible(v2_default, v1, &ok, why, sizeof why, &err), WY_OK);
  assert_true(ok);
  assert_int_equal(wy_avro_schema_compatible(v2_nodefault, v1, &ok, why, sizeof why, &err), WY_OK);
  assert_false(ok);
  assert_string_equal(why, "field 'b' is missing from the writer and has no default");
  assert_int_equal(wy_avro_schema_compatible(v1, v2_default, &ok, why, sizeof why, &err), WY_OK);
  assert_false(ok); /* long cannot be read as int */
}

/* ---- codec: round trips and avro-c interoperability ---- */

static void round_trip_every_type_through_the_wire_format(void **state) {
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_BACKWARD);
  wy_type_t *st = wy_type_struct_new();
  wy_type_struct_add(st, "A", wy_type_int());
  wy_type_struct_add(st, "B", wy_type_array(wy_type_string()));
  wy_format_column_t cols[] = {{"BO", wy_type_boolean()},
                               {"I", wy_type_int()},
                               {"L", wy_type_bigint()},
                               {"D", wy_type_double()},
                               {"DEC", wy_type_decimal(10, 3)},
                               {"S", wy_type_string()},
                               {"BY", wy_type_bytes()},
                               {"TS", wy_type_timestamp()},
                               {"DA", wy_type_date()},
                               {"TI", wy_type_time()},
                               {"ST", st},
                               {"M", wy_type_map(wy_type_string(), wy_type_double())}};
  size_t n = sizeof cols / sizeof *cols;
  wy_format_codec_t *c = codec(reg, "t-value", n, cols, false, WY_WRAP_DEFAULT, 0);
  assert_non_null(c);
  wy_value_t row[12];
  row[0] = wy_bool(true);
  row[1] = wy_int(-7);
  row[2] = wy_bigint(400000000000LL);
  row[3] = wy_double(1.25);
  row[4] = wy_decimal(-123456, 10, 3);
  row[5] = wy_string("héllo", 6);
  row[6] = wy_bytes("\0\1\2", 3);
  row[7] = wy_timestamp(1605172213000LL);
  row[8] = wy_date(18000);
  row[9] = wy_time(3600000);
  wy_list_t *sl = wy_list_new(&arena, 2), *arr = wy_list_new(&arena, 2);
  arr->items[0] = wy_string("x", 1);
  arr->items[1] = wy_null(WY_T_STRING);
  sl->items[0] = wy_null(WY_T_INT);
  sl->items[1] = wy_array(arr);
  row[10] = wy_struct(sl);
  wy_map_t *m = wy_map_new(&arena, 2);
  m->keys[0] = wy_string("a", 1), m->vals[0] = wy_double(1.5);
  m->keys[1] = wy_string("b", 1), m->vals[1] = wy_null(WY_T_DOUBLE);
  row[11] = wy_mapv(m);
  wy_buf_t out;
  wy_buf_init(&out);
  bool null_record = true;
  assert_int_equal(wy_format_encode(c, row, &out, &null_record, &err), WY_OK);
  assert_false(null_record);
  assert_int_equal(out.data[0], 0);
  assert_int_equal(out.data[4], 1); /* the first schema of a fresh registry */
  wy_value_t back[12];
  bool null_row = true;
  assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, back, &null_row, &err), WY_OK);
  assert_false(null_row);
  for (size_t i = 0; i < n; i++) assert_true(wy_value_equal(&row[i], &back[i]));
  /* All NULL is a record of nulls, not a null row. */
  for (size_t i = 0; i < n; i++) row[i] = wy_null(cols[i].type->kind);
  assert_int_equal(wy_format_encode(c, row, &out, &null_record, &err), WY_OK);
  assert_int_equal(out.len, 5 + n); /* one union index byte per field */
  assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, back, &null_row, &err), WY_OK);
  for (size_t i = 0; i < n; i++) assert_true(back[i].null);
  /* The schema was registered once under the subject. */
  int32_t id;
  const char *text;
  assert_int_equal(wy_sr_latest(reg, "t-value", &id, &text, NULL, &err), WY_OK);
  assert_int_equal(id, 1);
  wy_buf_free(&out);
  wy_format_codec_destroy(c);
  for (size_t i = 0; i < n; i++) wy_type_unref(cols[i].type);
  wy_sr_destroy(reg);
}

static const char *EVOLVED =
    "{\"type\":\"record\",\"name\":\"Click\",\"namespace\":\"com.acme\",\"fields\":["
    "{\"name\":\"extra\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
    "{\"name\":\"userId\",\"type\":\"int\"},"
    "{\"name\":\"page\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"score\",\"type\":\"float\"},"
    "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"K\",\"symbols\":[\"VIEW\",\"BUY\"]}}"
    "]}";

static void fill_evolved(avro_value_t *v) {
  avro_value_t f, b, item;
  assert_int_equal(avro_value_get_by_name(v, "extra", &f, NULL), 0);
  avro_value_append(&f, &item, NULL);
  avro_value_set_long(&item, 99);
  avro_value_get_by_name(v, "userId", &f, NULL);
  avro_value_set_int(&f, 42);
  set_branch(v, "page", 1, &b);
  avro_value_set_string(&b, "/home");
  avro_value_get_by_name(v, "score", &f, NULL);
  avro_value_set_float(&f, 1.1f);
  avro_value_get_by_name(v, "kind", &f, NULL);
  avro_value_set_enum(&f, 1);
}

static void reads_an_evolved_writer_schema_written_by_avro_c(void **state) {
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  assert_int_equal(wy_sr_mem_register_with_id(reg, "clicks-value", WY_SR_AVRO, EVOLVED, 7, &err),
                   WY_OK);
  uint8_t buf[256];
  size_t len = avroc_write(EVOLVED, 7, fill_evolved, buf, sizeof buf);
  /* Reader columns in another order, upper-case, with coercions and a missing field. */
  wy_format_column_t cols[] = {{"KIND", wy_type_string()},
                               {"USERID", wy_type_bigint()},
                               {"SCORE", wy_type_string()},
                               {"PAGE", wy_type_string()},
                               {"MISSING", wy_type_int()}};
  wy_format_codec_t *c = codec(reg, "clicks-value", 5, cols, false, WY_WRAP_DEFAULT, 0);
  assert_non_null(c);
  wy_value_t row[5];
  assert_int_equal(wy_format_decode(c, buf, len, &arena, row, NULL, &err), WY_OK);
  assert_int_equal(row[0].len, 3);
  assert_memory_equal(row[0].u.str, "BUY", 3);
  assert_int_equal(row[1].kind, WY_T_BIGINT);
  assert_int_equal(row[1].u.i64, 42);
  assert_int_equal(row[2].len, 3); /* Float.toString(1.1f) */
  assert_memory_equal(row[2].u.str, "1.1", 3);
  assert_memory_equal(row[3].u.str, "/home", 5);
  assert_true(row[4].null);
  /* The writer schema is fetched once per codec, then cached. */
  uint64_t calls = wy_sr_backend_calls(reg);
  assert_int_equal(wy_format_decode(c, buf, len, &arena, row, NULL, &err), WY_OK);
  assert_int_equal(wy_sr_backend_calls(reg), calls);
  /* A type that cannot be coerced fails the record, naming the field. */
  wy_format_column_t bad[] = {{"USERID", wy_type_boolean()}};
  wy_format_codec_t *cb = codec(reg, "clicks-value", 1, bad, false, WY_WRAP_DEFAULT, 0);
  assert_int_equal(wy_format_decode(cb, buf, len, &arena, row, NULL, &err), WY_ERR_DECODE);
  assert_non_null(
      strstr(err.msg, "field userId: Cannot deserialize Avro type int as type BOOLEAN"));
  wy_format_codec_destroy(cb);
  wy_format_codec_destroy(c);
  for (size_t i = 0; i < 5; i++) wy_type_unref(cols[i].type);
  wy_sr_destroy(reg);
}

static void output_is_readable_by_avro_c(void **state) {
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_format_column_t cols[] = {{"NAME", wy_type_string()}, {"N", wy_type_bigint()}};
  wy_format_codec_t *c = codec(reg, "o-value", 2, cols, false, WY_WRAP_DEFAULT, 0);
  wy_value_t row[2] = {wy_string("bob", 3), wy_bigint(-5)};
  wy_buf_t out;
  wy_buf_init(&out);
  assert_int_equal(wy_format_encode(c, row, &out, NULL, &err), WY_OK);
  const char *text;
  assert_int_equal(wy_sr_get_schema(reg, 1, &text, NULL, &err), WY_OK);
  avro_schema_t s;
  assert_int_equal(avro_schema_from_json_length(text, strlen(text), &s), 0);
  avro_value_iface_t *iface = avro_generic_class_from_schema(s);
  avro_value_t v, f, b;
  avro_generic_value_new(iface, &v);
  avro_reader_t r = avro_reader_memory((const char *)out.data + 5, (int64_t)out.len - 5);
  assert_int_equal(avro_value_read(r, &v), 0);
  avro_value_get_by_name(&v, "NAME", &f, NULL);
  int disc = -1;
  avro_value_get_current_branch(&f, &b);
  avro_value_get_discriminant(&f, &disc);
  assert_int_equal(disc, 1);
  const char *str;
  size_t size;
  avro_value_get_string(&b, &str, &size);
  assert_string_equal(str, "bob");
  avro_value_get_by_name(&v, "N", &f, NULL);
  avro_value_get_current_branch(&f, &b);
  int64_t l = 0;
  avro_value_get_long(&b, &l);
  assert_int_equal(l, -5);
  avro_reader_free(r);
  avro_value_decref(&v);
  avro_value_iface_decref(iface);
  avro_schema_decref(s);
  wy_buf_free(&out);
  wy_format_codec_destroy(c);
  wy_sr_destroy(reg);
}

static void anonymous_values_and_keys(void **state) {
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_format_column_t key[] = {{"K", wy_type_array(wy_type_string())}};
  wy_format_codec_t *c = codec(reg, "t-key", 1, key, true, WY_WRAP_DEFAULT, 0);
  assert_true(wy_format_codec_unwrapped(c));
  wy_value_t v, back;
  wy_buf_t out;
  wy_buf_init(&out);
  bool null_record;
  /* Regression (fuzz): an empty array decoded by a codec that never decoded an item. */
  v = wy_array(wy_list_new(&arena, 0));
  assert_int_equal(wy_format_encode(c, &v, &out, &null_record, &err), WY_OK);
  assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, &back, NULL, &err), WY_OK);
  assert_int_equal(back.u.list->n, 0);
  wy_list_t *l = wy_list_new(&arena, 1);
  l->items[0] = wy_null(WY_T_STRING);
  v = wy_array(l);
  assert_int_equal(wy_format_encode(c, &v, &out, &null_record, &err), WY_OK);
  /* [null] is one block of one item (union index 0), then the end block. */
  assert_int_equal(out.len, 8);
  assert_memory_equal(out.data + 5, "\x02\x00\x00", 3);
  assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, &back, NULL, &err), WY_OK);
  assert_true(wy_value_equal(&v, &back));
  v = wy_null(WY_T_ARRAY);
  assert_int_equal(wy_format_encode(c, &v, &out, &null_record, &err), WY_OK);
  assert_true(null_record);
  wy_format_codec_destroy(c);
  wy_type_unref(key[0].type);
  /* An int written by a producer read as an anonymous STRING value (coercion). */
  assert_int_equal(wy_sr_mem_register_with_id(reg, "v-value", WY_SR_AVRO, "\"int\"", 30, &err),
                   WY_OK);
  wy_format_column_t val[] = {{"FOO", wy_type_string()}};
  c = codec(reg, "v-value", 1, val, false, WY_WRAP_FALSE, 0);
  const uint8_t rec[] = {0, 0, 0, 0, 30, 20}; /* 10, zigzag */
  assert_int_equal(wy_format_decode(c, rec, sizeof rec, &arena, &back, NULL, &err), WY_OK);
  assert_int_equal(back.len, 2);
  assert_memory_equal(back.u.str, "10", 2);
  wy_format_codec_destroy(c);
  wy_buf_free(&out);
  wy_sr_destroy(reg);
}

static void schema_id_sink_writes_the_registered_schema_with_defaults(void **state) {
  const char *physical =
      "{\"type\":\"record\",\"name\":\"T\",\"namespace\":\"x\",\"fields\":["
      "{\"name\":\"eventId\",\"type\":\"string\"},"
      "{\"name\":\"count\",\"type\":\"int\",\"default\":7},"
      "{\"name\":\"opt\",\"type\":\"string\",\"default\":\"foo\"},"
      "{\"name\":\"code\",\"type\":{\"type\":\"string\",\"logicalType\":\"validatedString\","
      "\"pattern\":\"[A-Z]{3}\"},\"default\":\"AAA\"}]}";
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  assert_int_equal(wy_sr_mem_register_with_id(reg, "s-value", WY_SR_AVRO, physical, 102, &err),
                   WY_OK);
  wy_format_column_t cols[] = {
      {"EVENTID", wy_type_string()}, {"count", wy_type_int()}, {"CODE", wy_type_string()}};
  wy_format_codec_t *c = codec(reg, "s-value", 3, cols, false, WY_WRAP_DEFAULT, 102);
  assert_non_null(c);
  wy_value_t row[3] = {wy_string("e1", 2), wy_null(WY_T_INT), wy_string("ABC", 3)};
  wy_buf_t out;
  wy_buf_init(&out);
  assert_int_equal(wy_format_encode(c, row, &out, NULL, &err), WY_OK);
  const uint8_t want[] = {0, 0, 0, 0, 102, 4, 'e', '1', 14, 6, 'f', 'o', 'o', 6, 'A', 'B', 'C'};
  assert_int_equal(out.len, sizeof want);
  assert_memory_equal(out.data, want, sizeof want);
  /* Reading it back with the same columns: opt is not a column, so it is skipped. */
  wy_value_t back[3];
  assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, back, NULL, &err), WY_OK);
  assert_int_equal(back[1].u.i32, 7);
  /* A value breaking the pattern is refused, naming the field and the pattern. */
  row[2] = wy_string("abc1", 4);
  assert_int_equal(wy_format_encode(c, row, &out, NULL, &err), WY_ERR_ENCODE);
  assert_string_equal(err.msg,
                      "Failed to serialize value: field code: 'abc1' does not match the "
                      "validatedString pattern '[A-Z]{3}'");
  /* ... and so is a record carrying one. */
  memcpy(out.data, want, sizeof want);
  out.data[15] = 'b';
  assert_int_equal(wy_format_decode(c, out.data, sizeof want, &arena, back, NULL, &err),
                   WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "field code: 'AbC' does not match the validatedString pattern"));
  wy_buf_free(&out);
  wy_format_codec_destroy(c);
  for (size_t i = 0; i < 3; i++) wy_type_unref(cols[i].type);
  wy_sr_destroy(reg);
}

static void bad_bytes_and_unknown_ids_are_decode_errors(void **state) {
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_format_column_t cols[] = {{"S", wy_type_string()}, {"A", wy_type_array(wy_type_int())}};
  wy_format_codec_t *c = codec(reg, "b-value", 2, cols, false, WY_WRAP_DEFAULT, 0);
  wy_value_t row[2] = {wy_string("abc", 3), wy_null(WY_T_ARRAY)};
  wy_buf_t out;
  wy_buf_init(&out);
  assert_int_equal(wy_format_encode(c, row, &out, NULL, &err), WY_OK);
  wy_value_t back[2];
  assert_int_equal(wy_format_decode(c, "{\"S\":1}", 7, &arena, back, NULL, &err), WY_ERR_DECODE);
  assert_string_equal(err.msg, "Failed to deserialize value: Unknown magic byte!");
  for (size_t cut = 5; cut < out.len; cut++)
    assert_int_equal(wy_format_decode(c, out.data, cut, &arena, back, NULL, &err), WY_ERR_DECODE);
  out.data[4] = 99;
  assert_int_equal(wy_format_decode(c, out.data, out.len, &arena, back, NULL, &err), WY_ERR_DECODE);
  assert_string_equal(err.msg,
                      "Failed to deserialize value: schema id 99 is not in the Schema Registry");
  /* A huge declared length or item count is refused before anything is allocated. */
  const uint8_t huge[] = {0, 0, 0, 0, 1, 2, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  assert_int_equal(wy_format_decode(c, huge, sizeof huge, &arena, back, NULL, &err), WY_ERR_DECODE);
  const uint8_t items[] = {0, 0, 0, 0, 1, 0, 2, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0};
  assert_int_equal(wy_format_decode(c, items, sizeof items, &arena, back, NULL, &err),
                   WY_ERR_DECODE);
  wy_buf_free(&out);
  wy_format_codec_destroy(c);
  for (size_t i = 0; i < 2; i++) wy_type_unref(cols[i].type);
  wy_sr_destroy(reg);
}

static void registry_ids_are_deterministic_and_shared(void **state) {
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_BACKWARD);
  int32_t a, b, c2;
  assert_int_equal(wy_sr_register(reg, "x-value", WY_SR_AVRO, "\"int\"", &a, &err), WY_OK);
  assert_int_equal(wy_sr_register(reg, "y-value", WY_SR_AVRO, "\"int\"", &b, &err), WY_OK);
  assert_int_equal(wy_sr_register(reg, "x-value", WY_SR_AVRO, "\"long\"", &c2, &err), WY_OK);
  assert_int_equal(a, 1);
  assert_int_equal(b, 1);
  assert_int_equal(c2, 2);
  bool ok;
  assert_int_equal(wy_sr_check_compatible(reg, "x-value", WY_SR_AVRO, "\"string\"", &ok, &err),
                   WY_OK);
  assert_false(ok);
  assert_int_equal(wy_sr_register(reg, "x-value", WY_SR_AVRO, "\"string\"", &c2, &err),
                   WY_ERR_CONFIG);
  assert_int_equal(wy_sr_register(reg, "x-value", WY_SR_AVRO, "{\"type\":", &c2, &err),
                   WY_ERR_INVALID);
  assert_int_equal(wy_sr_get_schema(reg, 5, &(const char *){0}, NULL, &err), WY_ERR_NOT_FOUND);
  assert_int_equal(wy_sr_latest(reg, "nope", NULL, NULL, NULL, &err), WY_ERR_NOT_FOUND);
  assert_int_equal(wy_sr_mem_register_with_id(reg, "z", WY_SR_AVRO, "\"double\"", 1, &err),
                   WY_ERR_EXISTS);
  wy_sr_destroy(reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(generated_sink_schema_follows_ksqldb_naming),
      cmocka_unit_test(generation_rejects_what_avro_cannot_hold),
      cmocka_unit_test(infer_columns_maps_avro_types_to_sql),
      cmocka_unit_test(compatibility_follows_resolution_rules),
      cmocka_unit_test(round_trip_every_type_through_the_wire_format),
      cmocka_unit_test(reads_an_evolved_writer_schema_written_by_avro_c),
      cmocka_unit_test(output_is_readable_by_avro_c),
      cmocka_unit_test(anonymous_values_and_keys),
      cmocka_unit_test(schema_id_sink_writes_the_registered_schema_with_defaults),
      cmocka_unit_test(bad_bytes_and_unknown_ids_are_decode_errors),
      cmocka_unit_test(registry_ids_are_deterministic_and_shared),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
