/* The format table, codec construction and the checks every format shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/formats/format_int.h"

static const struct {
  const char *name;
  const wy_format_ops_t *ops;
  bool declarable;
} FORMATS[] = {
#define WY_X_FMT(id, name, declarable) {name, &wy_format_ops_##id, declarable},
    WY_FORMAT_LIST(WY_X_FMT)
#undef WY_X_FMT
};

const char *wy_format_name(wy_format_t f) {
  if ((unsigned)f >= WY_FORMAT__COUNT) return "UNKNOWN";
  return FORMATS[f].name;
}

static wy_status_t lookup(const char *name, bool internal_ok, wy_format_t *out, wy_error_t *err) {
  for (int i = 0; i < WY_FORMAT__COUNT; i++) {
    if (name && strcasecmp(name, FORMATS[i].name) == 0 && (FORMATS[i].declarable || internal_ok)) {
      *out = (wy_format_t)i;
      return WY_OK;
    }
  }
  return wy_error_set(err, WY_ERR_CONFIG, "Unknown format: %s", name ? name : "(null)");
}

wy_status_t wy_format_from_name(const char *name, wy_format_t *out, wy_error_t *err) {
  return lookup(name, false, out, err);
}

wy_status_t wy_format_from_name_any(const char *name, wy_format_t *out, wy_error_t *err) {
  return lookup(name, true, out, err);
}

wy_status_t wy_format_parse_delimiter(const char *text, char *out, wy_error_t *err) {
  if (!text || !*text || strcmp(text, " ") == 0 || strcmp(text, "\t") == 0)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "Delimiter cannot be empty, if you meant to have a tab or space for "
                        "delimiter, please use the special values 'TAB' or 'SPACE'");
  if (strcasecmp(text, "TAB") == 0) {
    *out = '\t';
    return WY_OK;
  }
  if (strcasecmp(text, "SPACE") == 0) {
    *out = ' ';
    return WY_OK;
  }
  if (strlen(text) != 1)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "Invalid delimiter value: '%s'. Delimiter must be a single character "
                        "or TAB,SPACE",
                        text);
  *out = text[0];
  return WY_OK;
}

/* ---- codec ---- */

void wy_fmt_columns_text(const wy_format_codec_t *c, char *buf, size_t cap) {
  size_t len = 0;
  len += (size_t)snprintf(buf, cap, "[");
  for (size_t i = 0; i < c->ncols && len < cap; i++) {
    char t[256];
    wy_type_format(c->types[i], t, sizeof t);
    len += (size_t)snprintf(buf + len, cap - len, "%s`%s` %s%s", i ? ", " : "", c->names[i], t,
                            c->is_key ? " KEY" : "");
  }
  if (len < cap) snprintf(buf + len, cap - len, "]");
}

wy_status_t wy_fmt_writer_schema(wy_format_codec_t *c, int32_t id, wy_sr_type_t want,
                                 const char **text, wy_error_t *err) {
  const char *fmt = wy_format_name(c->format);
  if (!c->registry)
    return wy_error_set(err, WY_ERR_CONFIG, "%s %s codec has no Schema Registry", fmt,
                        wy_fmt_target(c));
  wy_sr_type_t type;
  wy_status_t st = wy_sr_get_schema(c->registry, id, text, &type, err);
  if (st == WY_ERR_NOT_FOUND)
    return wy_error_set(err, WY_ERR_DECODE,
                        "Failed to deserialize %s: schema id %d is not in the Schema Registry",
                        wy_fmt_target(c), (int)id);
  if (st != WY_OK) return st; /* an outage is not a bad record */
  if (type != want)
    return wy_error_set(err, WY_ERR_DECODE,
                        "Failed to deserialize %s: schema id %d is a %s schema, not %s",
                        wy_fmt_target(c), (int)id, wy_sr_type_name(type), fmt);
  return WY_OK;
}

