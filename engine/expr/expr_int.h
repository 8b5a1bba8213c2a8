/* expr_int.h — the expression node, shared by the builders, the binder and the
 * compiler of engine/expr. Not for other modules. */
#ifndef WY_EXPR_INT_H
#define WY_EXPR_INT_H

#include "engine/expr/expr.h"

#define WY_EXPR_MAX_LAMBDA_SLOTS 16

struct wy_expr {
  wy_expr_kind_t kind;
  wy_expr_op_t op;
  bool negated;
  int line, col;
  const wy_type_t *type;   /* declared (literal, column) or computed by bind; owned */
  const wy_type_t *target; /* CAST: target type; owned */
  wy_value_t value;        /* LITERAL: points into `arena` */
  wy_arena_t *arena;
  int slot; /* COLUMN: row slot; LAMBDA_VAR/LAMBDA: frame slot */
  char *name;
  size_t nkids;
  wy_expr_t **kids;
  char **names; /* STRUCT field names, LAMBDA parameter names */
  size_t nnames;
  bool has_operand, has_else; /* CASE: kids = [operand] (when, then)* [else] */
  bool bound;
  bool implicit;     /* a CAST inserted by bind: not shown by wy_expr_format */
  wy_resolved_t res; /* CALL after bind */
};

/* New node with n children (taken over). Frees the children when allocation fails. */
wy_expr_t *wy_expr__node(wy_expr_kind_t kind, wy_expr_t **kids, size_t n, int line, int col);
/* Wrap e in an implicit CAST to `to` (reference taken). */
wy_expr_t *wy_expr__implicit_cast(wy_expr_t *e, const wy_type_t *to);

#endif
