/* CREATE STREAM / CREATE TABLE with explicit columns: source definitions. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/analyzer/analyzer.h"
#include "engine/analyzer/analyzer_int.h"
#include "engine/base/limits.h"
#include "engine/analyzer/scope.h"
#include "engine/catalog/format_spec.h"
#include "engine/formats/format.h"
#include "engine/registry/registry.h"

static const char *const reserved_names[] = {"ROWTIME", "ROWPARTITION", "ROWOFFSET", "WINDOWSTART",
                                             "WINDOWEND"};

bool wy_analyze_is_reserved(const char *name) {
  for (size_t i = 0; i < sizeof reserved_names / sizeof reserved_names[0]; i++)
    if (strcmp(name, reserved_names[i]) == 0) return true;
  return false;
}

/* X(name) — the WITH properties ksqlDB accepts on sources. */
// clang-format off
#define WY_SOURCE_PROPS(X)                                                         \
  X("KAFKA_TOPIC") X("KEY_FORMAT") X("VALUE_FORMAT") X("FORMAT") X("PARTITIONS")   \
  X("REPLICAS") X("RETENTION_MS") X("TIMESTAMP") X("TIMESTAMP_FORMAT")             \
  X("VALUE_DELIMITER") X("KEY_DELIMITER") X("WRAP_SINGLE_VALUE") X("WINDOW_TYPE")  \
  X("WINDOW_SIZE") X("KEY_SCHEMA_ID") X("VALUE_SCHEMA_ID") X("KEY_SCHEMA_FULL_NAME") \
  X("VALUE_SCHEMA_FULL_NAME") X("VALUE_AVRO_SCHEMA_FULL_NAME")                     \
  X("KEY_PROTOBUF_NULLABLE_REPRESENTATION") X("VALUE_PROTOBUF_NULLABLE_REPRESENTATION") \
  X("SOURCE_CONNECTOR")
// clang-format on

static bool known_prop(const char *name) {
#define WY_X_PROP(n) \
  if (strcasecmp(name, n) == 0) return true;
  WY_SOURCE_PROPS(WY_X_PROP)
#undef WY_X_PROP
  return false;
}

wy_status_t wy_analyze_check_props(const wy_ast_stmt_t *s, wy_error_t *err) {
  for (size_t i = 0; i < s->nprops; i++)
    if (!known_prop(s->props[i]->name))
      return wy_error_set_pos(err, WY_ERR_ANALYSIS, s->props[i]->pos.line, s->props[i]->pos.column,
                              "Invalid config variable(s) in the WITH clause: %s",
                              s->props[i]->name);
  return WY_OK;
}

const char *wy_analyze_prop_text(const wy_ast_stmt_t *s, const char *name) {
  const wy_ast_property_t *p = wy_ast_stmt_property(s, name);
  if (!p || !p->value) return NULL;
  return p->value->text ? p->value->text : p->value->name;
}

/* "json" -> "JSON" into buf. */
static void upper_into(char *buf, size_t cap, const char *s) {
  size_t i = 0;
  for (; s[i] && i < cap - 1; i++) buf[i] = (char)toupper((unsigned char)s[i]);
  buf[i] = '\0';
}

/* A format refuses the properties it has no use for, naming them as ksqlDB's
 * FormatInfo does (a delimiter only for DELIMITED, a schema name only for formats with
 * a schema). A spec without a format (a sink inheriting its source's) is checked once
 * it has one. */
static wy_status_t check_supported_configs(const wy_format_spec_t *f, wy_error_t *err) {
  wy_format_t fmt;
  wy_error_t ig;
  if (!f->name[0] || wy_format_from_name(f->name, &fmt, &ig) != WY_OK) return WY_OK;
  char bad[64] = "";
  if (f->delimiter && fmt != WY_FORMAT_DELIMITED) strcat(bad, "delimiter");
  if (f->full_schema_set && !wy_format_has_schema(fmt))
    strcat(strcat(bad, *bad ? ", " : ""), "fullSchemaName");
  if (!*bad) return WY_OK;
  return wy_error_set(err, WY_ERR_ANALYSIS, "%s does not support the following configs: [%s]",
                      f->name, bad);
}

