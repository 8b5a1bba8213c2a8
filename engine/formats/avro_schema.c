/* Avro schemas: parsing (jansson, checked by avro-c), generation from columns as ksqlDB
 * does for sinks, inference of columns from a registered schema, and the resolution
 * rules behind BACKWARD compatibility. */
#include <avro.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/avro_int.h"

#define MAX_DEPTH 64

static const char *KIND_NAMES[] = {
#define WY_X(id, name) name,
    WY_AVRO_KINDS(WY_X)
#undef WY_X
};

static const char *LOGICAL_NAMES[] = {
#define WY_X(id, name) name,
    WY_AVRO_LOGICALS(WY_X)
#undef WY_X
};

const char *wy_avro_kind_name(av_kind_t k) { return (unsigned)k < AV__COUNT ? KIND_NAMES[k] : "?"; }

const char *wy_avro_member_name(const av_node_t *n) {
  return n->simple ? n->simple : wy_avro_kind_name(n->kind);
}

/* ---- parsing ---- */

typedef struct {
  wy_avro_schema_t *s;
  wy_error_t *err;
  int depth;
} parse_t;

static av_node_t *new_node(parse_t *p, av_kind_t kind) {
  wy_avro_schema_t *s = p->s;
  if (s->nall == s->capall) {
    size_t cap = s->capall ? s->capall * 2 : 16;
    av_node_t **a = realloc(s->all, cap * sizeof *a);
    if (!a) return NULL;
    s->all = a;
    s->capall = cap;
  }
  av_node_t *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->kind = kind;
  s->all[s->nall++] = n;
  return n;
}

static bool fail(parse_t *p, const char *fmt, const char *arg) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, arg);
  wy_error_set(p->err, WY_ERR_INVALID, "Invalid Avro schema: %s", msg);
  return false;
}

static int primitive_kind(const char *t) {
  for (int k = AV_NULL; k <= AV_STRING; k++)
    if (strcmp(t, KIND_NAMES[k]) == 0) return k;
  return -1;
}

static char *full_name(const char *name, const char *ns) {
  if (strchr(name, '.') || !ns || !*ns) return strdup(name);
  size_t n = strlen(ns) + strlen(name) + 2;
  char *f = malloc(n);
  if (f) snprintf(f, n, "%s.%s", ns, name);
  return f;
}

static av_node_t *lookup_named(parse_t *p, const char *name, const char *ns) {
  char *f = full_name(name, ns);
  av_node_t *hit = NULL;
  for (size_t i = 0; f && i < p->s->nall && !hit; i++) {
    av_node_t *n = p->s->all[i];
    if (n->name && (strcmp(n->name, f) == 0 || strcmp(n->name, name) == 0)) hit = n;
  }
  free(f);
  return hit;
}

static av_node_t *parse_node(parse_t *p, json_t *j, const char *ns);

static bool set_name(parse_t *p, av_node_t *n, json_t *obj, const char **ns) {
  const char *name = json_string_value(json_object_get(obj, "name"));
  if (!name) return fail(p, "%s without a name", KIND_NAMES[n->kind]);
  const char *own_ns = json_string_value(json_object_get(obj, "namespace"));
  if (own_ns) *ns = own_ns;
  if (!(n->name = full_name(name, *ns))) return fail(p, "%s", "out of memory");
  const char *dot = strrchr(n->name, '.');
  n->simple = dot ? dot + 1 : n->name;
  /* Names declared inside a named type live in its namespace. */
  if (!(n->nspace = strndup(n->name, dot ? (size_t)(dot - n->name) : 0)))
    return fail(p, "%s", "out of memory");
  *ns = n->nspace;
  return true;
}

