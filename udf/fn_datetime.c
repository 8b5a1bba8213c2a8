/* Date and time built-ins with Java DateTimeFormatter patterns (the common letters:
 * y u M L d D H k h K m s S a E X x Z z and 'quoted' text). Time zones: UTC/GMT/Z and
 * fixed offsets ("+02:00", "UTC+2"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/base/intmath.h"
#include "udf/builtins_int.h"

#define MAX_TOKENS 48

typedef struct {
  char letter; /* 0 for literal text */
  int count;
  const char *lit; /* into the pattern (lit_len bytes); quotes resolved at use */
  int lit_len;
} tok_t;

typedef struct {
  char pattern[256];
  tok_t t[MAX_TOKENS];
  int n;
} fmt_t;

static bool compile_fmt(const char *p, size_t n, fmt_t *f, wy_error_t *err) {
  if (n >= sizeof f->pattern) return wy_error_set(err, WY_ERR_EVAL, "date pattern too long"), false;
  memcpy(f->pattern, p, n);
  f->pattern[n] = '\0';
  f->n = 0;
  const char *s = f->pattern;
  for (size_t i = 0; i < n;) {
    if (f->n == MAX_TOKENS) return wy_error_set(err, WY_ERR_EVAL, "date pattern too long"), false;
    tok_t *t = &f->t[f->n++];
    memset(t, 0, sizeof *t);
    char c = s[i];
    if (c == '\'') {
      if (i + 1 < n && s[i + 1] == '\'') { /* '' is a quote */
        t->lit = s + i;
        t->lit_len = 1;
        i += 2;
        continue;
      }
      size_t j = i + 1;
      while (j < n && s[j] != '\'') j++;
      t->lit = s + i + 1;
      t->lit_len = (int)(j - i - 1);
      i = j + 1;
    } else if (isalpha((unsigned char)c)) {
      if (!strchr("yuMLdDHkhKmsSaEXxZzn", c))
        return wy_error_set(err, WY_ERR_EVAL, "Unknown pattern letter: %c", c), false;
      size_t j = i;
      while (j < n && s[j] == c) j++;
      t->letter = c;
      t->count = (int)(j - i);
      i = j;
    } else {
      t->lit = s + i;
      t->lit_len = 1;
      i++;
    }
  }
  return true;
}

static const char *const MONTHS[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};
static const char *const DAYS[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                   "Friday", "Saturday", "Sunday"};

/* Time zone to an offset in ms. */
static bool parse_tz(const char *s, size_t n, int64_t *off) {
  *off = 0;
  if ((n == 3 && (!strncasecmp(s, "UTC", 3) || !strncasecmp(s, "GMT", 3))) || (n == 1 && *s == 'Z'))
    return true;
  if (n > 3 && (!strncasecmp(s, "UTC", 3) || !strncasecmp(s, "GMT", 3))) s += 3, n -= 3;
  if (!n || (*s != '+' && *s != '-')) return false;
  int sign = *s == '-' ? -1 : 1, h = 0, m = 0;
  size_t i = 1, d = 0;
  while (i < n && isdigit((unsigned char)s[i]) && d < 2) h = h * 10 + (s[i++] - '0'), d++;
  if (!d) return false;
  if (i < n && s[i] == ':') i++;
  d = 0;
  while (i < n && isdigit((unsigned char)s[i]) && d < 2) m = m * 10 + (s[i++] - '0'), d++;
  if (i != n || h > 18 || m > 59) return false;
  *off = sign * ((int64_t)h * 3600 + m * 60) * 1000;
  return true;
}

