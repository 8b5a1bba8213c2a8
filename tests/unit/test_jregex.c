/* engine/base/jregex: Java's regular-expression syntax over PCRE2 and Java's
 * replacement strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "engine/base/jregex.h"

static wy_jregex_t *compile(const char *p) {
  char err[160];
  wy_jregex_t *re = wy_jregex_compile(p, strlen(p), false, err, sizeof err);
  if (!re) fail_msg("'%s' refused: %s", p, err);
  return re;
}

/* The first match of pattern in s, as text. */
static const char *first(const char *pat, const char *s) {
  static char out[128];
  wy_jregex_t *re = compile(pat);
  size_t ov[20];
  assert_true(wy_jregex_groups(re) < 10);
  bool hit = wy_jregex_find(re, s, strlen(s), 0, ov);
  snprintf(out, sizeof out, "%.*s", hit ? (int)(ov[1] - ov[0]) : 6, hit ? s + ov[0] : "<none>");
  wy_jregex_free(re);
  return out;
}

static bool matches(const char *pat, const char *s) {
  wy_jregex_t *re = compile(pat);
  bool m = wy_jregex_matches(re, s, strlen(s));
  wy_jregex_free(re);
  return m;
}

static void java_classes_and_flags_translate(void **state) {
  assert_string_equal(first("\\p{Lower}+", "ABcdE"), "cd");
  assert_string_equal(first("[\\p{Upper}\\p{Digit}]+", "abC9dE"), "C9");
  assert_string_equal(first("\\P{Alpha}+", "ab12cd"), "12");
  assert_string_equal(first("\\p{javaUpperCase}+", "abÉÀc"), "ÉÀ");
  assert_string_equal(first("\\p{IsLatin}+", "日本abc"), "abc");
  assert_string_equal(first("[a-c[x-z]]+", "mmbyxam"), "byxa"); /* Java's class union */
  assert_string_equal(first("\\0101", "zA"), "A");              /* octal \0mnn */
  assert_string_equal(first("\\u00e9+", "caféé"), "éé");
  assert_string_equal(first("\\x{41}", "zA"), "A");
  assert_string_equal(first("(?iu)straße", "STRAßE"), "STRAßE"); /* u dropped, i kept */
  assert_string_equal(first("(?d:a.)", "a\nab"), "ab");
  assert_string_equal(first("\\Q[(\\E+", "a[(((b"), "[(((");
  /* \d \w \s are ASCII, as in Java by default. */
  assert_string_equal(first("\\d+", "٣12"), "12");
  assert_string_equal(first("\\w+", "éab"), "ab");
  /* '.' stops at every Java line terminator, \r and U+2028 included. */
  assert_string_equal(first(".+", "ab\rcd"), "ab");
  assert_string_equal(first(".+",
                            "ab\xe2\x80\xa8"
                            "cd"),
                      "ab");
}

static void matches_anchors_the_whole_subject(void **state) {
  assert_true(matches("_confluent.*", "_confluent-ksql-default"));
  assert_false(matches("confluent", "_confluent-x"));
  assert_true(matches("a*", ""));
  assert_false(matches("\\b", ""));
}

static void invalid_patterns_are_refused_with_a_reason(void **state) {
  char err[160] = "";
  assert_null(wy_jregex_compile("(ab", 3, false, err, sizeof err));
  assert_true(strlen(err) > 0);
  assert_null(wy_jregex_compile("a{2,1}", 6, true, err, sizeof err));
  assert_null(wy_jregex_compile("*a", 2, true, err, sizeof err));
}

static const char *replace_all(const char *pat, const char *s, const char *with) {
  static char out[256];
  wy_jregex_t *re = compile(pat);
  wy_jregex_repl_t r;
  assert_true(wy_jregex_repl_compile(&r, re, with, strlen(with)));
  if (r.error[0]) {
    snprintf(out, sizeof out, "error: %s", r.error);
  } else {
    wy_buf_t b;
    wy_buf_init(&b);
    size_t ov[40], from = 0, copied = 0, n = strlen(s);
    while (from <= n && wy_jregex_find(re, s, n, from, ov)) {
      wy_buf_append(&b, s + copied, ov[0] - copied);
      wy_jregex_repl_apply(&r, s, ov, &b);
      copied = ov[1];
      from = wy_jregex_next(s, n, ov[0], ov[1]);
    }
    wy_buf_append(&b, s + copied, n - copied);
    snprintf(out, sizeof out, "%.*s", (int)b.len, (const char *)b.data);
    wy_buf_free(&b);
  }
  wy_jregex_repl_free(&r);
  wy_jregex_free(re);
  return out;
}

static void replacements_follow_matcher_append_replacement(void **state) {
  assert_string_equal(replace_all("(\\w)(\\d)", "a1 b2", "$2$1"), "1a 2b");
  assert_string_equal(replace_all("(?<x>b)", "abc", "[${x}]"), "a[b]c");
  assert_string_equal(replace_all("b", "abc", "\\$1\\\\"), "a$1\\c");
  /* $12 with one group is group 1 then '2'; with twelve groups it is group 12. */
  assert_string_equal(replace_all("(b)", "abc", "$12"), "ab2c");
  assert_string_equal(replace_all("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)", "abcdefghijkl", "$12"),
                      "l");
  assert_string_equal(replace_all("(a)|(b)", "ab", "<$2>"), "<><b>"); /* unmatched group */
  assert_string_equal(replace_all("x*", "ab", "-"), "-a-b-");
  assert_string_equal(replace_all("é", "café", "e"), "cafe");
  assert_string_equal(replace_all("b", "abc", "$"),
                      "error: Illegal group reference: group index is missing");
  assert_string_equal(replace_all("b", "abc", "$x"), "error: Illegal group reference");
  assert_string_equal(replace_all("b", "abc", "$2"), "error: No group 2");
  assert_string_equal(replace_all("b", "abc", "${nope}"), "error: No group with name {nope}");
  assert_string_equal(replace_all("b", "abc", "${1x}"),
                      "error: capturing group name {1x} starts with digit character");
  assert_string_equal(replace_all("b", "abc", "${x"),
                      "error: named capturing group is missing trailing '}'");
  assert_string_equal(replace_all("b", "abc", "\\"), "error: character to be escaped is missing");
}

static void next_search_skips_one_character_after_an_empty_match(void **state) {
  const char *s = "aé";
  assert_int_equal(wy_jregex_next(s, strlen(s), 0, 1), 1);
  assert_int_equal(wy_jregex_next(s, strlen(s), 1, 1), 3); /* é is two bytes */
  assert_int_equal(wy_jregex_next(s, strlen(s), 3, 3), 4); /* past the end */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(java_classes_and_flags_translate),
      cmocka_unit_test(matches_anchors_the_whole_subject),
      cmocka_unit_test(invalid_patterns_are_refused_with_a_reason),
      cmocka_unit_test(replacements_follow_matcher_append_replacement),
      cmocka_unit_test(next_search_skips_one_character_after_an_empty_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
