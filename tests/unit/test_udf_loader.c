/* udf/loader: loading shared-object UDF libraries into a registry — metadata,
 * overloads, variadics, generics, NULL handling, failing calls, configuration,
 * aggregates, refused libraries (ABI version, missing symbols, conflicts, bad
 * definitions) and reloading while compiled programs keep the old image. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test_udf_loader_util.h"

#define EQ(reg, expr, want) assert_string_equal(run_in(reg, expr), want)
#define NULLS(t) wy_expr_cast(NUL(), t, 1, 1)

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

static void functions_carry_their_library_metadata(void **state) {
  wy_registry_t *r = reg_with(FIXTURE("basic"), NULL);
  assert_int_equal(wy_udf_loaded_images(), 1);
  const wy_function_t *f = wy_registry_find(r, "test_add");
  assert_non_null(f);
  assert_string_equal(f->name, "TEST_ADD");
  assert_true(ends_with(f->path, "/fixture_basic.so"));
  assert_true(f->path[0] == '/'); /* canonical */
  assert_string_equal(f->author, "fixture author");
  assert_string_equal(f->version, "1.0");
  assert_string_equal(f->category, "OTHER");
  assert_string_equal(f->description, "fixture");
  assert_int_equal(f->noverloads, 2);
  assert_string_equal(f->overloads[0].signature, "INT a, INT b");
  assert_non_null(wy_registry_find(r, "TEST_JOIN")); /* registered as "test_join" */
  assert_true(wy_registry_find(r, "TEST_HIDE")->flags & WY_FN_MASKING);
  assert_false(f->flags & WY_FN_MASKING);
  assert_true(wy_registry_find(r, "TEST_STRICT_CALLS")->flags & WY_FN_NONDETERMINISTIC);
  assert_true(wy_registry_find(r, "TEST_SUMSQ")->flags & WY_FN_AGGREGATE);
  assert_string_equal(wy_registry_find(r, "TEST_SUMSQ")->category, "AGGREGATE");
  assert_string_equal(wy_registry_find(r, "ABS")->path, "internal"); /* built-ins are there too */
  wy_registry_destroy(r);
}

static void overloads_resolve_as_for_builtins(void **state) {
  wy_registry_t *r = reg_with(FIXTURE("basic"), NULL);
  EQ(r, CALL("TEST_ADD", 2, I(40), I(2)), "42");
  assert_string_equal(type_in(r, CALL("TEST_ADD", 2, I(40), I(2))), "INTEGER");
  EQ(r, CALL("TEST_ADD", 2, D(1.5), I(2)), "3.5");
  assert_string_equal(type_in(r, CALL("TEST_ADD", 2, BI(1), I(2))), "DOUBLE"); /* BIGINT widens */
  /* a loaded function keeps its name; the alternatives follow */
  assert_non_null(
      strstr(run_in(r, CALL("TEST_ADD", 2, S("a"), I(1))),
             "ERROR: Function 'TEST_ADD' does not accept parameters (STRING, INTEGER).\n"
             "Valid alternatives are:\nTEST_ADD("));
  /* Generics cross the ABI: the element comes back with the array's element type. */
  wy_expr_t *items[2] = {S("x"), S("y")};
  EQ(r, CALL("TEST_FIRST", 1, wy_expr_array(items, 2, 1, 1)), "x");
  wy_expr_t *nums[2] = {I(7), I(8)};
  assert_string_equal(type_in(r, CALL("TEST_FIRST", 1, wy_expr_array(nums, 2, 1, 1))), "INTEGER");
  /* A concrete DECIMAL result type. */
  assert_string_equal(type_in(r, CALL("TEST_CENTS", 1, I(12345))), "DECIMAL(10, 2)");
  EQ(r, CALL("TEST_CENTS", 1, I(12345)), "123.45");
  wy_registry_destroy(r);
}

