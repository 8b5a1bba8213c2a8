#include "engine/base/decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/numtext.h"

wy_int128_t wy_decimal_pow10(int n) {
  wy_int128_t p = 1;
  for (int i = 0; i < n && i < 38; i++) p *= 10;
  return p;
}

int wy_decimal_digits(wy_int128_t x) {
  if (x < 0) x = -x;
  int d = 1;
  while (x >= 10) {
    x /= 10;
    d++;
  }
  return d;
}

bool wy_decimal_fits(wy_int128_t x, int precision) { return wy_decimal_digits(x) <= precision; }

bool wy_decimal_rescale(wy_int128_t x, int from_scale, int to_scale, wy_int128_t *out) {
  if (to_scale >= from_scale) {
    int k = to_scale - from_scale;
    if (k > 38) return x == 0 ? (*out = 0, true) : false;
    wy_int128_t p = wy_decimal_pow10(k);
    wy_int128_t lim = wy_decimal_pow10(38);
    if (x != 0 && (x > lim / p || x < -lim / p)) return false;
    *out = x * p;
    return true;
  }
  int k = from_scale - to_scale;
  if (k > 38) {
    *out = 0;
    return true;
  }
  wy_int128_t p = wy_decimal_pow10(k);
  wy_int128_t q = x / p, r = x % p;
  /* HALF_UP: round away from zero when the dropped part is at least one half. */
  wy_int128_t ar = r < 0 ? -r : r;
  if (ar * 2 >= p) q += x < 0 ? -1 : 1;
  *out = q;
  return true;
}

bool wy_decimal_parse(const char *s, size_t len, int precision, int scale, wy_int128_t *out) {
  size_t i = 0;
  bool neg = false;
  while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
  while (len > i && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
  if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  /* The exponent first: it decides which digits of the mantissa are fraction digits. */
  size_t m = i; /* the mantissa is s[i..m) */
  while (m < len && s[m] != 'e' && s[m] != 'E') m++;
  int exp = 0;
  if (m < len) {
    size_t j = m + 1;
    bool eneg = false;
    if (j < len && (s[j] == '+' || s[j] == '-')) eneg = s[j++] == '-';
    if (j >= len) return false;
    for (; j < len; j++) {
      if (s[j] < '0' || s[j] > '9') return false;
      exp = exp * 10 + (s[j] - '0');
      if (exp > 1000) return false;
    }
    if (eneg) exp = -exp;
  }
  /* Mantissa digits past the point beyond this many cannot change the HALF_UP result
   * (the first of them is kept for the rounding). */
  int keep = scale + 1 + (exp > 0 ? exp : 0);
  wy_int128_t digits = 0;
  int ndigits = 0, frac = 0;
  bool any = false, dot = false;
  int dropped = 0; /* digits beyond 38 significant ones, before the dot */
  for (; i < m; i++) {
    char c = s[i];
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    any = true;
    if (ndigits >= 38 || (dot && frac >= keep)) {
      if (!dot) dropped++;
      continue;
    }
    if (ndigits > 0 || c != '0') ndigits++;
    digits = digits * 10 + (c - '0');
    if (dot) frac++;
  }
  if (!any || dropped) return false;
  /* value = digits * 10^(exp - frac) */
  int cur_scale = frac - exp;
  wy_int128_t v;
  if (!wy_decimal_rescale(digits, cur_scale, scale, &v)) return false;
  if (!wy_decimal_fits(v, precision)) return false;
  *out = neg ? -v : v;
  return true;
}

size_t wy_decimal_format(wy_int128_t x, int scale, char *buf, size_t cap) {
  char tmp[64];
  int n = 0;
  bool neg = x < 0;
  /* Work on the negative side so that the smallest value cannot overflow. */
  wy_int128_t y = neg ? x : -x;
  do {
    tmp[n++] = (char)('0' - (int)(y % 10));
    y /= 10;
  } while (y != 0);
  while (n <= scale) tmp[n++] = '0'; /* at least one digit before the dot */
  char out[80];
  size_t len = 0;
  if (neg) out[len++] = '-';
  for (int k = n - 1; k >= 0; k--) {
    out[len++] = tmp[k];
    if (k == scale && scale > 0) out[len++] = '.';
  }
  out[len] = '\0';
  if (cap) {
    size_t c = len < cap - 1 ? len : cap - 1;
    memcpy(buf, out, c);
    buf[c] = '\0';
  }
  return len;
}

double wy_decimal_to_double(wy_int128_t x, int scale) {
  char buf[64];
  wy_decimal_format(x, scale, buf, sizeof buf);
  return strtod(buf, NULL);
}

bool wy_decimal_from_double(double d, int precision, int scale, wy_int128_t *out) {
  if (!isfinite(d)) return false;
  /* Through Double.toString's text, as BigDecimal.valueOf(double) does. */
  char buf[32];
  size_t len = wy_double_java(d, buf);
  return wy_decimal_parse(buf, len, precision, scale, out);
}
