/* protobuf_read.c — the PROTOBUF decoder: record bytes through a compiled plan into a
 * row (see protobuf.c for plans and protobuf_codec_int.h for the interface). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/decimal.h"
#include "engine/formats/protobuf_codec_int.h"
#include "udf/convert.h"

static bool dfail(dctx_t *d, const char *fmt, const char *arg) {
  wy_error_set(d->err, WY_ERR_DECODE, fmt, arg);
  return false;
}

bool wy_pb_read_varint(dctx_t *d, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (d->p >= d->end) return dfail(d, "protobuf data ends inside a varint%s", "");
    uint8_t b = *d->p++;
    if (shift == 63 && b > 1) return dfail(d, "protobuf varint is too long%s", "");
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return dfail(d, "protobuf varint is too long%s", "");
}

static bool read_fixed(dctx_t *d, int n, uint64_t *out) {
  if (d->end - d->p < n) return dfail(d, "protobuf data ends inside a fixed-size value%s", "");
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | d->p[i];
  d->p += n;
  *out = v;
  return true;
}

static bool read_len(dctx_t *d, const uint8_t **s, size_t *n) {
  uint64_t len;
  if (!wy_pb_read_varint(d, &len)) return false;
  if (len > (uint64_t)(d->end - d->p))
    return dfail(d, "protobuf length-delimited field runs past the end of its message%s", "");
  *s = d->p;
  *n = (size_t)len;
  d->p += len;
  return true;
}

static bool skip_field(dctx_t *d, int wire) {
  uint64_t v;
  const uint8_t *s;
  size_t n;
  switch (wire) {
    case WY_PB_WIRE_VARINT:
      return wy_pb_read_varint(d, &v);
    case WY_PB_WIRE_I64:
      return read_fixed(d, 8, &v);
    case WY_PB_WIRE_I32:
      return read_fixed(d, 4, &v);
    case WY_PB_WIRE_LEN:
      return read_len(d, &s, &n);
    default:
      return dfail(d, "unsupported protobuf wire type (groups are not supported)%s", "");
  }
}

static const char *kind_wire_name(int wire) {
  static const char *names[] = {"varint",      "64-bit",    "length-delimited",
                                "group start", "group end", "32-bit"};
  return wire >= 0 && wire < 6 ? names[wire] : "unknown";
}

/* A scalar read off the wire: an integer (sign-extended as its kind says), a double, or
 * bytes. */
typedef struct {
  int64_t i;
  double f;
  const uint8_t *s;
  size_t n;
} raw_t;

static bool read_scalar(dctx_t *d, wy_pb_kind_t k, raw_t *r) {
  uint64_t v;
  switch (k) {
    case WY_PB_INT32:
      if (!wy_pb_read_varint(d, &v)) return false;
      r->i = (int32_t)(uint32_t)v;
      return true;
    case WY_PB_UINT32:
      if (!wy_pb_read_varint(d, &v)) return false;
      r->i = (uint32_t)v;
      return true;
    case WY_PB_SINT32:
      if (!wy_pb_read_varint(d, &v)) return false;
      r->i = (int32_t)((uint32_t)(v >> 1) ^ -(uint32_t)(v & 1));
      return true;
    case WY_PB_INT64:
    case WY_PB_UINT64:
    case WY_PB_BOOL:
    case WY_PB_ENUM:
      if (!wy_pb_read_varint(d, &v)) return false;
      r->i = k == WY_PB_ENUM ? (int32_t)(uint32_t)v : k == WY_PB_BOOL ? (v != 0) : (int64_t)v;
      return true;
    case WY_PB_SINT64:
      if (!wy_pb_read_varint(d, &v)) return false;
      r->i = (int64_t)((v >> 1) ^ -(v & 1));
      return true;
    case WY_PB_FIXED32:
      if (!read_fixed(d, 4, &v)) return false;
      r->i = (uint32_t)v;
      return true;
    case WY_PB_SFIXED32:
      if (!read_fixed(d, 4, &v)) return false;
      r->i = (int32_t)(uint32_t)v;
      return true;
    case WY_PB_FIXED64:
    case WY_PB_SFIXED64:
      if (!read_fixed(d, 8, &v)) return false;
      r->i = (int64_t)v;
      return true;
    case WY_PB_FLOAT: {
      if (!read_fixed(d, 4, &v)) return false;
      uint32_t b = (uint32_t)v;
      float x;
      memcpy(&x, &b, sizeof x);
      r->f = x;
      return true;
    }
    case WY_PB_DOUBLE:
      if (!read_fixed(d, 8, &v)) return false;
      memcpy(&r->f, &v, sizeof r->f);
      return true;
    case WY_PB_STRING:
    case WY_PB_BYTES:
      return read_len(d, &r->s, &r->n);
    default:
      return dfail(d, "cannot read protobuf kind %s", wy_pb_kind_name(k));
  }
}

