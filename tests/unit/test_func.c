/* udf built-ins: each function's normal results, NULL behaviour and errors, evaluated
 * through the expression engine as a query would call them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "test_expr_util.h"

#define EQ(expr, want) assert_string_equal(run_text(expr), want)
#define NULLS(t) wy_expr_cast(NUL(), t, 1, 1)
/* A call that fails at run time: NULL, with the error kept for the processing log. */
#define FAILS(expr, why)                     \
  do {                                       \
    EQ(expr, "null");                        \
    assert_non_null(strstr(t_err.msg, why)); \
  } while (0)

static void math_functions_keep_their_overload_types(void **state) {
  EQ(CALL("ABS", 1, I(-3)), "3");
  EQ(CALL("ABS", 1, DEC("-3.20")), "3.20");
  assert_string_equal(type_text(CALL("ABS", 1, BI(-3))), "BIGINT");
  EQ(CALL("ABS", 1, NULLS(wy_type_int())), "null");
  EQ(CALL("FLOOR", 1, D(-1.1)), "-2.0");
  EQ(CALL("FLOOR", 1, DEC("-1.5")), "-2.0"); /* ksqlDB keeps the argument's type */
  EQ(CALL("CEIL", 1, DEC("1.1")), "2.0");
  EQ(CALL("CEIL", 1, I(7)), "7");
  assert_string_equal(type_text(CALL("CEIL", 1, DEC("1.1"))), "DECIMAL(2, 1)");
  EQ(CALL("SIGN", 1, D(-3)), "-1");
  EQ(CALL("SIGN", 1, DEC("0.0")), "0");
}

static void round_and_trunc_match_java(void **state) {
  EQ(CALL("ROUND", 1, D(-1.5)), "-1"); /* Math.round: half toward +infinity */
  EQ(CALL("ROUND", 1, D(1.5)), "2");
  EQ(CALL("ROUND", 1, D(-12345.678)), "-12346");
  assert_string_equal(type_text(CALL("ROUND", 1, D(1.5))), "BIGINT");
  EQ(CALL("ROUND", 2, D(12345.678), I(2)), "12345.68");
  EQ(CALL("ROUND", 2, D(-12345.678), I(-1)), "-12350.0");
  EQ(CALL("ROUND", 2, D(1.234567), I(10)), "1.234567");
  EQ(CALL("ROUND", 2, D(-1.25), I(1)), "-1.2"); /* ties toward +infinity here too */
  EQ(CALL("ROUND", 1, DEC("12345678987654321.2345678987654321")), "12345678987654321");
  EQ(CALL("ROUND", 2, DEC("12345678987654321.2345678987654321"), I(2)),
     "12345678987654321.2300000000000000");
  EQ(CALL("ROUND", 2, DEC("12345678987654321.2345678987654321"), I(-2)),
     "12345678987654300.0000000000000000");
  EQ(CALL("TRUNC", 1, D(-1.7)), "-1");
  EQ(CALL("TRUNC", 2, D(12345.678), I(2)), "12345.67");
  EQ(CALL("TRUNC", 2, DEC("-12345.6780000"), I(-2)), "-12300.0000000");
  EQ(CALL("TRUNC", 1, BI(2147483648LL)), "2147483648");
}

static void transcendental_functions_follow_java_math(void **state) {
  EQ(CALL("EXP", 1, I(1)), "2.718281828459045");
  EQ(CALL("LN", 1, I(0)), "-Infinity");
  EQ(CALL("LN", 1, I(-1)), "NaN");
  EQ(CALL("LOG", 1, I(13)), "2.5649493574615367"); /* natural, as ksqlDB computes it */
  EQ(CALL("LOG", 2, I(15), I(13)), "0.9471572411831843");
  EQ(CALL("LOG", 2, I(1), I(13)), "NaN");
  EQ(CALL("LOG", 2, I(15), I(0)), "-Infinity");
  EQ(CALL("SQRT", 1, BI(2)), "1.4142135623730951");
  EQ(CALL("CBRT", 1, I(-8)), "-2.0");
  EQ(CALL("POWER", 2, I(15), I(-1)), "0.06666666666666667");
  EQ(CALL("POWER", 2, I(15), I(13)), "1.946195068359375E15");
  EQ(CALL("COT", 1, I(0)), "Infinity");
  EQ(CALL("ROUND", 2, CALL("DEGREES", 1, D(1.2345)), I(10)), "70.7316398089");
  EQ(CALL("ROUND", 2, CALL("ATAN2", 2, I(-2), I(-3)), I(13)), "-2.5535900500422");
  EQ(CALL("PI", 0), "3.141592653589793");
  EQ(CALL("LN", 1, NULLS(wy_type_double())), "null");
  wy_value_t v;
  assert_int_equal(run_row(CALL("RANDOM", 0), NULL, &v, NULL), WY_OK);
  assert_true(v.u.f64 >= 0 && v.u.f64 < 1);
  EQ(CALL("GREATEST", 3, I(1), NULLS(wy_type_int()), I(5)), "5");
  EQ(CALL("LEAST", 3, S("b"), S("a"), S("c")), "a");
  EQ(CALL("GREATEST", 2, I(1), D(2.5)), "2.5");
}