static void variadic_parameters_take_any_count(void **state) {
  wy_registry_t *r = reg_with(FIXTURE("basic"), NULL);
  EQ(r, CALL("TEST_JOIN", 1, S("-")), "");
  EQ(r, CALL("TEST_JOIN", 2, S("-"), S("a")), "a");
  EQ(r, CALL("TEST_JOIN", 5, S("-"), S("a"), NULLS(wy_type_string()), S("b"), S("c")), "a-b-c");
  /* a loaded function keeps its name; the alternatives follow */
  assert_non_null(
      strstr(run_in(r, CALL("TEST_JOIN", 2, S("-"), I(1))),
             "ERROR: Function 'TEST_JOIN' does not accept parameters (STRING, INTEGER).\n"
             "Valid alternatives are:\nTEST_JOIN("));
  wy_registry_destroy(r);
}

static void nulls_skip_strict_functions_and_reach_the_others(void **state) {
  wy_registry_t *r = reg_with(FIXTURE("basic"), NULL);
  EQ(r, CALL("TEST_NULL_LEN", 1, NULLS(wy_type_string())), "-1");
  EQ(r, CALL("TEST_NULL_LEN", 1, S("abcd")), "4");
  EQ(r, CALL("TEST_STRICT_CALLS", 0), "0");
  EQ(r, CALL("TEST_STRICT_LEN", 1, NULLS(wy_type_string())), "null");
  EQ(r, CALL("TEST_STRICT_CALLS", 0), "0"); /* not called */
  EQ(r, CALL("TEST_STRICT_LEN", 1, S("abc")), "3");
  EQ(r, CALL("TEST_STRICT_CALLS", 0), "1");
  wy_registry_destroy(r);
}

static void a_failing_udf_yields_null_and_a_message(void **state) {
  wy_registry_t *r = reg_with(FIXTURE("basic"), NULL);
  EQ(r, CALL("TEST_FAIL", 1, I(5)), "5");
  assert_int_equal(t_err.code, WY_OK);
  EQ(r, CALL("TEST_FAIL", 1, I(-3)), "null");
  assert_int_equal(t_err.code, WY_ERR_EVAL);
  assert_string_equal(t_err.msg, "function TEST_FAIL failed: negative input -3");
  /* The row goes on: only the call is NULL. */
  EQ(r, CALL("COALESCE", 2, CALL("TEST_FAIL", 1, I(-1)), I(7)), "7");
  assert_int_equal(t_err.code, WY_ERR_EVAL);
  EQ(r, CALL("TEST_FAIL_SILENTLY", 0), "null");
  assert_string_equal(t_err.msg, "function TEST_FAIL_SILENTLY failed");
  /* A result of the wrong type never reaches the engine. */
  EQ(r, CALL("TEST_WRONG_TYPE", 0), "null");
  assert_string_equal(t_err.msg,
                      "function TEST_WRONG_TYPE returned STRING where INTEGER was declared");
  wy_registry_destroy(r);
}

static const char *config_for_tests(void *user, const char *key) {
  return !strcmp(key, "udf.fixture.greeting") ? (const char *)user : NULL;
}

/* ksqlDB's function properties: the function's own, else the _global_ one. */
static const char *function_props(void *user, const char *key) {
  if (!strcmp(key, "ksql.functions._global_.text")) return "hello from global";
  if (!strcmp(key, "ksql.functions.test_greeting.text") && user) return user;
  return NULL;
}

static void libraries_read_ksql_function_properties(void **state) {
  wy_udf_options_t o = {function_props, NULL};
  wy_registry_t *r = reg_with(FIXTURE("basic"), &o);
  EQ(r, CALL("TEST_GREETING", 0), "hello from global");
  wy_registry_destroy(r);
  o.config_user = "hello from test_greeting";
  r = reg_with(FIXTURE("basic"), &o);
  EQ(r, CALL("TEST_GREETING", 0), "hello from test_greeting");
  wy_registry_destroy(r);
  /* the environment's form of the global key */
  setenv("WALLEYE_KSQL_FUNCTIONS__GLOBAL__TEXT", "hello from env", 1);
  r = reg_with(FIXTURE("basic"), NULL);
  EQ(r, CALL("TEST_GREETING", 0), "hello from env");
  wy_registry_destroy(r);
  unsetenv("WALLEYE_KSQL_FUNCTIONS__GLOBAL__TEXT");
}

