/* parser: statements — every statement form, the statement list and its text spans,
 * comments, ${var} substitution, and the printer's round trip. */
#include "tests/unit/test_parser_util.h"

static wy_ast_stmt_t *only(wy_ast_script_t *s) {
  assert_int_equal(s->n, 1);
  return s->stmts[0];
}

static void create_stream_has_columns_constraints_and_properties(void **state) {
  (void)state;
  wy_ast_script_t *s = parse_ok(
      "CREATE OR REPLACE SOURCE STREAM IF NOT EXISTS clicks (\n"
      "  id BIGINT KEY, h ARRAY<STRUCT<key STRING, value BYTES>> HEADERS,\n"
      "  b BYTES HEADER('abc'), amount DECIMAL(10, 2), m MAP<STRING, INT>, d VARCHAR)\n"
      "WITH (kafka_topic='clicks', value_format='JSON', partitions=3, 'quoted.name'=-1.5);");
  const wy_ast_stmt_t *st = only(s);
  assert_int_equal(st->kind, WY_AST_STMT_CREATE_STREAM);
  assert_true(st->or_replace && st->is_source && st->if_not_exists);
  assert_string_equal(st->name, "CLICKS");
  assert_int_equal(st->ncolumns, 6);
  assert_int_equal(st->columns[0]->constraint, WY_AST_COL_KEY);
  assert_true(st->columns[0]->type->type == wy_type_bigint());
  assert_int_equal(st->columns[1]->constraint, WY_AST_COL_HEADERS);
  const wy_type_t *h = st->columns[1]->type->type;
  assert_int_equal(h->kind, WY_T_ARRAY);
  assert_int_equal(h->elem->kind, WY_T_STRUCT);
  assert_string_equal(h->elem->fields[0].name, "KEY");
  assert_int_equal(st->columns[2]->constraint, WY_AST_COL_HEADER);
  assert_string_equal(st->columns[2]->header_key, "abc");
  assert_int_equal(st->columns[3]->type->type->precision, 10);
  assert_int_equal(st->columns[3]->type->type->scale, 2);
  assert_true(st->columns[5]->type->type == wy_type_string());
  assert_int_equal(st->nprops, 4);
  const wy_ast_property_t *p = wy_ast_stmt_property(st, "Kafka_Topic");
  assert_non_null(p);
  assert_string_equal(p->value->text, "clicks");
  assert_int_equal(wy_ast_stmt_property(st, "PARTITIONS")->value->lit, WY_AST_LIT_INT);
  p = wy_ast_stmt_property(st, "quoted.name");
  assert_true(p->name_quoted);
  assert_string_equal(p->value->text, "-1.5");
  assert_null(wy_ast_stmt_property(st, "missing"));
  assert_int_equal(st->pos.line, 1);
  assert_int_equal(st->columns[1]->pos.line, 2);
  assert_int_equal(st->columns[1]->pos.column, 18);
  assert_round_trip(st);
  wy_ast_script_destroy(s);
}

static void create_table_and_schema_less_sources(void **state) {
  (void)state;
  expect_sql("create table t (id int primary key, v string) with (kafka_topic='t', format='JSON')",
             "CREATE TABLE T (ID INTEGER PRIMARY KEY, V STRING) WITH (KAFKA_TOPIC='t', "
             "FORMAT='JSON')");
  expect_sql("CREATE STREAM s1 WITH (kafka_topic='s1', format='AVRO');",
             "CREATE STREAM S1 WITH (KAFKA_TOPIC='s1', FORMAT='AVRO')");
  expect_sql("CREATE STREAM s (a INT, b STRUCT<>)", "CREATE STREAM S (A INTEGER, B STRUCT<>)");
  expect_sql("CREATE STREAM s (k VARCHAR(STRING) KEY)", "CREATE STREAM S (K STRING KEY)");
}

