/* Compact row encoding (see rowcodec.h). */
#include "engine/formats/rowcodec.h"

#include <string.h>

#include "engine/base/decimal.h"
#include "engine/formats/tuple_int.h"

#define ROW_MAX_DEPTH 64

/* Column types of a block: one list, struct fields, or one element type for all. */
typedef struct tsel {
  const wy_type_t *const *list;
  const wy_field_t *fields;
  const wy_type_t *one;
} tsel_t;

static const wy_type_t *type_at(const tsel_t *s, size_t i) {
  return s->list ? s->list[i] : s->fields ? s->fields[i].type : s->one;
}

static void put_varint(wy_wbuf_t *w, unsigned __int128 x) {
  while (x >= 0x80) {
    wy_wbuf_byte(w, (uint8_t)(x | 0x80));
    x >>= 7;
  }
  wy_wbuf_byte(w, (uint8_t)x);
}

static void put_zigzag(wy_wbuf_t *w, wy_int128_t x) {
  put_varint(w, ((unsigned __int128)x << 1) ^ (unsigned __int128)(x >> 127));
}

typedef struct ectx {
  wy_wbuf_t w;
  wy_error_t *err;
  int depth;
} ectx_t;

static wy_status_t enc_block(ectx_t *c, const tsel_t *ts, const wy_value_t *vals, size_t n);

static wy_status_t enc_value(ectx_t *c, const wy_type_t *t, const wy_value_t *v) {
  if (v->kind != t->kind)
    return wy_error_set(c->err, WY_ERR_TYPE, "row value of kind %s for a %s column",
                        wy_type_kind_name(v->kind), wy_type_kind_name(t->kind));
  switch (t->kind) {
    case WY_T_BOOLEAN:
      wy_wbuf_byte(&c->w, v->u.b);
      return WY_OK;
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      put_zigzag(&c->w, v->u.i32);
      return WY_OK;
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      put_zigzag(&c->w, v->u.i64);
      return WY_OK;
    case WY_T_DOUBLE: {
      uint64_t bits;
      memcpy(&bits, &v->u.f64, sizeof bits);
      for (int i = 0; i < 8; i++) wy_wbuf_byte(&c->w, (uint8_t)(bits >> (8 * i)));
      return WY_OK;
    }
    case WY_T_DECIMAL: {
      wy_int128_t x = v->u.dec;
      if (v->scale != t->scale && !wy_decimal_rescale(x, v->scale, t->scale, &x))
        return wy_error_set(c->err, WY_ERR_OVERFLOW, "DECIMAL does not fit scale %d", t->scale);
      put_zigzag(&c->w, x);
      return WY_OK;
    }
    case WY_T_STRING:
    case WY_T_BYTES:
      put_varint(&c->w, v->len);
      wy_wbuf_put(&c->w, v->u.str, v->len);
      return WY_OK;
    default:
      break;
  }
  if (++c->depth > ROW_MAX_DEPTH)
    return wy_error_set(c->err, WY_ERR_ENCODE, "row value nested too deeply");
  wy_status_t st;
  if (t->kind == WY_T_MAP) {
    const wy_map_t *m = v->u.map;
    put_varint(&c->w, m->n);
    tsel_t ks = {.one = t->key}, vs = {.one = t->elem};
    /* Bitmaps of keys then values, then pairs: keeps a map readable in one pass. */
    st = enc_block(c, &ks, m->keys, m->n);
    if (st == WY_OK) st = enc_block(c, &vs, m->vals, m->n);
  } else if (t->kind == WY_T_ARRAY) {
    put_varint(&c->w, v->u.list->n);
    tsel_t es = {.one = t->elem};
    st = enc_block(c, &es, v->u.list->items, v->u.list->n);
  } else {
    if (v->u.list->n != t->nfields)
      return wy_error_set(c->err, WY_ERR_TYPE, "STRUCT value has %u fields, type has %zu",
                          v->u.list->n, t->nfields);
    put_varint(&c->w, t->nfields);
    tsel_t fs = {.fields = t->fields};
    st = enc_block(c, &fs, v->u.list->items, t->nfields);
  }
  c->depth--;
  return st;
}

