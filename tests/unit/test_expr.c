/* engine/expr: operators, typing rules, casts, access, constructors, lambdas and
 * binding errors, checked against ksqlDB's semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "test_expr_util.h"

static void integer_arithmetic_wraps_like_java(void **state) {
  assert_string_equal(run_text(BIN(WY_OP_ADD, I(2147483647), I(1))), "-2147483648");
  assert_string_equal(run_text(BIN(WY_OP_MUL, BI(INT64_MAX), BI(2))), "-2");
  assert_string_equal(run_text(BIN(WY_OP_DIV, I(INT32_MIN), I(-1))), "-2147483648");
  assert_string_equal(run_text(BIN(WY_OP_MOD, I(-7), I(3))), "-1");
  assert_string_equal(run_text(BIN(WY_OP_DIV, I(7), I(2))), "3");
  assert_string_equal(run_text(BIN(WY_OP_SUB, I(2), I(10))), "-8");
}

static void integer_division_by_zero_fails_the_expression(void **state) {
  assert_string_equal(run_text(BIN(WY_OP_DIV, I(1), I(0))), "ERROR: / by zero");
  assert_string_equal(run_text(BIN(WY_OP_MOD, BI(1), BI(0))), "ERROR: / by zero");
  assert_string_equal(run_text(BIN(WY_OP_DIV, DEC("1.0"), DEC("0.0"))), "ERROR: Division by zero");
}

static void double_division_by_zero_is_ieee(void **state) {
  assert_string_equal(run_text(BIN(WY_OP_DIV, D(1), D(0))), "Infinity");
  assert_string_equal(run_text(BIN(WY_OP_DIV, D(-1), I(0))), "-Infinity");
  assert_string_equal(run_text(BIN(WY_OP_DIV, D(0), D(0))), "NaN");
  assert_string_equal(run_text(BIN(WY_OP_MOD, D(5.5), D(2))), "1.5");
}

static void numeric_widening_picks_the_wider_type(void **state) {
  assert_string_equal(type_text(BIN(WY_OP_ADD, I(1), BI(2))), "BIGINT");
  assert_string_equal(type_text(BIN(WY_OP_ADD, I(1), D(2))), "DOUBLE");
  assert_string_equal(type_text(BIN(WY_OP_ADD, DEC("1.5"), D(2))), "DOUBLE");
  assert_string_equal(run_text(BIN(WY_OP_ADD, BI(25), I(6))), "31");
  assert_string_equal(run_text(BIN(WY_OP_ADD, D(3.21), I(10))), "13.21");
}

static void decimal_result_types_follow_ksqldb(void **state) {
  assert_string_equal(type_text(BIN(WY_OP_ADD, DEC("1.50"), DEC("10.5"))), "DECIMAL(5, 2)");
  assert_string_equal(type_text(BIN(WY_OP_MUL, DEC("1.50"), DEC("10.5"))), "DECIMAL(7, 3)");
  assert_string_equal(type_text(BIN(WY_OP_DIV, DEC("1.50"), DEC("10.5"))), "DECIMAL(8, 6)");
  assert_string_equal(type_text(BIN(WY_OP_MOD, DEC("1.50"), DEC("10.5"))), "DECIMAL(3, 2)");
  assert_string_equal(type_text(BIN(WY_OP_ADD, DEC("1.5"), I(1))), "DECIMAL(12, 1)");
  assert_string_equal(run_text(BIN(WY_OP_ADD, DEC("1.50"), DEC("10.5"))), "12.00");
  assert_string_equal(run_text(BIN(WY_OP_MUL, DEC("1.50"), DEC("-10.5"))), "-15.750");
  assert_string_equal(run_text(BIN(WY_OP_DIV, DEC("10"), DEC("3"))), "3.333333");
  assert_string_equal(run_text(BIN(WY_OP_DIV, DEC("2"), DEC("3"))), "0.666667");
  assert_string_equal(run_text(BIN(WY_OP_MOD, DEC("10.5"), DEC("3"))), "1.5");
  assert_string_equal(run_text(BIN(WY_OP_SUB, DEC("1.5"), I(3))), "-1.5");
}

static void string_plus_concatenates(void **state) {
  assert_string_equal(
      run_text(BIN(WY_OP_ADD, BIN(WY_OP_ADD, S("prefix-"), S("s1")), S("-postfix"))),
      "prefix-s1-postfix");
  assert_string_equal(run_text(BIN(WY_OP_ADD, S("a"), NUL())), "null");
}

static void arithmetic_on_unsupported_types_is_a_bind_error(void **state) {
  assert_string_equal(run_text(BIN(WY_OP_ADD, B(true), DEC("1.5"))),
                      "ERROR: Error processing expression: (true + 1.5). Unsupported arithmetic "
                      "types. BOOLEAN DECIMAL");
  assert_int_equal(t_err.code, WY_ERR_TYPE);
}

static void arithmetic_with_null_is_null(void **state) {
  wy_value_t row[1] = {wy_null(WY_T_INT)};
  assert_string_equal(run_text_row(BIN(WY_OP_ADD, COL("A", 0, wy_type_int()), I(1)), row), "null");
  assert_string_equal(run_text(wy_expr_unary(WY_OP_NEG, I(5), 1, 1)), "-5");
  assert_string_equal(run_text(wy_expr_unary(WY_OP_NEG, DEC("-2.5"), 1, 1)), "2.5");
}

static void comparisons_with_null_are_false_as_in_ksqldb(void **state) {
  /* ksqlDB's generated code answers false, not NULL, when an operand is NULL. */
  wy_value_t row[3] = {wy_null(WY_T_INT), wy_int(3), wy_null(WY_T_BOOLEAN)};
  assert_string_equal(run_text_row(BIN(WY_OP_EQ, COL("A", 0, wy_type_int()), I(1)), row), "false");
  assert_string_equal(run_text_row(BIN(WY_OP_NE, COL("A", 0, wy_type_int()), I(1)), row), "false");
  assert_string_equal(run_text_row(BIN(WY_OP_LT, I(1), COL("A", 0, wy_type_int())), row), "false");
  assert_string_equal(
      run_text_row(wy_expr_unary(WY_OP_NOT, BIN(WY_OP_EQ, COL("A", 0, wy_type_int()), I(1)), 1, 1),
                   row),
      "true");
  assert_string_equal(run_text(BIN(WY_OP_LT, I(1), DEC("1.5"))), "true");
  assert_string_equal(run_text(BIN(WY_OP_GE, BI(3), D(3.0))), "true");
  assert_string_equal(run_text(BIN(WY_OP_NE, S("a"), S("b"))), "true");
  assert_string_equal(run_text(BIN(WY_OP_LT, S("b10"), S("b2"))), "true");
  assert_string_equal(run_text(BIN(WY_OP_LT, S("B2"), S("b2"))), "true");
  assert_string_equal(run_text(BIN(WY_OP_GT, D(NAN), D(1))), "false");
  /* AND/OR on a NULL boolean: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE, TRUE AND
   * NULL is NULL */
  assert_string_equal(run_text_row(BIN(WY_OP_AND, B(false), COL("N", 2, wy_type_boolean())), row),
                      "false");
  assert_string_equal(run_text_row(BIN(WY_OP_OR, B(true), COL("N", 2, wy_type_boolean())), row),
                      "true");
  assert_string_equal(run_text_row(BIN(WY_OP_AND, B(true), COL("N", 2, wy_type_boolean())), row),
                      "null");
  assert_string_equal(
      run_text_row(wy_expr_unary(WY_OP_NOT, COL("N", 2, wy_type_boolean()), 1, 1), row), "null");
  assert_string_equal(run_text(wy_expr_unary(WY_OP_NOT, BIN(WY_OP_GT, I(4), I(11)), 1, 1)), "true");
}

