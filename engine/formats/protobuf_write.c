/* protobuf_write.c — the PROTOBUF encoder: a row through a compiled plan into proto3
 * bytes as protobuf-java writes them (see protobuf.c for plans). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/decimal.h"
#include "engine/formats/protobuf_codec_int.h"
#include "udf/convert.h"

static bool efail(ectx_t *e, const char *fmt, const char *a, const char *b) {
  wy_error_set(e->err, WY_ERR_ENCODE, fmt, a, b);
  return false;
}

bool wy_pb_put(ectx_t *e, const void *p, size_t n) {
  if (!wy_buf_append(e->out, p, n)) return e->oom = true, false;
  return true;
}

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, n++;
  return n;
}

size_t wy_pb_varint_to(uint8_t *b, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b[n++] = (uint8_t)v;
  return n;
}

static bool put_varint(ectx_t *e, uint64_t v) {
  uint8_t b[10];
  return wy_pb_put(e, b, wy_pb_varint_to(b, v));
}

static bool put_tag(ectx_t *e, int32_t number, int wire) {
  return put_varint(e, (uint64_t)(uint32_t)number << 3 | (uint64_t)wire);
}

static bool put_fixed(ectx_t *e, uint64_t v, int n) {
  uint8_t b[8];
  for (int i = 0; i < n; i++) b[i] = (uint8_t)(v >> (8 * i));
  return wy_pb_put(e, b, (size_t)n);
}

/* Start a length-delimited body: reserve one byte for its length. */
static bool begin_len(ectx_t *e, size_t *mark) {
  *mark = e->out->len;
  return wy_pb_put(e, "", 1);
}

/* Finish it: write the length, moving the body when it needs more than one byte. */
static bool end_len(ectx_t *e, size_t mark) {
  size_t body = e->out->len - mark - 1;
  size_t ln = varint_len(body);
  if (ln > 1) {
    if (!wy_buf_reserve(e->out, ln - 1)) return e->oom = true, false;
    memmove(e->out->data + mark + ln, e->out->data + mark + 1, body);
    e->out->len += ln - 1;
  }
  wy_pb_varint_to(e->out->data + mark, body);
  return true;
}

static int64_t value_int(const wy_value_t *v) {
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      return v->u.i32;
    case WY_T_BOOLEAN:
      return v->u.b;
    case WY_T_DOUBLE: /* Java's (long) cast: NaN is 0, out of range saturates */
      return isnan(v->u.f64)                      ? 0
             : v->u.f64 >= 9223372036854775807.0  ? INT64_MAX
             : v->u.f64 <= -9223372036854775808.0 ? INT64_MIN
                                                  : (int64_t)v->u.f64;
    case WY_T_DECIMAL:
      return (int64_t)(v->u.dec / wy_decimal_pow10(v->scale));
    default:
      return v->u.i64;
  }
}

static double value_double(const wy_value_t *v) {
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_DOUBLE:
      return v->u.f64;
    case WY_T_DECIMAL:
      return wy_decimal_to_double(v->u.dec, v->scale);
    default:
      return (double)value_int(v);
  }
}

/* Is v the proto3 default of kind k (left out of a plain field)? */
static bool is_number_value(const wy_value_t *v);

static bool is_default(wy_pb_kind_t k, const wy_value_t *v) {
  if (k != WY_PB_STRING && k != WY_PB_BYTES && !is_number_value(v)) return false;
  switch (k) {
    case WY_PB_FLOAT:
    case WY_PB_DOUBLE: {
      double x = value_double(v);
      return x == 0 && !signbit(x);
    }
    case WY_PB_STRING:
    case WY_PB_BYTES:
      return v->len == 0;
    case WY_PB_ENUM:
      return false; /* resolved when written */
    default:
      return value_int(v) == 0;
  }
}

bool wy_pb_encode_msg(ectx_t *e, const pmsg_t *p, const wy_value_t *slots, size_t nslots);

