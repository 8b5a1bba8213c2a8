/*
 * ast.h — the abstract syntax tree of walleye's ksqlDB-dialect SQL.
 *
 * The parser (parser.h) builds these nodes; the analyzer walks them. Every node carries
 * the 1-based line and column where it starts. Identifiers are already normalized the
 * way ksqlDB does it: unquoted names are upper-cased, back-quoted and double-quoted names
 * keep their case. Literals keep their source text plus the kind ksqlDB gives them.
 *
 * Ownership: a statement owns everything below it (strings, child nodes, types); the
 * parser's builders (parser_int.h) take ownership of their inputs even when they fail.
 * In a finished tree, pointers are NULL only where a field is documented as optional.
 * Every _destroy accepts NULL.
 * Nodes are plain heap objects: any thread may read a finished tree, one thread builds it.
 */
#ifndef WY_PARSER_AST_H
#define WY_PARSER_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/types.h"

typedef struct wy_ast_pos {
  int line;   /* 1-based */
  int column; /* 1-based, in bytes */
} wy_ast_pos_t;

/* A normalized identifier (or other name) and where it was written. */
typedef struct wy_ast_name {
  char *text;
  wy_ast_pos_t pos;
} wy_ast_name_t;

/* ---- operators, literals, units ------------------------------------------------ */

/* X(op, SQL spelling) — operators of UNARY, BINARY and COMPARE nodes. */
#define WY_AST_OPS(X)       \
  X(WY_AST_OP_NEG, "-")     \
  X(WY_AST_OP_POS, "+")     \
  X(WY_AST_OP_ADD, "+")     \
  X(WY_AST_OP_SUB, "-")     \
  X(WY_AST_OP_MUL, "*")     \
  X(WY_AST_OP_DIV, "/")     \
  X(WY_AST_OP_MOD, "%")     \
  X(WY_AST_OP_CONCAT, "||") \
  X(WY_AST_OP_EQ, "=")      \
  X(WY_AST_OP_NE, "<>")     \
  X(WY_AST_OP_LT, "<")      \
  X(WY_AST_OP_LE, "<=")     \
  X(WY_AST_OP_GT, ">")      \
  X(WY_AST_OP_GE, ">=")

typedef enum {
#define WY_X(op, sql) op,
  WY_AST_OPS(WY_X)
#undef WY_X
      WY_AST_OP__COUNT
} wy_ast_op_t;

/* X(kind, name) — literal kinds, by ksqlDB's rules: an integer is INT when it fits in
 * 32 bits, else BIGINT; a number with a point is DECIMAL (precision/scale from its
 * digits); one with an exponent is DOUBLE. */
#define WY_AST_LIT_KINDS(X)        \
  X(WY_AST_LIT_NULL, "NULL")       \
  X(WY_AST_LIT_BOOLEAN, "BOOLEAN") \
  X(WY_AST_LIT_INT, "INT")         \
  X(WY_AST_LIT_BIGINT, "BIGINT")   \
  X(WY_AST_LIT_DECIMAL, "DECIMAL") \
  X(WY_AST_LIT_DOUBLE, "DOUBLE")   \
  X(WY_AST_LIT_STRING, "STRING")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_LIT_KINDS(WY_X)
#undef WY_X
      WY_AST_LIT__COUNT
} wy_ast_lit_kind_t;

/* X(unit, canonical spelling, milliseconds) — time units of windows, WITHIN, GRACE
 * PERIOD, TIMEOUT and unit arguments of functions such as TIMESTAMPADD. */
#define WY_AST_TIME_UNITS(X)                     \
  X(WY_AST_UNIT_MILLISECONDS, "MILLISECONDS", 1) \
  X(WY_AST_UNIT_SECONDS, "SECONDS", 1000)        \
  X(WY_AST_UNIT_MINUTES, "MINUTES", 60000)       \
  X(WY_AST_UNIT_HOURS, "HOURS", 3600000)         \
  X(WY_AST_UNIT_DAYS, "DAYS", 86400000)

typedef enum {
#define WY_X(unit, name, ms) unit,
  WY_AST_TIME_UNITS(WY_X)
#undef WY_X
      WY_AST_UNIT__COUNT
} wy_ast_time_unit_t;

typedef struct wy_ast_duration {
  bool set; /* false: the clause was not written */
  int64_t count;
  wy_ast_time_unit_t unit;
  wy_ast_pos_t pos;
} wy_ast_duration_t;