static void is_null_and_is_distinct_from_never_yield_null(void **state) {
  wy_value_t row[1] = {wy_null(WY_T_INT)};
  assert_string_equal(
      run_text_row(wy_expr_unary(WY_OP_IS_NULL, COL("A", 0, wy_type_int()), 1, 1), row), "true");
  assert_string_equal(
      run_text_row(wy_expr_unary(WY_OP_IS_NOT_NULL, COL("A", 0, wy_type_int()), 1, 1), row),
      "false");
  assert_string_equal(run_text_row(BIN(WY_OP_DISTINCT, COL("A", 0, wy_type_int()), I(1)), row),
                      "true");
  assert_string_equal(run_text_row(BIN(WY_OP_NOT_DISTINCT, COL("A", 0, wy_type_int()), NUL()), row),
                      "true");
  assert_string_equal(run_text(BIN(WY_OP_DISTINCT, I(1), BI(1))), "false");
}

static void comparison_errors_use_ksqldb_messages(void **state) {
  assert_string_equal(
      run_text(BIN(WY_OP_GE, COL("ID", 0, wy_type_int()), S("not an int"))),
      "ERROR: Cannot compare ID (INTEGER) to 'not an int' (STRING) with GREATER_THAN_OR_EQUAL.");
  const wy_type_t *arr = wy_type_array(wy_type_int());
  assert_string_equal(
      run_text(BIN(WY_OP_LT, COL("B", 0, wy_type_ref(arr)), COL("C", 1, wy_type_ref(arr)))),
      "ERROR: Cannot compare B (ARRAY<INTEGER>) to C (ARRAY<INTEGER>) with LESS_THAN.");
  wy_type_unref(arr);
  assert_string_equal(run_text(BIN(WY_OP_NE, NUL(), NUL())),
                      "ERROR: Comparison with NULL not supported: NULL <> NULL");
}

