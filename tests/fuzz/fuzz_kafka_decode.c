/* libFuzzer target: the KAFKA decoder for every supported type; what decodes must
 * encode back to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/format.h"

static wy_format_codec_t *codecs[5];
static wy_arena_t arena;
static wy_buf_t out;

static void init(void) {
  const wy_type_t *types[5] = {wy_type_int(), wy_type_bigint(), wy_type_double(), wy_type_string(),
                               wy_type_bytes()};
  wy_error_t err;
  for (int i = 0; i < 5; i++) {
    wy_format_column_t col = {"K", types[i]};
    wy_format_schema_t s = {1, &col};
    codecs[i] = wy_format_codec_new(WY_FORMAT_KAFKA, &s, NULL, &err);
    if (!codecs[i]) abort();
  }
  wy_arena_init(&arena, 0);
  wy_buf_init(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!codecs[0]) init();
  for (int i = 0; i < 5; i++) {
    wy_value_t v;
    wy_error_t err;
    wy_arena_reset(&arena);
    if (wy_format_decode(codecs[i], data, size, &arena, &v, NULL, &err) != WY_OK) continue;
    if (wy_format_encode(codecs[i], &v, &out, NULL, &err) != WY_OK) abort();
    if (out.len != size || (size && memcmp(out.data, data, size) != 0)) abort();
  }
  return 0;
}