const char *wy_ast_op_sql(wy_ast_op_t op);
const char *wy_ast_lit_kind_name(wy_ast_lit_kind_t kind);
const char *wy_ast_time_unit_name(wy_ast_time_unit_t unit);
/* count * unit in milliseconds (saturating). */
int64_t wy_ast_duration_ms(const wy_ast_duration_t *d);

/* ---- types --------------------------------------------------------------------- */

/* A type as written in DDL or CAST. BUILTIN holds a complete wy_type_t; the other kinds
 * appear only when a named alias (CREATE TYPE) occurs somewhere inside the type, so
 * that the analyzer can resolve aliases from its catalog. */
#define WY_AST_TYPE_KINDS(X)        \
  X(WY_AST_TYPE_BUILTIN, "builtin") \
  X(WY_AST_TYPE_ALIAS, "alias")     \
  X(WY_AST_TYPE_ARRAY, "array")     \
  X(WY_AST_TYPE_MAP, "map")         \
  X(WY_AST_TYPE_STRUCT, "struct")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_TYPE_KINDS(WY_X)
#undef WY_X
      WY_AST_TYPE__COUNT
} wy_ast_type_kind_t;

typedef struct wy_ast_type wy_ast_type_t;
struct wy_ast_type {
  wy_ast_type_kind_t kind;
  wy_ast_pos_t pos;
  const wy_type_t *type;      /* BUILTIN: one reference owned by this node */
  char *alias;                /* ALIAS: the normalized name */
  wy_ast_type_t *elem;        /* ARRAY: element; MAP: value */
  wy_ast_type_t *key;         /* MAP: key */
  size_t nfields;             /* STRUCT */
  wy_ast_name_t *field_names; /* STRUCT */
  wy_ast_type_t **field_types;
};

/* ---- expressions --------------------------------------------------------------- */

/* X(kind, name) — the one list of expression kinds. Field use per kind:
 *   LITERAL        lit, text (numbers: source text with sign; STRING: unescaped value;
 *                  BOOLEAN: "TRUE"/"FALSE"), precision/scale for DECIMAL
 *   TYPED_LITERAL  name = type (e.g. DATE), text = the quoted value, unescaped
 *   COLUMN         name, qualifier (source or alias; NULL when unqualified)
 *   DEREF          args[0] struct, name = field                          (a->b)
 *   SUBSCRIPT      args[0] array/map, args[1] index                      (a[i])
 *   UNARY          op NEG|POS, args[0]
 *   BINARY         op ADD..CONCAT, args[0], args[1]
 *   COMPARE        op EQ..GE, args[0], args[1]
 *   AND, OR        args[0], args[1]
 *   NOT            args[0]
 *   IS_NULL        negated (IS NOT NULL), args[0]
 *   IS_DISTINCT    negated (IS NOT DISTINCT FROM), args[0], args[1]
 *   LIKE           negated, args[0] value, args[1] pattern, text = ESCAPE char or NULL
 *   BETWEEN        negated, args[0] value, args[1] low, args[2] high
 *   IN             negated, args[0] value, args[1..] the list
 *   CASE           has_operand: args[0] is the operand (simple CASE); then WHEN nodes;
 *                  has_else: the last arg is the ELSE result
 *   WHEN           args[0] condition (or value to match), args[1] result
 *   CAST           args[0], type
 *   CALL           name = function, args; star for f(*)
 *   TIME_UNIT      unit — a unit keyword passed as a function argument
 *   LAMBDA         names = parameters, args[0] = body
 *   ARRAY          args = elements                                      (ARRAY[..])
 *   MAP            args = key0, value0, key1, value1, ...               (MAP(k := v))
 *   STRUCT         names = field names, args = values                   (STRUCT(f := v))
 */
