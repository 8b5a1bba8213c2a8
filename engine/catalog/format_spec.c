#include "engine/catalog/format_spec.h"

#include <stdio.h>

wy_status_t wy_format_spec_options(const wy_format_spec_t *spec, const wy_codec_request_t *req,
                                   wy_format_t *format_out, wy_format_options_t *opts_out,
                                   char *subject, size_t subject_cap, wy_error_t *err) {
  wy_format_t f;
  wy_status_t st = wy_format_from_name_any(spec->name[0] ? spec->name : "KAFKA", &f, err);
  if (st != WY_OK) return st;
  wy_format_options_t o = {0};
  o.is_key = req->is_key;
  o.delimiter = spec->delimiter;
  o.wrap_single = spec->wrap_single < 0 ? WY_WRAP_DEFAULT
                  : spec->wrap_single   ? WY_WRAP_TRUE
                                        : WY_WRAP_FALSE;
  o.projection = req->projection;
  o.pb_nullable = spec->pb_nullable;
  if (spec->full_schema_name[0] || spec->full_schema_set)
    o.full_schema_name = spec->full_schema_name;
  if (wy_format_sr_type(f, NULL)) {
    int32_t id = req->schema_id > 0 ? req->schema_id : spec->schema_id;
    snprintf(subject, subject_cap, "%s-%s", req->topic ? req->topic : "",
             req->is_key ? "key" : "value");
    o.registry = req->registry;
    o.subject = subject;
    o.schema_id = id > 0 ? id : 0;
    o.register_schema = req->write && id <= 0;
    /* JSON_SR names a schema only when asked (ksqlDB's JSON schemas have no default
     * name; the derived <Sink>Key record names are Avro's) */
    if (!o.full_schema_name && f != WY_FORMAT_JSON_SR) o.full_schema_name = req->default_full_name;
  }
  *format_out = f;
  *opts_out = o;
  return WY_OK;
}

wy_format_codec_t *wy_format_spec_codec(const wy_format_spec_t *spec,
                                        const wy_format_column_t *cols, size_t n,
                                        const wy_codec_request_t *req, wy_error_t *err) {
  wy_format_t f;
  wy_format_options_t o;
  char subject[512];
  if (wy_format_spec_options(spec, req, &f, &o, subject, sizeof subject, err) != WY_OK) return NULL;
  wy_format_schema_t fs = {n, cols};
  return wy_format_codec_new(f, &fs, &o, err);
}
