/*
 * executor_engine.c — the QTT executor backed by the real engine.
 *
 * As ksqlDB's TestExecutor: a fresh engine and in-memory broker per case, the base
 * config plus the case's properties, every statement in order, then the `inputs`
 * serialized with each source topic's formats and piped query by query, one record
 * at a time, with internal (repartition) topics drained after each record. Outputs are
 * read back from the broker and decoded by the format of the source that owns the
 * topic.
 */
#include "engine/testing/executor_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connectors/memory/memory.h"
#include "engine/base/decimal.h"
#include "engine/base/log.h"
#include "engine/engine.h"
#include "engine/formats/format.h"
#include "engine/formats/windowed.h"
#include "engine/testing/qtt_json.h"
#include "engine/catalog/format_spec.h"
#include "engine/base/decimal.h"
#include "engine/formats/avro.h"
#include "engine/registry/registry.h"
#include "engine/runtime/driver.h"
#include "parser/parser.h"

typedef struct topic_set {
  char **names;
  size_t n;
} topic_set_t;

static void topics_add(topic_set_t *t, const char *name) {
  if (!name) return;
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->names[i], name) == 0) return;
  char **grown = realloc(t->names, (t->n + 1) * sizeof *grown);
  if (!grown) return;
  t->names = grown;
  t->names[t->n++] = strdup(name);
}

static void topics_free(topic_set_t *t) {
  for (size_t i = 0; i < t->n; i++) free(t->names[i]);
  free(t->names);
}

/* The one column type of a KAFKA-format key or value, or NULL. */
static const wy_type_t *single_type(const wy_source_def_t *d, bool key) {
  const wy_type_t *t = NULL;
  size_t n = 0;
  for (size_t i = 0; i < d->schema.n; i++) {
    wy_col_ns_t ns = d->schema.cols[i].ns;
    if ((key && ns == WY_NS_KEY) || (!key && ns == WY_NS_VALUE)) {
      t = d->schema.cols[i].type;
      n++;
    }
  }
  return n == 1 ? t : NULL;
}

static void put_be(uint8_t *p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
}

static double value_as_double(const wy_value_t *v) {
  switch (v->kind) {
    case WY_T_INT:
      return v->u.i32;
    case WY_T_BIGINT:
      return (double)v->u.i64;
    case WY_T_DOUBLE:
      return v->u.f64;
    case WY_T_DECIMAL: { /* through the text: the double nearest the decimal, as Java */
      char text[64];
      wy_decimal_format(v->u.dec, v->scale, text, sizeof text);
      return strtod(text, NULL);
    }
    default:
      return 0;
  }
}

static int64_t value_as_int(const wy_value_t *v) {
  switch (v->kind) {
    case WY_T_INT:
      return v->u.i32;
    case WY_T_BIGINT:
      return v->u.i64;
    case WY_T_DOUBLE:
      return (int64_t)v->u.f64;
    case WY_T_DECIMAL: {
      wy_int128_t x = v->u.dec;
      for (int i = 0; i < v->scale; i++) x /= 10;
      return (int64_t)x;
    }
    default:
      return 0;
  }
}

/* The key or value columns of a source as a format schema, in cols (room for every
 * column of the source). */
static size_t side_columns(const wy_source_def_t *d, bool key, wy_format_column_t *cols) {
  size_t n = 0;
  for (size_t i = 0; i < d->schema.n; i++) {
    wy_col_ns_t ns = d->schema.cols[i].ns;
    if ((key && ns == WY_NS_KEY) || (!key && ns == WY_NS_VALUE)) {
      cols[n].name = d->schema.cols[i].name;
      cols[n].type = d->schema.cols[i].type;
      n++;
    }
  }
  return n;
}

/* A codec for a source's key or value columns, in the given format (the source's spec
 * otherwise: delimiter, wrapping). */
static wy_format_codec_t *side_codec(const wy_source_def_t *d, bool key, wy_format_t f, wy_sr_t *sr,
                                     int32_t id, wy_error_t *err) {
  wy_format_column_t *cols = calloc(d->schema.n + 1, sizeof *cols);
  if (!cols) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  size_t n = side_columns(d, key, cols);
  wy_format_spec_t spec = key ? d->key_format : d->value_format;
  /* PROTOBUF keys are always a message: their test JSON is an object */
  if (key && f == WY_FORMAT_JSON && strncmp(spec.name, "PROTOBUF", 8) == 0) spec.wrap_single = 1;
  snprintf(spec.name, sizeof spec.name, "%s", wy_format_name(f));
  wy_codec_request_t req = {key, d->topic, sr, id <= 0 && id != -1, NULL, NULL, id};
  wy_format_codec_t *c = wy_format_spec_codec(&spec, cols, n, &req, err);
  free(cols); /* the codec copies the names */
  return c;
}

/* side_codec over given columns instead of the source's. */
static wy_format_codec_t *cols_codec(const wy_source_def_t *d, bool key, wy_format_t f, wy_sr_t *sr,
                                     int32_t id, const wy_format_column_t *cols, size_t n,
                                     wy_error_t *err) {
  wy_format_spec_t spec = key ? d->key_format : d->value_format;
  snprintf(spec.name, sizeof spec.name, "%s", wy_format_name(f));
  wy_codec_request_t req = {key, d->topic, sr, false, NULL, NULL, id};
  return wy_format_spec_codec(&spec, cols, n, &req, err);
}

/* Spec JSON -> bytes written with the subject's latest schema through the columns that
 * schema stands for, when the source's declared columns cannot hold the spec's values
 * (a declared MAP<STRING, STRING> over a map of ints): ksqlDB's test serdes write
 * inputs with the topic's schema, whatever the source declares. */
