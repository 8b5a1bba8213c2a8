/* Order-preserving key encoding (see keycodec.h). */
#include "engine/formats/keycodec.h"

#include <math.h>
#include <string.h>

#include "engine/formats/tuple_int.h"

enum { TAG_END = 0x00, TAG_NULL = 0x01, TAG_VALUE = 0x02 };

static uint64_t double_sortable(double d) {
  uint64_t bits;
  if (d == 0.0) d = 0.0; /* -0.0 equals 0.0 */
  if (isnan(d))
    bits = 0x7ff8000000000000ULL;
  else
    memcpy(&bits, &d, sizeof bits);
  return (bits >> 63) ? ~bits : bits ^ (1ULL << 63);
}

static double double_unsortable(uint64_t x) {
  uint64_t bits = (x >> 63) ? x ^ (1ULL << 63) : ~x;
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

static void enc_value(wy_wbuf_t *w, const wy_value_t *v);

static void enc_items(wy_wbuf_t *w, const wy_value_t *items, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) enc_value(w, &items[i]);
  wy_wbuf_byte(w, TAG_END);
}

static void enc_value(wy_wbuf_t *w, const wy_value_t *v) {
  if (v->null) {
    wy_wbuf_byte(w, TAG_NULL);
    return;
  }
  wy_wbuf_byte(w, TAG_VALUE);
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_BOOLEAN:
      wy_wbuf_byte(w, v->u.b ? 1 : 0);
      break;
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      wy_wbuf_be(w, (uint32_t)v->u.i32 ^ 0x80000000u, 4);
      break;
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      wy_wbuf_be(w, (uint64_t)v->u.i64 ^ (1ULL << 63), 8);
      break;
    case WY_T_DOUBLE:
      wy_wbuf_be(w, double_sortable(v->u.f64), 8);
      break;
    case WY_T_DECIMAL: {
      unsigned __int128 u = (unsigned __int128)v->u.dec ^ ((unsigned __int128)1 << 127);
      wy_wbuf_be(w, (uint64_t)(u >> 64), 8);
      wy_wbuf_be(w, (uint64_t)u, 8);
      break;
    }
    case WY_T_STRING:
    case WY_T_BYTES: {
      const uint8_t *s = (const uint8_t *)v->u.str;
      size_t start = 0;
      for (size_t i = 0; i < v->len; i++) {
        if (s[i]) continue;
        wy_wbuf_put(w, s + start, i + 1 - start);
        wy_wbuf_byte(w, 0xFF);
        start = i + 1;
      }
      wy_wbuf_put(w, s + start, v->len - start);
      wy_wbuf_byte(w, 0x00);
      wy_wbuf_byte(w, 0x01);
      break;
    }
    case WY_T_ARRAY:
    case WY_T_STRUCT:
      enc_items(w, v->u.list->items, v->u.list->n);
      break;
    case WY_T_MAP:
      for (uint32_t i = 0; i < v->u.map->n; i++) {
        enc_value(w, &v->u.map->keys[i]);
        enc_value(w, &v->u.map->vals[i]);
      }
      wy_wbuf_byte(w, TAG_END);
      break;
    default:
      break;
  }
}

size_t wy_keycodec_encode(const wy_value_t *vals, size_t n, uint8_t *out, size_t cap) {
  wy_wbuf_t w = {out, 0, cap};
  for (size_t i = 0; i < n; i++) enc_value(&w, &vals[i]);
  return w.len;
}

/* ---- decoding ---- */

typedef struct dctx {
  wy_rbuf_t r;
  wy_arena_t *a;
  wy_error_t *err;
  int depth;
} dctx_t;

#define KEY_MAX_DEPTH 64

static wy_status_t bad(dctx_t *c, const char *what) {
  return wy_error_set(c->err, WY_ERR_DECODE, "malformed key: %s", what);
}

static wy_status_t dec_value(dctx_t *c, const wy_type_t *t, wy_value_t *out);

/* Elements until the end tag, into a growing arena array. */
static wy_status_t dec_seq(dctx_t *c, const wy_type_t *kt, const wy_type_t *vt, wy_value_t **keys,
                           wy_value_t **vals, uint32_t *n) {
  uint32_t cap = 0;
  *n = 0;
  for (;;) {
    if (!wy_rbuf_need(&c->r, 1)) return bad(c, "unterminated list");
    if (*c->r.p == TAG_END) {
      c->r.p++;
      return WY_OK;
    }
    if (*n == cap) {
      uint32_t nc = cap ? cap * 2 : 4;
      wy_value_t *nk = kt ? wy_arena_alloc(c->a, nc * sizeof *nk) : NULL;
      wy_value_t *nv = wy_arena_alloc(c->a, nc * sizeof *nv);
      if (!nv || (kt && !nk)) return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory");
      if (*n) memcpy(nv, *vals, *n * sizeof *nv);
      if (kt && *n) memcpy(nk, *keys, *n * sizeof *nk);
      *vals = nv;
      if (kt) *keys = nk;
      cap = nc;
    }
    wy_status_t st;
    if (kt && (st = dec_value(c, kt, &(*keys)[*n])) != WY_OK) return st;
    if ((st = dec_value(c, vt, &(*vals)[*n])) != WY_OK) return st;
    (*n)++;
  }
}

