/* engine/formats number text: Java's Double.toString, BigDecimal.toString, Integer and
 * Double parsing, exact DECIMAL fitting and Base64, as ksqlDB's serdes produce them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/numtext.h"
#include "engine/formats/format_int.h"

static const char *jd(double d) {
  static char buf[64];
  wy_double_java(d, buf);
  return buf;
}

static void double_to_string_matches_java_on_known_values(void **state) {
  (void)state;
  /* Expected strings are what Java 19+ prints for these doubles. */
  struct {
    double d;
    const char *java;
  } cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {2.0, "2.0"},
      {-2.5, "-2.5"},
      {0.1, "0.1"},
      {0.1 + 0.2, "0.30000000000000004"},
      {100.0, "100.0"},
      {13.54, "13.54"},
      {654.321, "654.321"},
      {9999999.0, "9999999.0"},
      {1e7, "1.0E7"},
      {12345678.9, "1.23456789E7"},
      {0.001, "0.001"},
      {0.0001, "1.0E-4"},
      {1e10, "1.0E10"},
      {-1.5e-7, "-1.5E-7"},
      {1e21, "1.0E21"},
      {1e23, "1.0E23"},
      {1.7976931348623157e308, "1.7976931348623157E308"},
      {2.2250738585072014e-308, "2.2250738585072014E-308"},
      {4.9e-324, "4.9E-324"},
      {22026.465794806718, "22026.465794806718"},
      {123456.789, "123456.789"},
      {1.0E-3 * 5, "0.005"},
      {NAN, "NaN"},
      {INFINITY, "Infinity"},
      {-INFINITY, "-Infinity"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_string_equal(jd(cases[i].d), cases[i].java);
}

/* Java's layout, checked structurally on many doubles: the text reads back exactly, no
 * shorter digit string does (but in [2^53, 2^63)), and plain notation is used exactly
 * for 1e-3 <= |d| < 1e7. */
static void double_to_string_is_shortest_round_trip_with_java_layout(void **state) {
  (void)state;
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 20000; i++) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    double d;
    if (i % 2) {
      uint64_t bits = seed;
      memcpy(&d, &bits, sizeof d);
      if (!isfinite(d)) continue;
    } else {
      /* Human-scale numbers: few digits and a modest exponent. */
      d = (double)(int64_t)(seed % 2000000001) / pow(10, (double)((seed >> 40) % 12)) - 1e3;
    }
    char buf[64];
    size_t n = wy_double_java(d, buf);
    assert_int_equal(n, strlen(buf));
    assert_true(strtod(buf, NULL) == d);
    double a = fabs(d);
    bool sci = strchr(buf, 'E') != NULL;
    if (a != 0) assert_int_equal(sci, !(a >= 1e-3 && a < 1e7));
    /* At least one digit after the point, and no superfluous trailing zero. */
    const char *dot = strchr(buf, '.');
    assert_non_null(dot);
    const char *fend = sci ? strchr(buf, 'E') : buf + n;
    assert_true(fend - dot >= 2);
    if (fend - dot > 2) assert_true(fend[-1] != '0');
    /* Shortest: the significant digits (no leading or trailing zeros) cannot be one
     * fewer. Two digits are allowed where one would do (Java prints 4.9E-324). */
    char dg[32];
    int nd = 0;
    for (const char *p = buf; p < fend; p++)
      if (*p >= '0' && *p <= '9' && (nd || *p != '0')) dg[nd++] = *p;
    while (nd > 0 && dg[nd - 1] == '0') nd--;
    int sig = nd;
    if (sig > 2 && !(a >= 0x1p53 && a < 0x1p63)) { /* JDK <= 18 digits there (numtext.h) */
      char shorter[64];
      snprintf(shorter, sizeof shorter, "%.*e", sig - 2, d);
      assert_true(strtod(shorter, NULL) != d);
    }
  }
}

