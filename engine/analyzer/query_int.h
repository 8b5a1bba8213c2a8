/*
 * query_int.h — the analysis of one CSAS, CTAS or INSERT INTO ... SELECT, shared by the
 * analyzer's query files (private to engine/analyzer/):
 *   query.c      the entry, sources, WHERE, the sink, and the plain shape
 *   projection.c SELECT: items, names, key columns, the PROJECT node
 *   aggregate.c  GROUP BY, aggregate calls, HAVING, windows
 *   join.c       joins and the re-keying of their sides
 *   lineage.c    column lineage
 *   table_functions.c  table functions in SELECT: ksqlDB's rules, the FLAT_MAP node
 * Rows are arrays of values: the real columns of the stage (key columns first) and then
 * the WY_ROW_NPSEUDO pseudo columns; a joined row is the left row (with its pseudo
 * columns) followed by the right row (with its own). The scopes built here mirror those
 * layouts, so compiled expressions index rows directly (logical.h).
 */
#ifndef WY_ANALYZER_QUERY_INT_H
#define WY_ANALYZER_QUERY_INT_H

#include "engine/analyzer/analyzer.h"
#include "engine/analyzer/analyzer_int.h"
#include "engine/analyzer/logical.h"
#include "engine/analyzer/scope.h"

/* ---- small helpers ---- */

typedef struct wy_strlist {
  char **items;
  size_t n;
} wy_strlist_t;

void wy_strlist_free(wy_strlist_t *l);
bool wy_strlist_has(const wy_strlist_t *l, const char *s);
bool wy_strlist_add(wy_strlist_t *l, const char *s);
/* "A, B<last_sep>C" into buf. */
void wy_strlist_join(const wy_strlist_t *l, char *buf, size_t cap, const char *last_sep);
/* The SQL text of an expression (malloc'd; "?" when out of memory). */
char *wy_analyze_expr_text(const wy_ast_expr_t *e);

/* ---- the analysis ---- */

typedef struct wy_source_ref {
  const wy_source_def_t *def;
  const char *alias; /* alias or name */
  int base;          /* first slot of this source in the input row */
  bool table;
} wy_source_ref_t;

typedef struct wy_agg_info {
  const wy_ast_expr_t *call; /* the AST call (for equality) */
  wy_expr_t *bound;          /* the bound call, arguments included */
} wy_agg_info_t;

typedef struct wy_qa {
  const wy_analyzer_ctx_t *cx;
  const wy_ast_stmt_t *stmt;
  const wy_ast_query_t *q;
  wy_logical_query_t *lq; /* the result, filled as the analysis goes */
  wy_source_ref_t *src;   /* FROM, then each JOIN's source */
  size_t nsrc;
  wy_scope_t in_scope; /* the input (possibly joined) row */
  int in_width;        /* slots of the input row */
  int rowkey_slot;     /* a join's row: the slot of its join key (a synthetic ROWKEY) */
  bool joined;
  /* aggregation */
  bool aggregate;
  size_t ngroup;
  const wy_ast_expr_t **group;
  wy_agg_info_t *aggs;
  size_t naggs, aggs_cap;
  wy_strlist_t non_agg_cols; /* offending select expressions */
  wy_strlist_t item_names;   /* the SELECT items' names in select order (statement_text.c) */
  bool cur_item_bad;         /* the item being converted references a non-grouped column */
  bool in_having;            /* HAVING is being converted: such columns are named as they are */
  /* input-row slots referenced by WHERE and SELECT (plain queries: the decoder skips
   * the others) */
  uint8_t *used;
  size_t nused;
  /* the result's key window (a windowed aggregation's, or the windowed source's whose
   * key the result keeps): the sink's */
  wy_window_kind_t result_window;
  int64_t result_window_size;
  bool fk_join; /* the first join is on a foreign key (fk_join.c) */
  /* table functions of SELECT (table_functions.c): the calls in order; the FLAT_MAP
   * node whose row holds call i's value at slot tf_base + i */
  const wy_ast_expr_t **tfs;
  size_t ntfs;
  int tf_base;
  const wy_logical_t *tf_node;
} wy_qa_t;

const char *wy_analyze_prop(const wy_qa_t *a, const char *name);
/* Compile a bound expression (NULL with err filled on failure). */
wy_expr_program_t *wy_analyze_compile(wy_expr_t *x, wy_error_t *err);

