/* Date and time built-ins with Java DateTimeFormatter patterns and java.time zones.
 *
 * Pattern letters: G u y Y D M L d Q q w W E e c F a h K k H m s S A n N VV v z O X x Z,
 * 'quoted' text and [optional] sections, in the en_US locale as ksqlDB's JVM. Zones are
 * any java.time ZoneId (udf/tz.h: the system's tz database); a zone's short name (z)
 * is the tz database's abbreviation ("PDT"), its long name (zzzz) ICU's. Parsing is
 * case-insensitive, as ksqlDB's parsers are, and resolves as java.time's SMART resolver
 * then ksqlDB's StringToTimestampParser do (resolve_date); it reads week fields (Y w W
 * e c) with Locale.ROOT's weeks (Monday first), as that parser's formatter does, while
 * formatting uses en_US's (Sunday first), as TIMESTAMPTOSTRING's default locale. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/ustring.h>

#include "engine/base/intmath.h"
#include "udf/builtins_int.h"
#include "udf/tz.h"

#define MAX_TOKENS 64

typedef struct {
  char letter; /* 0 for literal text; '[' and ']' open and close an optional section */
  int count;
  const char *lit; /* into the pattern (lit_len bytes) */
  int lit_len;
} tok_t;

typedef struct {
  char pattern[256];
  tok_t t[MAX_TOKENS];
  int n;
} fmt_t;

/* What prepare builds for a call site: the constant pattern and/or constant zone. */
typedef struct dt_site {
  bool has_fmt, has_zone;
  fmt_t fmt;
  const wy_tz_t *zone; /* NULL with has_zone: an unknown zone (fails each call) */
  char zone_text[100];
} dt_site_t;

