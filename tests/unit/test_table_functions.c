/* Table functions (UDTF): their resolution in the registry, their calls' values, and the
 * sample library of ksqlDB's test UDTFs loaded from its shared object. The FLAT_MAP
 * operator that makes rows of the values is tested in test_engine.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "test_udf_loader_util.h"

/* Resolve name(args) among functions of `kind` in r: the value type, or "ERROR: msg". */
static const char *resolve(const wy_registry_t *r, const char *name, wy_fn_kind_t kind,
                           const wy_type_t *a0) {
  wy_call_arg_t arg = {a0, NULL, 0};
  wy_resolved_t res;
  wy_error_clear(&t_err);
  if (wy_registry_resolve_kind(r, name, &arg, 1, kind, NULL, NULL, &res, &t_err) != WY_OK)
    snprintf(t_text, sizeof t_text, "ERROR: %s", t_err.msg);
  else
    wy_type_format(res.ret, t_text, sizeof t_text);
  wy_resolved_release(&res);
  wy_type_unref(a0);
  return t_text;
}

static void explode_resolves_to_the_element_type(void **state) {
  const wy_registry_t *r = wy_registry_builtins();
  assert_int_equal(wy_function_kind(wy_registry_find(r, "EXPLODE")), WY_FN_KIND_TABLE);
  assert_int_equal(wy_function_kind(wy_registry_find(r, "CUBE_EXPLODE")), WY_FN_KIND_TABLE);
  assert_int_equal(wy_function_kind(wy_registry_find(r, "ABS")), WY_FN_KIND_SCALAR);
  assert_string_equal(wy_registry_find(r, "EXPLODE")->category, "TABLE");
  assert_string_equal(resolve(r, "EXPLODE", WY_FN_KIND_TABLE, wy_type_array(wy_type_int())),
                      "INTEGER");
  assert_string_equal(
      resolve(r, "EXPLODE", WY_FN_KIND_TABLE, wy_type_array(wy_type_decimal(20, 10))),
      "DECIMAL(20, 10)");
  assert_string_equal(
      resolve(r, "EXPLODE", WY_FN_KIND_TABLE, wy_type_array(wy_type_array(wy_type_string()))),
      "ARRAY<STRING>");
  assert_string_equal(resolve(r, "CUBE_EXPLODE", WY_FN_KIND_TABLE, wy_type_array(wy_type_bigint())),
                      "ARRAY<BIGINT>");
  /* an untyped NULL binds no element type T, but fits ARRAY<DECIMAL> (a NULL matches any
   * DECIMAL, the narrowest): the only overload that fits */
  assert_string_equal(resolve(r, "EXPLODE", WY_FN_KIND_TABLE, NULL), "DECIMAL(1, 0)");
}

static void table_functions_are_not_scalars_nor_the_reverse(void **state) {
  const wy_registry_t *r = wy_registry_builtins();
  assert_string_equal(
      resolve(r, "EXPLODE", WY_FN_KIND_SCALAR, wy_type_map(wy_type_string(), wy_type_int())),
      "ERROR: Can't find any functions with the name 'EXPLODE'");
  assert_string_equal(resolve(r, "ABS", WY_FN_KIND_TABLE, wy_type_int()),
                      "ERROR: Function 'ABS' is not a table function");
  assert_string_equal(resolve(r, "COUNT", WY_FN_KIND_TABLE, wy_type_int()),
                      "ERROR: Function 'COUNT' is not a table function");
  assert_string_equal(resolve(r, "EXPLODE", WY_FN_KIND_AGGREGATE, wy_type_int()),
                      "ERROR: Function 'EXPLODE' is not an aggregate function");
  assert_non_null(
      strstr(resolve(r, "EXPLODE", WY_FN_KIND_TABLE, wy_type_map(wy_type_string(), wy_type_int())),
             "does not accept parameters (MAP<STRING, INTEGER>)"));
  /* as a scalar in an expression, EXPLODE is unknown (ksqlDB's code generator) */
  assert_string_equal(type_in(r, CALL("EXPLODE", 1, wy_expr_array((wy_expr_t *[]){I(1)}, 1, 1, 1))),
                      "ERROR: Can't find any functions with the name 'EXPLODE'");
}

static wy_status_t fn_stub(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  (void)ctx, (void)a, (void)n;
  *out = wy_null(WY_T_INT);
  return WY_OK;
}