static bool is_float_kind(wy_pb_kind_t k) { return k == WY_PB_FLOAT || k == WY_PB_DOUBLE; }

/* A scalar as a value of type t (checked by wy_pb_readable() when the plan was built). */
static bool scalar_value(dctx_t *d, const pfield_t *f, const wy_type_t *t, const raw_t *r,
                         wy_value_t *out) {
  wy_pb_kind_t k = f->kind;
  switch (t->kind) {
    case WY_T_INT:
      *out = wy_int((int32_t)r->i);
      return true;
    case WY_T_BIGINT:
      *out = wy_bigint(r->i);
      return true;
    case WY_T_TIMESTAMP:
      *out = wy_timestamp(r->i);
      return true;
    case WY_T_DATE:
      *out = wy_date((int32_t)r->i);
      return true;
    case WY_T_TIME:
      *out = wy_time((int32_t)r->i);
      return true;
    case WY_T_DOUBLE:
      *out = wy_double(is_float_kind(k) ? r->f : (double)r->i);
      return true;
    case WY_T_BOOLEAN:
      *out = wy_bool(r->i != 0);
      return true;
    case WY_T_DECIMAL: {
      wy_int128_t u = (wy_int128_t)r->i * wy_decimal_pow10(t->scale);
      if (!wy_decimal_fits(u, t->precision))
        return dfail(d, "protobuf integer does not fit DECIMAL%s", "");
      *out = wy_decimal(u, t->precision, t->scale);
      return true;
    }
    case WY_T_BYTES:
      *out = wy_bytes(r->s, r->n);
      return true;
    case WY_T_STRING:
      if (k == WY_PB_STRING || k == WY_PB_BYTES) {
        *out = wy_string((const char *)r->s, r->n);
        return true;
      }
      if (k == WY_PB_ENUM) {
        for (size_t i = 0; f->en && i < f->en->nvalues; i++)
          if (f->en->values[i].number == r->i) {
            *out = wy_string(f->en->values[i].name, strlen(f->en->values[i].name));
            return true;
          }
        *out = wy_null(WY_T_STRING); /* a number the writer's enum does not name */
        return true;
      }
      {
        char *buf = wy_arena_alloc(d->arena, 32);
        if (!buf) return dfail(d, "out of memory%s", "");
        int n = k == WY_PB_BOOL    ? snprintf(buf, 32, "%s", r->i ? "true" : "false")
                : is_float_kind(k) ? snprintf(buf, 32, "%.17g", r->f)
                : (k == WY_PB_UINT64 || k == WY_PB_FIXED64)
                    ? snprintf(buf, 32, "%llu", (unsigned long long)(uint64_t)r->i)
                    : snprintf(buf, 32, "%lld", (long long)r->i);
        *out = wy_string(buf, (size_t)n);
        return true;
      }
    default:
      return dfail(d, "cannot read a protobuf scalar as %s", wy_type_kind_name(t->kind));
  }
}

bool wy_pb_decode_msg(dctx_t *d, const pmsg_t *p, const uint8_t *s, size_t n, wy_value_t *slots);