static void create_as_select_and_insert(void **state) {
  (void)state;
  wy_ast_script_t *s = parse_ok(
      "CREATE TABLE agg WITH (kafka_topic='agg') AS SELECT id, COUNT(*) AS n FROM s GROUP BY id "
      "EMIT CHANGES;\n"
      "CREATE OR REPLACE STREAM out AS SELECT * FROM s WHERE a > 1 PARTITION BY b;\n"
      "INSERT INTO out WITH (QUERY_ID='q1') SELECT * FROM s2;\n"
      "INSERT INTO t (rowtime, id, v) VALUES (1, 2, 'x');\n"
      "INSERT INTO t VALUES ();\n");
  assert_int_equal(s->n, 5);
  assert_int_equal(s->stmts[0]->kind, WY_AST_STMT_CREATE_TABLE_AS);
  assert_int_equal(s->stmts[0]->nprops, 1);
  assert_int_equal(s->stmts[0]->query->emit, WY_AST_EMIT_CHANGES);
  assert_int_equal(s->stmts[1]->kind, WY_AST_STMT_CREATE_STREAM_AS);
  assert_true(s->stmts[1]->or_replace);
  assert_true(s->stmts[1]->query->has_partition_by);
  assert_int_equal(s->stmts[2]->kind, WY_AST_STMT_INSERT_INTO);
  assert_string_equal(s->stmts[2]->props[0]->name, "QUERY_ID");
  const wy_ast_stmt_t *iv = s->stmts[3];
  assert_int_equal(iv->kind, WY_AST_STMT_INSERT_VALUES);
  assert_true(iv->has_insert_columns);
  assert_int_equal(iv->ninsert_columns, 3);
  assert_string_equal(iv->insert_columns[0].text, "ROWTIME");
  assert_int_equal(iv->insert_columns[2].pos.column, 29);
  assert_int_equal(iv->nvalues, 3);
  assert_false(s->stmts[4]->has_insert_columns);
  assert_int_equal(s->stmts[4]->nvalues, 0);
  for (size_t i = 0; i < s->n; i++) assert_round_trip(s->stmts[i]);
  wy_ast_script_destroy(s);
}

static void select_clauses_joins_and_windows(void **state) {
  (void)state;
  wy_ast_script_t *s = parse_ok(
      "SELECT a.id AS x, b.* FROM left_s a LEFT OUTER JOIN right_s AS b WITHIN (1 HOUR, 2 "
      "MINUTES) GRACE PERIOD 30 SECONDS ON a.id = b.id FULL JOIN t3 c WITHIN 5 DAYS ON "
      "a.k = c.k JOIN t4 ON a.k = t4.k WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECOND, "
      "RETENTION 1 DAY, GRACE PERIOD 100 MILLISECONDS) WHERE a.v > 0 GROUP BY a.id, b.z "
      "HAVING COUNT(*) > 2 EMIT FINAL LIMIT 10;");
  const wy_ast_query_t *q = only(s)->query;
  assert_int_equal(only(s)->kind, WY_AST_STMT_QUERY);
  assert_string_equal(q->items[0]->alias, "X");
  assert_int_equal(q->items[1]->kind, WY_AST_ITEM_SOURCE_ALL);
  assert_string_equal(q->items[1]->source, "B");
  assert_string_equal(q->from->alias, "A");
  assert_int_equal(q->njoins, 3);
  assert_int_equal(q->joins[0]->kind, WY_AST_JOIN_LEFT);
  assert_string_equal(q->joins[0]->right->alias, "B");
  assert_int_equal(wy_ast_duration_ms(&q->joins[0]->before), 3600000);
  assert_int_equal(wy_ast_duration_ms(&q->joins[0]->after), 120000);
  assert_int_equal(wy_ast_duration_ms(&q->joins[0]->grace), 30000);
  assert_int_equal(q->joins[1]->kind, WY_AST_JOIN_FULL);
  assert_true(q->joins[1]->before.set);
  assert_false(q->joins[1]->after.set);
  assert_int_equal(q->joins[2]->kind, WY_AST_JOIN_INNER);
  assert_false(q->joins[2]->before.set);
  assert_int_equal(q->window->kind, WY_AST_WINDOW_HOPPING);
  assert_int_equal(wy_ast_duration_ms(&q->window->advance), 5000);
  assert_int_equal(wy_ast_duration_ms(&q->window->retention), 86400000);
  assert_int_equal(wy_ast_duration_ms(&q->window->grace), 100);
  assert_int_equal(q->ngroup_by, 2);
  assert_non_null(q->having);
  assert_int_equal(q->emit, WY_AST_EMIT_FINAL);
  assert_true(q->has_limit);
  assert_int_equal(q->limit, 10);
  assert_round_trip(only(s));
  wy_ast_script_destroy(s);
  expect_sql("select * from s window tumbling (size 1 minute) group by k",
             "SELECT * FROM S WINDOW TUMBLING (SIZE 1 MINUTES) GROUP BY K");
  expect_sql("select * from s window session (30 seconds, grace period 0 seconds) group by (a, b)",
             "SELECT * FROM S WINDOW SESSION (30 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY A, B");
  expect_sql("select * from s partition by (a), b", "SELECT * FROM S PARTITION BY A, B");
  expect_sql("select * from s group by ()", "SELECT * FROM S GROUP BY ()");
  expect_sql("select * from s window w1 tumbling (size 1 second, retention 2 days) group by k",
             "SELECT * FROM S WINDOW TUMBLING (SIZE 1 SECONDS, RETENTION 2 DAYS) GROUP BY K");
  expect_sql("SELECT * FROM TEST partition by id", "SELECT * FROM TEST PARTITION BY ID");
  expect_sql("SELECT a b FROM s t", "SELECT A AS B FROM S AS T");
}