static bool parse_logical(parse_t *p, av_node_t *n, json_t *obj) {
  const char *lt = json_string_value(json_object_get(obj, "logicalType"));
  if (!lt) return true;
  int l = AVL_NONE;
  for (int i = 1; i < AVL__COUNT; i++)
    if (strcmp(lt, LOGICAL_NAMES[i]) == 0) l = i;
  /* Java's parser ignores a logical type on the wrong base type; so do we. */
  switch (l) {
    case AVL_DECIMAL:
      if (n->kind != AV_BYTES && n->kind != AV_FIXED) return true;
      n->precision = (int)json_integer_value(json_object_get(obj, "precision"));
      n->scale = (int)json_integer_value(json_object_get(obj, "scale"));
      if (n->precision <= 0 || n->scale < 0 || n->scale > n->precision) return true;
      break;
    case AVL_DATE:
    case AVL_TIME_MILLIS:
      if (n->kind != AV_INT) return true;
      break;
    case AVL_TIME_MICROS:
    case AVL_TIMESTAMP_MILLIS:
    case AVL_TIMESTAMP_MICROS:
      if (n->kind != AV_LONG) return true;
      break;
    case AVL_VALIDATED_STRING: {
      const char *pat = json_string_value(json_object_get(obj, "pattern"));
      if (n->kind != AV_STRING || !pat) return true;
      char why[160];
      if (!(n->re = wy_jregex_compile(pat, strlen(pat), true, why, sizeof why)))
        return fail(p, "bad validatedString pattern '%s'", pat);
      if (!(n->pattern = strdup(pat))) return fail(p, "%s", "out of memory");
      break;
    }
    default:
      return true;
  }
  n->logical = (av_logical_t)l;
  return true;
}

static bool is_map_entry(const av_node_t *items, json_t *items_json) {
  if (items->kind != AV_RECORD || items->n != 2 || strcmp(items->fields[0].name, "key") ||
      strcmp(items->fields[1].name, "value"))
    return false;
  if (strcmp(items->name, "io.confluent.connect.avro.MapEntry") == 0) return true;
  const char *t = json_string_value(json_object_get(items_json, "connect.internal.type"));
  return t && strcmp(t, "MapEntry") == 0;
}

static av_node_t *parse_object(parse_t *p, json_t *obj, const char *ns) {
  json_t *tj = json_object_get(obj, "type");
  if (!tj) return fail(p, "%s", "an object without \"type\""), NULL;
  if (!json_is_string(tj)) return parse_node(p, tj, ns);
  const char *t = json_string_value(tj);
  int pk = primitive_kind(t);
  av_node_t *n;
  if (pk >= 0) {
    if (!(n = new_node(p, (av_kind_t)pk)) || !parse_logical(p, n, obj)) return NULL;
    return n;
  }
  if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0) {
    if (!(n = new_node(p, AV_RECORD)) || !set_name(p, n, obj, &ns)) return NULL;
    json_t *fields = json_object_get(obj, "fields");
    if (!json_is_array(fields)) return fail(p, "record %s without fields", n->name), NULL;
    size_t nf = json_array_size(fields);
    if (!(n->fields = calloc(nf + 1, sizeof *n->fields))) return NULL;
    for (size_t i = 0; i < nf; i++) {
      json_t *f = json_array_get(fields, i);
      const char *fname = json_string_value(json_object_get(f, "name"));
      if (!fname) return fail(p, "a field of %s without a name", n->name), NULL;
      av_field_t *af = &n->fields[n->n];
      if (!(af->name = strdup(fname))) return NULL;
      n->n++;
      af->def = json_object_get(f, "default");
      if (!(af->type = parse_node(p, json_object_get(f, "type"), ns))) return NULL;
    }
    return n;
  }
  if (strcmp(t, "enum") == 0) {
    if (!(n = new_node(p, AV_ENUM)) || !set_name(p, n, obj, &ns)) return NULL;
    json_t *sy = json_object_get(obj, "symbols");
    size_t ns_ = json_array_size(sy);
    if (!ns_) return fail(p, "enum %s without symbols", n->name), NULL;
    if (!(n->symbols = calloc(ns_, sizeof *n->symbols))) return NULL;
    for (size_t i = 0; i < ns_; i++) {
      const char *s = json_string_value(json_array_get(sy, i));
      if (!s || !(n->symbols[n->n] = strdup(s))) return fail(p, "bad symbol in %s", n->name), NULL;
      n->n++;
    }
    return n;
  }
  if (strcmp(t, "fixed") == 0) {
    if (!(n = new_node(p, AV_FIXED)) || !set_name(p, n, obj, &ns)) return NULL;
    json_int_t size = json_integer_value(json_object_get(obj, "size"));
    if (size < 0 || size > (1 << 24)) return fail(p, "bad size of fixed %s", n->name), NULL;
    n->size = (size_t)size;
    if (!parse_logical(p, n, obj)) return NULL;
    return n;
  }
  if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
    bool arr = t[0] == 'a';
    if (!(n = new_node(p, arr ? AV_ARRAY : AV_MAP))) return NULL;
    json_t *ij = json_object_get(obj, arr ? "items" : "values");
    if (!ij) return fail(p, "%s without its element type", t), NULL;
    if (!(n->items = parse_node(p, ij, ns))) return NULL;
    n->map_entry = arr && is_map_entry(n->items, json_is_object(ij) ? ij : NULL);
    return n;
  }
  av_node_t *named = lookup_named(p, t, ns);
  if (!named) fail(p, "unknown type '%s'", t);
  return named;
}