static void bigdecimal_to_string_uses_scientific_for_small_exponents(void **state) {
  (void)state;
  struct {
    const char *in, *out;
  } cases[] = {
      {"1.50", "1.50"},           {"1e3", "1E+3"},          {"1.5e-10", "1.5E-10"},
      {"0.0000001", "1E-7"},      {"0.000001", "0.000001"}, {"-0.0", "0.0"},
      {"123.456e1", "1234.56"},   {"12E-1", "1.2"},         {"0.00", "0.00"},
      {"-12345.12", "-12345.12"}, {"1.0e+2", "1.0E+2"},     {"000.5", "0.5"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wy_fmt_decnum_t d;
    wy_buf_t b;
    wy_buf_init(&b);
    assert_true(wy_fmt_decnum_parse(cases[i].in, strlen(cases[i].in), &d));
    assert_true(wy_fmt_decnum_to_string(&d, &b));
    assert_int_equal(b.len, strlen(cases[i].out));
    assert_memory_equal(b.data, cases[i].out, b.len);
    wy_buf_free(&b);
  }
  char buf[64];
  wy_fmt_decimal_to_string(150, 2, buf, sizeof buf);
  assert_string_equal(buf, "1.50");
  wy_fmt_decimal_to_string(1, 9, buf, sizeof buf);
  assert_string_equal(buf, "1E-9");
  wy_fmt_decimal_to_string(0, 9, buf, sizeof buf);
  assert_string_equal(buf, "0E-9");
  wy_fmt_decimal_to_string(-5, 0, buf, sizeof buf);
  assert_string_equal(buf, "-5");
}

static void decimal_fit_is_exact_or_fails_like_ksqldb(void **state) {
  (void)state;
  wy_fmt_decnum_t d;
  wy_int128_t v;
  char msg[200];
  assert_true(wy_fmt_decnum_parse("12.0", 4, &d));
  assert_true(wy_fmt_decnum_fit(&d, "12.0", 4, 6, 4, &v, msg, sizeof msg));
  assert_true(v == 120000);
  assert_true(wy_fmt_decnum_parse(".12", 3, &d));
  assert_true(wy_fmt_decnum_fit(&d, ".12", 3, 33, 16, &v, msg, sizeof msg));
  assert_true(v == (wy_int128_t)12 * 100000000000000LL);
  assert_true(wy_fmt_decnum_parse("1.234", 5, &d));
  assert_false(wy_fmt_decnum_fit(&d, "1.234", 5, 4, 2, &v, msg, sizeof msg));
  assert_string_equal(msg, "Cannot fit decimal '1.234' into DECIMAL(4, 2) without rounding.");
  assert_true(wy_fmt_decnum_parse("1.2300", 6, &d)); /* trailing zeros need no rounding */
  assert_true(wy_fmt_decnum_fit(&d, "1.2300", 6, 4, 2, &v, msg, sizeof msg));
  assert_true(v == 123);
  assert_true(wy_fmt_decnum_parse("100.5", 5, &d));
  assert_false(wy_fmt_decnum_fit(&d, "100.5", 5, 4, 2, &v, msg, sizeof msg));
  assert_non_null(strstr(msg, "Numeric field overflow"));
  assert_true(wy_fmt_decnum_parse("-1e2", 4, &d));
  assert_true(wy_fmt_decnum_fit(&d, "-1e2", 4, 5, 1, &v, msg, sizeof msg));
  assert_true(v == -1000);
  const char *bad[] = {"", "-", ".", "1e", "1e+", "1.2.3", "abc", " 1", "1 ", "0x10"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(wy_fmt_decnum_parse(bad[i], strlen(bad[i]), &d));
}

static void integer_and_double_parsing_follow_java(void **state) {
  (void)state;
  int32_t i;
  int64_t l;
  double d;
  assert_true(wy_fmt_parse_i32("+42", 3, &i) && i == 42);
  assert_true(wy_fmt_parse_i32("-2147483648", 11, &i) && i == INT32_MIN);
  assert_false(wy_fmt_parse_i32("2147483648", 10, &i));
  assert_false(wy_fmt_parse_i32(" 1", 2, &i));
  assert_false(wy_fmt_parse_i32("1.0", 3, &i));
  assert_false(wy_fmt_parse_i32("", 0, &i));
  assert_false(wy_fmt_parse_i32("-", 1, &i));
  assert_true(wy_fmt_parse_i64("9223372036854775807", 19, &l) && l == INT64_MAX);
  assert_true(wy_fmt_parse_i64("-9223372036854775808", 20, &l) && l == INT64_MIN);
  assert_false(wy_fmt_parse_i64("9223372036854775808", 19, &l));
  assert_true(wy_fmt_parse_double(" 1.5 ", 5, &d) && d == 1.5);
  assert_true(wy_fmt_parse_double("1e3d", 4, &d) && d == 1000);
  assert_true(wy_fmt_parse_double("-Infinity", 9, &d) && isinf(d) && d < 0);
  assert_true(wy_fmt_parse_double("NaN", 3, &d) && isnan(d));
  assert_true(wy_fmt_parse_double(".5", 2, &d) && d == 0.5);
  assert_false(wy_fmt_parse_double("nan", 3, &d));
  assert_false(wy_fmt_parse_double("1,5", 3, &d));
  assert_false(wy_fmt_parse_double("", 0, &d));
}

static void wrap_to_integer_truncates_like_jackson(void **state) {
  (void)state;
  struct {
    const char *in;
    uint64_t want;
  } cases[] = {
      {"1.9", 1}, {"-1.9", (uint64_t)-1},      {"1e3", 1000}, {"1.5e1", 15},
      {"0.5", 0}, {"18446744073709551617", 1}, {"1e64", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wy_fmt_decnum_t d;
    assert_true(wy_fmt_decnum_parse(cases[i].in, strlen(cases[i].in), &d));
    assert_true(wy_fmt_decnum_wrap_u64(&d) == cases[i].want);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(double_to_string_matches_java_on_known_values),
      cmocka_unit_test(double_to_string_is_shortest_round_trip_with_java_layout),
      cmocka_unit_test(bigdecimal_to_string_uses_scientific_for_small_exponents),
      cmocka_unit_test(decimal_fit_is_exact_or_fails_like_ksqldb),
      cmocka_unit_test(integer_and_double_parsing_follow_java),
      cmocka_unit_test(wrap_to_integer_truncates_like_jackson),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
