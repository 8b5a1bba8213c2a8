/* AVRO: the Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro
 * binary) over a Schema Registry.
 *
 * Decoding resolves the writer schema (looked up by the id in the record, once per id
 * and codec) against the reader schema, which is the codec's columns: a plan is compiled
 * per writer schema that says, for every writer field, which column or struct field it
 * fills (names matched exactly, then ASCII case-insensitively, as ksqlDB does) and how
 * its value is coerced (int -> BIGINT/DOUBLE/STRING, float -> DOUBLE, enum -> STRING,
 * fixed -> BYTES, decimal bytes -> DECIMAL, nullable unions collapse, ...); writer fields
 * nobody reads are skipped, reader fields the writer lacks are NULL. The plan runs over
 * the bytes directly: strings and bytes are slices of the record, nested values live in
 * the arena, and nothing is malloc'd per record. avro-c validates every schema; the
 * binary reader is our own so that a hostile length or item count is checked against
 * the bytes that are there before anything is allocated.
 *
 * Encoding writes with one writer schema, fixed when the codec is built: the schema
 * registered with opts.schema_id (VALUE_SCHEMA_ID: columns are matched to its fields by
 * name, fields without a column get their defaults, and a NULL in a non-nullable field
 * with a default gets the default), or the schema ksqlDB would generate for the columns
 * (avro_schema.c), registered under opts.subject. Strings whose writer schema says
 * {"logicalType": "validatedString", "pattern": ...} are checked both ways. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/decimal.h"
#include "engine/base/intmath.h"
#include "engine/base/numtext.h"
#include "engine/formats/avro_int.h"
#include "engine/registry/registry.h"

#define MAX_DEPTH 64
#define ITEM_SLACK 65536 /* items of zero encoded size allowed beyond the input length */

typedef struct dplan dplan_t;
struct dplan {
  const av_node_t *w; /* writer node */
  const wy_type_t *t; /* reader type, NULL to skip */
  dplan_t **kids;     /* union branches, record fields, [items] or [key, value] */
  int *target;        /* record / struct-union: reader field per writer field, -1 skip */
  const char *bad;    /* the value cannot be read as t: fail when one is met */
};

typedef struct eplan eplan_t;
struct eplan {
  const av_node_t *w;  /* writer node, maybe a union */
  const av_node_t *bw; /* the branch non-null values are written with (w when no union) */
  const wy_type_t *t;  /* value type */
  int null_branch;     /* union: index of "null", -1 when none */
  int branch;          /* union: index of bw, -1 when no branch fits t */
  eplan_t **kids;      /* record fields, [items], [key, value] or [values] */
  int *src;            /* record: value field per writer field, -1 = default */
};

typedef struct {
  int32_t id;
  wy_avro_schema_t *schema;
  dplan_t *plan;
} reader_t;

typedef struct avro_impl {
  const wy_type_t *row; /* the columns as a STRUCT */
  reader_t *readers;
  size_t nreaders, capreaders, last;
  void **pool; /* every plan node and array, freed at close */
  size_t npool, cappool;
  int32_t wid;
  wy_avro_schema_t *wschema;
  eplan_t *eroot;
  wy_value_t *stack; /* array and map items being decoded */
  size_t stack_n, stack_cap;
  wy_buf_t text; /* scratch for coerced text */
} avro_impl_t;

static void *palloc(avro_impl_t *a, size_t n) {
  if (a->npool == a->cappool) {
    size_t cap = a->cappool ? a->cappool * 2 : 64;
    void **p = realloc(a->pool, cap * sizeof *p);
    if (!p) return NULL;
    a->pool = p;
    a->cappool = cap;
  }
  void *m = calloc(1, n ? n : 1);
  if (m) a->pool[a->npool++] = m;
  return m;
}

static const char *tname(const wy_type_t *t) { return wy_type_kind_name(t->kind); }

/* Reader field for a writer field name: exact, then ASCII case-insensitive. */
static int match_field(const wy_type_t *st, const char *name) {
  int i = wy_type_field_index(st, name);
  if (i >= 0) return i;
  for (size_t k = 0; k < st->nfields; k++)
    if (strcasecmp(st->fields[k].name, name) == 0) return (int)k;
  return -1;
}

/* ---- decode plans ---- */

static dplan_t *dcompile(avro_impl_t *a, const av_node_t *w, const wy_type_t *t, int depth);

static bool readable(const av_node_t *w, wy_type_kind_t k) {
  switch (w->kind) {
    case AV_NULL:
      return true;
    case AV_BOOLEAN:
      return k == WY_T_BOOLEAN || k == WY_T_STRING;
    case AV_INT:
      if (w->logical == AVL_DATE) return k == WY_T_DATE || k == WY_T_INT || k == WY_T_STRING;
      if (w->logical == AVL_TIME_MILLIS) return k == WY_T_TIME || k == WY_T_INT || k == WY_T_STRING;
      return k == WY_T_INT || k == WY_T_BIGINT || k == WY_T_DOUBLE || k == WY_T_DECIMAL ||
             k == WY_T_STRING || k == WY_T_DATE || k == WY_T_TIME || k == WY_T_TIMESTAMP;
    case AV_LONG:
      if (w->logical == AVL_TIME_MICROS) return k == WY_T_TIME || k == WY_T_BIGINT;
      return k == WY_T_BIGINT || k == WY_T_TIMESTAMP || k == WY_T_DOUBLE || k == WY_T_DECIMAL ||
             k == WY_T_STRING;
    case AV_FLOAT:
    case AV_DOUBLE:
      return k == WY_T_DOUBLE || k == WY_T_STRING;
    case AV_STRING:
      return k == WY_T_STRING || k == WY_T_BYTES;
    case AV_ENUM:
      return k == WY_T_STRING;
    case AV_BYTES:
    case AV_FIXED:
      return k == WY_T_BYTES || (w->logical == AVL_DECIMAL && k == WY_T_DECIMAL) ||
             (w->logical != AVL_DECIMAL && k == WY_T_STRING);
    case AV_ARRAY:
      return k == (w->map_entry ? WY_T_MAP : WY_T_ARRAY);
    case AV_MAP:
      return k == WY_T_MAP;
    case AV_RECORD:
      return k == WY_T_STRUCT;
    default:
      return false;
  }
}

