/* INTERNAL: the value format of walleye's own repartition topics, never declared by a
 * user. A record is one byte of change flags (WY_CHANGE_*: a table row's delete,
 * retraction or suppressed retraction travels with it, as Kafka Streams' Change serde
 * carries old and new values), then the row codec (rowcodec.h) over the value columns.
 * The codec's last column is those flags, an INT: the writer sets it and the reader gets
 * it back; a delete carries no columns. */
#include "engine/formats/format_int.h"
#include "engine/formats/rowcodec.h"

static wy_status_t internal_open(wy_format_codec_t *c, wy_error_t *err) {
  if (c->ncols < 1 || c->types[c->ncols - 1]->kind != WY_T_INT)
    return wy_error_set(err, WY_ERR_INVALID, "the INTERNAL format needs its flags column last");
  c->unwrapped = false;
  return WY_OK;
}

static wy_status_t internal_decode(wy_format_codec_t *c, const uint8_t *p, size_t len,
                                   wy_arena_t *arena, wy_value_t *cols, bool *null_row,
                                   wy_error_t *err) {
  size_t n = c->ncols - 1;
  if (len < 1) return wy_error_set(err, WY_ERR_DECODE, "empty internal record");
  uint8_t flags = p[0];
  cols[n] = wy_int(flags);
  if (flags & WY_CHANGE_DELETE) {
    for (size_t i = 0; i < n; i++) cols[i] = wy_null(c->types[i]->kind);
    return WY_OK;
  }
  return wy_rowcodec_decode(p + 1, len - 1, c->types, n, arena, cols, err);
}

static wy_status_t internal_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                                   bool *null_record, wy_error_t *err) {
  size_t n = c->ncols - 1;
  uint8_t flags = cols[n].null ? 0 : (uint8_t)cols[n].u.i32;
  if (!wy_buf_append(out, &flags, 1)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (flags & WY_CHANGE_DELETE) return WY_OK;
  for (;;) {
    size_t need = 0, room = out->cap - out->len;
    wy_status_t st = wy_rowcodec_encode(c->types, cols, n, out->data + out->len, room, &need, err);
    if (st != WY_OK) return st;
    if (need <= room) {
      out->len += need;
      return WY_OK;
    }
    if (!wy_buf_reserve(out, need)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
}

const wy_format_ops_t wy_format_ops_INTERNAL = {internal_open, NULL, internal_decode,
                                                internal_encode, NULL};