static bool json_through_registered(const char *json, size_t len, const wy_source_def_t *d,
                                    bool key, wy_format_t f, wy_sr_t *sr, wy_buf_t *buf,
                                    bool *is_null, wy_error_t *err) {
  char subject[512];
  snprintf(subject, sizeof subject, "%s-%s", d->topic, key ? "key" : "value");
  int32_t id;
  const char *text;
  if (!wy_format_sr_type(f, NULL) || wy_sr_latest(sr, subject, &id, &text, NULL, err) != WY_OK)
    return false;
  wy_format_column_t *decl = calloc(d->schema.n + 1, sizeof *decl);
  size_t ndecl = decl ? side_columns(d, key, decl) : 0;
  free(decl);
  const wy_format_spec_t *spec = key ? &d->key_format : &d->value_format;
  bool unwrapped = ndecl == 1 && (key || spec->wrap_single == 0);
  wy_format_options_t o = {.is_key = key};
  wy_format_column_t *cols = NULL;
  size_t n = 0;
  if (wy_format_infer_columns(f, text, &o, unwrapped, &cols, &n, err) != WY_OK) return false;
  wy_format_codec_t *jc = cols_codec(d, key, WY_FORMAT_JSON, NULL, 0, cols, n, err);
  wy_format_codec_t *fc = jc ? cols_codec(d, key, f, sr, id, cols, n, err) : NULL;
  bool ok = false;
  if (jc && fc) {
    wy_arena_t a;
    wy_arena_init(&a, 0);
    wy_value_t *vals = wy_arena_calloc(&a, n + 1, sizeof *vals);
    bool null_row = false;
    ok = vals && wy_format_decode(jc, json, len, &a, vals, &null_row, err) == WY_OK;
    if (ok && null_row)
      *is_null = true;
    else if (ok)
      ok = wy_format_encode(fc, vals, buf, is_null, err) == WY_OK;
    wy_arena_release(&a);
  }
  wy_format_codec_destroy(jc);
  wy_format_codec_destroy(fc);
  wy_format_columns_free(cols, n);
  return ok;
}

/* A spec JSON value as text (malloc'd, *len bytes), or NULL when out of memory. */
static char *json_text(const wy_value_t *v, size_t *len) {
  *len = wy_qtt_json_format(v, NULL, 0);
  char *text = malloc(*len + 1);
  if (text) wy_qtt_json_format(v, text, *len + 1);
  return text;
}

/* The format named by a source's key or value spec, when it has a physical schema
 * (AVRO, PROTOBUF, PROTOBUF_NOSR, JSON_SR): the runner converts its records through
 * the JSON codec, as ksqlDB's test serdes do. */
static bool schema_format(const wy_source_def_t *d, bool key, wy_format_t *out) {
  wy_error_t ig;
  const char *name = key ? d->key_format.name : d->value_format.name;
  return wy_format_from_name(name, out, &ig) == WY_OK && wy_format_has_schema(*out);
}

/* A non-NULL value of kind k that a proto3 field leaves out as its default. */
static wy_value_t zero_value(uint8_t k) {
  static const wy_list_t empty_list = {0, NULL};
  static const wy_map_t empty_map = {0, NULL, NULL};
  wy_value_t v = {0};
  v.kind = k;
  if (k == WY_T_STRING || k == WY_T_BYTES) v.u.str = "";
  if (k == WY_T_ARRAY || k == WY_T_STRUCT) v.u.list = &empty_list;
  if (k == WY_T_MAP) v.u.map = &empty_map;
  return v;
}

/* Spec JSON -> typed columns (JSON codec) -> bytes of the source's schema format,
 * written with the subject's latest schema, as ksqlDB's test serdes do. */
static bool json_to_schema_format(const wy_value_t *v, const wy_source_def_t *d, bool key,
                                  wy_format_t f, wy_sr_t *sr, wy_buf_t *buf, bool *is_null,
                                  wy_error_t *err) {
  size_t n;
  char *small = json_text(v, &n);
  if (!small) return wy_error_set(err, WY_ERR_NOMEM, "out of memory"), false;
  char subject[512];
  snprintf(subject, sizeof subject, "%s-%s", d->topic, key ? "key" : "value");
  int32_t id = 0;
  wy_error_t ig;
  if (!wy_format_sr_type(f, NULL) || wy_sr_latest(sr, subject, &id, NULL, NULL, &ig) != WY_OK)
    id = 0;
  wy_format_codec_t *jc = side_codec(d, key, WY_FORMAT_JSON, NULL, 0, err);
  wy_format_codec_t *ac = jc ? side_codec(d, key, f, sr, id, err) : NULL;
  bool ok = false;
  if (jc && ac) {
    wy_arena_t a;
    wy_arena_init(&a, 0);
    wy_value_t *cols = wy_arena_calloc(&a, wy_format_codec_ncols(jc) + 1, sizeof *cols);
    bool null_row = false;
    ok = cols && wy_format_decode(jc, small, n, &a, cols, &null_row, err) == WY_OK;
    if (ok && null_row) {
      *is_null = true;
    } else if (ok) {
      /* a PROTOBUF key of NULL fields is an empty message, not the null key the
       * encoder makes of it: write a zero instead (the same bytes) */
      size_t nc = wy_format_codec_ncols(ac), nn = 0;
      while (nn < nc && cols[nn].null) nn++;
      if (key && nc && nn == nc && strncmp(d->key_format.name, "PROTOBUF", 8) == 0)
        cols[0] = zero_value(cols[0].kind);
      ok = wy_format_encode(ac, cols, buf, is_null, err) == WY_OK;
    }
    wy_arena_release(&a);
  }
  wy_format_codec_destroy(jc);
  wy_format_codec_destroy(ac);
  if (!ok && id > 0) {
    buf->len = 0;
    ok = json_through_registered(small, n, d, key, f, sr, buf, is_null, err);
  }
  free(small);
  return ok;
}

/* A decoded DOUBLE reads back from the JSON text as an exact number; ksqlDB's test
 * deserializers hand a Double to the comparator, which compares it numerically (0.0 is
 * 0): give the values at DOUBLE positions of type t that kind again. */
static void retype_doubles(wy_value_t *v, const wy_type_t *t) {
  if (v->null) return;
  switch (t->kind) {
    case WY_T_DOUBLE:
      if (v->kind == WY_T_DECIMAL) *v = wy_double(wy_decimal_to_double(v->u.dec, v->scale));
      if (v->kind == WY_T_BIGINT) *v = wy_double((double)v->u.i64);
      return;
    case WY_T_ARRAY:
      if (v->kind == WY_T_ARRAY)
        for (uint32_t i = 0; i < v->u.list->n; i++) retype_doubles(&v->u.list->items[i], t->elem);
      return;
    case WY_T_MAP:
      if (v->kind == WY_T_MAP)
        for (uint32_t i = 0; i < v->u.map->n; i++) retype_doubles(&v->u.map->vals[i], t->elem);
      return;
    case WY_T_STRUCT:
      if (v->kind != WY_T_MAP) return;
      for (uint32_t i = 0; i < v->u.map->n; i++) {
        const wy_value_t *k = &v->u.map->keys[i];
        for (size_t f = 0; f < t->nfields; f++)
          if (strlen(t->fields[f].name) == k->len && !memcmp(t->fields[f].name, k->u.str, k->len))
            retype_doubles(&v->u.map->vals[i], t->fields[f].type);
      }
      return;
    default:
      return;
  }
}