static dplan_t *dcompile_record(avro_impl_t *a, dplan_t *p, const av_node_t *w, const wy_type_t *st,
                                const uint8_t *used, int depth) {
  p->kids = palloc(a, w->n * sizeof *p->kids);
  p->target = palloc(a, w->n * sizeof *p->target);
  if (!p->kids || !p->target) return NULL;
  for (size_t i = 0; i < w->n; i++) {
    int ti = st ? match_field(st, w->fields[i].name) : -1;
    if (ti >= 0 && used && !used[ti]) ti = -1;
    /* Two writer fields for one reader field: the first one wins. */
    for (size_t k = 0; ti >= 0 && k < i; k++)
      if (p->target[k] == ti) ti = -1;
    p->target[i] = ti;
    if (!(p->kids[i] =
              dcompile(a, w->fields[i].type, ti >= 0 ? st->fields[ti].type : NULL, depth + 1)))
      return NULL;
  }
  return p;
}

static dplan_t *dcompile(avro_impl_t *a, const av_node_t *w, const wy_type_t *t, int depth) {
  dplan_t *p = palloc(a, sizeof *p);
  if (!p) return NULL;
  p->w = w;
  p->t = t;
  if (depth > MAX_DEPTH) {
    p->bad = "schema nested too deeply";
    return p;
  }
  if (!t) { /* skipping: records still need per-field plans for nothing; skip walks w */
    return p;
  }
  if (w->kind == AV_UNION) {
    size_t nonnull = 0;
    for (size_t i = 0; i < w->n; i++) nonnull += w->branches[i]->kind != AV_NULL;
    p->kids = palloc(a, w->n * sizeof *p->kids);
    if (!p->kids) return NULL;
    if (nonnull > 1 && t->kind == WY_T_STRUCT) {
      /* A general union read as a STRUCT with one field per branch (Connect's rule). */
      p->target = palloc(a, w->n * sizeof *p->target);
      if (!p->target) return NULL;
      for (size_t i = 0; i < w->n; i++) {
        const av_node_t *b = w->branches[i];
        int ti = b->kind == AV_NULL ? -1 : match_field(t, wy_avro_member_name(b));
        p->target[i] = ti;
        if (!(p->kids[i] = dcompile(a, b, ti >= 0 ? t->fields[ti].type : NULL, depth + 1)))
          return NULL;
      }
      return p;
    }
    for (size_t i = 0; i < w->n; i++)
      if (!(p->kids[i] = dcompile(a, w->branches[i], t, depth + 1))) return NULL;
    return p;
  }
  if (!readable(w, t->kind)) {
    char *msg = palloc(a, 96);
    if (!msg) return NULL;
    snprintf(msg, 96, "Cannot deserialize Avro type %s as type %s", wy_avro_kind_name(w->kind),
             tname(t));
    p->bad = msg;
    return p;
  }
  switch (w->kind) {
    case AV_RECORD:
      return dcompile_record(a, p, w, t, NULL, depth);
    case AV_ARRAY:
      if (w->map_entry) {
        p->kids = palloc(a, 2 * sizeof *p->kids);
        if (!p->kids || !(p->kids[0] = dcompile(a, w->items->fields[0].type, t->key, depth + 1)) ||
            !(p->kids[1] = dcompile(a, w->items->fields[1].type, t->elem, depth + 1)))
          return NULL;
        return p;
      }
      /* fall through */
    case AV_MAP:
      if (w->kind == AV_MAP && t->key->kind != WY_T_STRING) {
        p->bad = "Avro maps have STRING keys";
        return p;
      }
      p->kids = palloc(a, sizeof *p->kids);
      if (!p->kids || !(p->kids[0] = dcompile(a, w->items, t->elem, depth + 1))) return NULL;
      return p;
    default:
      return p;
  }
}

/* ---- binary reading ---- */

typedef struct {
  const uint8_t *p, *end;
  wy_arena_t *arena;
  avro_impl_t *a;
  wy_error_t *err;
  int depth;
  int64_t budget; /* items left before an array or map is too large to be real */
} dctx_t;

static bool dfail(dctx_t *d, const char *msg) {
  wy_error_set(d->err, WY_ERR_DECODE, "%s", msg);
  return false;
}

static bool read_long(dctx_t *d, int64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (d->p >= d->end) return dfail(d, "Avro data ends inside a number");
    uint8_t b = *d->p++;
    if (shift == 63 && b > 1) return dfail(d, "Avro varint is too long");
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
      return true;
    }
  }
  return dfail(d, "Avro varint is too long");
}

static bool read_int(dctx_t *d, int32_t *out) {
  int64_t v;
  if (!read_long(d, &v)) return false;
  if (v < INT32_MIN || v > INT32_MAX) return dfail(d, "Avro int out of range");
  *out = (int32_t)v;
  return true;
}

static bool read_span(dctx_t *d, size_t n, const uint8_t **out) {
  if ((size_t)(d->end - d->p) < n) return dfail(d, "Avro data ends inside a value");
  *out = d->p;
  d->p += n;
  return true;
}

static bool read_bytes(dctx_t *d, const uint8_t **s, size_t *n) {
  int64_t len;
  if (!read_long(d, &len)) return false;
  if (len < 0) return dfail(d, "negative Avro length");
  if ((uint64_t)len > (uint64_t)(d->end - d->p)) return dfail(d, "Avro length beyond the data");
  *n = (size_t)len;
  return read_span(d, *n, s);
}

static bool read_double(dctx_t *d, bool is_float, double *out) {
  const uint8_t *s;
  if (!read_span(d, is_float ? 4 : 8, &s)) return false;
  uint64_t bits = 0;
  for (int i = is_float ? 3 : 7; i >= 0; i--) bits = bits << 8 | s[i];
  if (is_float) {
    uint32_t b32 = (uint32_t)bits;
    float f;
    memcpy(&f, &b32, sizeof f);
    *out = f;
  } else {
    memcpy(out, &bits, sizeof *out);
  }
  return true;
}

/* The count of the next block of an array or map (0 at the end). */
static bool read_block(dctx_t *d, int64_t *count) {
  if (!read_long(d, count)) return false;
  if (*count < 0) {
    int64_t size;
    if (*count == INT64_MIN || !read_long(d, &size)) return dfail(d, "bad Avro block");
    *count = -*count;
  }
  if ((d->budget -= *count) < 0) return dfail(d, "Avro array or map has more items than its data");
  return true;
}

