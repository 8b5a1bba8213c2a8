/*
 * parser.h — the SQL front end: ksqlDB-dialect text in, statements (ast.h) out.
 *
 * wy_parse splits a text into statements at top-level ';', substitutes ${name}
 * variables in each statement before tokenizing it (from the caller's variables and
 * from DEFINE / UNDEFINE statements seen earlier in the same text; unknown variables are
 * left as written, as ksqlDB does), and parses it with the lemon grammar. It stops at
 * the first error and reports its line and column (1-based, in the statement text after
 * substitution) in the wy_error_t. The caller owns the returned script; the variables
 * object is only read. Parsing touches no global state: any thread may parse, each with
 * its own objects.
 */
#ifndef WY_PARSER_H
#define WY_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/base/status.h"
#include "parser/ast.h"

/* A set of variables (name -> value). Names compare case-insensitively. */
typedef struct wy_parse_vars wy_parse_vars_t;

wy_parse_vars_t *wy_parse_vars_new(void);
void wy_parse_vars_destroy(wy_parse_vars_t *vars);
/* Copies name and value; replaces an existing value. WY_ERR_NOMEM on failure. */
wy_status_t wy_parse_vars_set(wy_parse_vars_t *vars, const char *name, const char *value);
/* Returns false when the variable was not set. */
bool wy_parse_vars_unset(wy_parse_vars_t *vars, const char *name);
const char *wy_parse_vars_get(const wy_parse_vars_t *vars, const char *name);
size_t wy_parse_vars_count(const wy_parse_vars_t *vars);

/* The statements of a text, in order. */
typedef struct wy_ast_script {
  size_t n;
  wy_ast_stmt_t **stmts;
} wy_ast_script_t;

void wy_ast_script_destroy(wy_ast_script_t *script);

/* Parses text (len bytes; it need not be NUL-terminated). vars may be NULL. On success
 * *out receives the script (possibly with no statements); on failure *out is NULL and
 * err holds the message, the code (WY_ERR_PARSE, or WY_ERR_NOMEM) and the position.
 * Syntax errors are worded as ksqlDB's parser words them: "line 2:7: Syntax Error" and
 * a detail line ("Syntax error at or near 'FROM' at line 2:7", "missing ')' at ','",
 * "extraneous input 'X' expecting {',', 'FROM'}", "Expecting {',', ')'}", "Unknown
 * statement 'RUN'"). wy_parse accepts what a ksqlDB server accepts; wy_parse_ex with
 * flags also the CLI's RUN SCRIPT (WY_PARSE_CLI) and the test tools' ASSERT VALUES /
 * NULL VALUES / STREAM / TABLE (WY_PARSE_TEST). */
enum {
  WY_PARSE_CLI = 1u << 0,
  WY_PARSE_TEST = 1u << 1,
  /* ksql.variable.substitution.enable=false: ${name} stays as written (DEFINE still
   * parses) */
  WY_PARSE_NO_SUBSTITUTION = 1u << 2,
};
wy_status_t wy_parse(const char *text, size_t len, const wy_parse_vars_t *vars,
                     wy_ast_script_t **out, wy_error_t *err);
wy_status_t wy_parse_ex(const char *text, size_t len, const wy_parse_vars_t *vars, unsigned flags,
                        wy_ast_script_t **out, wy_error_t *err);

/* Writes err's message as ksqlDB words a parse failure, "line L:C: ..." (a syntax
 * error's message starts so already; other parse errors get the prefix). */
void wy_parse_error_format(const wy_error_t *err, char *buf, size_t cap);
/* err's message without a leading "line L:C: ", for callers that print FILE:L:C: in
 * front themselves. */
const char *wy_parse_error_detail(const wy_error_t *err);

/* Substitutes ${name} for every variable set in vars; unknown ones are kept, and $${name}
 * is the escape for a literal ${name}. The result is malloc'd and NUL-terminated; NULL
 * on allocation failure. */
char *wy_parse_substitute(const char *text, size_t len, const wy_parse_vars_t *vars);

#endif