static void libraries_read_configuration_then_environment(void **state) {
  wy_udf_options_t o = {config_for_tests, "hello from config"};
  wy_registry_t *r = reg_with(FIXTURE("basic"), &o);
  EQ(r, CALL("TEST_GREETING", 0), "hello from config");
  wy_registry_destroy(r);
  setenv("WALLEYE_FIXTURE_GREETING", "hello from env", 1);
  r = reg_with(FIXTURE("basic"), NULL);
  EQ(r, CALL("TEST_GREETING", 0), "hello from env");
  wy_registry_destroy(r);
  unsetenv("WALLEYE_FIXTURE_GREETING");
}

/* Loading path into a fresh registry fails with code; returns the message. */
static const char *load_error(const char *path, wy_status_t code) {
  static wy_error_t err;
  wy_registry_t *r = wy_udf_registry_new(NULL, NULL, &err);
  size_t before = wy_registry_count(r);
  assert_int_equal(wy_udf_load_library(r, path, NULL, &err), code);
  assert_int_equal(wy_registry_count(r), before); /* all or nothing */
  wy_registry_destroy(r);
  return err.msg;
}

static void libraries_of_another_abi_or_without_entry_points_are_refused(void **state) {
  const char *m = load_error(FIXTURE("wrong_abi"), WY_ERR_CONFIG);
  assert_non_null(strstr(m,
                         "fixture_wrong_abi.so' was built for UDF ABI version 42, but this walleye "
                         "supports version 1"));
  m = load_error(FIXTURE("no_abi"), WY_ERR_CONFIG);
  assert_non_null(
      strstr(m, "is not a walleye UDF library: it does not export walleye_udf_abi_version"));
  m = load_error(FIXTURE("no_init"), WY_ERR_CONFIG);
  assert_non_null(strstr(m, "fixture_no_init.so' does not export walleye_udf_init"));
  m = load_error(FIXTURE("init_fail"), WY_ERR_CONFIG);
  assert_non_null(strstr(m, "fixture_init_fail.so': init failed: udf.fixture.required is not set"));
  m = load_error(FIXTURE("bad_signature"), WY_ERR_INVALID);
  assert_non_null(strstr(m, "fixture_bad_signature.so': signature 'INT, WHAT<'"));
  m = load_error(WY_UDF_FIXTURE_DIR "/missing.so", WY_ERR_CONFIG);
  assert_non_null(strstr(m, "missing.so': No such file or directory"));
  char tmp[] = "/tmp/wy-udf-test-XXXXXX";
  int fd = mkstemp(tmp);
  assert_true(fd >= 0 && write(fd, "not elf", 7) == 7);
  close(fd);
  m = load_error(tmp, WY_ERR_CONFIG);
  assert_non_null(strstr(m, "cannot load UDF library"));
  unlink(tmp);
}

static void names_taken_by_builtins_or_other_libraries_are_refused(void **state) {
  const char *m = load_error(FIXTURE("builtin_clash"), WY_ERR_EXISTS);
  assert_non_null(
      strstr(m, "fixture_builtin_clash.so': function 'ABS' conflicts with a built-in function"));
  wy_error_t err;
  wy_registry_t *r = reg_with(FIXTURE("basic"), NULL);
  size_t n = wy_registry_count(r);
  assert_int_equal(wy_udf_load_library(r, FIXTURE("clash"), NULL, &err), WY_ERR_EXISTS);
  assert_non_null(strstr(err.msg,
                         "fixture_clash.so': function 'TEST_ADD' conflicts with function "
                         "'TEST_ADD' of UDF library '"));
  assert_true(ends_with(err.msg, "/fixture_basic.so'"));
  assert_null(wy_registry_find(r, "TEST_OTHER")); /* nothing of the refused library */
  assert_int_equal(wy_udf_load_library(r, FIXTURE("basic"), NULL, &err), WY_ERR_EXISTS);
  assert_non_null(strstr(err.msg, "fixture_basic.so' is already loaded"));
  assert_int_equal(wy_registry_count(r), n);
  assert_int_equal(wy_udf_loaded_images(), 1); /* the refused one is closed again */
  wy_registry_destroy(r);
}