static bool skip(dctx_t *d, const av_node_t *w) {
  const uint8_t *s;
  size_t n;
  int64_t v;
  if (++d->depth > MAX_DEPTH) return dfail(d, "Avro data nested too deeply");
  bool ok = true;
  switch (w->kind) {
    case AV_NULL:
      break;
    case AV_BOOLEAN:
      ok = read_span(d, 1, &s);
      break;
    case AV_INT:
    case AV_LONG:
    case AV_ENUM:
      ok = read_long(d, &v);
      break;
    case AV_FLOAT:
      ok = read_span(d, 4, &s);
      break;
    case AV_DOUBLE:
      ok = read_span(d, 8, &s);
      break;
    case AV_BYTES:
    case AV_STRING:
      ok = read_bytes(d, &s, &n);
      break;
    case AV_FIXED:
      ok = read_span(d, w->size, &s);
      break;
    case AV_RECORD:
      for (size_t i = 0; ok && i < w->n; i++) ok = skip(d, w->fields[i].type);
      break;
    case AV_UNION:
      ok = read_long(d, &v);
      if (ok && (v < 0 || (uint64_t)v >= w->n)) ok = dfail(d, "Avro union index out of range");
      if (ok) ok = skip(d, w->branches[v]);
      break;
    case AV_ARRAY:
    case AV_MAP:
      for (int64_t count; ok && (ok = read_block(d, &count)) && count;)
        for (int64_t i = 0; ok && i < count; i++)
          ok = (w->kind == AV_ARRAY || read_bytes(d, &s, &n)) && skip(d, w->items);
      break;
    default:
      ok = dfail(d, "unknown Avro type");
  }
  d->depth--;
  return ok;
}

static bool push(dctx_t *d, const wy_value_t *v) {
  avro_impl_t *a = d->a;
  if (a->stack_n == a->stack_cap) {
    size_t cap = a->stack_cap ? a->stack_cap * 2 : 64;
    wy_value_t *s = realloc(a->stack, cap * sizeof *s);
    if (!s) return dfail(d, "out of memory");
    a->stack = s;
    a->stack_cap = cap;
  }
  a->stack[a->stack_n++] = *v;
  return true;
}

static bool text_value(dctx_t *d, const char *s, size_t n, wy_value_t *out) {
  char *copy = wy_arena_strndup(d->arena, s, n);
  if (!copy) return dfail(d, "out of memory");
  *out = wy_string(copy, n);
  return true;
}

/* Java's Float.toString digits: the shortest decimal that reads back as the same float,
 * printed the way Double.toString prints that decimal. */
static size_t float_java(float f, char *buf) {
  if (!isfinite(f)) return wy_double_java(f, buf);
  char tmp[32];
  for (int prec = 1; prec <= 9; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, (double)f);
    if (strtof(tmp, NULL) == f) break;
  }
  return wy_double_java(strtod(tmp, NULL), buf);
}

static bool decimal_from_bytes(dctx_t *d, const uint8_t *s, size_t n, wy_int128_t *out) {
  if (n == 0) return dfail(d, "empty Avro decimal");
  unsigned __int128 v = (s[0] & 0x80) ? ~(unsigned __int128)0 : 0;
  for (size_t i = 0; i < n; i++) {
    if (n - i > 16 && s[i] != ((s[0] & 0x80) ? 0xff : 0)) return dfail(d, "Avro decimal too large");
    v = v << 8 | s[i];
  }
  *out = (wy_int128_t)v;
  return true;
}

static bool to_decimal(dctx_t *d, wy_int128_t x, int from_scale, const wy_type_t *t,
                       wy_value_t *out) {
  wy_int128_t r, back;
  if (!wy_decimal_rescale(x, from_scale, t->scale, &r) ||
      !wy_decimal_rescale(r, t->scale, from_scale, &back) || back != x ||
      !wy_decimal_fits(r, t->precision)) {
    char txt[64];
    wy_decimal_format(x, from_scale, txt, sizeof txt);
    wy_error_set(d->err, WY_ERR_DECODE,
                 "Cannot fit decimal '%s' into DECIMAL(%d, %d) without rounding.", txt,
                 t->precision, t->scale);
    return false;
  }
  *out = wy_decimal(r, t->precision, t->scale);
  return true;
}

static bool check_pattern(dctx_t *d, const av_node_t *w, const char *s, size_t n) {
  if (!w->pattern || wy_avro_pattern_match(w, s, n, &d->a->text)) return true;
  wy_error_set(d->err, WY_ERR_DECODE, "'%.*s' does not match the validatedString pattern '%s'",
               (int)(n > 64 ? 64 : n), s, w->pattern);
  return false;
}

static bool decode(dctx_t *d, const dplan_t *p, wy_value_t *out);

static bool decode_fields(dctx_t *d, const dplan_t *p, wy_value_t *fields) {
  const av_node_t *w = p->w;
  for (size_t i = 0; i < w->n; i++) {
    int ti = p->target[i];
    if (ti < 0) {
      if (!skip(d, w->fields[i].type)) return false;
    } else if (!decode(d, p->kids[i], &fields[ti])) {
      char name[96];
      snprintf(name, sizeof name, "%s", w->fields[i].name);
      wy_error_prefix(d->err, "field %s", name);
      return false;
    }
  }
  return true;
}

static wy_list_t *null_struct(dctx_t *d, const wy_type_t *t) {
  wy_list_t *l = wy_list_new(d->arena, (uint32_t)t->nfields);
  if (!l) return dfail(d, "out of memory"), NULL;
  for (size_t i = 0; i < t->nfields; i++) l->items[i] = wy_null(t->fields[i].type->kind);
  return l;
}

static bool decode_items(dctx_t *d, const dplan_t *p, wy_value_t *out) {
  const av_node_t *w = p->w;
  bool is_map = p->t->kind == WY_T_MAP;
  size_t base = d->a->stack_n;
  for (;;) {
    int64_t count;
    if (!read_block(d, &count)) return false;
    if (!count) break;
    for (int64_t i = 0; i < count; i++) {
      wy_value_t k, v;
      if (w->kind == AV_MAP) {
        const uint8_t *s;
        size_t n;
        if (!read_bytes(d, &s, &n)) return false;
        k = wy_string((const char *)s, n);
      } else if (w->map_entry && !decode(d, p->kids[0], &k)) {
        return false;
      }
      if (!decode(d, p->kids[w->map_entry ? 1 : 0], &v)) return false;
      if ((is_map && !push(d, &k)) || !push(d, &v)) return false;
    }
  }
  size_t n = d->a->stack_n - base;
  const wy_value_t *items = n ? d->a->stack + base : NULL; /* no stack before the first push */
  if (is_map) {
    wy_map_t *m = wy_map_new(d->arena, (uint32_t)(n / 2));
    if (!m) return dfail(d, "out of memory");
    for (size_t i = 0; i < n / 2; i++) {
      m->keys[i] = items[2 * i];
      m->vals[i] = items[2 * i + 1];
    }
    *out = wy_mapv(m);
  } else {
    wy_list_t *l = wy_list_new(d->arena, (uint32_t)n);
    if (!l) return dfail(d, "out of memory");
    if (n) memcpy(l->items, items, n * sizeof *items);
    *out = wy_array(l);
  }
  d->a->stack_n = base;
  return true;
}

