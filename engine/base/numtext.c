#include "engine/base/numtext.h"

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
  int n = shortest_digits(a, digits, &e);
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
