/* state_codec.c — the aggregate state codec (registry.h: wy_udf_state_encode/decode): a
 * self-describing binary encoding of an SQL value (kind tags, little-endian scalars,
 * lengths) that state stores and changelogs keep an accumulator in. It knows values,
 * not functions, so it lives apart from the registry. */
#include <string.h>

#include "udf/registry.h"

typedef struct {
  uint8_t *p;
  size_t n, cap;
} wbuf_t;

static void wput(wbuf_t *w, const void *src, size_t n) {
  if (w->n + n <= w->cap) memcpy(w->p + w->n, src, n);
  w->n += n;
}
static void wu32(wbuf_t *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  wput(w, b, 4);
}
static void wu64(wbuf_t *w, uint64_t v) {
  wu32(w, (uint32_t)v);
  wu32(w, (uint32_t)(v >> 32));
}

static void encode(wbuf_t *w, const wy_value_t *v) {
  uint8_t tag = (uint8_t)(v->kind | (v->null ? 0x80 : 0));
  wput(w, &tag, 1);
  if (v->null) return;
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_BOOLEAN: {
      uint8_t b = v->u.b;
      wput(w, &b, 1);
      break;
    }
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      wu32(w, (uint32_t)v->u.i32);
      break;
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      wu64(w, (uint64_t)v->u.i64);
      break;
    case WY_T_DOUBLE: {
      uint64_t bits;
      memcpy(&bits, &v->u.f64, 8);
      wu64(w, bits);
      break;
    }
    case WY_T_DECIMAL: {
      uint8_t ps[2] = {v->precision, v->scale};
      wput(w, ps, 2);
      unsigned __int128 u = (unsigned __int128)v->u.dec;
      wu64(w, (uint64_t)u);
      wu64(w, (uint64_t)(u >> 64));
      break;
    }
    case WY_T_STRING:
    case WY_T_BYTES:
      wu32(w, v->len);
      wput(w, v->u.str, v->len);
      break;
    case WY_T_ARRAY:
    case WY_T_STRUCT:
      wu32(w, v->u.list->n);
      for (uint32_t i = 0; i < v->u.list->n; i++) encode(w, &v->u.list->items[i]);
      break;
    case WY_T_MAP:
      wu32(w, v->u.map->n);
      for (uint32_t i = 0; i < v->u.map->n; i++) {
        encode(w, &v->u.map->keys[i]);
        encode(w, &v->u.map->vals[i]);
      }
      break;
    default:
      break;
  }
}

size_t wy_udf_state_encode(const wy_value_t *v, uint8_t *buf, size_t cap) {
  wbuf_t w = {buf, 0, cap};
  encode(&w, v);
  return w.n;
}

typedef struct {
  const uint8_t *p;
  size_t n, off;
  wy_arena_t *a;
  int depth;
} rbuf_t;

static bool rget(rbuf_t *r, void *dst, size_t n) {
  if (r->n - r->off < n) return false;
  memcpy(dst, r->p + r->off, n);
  r->off += n;
  return true;
}
static bool ru32(rbuf_t *r, uint32_t *v) {
  uint8_t b[4];
  if (!rget(r, b, 4)) return false;
  *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return true;
}
static bool ru64(rbuf_t *r, uint64_t *v) {
  uint32_t lo, hi;
  if (!ru32(r, &lo) || !ru32(r, &hi)) return false;
  *v = (uint64_t)hi << 32 | lo;
  return true;
}

static bool decode(rbuf_t *r, wy_value_t *v) {
  uint8_t tag;
  if (++r->depth > 64 || !rget(r, &tag, 1)) return false;
  memset(v, 0, sizeof *v);
  v->kind = tag & 0x7f;
  bool ok = v->kind < WY_T__COUNT;
  if (tag & 0x80)
    v->null = 1;
  else if (ok)
    switch ((wy_type_kind_t)v->kind) {
      case WY_T_BOOLEAN: {
        uint8_t b = 0;
        ok = rget(r, &b, 1);
        v->u.b = b != 0;
        break;
      }
      case WY_T_INT:
      case WY_T_DATE:
      case WY_T_TIME: {
        uint32_t x = 0;
        ok = ru32(r, &x);
        v->u.i32 = (int32_t)x;
        break;
      }
      case WY_T_BIGINT:
      case WY_T_TIMESTAMP:
      case WY_T_DOUBLE: {
        uint64_t x = 0;
        ok = ru64(r, &x);
        if (v->kind == WY_T_DOUBLE)
          memcpy(&v->u.f64, &x, 8);
        else
          v->u.i64 = (int64_t)x;
        break;
      }
      case WY_T_DECIMAL: {
        uint8_t ps[2] = {0, 0};
        uint64_t lo = 0, hi = 0;
        ok = rget(r, ps, 2) && ru64(r, &lo) && ru64(r, &hi);
        v->precision = ps[0];
        v->scale = ps[1];
        v->u.dec = (wy_int128_t)((unsigned __int128)hi << 64 | lo);
        break;
      }
      case WY_T_STRING:
      case WY_T_BYTES: {
        uint32_t n;
        ok = ru32(r, &n) && r->n - r->off >= n;
        if (ok) {
          char *s = wy_arena_strndup(r->a, (const char *)r->p + r->off, n);
          ok = s != NULL;
          v->u.str = s;
          v->len = n;
          r->off += n;
        }
        break;
      }
      case WY_T_ARRAY:
      case WY_T_STRUCT:
      case WY_T_MAP: {
        uint32_t n;
        ok = ru32(r, &n) && n <= r->n - r->off; /* every item takes at least one byte */
        if (!ok) break;
        if (v->kind == WY_T_MAP) {
          wy_map_t *m = wy_map_new(r->a, n);
          ok = m != NULL;
          for (uint32_t i = 0; ok && i < n; i++)
            ok = decode(r, &m->keys[i]) && decode(r, &m->vals[i]);
          v->u.map = m;
        } else {
          wy_list_t *l = wy_list_new(r->a, n);
          ok = l != NULL;
          for (uint32_t i = 0; ok && i < n; i++) ok = decode(r, &l->items[i]);
          v->u.list = l;
        }
        break;
      }
      default:
        ok = false;
    }
  r->depth--;
  return ok;
}

wy_status_t wy_udf_state_decode(const uint8_t *p, size_t n, wy_arena_t *a, wy_value_t *out,
                                wy_error_t *err) {
  rbuf_t r = {p, n, 0, a, 0};
  if (!decode(&r, out) || r.off != n)
    return wy_error_set(err, WY_ERR_DECODE, "corrupt aggregate state (%zu bytes)", n);
  return WY_OK;
}
