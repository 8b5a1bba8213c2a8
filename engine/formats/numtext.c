/* Java-compatible number text: what ksqlDB's serdes get from Integer.parseInt,
 * Double.parseDouble and BigDecimal (Double.toString is engine/base/numtext.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/decimal.h"
#include "engine/formats/format_int.h"

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool parse_int_range(const char *s, size_t n, int64_t lo, uint64_t hi_abs_neg,
                            int64_t *out) {
  if (n == 0) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
    if (n == 1) return false;
  }
  uint64_t v = 0;
  uint64_t limit = neg ? hi_abs_neg : (uint64_t)(-(lo + 1)); /* |min| or max */
  for (; i < n; i++) {
    if (!is_digit(s[i])) return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

bool wy_fmt_parse_i32(const char *s, size_t n, int32_t *out) {
  int64_t v;
  if (!parse_int_range(s, n, INT32_MIN, (uint64_t)INT32_MAX + 1, &v)) return false;
  *out = (int32_t)v;
  return true;
}

bool wy_fmt_parse_i64(const char *s, size_t n, int64_t *out) {
  return parse_int_range(s, n, INT64_MIN, (uint64_t)INT64_MAX + 1, out);
}

/* Case-sensitive, as Java: "NaN" and "Infinity" only. */
static bool word_eq(const char *s, size_t n, const char *w) {
  return n == strlen(w) && memcmp(s, w, n) == 0;
}

bool wy_fmt_parse_double(const char *s, size_t n, double *out) {
  /* Java trims every char <= ' ' on both ends. */
  while (n && (unsigned char)s[0] <= ' ') s++, n--;
  while (n && (unsigned char)s[n - 1] <= ' ') n--;
  if (n == 0) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') neg = s[i++] == '-';
  if (word_eq(s + i, n - i, "NaN")) {
    *out = NAN;
    return true;
  }
  if (word_eq(s + i, n - i, "Infinity")) {
    *out = neg ? -INFINITY : INFINITY;
    return true;
  }
  if (n > i && strchr("fFdD", s[n - 1])) n--;
  /* Strict decimal grammar first, then strtod on a NUL-terminated copy. */
  size_t j = i, nd = 0;
  while (j < n && is_digit(s[j])) j++, nd++;
  if (j < n && s[j] == '.') {
    j++;
    while (j < n && is_digit(s[j])) j++, nd++;
  }
  if (nd == 0) return false;
  if (j < n && (s[j] == 'e' || s[j] == 'E')) {
    j++;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    size_t ed = 0;
    while (j < n && is_digit(s[j])) j++, ed++;
    if (ed == 0) return false;
  }
  if (j != n) return false;
  char stackbuf[128];
  char *buf = n < sizeof stackbuf ? stackbuf : malloc(n + 1);
  if (!buf) return false;
  memcpy(buf, s, n);
  buf[n] = '\0';
  *out = strtod(buf, NULL);
  if (buf != stackbuf) free(buf);
  return true;
}

bool wy_fmt_decnum_parse(const char *s, size_t n, wy_fmt_decnum_t *d) {
  size_t i = 0;
  memset(d, 0, sizeof *d);
  if (i < n && (s[i] == '+' || s[i] == '-')) d->neg = s[i++] == '-';
  size_t start = i, intd = 0, fracd = 0;
  while (i < n && is_digit(s[i])) i++, intd++;
  size_t dot = (size_t)-1;
  if (i < n && s[i] == '.') {
    dot = i++;
    while (i < n && is_digit(s[i])) i++, fracd++;
  }
  if (intd + fracd == 0) return false;
  size_t end = i;
  int64_t e = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    size_t ed = 0;
    for (; i < n && is_digit(s[i]); i++, ed++) {
      /* BigDecimal's scale is an int: larger exponents are a NumberFormatException. */
      if (e > 100000000000LL) return false;
      e = e * 10 + (s[i] - '0');
    }
    if (ed == 0) return false;
    if (eneg) e = -e;
  }
  if (i != n) return false;
  if (e > INT32_MAX || e < -(int64_t)INT32_MAX) return false;
  /* Skip leading zeros (and the dot, when they run past it). */
  size_t p = start, nd = intd + fracd;
  while (nd > 1 && (s[p] == '0' || s[p] == '.')) {
    if (s[p] == '0') nd--;
    p++;
  }
  if (s[p] == '.') p++;
  d->digits = s + p;
  d->digits_end = s + end;
  d->ndigits = nd;
  d->exp10 = e - (int64_t)fracd;
  (void)dot;
  return true;
}

/* Copy the digit characters of a decnum (the dot left out); returns how many. */
static size_t decnum_digits(const wy_fmt_decnum_t *d, char *out) {
  size_t n = 0;
  for (const char *p = d->digits; p < d->digits_end; p++)
    if (*p != '.') out[n++] = *p;
  return n;
}

static bool decnum_is_zero(const wy_fmt_decnum_t *d) {
  for (const char *p = d->digits; p < d->digits_end; p++)
    if (*p != '.' && *p != '0') return false;
  return true;
}