static void ddl_and_admin_statements(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
    wy_ast_stmt_kind_t kind;
  } cases[] = {
      {"drop stream if exists s delete topic", "DROP STREAM IF EXISTS S DELETE TOPIC",
       WY_AST_STMT_DROP_STREAM},
      {"DROP TABLE t", "DROP TABLE T", WY_AST_STMT_DROP_TABLE},
      {"drop type if exists addr", "DROP TYPE IF EXISTS ADDR", WY_AST_STMT_DROP_TYPE},
      {"create type if not exists addr as struct<street string, n int>",
       "CREATE TYPE IF NOT EXISTS ADDR AS STRUCT<STREET STRING, N INTEGER>",
       WY_AST_STMT_CREATE_TYPE},
      {"alter stream s add column a int, add b array<string>",
       "ALTER STREAM S ADD COLUMN A INTEGER, ADD COLUMN B ARRAY<STRING>", WY_AST_STMT_ALTER_STREAM},
      {"ALTER TABLE t ADD x BIGINT", "ALTER TABLE T ADD COLUMN X BIGINT", WY_AST_STMT_ALTER_TABLE},
      {"terminate CSAS_OUT_1", "TERMINATE CSAS_OUT_1", WY_AST_STMT_TERMINATE},
      {"terminate all", "TERMINATE ALL", WY_AST_STMT_TERMINATE},
      {"pause q1", "PAUSE Q1", WY_AST_STMT_PAUSE},
      {"resume all", "RESUME ALL", WY_AST_STMT_RESUME},
      {"show streams extended", "SHOW STREAMS EXTENDED", WY_AST_STMT_SHOW},
      {"list tables", "SHOW TABLES", WY_AST_STMT_SHOW},
      {"show all topics", "SHOW ALL TOPICS", WY_AST_STMT_SHOW},
      {"show queries", "SHOW QUERIES", WY_AST_STMT_SHOW},
      {"show functions", "SHOW FUNCTIONS", WY_AST_STMT_SHOW},
      {"show properties", "SHOW PROPERTIES", WY_AST_STMT_SHOW},
      {"list types", "SHOW TYPES", WY_AST_STMT_SHOW},
      {"show variables", "SHOW VARIABLES", WY_AST_STMT_SHOW},
      {"describe s extended", "DESCRIBE S EXTENDED", WY_AST_STMT_DESCRIBE},
      {"describe extended s", "DESCRIBE S EXTENDED", WY_AST_STMT_DESCRIBE},
      {"describe streams", "DESCRIBE STREAMS", WY_AST_STMT_DESCRIBE_STREAMS},
      {"describe tables extended", "DESCRIBE TABLES EXTENDED", WY_AST_STMT_DESCRIBE_TABLES},
      {"describe function concat", "DESCRIBE FUNCTION CONCAT", WY_AST_STMT_DESCRIBE_FUNCTION},
      {"explain CTAS_T_3", "EXPLAIN CTAS_T_3", WY_AST_STMT_EXPLAIN},
      {"explain select * from s", "EXPLAIN SELECT * FROM S", WY_AST_STMT_EXPLAIN},
      {"print 'my-topic' from beginning interval 2 limit 5",
       "PRINT 'my-topic' FROM BEGINNING INTERVAL 2 LIMIT 5", WY_AST_STMT_PRINT},
      {"print topic1", "PRINT TOPIC1", WY_AST_STMT_PRINT},
      {"set 'auto.offset.reset'='earliest'", "SET 'auto.offset.reset'='earliest'", WY_AST_STMT_SET},
      {"unset 'auto.offset.reset'", "UNSET 'auto.offset.reset'", WY_AST_STMT_UNSET},
      {"define env = 'prod'", "DEFINE ENV = 'prod'", WY_AST_STMT_DEFINE},
      {"undefine env", "UNDEFINE ENV", WY_AST_STMT_UNDEFINE},
      {"run script 'x.sql'", "RUN SCRIPT 'x.sql'", WY_AST_STMT_RUN_SCRIPT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    expect_sql(cases[i].in, cases[i].out);
    wy_ast_script_t *s = parse_ok(cases[i].in);
    if (only(s)->kind != cases[i].kind) fail_msg("%s: kind %d", cases[i].in, only(s)->kind);
    wy_ast_script_destroy(s);
  }
  wy_ast_script_t *s = parse_ok("SHOW ALL TOPICS EXTENDED; EXPLAIN SHOW STREAMS;");
  assert_int_equal(s->stmts[0]->show, WY_AST_SHOW_TOPICS);
  assert_true(s->stmts[0]->all && s->stmts[0]->extended);
  assert_int_equal(s->stmts[1]->explained->kind, WY_AST_STMT_SHOW);
  wy_ast_script_destroy(s);
}