static void string_functions(void **state) {
  EQ(CALL("CONCAT", 3, S("prefix-"), NULLS(wy_type_string()), S("-postfix")), "prefix--postfix");
  EQ(CALL("CONCAT_WS", 5, S("SEP"), S("foo"), NULLS(wy_type_string()), S("baz"), S("lit")),
     "fooSEPbazSEPlit");
  EQ(CALL("CONCAT_WS", 2, NULLS(wy_type_string()), S("foo")), "null");
  EQ(CALL("LEN", 1, S("ABC")), "3");
  EQ(CALL("LEN", 1, S("héllo")), "5");
  EQ(CALL("LCASE", 1, S("MiXeD")), "mixed");
  EQ(CALL("UCASE", 1, S("MiXeD")), "MIXED");
  EQ(CALL("TRIM", 1, S(" \t with white space \t")), "with white space");
  EQ(CALL("INITCAP", 1, S("the   Quick br0wn fOx")), "The   Quick Br0wn Fox");
  EQ(CALL("INITCAP", 1, S("some_string")), "Some_string");
  EQ(CALL("REPLACE", 3, S("anaconda"), S("a"), S("o")), "onocondo");
  EQ(CALL("REPLACE", 3, S("anaconda"), NULLS(wy_type_string()), S("o")), "null");
  EQ(CALL("LPAD", 3, S("hi"), I(5), S("ab")), "abahi");
  EQ(CALL("RPAD", 3, S("hello"), I(3), S("x")), "hel");
  EQ(CALL("CHR", 1, I(233)), "é");
}

static void case_mapping_is_javas_full_unicode_mapping(void **state) {
  EQ(CALL("UCASE", 1, S("café Straße ñandú")), "CAFÉ STRASSE ÑANDÚ");
  EQ(CALL("LCASE", 1, S("CAFÉ ÑANDÚ")), "café ñandú");
  EQ(CALL("LCASE", 1, S("ΟΔΟΣ ΣΑ")), "οδος σα"); /* final sigma */
  EQ(CALL("LCASE", 1, S("İ")), "i̇");             /* dotted capital I: i + U+0307 */
  EQ(CALL("UCASE", 1, S("ŉ ﬁ")), "ʼN FI");
  EQ(CALL("UCASE", 1, S("plain ascii 123")), "PLAIN ASCII 123");
  EQ(CALL("UCASE", 1, S("")), "");
  EQ(CALL("UCASE", 1, NULLS(wy_type_string())), "null");
  EQ(CALL("UCASE", 1, S("a\xff")), "A\xef\xbf\xbd"); /* invalid UTF-8 reads as U+FFFD */
  EQ(CALL("INITCAP", 1, S("the   Quick br0wn fOx")), "The   Quick Br0wn Fox");
  EQ(CALL("INITCAP", 1, S("élan ÉCOLE ßtraße\tñu")), "Élan École SStraße\tÑu");
  EQ(CALL("INITCAP", 1, S(" x")), " X");
}

static void lengths_and_positions_count_utf16_units(void **state) {
  EQ(CALL("LEN", 1, S("a😀b")), "4"); /* the emoji is a surrogate pair in Java */
  EQ(CALL("LEN", 1, S("héllo")), "5");
  EQ(CALL("SUBSTRING", 2, S("a😀b"), I(4)), "b");
  EQ(CALL("SUBSTRING", 3, S("a😀b"), I(2), I(2)), "😀");
  EQ(CALL("SUBSTRING", 2, S("a😀b"), I(-1)), "b");
  EQ(CALL("INSTR", 2, S("😀x"), S("x")), "3");
  EQ(CALL("LPAD", 3, S("ab"), I(4), S("é")), "ééab");
  EQ(CALL("RPAD", 3, S("a😀"), I(3), S("z")), "a😀");
  EQ(CALL("LPAD", 3, S("a😀b"), I(3), S("z")), "a😀");
}

static void substring_counts_from_one_and_from_the_end(void **state) {
  EQ(CALL("SUBSTRING", 2, S("some_string"), I(6)), "string");
  EQ(CALL("SUBSTRING", 3, S("some_string"), I(6), I(3)), "str");
  EQ(CALL("SUBSTRING", 3, S("some string"), I(0), I(2)), "so");
  EQ(CALL("SUBSTRING", 2, S("short"), I(-3)), "ort");
  EQ(CALL("SUBSTRING", 2, S("short"), I(10)), "");
  EQ(CALL("SUBSTRING", 3, S("long enough"), I(2), I(5)), "ong e");
  EQ(CALL("SUBSTRING", 2, S("x"), NULLS(wy_type_int())), "null");
  EQ(CALL("SUBSTRING", 2, CALL("TO_BYTES", 2, S("some_string"), S("utf8")), I(6)), "c3RyaW5n");
}