bool wy_fmt_decnum_fit(const wy_fmt_decnum_t *d, const char *text, size_t textlen, int precision,
                       int scale, wy_int128_t *out, char *msg, size_t msgcap) {
  /* Strip trailing zeros into the exponent: they never need rounding. */
  size_t nd = d->ndigits;
  int64_t e = d->exp10;
  const char *last = d->digits_end;
  while (nd > 1 && (last[-1] == '0' || last[-1] == '.')) {
    if (last[-1] == '0') nd--, e++;
    last--;
  }
  bool zero = decnum_is_zero(d);
  if (zero) {
    *out = 0;
    return true;
  }
  /* Integer digits = nd + e; ksqlDB's ensureMax compares them with p - s. */
  if ((int64_t)nd + e > precision - scale) {
    snprintf(msg, msgcap,
             "Numeric field overflow: A field with precision %d and scale %d must round to an "
             "absolute value less than 10^%d. Got %.*s",
             precision, scale, precision - scale, (int)(textlen > 64 ? 64 : textlen), text);
    return false;
  }
  if (-e > scale) {
    snprintf(msg, msgcap, "Cannot fit decimal '%.*s' into DECIMAL(%d, %d) without rounding.",
             (int)(textlen > 64 ? 64 : textlen), text, precision, scale);
    return false;
  }
  /* a type declared wider than 38 digits holds the values of 38 (types.h) */
  if ((int64_t)nd + e + scale > WY_DECIMAL_MAX_PRECISION) {
    snprintf(msg, msgcap, "Numeric field overflow: %.*s has more than %d digits at scale %d",
             (int)(textlen > 64 ? 64 : textlen), text, WY_DECIMAL_MAX_PRECISION, scale);
    return false;
  }
  wy_int128_t v = 0;
  size_t taken = 0;
  for (const char *p = d->digits; p < last && taken < nd; p++) {
    if (*p == '.') continue;
    v = v * 10 + (*p - '0');
    taken++;
  }
  for (int64_t k = e + scale; k > 0; k--) v *= 10; /* bounded: at most 38 digits */
  *out = d->neg ? -v : v;
  return true;
}

static bool buf_putc(wy_buf_t *b, char c) { return wy_buf_append(b, &c, 1); }

static bool emit_bigdecimal(const char *coeff, size_t clen, bool neg, int64_t scale,
                            wy_buf_t *out) {
  int64_t adjusted = -scale + (int64_t)(clen - 1);
  if (neg && !(clen == 1 && coeff[0] == '0') && !buf_putc(out, '-')) return false;
  if (scale >= 0 && adjusted >= -6) {
    if (scale == 0) return wy_buf_append(out, coeff, clen);
    if ((int64_t)clen > scale) {
      size_t ip = clen - (size_t)scale;
      return wy_buf_append(out, coeff, ip) && buf_putc(out, '.') &&
             wy_buf_append(out, coeff + ip, clen - ip);
    }
    if (!wy_buf_append(out, "0.", 2)) return false;
    for (int64_t k = 0; k < scale - (int64_t)clen; k++)
      if (!buf_putc(out, '0')) return false;
    return wy_buf_append(out, coeff, clen);
  }
  char tail[24];
  int tn = snprintf(tail, sizeof tail, "E%s%lld", adjusted >= 0 ? "+" : "-",
                    (long long)(adjusted < 0 ? -adjusted : adjusted));
  if (!buf_putc(out, coeff[0])) return false;
  if (clen > 1 && !(buf_putc(out, '.') && wy_buf_append(out, coeff + 1, clen - 1))) return false;
  return wy_buf_append(out, tail, (size_t)tn);
}

bool wy_fmt_decnum_to_string(const wy_fmt_decnum_t *d, wy_buf_t *out) {
  char stack[128] = {0};
  char *coeff = d->ndigits <= sizeof stack ? stack : calloc(1, d->ndigits);
  if (!coeff) return false;
  size_t clen = decnum_digits(d, coeff);
  bool ok = emit_bigdecimal(coeff, clen, d->neg, -d->exp10, out);
  if (coeff != stack) free(coeff);
  return ok;
}

size_t wy_fmt_decimal_to_string(wy_int128_t unscaled, int scale, char *buf, size_t cap) {
  /* The unscaled digits are the plain text of the value at scale 0. */
  char text[48];
  size_t n = wy_decimal_format(unscaled, 0, text, sizeof text);
  bool neg = unscaled < 0;
  const char *digits = neg ? text + 1 : text;
  n -= neg;
  /* At most 38 digits, a sign, "0." and six zeros, or an exponent: the stack buffer is
   * never outgrown, so the append never reallocates it. */
  char stack[128];
  wy_buf_t b = {.data = (uint8_t *)stack, .cap = sizeof stack};
  emit_bigdecimal(digits, n, neg, scale, &b);
  size_t len = b.len;
  if (cap) {
    size_t c = len < cap - 1 ? len : cap - 1;
    memcpy(buf, stack, c);
    buf[c] = '\0';
  }
  return len;
}

uint64_t wy_fmt_decnum_wrap_u64(const wy_fmt_decnum_t *d) {
  /* Digits before the decimal point: ndigits + exp10 of them (more means zeros). */
  int64_t intdigits = (int64_t)d->ndigits + d->exp10;
  uint64_t v = 0;
  int64_t taken = 0;
  for (const char *p = d->digits; p < d->digits_end && taken < intdigits; p++) {
    if (*p == '.') continue;
    v = v * 10 + (uint64_t)(*p - '0');
    taken++;
  }
  /* 10^64 is 0 modulo 2^64, so at most 64 more multiplications matter. */
  int64_t extra = intdigits - taken;
  if (extra > 64) extra = 64;
  while (extra-- > 0) v *= 10;
  return d->neg ? 0 - v : v;
}

size_t wy_fmt_i64_to_text(int64_t v, char *buf) {
  char tmp[24];
  size_t n = 0;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  size_t len = 0;
  if (v < 0) buf[len++] = '-';
  while (n) buf[len++] = tmp[--n];
  buf[len] = '\0';
  return len;
}