/* retype_doubles over a decoded row: one column's value when unwrapped, else an object
 * of the columns. */
static void retype_row(wy_value_t *v, const wy_source_def_t *d, bool key, bool unwrapped) {
  for (size_t i = 0; i < d->schema.n; i++) {
    const wy_column_t *c = &d->schema.cols[i];
    if (c->ns != (key ? WY_NS_KEY : WY_NS_VALUE)) continue;
    if (unwrapped) {
      retype_doubles(v, c->type);
      return;
    }
    if (v->null || v->kind != WY_T_MAP) return;
    for (uint32_t j = 0; j < v->u.map->n; j++) {
      const wy_value_t *k = &v->u.map->keys[j];
      if (strlen(c->name) == k->len && !memcmp(c->name, k->u.str, k->len))
        retype_doubles(&v->u.map->vals[j], c->type);
    }
  }
}

/* Bytes of a schema format -> typed columns -> JSON text -> a JSON value for the
 * comparator. */
/* The columns an AVRO value written with a chosen schema (VALUE_SCHEMA_ID) is read back
 * with: the source's, then the writer record's fields the source lacks (which the writer
 * filled with their defaults), named as the schema names them, as ksqlDB's runner reads
 * outputs with the writer schema. NULL when that does not apply; free the names from
 * *nsource on (wy_format_columns_free frees the inferred ones). */
static wy_format_column_t *writer_columns(const wy_source_def_t *d, bool key, wy_format_t f,
                                          wy_sr_t *sr, size_t *n_out, size_t *nsource,
                                          wy_format_column_t **inferred, size_t *ninferred) {
  const wy_format_spec_t *spec = &d->value_format;
  *inferred = NULL;
  *ninferred = 0;
  if (key || f != WY_FORMAT_AVRO || spec->schema_id <= 0 || spec->wrap_single == 0) return NULL;
  const char *text;
  wy_error_t ig;
  if (wy_sr_get_schema(sr, spec->schema_id, &text, NULL, &ig) != WY_OK) return NULL;
  json_t *j = json_loads(text, 0, NULL);
  json_t *fields = json_object_get(j, "fields");
  wy_format_options_t o = {.is_key = false};
  wy_format_column_t *cols = NULL;
  if (json_is_array(fields) &&
      wy_format_infer_columns(f, text, &o, false, inferred, ninferred, &ig) == WY_OK &&
      *ninferred == json_array_size(fields) &&
      (cols = calloc(d->schema.n + *ninferred + 1, sizeof *cols))) {
    size_t n = side_columns(d, false, cols);
    *nsource = n;
    for (size_t i = 0; i < *ninferred; i++) {
      const char *name = json_string_value(json_object_get(json_array_get(fields, i), "name"));
      bool have = !name;
      for (size_t k = 0; k < *nsource && !have; k++) have = strcasecmp(cols[k].name, name) == 0;
      if (!have) cols[n++] = (wy_format_column_t){name, (*inferred)[i].type};
    }
    *n_out = n;
  }
  if (!cols || *n_out == *nsource) { /* nothing to add: the source's columns do */
    free(cols);
    cols = NULL;
  }
  if (cols) { /* the names point into j: copy them past the source's */
    for (size_t i = *nsource; i < *n_out; i++) cols[i].name = strdup(cols[i].name);
  }
  json_decref(j);
  if (!cols) {
    wy_format_columns_free(*inferred, *ninferred);
    *inferred = NULL;
    *ninferred = 0;
  }
  return cols;
}

static bool schema_format_to_json(const uint8_t *bytes, size_t len, const wy_source_def_t *d,
                                  bool key, wy_format_t f, wy_sr_t *sr, wy_arena_t *arena,
                                  wy_value_t *out) {
  wy_error_t err;
  size_t nw = 0, nsource = 0, ninferred = 0;
  wy_format_column_t *inferred = NULL;
  wy_format_column_t *wcols = writer_columns(d, key, f, sr, &nw, &nsource, &inferred, &ninferred);
  wy_format_codec_t *ac =
      wcols ? cols_codec(d, key, f, sr, -1, wcols, nw, &err) : side_codec(d, key, f, sr, -1, &err);
  wy_format_codec_t *jc = !ac     ? NULL
                          : wcols ? cols_codec(d, key, WY_FORMAT_JSON, NULL, 0, wcols, nw, &err)
                                  : side_codec(d, key, WY_FORMAT_JSON, NULL, 0, &err);

  bool ok = false;
  if (ac && jc) {
    wy_arena_t a;
    wy_arena_init(&a, 0);
    wy_value_t *cols = wy_arena_calloc(&a, wy_format_codec_ncols(ac) + 1, sizeof *cols);
    bool null_row = false, null_rec = false;
    wy_buf_t b;
    wy_buf_init(&b);
    if (cols && wy_format_decode(ac, bytes, len, &a, cols, &null_row, &err) == WY_OK &&
        (null_row || wy_format_encode(jc, cols, &b, &null_rec, &err) == WY_OK)) {
      if (null_row || null_rec) {
        *out = wy_null(WY_T_STRING);
        ok = true;
      } else {
        json_t *j = wy_qtt_json_parse((const char *)b.data, b.len, "output", &err);
        ok = j && wy_qtt_json_value(j, arena, out);
        if (ok) retype_row(out, d, key, wy_format_codec_unwrapped(ac));
        if (j) json_decref(j);
      }
    }
    wy_buf_free(&b);
    wy_arena_release(&a);
  }
  wy_format_codec_destroy(ac);
  wy_format_codec_destroy(jc);
  if (wcols) {
    for (size_t i = nsource; i < nw; i++) free((char *)wcols[i].name);
    free(wcols);
    wy_format_columns_free(inferred, ninferred);
  }
  return ok;
}

/* ksqlDB's runner registers a schema derived from the columns of every SR-format source
 * whose subject has none yet (so that inputs can be serialized). */
