/* parser: expressions — precedence, literal typing, identifiers, every expression form,
 * and syntax errors with their positions. */
#include "tests/unit/test_parser_util.h"

static void arithmetic_binds_tighter_than_concat_and_comparison(void **state) {
  (void)state;
  expect_shape("1 + 2 * 3", "(+ 1 (* 2 3))");
  expect_shape("1 * 2 + 3", "(+ (* 1 2) 3)");
  expect_shape("1 - 2 - 3", "(- (- 1 2) 3)");
  expect_shape("8 / 4 % 3", "(% (/ 8 4) 3)");
  expect_shape("(1 + 2) * 3", "(* (+ 1 2) 3)");
  /* In ksqlDB's grammar || is the loosest arithmetic operator. */
  expect_shape("'a' || 1 + 2", "(|| 'a' (+ 1 2))");
  expect_shape("A + 1 = B * 2", "(= (+ A 1) (* B 2))");
  expect_shape("A || B = C", "(= (|| A B) C)");
}

static void unary_minus_binds_tightest(void **state) {
  (void)state;
  expect_shape("-A * B", "(* (u- A) B)");
  expect_shape("-A->B", "(u- (-> B A))");
  expect_shape("- -A", "(u- (u- A))");
  expect_shape("+A", "(u+ A)");
  expect_shape("A - -1", "(- A -1)");
  expect_shape("-(1)", "(u- 1)");
}

static void boolean_precedence_is_or_and_not(void **state) {
  (void)state;
  expect_shape("A OR B AND C", "(or A (and B C))");
  expect_shape("A AND B OR C", "(or (and A B) C)");
  expect_shape("NOT A AND B", "(and (not A) B)");
  expect_shape("NOT A = B", "(not (= A B))");
  expect_shape("NOT NOT A", "(not (not A))");
  expect_shape("(A OR B) AND C", "(and (or A B) C)");
  expect_shape("A = 1 OR B IS NULL AND C LIKE 'x%'",
               "(or (= A 1) (and (is null B) (like C 'x%')))");
}

static void predicates_cover_ksqldb_forms(void **state) {
  (void)state;
  expect_shape("A BETWEEN 1 AND 2 AND B", "(and (between A 1 2) B)");
  expect_shape("A NOT BETWEEN B - 1 AND B + 1", "(not-between A (- B 1) (+ B 1))");
  expect_shape("A IN (1, 'x', NULL, B)", "(in A 1 'x' null B)");
  expect_shape("A NOT IN (1)", "(not-in A 1)");
  expect_shape("A LIKE 'a!%' ESCAPE '!'", "(like A 'a!%')");
  expect_shape("A NOT LIKE B", "(not-like A B)");
  expect_shape("A IS NOT NULL", "(not-is null A)");
  expect_shape("A IS DISTINCT FROM B", "(is distinct from A B)");
  expect_shape("A IS NOT DISTINCT FROM B + 1", "(not-is distinct from A (+ B 1))");
  expect_shape("A <> B", "(<> A B)");
  expect_shape("A != B", "(<> A B)");
  expect_shape("A <= B", "(<= A B)");
  expect_shape("A >= B", "(>= A B)");
  wy_ast_script_t *s = parse_ok("SELECT A LIKE B ESCAPE '''' FROM T;");
  assert_string_equal(s->stmts[0]->query->items[0]->expr->text, "'");
  wy_ast_script_destroy(s);
}

static void comparisons_do_not_chain(void **state) {
  (void)state;
  expect_error("SELECT A = B = C FROM T;", 1, 14,
               "line 1:14: Syntax Error\nExpecting {',', 'FROM'}");
  expect_error("SELECT A = B IS NULL FROM T;", 1, 14, "line 1:14: Syntax Error\nExpecting {");
}