static void type_aliases_stay_named(void **state) {
  (void)state;
  wy_ast_script_t *s =
      parse_ok("CREATE STREAM s (a ADDRESS, b ARRAY<address>, c MAP<STRING, STRUCT<x `Addr`>>);");
  const wy_ast_stmt_t *st = only(s);
  assert_int_equal(st->columns[0]->type->kind, WY_AST_TYPE_ALIAS);
  assert_string_equal(st->columns[0]->type->alias, "ADDRESS");
  assert_int_equal(st->columns[1]->type->kind, WY_AST_TYPE_ARRAY);
  assert_int_equal(st->columns[1]->type->elem->kind, WY_AST_TYPE_ALIAS);
  const wy_ast_type_t *m = st->columns[2]->type;
  assert_int_equal(m->kind, WY_AST_TYPE_MAP);
  assert_int_equal(m->key->kind, WY_AST_TYPE_BUILTIN);
  assert_int_equal(m->elem->kind, WY_AST_TYPE_STRUCT);
  assert_string_equal(m->elem->field_names[0].text, "X");
  assert_string_equal(m->elem->field_types[0]->alias, "Addr");
  assert_round_trip(st);
  wy_ast_script_destroy(s);
}

static void assert_statements_for_tests(void **state) {
  (void)state;
  expect_sql("ASSERT NOT EXISTS TOPIC 'abc' WITH (partitions=1) TIMEOUT 3 SECONDS",
             "ASSERT NOT EXISTS TOPIC 'abc' WITH (PARTITIONS=1) TIMEOUT 3 SECONDS");
  expect_sql("assert topic abc", "ASSERT TOPIC ABC");
  expect_sql("ASSERT SCHEMA SUBJECT 'x-value' ID 4 TIMEOUT 1 MINUTE",
             "ASSERT SCHEMA SUBJECT 'x-value' ID 4 TIMEOUT 1 MINUTES");
  expect_sql("ASSERT NOT EXISTS SCHEMA ID 7", "ASSERT NOT EXISTS SCHEMA ID 7");
  expect_sql("ASSERT VALUES j (rowtime, s_id, foo) VALUES (1, 1, 2)",
             "ASSERT VALUES J (ROWTIME, S_ID, FOO) VALUES (1, 1, 2)");
  expect_sql("ASSERT NULL VALUES t (id) KEY (1)", "ASSERT NULL VALUES T (ID) KEY (1)");
  expect_sql("ASSERT TABLE t (id INT PRIMARY KEY, v STRING) WITH (kafka_topic='t')",
             "ASSERT TABLE T (ID INTEGER PRIMARY KEY, V STRING) WITH (KAFKA_TOPIC='t')");
  expect_sql("ASSERT STREAM s WITH (value_format='JSON')",
             "ASSERT STREAM S WITH (VALUE_FORMAT='JSON')");
  wy_ast_script_t *s = parse_ok("ASSERT NULL VALUES t (id) KEY (1);");
  assert_int_equal(only(s)->kind, WY_AST_STMT_ASSERT_TOMBSTONE);
  wy_ast_script_destroy(s);
}