/* ---- projection (projection.c) ---- */

typedef struct wy_proj_item {
  char *name;
  wy_expr_t *expr;           /* bound */
  const wy_ast_expr_t *ast;  /* NULL for * expansions */
  const wy_scope_col_t *col; /* a plain column reference: which one */
  bool is_key;
  int pos_line, pos_col;
} wy_proj_item_t;

typedef struct wy_proj {
  wy_proj_item_t *items;
  size_t n, cap;
} wy_proj_t;

void wy_proj_free(wy_proj_t *p);
/* The CSAS/CTAS being analyzed as ksqlDB's SqlFormatter prints it (malloc'd), or NULL
 * where walleye does not print it (joins, windows, SELECT *). */
char *wy_analyze_statement_text(wy_qa_t *a);
/* The SELECT items over a scope; aggregates go through the rewrite hook. */
wy_status_t wy_analyze_projection(wy_qa_t *a, wy_proj_t *p, const wy_scope_t *scope,
                                  wy_expr_rewrite_fn rewrite, wy_error_t *err);

/* What the result's key columns are: expressions (GROUP BY, PARTITION BY, a join's),
 * or input slots (a source's key columns). */
typedef struct wy_key_spec {
  size_t n;
  const wy_ast_expr_t **ast; /* expressions, or NULL entries */
  int *slot;                 /* or an input slot */
  const wy_ast_expr_t **alt; /* join: the other side's expression, or NULL */
  const char *kind_word;     /* "key column", "grouping expression", ... */
  /* a join's key: the columns (input slots) equal to it, any of which may be selected
   * as the key; *alt_names their names as ksqlDB prints them (SOURCE.COLUMN) */
  const int *alt_slots;
  const char *const *alt_names;
  size_t nalt;
  bool by_slot;   /* also match plain columns at slot[k] (re-keyed scope) */
  bool qualify;   /* messages name columns as SOURCE.COLUMN (PARTITION BY) */
  bool synthetic; /* the join's synthetic ROWKEY column */
} wy_key_spec_t;

wy_status_t wy_key_spec_init(wy_key_spec_t *ks, size_t n, const char *kind_word, wy_error_t *err);
void wy_key_spec_free(wy_key_spec_t *ks);
/* Mark the projection's key items (key_item[k] gets the item of key k), failing with
 * ksqlDB's messages when a key is missing or repeated. */
wy_status_t wy_analyze_assign_keys(wy_qa_t *a, wy_proj_t *p, const wy_key_spec_t *ks, int *key_item,
                                   wy_error_t *err);
/* The PROJECT node over input: keys first, then the other items. */
wy_status_t wy_analyze_project(wy_qa_t *a, wy_proj_t *p, const int *key_item, size_t nkey,
                               wy_logical_t *input, wy_logical_t **out, wy_error_t *err);
/* ksqlDB's rendering of an expression with source-qualified columns: ABS(INPUT.ID). */
char *wy_analyze_qualified_text(wy_qa_t *a, const wy_ast_expr_t *e);

/* ---- nodes (query.c) ---- */

/* A SOURCE node for a catalog source (its columns, formats and event time). */
wy_status_t wy_analyze_source(wy_qa_t *a, const wy_source_def_t *d, wy_logical_t **out,
                              wy_error_t *err);
/* Wrap *node in a FILTER with a compiled predicate (taken, also on failure). */
wy_status_t wy_analyze_filter(wy_logical_t **node, wy_expr_program_t *pred, wy_error_t *err);
/* WHERE over a scope: wraps *node in a FILTER (nothing without WHERE). Takes *node. */
wy_status_t wy_analyze_where(wy_qa_t *a, const wy_scope_t *scope, wy_logical_t **node,
                             wy_error_t *err);
/* The SINK over input (taken): the new source for CSAS/CTAS (*sink_out), or the target
 * of INSERT INTO, with ksqlDB's checks. */
wy_status_t wy_analyze_sink(wy_qa_t *a, wy_logical_t *input, bool result_is_table, bool key_none,
                            wy_source_def_t **sink_out, wy_logical_t **out, wy_error_t *err);
/* Is the AST a plain reference to a key column of source r? *key_index gets its index. */
bool wy_analyze_is_key_ref(wy_qa_t *a, const wy_ast_expr_t *e, const wy_source_ref_t *r,
                           int *key_index);
