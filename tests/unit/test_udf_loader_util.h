/* Helpers of the UDF loader tests: registries with libraries loaded, and expressions
 * bound, compiled and evaluated against them (test_expr_util.h binds to the built-ins
 * only). */
#ifndef WY_TEST_UDF_LOADER_UTIL_H
#define WY_TEST_UDF_LOADER_UTIL_H

#include <stdlib.h>

#include "test_expr_util.h"
#include "udf/loader.h"

#define FIXTURE(name) WY_UDF_FIXTURE_DIR "/fixture_" name ".so"
#define SAMPLE(name) WY_UDF_LIB_DIR "/walleye_" name ".so"

/* Built-ins plus the library at path; fails the test when it does not load. */
static __attribute__((unused)) wy_registry_t *reg_with(const char *path,
                                                       const wy_udf_options_t *opts) {
  wy_error_t err;
  wy_registry_t *r = wy_udf_registry_new(NULL, NULL, &err);
  assert_non_null(r);
  if (wy_udf_load_library(r, path, opts, &err) != WY_OK) fail_msg("%s", err.msg);
  return r;
}

/* Bind and compile e (destroyed) against r; NULL with t_err filled on failure. */
static __attribute__((unused)) wy_expr_program_t *compile_in(const wy_registry_t *r, wy_expr_t *e) {
  wy_error_clear(&t_err);
  wy_expr_program_t *p = NULL;
  if (!wy_expr_bind(e, r, false, &t_err)) wy_expr_compile(e, &p, &t_err);
  wy_expr_destroy(e);
  return p;
}

/* Evaluate p on row and render the result: "null", "ERROR: msg" when evaluation fails,
 * else CAST(result AS STRING). A failing function call yields "null" and leaves its
 * message in t_err, as the processing log would get it. */
static __attribute__((unused)) const char *eval_text(const wy_expr_program_t *p,
                                                     const wy_value_t *row) {
  wy_value_t v;
  if (wy_expr_eval(p, row, &t_arena, &v, &t_err) != WY_OK) {
    snprintf(t_text, sizeof t_text, "ERROR: %s", t_err.msg);
    return t_text;
  }
  const char *s;
  size_t n;
  wy_value_format_sql(&v, wy_expr_program_type(p), &t_arena, &s, &n);
  snprintf(t_text, sizeof t_text, "%.*s", (int)n, s);
  return t_text;
}

/* Bind, compile and evaluate e (destroyed) against r. */
static __attribute__((unused)) const char *run_in(const wy_registry_t *r, wy_expr_t *e) {
  wy_expr_program_t *p = compile_in(r, e);
  if (!p) {
    snprintf(t_text, sizeof t_text, "ERROR: %s", t_err.msg);
    return t_text;
  }
  eval_text(p, NULL);
  wy_expr_program_destroy(p);
  return t_text;
}

/* The result type of e (destroyed) bound against r. */
static __attribute__((unused)) const char *type_in(const wy_registry_t *r, wy_expr_t *e) {
  wy_error_clear(&t_err);
  if (wy_expr_bind(e, r, false, &t_err))
    snprintf(t_text, sizeof t_text, "ERROR: %s", t_err.msg);
  else
    wy_type_format(wy_expr_type(e), t_text, sizeof t_text);
  wy_expr_destroy(e);
  return t_text;
}

/* Every test starts and ends with no library image loaded: nothing leaked a reference. */
static __attribute__((unused)) int udf_setup(void **state) {
  assert_int_equal(wy_udf_loaded_images(), 0);
  return 0;
}
static __attribute__((unused)) int udf_teardown(void **state) {
  assert_int_equal(wy_udf_loaded_images(), 0);
  return 0;
}

#endif