static av_node_t *parse_node(parse_t *p, json_t *j, const char *ns) {
  if (++p->depth > MAX_DEPTH) return fail(p, "%s", "nested too deeply"), NULL;
  av_node_t *n = NULL;
  if (json_is_string(j)) {
    const char *t = json_string_value(j);
    int pk = primitive_kind(t);
    if (pk >= 0)
      n = new_node(p, (av_kind_t)pk);
    else if (!(n = lookup_named(p, t, ns)))
      fail(p, "unknown type '%s'", t);
  } else if (json_is_array(j)) {
    size_t nb = json_array_size(j);
    if (!nb) {
      fail(p, "%s", "an empty union");
    } else if ((n = new_node(p, AV_UNION)) && (n->branches = calloc(nb, sizeof *n->branches))) {
      for (size_t i = 0; i < nb; i++) {
        av_node_t *b = parse_node(p, json_array_get(j, i), ns);
        if (!b) {
          n = NULL;
          break;
        }
        if (b->kind == AV_UNION) {
          n = NULL;
          fail(p, "%s", "a union inside a union");
          break;
        }
        n->branches[n->n++] = b;
      }
    } else {
      n = NULL;
    }
  } else if (json_is_object(j)) {
    n = parse_object(p, j, ns);
  } else {
    fail(p, "%s", "a schema must be a string, an array or an object");
  }
  p->depth--;
  if (!n && p->err && p->err->code == WY_OK)
    wy_error_set(p->err, WY_ERR_NOMEM, "out of memory parsing an Avro schema");
  return n;
}

void wy_avro_schema_free(wy_avro_schema_t *s) {
  if (!s) return;
  for (size_t i = 0; i < s->nall; i++) {
    av_node_t *n = s->all[i];
    for (size_t k = 0; k < n->n; k++) {
      if (n->fields) free(n->fields[k].name);
      if (n->symbols) free(n->symbols[k]);
    }
    free(n->fields);
    free(n->symbols);
    free(n->branches);
    free(n->name);
    free(n->nspace);
    wy_jregex_free(n->re);
    free(n->pattern);
    free(n);
  }
  free(s->all);
  json_decref(s->json);
  free(s);
}

