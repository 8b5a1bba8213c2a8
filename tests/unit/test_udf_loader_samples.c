/* The sample UDF libraries (udf/samples), loaded as an operator would load them and
 * called through the expression engine: FORMULA, STANDARDIZE_PHONE, MASK_CARD/MASK_SSN,
 * TOKENIZE/DETOKENIZE with the token vault, ENCRYPT/DECRYPT. */
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
/* A failing call: NULL, with a message for the processing log. */
#define FAILS(reg, expr, why)                       \
  do {                                              \
    assert_string_equal(run_in(reg, expr), "null"); \
    assert_int_equal(t_err.code, WY_ERR_EVAL);      \
    assert_non_null(strstr(t_err.msg, why));        \
  } while (0)

static void formula_follows_the_java_example(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("formula"), NULL);
  const wy_function_t *f = wy_registry_find(r, "FORMULA");
  assert_string_equal(f->author, "example user");
  assert_string_equal(f->version, "1.0.2");
  assert_int_equal(f->noverloads, 2);
  EQ(r, CALL("FORMULA", 2, I(6), I(7)), "42");
  assert_string_equal(type_in(r, CALL("FORMULA", 2, I(6), I(7))), "BIGINT");
  EQ(r, CALL("FORMULA", 2, I(65536), I(65537)), "65536"); /* int product wraps, then widens */
  EQ(r, CALL("FORMULA", 2, I(-3), I(4)), "-12");
  EQ(r, CALL("FORMULA", 2, D(2.1), D(3.5)), "12");           /* ceil(2.1) * ceil(3.5) */
  EQ(r, CALL("FORMULA", 2, D(-2.5), I(3)), "-6");            /* INT widens to the DOUBLE overload */
  EQ(r, CALL("FORMULA", 2, BI(5), I(3)), "15");              /* so does BIGINT */
  EQ(r, CALL("FORMULA", 2, D(1e10), D(1e10)), "2147483647"); /* Java's (int) saturates */
  EQ(r, CALL("FORMULA", 2, NULLS(wy_type_int()), I(3)), "null");
  wy_registry_destroy(r);
}

static void phone_numbers_take_one_form(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("phone"), NULL);
  EQ(r, CALL("STANDARDIZE_PHONE", 1, S("(234) 567-8900")), "1-234-567-8900");
  EQ(r, CALL("STANDARDIZE_PHONE", 1, S("+1 234.567.8900")), "1-234-567-8900");
  EQ(r, CALL("STANDARDIZE_PHONE", 1, S("12345678900")), "1-234-567-8900");
  EQ(r, CALL("STANDARDIZE_PHONE", 1, S("234/567 8900 ext. 12")), "1-234-567-8900");
  EQ(r, CALL("STANDARDIZE_PHONE", 1, S("2345678900x7")), "1-234-567-8900");
  FAILS(r, CALL("STANDARDIZE_PHONE", 1, S("567-8900")), "7 digits");
  FAILS(r, CALL("STANDARDIZE_PHONE", 1, S("22345678900")), "11 digits");
  FAILS(r, CALL("STANDARDIZE_PHONE", 1, S("1-800-FLOWERS")), "unexpected character 'F'");
  FAILS(r, CALL("STANDARDIZE_PHONE", 1, S("")), "0 digits");
  EQ(r, CALL("STANDARDIZE_PHONE", 1, NULLS(wy_type_string())), "null");
  wy_registry_destroy(r);
}

static void card_and_ssn_masks_keep_the_format_and_last_four(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("mask"), NULL);
  assert_true(wy_registry_find(r, "MASK_CARD")->flags & WY_FN_MASKING);
  assert_true(wy_registry_find(r, "MASK_SSN")->flags & WY_FN_MASKING);
  EQ(r, CALL("MASK_CARD", 1, S("4111-1111-1111-1234")), "XXXX-XXXX-XXXX-1234");
  EQ(r, CALL("MASK_CARD", 1, S("4111 1111 1111 1234")), "XXXX XXXX XXXX 1234");
  EQ(r, CALL("MASK_CARD", 1, S("378282246310005")), "XXXXXXXXXXX0005");
  EQ(r, CALL("MASK_CARD", 1, S("3782 822463 10005")), "XXXX XXXXXX X0005");
  EQ(r, CALL("MASK_CARD", 2, S("4111-1111-1111-1234"), S("*")), "****-****-****-1234");
  EQ(r, CALL("MASK_CARD", 1, S("4111-1111-1111-12-34")), "XXXX-XXXX-XXXX-12-34");
  EQ(r, CALL("MASK_SSN", 1, S("123-45-6789")), "XXX-XX-6789");
  EQ(r, CALL("MASK_SSN", 2, S("123456789"), S("#")), "#####6789");
  /* Fail closed: never a partly masked value of something else. */
  FAILS(r, CALL("MASK_CARD", 1, S("4111-1111")), "not a card number: 8 digits");
  FAILS(r, CALL("MASK_SSN", 1, S("123-45-678")), "not a social security number: 8 digits");
  FAILS(r, CALL("MASK_SSN", 1, S("123-45-678A")), "not a social security number");
  FAILS(r, CALL("MASK_CARD", 1, S("4111/1111/1111/1234")), "unexpected character");
  FAILS(r, CALL("MASK_CARD", 2, S("4111-1111-1111-1234"), S("**")), "one ASCII character");
  EQ(r, CALL("MASK_SSN", 1, NULLS(wy_type_string())), "null");
  wy_registry_destroy(r);
}