static void register_source_schemas(wy_engine_t *e, wy_sr_t *sr) {
  for (size_t i = 0; i < wy_catalog_count(wy_engine_catalog(e)); i++) {
    const wy_source_def_t *d = wy_catalog_at(wy_engine_catalog(e), i);
    for (int key = 0; key < 2; key++) {
      const wy_format_spec_t *spec = key ? &d->key_format : &d->value_format;
      wy_format_t f;
      wy_sr_type_t type;
      if (!schema_format(d, key, &f) || !wy_format_sr_type(f, &type)) continue;
      char subject[512];
      snprintf(subject, sizeof subject, "%s-%s", d->topic, key ? "key" : "value");
      wy_error_t err;
      if (wy_sr_latest(sr, subject, NULL, NULL, NULL, &err) == WY_OK) continue;
      wy_format_column_t *cols = calloc(d->schema.n + 1, sizeof *cols);
      size_t n = cols ? side_columns(d, key, cols) : 0;
      if (n == 0) {
        free(cols);
        continue;
      }
      wy_format_schema_t fs = {n, cols};
      bool unwrapped = key ? n == 1 : (n == 1 && spec->wrap_single == 0);
      wy_codec_request_t req = {key, d->topic, sr, false, NULL, NULL, 0};
      wy_format_options_t opts;
      char *text = NULL, optsub[512];
      int32_t id;
      if (wy_format_spec_options(spec, &req, &f, &opts, optsub, sizeof optsub, &err) == WY_OK &&
          wy_format_schema_from_columns(f, &fs, &opts, unwrapped, &text, &err) == WY_OK)
        wy_sr_register(sr, subject, type, text, &id, &err);
      free(text);
      free(cols);
    }
  }
}

/* Serialize a spec JSON value as ksqlDB's test serdes do for this format. Returns the
 * bytes in buf (or *is_null). */
static bool serialize(const wy_value_t *v, const wy_source_def_t *d, bool key, wy_sr_t *sr,
                      wy_buf_t *buf, bool *is_null) {
  *is_null = false;
  buf->len = 0;
  if (v->null) {
    *is_null = true;
    return true;
  }
  const char *fmt = d ? (key ? d->key_format.name : d->value_format.name) : "JSON";
  wy_format_t sf;
  if (d && schema_format(d, key, &sf)) {
    wy_error_t err;
    if (json_to_schema_format(v, d, key, sf, sr, buf, is_null, &err)) return true;
    /* not representable: send the JSON text so that the engine logs a decode error */
    buf->len = 0;
  }
  if (strcmp(fmt, "NONE") == 0) {
    *is_null = true;
    return true;
  }
  if (strcmp(fmt, "KAFKA") == 0) {
    const wy_type_t *t = d ? single_type(d, key) : NULL;
    uint8_t b[8];
    if (t && t->kind == WY_T_INT) {
      put_be(b, (uint64_t)(uint32_t)(int32_t)value_as_int(v), 4);
      return wy_buf_append(buf, b, 4);
    }
    if (t && t->kind == WY_T_BIGINT) {
      put_be(b, (uint64_t)value_as_int(v), 8);
      return wy_buf_append(buf, b, 8);
    }
    if (t && t->kind == WY_T_DOUBLE) {
      double x = value_as_double(v);
      uint64_t bits;
      memcpy(&bits, &x, 8);
      put_be(b, bits, 8);
      return wy_buf_append(buf, b, 8);
    }
    /* STRING, BYTES, and the String serde of key-less schemas */
  }
  if (strcmp(fmt, "JSON") != 0 && v->kind == WY_T_STRING)
    return wy_buf_append(buf, v->u.str, v->len);
  size_t n;
  char *text = json_text(v, &n);
  bool ok = text && wy_buf_append(buf, text, n);
  free(text);
  return ok;
}

/* How the runner reads a topic's key or value back. */
static void payload_from(const uint8_t *bytes, size_t len, const wy_source_def_t *d, bool key,
                         wy_sr_t *sr, wy_arena_t *a, wy_qtt_payload_t *p) {
  memset(p, 0, sizeof *p);
  const char *fmt = d ? (key ? d->key_format.name : d->value_format.name) : "JSON";
  if (!bytes) {
    p->raw = false;
    p->value = wy_null(WY_T_STRING);
    return;
  }
  wy_format_t sf;
  if (d && schema_format(d, key, &sf) &&
      schema_format_to_json(bytes, len, d, key, sf, sr, a, &p->value))
    return;
  if (strcmp(fmt, "JSON") == 0) {
    wy_error_t err;
    json_t *j = wy_qtt_json_parse((const char *)bytes, len, "output", &err);
    if (j && wy_qtt_json_value(j, a, &p->value)) {
      json_decref(j);
      return;
    }
    if (j) json_decref(j);
    /* not JSON: compare as text */
  }
  p->raw = true;
  p->bytes = bytes;
  p->len = len;
  p->wire = WY_QTT_WIRE_TEXT;
  if (strcmp(fmt, "NONE") == 0) p->wire = WY_QTT_WIRE_NONE;
  if (strcmp(fmt, "KAFKA") == 0) {
    const wy_type_t *t = d ? single_type(d, key) : NULL;
    if (t && t->kind == WY_T_INT)
      p->wire = WY_QTT_WIRE_KAFKA_INT;
    else if (t && t->kind == WY_T_BIGINT)
      p->wire = WY_QTT_WIRE_KAFKA_BIGINT;
    else if (t && t->kind == WY_T_DOUBLE)
      p->wire = WY_QTT_WIRE_KAFKA_DOUBLE;
    else if (t && t->kind == WY_T_BYTES)
      p->wire = WY_QTT_WIRE_KAFKA_BYTES;
  }
}

typedef struct piped {
  const char *topic;
  int32_t partition;
  int64_t offset;
} piped_t;

static bool is_input_topic(const wy_qtt_case_t *tc, const char *topic) {
  for (size_t i = 0; i < tc->ninputs; i++)
    if (strcmp(tc->inputs[i].topic, topic) == 0) return true;
  return false;
}

/* Deliver everything src has to query q through a driver (internal topics drained after
 * every record, as ksqlDB's test driver does). */
