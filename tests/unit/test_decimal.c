/* engine/base/decimal: parsing, formatting and rescaling with HALF_UP. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "engine/base/decimal.h"

static void check_parse_format(const char *in, int p, int s, const char *want) {
  wy_int128_t v;
  assert_true(wy_decimal_parse(in, strlen(in), p, s, &v));
  char buf[64];
  wy_decimal_format(v, s, buf, sizeof buf);
  assert_string_equal(buf, want);
}

static void parse_and_format_round_trip(void **state) {
  (void)state;
  check_parse_format("1.5", 4, 2, "1.50");
  check_parse_format("-0.05", 3, 2, "-0.05");
  check_parse_format("12", 4, 0, "12");
  check_parse_format("0", 5, 3, "0.000");
  check_parse_format("1.005", 4, 2, "1.01");   /* HALF_UP */
  check_parse_format("-1.005", 4, 2, "-1.01"); /* away from zero */
  check_parse_format("1e2", 5, 1, "100.0");
  check_parse_format("+2.5E-1", 3, 2, "0.25");
  check_parse_format("99999999999999999999999999999999999999", 38, 0,
                     "99999999999999999999999999999999999999");
}

/* Regression: mantissa digits after the point were cut at scale + 1 before the exponent
 * moved the point, so Double.toString's "1.19556584E8" parsed at scale 0 as 110000000
 * (CAST(119556584.0 AS DECIMAL(12, 0)), CAST('1.2345E3' AS DECIMAL(4, 0))). */
static void exponent_moves_the_point_before_rounding(void **state) {
  (void)state;
  check_parse_format("1.19556584E8", 12, 0, "119556584");
  check_parse_format("1.19556584E8", 20, 2, "119556584.00");
  check_parse_format("8.825348365575668E15", 20, 0, "8825348365575668");
  check_parse_format("1.2345E3", 4, 0, "1235"); /* HALF_UP on the first digit past scale */
  check_parse_format("-1.2344E3", 5, 0, "-1234");
  check_parse_format("1.23456789E2", 6, 3, "123.457");
  check_parse_format("12345.678E-2", 6, 2, "123.46");
  wy_int128_t v;
  assert_false(wy_decimal_parse("1.5E3x", 6, 10, 0, &v));
  assert_false(wy_decimal_parse("1.5E", 4, 10, 0, &v));
  assert_false(wy_decimal_parse("1.5E+", 5, 10, 0, &v));
  assert_false(wy_decimal_parse("E5", 2, 10, 0, &v));
}

static void parse_rejects_bad_text_and_overflow(void **state) {
  (void)state;
  wy_int128_t v;
  assert_false(wy_decimal_parse("abc", 3, 10, 2, &v));
  assert_false(wy_decimal_parse("", 0, 10, 2, &v));
  assert_false(wy_decimal_parse("1.2.3", 5, 10, 2, &v));
  assert_false(wy_decimal_parse("123.4", 5, 4, 2, &v)); /* needs 5 digits */
  assert_false(wy_decimal_parse("1e", 2, 4, 2, &v));
}

static void rescale_rounds_half_up(void **state) {
  (void)state;
  wy_int128_t v;
  assert_true(wy_decimal_rescale(125, 2, 1, &v));
  assert_true(v == 13);
  assert_true(wy_decimal_rescale(-125, 2, 1, &v));
  assert_true(v == -13);
  assert_true(wy_decimal_rescale(124, 2, 1, &v));
  assert_true(v == 12);
  assert_true(wy_decimal_rescale(7, 0, 3, &v));
  assert_true(v == 7000);
  assert_false(wy_decimal_rescale(wy_decimal_pow10(37), 0, 5, &v));
}

static void doubles_convert_through_shortest_text(void **state) {
  (void)state;
  wy_int128_t v;
  assert_true(wy_decimal_from_double(0.1, 5, 3, &v));
  assert_true(v == 100);
  assert_true(wy_decimal_to_double(1234, 2) == 12.34);
  assert_false(wy_decimal_from_double(1.0 / 0.0, 5, 2, &v));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parse_and_format_round_trip),
      cmocka_unit_test(exponent_moves_the_point_before_rounding),
      cmocka_unit_test(parse_rejects_bad_text_and_overflow),
      cmocka_unit_test(rescale_rounds_half_up),
      cmocka_unit_test(doubles_convert_through_shortest_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