static void format(wy_buf_t *b, const fmt_t *f, int64_t ms, int64_t off) {
  int64_t local = ms + off, days = wy_floor_div(local, 86400000),
          rem = wy_floor_mod(local, 86400000);
  int64_t y;
  unsigned mo, d;
  wy_civil_from_days(days, &y, &mo, &d);
  int H = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), s = (int)(rem / 1000 % 60),
      frac = (int)(rem % 1000);
  int dow = (int)wy_floor_mod(days + 3, 7); /* 1970-01-01 was a Thursday (index 3) */
  int doy = (int)(days - wy_days_from_civil(y, 1, 1)) + 1;
  for (int i = 0; i < f->n; i++) {
    const tok_t *t = &f->t[i];
    int c = t->count;
    switch (t->letter) {
      case 0:
        wy_buf_append(b, t->lit, (size_t)t->lit_len);
        break;
      case 'y':
      case 'u':
        if (c == 2)
          wy_buf_printf(b, "%02d", (int)wy_floor_mod(y, 100));
        else
          wy_buf_printf(b, "%0*lld", c, (long long)y);
        break;
      case 'M':
      case 'L':
        if (c >= 4)
          wy_buf_append_str(b, MONTHS[mo - 1]);
        else if (c == 3)
          wy_buf_append(b, MONTHS[mo - 1], 3);
        else
          wy_buf_printf(b, "%0*u", c, mo);
        break;
      case 'd':
        wy_buf_printf(b, "%0*u", c, d);
        break;
      case 'D':
        wy_buf_printf(b, "%0*d", c, doy);
        break;
      case 'H':
        wy_buf_printf(b, "%0*d", c, H);
        break;
      case 'k':
        wy_buf_printf(b, "%0*d", c, H ? H : 24);
        break;
      case 'h':
        wy_buf_printf(b, "%0*d", c, H % 12 ? H % 12 : 12);
        break;
      case 'K':
        wy_buf_printf(b, "%0*d", c, H % 12);
        break;
      case 'm':
        wy_buf_printf(b, "%0*d", c, mi);
        break;
      case 's':
        wy_buf_printf(b, "%0*d", c, s);
        break;
      case 'S': {
        char fr[16];
        snprintf(fr, sizeof fr, "%03d000000", frac % 1000);
        wy_buf_append(b, fr, (size_t)(c > 9 ? 9 : c));
        break;
      }
      case 'n':
        wy_buf_printf(b, "%d", frac * 1000000);
        break;
      case 'a':
        wy_buf_append_str(b, H < 12 ? "AM" : "PM");
        break;
      case 'E':
        wy_buf_append(b, DAYS[dow], c >= 4 ? strlen(DAYS[dow]) : 3);
        break;
      case 'z':
        wy_buf_append_str(b, off ? "" : "UTC");
        if (!off) break; /* fall through to an offset */
      /* fall through */
      case 'X':
      case 'x':
      case 'Z': {
        if (!off && t->letter == 'X') {
          wy_buf_putc(b, 'Z');
          break;
        }
        int64_t a = off < 0 ? -off : off;
        int oh = (int)(a / 3600000), om = (int)(a / 60000 % 60);
        if (t->letter == 'Z' || c == 2 || (c == 1 && om))
          wy_buf_printf(b, "%c%02d%02d", off < 0 ? '-' : '+', oh, om);
        else if (c == 1)
          wy_buf_printf(b, "%c%02d", off < 0 ? '-' : '+', oh);
        else
          wy_buf_printf(b, "%c%02d:%02d", off < 0 ? '-' : '+', oh, om);
        break;
      }
    }
  }
}

static bool take_num(const char **p, const char *e, int min, int max, int64_t *v) {
  int64_t x = 0;
  int n = 0;
  bool neg = false;
  if (*p < e && **p == '-' && min == 0) neg = true, (*p)++;
  while (*p < e && isdigit((unsigned char)**p) && n < max) x = x * 10 + (**p - '0'), (*p)++, n++;
  if (n < (min ? min : 1)) return false;
  *v = neg ? -x : x;
  return true;
}

static int take_name(const char **p, const char *e, const char *const *names, int count,
                     bool full) {
  for (int i = 0; i < count; i++) {
    size_t l = full ? strlen(names[i]) : 3;
    if ((size_t)(e - *p) >= l && !strncasecmp(*p, names[i], l)) {
      *p += l;
      return i;
    }
  }
  return -1;
}

