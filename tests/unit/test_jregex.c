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

/* Java's class intersection and nested negated classes, which PCRE2 lacks. */
static void class_intersections_and_nested_classes(void **state) {
  assert_string_equal(first("[a-z&&[^aeiou]]+", "aebcdoe"), "bcd");
  assert_string_equal(first("[a-z&&[def]]+", "abcdefg"), "def");
  assert_string_equal(first("[a-z&&d-f]+", "abcdefg"), "def");    /* a bare operand */
  assert_string_equal(first("[a-z&&[^d]&&[^f]]+", "defeg"), "e"); /* a chain */
  assert_string_equal(first("[\\w&&\\D]+", "12ab3"), "ab");
  assert_string_equal(first("[\\p{L}&&[^\\p{Lu}]]+", "ABcdEF"), "cd");
  /* the negation covers the whole intersection (Java 9+) and any character */
  assert_string_equal(first("[^a-z&&[^aeiou]]+", "bcae\ni"), "ae\ni");
  assert_string_equal(first("[a-z&&]+", "Xab"), "ab"); /* an empty operand is ignored */
  /* a nested negated class is a union member, not text */
  assert_string_equal(first("[0-9[^a-z]]+", "ab1X-c"), "1X-");
  assert_string_equal(first("[a[b[c]]]+", "xcbaz"), "cba");
  assert_string_equal(first("[x[a-z&&[^b-y]]]+", "bxazc"), "xaz");
  assert_false(matches("[a&&b]", "a"));
  assert_true(matches("[\\[&&[\\[\\]]]", "["));
  assert_true(matches("(?:[a-c&&[b]]|z)+", "bzb"));
  /* malformed or absurdly deep classes are refused, not recursed into */
  char err[160] = "", deep[4001];
  assert_null(wy_jregex_compile("[a&&[b]", 7, false, err, sizeof err));
  for (int i = 0; i < 2000; i++) deep[i] = '[', deep[2000 + i] = ']';
  deep[4000] = 0;
  wy_jregex_free(wy_jregex_compile(deep, 4000, false, err, sizeof err)); /* no crash */
}

/* \p{In..} blocks (not in PCRE2), Is-binary properties, gc=/sc=, java* classes. */
static void unicode_blocks_scripts_and_java_classes(void **state) {
  assert_string_equal(first("\\p{InGreek}+", "abλόγοςcd"), "λόγος");
  assert_string_equal(first("\\p{InGreek_and_Coptic}+", "xΩy"), "Ω");
  assert_string_equal(first("\\p{InBasicLatin}+", "éab9é"), "ab9");
  assert_string_equal(first("\\p{block=Cyrillic}+", "abмирcd"), "мир");
  assert_string_equal(first("\\P{InBasic_Latin}+", "abçãb"), "çã");
  assert_string_equal(first("[\\P{InBasicLatin}x]+", "abxçyz"), "xç");
  assert_string_equal(first("[\\p{InCyrillic}\\p{InGreek}]+", "aмλb"), "мλ");
  assert_string_equal(first("\\p{IsGreek}+", "aλb"), "λ");
  assert_string_equal(first("\\p{sc=Latin}+", "λabλ"), "ab");
  assert_string_equal(first("\\p{gc=Lu}+", "abCDe"), "CD");
  assert_string_equal(first("\\p{general_category=Nd}+", "a٣4b"), "٣4");
  assert_string_equal(first("\\p{IsAlphabetic}+", "1aé2"), "aé");
  assert_string_equal(first("\\p{IsALPHABETIC}+", "1aé2"), "aé"); /* a name in any case */
  assert_string_equal(first("\\p{IsPunctuation}+", "a!?b"), "!?");
  assert_string_equal(first("\\p{IsWhite_Space}+", "a \u2003b"), " \u2003");
  assert_string_equal(first("\\P{IsAssigned}", "a\xcd\xb8"), "\xcd\xb8"); /* U+0378 */
  assert_string_equal(first("[\\P{IsLetter}]+", "ab12c"), "12");
  /* javaLowerCase is Character.isLowerCase: Ll and Other_Lowercase (ª º ʰ) */
  assert_string_equal(first("\\p{javaLowerCase}+", "Aaªʰb1"), "aªʰb");
  assert_string_equal(first("\\p{javaUpperCase}+", "aⒶB1"), "ⒶB");
  /* javaWhitespace: no no-break spaces; javaISOControl: C0 and C1 */
  assert_string_equal(first("\\p{javaWhitespace}+",
                            "a\xc2\xa0 \t\x1f"
                            "b"),
                      " \t\x1f");
  assert_string_equal(first("\\p{javaISOControl}+", "a\x01\xc2\x85z"), "\x01\xc2\x85");
  assert_string_equal(first("[^\\p{javaLetterOrDigit}]+", "ab-+1"), "-+");
  assert_string_equal(first("[x\\P{javaLetterOrDigit}]+", "abx-1"), "x-");
  assert_string_equal(first("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*", "1 $ab_9"),
                      "$ab_9");
  char err[160] = "";
  assert_null(wy_jregex_compile("\\p{InNoSuchBlock}", 17, false, err, sizeof err));
}

/* (?U), UNICODE_CHARACTER_CLASS: \d \w \s \b and the POSIX classes go Unicode. */
static void unicode_character_class_flag(void **state) {
  assert_string_equal(first("(?U)\\d+", "a٣4b"), "٣4");
  assert_string_equal(first("(?U)\\w+", "-éa1-"), "éa1");
  assert_string_equal(first("(?U)\\s+", "a\u2003 b"), "\u2003 ");
  assert_string_equal(first("(?U)\\p{Lower}+", "AéaB"), "éa");
  assert_string_equal(first("(?iU)É+", "xéÉy"), "éÉ");
  assert_string_equal(first("(?U-i)\\w+", "éa"), "éa");
  assert_string_equal(first("\\w+", "éa"), "a"); /* ASCII without it */
  assert_string_equal(first("(?-U)\\w+", "éa"), "a");
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
      cmocka_unit_test(class_intersections_and_nested_classes),
      cmocka_unit_test(unicode_blocks_scripts_and_java_classes),
      cmocka_unit_test(unicode_character_class_flag),
      cmocka_unit_test(matches_anchors_the_whole_subject),
      cmocka_unit_test(invalid_patterns_are_refused_with_a_reason),
      cmocka_unit_test(replacements_follow_matcher_append_replacement),
      cmocka_unit_test(next_search_skips_one_character_after_an_empty_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