static void a_table_function_does_not_mix_with_other_kinds(void **state) {
  wy_registry_t *r = wy_registry_new();
  wy_error_t err;
  wy_overload_def_t scalar = {.name = "F", .signature = "INT", .ret = "INT", .fn = fn_stub};
  wy_overload_def_t table = scalar;
  table.fn_flags = WY_FN_TABLE;
  table.signature = "BIGINT";
  assert_int_equal(wy_registry_add(r, &scalar, &err), WY_OK);
  assert_int_not_equal(wy_registry_add(r, &table, &err), WY_OK);
  assert_non_null(strstr(err.msg, "mixes scalar, aggregate and table overloads"));
  table.fn = NULL; /* a table function needs its implementation */
  table.name = "G";
  assert_int_not_equal(wy_registry_add(r, &table, &err), WY_OK);
  wy_registry_destroy(r);
}

/* Bind f(args) as a table call against r, evaluate it: its values as SQL text. */
static const char *values_in(const wy_registry_t *r, wy_expr_t *call) {
  wy_error_clear(&t_err);
  wy_expr_program_t *p = NULL;
  if (wy_expr_bind_table_call(call, r, &t_err) == WY_OK) wy_expr_compile(call, &p, &t_err);
  wy_expr_destroy(call);
  if (!p) {
    snprintf(t_text, sizeof t_text, "ERROR: %s", t_err.msg);
    return t_text;
  }
  eval_text(p, NULL);
  wy_expr_program_destroy(p);
  return t_text;
}

static wy_expr_t *ARR(size_t n, ...) {
  wy_expr_t *items[16];
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) items[i] = va_arg(ap, wy_expr_t *);
  va_end(ap);
  return wy_expr_array(items, n, 1, 1);
}

#define NULL_OF(t) wy_expr_cast(NUL(), t, 1, 1)

static void explode_yields_every_element(void **state) {
  const wy_registry_t *r = wy_registry_builtins();
  assert_string_equal(values_in(r, CALL("EXPLODE", 1, ARR(3, I(1), NUL(), I(3)))), "[1, null, 3]");
  assert_string_equal(values_in(r, CALL("EXPLODE", 1, ARR(2, DEC("1.50"), DEC("2.25")))),
                      "[1.50, 2.25]");
  /* a NULL array is no call: no values */
  assert_string_equal(values_in(r, CALL("EXPLODE", 1, NULL_OF(wy_type_array(wy_type_string())))),
                      "null");
  assert_string_equal(
      values_in(r, CALL("EXPLODE", 1,
                        wy_expr_cast(ARR(1, S("x")), wy_type_array(wy_type_string()), 1, 1))),
      "[x]");
}

static void cube_explode_skips_the_combinations_a_null_repeats(void **state) {
  const wy_registry_t *r = wy_registry_builtins();
  assert_string_equal(values_in(r, CALL("CUBE_EXPLODE", 1, ARR(2, I(1), I(2)))),
                      "[[null, null], [null, 2], [1, null], [1, 2]]");
  assert_string_equal(values_in(r, CALL("CUBE_EXPLODE", 1, ARR(3, S("a"), NUL(), S("c")))),
                      "[[null, null, null], [null, null, c], [a, null, null], [a, null, c]]");
  assert_string_equal(values_in(r, CALL("CUBE_EXPLODE", 1, ARR(2, NUL(), NULL_OF(wy_type_int())))),
                      "[[null, null]]");
  assert_string_equal(values_in(r, CALL("CUBE_EXPLODE", 1, NULL_OF(wy_type_array(wy_type_int())))),
                      "null");
  /* 31 columns would be 2^31 rows: the call fails (NULL, with a message) */
  wy_expr_t *many[31];
  for (int i = 0; i < 31; i++) many[i] = I(i);
  assert_string_equal(values_in(r, CALL("CUBE_EXPLODE", 1, wy_expr_array(many, 31, 1, 1))), "null");
  assert_non_null(strstr(t_err.msg, "at most 30 columns"));
}

/* ---- the sample library of ksqlDB's test UDTFs ---- */

#define STRUCT_A(v) wy_expr_struct((const char *const[]){"A"}, (wy_expr_t *[]){v}, 1, 1, 1)