static void aggregates_fold_undo_and_keep_serializable_state(void **state) {
  wy_registry_t *r = reg_with(FIXTURE("basic"), NULL);
  wy_call_arg_t arg = {wy_type_int(), NULL, 0};
  wy_resolved_t res;
  wy_error_t err;
  assert_int_equal(wy_registry_resolve(r, "TEST_SUMSQ", &arg, 1, true, NULL, NULL, &res, &err),
                   WY_OK);
  const wy_udaf_ops_t *ops = res.ov->agg;
  const wy_type_t *st = ops->acc_type(&arg.type, 1);
  char buf[128];
  wy_type_format(st, buf, sizeof buf);
  assert_string_equal(buf, "STRUCT<`S` BIGINT, `N` BIGINT>");
  wy_type_unref(st);
  assert_non_null(ops->undo);
  wy_fn_ctx_t ctx = {
      .arena = &t_arena, .err = &err, .ret = res.ret, .arg_types = res.param_types, .nargs = 1};
  wy_value_t acc, out, v[4] = {wy_int(1), wy_int(2), wy_int(3), wy_null(WY_T_INT)};
  assert_int_equal(ops->init(&ctx, &acc), WY_OK);
  for (int i = 0; i < 4; i++) assert_int_equal(ops->accumulate(&ctx, &v[i], 1, &acc), WY_OK);
  assert_int_equal(ops->result(&ctx, &acc, &out), WY_OK);
  assert_int_equal(out.kind, WY_T_BIGINT);
  assert_int_equal(out.u.i64, 14);
  assert_int_equal(ops->undo(&ctx, &v[1], 1, &acc), WY_OK);
  /* The state survives the store's encoding. */
  uint8_t enc[256];
  size_t len = wy_udf_state_encode(&acc, enc, sizeof enc);
  assert_true(len > 0 && len <= sizeof enc);
  wy_value_t back;
  assert_int_equal(wy_udf_state_decode(enc, len, &t_arena, &back, &err), WY_OK);
  assert_int_equal(ops->accumulate(&ctx, &v[2], 1, &back), WY_OK);
  assert_int_equal(ops->result(&ctx, &back, &out), WY_OK);
  assert_int_equal(out.u.i64, 1 + 9 + 9);
  assert_int_equal(back.u.list->items[1].u.i64, 3); /* N */
  /* The resolved call keeps the library even when the registry goes first. */
  wy_registry_destroy(r);
  assert_int_equal(wy_udf_loaded_images(), 1);
  assert_int_equal(ops->result(&ctx, &back, &out), WY_OK);
  wy_resolved_release(&res);
}

static void copy_file(const char *from, const char *to) {
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s.tmp", to);
  FILE *in = fopen(from, "rb"), *out = fopen(tmp, "wb");
  assert_true(in && out);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
  fclose(in);
  fclose(out);
  assert_int_equal(rename(tmp, to), 0); /* as `install` replaces a library */
}