static const char *tokenize_config(void *user, const char *key) {
  const char *const *kv = user; /* {key, vault} */
  if (!strcmp(key, "udf.tokenize.key")) return kv[0];
  if (!strcmp(key, "udf.tokenize.vault")) return kv[1];
  return NULL;
}

static void tokens_are_deterministic_keyed_and_reversible(void **state) {
  const char *kv[2] = {"a key of at least sixteen characters", NULL};
  wy_udf_options_t o = {tokenize_config, kv};
  wy_registry_t *r = reg_with(SAMPLE("tokenize"), &o);
  assert_true(wy_registry_find(r, "TOKENIZE")->flags & WY_FN_MASKING);
  assert_false(wy_registry_find(r, "DETOKENIZE")->flags & WY_FN_MASKING);
  char tok1[64], tok2[64];
  snprintf(tok1, sizeof tok1, "%s", run_in(r, CALL("TOKENIZE", 1, S("123-45-6789"))));
  assert_int_equal(strlen(tok1), 26);
  assert_memory_equal(tok1, "tok_", 4);
  EQ(r, CALL("TOKENIZE", 1, S("123-45-6789")), tok1); /* deterministic */
  assert_string_not_equal(run_in(r, CALL("TOKENIZE", 1, S("123-45-6780"))), tok1);
  EQ(r, CALL("DETOKENIZE", 1, S(tok1)), "123-45-6789");
  EQ(r, CALL("DETOKENIZE", 1, CALL("TOKENIZE", 1, S(""))), "");
  FAILS(r, CALL("DETOKENIZE", 1, S("tok_not-a-token")), "not a token");
  FAILS(r, CALL("DETOKENIZE", 1, S("tok_AAAAAAAAAAAAAAAAAAAAAA")), "unknown token");
  EQ(r, CALL("TOKENIZE", 1, NULLS(wy_type_string())), "null");
  wy_registry_destroy(r);
  /* Another key, other tokens (and a fresh, empty vault). */
  kv[0] = "another key of sixteen characters";
  r = reg_with(SAMPLE("tokenize"), &o);
  snprintf(tok2, sizeof tok2, "%s", run_in(r, CALL("TOKENIZE", 1, S("123-45-6789"))));
  assert_string_not_equal(tok1, tok2);
  FAILS(r, CALL("DETOKENIZE", 1, S(tok1)), "unknown token");
  wy_registry_destroy(r);
}

static void the_token_vault_survives_a_restart(void **state) {
  char vault[] = "/tmp/wy-udf-vault-XXXXXX";
  int fd = mkstemp(vault);
  assert_true(fd >= 0);
  close(fd);
  const char *kv[2] = {"a key of at least sixteen characters", vault};
  wy_udf_options_t o = {tokenize_config, kv};
  wy_registry_t *r = reg_with(SAMPLE("tokenize"), &o);
  char tok[64];
  snprintf(tok, sizeof tok, "%s", run_in(r, CALL("TOKENIZE", 1, S("tab\tand\nnewline"))));
  run_in(r, CALL("TOKENIZE", 1, S("tab\tand\nnewline"))); /* stored once */
  wy_registry_destroy(r);
  assert_int_equal(wy_udf_loaded_images(), 0);
  r = reg_with(SAMPLE("tokenize"), &o);
  EQ(r, CALL("DETOKENIZE", 1, S(tok)), "tab\tand\nnewline");
  wy_registry_destroy(r);
  FILE *f = fopen(vault, "r");
  int lines = 0, c;
  while ((c = fgetc(f)) != EOF) lines += c == '\n';
  fclose(f);
  assert_int_equal(lines, 1);
  /* A damaged vault refuses the library rather than lose tokens silently. */
  f = fopen(vault, "a");
  fputs("garbage\n", f);
  fclose(f);
  wy_error_t err;
  r = wy_udf_registry_new(NULL, NULL, &err);
  assert_int_equal(wy_udf_load_library(r, SAMPLE("tokenize"), &o, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "line 2 is malformed"));
  wy_registry_destroy(r);
  unlink(vault);
}

