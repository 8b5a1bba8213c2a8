/*
 * scope.h — name resolution for expressions: the columns an expression may reference.
 *
 * A scope lists the columns of the row an expression is evaluated on, each with the
 * source (name and alias) it comes from, its slot in the row and its type. The
 * analyzer builds one scope per stage of a query (source row, joined row, aggregate
 * row) and converts AST expressions against it into the expression IR of
 * engine/expr. Pseudo columns (ROWTIME, ROWPARTITION, ROWOFFSET) are resolvable but
 * not part of `SELECT *`. A scope and its strings belong to the analysis of one
 * statement.
 */
#ifndef WY_SCOPE_H
#define WY_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"
#include "engine/catalog/catalog.h"
#include "engine/expr/expr.h"
#include "parser/ast.h"

typedef struct wy_scope_col {
  char *source; /* the source's name (e.g. TEST) */
  char *alias;  /* the alias it is known by in the query (name when none) */
  char *name;   /* column name */
  int slot;
  const wy_type_t *type; /* reference */
  bool is_key;
  bool pseudo; /* ROWTIME, ROWPARTITION, ROWOFFSET, WINDOWSTART, WINDOWEND */
  bool header; /* HEADERS / HEADER('k') column */
} wy_scope_col_t;

typedef struct wy_scope {
  size_t n, cap;
  wy_scope_col_t *cols;
  bool joined; /* names in a join: unqualified references must be unambiguous */
} wy_scope_t;

void wy_scope_init(wy_scope_t *s);
void wy_scope_clear(wy_scope_t *s);
wy_status_t wy_scope_add(wy_scope_t *s, const char *source, const char *alias, const char *name,
                         int slot, const wy_type_t *type, bool is_key, bool pseudo, bool header,
                         wy_error_t *err);

/* Resolve `[qualifier.]name`. Returns the column or NULL with err filled (unknown
 * column, ambiguous column, unknown qualifier); clause names the clause for messages
 * ("WHERE", "SELECT", ...). */
const wy_scope_col_t *wy_scope_resolve(const wy_scope_t *s, const char *qualifier, const char *name,
                                       const char *clause, wy_error_t *err);

/* A hook that may replace an AST subtree before conversion (aggregates, GROUP BY
 * expressions). Return a new IR node to use it, NULL with *handled false to convert
 * normally, or NULL with *handled true and err filled on failure. */
typedef wy_expr_t *(*wy_expr_rewrite_fn)(void *user, const wy_ast_expr_t *e, bool *handled,
                                         wy_error_t *err);

typedef struct wy_convert_ctx {
  const wy_scope_t *scope;
  const wy_catalog_t *catalog; /* type aliases in CAST */
  const char *clause;
  wy_expr_rewrite_fn rewrite;
  void *user;
  /* when set, used[slot] = 1 for every column the expression references (the decoder
   * then skips the others); sized for every slot of the scope */
  uint8_t *used;
  size_t nused;
  /* lambda parameters currently in scope */
  size_t nlambda;
  const char *lambda[16];
  /* name columns <alias>.<column>, as ksqlDB's formatted statements print them */
  bool qualified_names;
} wy_convert_ctx_t;

/* Convert an AST expression into an (unbound) IR tree. */
wy_expr_t *wy_convert_expr(wy_convert_ctx_t *cx, const wy_ast_expr_t *e, wy_error_t *err);
/* Resolve an AST type (aliases from the catalog) into a new type reference. */
const wy_type_t *wy_convert_type(const wy_catalog_t *catalog, const wy_ast_type_t *t,
                                 wy_error_t *err);
/* Convert then bind against the registry; on error prefix nothing (callers add the
 * clause context ksqlDB uses). */
wy_expr_t *wy_convert_bind(wy_convert_ctx_t *cx, const wy_ast_expr_t *e, const wy_registry_t *reg,
                           bool allow_aggregates, wy_error_t *err);

#endif