static bool compile_fmt(const char *p, size_t n, fmt_t *f, wy_error_t *err) {
  if (n >= sizeof f->pattern) return wy_error_set(err, WY_ERR_EVAL, "date pattern too long"), false;
  memcpy(f->pattern, p, n);
  f->pattern[n] = '\0';
  f->n = 0;
  const char *s = f->pattern;
  int depth = 0;
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
      if (j == n)
        return wy_error_set(err, WY_ERR_EVAL, "Pattern ends with an incomplete string literal: %s",
                            f->pattern),
               false;
      t->lit = s + i + 1;
      t->lit_len = (int)(j - i - 1);
      i = j + 1;
    } else if (c == '[' || c == ']') {
      if (c == ']' && depth == 0)
        return wy_error_set(err, WY_ERR_EVAL,
                            "Pattern invalid as it contains ] without previous [: %s", f->pattern),
               false;
      depth += c == '[' ? 1 : -1;
      t->letter = c;
      i++;
    } else if (c == '{' || c == '}' || c == '#') {
      return wy_error_set(err, WY_ERR_EVAL, "Pattern includes reserved character: '%c'", c), false;
    } else if (isalpha((unsigned char)c)) {
      if (!strchr("GuyYDMLdQqwWEecFahKkHmsSAnNVvzOXxZ", c))
        return wy_error_set(err, WY_ERR_EVAL, "Unknown pattern letter: %c", c), false;
      size_t j = i;
      while (j < n && s[j] == c) j++;
      t->letter = c;
      t->count = (int)(j - i);
      if (c == 'V' && t->count != 2)
        return wy_error_set(err, WY_ERR_EVAL, "Pattern letter count must be 2: V"), false;
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
static const char *const QUARTERS[] = {"1st quarter", "2nd quarter", "3rd quarter", "4th quarter"};

/* ---- zones and offsets ---- */

/* An offset as the letters X x Z O print it (seconds east of UTC). */
static void put_offset(wy_buf_t *b, char letter, int c, int32_t off) {
  int32_t a = off < 0 ? -off : off;
  int h = a / 3600, m = a / 60 % 60, s = a % 60;
  char sign = off < 0 ? '-' : '+';
  if (letter == 'O' || (letter == 'Z' && c == 4)) { /* localized: GMT+8, GMT+08:00 */
    wy_buf_append_str(b, "GMT");
    if (!off) return;
    if (letter == 'O' && c == 1) {
      wy_buf_printf(b, "%c%d", sign, h);
      if (m || s) wy_buf_printf(b, ":%02d", m);
    } else {
      wy_buf_printf(b, "%c%02d:%02d", sign, h, m);
    }
    if (s) wy_buf_printf(b, ":%02d", s);
    return;
  }
  if (!off && (letter == 'X' || (letter == 'Z' && c == 5))) {
    wy_buf_putc(b, 'Z');
    return;
  }
  if (letter == 'Z') c = c <= 3 ? 2 : 5; /* Z..ZZZ: +HHMM; ZZZZZ: +HH:MM:ss */
  switch (c) {
    case 1: /* +HH, +HHmm when there are minutes */
      wy_buf_printf(b, "%c%02d", sign, h);
      if (m) wy_buf_printf(b, "%02d", m);
      break;
    case 2:
      wy_buf_printf(b, "%c%02d%02d", sign, h, m);
      break;
    case 3:
      wy_buf_printf(b, "%c%02d:%02d", sign, h, m);
      break;
    case 4:
      wy_buf_printf(b, "%c%02d%02d", sign, h, m);
      if (s) wy_buf_printf(b, "%02d", s);
      break;
    default:
      wy_buf_printf(b, "%c%02d:%02d", sign, h, m);
      if (s) wy_buf_printf(b, ":%02d", s);
      break;
  }
}

/* The zone's long name in en_US (ICU), e.g. "Pacific Daylight Time". */
static void put_long_name(wy_buf_t *b, const wy_tz_t *z, bool dst) {
  UErrorCode st = U_ZERO_ERROR;
  UChar id[100], name[128];
  char out[256];
  u_uastrncpy(id, wy_tz_id(z), 99);
  id[99] = 0;
  UCalendar *cal = ucal_open(id, -1, "en_US", UCAL_GREGORIAN, &st);
  int32_t len = cal ? ucal_getTimeZoneDisplayName(cal, dst ? UCAL_DST : UCAL_STANDARD, "en_US",
                                                  name, 128, &st)
                    : 0;
  ucal_close(cal);
  if (U_FAILURE(st) || len <= 0 || len >= 128) {
    wy_buf_append_str(b, wy_tz_id(z));
    return;
  }
  u_strToUTF8(out, sizeof out, NULL, name, len, &st);
  wy_buf_append_str(b, U_SUCCESS(st) ? out : wy_tz_id(z));
}

/* A zone named in text (pattern letter z or v): an ID, else a name ICU knows in en_US
 * ("PST", "Pacific Standard Time"). Consumes the name; NULL when none. */
static const wy_tz_t *parse_zone_name(const char **p, const char *e) {
  const char *st = *p;
  while (*p < e && !isspace((unsigned char)**p)) (*p)++;
  const wy_tz_t *z = wy_tz_get(st, (size_t)(*p - st));
  if (z) return z;
  *p = st;
  static const char *const pats[] = {"z", "zzzz"}; /* short names, then long ones */
  for (int k = 0; k < 2; k++) {
    UErrorCode err = U_ZERO_ERROR;
    UChar text[128], pat[8], id[100];
    int32_t tl = 0, pos = 0, il = 0;
    u_strFromUTF8(text, 128, &tl, st, (int32_t)(e - st > 120 ? 120 : e - st), &err);
    u_uastrcpy(pat, pats[k]);
    UDateFormat *f = udat_open(UDAT_PATTERN, UDAT_PATTERN, "en_US", NULL, 0, pat, -1, &err);
    UCalendar *cal = ucal_open(NULL, 0, "en_US", UCAL_GREGORIAN, &err);
    if (U_SUCCESS(err)) udat_parseCalendar(f, cal, text, tl, &pos, &err);
    if (U_SUCCESS(err) && pos > 0) il = ucal_getTimeZoneID(cal, id, 100, &err);
    udat_close(f);
    ucal_close(cal);
    if (il <= 0 || il >= 100 || U_FAILURE(err)) continue;
    char utf8[100];
    u_austrncpy(utf8, id, sizeof utf8 - 1);
    utf8[sizeof utf8 - 1] = 0;
    const wy_tz_t *z = wy_tz_get(utf8, strlen(utf8));
    if (!z) continue;
    *p = st + pos; /* zone names are ASCII: UTF-16 units are bytes */
    return z;
  }
  return NULL;
}

/* An offset in text: Z, +HH, +HHMM, +HH:MM(:SS), GMT+H(:MM). Seconds east. */
static bool parse_offset_text(const char **p, const char *e, int32_t *off) {
  const char *s = *p;
  if (e - s >= 3 && !strncasecmp(s, "GMT", 3)) {
    s += 3;
    if (s == e || (*s != '+' && *s != '-')) return *off = 0, *p = s, true;
  } else if (s < e && (*s == 'Z' || *s == 'z')) {
    *off = 0;
    *p = s + 1;
    return true;
  }
  if (s == e || (*s != '+' && *s != '-')) return false;
  int sign = *s++ == '-' ? -1 : 1, v[3] = {0, 0, 0}, f = 0;
  for (; f < 3 && s < e; f++) {
    if (f && *s == ':') s++;
    const char *d = s;
    while (s < e && s - d < 2 && isdigit((unsigned char)*s)) v[f] = v[f] * 10 + (*s++ - '0');
    if (s == d) break;
  }
  if (f == 0 || v[0] > 18 || v[1] > 59 || v[2] > 59) return false;
  *off = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
  *p = s;
  return true;
}

/* ---- formatting ---- */

/* Sunday-first weeks with one minimal day (en_US): the week of `days` in its year,
 * and that week-based year. */
static void us_week(int64_t days, int64_t y, int *week, int64_t *wyear) {
  int64_t sunday = days - wy_floor_mod(days + 4, 7); /* 1970-01-01 was a Thursday */
  int64_t next = wy_days_from_civil(y + 1, 1, 1);
  if (sunday + 6 >= next) { /* this week holds 1 January of next year */
    *week = 1;
    *wyear = y + 1;
    return;
  }
  int64_t jan1 = wy_days_from_civil(y, 1, 1);
  int64_t first_sunday = jan1 - wy_floor_mod(jan1 + 4, 7);
  *week = (int)((sunday - first_sunday) / 7) + 1;
  *wyear = y;
}

static void format(wy_buf_t *b, const fmt_t *f, int64_t ms, const wy_tz_t *zone) {
  bool dst = false;
  const char *abbr = "UTC";
  int32_t off = zone ? wy_tz_offset(zone, wy_floor_div(ms, 1000), &dst, &abbr) : 0;
  int64_t local = ms + (int64_t)off * 1000, days = wy_floor_div(local, 86400000),
          rem = wy_floor_mod(local, 86400000);
  int64_t y;
  unsigned mo, d;
  wy_civil_from_days(days, &y, &mo, &d);
  int H = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), s = (int)(rem / 1000 % 60),
      frac = (int)(rem % 1000);
  int dow = (int)wy_floor_mod(days + 3, 7); /* Monday = 0; 1970-01-01 was a Thursday */
  int doy = (int)(days - wy_days_from_civil(y, 1, 1)) + 1;
  for (int i = 0; i < f->n; i++) {
    const tok_t *t = &f->t[i];
    int c = t->count;
    switch (t->letter) {
      case 0:
        wy_buf_append(b, t->lit, (size_t)t->lit_len);
        break;
      case '[':
      case ']':
        break;
      case 'G':
        wy_buf_append_str(b, c == 4   ? (y > 0 ? "Anno Domini" : "Before Christ")
                             : c == 5 ? (y > 0 ? "A" : "B")
                                      : (y > 0 ? "AD" : "BC"));
        break;
      case 'y':
      case 'u':
      case 'Y': {
        int64_t yy = y;
        if (t->letter == 'Y') {
          int w;
          us_week(days, y, &w, &yy);
        }
        if (t->letter == 'y' && yy <= 0) yy = 1 - yy; /* year of era */
        if (c == 2)
          wy_buf_printf(b, "%02d", (int)wy_floor_mod(yy, 100));
        else if (c >= 4 && yy > 9999)
          wy_buf_printf(b, "+%lld", (long long)yy); /* java.time marks years past 9999 */
        else
          wy_buf_printf(b, "%0*lld", c, (long long)yy);
        break;
      }
      case 'M':
      case 'L':
        if (c >= 5)
          wy_buf_putc(b, MONTHS[mo - 1][0]);
        else if (c == 4)
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
      case 'Q':
      case 'q': {
        int q = (int)(mo - 1) / 3 + 1;
        if (c == 3)
          wy_buf_printf(b, "Q%d", q);
        else if (c == 4)
          wy_buf_append_str(b, QUARTERS[q - 1]);
        else
          wy_buf_printf(b, "%0*d", c > 2 ? 1 : c, q);
        break;
      }
      case 'w': {
        int w;
        int64_t wy;
        us_week(days, y, &w, &wy);
        wy_buf_printf(b, "%0*d", c, w);
        break;
      }
      case 'W': {
        int64_t first = days - (d - 1);
        int w = (int)((d - 1 + wy_floor_mod(first + 4, 7)) / 7) + 1;
        wy_buf_printf(b, "%0*d", c, w);
        break;
      }
      case 'F':
        wy_buf_printf(b, "%0*u", c, (d - 1) / 7 + 1);
        break;
      case 'E':
      case 'e':
      case 'c':
        if ((t->letter == 'e' || t->letter == 'c') && c <= 2) {
          wy_buf_printf(b, "%0*d", c, (dow + 1) % 7 + 1); /* Sunday = 1 */
        } else if (c == 5) {
          wy_buf_putc(b, DAYS[dow][0]);
        } else {
          wy_buf_append(b, DAYS[dow], c >= 4 ? strlen(DAYS[dow]) : 3);
        }
        break;
      case 'a':
        wy_buf_append_str(b, H < 12 ? "AM" : "PM");
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
      case 'A':
        wy_buf_printf(b, "%0*lld", c, (long long)rem);
        break;
      case 'n':
        wy_buf_printf(b, "%0*d", c, frac * 1000000);
        break;
      case 'N':
        wy_buf_printf(b, "%0*lld", c, (long long)rem * 1000000);
        break;
      case 'V':
        wy_buf_append_str(b, zone ? wy_tz_id(zone) : "UTC");
        break;
      case 'z':
      case 'v':
        if (c == 4 && zone && !wy_tz_fixed(zone))
          put_long_name(b, zone, dst && t->letter == 'z');
        else
          wy_buf_append_str(b, abbr);
        break;
      default: /* X x Z O */
        put_offset(b, t->letter, c, off);
        break;
    }
  }
}

