/* Protobuf schema model helpers: kind names, wire types, well-known types, lookups.
 * The parser, renderer, generation and inference are being written (stubs for now). */
#include "engine/formats/protobuf_schema.h"

#include <stdlib.h>
#include <string.h>

static const char *WKT_NAMES[] = {"",
#define WY_PB_X_WKT(tag, full, file) full,
                                  WY_PB_WKT_LIST(WY_PB_X_WKT)
#undef WY_PB_X_WKT
};

const char *wy_pb_wkt_full_name(wy_pb_wkt_t w) {
  return (unsigned)w < WY_PB_WKT__COUNT ? WKT_NAMES[w] : "";
}

bool wy_pb_wkt_is_wrapper(wy_pb_wkt_t w) {
  return w >= WY_PB_WKT_DOUBLE_VALUE && w <= WY_PB_WKT_BYTES_VALUE;
}

const char *wy_pb_kind_name(wy_pb_kind_t k) {
  switch (k) {
    case WY_PB_DOUBLE:
      return "double";
    case WY_PB_FLOAT:
      return "float";
    case WY_PB_INT64:
      return "int64";
    case WY_PB_UINT64:
      return "uint64";
    case WY_PB_INT32:
      return "int32";
    case WY_PB_FIXED64:
      return "fixed64";
    case WY_PB_FIXED32:
      return "fixed32";
    case WY_PB_BOOL:
      return "bool";
    case WY_PB_STRING:
      return "string";
    case WY_PB_MESSAGE:
      return "message";
    case WY_PB_BYTES:
      return "bytes";
    case WY_PB_UINT32:
      return "uint32";
    case WY_PB_ENUM:
      return "enum";
    case WY_PB_SFIXED32:
      return "sfixed32";
    case WY_PB_SFIXED64:
      return "sfixed64";
    case WY_PB_SINT32:
      return "sint32";
    case WY_PB_SINT64:
      return "sint64";
  }
  return "?";
}

wy_pb_wire_t wy_pb_kind_wire_type(wy_pb_kind_t k) {
  switch (k) {
    case WY_PB_DOUBLE:
    case WY_PB_FIXED64:
    case WY_PB_SFIXED64:
      return WY_PB_WIRE_I64;
    case WY_PB_FLOAT:
    case WY_PB_FIXED32:
    case WY_PB_SFIXED32:
      return WY_PB_WIRE_I32;
    case WY_PB_STRING:
    case WY_PB_BYTES:
    case WY_PB_MESSAGE:
      return WY_PB_WIRE_LEN;
    default:
      return WY_PB_WIRE_VARINT;
  }
}

bool wy_pb_field_is_map(const wy_pb_field_t *f) {
  return f && f->kind == WY_PB_MESSAGE && f->label == WY_PB_LABEL_REPEATED && f->message &&
         f->message->map_entry;
}

const wy_pb_field_t *wy_pb_map_key(const wy_pb_field_t *f) {
  return wy_pb_field_is_map(f) ? wy_pb_field_by_number(f->message, 1) : NULL;
}

const wy_pb_field_t *wy_pb_map_value(const wy_pb_field_t *f) {
  return wy_pb_field_is_map(f) ? wy_pb_field_by_number(f->message, 2) : NULL;
}

const wy_pb_field_t *wy_pb_field_by_number(const wy_pb_message_t *m, int32_t number) {
  for (size_t i = 0; m && i < m->nfields; i++)
    if (m->fields[i].number == number) return &m->fields[i];
  return NULL;
}

wy_status_t wy_pb_parse(const char *text, const wy_pb_source_t *deps, size_t ndeps,
                        wy_pb_schema_t **out, wy_error_t *err) {
  (void)text, (void)deps, (void)ndeps;
  *out = NULL;
  return wy_error_set(err, WY_ERR_UNSUPPORTED, "the .proto parser is not written yet");
}

void wy_pb_schema_free(wy_pb_schema_t *s) { free(s); }

const wy_pb_message_t *wy_pb_find_message(const wy_pb_schema_t *s, const char *name) {
  (void)s, (void)name;
  return NULL;
}

const wy_pb_message_t *wy_pb_message_at(const wy_pb_schema_t *s, const int32_t *idx, size_t n) {
  (void)s, (void)idx, (void)n;
  return NULL;
}

size_t wy_pb_message_path(const wy_pb_message_t *m, int32_t *idx, size_t cap) {
  (void)m, (void)idx, (void)cap;
  return 0;
}

char *wy_pb_render(const wy_pb_schema_t *s) {
  (void)s;
  return NULL;
}

wy_status_t wy_pb_from_columns(const wy_format_schema_t *cols, const wy_pb_gen_options_t *opts,
                               wy_pb_schema_t **out, wy_error_t *err) {
  (void)cols, (void)opts;
  *out = NULL;
  return wy_error_set(err, WY_ERR_UNSUPPORTED, "protobuf schema generation is not written yet");
}

wy_status_t wy_pb_message_columns(const wy_pb_message_t *m, const wy_pb_infer_options_t *opts,
                                  wy_pb_column_t **out, size_t *nout, wy_error_t *err) {
  (void)m, (void)opts;
  *out = NULL;
  *nout = 0;
  return wy_error_set(err, WY_ERR_UNSUPPORTED, "protobuf inference is not written yet");
}

void wy_pb_columns_free(wy_pb_column_t *cols, size_t n) {
  for (size_t i = 0; cols && i < n; i++) {
    free(cols[i].name);
    wy_type_unref(cols[i].type);
  }
  free(cols);
}

wy_status_t wy_pb_field_sql_type(const wy_pb_field_t *f, const wy_pb_infer_options_t *opts,
                                 const wy_type_t **out, wy_error_t *err) {
  (void)f, (void)opts;
  *out = NULL;
  return wy_error_set(err, WY_ERR_UNSUPPORTED, "protobuf inference is not written yet");
}

wy_status_t wy_pb_infer_columns(const wy_pb_schema_t *s, const char *full_name,
                                const wy_pb_infer_options_t *opts, wy_format_column_t **cols_out,
                                size_t *ncols_out, wy_error_t *err) {
  (void)s, (void)full_name, (void)opts;
  *cols_out = NULL;
  *ncols_out = 0;
  return wy_error_set(err, WY_ERR_UNSUPPORTED, "protobuf inference is not written yet");
}

void wy_pb_format_columns_free(wy_format_column_t *cols, size_t n) {
  for (size_t i = 0; cols && i < n; i++) {
    free((char *)cols[i].name);
    wy_type_unref(cols[i].type);
  }
  free(cols);
}
