/* libFuzzer target: the AVRO decoder on arbitrary bytes behind a valid wire header,
 * against writer schemas of every Avro type (records, unions, arrays, maps, MapEntry
 * arrays, enums, fixed, logical types) read with coercing reader columns. A decoded row
 * must encode, and the encoding must decode back to equal values. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/format.h"
#include "engine/registry/registry.h"

static const char *WRITER =
    "{\"type\":\"record\",\"name\":\"w\",\"fields\":["
    "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"i\",\"type\":[\"null\",\"int\",\"string\"]},"
    "{\"name\":\"l\",\"type\":\"long\"},{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":"
    "\"E\","
    "\"symbols\":[\"X\",\"Y\"]}},{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"F\","
    "\"size\":3}},"
    "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,"
    "\"scale\":2}},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"long\"]}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"int\"}}}"
    ","
    "{\"name\":\"me\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"ME\","
    "\"connect.internal.type\":\"MapEntry\",\"fields\":[{\"name\":\"key\",\"type\":\"string\"},"
    "{\"name\":\"value\",\"type\":\"double\"}]}}},"
    "{\"name\":\"skipme\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":"
    "\"bytes\"}}},"
    "{\"name\":\"r\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"R\",\"fields\":["
    "{\"name\":\"z\",\"type\":\"int\"},{\"name\":\"self\",\"type\":[\"null\",\"R\"]}]}]}]}";

static wy_sr_t *reg;
static wy_format_codec_t *codec;
static const wy_type_t *types[14];
static wy_arena_t arena;
static wy_buf_t out;

static void init(void) {
  reg = wy_sr_mem_new(WY_COMPAT_NONE);
  if (wy_sr_mem_register_with_id(reg, "f-value", WY_SR_AVRO, WRITER, 1, NULL) != WY_OK) abort();
  wy_type_t *r = wy_type_struct_new();
  wy_type_struct_add(r, "Z", wy_type_bigint());
  wy_type_t *u = wy_type_struct_new();
  wy_type_struct_add(u, "INT", wy_type_int());
  wy_type_struct_add(u, "STRING", wy_type_string());
  const char *names[] = {"B", "I", "L", "F", "S", "E", "X", "DEC", "TS", "A", "M", "ME", "R", "Q"};
  types[0] = wy_type_string();
  types[1] = u;
  types[2] = wy_type_double();
  types[3] = wy_type_string();
  types[4] = wy_type_string();
  types[5] = wy_type_string();
  types[6] = wy_type_bytes();
  types[7] = wy_type_decimal(12, 4);
  types[8] = wy_type_timestamp();
  types[9] = wy_type_array(wy_type_string());
  types[10] = wy_type_map(wy_type_string(), wy_type_array(wy_type_bigint()));
  types[11] = wy_type_map(wy_type_string(), wy_type_double());
  types[12] = r;
  types[13] = wy_type_int();
  wy_format_column_t cols[14];
  for (int i = 0; i < 14; i++) cols[i] = (wy_format_column_t){names[i], types[i]};
  wy_format_schema_t s = {14, cols};
  wy_format_options_t o = {.registry = reg, .subject = "g-value"};
  codec = wy_format_codec_new(WY_FORMAT_AVRO, &s, &o, NULL);
  if (!codec) abort();
  wy_arena_init(&arena, 0);
  wy_buf_init(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!codec) init();
  uint8_t *buf = malloc(size + 5);
  memcpy(buf, "\0\0\0\0\1", 5);
  memcpy(buf + 5, data, size);
  wy_value_t row[14], back[14];
  wy_arena_reset(&arena);
  if (wy_format_decode(codec, buf, size + 5, &arena, row, NULL, NULL) == WY_OK) {
    if (wy_format_encode(codec, row, &out, NULL, NULL) != WY_OK) abort();
    if (wy_format_decode(codec, out.data, out.len, &arena, back, NULL, NULL) != WY_OK) abort();
    for (int i = 0; i < 14; i++)
      if (!wy_value_equal(&row[i], &back[i])) abort();
  }
  free(buf);
  return 0;
}