/* A column of a node's schema (takes the type reference). */
wy_status_t wy_analyze_add_column(wy_logical_t *n, const char *name, const wy_type_t *type,
                                  wy_col_ns_t ns, wy_error_t *err);
/* A new key column of SELECT_KEY node sk (PARTITION BY, GROUP BY, a join's key): the
 * bound expression x compiled (x is consumed) into sk's next expression, named `name`,
 * and the column added to sk's schema. sk->exprs has room for it. */
wy_status_t wy_analyze_add_key_expr(wy_logical_t *sk, const char *name, wy_expr_t *x,
                                    wy_error_t *err);

/* ---- shapes ---- */

wy_status_t wy_analyze_plain(wy_qa_t *a, wy_source_def_t **sink, wy_error_t *err); /* query.c */
wy_status_t wy_analyze_aggregate(wy_qa_t *a, wy_source_def_t **sink,
                                 wy_error_t *err);                                /* aggregate.c */
wy_status_t wy_analyze_join(wy_qa_t *a, wy_source_def_t **sink, wy_error_t *err); /* join.c */
/* The joins of the query as the input of an aggregation: the tree (*node), whether its
 * rows are a table's; a synthetic key joins the input scope (join.c). */
wy_status_t wy_analyze_join_input(wy_qa_t *a, wy_logical_t **node, bool *table, wy_error_t *err);

/* The joined row's columns after jn's two sides, then the join key (join.c). */
wy_status_t wy_analyze_joined_schema(wy_logical_t *jn, const char *const alias[2],
                                     const wy_type_t *key_type, wy_error_t *err);

/* ---- foreign-key joins (fk_join.c) ---- */

/* ksqlDB's refusal of a table-table join not on the right table's primary key. */
wy_status_t wy_analyze_refuse_table_join_key(wy_qa_t *a, size_t k, wy_error_t *err);
/* Is join k a table-table join on a column other than the left table's key? */
bool wy_analyze_is_fk_join(const wy_qa_t *a, size_t k, bool left_table, int left_slot);
/* Join k (the first) on a foreign key: ksqlDB's refusals, then the JOIN node over *left
 * (taken) and the right table, keyed by the left table's primary key (*key_type gets
 * the type of its first column). */
wy_status_t wy_analyze_fk_join(wy_qa_t *a, size_t k, const wy_ast_expr_t *const side[2],
                               wy_logical_t **left, const wy_type_t **key_type, wy_error_t *err);
/* The result's key of a query whose only join is on a foreign key: the left table's
 * primary key columns (ks re-initialized). */
wy_status_t wy_analyze_fk_key_spec(wy_qa_t *a, wy_key_spec_t *ks, wy_error_t *err);
/* ksqlDB's refusal of a projection without every primary key column of the left table. */
wy_status_t wy_analyze_fk_projection(wy_qa_t *a, const wy_proj_t *p, wy_error_t *err);

/* ---- aggregates (aggregate.c) ---- */

bool wy_analyze_has_aggregate(const wy_qa_t *a, const wy_ast_expr_t *e);

/* ---- table functions (table_functions.c) ---- */

/* ksqlDB's checks of the table functions in SELECT (nested, in CASE, with aggregations,
 * over a table); collects the calls into a->tfs. */
wy_status_t wy_analyze_check_table_functions(wy_qa_t *a, wy_error_t *err);
/* With table functions, put a FLAT_MAP over *node (taken; *node is then the FLAT_MAP or
 * NULL) and point *scope at `flat`, the scope of its row (init'd by the caller). */
wy_status_t wy_analyze_flat_map(wy_qa_t *a, wy_logical_t **node, const wy_scope_t **scope,
                                wy_scope_t *flat, wy_error_t *err);
/* The projection's rewrite hook: a table function call reads its FLAT_MAP column. */
wy_expr_t *wy_analyze_tf_rewrite(void *user, const wy_ast_expr_t *e, bool *handled,
                                 wy_error_t *err);

/* ---- lineage (lineage.c) ---- */

/* The lineage of one output column (an expression, or a column for `*`). */
void wy_analyze_lineage_column(wy_qa_t *a, const char *name, const wy_ast_expr_t *e,
                               const wy_scope_col_t *col);
/* Query-wide dependencies: what decides whether and where a row goes. */
void wy_analyze_lineage_indirect(wy_qa_t *a, const wy_ast_expr_t *e, int transform);

#endif