static void instr_searches_forward_and_backward(void **state) {
  EQ(CALL("INSTR", 2, S("corporate floor"), S("or")), "2");
  EQ(CALL("INSTR", 2, S("should I stay or should I go"), S("or")), "15");
  EQ(CALL("INSTR", 2, S("no substring"), S("or")), "0");
  EQ(CALL("INSTR", 3, S("corporate floor"), S("or"), I(4)), "5");
  EQ(CALL("INSTR", 4, S("corporate floor"), S("or"), I(4), I(2)), "14");
  EQ(CALL("INSTR", 3, S("corporate floor"), S("or"), I(-4)), "5");
  EQ(CALL("INSTR", 4, S("corporate floor"), S("or"), I(-4), I(2)), "2");
  EQ(CALL("INSTR", 3, S("short"), S("or"), I(-4)), "0");
}

static void split_and_regular_expressions(void **state) {
  EQ(CALL("SPLIT", 2, S("a.b.c"), S(".")), "[a, b, c]");
  EQ(CALL("SPLIT", 2, S(".abc."), S(".")), "[, abc, ]");
  EQ(CALL("SPLIT", 2, S("abc"), S("")), "[a, b, c]");
  EQ(CALL("SPLIT", 2, S(""), S("")), "[]"); /* one empty string */
  EQ(CALL("ARRAY_LENGTH", 1, CALL("SPLIT", 2, S(""), S(""))), "1");
  EQ(CALL("SPLIT", 2, S("a😀"), S("")), "[a, 😀]");
  EQ(CALL("SPLIT", 2, S("a$$b"), S("$$")), "[a, b]");
  EQ(wy_expr_subscript(CALL("SPLIT", 2, S("a,b,c"), S(",")), I(3), 1, 1), "c");
  EQ(CALL("SPLIT_TO_MAP", 3, S("a=1;b=2;junk"), S(";"), S("=")), "{a=1, b=2}");
  EQ(CALL("REGEXP_REPLACE", 3, S("baababaa"), S("(ab)+"), S("cat")), "bacataa");
  EQ(CALL("REGEXP_REPLACE", 3, S("x"), NULLS(wy_type_string()), S("cat")), "null");
  EQ(CALL("REGEXP_SPLIT_TO_ARRAY", 2, S("aabcda"), S("(ab|cd)")), "[a, , a]");
  EQ(CALL("REGEXP_SPLIT_TO_ARRAY", 2, S("zxy"), S("(ab|cd)")), "[zxy]");
  EQ(CALL("REGEXP_EXTRACT", 2, S("[0-9]+"), S("abc 123 def 456")), "123");
  EQ(CALL("REGEXP_EXTRACT", 3, S("([a-z]+) ([0-9]+)"), S("abc 123"), I(2)), "123");
  EQ(CALL("REGEXP_EXTRACT_ALL", 2, S("[0-9]+"), S("abc 123 def 456")), "[123, 456]");
  EQ(CALL("REGEXP_EXTRACT", 2, S("z+"), S("abc")), "null");
  /* A pattern from a column (no constant to prepare) works too. */
  wy_value_t row[1] = {wy_string("(ab)+", 5)};
  assert_string_equal(
      run_text_row(
          CALL("REGEXP_REPLACE", 3, S("baababaa"), COL("P", 0, wy_type_string()), S("cat")), row),
      "bacataa");
  /* A bad pattern fails each call (NULL and the processing log), as Java throws per
   * record; the query itself is accepted. */
  FAILS(CALL("REGEXP_REPLACE", 3, S("x"), S("(unclosed"), S("y")),
        "Invalid regular expression pattern: (unclosed");
  /* Java's syntax: \d, lazy quantifiers, inline flags, look-around, named groups. */
  EQ(CALL("REGEXP_EXTRACT", 2, S("\\d+"), S("abc123def45")), "123");
  EQ(CALL("REGEXP_REPLACE", 3, S("abc123def45"), S("\\d+"), S("#")), "abc#def#");
  EQ(CALL("REGEXP_EXTRACT", 2, S("[a-z]+?"), S("abc123def45")), "a");
  EQ(CALL("REGEXP_EXTRACT", 3, S("(?i)(DEF)"), S("abc123def45"), I(1)), "def");
  EQ(CALL("REGEXP_EXTRACT", 2, S("(?<=f)\\d"), S("abc123def45")), "4");
  EQ(CALL("REGEXP_EXTRACT", 2, S("\\d(?!\\d)"), S("abc123def45")), "3");
  EQ(CALL("REGEXP_REPLACE", 3, S("abc123"), S("(?<w>[a-z]+)(\\d+)"), S("$2-${w}\\$")), "123-abc$");
  /* Java's find() loop: after an empty match the next search starts one further. */
  EQ(CALL("REGEXP_REPLACE", 3, S("baaac"), S("a*"), S("-")), "-b--c-");
  EQ(CALL("REGEXP_EXTRACT_ALL", 2, S("x*"), S("ab")), "[, , ]");
  /* Group numbers: none matched -> NULL; past the groups -> "No group" at a match only. */
  EQ(CALL("REGEXP_EXTRACT", 3, S("(a)|(b)"), S("b"), I(1)), "null");
  FAILS(CALL("REGEXP_EXTRACT", 3, S("(a)"), S("a"), I(2)), "No group 2");
  EQ(CALL("REGEXP_EXTRACT", 3, S("(a)"), S("zzz"), I(2)), "null");
  /* Replacement errors surface at the first match, as Matcher.appendReplacement's. */
  EQ(CALL("REGEXP_REPLACE", 3, S("xyz"), S("q"), S("$")), "xyz");
  FAILS(CALL("REGEXP_REPLACE", 3, S("xqz"), S("q"), S("$3")), "No group 3");
  /* Splits: Guava keeps every empty piece; an empty-matching pattern splits as Java. */
  EQ(CALL("REGEXP_SPLIT_TO_ARRAY", 2, S("a1b22c"), S("\\d")), "[a, b, , c]");
  EQ(CALL("REGEXP_SPLIT_TO_ARRAY", 2, S("1a1"), S("\\d")), "[, a, ]");
  EQ(CALL("REGEXP_SPLIT_TO_ARRAY", 2, S("ab1"), S("\\d*")), "[a, b]");
  EQ(CALL("REGEXP_SPLIT_TO_ARRAY", 2, S("héllo"), S("")), "[h, é, l, l, o]");
}