/* A server parses neither the CLI's RUN SCRIPT nor the test-only ASSERTs: ksqlDB's
 * grammar fails them at the statement's first token, or at the word after ASSERT. */
static void server_dialect_rejects_cli_and_test_statements(void **state) {
  (void)state;
  expect_error("RUN SCRIPT 'x.sql';", 1, 1, "line 1:1: Syntax Error\nUnknown statement 'RUN'");
  expect_error("SHOW TOPICS;\n  ASSERT VALUES t (a) VALUES (1);", 2, 10,
               "line 2:10: Syntax Error\nSyntax error at or near 'VALUES' at line 2:10");
  expect_error("ASSERT NULL VALUES t (id) KEY (1);", 1, 8, "Syntax error at or near 'NULL'");
  expect_error("ASSERT STREAM s;", 1, 8, "Syntax error at or near 'STREAM' at line 1:8");
  expect_error("assert table t;", 1, 8, "Syntax error at or near 'table' at line 1:8");
  /* ASSERT TOPIC and ASSERT SCHEMA are server statements */
  wy_ast_script_t *s = NULL;
  wy_error_t err;
  const char *ok = "ASSERT TOPIC abc; ASSERT NOT EXISTS SCHEMA ID 7;";
  assert_int_equal(wy_parse(ok, strlen(ok), NULL, &s, &err), WY_OK);
  assert_int_equal(s->n, 2);
  wy_ast_script_destroy(s);
  /* each flag lets its own statements through, and only those */
  const char *run = "RUN SCRIPT 'x.sql';", *av = "ASSERT VALUES t (a) VALUES (1);";
  assert_int_equal(wy_parse_ex(run, strlen(run), NULL, WY_PARSE_CLI, &s, &err), WY_OK);
  wy_ast_script_destroy(s);
  assert_int_equal(wy_parse_ex(av, strlen(av), NULL, WY_PARSE_CLI, &s, &err), WY_ERR_PARSE);
  assert_int_equal(wy_parse_ex(av, strlen(av), NULL, WY_PARSE_TEST, &s, &err), WY_OK);
  wy_ast_script_destroy(s);
  assert_int_equal(wy_parse_ex(run, strlen(run), NULL, WY_PARSE_TEST, &s, &err), WY_ERR_PARSE);
  /* the position prefix: kept once for servers, dropped for FILE:L:C: printers */
  char buf[WY_ERROR_MSG_MAX + 40];
  wy_parse_error_format(&err, buf, sizeof buf);
  assert_string_equal(buf, "line 1:1: Syntax Error\nUnknown statement 'RUN'");
  assert_string_equal(wy_parse_error_detail(&err), "Syntax Error\nUnknown statement 'RUN'");
  const char *cast = "SELECT CAST(a AS VARCHAR(3)) FROM t;";
  assert_int_equal(wy_parse(cast, strlen(cast), NULL, &s, &err), WY_ERR_PARSE);
  wy_parse_error_format(&err, buf, sizeof buf);
  assert_string_equal(buf, "line 1:18: type VARCHAR takes no parameters");
  assert_string_equal(wy_parse_error_detail(&err), "type VARCHAR takes no parameters");
}