/* The integer fields 1..4 of a small well-known message (Timestamp, Date, TimeOfDay),
 * and its field 1 as bytes (Decimal). */
static bool read_small(dctx_t *d, const uint8_t *s, size_t n, int64_t v[5], const uint8_t **b,
                       size_t *bn) {
  dctx_t sub = {s, s + n, d->arena, d->err, d->depth + 1};
  memset(v, 0, 5 * sizeof *v);
  while (sub.p < sub.end) {
    uint64_t tag, x;
    if (!wy_pb_read_varint(&sub, &tag)) return false;
    int wire = (int)(tag & 7);
    uint64_t num = tag >> 3;
    if (num == 1 && wire == WY_PB_WIRE_LEN && b) {
      if (!read_len(&sub, b, bn)) return false;
    } else if (num >= 1 && num <= 4 && wire == WY_PB_WIRE_VARINT) {
      if (!wy_pb_read_varint(&sub, &x)) return false;
      v[num] = (int64_t)x;
    } else if (!skip_field(&sub, wire)) {
      return false;
    }
  }
  return true;
}

/* A value of a MESSAGE field that is not read as a STRUCT: a well-known type. */
static bool wkt_value(dctx_t *d, const pfield_t *f, const wy_type_t *t, const uint8_t *s, size_t n,
                      wy_value_t *out) {
  int64_t v[5];
  const uint8_t *b = NULL;
  size_t bn = 0;
  switch ((wy_pb_wkt_t)f->wkt) {
    case WY_PB_WKT_TIMESTAMP:
      if (!read_small(d, s, n, v, NULL, NULL)) return false;
      /* wrapping arithmetic: any bytes are safe, every millisecond value round-trips */
      *out = wy_timestamp(
          (int64_t)((uint64_t)v[1] * 1000u + (uint64_t)(int64_t)((int32_t)v[2] / 1000000)));
      return true;
    case WY_PB_WKT_DATE:
      if (!read_small(d, s, n, v, NULL, NULL)) return false;
      *out = wy_date((int32_t)wy_days_from_civil((int32_t)v[1], (unsigned)(int32_t)v[2],
                                                 (unsigned)(int32_t)v[3]));
      return true;
    case WY_PB_WKT_TIME_OF_DAY:
      if (!read_small(d, s, n, v, NULL, NULL)) return false;
      *out = wy_time((int32_t)((
          (((uint64_t)(int64_t)(int32_t)v[1] * 60u + (uint64_t)(int64_t)(int32_t)v[2]) * 60u +
           (uint64_t)(int64_t)(int32_t)v[3]) *
              1000u +
          (uint64_t)(int64_t)((int32_t)v[4] / 1000000))));
      return true;
    case WY_PB_WKT_DECIMAL: {
      if (!read_small(d, s, n, v, &b, &bn)) return false;
      if (bn > 16) return dfail(d, "protobuf Decimal has more than 16 bytes%s", "");
      unsigned __int128 bits = bn && (b[0] & 0x80) ? ~(unsigned __int128)0 : 0; /* sign */
      for (size_t i = 0; i < bn; i++) bits = bits << 8 | b[i];
      wy_int128_t u = (wy_int128_t)bits;
      int32_t scale = (int32_t)v[3];
      if (scale < 0 || scale > 38 || !wy_decimal_rescale(u, scale, t->scale, &u) ||
          !wy_decimal_fits(u, t->precision)) {
        char what[24];
        snprintf(what, sizeof what, "(%d, %d)", t->precision, t->scale);
        return dfail(d, "protobuf Decimal does not fit DECIMAL%s", what);
      }
      *out = wy_decimal(u, t->precision, t->scale);
      return true;
    }
    default: { /* a wrapper read as its primitive */
      static const uint8_t kind_of[] = {
          [WY_PB_WKT_DOUBLE_VALUE] = WY_PB_DOUBLE, [WY_PB_WKT_FLOAT_VALUE] = WY_PB_FLOAT,
          [WY_PB_WKT_INT64_VALUE] = WY_PB_INT64,   [WY_PB_WKT_UINT64_VALUE] = WY_PB_UINT64,
          [WY_PB_WKT_INT32_VALUE] = WY_PB_INT32,   [WY_PB_WKT_UINT32_VALUE] = WY_PB_UINT32,
          [WY_PB_WKT_BOOL_VALUE] = WY_PB_BOOL,     [WY_PB_WKT_STRING_VALUE] = WY_PB_STRING,
          [WY_PB_WKT_BYTES_VALUE] = WY_PB_BYTES};
      if (f->wkt >= sizeof kind_of || !kind_of[f->wkt])
        return dfail(d, "cannot read this protobuf message as %s", wy_type_kind_name(t->kind));
      pfield_t inner = *f;
      inner.kind = kind_of[f->wkt];
      if (wy_pb_readable(inner.kind, WY_PB_WKT_NONE, t))
        return dfail(d, "cannot read a protobuf wrapper as %s", wy_type_kind_name(t->kind));
      raw_t r = {0, 0, (const uint8_t *)"", 0};
      dctx_t sub = {s, s + n, d->arena, d->err, d->depth + 1};
      while (sub.p < sub.end) {
        uint64_t tag;
        if (!wy_pb_read_varint(&sub, &tag)) return false;
        if ((tag >> 3) == 1 && (int)(tag & 7) == (int)wy_pb_kind_wire_type(inner.kind)) {
          if (!read_scalar(&sub, inner.kind, &r)) return false;
        } else if (!skip_field(&sub, (int)(tag & 7))) {
          return false;
        }
      }
      return scalar_value(d, &inner, t, &r, out);
    }
  }
}

