/*
 * intmath.h — integer arithmetic with Java's rounding, for time and window math.
 *
 * C's / and % truncate toward zero; Java's Math.floorDiv and Math.floorMod, which
 * ksqlDB and Kafka Streams use to split epoch milliseconds into days and to find window
 * starts, round toward negative infinity, so a time before 1970 still falls in the day
 * (or window) that contains it. Pure inline functions; any thread.
 */
#ifndef WY_INTMATH_H
#define WY_INTMATH_H

#include <stdint.h>

/* Math.floorDiv(a, b): the largest q with q * b <= a (b > 0) or q * b >= a (b < 0).
 * b must not be 0. As in Java, INT64_MIN / -1 wraps to INT64_MIN. */
static inline int64_t wy_floor_div(int64_t a, int64_t b) {
  if (b == -1) return (int64_t)(0 - (uint64_t)a); /* C leaves INT64_MIN / -1 undefined */
  int64_t q = a / b;
  return q - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* Math.floorMod(a, b) = a - floorDiv(a, b) * b: zero or of the sign of b, |r| < |b|.
 * b must not be 0. */
static inline int64_t wy_floor_mod(int64_t a, int64_t b) {
  if (b == -1) return 0;
  int64_t r = a % b;
  return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}

#endif