wy_status_t wy_avro_schema_parse(const char *text, size_t len, wy_avro_schema_t **out,
                                 wy_error_t *err) {
  *out = NULL;
  wy_avro_schema_t *s = calloc(1, sizeof *s);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  json_error_t je;
  s->json = json_loadb(text, len, JSON_DECODE_ANY, &je);
  if (!s->json) {
    wy_avro_schema_free(s);
    return wy_error_set(err, WY_ERR_INVALID, "Invalid Avro schema: %s", je.text);
  }
  wy_error_t local;
  wy_error_clear(&local);
  parse_t p = {s, &local, 0};
  s->root = parse_node(&p, s->json, NULL);
  if (!s->root) {
    wy_avro_schema_free(s);
    if (err) *err = local;
    return local.code;
  }
  /* avro-c is the second opinion on names, symbols and structure. */
  avro_schema_t as;
  if (avro_schema_from_json_length(text, len, &as) != 0) {
    wy_error_set(err, WY_ERR_INVALID, "Invalid Avro schema: %s", avro_strerror());
    wy_avro_schema_free(s);
    return WY_ERR_INVALID;
  }
  avro_schema_decref(as);
  *out = s;
  return WY_OK;
}

bool wy_avro_pattern_match(const av_node_t *s, const char *p, size_t n, wy_buf_t *scratch) {
  return wy_jregex_matches(s->re, p ? p : "", n);
}

/* ---- generation (sinks) ---- */

typedef struct {
  wy_error_t *err;
  const char *ns;
} gen_t;

static bool valid_name(gen_t *g, const char *name) {
  if (!(isalpha((unsigned char)name[0]) || name[0] == '_')) {
    wy_error_set(g->err, WY_ERR_ANALYSIS,
                 "Schema is not compatible with Avro: Illegal initial character: %s", name);
    return false;
  }
  for (const char *c = name; *c; c++)
    if (!(isalnum((unsigned char)*c) || *c == '_')) {
      wy_error_set(g->err, WY_ERR_ANALYSIS,
                   "Schema is not compatible with Avro: Illegal character in: %s", name);
      return false;
    }
  return true;
}

static json_t *connect_logical(const char *base, const char *connect, const char *logical) {
  return json_pack("{s:s, s:i, s:s, s:s}", "type", base, "connect.version", 1, "connect.name",
                   connect, "logicalType", logical);
}

static json_t *gen_type(gen_t *g, const wy_type_t *t, const char *name, bool root);

static json_t *optional(json_t *t) { return t ? json_pack("[s, o]", "null", t) : NULL; }

static char *child_name(const char *parent, const char *suffix) {
  size_t n = strlen(parent) + strlen(suffix) + 2;
  char *c = malloc(n);
  if (c) snprintf(c, n, "%s_%s", parent, suffix);
  return c;
}

/* A record of optional fields named simple (full name ns.simple). */
static json_t *gen_record(gen_t *g, const char *simple, bool root, size_t n,
                          const char *const *names, const wy_type_t *const *types) {
  if (!valid_name(g, simple)) return NULL;
  json_t *fields = json_array();
  for (size_t i = 0; fields && i < n; i++) {
    char *cn = valid_name(g, names[i]) ? child_name(simple, names[i]) : NULL;
    json_t *ft = cn ? optional(gen_type(g, types[i], cn, false)) : NULL;
    free(cn);
    json_t *f = ft ? json_pack("{s:s, s:o, s:n}", "name", names[i], "type", ft, "default") : NULL;
    if (!f || json_array_append_new(fields, f)) {
      json_decref(fields);
      return NULL;
    }
  }
  if (!fields) return NULL;
  char full[512];
  snprintf(full, sizeof full, "%s%s%s", g->ns ? g->ns : "", g->ns ? "." : "", simple);
  json_t *r = json_pack("{s:s, s:s}", "type", "record", "name", simple);
  if (r && root && g->ns) json_object_set_new(r, "namespace", json_string(g->ns));
  if (r)
    json_object_set_new(r, "fields", fields);
  else
    json_decref(fields);
  if (r) json_object_set_new(r, "connect.name", json_string(full));
  return r;
}

