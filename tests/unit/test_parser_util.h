/* Helpers shared by the parser's unit tests (header-only, included by test_parser*.c). */
#ifndef WY_TEST_PARSER_UTIL_H
#define WY_TEST_PARSER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/ast.h"
#include "parser/parser.h"

/* Parses sql (the whole dialect: also RUN SCRIPT and the test-only ASSERTs), failing the
 * test (with the parser's message) when it does not parse. */
static __attribute__((unused)) wy_ast_script_t *parse_ok(const char *sql) {
  wy_ast_script_t *s = NULL;
  wy_error_t err;
  wy_status_t st = wy_parse_ex(sql, strlen(sql), NULL, WY_PARSE_CLI | WY_PARSE_TEST, &s, &err);
  if (st != WY_OK)
    fail_msg("parse of [%s] failed at %d:%d: %s", sql, err.line, err.column, err.msg);
  return s;
}

/* Printing a statement and parsing the result gives an equal tree. */
static __attribute__((unused)) void assert_round_trip(const wy_ast_stmt_t *stmt) {
  char *sql = wy_ast_stmt_to_sql(stmt);
  assert_non_null(sql);
  wy_ast_script_t *again = parse_ok(sql);
  assert_int_equal(again->n, 1);
  if (!wy_ast_stmt_equal(stmt, again->stmts[0])) {
    char *sql2 = wy_ast_stmt_to_sql(again->stmts[0]);
    fail_msg("round trip changed the tree:\n  %s\n  %s", sql, sql2);
  }
  wy_ast_script_destroy(again);
  free(sql);
}

/* Parses one statement, checks its normalized SQL and the round trip. */
static __attribute__((unused)) void expect_sql(const char *in, const char *want) {
  wy_ast_script_t *s = parse_ok(in);
  assert_int_equal(s->n, 1);
  char *got = wy_ast_stmt_to_sql(s->stmts[0]);
  if (strcmp(got, want) != 0) fail_msg("[%s]\n  got  %s\n  want %s", in, got, want);
  assert_round_trip(s->stmts[0]);
  free(got);
  wy_ast_script_destroy(s);
}

/* The parse (as a server parses) fails at line:col with a message containing want. */
static __attribute__((unused)) void expect_error(const char *in, int line, int col,
                                                 const char *want) {
  wy_ast_script_t *s = (wy_ast_script_t *)1;
  wy_error_t err;
  wy_status_t st = wy_parse(in, strlen(in), NULL, &s, &err);
  if (st == WY_OK) fail_msg("[%s] parsed, want error '%s'", in, want);
  assert_null(s);
  assert_int_equal(err.code, WY_ERR_PARSE);
  if (!strstr(err.msg, want) || err.line != line || err.column != col)
    fail_msg("[%s]\n  got  %d:%d: %s\n  want %d:%d: ...%s...", in, err.line, err.column, err.msg,
             line, col, want);
}

/* A compact prefix rendering of an expression's structure, e.g. (+ 1 (* 2 3)), so that
 * tests can state the tree shape, not only the text. */
static __attribute__((unused)) void sx(const wy_ast_expr_t *e, char *buf, size_t cap) {
  size_t len = strlen(buf);
#define PUT(...) snprintf(buf + strlen(buf), cap - strlen(buf), __VA_ARGS__)
  (void)len;
  switch (e->kind) {
    case WY_AST_LITERAL:
      if (e->lit == WY_AST_LIT_NULL)
        PUT("null");
      else if (e->lit == WY_AST_LIT_STRING)
        PUT("'%s'", e->text);
      else
        PUT("%s", e->text);
      return;
    case WY_AST_COLUMN:
      if (e->qualifier) PUT("%s.", e->qualifier);
      PUT("%s", e->name);
      return;
    case WY_AST_UNARY:
      PUT("(u%s ", wy_ast_op_sql(e->op));
      break;
    case WY_AST_BINARY:
    case WY_AST_COMPARE:
      PUT("(%s ", wy_ast_op_sql(e->op));
      break;
    case WY_AST_DEREF:
      PUT("(-> %s ", e->name);
      break;
    case WY_AST_CALL:
      PUT("(%s%s ", e->name, e->star ? "*" : "");
      break;
    default:
      PUT("(%s%s ", e->negated ? "not-" : "", wy_ast_expr_kind_name(e->kind));
      break;
  }
  for (size_t i = 0; i < e->nargs; i++) {
    if (i) PUT(" ");
    sx(e->args[i], buf, cap);
  }
  PUT(")");
#undef PUT
}

/* Parses "SELECT <expr> FROM T" and returns the structure of the expression. */
static __attribute__((unused)) void expr_shape(const char *expr, char *buf, size_t cap) {
  char sql[1024];
  snprintf(sql, sizeof sql, "SELECT %s FROM T;", expr);
  wy_ast_script_t *s = parse_ok(sql);
  buf[0] = '\0';
  sx(s->stmts[0]->query->items[0]->expr, buf, cap);
  assert_round_trip(s->stmts[0]);
  wy_ast_script_destroy(s);
}

static __attribute__((unused)) void expect_shape(const char *expr, const char *want) {
  char got[1024];
  expr_shape(expr, got, sizeof got);
  if (strcmp(got, want) != 0) fail_msg("[%s]\n  got  %s\n  want %s", expr, got, want);
}

#endif
