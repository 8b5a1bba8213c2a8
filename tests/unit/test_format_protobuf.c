/* engine/formats PROTOBUF and PROTOBUF_NOSR: the wire codec against hand-encoded proto3
 * bytes (the encoding spec is the independent oracle), round trips of every type,
 * proto3 defaults and nullable representations, the Confluent header and message
 * indexes, and bad records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/decimal.h"
#include "engine/formats/format.h"
#include "engine/registry/registry.h"

static wy_error_t err;
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

static wy_format_codec_t *nosr(size_t n, const wy_format_column_t *cols, int nullable) {
  wy_format_schema_t s = {n, cols};
  wy_format_options_t o = {.pb_nullable = nullable};
  wy_format_codec_t *c = wy_format_codec_new(WY_FORMAT_PROTOBUF_NOSR, &s, &o, &err);
  assert_non_null(c);
  return c;
}

static wy_format_codec_t *sr_codec(wy_sr_t *r, const char *subject, size_t n,
                                   const wy_format_column_t *cols, int32_t id, const char *full,
                                   bool writer) {
  wy_format_schema_t s = {n, cols};
  wy_format_options_t o = {.registry = r,
                           .subject = subject,
                           .schema_id = id,
                           .full_schema_name = full,
                           .register_schema = writer};
  return wy_format_codec_new(WY_FORMAT_PROTOBUF, &s, &o, &err);
}

/* The test's column types (composite ones are references to drop). */
static void free_cols(const wy_format_column_t *cols, size_t n) {
  for (size_t i = 0; i < n; i++) wy_type_unref(cols[i].type);
}

static void encode(wy_format_codec_t *c, const wy_value_t *row, wy_buf_t *out) {
  bool null_record = false;
  assert_int_equal(wy_format_encode(c, row, out, &null_record, &err), WY_OK);
  assert_false(null_record);
}

static void assert_bytes(const wy_buf_t *b, const uint8_t *want, size_t n) {
  assert_int_equal(b->len, n);
  assert_memory_equal(b->data, want, n);
}

/* ---- the encoding, byte for byte ---- */

