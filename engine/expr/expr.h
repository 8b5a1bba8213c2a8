/*
 * expr.h — typed expression IR, binding (type checking) and evaluation.
 *
 * Life of an expression: the analyzer builds a tree with the wy_expr_* builders (each
 * node carries its source line/column), wy_expr_bind type-checks it with ksqlDB's
 * rules (implicit numeric widening, DECIMAL precision/scale, comparison rules, literal
 * coercion in IN lists), resolves functions against a registry and inserts implicit
 * casts; wy_expr_compile turns the bound tree into an immutable program; and
 * wy_expr_eval runs the program on one row, allocating only from the batch arena.
 *
 * Ownership: builders take ownership of their child nodes and of the type references
 * passed to them, even when they fail (then they return NULL). A tree is owned by its
 * root; wy_expr_destroy frees it. A compiled program does not reference the tree, is
 * read-only, and may be evaluated by several threads at once (each with its own arena
 * and error object).
 */
#ifndef WY_EXPR_H
#define WY_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/base/arena.h"
#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/base/value.h"
#include "udf/registry.h"

/* X(kind) — node kinds. */
#define WY_EXPR_KINDS(X)                                                      \
  X(WY_E_LITERAL)                                                             \
  X(WY_E_COLUMN)                                                              \
  X(WY_E_CALL)                                                                \
  X(WY_E_BINARY) /* arithmetic, comparison, AND/OR, IS [NOT] DISTINCT FROM */ \
  X(WY_E_UNARY)  /* -x, NOT x, x IS [NOT] NULL */                             \
  X(WY_E_LIKE)                                                                \
  X(WY_E_BETWEEN)                                                             \
  X(WY_E_IN)                                                                  \
  X(WY_E_CASE)                                                                \
  X(WY_E_CAST)                                                                \
  X(WY_E_FIELD)     /* struct->field */                                       \
  X(WY_E_SUBSCRIPT) /* array[i], map[k] */                                    \
  X(WY_E_ARRAY)                                                               \
  X(WY_E_MAP)                                                                 \
  X(WY_E_STRUCT)                                                              \
  X(WY_E_LAMBDA)                                                              \
  X(WY_E_LAMBDA_VAR)

typedef enum {
#define WY_X_EK(k) k,
  WY_EXPR_KINDS(WY_X_EK)
#undef WY_X_EK
      WY_E__COUNT
} wy_expr_kind_t;

/* X(op, SQL text, ksqlDB name) — operators. */
#define WY_EXPR_OPS(X)                                                  \
  X(WY_OP_ADD, "+", "ADD")                                              \
  X(WY_OP_SUB, "-", "SUBTRACT")                                         \
  X(WY_OP_MUL, "*", "MULTIPLY")                                         \
  X(WY_OP_DIV, "/", "DIVIDE")                                           \
  X(WY_OP_MOD, "%", "MODULUS")                                          \
  X(WY_OP_EQ, "=", "EQUAL")                                             \
  X(WY_OP_NE, "<>", "NOT_EQUAL")                                        \
  X(WY_OP_LT, "<", "LESS_THAN")                                         \
  X(WY_OP_LE, "<=", "LESS_THAN_OR_EQUAL")                               \
  X(WY_OP_GT, ">", "GREATER_THAN")                                      \
  X(WY_OP_GE, ">=", "GREATER_THAN_OR_EQUAL")                            \
  X(WY_OP_DISTINCT, "IS DISTINCT FROM", "IS_DISTINCT_FROM")             \
  X(WY_OP_NOT_DISTINCT, "IS NOT DISTINCT FROM", "IS_NOT_DISTINCT_FROM") \
  X(WY_OP_AND, "AND", "AND")                                            \
  X(WY_OP_OR, "OR", "OR")                                               \
  X(WY_OP_NEG, "-", "NEGATE")                                           \
  X(WY_OP_NOT, "NOT", "NOT")                                            \
  X(WY_OP_IS_NULL, "IS NULL", "IS_NULL")                                \
  X(WY_OP_IS_NOT_NULL, "IS NOT NULL", "IS_NOT_NULL")

typedef enum {
#define WY_X_OP(op, sql, name) op,
  WY_EXPR_OPS(WY_X_OP)
#undef WY_X_OP
      WY_OP__COUNT
} wy_expr_op_t;

const char *wy_expr_op_sql(wy_expr_op_t op);  /* "+" */
const char *wy_expr_op_name(wy_expr_op_t op); /* "ADD" */

typedef struct wy_expr wy_expr_t;

/* Read-only view of a node, for the analyzer and planner. */
wy_expr_kind_t wy_expr_kind(const wy_expr_t *e);
/* Result type after wy_expr_bind (borrowed); NULL for an untyped NULL literal or an
 * unbound node. */
const wy_type_t *wy_expr_type(const wy_expr_t *e);
size_t wy_expr_child_count(const wy_expr_t *e);
wy_expr_t *wy_expr_child(const wy_expr_t *e, size_t i);
/* Column name / function name / field name / lambda variable name, or NULL. */
const char *wy_expr_name(const wy_expr_t *e);
/* Does the tree contain an aggregate call? (after bind) */
bool wy_expr_has_aggregate(const wy_expr_t *e);
/* Literal value of a WY_E_LITERAL node, else NULL. */
const wy_value_t *wy_expr_literal_value(const wy_expr_t *e);

/* ---- builders (all take line, column: 1-based, 0 when unknown) ------------------- */