/* Parse text with the pattern; fields default to 1970-01-01T00:00:00.000. */
static bool parse(const fmt_t *f, const char *s, size_t n, int64_t def_off, int64_t *ms_out,
                  bool *has_date) {
  const char *p = s, *e = s + n;
  int64_t y = 1970, mo = 1, d = 1, H = 0, mi = 0, sec = 0, frac = 0, off = def_off, doy = -1, v;
  int pm = -1;
  bool h12 = false;
  *has_date = false;
  for (int i = 0; i < f->n; i++) {
    const tok_t *t = &f->t[i];
    int c = t->count;
    bool adjacent = i + 1 < f->n && f->t[i + 1].letter; /* numeric fields run together */
    int width = adjacent ? c : 9;
    switch (t->letter) {
      case 0:
        if ((int)(e - p) < t->lit_len || strncmp(p, t->lit, (size_t)t->lit_len)) return false;
        p += t->lit_len;
        break;
      case 'y':
      case 'u':
        if (!take_num(&p, e, c == 2 ? 2 : 1, c == 2 ? 2 : (adjacent ? c : 9), &y)) return false;
        if (c == 2) y += 2000;
        *has_date = true;
        break;
      case 'M':
      case 'L':
        if (c >= 3) {
          int k = take_name(&p, e, MONTHS, 12, c >= 4);
          if (k < 0) return false;
          mo = k + 1;
        } else if (!take_num(&p, e, c, adjacent ? c : 2, &mo))
          return false;
        *has_date = true;
        break;
      case 'd':
        if (!take_num(&p, e, c, adjacent ? c : 2, &d)) return false;
        *has_date = true;
        break;
      case 'D':
        if (!take_num(&p, e, c, adjacent ? c : 3, &doy)) return false;
        *has_date = true;
        break;
      case 'H':
      case 'k':
        if (!take_num(&p, e, c, adjacent ? c : 2, &H)) return false;
        if (t->letter == 'k' && H == 24) H = 0;
        break;
      case 'h':
      case 'K':
        if (!take_num(&p, e, c, adjacent ? c : 2, &H)) return false;
        h12 = true;
        break;
      case 'm':
        if (!take_num(&p, e, c, adjacent ? c : 2, &mi)) return false;
        break;
      case 's':
        if (!take_num(&p, e, c, adjacent ? c : 2, &sec)) return false;
        break;
      case 'S': {
        const char *st = p;
        if (!take_num(&p, e, c, width, &v)) return false;
        int digits = (int)(p - st);
        while (digits > 3) v /= 10, digits--;
        while (digits < 3) v *= 10, digits++;
        frac = v;
        break;
      }
      case 'a':
        if (e - p >= 2 && !strncasecmp(p, "AM", 2))
          pm = 0;
        else if (e - p >= 2 && !strncasecmp(p, "PM", 2))
          pm = 1;
        else
          return false;
        p += 2;
        break;
      case 'E':
        if (take_name(&p, e, DAYS, 7, c >= 4) < 0) return false;
        break;
      case 'n':
        if (!take_num(&p, e, 1, 9, &v)) return false;
        frac = v / 1000000;
        break;
      default: { /* X x Z z: an offset or zone */
        const char *st = p;
        while (p < e && !isspace((unsigned char)*p)) p++;
        if (!parse_tz(st, (size_t)(p - st), &off)) {
          if (p - st == 5 && (st[0] == '+' || st[0] == '-')) { /* +hhmm */
            char tmp[7] = {st[0], st[1], st[2], ':', st[3], st[4], 0};
            if (!parse_tz(tmp, 6, &off)) return false;
          } else {
            return false;
          }
        }
        break;
      }
    }
  }
  if (p != e) return false;
  if (h12) {
    if (H < 1 || H > 12) return false;
    H = H % 12 + (pm == 1 ? 12 : 0);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || H > 23 || mi > 59 || sec > 59) return false;
  int64_t days = doy > 0 ? wy_days_from_civil(y, 1, 1) + doy - 1
                         : wy_days_from_civil(y, (unsigned)mo, (unsigned)d);
  int64_t cy;
  unsigned cm, cd;
  wy_civil_from_days(days, &cy, &cm, &cd);
  if (doy < 0 && (cm != (unsigned)mo || cd != (unsigned)d)) return false; /* 2021-02-30 */
  *ms_out = days * 86400000 + ((H * 60 + mi) * 60 + sec) * 1000 + frac - off;
  return true;
}