/* ---- parsing ---- */

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

/* Parsed fields; unset ones default to 1970-01-01T00:00:00.000. Week fields are read
 * with Locale.ROOT's weeks (ksqlDB's StringToTimestampParser): Monday first, one
 * minimal day; dow is 1 (Monday) .. 7, 0 when absent. */
typedef struct {
  int64_t y, mo, d, H, mi, sec, frac, doy;
  int64_t wby, wow, wom; /* week-based year (Y), its week (w), week of month (W) */
  int dow;
  int pm;
  bool h12, has_date, has_off;
  bool has_y, has_mo, has_d, has_wby, has_wow, has_wom;
  int32_t off;
  const wy_tz_t *zone;
} fields_t;

/* One token at *p; false when the text does not fit it. */
static bool parse_token(const fmt_t *f, int i, const char **pp, const char *e, fields_t *r) {
  const tok_t *t = &f->t[i];
  const char *p = *pp;
  int c = t->count;
  bool adjacent = i + 1 < f->n && f->t[i + 1].letter && f->t[i + 1].letter != '[' &&
                  f->t[i + 1].letter != ']'; /* numeric fields run together */
  int64_t v;
  switch (t->letter) {
    case 0:
      if ((int)(e - p) < t->lit_len || strncasecmp(p, t->lit, (size_t)t->lit_len)) return false;
      p += t->lit_len;
      break;
    case 'G':
      if (e - p >= 2 && (!strncasecmp(p, "AD", 2) || !strncasecmp(p, "BC", 2)))
        p += 2;
      else
        return false;
      break;
    case 'y':
    case 'u':
    case 'Y': {
      int64_t *y = t->letter == 'Y' ? &r->wby : &r->y;
      if (!take_num(&p, e, c == 2 ? 2 : 1, c == 2 ? 2 : (adjacent ? c : 10), y)) return false;
      if (c == 2) *y += 2000;
      if (t->letter == 'Y') {
        r->has_wby = true;
      } else {
        r->has_y = true;
        r->has_date = true;
      }
      break;
    }
    case 'M':
    case 'L':
      if (c >= 3) {
        int k = take_name(&p, e, MONTHS, 12, c >= 4);
        if (k < 0) return false;
        r->mo = k + 1;
      } else if (!take_num(&p, e, c, adjacent ? c : 2, &r->mo)) {
        return false;
      }
      r->has_mo = r->has_date = true;
      break;
    case 'd':
      if (!take_num(&p, e, c, adjacent ? c : 2, &r->d)) return false;
      r->has_d = r->has_date = true;
      break;
    case 'D':
      if (!take_num(&p, e, c, adjacent ? c : 3, &r->doy)) return false;
      r->has_date = true;
      break;
    case 'w':
      if (!take_num(&p, e, c, adjacent ? c : 2, &r->wow)) return false;
      r->has_wow = true;
      break;
    case 'W':
      if (!take_num(&p, e, c, adjacent ? c : 2, &r->wom)) return false;
      r->has_wom = true;
      break;
    case 'Q':
    case 'q':
    case 'F':
      if (!take_num(&p, e, c, adjacent ? c : 2, &v)) return false; /* checked, not applied */
      break;
    case 'E':
    case 'e':
    case 'c':
      if (t->letter != 'E' && c <= 2) { /* localized: Monday is 1 in Locale.ROOT */
        if (!take_num(&p, e, c, c, &v) || v < 1 || v > 7) return false;
        r->dow = (int)v;
      } else {
        int k = take_name(&p, e, DAYS, 7, c >= 4);
        if (k < 0) return false;
        r->dow = k + 1;
      }
      r->has_date = true;
      break;
    case 'H':
    case 'k':
      if (!take_num(&p, e, c, adjacent ? c : 2, &r->H)) return false;
      if (t->letter == 'k' && r->H == 24) r->H = 0;
      break;
    case 'h':
    case 'K':
      if (!take_num(&p, e, c, adjacent ? c : 2, &r->H)) return false;
      r->h12 = true;
      break;
    case 'm':
      if (!take_num(&p, e, c, adjacent ? c : 2, &r->mi)) return false;
      break;
    case 's':
      if (!take_num(&p, e, c, adjacent ? c : 2, &r->sec)) return false;
      break;
    case 'S': {
      const char *st = p;
      if (!take_num(&p, e, c, adjacent ? c : 9, &v)) return false;
      int digits = (int)(p - st);
      while (digits > 3) v /= 10, digits--;
      while (digits < 3) v *= 10, digits++;
      r->frac = v;
      break;
    }
    case 'A':
      if (!take_num(&p, e, 1, 8, &v) || v >= 86400000) return false;
      r->H = v / 3600000, r->mi = v / 60000 % 60, r->sec = v / 1000 % 60, r->frac = v % 1000;
      break;
    case 'n':
      if (!take_num(&p, e, 1, 9, &v)) return false;
      r->frac = v / 1000000;
      break;
    case 'N':
      if (!take_num(&p, e, 1, 14, &v)) return false;
      v /= 1000000;
      r->H = v / 3600000, r->mi = v / 60000 % 60, r->sec = v / 1000 % 60, r->frac = v % 1000;
      break;
    case 'a':
      if (e - p >= 2 && !strncasecmp(p, "AM", 2))
        r->pm = 0;
      else if (e - p >= 2 && !strncasecmp(p, "PM", 2))
        r->pm = 1;
      else
        return false;
      p += 2;
      break;
    case 'V':
    case 'z':
    case 'v':
      if (!(r->zone = parse_zone_name(&p, e))) return false;
      break;
    default: /* X x Z O */
      if (!parse_offset_text(&p, e, &r->off)) return false;
      r->has_off = true;
      break;
  }
  *pp = p;
  return true;
}