static void masking_uses_ksqldb_default_characters(void **state) {
  EQ(CALL("MASK", 1, S("Aa1-Zz9!")), "Xxn-Xxn-");
  EQ(CALL("MASK", 5, S("Aa1-"), S("U"), S("l"), S("#"), NULLS(wy_type_string())), "Ul#-");
  EQ(CALL("MASK_KEEP_LEFT", 2, S("AbCd-123"), I(3)), "AbCx-nnn");
  EQ(CALL("MASK_KEEP_RIGHT", 2, S("AbCd-123"), I(3)), "XxXx-123");
  EQ(CALL("MASK_LEFT", 2, S("AbCd-123"), I(3)), "XxXd-123");
  EQ(CALL("MASK_RIGHT", 2, S("AbCd-123"), I(3)), "AbCd-nnn");
  EQ(CALL("MASK_LEFT", 2, S("Ab"), I(10)), "Xx");
  EQ(CALL("MASK", 1, NULLS(wy_type_string())), "null");
  const wy_function_t *f = wy_registry_find(wy_registry_builtins(), "mask_left");
  assert_non_null(f);
  assert_true(f->flags & WY_FN_MASKING);
}

static void null_handling_functions(void **state) {
  EQ(CALL("COALESCE", 3, NULLS(wy_type_int()), I(2), I(3)), "2");
  EQ(CALL("COALESCE", 2, NULLS(wy_type_int()), BI(7)), "7");
  assert_string_equal(type_text(CALL("COALESCE", 2, I(1), BI(7))), "BIGINT");
  EQ(CALL("IFNULL", 2, NULLS(wy_type_string()), S("x")), "x");
  EQ(CALL("IFNULL", 2, S("y"), S("x")), "y");
  EQ(CALL("NULLIF", 2, I(1), I(1)), "null");
  EQ(CALL("NULLIF", 2, I(1), I(2)), "1");
  EQ(CALL("AS_VALUE", 1, S("k")), "k");
  assert_non_null(strstr(run_text(CALL("IFNULL", 2, I(1), S("x"))),
                         "does not accept parameters (INTEGER, STRING)"));
}

static void json_functions(void **state) {
  const char *doc = "{\"a\": {\"b\": [1, {\"c\": \"x\\ny\"}, null]}, \"n\": 1.5, \"t\": true}";
  EQ(CALL("EXTRACTJSONFIELD", 2, S(doc), S("$.a.b[1].c")), "x\ny");
  EQ(CALL("EXTRACTJSONFIELD", 2, S(doc), S("$.n")), "1.5");
  EQ(CALL("EXTRACTJSONFIELD", 2, S(doc), S("$.a.b[1]")), "{\"c\":\"x\\ny\"}");
  EQ(CALL("EXTRACTJSONFIELD", 2, S(doc), S("$.a.b[2]")), "null");
  EQ(CALL("EXTRACTJSONFIELD", 2, S(doc), S("$['t']")), "true");
  EQ(CALL("EXTRACTJSONFIELD", 2, S(doc), S("$.missing")), "null");
  EQ(CALL("EXTRACTJSONFIELD", 2, S("{not json"), S("$.a")), "null");
  EQ(CALL("IS_JSON_STRING", 1, S("[1, 2, {\"a\": null}]")), "true");
  EQ(CALL("IS_JSON_STRING", 1, S("[1, 2")), "false");
  EQ(CALL("IS_JSON_STRING", 1, NULLS(wy_type_string())), "false");
  EQ(CALL("JSON_ARRAY_LENGTH", 1, S("[1, [2, 3], {}]")), "3");
  EQ(CALL("JSON_ARRAY_LENGTH", 1, S("{}")), "null");
  EQ(CALL("JSON_KEYS", 1, S("{\"a\": 1, \"b\": [2]}")), "[a, b]");
  EQ(CALL("JSON_CONCAT", 2, S("{\"a\": 1, \"b\": 2}"), S("{\"b\": 3}")), "{\"a\":1,\"b\":3}");
  EQ(CALL("JSON_CONCAT", 2, S("[1]"), S("[2, 3]")), "[1,2,3]");
  EQ(CALL("JSON_CONCAT", 2, S("[1]"), S("{}")), "[1,{}]"); /* ksqlDB wraps non-arrays */
  const char *names[2] = {"ID", "Tags"};
  wy_expr_t *tags[2] = {S("a\"b"), NULLS(wy_type_string())};
  wy_expr_t *vals[2] = {D(2), wy_expr_array(tags, 2, 1, 1)};
  EQ(CALL("TO_JSON_STRING", 1, wy_expr_struct(names, vals, 2, 1, 1)),
     "{\"ID\":2.0,\"Tags\":[\"a\\\"b\",null]}");
}