wy_status_t wy_analyze_formats(const wy_analyzer_ctx_t *cx, const wy_ast_stmt_t *s,
                               wy_format_spec_t *key, wy_format_spec_t *value, bool key_required,
                               bool value_required, wy_error_t *err) {
  const char *fmt = wy_analyze_prop_text(s, "FORMAT");
  const char *kf = wy_analyze_prop_text(s, "KEY_FORMAT");
  const char *vf = wy_analyze_prop_text(s, "VALUE_FORMAT");
  if (fmt && kf)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both "
        "key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and "
        "'VALUE_FORMAT'.");
  if (fmt && vf)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Cannot supply both 'VALUE_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets "
        "both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and "
        "'VALUE_FORMAT'.");
  if (fmt) kf = vf = fmt;
  if (!kf && key_required) {
    kf = cx->property ? cx->property(cx->user, "ksql.persistence.default.format.key") : NULL;
    if (!kf || !*kf) kf = "KAFKA";
  }
  if (!vf && value_required) {
    vf = cx->property ? cx->property(cx->user, "ksql.persistence.default.format.value") : NULL;
    if (!vf || !*vf)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. "
                          "Either provide one or set a default via the "
                          "'ksql.persistence.default.format.value' config.");
  }
  char name[24];
  wy_format_t f;
  if (kf) {
    upper_into(name, sizeof name, kf);
    if (wy_format_from_name(name, &f, err) != WY_OK) return err->code;
    wy_format_spec_init(key, name);
  }
  if (vf) {
    upper_into(name, sizeof name, vf);
    if (wy_format_from_name(name, &f, err) != WY_OK) return err->code;
    wy_format_spec_init(value, name);
  }
  /* ksqlDB checks these while it prepares the statement, before the analysis */
  static const char *const delimiter_keys[] = {"VALUE_DELIMITER", "KEY_DELIMITER"};
  for (int i = 0; i < 2; i++) {
    const char *d = wy_analyze_prop_text(s, delimiter_keys[i]);
    if (d && wy_format_parse_delimiter(d, i ? &key->delimiter : &value->delimiter, err) != WY_OK) {
      char reason[sizeof err->msg];
      snprintf(reason, sizeof reason, "%s", err->msg);
      return wy_error_set(err, err->code,
                          "Failed to prepare statement: Configuration %s is invalid: %s\n"
                          "Example valid value: ';'",
                          delimiter_keys[i], reason);
    }
  }
  const char *wrap = wy_analyze_prop_text(s, "WRAP_SINGLE_VALUE");
  if (wrap) {
    bool on = strcasecmp(wrap, "true") == 0;
    if (on && (strcmp(value->name, "KAFKA") == 0 || strcmp(value->name, "DELIMITED") == 0 ||
               strcmp(value->name, "NONE") == 0))
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
                          value->name);
    if (!on && strncmp(value->name, "PROTOBUF", 8) == 0)
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'false'.",
                          value->name);
    value->wrap_single = on ? 1 : 0;
  }
  const char *id;
  if ((id = wy_analyze_prop_text(s, "KEY_SCHEMA_ID"))) key->schema_id = atoi(id);
  if ((id = wy_analyze_prop_text(s, "VALUE_SCHEMA_ID"))) value->schema_id = atoi(id);
  for (int k = 0; k < 2; k++) {
    const char *rep = wy_analyze_prop_text(
        s, k ? "KEY_PROTOBUF_NULLABLE_REPRESENTATION" : "VALUE_PROTOBUF_NULLABLE_REPRESENTATION");
    if (!rep) continue;
    wy_format_spec_t *spec = k ? key : value;
    if (strcasecmp(rep, "OPTIONAL") == 0)
      spec->pb_nullable = 1;
    else if (strcasecmp(rep, "WRAPPER") == 0)
      spec->pb_nullable = 2;
    else
      return wy_error_set(err, WY_ERR_ANALYSIS,
                          "Invalid value %s for property %s_PROTOBUF_NULLABLE_REPRESENTATION: "
                          "String must be one of: OPTIONAL, WRAPPER",
                          rep, k ? "KEY" : "VALUE");
  }
  const char *full;
  if ((full = wy_analyze_prop_text(s, "KEY_SCHEMA_FULL_NAME"))) {
    snprintf(key->full_schema_name, sizeof key->full_schema_name, "%s", full);
    key->full_schema_set = true;
  }
  if ((full = wy_analyze_prop_text(s, "VALUE_SCHEMA_FULL_NAME")) ||
      (full = wy_analyze_prop_text(s, "VALUE_AVRO_SCHEMA_FULL_NAME"))) {
    snprintf(value->full_schema_name, sizeof value->full_schema_name, "%s", full);
    value->full_schema_set = true;
  }
  if (check_supported_configs(key, err) != WY_OK || check_supported_configs(value, err) != WY_OK)
    return err->code;
  return WY_OK;
}