/* ---- call-site preparation: a constant pattern (argument 1) is compiled once ---- */

static wy_status_t dt_prepare(const wy_type_t *const *args, const wy_value_t *const *consts,
                              size_t n, void **site, wy_error_t *err) {
  *site = NULL;
  if (n < 2 || !consts[1] || consts[1]->null) return WY_OK;
  fmt_t *f = malloc(sizeof *f);
  if (!f) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!compile_fmt(consts[1]->u.str, consts[1]->len, f, err)) {
    free(f);
    return err ? err->code : WY_ERR_EVAL;
  }
  *site = f;
  return WY_OK;
}
static void dt_release(void *site) { free(site); }
const wy_prep_t wy_prep_datetime = {dt_prepare, dt_release};

static wy_status_t get_fmt(wy_fn_ctx_t *ctx, const wy_value_t *pat, fmt_t *tmp, const fmt_t **f) {
  if (ctx->site) {
    *f = ctx->site;
    return WY_OK;
  }
  wy_error_t e;
  if (!compile_fmt(pat->u.str, pat->len, tmp, &e)) return wy_fn_fail(ctx, "%s", e.msg);
  *f = tmp;
  return WY_OK;
}

static wy_status_t tz_arg(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, size_t i, int64_t *off) {
  *off = 0;
  if (n <= i) return WY_OK;
  if (!parse_tz(a[i].u.str, a[i].len, off))
    return wy_fn_fail(ctx, "Unknown time-zone ID: %.*s", (int)a[i].len, a[i].u.str);
  return WY_OK;
}

static wy_status_t format_ms(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, int64_t ms,
                             wy_value_t *out) {
  fmt_t tmp;
  const fmt_t *f = NULL;
  int64_t off = 0;
  wy_status_t st = get_fmt(ctx, &a[1], &tmp, &f);
  if (!st) st = tz_arg(ctx, a, n, 2, &off);
  if (st) return st;
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  format(&b, f, ms, off);
  return wy_fn_buf_result(ctx, &b, false, out);
}

static wy_status_t parse_ms(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, const char *what,
                            int64_t *ms) {
  fmt_t tmp;
  const fmt_t *f = NULL;
  int64_t off = 0;
  bool has_date;
  wy_status_t st = get_fmt(ctx, &a[1], &tmp, &f);
  if (!st) st = tz_arg(ctx, a, n, 2, &off);
  if (st) return st;
  if (!parse(f, a[0].u.str, a[0].len, off, ms, &has_date))
    return wy_fn_fail(ctx, "Failed to parse %s '%.*s' with formatter '%s'", what, (int)a[0].len,
                      a[0].u.str, f->pattern);
  return WY_OK;
}

wy_status_t fn_timestamptostring(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return format_ms(ctx, a, n, a[0].u.i64, out);
}
wy_status_t fn_datetostring(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return format_ms(ctx, a, n, (int64_t)a[0].u.i32 * 86400000, out);
}
wy_status_t fn_format_time(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return format_ms(ctx, a, n, a[0].u.i32, out);
}

wy_status_t fn_stringtotimestamp(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "timestamp", &ms);
  if (!st) *out = wy_bigint(ms);
  return st;
}
wy_status_t fn_parse_timestamp(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "timestamp", &ms);
  if (!st) *out = wy_timestamp(ms);
  return st;
}
wy_status_t fn_stringtodate(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "date", &ms);
  if (!st) *out = wy_int((int32_t)wy_floor_div(ms, 86400000));
  return st;
}
wy_status_t fn_parse_date(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "date", &ms);
  if (!st) *out = wy_date((int32_t)wy_floor_div(ms, 86400000));
  return st;
}
wy_status_t fn_parse_time(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "time", &ms);
  if (!st) *out = wy_time((int32_t)wy_floor_mod(ms, 86400000));
  return st;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