static bool decode(dctx_t *d, const dplan_t *p, wy_value_t *out) {
  const av_node_t *w = p->w;
  const wy_type_t *t = p->t;
  if (p->bad) {
    /* Reading null is fine whatever the types; anything else fails. */
    if (w->kind == AV_NULL) {
      *out = wy_null(t->kind);
      return true;
    }
    return dfail(d, p->bad);
  }
  if (++d->depth > MAX_DEPTH) return dfail(d, "Avro data nested too deeply");
  bool ok = true;
  int64_t l;
  int32_t i32;
  double f;
  const uint8_t *s;
  size_t n;
  char txt[48];
  switch (w->kind) {
    case AV_NULL:
      *out = wy_null(t->kind);
      break;
    case AV_BOOLEAN:
      if ((ok = read_span(d, 1, &s))) {
        bool b = *s == 1;
        *out = t->kind == WY_T_BOOLEAN ? wy_bool(b) : wy_string(b ? "true" : "false", b ? 4 : 5);
      }
      break;
    case AV_INT:
    case AV_LONG:
      if (!(ok = read_long(d, &l))) break;
      if (w->kind == AV_INT && (l < INT32_MIN || l > INT32_MAX)) {
        ok = dfail(d, "Avro int out of range");
        break;
      }
      if (w->logical == AVL_TIMESTAMP_MICROS || w->logical == AVL_TIME_MICROS)
        l = wy_floor_div(l, 1000);
      switch (t->kind) {
        case WY_T_INT:
          *out = wy_int((int32_t)l);
          break;
        case WY_T_BIGINT:
          *out = wy_bigint(l);
          break;
        case WY_T_TIMESTAMP:
          *out = wy_timestamp(l);
          break;
        case WY_T_DATE:
          *out = wy_date((int32_t)l);
          break;
        case WY_T_TIME:
          *out = wy_time((int32_t)l);
          break;
        case WY_T_DOUBLE:
          *out = wy_double((double)l);
          break;
        case WY_T_DECIMAL:
          ok = to_decimal(d, l, 0, t, out);
          break;
        default:
          ok = text_value(d, txt, wy_fmt_i64_to_text(l, txt), out);
      }
      break;
    case AV_FLOAT:
    case AV_DOUBLE:
      if (!(ok = read_double(d, w->kind == AV_FLOAT, &f))) break;
      if (t->kind == WY_T_DOUBLE)
        *out = wy_double(f);
      else
        ok = text_value(
            d, txt, w->kind == AV_FLOAT ? float_java((float)f, txt) : wy_double_java(f, txt), out);
      break;
    case AV_STRING:
      if ((ok = read_bytes(d, &s, &n) && check_pattern(d, w, (const char *)s, n)))
        *out = t->kind == WY_T_STRING ? wy_string((const char *)s, n) : wy_bytes(s, n);
      break;
    case AV_ENUM:
      if ((ok = read_int(d, &i32))) {
        if (i32 < 0 || (size_t)i32 >= w->n)
          ok = dfail(d, "Avro enum index out of range");
        else
          *out = wy_string(w->symbols[i32], strlen(w->symbols[i32]));
      }
      break;
    case AV_BYTES:
    case AV_FIXED:
      ok = w->kind == AV_FIXED ? (n = w->size, read_span(d, n, &s)) : read_bytes(d, &s, &n);
      if (!ok) break;
      if (t->kind == WY_T_DECIMAL) {
        wy_int128_t x;
        ok = decimal_from_bytes(d, s, n, &x) && to_decimal(d, x, w->scale, t, out);
      } else {
        *out = t->kind == WY_T_BYTES ? wy_bytes(s, n) : wy_string((const char *)s, n);
      }
      break;
    case AV_RECORD: {
      wy_list_t *lst = null_struct(d, t);
      ok = lst && decode_fields(d, p, lst->items);
      if (ok) *out = wy_struct(lst);
      break;
    }
    case AV_ARRAY:
    case AV_MAP:
      ok = decode_items(d, p, out);
      break;
    case AV_UNION:
      if (!(ok = read_long(d, &l))) break;
      if (l < 0 || (uint64_t)l >= w->n) {
        ok = dfail(d, "Avro union index out of range");
      } else if (p->target) {
        wy_list_t *lst = null_struct(d, t);
        int ti = p->target[l];
        ok = lst && (ti < 0 ? skip(d, w->branches[l]) : decode(d, p->kids[l], &lst->items[ti]));
        if (ok) *out = w->branches[l]->kind == AV_NULL ? wy_null(WY_T_STRUCT) : wy_struct(lst);
      } else {
        ok = decode(d, p->kids[l], out);
      }
      break;
    default:
      ok = dfail(d, "unknown Avro type");
  }
  d->depth--;
  return ok;
}

/* ---- writer schemas for decoding ---- */

