/* KAFKA: Kafka's own serializers for one primitive column. INT, BIGINT and DOUBLE are
 * big-endian 4/8-byte values, STRING is the UTF-8 text and BYTES the raw bytes. With no
 * column at all (a key-less stream) the bytes are ignored, as ksqlDB does. */
#include <string.h>

#include "engine/formats/format_int.h"

static wy_status_t kafka_open(wy_format_codec_t *c, wy_error_t *err) {
  wy_status_t st = wy_fmt_reject_wrap(c, err);
  if (st != WY_OK) return st;
  st = wy_fmt_check_types(
      c,
      1u << WY_T_INT | 1u << WY_T_BIGINT | 1u << WY_T_DOUBLE | 1u << WY_T_STRING | 1u << WY_T_BYTES,
      err);
  if (st != WY_OK) return st;
  if (c->ncols > 1) {
    char cols[WY_ERROR_MSG_MAX];
    wy_fmt_columns_text(c, cols, sizeof cols);
    return wy_error_set(err, WY_ERR_UNSUPPORTED,
                        "The 'KAFKA' format only supports a single field. Got: %s", cols);
  }
  c->unwrapped = true;
  return WY_OK;
}

static uint64_t load_be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = v << 8 | p[i];
  return v;
}

static void store_be(uint8_t *p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static wy_status_t size_error(wy_format_codec_t *c, const char *deser, int want, wy_error_t *err) {
  return wy_error_set(err, WY_ERR_DECODE, "%s column %s: Size of data received by %s is not %d",
                      wy_fmt_target(c), c->names[0], deser, want);
}

static wy_status_t kafka_decode(wy_format_codec_t *c, const uint8_t *p, size_t len,
                                wy_arena_t *arena, wy_value_t *cols, bool *null_row,
                                wy_error_t *err) {
  if (c->ncols == 0) return WY_OK;
  switch (c->types[0]->kind) {
    case WY_T_INT:
      if (len != 4) return size_error(c, "IntegerDeserializer", 4, err);
      cols[0] = wy_int((int32_t)(uint32_t)load_be(p, 4));
      return WY_OK;
    case WY_T_BIGINT:
      if (len != 8) return size_error(c, "LongDeserializer", 8, err);
      cols[0] = wy_bigint((int64_t)load_be(p, 8));
      return WY_OK;
    case WY_T_DOUBLE: {
      if (len != 8) return size_error(c, "DoubleDeserializer", 8, err);
      uint64_t bits = load_be(p, 8);
      double d;
      memcpy(&d, &bits, sizeof d);
      cols[0] = wy_double(d);
      return WY_OK;
    }
    case WY_T_STRING:
      cols[0] = wy_string((const char *)p, len);
      return WY_OK;
    case WY_T_BYTES:
      cols[0] = wy_bytes(p, len);
      return WY_OK;
    default:
      return wy_error_set(err, WY_ERR_INTERNAL, "KAFKA codec with an unsupported type");
  }
}

static wy_status_t kafka_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                                bool *null_record, wy_error_t *err) {
  if (c->ncols == 0 || cols[0].null) {
    *null_record = true;
    return WY_OK;
  }
  const wy_value_t *v = &cols[0];
  if (v->kind != c->types[0]->kind)
    return wy_error_set(err, WY_ERR_ENCODE, "%s column %s: value of type %s, expected %s",
                        wy_fmt_target(c), c->names[0], wy_type_kind_name(v->kind),
                        wy_type_kind_name(c->types[0]->kind));
  uint8_t tmp[8];
  switch (v->kind) {
    case WY_T_INT:
      store_be(tmp, (uint32_t)v->u.i32, 4);
      return wy_buf_append(out, tmp, 4) ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "oom");
    case WY_T_BIGINT:
      store_be(tmp, (uint64_t)v->u.i64, 8);
      break;
    case WY_T_DOUBLE: {
      uint64_t bits;
      memcpy(&bits, &v->u.f64, sizeof bits);
      store_be(tmp, bits, 8);
      break;
    }
    default: /* STRING, BYTES */
      return wy_buf_append(out, v->u.str, v->len) ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "oom");
  }
  return wy_buf_append(out, tmp, 8) ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "oom");
}

const wy_format_ops_t wy_format_ops_KAFKA = {kafka_open, NULL, kafka_decode, kafka_encode, NULL};