static void test_udtf_renders_its_arguments_as_java_does(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("ksql_test_udtf"), NULL);
  const wy_function_t *f = wy_registry_find(r, "TEST_UDTF");
  assert_int_equal(wy_function_kind(f), WY_FN_KIND_TABLE);
  assert_int_equal(f->noverloads, 10);
  assert_string_equal(f->category, "TABLE");
  assert_string_equal(values_in(r, CALL("TEST_UDTF", 7, I(-4), BI(9000000000), D(0.1), B(false),
                                        S("s"), DEC("-0.0050"), STRUCT_A(S("z")))),
                      "[-4, 9000000000, 0.1, false, s, -0.0050, Struct{A=z}]");
  /* Java's Double.toString switches to E notation outside [1e-3, 1e7) */
  assert_string_equal(values_in(r, CALL("TEST_UDTF", 7, I(0), BI(0), D(12345678.0), B(true), S(""),
                                        DEC("7"), STRUCT_A(NULL_OF(wy_type_string())))),
                      "[0, 0, 1.2345678E7, true, , 7, Struct{}]");
  assert_string_equal(values_in(r, CALL("TEST_UDTF", 7, ARR(2, I(5), I(6)), ARR(1, BI(1)),
                                        ARR(1, D(1e-4)), ARR(1, B(true)), ARR(1, S("a")),
                                        ARR(1, DEC("1.5")), ARR(1, STRUCT_A(S("q"))))),
                      "[5, 1, 1.0E-4, true, a, 1.5, Struct{A=q}]");
  /* an empty array has no first element: the call fails, as Java's get(0) throws */
  assert_string_equal(
      values_in(r, CALL("TEST_UDTF", 7, CALL("ARRAY_REMOVE", 2, ARR(1, I(1)), I(1)), ARR(1, BI(1)),
                        ARR(1, D(1)), ARR(1, B(true)), ARR(1, S("a")), ARR(1, DEC("1")),
                        ARR(1, STRUCT_A(S("q"))))),
      "null");
  assert_int_equal(t_err.code, WY_ERR_EVAL);
  wy_registry_destroy(r);
}

static void test_udtf_returns_its_argument_typed_as_declared(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("ksql_test_udtf"), NULL);
  assert_string_equal(resolve(r, "TEST_UDTF", WY_FN_KIND_TABLE, wy_type_int()), "INTEGER");
  assert_string_equal(resolve(r, "TEST_UDTF", WY_FN_KIND_TABLE, wy_type_decimal(5, 2)),
                      "DECIMAL(30, 10)");
  assert_string_equal(values_in(r, CALL("TEST_UDTF", 1, DEC("123.45"))), "[123.4500000000]");
  assert_string_equal(values_in(r, CALL("TEST_UDTF", 1, S("x"))), "[x]");
  /* a NULL argument: no call, no values */
  assert_string_equal(values_in(r, CALL("TEST_UDTF", 1, NULL_OF(wy_type_int()))), "null");
  wy_registry_destroy(r);
}

static void throwing_udtf_fails_when_asked_to(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("ksql_test_udtf"), NULL);
  assert_string_equal(values_in(r, CALL("THROWING_UDTF", 1, B(false))), "[false]");
  assert_int_equal(t_err.code, WY_OK);
  assert_string_equal(values_in(r, CALL("THROWING_UDTF", 1, B(true))), "null");
  assert_int_equal(t_err.code, WY_ERR_EVAL);
  assert_non_null(strstr(t_err.msg, "You asked me to throw"));
  wy_registry_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(explode_resolves_to_the_element_type, t_setup, t_teardown),
      cmocka_unit_test_setup_teardown(table_functions_are_not_scalars_nor_the_reverse, t_setup,
                                      t_teardown),
      cmocka_unit_test_setup_teardown(a_table_function_does_not_mix_with_other_kinds, t_setup,
                                      t_teardown),
      cmocka_unit_test_setup_teardown(explode_yields_every_element, t_setup, t_teardown),
      cmocka_unit_test_setup_teardown(cube_explode_skips_the_combinations_a_null_repeats, t_setup,
                                      t_teardown),
      cmocka_unit_test_setup_teardown(test_udtf_renders_its_arguments_as_java_does, t_setup,
                                      t_teardown),
      cmocka_unit_test_setup_teardown(test_udtf_returns_its_argument_typed_as_declared, t_setup,
                                      t_teardown),
      cmocka_unit_test_setup_teardown(throwing_udtf_fails_when_asked_to, t_setup, t_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