static int64_t month_length(int64_t y, unsigned mo) {
  return wy_days_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1u : mo + 1, 1) -
         wy_days_from_civil(y, mo, 1);
}

/* ISO day of week of a day number: 1 (Monday) .. 7; 1970-01-01 was a Thursday. */
static int iso_dow(int64_t days) { return (int)wy_floor_mod(days + 3, 7) + 1; }

/* Monday of week 1 of a year in Locale.ROOT's weeks (Monday first, one minimal day):
 * the week holding 1 January. */
static int64_t week1_monday(int64_t year) {
  int64_t jan1 = wy_days_from_civil(year, 1, 1);
  return jan1 - (iso_dow(jan1) - 1);
}

/* The week-based year and week of a day (Locale.ROOT's weeks). */
static void root_week(int64_t days, int64_t *wby, int64_t *week) {
  int64_t y;
  unsigned mo, d;
  wy_civil_from_days(days, &y, &mo, &d);
  if (days >= week1_monday(y + 1))
    y++;
  else if (days < week1_monday(y))
    y--;
  *wby = y;
  *week = (days - week1_monday(y)) / 7 + 1;
}

/* java.time's SMART resolution of the date fields, then ksqlDB's: a date that resolves
 * (year-month-day, year-day, week-based year-week-day, year-month-week-day) is
 * cross-checked against the other fields parsed (a conflict fails); otherwise each date
 * field parsed is set in turn on 1970-01-01, in ChronoField order (day of week, of
 * month, of year, month, year), as StringToTimestampParser does; week fields that do
 * not resolve are ignored. */