static wy_status_t drive(wy_engine_t *e, wy_query_t *q, wy_source_t *src, wy_error_t *err) {
  wy_source_t *internal = NULL;
  wy_driver_t *d = NULL;
  wy_status_t st = wy_driver_memory_internal(wy_engine_broker(e), wy_query_plan(q), &internal, err);
  if (st == WY_OK) {
    wy_driver_options_t o = {.query = q, .source = src, .internal = internal};
    st = wy_driver_new(&o, &d, err);
  }
  for (size_t n = 1; st == WY_OK && n;) st = wy_driver_poll(d, 0, 0, &n, err);
  wy_driver_destroy(d);
  wy_source_destroy(internal);
  return st;
}

/* Query q's records: the inputs it reads, in file order, then what earlier queries
 * wrote to its other source topics, partition by partition. */
/* A topic's records in the order they were produced, across its partitions, as the
 * TopologyTestDriver of ksqlDB's runner lists a topic's outputs. */
typedef struct produced {
  uint64_t seq;
  wy_record_t rec;
} produced_t;

static int by_seq(const void *a, const void *b) {
  uint64_t x = ((const produced_t *)a)->seq, y = ((const produced_t *)b)->seq;
  return x < y ? -1 : x > y;
}

static produced_t *produced_order(wy_memory_broker_t *broker, const char *topic, int32_t np,
                                  size_t *n) {
  size_t total = 0;
  for (int32_t part = 0; part < np; part++) {
    int64_t end = 0;
    wy_error_t e;
    if (wy_memory_broker_end_offset(broker, topic, part, &end, &e) == WY_OK) total += (size_t)end;
  }
  produced_t *v = calloc(total + 1, sizeof *v);
  *n = 0;
  for (int32_t part = 0; v && part < np; part++)
    for (int64_t off = 0; *n < total; off++) {
      wy_error_t e;
      if (wy_memory_broker_read_seq(broker, topic, part, off, &v[*n].rec, &v[*n].seq, &e) != WY_OK)
        break;
      (*n)++;
    }
  if (v) qsort(v, *n, sizeof *v, by_seq);
  return v;
}

static wy_status_t pipe_query(wy_engine_t *e, const wy_qtt_case_t *tc, wy_query_t *q,
                              const piped_t *piped, wy_error_t *err) {
  const wy_plan_t *p = wy_query_plan(q);
  wy_memory_broker_t *broker = wy_engine_broker(e);
  wy_position_t *seq = calloc(tc->ninputs + 1, sizeof *seq);
  if (!seq) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < tc->ninputs; i++)
    for (size_t s = 0; s < p->nsource_topics; s++)
      if (strcmp(p->source_topics[s], piped[i].topic) == 0) {
        seq[n++] = (wy_position_t){piped[i].topic, piped[i].partition, piped[i].offset};
        break;
      }
  wy_source_t *src = NULL;
  wy_status_t st = wy_memory_source_sequence(broker, seq, n, &src, err);
  free(seq);
  if (st == WY_OK) st = drive(e, q, src, err);
  wy_source_destroy(src);
  src = NULL;
  /* then what the other source topics hold (earlier queries' outputs, INSERT VALUES),
   * in the order it was produced across those topics, as a stream and the table it
   * joins were written */
  size_t total = 0, k = 0;
  produced_t **per = st == WY_OK ? calloc(p->nsource_topics + 1, sizeof *per) : NULL;
  size_t *counts = per ? calloc(p->nsource_topics + 1, sizeof *counts) : NULL;
  for (size_t s = 0; counts && s < p->nsource_topics; s++)
    if (!is_input_topic(tc, p->source_topics[s])) {
      int32_t np = wy_memory_broker_partitions(broker, p->source_topics[s]);
      per[s] = np > 0 ? produced_order(broker, p->source_topics[s], np, &counts[s]) : NULL;
      total += per[s] ? counts[s] : 0;
    }
  wy_position_t *all = counts ? calloc(total + 1, sizeof *all) : NULL;
  uint64_t *seqs = all ? calloc(total + 1, sizeof *seqs) : NULL;
  if (st == WY_OK && !seqs) st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t s = 0; seqs && s < p->nsource_topics; s++)
    for (size_t r = 0; per[s] && r < counts[s]; r++, k++) {
      all[k] = (wy_position_t){p->source_topics[s], per[s][r].rec.partition, per[s][r].rec.offset};
      seqs[k] = per[s][r].seq;
    }
  for (size_t i = 1; seqs && i < total; i++) /* merge by sequence (insertion: few records) */
    for (size_t j = i; j > 0 && seqs[j - 1] > seqs[j]; j--) {
      uint64_t ts = seqs[j];
      seqs[j] = seqs[j - 1];
      seqs[j - 1] = ts;
      wy_position_t tp = all[j];
      all[j] = all[j - 1];
      all[j - 1] = tp;
    }
  if (st == WY_OK) st = wy_memory_source_sequence(broker, all, total, &src, err);
  if (st == WY_OK) st = drive(e, q, src, err);
  wy_source_destroy(src);
  for (size_t s = 0; per && s < p->nsource_topics; s++) free(per[s]);
  free(per);
  free(counts);
  free(all);
  free(seqs);
  return st;
}

/* The description a query's plan gives one of its internal topics, or NULL. */
static const wy_plan_topic_desc_t *describe_internal(wy_engine_t *e, const char *topic) {
  for (size_t qi = 0; qi < wy_engine_query_count(e); qi++) {
    const wy_plan_topic_desc_t *d =
        wy_plan_describe_topic(wy_query_plan(wy_engine_query_at(e, qi)), topic);
    if (d) return d;
  }
  return NULL;
}

/* The properties ksqlDB's PROTOBUF formats report: unwrapPrimitives (always set on new
 * PROTOBUF sources) and nullableRepresentation when one was chosen. */
static void fill_protobuf_props(const wy_format_spec_t *f, wy_qtt_format_t *out, wy_arena_t *a) {
  bool sr = strcmp(f->name, "PROTOBUF") == 0;
  if (!sr && strcmp(f->name, "PROTOBUF_NOSR") != 0) return;
  static const char *const reps[] = {NULL, "optional", "wrapper"};
  const char *rep = f->pb_nullable > 0 && f->pb_nullable < 3 ? reps[f->pb_nullable] : NULL;
  wy_map_t *m = wy_map_new(a, 2);
  if (!m) return;
  m->n = 0;
  if (sr) {
    m->keys[m->n] = wy_string("unwrapPrimitives", 16);
    m->vals[m->n++] = wy_string("true", 4);
  }
  if (rep) {
    m->keys[m->n] = wy_string("nullableRepresentation", 22);
    m->vals[m->n++] = wy_string(rep, strlen(rep));
  }
  out->properties = wy_mapv(m);
}

