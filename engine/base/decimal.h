/*
 * decimal.h — DECIMAL(p, s) helpers on 128-bit unscaled integers.
 *
 * A decimal value is unscaled * 10^-scale with at most `precision` digits (<= 38, which
 * fits in a signed 128-bit integer). Rounding is HALF_UP, as Java's BigDecimal in
 * ksqlDB. Pure functions; any thread.
 */
#ifndef WY_DECIMAL_H
#define WY_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/base/value.h"

/* 10^n for n in 0..38. */
wy_int128_t wy_decimal_pow10(int n);
/* Number of decimal digits of |x| (1 for 0). */
int wy_decimal_digits(wy_int128_t x);
/* Does x have at most `precision` digits? */
bool wy_decimal_fits(wy_int128_t x, int precision);
/* Change the scale of x, rounding HALF_UP when the scale shrinks. False on overflow. */
bool wy_decimal_rescale(wy_int128_t x, int from_scale, int to_scale, wy_int128_t *out);
/* Parse "-12.345", "1e3", "+0.5" into a value of the given scale (HALF_UP). False when
 * the text is not a number or the result needs more than `precision` digits. */
bool wy_decimal_parse(const char *s, size_t len, int precision, int scale, wy_int128_t *out);
/* Plain text as BigDecimal.toPlainString: "-1.50", "0.05", "12". Returns length. */
size_t wy_decimal_format(wy_int128_t x, int scale, char *buf, size_t cap);
double wy_decimal_to_double(wy_int128_t x, int scale);
/* False when d is not finite or does not fit. */
bool wy_decimal_from_double(double d, int precision, int scale, wy_int128_t *out);

#endif