static bool type_contains_map(const wy_type_t *t) {
  if (!t) return false;
  switch (t->kind) {
    case WY_T_MAP:
      return true;
    case WY_T_ARRAY:
      return type_contains_map(t->elem);
    case WY_T_STRUCT:
      for (size_t i = 0; i < t->nfields; i++)
        if (type_contains_map(t->fields[i].type)) return true;
      return false;
    default:
      return false;
  }
}

wy_status_t wy_analyze_check_key_types(const wy_schema_t *schema, wy_error_t *err) {
  for (size_t i = 0; i < schema->n; i++) {
    const wy_column_t *c = &schema->cols[i];
    if (c->ns != WY_NS_KEY || !type_contains_map(c->type)) continue;
    char t[256];
    wy_type_format(c->type, t, sizeof t);
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Map keys, including types that contain maps, are not supported as they may "
        "lead to unexpected behavior due to inconsistent serialization. Key column "
        "name: `%s`. Column type: %s. See "
        "https://github.com/confluentinc/ksql/issues/6621 for more.",
        c->name, t);
  }
  return WY_OK;
}

/* ksqlDB's wrapping of a format's refusal of a schema: which side, the format, the
 * columns as its PersistenceSchema prints them, then the format's reason. */
static wy_status_t format_refusal(const wy_schema_t *schema, bool key, const wy_format_spec_t *spec,
                                  wy_error_t *err) {
  wy_status_t code = err->code ? err->code : WY_ERR_ANALYSIS;
  char reason[sizeof err->msg], cols[1024];
  snprintf(reason, sizeof reason, "%s", err->msg);
  size_t len = 0;
  cols[0] = 0;
  for (size_t i = 0; i < schema->n && len < sizeof cols; i++) {
    const wy_column_t *c = &schema->cols[i];
    if ((key && c->ns != WY_NS_KEY) || (!key && c->ns != WY_NS_VALUE)) continue;
    char t[512];
    wy_type_format(c->type, t, sizeof t);
    len += (size_t)snprintf(cols + len, sizeof cols - len, "%s`%s` %s%s", len ? ", " : "", c->name,
                            t, key ? " KEY" : "");
  }
  bool unwrapped = !key && spec->wrap_single == 0;
  return wy_error_set(err, code,
                      "%s format does not support schema.\nformat: %s\nschema: "
                      "Persistence{columns=[%s], features=[%s]}\nreason: %s",
                      key ? "Key" : "Value", spec->name, cols, unwrapped ? "UNWRAP_SINGLES" : "",
                      reason);
}

/* Build the format schema (key or value columns) of a source and ask the format
 * whether it supports it: this yields the format's own error messages. */