#define WY_AST_EXPR_KINDS(X)                \
  X(WY_AST_LITERAL, "literal")              \
  X(WY_AST_TYPED_LITERAL, "typed literal")  \
  X(WY_AST_COLUMN, "column")                \
  X(WY_AST_DEREF, "dereference")            \
  X(WY_AST_SUBSCRIPT, "subscript")          \
  X(WY_AST_UNARY, "unary")                  \
  X(WY_AST_BINARY, "binary")                \
  X(WY_AST_COMPARE, "comparison")           \
  X(WY_AST_AND, "and")                      \
  X(WY_AST_OR, "or")                        \
  X(WY_AST_NOT, "not")                      \
  X(WY_AST_IS_NULL, "is null")              \
  X(WY_AST_IS_DISTINCT, "is distinct from") \
  X(WY_AST_LIKE, "like")                    \
  X(WY_AST_BETWEEN, "between")              \
  X(WY_AST_IN, "in")                        \
  X(WY_AST_CASE, "case")                    \
  X(WY_AST_WHEN, "when")                    \
  X(WY_AST_CAST, "cast")                    \
  X(WY_AST_CALL, "function call")           \
  X(WY_AST_TIME_UNIT, "time unit")          \
  X(WY_AST_LAMBDA, "lambda")                \
  X(WY_AST_ARRAY, "array constructor")      \
  X(WY_AST_MAP, "map constructor")          \
  X(WY_AST_STRUCT, "struct constructor")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_EXPR_KINDS(WY_X)
#undef WY_X
      WY_AST_EXPR__COUNT
} wy_ast_expr_kind_t;

typedef struct wy_ast_expr wy_ast_expr_t;
struct wy_ast_expr {
  wy_ast_expr_kind_t kind;
  wy_ast_pos_t pos;
  wy_ast_op_t op;
  wy_ast_lit_kind_t lit;
  wy_ast_time_unit_t unit;
  bool negated;
  bool has_operand, has_else; /* CASE */
  bool star;                  /* CALL */
  bool parenthesized;         /* written inside ( ); ignored by printer and equality */
  int precision, scale;       /* DECIMAL literal (not checked against 38 here) */
  int depth;                  /* 1 for a leaf; the parser bounds it (WY_AST_MAX_DEPTH) */
  char *text;
  char *name;
  char *qualifier;
  wy_ast_type_t *type;
  size_t nargs;
  wy_ast_expr_t **args;
  size_t nnames;
  wy_ast_name_t *names;
};

/* Deeper expressions are rejected by the parser, so that recursive walkers (printer,
 * analyzer, compiler) cannot exhaust the C stack. */
#define WY_AST_MAX_DEPTH 500

const char *wy_ast_expr_kind_name(wy_ast_expr_kind_t kind);

/* ---- queries ------------------------------------------------------------------- */

#define WY_AST_ITEM_KINDS(X)                                                 \
  X(WY_AST_ITEM_EXPR, "expression")      /* expr [AS alias] */               \
  X(WY_AST_ITEM_ALL, "*")                /* * */                             \
  X(WY_AST_ITEM_SOURCE_ALL, "source.*")  /* source.* (source in `source`) */ \
  X(WY_AST_ITEM_STRUCT_ALL, "struct->*") /* expr->* */

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_ITEM_KINDS(WY_X)
#undef WY_X
      WY_AST_ITEM__COUNT
} wy_ast_item_kind_t;

typedef struct wy_ast_select_item {
  wy_ast_item_kind_t kind;
  wy_ast_pos_t pos;
  wy_ast_expr_t *expr; /* EXPR, STRUCT_ALL */
  char *alias;         /* EXPR: optional */
  char *source;        /* SOURCE_ALL */
} wy_ast_select_item_t;

typedef struct wy_ast_relation {
  wy_ast_pos_t pos;
  char *name;
  char *alias; /* optional */
} wy_ast_relation_t;

#define WY_AST_JOIN_KINDS(X)    \
  X(WY_AST_JOIN_INNER, "INNER") \
  X(WY_AST_JOIN_LEFT, "LEFT")   \
  X(WY_AST_JOIN_RIGHT, "RIGHT") \
  X(WY_AST_JOIN_FULL, "FULL")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_JOIN_KINDS(WY_X)
#undef WY_X
      WY_AST_JOIN__COUNT
} wy_ast_join_kind_t;

typedef struct wy_ast_join {
  wy_ast_join_kind_t kind;
  wy_ast_pos_t pos;
  wy_ast_relation_t *right;
  wy_ast_duration_t before; /* WITHIN n unit sets before only; WITHIN (b, a) sets both */
  wy_ast_duration_t after;
  wy_ast_duration_t grace;
  wy_ast_expr_t *on;
} wy_ast_join_t;

#define WY_AST_WINDOW_KINDS(X)          \
  X(WY_AST_WINDOW_TUMBLING, "TUMBLING") \
  X(WY_AST_WINDOW_HOPPING, "HOPPING")   \
  X(WY_AST_WINDOW_SESSION, "SESSION")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_WINDOW_KINDS(WY_X)