static bool resolve_date(const fields_t *r, int64_t *out) {
  int64_t days = 0;
  bool resolved = true, by_week = false, by_month_week = false; /* those fields are used up */
  if (r->has_y && r->has_mo && r->has_d) {
    /* SMART: a day past the month's end is the last day (2021-02-30 is 02-28) */
    int64_t last = month_length(r->y, (unsigned)r->mo);
    days = wy_days_from_civil(r->y, (unsigned)r->mo, 1) + (r->d < last ? r->d : last) - 1;
  } else if (r->has_y && r->doy > 0) {
    days = wy_days_from_civil(r->y, 1, 1) + r->doy - 1;
    int64_t cy;
    unsigned cm, cd;
    wy_civil_from_days(days, &cy, &cm, &cd);
    if (cy != r->y || r->doy > 366) return false; /* day 366 of a common year */
  } else if (r->has_wby && r->has_wow && r->dow) {
    if (r->wow < 1 || r->wow > 53) return false;
    int64_t weeks = (week1_monday(r->wby + 1) - week1_monday(r->wby)) / 7;
    int64_t w = r->wow < weeks ? r->wow : weeks; /* java.time keeps the week in its year */
    days = week1_monday(r->wby) + (w - 1) * 7 + r->dow - 1;
    by_week = true;
  } else if (r->has_y && r->has_mo && r->has_wom && r->dow) {
    if (r->wom < 0 || r->wom > 6) return false;
    int64_t first = wy_days_from_civil(r->y, (unsigned)r->mo, 1);
    days = first - (iso_dow(first) - 1) + (r->wom - 1) * 7 + r->dow - 1;
    by_month_week = true;
  } else {
    resolved = false;
  }
  if (resolved) {
    int64_t y, wby, wow;
    unsigned mo, d;
    wy_civil_from_days(days, &y, &mo, &d);
    root_week(days, &wby, &wow);
    bool weeks = by_week || by_month_week;
    if ((r->has_y && y != r->y && !by_month_week) ||
        (r->has_mo && mo != (unsigned)r->mo && !by_month_week) ||
        (r->has_d && d != (unsigned)r->d && weeks) || (r->dow && iso_dow(days) != r->dow) ||
        (!by_week && r->has_wby && wby != r->wby) || (!by_week && r->has_wow && wow != r->wow))
      return false; /* "Conflict found" */
    if (r->has_wom && !by_month_week) {
      int64_t first = wy_days_from_civil(y, mo, 1);
      if ((days - (first - (iso_dow(first) - 1))) / 7 + 1 != r->wom) return false;
    }
    *out = days;
    return true;
  }
  /* 1970-01-01, then each parsed field in turn */
  int64_t y = 1970;
  unsigned mo = 1, d = 1;
  if (r->dow) {
    days = r->dow - iso_dow(0);
    wy_civil_from_days(days, &y, &mo, &d);
  }
  if (r->has_d) {
    if (r->d > month_length(y, mo)) return false; /* "Invalid date 'FEBRUARY 30'" */
    d = (unsigned)r->d;
  }
  if (r->doy > 0) {
    int64_t x = wy_days_from_civil(y, 1, 1) + r->doy - 1, cy;
    wy_civil_from_days(x, &cy, &mo, &d);
    if (cy != y) return false;
  }
  if (r->has_mo) mo = (unsigned)r->mo;
  if (r->has_y) y = r->y;
  /* withMonth / withYear keep the day in the month: 31 January to February is the 28th */
  int64_t last = month_length(y, mo);
  *out = wy_days_from_civil(y, mo, 1) + (d < last ? d : last) - 1;
  return true;
}