static void arrays_and_maps_compare_for_equality(void **state) {
  wy_expr_t *a[2] = {I(1), I(2)}, *b[2] = {BI(1), BI(2)};
  assert_string_equal(run_text(BIN(WY_OP_EQ, wy_expr_array(a, 2, 1, 1), wy_expr_array(b, 2, 1, 1))),
                      "true");
}

static void like_matches_percent_underscore_and_escape(void **state) {
  assert_string_equal(run_text(wy_expr_like(S("this"), S("%hi%"), NULL, false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_like(S("foo"), S("f_o"), NULL, false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_like(S("fooo"), S("f_o"), NULL, false, 1, 1)), "false");
  assert_string_equal(run_text(wy_expr_like(S("%"), S("!%"), S("!"), false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_like(S("x"), S("!%"), S("!"), false, 1, 1)), "false");
  assert_string_equal(run_text(wy_expr_like(S("a_9"), S("%_9"), NULL, false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_like(S("é!"), S("_!"), NULL, false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_like(S("not here"), S("%not%"), NULL, true, 1, 1)), "false");
  assert_string_equal(run_text(wy_expr_like(S("abc"), S("a%%c"), NULL, false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_like(I(1), S("1"), NULL, false, 1, 1)),
                      "ERROR: Unsupported type for LIKE: 1 (INTEGER)");
}

static void between_includes_bounds_and_widens(void **state) {
  assert_string_equal(run_text(wy_expr_between(I(2), I(2), I(4), false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_between(I(5), I(2), I(4), false, 1, 1)), "false");
  assert_string_equal(run_text(wy_expr_between(D(3.9), I(2), DEC("3.9"), false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_between(S("ba"), S("b"), S("c"), false, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_between(I(1), I(2), I(4), true, 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_between(I(5), NUL(), I(4), false, 1, 1)), "false");
  assert_string_equal(run_text(wy_expr_between(I(3), NUL(), I(4), false, 1, 1)), "null");
}

static void in_list_coerces_literals_and_reports_bad_ones(void **state) {
  wy_expr_t *l1[3] = {I(1), S("2"), DEC("3.00")};
  assert_string_equal(run_text(wy_expr_in(I(2), l1, 3, false, 1, 1)), "true");
  wy_expr_t *l2[2] = {I(11), NUL()};
  assert_string_equal(run_text(wy_expr_in(I(10), l2, 2, false, 1, 1)), "null");
  wy_expr_t *l3[3] = {I(11), I(20), I(10)};
  assert_string_equal(run_text(wy_expr_in(I(10), l3, 3, true, 1, 1)), "false");
  wy_expr_t *l4[2] = {I(10), S("10 - not a number")};
  assert_string_equal(run_text(wy_expr_in(COL("ID", 0, wy_type_int()), l4, 2, false, 1, 1)),
                      "ERROR: invalid input syntax for type INTEGER: \"10 - not a number\".");
  wy_expr_t *l5[2] = {I(10), B(true)};
  assert_non_null(strstr(run_text(wy_expr_in(COL("ID", 0, wy_type_int()), l5, 2, false, 1, 1)),
                         "operator does not exist: INTEGER = BOOLEAN (true)"));
  wy_expr_t *l6[3] = {B(true), I(10), S("10.30")};
  assert_string_equal(run_text(wy_expr_in(S("10"), l6, 3, false, 1, 1)), "true");
  wy_expr_t *l7[2] = {S("TrUe"), S("y")};
  assert_string_equal(run_text(wy_expr_in(B(true), l7, 2, false, 1, 1)), "true");
  /* a numeric text is its own narrowest type, so it may widen the comparison */
  wy_expr_t *l8[2] = {I(1), S("3000000000")};
  assert_string_equal(run_text(wy_expr_in(I(7), l8, 2, false, 1, 1)), "false");
  wy_expr_t *l9[1] = {S("-7.250")};
  assert_string_equal(run_text(wy_expr_in(DEC("-7.25"), l9, 1, false, 1, 1)), "true");
  /* a mismatch names the type reached so far: DECIMAL(3, 2) and INT make DECIMAL(12, 2) */
  wy_expr_t *l10[3] = {I(4), S("5"), B(false)};
  assert_non_null(strstr(run_text(wy_expr_in(DEC("1.25"), l10, 3, false, 1, 1)),
                         "operator does not exist: DECIMAL(12, 2) = BOOLEAN (false)"));
}

static void in_list_compares_structs_by_field_name(void **state) {
  const char *ab[2] = {"A", "B"}, *ba[2] = {"B", "A"};
  wy_expr_t *v1[2] = {I(1), I(2)}, *v2[2] = {I(2), I(1)};
  wy_expr_t *list[1] = {wy_expr_struct(ba, v2, 2, 1, 1)};
  assert_string_equal(run_text(wy_expr_in(wy_expr_struct(ab, v1, 2, 1, 1), list, 1, false, 1, 1)),
                      "true");
  /* a constructor lacking a field is that field NULL; an extra field never matches */
  const char *a[1] = {"A"}, *abc[3] = {"A", "B", "C"};
  wy_value_t n = wy_null(WY_T_INT);
  wy_expr_t *v3[2] = {I(5), wy_expr_literal(&n, wy_type_int(), 1, 1)}, *v4[1] = {I(5)};
  wy_expr_t *l2[1] = {wy_expr_struct(a, v4, 1, 1, 1)};
  assert_string_equal(run_text(wy_expr_in(wy_expr_struct(ab, v3, 2, 1, 1), l2, 1, false, 1, 1)),
                      "true");
  wy_expr_t *v5[2] = {I(5), I(6)}, *v6[3] = {I(5), I(6), I(7)};
  wy_expr_t *l3[1] = {wy_expr_struct(abc, v6, 3, 1, 1)};
  assert_string_equal(run_text(wy_expr_in(wy_expr_struct(ab, v5, 2, 1, 1), l3, 1, false, 1, 1)),
                      "false");
  /* a field of another type is a mismatch */
  wy_expr_t *v7[1] = {I(5)}, *v8[1] = {B(true)};
  wy_expr_t *l4[1] = {wy_expr_struct(a, v8, 1, 1, 1)};
  assert_non_null(strstr(run_text(wy_expr_in(wy_expr_struct(a, v7, 1, 1, 1), l4, 1, false, 1, 1)),
                         "operator does not exist: STRUCT<`A` INTEGER> = STRUCT<`A` BOOLEAN>"));
}

static void case_picks_first_true_branch_and_widens(void **state) {
  wy_expr_t *w[2] = {BIN(WY_OP_LT, I(5), I(2)), BIN(WY_OP_LT, I(5), I(10))};
  wy_expr_t *t[2] = {I(1), DEC("2.5")};
  assert_string_equal(run_text(wy_expr_case(NULL, w, t, 2, I(3), 1, 1)), "2.5");
  wy_expr_t *w2[1] = {B(false)}, *t2[1] = {S("x")};
  assert_string_equal(run_text(wy_expr_case(NULL, w2, t2, 1, NULL, 1, 1)), "null");
  wy_expr_t *w3[2] = {I(1), I(2)}, *t3[2] = {S("one"), S("two")};
  assert_string_equal(run_text(wy_expr_case(I(2), w3, t3, 2, S("many"), 1, 1)), "two");
  wy_expr_t *w4[1] = {B(true)}, *t4[1] = {NUL()};
  assert_string_equal(run_text(wy_expr_case(NULL, w4, t4, 1, NUL(), 1, 1)),
                      "ERROR: Invalid Case expression. All case branches have NULL type");
}

static void casts_follow_ksqldb_rules(void **state) {
  assert_string_equal(run_text(wy_expr_cast(D(3.3 - 2.1), wy_type_int(), 1, 1)), "1");
  assert_string_equal(run_text(wy_expr_cast(BI(2147483648LL), wy_type_int(), 1, 1)), "-2147483648");
  assert_string_equal(run_text(wy_expr_cast(I(-1), wy_type_string(), 1, 1)), "-1");
  assert_string_equal(run_text(wy_expr_cast(I(10), wy_type_decimal(2, 1), 1, 1)),
                      "ERROR: Numeric field overflow: DECIMAL(2, 1)");
  assert_string_equal(run_text(wy_expr_cast(I(1), wy_type_decimal(2, 1), 1, 1)), "1.0");
  assert_string_equal(run_text(wy_expr_cast(D(0.99), wy_type_decimal(2, 1), 1, 1)), "1.0");
  assert_string_equal(run_text(wy_expr_cast(S("0.01"), wy_type_decimal(2, 1), 1, 1)), "0.0");
  assert_string_equal(run_text(wy_expr_cast(DEC("10.01"), wy_type_int(), 1, 1)), "10");
  assert_string_equal(run_text(wy_expr_cast(DEC("10.01"), wy_type_double(), 1, 1)), "10.01");
  assert_string_equal(run_text(wy_expr_cast(S(" 42 "), wy_type_bigint(), 1, 1)), "42");
  assert_string_equal(run_text(wy_expr_cast(S("abc"), wy_type_int(), 1, 1)),
                      "ERROR: For input string: \"abc\"");
  assert_string_equal(run_text(wy_expr_cast(S("TRUE"), wy_type_boolean(), 1, 1)), "true");
  /* SqlBooleans: any start of true/yes/false/no, in any case */
  assert_string_equal(run_text(wy_expr_cast(S("tR"), wy_type_boolean(), 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_cast(S("Ye"), wy_type_boolean(), 1, 1)), "true");
  assert_string_equal(run_text(wy_expr_cast(S("fALs"), wy_type_boolean(), 1, 1)), "false");
  assert_string_equal(run_text(wy_expr_cast(S("N"), wy_type_boolean(), 1, 1)), "false");
  assert_non_null(strstr(run_text(wy_expr_cast(S("truex"), wy_type_boolean(), 1, 1)), "ERROR"));
  assert_non_null(strstr(run_text(wy_expr_cast(S(""), wy_type_boolean(), 1, 1)), "ERROR"));
  assert_string_equal(run_text(wy_expr_cast(D(1e10), wy_type_string(), 1, 1)), "1.0E10");
  assert_string_equal(run_text(wy_expr_cast(D(2), wy_type_string(), 1, 1)), "2.0");
  assert_string_equal(run_text(wy_expr_cast(NUL(), wy_type_int(), 1, 1)), "null");
}

static void casts_of_temporal_values_use_iso_text(void **state) {
  assert_string_equal(
      run_text(wy_expr_cast(wy_expr_cast(S("2022-04-28T21:44:47.943Z"), wy_type_timestamp(), 1, 1),
                            wy_type_bigint(), 1, 1)),
      "ERROR: Cast of TIMESTAMP to BIGINT is not supported");
  assert_string_equal(
      run_text(wy_expr_cast(S("2022-04-28T21:44:47.943"), wy_type_timestamp(), 1, 1)),
      "2022-04-28T21:44:47.943");
  assert_string_equal(
      run_text(wy_expr_cast(wy_expr_cast(S("2022-04-28T21:44:47.943"), wy_type_timestamp(), 1, 1),
                            wy_type_date(), 1, 1)),
      "2022-04-28");
  assert_string_equal(run_text(wy_expr_cast(S("12:30:05.5"), wy_type_time(), 1, 1)), "12:30:05.5");
  assert_string_equal(run_text(wy_expr_cast(S("2021-02-30"), wy_type_date(), 1, 1)),
                      "ERROR: Failed to parse DATE: \"2021-02-30\"");
}

static void casts_of_containers_are_element_wise(void **state) {
  wy_expr_t *a[3] = {BI(1), BI(3), BI(2147483648LL)};
  assert_string_equal(
      run_text(wy_expr_cast(wy_expr_array(a, 3, 1, 1), wy_type_array(wy_type_string()), 1, 1)),
      "[1, 3, 2147483648]");
  wy_expr_t *k[1] = {S("this")}, *v[1] = {I(1)};
  assert_string_equal(run_text(wy_expr_cast(wy_expr_map(k, v, 1, 1, 1), wy_type_string(), 1, 1)),
                      "{this=1}");
  const char *names[2] = {"F0", "f1"};
  wy_expr_t *sv[2] = {I(1), I(3)};
  assert_string_equal(
      run_text(wy_expr_cast(wy_expr_struct(names, sv, 2, 1, 1), wy_type_string(), 1, 1)),
      "Struct{F0=1,f1=3}");
  wy_type_t *to = wy_type_struct_new();
  wy_type_struct_add(to, "F0", wy_type_string());
  wy_type_struct_add(to, "F3", wy_type_string());
  wy_expr_t *sv2[2] = {I(1), I(3)};
  assert_string_equal(run_text(wy_expr_cast(wy_expr_struct(names, sv2, 2, 1, 1), to, 1, 1)),
                      "Struct{F0=1}");
  assert_string_equal(run_text(wy_expr_cast(S("x"), wy_type_array(wy_type_int()), 1, 1)),
                      "ERROR: Cast of STRING to ARRAY<INTEGER> is not supported");
}

static void subscripts_are_one_based_and_negative_from_the_end(void **state) {
  wy_expr_t *mk[3];
  for (int pass = 0; pass < 5; pass++) {
    static const int idx[5] = {1, 3, -1, 0, 4};
    static const char *const want[5] = {"10", "30", "30", "null", "null"};
    mk[0] = I(10), mk[1] = I(20), mk[2] = I(30);
    assert_string_equal(run_text(wy_expr_subscript(wy_expr_array(mk, 3, 1, 1), I(idx[pass]), 1, 1)),
                        want[pass]);
  }
  wy_expr_t *k[2] = {S("a"), S("b")}, *v[2] = {I(1), I(2)};
  assert_string_equal(run_text(wy_expr_subscript(wy_expr_map(k, v, 2, 1, 1), S("b"), 1, 1)), "2");
  wy_expr_t *k2[1] = {S("a")}, *v2[1] = {I(1)};
  assert_string_equal(run_text(wy_expr_subscript(wy_expr_map(k2, v2, 1, 1, 1), S("zz"), 1, 1)),
                      "null");
  assert_string_equal(run_text(wy_expr_subscript(I(1), I(1), 1, 1)),
                      "ERROR: Subscript expects ARRAY or MAP but 1 is INTEGER");
}

static void struct_fields_resolve_and_null_structs_give_null(void **state) {
  wy_type_t *inner = wy_type_struct_new();
  wy_type_struct_add(inner, "Name", wy_type_string());
  wy_type_t *outer = wy_type_struct_new();
  wy_type_struct_add(outer, "PERSON", inner);
  wy_list_t *il = wy_list_new(&t_arena, 1), *ol = wy_list_new(&t_arena, 1);
  il->items[0] = wy_string("George", 6);
  ol->items[0] = wy_struct(il);
  wy_value_t row[1] = {wy_struct(ol)};
  wy_expr_t *e = wy_expr_field(wy_expr_field(COL("COL1", 0, wy_type_ref(outer)), "PERSON", 1, 1),
                               "NAME", 1, 1);
  assert_string_equal(run_text_row(e, row), "George");
  ol->items[0] = wy_null(WY_T_STRUCT);
  e = wy_expr_field(wy_expr_field(COL("COL1", 0, wy_type_ref(outer)), "PERSON", 1, 1), "NAME", 1,
                    1);
  assert_string_equal(run_text_row(e, row), "null");
  e = wy_expr_field(COL("COL1", 0, wy_type_ref(outer)), "MISSING", 2, 7);
  assert_string_equal(run_text_row(e, row), "ERROR: Could not find field 'MISSING' in 'COL1'.");
  assert_int_equal(t_err.line, 2);
  assert_int_equal(t_err.column, 7);
  wy_type_unref(outer);
}

static void constructors_unify_element_types(void **state) {
  wy_expr_t *a[2] = {I(1), D(2.5)};
  assert_string_equal(type_text(wy_expr_array(a, 2, 1, 1)), "ARRAY<DOUBLE>");
  wy_expr_t *b[2] = {I(1), S("x")};
  assert_non_null(strstr(type_text(wy_expr_array(b, 2, 1, 1)), "ERROR"));
  wy_expr_t *k[2] = {S("a"), S("a")}, *v[2] = {I(1), I(2)};
  assert_string_equal(run_text(wy_expr_map(k, v, 2, 1, 1)), "{a=2}");
  const char *names[2] = {"A", "B"};
  wy_expr_t *sv[2] = {I(1), S("x")};
  assert_string_equal(type_text(wy_expr_struct(names, sv, 2, 1, 1)),
                      "STRUCT<`A` INTEGER, `B` STRING>");
}

static void lambdas_transform_filter_and_reduce(void **state) {
  wy_expr_t *a[3] = {I(1), I(2), I(3)};
  const char *x[1] = {"X"};
  wy_expr_t *e =
      CALL("TRANSFORM", 2, wy_expr_array(a, 3, 1, 1),
           wy_expr_lambda(x, 1, BIN(WY_OP_MUL, wy_expr_lambda_var("X", 1, 1), D(1.5)), 1, 1));
  assert_string_equal(run_text(e), "[1.5, 3.0, 4.5]");
  wy_expr_t *b[3] = {I(1), I(2), I(3)};
  e = CALL("FILTER", 2, wy_expr_array(b, 3, 1, 1),
           wy_expr_lambda(x, 1, BIN(WY_OP_GT, wy_expr_lambda_var("X", 1, 1), I(1)), 1, 1));
  assert_string_equal(run_text(e), "[2, 3]");
  wy_expr_t *c[3] = {I(1), I(2), I(3)};
  const char *sx[2] = {"S", "X"};
  e = CALL("REDUCE", 3, wy_expr_array(c, 3, 1, 1), BI(10),
           wy_expr_lambda(
               sx, 2, BIN(WY_OP_ADD, wy_expr_lambda_var("S", 1, 1), wy_expr_lambda_var("X", 1, 1)),
               1, 1));
  assert_string_equal(run_text(e), "16");
  wy_expr_t *k[2] = {S("ab"), S("abcd")}, *v[2] = {I(5), I(10)};
  const char *kv[2] = {"K", "V"};
  e = CALL("FILTER", 2, wy_expr_map(k, v, 2, 1, 1),
           wy_expr_lambda(kv, 2, BIN(WY_OP_GT, CALL("LEN", 1, wy_expr_lambda_var("K", 1, 1)), I(3)),
                          1, 1));
  assert_string_equal(run_text(e), "{abcd=10}");
  e = wy_expr_lambda(x, 1, I(1), 1, 1);
  assert_non_null(strstr(type_text(e), "only allowed as function arguments"));
}

static void function_errors_yield_null_for_the_call_only(void **state) {
  wy_expr_t *e = CALL("COALESCE", 2, CALL("PARSE_DATE", 2, S("2004"), S("yyyy-MM-dd")),
                      CALL("PARSE_DATE", 2, S("2004-01-01"), S("yyyy-MM-dd")));
  wy_value_t v;
  assert_int_equal(run_row(e, NULL, &v, NULL), WY_OK);
  assert_false(v.null);
  assert_int_equal(v.u.i32, 12418);
  assert_int_equal(t_err.code, WY_ERR_EVAL); /* reported for the processing log */
  assert_non_null(strstr(t_err.msg, "Failed to parse date '2004'"));
}

static void unknown_functions_and_bad_arguments_fail_binding(void **state) {
  assert_string_equal(run_text(CALL("NOPE", 0)),
                      "ERROR: Can't find any functions with the name 'NOPE'");
  /* ksqlDB's words: built-ins named as ksqlDB declares them, then every overload */
  const char *want =
      "ERROR: Function 'COALESCE' does not accept parameters ().\n"
      "Valid alternatives are:\nCOALESCE(T, T...)";
  assert_string_equal(run_text(CALL("COALESCE", 0)), want);
  want = "ERROR: Function 'len' does not accept parameters (INTEGER).\nValid alternatives are:\n";
  const char *got = run_text(CALL("LEN", 1, I(1)));
  assert_int_equal(strncmp(got, want, strlen(want)), 0);
  assert_non_null(strstr(got, "\nlen(BYTES"));
  assert_non_null(strstr(got, "\nlen(STRING"));
  assert_string_equal(run_text(CALL("COUNT", 1, I(1))),
                      "ERROR: Aggregate function COUNT(1) is not allowed here");
  assert_string_equal(run_text(NUL()),
                      "ERROR: Can't infer a type of null. Please explicitly cast it to a required "
                      "type, e.g. CAST(null AS VARCHAR).");
}

static void format_renders_like_ksqldb(void **state) {
  char buf[256];
  wy_expr_t *k[1] = {S("a")}, *v[1] = {COL("VAL1", 0, wy_type_boolean())};
  wy_expr_t *e = wy_expr_map(k, v, 1, 1, 1);
  wy_expr_format(e, buf, sizeof buf);
  assert_string_equal(buf, "MAP('a':=VAL1)");
  wy_expr_destroy(e);
  e = BIN(WY_OP_ADD, CALL("RANDOM", 0), DEC("1.5"));
  wy_expr_format(e, buf, sizeof buf);
  assert_string_equal(buf, "(RANDOM() + 1.5)");
  wy_error_t err;
  assert_int_equal(wy_expr_bind(e, NULL, false, &err), WY_OK);
  assert_int_equal(wy_expr_check_boolean(e, &err), WY_ERR_TYPE);
  assert_string_equal(err.msg,
                      "Should evaluate to boolean but is (RANDOM() + 1.5) (DOUBLE) instead.");
  wy_expr_destroy(e);
  e = wy_expr_like(S("it's"), S("%'%"), NULL, true, 1, 1);
  wy_expr_format(e, buf, sizeof buf);
  assert_string_equal(buf, "('it''s' NOT LIKE '%''%')");
  wy_expr_destroy(e);
}

static void aggregates_bind_only_where_allowed(void **state) {
  wy_error_t err;
  wy_expr_t *e = CALL("SUM", 1, COL("V", 0, wy_type_int()));
  assert_int_equal(wy_expr_bind(e, NULL, true, &err), WY_OK);
  assert_true(wy_expr_has_aggregate(e));
  char buf[64];
  wy_type_format(wy_expr_type(e), buf, sizeof buf);
  assert_string_equal(buf, "INTEGER");
  wy_expr_program_t *p;
  assert_int_equal(wy_expr_compile(e, &p, &err), WY_ERR_ANALYSIS);
  wy_expr_destroy(e);
  e = CALL("SUM", 1, CALL("COUNT", 0));
  assert_int_equal(wy_expr_bind(e, NULL, true, &err), WY_ERR_ANALYSIS);
  assert_string_equal(err.msg, "Aggregate functions can not be nested: SUM(COUNT())");
  wy_expr_destroy(e);
}

static void builders_free_children_on_failure_paths(void **state) {
  /* A tree built and destroyed without binding must not leak (ASan checks). */
  wy_expr_t *w[1] = {B(true)}, *t[1] = {I(1)};
  wy_expr_destroy(wy_expr_case(I(1), w, t, 1, I(2), 1, 1));
  wy_expr_destroy(wy_expr_in(I(1), NULL, 0, false, 1, 1));
  wy_expr_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(integer_arithmetic_wraps_like_java),
      cmocka_unit_test(integer_division_by_zero_fails_the_expression),
      cmocka_unit_test(double_division_by_zero_is_ieee),
      cmocka_unit_test(numeric_widening_picks_the_wider_type),
      cmocka_unit_test(decimal_result_types_follow_ksqldb),
      cmocka_unit_test(string_plus_concatenates),
      cmocka_unit_test(arithmetic_on_unsupported_types_is_a_bind_error),
      cmocka_unit_test(arithmetic_with_null_is_null),
      cmocka_unit_test(comparisons_with_null_are_false_as_in_ksqldb),
      cmocka_unit_test(is_null_and_is_distinct_from_never_yield_null),
      cmocka_unit_test(comparison_errors_use_ksqldb_messages),
      cmocka_unit_test(arrays_and_maps_compare_for_equality),
      cmocka_unit_test(like_matches_percent_underscore_and_escape),
      cmocka_unit_test(between_includes_bounds_and_widens),
      cmocka_unit_test(in_list_coerces_literals_and_reports_bad_ones),
      cmocka_unit_test(in_list_compares_structs_by_field_name),
      cmocka_unit_test(case_picks_first_true_branch_and_widens),
      cmocka_unit_test(casts_follow_ksqldb_rules),
      cmocka_unit_test(casts_of_temporal_values_use_iso_text),
      cmocka_unit_test(casts_of_containers_are_element_wise),
      cmocka_unit_test(subscripts_are_one_based_and_negative_from_the_end),
      cmocka_unit_test(struct_fields_resolve_and_null_structs_give_null),
      cmocka_unit_test(constructors_unify_element_types),
      cmocka_unit_test(lambdas_transform_filter_and_reduce),
      cmocka_unit_test(function_errors_yield_null_for_the_call_only),
      cmocka_unit_test(unknown_functions_and_bad_arguments_fail_binding),
      cmocka_unit_test(format_renders_like_ksqldb),
      cmocka_unit_test(aggregates_bind_only_where_allowed),
      cmocka_unit_test(builders_free_children_on_failure_paths),
  };
  return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