static void fill_format(const wy_format_spec_t *f, wy_qtt_format_t *out, wy_arena_t *a) {
  memset(out, 0, sizeof *out);
  out->format = f->name[0] ? f->name : NULL;
  out->properties = wy_null(WY_T_MAP);
  fill_protobuf_props(f, out, a);
}

/* An AVRO or JSON_SR key of one column is anonymous (UNWRAP_SINGLES), an AVRO one's
 * record named `full`. */
static void fill_avro_key(const wy_format_spec_t *f, size_t nkey, const char *full,
                          wy_qtt_format_t *out, wy_arena_t *a) {
  bool avro = strcmp(f->name, "AVRO") == 0;
  if ((!avro && strcmp(f->name, "JSON_SR") != 0) || nkey != 1) return;
  static const char *unwrap[] = {"UNWRAP_SINGLES"};
  out->has_features = true;
  out->features.n = 1;
  out->features.items = unwrap;
  wy_map_t *m = full && avro ? wy_map_new(a, 1) : NULL;
  char *copy = m ? wy_arena_strdup(a, full) : NULL;
  if (m && copy) {
    const char *k = "fullSchemaName";
    m->keys[0] = wy_string(k, strlen(k));
    m->vals[0] = wy_string(copy, strlen(copy));
    out->properties = wy_mapv(m);
  }
}

/* A windowed source's key format also names its window; a sink's AVRO key record is
 * named after the sink. */
static void fill_key_format(const wy_source_def_t *d, wy_qtt_format_t *out, wy_arena_t *a) {
  fill_format(&d->key_format, out, a);
  char name[256];
  const char *full = d->key_format.full_schema_name[0] ? d->key_format.full_schema_name : NULL;
  if (!full && d->query_id) {
    wy_avro_key_schema_name(d->name, name, sizeof name);
    full = name;
  }
  fill_avro_key(&d->key_format, wy_schema_count_ns(&d->schema, WY_NS_KEY), full, out, a);
  static const char *const names[] = {NULL, "TUMBLING", "HOPPING", "SESSION"};
  if (d->window == WY_WINDOW_NONE) return;
  out->window_type = names[d->window];
  if (d->window != WY_WINDOW_SESSION) {
    out->has_window_size = true;
    out->window_size = d->window_size_ms;
  }
}

/* A topic's schema references ({name, schema} objects), each registered under a subject
 * named like the reference, where the codecs look imports up. */
static void register_references(wy_sr_t *sr, const wy_value_t *refs, wy_sr_type_t type) {
  if (refs->null || refs->kind != WY_T_ARRAY) return;
  for (uint32_t i = 0; i < refs->u.list->n; i++) {
    const wy_value_t *r = &refs->u.list->items[i];
    if (r->null || r->kind != WY_T_MAP) continue;
    char name[512] = "", *text = NULL;
    for (uint32_t k = 0; k < r->u.map->n; k++) {
      const wy_value_t *key = &r->u.map->keys[k], *val = &r->u.map->vals[k];
      if (val->null || val->kind != WY_T_STRING) continue;
      if (key->len == 4 && memcmp(key->u.str, "name", 4) == 0)
        snprintf(name, sizeof name, "%.*s", (int)val->len, val->u.str);
      else if (key->len == 6 && memcmp(key->u.str, "schema", 6) == 0 && !text)
        text = strndup(val->u.str, val->len);
    }
    int32_t id;
    wy_error_t err;
    if (name[0] && text) wy_sr_register(sr, name, type, text, &id, &err);
    free(text);
  }
}

/* The latest schema registered for a topic's key or value (a JSON value when the text
 * is JSON, else the text), null when there is none: the post section's keySchema and
 * valueSchema. */
static wy_value_t registered_schema(wy_sr_t *sr, const char *topic, bool key, wy_arena_t *a,
                                    bool *has_id, int64_t *id_out) {
  char subject[512];
  snprintf(subject, sizeof subject, "%s-%s", topic, key ? "key" : "value");
  const char *text = NULL;
  int32_t id;
  wy_error_t err;
  wy_value_t v = wy_null(WY_T_STRING);
  if (!sr || wy_sr_latest(sr, subject, &id, &text, NULL, &err) != WY_OK || !text) return v;
  *has_id = true;
  *id_out = id;
  json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
  if (j && wy_qtt_json_value(j, a, &v)) {
    json_decref(j);
    return v;
  }
  if (j) json_decref(j);
  char *copy = wy_arena_strdup(a, text);
  return copy ? wy_string(copy, strlen(copy)) : wy_null(WY_T_STRING);
}

/* The key schema ksqlDB registers for an internal topic walleye writes in its own format
 * (a store's changelog): generated from the described key columns, for a Schema
 * Registry key format. Null when there is none. */
static wy_value_t described_key_schema(const wy_plan_topic_desc_t *desc, wy_arena_t *a) {
  wy_value_t v = wy_null(WY_T_STRING);
  wy_format_t f;
  wy_error_t err;
  if (desc->key.n == 0 || wy_format_from_name(desc->key_format.name, &f, &err) != WY_OK ||
      !wy_format_sr_type(f, NULL))
    return v;
  wy_format_column_t *cols = calloc(desc->key.n + 1, sizeof *cols);
  if (!cols) return v;
  for (size_t i = 0; i < desc->key.n; i++)
    cols[i] = (wy_format_column_t){desc->key.cols[i].name, desc->key.cols[i].type};
  wy_format_schema_t fs = {desc->key.n, cols};
  wy_codec_request_t req = {true, desc->topic, NULL, false, desc->key_schema_name, NULL, 0};
  wy_format_options_t opts;
  char subject[512], *text = NULL;
  if (wy_format_spec_options(&desc->key_format, &req, &f, &opts, subject, sizeof subject, &err) ==
          WY_OK &&
      wy_format_schema_from_columns(f, &fs, &opts, desc->key.n == 1, &text, &err) == WY_OK) {
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    if (j && !wy_qtt_json_value(j, a, &v)) v = wy_null(WY_T_STRING);
    if (j) json_decref(j);
  }
  free(text);
  free(cols);
  return v;
}

typedef struct engine_ctx {
  const wy_registry_t *registry; /* NULL: the built-ins */
  struct wy_lineage_emitter *lineage;
} engine_ctx_t;