static void reloading_keeps_running_programs_on_the_old_version(void **state) {
  char dir[] = "/tmp/wy-udf-reload-XXXXXX", lib[128];
  assert_non_null(mkdtemp(dir));
  snprintf(lib, sizeof lib, "%s/lib.so", dir);
  copy_file(FIXTURE("basic"), lib);
  wy_error_t err;
  wy_registry_t *r = reg_with(lib, NULL);
  wy_expr_program_t *old = compile_in(r, CALL("TEST_ADD", 2, I(1), I(2)));
  assert_non_null(old);
  assert_string_equal(eval_text(old, NULL), "3");

  copy_file(FIXTURE("basic_v2"), lib);
  assert_int_equal(wy_udf_reload_library(r, lib, NULL, &err), WY_OK);
  assert_string_equal(wy_registry_find(r, "TEST_ADD")->version, "2.0");
  assert_int_equal(wy_udf_loaded_images(), 2);
  wy_expr_program_t *now = compile_in(r, CALL("TEST_ADD", 2, I(1), I(2)));
  assert_string_equal(eval_text(now, NULL), "1003");
  assert_string_equal(eval_text(old, NULL), "3"); /* until it is restarted */
  wy_expr_program_destroy(old);
  assert_int_equal(wy_udf_loaded_images(), 1); /* the old image is closed */

  /* Reloading an unchanged file keeps the image. */
  assert_int_equal(wy_udf_reload_library(r, lib, NULL, &err), WY_OK);
  assert_int_equal(wy_udf_loaded_images(), 1);
  /* A failed reload leaves the loaded version in place. */
  copy_file(FIXTURE("wrong_abi"), lib);
  assert_int_equal(wy_udf_reload_library(r, lib, NULL, &err), WY_ERR_CONFIG);
  assert_string_equal(wy_registry_find(r, "TEST_ADD")->version, "2.0");

  assert_int_equal(wy_udf_unload_library(r, lib, &err), WY_OK);
  assert_null(wy_registry_find(r, "TEST_ADD"));
  assert_int_equal(wy_udf_unload_library(r, lib, &err), WY_ERR_NOT_FOUND);
  assert_string_equal(eval_text(now, NULL), "1003");
  wy_expr_program_destroy(now);
  assert_int_equal(wy_udf_loaded_images(), 0);
  wy_registry_destroy(r);
  unlink(lib);
  rmdir(dir);
}

static void a_directory_loads_every_library_in_it(void **state) {
  wy_error_t err;
  wy_registry_t *r = wy_udf_registry_new(WY_UDF_LIB_DIR, NULL, &err);
  assert_non_null(r);
  const char *names[] = {"FORMULA",    "STANDARDIZE_PHONE", "MASK_CARD",  "MASK_SSN", "TOKENIZE",
                         "DETOKENIZE", "ENCRYPT",           "DECRYPT",    "TEST_UDF", "TEST_UDAF",
                         "VAR_ARG",    "TEST_UDTF",         "SAMPLE_TOPK"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const wy_function_t *f = wy_registry_find(r, names[i]);
    assert_non_null(f);
    assert_string_not_equal(f->path, "internal");
  }
  /* one image per library of the folder */
  size_t libs = 0;
  DIR *d = opendir(WY_UDF_LIB_DIR);
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d));)
    libs += strlen(e->d_name) > 3 && !strcmp(e->d_name + strlen(e->d_name) - 3, ".so");
  closedir(d);
  assert_true(libs >= 6);
  assert_int_equal(wy_udf_loaded_images(), libs);
  wy_registry_destroy(r);
  assert_null(wy_udf_registry_new("/nonexistent/udf", NULL, &err));
  assert_int_equal(err.code, WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "udf.dir '/nonexistent/udf'"));
  r = wy_udf_registry_new(NULL, NULL, &err);
  assert_int_equal(wy_registry_count(r), wy_registry_count(wy_registry_builtins()));
  wy_registry_destroy(r);
}

/* One aggregate call: resolve, prepare (literal init arguments), init, fold the rows
 * (each `per` arguments: column arguments then the literals), render the result. */