static void statement_list_keeps_text_spans_and_skips_comments(void **state) {
  (void)state;
  const char *sql =
      "-- leading comment\n"
      "SHOW STREAMS ; ;\n"
      "/* block\n comment */ DROP STREAM s; -- trailing\n"
      "SELECT *\n  FROM t";
  wy_ast_script_t *s = parse_ok(sql);
  assert_int_equal(s->n, 3);
  assert_string_equal(s->stmts[0]->text, "SHOW STREAMS ;");
  assert_int_equal(s->stmts[0]->pos.line, 2);
  assert_int_equal(s->stmts[0]->pos.column, 1);
  assert_int_equal(s->stmts[0]->src_offset, 19);
  assert_int_equal(s->stmts[0]->src_len, 14);
  assert_string_equal(s->stmts[1]->text, "DROP STREAM s;");
  assert_int_equal(s->stmts[1]->pos.line, 4);
  assert_int_equal(s->stmts[1]->pos.column, 13);
  assert_memory_equal(sql + s->stmts[1]->src_offset, "DROP STREAM s;", 14);
  assert_string_equal(s->stmts[2]->text, "SELECT *\n  FROM t");
  assert_int_equal(s->stmts[2]->query->from->pos.line, 6);
  wy_ast_script_destroy(s);
  s = parse_ok("  -- nothing but a comment\n ; ");
  assert_int_equal(s->n, 0);
  wy_ast_script_destroy(s);
}

/* $${name} is the escape of a literal ${name}; WY_PARSE_NO_SUBSTITUTION
 * (ksql.variable.substitution.enable=false) keeps every ${name} as written. */
static void variable_escape_and_substitution_off(void **state) {
  (void)state;
  wy_parse_vars_t *vars = wy_parse_vars_new();
  assert_int_equal(wy_parse_vars_set(vars, "who", "ops"), WY_OK);
  const char *sql = "SELECT '$${who} is ${who}', $${who} FROM s;";
  wy_ast_script_t *s = NULL;
  wy_error_t err;
  assert_int_equal(wy_parse(sql, strlen(sql), vars, &s, &err), WY_OK);
  const wy_ast_query_t *q = s->stmts[0]->query;
  assert_string_equal(q->items[0]->expr->text, "${who} is ops");
  assert_string_equal(q->items[1]->expr->name, "${who}");
  wy_ast_script_destroy(s);
  /* positions after an escape still refer to the text as written */
  const char *bad = "SELECT '$${who}', FROM s;";
  assert_int_equal(wy_parse(bad, strlen(bad), vars, &s, &err), WY_ERR_PARSE);
  assert_int_equal(err.column, 19);
  /* the printer writes a ${ back as $${: texts with runs of $ print and parse back */
  sql = "SELECT '$$$${a ${b $${c' AS `$${x}` FROM s;";
  assert_int_equal(wy_parse(sql, strlen(sql), NULL, &s, &err), WY_OK);
  assert_string_equal(s->stmts[0]->query->items[0]->expr->text, "$$${a ${b ${c");
  assert_round_trip(s->stmts[0]);
  wy_ast_script_destroy(s);
  /* a name is measured once substituted: its escapes do not count */
  char *longer = calloc(600, 1);
  strcpy(longer, "CREATE STREAM `");
  for (int i = 0; i < 70; i++) strcat(longer, "$${a"); /* 280 as written, 210 meant */
  strcat(longer, "` (K INT KEY) WITH (kafka_topic='t', format='JSON');");
  assert_int_equal(wy_parse(longer, strlen(longer), NULL, &s, &err), WY_OK);
  assert_int_equal(strlen(s->stmts[0]->name), 70 * 3);
  assert_round_trip(s->stmts[0]);
  wy_ast_script_destroy(s);
  free(longer);
  sql = "DEFINE who = 'dev';\nSELECT '${who}' FROM s;";
  assert_int_equal(wy_parse_ex(sql, strlen(sql), vars, WY_PARSE_NO_SUBSTITUTION, &s, &err), WY_OK);
  assert_int_equal(s->n, 2);
  assert_string_equal(s->stmts[1]->query->items[0]->expr->text, "${who}");
  wy_ast_script_destroy(s);
  wy_parse_vars_destroy(vars);
}

