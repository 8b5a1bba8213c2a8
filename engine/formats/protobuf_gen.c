/* Protobuf schemas from columns (the schema ksqlDB registers for a sink: ksqlDB ->
 * Kafka Connect schema -> Confluent's ProtobufData) and columns from a schema (ksqlDB's
 * inference through ProtobufData.toConnectSchema). Generation writes .proto text and
 * parses it, so a generated schema is a model like any other and renders the same way. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/buf.h"
#include "engine/formats/protobuf_int.h"

/* ---- generation ---- */

typedef struct {
  const wy_pb_gen_options_t *opts;
  int next_default;       /* ConnectDefaultN: the last N handed out */
  const char *imports[8]; /* in first-use order, as ProtobufData adds dependencies */
  int nimports;
  wy_error_t *err;
} gen_t;

static void use_file(gen_t *g, const char *path) {
  for (int i = 0; i < g->nimports; i++)
    if (strcmp(g->imports[i], path) == 0) return;
  if (g->nimports < (int)(sizeof g->imports / sizeof *g->imports)) g->imports[g->nimports++] = path;
}

static bool valid_name(const char *s) {
  /* ProtobufData checks names against [A-Za-z][A-Za-z0-9_]* (scrubbing is off). */
  if (!s || !isalpha((unsigned char)s[0])) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return false;
  return true;
}

static const char *wrapper_for(wy_type_kind_t k) {
  switch (k) {
    case WY_T_BOOLEAN:
      return "google.protobuf.BoolValue";
    case WY_T_INT:
      return "google.protobuf.Int32Value";
    case WY_T_BIGINT:
      return "google.protobuf.Int64Value";
    case WY_T_DOUBLE:
      return "google.protobuf.DoubleValue";
    case WY_T_STRING:
      return "google.protobuf.StringValue";
    case WY_T_BYTES:
      return "google.protobuf.BytesValue";
    default:
      return NULL;
  }
}

static const char *scalar_for(wy_type_kind_t k) {
  switch (k) {
    case WY_T_BOOLEAN:
      return "bool";
    case WY_T_INT:
      return "int32";
    case WY_T_BIGINT:
      return "int64";
    case WY_T_DOUBLE:
      return "double";
    case WY_T_STRING:
      return "string";
    case WY_T_BYTES:
      return "bytes";
    default:
      return NULL;
  }
}

static wy_status_t gen_message(gen_t *g, wy_buf_t *out, const char *name, const wy_field_t *fields,
                               size_t n, int depth);

/* The type text of a value of type t (not an ARRAY) in field `field`; nested messages it
 * needs are appended to nested. wrap: a nullable primitive may become a wrapper. */
static wy_status_t gen_type(gen_t *g, const wy_type_t *t, const char *field, bool wrap,
                            wy_buf_t *type, wy_buf_t *nested, int depth) {
  switch (t->kind) {
    case WY_T_DECIMAL:
      use_file(g, "confluent/meta.proto");
      use_file(g, "confluent/type/decimal.proto");
      wy_buf_append_str(type, "confluent.type.Decimal");
      return WY_OK;
    case WY_T_TIMESTAMP:
      use_file(g, "google/protobuf/timestamp.proto");
      wy_buf_append_str(type, "google.protobuf.Timestamp");
      return WY_OK;
    case WY_T_DATE:
      use_file(g, "google/type/date.proto");
      wy_buf_append_str(type, "google.type.Date");
      return WY_OK;
    case WY_T_TIME:
      use_file(g, "google/type/timeofday.proto");
      wy_buf_append_str(type, "google.type.TimeOfDay");
      return WY_OK;
    case WY_T_ARRAY:
      return wy_error_set(g->err, WY_ERR_UNSUPPORTED,
                          "Protobuf does not support nested ARRAYs (field %s)", field);
    case WY_T_MAP: {
      /* ProtobufData names the entry after a default name, which uses up a number. */
      g->next_default++;
      const char *k = scalar_for(t->key->kind);
      if (!k || t->key->kind == WY_T_DOUBLE || t->key->kind == WY_T_BYTES)
        return wy_error_set(g->err, WY_ERR_UNSUPPORTED,
                            "Protobuf does not support MAP keys of this type (field %s)", field);
      if (t->elem->kind == WY_T_ARRAY || t->elem->kind == WY_T_MAP)
        return wy_error_set(
            g->err, WY_ERR_UNSUPPORTED,
            "Protobuf does not support MAP values that are ARRAYs or MAPs (field %s)", field);
      wy_buf_printf(type, "map<%s, ", k);
      wy_status_t st = gen_type(g, t->elem, "value", wrap, type, nested, depth);
      wy_buf_putc(type, '>');
      return st;
    }
    case WY_T_STRUCT: {
      char mname[48];
      snprintf(mname, sizeof mname, "ConnectDefault%d", ++g->next_default);
      if (strcmp(mname, field) == 0) strcat(mname, "Message");
      wy_buf_append_str(type, mname);
      return gen_message(g, nested, mname, t->fields, t->nfields, depth + 1);
    }
    default:
      break;
  }
  const char *wt =
      wrap && g->opts->nullable == WY_PB_NULLABLE_WRAPPER ? wrapper_for(t->kind) : NULL;
  if (wt) {
    use_file(g, "google/protobuf/wrappers.proto");
    wy_buf_append_str(type, wt);
  } else {
    wy_buf_append_str(type, scalar_for(t->kind));
  }
  return WY_OK;
}