/* NULL bitmap, then the non-NULL values. */
static wy_status_t enc_block(ectx_t *c, const tsel_t *ts, const wy_value_t *vals, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint8_t bits = 0;
    for (size_t j = i; j < n && j < i + 8; j++) bits |= (uint8_t)(vals[j].null << (j - i));
    wy_wbuf_byte(&c->w, bits);
  }
  for (size_t i = 0; i < n; i++) {
    if (vals[i].null) continue;
    wy_status_t st = enc_value(c, type_at(ts, i), &vals[i]);
    if (st != WY_OK) return st;
  }
  return WY_OK;
}

wy_status_t wy_rowcodec_encode(const wy_type_t *const *types, const wy_value_t *vals, size_t n,
                               uint8_t *out, size_t cap, size_t *needed, wy_error_t *err) {
  ectx_t c = {{out, 0, cap}, err, 0};
  wy_wbuf_byte(&c.w, WY_ROWCODEC_VERSION);
  put_varint(&c.w, n);
  tsel_t ts = {.list = types};
  wy_status_t st = enc_block(&c, &ts, vals, n);
  *needed = c.w.len;
  return st;
}

/* ---- decoding ---- */

typedef struct dctx {
  wy_rbuf_t r;
  wy_arena_t *a;
  wy_error_t *err;
  int depth;
} dctx_t;

static wy_status_t bad(dctx_t *c, const char *what) {
  return wy_error_set(c->err, WY_ERR_DECODE, "malformed row: %s", what);
}

/* *out is set on every path: GCC at -O3 cannot tell that callers read it only on success. */
static wy_status_t get_varint(dctx_t *c, unsigned __int128 *out) {
  unsigned __int128 x = 0;
  *out = 0;
  for (int shift = 0; shift < 133; shift += 7) {
    if (!wy_rbuf_need(&c->r, 1)) return bad(c, "truncated varint");
    uint8_t b = *c->r.p++;
    x |= (unsigned __int128)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = x;
      return WY_OK;
    }
  }
  return bad(c, "varint too long");
}

static wy_status_t get_zigzag(dctx_t *c, wy_int128_t *out) {
  unsigned __int128 u = 0;
  wy_status_t st = get_varint(c, &u);
  *out = (wy_int128_t)(u >> 1) ^ -(wy_int128_t)(u & 1);
  return st;
}

static wy_status_t get_count(dctx_t *c, uint32_t *n) {
  unsigned __int128 u = 0;
  wy_status_t st = get_varint(c, &u);
  if (st != WY_OK) return st;
  /* Every element takes at least a bitmap bit, so a count beyond 8x the remaining bytes
   * is corrupt; checking keeps a bad length from allocating gigabytes. */
  if (u > (unsigned __int128)(c->r.end - c->r.p) * 8 + 8 || u > UINT32_MAX) return bad(c, "count");
  *n = (uint32_t)u;
  return WY_OK;
}

static wy_status_t dec_block(dctx_t *c, const tsel_t *ts, wy_value_t *out, size_t n);