wy_status_t wy_analyze_check_format(const wy_schema_t *schema, bool key,
                                    const wy_format_spec_t *spec, wy_error_t *err) {
  if (!spec->name[0]) return WY_OK;
  wy_format_t f;
  if (wy_format_from_name(spec->name, &f, err) != WY_OK) return err->code;
  wy_format_column_t *cols = calloc(schema->n + 1, sizeof *cols);
  if (!cols) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < schema->n; i++) {
    const wy_column_t *c = &schema->cols[i];
    if ((key && c->ns != WY_NS_KEY) || (!key && c->ns != WY_NS_VALUE)) continue;
    cols[n].name = c->name;
    cols[n].type = c->type;
    n++;
  }
  if (f == WY_FORMAT_NONE && n > 0) {
    char text[1024];
    wy_schema_t only;
    wy_schema_init(&only);
    for (size_t i = 0; i < schema->n; i++) {
      const wy_column_t *c = &schema->cols[i];
      if ((key && c->ns == WY_NS_KEY) || (!key && c->ns == WY_NS_VALUE))
        wy_schema_add(&only, c->name, wy_type_ref(c->type), c->ns, NULL, NULL);
    }
    wy_schema_format(&only, false, text, sizeof text);
    wy_schema_clear(&only);
    free(cols);
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "The 'NONE' format can only be used when no columns are defined. Got: [%s]",
                        text);
  }
  wy_format_schema_t fs = {n, cols};
  wy_format_options_t opts = {0};
  opts.is_key = key;
  opts.delimiter = spec->delimiter;
  opts.wrap_single = spec->wrap_single < 0 ? WY_WRAP_DEFAULT
                     : spec->wrap_single   ? WY_WRAP_TRUE
                                           : WY_WRAP_FALSE;
  opts.full_schema_name =
      spec->full_schema_name[0] || spec->full_schema_set ? spec->full_schema_name : NULL;
  wy_format_codec_t *codec = wy_format_codec_new(f, &fs, &opts, err);
  free(cols);
  if (!codec) return format_refusal(schema, key, spec, err);
  wy_format_codec_destroy(codec);
  return WY_OK;
}

wy_status_t wy_analyze_timestamp_column(const wy_ast_stmt_t *s, wy_source_def_t *d,
                                        wy_error_t *err) {
  const char *ts = wy_analyze_prop_text(s, "TIMESTAMP");
  if (!ts) return WY_OK;
  char name[256];
  upper_into(name, sizeof name, ts);
  int at = wy_schema_find(&d->schema, name);
  if (at < 0)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", name);
  const char *tf = wy_analyze_prop_text(s, "TIMESTAMP_FORMAT");
  if (!(d->timestamp_column = strdup(name)) || (tf && !(d->timestamp_format = strdup(tf))))
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_type_kind_t k = d->schema.cols[at].type->kind;
  if (!tf && k != WY_T_BIGINT && k != WY_T_TIMESTAMP)
    return wy_error_set(
        err, WY_ERR_ANALYSIS,
        "Timestamp column, `%s`, should be LONG(INT64), TIMESTAMP, or a String with a "
        "timestamp_format specified.",
        name);
  return WY_OK;
}

static const char *kind_word(wy_source_kind_t k) {
  return k == WY_SOURCE_TABLE ? "table" : "stream";
}

bool wy_analyze_is_sr_format(const wy_format_spec_t *f) {
  wy_format_t fmt;
  wy_error_t ig;
  return wy_format_from_name(f->name, &fmt, &ig) == WY_OK && wy_format_sr_type(fmt, NULL);
}

/* Schema inference (ksqlDB's): columns from the latest schema of <topic>-key/-value, or
 * from the schema with the id given in WITH. A missing key schema means a key-less
 * source; a missing value schema is an error. */