static wy_status_t gen_field(gen_t *g, wy_buf_t *out, wy_buf_t *nested, const char *name,
                             const wy_type_t *t, int number, int depth) {
  if (!valid_name(name))
    return wy_error_set(g->err, WY_ERR_ANALYSIS,
                        "Schema is not compatible with Protobuf: invalid field name '%s'", name);
  wy_buf_t type;
  wy_buf_init(&type);
  bool repeated = t->kind == WY_T_ARRAY;
  const wy_type_t *vt = repeated ? t->elem : t;
  if (repeated && vt->kind == WY_T_MAP) {
    wy_buf_free(&type);
    return wy_error_set(g->err, WY_ERR_UNSUPPORTED,
                        "Protobuf does not support ARRAYs of MAPs (field %s)", name);
  }
  wy_status_t st = gen_type(g, vt, name, true, &type, nested, depth);
  if (st == WY_OK) {
    if (repeated)
      wy_buf_append_str(out, "repeated ");
    else if (g->opts->nullable == WY_PB_NULLABLE_OPTIONAL && vt->kind != WY_T_MAP)
      wy_buf_append_str(out, "optional ");
    wy_buf_printf(out, "%s %s = %d", wy_buf_cstr(&type) ? wy_buf_cstr(&type) : "", name, number);
    if (vt->kind == WY_T_DECIMAL)
      wy_buf_printf(out,
                    " [(confluent.field_meta) = { params: [{ key: \"precision\", value: \"%d\" }, "
                    "{ key: \"scale\", value: \"%d\" }] }]",
                    vt->precision, vt->scale);
    wy_buf_append_str(out, ";\n");
  }
  wy_buf_free(&type);
  return st;
}

static wy_status_t gen_message(gen_t *g, wy_buf_t *out, const char *name, const wy_field_t *fields,
                               size_t n, int depth) {
  if (depth > PB_MAX_DEPTH)
    return wy_error_set(g->err, WY_ERR_UNSUPPORTED, "STRUCT nested too deeply for Protobuf");
  wy_buf_t nested;
  wy_buf_init(&nested);
  wy_buf_printf(out, "message %s {\n", name);
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < n && st == WY_OK; i++)
    st = gen_field(g, out, &nested, fields[i].name, fields[i].type, (int)i + 1, depth);
  if (st == WY_OK) {
    wy_buf_append(out, nested.data, nested.len);
    wy_buf_append_str(out, "}\n");
  }
  wy_buf_free(&nested);
  return st;
}