static wy_status_t run_case(void *ctx, const wy_qtt_case_t *tc, wy_qtt_result_t *out,
                            wy_error_t *err) {
  const engine_ctx_t *ec = ctx;
  const wy_registry_t *registry = ec ? ec->registry : NULL;
  wy_memory_broker_t *broker = NULL;
  wy_engine_t *e = NULL;
  topic_set_t topics = {0};
  piped_t *piped = NULL;
  wy_buf_t kb, vb;
  wy_buf_init(&kb);
  wy_buf_init(&vb);
  wy_arena_t arena;
  wy_arena_init(&arena, 0);
  wy_sr_t *sr = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_status_t st =
      sr ? wy_memory_broker_new(&broker, err) : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (st == WY_OK) {
    wy_memory_broker_set_auto_create(broker, 1);
    wy_engine_options_t o = {0};
    o.broker = broker;
    o.registry = registry;
    o.schema_registry = sr;
    o.lineage = ec ? ec->lineage : NULL;
    st = wy_engine_new(&o, &e, err);
  }
  if (st != WY_OK) goto done;
  wy_engine_set_property(e, "ksql.service.id", "some.ksql.service.id", err);
  wy_engine_set_property(e, "auto.offset.reset", "earliest", err);
  for (size_t i = 0; i < tc->nproperties; i++) {
    char buf[512];
    const char *v = wy_qtt_case_property(tc, tc->properties[i].name, buf, sizeof buf);
    if (v) wy_engine_set_property(e, tc->properties[i].name, v, err);
  }
  /* topics declared by the case, and their schemas: the key's first, as ksqlDB's runner
   * registers them (ids are given in that order) */
  for (size_t i = 0; i < tc->ntopics; i++) {
    const wy_qtt_topic_t *tp = &tc->topics[i];
    wy_memory_broker_create_topic(broker, tp->name, tp->partitions > 0 ? tp->partitions : 1, err);
    topics_add(&topics, tp->name);
    for (int key = 1; key >= 0; key--) {
      const wy_value_t *schema = key ? &tp->key_schema : &tp->value_schema;
      const char *fmt = key ? tp->key_format : tp->value_format;
      wy_format_t f = WY_FORMAT_AVRO; /* a topic naming no format: ksqlDB's runner's default */
      wy_sr_type_t type = WY_SR_AVRO;
      wy_error_t ferr;
      if (schema->null ||
          (fmt && (wy_format_from_name(fmt, &f, &ferr) != WY_OK || !wy_format_sr_type(f, &type))))
        continue;
      char text[16384], subject[512];
      if (schema->kind == WY_T_STRING)
        snprintf(text, sizeof text, "%.*s", (int)schema->len, schema->u.str);
      else
        wy_qtt_json_format(schema, text, sizeof text);
      snprintf(subject, sizeof subject, "%s-%s", tp->name, key ? "key" : "value");
      bool has_id = key ? tp->has_key_schema_id : tp->has_value_schema_id;
      int64_t id = key ? tp->key_schema_id : tp->value_schema_id;
      int32_t got;
      wy_error_t serr;
      if (has_id)
        wy_sr_mem_register_with_id(sr, subject, type, text, (int32_t)id, &serr);
      else
        wy_sr_register(sr, subject, type, text, &got, &serr);
      /* after the schema: ksqlDB's cases expect it to have the first id */
      register_references(sr, key ? &tp->key_schema_refs : &tp->value_schema_refs, type);
    }
  }
  /* statements, each on the lines it has in ksqlDB's test script (the statements one
   * after the other): located messages name those lines */
  int line = 0;
  for (size_t i = 0; i < tc->statements.n; i++) {
    wy_error_t serr;
    wy_error_clear(&serr);
    const char *sql = tc->statements.items[i];
    char *placed = malloc((size_t)line + strlen(sql) + 1);
    if (!placed) {
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      goto done;
    }
    memset(placed, '\n', (size_t)line);
    strcpy(placed + line, sql);
    line += 1;
    for (const char *c = sql; *c; c++) line += *c == '\n';
    wy_status_t est = wy_engine_execute_sql(e, placed, NULL, &serr);
    free(placed);
    /* ksqlDB's ParseFailedException names the statement after its message */
    if (est == WY_ERR_PARSE && strncmp(serr.msg, "line ", 5) == 0) {
      size_t used = strlen(serr.msg);
      snprintf(serr.msg + used, sizeof serr.msg - used, "\nStatement: %s", sql);
    }
    if (est != WY_OK) {
      wy_qtt_result_set_exception(out, WY_QTT_PHASE_STATEMENT, (int)i, &serr);
      goto report;
    }
    register_source_schemas(e, sr);
  }
  /* inputs go to the broker first, in file order: a keyed one to the partition the
   * default partitioner gives its key (as a producer would), a keyless one to 0 */
  piped = calloc(tc->ninputs ? tc->ninputs : 1, sizeof *piped);
  if (!piped) {
    st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < tc->ninputs; i++) {
    const wy_qtt_record_t *r = &tc->inputs[i];
    const wy_source_def_t *d = wy_catalog_find_by_topic(wy_engine_catalog(e), r->topic);
    bool knull, vnull;
    if (!serialize(&r->key, d, true, sr, &kb, &knull) ||
        (!knull && r->window.kind != WY_QTT_WINDOW_NONE &&
         !wy_windowed_append(&kb, r->window.kind == WY_QTT_WINDOW_SESSION, r->window.start,
                             r->window.end)) ||
        !serialize(&r->value, d, false, sr, &vb, &vnull)) {
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      goto done;
    }
    wy_header_t *hs = wy_arena_calloc(&arena, r->nheaders + 1, sizeof *hs);
    if (!hs) {
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      goto done;
    }
    size_t nh = 0;
    for (size_t h = 0; h < r->nheaders; h++) {
      hs[nh].key = r->headers[h].key;
      hs[nh].value = r->headers[h].value;
      hs[nh].value_len = r->headers[h].len;
      nh++;
    }
    topics_add(&topics, r->topic);
    wy_error_t perr;
    if (wy_memory_broker_produce(broker, r->topic, knull ? 0 : -1, knull ? NULL : kb.data,
                                 knull ? 0 : kb.len, vnull ? NULL : vb.data, vnull ? 0 : vb.len, hs,
                                 nh, r->has_timestamp ? r->timestamp : 0, &piped[i].partition,
                                 &piped[i].offset, &perr) != WY_OK) {
      wy_qtt_result_set_exception(out, WY_QTT_PHASE_SETUP, -1, &perr);
      goto report;
    }
    piped[i].topic = r->topic;
  }
  /* pipe query by query */
  for (size_t qi = 0; qi < wy_engine_query_count(e); qi++) {
    wy_error_t qerr;
    wy_error_clear(&qerr);
    if (pipe_query(e, tc, wy_engine_query_at(e, qi), piped, &qerr) != WY_OK) {
      wy_qtt_result_set_exception(out, WY_QTT_PHASE_PROCESSING, -1, &qerr);
      goto report;
    }
  }
report:
  /* every topic we know of: declared, inputs, outputs, sources, sinks, internal */
  for (size_t i = 0; i < tc->noutputs; i++) topics_add(&topics, tc->outputs[i].topic);
  for (size_t i = 0; i < wy_catalog_count(wy_engine_catalog(e)); i++)
    topics_add(&topics, wy_catalog_at(wy_engine_catalog(e), i)->topic);
  for (size_t qi = 0; qi < wy_engine_query_count(e); qi++) {
    const wy_plan_t *p = wy_query_plan(wy_engine_query_at(e, qi));
    for (size_t i = 0; i < p->ninternal; i++) topics_add(&topics, p->internal_topics[i]);
    for (size_t i = 0; i < p->nchangelogs; i++) topics_add(&topics, p->changelog_topics[i]);
  }
  for (size_t ti = 0; ti < topics.n; ti++) {
    const char *topic = topics.names[ti];
    int32_t np = wy_memory_broker_partitions(broker, topic);
    if (np <= 0) continue;
    const wy_source_def_t *d = wy_catalog_find_by_topic(wy_engine_catalog(e), topic);
    wy_qtt_topic_info_t info;
    memset(&info, 0, sizeof info);
    info.name = topic;
    info.partitions = np;
    const wy_plan_topic_desc_t *desc = d ? NULL : describe_internal(e, topic);
    if (d) {
      fill_key_format(d, &info.key_format, &arena);
      fill_format(&d->value_format, &info.value_format, &arena);
    } else if (desc) {
      fill_format(&desc->key_format, &info.key_format, &arena);
      fill_avro_key(&desc->key_format, desc->nkey, desc->key_schema_name, &info.key_format, &arena);
      fill_format(&desc->value_format, &info.value_format, &arena);
    } else {
      info.key_format.properties = wy_null(WY_T_MAP);
      info.value_format.properties = wy_null(WY_T_MAP);
    }
    info.key_schema =
        registered_schema(sr, topic, true, &arena, &info.has_key_schema_id, &info.key_schema_id);
    if (info.key_schema.null && desc) info.key_schema = described_key_schema(desc, &arena);
    info.value_schema = registered_schema(sr, topic, false, &arena, &info.has_value_schema_id,
                                          &info.value_schema_id);
    wy_qtt_result_add_topic(out, &info, err);
    size_t nrecs = 0;
    produced_t *recs = produced_order(broker, topic, np, &nrecs);
    for (size_t ri = 0; ri < nrecs; ri++) {
      {
        const wy_record_t rec = recs[ri].rec;
        const int32_t part = rec.partition;
        wy_qtt_out_record_t o;
        memset(&o, 0, sizeof o);
        o.topic = topic;
        o.partition = part;
        o.timestamp = rec.timestamp;
        const uint8_t *kbytes = rec.key;
        size_t klen = rec.key_len;
        if (d && d->window != WY_WINDOW_NONE && kbytes) {
          size_t inner;
          wy_error_t werr;
          wy_qtt_window_kind_t wk =
              d->window == WY_WINDOW_SESSION ? WY_QTT_WINDOW_SESSION : WY_QTT_WINDOW_TIME;
          if (wy_qtt_window_split(kbytes, klen, wk, d->window_size_ms, &inner, &o.window, &werr) ==
              WY_OK)
            klen = inner;
        }
        payload_from(kbytes, klen, d, true, sr, &arena, &o.key);
        payload_from(rec.value, rec.value_len, d, false, sr, &arena, &o.value);
        wy_qtt_header_t *hs = wy_arena_calloc(&arena, rec.nheaders + 1, sizeof *hs);
        for (size_t h = 0; hs && h < rec.nheaders; h++) {
          hs[h].key = rec.headers[h].key;
          hs[h].value = rec.headers[h].value;
          hs[h].len = rec.headers[h].value_len;
        }
        o.nheaders = hs ? rec.nheaders : 0;
        o.headers = hs;
        wy_qtt_result_add_record(out, &o, err);
      }
    }
    free(recs);
  }
  for (size_t i = 0; i < wy_catalog_count(wy_engine_catalog(e)); i++) {
    const wy_source_def_t *d = wy_catalog_at(wy_engine_catalog(e), i);
    char schema[4096];
    wy_schema_format(&d->schema, d->kind == WY_SOURCE_TABLE, schema, sizeof schema);
    wy_qtt_source_info_t si;
    memset(&si, 0, sizeof si);
    si.name = d->name;
    si.is_table = d->kind == WY_SOURCE_TABLE;
    si.schema = schema;
    si.topic = d->topic;
    fill_key_format(d, &si.key_format, &arena);
    fill_format(&d->value_format, &si.value_format, &arena);
    si.is_source = d->is_source;
    wy_qtt_result_add_source(out, &si, err);
  }
  st = WY_OK;
done:
  free(piped);
  topics_free(&topics);
  wy_buf_free(&kb);
  wy_buf_free(&vb);
  wy_engine_destroy(e);
  wy_memory_broker_destroy(broker);
  wy_sr_destroy(sr);
  wy_arena_release(&arena);
  return st;
}

static const wy_qtt_executor_t engine_executor = {"engine", run_case, NULL};
static engine_ctx_t engine_with_ctx;
static wy_qtt_executor_t engine_executor_with = {"engine", run_case, &engine_with_ctx};

const wy_qtt_executor_t *wy_qtt_executor_engine(void) { return &engine_executor; }

const wy_qtt_executor_t *wy_qtt_executor_engine_with(const wy_registry_t *reg,
                                                     struct wy_lineage_emitter *lineage) {
  engine_with_ctx.registry = reg;
  engine_with_ctx.lineage = lineage;
  return &engine_executor_with;
}