static bool is_number_value(const wy_value_t *v) {
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_STRING:
    case WY_T_BYTES:
    case WY_T_ARRAY:
    case WY_T_MAP:
    case WY_T_STRUCT:
      return false;
    default:
      return true;
  }
}

/* The payload of a scalar (no tag). */
static bool enc_scalar(ectx_t *e, const pfield_t *f, const wy_value_t *v) {
  if (f->kind != WY_PB_STRING && f->kind != WY_PB_BYTES && f->kind != WY_PB_ENUM &&
      !is_number_value(v))
    return efail(e, "cannot write %s as protobuf %s", wy_type_kind_name(v->kind),
                 wy_pb_kind_name(f->kind));
  switch ((wy_pb_kind_t)f->kind) {
    case WY_PB_INT32:
      return put_varint(e, (uint64_t)(int64_t)(int32_t)value_int(v));
    case WY_PB_INT64:
    case WY_PB_UINT64:
      return put_varint(e, (uint64_t)value_int(v));
    case WY_PB_UINT32:
      return put_varint(e, (uint32_t)value_int(v));
    case WY_PB_BOOL:
      return put_varint(e, value_int(v) != 0);
    case WY_PB_SINT32: {
      int32_t x = (int32_t)value_int(v);
      return put_varint(e, (uint32_t)((uint32_t)x << 1) ^ (uint32_t)(x >> 31));
    }
    case WY_PB_SINT64: {
      int64_t x = value_int(v);
      return put_varint(e, ((uint64_t)x << 1) ^ (uint64_t)(x >> 63));
    }
    case WY_PB_FIXED32:
    case WY_PB_SFIXED32:
      return put_fixed(e, (uint32_t)value_int(v), 4);
    case WY_PB_FIXED64:
    case WY_PB_SFIXED64:
      return put_fixed(e, (uint64_t)value_int(v), 8);
    case WY_PB_FLOAT: {
      float x = (float)value_double(v);
      uint32_t b;
      memcpy(&b, &x, 4);
      return put_fixed(e, b, 4);
    }
    case WY_PB_DOUBLE: {
      double x = value_double(v);
      uint64_t b;
      memcpy(&b, &x, 8);
      return put_fixed(e, b, 8);
    }
    case WY_PB_STRING:
    case WY_PB_BYTES:
      if (v->kind != WY_T_STRING && v->kind != WY_T_BYTES)
        return efail(e, "cannot write %s as protobuf %s", wy_type_kind_name(v->kind),
                     wy_pb_kind_name(f->kind));
      return put_varint(e, v->len) && wy_pb_put(e, v->u.str, v->len);
    case WY_PB_ENUM: {
      if (v->kind != WY_T_STRING) return put_varint(e, (uint64_t)(int64_t)(int32_t)value_int(v));
      for (size_t i = 0; f->en && i < f->en->nvalues; i++) {
        const char *nm = f->en->values[i].name;
        if (strlen(nm) == v->len && memcmp(nm, v->u.str, v->len) == 0)
          return put_varint(e, (uint64_t)(int64_t)f->en->values[i].number);
      }
      char sym[128];
      snprintf(sym, sizeof sym, "%.*s", (int)(v->len < 100 ? v->len : 100), v->u.str);
      return efail(e, "'%s' is not a symbol of protobuf enum %s", sym,
                   f->en ? f->en->full_name : "?");
    }
    default:
      return efail(e, "cannot write protobuf %s%s", wy_pb_kind_name(f->kind), "");
  }
}

static bool enc_small(ectx_t *e, const int64_t *v, int n) {
  for (int i = 1; i <= n; i++)
    if (v[i] && (!put_tag(e, i, WY_PB_WIRE_VARINT) || !put_varint(e, (uint64_t)v[i]))) return false;
  return true;
}

