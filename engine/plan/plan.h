/*
 * plan.h — the physical plan of a persistent query (CSAS, CTAS, INSERT INTO).
 *
 * The analyzer turns a statement into a wy_plan_t; the runtime instantiates it once
 * per task (sub-topology x partition). A plan is split into sub-topologies at
 * repartition boundaries; each sub-topology has one or two inputs (two for joins),
 * each input a chain of steps ending in a sink, a repartition or a join. Everything in
 * a plan is fixed when the query starts and read-only afterwards (compiled expression
 * programs included), so the tasks of every thread share it; per-task state (codecs,
 * stores, arenas) lives in the runtime.
 */
#ifndef WY_PLAN_H
#define WY_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/catalog/catalog.h"
#include "engine/expr/expr.h"
#include "udf/registry.h"

/* X(kind, step name used in processing-log logger names and EXPLAIN) */
#define WY_STEP_KINDS(X)                                                           \
  X(WY_STEP_FILTER, "Filter")                                                      \
  X(WY_STEP_PROJECT, "Project")                                                    \
  X(WY_STEP_SELECT_KEY, "SelectKey")                                             \
  X(WY_STEP_REPARTITION, "Repartition")                                            \
  X(WY_STEP_TABLE_STORE, "Materialize")                                            \
  X(WY_STEP_JOIN, "Join")                                                          \
  X(WY_STEP_AGGREGATE, "Aggregate")                                                \
  X(WY_STEP_SINK, "Sink")

typedef enum {
#define WY_X_STEP(kind, name) kind,
  WY_STEP_KINDS(WY_X_STEP)
#undef WY_X_STEP
      WY_STEP__COUNT
} wy_step_kind_t;

const char *wy_step_name(wy_step_kind_t k);

/* Aggregate calls of one query at most (the aggregate row reserves their slots). */
#define WY_PLAN_MAX_AGGS 64

/* One output column computed by an expression. */
typedef struct wy_plan_expr {
  char *name;
  wy_expr_program_t *prog;
  const wy_type_t *type; /* reference */
} wy_plan_expr_t;

/* One aggregate call: the function, its resolved overload and argument programs. */
typedef struct wy_plan_agg {
  char *text;                 /* "SUM(X)", for messages */
  const wy_udaf_ops_t *ops;
  wy_resolved_t resolved;     /* function, overload, types */
  size_t nargs;
  wy_expr_program_t **args;   /* evaluated over the aggregate's input row */
  const wy_type_t *acc_type;  /* reference */
} wy_plan_agg_t;

typedef struct wy_plan_step wy_plan_step_t;
struct wy_plan_step {
  wy_step_kind_t kind;
  /* FILTER: predicate over the row. HAVING uses a FILTER after AGGREGATE. */
  wy_expr_program_t *predicate;
  /* PROJECT: the new row = exprs (key columns first). SELECT_KEY: new key exprs, the
   * rest of the row is kept (new row = keys ++ value columns of the old row). */
  size_t nexprs;
  wy_plan_expr_t *exprs;
  size_t nkeep;               /* SELECT_KEY: old-row slots kept as value columns */
  int *keep;
  /* Row shape after this step: how many leading columns form the key. */
  size_t out_nkey;
  wy_schema_t out_schema;     /* columns after the step (pseudo columns not included) */
  /* REPARTITION / SINK: destination. */
  char *topic;
  wy_format_spec_t key_format, value_format;
  /* JOIN (stream-table or table-table lookup side): which input's store to probe, the
   * join-key expression over this side's row, and the join type. */
  int other_input;
  wy_expr_program_t *join_key;
  bool left_outer;            /* LEFT/FULL JOIN: the left side is kept without a match */
  bool right_outer;           /* RIGHT/FULL JOIN: the right side is kept without a match */
  bool windowed;              /* stream-stream: buffers of both sides, matched in a window */
  int64_t window_before;      /* this side at t matches the other side in [t - before, t + after] */
  int64_t window_after;
  int key_slot;               /* JOIN: the slot of this side's row (after nkeep) holding the key */
  bool this_is_left;          /* the combined row is left ++ right */
  bool emit_on_update;        /* table-table: both sides emit */
  /* AGGREGATE: group key = leading key columns of the input row. */
  size_t naggs;
  wy_plan_agg_t *aggs;
  size_t agg_nvalue;          /* non-aggregate value columns carried (e.g. AS_VALUE) */
  bool table_source;          /* aggregation over a table: undo old values */
  int64_t window_size;        /* AGGREGATE over time windows (ms); 0: not windowed */
  int64_t window_advance;     /* HOPPING: the advance; TUMBLING: 0 (= size) */
  int64_t window_grace;       /* late records are accepted until end + grace */
  wy_plan_step_t *next;
};

/* One input of a sub-topology: a topic decoded with a source's schema, then steps. */
typedef struct wy_plan_input {
  char *topic;
  char *source_name;          /* catalog name, or NULL for an internal topic */
  bool is_table;              /* materialize into this input's store before the steps */
  wy_schema_t schema;         /* key columns first, then value and header columns */
  size_t nkey;
  wy_format_spec_t key_format, value_format;
  int timestamp_slot;         /* -1: record timestamp */
  char *timestamp_format;
  wy_expr_program_t *timestamp_prog; /* TIMESTAMP_FORMAT: PARSE_TIMESTAMP(column, format) */
  bool windowed;
  wy_plan_step_t *steps;
  char *store_name;           /* tables: the store's name */
  uint8_t *used;              /* per schema column: read by the query (NULL: all) */
} wy_plan_input_t;

typedef struct wy_subtopology {
  size_t ninputs;
  wy_plan_input_t inputs[2];
} wy_subtopology_t;

typedef enum { WY_QUERY_CSAS, WY_QUERY_CTAS, WY_QUERY_INSERT } wy_query_kind_t;

/* Column-level lineage, derived from the statement by the analyzer: where each output
 * column's value comes from (input = index into the plan's source_names), and the
 * query-wide INDIRECT dependencies (filters, join keys, grouping). The transform values
 * are engine/lineage's wy_lineage_transform_t. */
typedef struct wy_plan_lineage_ref {
  int input;
  char *field;
  int transform;
  bool masking;
} wy_plan_lineage_ref_t;

typedef struct wy_plan_lineage_col {
  char *name;
  size_t nrefs;
  wy_plan_lineage_ref_t *refs;
} wy_plan_lineage_col_t;

typedef struct wy_plan {
  char *id;                   /* CSAS_OUTPUT_0 */
  wy_query_kind_t kind;
  char *sql;
  char *sink_name;
  char *sink_topic;
  bool sink_is_table;
  size_t nsubs;
  wy_subtopology_t subs[4];
  size_t ninternal;
  char *internal_topics[4];   /* repartition topics, in creation order */
  char *source_topics[2];     /* the query's external source topics */
  size_t nsource_topics;
  int partitions;             /* of the sink */
  char *source_names[2];      /* the query's FROM and JOIN sources */
  size_t nlineage;
  wy_plan_lineage_col_t *lineage;     /* per output column */
  size_t nlineage_indirect;
  wy_plan_lineage_ref_t *lineage_indirect;
} wy_plan_t;

void wy_plan_destroy(wy_plan_t *p);
void wy_plan_step_destroy(wy_plan_step_t *s);
void wy_plan_input_clear(wy_plan_input_t *in);

#endif