static json_t *gen_type(gen_t *g, const wy_type_t *t, const char *name, bool root) {
  switch (t->kind) {
    case WY_T_BOOLEAN:
      return json_string("boolean");
    case WY_T_INT:
      return json_string("int");
    case WY_T_BIGINT:
      return json_string("long");
    case WY_T_DOUBLE:
      return json_string("double");
    case WY_T_STRING:
      return json_string("string");
    case WY_T_BYTES:
      return json_string("bytes");
    case WY_T_DECIMAL: {
      char p[8], s[8];
      snprintf(p, sizeof p, "%d", t->precision);
      snprintf(s, sizeof s, "%d", t->scale);
      return json_pack("{s:s, s:i, s:i, s:i, s:{s:s, s:s}, s:s, s:s}", "type", "bytes", "scale",
                       t->scale, "precision", t->precision, "connect.version", 1,
                       "connect.parameters", "scale", s, "connect.decimal.precision", p,
                       "connect.name", "org.apache.kafka.connect.data.Decimal", "logicalType",
                       "decimal");
    }
    case WY_T_DATE:
      return connect_logical("int", "org.apache.kafka.connect.data.Date", "date");
    case WY_T_TIME:
      return connect_logical("int", "org.apache.kafka.connect.data.Time", "time-millis");
    case WY_T_TIMESTAMP:
      return connect_logical("long", "org.apache.kafka.connect.data.Timestamp", "timestamp-millis");
    case WY_T_ARRAY: {
      json_t *items = optional(gen_type(g, t->elem, name, false));
      return items ? json_pack("{s:s, s:o}", "type", "array", "items", items) : NULL;
    }
    case WY_T_MAP: {
      /* ksqlDB's map keys are optional strings, which Connect's AvroData writes as an
       * array of key/value records rather than an Avro map. */
      if (t->key->kind != WY_T_STRING) {
        wy_error_set(g->err, WY_ERR_UNSUPPORTED, "Avro only supports MAPs with STRING keys");
        return NULL;
      }
      char *vn = child_name(name, "MapValue");
      json_t *val = vn ? optional(gen_type(g, t->elem, vn, false)) : NULL;
      free(vn);
      if (!val) return NULL;
      json_t *entry =
          json_pack("{s:s, s:s, s:[{s:s, s:[s, s], s:n}, {s:s, s:o, s:n}], s:s}", "type", "record",
                    "name", name, "fields", "name", "key", "type", "null", "string", "default",
                    "name", "value", "type", val, "default", "connect.internal.type", "MapEntry");
      if (entry && root && g->ns) json_object_set_new(entry, "namespace", json_string(g->ns));
      return entry ? json_pack("{s:s, s:o}", "type", "array", "items", entry) : NULL;
    }
    case WY_T_STRUCT: {
      const char **names = calloc(t->nfields + 1, sizeof *names);
      const wy_type_t **types = calloc(t->nfields + 1, sizeof *types);
      json_t *r = NULL;
      if (names && types) {
        for (size_t i = 0; i < t->nfields; i++) {
          names[i] = t->fields[i].name;
          types[i] = t->fields[i].type;
        }
        r = gen_record(g, name, root, t->nfields, names, types);
      }
      free(names);
      free(types);
      return r;
    }
    default:
      wy_error_set(g->err, WY_ERR_UNSUPPORTED, "AVRO cannot hold type %s",
                   wy_type_kind_name(t->kind));
      return NULL;
  }
}