static void collection_functions(void **state) {
#define ARR(...)                              \
  wy_expr_array((wy_expr_t *[]){__VA_ARGS__}, \
                sizeof((wy_expr_t *[]){__VA_ARGS__}) / sizeof(wy_expr_t *), 1, 1)
  EQ(CALL("ARRAY_LENGTH", 1, ARR(I(1), I(2))), "2");
  EQ(CALL("ARRAY_CONTAINS", 2, ARR(I(1), I(2)), I(2)), "true");
  EQ(CALL("ARRAY_CONTAINS", 2, NULLS(wy_type_array(wy_type_int())), I(2)), "false");
  EQ(CALL("ARRAY_DISTINCT", 1, ARR(I(1), I(2), I(1), NULLS(wy_type_int()), NULLS(wy_type_int()))),
     "[1, 2, null]");
  EQ(CALL("ARRAY_EXCEPT", 2, ARR(I(1), I(2), I(3)), ARR(I(2))), "[1, 3]");
  EQ(CALL("ARRAY_INTERSECT", 2, ARR(I(1), I(2), I(3)), ARR(I(3), I(2))), "[2, 3]");
  EQ(CALL("ARRAY_UNION", 2, ARR(I(1), I(2)), ARR(I(2), I(3))), "[1, 2, 3]");
  EQ(CALL("ARRAY_CONCAT", 2, ARR(I(1)), ARR(BI(2))), "[1, 2]");
  EQ(CALL("ARRAY_REMOVE", 2, ARR(I(1), I(2), I(1)), I(1)), "[2]");
  EQ(CALL("ARRAY_JOIN", 1, ARR(I(1), I(2))), "1,2");
  EQ(CALL("ARRAY_JOIN", 2, ARR(S("a"), S("b")), S("|")), "a|b");
  EQ(CALL("ARRAY_MAX", 1, ARR(I(1), I(5), NULLS(wy_type_int()))), "5");
  EQ(CALL("ARRAY_MIN", 1, ARR(S("b"), S("a"))), "a");
  EQ(CALL("ARRAY_SORT", 1, ARR(I(3), NULLS(wy_type_int()), I(1))), "[1, 3, null]");
  EQ(CALL("ARRAY_SORT", 2, ARR(I(3), I(1), I(2)), S("desc")), "[3, 2, 1]");
  EQ(CALL("SLICE", 3, ARR(I(1), I(2), I(3), I(4)), I(2), I(3)), "[2, 3]");
  EQ(CALL("SLICE", 3, ARR(I(1), I(2)), NULLS(wy_type_int()), I(1)), "[1]");
  EQ(CALL("ELT", 3, I(2), S("a"), S("b")), "b");
  EQ(CALL("ELT", 3, I(3), S("a"), S("b")), "null");
  EQ(CALL("FIELD", 4, S("b"), S("a"), S("b"), S("c")), "2");
  EQ(CALL("FIELD", 3, S("z"), S("a"), S("b")), "0");
  wy_expr_t *k[2] = {S("a"), S("b")}, *v[2] = {I(1), I(2)};
  EQ(CALL("MAP_KEYS", 1, wy_expr_map(k, v, 2, 1, 1)), "[a, b]");
  wy_expr_t *k2[2] = {S("a"), S("b")}, *v2[2] = {I(1), I(2)};
  EQ(CALL("MAP_VALUES", 1, wy_expr_map(k2, v2, 2, 1, 1)), "[1, 2]");
  wy_expr_t *k3[1] = {S("a")}, *v3[1] = {I(1)}, *k4[2] = {S("a"), S("c")}, *v4[2] = {I(9), I(3)};
  EQ(CALL("MAP_UNION", 2, wy_expr_map(k3, v3, 1, 1, 1), wy_expr_map(k4, v4, 2, 1, 1)),
     "{a=9, c=3}");
  EQ(CALL("AS_MAP", 2, ARR(S("x"), S("y")), ARR(I(1), I(2))), "{x=1, y=2}");
}