static void literal_kinds_follow_ksqldb(void **state) {
  (void)state;
  static const struct {
    const char *text;
    wy_ast_lit_kind_t kind;
    const char *value;
    int precision, scale;
  } cases[] = {
      {"1", WY_AST_LIT_INT, "1", 0, 0},
      {"2147483647", WY_AST_LIT_INT, "2147483647", 0, 0},
      {"2147483648", WY_AST_LIT_BIGINT, "2147483648", 0, 0},
      {"-2147483648", WY_AST_LIT_INT, "-2147483648", 0, 0},
      {"-2147483649", WY_AST_LIT_BIGINT, "-2147483649", 0, 0},
      {"9223372036854775807", WY_AST_LIT_BIGINT, "9223372036854775807", 0, 0},
      {"-9223372036854775808", WY_AST_LIT_BIGINT, "-9223372036854775808", 0, 0},
      {"2.345", WY_AST_LIT_DECIMAL, "2.345", 4, 3},
      {"10.30", WY_AST_LIT_DECIMAL, "10.30", 4, 2},
      {"0.005", WY_AST_LIT_DECIMAL, "0.005", 4, 3},
      {"0.8", WY_AST_LIT_DECIMAL, "0.8", 2, 1},
      {".5", WY_AST_LIT_DECIMAL, ".5", 2, 1},
      {"-1.5", WY_AST_LIT_DECIMAL, "-1.5", 2, 1},
      {"100.", WY_AST_LIT_DECIMAL, "100.", 3, 0},
      {"1e3", WY_AST_LIT_DOUBLE, "1E3", 0, 0},
      {"1.5E-3", WY_AST_LIT_DOUBLE, "1.5E-3", 0, 0},
      {"'it''s'", WY_AST_LIT_STRING, "it's", 0, 0},
      {"''", WY_AST_LIT_STRING, "", 0, 0},
      {"true", WY_AST_LIT_BOOLEAN, "TRUE", 0, 0},
      {"False", WY_AST_LIT_BOOLEAN, "FALSE", 0, 0},
      {"null", WY_AST_LIT_NULL, NULL, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM T;", cases[i].text);
    wy_ast_script_t *s = parse_ok(sql);
    const wy_ast_expr_t *e = s->stmts[0]->query->items[0]->expr;
    if (e->kind != WY_AST_LITERAL || e->lit != cases[i].kind)
      fail_msg("%s: kind %s lit %s", cases[i].text, wy_ast_expr_kind_name(e->kind),
               wy_ast_lit_kind_name(e->lit));
    if (cases[i].value)
      assert_string_equal(e->text, cases[i].value);
    else
      assert_null(e->text);
    if (cases[i].kind == WY_AST_LIT_DECIMAL) {
      assert_int_equal(e->precision, cases[i].precision);
      assert_int_equal(e->scale, cases[i].scale);
    }
    assert_round_trip(s->stmts[0]);
    wy_ast_script_destroy(s);
  }
  expect_error("SELECT 99999999999999999999 FROM T;", 1, 8,
               "line 1:9: Invalid numeric literal: 99999999999999999999");
  expect_error("SELECT 9223372036854775808 FROM T;", 1, 8,
               "Invalid numeric literal: 9223372036854775808");
  expect_error("SELECT 1 FROM T WHERE A = -(9223372036854775808);", 1, 29,
               "Invalid numeric literal: 9223372036854775808");
  /* the minus belongs to the literal: its text and position */
  expect_error("SELECT 1 FROM T WHERE A = -9223372036854775809;", 1, 27,
               "line 1:28: Invalid numeric literal: -9223372036854775809");
  expect_error("SELECT -99999999999999999999999999 FROM T;", 1, 8,
               "Invalid numeric literal: -99999999999999999999999999");
}

static void identifiers_are_upper_cased_unless_quoted(void **state) {
  (void)state;
  wy_ast_script_t *s =
      parse_ok("SELECT abc, `MixedCase`, \"dq\", `a``b`, t.col, `t`.`c` FROM src;");
  wy_ast_query_t *q = s->stmts[0]->query;
  assert_string_equal(q->items[0]->expr->name, "ABC");
  assert_string_equal(q->items[1]->expr->name, "MixedCase");
  assert_string_equal(q->items[2]->expr->name, "dq");
  assert_string_equal(q->items[3]->expr->name, "a`b");
  assert_string_equal(q->items[4]->expr->qualifier, "T");
  assert_string_equal(q->items[4]->expr->name, "COL");
  assert_string_equal(q->items[5]->expr->qualifier, "t");
  assert_string_equal(q->from->name, "SRC");
  assert_round_trip(s->stmts[0]);
  wy_ast_script_destroy(s);
  expect_sql("select `select`, `from`, `Low` from t", "SELECT `select`, `from`, `Low` FROM T");
  expect_sql("SELECT `SELECT` FROM T", "SELECT `SELECT` FROM T");
}

static void non_reserved_keywords_work_as_names(void **state) {
  (void)state;
  expect_sql(
      "SELECT key, value, size, timestamp, type, topic, rowtime, rowpartition, "
      "rowoffset, windowstart, windowend, header, headers, id, date, time FROM t",
      "SELECT KEY, VALUE, SIZE, TIMESTAMP, TYPE, TOPIC, ROWTIME, ROWPARTITION, "
      "ROWOFFSET, WINDOWSTART, WINDOWEND, HEADER, HEADERS, ID, DATE, TIME FROM T");
  expect_sql("SELECT map, struct, array FROM emit", "SELECT `MAP`, `STRUCT`, `ARRAY` FROM EMIT");
  expect_sql("CREATE STREAM s (key STRING KEY, type INT, source INT) WITH (kafka_topic='t')",
             "CREATE STREAM S (KEY STRING KEY, TYPE INTEGER, SOURCE INTEGER) WITH "
             "(KAFKA_TOPIC='t')");
}

static void structured_access_and_constructors(void **state) {
  (void)state;
  expect_shape("A->B->C", "(-> C (-> B A))");
  expect_shape("A[1][2]", "(subscript (subscript A 1) 2)");
  expect_shape("A['k']->F[1]", "(subscript (-> F (subscript A 'k')) 1)");
  expect_shape("SPLIT(A, ',')[1]", "(subscript (SPLIT A ',') 1)");
  expect_shape("ARRAY[1, 2]", "(array constructor 1 2)");
  expect_shape("ARRAY[]", "(array constructor )");
  expect_shape("MAP('a' := 1, 'b' := A)", "(map constructor 'a' 1 'b' A)");
  expect_shape("STRUCT(X := 1, `y` := 'a')", "(struct constructor 1 'a')");
  wy_ast_script_t *s = parse_ok("SELECT STRUCT(X := 1, `y` := 'a') FROM T;");
  const wy_ast_expr_t *e = s->stmts[0]->query->items[0]->expr;
  assert_int_equal(e->nnames, 2);
  assert_string_equal(e->names[0].text, "X");
  assert_string_equal(e->names[1].text, "y");
  wy_ast_script_destroy(s);
  expect_sql("SELECT a->b->* FROM t", "SELECT A->B->* FROM T");
  expect_sql("SELECT t.*, * FROM t", "SELECT T.*, * FROM T");
}

static void functions_casts_cases_and_lambdas(void **state) {
  (void)state;
  expect_shape("COUNT(*)", "(COUNT* )");
  expect_shape("COUNT()", "(COUNT )");
  expect_shape("concat(a, 'b')", "(CONCAT A 'b')");
  expect_shape("TIMESTAMPADD(SECONDS, 1, TS)", "(TIMESTAMPADD (time unit ) 1 TS)");
  expect_shape("CAST(A AS DECIMAL(4, 2))", "(cast A)");
  expect_shape("CASE A WHEN 1 THEN 'x' ELSE 'y' END", "(case A (when 1 'x') 'y')");
  expect_shape("CASE WHEN A > 1 THEN 1 WHEN A < 0 THEN -1 END",
               "(case (when (> A 1) 1) (when (< A 0) -1))");
  expect_shape("FILTER(M, (X, Y) => X > 1 AND Y = 2)", "(FILTER M (lambda (and (> X 1) (= Y 2))))");
  expect_shape("TRANSFORM(A, x => x + 1)", "(TRANSFORM A (lambda (+ X 1)))");
  expect_shape("REDUCE(A, 0, (s, x) => s + x)", "(REDUCE A 0 (lambda (+ S X)))");
  expect_shape("(A)", "A");
  expect_error("SELECT (x) => x FROM T;", 1, 8,
               "Syntax Error\nextraneous input '(' expecting {'(', ");
  expect_shape("DATE '2024-01-02'", "(typed literal )");
  wy_ast_script_t *s = parse_ok(
      "SELECT CAST(A AS MAP<STRING, ARRAY<DECIMAL(10, 2)>>), F((x) => x), DATE '2024-01-02' FROM "
      "T;");
  wy_ast_query_t *q = s->stmts[0]->query;
  char *t = wy_ast_type_to_sql(q->items[0]->expr->type);
  assert_string_equal(t, "MAP<STRING, ARRAY<DECIMAL(10, 2)>>");
  free(t);
  assert_int_equal(q->items[0]->expr->type->kind, WY_AST_TYPE_BUILTIN);
  assert_int_equal(q->items[1]->expr->args[0]->kind, WY_AST_LAMBDA);
  assert_string_equal(q->items[1]->expr->args[0]->names[0].text, "X");
  assert_string_equal(q->items[2]->expr->name, "DATE");
  assert_string_equal(q->items[2]->expr->text, "2024-01-02");
  wy_ast_script_destroy(s);
  expect_sql("SELECT CASE WHEN a THEN 1 END, CAST(x AS BIGINT) AS c FROM t",
             "SELECT CASE WHEN A THEN 1 END, CAST(X AS BIGINT) AS C FROM T");
}

static void expression_positions_point_at_their_start(void **state) {
  (void)state;
  wy_ast_script_t *s = parse_ok("SELECT\n  a +\n    f(b), -5\nFROM t;");
  const wy_ast_query_t *q = s->stmts[0]->query;
  const wy_ast_expr_t *e = q->items[0]->expr;
  assert_int_equal(e->pos.line, 2);
  assert_int_equal(e->pos.column, 3);
  assert_int_equal(e->args[1]->pos.line, 3);
  assert_int_equal(e->args[1]->pos.column, 5);
  assert_int_equal(q->items[1]->expr->pos.column, 11);
  assert_int_equal(q->from->pos.line, 4);
  assert_int_equal(q->from->pos.column, 6);
  wy_ast_script_destroy(s);
}

static void syntax_errors_name_the_token_and_what_was_expected(void **state) {
  (void)state;
  /* ksqlDB's wording: "line L:C: Syntax Error", then ANTLR's account of the error */
  expect_error("SELECT a,\n  FROM t;", 2, 3,
               "line 2:3: Syntax Error\nextraneous input 'FROM' expecting {'(', 'NOT', 'NULL'");
  expect_error("SELECT * FROM;", 1, 14,
               "line 1:14: Syntax Error\nSyntax error at or near ';' at line 1:14");
  expect_error("SELECT * FROM t WHERE", 1, 22,
               "line 1:22: Syntax Error\nSyntax error at or near <EOF> at line 1:22");
  expect_error("CREATE STREAM s (a INT,) WITH (x=1);", 1, 24,
               "Syntax error at or near ')' at line 1:24");
  expect_error("SELECT * FROM t GROUP a;", 1, 23, "line 1:23: Syntax Error\nmissing 'BY' at 'a'");
  expect_error("SELECT a FROM t GROUP BY a, (b\n, c);", 2, 1,
               "line 2:1: Syntax Error\nmissing ')' at ','");
  expect_error("INSERT INTO s VALUES (1, 2", 1, 27, "missing ')' at <EOF>");
  expect_error("SELECT a b c FROM t;", 1, 12,
               "line 1:12: Syntax Error\nextraneous input 'c' expecting {',', 'FROM'}");
  expect_error("DROP STREAM;", 1, 12, "Syntax error at or near ';' at line 1:12");
  expect_error("CREATE STREAM s (a INT) WITH (kafka_topic=);", 1, 43,
               "Syntax error at or near ')' at line 1:43");
  expect_error("CREATE STREAM s (k STRING (KEY)) WITH (x=1);", 1, 28,
               "line 1:28: Syntax Error\nExpecting {'STRING', INTEGER_VALUE}");
  expect_error("CREATE STREAM s (k VARCHAR(STRING) (KEY));", 1, 36,
               "line 1:36: Syntax Error\nExpecting {',', ')'}");
  expect_error("SELECT CAST(a AS NULL) FROM t;", 1, 18,
               "Syntax error at or near 'NULL' at line 1:18");
  expect_error("SELECT 1 FROM t WHERE a IN ();", 1, 29, "Syntax error at or near ')' at line 1:29");
  expect_error("FOO BAR;", 1, 1, "line 1:1: Syntax Error\nUnknown statement 'FOO'");
  expect_error("SHOW STREAMS;\n\n  bogus;", 3, 3,
               "line 3:3: Syntax Error\nUnknown statement 'bogus'");
  expect_error("SELECT 'abc FROM t;", 1, 8, "unterminated string");
  expect_error("SELECT `abc FROM t;", 1, 8, "unterminated quoted identifier");
  expect_error("SELECT a FROM t /* never closed", 1, 17, "unterminated comment");
  expect_error("SELECT a # b FROM t;", 1, 10, "unexpected character '#'");
  expect_error("SELECT CAST(a AS DECIMAL(256, 2)) FROM t;", 1, 18, "DECIMAL(256, 2)");
  expect_error("SELECT CAST(a AS DECIMAL(60, 39)) FROM t;", 1, 18,
               "scale 0..precision (at most 38)");
  expect_error("SELECT CAST(a AS DECIMAL(0, 0)) FROM t;", 1, 18, "precision must be 1..255");
  expect_error("SELECT CAST(a AS VARCHAR(3)) FROM t;", 1, 18, "takes no parameters");
  expect_error("CREATE SOURCE STREAM s AS SELECT * FROM t;", 1, 1, "cannot have AS SELECT");
  expect_error("SHOW STREAMS;\n\nSELECT FROM t;", 3, 8,
               "line 3:8: Syntax Error\nextraneous input 'FROM'");
  expect_error("SELECT ${bad FROM t;", 1, 8, "malformed variable");
}

static void deep_nesting_is_an_error_not_a_crash(void **state) {
  (void)state;
  size_t n = 3000;
  char *sql = malloc(n * 4 + 64);
  strcpy(sql, "SELECT 1");
  for (size_t i = 0; i < n; i++) strcat(sql, "+1");
  strcat(sql, " FROM t;");
  wy_ast_script_t *s = NULL;
  wy_error_t err;
  assert_int_equal(wy_parse(sql, strlen(sql), NULL, &s, &err), WY_ERR_PARSE);
  assert_non_null(strstr(err.msg, "nested too deeply"));
  strcpy(sql, "SELECT ");
  for (size_t i = 0; i < n; i++) strcat(sql, "(");
  assert_int_equal(wy_parse(sql, strlen(sql), NULL, &s, &err), WY_ERR_PARSE);
  assert_non_null(strstr(err.msg, "nested too deeply"));
  free(sql);
}

static bool collect(const wy_ast_expr_t *e, void *ud) {
  char *buf = ud;
  if (e->kind == WY_AST_COLUMN) strcat(buf, e->name);
  return strcmp(e->name ? e->name : "", "STOP") != 0;
}

static void walk_visits_every_expression_until_stopped(void **state) {
  (void)state;
  wy_ast_script_t *s = parse_ok(
      "EXPLAIN CREATE STREAM X WITH (P=1) AS SELECT A, F(B) FROM T JOIN U ON C = D "
      "WHERE E GROUP BY G PARTITION BY H HAVING I;"
      "INSERT INTO T VALUES (J, K); SELECT L, STOP, M FROM T;");
  char buf[64] = "";
  assert_true(wy_ast_stmt_walk(s->stmts[0], collect, buf));
  assert_string_equal(buf, "ABCDEGHI");
  buf[0] = '\0';
  assert_true(wy_ast_stmt_walk(s->stmts[1], collect, buf));
  assert_string_equal(buf, "JK");
  buf[0] = '\0';
  assert_false(wy_ast_stmt_walk(s->stmts[2], collect, buf));
  assert_string_equal(buf, "LSTOP");
  wy_ast_script_destroy(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(arithmetic_binds_tighter_than_concat_and_comparison),
      cmocka_unit_test(unary_minus_binds_tightest),
      cmocka_unit_test(boolean_precedence_is_or_and_not),
      cmocka_unit_test(predicates_cover_ksqldb_forms),
      cmocka_unit_test(comparisons_do_not_chain),
      cmocka_unit_test(literal_kinds_follow_ksqldb),
      cmocka_unit_test(identifiers_are_upper_cased_unless_quoted),
      cmocka_unit_test(non_reserved_keywords_work_as_names),
      cmocka_unit_test(structured_access_and_constructors),
      cmocka_unit_test(functions_casts_cases_and_lambdas),
      cmocka_unit_test(expression_positions_point_at_their_start),
      cmocka_unit_test(syntax_errors_name_the_token_and_what_was_expected),
      cmocka_unit_test(deep_nesting_is_an_error_not_a_crash),
      cmocka_unit_test(walk_visits_every_expression_until_stopped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