bool wy_fmt_has_non_string_map_key(const wy_type_t *t) {
  switch (t->kind) {
    case WY_T_MAP:
      return t->key->kind != WY_T_STRING || wy_fmt_has_non_string_map_key(t->elem);
    case WY_T_ARRAY:
      return wy_fmt_has_non_string_map_key(t->elem);
    case WY_T_STRUCT:
      for (size_t i = 0; i < t->nfields; i++)
        if (wy_fmt_has_non_string_map_key(t->fields[i].type)) return true;
      return false;
    default:
      return false;
  }
}

wy_status_t wy_fmt_check_types(const wy_format_codec_t *c, unsigned allowed, wy_error_t *err) {
  for (size_t i = 0; i < c->ncols; i++) {
    wy_type_kind_t k = c->types[i]->kind;
    if (!(allowed & (1u << k)) && c->format == WY_FORMAT_KAFKA) /* ksqlDB names no column */
      return wy_error_set(err, WY_ERR_UNSUPPORTED, "The 'KAFKA' format does not support type '%s'",
                          wy_type_kind_name(k));
    if (!(allowed & (1u << k)))
      return wy_error_set(err, WY_ERR_UNSUPPORTED,
                          "The '%s' format does not support type '%s', column: `%s`",
                          wy_format_name(c->format), wy_type_kind_name(k), c->names[i]);
  }
  return WY_OK;
}

wy_status_t wy_fmt_reject_wrap(const wy_format_codec_t *c, wy_error_t *err) {
  if (c->wrap == WY_WRAP_TRUE)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
                        wy_format_name(c->format));
  return WY_OK;
}

void wy_format_codec_destroy(wy_format_codec_t *c) {
  if (!c) return;
  if (c->ops && c->ops->close) c->ops->close(c);
  for (size_t i = 0; i < c->ncols; i++) {
    if (c->names) free(c->names[i]);
    if (c->types) wy_type_unref(c->types[i]);
  }
  free(c->names);
  free(c->name_lens);
  free(c->types);
  free(c->used);
  free(c->subject);
  free(c->full_schema_name);
  free(c);
}

wy_format_codec_t *wy_format_codec_new(wy_format_t format, const wy_format_schema_t *schema,
                                       const wy_format_options_t *opts, wy_error_t *err) {
  static const wy_format_options_t defaults = {0};
  if (!opts) opts = &defaults;
  if ((unsigned)format >= WY_FORMAT__COUNT || !schema || (schema->ncols && !schema->cols)) {
    wy_error_set(err, WY_ERR_INVALID, "invalid format or schema");
    return NULL;
  }
  wy_format_codec_t *c = calloc(1, sizeof *c);
  if (!c) goto nomem;
  c->format = format;
  c->is_key = opts->is_key;
  c->wrap = opts->wrap_single;
  c->delimiter = opts->delimiter ? opts->delimiter : ',';
  c->registry = opts->registry;
  c->schema_id = opts->schema_id;
  c->register_schema = opts->register_schema;
  c->pb_nullable = opts->pb_nullable;
  if ((opts->subject && !(c->subject = strdup(opts->subject))) ||
      (opts->full_schema_name && !(c->full_schema_name = strdup(opts->full_schema_name))))
    goto nomem;
  size_t n = schema->ncols;
  c->names = calloc(n + 1, sizeof *c->names);
  c->name_lens = calloc(n + 1, sizeof *c->name_lens);
  c->types = calloc(n + 1, sizeof *c->types);
  c->used = calloc(n + 1, 1);
  if (!c->names || !c->name_lens || !c->types || !c->used) goto nomem;
  for (size_t i = 0; i < n; i++, c->ncols++) {
    const wy_format_column_t *col = &schema->cols[i];
    if (!col->name || !col->type) {
      wy_format_codec_destroy(c);
      wy_error_set(err, WY_ERR_INVALID, "column %zu has no name or type", i);
      return NULL;
    }
    c->names[i] = strdup(col->name);
    if (!c->names[i]) goto nomem;
    c->name_lens[i] = strlen(col->name);
    c->types[i] = wy_type_ref(col->type);
    c->used[i] = opts->projection ? opts->projection[i] != 0 : 1;
  }
  c->ops = FORMATS[format].ops;
  if (c->ops->open(c, err) != WY_OK) {
    c->ops = NULL; /* open cleaned up after itself */
    wy_format_codec_destroy(c);
    return NULL;
  }
  return c;
nomem:
  wy_format_codec_destroy(c);
  wy_error_set(err, WY_ERR_NOMEM, "out of memory building a %s codec", wy_format_name(format));
  return NULL;
}