wy_status_t wy_pb_from_columns(const wy_format_schema_t *cols, const wy_pb_gen_options_t *opts,
                               wy_pb_schema_t **out, wy_error_t *err) {
  *out = NULL;
  wy_pb_gen_options_t defaults = {NULL, WY_PB_NULLABLE_DEFAULT, false};
  if (!opts) opts = &defaults;
  if (opts->unwrapped)
    return wy_error_set(err, WY_ERR_UNSUPPORTED,
                        "Format 'PROTOBUF' does not support 'WRAP_SINGLE_VALUE' set to 'false'.");
  gen_t g = {opts, 0, {NULL}, 0, err};
  char pkg[256] = "", name[256] = "ConnectDefault1";
  if (opts->full_name) {
    const char *fn = opts->full_name;
    while (isspace((unsigned char)*fn)) fn++;
    if (!*fn) return wy_error_set(err, WY_ERR_CONFIG, "Schema full name cannot be empty");
    if (strlen(fn) >= sizeof name)
      return wy_error_set(err, WY_ERR_CONFIG, "Schema full name is too long");
    const char *dot = strrchr(fn, '.');
    if (dot) {
      snprintf(pkg, sizeof pkg, "%.*s", (int)(dot - fn), fn);
      snprintf(name, sizeof name, "%s", dot + 1);
    } else {
      snprintf(name, sizeof name, "%s", fn);
    }
    if (!valid_name(name))
      return wy_error_set(err, WY_ERR_CONFIG, "Schema full name '%s' is not a valid Protobuf name",
                          fn);
  } else {
    g.next_default = 1;
  }
  /* The columns as the fields of the root STRUCT. */
  size_t n = cols ? cols->ncols : 0;
  wy_field_t *fields = calloc(n ? n : 1, sizeof *fields);
  if (!fields) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    fields[i].name = (char *)cols->cols[i].name;
    fields[i].type = cols->cols[i].type;
  }
  wy_buf_t body, text;
  wy_buf_init(&body);
  wy_buf_init(&text);
  wy_status_t st = gen_message(&g, &body, name, fields, n, 0);
  free(fields);
  if (st == WY_OK) {
    wy_buf_append_str(&text, "syntax = \"proto3\";\n");
    if (*pkg) wy_buf_printf(&text, "package %s;\n", pkg);
    for (int i = 0; i < g.nimports; i++) wy_buf_printf(&text, "import \"%s\";\n", g.imports[i]);
    wy_buf_append(&text, body.data, body.len);
    const char *src = wy_buf_cstr(&text);
    st = src ? wy_pb_parse(src, NULL, 0, out, err)
             : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  wy_buf_free(&body);
  wy_buf_free(&text);
  return st;
}

/* ---- inference ---- */

typedef struct {
  const wy_pb_infer_options_t *opts;
  const wy_pb_message_t *stack[PB_MAX_DEPTH + 1]; /* messages being expanded */
  int depth;
  wy_error_t *err;
} infer_t;

static char *column_name(const infer_t *in, const char *name) {
  char *s = strdup(name);
  if (s && !in->opts->keep_names)
    for (char *p = s; *p; p++) *p = (char)toupper((unsigned char)*p);
  return s;
}

static wy_status_t message_columns(infer_t *in, const wy_pb_message_t *m, wy_pb_column_t **out,
                                   size_t *nout);
static wy_status_t field_type(infer_t *in, const wy_pb_field_t *f, bool element,
                              const wy_type_t **out);

static wy_status_t struct_of(infer_t *in, const wy_pb_message_t *m, const wy_type_t **out) {
  wy_pb_column_t *cols;
  size_t n;
  wy_status_t st = message_columns(in, m, &cols, &n);
  if (st != WY_OK) return st;
  wy_type_t *t = wy_type_struct_new();
  for (size_t i = 0; t && i < n; i++) {
    if (!wy_type_struct_add(t, cols[i].name, cols[i].type)) {
      wy_type_unref(t);
      t = NULL;
    }
    cols[i].type = NULL; /* the struct took the reference (even on failure) */
  }
  wy_pb_columns_free(cols, n);
  if (!t) return wy_error_set(in->err, WY_ERR_NOMEM, "out of memory");
  *out = t;
  return WY_OK;
}

static const wy_type_t *scalar_type(wy_pb_kind_t k) {
  switch (k) {
    case WY_PB_INT32:
    case WY_PB_SINT32:
    case WY_PB_SFIXED32:
      return wy_type_int();
    case WY_PB_UINT32:
    case WY_PB_FIXED32:
    case WY_PB_INT64:
    case WY_PB_UINT64:
    case WY_PB_SINT64:
    case WY_PB_FIXED64:
    case WY_PB_SFIXED64:
      return wy_type_bigint();
    case WY_PB_FLOAT:
    case WY_PB_DOUBLE:
      return wy_type_double();
    case WY_PB_BOOL:
      return wy_type_boolean();
    case WY_PB_STRING:
    case WY_PB_ENUM:
      return wy_type_string();
    case WY_PB_BYTES:
      return wy_type_bytes();
    default:
      return NULL;
  }
}