/* Parse text with the pattern in `zone` (unless the text names its own zone); text after
 * the pattern's end is an error unless `prefix`. */
static bool parse(const fmt_t *f, const char *s, size_t n, const wy_tz_t *zone, bool prefix,
                  int64_t *ms_out, bool *has_date) {
  const char *p = s, *e = s + n;
  fields_t r = {.y = 1970, .mo = 1, .d = 1, .doy = -1, .pm = -1};
  const char *opt_start[8];
  int depth = 0;
  for (int i = 0; i < f->n; i++) {
    char l = f->t[i].letter;
    if (l == '[') {
      if (depth < 8) opt_start[depth] = p;
      depth++;
      continue;
    }
    if (l == ']') {
      depth--;
      continue;
    }
    if (parse_token(f, i, &p, e, &r)) continue;
    if (depth == 0 || depth > 8) return false;
    /* An optional section that does not fit: rewind and skip to its end. */
    p = opt_start[depth - 1];
    for (int k = depth; i + 1 < f->n && k >= depth;) {
      i++;
      if (f->t[i].letter == '[') k++;
      if (f->t[i].letter == ']') k--;
    }
    depth--;
  }
  *has_date = r.has_date;
  if (p != e && !prefix) return false;
  if (r.h12) {
    if (r.H < 1 || r.H > 12) return false;
    r.H = r.H % 12 + (r.pm == 1 ? 12 : 0);
  } else if (r.pm == 1 && r.H < 12) {
    r.H += 12;
  }
  if (r.mo < 1 || r.mo > 12 || r.d < 1 || r.d > 31 || r.H > 23 || r.mi > 59 || r.sec > 59)
    return false;
  int64_t days;
  if (!resolve_date(&r, &days)) return false;
  int64_t local_s = days * 86400 + (r.H * 60 + r.mi) * 60 + r.sec;
  int32_t off = r.has_off ? r.off
                : r.zone  ? wy_tz_local_offset(r.zone, local_s)
                : zone    ? wy_tz_local_offset(zone, local_s)
                          : 0;
  *ms_out = (local_s - off) * 1000 + r.frac;
  return true;
}