wy_status_t wy_avro_schema_from_columns(const wy_format_schema_t *schema, bool unwrapped,
                                        const char *full, char **json_out, wy_error_t *err) {
  *json_out = NULL;
  if (!full) full = WY_AVRO_DEFAULT_FULL_NAME;
  const char *b = full;
  while (isspace((unsigned char)*b)) b++;
  if (!*b)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "fullSchemaName cannot be empty. Format configuration: "
                        "{fullSchemaName=}");
  if (unwrapped && schema->ncols != 1)
    return wy_error_set(err, WY_ERR_CONFIG, "an unwrapped schema needs exactly one column");
  char ns[512];
  const char *dot = strrchr(full, '.');
  snprintf(ns, sizeof ns, "%.*s", dot ? (int)(dot - full) : 0, full);
  const char *simple = dot ? dot + 1 : full;
  wy_error_t local;
  wy_error_clear(&local);
  gen_t g = {&local, dot ? ns : NULL};
  json_t *j;
  if (unwrapped) {
    j = gen_type(&g, schema->cols[0].type, simple, true);
  } else {
    const char **names = calloc(schema->ncols + 1, sizeof *names);
    const wy_type_t **types = calloc(schema->ncols + 1, sizeof *types);
    j = NULL;
    if (names && types) {
      for (size_t i = 0; i < schema->ncols; i++) {
        names[i] = schema->cols[i].name;
        types[i] = schema->cols[i].type;
      }
      j = gen_record(&g, simple, true, schema->ncols, names, types);
    }
    free(names);
    free(types);
  }
  if (j) *json_out = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(j);
  if (*json_out) return WY_OK;
  if (local.code != WY_OK) {
    if (err) *err = local;
    return local.code;
  }
  return wy_error_set(err, WY_ERR_NOMEM, "out of memory generating an Avro schema");
}

/* ksqlDB converts the name from UPPER_UNDERSCORE to UpperCamel (Guava's CaseFormat):
 * each word between underscores capitalized, the underscores dropped. */
size_t wy_avro_key_schema_name(const char *source, char *buf, size_t cap) {
  size_t ns = strlen(WY_AVRO_DEFAULT_NAMESPACE) + 1, n = strlen(source);
  size_t need = ns + n + 3;
  if (cap < need) {
    if (cap) buf[0] = 0;
    return need - 1;
  }
  memcpy(buf, WY_AVRO_DEFAULT_NAMESPACE ".", ns);
  size_t o = ns;
  bool word_start = true;
  for (size_t i = 0; i < n; i++) {
    if (source[i] == '_') {
      word_start = true;
      continue;
    }
    unsigned char c = (unsigned char)source[i];
    buf[o++] = (char)(word_start ? toupper(c) : tolower(c));
    word_start = false;
  }
  memcpy(buf + o, "Key", 4);
  return o + 3;
}

/* ---- inference (sources) ---- */

static char *upper(const char *s) {
  char *u = strdup(s);
  for (char *c = u; c && *c; c++) *c = (char)toupper((unsigned char)*c);
  return u;
}