static wy_status_t dec_string(dctx_t *c, wy_value_t *out) {
  /* The decoded length is at most the encoded length: size the copy by the terminator. */
  const uint8_t *p = c->r.p;
  size_t n = 0;
  for (;;) {
    if ((size_t)(c->r.end - p) < 2) return bad(c, "unterminated string");
    if (p[0] == 0x00 && p[1] == 0x01) break;
    if (p[0] == 0x00 && p[1] != 0xFF) return bad(c, "bad escape in string");
    p += p[0] == 0x00 ? 2 : 1;
    n++;
  }
  char *s = wy_arena_alloc(c->a, n + 1);
  if (!s) return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    s[i] = (char)*c->r.p;
    c->r.p += *c->r.p == 0x00 ? 2 : 1;
  }
  s[n] = '\0';
  c->r.p += 2;
  out->u.str = s;
  out->len = (uint32_t)n;
  return WY_OK;
}

static wy_status_t dec_value(dctx_t *c, const wy_type_t *t, wy_value_t *out) {
  if (!wy_rbuf_need(&c->r, 1)) return bad(c, "truncated");
  uint8_t tag = *c->r.p++;
  *out = wy_null(t->kind);
  if (tag == TAG_NULL) return WY_OK;
  if (tag != TAG_VALUE) return bad(c, "bad tag");
  out->null = 0;
  static const uint8_t fixed[WY_T__COUNT] = {
      [WY_T_BOOLEAN] = 1, [WY_T_INT] = 4,       [WY_T_DATE] = 4,   [WY_T_TIME] = 4,
      [WY_T_BIGINT] = 8,  [WY_T_TIMESTAMP] = 8, [WY_T_DOUBLE] = 8, [WY_T_DECIMAL] = 16};
  if (!wy_rbuf_need(&c->r, fixed[t->kind])) return bad(c, "truncated");
  switch (t->kind) {
    case WY_T_BOOLEAN:
      out->u.b = *c->r.p++ != 0;
      return WY_OK;
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      out->u.i32 = (int32_t)((uint32_t)wy_rbuf_be(&c->r, 4) ^ 0x80000000u);
      return WY_OK;
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      out->u.i64 = (int64_t)(wy_rbuf_be(&c->r, 8) ^ (1ULL << 63));
      return WY_OK;
    case WY_T_DOUBLE:
      out->u.f64 = double_unsortable(wy_rbuf_be(&c->r, 8));
      return WY_OK;
    case WY_T_DECIMAL: {
      unsigned __int128 hi = wy_rbuf_be(&c->r, 8), lo = wy_rbuf_be(&c->r, 8);
      out->u.dec = (wy_int128_t)(((hi << 64) | lo) ^ ((unsigned __int128)1 << 127));
      out->precision = t->precision;
      out->scale = t->scale;
      return WY_OK;
    }
    case WY_T_STRING:
    case WY_T_BYTES:
      return dec_string(c, out);
    default:
      break;
  }
  if (++c->depth > KEY_MAX_DEPTH) return bad(c, "nested too deeply");
  wy_status_t st;
  if (t->kind == WY_T_MAP) {
    wy_map_t *m = wy_arena_calloc(c->a, 1, sizeof *m);
    if (!m) return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory");
    st = dec_seq(c, t->key, t->elem, &m->keys, &m->vals, &m->n);
    out->u.map = m;
  } else {
    wy_list_t *l = wy_arena_calloc(c->a, 1, sizeof *l);
    if (!l) return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory");
    if (t->kind == WY_T_ARRAY) {
      st = dec_seq(c, NULL, t->elem, NULL, &l->items, &l->n);
    } else {
      l->n = (uint32_t)t->nfields;
      l->items = l->n ? wy_arena_calloc(c->a, l->n, sizeof *l->items) : NULL;
      if (l->n && !l->items) return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory");
      st = WY_OK;
      for (uint32_t i = 0; i < l->n && st == WY_OK; i++)
        st = dec_value(c, t->fields[i].type, &l->items[i]);
      if (st == WY_OK && (!wy_rbuf_need(&c->r, 1) || *c->r.p++ != TAG_END))
        st = bad(c, "struct field count");
    }
    out->u.list = l;
  }
  c->depth--;
  return st;
}

wy_status_t wy_keycodec_decode(const uint8_t *buf, size_t len, const wy_type_t *const *types,
                               size_t n, wy_arena_t *a, wy_value_t *out, size_t *consumed,
                               wy_error_t *err) {
  dctx_t c = {{buf, buf + len}, a, err, 0};
  for (size_t i = 0; i < n; i++) {
    wy_status_t st = dec_value(&c, types[i], &out[i]);
    if (st != WY_OK) return st;
  }
  if (consumed) *consumed = (size_t)(c.r.p - buf);
  return WY_OK;
}