/* ---- call-site preparation: a constant pattern (argument 1) and zone (argument 2) ---- */

static wy_status_t dt_prepare(const wy_type_t *const *args, const wy_value_t *const *consts,
                              size_t n, void **site, wy_error_t *err) {
  *site = NULL;
  bool fmt_const = n >= 2 && consts[1] && !consts[1]->null;
  bool zone_const = n >= 3 && consts[2] && !consts[2]->null;
  if (!fmt_const && !zone_const) return WY_OK;
  dt_site_t *s = calloc(1, sizeof *s);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (fmt_const) {
    if (!compile_fmt(consts[1]->u.str, consts[1]->len, &s->fmt, err)) {
      free(s);
      return err ? err->code : WY_ERR_EVAL;
    }
    s->has_fmt = true;
  }
  if (zone_const) {
    s->has_zone = true;
    s->zone = wy_tz_get(consts[2]->u.str, consts[2]->len);
    snprintf(s->zone_text, sizeof s->zone_text, "%.*s", (int)consts[2]->len, consts[2]->u.str);
  }
  *site = s;
  return WY_OK;
}
static void dt_release(void *site) { free(site); }
const wy_prep_t wy_prep_datetime = {dt_prepare, dt_release};

static wy_status_t get_fmt(wy_fn_ctx_t *ctx, const wy_value_t *pat, fmt_t *tmp, const fmt_t **f) {
  const dt_site_t *s = ctx->site;
  if (s && s->has_fmt) {
    *f = &s->fmt;
    return WY_OK;
  }
  wy_error_t e;
  if (!compile_fmt(pat->u.str, pat->len, tmp, &e)) return wy_fn_fail(ctx, "%s", e.msg);
  *f = tmp;
  return WY_OK;
}

