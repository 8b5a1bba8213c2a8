/* libFuzzer target: the PROTOBUF decoder on arbitrary bytes behind a valid Confluent
 * header (message index [0]), against a writer schema of every proto3 kind (scalars,
 * zigzag and fixed encodings, enums, repeated and packed fields, maps, nested messages,
 * a oneof, the well-known types ksqlDB maps), read with coercing columns; and the
 * PROTOBUF_NOSR decoder on the bare bytes. A decoded row must encode, and its encoding
 * must decode and encode again to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/format.h"
#include "engine/registry/registry.h"

static const char *WRITER =
    "syntax = \"proto3\";\n"
    "import \"google/protobuf/timestamp.proto\";\n"
    "import \"google/protobuf/wrappers.proto\";\n"
    "import \"confluent/type/decimal.proto\";\n"
    "import \"google/type/date.proto\";\n"
    "import \"google/type/timeofday.proto\";\n"
    "message W {\n"
    "  enum E { A = 0; B = 5; }\n"
    "  message In { int32 z = 1; repeated W.In self = 2; }\n"
    "  bool b = 1; int32 i = 2; sint32 si = 3; uint32 u = 4; fixed32 f32 = 5;\n"
    "  sfixed64 sf64 = 6; float fl = 7; double d = 8; string s = 9; bytes by = 10;\n"
    "  E e = 11; repeated sint64 rs = 12; repeated string rstr = 13;\n"
    "  map<string, double> m = 14; In in = 15; repeated In ins = 16;\n"
    "  google.protobuf.Timestamp ts = 17; google.protobuf.Int64Value w = 18;\n"
    "  confluent.type.Decimal dec = 19; google.type.Date dt = 20;\n"
    "  google.type.TimeOfDay tod = 21; optional int64 opt = 22;\n"
    "  oneof choice { string cs = 23; int32 ci = 24; }\n"
    "}\n";

#define NCOLS 23
static wy_sr_t *reg;
static wy_format_codec_t *codec, *nosr;
static wy_arena_t arena;
static wy_buf_t out, again;

static void init(void) {
  reg = wy_sr_mem_new(WY_COMPAT_NONE);
  if (wy_sr_mem_register_with_id(reg, "f-value", WY_SR_PROTOBUF, WRITER, 1, NULL) != WY_OK) abort();
  wy_type_t *in = wy_type_struct_new();
  wy_type_struct_add(in, "Z", wy_type_bigint());
  wy_type_t *choice = wy_type_struct_new();
  wy_type_struct_add(choice, "CS", wy_type_string());
  wy_type_struct_add(choice, "CI", wy_type_int());
  const char *names[NCOLS] = {"B",  "I",  "SI",  "U",  "F32",  "SF64", "FL",      "D",
                              "S",  "BY", "E",   "RS", "RSTR", "M",    "IN",      "INS",
                              "TS", "W",  "DEC", "DT", "TOD",  "OPT",  "CHOICE_0"};
  const wy_type_t *types[NCOLS] = {wy_type_string(),
                                   wy_type_bigint(),
                                   wy_type_double(),
                                   wy_type_bigint(),
                                   wy_type_bigint(),
                                   wy_type_bigint(),
                                   wy_type_double(),
                                   wy_type_double(),
                                   wy_type_string(),
                                   wy_type_bytes(),
                                   wy_type_string(),
                                   wy_type_array(wy_type_bigint()),
                                   wy_type_array(wy_type_string()),
                                   wy_type_map(wy_type_string(), wy_type_double()),
                                   in,
                                   wy_type_array(wy_type_ref(in)),
                                   wy_type_timestamp(),
                                   wy_type_bigint(),
                                   wy_type_decimal(20, 3),
                                   wy_type_date(),
                                   wy_type_time(),
                                   wy_type_bigint(),
                                   choice};
  wy_format_column_t cols[NCOLS];
  for (int i = 0; i < NCOLS; i++) cols[i] = (wy_format_column_t){names[i], types[i]};
  wy_format_schema_t s = {NCOLS, cols};
  wy_format_options_t o = {.registry = reg, .subject = "g-value", .schema_id = 1};
  codec = wy_format_codec_new(WY_FORMAT_PROTOBUF, &s, &o, NULL);
  wy_format_options_t n = {0};
  nosr = wy_format_codec_new(WY_FORMAT_PROTOBUF_NOSR, &s, &n, NULL);
  if (!codec || !nosr) abort();
  wy_arena_init(&arena, 0);
  wy_buf_init(&out);
  wy_buf_init(&again);
}

/* decode -> encode -> decode -> encode: the two encodings are the same bytes */
static void check(wy_format_codec_t *c, const uint8_t *p, size_t n) {
  wy_value_t row[NCOLS], back[NCOLS];
  bool nr;
  if (wy_format_decode(c, p, n, &arena, row, NULL, NULL) != WY_OK) return;
  if (wy_format_encode(c, row, &out, &nr, NULL) != WY_OK) return; /* e.g. a bad enum */
  if (wy_format_decode(c, out.data, out.len, &arena, back, NULL, NULL) != WY_OK) abort();
  if (wy_format_encode(c, back, &again, &nr, NULL) != WY_OK) abort();
  if (out.len != again.len || memcmp(out.data, again.data, out.len) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!codec) init();
  uint8_t *buf = malloc(size + 6);
  memcpy(buf, "\0\0\0\0\1\0", 6);
  memcpy(buf + 6, data, size);
  wy_arena_reset(&arena);
  check(codec, buf, size + 6);
  check(nosr, data, size);
  free(buf);
  return 0;
}