static wy_status_t dec_value(dctx_t *c, const wy_type_t *t, wy_value_t *out) {
  wy_int128_t x;
  wy_status_t st;
  out->null = 0;
  switch (t->kind) {
    case WY_T_BOOLEAN:
      if (!wy_rbuf_need(&c->r, 1)) return bad(c, "truncated");
      out->u.b = *c->r.p++ != 0;
      return WY_OK;
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      if ((st = get_zigzag(c, &x)) != WY_OK) return st;
      if (x < INT32_MIN || x > INT32_MAX) return bad(c, "32-bit value out of range");
      out->u.i32 = (int32_t)x;
      return WY_OK;
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      if ((st = get_zigzag(c, &x)) != WY_OK) return st;
      if (x < INT64_MIN || x > INT64_MAX) return bad(c, "64-bit value out of range");
      out->u.i64 = (int64_t)x;
      return WY_OK;
    case WY_T_DOUBLE: {
      if (!wy_rbuf_need(&c->r, 8)) return bad(c, "truncated");
      uint64_t bits = 0;
      for (int i = 0; i < 8; i++) bits |= (uint64_t)*c->r.p++ << (8 * i);
      memcpy(&out->u.f64, &bits, sizeof bits);
      return WY_OK;
    }
    case WY_T_DECIMAL:
      if ((st = get_zigzag(c, &out->u.dec)) != WY_OK) return st;
      out->precision = t->precision;
      out->scale = t->scale;
      return WY_OK;
    case WY_T_STRING:
    case WY_T_BYTES: {
      unsigned __int128 len;
      if ((st = get_varint(c, &len)) != WY_OK) return st;
      if (len > (unsigned __int128)(c->r.end - c->r.p)) return bad(c, "string past the end");
      char *s = wy_arena_strndup(c->a, (const char *)c->r.p, (size_t)len);
      if (!s) return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory");
      c->r.p += (size_t)len;
      out->u.str = s;
      out->len = (uint32_t)len;
      return WY_OK;
    }
    default:
      break;
  }
  if (++c->depth > ROW_MAX_DEPTH) return bad(c, "nested too deeply");
  uint32_t n = 0;
  if ((st = get_count(c, &n)) != WY_OK) return st;
  if (t->kind == WY_T_MAP) {
    wy_map_t *m = wy_map_new(c->a, n);
    if (!m) return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory");
    tsel_t ks = {.one = t->key}, vs = {.one = t->elem};
    st = dec_block(c, &ks, m->keys, n);
    if (st == WY_OK) st = dec_block(c, &vs, m->vals, n);
    out->u.map = m;
  } else {
    if (t->kind == WY_T_STRUCT && n != t->nfields) return bad(c, "struct field count");
    wy_list_t *l = wy_list_new(c->a, n);
    if (!l) return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory");
    tsel_t es = {.one = t->elem}, fs = {.fields = t->fields};
    st = dec_block(c, t->kind == WY_T_ARRAY ? &es : &fs, l->items, n);
    out->u.list = l;
  }
  c->depth--;
  return st;
}

static wy_status_t dec_block(dctx_t *c, const tsel_t *ts, wy_value_t *out, size_t n) {
  size_t nbytes = (n + 7) / 8;
  if (!wy_rbuf_need(&c->r, nbytes)) return bad(c, "truncated bitmap");
  const uint8_t *bits = c->r.p;
  c->r.p += nbytes;
  for (size_t i = 0; i < n; i++) {
    const wy_type_t *t = type_at(ts, i);
    out[i] = wy_null(t->kind);
    if (bits[i / 8] >> (i % 8) & 1) continue;
    wy_status_t st = dec_value(c, t, &out[i]);
    if (st != WY_OK) return st;
  }
  return WY_OK;
}

wy_status_t wy_rowcodec_decode(const uint8_t *buf, size_t len, const wy_type_t *const *types,
                               size_t n, wy_arena_t *a, wy_value_t *out, wy_error_t *err) {
  dctx_t c = {{buf, buf + len}, a, err, 0};
  if (!len) return bad(&c, "empty");
  if (buf[0] != WY_ROWCODEC_VERSION)
    return wy_error_set(err, WY_ERR_DECODE, "row encoding version %u is not supported", buf[0]);
  c.r.p++;
  unsigned __int128 ncols;
  wy_status_t st = get_varint(&c, &ncols);
  if (st != WY_OK) return st;
  if (ncols > n)
    return wy_error_set(err, WY_ERR_DECODE, "row has %llu columns, schema has %zu",
                        (unsigned long long)ncols, n);
  tsel_t ts = {.list = types};
  if ((st = dec_block(&c, &ts, out, (size_t)ncols)) != WY_OK) return st;
  for (size_t i = (size_t)ncols; i < n; i++) out[i] = wy_null(types[i]->kind);
  if (c.r.p != c.r.end) return bad(&c, "trailing bytes");
  return WY_OK;
}
