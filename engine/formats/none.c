/* NONE: the marker format of key-less streams. It has no columns; the serializer always
 * writes null and the deserializer ignores whatever bytes it is given. */
#include "engine/formats/format_int.h"

static wy_status_t none_open(wy_format_codec_t *c, wy_error_t *err) {
  if (c->ncols) {
    char cols[WY_ERROR_MSG_MAX];
    wy_fmt_columns_text(c, cols, sizeof cols);
    return wy_error_set(err, WY_ERR_UNSUPPORTED,
                        "The 'NONE' format can only be used when no columns are defined. Got: %s",
                        cols);
  }
  c->unwrapped = true;
  return WY_OK;
}

static wy_status_t none_decode(wy_format_codec_t *c, const uint8_t *p, size_t len,
                               wy_arena_t *arena, wy_value_t *cols, bool *null_row,
                               wy_error_t *err) {
  return WY_OK;
}

static wy_status_t none_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                               bool *null_record, wy_error_t *err) {
  *null_record = true;
  return WY_OK;
}

const wy_format_ops_t wy_format_ops_NONE = {none_open, NULL, none_decode, none_encode, NULL};