#undef WY_X
      WY_AST_WINDOW__COUNT
} wy_ast_window_kind_t;

typedef struct wy_ast_window {
  wy_ast_window_kind_t kind;
  wy_ast_pos_t pos;
  wy_ast_duration_t size; /* SESSION: the gap */
  wy_ast_duration_t advance;
  wy_ast_duration_t retention;
  wy_ast_duration_t grace;
} wy_ast_window_t;

#define WY_AST_EMIT_KINDS(X)        \
  X(WY_AST_EMIT_NONE, "")           \
  X(WY_AST_EMIT_CHANGES, "CHANGES") \
  X(WY_AST_EMIT_FINAL, "FINAL")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_EMIT_KINDS(WY_X)
#undef WY_X
      WY_AST_EMIT__COUNT
} wy_ast_emit_t;

/* SELECT; clause order as in ksqlDB: FROM, WINDOW, WHERE, GROUP BY, PARTITION BY,
 * HAVING, EMIT, LIMIT. */
typedef struct wy_ast_query {
  wy_ast_pos_t pos;
  size_t nitems;
  wy_ast_select_item_t **items;
  wy_ast_relation_t *from;
  size_t njoins;
  wy_ast_join_t **joins;
  wy_ast_window_t *window; /* optional */
  wy_ast_expr_t *where;    /* optional */
  bool has_group_by;       /* GROUP BY () has the clause with no expression */
  size_t ngroup_by;
  wy_ast_expr_t **group_by;
  bool has_partition_by;
  size_t npartition_by;
  wy_ast_expr_t **partition_by;
  wy_ast_expr_t *having; /* optional */
  wy_ast_emit_t emit;
  bool has_limit;
  int64_t limit;
} wy_ast_query_t;

/* ---- DDL pieces ---------------------------------------------------------------- */

#define WY_AST_CONSTRAINTS(X)              \
  X(WY_AST_COL_VALUE, "")                  \
  X(WY_AST_COL_KEY, "KEY")                 \
  X(WY_AST_COL_PRIMARY_KEY, "PRIMARY KEY") \
  X(WY_AST_COL_HEADERS, "HEADERS")         \
  X(WY_AST_COL_HEADER, "HEADER")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_CONSTRAINTS(WY_X)
#undef WY_X
      WY_AST_COL__COUNT
} wy_ast_constraint_t;

typedef struct wy_ast_column_def {
  wy_ast_pos_t pos;
  char *name;
  wy_ast_type_t *type;
  wy_ast_constraint_t constraint;
  char *header_key; /* HEADER('key') */
} wy_ast_column_def_t;

/* WITH (name = literal, ...). Names written as identifiers are upper-cased; names
 * written as strings keep their text (name_quoted). */
typedef struct wy_ast_property {
  wy_ast_pos_t pos;
  char *name;
  bool name_quoted;
  wy_ast_expr_t *value; /* a LITERAL (or a COLUMN for an unsubstituted ${var}) */
} wy_ast_property_t;

/* ---- statements ---------------------------------------------------------------- */

/* X(kind, name) — the one list of statement kinds. Field use per kind (all others are
 * zero/NULL):
 *   QUERY               query                          (SELECT ... ;)
 *   CREATE_STREAM/TABLE name, or_replace, is_source, if_not_exists, columns, props
 *   CREATE_STREAM_AS/TABLE_AS  name, or_replace, if_not_exists, props, query
 *   INSERT_INTO         name, props, query
 *   INSERT_VALUES       name, insert_columns (optional), values
 *   DROP_STREAM/TABLE   name, if_exists, delete_topic
 *   CREATE_TYPE         name, if_not_exists, type
 *   DROP_TYPE           name, if_exists
 *   ALTER_STREAM/TABLE  name, columns (the added ones)
 *   TERMINATE/PAUSE/RESUME  name = query id, or all
 *   SHOW                show, extended, all (SHOW ALL TOPICS)
 *   DESCRIBE            name, extended
 *   DESCRIBE_STREAMS/TABLES  extended
 *   DESCRIBE_FUNCTION   name
 *   EXPLAIN             explained (a statement) or name (a query id)
 *   PRINT               name (name_quoted when written as a string), from_beginning,
 *                       has_interval/interval, has_limit/limit
 *   SET                 name = property, value
 *   UNSET               name = property
 *   DEFINE              name = variable, value
 *   UNDEFINE            name
 *   ASSERT_TOPIC        name (name_quoted), not_exists, props, timeout
 *   ASSERT_SCHEMA       not_exists, value = subject (optional), schema_id (optional
 *                       literal), timeout
 *   ASSERT_VALUES       name, insert_columns (optional), values
 *   ASSERT_TOMBSTONE    name, insert_columns (optional), values (the key)
 *   ASSERT_STREAM/TABLE name, columns, props
 *   RUN_SCRIPT          value = the path
 */