static void date_and_time_functions(void **state) {
  EQ(CALL("TIMESTAMPTOSTRING", 2, BI(1651182287943LL), S("yyyy-MM-dd'T'HH:mm:ss.SSS")),
     "2022-04-28T21:44:47.943");
  EQ(CALL("TIMESTAMPTOSTRING", 3, BI(0), S("yyyy-MM-dd HH:mm XXX"), S("+02:00")),
     "1970-01-01 02:00 +02:00");
  EQ(CALL("TIMESTAMPTOSTRING", 2, BI(0), S("EEE, d MMM yyyy hh:mm a")), "Thu, 1 Jan 1970 12:00 AM");
  EQ(CALL("STRINGTOTIMESTAMP", 2, S("2022-04-28 21:44:47"), S("yyyy-MM-dd HH:mm:ss")),
     "1651182287000");
  EQ(CALL("STRINGTOTIMESTAMP", 3, S("2022-04-28 23:44"), S("yyyy-MM-dd HH:mm"), S("UTC+2")),
     "1651182240000");
  EQ(CALL("PARSE_DATE", 2, S("2003-12-24"), S("yyyy-MM-dd")), "2003-12-24");
  EQ(CALL("UNIX_DATE", 1, CALL("PARSE_DATE", 2, S("2003-12-24"), S("yyyy-MM-dd"))), "12410");
  EQ(CALL("PARSE_DATE", 2, S("abcd"), S("yyyy-MM-dd")), "null");
  /* PARSE_DATE reads a prefix (SimpleDateFormat); the other parsers need all the text */
  EQ(CALL("PARSE_DATE", 2, S("1999-02-28/extra"), S("yyyy-MM-dd")), "1999-02-28");
  EQ(CALL("PARSE_DATE", 2, S("1999-02"), S("yyyy-MM-dd")), "null");
  EQ(CALL("STRINGTODATE", 2, S("1999-02-28/extra"), S("yyyy-MM-dd")), "null");
  EQ(CALL("PARSE_TIMESTAMP", 2, S("1999-02-28 10:00x"), S("yyyy-MM-dd HH:mm")), "null");
}

/* Week fields parse with Locale.ROOT's weeks (Monday first, one minimal day), resolved
 * as java.time does, then set on 1970-01-01 as ksqlDB's StringToTimestampParser does. */
static void week_fields_parse_as_java_time(void **state) {
#define TS(text, pat) CALL("STRINGTOTIMESTAMP", 2, S(text), S(pat))
  EQ(TS("2021-01-1", "YYYY-ww-e"), "1609113600000");     /* Monday 2020-12-28 */
  EQ(TS("2021-10-3", "YYYY-ww-e"), "1614729600000");     /* Wednesday 2021-03-03 */
  EQ(TS("2021-53 Fri", "YYYY-ww EEE"), "1640304000000"); /* 53: the last, 52 (12-24) */
  EQ(TS("2021-02 2 1", "yyyy-MM W e"), "1612742400000"); /* week 2 of February */
  EQ(TS("2021-05-05 Wed", "yyyy-MM-dd EEE"), "1620172800000");
  EQ(TS("2021-05-05 Mon", "yyyy-MM-dd EEE"), "null"); /* a conflict */
  EQ(TS("2022 2021-12-31", "YYYY yyyy-MM-dd"), "1640908800000");
  EQ(TS("2021 2021-12-31", "YYYY yyyy-MM-dd"), "null"); /* its week is 2022's */
  EQ(TS("2021-05-05", "YYYY-MM-dd"), "10713600000");    /* Y alone is no year: 1970 */
  EQ(TS("2021-20", "YYYY-ww"), "0");                    /* no day of week: ignored */
  EQ(TS("Fri", "EEE"), "86400000");                     /* in the week of 1970-01-01 */
  EQ(TS("1", "e"), "-259200000");                       /* Monday 1969-12-29 */
  EQ(TS("8", "e"), "null");
  /* java.time's SMART resolver keeps a day past the month's end in the month */
  EQ(TS("2021-02-30", "yyyy-MM-dd"), "1614470400000");
  EQ(TS("02-30", "MM-dd"), "5011200000"); /* 30 January, then February */
  EQ(TS("2021-02-32", "yyyy-MM-dd"), "null");
#undef TS
  EQ(CALL("FORMAT_DATE", 2, CALL("FROM_DAYS", 1, I(12410)), S("dd/MM/yy")), "24/12/03");
  EQ(CALL("PARSE_TIMESTAMP", 2, S("28-Apr-2022 09:44:47.9 PM"), S("dd-MMM-yyyy hh:mm:ss.S a")),
     "2022-04-28T21:44:47.900");
  EQ(CALL("FORMAT_TIMESTAMP", 3, CALL("FROM_UNIXTIME", 1, BI(1651182287943LL)), S("HH:mm"),
          S("-05:30")),
     "16:14");
  EQ(CALL("UNIX_TIMESTAMP", 1, CALL("FROM_UNIXTIME", 1, BI(42))), "42");
  EQ(CALL("PARSE_TIME", 2, S("10:11:12"), S("HH:mm:ss")), "10:11:12");
  EQ(CALL("FORMAT_TIME", 2, CALL("PARSE_TIME", 2, S("10:11"), S("HH:mm")), S("h:mm a")),
     "10:11 AM");
  EQ(CALL("DATEADD", 3, S("DAYS"), I(7), CALL("FROM_DAYS", 1, I(0))), "1970-01-08");
  EQ(CALL("DATESUB", 3, S("DAYS"), I(1), CALL("FROM_DAYS", 1, I(0))), "1969-12-31");
  EQ(CALL("TIMESTAMPADD", 3, S("SECONDS"), I(5), CALL("FROM_UNIXTIME", 1, BI(0))),
     "1970-01-01T00:00:05.000");
  EQ(CALL("TIMESTAMPSUB", 3, S("HOURS"), I(1), CALL("FROM_UNIXTIME", 1, BI(0))),
     "1969-12-31T23:00:00.000");
  EQ(CALL("TIMEADD", 3, S("HOURS"), I(25), CALL("PARSE_TIME", 2, S("23:00"), S("HH:mm"))),
     "00:00:00");
  EQ(CALL("CONVERT_TZ", 3, CALL("FROM_UNIXTIME", 1, BI(0)), S("UTC"), S("+01:00")),
     "1970-01-01T01:00:00.000");
  EQ(CALL("TIMESTAMPADD", 3, S("FORTNIGHTS"), I(1), CALL("FROM_UNIXTIME", 1, BI(0))), "null");
  EQ(CALL("FORMAT_TIMESTAMP", 3, CALL("FROM_UNIXTIME", 1, BI(0)), S("HH"), S("Mars/Base")), "null");
  wy_value_t v;
  assert_int_equal(run_row(CALL("UNIX_TIMESTAMP", 0), NULL, &v, NULL), WY_OK);
  assert_true(v.u.i64 > 1600000000000LL);
}