/* v is deep-copied. type is owned; NULL with v->null makes an untyped NULL literal. */
wy_expr_t *wy_expr_literal(const wy_value_t *v, const wy_type_t *type, int line, int col);
/* A column of the input row: its slot in the row array, its type (owned) and its name
 * (for messages). */
wy_expr_t *wy_expr_column(const char *name, int slot, const wy_type_t *type, int line, int col);
/* Function call by name; args[0..n) are owned (the array itself is copied). For
 * COUNT(*) pass n = 0. */
wy_expr_t *wy_expr_call(const char *name, wy_expr_t **args, size_t n, int line, int col);
/* Arithmetic, comparison, AND, OR, IS [NOT] DISTINCT FROM. */
wy_expr_t *wy_expr_binary(wy_expr_op_t op, wy_expr_t *l, wy_expr_t *r, int line, int col);
/* NEG, NOT, IS_NULL, IS_NOT_NULL. */
wy_expr_t *wy_expr_unary(wy_expr_op_t op, wy_expr_t *x, int line, int col);
/* x [NOT] LIKE pattern [ESCAPE escape]; escape may be NULL. */
wy_expr_t *wy_expr_like(wy_expr_t *x, wy_expr_t *pattern, wy_expr_t *escape, bool negated, int line,
                        int col);
wy_expr_t *wy_expr_between(wy_expr_t *x, wy_expr_t *lo, wy_expr_t *hi, bool negated, int line,
                           int col);
wy_expr_t *wy_expr_in(wy_expr_t *x, wy_expr_t **list, size_t n, bool negated, int line, int col);
/* CASE [operand] WHEN whens[i] THEN thens[i] ... [ELSE else_] END; operand and else_
 * may be NULL. */
wy_expr_t *wy_expr_case(wy_expr_t *operand, wy_expr_t **whens, wy_expr_t **thens, size_t n,
                        wy_expr_t *else_, int line, int col);
wy_expr_t *wy_expr_cast(wy_expr_t *x, const wy_type_t *to, int line, int col);
wy_expr_t *wy_expr_field(wy_expr_t *x, const char *field, int line, int col);
wy_expr_t *wy_expr_subscript(wy_expr_t *x, wy_expr_t *index, int line, int col);
wy_expr_t *wy_expr_array(wy_expr_t **items, size_t n, int line, int col);
wy_expr_t *wy_expr_map(wy_expr_t **keys, wy_expr_t **vals, size_t n, int line, int col);
wy_expr_t *wy_expr_struct(const char *const *names, wy_expr_t **vals, size_t n, int line, int col);
/* (names...) => body */
wy_expr_t *wy_expr_lambda(const char *const *names, size_t n, wy_expr_t *body, int line, int col);
wy_expr_t *wy_expr_lambda_var(const char *name, int line, int col);

void wy_expr_destroy(wy_expr_t *e);

/* ksqlDB's rendering of an expression, as used in its messages and generated column
 * names: "(A + 1)", "SUBSTRING(S, 1, 2)", "MAP('a':=X)". Returns the length needed. */
size_t wy_expr_format(const wy_expr_t *e, char *buf, size_t cap);

/* ---- binding --------------------------------------------------------------------- */

/* Type-check the tree in place. Errors are WY_ERR_TYPE/WY_ERR_ANALYSIS with ksqlDB's
 * messages and the offending node's position. allow_aggregates admits UDAF calls
 * (SELECT/HAVING of an aggregation); their arguments are bound too. */
wy_status_t wy_expr_bind(wy_expr_t *e, const wy_registry_t *reg, bool allow_aggregates,
                         wy_error_t *err);
/* Bind a call of a table function (registry.h, WY_FN_TABLE): its arguments as usual,
 * the function among table functions. The call's type is then ARRAY<T> for a function
 * returning T: evaluated, it yields the function's values for the row (NULL: none). */
wy_status_t wy_expr_bind_table_call(wy_expr_t *e, const wy_registry_t *reg, wy_error_t *err);
/* After binding: fail unless the expression is BOOLEAN, with ksqlDB's message
 * "Should evaluate to boolean but is <expr> (<TYPE>) instead." */
wy_status_t wy_expr_check_boolean(const wy_expr_t *e, wy_error_t *err);

/* ---- compilation and evaluation ------------------------------------------------------- */

typedef struct wy_expr_program wy_expr_program_t;

/* Compile a bound expression. Aggregate calls are not evaluable here (the aggregate
 * operator evaluates their arguments and replaces the call by its result column). */
wy_status_t wy_expr_compile(const wy_expr_t *e, wy_expr_program_t **out, wy_error_t *err);
void wy_expr_program_destroy(wy_expr_program_t *p);
const wy_type_t *wy_expr_program_type(const wy_expr_program_t *p);

/* Evaluate on one row (values indexed by column slot). Results point into `arena`,
 * into the row or at the program's literals (valid while the program lives). No name
 * lookups, no heap allocation.
 * Failures follow ksqlDB: an operator failure (integer division by zero, a failed
 * CAST, DECIMAL overflow) fails the expression with WY_ERR_EVAL (the caller logs the
 * record and uses NULL); a failing function call yields NULL for that call only and
 * evaluation goes on: the status is WY_OK but err->code is WY_ERR_EVAL with the first
 * function's message, for the processing log. err is cleared on entry. */
wy_status_t wy_expr_eval(const wy_expr_program_t *p, const wy_value_t *row, wy_arena_t *arena,
                         wy_value_t *out, wy_error_t *err);

#endif
