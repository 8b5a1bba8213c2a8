#include "engine/base/value.h"

#include <math.h>
#include <string.h>

wy_list_t *wy_list_new(wy_arena_t *a, uint32_t n) {
  wy_list_t *l = wy_arena_alloc(a, sizeof *l);
  if (!l) return NULL;
  l->n = n;
  l->items = n ? wy_arena_calloc(a, n, sizeof *l->items) : NULL;
  if (n && !l->items) return NULL;
  return l;
}

wy_map_t *wy_map_new(wy_arena_t *a, uint32_t n) {
  wy_map_t *m = wy_arena_alloc(a, sizeof *m);
  if (!m) return NULL;
  m->n = n;
  m->keys = n ? wy_arena_calloc(a, n, sizeof *m->keys) : NULL;
  m->vals = n ? wy_arena_calloc(a, n, sizeof *m->vals) : NULL;
  if (n && (!m->keys || !m->vals)) return NULL;
  return m;
}

/* Bring two decimals to a common scale for comparison. Saturates on overflow, which
 * only matters for values beyond 38 digits that no valid DECIMAL holds. */
static int dec_cmp(const wy_value_t *a, const wy_value_t *b) {
  wy_int128_t x = a->u.dec, y = b->u.dec;
  int sa = a->scale, sb = b->scale;
  while (sa < sb) {
    x *= 10;
    sa++;
  }
  while (sb < sa) {
    y *= 10;
    sb++;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

static int bytes_cmp(const wy_value_t *a, const wy_value_t *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(a->u.str, b->u.str, n) : 0;
  if (c) return c < 0 ? -1 : 1;
  return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

int wy_value_compare(const wy_value_t *a, const wy_value_t *b) {
  if (a->null || b->null) return a->null && b->null ? 0 : a->null ? -1 : 1;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  switch ((wy_type_kind_t)a->kind) {
    case WY_T_BOOLEAN:
      return (int)a->u.b - (int)b->u.b;
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      return a->u.i32 < b->u.i32 ? -1 : a->u.i32 > b->u.i32;
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      return a->u.i64 < b->u.i64 ? -1 : a->u.i64 > b->u.i64;
    case WY_T_DOUBLE:
      if (isnan(a->u.f64) || isnan(b->u.f64)) return isnan(a->u.f64) - isnan(b->u.f64);
      return a->u.f64 < b->u.f64 ? -1 : a->u.f64 > b->u.f64;
    case WY_T_DECIMAL:
      return dec_cmp(a, b);
    case WY_T_STRING:
    case WY_T_BYTES:
      return bytes_cmp(a, b);
    case WY_T_ARRAY:
    case WY_T_STRUCT: {
      const wy_list_t *x = a->u.list, *y = b->u.list;
      uint32_t n = x->n < y->n ? x->n : y->n;
      for (uint32_t i = 0; i < n; i++) {
        int c = wy_value_compare(&x->items[i], &y->items[i]);
        if (c) return c;
      }
      return x->n < y->n ? -1 : x->n > y->n;
    }
    case WY_T_MAP: {
      const wy_map_t *x = a->u.map, *y = b->u.map;
      uint32_t n = x->n < y->n ? x->n : y->n;
      for (uint32_t i = 0; i < n; i++) {
        int c = wy_value_compare(&x->keys[i], &y->keys[i]);
        if (!c) c = wy_value_compare(&x->vals[i], &y->vals[i]);
        if (c) return c;
      }
      return x->n < y->n ? -1 : x->n > y->n;
    }
    default:
      return 0;
  }
}

bool wy_value_equal(const wy_value_t *a, const wy_value_t *b) {
  if (a->null || b->null) return a->null && b->null;
  if (a->kind != b->kind) return false;
  if (a->kind == WY_T_MAP) {
    /* Maps are equal regardless of entry order. */
    const wy_map_t *x = a->u.map, *y = b->u.map;
    if (x->n != y->n) return false;
    for (uint32_t i = 0; i < x->n; i++) {
      bool found = false;
      for (uint32_t j = 0; j < y->n && !found; j++)
        found =
            wy_value_equal(&x->keys[i], &y->keys[j]) && wy_value_equal(&x->vals[i], &y->vals[j]);
      if (!found) return false;
    }
    return true;
  }
  return wy_value_compare(a, b) == 0;
}

static uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

static uint64_t hash_bytes(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
  return h;
}

uint64_t wy_value_hash(const wy_value_t *v) {
  if (v->null) return 0x9e3779b97f4a7c15ULL;
  uint64_t h = (uint64_t)v->kind * 0x100000001b3ULL;
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_BOOLEAN:
      return mix64(h ^ v->u.b);
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      return mix64(h ^ (uint64_t)(int64_t)v->u.i32);
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      return mix64(h ^ (uint64_t)v->u.i64);
    case WY_T_DOUBLE: {
      double d = v->u.f64 == 0.0 ? 0.0 : v->u.f64; /* -0.0 == 0.0 */
      uint64_t bits;
      memcpy(&bits, &d, sizeof bits);
      return mix64(h ^ bits);
    }
    case WY_T_DECIMAL: {
      /* Normalise away trailing zeros so equal values of different scale hash alike. */
      wy_int128_t x = v->u.dec;
      int s = v->scale;
      while (s > 0 && x % 10 == 0) {
        x /= 10;
        s--;
      }
      return mix64(h ^ (uint64_t)x ^ mix64((uint64_t)(x >> 64)) ^ (uint64_t)s);
    }
    case WY_T_STRING:
    case WY_T_BYTES:
      return mix64(h ^ hash_bytes(v->u.str, v->len));
    case WY_T_ARRAY:
    case WY_T_STRUCT:
      for (uint32_t i = 0; i < v->u.list->n; i++)
        h = mix64(h + wy_value_hash(&v->u.list->items[i]));
      return h;
    case WY_T_MAP: {
      uint64_t acc = 0; /* order-independent */
      for (uint32_t i = 0; i < v->u.map->n; i++)
        acc += mix64(wy_value_hash(&v->u.map->keys[i]) * 31 + wy_value_hash(&v->u.map->vals[i]));
      return mix64(h ^ acc);
    }
    default:
      return h;
  }
}

bool wy_value_deep_copy(wy_arena_t *a, const wy_value_t *v, wy_value_t *out) {
  *out = *v;
  if (v->null) return true;
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_STRING:
    case WY_T_BYTES: {
      char *p = wy_arena_strndup(a, v->u.str, v->len);
      if (!p) return false;
      out->u.str = p;
      return true;
    }
    case WY_T_ARRAY:
    case WY_T_STRUCT: {
      wy_list_t *l = wy_list_new(a, v->u.list->n);
      if (!l) return false;
      for (uint32_t i = 0; i < l->n; i++)
        if (!wy_value_deep_copy(a, &v->u.list->items[i], &l->items[i])) return false;
      out->u.list = l;
      return true;
    }
    case WY_T_MAP: {
      wy_map_t *m = wy_map_new(a, v->u.map->n);
      if (!m) return false;
      for (uint32_t i = 0; i < m->n; i++)
        if (!wy_value_deep_copy(a, &v->u.map->keys[i], &m->keys[i]) ||
            !wy_value_deep_copy(a, &v->u.map->vals[i], &m->vals[i]))
          return false;
      out->u.map = m;
      return true;
    }
    default:
      return true;
  }
}