static wy_status_t reader_for(wy_format_codec_t *c, int32_t id, reader_t **out, wy_error_t *err) {
  avro_impl_t *a = c->impl;
  if (a->last < a->nreaders && a->readers[a->last].id == id) {
    *out = &a->readers[a->last];
    return WY_OK;
  }
  for (size_t i = 0; i < a->nreaders; i++)
    if (a->readers[i].id == id) {
      a->last = i;
      *out = &a->readers[i];
      return WY_OK;
    }
  const char *text;
  wy_status_t st = wy_fmt_writer_schema(c, id, WY_SR_AVRO, &text, err);
  if (st != WY_OK) return st;
  wy_avro_schema_t *s;
  if ((st = wy_avro_schema_parse(text, strlen(text), &s, err)) != WY_OK)
    return wy_error_prefix(err, "schema id %d", id), WY_ERR_DECODE;
  dplan_t *plan;
  if (c->unwrapped) {
    plan = dcompile(a, s->root, c->types[0], 0);
  } else {
    const av_node_t *root = s->root;
    plan = palloc(a, sizeof *plan);
    if (plan) {
      plan->w = root;
      plan->t = a->row;
      if (root->kind == AV_UNION) { /* [null, record]: the record branch is the row */
        for (size_t i = 0; i < root->n; i++)
          if (root->branches[i]->kind == AV_RECORD) plan->w = root->branches[i];
      }
      if (plan->w->kind != AV_RECORD) {
        char *msg = palloc(a, 96);
        if (msg)
          snprintf(msg, 96, "Cannot deserialize Avro type %s as type STRUCT",
                   wy_avro_kind_name(root->kind));
        plan->bad = msg;
      } else if (!dcompile_record(a, plan, plan->w, a->row, c->used, 0)) {
        plan = NULL;
      }
    }
  }
  if (!plan) {
    wy_avro_schema_free(s);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  if (a->nreaders == a->capreaders) {
    size_t cap = a->capreaders ? a->capreaders * 2 : 4;
    reader_t *r = realloc(a->readers, cap * sizeof *r);
    if (!r) {
      wy_avro_schema_free(s);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    a->readers = r;
    a->capreaders = cap;
  }
  a->readers[a->nreaders] = (reader_t){id, s, plan};
  a->last = a->nreaders++;
  *out = &a->readers[a->last];
  return WY_OK;
}

static wy_status_t avro_decode(wy_format_codec_t *c, const uint8_t *p, size_t len,
                               wy_arena_t *arena, wy_value_t *cols, bool *null_row,
                               wy_error_t *err) {
  avro_impl_t *a = c->impl;
  if (len < 5 || p[0] != 0)
    return wy_error_set(err, WY_ERR_DECODE, "Failed to deserialize %s: Unknown magic byte!",
                        wy_fmt_target(c));
  int32_t id = (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]);
  reader_t *r = NULL;
  wy_status_t st = reader_for(c, id, &r, err);
  if (st != WY_OK) return st;
  wy_error_clear(err);
  dctx_t d = {p + 5, p + len, arena, a, err, 0, (int64_t)len + ITEM_SLACK};
  a->stack_n = 0;
  const dplan_t *plan = r->plan;
  bool ok;
  if (c->unwrapped) {
    ok = decode(&d, plan, &cols[0]);
  } else if (plan->bad) {
    ok = dfail(&d, plan->bad);
  } else {
    for (size_t i = 0; i < c->ncols; i++) cols[i] = wy_null(c->types[i]->kind);
    ok = true;
    if (r->schema->root->kind == AV_UNION) {
      int64_t b;
      ok = read_long(&d, &b);
      if (ok && (b < 0 || (uint64_t)b >= r->schema->root->n))
        ok = dfail(&d, "Avro union index out of range");
      if (ok && r->schema->root->branches[b]->kind == AV_NULL) {
        *null_row = true;
        return WY_OK;
      }
    }
    ok = ok && decode_fields(&d, plan, cols);
  }
  if (!ok) {
    if (!err) return WY_ERR_DECODE;
    return wy_error_prefix(err, "Failed to deserialize %s (schema id %d)", wy_fmt_target(c), id);
  }
  return WY_OK;
}

/* ---- encode plans ---- */

/* How well can a value of kind k be written as Avro node w: 2 exactly, 1 with a
 * conversion, 0 not at all. */
static int writable(const av_node_t *w, wy_type_kind_t k) {
  switch (w->kind) {
    case AV_BOOLEAN:
      return k == WY_T_BOOLEAN ? 2 : 0;
    case AV_INT:
      if (w->logical == AVL_DATE) return k == WY_T_DATE ? 2 : 0;
      if (w->logical == AVL_TIME_MILLIS) return k == WY_T_TIME ? 2 : 0;
      return k == WY_T_INT ? 2 : 0;
    case AV_LONG:
      if (w->logical == AVL_TIMESTAMP_MILLIS || w->logical == AVL_TIMESTAMP_MICROS)
        return k == WY_T_TIMESTAMP ? 2 : 0;
      return k == WY_T_BIGINT ? 2 : (k == WY_T_INT || k == WY_T_TIMESTAMP) ? 1 : 0;
    case AV_FLOAT:
      return k == WY_T_DOUBLE ? 1 : 0;
    case AV_DOUBLE:
      return k == WY_T_DOUBLE ? 2 : (k == WY_T_INT || k == WY_T_BIGINT) ? 1 : 0;
    case AV_STRING:
      return k == WY_T_STRING ? 2 : 0;
    case AV_ENUM:
      return k == WY_T_STRING ? 1 : 0;
    case AV_BYTES:
    case AV_FIXED:
      if (w->logical == AVL_DECIMAL) return k == WY_T_DECIMAL ? 2 : 0;
      return k == WY_T_BYTES ? 2 : 0;
    case AV_ARRAY:
      return k == (w->map_entry ? WY_T_MAP : WY_T_ARRAY) ? 2 : 0;
    case AV_MAP:
      return k == WY_T_MAP ? 1 : 0;
    case AV_RECORD:
      return k == WY_T_STRUCT ? 2 : 0;
    default:
      return 0;
  }
}

static eplan_t *ecompile(avro_impl_t *a, const av_node_t *w, const wy_type_t *t, int depth,
                         wy_error_t *err);

static eplan_t *ecompile_record(avro_impl_t *a, eplan_t *p, const av_node_t *w, const wy_type_t *st,
                                int depth, wy_error_t *err) {
  p->kids = palloc(a, w->n * sizeof *p->kids);
  p->src = palloc(a, w->n * sizeof *p->src);
  if (!p->kids || !p->src) return NULL;
  for (size_t i = 0; i < w->n; i++) {
    int si = match_field(st, w->fields[i].name);
    p->src[i] = si;
    if (si < 0) {
      if (!w->fields[i].def) {
        wy_error_set(err, WY_ERR_CONFIG, "Avro field '%s' of %s has no column and no default",
                     w->fields[i].name, w->name);
        return NULL;
      }
      continue;
    }
    if (!(p->kids[i] = ecompile(a, w->fields[i].type, st->fields[si].type, depth + 1, err))) {
      wy_error_prefix(err, "field %s", w->fields[i].name);
      return NULL;
    }
  }
  return p;
}

static eplan_t *ecompile(avro_impl_t *a, const av_node_t *w, const wy_type_t *t, int depth,
                         wy_error_t *err) {
  if (depth > MAX_DEPTH) {
    wy_error_set(err, WY_ERR_UNSUPPORTED, "Avro schema nested too deeply");
    return NULL;
  }
  eplan_t *p = palloc(a, sizeof *p);
  if (!p) return NULL;
  p->w = p->bw = w;
  p->t = t;
  p->null_branch = p->branch = -1;
  if (w->kind == AV_UNION) {
    int best = 0;
    for (size_t i = 0; i < w->n; i++) {
      int score = writable(w->branches[i], t->kind);
      if (w->branches[i]->kind == AV_NULL && p->null_branch < 0) p->null_branch = (int)i;
      if (score > best) {
        best = score;
        p->branch = (int)i;
      }
    }
    if (p->branch < 0) {
      wy_error_set(err, WY_ERR_CONFIG, "no branch of the Avro union can hold %s", tname(t));
      return NULL;
    }
    p->bw = w->branches[p->branch];
  } else if (!writable(w, t->kind)) {
    wy_error_set(err, WY_ERR_CONFIG, "Avro type %s cannot hold %s", wy_avro_kind_name(w->kind),
                 tname(t));
    return NULL;
  }
  const av_node_t *b = p->bw;
  switch (b->kind) {
    case AV_RECORD:
      return ecompile_record(a, p, b, t, depth, err);
    case AV_ARRAY:
      if (b->map_entry) {
        p->kids = palloc(a, 2 * sizeof *p->kids);
        if (!p->kids ||
            !(p->kids[0] = ecompile(a, b->items->fields[0].type, t->key, depth + 1, err)) ||
            !(p->kids[1] = ecompile(a, b->items->fields[1].type, t->elem, depth + 1, err)))
          return NULL;
        return p;
      }
      /* fall through */
    case AV_MAP:
      if (b->kind == AV_MAP && t->key->kind != WY_T_STRING) {
        wy_error_set(err, WY_ERR_UNSUPPORTED, "Avro only supports MAPs with STRING keys");
        return NULL;
      }
      p->kids = palloc(a, sizeof *p->kids);
      if (!p->kids || !(p->kids[0] = ecompile(a, b->items, t->elem, depth + 1, err))) return NULL;
      return p;
    default:
      return p;
  }
}

/* ---- binary writing ---- */

typedef struct {
  wy_buf_t *out;
  wy_error_t *err;
  bool oom;
  wy_buf_t *scratch;
} ectx_t;

static bool put(ectx_t *e, const void *p, size_t n) {
  if (!wy_buf_append(e->out, p, n)) return e->oom = true, false;
  return true;
}

static bool put_long(ectx_t *e, int64_t v) {
  uint8_t b[10];
  uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  size_t n = 0;
  while (z >= 0x80) {
    b[n++] = (uint8_t)(z | 0x80);
    z >>= 7;
  }
  b[n++] = (uint8_t)z;
  return put(e, b, n);
}

static bool put_bytes(ectx_t *e, const void *p, size_t n) {
  return put_long(e, (int64_t)n) && put(e, p, n);
}

static bool efail(ectx_t *e, const char *fmt, const char *a, const char *b) {
  wy_error_set(e->err, WY_ERR_ENCODE, fmt, a, b);
  return false;
}

static bool put_double(ectx_t *e, double d, bool as_float) {
  uint8_t b[8];
  uint64_t bits;
  if (as_float) {
    float f = (float)d;
    uint32_t b32;
    memcpy(&b32, &f, 4);
    bits = b32;
  } else {
    memcpy(&bits, &d, 8);
  }
  for (int i = 0; i < 8; i++, bits >>= 8) b[i] = (uint8_t)bits;
  return put(e, b, as_float ? 4 : 8);
}

static bool put_decimal(ectx_t *e, const av_node_t *w, const wy_value_t *v) {
  wy_int128_t x;
  if (!wy_decimal_rescale(v->u.dec, v->scale, w->scale, &x) || !wy_decimal_fits(x, w->precision)) {
    char txt[64], ty[32];
    wy_decimal_format(v->u.dec, v->scale, txt, sizeof txt);
    snprintf(ty, sizeof ty, "DECIMAL(%d, %d)", w->precision, w->scale);
    return efail(e, "Cannot fit decimal '%s' into %s", txt, ty);
  }
  uint8_t b[16];
  unsigned __int128 u = (unsigned __int128)x;
  for (int i = 15; i >= 0; i--, u >>= 8) b[i] = (uint8_t)u;
  size_t skip = 0; /* minimal two's complement, as BigInteger.toByteArray */
  while (skip < 15 &&
         ((b[skip] == 0 && !(b[skip + 1] & 0x80)) || (b[skip] == 0xff && (b[skip + 1] & 0x80))))
    skip++;
  if (w->kind == AV_BYTES) return put_bytes(e, b + skip, 16 - skip);
  size_t n = 16 - skip;
  if (n > w->size) return efail(e, "decimal does not fit fixed %s%s", w->name, "");
  uint8_t pad = x < 0 ? 0xff : 0;
  for (size_t i = n; i < w->size; i++)
    if (!put(e, &pad, 1)) return false;
  return put(e, b + skip, n);
}

static bool enc_default(ectx_t *e, const av_node_t *w, json_t *def, int depth);

static bool enc(ectx_t *e, const eplan_t *p, const wy_value_t *v);

static bool enc_value(ectx_t *e, const eplan_t *p, const wy_value_t *v) {
  const av_node_t *w = p->bw;
  switch (w->kind) {
    case AV_BOOLEAN: {
      uint8_t b = v->u.b ? 1 : 0;
      return put(e, &b, 1);
    }
    case AV_INT:
      return put_long(e, v->u.i32);
    case AV_LONG: {
      int64_t l = v->kind == WY_T_INT ? v->u.i32 : v->u.i64;
      if (w->logical == AVL_TIMESTAMP_MICROS) l *= 1000;
      return put_long(e, l);
    }
    case AV_FLOAT:
    case AV_DOUBLE: {
      double d = v->kind == WY_T_DOUBLE ? v->u.f64
                 : v->kind == WY_T_INT  ? v->u.i32
                                        : (double)v->u.i64;
      return put_double(e, d, w->kind == AV_FLOAT);
    }
    case AV_STRING:
      if (w->pattern && !wy_avro_pattern_match(w, v->u.str, v->len, e->scratch)) {
        char txt[72];
        snprintf(txt, sizeof txt, "%.*s", (int)(v->len > 64 ? 64 : v->len),
                 v->u.str ? v->u.str : "");
        return efail(e, "'%s' does not match the validatedString pattern '%s'", txt, w->pattern);
      }
      return put_bytes(e, v->u.str, v->len);
    case AV_ENUM:
      for (size_t i = 0; i < w->n; i++)
        if (strlen(w->symbols[i]) == v->len && memcmp(w->symbols[i], v->u.str, v->len) == 0)
          return put_long(e, (int64_t)i);
      return efail(e, "value is not a symbol of enum %s%s", w->name, "");
    case AV_BYTES:
    case AV_FIXED:
      if (w->logical == AVL_DECIMAL) return put_decimal(e, w, v);
      if (w->kind == AV_BYTES) return put_bytes(e, v->u.str, v->len);
      if (v->len != w->size)
        return efail(e, "BYTES value does not have the size of fixed %s%s", w->name, "");
      return put(e, v->u.str, v->len);
    case AV_RECORD: {
      const wy_list_t *l = v->u.list;
      for (size_t i = 0; i < w->n; i++) {
        int si = p->src[i];
        const wy_value_t *fv = si >= 0 && l && (uint32_t)si < l->n ? &l->items[si] : NULL;
        if (!fv || (fv->null && p->kids[i]->null_branch < 0 && w->fields[i].def)) {
          if (!enc_default(e, w->fields[i].type, w->fields[i].def, 0)) return false;
        } else if (!enc(e, p->kids[i], fv)) {
          wy_error_prefix(e->err, "field %s", w->fields[i].name);
          return false;
        }
      }
      return true;
    }
    case AV_ARRAY:
    case AV_MAP: {
      bool is_map = v->kind == WY_T_MAP;
      uint32_t n = is_map ? v->u.map->n : v->u.list->n;
      if (n && !put_long(e, n)) return false;
      for (uint32_t i = 0; i < n; i++) {
        if (is_map && w->kind == AV_MAP) {
          const wy_value_t *k = &v->u.map->keys[i];
          if (k->null)
            return efail(e, "a NULL map key cannot be written to an Avro map%s%s", "", "");
          if (!put_bytes(e, k->u.str, k->len) || !enc(e, p->kids[0], &v->u.map->vals[i]))
            return false;
        } else if (is_map) {
          if (!enc(e, p->kids[0], &v->u.map->keys[i]) || !enc(e, p->kids[1], &v->u.map->vals[i]))
            return false;
        } else if (!enc(e, p->kids[0], &v->u.list->items[i])) {
          return false;
        }
      }
      return put_long(e, 0);
    }
    default:
      return efail(e, "cannot write Avro type %s%s", wy_avro_kind_name(w->kind), "");
  }
}

static bool enc(ectx_t *e, const eplan_t *p, const wy_value_t *v) {
  if (v->null) {
    if (p->null_branch < 0)
      return efail(e, "NULL for a non-nullable Avro %s%s", wy_avro_kind_name(p->w->kind), "");
    return put_long(e, p->null_branch);
  }
  if (v->kind != p->t->kind)
    return efail(e, "value of type %s where %s was expected", wy_type_kind_name(v->kind),
                 tname(p->t));
  if (p->w->kind == AV_UNION && !put_long(e, p->branch)) return false;
  return enc_value(e, p, v);
}

/* An Avro default value (JSON) in binary; unions take their first branch. */
static bool enc_default(ectx_t *e, const av_node_t *w, json_t *def, int depth) {
  if (depth > MAX_DEPTH) return efail(e, "default value nested too deeply%s%s", "", "");
  switch (w->kind) {
    case AV_UNION:
      return put_long(e, 0) && enc_default(e, w->branches[0], def, depth + 1);
    case AV_NULL:
      return true;
    case AV_BOOLEAN: {
      uint8_t b = json_is_true(def);
      return put(e, &b, 1);
    }
    case AV_INT:
    case AV_LONG:
      return put_long(e, (int64_t)json_number_value(def));
    case AV_FLOAT:
    case AV_DOUBLE:
      return put_double(e, json_number_value(def), w->kind == AV_FLOAT);
    case AV_STRING: {
      const char *s = json_string_value(def);
      return put_bytes(e, s ? s : "", s ? json_string_length(def) : 0);
    }
    case AV_ENUM: {
      const char *s = json_string_value(def);
      for (size_t i = 0; s && i < w->n; i++)
        if (strcmp(w->symbols[i], s) == 0) return put_long(e, (int64_t)i);
      return efail(e, "bad default for enum %s%s", w->name, "");
    }
    case AV_BYTES:
    case AV_FIXED: {
      /* Avro writes bytes defaults as strings of code points 0-255. */
      const char *s = json_string_value(def);
      size_t n = s ? json_string_length(def) : 0, m = 0;
      uint8_t *b = malloc(n + 1);
      if (!b) return e->oom = true, false;
      for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xc0 && i + 1 < n) {
          b[m++] = (uint8_t)((c & 0x1f) << 6 | ((unsigned char)s[i + 1] & 0x3f));
          i++;
        } else {
          b[m++] = c;
        }
      }
      bool ok = w->kind == AV_BYTES ? put_bytes(e, b, m)
                : m == w->size      ? put(e, b, m)
                                    : efail(e, "bad default for fixed %s%s", w->name, "");
      free(b);
      return ok;
    }
    case AV_RECORD:
      for (size_t i = 0; i < w->n; i++) {
        json_t *fd = json_object_get(def, w->fields[i].name);
        if (!fd) fd = w->fields[i].def;
        if (!enc_default(e, w->fields[i].type, fd, depth + 1)) return false;
      }
      return true;
    case AV_ARRAY: {
      size_t n = json_array_size(def);
      if (n && !put_long(e, (int64_t)n)) return false;
      for (size_t i = 0; i < n; i++)
        if (!enc_default(e, w->items, json_array_get(def, i), depth + 1)) return false;
      return put_long(e, 0);
    }
    case AV_MAP: {
      size_t n = json_object_size(def);
      if (n && !put_long(e, (int64_t)n)) return false;
      const char *k;
      json_t *val;
      json_object_foreach(def, k, val) {
        if (!put_bytes(e, k, strlen(k)) || !enc_default(e, w->items, val, depth + 1)) return false;
      }
      return put_long(e, 0);
    }
    default:
      return efail(e, "cannot write a default for Avro %s%s", wy_avro_kind_name(w->kind), "");
  }
}