/* One value of field f (an element for repeated fields) from the wire. */
static bool field_value(dctx_t *d, const pfield_t *f, const wy_type_t *t, wy_value_t *out) {
  if (f->kind != WY_PB_MESSAGE) {
    raw_t r = {0};
    return read_scalar(d, f->kind, &r) && scalar_value(d, f, t, &r, out);
  }
  const uint8_t *s;
  size_t n;
  if (!read_len(d, &s, &n)) return false;
  if (!f->as_message) return wkt_value(d, f, t, s, n, out);
  const pmsg_t *m = f->msg;
  wy_list_t *l = wy_arena_alloc(d->arena, sizeof *l);
  wy_value_t *items = wy_arena_alloc(d->arena, (m->nslots + 1) * sizeof *items);
  if (!l || !items) return dfail(d, "out of memory%s", "");
  l->n = (uint32_t)m->nslots;
  l->items = items;
  if (!wy_pb_decode_msg(d, m, s, n, items)) return false;
  *out = wy_struct(l);
  return true;
}

static const pfield_t *find_field(const pmsg_t *p, uint64_t num) {
  if (num <= (uint64_t)p->dense_max) {
    int16_t i = p->dense[num];
    return i ? &p->fields[i - 1] : NULL;
  }
  size_t lo = 0, hi = p->nfields;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if ((uint64_t)p->fields[mid].number < num)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < p->nfields && (uint64_t)p->fields[lo].number == num ? &p->fields[lo] : NULL;
}

/* Elements a repeated field's occurrence holds (packed: several). */
static size_t count_packed(const pfield_t *f, const uint8_t *s, size_t n) {
  switch (wy_pb_kind_wire_type(f->kind)) {
    case WY_PB_WIRE_I32:
      return n / 4;
    case WY_PB_WIRE_I64:
      return n / 8;
    default: {
      size_t c = 0;
      for (size_t i = 0; i < n; i++) c += !(s[i] & 0x80);
      return c;
    }
  }
}