static const wy_type_t *infer_type(const av_node_t *n, wy_error_t *err, int depth) {
  if (depth > MAX_DEPTH) {
    wy_error_set(err, WY_ERR_UNSUPPORTED, "recursive Avro schemas cannot be SQL types");
    return NULL;
  }
  switch (n->kind) {
    case AV_BOOLEAN:
      return wy_type_boolean();
    case AV_INT:
      return n->logical == AVL_DATE          ? wy_type_date()
             : n->logical == AVL_TIME_MILLIS ? wy_type_time()
                                             : wy_type_int();
    case AV_LONG:
      return n->logical == AVL_TIMESTAMP_MILLIS || n->logical == AVL_TIMESTAMP_MICROS
                 ? wy_type_timestamp()
                 : wy_type_bigint();
    case AV_FLOAT:
    case AV_DOUBLE:
      return wy_type_double();
    case AV_STRING:
    case AV_ENUM:
      return wy_type_string();
    case AV_BYTES:
    case AV_FIXED:
      if (n->logical != AVL_DECIMAL) return wy_type_bytes();
      if (n->precision > WY_DECIMAL_MAX_PRECISION) {
        wy_error_set(err, WY_ERR_UNSUPPORTED, "DECIMAL precision %d is more than %d", n->precision,
                     WY_DECIMAL_MAX_PRECISION);
        return NULL;
      }
      return wy_type_decimal(n->precision, n->scale);
    case AV_ARRAY:
      if (n->map_entry) {
        const wy_type_t *k = infer_type(n->items->fields[0].type, err, depth + 1);
        const wy_type_t *v = k ? infer_type(n->items->fields[1].type, err, depth + 1) : NULL;
        if (!v) {
          wy_type_unref(k);
          return NULL;
        }
        return wy_type_map(k, v);
      } else {
        const wy_type_t *e = infer_type(n->items, err, depth + 1);
        return e ? wy_type_array(e) : NULL;
      }
    case AV_MAP: {
      const wy_type_t *v = infer_type(n->items, err, depth + 1);
      return v ? wy_type_map(wy_type_string(), v) : NULL;
    }
    case AV_RECORD:
    case AV_UNION: {
      size_t nonnull = 0;
      const av_node_t *only = NULL;
      if (n->kind == AV_UNION) {
        for (size_t i = 0; i < n->n; i++)
          if (n->branches[i]->kind != AV_NULL) nonnull++, only = n->branches[i];
        if (nonnull == 0) break;
        if (nonnull == 1) return infer_type(only, err, depth + 1);
      }
      wy_type_t *st = wy_type_struct_new();
      for (size_t i = 0; st && i < n->n; i++) {
        const av_node_t *f = n->kind == AV_RECORD ? n->fields[i].type : n->branches[i];
        if (f->kind == AV_NULL && n->kind == AV_UNION) continue;
        char *name = upper(n->kind == AV_RECORD ? n->fields[i].name : wy_avro_member_name(f));
        const wy_type_t *ft = name ? infer_type(f, err, depth + 1) : NULL;
        bool ok = ft && wy_type_struct_add(st, name, ft);
        free(name);
        if (!ok) {
          wy_type_unref(st);
          return NULL;
        }
      }
      return st;
    }
    default:
      break;
  }
  wy_error_set(err, WY_ERR_UNSUPPORTED, "Avro type '%s' has no SQL type",
               wy_avro_kind_name(n->kind));
  return NULL;
}

wy_status_t wy_avro_infer_columns(const char *json, bool is_key, bool unwrapped,
                                  wy_format_column_t **cols_out, size_t *ncols_out,
                                  wy_error_t *err) {
  *cols_out = NULL;
  *ncols_out = 0;
  wy_avro_schema_t *s;
  wy_status_t st = wy_avro_schema_parse(json, strlen(json), &s, err);
  if (st != WY_OK) return st;
  const av_node_t *root = s->root;
  bool fields = root->kind == AV_RECORD && !unwrapped;
  size_t n = fields ? root->n : 1;
  wy_format_column_t *cols = calloc(n + 1, sizeof *cols);
  size_t done = 0;
  if (!cols) goto nomem;
  for (; done < n; done++) {
    wy_format_column_t *c = &cols[done];
    const av_node_t *t = fields ? root->fields[done].type : root;
    if (!(c->name = fields ? upper(root->fields[done].name) : strdup(is_key ? "ROWKEY" : "ROWVAL")))
      goto nomem;
    for (size_t k = 0; k < done; k++)
      if (strcmp(cols[k].name, c->name) == 0) {
        st = wy_error_set(err, WY_ERR_ANALYSIS, "Avro schema has two fields named %s", c->name);
        done++;
        goto fail;
      }
    if (!(c->type = infer_type(t, err, 0))) {
      st = err ? err->code : WY_ERR_UNSUPPORTED;
      done++;
      goto fail;
    }
  }
  wy_avro_schema_free(s);
  *cols_out = cols;
  *ncols_out = n;
  return WY_OK;
nomem:
  st = wy_error_set(err, WY_ERR_NOMEM, "out of memory inferring columns");
fail:
  wy_format_columns_free(cols, done);
  wy_avro_schema_free(s);
  return st;
}

/* ---- compatibility (schema resolution) ---- */

static bool why(char *buf, size_t cap, const char *fmt, const char *a, const char *b) {
  if (cap) snprintf(buf, cap, fmt, a, b);
  return false;
}