static void named_time_zones_follow_their_rules(void **state) {
  /* 2018-05-11T21:58:33Z in summer time, and the zone letters. */
  EQ(CALL("TIMESTAMPTOSTRING", 3, BI(1526075913000LL),
          S("yyyy-MM-dd'T'HH:mm:ss.SSS XXX VV z O ZZZZ"), S("America/Los_Angeles")),
     "2018-05-11T14:58:33.000 -07:00 America/Los_Angeles PDT GMT-7 GMT-07:00");
  EQ(CALL("TIMESTAMPTOSTRING", 3, BI(1526075913000LL), S("HH:mm zzz"), S("Europe/London")),
     "22:58 BST");
  EQ(CALL("TIMESTAMPTOSTRING", 3, BI(1526075913000LL), S("zzzz"), S("America/Los_Angeles")),
     "Pacific Daylight Time");
  EQ(CALL("TIMESTAMPTOSTRING", 3, BI(0), S("X x Z ZZZZZ O"), S("UTC")), "Z +00 +0000 Z GMT");
  EQ(CALL("TIMESTAMPTOSTRING", 3, BI(0), S("X xx xxx O"), S("Asia/Kolkata")),
     "+0530 +0530 +05:30 GMT+5:30");
  /* Either side of Berlin's spring-forward (2021-03-28T01:00Z). */
  EQ(CALL("TIMESTAMPTOSTRING", 3, BI(1616893199000LL), S("HH:mm:ss z"), S("Europe/Berlin")),
     "01:59:59 CET");
  EQ(CALL("TIMESTAMPTOSTRING", 3, BI(1616893200000LL), S("HH:mm:ss z"), S("Europe/Berlin")),
     "03:00:00 CEST");
  /* Local times in New York's gap and overlap resolve as ZonedDateTime.ofLocal. */
  EQ(CALL("STRINGTOTIMESTAMP", 3, S("2021-03-14 02:30"), S("yyyy-MM-dd HH:mm"),
          S("America/New_York")),
     "1615707000000");
  EQ(CALL("STRINGTOTIMESTAMP", 3, S("2021-11-07 01:30"), S("yyyy-MM-dd HH:mm"),
          S("America/New_York")),
     "1636263000000");
  /* A zone named in the text wins over the argument; names follow the zone's rules. */
  EQ(CALL("STRINGTOTIMESTAMP", 3, S("2018-05-11 21:58:33 PST"), S("yyyy-MM-dd HH:mm:ss z"),
          S("UTC")),
     "1526101113000");
  EQ(CALL("STRINGTOTIMESTAMP", 2, S("2018-05-11 21:58:33 Europe/Berlin"),
          S("yyyy-MM-dd HH:mm:ss VV")),
     "1526068713000");
  EQ(CALL("STRINGTOTIMESTAMP", 2, S("2018-05-11 21:58:33 +0530"), S("yyyy-MM-dd HH:mm:ss Z")),
     "1526056113000");
  /* Parsing is case-insensitive, as ksqlDB's. */
  EQ(CALL("STRINGTOTIMESTAMP", 2, S("2020-05-11t21:58:33z"), S("yyyy-MM-dd'T'HH:mm:ssX")),
     "1589234313000");
  EQ(CALL("CONVERT_TZ", 3, CALL("FROM_UNIXTIME", 1, BI(100)), S("America/Los_Angeles"),
          S("America/New_York")),
     "1970-01-01T03:00:00.100");
  FAILS(CALL("CONVERT_TZ", 3, CALL("FROM_UNIXTIME", 1, BI(0)), S("UTC"), S("Mars/Base")),
        "Unknown time-zone ID: Mars/Base");
  FAILS(CALL("TIMESTAMPTOSTRING", 3, BI(0), S("HH"), S("america/new_york")),
        "Unknown time-zone ID: america/new_york");
}

