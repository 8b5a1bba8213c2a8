/* libFuzzer target: the JSON decoder on arbitrary bytes, over schemas of every type,
 * wrapped and unwrapped. A decoded row must encode, and the encoding must decode back
 * to equal values. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/formats/format.h"

static wy_format_codec_t *codecs[4];
static wy_arena_t arena;
static wy_buf_t out;

static void init(void) {
  wy_type_t *st = wy_type_struct_new();
  wy_type_struct_add(st, "X", wy_type_decimal(10, 2));
  wy_type_struct_add(st, "y", wy_type_array(wy_type_bytes()));
  wy_format_column_t cols[] = {
      {"B", wy_type_boolean()},
      {"I", wy_type_int()},
      {"L", wy_type_bigint()},
      {"D", wy_type_double()},
      {"S", wy_type_string()},
      {"TS", wy_type_timestamp()},
      {"ST", st},
      {"M", wy_type_map(wy_type_string(), wy_type_array(wy_type_int()))},
  };
  size_t n = sizeof cols / sizeof cols[0];
  uint8_t used[8] = {1, 0, 1, 1, 0, 1, 1, 1};
  wy_format_schema_t all = {n, cols};
  wy_format_options_t proj = {.projection = used};
  wy_format_options_t unwrap = {.wrap_single = WY_WRAP_FALSE};
  wy_format_schema_t s_st = {1, &cols[6]}, s_str = {1, &cols[4]};
  wy_error_t err;
  codecs[0] = wy_format_codec_new(WY_FORMAT_JSON, &all, NULL, &err);
  codecs[1] = wy_format_codec_new(WY_FORMAT_JSON, &all, &proj, &err);
  codecs[2] = wy_format_codec_new(WY_FORMAT_JSON, &s_st, &unwrap, &err);
  codecs[3] = wy_format_codec_new(WY_FORMAT_JSON, &s_str, &unwrap, &err);
  for (size_t i = 0; i < n; i++) wy_type_unref(cols[i].type);
  for (int i = 0; i < 4; i++)
    if (!codecs[i]) abort();
  wy_arena_init(&arena, 0);
  wy_buf_init(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!codecs[0]) init();
  for (int i = 0; i < 4; i++) {
    wy_value_t row[8], back[8];
    wy_error_t err;
    bool null_row;
    wy_arena_reset(&arena);
    if (wy_format_decode(codecs[i], data, size, &arena, row, &null_row, &err) != WY_OK || null_row)
      continue;
    bool is_null;
    if (wy_format_encode(codecs[i], row, &out, &is_null, &err) != WY_OK) abort();
    if (is_null) continue;
    if (wy_format_decode(codecs[i], out.data, out.len, &arena, back, &null_row, &err) != WY_OK)
      abort();
    for (size_t k = 0; k < wy_format_codec_ncols(codecs[i]); k++) {
      if (row[k].kind == WY_T_DOUBLE && row[k].u.f64 != row[k].u.f64) continue; /* NaN */
      if (!wy_value_equal(&row[k], &back[k])) abort();
    }
  }
  return 0;
}