static wy_status_t infer_columns(const wy_analyzer_ctx_t *cx, wy_source_def_t *d, bool key,
                                 wy_schema_t *out, wy_error_t *err) {
  const wy_format_spec_t *f = key ? &d->key_format : &d->value_format;
  wy_codec_request_t req = {key, d->topic, cx->sr, false, NULL, NULL, 0};
  wy_format_t fmt;
  wy_format_options_t opts;
  char subject[512];
  if (wy_format_spec_options(f, &req, &fmt, &opts, subject, sizeof subject, err) != WY_OK)
    return err->code;
  wy_sr_type_t want, type = WY_SR_AVRO;
  if (!wy_format_sr_type(fmt, &want))
    return wy_error_set(err, WY_ERR_UNSUPPORTED,
                        "Schema inference for the %s format is not supported", f->name);
  if (!cx->sr)
    return wy_error_set(
        err, WY_ERR_CONFIG,
        "Schema Registry url is not set: schema inference for %s needs 'ksql.schema.registry.url'",
        key ? "keys" : "values");
  const char *schema = NULL;
  int32_t id = f->schema_id;
  wy_error_t lookup;
  wy_error_clear(&lookup);
  wy_status_t st = id > 0 ? wy_sr_get_schema(cx->sr, id, &schema, &type, &lookup)
                          : wy_sr_latest(cx->sr, subject, &id, &schema, &type, &lookup);
  if (st != WY_OK) {
    if (key && id <= 0) return WY_OK; /* no key schema: a key-less source */
    if (id > 0)
      return wy_error_set(err, WY_ERR_NOT_FOUND,
                          "Schema with id %d does not exist in the Schema Registry", (int)id);
    return wy_error_set(
        err, WY_ERR_NOT_FOUND,
        "Schema for message %s on topic '%s' does not exist in the Schema Registry.Subject: %s",
        key ? "keys" : "values", d->topic, subject);
  }
  if (type != want)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "The schema of subject %s (id %d) is a %s schema, which the %s format "
                        "cannot read",
                        subject, (int)id, wy_sr_type_name(type), f->name);
  wy_format_column_t *cols = NULL;
  size_t n = 0;
  bool unwrapped = key || f->wrap_single == 0;
  if (wy_format_infer_columns(fmt, schema, &opts, unwrapped, &cols, &n, err) != WY_OK)
    return err->code;
  for (size_t i = 0; i < n && st == WY_OK; i++)
    st = wy_schema_add(out, cols[i].name, wy_type_ref(cols[i].type), key ? WY_NS_KEY : WY_NS_VALUE,
                       NULL, err);
  wy_format_columns_free(cols, n);
  /* the source writes (INSERT VALUES) with the schema its columns came from, as ksqlDB
   * pins an inferred schema's id: a generated one could be refused by the subject */
  if (st == WY_OK) (key ? &d->key_format : &d->value_format)->schema_id = id;
  return st;
}

/* WINDOW_SIZE: a time window's, in ksqlDB's duration syntax ("30 SECONDS"); a session
 * window has none (its sessions are as long as their records make them). ksqlDB refuses
 * a bad one as it parses the statement. */
static wy_status_t window_size(const wy_ast_stmt_t *s, wy_source_def_t *d, wy_error_t *err) {
  const char *ws = wy_analyze_prop_text(s, "WINDOW_SIZE");
  if (d->window == WY_WINDOW_SESSION)
    return ws ? wy_error_set(err, WY_ERR_PARSE,
                             "'WINDOW_SIZE' should not be set for SESSION windows.")
              : WY_OK;
  if (!ws)
    return wy_error_set(err, WY_ERR_PARSE,
                        "Tumbling and Hopping window types should set WINDOW_SIZE in the WITH "
                        "clause.");
  d->window_size_ms = wy_analyze_parse_duration_ms(ws);
  if (d->window_size_ms > 0) return WY_OK;
  const char *unit = ws;
  while (*unit && (isdigit((unsigned char)*unit) || *unit == ' ')) unit++;
  char upper[64];
  size_t n = 0;
  for (; unit[n] && n + 1 < sizeof upper; n++) upper[n] = (char)toupper((unsigned char)unit[n]);
  upper[n] = '\0';
  return wy_error_set(err, WY_ERR_PARSE,
                      "Configuration WINDOW_SIZE is invalid: Invalid duration: '%s'. Unknown time "
                      "unit: '%s'",
                      ws, upper);
}