static wy_status_t unknown_zone(wy_fn_ctx_t *ctx, const char *id, size_t n) {
  return wy_fn_fail(ctx, "Unknown time-zone ID: %.*s", (int)n, id);
}

/* The zone of argument i (UTC when the call has none). */
static wy_status_t tz_arg(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, size_t i,
                          const wy_tz_t **zone) {
  const dt_site_t *s = ctx->site;
  *zone = wy_tz_get("UTC", 3);
  if (n <= i) return WY_OK;
  if (s && s->has_zone) {
    *zone = s->zone;
    return s->zone ? WY_OK : unknown_zone(ctx, s->zone_text, strlen(s->zone_text));
  }
  *zone = wy_tz_get(a[i].u.str, a[i].len);
  return *zone ? WY_OK : unknown_zone(ctx, a[i].u.str, a[i].len);
}

static wy_status_t format_ms(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, int64_t ms,
                             wy_value_t *out) {
  fmt_t tmp;
  const fmt_t *f = NULL;
  const wy_tz_t *zone = NULL;
  wy_status_t st = get_fmt(ctx, &a[1], &tmp, &f);
  if (!st) st = tz_arg(ctx, a, n, 2, &zone);
  if (st) return st;
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  format(&b, f, ms, zone);
  return wy_fn_buf_result(ctx, &b, false, out);
}

static wy_status_t parse_ms(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, const char *what,
                            bool prefix, int64_t *ms) {
  fmt_t tmp;
  const fmt_t *f = NULL;
  const wy_tz_t *zone = NULL;
  bool has_date;
  wy_status_t st = get_fmt(ctx, &a[1], &tmp, &f);
  if (!st) st = tz_arg(ctx, a, n, 2, &zone);
  if (st) return st;
  if (!parse(f, a[0].u.str, a[0].len, zone, prefix, ms, &has_date))
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
  wy_status_t st = parse_ms(ctx, a, n, "timestamp", false, &ms);
  if (!st) *out = wy_bigint(ms);
  return st;
}
wy_status_t fn_parse_timestamp(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "timestamp", false, &ms);
  if (!st) *out = wy_timestamp(ms);
  return st;
}
wy_status_t fn_stringtodate(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "date", false, &ms);
  if (!st) *out = wy_int((int32_t)wy_floor_div(ms, 86400000));
  return st;
}
/* PARSE_DATE reads a date at the start of the text and ignores what follows, as
 * SimpleDateFormat.parse(String) did for ksqlDB's outputs: PARSE_DATE('2003-12-24-01-01',
 * 'yyyy-MM-dd') is 2003-12-24. */
wy_status_t fn_parse_date(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "date", true, &ms);
  if (!st) *out = wy_date((int32_t)wy_floor_div(ms, 86400000));
  return st;
}
wy_status_t fn_parse_time(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int64_t ms;
  wy_status_t st = parse_ms(ctx, a, n, "time", false, &ms);
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

/* ksqlDB: the instant moves by the difference of the two zones' offsets at it. */
wy_status_t fn_convert_tz(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const wy_tz_t *from = wy_tz_get(a[1].u.str, a[1].len), *to = wy_tz_get(a[2].u.str, a[2].len);
  if (!from) return unknown_zone(ctx, a[1].u.str, a[1].len);
  if (!to) return unknown_zone(ctx, a[2].u.str, a[2].len);
  int64_t s = wy_floor_div(a[0].u.i64, 1000);
  int64_t delta = (int64_t)wy_tz_offset(to, s, NULL, NULL) - wy_tz_offset(from, s, NULL, NULL);
  *out = wy_timestamp(a[0].u.i64 + delta * 1000);
  return WY_OK;
}
