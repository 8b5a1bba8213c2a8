/* udf/tz: java.time zone IDs over the system's tz database — offsets across DST
 * transitions, historical rules, the footer rule past the last transition, and local
 * times in gaps and overlaps as ZonedDateTime.ofLocal resolves them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "udf/tz.h"

static const wy_tz_t *zone(const char *id) {
  const wy_tz_t *z = wy_tz_get(id, strlen(id));
  if (!z) fail_msg("zone %s not found", id);
  return z;
}

static void new_york_switches_at_two_in_the_morning(void **state) {
  const wy_tz_t *ny = zone("America/New_York");
  const char *abbr;
  bool dst;
  assert_int_equal(wy_tz_offset(ny, 1615705199, &dst, &abbr), -5 * 3600); /* 2021-03-14 01:59:59 */
  assert_false(dst);
  assert_string_equal(abbr, "EST");
  assert_int_equal(wy_tz_offset(ny, 1615705200, &dst, &abbr), -4 * 3600); /* 03:00:00 EDT */
  assert_true(dst);
  assert_string_equal(abbr, "EDT");
  assert_int_equal(wy_tz_offset(ny, 1636264799, NULL, NULL), -4 * 3600); /* 2021-11-07 */
  assert_int_equal(wy_tz_offset(ny, 1636264800, NULL, NULL), -5 * 3600);
  /* Local 02:30 on 2021-03-14 does not exist: the offset before the gap (-05:00). */
  assert_int_equal(wy_tz_local_offset(ny, 1615707000 - 5 * 3600 - 3600), -5 * 3600);
  /* Local 01:30 on 2021-11-07 happens twice: the earlier offset (-04:00). */
  assert_int_equal(wy_tz_local_offset(ny, 1636263000 - 4 * 3600), -4 * 3600);
}

static void berlin_switches_at_one_utc(void **state) {
  const wy_tz_t *b = zone("Europe/Berlin");
  const char *abbr;
  assert_int_equal(wy_tz_offset(b, 1616893199, NULL, &abbr), 3600);
  assert_string_equal(abbr, "CET");
  assert_int_equal(wy_tz_offset(b, 1616893200, NULL, &abbr), 7200);
  assert_string_equal(abbr, "CEST");
  assert_int_equal(wy_tz_offset(b, 1635641999, NULL, NULL), 7200);
  assert_int_equal(wy_tz_offset(b, 1635642000, NULL, NULL), 3600);
}

static void historical_and_future_rules(void **state) {
  /* 1945: Berlin's double summer time (+03:00). */
  assert_int_equal(wy_tz_offset(zone("Europe/Berlin"), -775872000, NULL, NULL), 3 * 3600);
  /* 1800: New York's local mean time, -04:56:02. */
  assert_int_equal(wy_tz_offset(zone("America/New_York"), -5364662400LL, NULL, NULL),
                   -(4 * 3600 + 56 * 60 + 2));
  /* 2050: past the file's transitions, the footer rule decides. */
  const char *abbr;
  assert_int_equal(wy_tz_offset(zone("America/New_York"), 2540246400LL, NULL, &abbr), -4 * 3600);
  assert_string_equal(abbr, "EDT");
  assert_int_equal(wy_tz_offset(zone("America/New_York"), 2524608000LL, NULL, &abbr), -5 * 3600);
  assert_string_equal(abbr, "EST");
  /* Southern hemisphere: DST spans the new year. */
  assert_int_equal(wy_tz_offset(zone("Australia/Sydney"), 2524608000LL, NULL, NULL), 11 * 3600);
  assert_int_equal(wy_tz_offset(zone("Asia/Kolkata"), 2524608000LL, NULL, NULL), 19800);
}

static void ids_resolve_as_zone_id_of(void **state) {
  assert_string_equal(wy_tz_id(zone("Z")), "Z");
  assert_string_equal(wy_tz_id(zone("+0200")), "+02:00");
  assert_int_equal(wy_tz_offset(zone("+0200"), 0, NULL, NULL), 7200);
  assert_string_equal(wy_tz_id(zone("-5")), "-05:00");
  assert_string_equal(wy_tz_id(zone("+05:30:15")), "+05:30:15");
  assert_string_equal(wy_tz_id(zone("UTC+2")), "UTC+02:00");
  assert_int_equal(wy_tz_offset(zone("GMT-03:30"), 0, NULL, NULL), -(3 * 3600 + 1800));
  assert_string_equal(wy_tz_id(zone("UT")), "UT");
  assert_true(wy_tz_fixed(zone("UTC")));
  assert_false(wy_tz_fixed(zone("Europe/London")));
  /* Unknown, malformed, case-changed, out of range, or outside the database: none. */
  assert_null(wy_tz_get("Mars/Olympus_Mons", 17));
  assert_null(wy_tz_get("america/new_york", 16));
  assert_null(wy_tz_get("PST", 3));
  assert_null(wy_tz_get("+19:00", 6));
  assert_null(wy_tz_get("+2:00", 5));
  assert_null(wy_tz_get("../etc/passwd", 13));
  assert_null(wy_tz_get("/etc/passwd", 11));
  assert_null(wy_tz_get("zone.tab", 8)); /* not a TZif file */
  assert_null(wy_tz_get("", 0));
  /* The same zone object each time. */
  assert_ptr_equal(zone("Asia/Tokyo"), zone("Asia/Tokyo"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(new_york_switches_at_two_in_the_morning),
      cmocka_unit_test(berlin_switches_at_one_utc),
      cmocka_unit_test(historical_and_future_rules),
      cmocka_unit_test(ids_resolve_as_zone_id_of),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