static wy_status_t message_type(infer_t *in, const wy_pb_field_t *f, const wy_type_t **out) {
  const wy_pb_message_t *m = f->message;
  switch (m->wkt) {
    case WY_PB_WKT_TIMESTAMP:
      *out = wy_type_timestamp();
      return WY_OK;
    case WY_PB_WKT_DATE:
      *out = wy_type_date();
      return WY_OK;
    case WY_PB_WKT_TIME_OF_DAY:
      *out = wy_type_time();
      return WY_OK;
    case WY_PB_WKT_DECIMAL: {
      int p = f->decimal_precision > 0 ? f->decimal_precision : WY_DECIMAL_MAX_PRECISION;
      int s = f->decimal_scale >= 0 ? f->decimal_scale : 0;
      if (p > WY_DECIMAL_MAX_PRECISION || s > p)
        return wy_error_set(in->err, WY_ERR_UNSUPPORTED,
                            "DECIMAL(%d, %d) of field %s is out of range", p, s, f->name);
      *out = wy_type_decimal(p, s);
      return *out ? WY_OK : wy_error_set(in->err, WY_ERR_NOMEM, "out of memory");
    }
    default:
      break;
  }
  if (wy_pb_wkt_is_wrapper(m->wkt) && !in->opts->wrappers_as_structs && m->nfields == 1) {
    *out = scalar_type(m->fields[0].kind);
    if (*out) return WY_OK;
  }
  for (int i = 0; i < in->depth; i++)
    if (in->stack[i] == m)
      return wy_error_set(in->err, WY_ERR_UNSUPPORTED,
                          "recursive Protobuf message %s is not supported", m->full_name);
  if (in->depth >= PB_MAX_DEPTH)
    return wy_error_set(in->err, WY_ERR_UNSUPPORTED, "Protobuf message %s is nested too deeply",
                        m->full_name);
  in->stack[in->depth++] = m;
  wy_status_t st = struct_of(in, m, out);
  in->depth--;
  return st;
}

static wy_status_t field_type(infer_t *in, const wy_pb_field_t *f, bool element,
                              const wy_type_t **out) {
  *out = NULL;
  if (!element && wy_pb_field_is_map(f)) {
    const wy_pb_field_t *k = wy_pb_map_key(f), *v = wy_pb_map_value(f);
    if (!k || !v)
      return wy_error_set(in->err, WY_ERR_INVALID, "map field %s has no key or value", f->name);
    const wy_type_t *kt, *vt;
    wy_status_t st = field_type(in, k, true, &kt);
    if (st != WY_OK) return st;
    st = field_type(in, v, true, &vt);
    if (st != WY_OK) {
      wy_type_unref(kt);
      return st;
    }
    *out = wy_type_map(kt, vt);
    return *out ? WY_OK : wy_error_set(in->err, WY_ERR_NOMEM, "out of memory");
  }
  if (!element && f->label == WY_PB_LABEL_REPEATED) {
    const wy_type_t *et;
    wy_status_t st = field_type(in, f, true, &et);
    if (st != WY_OK) return st;
    *out = wy_type_array(et);
    return *out ? WY_OK : wy_error_set(in->err, WY_ERR_NOMEM, "out of memory");
  }
  if (f->kind == WY_PB_MESSAGE) return message_type(in, f, out);
  *out = scalar_type(f->kind);
  return *out ? WY_OK : wy_error_set(in->err, WY_ERR_INTERNAL, "field %s has no type", f->name);
}

