/* JSON_SR: ksqlDB's JSON format behind Confluent's Schema Registry header.
 *
 * A record is the magic byte 0, the writer's schema id (4 bytes, big-endian), then the
 * JSON text. ksqlDB's deserializer (KsqlJsonDeserializer for JSON schemas) strips the
 * header without consulting the registry and reads the payload with the JSON format's
 * rules, so the decoder checks the header and hands the rest to the JSON codec; a
 * record without the header (plain JSON) is rejected as ksqlDB rejects it. The encoder
 * writes the header of the schema it registered (generated from the columns, see
 * json_sr.h) or of KEY_SCHEMA_ID / VALUE_SCHEMA_ID, then the JSON codec's text, which is
 * what Connect's JsonSchemaConverter writes for ksqlDB's types.
 *
 * The JSON codec keeps its state in c->impl; this codec keeps its own there and lends
 * the JSON codec's back while calling it. */
#include <stdlib.h>
#include <string.h>

#include "engine/formats/format_int.h"
#include "engine/formats/json_sr.h"
#include "engine/registry/registry.h"

#define JSON_SR_HEADER 5

typedef struct json_sr_impl {
  void *json;  /* the JSON codec's impl */
  int32_t wid; /* the writer's schema id, once settled */
  bool ready;  /* wid is settled */
} json_sr_impl_t;

wy_status_t wy_json_sr_read_header(const void *bytes, size_t len, int32_t *schema_id,
                                   wy_error_t *err) {
  const uint8_t *p = bytes;
  if (len == 0 || p[0] != 0)
    return wy_error_set(err, WY_ERR_DECODE,
                        "Got unexpected JSON serialization format that did not start with the "
                        "magic byte. If this stream was not serialized using the "
                        "JsonSchemaConverter, then make sure the stream is declared with a "
                        "format that matches the serialization mechanism.");
  if (len < JSON_SR_HEADER)
    return wy_error_set(err, WY_ERR_DECODE,
                        "Record of %zu bytes is shorter than the 5-byte Schema Registry header",
                        len);
  if (schema_id)
    *schema_id =
        (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]);
  return WY_OK;
}

/* The columns as a format schema (the codec's copies). */
static wy_format_column_t *codec_columns(const wy_format_codec_t *c) {
  wy_format_column_t *cols = calloc(c->ncols + 1, sizeof *cols);
  for (size_t i = 0; cols && i < c->ncols; i++)
    cols[i] = (wy_format_column_t){c->names[i], c->types[i]};
  return cols;
}

static wy_status_t generated_schema(const wy_format_codec_t *c, char **text, wy_error_t *err) {
  wy_format_column_t *cols = codec_columns(c);
  if (!cols) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_format_schema_t fs = {c->ncols, cols};
  wy_status_t st =
      wy_json_sr_schema_from_columns(&fs, c->unwrapped, c->full_schema_name, text, err);
  free(cols);
  return st;
}

/* Settle the writer's schema id: KEY_/VALUE_SCHEMA_ID, or the generated schema's id
 * once registered under the subject. */
static wy_status_t writer_ready(wy_format_codec_t *c, wy_error_t *err) {
  json_sr_impl_t *s = c->impl;
  if (s->ready) return WY_OK;
  wy_status_t st;
  if (c->schema_id > 0) {
    if (!c->registry)
      return wy_error_set(err, WY_ERR_CONFIG, "%s_SCHEMA_ID needs a Schema Registry",
                          c->is_key ? "KEY" : "VALUE");
    const char *text;
    wy_sr_type_t type;
    if ((st = wy_sr_get_schema(c->registry, c->schema_id, &text, &type, err)) != WY_OK) return st;
    if (type != WY_SR_JSON)
      return wy_error_set(err, WY_ERR_CONFIG, "%s_SCHEMA_ID %d is a %s schema, not JSON",
                          c->is_key ? "KEY" : "VALUE", (int)c->schema_id, wy_sr_type_name(type));
    s->wid = c->schema_id;
    s->ready = true;
    return WY_OK;
  }
  if (!c->registry || !c->subject)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "JSON_SR %s codec needs a Schema Registry and a subject to write",
                        wy_fmt_target(c));
  char *text = NULL;
  if ((st = generated_schema(c, &text, err)) != WY_OK) return st;
  st = wy_sr_register(c->registry, c->subject, WY_SR_JSON, text, &s->wid, err);
  free(text);
  if (st == WY_OK) s->ready = true;
  return st;
}

