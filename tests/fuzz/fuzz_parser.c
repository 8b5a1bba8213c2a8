/* libFuzzer target: tokenizer + parser + printer. Any input must parse or fail cleanly
 * (no crash, no leak); every statement that parses must print as SQL that parses back
 * to an equal tree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wy_parse_vars_t *vars = wy_parse_vars_new();
  if (!vars) return 0;
  wy_parse_vars_set(vars, "v", "x");
  wy_ast_script_t *script = NULL;
  wy_error_t err;
  if (wy_parse_ex((const char *)data, size, vars, WY_PARSE_CLI | WY_PARSE_TEST, &script, &err) ==
      WY_OK) {
    for (size_t i = 0; i < script->n; i++) {
      char *sql = wy_ast_stmt_to_sql(script->stmts[i]);
      if (!sql) continue;
      wy_ast_script_t *again = NULL;
      if (wy_parse_ex(sql, strlen(sql), NULL, WY_PARSE_CLI | WY_PARSE_TEST, &again, &err) !=
              WY_OK ||
          again->n != 1 || !wy_ast_stmt_equal(script->stmts[i], again->stmts[0])) {
        fprintf(stderr, "round trip failed for: %s\n(%s)\n", sql, err.msg);
        abort();
      }
      wy_ast_script_destroy(again);
      free(sql);
    }
    wy_ast_script_destroy(script);
  }
  wy_parse_vars_destroy(vars);
  return 0;
}
