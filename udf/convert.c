#include "udf/convert.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/base64.h"
#include "engine/base/decimal.h"
#include "engine/base/intmath.h"
#include "engine/base/numtext.h"

/* ---- calendar ------------------------------------------------------------------- */

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t wy_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void wy_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

size_t wy_format_date_iso(int32_t days, char *buf, size_t cap) {
  int64_t y;
  unsigned m, d;
  wy_civil_from_days(days, &y, &m, &d);
  return (size_t)snprintf(buf, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

size_t wy_format_time_iso(int32_t ms, char *buf, size_t cap) {
  int h = ms / 3600000, mi = ms / 60000 % 60, s = ms / 1000 % 60, f = ms % 1000;
  if (!f) return (size_t)snprintf(buf, cap, "%02d:%02d:%02d", h, mi, s);
  if (f % 100 == 0) return (size_t)snprintf(buf, cap, "%02d:%02d:%02d.%d", h, mi, s, f / 100);
  if (f % 10 == 0) return (size_t)snprintf(buf, cap, "%02d:%02d:%02d.%02d", h, mi, s, f / 10);
  return (size_t)snprintf(buf, cap, "%02d:%02d:%02d.%03d", h, mi, s, f);
}

size_t wy_format_timestamp_iso(int64_t ms, char *buf, size_t cap) {
  int64_t days = wy_floor_div(ms, 86400000);
  int64_t rem = wy_floor_mod(ms, 86400000);
  int64_t y;
  unsigned m, d;
  wy_civil_from_days(days, &y, &m, &d);
  return (size_t)snprintf(buf, cap, "%04lld-%02u-%02uT%02d:%02d:%02d.%03d", (long long)y, m, d,
                          (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
                          (int)(rem % 1000));
}

static bool take_int(const char **p, const char *end, int digits, int *out) {
  int v = 0;
  for (int i = 0; i < digits; i++) {
    if (*p >= end || !isdigit((unsigned char)**p)) return false;
    v = v * 10 + (**p - '0');
    (*p)++;
  }
  *out = v;
  return true;
}

static bool parse_date_part(const char **p, const char *end, int64_t *days) {
  int y, m, d;
  if (!take_int(p, end, 4, &y) || *p >= end || **p != '-') return false;
  (*p)++;
  if (!take_int(p, end, 2, &m) || *p >= end || **p != '-') return false;
  (*p)++;
  if (!take_int(p, end, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31) return false;
  *days = wy_days_from_civil(y, (unsigned)m, (unsigned)d);
  int64_t yy;
  unsigned mm, dd;
  wy_civil_from_days(*days, &yy, &mm, &dd);
  return mm == (unsigned)m; /* rejects 2021-02-30 */
}

static bool parse_time_part(const char **p, const char *end, int64_t *ms) {
  int h, mi, s = 0, frac = 0;
  if (!take_int(p, end, 2, &h) || *p >= end || **p != ':') return false;
  (*p)++;
  if (!take_int(p, end, 2, &mi)) return false;
  if (*p < end && **p == ':') {
    (*p)++;
    if (!take_int(p, end, 2, &s)) return false;
    if (*p < end && **p == '.') {
      (*p)++;
      int nd = 0;
      while (*p < end && isdigit((unsigned char)**p)) {
        if (nd < 3) frac = frac * 10 + (**p - '0');
        nd++;
        (*p)++;
      }
      if (!nd) return false;
      for (; nd < 3; nd++) frac *= 10;
    }
  }
  if (h > 23 || mi > 59 || s > 59) return false;
  *ms = ((int64_t)h * 3600 + mi * 60 + s) * 1000 + frac;
  return true;
}

static bool parse_zone(const char **p, const char *end, int64_t *offset_ms) {
  *offset_ms = 0;
  if (*p == end) return true;
  if (**p == 'Z') {
    (*p)++;
    return *p == end;
  }
  if (**p != '+' && **p != '-') return false;
  int sign = **p == '-' ? -1 : 1, h, m = 0;
  (*p)++;
  if (!take_int(p, end, 2, &h)) return false;
  if (*p < end && **p == ':') (*p)++;
  if (*p < end && !take_int(p, end, 2, &m)) return false;
  *offset_ms = sign * ((int64_t)h * 3600 + m * 60) * 1000;
  return *p == end;
}

static void trim(const char **s, size_t *n) {
  while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
  while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

bool wy_parse_timestamp_iso(const char *s, size_t n, int64_t *ms) {
  trim(&s, &n);
  const char *p = s, *end = s + n;
  int64_t days, t = 0, off;
  if (!parse_date_part(&p, end, &days)) return false;
  if (p < end && (*p == 'T' || *p == ' ')) {
    p++;
    if (!parse_time_part(&p, end, &t)) return false;
  }
  if (!parse_zone(&p, end, &off)) return false;
  *ms = days * 86400000 + t - off;
  return true;
}

bool wy_parse_date_iso(const char *s, size_t n, int32_t *days) {
  trim(&s, &n);
  const char *p = s, *end = s + n;
  int64_t d;
  /* ksqlDB reads dates as yyyy[-MM[-dd]]: a missing month or day is the first. */
  char full[10];
  if (n == 4 || n == 7) {
    memcpy(full, s, n);
    memcpy(full + n, n == 4 ? "-01-01" : "-01", n == 4 ? 6 : 3);
    p = full;
    end = full + 10;
  }
  if (!parse_date_part(&p, end, &d) || p != end) return false;
  *days = (int32_t)d;
  return true;
}

bool wy_parse_time_iso(const char *s, size_t n, int32_t *ms) {
  trim(&s, &n);
  const char *p = s, *end = s + n;
  int64_t t;
  if (!parse_time_part(&p, end, &t) || p != end) return false;
  *ms = (int32_t)t;
  return true;
}

/* ---- rendering ------------------------------------------------------------------- */

void wy_value_append_sql(wy_buf_t *b, const wy_value_t *v, const wy_type_t *t) {
  char tmp[64];
  if (v->null) {
    wy_buf_append_str(b, "null");
    return;
  }
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_BOOLEAN:
      wy_buf_append_str(b, v->u.b ? "true" : "false");
      return;
    case WY_T_INT:
      wy_buf_printf(b, "%d", v->u.i32);
      return;
    case WY_T_BIGINT:
      wy_buf_printf(b, "%lld", (long long)v->u.i64);
      return;
    case WY_T_DOUBLE:
      wy_buf_append(b, tmp, wy_double_java(v->u.f64, tmp));
      return;
    case WY_T_DECIMAL:
      wy_buf_append(b, tmp, wy_decimal_format(v->u.dec, v->scale, tmp, sizeof tmp));
      return;
    case WY_T_STRING:
      wy_buf_append(b, v->u.str, v->len);
      return;
    case WY_T_BYTES:
      wy_base64_encode(v->u.str, v->len, b);
      return;
    case WY_T_TIMESTAMP:
      wy_buf_append(b, tmp, wy_format_timestamp_iso(v->u.i64, tmp, sizeof tmp));
      return;
    case WY_T_DATE:
      wy_buf_append(b, tmp, wy_format_date_iso(v->u.i32, tmp, sizeof tmp));
      return;
    case WY_T_TIME:
      wy_buf_append(b, tmp, wy_format_time_iso(v->u.i32, tmp, sizeof tmp));
      return;
    case WY_T_ARRAY:
      wy_buf_putc(b, '[');
      for (uint32_t i = 0; i < v->u.list->n; i++) {
        if (i) wy_buf_append_str(b, ", ");
        wy_value_append_sql(b, &v->u.list->items[i], t ? t->elem : NULL);
      }
      wy_buf_putc(b, ']');
      return;
    case WY_T_MAP:
      wy_buf_putc(b, '{');
      for (uint32_t i = 0; i < v->u.map->n; i++) {
        if (i) wy_buf_append_str(b, ", ");
        wy_value_append_sql(b, &v->u.map->keys[i], t ? t->key : NULL);
        wy_buf_putc(b, '=');
        wy_value_append_sql(b, &v->u.map->vals[i], t ? t->elem : NULL);
      }
      wy_buf_putc(b, '}');
      return;
    case WY_T_STRUCT: {
      wy_buf_append_str(b, "Struct{");
      bool first = true;
      for (uint32_t i = 0; i < v->u.list->n; i++) {
        if (v->u.list->items[i].null) continue;
        if (!first) wy_buf_putc(b, ',');
        first = false;
        if (t && i < t->nfields)
          wy_buf_append_str(b, t->fields[i].name);
        else
          wy_buf_printf(b, "f%u", i);
        wy_buf_putc(b, '=');
        wy_value_append_sql(b, &v->u.list->items[i],
                            t && i < t->nfields ? t->fields[i].type : NULL);
      }
      wy_buf_putc(b, '}');
      return;
    }
    default:
      return;
  }
}

wy_status_t wy_value_format_sql(const wy_value_t *v, const wy_type_t *t, wy_arena_t *a,
                                const char **text, size_t *len) {
  wy_buf_t b;
  wy_buf_init_arena(&b, a);
  wy_value_append_sql(&b, v, t);
  const char *s = wy_buf_cstr(&b);
  if (!s) return WY_ERR_NOMEM;
  *text = s;
  *len = b.len;
  return WY_OK;
}

/* ---- parsing --------------------------------------------------------------------- */

static bool parse_i64(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out) {
  trim(&s, &n);
  if (!n || n > 40) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') neg = s[i++] == '-';
  if (i == n) return false;
  wy_int128_t v = 0;
  for (; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return false;
    v = v * 10 + (s[i] - '0');
    if (v > (wy_int128_t)hi + 1) return false;
  }
  if (neg) v = -v;
  if (v < lo || v > hi) return false;
  *out = (int64_t)v;
  return true;
}

static bool parse_double(const char *s, size_t n, double *out) {
  trim(&s, &n);
  if (!n || n > 400) return false;
  char tmp[401];
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  /* Java accepts a trailing d/D/f/F and "Infinity" but not hex floats or "inf". */
  if (n > 1 && strchr("dDfF", tmp[n - 1]) && isdigit((unsigned char)tmp[n - 2])) tmp[--n] = '\0';
  if (strpbrk(tmp, "xXpP")) return false;
  const char *q = tmp + (tmp[0] == '-' || tmp[0] == '+');
  if (!strcmp(q, "Infinity") || !strcmp(q, "NaN")) {
    *out = !strcmp(q, "NaN") ? NAN : tmp[0] == '-' ? -INFINITY : INFINITY;
    return true;
  }
  if (!isdigit((unsigned char)*q) && *q != '.') return false;
  char *end;
  errno = 0;
  *out = strtod(tmp, &end);
  return *end == '\0';
}

/* ksqlDB's SqlBooleans.parseBooleanExact: any non-empty start of "true" or "yes" ("tr",
 * "Y"), of "false" or "no" ("fa", "N"), in any case. */
static bool parse_bool_exact(const char *s, size_t n, bool *out) {
  static const char *const words[] = {"true", "yes", "false", "no"};
  trim(&s, &n);
  for (int i = 0; n && i < 4; i++)
    if (n <= strlen(words[i]) && !strncasecmp(s, words[i], n)) return *out = i < 2, true;
  return false;
}

bool wy_text_to_value(const char *s, size_t n, const wy_type_t *to, wy_arena_t *a,
                      wy_value_t *out) {
  int64_t i;
  double d;
  wy_int128_t dec;
  switch (to->kind) {
    case WY_T_BOOLEAN: {
      bool b;
      if (!parse_bool_exact(s, n, &b)) return false;
      *out = wy_bool(b);
      return true;
    }
    case WY_T_INT:
      if (!parse_i64(s, n, INT32_MIN, INT32_MAX, &i)) return false;
      *out = wy_int((int32_t)i);
      return true;
    case WY_T_BIGINT:
      if (!parse_i64(s, n, INT64_MIN, INT64_MAX, &i)) return false;
      *out = wy_bigint(i);
      return true;
    case WY_T_DOUBLE:
      if (!parse_double(s, n, &d)) return false;
      *out = wy_double(d);
      return true;
    case WY_T_DECIMAL:
      trim(&s, &n);
      if (!wy_decimal_parse(s, n, to->precision, to->scale, &dec)) return false;
      *out = wy_decimal(dec, to->precision, to->scale);
      return true;
    case WY_T_STRING: {
      char *p = wy_arena_strndup(a, s, n);
      if (!p) return false;
      *out = wy_string(p, n);
      return true;
    }
    case WY_T_TIMESTAMP:
      if (!wy_parse_timestamp_iso(s, n, &i)) return false;
      *out = wy_timestamp(i);
      return true;
    case WY_T_DATE: {
      int32_t v;
      if (!wy_parse_date_iso(s, n, &v)) return false;
      *out = wy_date(v);
      return true;
    }
    case WY_T_TIME: {
      int32_t v;
      if (!wy_parse_time_iso(s, n, &v)) return false;
      *out = wy_time(v);
      return true;
    }
    default:
      return false;
  }
}

/* ---- casts ------------------------------------------------------------------------- */

static bool is_num(wy_type_kind_t k) {
  return k == WY_T_INT || k == WY_T_BIGINT || k == WY_T_DOUBLE || k == WY_T_DECIMAL;
}

bool wy_cast_supported(const wy_type_t *from, const wy_type_t *to) {
  wy_type_kind_t f = from->kind, t = to->kind;
  if (t == WY_T_STRING) return true;
  if (f == t && wy_type_is_primitive(to)) return true;
  switch (t) {
    case WY_T_BOOLEAN:
      return f == WY_T_STRING;
    case WY_T_INT:
    case WY_T_BIGINT:
    case WY_T_DOUBLE:
    case WY_T_DECIMAL:
      return is_num(f) || f == WY_T_STRING;
    case WY_T_TIMESTAMP:
      return f == WY_T_STRING || f == WY_T_DATE;
    case WY_T_DATE:
    case WY_T_TIME:
      return f == WY_T_STRING || f == WY_T_TIMESTAMP;
    case WY_T_BYTES:
      return f == WY_T_BYTES;
    case WY_T_ARRAY:
      return f == WY_T_ARRAY && wy_cast_supported(from->elem, to->elem);
    case WY_T_MAP:
      return f == WY_T_MAP && wy_cast_supported(from->key, to->key) &&
             wy_cast_supported(from->elem, to->elem);
    case WY_T_STRUCT:
      if (f != WY_T_STRUCT) return false;
      for (size_t i = 0; i < to->nfields; i++) {
        int j = wy_type_field_index(from, to->fields[i].name);
        if (j >= 0 && !wy_cast_supported(from->fields[j].type, to->fields[i].type)) return false;
      }
      return true;
    default:
      return false;
  }
}

/* Java's (long) of a double: NaN -> 0, saturating. */
static int64_t java_d2l(double d) {
  if (isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)d;
}
static int32_t java_d2i(double d) {
  if (isnan(d)) return 0;
  if (d >= 2147483647.0) return INT32_MAX;
  if (d <= -2147483648.0) return INT32_MIN;
  return (int32_t)d;
}

static wy_status_t to_integer(const wy_value_t *v, const wy_type_t *to, wy_value_t *out,
                              wy_error_t *err) {
  int64_t x = 0;
  bool is_int = to->kind == WY_T_INT;
  switch (v->kind) {
    case WY_T_INT:
      x = v->u.i32;
      break;
    case WY_T_BIGINT:
      x = v->u.i64;
      break;
    case WY_T_DOUBLE:
      if (is_int) {
        *out = wy_int(java_d2i(v->u.f64));
        return WY_OK;
      }
      x = java_d2l(v->u.f64);
      break;
    case WY_T_DECIMAL: {
      wy_int128_t q = v->u.dec / wy_decimal_pow10(v->scale); /* toward zero, as intValue() */
      x = (int64_t)(uint64_t)q;
      break;
    }
    case WY_T_STRING:
      if (!wy_text_to_value(v->u.str, v->len, to, NULL, out))
        return wy_error_set(err, WY_ERR_EVAL, "For input string: \"%.*s\"", (int)v->len, v->u.str);
      return WY_OK;
    default:
      return wy_error_set(err, WY_ERR_EVAL, "cannot cast %s to %s",
                          wy_type_kind_name((wy_type_kind_t)v->kind), wy_type_kind_name(to->kind));
  }
  *out = is_int ? wy_int((int32_t)(uint32_t)(uint64_t)x) : wy_bigint(x);
  return WY_OK;
}

static wy_status_t to_decimal(const wy_value_t *v, const wy_type_t *to, wy_value_t *out,
                              wy_error_t *err) {
  wy_int128_t x = 0;
  bool ok = true;
  switch (v->kind) {
    case WY_T_INT:
      ok = wy_decimal_rescale(v->u.i32, 0, to->scale, &x);
      break;
    case WY_T_BIGINT:
      ok = wy_decimal_rescale(v->u.i64, 0, to->scale, &x);
      break;
    case WY_T_DECIMAL:
      ok = wy_decimal_rescale(v->u.dec, v->scale, to->scale, &x);
      break;
    case WY_T_DOUBLE: {
      /* BigDecimal.valueOf(double) goes through Double.toString. */
      char tmp[64];
      if (!isfinite(v->u.f64))
        return wy_error_set(err, WY_ERR_EVAL, "Cannot convert %g to DECIMAL", v->u.f64);
      size_t n = wy_double_java(v->u.f64, tmp);
      ok = wy_decimal_parse(tmp, n, WY_DECIMAL_MAX_PRECISION, to->scale, &x);
      break;
    }
    case WY_T_STRING: {
      const char *s = v->u.str;
      size_t n = v->len;
      trim(&s, &n);
      if (!wy_decimal_parse(s, n, WY_DECIMAL_MAX_PRECISION, to->scale, &x))
        return wy_error_set(err, WY_ERR_EVAL, "Cannot convert \"%.*s\" to DECIMAL", (int)v->len,
                            v->u.str);
      break;
    }
    default:
      ok = false;
  }
  if (!ok || !wy_decimal_fits(x, to->precision))
    return wy_error_set(err, WY_ERR_EVAL, "Numeric field overflow: DECIMAL(%d, %d)", to->precision,
                        to->scale);
  *out = wy_decimal(x, to->precision, to->scale);
  return WY_OK;
}

wy_status_t wy_value_cast(const wy_value_t *v, const wy_type_t *from, const wy_type_t *to,
                          wy_arena_t *a, wy_value_t *out, wy_error_t *err) {
  if (v->null) {
    *out = wy_null(to->kind);
    return WY_OK;
  }
  wy_type_kind_t t = to->kind;
  if (v->kind == t && wy_type_is_primitive(to) && t != WY_T_DECIMAL) {
    *out = *v;
    return WY_OK;
  }
  switch (t) {
    case WY_T_STRING: {
      const char *s;
      size_t n;
      if (wy_value_format_sql(v, from, a, &s, &n))
        return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      *out = wy_string(s, n);
      return WY_OK;
    }
    case WY_T_BOOLEAN:
      if (v->kind == WY_T_STRING) {
        bool b;
        if (!parse_bool_exact(v->u.str, v->len, &b))
          return wy_error_set(err, WY_ERR_EVAL, "invalid input syntax for type BOOLEAN: \"%.*s\"",
                              (int)v->len, v->u.str);
        *out = wy_bool(b);
        return WY_OK;
      }
      break;
    case WY_T_INT:
    case WY_T_BIGINT:
      return to_integer(v, to, out, err);
    case WY_T_DOUBLE:
      switch (v->kind) {
        case WY_T_INT:
          *out = wy_double(v->u.i32);
          return WY_OK;
        case WY_T_BIGINT:
          *out = wy_double((double)v->u.i64);
          return WY_OK;
        case WY_T_DECIMAL:
          *out = wy_double(wy_decimal_to_double(v->u.dec, v->scale));
          return WY_OK;
        case WY_T_STRING:
          if (!wy_text_to_value(v->u.str, v->len, to, a, out))
            return wy_error_set(err, WY_ERR_EVAL, "For input string: \"%.*s\"", (int)v->len,
                                v->u.str);
          return WY_OK;
        default:
          break;
      }
      break;
    case WY_T_DECIMAL:
      return to_decimal(v, to, out, err);
    case WY_T_TIMESTAMP:
    case WY_T_DATE:
    case WY_T_TIME:
      if (v->kind == WY_T_STRING) {
        if (!wy_text_to_value(v->u.str, v->len, to, a, out))
          return wy_error_set(err, WY_ERR_EVAL, "Failed to parse %s: \"%.*s\"",
                              wy_type_kind_name(t), (int)v->len, v->u.str);
        return WY_OK;
      }
      if (v->kind == WY_T_DATE && t == WY_T_TIMESTAMP) {
        *out = wy_timestamp((int64_t)v->u.i32 * 86400000);
        return WY_OK;
      }
      if (v->kind == WY_T_TIMESTAMP && t == WY_T_DATE) {
        *out = wy_date((int32_t)wy_floor_div(v->u.i64, 86400000));
        return WY_OK;
      }
      if (v->kind == WY_T_TIMESTAMP && t == WY_T_TIME) {
        *out = wy_time((int32_t)wy_floor_mod(v->u.i64, 86400000));
        return WY_OK;
      }
      break;
    case WY_T_ARRAY:
      if (v->kind == WY_T_ARRAY) {
        const wy_list_t *in = v->u.list;
        wy_list_t *l = wy_list_new(a, in->n);
        if (!l) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < in->n; i++) {
          wy_status_t st = wy_value_cast(&in->items[i], from->elem, to->elem, a, &l->items[i], err);
          if (st) return st;
        }
        *out = wy_array(l);
        return WY_OK;
      }
      break;
    case WY_T_MAP:
      if (v->kind == WY_T_MAP) {
        const wy_map_t *in = v->u.map;
        wy_map_t *m = wy_map_new(a, in->n);
        if (!m) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < in->n; i++) {
          wy_status_t st = wy_value_cast(&in->keys[i], from->key, to->key, a, &m->keys[i], err);
          if (!st) st = wy_value_cast(&in->vals[i], from->elem, to->elem, a, &m->vals[i], err);
          if (st) return st;
        }
        *out = wy_mapv(m);
        return WY_OK;
      }
      break;
    case WY_T_STRUCT:
      if (v->kind == WY_T_STRUCT) {
        wy_list_t *l = wy_list_new(a, (uint32_t)to->nfields);
        if (!l && to->nfields) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < to->nfields; i++) {
          int j = wy_type_field_index(from, to->fields[i].name);
          if (j < 0 || (uint32_t)j >= v->u.list->n) {
            l->items[i] = wy_null(to->fields[i].type->kind);
            continue;
          }
          wy_status_t st = wy_value_cast(&v->u.list->items[j], from->fields[j].type,
                                         to->fields[i].type, a, &l->items[i], err);
          if (st) return st;
        }
        *out = wy_struct(l);
        return WY_OK;
      }
      break;
    default:
      break;
  }
  return wy_error_set(err, WY_ERR_EVAL, "Cast of %s to %s is not supported",
                      wy_type_kind_name((wy_type_kind_t)v->kind), wy_type_kind_name(t));
}