static void dates_cast_from_partial_iso_text(void **state) {
  /* ksqlDB reads yyyy[-MM[-dd]]. */
  EQ(wy_expr_cast(S("1970-01"), wy_type_primitive(WY_T_DATE), 1, 1), "1970-01-01");
  EQ(wy_expr_cast(S("2021"), wy_type_primitive(WY_T_DATE), 1, 1), "2021-01-01");
  EQ(wy_expr_cast(S("2021-02-03"), wy_type_primitive(WY_T_DATE), 1, 1), "2021-02-03");
  EQ(wy_expr_cast(S("2021-13"), wy_type_primitive(WY_T_DATE), 1, 1),
     "ERROR: Failed to parse DATE: \"2021-13\"");
  EQ(wy_expr_cast(S("202"), wy_type_primitive(WY_T_DATE), 1, 1),
     "ERROR: Failed to parse DATE: \"202\"");
}

static void date_time_formatter_patterns(void **state) {
  /* 2020-12-31 (a Thursday) is in week 1 of 2021 for Sunday-first US weeks. */
  EQ(CALL("TIMESTAMPTOSTRING", 2, BI(1609372800000LL), S("G yyyy YYYY w e EEEE MMMMM D Q QQQ")),
     "AD 2020 2021 1 5 Thursday D 366 4 Q4");
  EQ(CALL("TIMESTAMPTOSTRING", 2, BI(1609372800123LL), S("SSSSSS n A")), "123000 123000000 123");
  /* Optional sections: present or not. */
  EQ(CALL("STRINGTOTIMESTAMP", 2, S("2021-01-02"), S("yyyy-MM-dd[ HH:mm]")), "1609545600000");
  EQ(CALL("STRINGTOTIMESTAMP", 2, S("2021-01-02 03:04"), S("yyyy-MM-dd[ HH:mm]")), "1609556640000");
  EQ(CALL("STRINGTOTIMESTAMP", 2, S("Sat, 2 January 2021"), S("EEE, d MMMM yyyy")),
     "1609545600000");
  /* Unknown and reserved letters are refused. */
  assert_non_null(strstr(run_text(CALL("TIMESTAMPTOSTRING", 2, BI(0), S("yyyy-bb"))),
                         "Unknown pattern letter: b"));
  assert_non_null(
      strstr(run_text(CALL("TIMESTAMPTOSTRING", 2, BI(0), S("yyyy#"))), "reserved character"));
}

static void encoding_functions(void **state) {
  EQ(CALL("TO_BYTES", 2, S("abc"), S("utf8")), "YWJj");
  EQ(CALL("FROM_BYTES", 2, CALL("TO_BYTES", 2, S("616263"), S("hex")), S("utf8")), "abc");
  EQ(CALL("FROM_BYTES", 2, CALL("TO_BYTES", 2, S("YWJj"), S("base64")), S("hex")), "616263");
  EQ(CALL("ENCODE", 3, S("abc"), S("utf8"), S("base64")), "YWJj");
  EQ(CALL("TO_BYTES", 2, S("abc"), S("ebcdic")), "null");
  EQ(CALL("TO_BYTES", 2, S("abc"), S("hex")), "null");
  wy_value_t v;
  assert_int_equal(run_row(CALL("UUID", 0), NULL, &v, NULL), WY_OK);
  assert_int_equal(v.len, 36);
  assert_int_equal(v.u.str[14], '4');
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(math_functions_keep_their_overload_types),
      cmocka_unit_test(round_and_trunc_match_java),
      cmocka_unit_test(week_fields_parse_as_java_time),
      cmocka_unit_test(transcendental_functions_follow_java_math),
      cmocka_unit_test(string_functions),
      cmocka_unit_test(case_mapping_is_javas_full_unicode_mapping),
      cmocka_unit_test(lengths_and_positions_count_utf16_units),
      cmocka_unit_test(substring_counts_from_one_and_from_the_end),
      cmocka_unit_test(instr_searches_forward_and_backward),
      cmocka_unit_test(split_and_regular_expressions),
      cmocka_unit_test(masking_uses_ksqldb_default_characters),
      cmocka_unit_test(null_handling_functions),
      cmocka_unit_test(json_functions),
      cmocka_unit_test(collection_functions),
      cmocka_unit_test(date_and_time_functions),
      cmocka_unit_test(named_time_zones_follow_their_rules),
      cmocka_unit_test(date_time_formatter_patterns),
      cmocka_unit_test(dates_cast_from_partial_iso_text),
      cmocka_unit_test(encoding_functions),
  };
  return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