/* Settle the writer schema: parse it, compile the encoder, register it if needed. */
static wy_status_t writer_ready(wy_format_codec_t *c, wy_error_t *err) {
  avro_impl_t *a = c->impl;
  if (a->eroot) return WY_OK;
  wy_status_t st;
  char *generated = NULL;
  const char *text;
  if (c->schema_id > 0) {
    if (!c->registry)
      return wy_error_set(err, WY_ERR_CONFIG, "%s_SCHEMA_ID needs a Schema Registry",
                          c->is_key ? "KEY" : "VALUE");
    wy_sr_type_t type;
    if ((st = wy_sr_get_schema(c->registry, c->schema_id, &text, &type, err)) != WY_OK) return st;
    if (type != WY_SR_AVRO)
      return wy_error_set(err, WY_ERR_CONFIG, "%s_SCHEMA_ID %d is a %s schema, not AVRO",
                          c->is_key ? "KEY" : "VALUE", (int)c->schema_id, wy_sr_type_name(type));
  } else {
    wy_format_column_t *cols = calloc(c->ncols + 1, sizeof *cols);
    if (!cols) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->ncols; i++) cols[i] = (wy_format_column_t){c->names[i], c->types[i]};
    wy_format_schema_t fs = {c->ncols, cols};
    st = wy_avro_schema_from_columns(&fs, c->unwrapped, c->full_schema_name, &generated, err);
    free(cols);
    if (st != WY_OK) return st;
    text = generated;
  }
  wy_avro_schema_t *s = NULL;
  if ((st = wy_avro_schema_parse(text, strlen(text), &s, err)) != WY_OK) goto out;
  const av_node_t *root = s->root;
  eplan_t *plan = NULL;
  wy_error_t local;
  wy_error_clear(&local);
  if (c->unwrapped) {
    plan = ecompile(a, root, c->types[0], 0, &local);
  } else if (root->kind != AV_RECORD) {
    wy_error_set(&local, WY_ERR_CONFIG, "a %s schema of several columns must be an Avro record",
                 wy_fmt_target(c));
  } else if ((plan = palloc(a, sizeof *plan))) {
    *plan = (eplan_t){.w = root, .bw = root, .t = a->row, .null_branch = -1, .branch = -1};
    plan = ecompile_record(a, plan, root, a->row, 0, &local);
  }
  if (!plan) {
    st = local.code != WY_OK ? local.code : WY_ERR_NOMEM;
    if (err) {
      *err = local;
      if (local.code == WY_OK) wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    wy_error_prefix(err, "%s schema %s", wy_fmt_target(c), c->schema_id > 0 ? "(by id)" : "");
    goto out;
  }
  if (c->schema_id > 0) {
    a->wid = c->schema_id;
  } else {
    if (!c->registry || !c->subject) {
      st = wy_error_set(err, WY_ERR_CONFIG,
                        "AVRO %s codec needs a Schema Registry and a subject "
                        "to write",
                        wy_fmt_target(c));
      goto out;
    }
    if ((st = wy_sr_register(c->registry, c->subject, WY_SR_AVRO, text, &a->wid, err)) != WY_OK)
      goto out;
  }
  a->wschema = s;
  a->eroot = plan;
  s = NULL;
out:
  wy_avro_schema_free(s);
  free(generated);
  return st;
}