static wy_status_t message_columns(infer_t *in, const wy_pb_message_t *m, wy_pb_column_t **out,
                                   size_t *nout) {
  *out = NULL;
  *nout = 0;
  size_t n = m->noneofs;
  for (size_t i = 0; i < m->nfields; i++)
    if (m->fields[i].oneof_index < 0) n++;
  wy_pb_column_t *cols = calloc(n ? n : 1, sizeof *cols);
  if (!cols) return wy_error_set(in->err, WY_ERR_NOMEM, "out of memory");
  size_t k = 0;
  wy_status_t st = WY_OK;
  /* Connect's order: the oneofs first, then the other fields. */
  for (size_t i = 0; i < m->noneofs && st == WY_OK; i++) {
    const wy_pb_oneof_t *o = &m->oneofs[i];
    char name[300];
    snprintf(name, sizeof name, "%s_%zu", o->name, i);
    wy_pb_column_t *c = &cols[k++];
    c->oneof = o;
    c->name = column_name(in, name);
    wy_type_t *t = wy_type_struct_new();
    for (size_t j = 0; t && st == WY_OK && j < o->nfields; j++) {
      const wy_pb_field_t *f = &m->fields[o->first_field + j];
      const wy_type_t *ft;
      st = field_type(in, f, false, &ft);
      if (st != WY_OK) break;
      char *fname = column_name(in, f->name);
      bool ok = fname && wy_type_struct_add(t, fname, ft);
      free(fname);
      if (!ok) st = wy_error_set(in->err, WY_ERR_NOMEM, "out of memory");
    }
    c->type = t;
    if (!t || !c->name) st = wy_error_set(in->err, WY_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < m->nfields && st == WY_OK; i++) {
    const wy_pb_field_t *f = &m->fields[i];
    if (f->oneof_index >= 0) continue;
    wy_pb_column_t *c = &cols[k++];
    c->field = f;
    c->name = column_name(in, f->name);
    st = field_type(in, f, false, &c->type);
    if (st == WY_OK && !c->name) st = wy_error_set(in->err, WY_ERR_NOMEM, "out of memory");
  }
  if (st != WY_OK) {
    wy_pb_columns_free(cols, k);
    return st;
  }
  *out = cols;
  *nout = k;
  return WY_OK;
}

static const wy_pb_infer_options_t DEFAULT_INFER = {false, false};

wy_status_t wy_pb_message_columns(const wy_pb_message_t *m, const wy_pb_infer_options_t *opts,
                                  wy_pb_column_t **out, size_t *nout, wy_error_t *err) {
  infer_t in;
  memset(&in, 0, sizeof in);
  in.opts = opts ? opts : &DEFAULT_INFER;
  in.err = err;
  in.stack[in.depth++] = m;
  return message_columns(&in, m, out, nout);
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
  infer_t in;
  memset(&in, 0, sizeof in);
  in.opts = opts ? opts : &DEFAULT_INFER;
  in.err = err;
  return field_type(&in, f, false, out);
}

wy_status_t wy_pb_infer_columns(const wy_pb_schema_t *s, const char *full_name,
                                const wy_pb_infer_options_t *opts, wy_format_column_t **cols_out,
                                size_t *ncols_out, wy_error_t *err) {
  *cols_out = NULL;
  *ncols_out = 0;
  const wy_pb_message_t *m =
      full_name ? wy_pb_find_message(s, full_name) : wy_pb_message_at(s, NULL, 0);
  if (!m) {
    if (full_name)
      return wy_error_set(err, WY_ERR_NOT_FOUND, "Schema for message %s not found", full_name);
    return wy_error_set(err, WY_ERR_INVALID, "the Protobuf schema declares no message");
  }
  wy_pb_column_t *pc;
  size_t n;
  wy_status_t st = wy_pb_message_columns(m, opts, &pc, &n, err);
  if (st != WY_OK) return st;
  wy_format_column_t *cols = calloc(n ? n : 1, sizeof *cols);
  if (!cols) {
    wy_pb_columns_free(pc, n);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    cols[i].name = pc[i].name;
    cols[i].type = pc[i].type;
    pc[i].name = NULL;
    pc[i].type = NULL;
  }
  wy_pb_columns_free(pc, n);
  *cols_out = cols;
  *ncols_out = n;
  return WY_OK;
}

void wy_pb_format_columns_free(wy_format_column_t *cols, size_t n) {
  for (size_t i = 0; cols && i < n; i++) {
    free((char *)cols[i].name);
    wy_type_unref(cols[i].type);
  }
  free(cols);
}