wy_status_t fn_unix_timestamp(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_bigint(n ? a[0].u.i64 : now_ms());
  return WY_OK;
}
wy_status_t fn_unix_date(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_int(n ? a[0].u.i32 : (int32_t)wy_floor_div(now_ms(), 86400000));
  return WY_OK;
}
wy_status_t fn_from_unixtime(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_timestamp(a[0].u.i64);
  return WY_OK;
}
wy_status_t fn_from_days(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_date(a[0].u.i32);
  return WY_OK;
}

/* Length of one unit in ms, from ksqlDB's TimeUnit names (singular or plural). */
static int64_t unit_ms(const wy_value_t *u) {
  static const struct {
    const char *name;
    int64_t ms;
  } U[] = {{"MILLISECOND", 1},
           {"SECOND", 1000},
           {"MINUTE", 60000},
           {"HOUR", 3600000},
           {"DAY", 86400000}};
  size_t n = u->len;
  if (n && (u->u.str[n - 1] == 'S' || u->u.str[n - 1] == 's')) n--;
  for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
    if (n == strlen(U[i].name) && !strncasecmp(u->u.str, U[i].name, n)) return U[i].ms;
  return 0;
}

static wy_status_t add_units(wy_fn_ctx_t *ctx, const wy_value_t *a, int sign, int64_t *delta) {
  int64_t um = unit_ms(&a[0]);
  if (!um) return wy_fn_fail(ctx, "Unknown time unit: %.*s", (int)a[0].len, a[0].u.str);
  int64_t k = a[1].kind == WY_T_BIGINT ? a[1].u.i64 : a[1].u.i32;
  *delta = (int64_t)((uint64_t)sign * (uint64_t)k * (uint64_t)um);
  return WY_OK;
}

wy_status_t fn_dateadd(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t d;
  wy_status_t st = add_units(ctx, a, 1, &d);
  if (!st) *out = wy_date((int32_t)wy_floor_div((int64_t)a[2].u.i32 * 86400000 + d, 86400000));
  return st;
}
wy_status_t fn_datesub(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t d;
  wy_status_t st = add_units(ctx, a, -1, &d);
  if (!st) *out = wy_date((int32_t)wy_floor_div((int64_t)a[2].u.i32 * 86400000 + d, 86400000));
  return st;
}
wy_status_t fn_timestampadd(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t d;
  wy_status_t st = add_units(ctx, a, 1, &d);
  if (!st) *out = wy_timestamp(a[2].u.i64 + d);
  return st;
}
wy_status_t fn_timestampsub(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t d;
  wy_status_t st = add_units(ctx, a, -1, &d);
  if (!st) *out = wy_timestamp(a[2].u.i64 + d);
  return st;
}
static wy_status_t time_shift(wy_fn_ctx_t *ctx, const wy_value_t *a, int sign, wy_value_t *out) {
  int64_t d;
  wy_status_t st = add_units(ctx, a, sign, &d);
  if (st) return st;
  *out = wy_time((int32_t)wy_floor_mod((int64_t)a[2].u.i32 + d, 86400000));
  return WY_OK;
}
wy_status_t fn_timeadd(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return time_shift(ctx, a, 1, out);
}
wy_status_t fn_timesub(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return time_shift(ctx, a, -1, out);
}

wy_status_t fn_convert_tz(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t from, to;
  if (!parse_tz(a[1].u.str, a[1].len, &from) || !parse_tz(a[2].u.str, a[2].len, &to))
    return wy_fn_fail(ctx, "Unknown time-zone ID in CONVERT_TZ");
  *out = wy_timestamp(a[0].u.i64 - from + to);
  return WY_OK;
}