static bool wire_ok(const pfield_t *f, int wire) {
  int want = f->shape == SH_MAP ? WY_PB_WIRE_LEN : (int)wy_pb_kind_wire_type(f->kind);
  return wire == want ||
         (f->shape == SH_REPEATED && wire == WY_PB_WIRE_LEN && is_scalar_kind(f->kind));
}

static bool wrong_wire(dctx_t *d, const pfield_t *f, int wire) {
  char msg[160];
  snprintf(
      msg, sizeof msg, "protobuf field %d has wire type %s where %s was expected", (int)f->number,
      kind_wire_name(wire),
      kind_wire_name(f->shape == SH_MAP ? WY_PB_WIRE_LEN : (int)wy_pb_kind_wire_type(f->kind)));
  return dfail(d, "%s", msg);
}

/* Decode one map entry into m's key and value. */
static bool map_entry(dctx_t *d, const pfield_t *f, wy_value_t *key, wy_value_t *val) {
  const uint8_t *s;
  size_t n;
  if (!read_len(d, &s, &n)) return false;
  wy_value_t kv[2];
  if (!wy_pb_decode_msg(d, f->msg, s, n, kv)) return false;
  *key = kv[0];
  *val = kv[1];
  return true;
}

bool wy_pb_decode_msg(dctx_t *d, const pmsg_t *p, const uint8_t *s, size_t n, wy_value_t *slots) {
  if (++d->depth > MAX_DEPTH) return dfail(d, "protobuf data nested too deeply%s", "");
  memcpy(slots, p->defaults, p->nslots * sizeof *slots);
  uint32_t *counts = NULL;
  wy_list_t **lists = NULL;
  wy_map_t **maps = NULL;
  if (p->has_repeated) {
    /* pass 1: count each repeated field's elements so that its list is sized once */
    counts = wy_arena_calloc(d->arena, p->nfields * 2 + 1, sizeof *counts);
    lists = wy_arena_calloc(d->arena, p->nfields + 1, sizeof *lists);
    maps = wy_arena_calloc(d->arena, p->nfields + 1, sizeof *maps);
    if (!counts || !lists || !maps) return dfail(d, "out of memory%s", "");
    dctx_t c = {s, s + n, d->arena, d->err, d->depth};
    while (c.p < c.end) {
      uint64_t tag;
      if (!wy_pb_read_varint(&c, &tag)) return false;
      int wire = (int)(tag & 7);
      const pfield_t *f = find_field(p, tag >> 3);
      const uint8_t *at = c.p;
      if (!skip_field(&c, wire)) return false;
      if (!f || f->target < 0 || f->shape == SH_SINGLE || f->bad) continue;
      if (!wire_ok(f, wire)) return wrong_wire(d, f, wire);
      size_t fi = (size_t)(f - p->fields);
      if (f->shape == SH_REPEATED && wire == WY_PB_WIRE_LEN && is_scalar_kind(f->kind)) {
        dctx_t l = {at, c.end, d->arena, d->err, d->depth};
        const uint8_t *ps;
        size_t pn;
        if (!read_len(&l, &ps, &pn)) return false;
        counts[fi] += (uint32_t)count_packed(f, ps, pn);
      } else {
        counts[fi]++;
      }
    }
    for (size_t i = 0; i < p->nfields; i++) {
      const pfield_t *f = &p->fields[i];
      if (f->target < 0 || f->shape == SH_SINGLE || f->bad) continue;
      if (f->shape == SH_MAP) {
        wy_map_t *m = wy_arena_alloc(d->arena, sizeof *m);
        wy_value_t *kv = wy_arena_alloc(d->arena, (counts[i] * 2 + 1) * sizeof *kv);
        if (!m || !kv) return dfail(d, "out of memory%s", "");
        m->n = 0;
        m->keys = kv;
        m->vals = kv + counts[i];
        maps[i] = m;
        slots[f->target] = wy_mapv(m);
      } else {
        wy_list_t *l = wy_arena_alloc(d->arena, sizeof *l);
        wy_value_t *items = wy_arena_alloc(d->arena, (counts[i] + 1) * sizeof *items);
        if (!l || !items) return dfail(d, "out of memory%s", "");
        l->n = 0;
        l->items = items;
        lists[i] = l;
        slots[f->target] = wy_array(l);
      }
    }
  }
  const uint8_t *save_p = d->p, *save_end = d->end;
  d->p = s;
  d->end = s + n;
  bool ok = true;
  while (ok && d->p < d->end) {
    uint64_t tag;
    if (!(ok = wy_pb_read_varint(d, &tag))) break;
    int wire = (int)(tag & 7);
    uint64_t num = tag >> 3;
    if (num == 0) {
      ok = dfail(d, "protobuf field number 0 is invalid%s", "");
      break;
    }
    const pfield_t *f = find_field(p, num);
    if (!f || f->target < 0) {
      ok = skip_field(d, wire);
      continue;
    }
    if (!wire_ok(f, wire)) {
      ok = wrong_wire(d, f, wire);
      break;
    }
    if (f->bad) {
      char msg[200];
      snprintf(msg, sizeof msg, "cannot read protobuf field %d (%s) as %s: %s", (int)f->number,
               f->kind == WY_PB_MESSAGE ? "message" : wy_pb_kind_name(f->kind),
               wy_type_kind_name(f->t->kind), f->bad);
      ok = dfail(d, "%s", msg);
      break;
    }
    size_t fi = (size_t)(f - p->fields);
    switch (f->shape) {
      case SH_SINGLE:
        if (f->member >= 0) {
          wy_value_t *cur = &slots[f->target];
          wy_list_t *l = wy_arena_alloc(d->arena, sizeof *l);
          wy_value_t *items = wy_arena_alloc(d->arena, ((size_t)f->nmembers + 1) * sizeof *items);
          if (!l || !items) {
            ok = dfail(d, "out of memory%s", "");
            break;
          }
          const wy_type_t *ot = p->slot_types[f->target];
          for (int i = 0; i < f->nmembers; i++) items[i] = wy_null(ot->fields[i].type->kind);
          l->n = (uint32_t)f->nmembers;
          l->items = items;
          ok = field_value(d, f, f->t, &items[f->member]);
          *cur = wy_struct(l);
        } else {
          ok = field_value(d, f, f->t, &slots[f->target]);
        }
        break;
      case SH_REPEATED: {
        wy_list_t *l = lists[fi];
        if (wire == WY_PB_WIRE_LEN && is_scalar_kind(f->kind)) {
          const uint8_t *ps;
          size_t pn;
          if (!(ok = read_len(d, &ps, &pn))) break;
          dctx_t sub = {ps, ps + pn, d->arena, d->err, d->depth};
          while (ok && sub.p < sub.end && l->n < counts[fi])
            ok = field_value(&sub, f, f->t->elem, &l->items[l->n++]);
          if (ok && sub.p != sub.end) ok = dfail(d, "bad packed protobuf field%s", "");
        } else if (l->n < counts[fi]) {
          ok = field_value(d, f, f->t->elem, &l->items[l->n++]);
        } else {
          ok = dfail(d, "protobuf repeated field changed between passes%s", "");
        }
        break;
      }
      case SH_MAP: {
        wy_map_t *m = maps[fi];
        wy_value_t k, v;
        if (!(ok = map_entry(d, f, &k, &v))) break;
        /* a later entry with an equal key replaces the earlier one */
        uint32_t at = m->n;
        for (uint32_t i = 0; i < m->n; i++)
          if (!k.null && !m->keys[i].null && m->keys[i].kind == WY_T_STRING &&
              k.kind == WY_T_STRING && m->keys[i].len == k.len &&
              memcmp(m->keys[i].u.str, k.u.str, k.len) == 0) {
            at = i;
            break;
          }
        m->keys[at] = k;
        m->vals[at] = v;
        if (at == m->n) m->n++;
        break;
      }
    }
  }
  d->p = save_p;
  d->end = save_end;
  d->depth--;
  return ok;
}