static wy_status_t avro_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                               bool *null_record, wy_error_t *err) {
  avro_impl_t *a = c->impl;
  wy_status_t st = writer_ready(c, err);
  if (st != WY_OK) return st;
  if (c->unwrapped && cols[0].null && a->eroot->null_branch < 0) {
    *null_record = true;
    return WY_OK;
  }
  uint8_t hdr[5] = {0, (uint8_t)(a->wid >> 24), (uint8_t)(a->wid >> 16), (uint8_t)(a->wid >> 8),
                    (uint8_t)a->wid};
  ectx_t e = {out, err, false, &a->text};
  bool ok = put(&e, hdr, 5);
  if (ok) {
    if (c->unwrapped) {
      ok = enc(&e, a->eroot, &cols[0]);
    } else {
      wy_list_t row = {(uint32_t)c->ncols, (wy_value_t *)cols};
      wy_value_t v = wy_struct(&row);
      ok = enc_value(&e, a->eroot, &v);
    }
  }
  if (e.oom) return wy_error_set(err, WY_ERR_NOMEM, "out of memory encoding AVRO");
  if (!ok) return wy_error_prefix(err, "Failed to serialize %s", wy_fmt_target(c)), WY_ERR_ENCODE;
  return WY_OK;
}

/* ---- codec ---- */