static bool promotes(av_kind_t w, av_kind_t r) {
  if (w == r) return true;
  switch (w) {
    case AV_INT:
      return r == AV_LONG || r == AV_FLOAT || r == AV_DOUBLE;
    case AV_LONG:
      return r == AV_FLOAT || r == AV_DOUBLE;
    case AV_FLOAT:
      return r == AV_DOUBLE;
    case AV_STRING:
      return r == AV_BYTES;
    case AV_BYTES:
      return r == AV_STRING;
    default:
      return false;
  }
}

static bool can_read(const av_node_t *r, const av_node_t *w, char *buf, size_t cap, int depth) {
  if (depth > MAX_DEPTH) return true; /* recursive types: the cycle was checked once */
  if (w->kind == AV_UNION) {
    for (size_t i = 0; i < w->n; i++)
      if (!can_read(r, w->branches[i], buf, cap, depth + 1)) return false;
    return true;
  }
  if (r->kind == AV_UNION) {
    for (size_t i = 0; i < r->n; i++)
      if (can_read(r->branches[i], w, NULL, 0, depth + 1)) return true;
    return why(buf, cap, "reader union has no branch for writer type %s%s",
               wy_avro_kind_name(w->kind), "");
  }
  if ((r->kind == AV_RECORD || r->kind == AV_ENUM || r->kind == AV_FIXED) && r->kind == w->kind &&
      strcmp(r->simple, w->simple) != 0)
    return why(buf, cap, "names differ: %s and %s", r->name, w->name);
  switch (r->kind) {
    case AV_RECORD:
      if (w->kind != AV_RECORD) break;
      for (size_t i = 0; i < r->n; i++) {
        const av_field_t *rf = &r->fields[i];
        const av_field_t *wf = NULL;
        for (size_t k = 0; k < w->n && !wf; k++)
          if (strcmp(w->fields[k].name, rf->name) == 0) wf = &w->fields[k];
        if (!wf) {
          if (!rf->def)
            return why(buf, cap, "field '%s' is missing from the writer and has no default%s",
                       rf->name, "");
          continue;
        }
        if (!can_read(rf->type, wf->type, buf, cap, depth + 1)) {
          if (cap) { /* name the field the type change is in */
            char inner[256];
            snprintf(inner, sizeof inner, "%s", buf);
            snprintf(buf, cap, "field '%s': %s", rf->name, inner);
          }
          return false;
        }
      }
      return true;
    case AV_ENUM:
      if (w->kind != AV_ENUM) break;
      for (size_t i = 0; i < w->n; i++) {
        bool found = false;
        for (size_t k = 0; k < r->n && !found; k++)
          found = strcmp(w->symbols[i], r->symbols[k]) == 0;
        if (!found) return why(buf, cap, "reader enum lacks symbol %s%s", w->symbols[i], "");
      }
      return true;
    case AV_FIXED:
      if (w->kind != AV_FIXED) break;
      if (w->size != r->size) return why(buf, cap, "fixed sizes differ (%s)%s", r->name, "");
      return true;
    case AV_ARRAY:
    case AV_MAP:
      if (w->kind != r->kind) break;
      return can_read(r->items, w->items, buf, cap, depth + 1);
    default:
      if (promotes(w->kind, r->kind)) return true;
  }
  return why(buf, cap, "cannot read %s as %s", wy_avro_kind_name(w->kind),
             wy_avro_kind_name(r->kind));
}

wy_status_t wy_avro_schema_compatible(const char *reader_json, const char *writer_json, bool *ok,
                                      char *whybuf, size_t whycap, wy_error_t *err) {
  wy_avro_schema_t *r = NULL, *w = NULL;
  wy_status_t st = wy_avro_schema_parse(reader_json, strlen(reader_json), &r, err);
  if (st == WY_OK) st = wy_avro_schema_parse(writer_json, strlen(writer_json), &w, err);
  if (st == WY_OK) {
    if (whycap) whybuf[0] = 0;
    *ok = can_read(r->root, w->root, whybuf, whycap, 0);
  }
  wy_avro_schema_free(r);
  wy_avro_schema_free(w);
  return st;
}
