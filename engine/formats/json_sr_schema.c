/* JSON_SR schemas: columns -> the JSON Schema ksqlDB registers, a registered JSON Schema
 * -> columns, and reader/writer compatibility. See json_sr.h for the rules. */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/json_sr.h"

#define JSR_MAX_DEPTH 64
#define JSR_MAX_NODES 100000 /* types visited: "$ref"s may make a small text huge */

#define CONNECT_DECIMAL "org.apache.kafka.connect.data.Decimal"
#define CONNECT_DATE "org.apache.kafka.connect.data.Date"
#define CONNECT_TIME "org.apache.kafka.connect.data.Time"
#define CONNECT_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"

/* ---- generation ---- */

static bool has_non_string_map_key(const wy_type_t *t) {
  switch (t->kind) {
    case WY_T_MAP:
      return t->key->kind != WY_T_STRING || has_non_string_map_key(t->elem);
    case WY_T_ARRAY:
      return has_non_string_map_key(t->elem);
    case WY_T_STRUCT:
      for (size_t i = 0; i < t->nfields; i++)
        if (has_non_string_map_key(t->fields[i].type)) return true;
      return false;
    default:
      return false;
  }
}

/* json_object_set_new that remembers a failure in *ok. */
static void put(json_t *o, const char *k, json_t *v, bool *ok) {
  if (!o || !v || json_object_set_new(o, k, v) != 0) *ok = false;
}

static json_t *optional_of(json_t *inner, int index);

/* A Connect logical type: "title" + "connect.version" on its physical type. */
static json_t *logical(const char *json_type, const char *connect_type, const char *title,
                       bool *ok) {
  json_t *o = json_object();
  put(o, "type", json_string(json_type), ok);
  put(o, "title", json_string(title), ok);
  put(o, "connect.version", json_integer(1), ok);
  put(o, "connect.type", json_string(connect_type), ok);
  return o;
}

static json_t *struct_schema(const wy_format_column_t *cols, size_t n, const wy_type_t *st,
                             const char *title, bool *ok);

/* The (required) schema of a type; *ok is cleared on a failure. */
static json_t *type_schema(const wy_type_t *t, bool *ok) {
  json_t *o = NULL;
  char buf[16];
  switch (t->kind) {
    case WY_T_BOOLEAN:
      o = json_object();
      put(o, "type", json_string("boolean"), ok);
      return o;
    case WY_T_INT:
    case WY_T_BIGINT:
      o = json_object();
      put(o, "type", json_string("integer"), ok);
      put(o, "connect.type", json_string(t->kind == WY_T_INT ? "int32" : "int64"), ok);
      return o;
    case WY_T_DOUBLE:
      o = json_object();
      put(o, "type", json_string("number"), ok);
      put(o, "connect.type", json_string("float64"), ok);
      return o;
    case WY_T_STRING:
      o = json_object();
      put(o, "type", json_string("string"), ok);
      return o;
    case WY_T_BYTES:
      o = json_object();
      put(o, "type", json_string("string"), ok);
      put(o, "connect.type", json_string("bytes"), ok);
      return o;
    case WY_T_DECIMAL: {
      o = logical("number", "bytes", CONNECT_DECIMAL, ok);
      json_t *params = json_object();
      snprintf(buf, sizeof buf, "%d", (int)t->scale);
      put(params, "scale", json_string(buf), ok);
      snprintf(buf, sizeof buf, "%d", (int)t->precision);
      put(params, "connect.decimal.precision", json_string(buf), ok);
      put(o, "connect.parameters", params, ok);
      return o;
    }
    case WY_T_DATE:
      return logical("integer", "int32", CONNECT_DATE, ok);
    case WY_T_TIME:
      return logical("integer", "int32", CONNECT_TIME, ok);
    case WY_T_TIMESTAMP:
      return logical("integer", "int64", CONNECT_TIMESTAMP, ok);
    case WY_T_ARRAY:
      o = json_object();
      put(o, "type", json_string("array"), ok);
      put(o, "items", optional_of(type_schema(t->elem, ok), -1), ok);
      return o;
    case WY_T_MAP:
      o = json_object();
      put(o, "type", json_string("object"), ok);
      put(o, "additionalProperties", optional_of(type_schema(t->elem, ok), -1), ok);
      put(o, "connect.type", json_string("map"), ok);
      return o;
    case WY_T_STRUCT:
      return struct_schema(NULL, 0, t, NULL, ok);
    default:
      *ok = false;
      return NULL;
  }
}