static void variables_are_substituted_before_tokenizing(void **state) {
  (void)state;
  wy_parse_vars_t *vars = wy_parse_vars_new();
  assert_int_equal(wy_parse_vars_set(vars, "Topic", "orders"), WY_OK);
  assert_int_equal(wy_parse_vars_set(vars, "col", "amount"), WY_OK);
  const char *sql =
      "DEFINE fmt = 'JSON';\n"
      "CREATE STREAM ${topic} (${col} INT) WITH (kafka_topic='${TOPIC}', format='${fmt}');\n"
      "UNDEFINE fmt;\n"
      "SELECT '${fmt}', ${unknown} FROM s;";
  wy_ast_script_t *s = NULL;
  wy_error_t err;
  assert_int_equal(wy_parse(sql, strlen(sql), vars, &s, &err), WY_OK);
  assert_int_equal(s->n, 4);
  const wy_ast_stmt_t *c = s->stmts[1];
  assert_string_equal(c->name, "ORDERS");
  assert_string_equal(c->columns[0]->name, "AMOUNT");
  assert_string_equal(wy_ast_stmt_property(c, "KAFKA_TOPIC")->value->text, "orders");
  assert_string_equal(wy_ast_stmt_property(c, "FORMAT")->value->text, "JSON");
  assert_string_equal(
      c->text, "CREATE STREAM orders (amount INT) WITH (kafka_topic='orders', format='JSON');");
  /* After UNDEFINE, and for names nobody defined, the text stays as written. */
  const wy_ast_query_t *q = s->stmts[3]->query;
  assert_string_equal(q->items[0]->expr->text, "${fmt}");
  assert_string_equal(q->items[1]->expr->name, "${unknown}");
  assert_round_trip(s->stmts[3]);
  /* The caller's variables are only read. */
  assert_int_equal(wy_parse_vars_count(vars), 2);
  assert_null(wy_parse_vars_get(vars, "fmt"));
  assert_string_equal(wy_parse_vars_get(vars, "TOPIC"), "orders");
  assert_true(wy_parse_vars_unset(vars, "topic"));
  assert_false(wy_parse_vars_unset(vars, "topic"));
  wy_ast_script_destroy(s);
  wy_parse_vars_destroy(vars);
  /* Positions refer to the text as written, not to the substituted one. */
  vars = wy_parse_vars_new();
  assert_int_equal(wy_parse_vars_set(vars, "long_name", "a_much_longer_value"), WY_OK);
  assert_int_equal(wy_parse_vars_set(vars, "two", "x\n,"), WY_OK);
  const char *bad = "SELECT ${long_name}, b FROM t WHERE c = ;\nSELECT ${two} y, FROM t;";
  assert_int_equal(wy_parse(bad, strlen(bad), vars, &s, &err), WY_ERR_PARSE);
  assert_int_equal(err.line, 1);
  assert_int_equal(err.column, 41);
  bad = "SELECT ${long_name}, b FROM t WHERE c = 1;\nSELECT ${two} y, FROM t;";
  assert_int_equal(wy_parse(bad, strlen(bad), vars, &s, &err), WY_ERR_PARSE);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.column, 18); /* FROM, though the value of ${two} adds a line break */
  assert_int_equal(wy_parse_vars_set(vars, "three", "a b c"), WY_OK);
  bad = "SELECT 1,\n  ${three} FROM t;";
  assert_int_equal(wy_parse(bad, strlen(bad), vars, &s, &err), WY_ERR_PARSE);
  assert_string_equal(err.msg,
                      "line 2:3: Syntax Error\nextraneous input 'c' expecting {',', 'FROM'}");
  assert_int_equal(err.line, 2); /* 'c' came from ${three}, which is where it points */
  assert_int_equal(err.column, 3);
  bad = "SELECT ${long_name} AS v, b FROM t;";
  assert_int_equal(wy_parse(bad, strlen(bad), vars, &s, &err), WY_OK);
  assert_int_equal(s->stmts[0]->query->items[1]->expr->pos.column, 27);
  assert_int_equal(s->stmts[0]->query->from->pos.column, 34);
  wy_ast_script_destroy(s);
  wy_parse_vars_destroy(vars);
  char *out = wy_parse_substitute("a ${x} ${y} ${} $x", 18, NULL);
  assert_string_equal(out, "a ${x} ${y} ${} $x");
  free(out);
}

