#include "engine/base/numtext.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shortest correctly-rounded digits that read back as d (finite, > 0): precision p
 * round-trips implies p + 1 does, so a binary search over 1..17 finds the shortest. */
static int shortest_digits(double d, char *digits, int *exp10) {
  char buf[40];
  int lo = 1, hi = 17;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    snprintf(buf, sizeof buf, "%.*e", mid - 1, d);
    if (strtod(buf, NULL) == d)
      hi = mid;
    else
      lo = mid + 1;
  }
  /* JDK 19+: when one digit would do, print the closest two-digit decimal. */
  int p = lo == 1 ? 2 : lo;
  snprintf(buf, sizeof buf, "%.*e", p - 1, d); /* "D.DDDe+XX": d > 0 and p >= 2 */
  int n = 0;
  digits[n++] = buf[0];
  const char *q = buf + 2;
  while (*q != 'e') digits[n++] = *q++;
  *exp10 = atoi(q + 1);
  while (n > 1 && digits[n - 1] == '0') n--;
  return n;
}

/* The digits of JDK <= 18's FloatingDecimal for a double in [2^53, 2^63): it takes the
 * "easy" path of an integer that fits a long, drops only the decimal digits that its
 * 2^(binExp - 53) spacing surely makes insignificant (insignificantDigitsForPow2), and
 * rounds half up. That may keep more digits than the shortest that read back: 2^62
 * prints 4.6116860184273879E18, not 4.611686018427388E18. ksqlDB's expected outputs
 * were made on such a JDK. */
static int long_digits(double a, char *digits, int *exp10) {
  static const int insignificant[] = {0, 0, 0, 0, 1, 1, 1, 2, 2};
  int bin_exp = ilogb(a); /* 53..62 */
  int p2 = bin_exp - 53 - 1, drop = p2 > 1 ? insignificant[p2] : 0;
  uint64_t v = (uint64_t)a, pow10 = 1;
  for (int i = 0; i < drop; i++) pow10 *= 10;
  uint64_t residue = v % pow10;
  v /= pow10;
  if (drop && residue >= pow10 / 2) v++;
  char tmp[24];
  int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
  *exp10 = n - 1 + drop;
  while (n > 1 && tmp[n - 1] == '0') n--;
  memcpy(digits, tmp, (size_t)n);
  return n;
}

size_t wy_double_java(double d, char *buf) {
  if (isnan(d)) return (size_t)sprintf(buf, "NaN");
  if (isinf(d)) return (size_t)sprintf(buf, d < 0 ? "-Infinity" : "Infinity");
  size_t len = 0;
  if (signbit(d)) buf[len++] = '-';
  double a = fabs(d);
  if (a == 0) {
    memcpy(buf + len, "0.0", 4);
    return len + 3;
  }
  char digits[24];
  int e;
  int n = a >= 0x1p53 && a < 0x1p63 ? long_digits(a, digits, &e) : shortest_digits(a, digits, &e);
  if (a >= 1e-3 && a < 1e7) {
    if (e >= 0) {
      for (int i = 0; i <= e; i++) buf[len++] = i < n ? digits[i] : '0';
      buf[len++] = '.';
      if (n > e + 1)
        for (int i = e + 1; i < n; i++) buf[len++] = digits[i];
      else
        buf[len++] = '0';
    } else {
      buf[len++] = '0';
      buf[len++] = '.';
      for (int i = 0; i < -e - 1; i++) buf[len++] = '0';
      for (int i = 0; i < n; i++) buf[len++] = digits[i];
    }
  } else {
    buf[len++] = digits[0];
    buf[len++] = '.';
    if (n > 1)
      for (int i = 1; i < n; i++) buf[len++] = digits[i];
    else
      buf[len++] = '0';
    len += (size_t)sprintf(buf + len, "E%d", e);
  }
  buf[len] = '\0';
  return len;
}