wy_format_t wy_format_codec_format(const wy_format_codec_t *c) { return c->format; }
size_t wy_format_codec_ncols(const wy_format_codec_t *c) { return c->ncols; }
bool wy_format_codec_unwrapped(const wy_format_codec_t *c) { return c->unwrapped; }

wy_status_t wy_format_decode(wy_format_codec_t *c, const void *bytes, size_t len, wy_arena_t *arena,
                             wy_value_t *cols_out, bool *null_row, wy_error_t *err) {
  bool dummy;
  if (!null_row) null_row = &dummy;
  *null_row = false;
  if (!bytes && len) return wy_error_set(err, WY_ERR_INVALID, "no bytes to decode");
  static const uint8_t empty[1] = {0};
  wy_status_t st = c->ops->decode(c, bytes ? bytes : empty, len, arena, cols_out, null_row, err);
  if (st == WY_OK && *null_row)
    for (size_t i = 0; i < c->ncols; i++) cols_out[i] = wy_null(c->types[i]->kind);
  return st;
}

wy_status_t wy_format_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                             bool *null_record, wy_error_t *err) {
  bool dummy;
  if (!null_record) null_record = &dummy;
  *null_record = false;
  wy_buf_reset(out);
  return c->ops->encode(c, cols, out, null_record, err);
}

/* ---- physical schemas ---- */

static const wy_format_schema_ops_t *schema_ops(wy_format_t f) {
  return (unsigned)f < WY_FORMAT__COUNT ? FORMATS[f].ops->schema : NULL;
}

bool wy_format_sr_type(wy_format_t f, wy_sr_type_t *type_out) {
  const wy_format_schema_ops_t *s = schema_ops(f);
  if (!s || !s->uses_registry) return false;
  if (type_out) *type_out = s->sr_type;
  return true;
}

bool wy_format_has_schema(wy_format_t f) { return schema_ops(f) != NULL; }

wy_status_t wy_format_schema_from_columns(wy_format_t f, const wy_format_schema_t *schema,
                                          const wy_format_options_t *opts, bool unwrapped,
                                          char **text_out, wy_error_t *err) {
  const wy_format_schema_ops_t *s = schema_ops(f);
  if (!s) return wy_error_set(err, WY_ERR_UNSUPPORTED, "%s has no schema", wy_format_name(f));
  wy_format_options_t none = {0};
  return s->from_columns(schema, opts ? opts : &none, unwrapped, text_out, err);
}

wy_status_t wy_format_infer_columns(wy_format_t f, const char *text,
                                    const wy_format_options_t *opts, bool unwrapped,
                                    wy_format_column_t **cols_out, size_t *ncols_out,
                                    wy_error_t *err) {
  const wy_format_schema_ops_t *s = schema_ops(f);
  if (!s || !s->infer_columns)
    return wy_error_set(err, WY_ERR_UNSUPPORTED,
                        "Schema inference for the %s format is not supported", wy_format_name(f));
  wy_format_options_t none = {0};
  return s->infer_columns(text, opts ? opts : &none, unwrapped, cols_out, ncols_out, err);
}

void wy_format_columns_free(wy_format_column_t *cols, size_t n) {
  for (size_t i = 0; cols && i < n; i++) {
    free((char *)cols[i].name);
    wy_type_unref(cols[i].type);
  }
  free(cols);
}

wy_status_t wy_format_sr_compatible(wy_sr_type_t t, const char *reader, const char *writer,
                                    bool *ok, char *why, size_t whycap, wy_error_t *err) {
  *ok = true;
  if (whycap) why[0] = 0;
  for (int i = 0; i < WY_FORMAT__COUNT; i++) {
    const wy_format_schema_ops_t *s = FORMATS[i].ops->schema;
    if (s && s->uses_registry && s->sr_type == t && s->compatible)
      return s->compatible(reader, writer, ok, why, whycap, err);
  }
  return WY_OK;
}