static void round_trip_holds_for_tricky_printing(void **state) {
  (void)state;
  static const char *const cases[] = {
      "SELECT -(1), - -A, -(-1), 1 - -1, -A[1], (-1)[1], -(A + B) FROM T",
      "SELECT (A + B)[1], (A || B)->C, (CAST(A AS INT))[0], F(A)[1] FROM T",
      "SELECT NOT (A AND B), (NOT A) = B, (A = B) = (C = D), (A OR B) IS NULL FROM T",
      "SELECT A BETWEEN (B OR C) AND D, A IN ((A AND B)), A LIKE (B = C) FROM T",
      "SELECT 1 - (2 - 3), 1 / (2 * 3), (1 || 2) || 3, 1 || (2 || 3), 'it''s' FROM T",
      "SELECT CASE (A = B) WHEN TRUE THEN (X OR Y) END FROM T",
      "SELECT `a b`, `KEY`, `emit`, `${x}`, \"Quoted\", `1abc` FROM `my-topic` `T-1`",
      "SELECT * FROM S WHERE NOT NOT A",
      "SELECT MAP((A OR B) := 1), STRUCT(`select` := 1), ARRAY[(A), NULL] FROM T",
      "SELECT FILTER(A, (X) => X OR Y), F(X => X = 1) FROM T",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wy_ast_script_t *s = parse_ok(cases[i]);
    assert_round_trip(only(s));
    wy_ast_script_destroy(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(create_stream_has_columns_constraints_and_properties),
      cmocka_unit_test(create_table_and_schema_less_sources),
      cmocka_unit_test(create_as_select_and_insert),
      cmocka_unit_test(select_clauses_joins_and_windows),
      cmocka_unit_test(ddl_and_admin_statements),
      cmocka_unit_test(type_aliases_stay_named),
      cmocka_unit_test(assert_statements_for_tests),
      cmocka_unit_test(server_dialect_rejects_cli_and_test_statements),
      cmocka_unit_test(statement_list_keeps_text_spans_and_skips_comments),
      cmocka_unit_test(variables_are_substituted_before_tokenizing),
      cmocka_unit_test(variable_escape_and_substitution_off),
      cmocka_unit_test(round_trip_holds_for_tricky_printing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