#define WY_AST_STMT_KINDS(X)                                 \
  X(WY_AST_STMT_QUERY, "SELECT")                             \
  X(WY_AST_STMT_CREATE_STREAM, "CREATE STREAM")              \
  X(WY_AST_STMT_CREATE_TABLE, "CREATE TABLE")                \
  X(WY_AST_STMT_CREATE_STREAM_AS, "CREATE STREAM AS SELECT") \
  X(WY_AST_STMT_CREATE_TABLE_AS, "CREATE TABLE AS SELECT")   \
  X(WY_AST_STMT_INSERT_INTO, "INSERT INTO")                  \
  X(WY_AST_STMT_INSERT_VALUES, "INSERT VALUES")              \
  X(WY_AST_STMT_DROP_STREAM, "DROP STREAM")                  \
  X(WY_AST_STMT_DROP_TABLE, "DROP TABLE")                    \
  X(WY_AST_STMT_CREATE_TYPE, "CREATE TYPE")                  \
  X(WY_AST_STMT_DROP_TYPE, "DROP TYPE")                      \
  X(WY_AST_STMT_ALTER_STREAM, "ALTER STREAM")                \
  X(WY_AST_STMT_ALTER_TABLE, "ALTER TABLE")                  \
  X(WY_AST_STMT_TERMINATE, "TERMINATE")                      \
  X(WY_AST_STMT_PAUSE, "PAUSE")                              \
  X(WY_AST_STMT_RESUME, "RESUME")                            \
  X(WY_AST_STMT_SHOW, "SHOW")                                \
  X(WY_AST_STMT_DESCRIBE, "DESCRIBE")                        \
  X(WY_AST_STMT_DESCRIBE_STREAMS, "DESCRIBE STREAMS")        \
  X(WY_AST_STMT_DESCRIBE_TABLES, "DESCRIBE TABLES")          \
  X(WY_AST_STMT_DESCRIBE_FUNCTION, "DESCRIBE FUNCTION")      \
  X(WY_AST_STMT_EXPLAIN, "EXPLAIN")                          \
  X(WY_AST_STMT_PRINT, "PRINT")                              \
  X(WY_AST_STMT_SET, "SET")                                  \
  X(WY_AST_STMT_UNSET, "UNSET")                              \
  X(WY_AST_STMT_DEFINE, "DEFINE")                            \
  X(WY_AST_STMT_UNDEFINE, "UNDEFINE")                        \
  X(WY_AST_STMT_ASSERT_TOPIC, "ASSERT TOPIC")                \
  X(WY_AST_STMT_ASSERT_SCHEMA, "ASSERT SCHEMA")              \
  X(WY_AST_STMT_ASSERT_VALUES, "ASSERT VALUES")              \
  X(WY_AST_STMT_ASSERT_TOMBSTONE, "ASSERT NULL VALUES")      \
  X(WY_AST_STMT_ASSERT_STREAM, "ASSERT STREAM")              \
  X(WY_AST_STMT_ASSERT_TABLE, "ASSERT TABLE")                \
  X(WY_AST_STMT_RUN_SCRIPT, "RUN SCRIPT")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_STMT_KINDS(WY_X)
#undef WY_X
      WY_AST_STMT__COUNT
} wy_ast_stmt_kind_t;

#define WY_AST_SHOW_KINDS(X)              \
  X(WY_AST_SHOW_STREAMS, "STREAMS")       \
  X(WY_AST_SHOW_TABLES, "TABLES")         \
  X(WY_AST_SHOW_QUERIES, "QUERIES")       \
  X(WY_AST_SHOW_TOPICS, "TOPICS")         \
  X(WY_AST_SHOW_FUNCTIONS, "FUNCTIONS")   \
  X(WY_AST_SHOW_PROPERTIES, "PROPERTIES") \
  X(WY_AST_SHOW_TYPES, "TYPES")           \
  X(WY_AST_SHOW_VARIABLES, "VARIABLES")