/* The body of a MESSAGE value (without tag and length). */
static bool enc_message_body(ectx_t *e, const pfield_t *f, const wy_value_t *v) {
  if (f->as_message) {
    if (v->kind != WY_T_STRUCT)
      return efail(e, "cannot write %s as a protobuf message%s", wy_type_kind_name(v->kind), "");
    return wy_pb_encode_msg(e, f->msg, v->u.list->items, v->u.list->n);
  }
  int64_t x[5] = {0};
  switch ((wy_pb_wkt_t)f->wkt) {
    case WY_PB_WKT_TIMESTAMP: {
      int64_t ms = value_int(v);
      int64_t sec = ms / 1000, rem = ms % 1000;
      if (rem < 0) rem += 1000, sec--;
      x[1] = sec;
      x[2] = rem * 1000000;
      return enc_small(e, x, 2);
    }
    case WY_PB_WKT_DATE: {
      int64_t y;
      unsigned m, dd;
      wy_civil_from_days(value_int(v), &y, &m, &dd);
      x[1] = y, x[2] = m, x[3] = dd;
      return enc_small(e, x, 3);
    }
    case WY_PB_WKT_TIME_OF_DAY: {
      int64_t ms = value_int(v);
      x[1] = ms / 3600000;
      x[2] = ms / 60000 % 60;
      x[3] = ms / 1000 % 60;
      x[4] = ms % 1000 * 1000000;
      return enc_small(e, x, 4);
    }
    case WY_PB_WKT_DECIMAL: {
      if (v->kind != WY_T_DECIMAL)
        return efail(e, "cannot write %s as a protobuf Decimal%s", wy_type_kind_name(v->kind), "");
      /* BigInteger.toByteArray(): minimal big-endian two's complement */
      uint8_t b[17];
      int n = 0;
      wy_int128_t u = v->u.dec;
      uint8_t tmp[16];
      for (int i = 0; i < 16; i++) tmp[15 - i] = (uint8_t)((unsigned __int128)u >> (8 * i));
      int start = 0;
      while (start < 15 && ((tmp[start] == 0 && !(tmp[start + 1] & 0x80)) ||
                            (tmp[start] == 0xff && (tmp[start + 1] & 0x80))))
        start++;
      for (int i = start; i < 16; i++) b[n++] = tmp[i];
      if (!put_tag(e, 1, WY_PB_WIRE_LEN) || !put_varint(e, (uint64_t)n) ||
          !wy_pb_put(e, b, (size_t)n))
        return false;
      x[2] = wy_decimal_digits(u);
      x[3] = v->scale;
      return enc_small(e, x, 3);
    }
    default: { /* a wrapper: value = 1, left out when it is the default */
      static const uint8_t kind_of[] = {
          [WY_PB_WKT_DOUBLE_VALUE] = WY_PB_DOUBLE, [WY_PB_WKT_FLOAT_VALUE] = WY_PB_FLOAT,
          [WY_PB_WKT_INT64_VALUE] = WY_PB_INT64,   [WY_PB_WKT_UINT64_VALUE] = WY_PB_UINT64,
          [WY_PB_WKT_INT32_VALUE] = WY_PB_INT32,   [WY_PB_WKT_UINT32_VALUE] = WY_PB_UINT32,
          [WY_PB_WKT_BOOL_VALUE] = WY_PB_BOOL,     [WY_PB_WKT_STRING_VALUE] = WY_PB_STRING,
          [WY_PB_WKT_BYTES_VALUE] = WY_PB_BYTES};
      if (f->wkt >= sizeof kind_of || !kind_of[f->wkt])
        return efail(e, "cannot write %s as this protobuf message%s", wy_type_kind_name(v->kind),
                     "");
      pfield_t inner = *f;
      inner.kind = kind_of[f->wkt];
      if (is_default(inner.kind, v)) return true;
      return put_tag(e, 1, (int)wy_pb_kind_wire_type(inner.kind)) && enc_scalar(e, &inner, v);
    }
  }
}