static void test_known_bytes(void **state) {
  (void)state;
  wy_format_column_t cols[] = {{"A", wy_type_int()}, {"B", wy_type_string()}};
  wy_format_codec_t *c = nosr(2, cols, 0);
  wy_buf_t b;
  wy_buf_init(&b);
  /* the protobuf documentation's example: field 1 = 150 is 08 96 01 */
  wy_value_t row[2] = {wy_int(150), wy_string("hi", 2)};
  encode(c, row, &b);
  const uint8_t want[] = {0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i'};
  assert_bytes(&b, want, sizeof want);
  /* a negative int32 is a 10-byte varint; defaults are left out */
  wy_value_t row2[2] = {wy_int(-2), wy_string("", 0)};
  encode(c, row2, &b);
  const uint8_t want2[] = {0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  assert_bytes(&b, want2, sizeof want2);
  wy_value_t out[2];
  assert_int_equal(wy_format_decode(c, b.data, b.len, &arena, out, NULL, &err), WY_OK);
  assert_int_equal(out[0].u.i32, -2);
  assert_int_equal(out[1].len, 0);
  assert_false(out[1].null);
  wy_buf_free(&b);
  wy_format_codec_destroy(c);
}

static void test_repeated_packed_and_unpacked(void **state) {
  (void)state;
  wy_format_column_t cols[] = {{"XS", wy_type_array(wy_type_bigint())}, {"N", wy_type_int()}};
  wy_format_codec_t *c = nosr(2, cols, 0);
  wy_value_t items[3] = {wy_bigint(3), wy_bigint(270), wy_bigint(86942)};
  wy_list_t l = {3, items};
  wy_value_t row[2] = {wy_array(&l), wy_int(0)};
  wy_buf_t b;
  wy_buf_init(&b);
  encode(c, row, &b);
  const uint8_t packed[] = {0x0a, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05};
  assert_bytes(&b, packed, sizeof packed);
  /* unpacked elements, interleaved with another field, and an unknown field 9 */
  const uint8_t unpacked[] = {0x08, 0x07, 0x10, 0x05, 0x4a, 0x01, 'z', 0x08, 0x09};
  wy_value_t out[2];
  assert_int_equal(wy_format_decode(c, unpacked, sizeof unpacked, &arena, out, NULL, &err), WY_OK);
  assert_int_equal(out[0].u.list->n, 2);
  assert_int_equal(out[0].u.list->items[0].u.i64, 7);
  assert_int_equal(out[0].u.list->items[1].u.i64, 9);
  assert_int_equal(out[1].u.i32, 5);
  wy_buf_free(&b);
  wy_format_codec_destroy(c);
  free_cols(cols, 2);
}

/* ---- every type, both ways ---- */

static void test_round_trip_every_type(void **state) {
  (void)state;
  wy_type_t *st = wy_type_struct_new();
  assert_true(wy_type_struct_add(st, "X", wy_type_int()));
  assert_true(wy_type_struct_add(st, "Y", wy_type_string()));
  wy_format_column_t cols[] = {
      {"I", wy_type_int()},
      {"L", wy_type_bigint()},
      {"D", wy_type_double()},
      {"B", wy_type_boolean()},
      {"S", wy_type_string()},
      {"BY", wy_type_bytes()},
      {"DEC", wy_type_decimal(6, 2)},
      {"TS", wy_type_timestamp()},
      {"DT", wy_type_date()},
      {"TM", wy_type_time()},
      {"AR", wy_type_array(wy_type_string())},
      {"MP", wy_type_map(wy_type_string(), wy_type_double())},
      {"ST", st},
  };
  size_t n = sizeof cols / sizeof cols[0];
  wy_value_t strs[2] = {wy_string("north", 5), wy_string("", 0)};
  wy_list_t arr = {2, strs};
  wy_value_t mk[2] = {wy_string("k1", 2), wy_string("k2", 2)};
  wy_value_t mv[2] = {wy_double(-0.5), wy_double(1e300)};
  wy_map_t mp = {2, mk, mv};
  wy_value_t sv[2] = {wy_int(-77), wy_string("pier", 4)};
  wy_list_t sl = {2, sv};
  wy_value_t row[] = {wy_int(INT32_MIN),
                      wy_bigint(INT64_MAX),
                      wy_double(3.25),
                      wy_bool(true),
                      wy_string("gr\xc3\xbc\xc3\x9f", 6),
                      wy_bytes("\x00\xff", 2),
                      wy_decimal(-12345, 6, 2),
                      wy_timestamp(-1500),
                      wy_date(-719162),
                      wy_time(86399999),
                      wy_array(&arr),
                      wy_mapv(&mp),
                      wy_struct(&sl)};
  for (int rep = 0; rep < 3; rep++) {
    wy_format_codec_t *c = nosr(n, cols, rep);
    wy_buf_t b;
    wy_buf_init(&b);
    encode(c, row, &b);
    wy_value_t out[13];
    assert_int_equal(wy_format_decode(c, b.data, b.len, &arena, out, NULL, &err), WY_OK);
    assert_int_equal(out[0].u.i32, INT32_MIN);
    assert_true(out[1].u.i64 == INT64_MAX);
    assert_true(out[2].u.f64 == 3.25);
    assert_true(out[3].u.b);
    assert_int_equal(out[4].len, 6);
    assert_memory_equal(out[4].u.str, "gr\xc3\xbc\xc3\x9f", 6);
    assert_int_equal(out[5].len, 2);
    assert_memory_equal(out[5].u.str, "\x00\xff", 2);
    assert_true(out[6].u.dec == -12345 && out[6].scale == 2);
    assert_true(out[7].u.i64 == -1500);
    assert_int_equal(out[8].u.i32, -719162); /* 0001-01-01 */
    assert_int_equal(out[9].u.i32, 86399999);
    assert_int_equal(out[10].u.list->n, 2);
    assert_int_equal(out[10].u.list->items[1].len, 0);
    assert_int_equal(out[11].u.map->n, 2);
    assert_true(out[11].u.map->vals[0].u.f64 == -0.5 && out[11].u.map->vals[1].u.f64 == 1e300);
    assert_int_equal(out[12].u.list->items[0].u.i32, -77);
    assert_memory_equal(out[12].u.list->items[1].u.str, "pier", 4);
    wy_buf_free(&b);
    wy_format_codec_destroy(c);
  }
  free_cols(cols, n);
}

/* ---- defaults and NULLs by representation ---- */

static void test_defaults_and_nulls(void **state) {
  (void)state;
  wy_type_t *st = wy_type_struct_new();
  assert_true(wy_type_struct_add(st, "Q", wy_type_int()));
  wy_format_column_t cols[] = {{"I", wy_type_int()},
                               {"S", wy_type_string()},
                               {"B", wy_type_boolean()},
                               {"A", wy_type_array(wy_type_int())},
                               {"M", wy_type_map(wy_type_string(), wy_type_int())},
                               {"T", wy_type_timestamp()},
                               {"ST", st}};
  wy_value_t nulls[7] = {wy_null(WY_T_INT),   wy_null(WY_T_STRING), wy_null(WY_T_BOOLEAN),
                         wy_null(WY_T_ARRAY), wy_null(WY_T_MAP),    wy_null(WY_T_TIMESTAMP),
                         wy_null(WY_T_STRUCT)};
  /* plain proto3 fields: NULL is written as nothing and reads back as the default */
  wy_format_codec_t *c = nosr(7, cols, 0);
  wy_buf_t b;
  wy_buf_init(&b);
  encode(c, nulls, &b);
  assert_int_equal(b.len, 0);
  wy_value_t out[7];
  assert_int_equal(wy_format_decode(c, "", 0, &arena, out, NULL, &err), WY_OK);
  assert_false(out[0].null);
  assert_int_equal(out[0].u.i32, 0);
  assert_false(out[1].null);
  assert_int_equal(out[1].len, 0);
  assert_false(out[2].null);
  assert_false(out[2].u.b);
  assert_false(out[3].null);
  assert_int_equal(out[3].u.list->n, 0);
  assert_false(out[4].null);
  assert_int_equal(out[4].u.map->n, 0);
  assert_true(out[5].null); /* messages have presence */
  assert_true(out[6].null);
  /* an empty nested message is a STRUCT of defaults */
  const uint8_t empty_struct[] = {0x3a, 0x00};
  assert_int_equal(wy_format_decode(c, empty_struct, 2, &arena, out, NULL, &err), WY_OK);
  assert_false(out[6].null);
  assert_false(out[6].u.list->items[0].null);
  assert_int_equal(out[6].u.list->items[0].u.i32, 0);
  wy_format_codec_destroy(c);
  /* optional and wrapper: NULL stays NULL, a zero stays a (present) zero */
  for (int rep = 1; rep <= 2; rep++) {
    c = nosr(7, cols, rep);
    assert_int_equal(wy_format_decode(c, "", 0, &arena, out, NULL, &err), WY_OK);
    assert_true(out[0].null && out[1].null && out[2].null);
    assert_false(out[3].null); /* repeated fields never are NULL */
    wy_value_t zeros[7] = {wy_int(0),           wy_string("", 0),  wy_bool(false),
                           wy_null(WY_T_ARRAY), wy_null(WY_T_MAP), wy_null(WY_T_TIMESTAMP),
                           wy_null(WY_T_STRUCT)};
    encode(c, zeros, &b);
    assert_true(b.len > 0);
    assert_int_equal(wy_format_decode(c, b.data, b.len, &arena, out, NULL, &err), WY_OK);
    assert_false(out[0].null || out[1].null || out[2].null);
    assert_int_equal(out[0].u.i32, 0);
    wy_format_codec_destroy(c);
  }
  wy_buf_free(&b);
  free_cols(cols, 7);
}

/* ---- the Confluent header and registered schemas ---- */

static void test_header_and_generated_schema(void **state) {
  (void)state;
  wy_sr_t *r = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_format_column_t cols[] = {{"ID", wy_type_bigint()}, {"NAME", wy_type_string()}};
  wy_format_codec_t *w = sr_codec(r, "boats-value", 2, cols, 0, NULL, true);
  assert_non_null(w);
  int32_t id;
  const char *text;
  wy_sr_type_t type;
  assert_int_equal(wy_sr_latest(r, "boats-value", &id, &text, &type, &err), WY_OK);
  assert_int_equal(type, WY_SR_PROTOBUF);
  assert_non_null(strstr(text, "message ConnectDefault1"));
  wy_value_t row[2] = {wy_bigint(42), wy_string("skiff", 5)};
  wy_buf_t b;
  wy_buf_init(&b);
  encode(w, row, &b);
  /* magic, id, the single 0 byte of message index [0], then the message */
  assert_true(b.len > 6);
  assert_int_equal(b.data[0], 0);
  assert_int_equal((b.data[1] << 24 | b.data[2] << 16 | b.data[3] << 8 | b.data[4]), id);
  assert_int_equal(b.data[5], 0);
  assert_int_equal(b.data[6], 0x08);
  /* a reader codec resolves the id through the registry */
  wy_format_codec_t *rd = sr_codec(r, "boats-value", 2, cols, 0, NULL, false);
  wy_value_t out[2];
  assert_int_equal(wy_format_decode(rd, b.data, b.len, &arena, out, NULL, &err), WY_OK);
  assert_true(out[0].u.i64 == 42);
  assert_memory_equal(out[1].u.str, "skiff", 5);
  wy_buf_free(&b);
  wy_format_codec_destroy(w);
  wy_format_codec_destroy(rd);
  wy_sr_destroy(r);
}

static void test_message_index_and_enum(void **state) {
  (void)state;
  wy_sr_t *r = wy_sr_mem_new(WY_COMPAT_NONE);
  const char *proto =
      "syntax = \"proto3\";\n"
      "message Harbor { string name = 1; }\n"
      "message Vessel {\n"
      "  enum Rig { SLOOP = 0; KETCH = 3; }\n"
      "  Rig rig = 4;\n"
      "  sint64 tonnage = 7;\n"
      "  fixed32 crew = 2;\n"
      "  float speed = 9;\n"
      "}\n";
  int32_t id;
  assert_int_equal(wy_sr_register(r, "fleet-value", WY_SR_PROTOBUF, proto, &id, &err), WY_OK);
  wy_format_column_t cols[] = {{"RIG", wy_type_string()},
                               {"TONNAGE", wy_type_bigint()},
                               {"CREW", wy_type_bigint()},
                               {"SPEED", wy_type_double()}};
  /* VALUE_SCHEMA_ID with VALUE_SCHEMA_FULL_NAME: the second message, path [1] */
  wy_format_codec_t *w = sr_codec(r, "fleet-value", 4, cols, id, "Vessel", false);
  assert_non_null(w);
  wy_value_t row[4] = {wy_string("KETCH", 5), wy_bigint(-3), wy_bigint(4000000000LL),
                       wy_double(0.5)};
  wy_buf_t b;
  wy_buf_init(&b);
  encode(w, row, &b);
  /* index path: count 1 and index 1, both zigzag: 02 02; fields in number order */
  const uint8_t body[] = {0x02, 0x02, 0x15, 0x00, 0x28, 0x6b, 0xee, 0x20,
                          0x03, 0x38, 0x05, 0x4d, 0x00, 0x00, 0x00, 0x3f};
  assert_int_equal(b.len, 5 + sizeof body);
  assert_memory_equal(b.data + 5, body, sizeof body);
  wy_value_t out[4];
  wy_format_codec_t *rd = sr_codec(r, "fleet-value", 4, cols, 0, NULL, false);
  assert_int_equal(wy_format_decode(rd, b.data, b.len, &arena, out, NULL, &err), WY_OK);
  assert_int_equal(out[0].len, 5);
  assert_memory_equal(out[0].u.str, "KETCH", 5);
  assert_true(out[1].u.i64 == -3);
  assert_true(out[2].u.i64 == 4000000000LL);
  assert_true(out[3].u.f64 == 0.5);
  /* an absent enum reads as its first value */
  const uint8_t empty[] = {
      0, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id, 0x02, 0x02};
  assert_int_equal(wy_format_decode(rd, empty, sizeof empty, &arena, out, NULL, &err), WY_OK);
  assert_memory_equal(out[0].u.str, "SLOOP", 5);
  /* a symbol the enum lacks cannot be written */
  row[0] = wy_string("JUNK", 4);
  bool nr;
  assert_int_equal(wy_format_encode(w, row, &b, &nr, &err), WY_ERR_ENCODE);
  assert_non_null(strstr(err.msg, "JUNK"));
  wy_buf_free(&b);
  wy_format_codec_destroy(w);
  wy_format_codec_destroy(rd);
  wy_sr_destroy(r);
}

/* The plan a sink compiles from its columns writes what the schema it registers says:
 * a reader that only has the registered text reads every representation back. */
static void test_generated_plan_matches_registered_schema(void **state) {
  (void)state;
  wy_type_t *pt = wy_type_struct_new();
  assert_true(wy_type_struct_add(pt, "X", wy_type_double()));
  assert_true(wy_type_struct_add(pt, "TAGS", wy_type_array(wy_type_string())));
  wy_format_column_t cols[] = {{"P", pt},
                               {"NAMES", wy_type_array(wy_type_string())},
                               {"SCORES", wy_type_map(wy_type_string(), wy_type_int())},
                               {"WHEN", wy_type_timestamp()},
                               {"N", wy_type_bigint()}};
  wy_value_t tag = wy_string("reef", 4);
  wy_list_t tags = {1, &tag};
  wy_value_t pv[2] = {wy_double(-1.5), wy_array(&tags)};
  wy_list_t pl = {2, pv};
  wy_value_t names[2] = {wy_string("a", 1), wy_string("", 0)};
  wy_list_t nl = {2, names};
  wy_value_t sk[1] = {wy_string("k", 1)}, sv[1] = {wy_int(0)};
  wy_map_t sm = {1, sk, sv};
  wy_value_t row[5] = {wy_struct(&pl), wy_array(&nl), wy_mapv(&sm), wy_timestamp(86400000),
                       wy_null(WY_T_BIGINT)};
  for (int rep = 0; rep < 3; rep++) {
    wy_sr_t *r = wy_sr_mem_new(WY_COMPAT_NONE);
    wy_format_schema_t s = {5, cols};
    wy_format_options_t wo = {
        .registry = r, .subject = "reef-value", .register_schema = true, .pb_nullable = rep};
    wy_format_codec_t *w = wy_format_codec_new(WY_FORMAT_PROTOBUF, &s, &wo, &err);
    assert_non_null(w);
    wy_buf_t b;
    wy_buf_init(&b);
    encode(w, row, &b);
    /* a reader of other columns' names order: only the registered text links them */
    wy_format_codec_t *rd = sr_codec(r, "reef-value", 5, cols, 0, NULL, false);
    wy_value_t out[5];
    assert_int_equal(wy_format_decode(rd, b.data, b.len, &arena, out, NULL, &err), WY_OK);
    assert_true(out[0].u.list->items[0].u.f64 == -1.5);
    assert_int_equal(out[0].u.list->items[1].u.list->n, 1);
    assert_memory_equal(out[0].u.list->items[1].u.list->items[0].u.str, "reef", 4);
    assert_int_equal(out[1].u.list->n, 2);
    assert_int_equal(out[1].u.list->items[1].len, 0);
    assert_int_equal(out[2].u.map->n, 1);
    assert_false(out[2].u.map->vals[0].null);
    assert_int_equal(out[2].u.map->vals[0].u.i32, 0);
    assert_true(out[3].u.i64 == 86400000);
    assert_int_equal(out[4].null, rep != 0); /* plain proto3 reads the default 0 */
    wy_buf_free(&b);
    wy_format_codec_destroy(w);
    wy_format_codec_destroy(rd);
    wy_sr_destroy(r);
  }
  free_cols(cols, 5);
}

/* ---- bad records ---- */

static void expect_bad(wy_format_codec_t *c, const uint8_t *p, size_t n, const char *why) {
  wy_value_t out[2];
  assert_int_equal(wy_format_decode(c, p, n, &arena, out, NULL, &err), WY_ERR_DECODE);
  if (!strstr(err.msg, why)) fail_msg("'%s' does not say '%s'", err.msg, why);
}

static void test_bad_records(void **state) {
  (void)state;
  wy_format_column_t cols[] = {{"A", wy_type_int()}, {"B", wy_type_string()}};
  wy_format_codec_t *c = nosr(2, cols, 0);
  expect_bad(c, (const uint8_t *)"\x08\x96", 2, "ends inside a varint");
  expect_bad(c, (const uint8_t *)"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11, "too long");
  expect_bad(c, (const uint8_t *)"\x12\x05hi", 4, "past the end");
  expect_bad(c, (const uint8_t *)"\x0a\x01x", 3, "wire type");
  expect_bad(c, (const uint8_t *)"\x2b", 1, "groups");
  expect_bad(c, (const uint8_t *)"\x00\x01", 2, "field number 0");
  wy_format_codec_destroy(c);
  wy_sr_t *r = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_format_codec_t *p = sr_codec(r, "t-value", 2, cols, 0, NULL, false);
  assert_non_null(p);
  expect_bad(p, (const uint8_t *)"\x01\x00\x00\x00\x01\x00", 6, "Unknown magic byte");
  expect_bad(p, (const uint8_t *)"\x00\x00\x00\x00", 4, "Unknown magic byte");
  expect_bad(p, (const uint8_t *)"\x00\x00\x00\x00\x63\x00", 6, "99");
  expect_bad(p, (const uint8_t *)"\x00\x00\x00\x00\x63\x03", 6, "message indexes");
  wy_format_codec_destroy(p);
  wy_sr_destroy(r);
}

static void test_refusals(void **state) {
  (void)state;
  wy_format_column_t cols[] = {{"M", wy_type_map(wy_type_int(), wy_type_int())}};
  wy_format_schema_t s = {1, cols};
  wy_format_options_t o = {0};
  assert_null(wy_format_codec_new(WY_FORMAT_PROTOBUF_NOSR, &s, &o, &err));
  assert_non_null(strstr(err.msg, "only supports MAP types with STRING keys"));
  free_cols(cols, 1);
  wy_format_column_t one[] = {{"V", wy_type_int()}};
  wy_format_schema_t s1 = {1, one};
  o.wrap_single = WY_WRAP_FALSE;
  assert_null(wy_format_codec_new(WY_FORMAT_PROTOBUF_NOSR, &s1, &o, &err));
  assert_non_null(strstr(err.msg, "'WRAP_SINGLE_VALUE' set to 'false'"));
  /* keys are a message too */
  o.wrap_single = WY_WRAP_DEFAULT;
  o.is_key = true;
  wy_format_codec_t *c = wy_format_codec_new(WY_FORMAT_PROTOBUF_NOSR, &s1, &o, &err);
  assert_non_null(c);
  assert_false(wy_format_codec_unwrapped(c));
  wy_format_codec_destroy(c);
}

/* The registry's check goes through the format table to protobuf_compat.c. */
static void test_registry_compatibility(void **state) {
  (void)state;
  const char *v1 = "syntax = \"proto3\"; message Lock { string gate = 1; int32 depth = 2; }";
  const char *added =
      "syntax = \"proto3\"; message Lock { string gate = 1; int32 depth = 2; "
      "bool open = 3; }";
  const char *retyped = "syntax = \"proto3\"; message Lock { string gate = 1; double depth = 2; }";
  const char *with_ref = "syntax = \"proto3\"; import \"gate.proto\"; message Lock { Gate g = 1; }";
  bool ok = false;
  char why[200];
  assert_int_equal(wy_format_sr_compatible(WY_SR_PROTOBUF, added, v1, &ok, why, sizeof why, &err),
                   WY_OK);
  assert_true(ok);
  assert_int_equal(wy_format_sr_compatible(WY_SR_PROTOBUF, retyped, v1, &ok, why, sizeof why, &err),
                   WY_OK);
  assert_false(ok);
  assert_non_null(strstr(why, "depth"));
  assert_int_equal(
      wy_format_sr_compatible(WY_SR_PROTOBUF, "message {", "message {", &ok, why, sizeof why, &err),
      WY_ERR_INVALID);
  /* references cannot be resolved without the registry: accepted unchecked */
  assert_int_equal(
      wy_format_sr_compatible(WY_SR_PROTOBUF, with_ref, with_ref, &ok, why, sizeof why, &err),
      WY_OK);
  assert_true(ok);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_known_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_repeated_packed_and_unpacked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_round_trip_every_type, setup, teardown),
      cmocka_unit_test_setup_teardown(test_defaults_and_nulls, setup, teardown),
      cmocka_unit_test_setup_teardown(test_header_and_generated_schema, setup, teardown),
      cmocka_unit_test_setup_teardown(test_message_index_and_enum, setup, teardown),
      cmocka_unit_test_setup_teardown(test_generated_plan_matches_registered_schema, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_registry_compatibility, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