static const char *fold(const wy_registry_t *r, const char *name, const wy_call_arg_t *args,
                        size_t n, const wy_value_t *rows, size_t nrows) {
  wy_resolved_t res;
  wy_error_t err;
  if (wy_registry_resolve(r, name, args, n, true, NULL, NULL, &res, &err) != WY_OK) {
    snprintf(t_text, sizeof t_text, "ERROR: %s", err.msg);
    return t_text;
  }
  const wy_udaf_ops_t *ops = res.ov->agg;
  const wy_value_t *consts[8] = {0};
  const wy_type_t *types[8] = {0};
  for (size_t i = 0; i < n; i++) consts[i] = args[i].literal, types[i] = args[i].type;
  void *site = NULL;
  assert_int_equal(res.ov->prepare(res.param_types, consts, n, &site, &err), WY_OK);
  const wy_type_t *st = ops->acc_type(types, n);
  assert_non_null(st);
  wy_fn_ctx_t ctx = {.arena = &t_arena, .err = &err, .ret = res.ret, .site = site};
  wy_value_t acc, out, row[8];
  assert_int_equal(ops->init(&ctx, &acc), WY_OK);
  for (size_t k = 0; k < nrows; k++) {
    for (size_t i = 0; i < n; i++) row[i] = consts[i] ? *consts[i] : rows[k * n + i];
    assert_int_equal(ops->accumulate(&ctx, row, n, &acc), WY_OK);
  }
  assert_int_equal(ops->result(&ctx, &acc, &out), WY_OK);
  const char *text;
  size_t len;
  wy_value_format_sql(&out, res.ret, &t_arena, &text, &len);
  snprintf(t_text, sizeof t_text, "%.*s", (int)len, text);
  wy_type_unref(st);
  res.ov->release(site);
  wy_resolved_release(&res);
  return t_text;
}

/* Init arguments reach init_with once; accumulate sees the column arguments only, and
 * the variadic one may stand before the init parameters. */
static void aggregates_take_literal_init_arguments(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("ksql_test_udaf"), NULL);
  const wy_type_t *bi = wy_type_bigint(), *s = wy_type_string(), *i = wy_type_int();
  wy_value_t seven = wy_int(7), three = wy_int(3), ten = wy_string("10", 2);
  wy_call_arg_t mid[] = {{.type = bi},
                         {.type = s},
                         {.type = s},
                         {.type = i, .literal = &seven},
                         {.type = i, .literal = &three}};
  wy_value_t rows[] = {
      wy_bigint(6),         wy_string("ab", 2),   wy_string("cde", 3), seven, three,
      wy_null(WY_T_BIGINT), wy_null(WY_T_STRING), wy_string("x", 1),   seven, three};
  assert_string_equal(fold(r, "MID_VAR_ARG", mid, 5, rows, 2), "22"); /* 7+3 + 6+2+3 + 1 */
  /* no variadic argument at all */
  wy_call_arg_t mid0[] = {
      {.type = bi}, {.type = i, .literal = &seven}, {.type = i, .literal = &three}};
  wy_value_t rows0[] = {wy_bigint(5), seven, three};
  assert_string_equal(fold(r, "MID_VAR_ARG", mid0, 3, rows0, 1), "15");
  /* variadic init parameter: 5 + len('10') + len('10') to start */
  wy_value_t five = wy_int(5);
  wy_call_arg_t multi[] = {{.type = bi},
                           {.type = s},
                           {.type = i, .literal = &five},
                           {.type = s, .literal = &ten},
                           {.type = s, .literal = &ten}};
  wy_value_t rowsm[] = {wy_bigint(1), wy_string("abc", 3), five, ten, ten};
  assert_string_equal(fold(r, "MULTI_ARG", multi, 5, rowsm, 1), "13");
  wy_registry_destroy(r);
}