/* One element or value (tag included); a NULL element is written as the default. */
static bool enc_one(ectx_t *e, const pfield_t *f, const wy_value_t *v) {
  if (f->kind == WY_PB_MESSAGE) {
    size_t mark;
    if (!put_tag(e, f->number, WY_PB_WIRE_LEN) || !begin_len(e, &mark)) return false;
    if (!v->null && !enc_message_body(e, f, v)) return false;
    return end_len(e, mark);
  }
  if (v->null) {
    wy_value_t z = {0};
    z.kind = WY_T_BIGINT;
    z.u.str = "";
    return put_tag(e, f->number, (int)wy_pb_kind_wire_type(f->kind)) &&
           (f->kind == WY_PB_STRING || f->kind == WY_PB_BYTES ? put_varint(e, 0)
                                                              : enc_scalar(e, f, &z));
  }
  return put_tag(e, f->number, (int)wy_pb_kind_wire_type(f->kind)) && enc_scalar(e, f, v);
}

static bool enc_field(ectx_t *e, const pfield_t *f, const wy_value_t *v) {
  if (v->null) return true;
  switch (f->shape) {
    case SH_SINGLE:
      if (f->kind != WY_PB_MESSAGE && !f->presence && f->kind != WY_PB_ENUM &&
          is_default(f->kind, v))
        return true;
      if (f->kind == WY_PB_ENUM && !f->presence && v->kind == WY_T_STRING && f->en &&
          f->en->nvalues && strlen(f->en->values[0].name) == v->len &&
          memcmp(f->en->values[0].name, v->u.str, v->len) == 0 && f->en->values[0].number == 0)
        return true;
      return enc_one(e, f, v);
    case SH_REPEATED: {
      if (v->kind != WY_T_ARRAY)
        return efail(e, "cannot write %s as a repeated protobuf field%s",
                     wy_type_kind_name(v->kind), "");
      const wy_list_t *l = v->u.list;
      if (l->n == 0) return true;
      if (is_scalar_kind(f->kind)) { /* packed */
        size_t mark;
        if (!put_tag(e, f->number, WY_PB_WIRE_LEN) || !begin_len(e, &mark)) return false;
        wy_value_t z = {0};
        z.kind = WY_T_BIGINT;
        for (uint32_t i = 0; i < l->n; i++)
          if (!enc_scalar(e, f, l->items[i].null ? &z : &l->items[i])) return false;
        return end_len(e, mark);
      }
      for (uint32_t i = 0; i < l->n; i++)
        if (!enc_one(e, f, &l->items[i])) return false;
      return true;
    }
    case SH_MAP: {
      if (v->kind != WY_T_MAP)
        return efail(e, "cannot write %s as a protobuf map%s", wy_type_kind_name(v->kind), "");
      const wy_map_t *m = v->u.map;
      for (uint32_t i = 0; i < m->n; i++) {
        size_t mark;
        wy_value_t kv[2] = {m->keys[i], m->vals[i]};
        if (!put_tag(e, f->number, WY_PB_WIRE_LEN) || !begin_len(e, &mark) ||
            !wy_pb_encode_msg(e, f->msg, kv, 2) || !end_len(e, mark))
          return false;
      }
      return true;
    }
  }
  return true;
}

bool wy_pb_encode_msg(ectx_t *e, const pmsg_t *p, const wy_value_t *slots, size_t nslots) {
  if (++e->depth > MAX_DEPTH) return efail(e, "value nested too deeply%s%s", "", "");
  for (size_t i = 0; i < p->nfields; i++) {
    const pfield_t *f = &p->fields[i];
    if (f->target < 0 || (size_t)f->target >= nslots) continue;
    const wy_value_t *v = &slots[f->target];
    if (f->member >= 0) {
      if (v->null || v->kind != WY_T_STRUCT || (uint32_t)f->member >= v->u.list->n) continue;
      const wy_value_t *mv = &v->u.list->items[f->member];
      if (mv->null) continue;
      if (!enc_one(e, f, mv)) return false;
      continue;
    }
    if (!enc_field(e, f, v)) return false;
  }
  e->depth--;
  return true;
}