wy_status_t wy_analyze_create_source(const wy_analyzer_ctx_t *cx, const wy_ast_stmt_t *s,
                                     wy_source_def_t **out, wy_error_t *err) {
  *out = NULL;
  wy_source_kind_t kind = s->kind == WY_AST_STMT_CREATE_TABLE ? WY_SOURCE_TABLE : WY_SOURCE_STREAM;
  if (s->or_replace && s->is_source)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.",
                        kind_word(kind), s->name, kind_word(kind));
  if (wy_analyze_check_props(s, err) != WY_OK) return err->code;
  const char *topic = wy_analyze_prop_text(s, "KAFKA_TOPIC");
  if (!topic)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Missing required property \"KAFKA_TOPIC\" which has no default value.");
  bool infer_values = false;
  {
    /* Format errors come first, as in ksqlDB. */
    wy_format_spec_t k, v;
    if (wy_analyze_formats(cx, s, &k, &v, true, true, err) != WY_OK) return err->code;
    infer_values = wy_analyze_is_sr_format(&v);
  }
  if (s->ncolumns == 0 && !infer_values)
    return wy_error_set(err, WY_ERR_ANALYSIS, "The statement does not define any columns.");
  if (wy_limit_check(err, WY_LIMIT_COLUMNS, "The statement", s->ncolumns, s->pos.line,
                     s->pos.column) != WY_OK)
    return err->code;
  size_t nkeys = 0;
  for (size_t i = 0; i < s->ncolumns; i++)
    nkeys += s->columns[i]->constraint == WY_AST_COL_KEY ||
             s->columns[i]->constraint == WY_AST_COL_PRIMARY_KEY;
  if (wy_limit_check(err, WY_LIMIT_KEY_COLUMNS, "The statement", nkeys, s->pos.line,
                     s->pos.column) != WY_OK)
    return err->code;

  wy_source_def_t *d = wy_source_def_new(s->name, kind);
  if (!d) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  d->is_source = s->is_source;
  d->topic = strdup(topic);
  d->sql = s->text ? strdup(s->text) : NULL;
  wy_status_t st = wy_analyze_formats(cx, s, &d->key_format, &d->value_format, true, true, err);

  /* Key columns first, then the others in declaration order (ksqlDB's LogicalSchema). */
  size_t nheaders_all = 0;
  for (int pass = 0; st == WY_OK && pass < 2; pass++) {
    for (size_t i = 0; st == WY_OK && i < s->ncolumns; i++) {
      const wy_ast_column_def_t *c = s->columns[i];
      bool is_key = c->constraint == WY_AST_COL_KEY || c->constraint == WY_AST_COL_PRIMARY_KEY;
      if (is_key != (pass == 0)) continue;
      if (wy_analyze_is_reserved(c->name)) {
        st = wy_error_set_pos(
            err, WY_ERR_ANALYSIS, c->pos.line, c->pos.column,
            "'%s' is a reserved column name. You cannot use it as a name for a column.", c->name);
        break;
      }
      if (kind == WY_SOURCE_STREAM && c->constraint == WY_AST_COL_PRIMARY_KEY) {
        st = wy_error_set_pos(
            err, WY_ERR_ANALYSIS, c->pos.line, c->pos.column,
            "Column `%s` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\n"
            "Tables have PRIMARY KEYs, which are unique and NON NULL.\n"
            "Streams have KEYs, which have no uniqueness or NON NULL constraints.",
            c->name);
        break;
      }
      if (kind == WY_SOURCE_TABLE && c->constraint == WY_AST_COL_KEY) {
        st =
            wy_error_set_pos(err, WY_ERR_ANALYSIS, c->pos.line, c->pos.column,
                             "Column `%s` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\n"
                             "Tables have PRIMARY KEYs, which are unique and NON NULL.\n"
                             "Streams have KEYs, which have no uniqueness or NON NULL constraints.",
                             c->name);
        break;
      }
      if (wy_schema_find(&d->schema, c->name) >= 0) {
        st = wy_error_set_pos(err, WY_ERR_ANALYSIS, c->pos.line, c->pos.column,
                              "Duplicate column names: `%s`", c->name);
        break;
      }
      const wy_type_t *t = wy_convert_type(cx->catalog, c->type, err);
      if (!t) {
        st = err->code;
        break;
      }
      wy_col_ns_t ns = is_key ? WY_NS_KEY : WY_NS_VALUE;
      if (c->constraint == WY_AST_COL_HEADERS) {
        ns = WY_NS_HEADERS;
        nheaders_all++;
        const wy_type_t *want = wy_analyze_headers_type();
        bool ok = wy_type_equal(t, want);
        char got[256], exp[256];
        wy_type_format(t, got, sizeof got);
        wy_type_format(want, exp, sizeof exp);
        wy_type_unref(want);
        if (!ok) {
          wy_type_unref(t);
          st = wy_error_set(err, WY_ERR_ANALYSIS,
                            "Invalid type for HEADERS column: expected %s, got %s", exp, got);
          break;
        }
      } else if (c->constraint == WY_AST_COL_HEADER) {
        ns = WY_NS_HEADER;
        if (t->kind != WY_T_BYTES) {
          char got[256];
          wy_type_format(t, got, sizeof got);
          wy_type_unref(t);
          st = wy_error_set(err, WY_ERR_ANALYSIS,
                            "Invalid type for HEADER('%s') column: expected BYTES, got %s",
                            c->header_key, got);
          break;
        }
      }
      st = wy_schema_add(&d->schema, c->name, t, ns, c->header_key, err);
    }
  }
  /* Columns the statement leaves out come from the Schema Registry. */
  if (st == WY_OK && ((wy_schema_count_ns(&d->schema, WY_NS_VALUE) == 0 &&
                       wy_analyze_is_sr_format(&d->value_format)) ||
                      (wy_schema_count_ns(&d->schema, WY_NS_KEY) == 0 &&
                       wy_analyze_is_sr_format(&d->key_format)))) {
    wy_schema_t keys, vals;
    wy_schema_init(&keys);
    wy_schema_init(&vals);
    if (wy_schema_count_ns(&d->schema, WY_NS_KEY) == 0 && wy_analyze_is_sr_format(&d->key_format))
      st = infer_columns(cx, d, true, &keys, err);
    if (st == WY_OK && wy_schema_count_ns(&d->schema, WY_NS_VALUE) == 0 &&
        wy_analyze_is_sr_format(&d->value_format))
      st = infer_columns(cx, d, false, &vals, err);
    if (st == WY_OK) {
      wy_schema_t merged;
      wy_schema_init(&merged);
      for (int pass = 0; pass < 3 && st == WY_OK; pass++) {
        const wy_schema_t *from = pass == 0 ? &keys : pass == 1 ? &d->schema : &vals;
        for (size_t i = 0; i < from->n && st == WY_OK; i++) {
          const wy_column_t *c = &from->cols[i];
          if (pass == 1 && c->ns == WY_NS_KEY) {
            st = wy_schema_add(&merged, c->name, wy_type_ref(c->type), c->ns, c->header_key, err);
            continue;
          }
          if (pass == 1) continue;
          st = wy_schema_add(&merged, c->name, wy_type_ref(c->type), c->ns, c->header_key, err);
        }
      }
      /* declared value and header columns keep their place after the keys */
      for (size_t i = 0; i < d->schema.n && st == WY_OK; i++)
        if (d->schema.cols[i].ns != WY_NS_KEY)
          st = wy_schema_add(&merged, d->schema.cols[i].name, wy_type_ref(d->schema.cols[i].type),
                             d->schema.cols[i].ns, d->schema.cols[i].header_key, err);
      wy_schema_clear(&d->schema);
      d->schema = merged;
    }
    wy_schema_clear(&keys);
    wy_schema_clear(&vals);
  }
  if (st == WY_OK && d->schema.n == 0)
    st = wy_error_set(err, WY_ERR_ANALYSIS, "The statement does not define any columns.");
  if (st == WY_OK && nheaders_all > 1)
    st = wy_error_set(err, WY_ERR_ANALYSIS, "Schema already contains a HEADERS column.");
  if (st == WY_OK && kind == WY_SOURCE_TABLE && wy_schema_count_ns(&d->schema, WY_NS_KEY) == 0)
    st = wy_error_set(err, WY_ERR_ANALYSIS,
                      "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.");
  if (st == WY_OK) st = wy_analyze_check_key_types(&d->schema, err);
  if (st == WY_OK && wy_schema_count_ns(&d->schema, WY_NS_KEY) == 0 &&
      !wy_analyze_prop_text(s, "KEY_FORMAT") && !wy_analyze_prop_text(s, "FORMAT"))
    wy_format_spec_init(&d->key_format, "NONE"); /* key-less stream */
  if (st == WY_OK) st = wy_analyze_check_format(&d->schema, true, &d->key_format, err);
  if (st == WY_OK) st = wy_analyze_check_format(&d->schema, false, &d->value_format, err);

  if (st == WY_OK) st = wy_analyze_timestamp_column(s, d, err);
  /* Partitions: WITH, else the topic's, else 1. */
  const char *parts = wy_analyze_prop_text(s, "PARTITIONS");
  if (parts) d->partitions = atoi(parts);
  if (parts && st == WY_OK && d->partitions > (int)wy_limit(WY_LIMIT_PARTITIONS))
    st = wy_limit_refuse(err, WY_LIMIT_PARTITIONS, "The topic", (size_t)d->partitions, 0, 0);
  else if (!parts && cx->topic_partitions) {
    int p = cx->topic_partitions(cx->user, d->topic);
    if (p > 0) d->partitions = p;
  }
  const char *reps = wy_analyze_prop_text(s, "REPLICAS");
  if (reps) d->replicas = atoi(reps);
  /* Windowed sources */
  const char *wt = wy_analyze_prop_text(s, "WINDOW_TYPE");
  if (st == WY_OK && wt) {
    if (strcasecmp(wt, "TUMBLING") == 0)
      d->window = WY_WINDOW_TUMBLING;
    else if (strcasecmp(wt, "HOPPING") == 0)
      d->window = WY_WINDOW_HOPPING;
    else if (strcasecmp(wt, "SESSION") == 0)
      d->window = WY_WINDOW_SESSION;
    else
      st = wy_error_set(err, WY_ERR_ANALYSIS, "Invalid WINDOW_TYPE: %s", wt);
    if (st == WY_OK) st = window_size(s, d, err);
  }
  if (st != WY_OK) {
    wy_source_def_destroy(d);
    return st;
  }
  *out = d;
  return WY_OK;
}

const wy_type_t *wy_analyze_headers_type(void) {
  wy_type_t *st = wy_type_struct_new();
  if (!st || !wy_type_struct_add(st, "KEY", wy_type_string()) ||
      !wy_type_struct_add(st, "VALUE", wy_type_bytes())) {
    wy_type_unref(st);
    return NULL;
  }
  return wy_type_array(st);
}

int64_t wy_analyze_parse_duration_ms(const char *text) {
  char *end;
  long long n = strtoll(text, &end, 10);
  if (end == text || n < 0) return -1;
  while (*end == ' ') end++;
  if (!*end) return n;
  static const struct {
    const char *unit;
    int64_t ms;
  } units[] = {{"MILLISECOND", 1},
               {"SECOND", 1000},
               {"MINUTE", 60000},
               {"HOUR", 3600000},
               {"DAY", 86400000}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strncasecmp(end, units[i].unit, strlen(units[i].unit)) == 0) return n * units[i].ms;
  return -1;
}