/* A generic state type binds from the call's arguments; ANY takes any type. */
static void aggregates_may_have_generic_state_and_any_parameters(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("ksql_test_udaf"), NULL);
  const wy_type_t *d = wy_type_decimal(5, 1), *i = wy_type_int(),
                  *m = wy_type_map(wy_type_string(), wy_type_int());
  wy_call_arg_t g[] = {{.type = d}, {.type = i}, {.type = m}};
  wy_value_t v1 = wy_decimal(61, 5, 1), v2 = wy_decimal(23, 5, 1);
  wy_value_t rows[] = {v1, wy_int(1), wy_null(WY_T_MAP), v2, wy_int(2), wy_null(WY_T_MAP)};
  /* NULLs keep a row out: no row counts here */
  assert_string_equal(fold(r, "GENERIC_VAR_ARG", g, 3, rows, 2), "[]");
  wy_call_arg_t g2[] = {{.type = d}, {.type = i}};
  wy_value_t rows2[] = {v1, wy_int(1), v2, wy_null(WY_T_INT), v2, wy_int(3)};
  assert_string_equal(fold(r, "GENERIC_VAR_ARG", g2, 2, rows2, 3), "[6.1, 2.3]");
  wy_call_arg_t bad[] = {
      {.type = i}, {.type = i}, {.type = wy_type_double()}, {.type = wy_type_string()}};
  /* ksqlDB's words, then its list of the valid alternatives */
  assert_non_null(strstr(fold(r, "GENERIC_VAR_ARG", bad, 4, NULL, 0),
                         "ERROR: Function 'GENERIC_VAR_ARG' does not accept parameters (INTEGER, "
                         "INTEGER, DOUBLE, STRING).\nValid alternatives are:\n"));
  wy_call_arg_t o[] = {{.type = i}, {.type = d}, {.type = wy_type_string()}};
  wy_value_t rowso[] = {wy_int(4), v1, wy_string("s", 1), wy_int(5), wy_null(WY_T_DECIMAL), v1};
  assert_string_equal(fold(r, "OBJ_COL_ARG", o, 3, rowso, 2), "[4]");
  wy_type_unref(d);
  wy_type_unref(m);
  wy_registry_destroy(r);
}

/* STRUCT parameters and results, overloads chosen as ksqlDB does, and per-call-site
 * state (BAD_UDF fails every other call of each call site). */
static void scalar_test_functions_behave_as_ksqldbs(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("ksql_test_udf"), NULL);
  EQ(r, CALL("TEST_UDF", 2, I(1), S("x")), "doStuffIntString");
  EQ(r, CALL("TEST_UDF", 2, BI(1), NUL()), "doStuffLongString");
  EQ(r, CALL("TEST_UDF", 3, BI(1), BI(2), NUL()), "doStuffLongLongString");
  EQ(r, CALL("TEST_UDF", 3, BI(1), BI(2), BI(3)), "doStuffLongVarargs");
  assert_string_equal(type_in(r, CALL("TEST_UDF", 0)), "STRUCT<`A` STRING>");
  EQ(r, CALL("TEST_UDF", 1, CALL("TOSTRUCT", 1, S("inner"))), "inner");
  EQ(r, CALL("WHENRESULT", 2, I(4), B(true)), "4");
  EQ(r, CALL("WHENRESULT", 2, I(4), B(false)), "null");
  assert_string_equal(t_err.msg, "function WHENRESULT failed: Should not be evaluated");
  wy_expr_program_t *p = compile_in(r, CALL("BAD_UDF", 1, S("v")));
  wy_expr_program_t *q = compile_in(r, CALL("BAD_UDF", 1, S("w")));
  assert_string_equal(eval_text(p, NULL), "null");
  assert_string_equal(eval_text(p, NULL), "v");
  assert_string_equal(eval_text(q, NULL), "null"); /* a site of its own */
  assert_string_equal(eval_text(p, NULL), "null");
  wy_expr_program_destroy(p);
  wy_expr_program_destroy(q);
  wy_registry_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(functions_carry_their_library_metadata, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(overloads_resolve_as_for_builtins, udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(variadic_parameters_take_any_count, udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(nulls_skip_strict_functions_and_reach_the_others, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(a_failing_udf_yields_null_and_a_message, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(libraries_read_configuration_then_environment, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(libraries_of_another_abi_or_without_entry_points_are_refused,
                                      udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(names_taken_by_builtins_or_other_libraries_are_refused,
                                      udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(libraries_read_ksql_function_properties, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(aggregates_take_literal_init_arguments, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(aggregates_may_have_generic_state_and_any_parameters,
                                      udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(scalar_test_functions_behave_as_ksqldbs, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(aggregates_fold_undo_and_keep_serializable_state, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(reloading_keeps_running_programs_on_the_old_version,
                                      udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(a_directory_loads_every_library_in_it, udf_setup,
                                      udf_teardown),
  };
  return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