static void json_sr_close(wy_format_codec_t *c) {
  json_sr_impl_t *s = c->impl;
  if (!s) return;
  c->impl = s->json;
  if (c->impl) wy_format_ops_JSON.close(c);
  free(s);
  c->impl = NULL;
}

static wy_status_t json_sr_open(wy_format_codec_t *c, wy_error_t *err) {
  json_sr_impl_t *s = calloc(1, sizeof *s);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = wy_format_ops_JSON.open(c, err); /* types, wrapping, c->unwrapped */
  if (st != WY_OK) {
    free(s);
    return st;
  }
  s->json = c->impl;
  c->impl = s;
  /* A sink registers its schema now, so that a bad schema fails the statement rather
   * than the first record; others check that the schema can be generated. */
  if (c->register_schema || c->schema_id > 0) {
    st = writer_ready(c, err);
  } else {
    char *text = NULL;
    st = generated_schema(c, &text, err);
    free(text);
  }
  if (st != WY_OK) json_sr_close(c);
  return st;
}

static wy_status_t json_sr_decode(wy_format_codec_t *c, const uint8_t *p, size_t len,
                                  wy_arena_t *arena, wy_value_t *cols, bool *null_row,
                                  wy_error_t *err) {
  wy_status_t st = wy_json_sr_read_header(p, len, NULL, err);
  if (st != WY_OK) return wy_error_prefix(err, "Failed to deserialize %s", wy_fmt_target(c)), st;
  json_sr_impl_t *s = c->impl;
  c->impl = s->json;
  st = wy_format_ops_JSON.decode(c, p + JSON_SR_HEADER, len - JSON_SR_HEADER, arena, cols, null_row,
                                 err);
  c->impl = s;
  return st;
}

static wy_status_t json_sr_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                                  bool *null_record, wy_error_t *err) {
  json_sr_impl_t *s = c->impl;
  wy_status_t st = writer_ready(c, err);
  if (st != WY_OK) return st;
  uint32_t id = (uint32_t)s->wid;
  uint8_t hdr[JSON_SR_HEADER] = {0, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8),
                                 (uint8_t)id};
  if (!wy_buf_append(out, hdr, sizeof hdr))
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory encoding JSON_SR");
  c->impl = s->json;
  st = wy_format_ops_JSON.encode(c, cols, out, null_record, err);
  c->impl = s;
  return st;
}

static wy_status_t json_sr_from_columns(const wy_format_schema_t *schema,
                                        const wy_format_options_t *opts, bool unwrapped,
                                        char **text_out, wy_error_t *err) {
  return wy_json_sr_schema_from_columns(schema, unwrapped, opts->full_schema_name, text_out, err);
}

static wy_status_t json_sr_infer(const char *text, const wy_format_options_t *opts, bool unwrapped,
                                 wy_format_column_t **cols_out, size_t *ncols_out,
                                 wy_error_t *err) {
  return wy_json_sr_infer_columns(text, opts->is_key, unwrapped, cols_out, ncols_out, err);
}

static const wy_format_schema_ops_t JSON_SR_SCHEMA = {true, WY_SR_JSON, json_sr_from_columns,
                                                      json_sr_infer, wy_json_sr_schema_compatible};

const wy_format_ops_t wy_format_ops_JSON_SR = {json_sr_open, json_sr_close, json_sr_decode,
                                               json_sr_encode, &JSON_SR_SCHEMA};