static void avro_close(wy_format_codec_t *c) {
  avro_impl_t *a = c->impl;
  if (!a) return;
  for (size_t i = 0; i < a->nreaders; i++) wy_avro_schema_free(a->readers[i].schema);
  free(a->readers);
  for (size_t i = 0; i < a->npool; i++) free(a->pool[i]);
  free(a->pool);
  wy_avro_schema_free(a->wschema);
  wy_type_unref(a->row);
  free(a->stack);
  wy_buf_free(&a->text);
  free(a);
  c->impl = NULL;
}

static wy_status_t avro_open(wy_format_codec_t *c, wy_error_t *err) {
  for (size_t i = 0; i < c->ncols; i++)
    if (wy_fmt_has_non_string_map_key(c->types[i]))
      return wy_error_set(err, WY_ERR_UNSUPPORTED, "Avro only supports MAPs with STRING keys");
  if (c->ncols != 1 && c->wrap == WY_WRAP_FALSE)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
  c->unwrapped =
      c->ncols == 1 && (c->wrap == WY_WRAP_FALSE || (c->wrap == WY_WRAP_DEFAULT && c->is_key));
  avro_impl_t *a = calloc(1, sizeof *a);
  if (!a) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  c->impl = a;
  wy_type_t *row = wy_type_struct_new();
  a->row = row;
  for (size_t i = 0; row && i < c->ncols; i++)
    if (!wy_type_struct_add(row, c->names[i], wy_type_ref(c->types[i]))) row = NULL;
  if (!row) {
    avro_close(c);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  /* Validate the generated schema (names, types) now, so that a bad column fails the
   * statement rather than the first record; register it now for a sink. */
  wy_status_t st = WY_OK;
  if (c->register_schema || c->schema_id > 0) {
    st = writer_ready(c, err);
  } else if (c->schema_id <= 0) {
    wy_format_column_t *cols = calloc(c->ncols + 1, sizeof *cols);
    char *json = NULL;
    if (!cols) {
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    } else {
      for (size_t i = 0; i < c->ncols; i++)
        cols[i] = (wy_format_column_t){c->names[i], c->types[i]};
      wy_format_schema_t fs = {c->ncols, cols};
      st = wy_avro_schema_from_columns(&fs, c->unwrapped, c->full_schema_name, &json, err);
    }
    free(json);
    free(cols);
  }
  if (st != WY_OK) avro_close(c);
  return st;
}

static wy_status_t avro_from_columns(const wy_format_schema_t *schema,
                                     const wy_format_options_t *opts, bool unwrapped,
                                     char **text_out, wy_error_t *err) {
  return wy_avro_schema_from_columns(schema, unwrapped, opts->full_schema_name, text_out, err);
}

static wy_status_t avro_infer(const char *text, const wy_format_options_t *opts, bool unwrapped,
                              wy_format_column_t **cols_out, size_t *ncols_out, wy_error_t *err) {
  return wy_avro_infer_columns(text, opts->is_key, unwrapped, cols_out, ncols_out, err);
}

static const wy_format_schema_ops_t AVRO_SCHEMA = {true, WY_SR_AVRO, avro_from_columns, avro_infer,
                                                   wy_avro_schema_compatible};

const wy_format_ops_t wy_format_ops_AVRO = {avro_open, avro_close, avro_decode, avro_encode,
                                            &AVRO_SCHEMA};