/* {"connect.index": index, "oneOf": [{"type":"null"}, inner]}: Connect's optional
 * schema (index < 0: not a field). Takes inner. */
static json_t *optional_of(json_t *inner, int index) {
  json_t *o = json_object(), *one = json_array(), *null = json_object();
  bool ok = inner && o && one && null;
  if (ok) {
    if (index >= 0) put(o, "connect.index", json_integer(index), &ok);
    put(null, "type", json_string("null"), &ok);
    ok = ok && json_array_append_new(one, null) == 0;
    null = NULL;
    ok = ok && json_array_append_new(one, inner) == 0;
    inner = NULL;
    put(o, "oneOf", one, &ok);
    one = NULL;
  }
  json_decref(inner);
  json_decref(one);
  json_decref(null);
  if (!ok) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* An object of optional properties, from columns or from a STRUCT type's fields. */
static json_t *struct_schema(const wy_format_column_t *cols, size_t n, const wy_type_t *st,
                             const char *title, bool *ok) {
  json_t *o = json_object(), *props = json_object();
  put(o, "type", json_string("object"), ok);
  if (title) put(o, "title", json_string(title), ok);
  size_t count = st ? st->nfields : n;
  for (size_t i = 0; i < count && *ok; i++) {
    const char *name = st ? st->fields[i].name : cols[i].name;
    const wy_type_t *t = st ? st->fields[i].type : cols[i].type;
    put(props, name, optional_of(type_schema(t, ok), (int)i), ok);
  }
  put(o, "properties", props, ok);
  return o;
}

wy_status_t wy_json_sr_schema_from_columns(const wy_format_schema_t *schema, bool unwrapped,
                                           const char *full_name, char **json_out,
                                           wy_error_t *err) {
  *json_out = NULL;
  for (size_t i = 0; i < schema->ncols; i++)
    if (has_non_string_map_key(schema->cols[i].type))
      return wy_error_set(err, WY_ERR_UNSUPPORTED, "JSON only supports MAP types with STRING keys");
  if (unwrapped && schema->ncols != 1)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
  if (full_name && !*full_name) full_name = NULL;
  bool ok = true;
  json_t *root = unwrapped ? optional_of(type_schema(schema->cols[0].type, &ok), -1)
                           : struct_schema(schema->cols, schema->ncols, NULL, full_name, &ok);
  char *text = ok && root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(root);
  if (!text) return wy_error_set(err, WY_ERR_NOMEM, "out of memory generating a JSON schema");
  *json_out = text;
  return WY_OK;
}

/* ---- inference ---- */

typedef struct {
  json_t *root;
  wy_error_t *err;
  long budget; /* schema nodes left to visit: "$ref"s may make a small text huge */
} infer_t;

static bool fail(infer_t *x, wy_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(infer_t *x, wy_status_t code, const char *fmt, ...) {
  char msg[WY_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  wy_error_set(x->err, code, "%s", msg);
  return false;
}

static char *upper(const char *s) {
  char *u = strdup(s);
  for (char *c = u; c && *c; c++) *c = (char)toupper((unsigned char)*c);
  return u;
}

/* Follow a local "$ref" ("#", "#/definitions/X", "#/$defs/X", any JSON pointer). */
static json_t *deref(infer_t *x, json_t *s) {
  for (int hops = 0; json_is_object(s) && hops < JSR_MAX_DEPTH; hops++) {
    const char *ref = json_string_value(json_object_get(s, "$ref"));
    if (!ref) return s;
    if (ref[0] != '#') {
      fail(x, WY_ERR_UNSUPPORTED, "JSON schema reference '%s' is not local to the schema", ref);
      return NULL;
    }
    json_t *at = x->root;
    const char *p = ref + 1;
    while (at && *p == '/') {
      p++;
      size_t n = strcspn(p, "/");
      char seg[256];
      size_t o = 0;
      for (size_t i = 0; i < n && o + 1 < sizeof seg; i++) { /* ~0 is ~, ~1 is / */
        if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
          seg[o++] = p[i + 1] == '0' ? '~' : '/';
          i++;
        } else {
          seg[o++] = p[i];
        }
      }
      seg[o] = '\0';
      at = json_is_array(at) ? json_array_get(at, (size_t)atoi(seg)) : json_object_get(at, seg);
      p += n;
    }
    if (!at) {
      fail(x, WY_ERR_INVALID, "JSON schema reference '%s' does not resolve", ref);
      return NULL;
    }
    s = at;
  }
  return s;
}

static const wy_type_t *infer_type(infer_t *x, json_t *s, int depth);

/* The one non-null member of a nullable union, or NULL (*several set when it is a real
 * union of several types). */
static json_t *nullable_member(json_t *arr, size_t *nonnull) {
  json_t *only = NULL, *m;
  size_t i;
  *nonnull = 0;
  json_array_foreach(arr, i, m) {
    const char *t = json_string_value(json_object_get(m, "type"));
    if (t && strcmp(t, "null") == 0 && json_object_size(m) <= 2) continue;
    (*nonnull)++;
    only = m;
  }
  return only;
}

/* A STRUCT from an object's properties, in "connect.index" order then document order. */
static const wy_type_t *infer_struct(infer_t *x, json_t *props, int depth) {
  size_t n = json_object_size(props);
  const char **names = calloc(n + 1, sizeof *names);
  json_t **schemas = calloc(n + 1, sizeof *schemas);
  long *order = calloc(n + 1, sizeof *order);
  wy_type_t *st = wy_type_struct_new();
  if (!names || !schemas || !order || !st) {
    fail(x, WY_ERR_NOMEM, "out of memory");
    goto fail;
  }
  const char *k;
  json_t *v;
  size_t i = 0;
  json_object_foreach(props, k, v) {
    json_t *idx = json_is_object(v) ? json_object_get(v, "connect.index") : NULL;
    names[i] = k;
    schemas[i] = v;
    order[i] = json_is_integer(idx) ? (long)json_integer_value(idx) : (long)(n + i);
    i++;
  }
  for (size_t a = 1; a < n; a++) /* stable insertion sort by order */
    for (size_t b = a; b > 0 && order[b - 1] > order[b]; b--) {
      long to = order[b];
      order[b] = order[b - 1];
      order[b - 1] = to;
      const char *tn = names[b];
      names[b] = names[b - 1];
      names[b - 1] = tn;
      json_t *ts = schemas[b];
      schemas[b] = schemas[b - 1];
      schemas[b - 1] = ts;
    }
  for (i = 0; i < n; i++) {
    char *name = upper(names[i]);
    if (!name) {
      fail(x, WY_ERR_NOMEM, "out of memory");
      goto fail;
    }
    if (wy_type_field_index(st, name) >= 0) {
      fail(x, WY_ERR_ANALYSIS, "JSON schema has two properties named %s", name);
      free(name);
      goto fail;
    }
    const wy_type_t *ft = infer_type(x, schemas[i], depth + 1);
    bool ok = ft && wy_type_struct_add(st, name, ft);
    free(name);
    if (!ok) {
      if (ft) fail(x, WY_ERR_NOMEM, "out of memory");
      goto fail;
    }
  }
  free(names);
  free(schemas);
  free(order);
  return st;
fail:
  free(names);
  free(schemas);
  free(order);
  wy_type_unref(st);
  return NULL;
}

/* The type a "oneOf"/"anyOf" stands for: its non-null member, or, as Connect does, a
 * STRUCT with a field per member. */
static const wy_type_t *infer_union(infer_t *x, json_t *arr, int depth) {
  size_t nonnull;
  json_t *only = nullable_member(arr, &nonnull);
  if (nonnull == 1) return infer_type(x, only, depth + 1);
  if (nonnull == 0)
    return fail(x, WY_ERR_UNSUPPORTED, "JSON schema type 'null' has no SQL type"), NULL;
  wy_type_t *st = wy_type_struct_new();
  size_t i, f = 0;
  json_t *m;
  json_array_foreach(arr, i, m) {
    const char *t = json_string_value(json_object_get(m, "type"));
    if (t && strcmp(t, "null") == 0) continue;
    char name[64];
    snprintf(name, sizeof name, "IO.CONFLUENT.CONNECT.JSON.ONEOF.FIELD.%zu", f++);
    const wy_type_t *ft = st ? infer_type(x, m, depth + 1) : NULL;
    if (!ft || !wy_type_struct_add(st, name, ft)) {
      if (!st || ft) fail(x, WY_ERR_NOMEM, "out of memory");
      wy_type_unref(st);
      return NULL;
    }
  }
  return st;
}

static const wy_type_t *infer_decimal(infer_t *x, json_t *s) {
  json_t *params = json_object_get(s, "connect.parameters");
  const char *ps = json_string_value(json_object_get(params, "connect.decimal.precision"));
  const char *ss = json_string_value(json_object_get(params, "scale"));
  int precision = ps ? atoi(ps) : WY_DECIMAL_MAX_PRECISION, scale = ss ? atoi(ss) : 0;
  const wy_type_t *t = wy_type_decimal(precision, scale);
  if (!t)
    fail(x, WY_ERR_UNSUPPORTED, "DECIMAL(%d, %d) is out of range (precision 1 to %d)", precision,
         scale, WY_DECIMAL_MAX_PRECISION);
  return t;
}

static const wy_type_t *infer_type(infer_t *x, json_t *s, int depth) {
  if (depth > JSR_MAX_DEPTH)
    return fail(x, WY_ERR_UNSUPPORTED, "JSON schema nests too deeply"), NULL;
  if (--x->budget < 0)
    return fail(x, WY_ERR_UNSUPPORTED, "JSON schema expands to more than %d types", JSR_MAX_NODES),
           NULL;
  if (json_is_true(s))
    return fail(x, WY_ERR_UNSUPPORTED, "JSON schema 'true' has no SQL type"), NULL;
  if (!(s = deref(x, s))) return NULL;
  if (!json_is_object(s)) return fail(x, WY_ERR_INVALID, "a JSON schema must be an object"), NULL;
  json_t *u = json_object_get(s, "oneOf");
  if (!u) u = json_object_get(s, "anyOf");
  if (json_is_array(u)) return infer_union(x, u, depth);
  if (json_object_get(s, "allOf"))
    return fail(x, WY_ERR_UNSUPPORTED, "JSON schema 'allOf' is not supported"), NULL;
  json_t *type = json_object_get(s, "type");
  const char *tn = json_string_value(type);
  if (json_is_array(type)) { /* "type": ["null", "string"] */
    size_t i, nonnull = 0;
    json_t *m;
    json_array_foreach(type, i, m) {
      const char *mt = json_string_value(m);
      if (mt && strcmp(mt, "null") != 0) nonnull++, tn = mt;
    }
    if (nonnull != 1)
      return fail(x, WY_ERR_UNSUPPORTED, "JSON schema with several types has no SQL type"), NULL;
  }
  if (!tn) {
    if (json_object_get(s, "enum")) return wy_type_string();
    if (json_object_get(s, "properties"))
      tn = "object";
    else if (json_object_get(s, "items"))
      tn = "array";
    else
      return fail(x, WY_ERR_UNSUPPORTED, "JSON schema without a type has no SQL type"), NULL;
  }
  const char *ct = json_string_value(json_object_get(s, "connect.type"));
  const char *title = json_string_value(json_object_get(s, "title"));
  if (!ct) ct = "";
  if (!title) title = "";
  if (!strcmp(tn, "boolean")) return wy_type_boolean();
  if (!strcmp(tn, "string")) return !strcmp(ct, "bytes") ? wy_type_bytes() : wy_type_string();
  if (!strcmp(tn, "integer") || !strcmp(tn, "number")) {
    if (!strcmp(title, CONNECT_DECIMAL) || !strcmp(ct, "bytes")) return infer_decimal(x, s);
    if (!strcmp(title, CONNECT_DATE)) return wy_type_date();
    if (!strcmp(title, CONNECT_TIME)) return wy_type_time();
    if (!strcmp(title, CONNECT_TIMESTAMP)) return wy_type_timestamp();
    if (!strcmp(ct, "int8") || !strcmp(ct, "int16") || !strcmp(ct, "int32")) return wy_type_int();
    if (!strcmp(ct, "int64")) return wy_type_bigint();
    if (!strcmp(ct, "float32") || !strcmp(ct, "float64")) return wy_type_double();
    return !strcmp(tn, "integer") ? wy_type_bigint() : wy_type_double();
  }
  if (!strcmp(tn, "array")) {
    json_t *items = json_object_get(s, "items");
    if (!items)
      return fail(x, WY_ERR_UNSUPPORTED, "Array schema did not specify the items type"), NULL;
    json_t *it = deref(x, items);
    if (!it) return NULL;
    json_t *props = json_object_get(it, "properties");
    if (!strcmp(ct, "map") && json_object_get(props, "key") && json_object_get(props, "value")) {
      const wy_type_t *k = infer_type(x, json_object_get(props, "key"), depth + 1);
      const wy_type_t *v = k ? infer_type(x, json_object_get(props, "value"), depth + 1) : NULL;
      if (!v) {
        wy_type_unref(k);
        return NULL;
      }
      const wy_type_t *m = wy_type_map(k, v);
      if (!m) fail(x, WY_ERR_NOMEM, "out of memory");
      return m;
    }
    const wy_type_t *e = infer_type(x, items, depth + 1);
    const wy_type_t *a = e ? wy_type_array(e) : NULL;
    if (e && !a) fail(x, WY_ERR_NOMEM, "out of memory");
    return a;
  }
  if (!strcmp(tn, "object")) {
    json_t *props = json_object_get(s, "properties");
    json_t *extra = json_object_get(s, "additionalProperties");
    if (!strcmp(ct, "map") || (json_object_size(props) == 0 && json_is_object(extra))) {
      const wy_type_t *v =
          json_is_object(extra)
              ? infer_type(x, extra, depth + 1)
              : (fail(x, WY_ERR_UNSUPPORTED, "JSON map schema without a value schema"), NULL);
      const wy_type_t *m = v ? wy_type_map(wy_type_string(), v) : NULL;
      if (v && !m) fail(x, WY_ERR_NOMEM, "out of memory");
      return m;
    }
    if (props && !json_is_object(props))
      return fail(x, WY_ERR_INVALID, "JSON schema 'properties' must be an object"), NULL;
    return infer_struct(x, props, depth);
  }
  return fail(x, WY_ERR_UNSUPPORTED, "JSON schema type '%s' has no SQL type", tn), NULL;
}

void wy_json_sr_columns_free(wy_format_column_t *cols, size_t n) {
  for (size_t i = 0; cols && i < n; i++) {
    free((char *)cols[i].name);
    wy_type_unref(cols[i].type);
  }
  free(cols);
}

/* An object schema (after refs and a nullable union), or NULL. */
static json_t *as_object_schema(infer_t *x, json_t *s) {
  for (int i = 0; i < JSR_MAX_DEPTH && json_is_object(s); i++) {
    if (!(s = deref(x, s))) return NULL;
    json_t *u = json_object_get(s, "oneOf");
    if (!u) u = json_object_get(s, "anyOf");
    if (json_is_array(u)) {
      size_t nonnull;
      json_t *only = nullable_member(u, &nonnull);
      if (nonnull != 1) return NULL;
      s = only;
      continue;
    }
    const char *tn = json_string_value(json_object_get(s, "type"));
    const char *ct = json_string_value(json_object_get(s, "connect.type"));
    if (ct && !strcmp(ct, "map")) return NULL;
    if ((tn && !strcmp(tn, "object")) || (!tn && json_object_get(s, "properties"))) {
      json_t *props = json_object_get(s, "properties");
      if (json_object_size(props) == 0 &&
          json_is_object(json_object_get(s, "additionalProperties")))
        return NULL; /* a map */
      return s;
    }
    return NULL;
  }
  return NULL;
}

wy_status_t wy_json_sr_infer_columns(const char *text, bool is_key, bool unwrapped,
                                     wy_format_column_t **cols_out, size_t *ncols_out,
                                     wy_error_t *err) {
  *cols_out = NULL;
  *ncols_out = 0;
  json_error_t jerr;
  json_t *root = json_loads(text ? text : "", JSON_DECODE_ANY, &jerr);
  if (!root) return wy_error_set(err, WY_ERR_INVALID, "Invalid JSON schema: %s", jerr.text);
  infer_t x = {root, err, JSR_MAX_NODES};
  wy_error_clear(err);
  json_t *obj = unwrapped ? NULL : as_object_schema(&x, root);
  wy_format_column_t *cols = NULL;
  size_t n = 0;
  wy_status_t st = WY_OK;
  if (err && err->code != WY_OK) {
    st = err->code;
    goto out;
  }
  const wy_type_t *t = infer_type(&x, obj ? obj : root, 0);
  if (!t) {
    st = err && err->code != WY_OK ? err->code : WY_ERR_UNSUPPORTED;
    goto out;
  }
  if (obj) { /* one column per field */
    n = t->nfields;
    cols = calloc(n + 1, sizeof *cols);
    for (size_t i = 0; cols && i < n; i++) {
      cols[i].name = strdup(t->fields[i].name);
      cols[i].type = wy_type_ref(t->fields[i].type);
      if (!cols[i].name) {
        wy_json_sr_columns_free(cols, i + 1);
        cols = NULL;
      }
    }
    wy_type_unref(t);
  } else {
    n = 1;
    cols = calloc(2, sizeof *cols);
    if (cols) {
      cols[0].type = t;
      if (!(cols[0].name = strdup(is_key ? "ROWKEY" : "ROWVAL"))) {
        wy_json_sr_columns_free(cols, 1);
        cols = NULL;
      }
    } else {
      wy_type_unref(t);
    }
  }
  if (!cols) {
    st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    n = 0;
  }
out:
  json_decref(root);
  if (st != WY_OK) return st;
  *cols_out = cols;
  *ncols_out = n;
  return WY_OK;
}