static void tokenize_needs_a_key(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("tokenize"), NULL);
  FAILS(r, CALL("TOKENIZE", 1, S("x")),
        "no tokenization key: set udf.tokenize.key or WALLEYE_TOKENIZE_KEY");
  wy_registry_destroy(r);
  setenv("WALLEYE_TOKENIZE_KEY", "short", 1);
  wy_error_t err;
  r = wy_udf_registry_new(NULL, NULL, &err);
  assert_int_equal(wy_udf_load_library(r, SAMPLE("tokenize"), NULL, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "udf.tokenize.key must have at least 16 characters"));
  wy_registry_destroy(r);
  setenv("WALLEYE_TOKENIZE_KEY", "a key from the environment", 1);
  r = reg_with(SAMPLE("tokenize"), NULL);
  EQ(r, CALL("DETOKENIZE", 1, CALL("TOKENIZE", 1, S("x"))), "x");
  wy_registry_destroy(r);
  unsetenv("WALLEYE_TOKENIZE_KEY");
}

/* Bytes 1..32, base64: any 32 bytes are an X25519 private key. */
#define PRIVATE_KEY "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
#define OTHER_KEY "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="

static void sealed_boxes_round_trip_for_the_key_holder_only(void **state) {
  wy_registry_t *r = reg_with(SAMPLE("crypto"), NULL);
  unsigned enc = wy_registry_find(r, "ENCRYPT")->flags;
  assert_true((enc & WY_FN_MASKING) && (enc & WY_FN_NONDETERMINISTIC));
  char pk[64], c1[256], c2[256];
  snprintf(pk, sizeof pk, "%s", run_in(r, CALL("SEALED_BOX_PUBLIC_KEY", 1, S(PRIVATE_KEY))));
  assert_int_equal(strlen(pk), 44);
  assert_string_not_equal(pk, PRIVATE_KEY);
  snprintf(c1, sizeof c1, "%s", run_in(r, CALL("ENCRYPT", 2, S("secret value"), S(pk))));
  snprintf(c2, sizeof c2, "%s", run_in(r, CALL("ENCRYPT", 2, S("secret value"), S(pk))));
  assert_int_equal(strlen(c1), 4 * ((12 + 48 + 2) / 3)); /* base64 of value + 48 bytes */
  assert_string_not_equal(c1, c2);                       /* a new ephemeral key each time */
  assert_null(strstr(c1, "secret"));
  EQ(r, CALL("DECRYPT", 2, S(c1), S(PRIVATE_KEY)), "secret value");
  EQ(r, CALL("DECRYPT", 2, S(c2), S(PRIVATE_KEY)), "secret value");
  EQ(r, CALL("DECRYPT", 2, CALL("ENCRYPT", 2, S(""), S(pk)), S(PRIVATE_KEY)), "");
  FAILS(r, CALL("DECRYPT", 2, S(c1), S(OTHER_KEY)), "not a value sealed for this key");
  FAILS(r, CALL("DECRYPT", 2, S("bm90IGEgYm94"), S(PRIVATE_KEY)),
        "not a value sealed for this key");
  FAILS(r, CALL("ENCRYPT", 2, S("x"), S("c2hvcnQ=")), "the public key must be 32 bytes in base64");
  FAILS(r, CALL("DECRYPT", 2, S(c1), S("!!")), "the private key must be 32 bytes in base64");
  EQ(r, CALL("ENCRYPT", 2, NULLS(wy_type_string()), S(pk)), "null");
  wy_registry_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(formula_follows_the_java_example, udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(phone_numbers_take_one_form, udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(card_and_ssn_masks_keep_the_format_and_last_four, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(tokens_are_deterministic_keyed_and_reversible, udf_setup,
                                      udf_teardown),
      cmocka_unit_test_setup_teardown(the_token_vault_survives_a_restart, udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(tokenize_needs_a_key, udf_setup, udf_teardown),
      cmocka_unit_test_setup_teardown(sealed_boxes_round_trip_for_the_key_holder_only, udf_setup,
                                      udf_teardown),
  };
  return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