typedef enum {
#define WY_X(kind, name) kind,
  WY_AST_SHOW_KINDS(WY_X)
#undef WY_X
      WY_AST_SHOW__COUNT
} wy_ast_show_t;

typedef struct wy_ast_stmt wy_ast_stmt_t;
struct wy_ast_stmt {
  wy_ast_stmt_kind_t kind;
  wy_ast_pos_t pos;
  char *text; /* the statement as written (after ${var} substitution), with its ';' */
  size_t src_offset, src_len; /* where the statement sits in the text given to the parser */
  char *name;
  wy_ast_pos_t name_pos;
  bool name_quoted;
  bool or_replace, is_source, if_not_exists, if_exists, delete_topic;
  bool extended, all, not_exists, from_beginning;
  wy_ast_show_t show;
  size_t ncolumns;
  wy_ast_column_def_t **columns;
  size_t nprops;
  wy_ast_property_t **props;
  wy_ast_query_t *query;
  bool has_insert_columns;
  size_t ninsert_columns;
  wy_ast_name_t *insert_columns;
  size_t nvalues;
  wy_ast_expr_t **values;
  wy_ast_type_t *type;
  char *value;
  wy_ast_expr_t *schema_id;
  wy_ast_duration_t timeout;
  bool has_interval, has_limit;
  int64_t interval, limit;
  wy_ast_stmt_t *explained;
};

const char *wy_ast_stmt_kind_name(wy_ast_stmt_kind_t kind);
const char *wy_ast_show_name(wy_ast_show_t show);

/* A property of a statement's WITH clause by case-insensitive name, or NULL. */
const wy_ast_property_t *wy_ast_stmt_property(const wy_ast_stmt_t *s, const char *name);

/* ---- walking ------------------------------------------------------------------- */

/* Called for each expression, parents before children; return false to stop. */
typedef bool (*wy_ast_expr_fn)(const wy_ast_expr_t *e, void *ud);
/* Visits e and everything below it. Returns false when fn stopped the walk. */
bool wy_ast_expr_walk(const wy_ast_expr_t *e, wy_ast_expr_fn fn, void *ud);
/* Visits every expression of a statement: select items, join conditions, WHERE, GROUP
 * BY, PARTITION BY, HAVING, VALUES, property values, ASSERT SCHEMA ids and those of an
 * EXPLAINed statement. */
bool wy_ast_stmt_walk(const wy_ast_stmt_t *s, wy_ast_expr_fn fn, void *ud);

/* ---- destructors --------------------------------------------------------------- */

void wy_ast_type_destroy(wy_ast_type_t *t);
void wy_ast_expr_destroy(wy_ast_expr_t *e);
void wy_ast_select_item_destroy(wy_ast_select_item_t *it);
void wy_ast_relation_destroy(wy_ast_relation_t *r);
void wy_ast_join_destroy(wy_ast_join_t *j);
void wy_ast_window_destroy(wy_ast_window_t *w);
void wy_ast_query_destroy(wy_ast_query_t *q);
void wy_ast_column_def_destroy(wy_ast_column_def_t *c);
void wy_ast_property_destroy(wy_ast_property_t *p);
void wy_ast_stmt_destroy(wy_ast_stmt_t *s);

/* ---- printing and comparing ---------------------------------------------------- */

/* Normalized SQL (upper-case keywords, minimal parentheses, identifiers quoted only
 * when needed, no trailing ';'). Parsing the result gives an equal tree. The result is
 * malloc'd (free it); NULL on allocation failure. */
char *wy_ast_stmt_to_sql(const wy_ast_stmt_t *s);
char *wy_ast_expr_to_sql(const wy_ast_expr_t *e);
char *wy_ast_type_to_sql(const wy_ast_type_t *t);

/* Structural equality, ignoring positions, statement text and parenthesized flags. */
bool wy_ast_stmt_equal(const wy_ast_stmt_t *a, const wy_ast_stmt_t *b);
bool wy_ast_expr_equal(const wy_ast_expr_t *a, const wy_ast_expr_t *b);
bool wy_ast_type_equal(const wy_ast_type_t *a, const wy_ast_type_t *b);

#endif
