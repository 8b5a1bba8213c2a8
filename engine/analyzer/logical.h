/*
 * logical.h — the logical plan of a persistent query: what the analyzer yields.
 *
 * A logical plan is a tree of relational nodes from the sources (leaves) to the sink
 * (root). The analyzer has resolved every name, type and function, checked ksqlDB's
 * rules and compiled every expression against the row layout of the node's input, so
 * the tree says completely *what* the query computes. It says nothing of *how*: no
 * internal topic, store, changelog, internal format or sub-topology appears here; the
 * planner (engine/plan/planner.c) decides those when it lowers the tree to a physical
 * plan, and takes the compiled programs over as it goes.
 *
 * Rows: every node's output row is its schema's columns, key columns first, followed by
 * five pseudo columns (ROWTIME, ROWPARTITION, ROWOFFSET, WINDOWSTART, WINDOWEND: the
 * window bounds are NULL unless the row's key is windowed); expressions index that
 * layout directly. A JOIN's row is the left row (with its pseudo columns, after dropping the
 * left side's leading re-key columns) followed by the right row likewise, then the join
 * key (ROWKEY). An AGGREGATE's row is the group keys, WINDOWSTART, WINDOWEND, then one
 * column per aggregate call.
 *
 * Ownership: a node owns its inputs, schema, programs and strings; wy_logical_destroy
 * frees a whole tree. Built and read by the one thread that drives an engine.
 */
#ifndef WY_LOGICAL_H
#define WY_LOGICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/catalog/catalog.h"
#include "engine/expr/expr.h"
#include "udf/registry.h"

/* The pseudo columns after the real columns of every row. The window bounds resolve
 * only in the scope of a windowed source. */
#define WY_ROW_NPSEUDO 5
#define WY_PSEUDO_WINDOWSTART 3 /* index among the pseudo columns */
#define WY_PSEUDO_WINDOWEND 4

/* The name ("ROWTIME", ...) and type of pseudo column i. */
const char *wy_row_pseudo_name(int i);
const wy_type_t *wy_row_pseudo_type(int i);

/* One column computed by an expression. */
typedef struct wy_named_expr {
  char *name;
  wy_expr_program_t *prog;
  const wy_type_t *type; /* reference */
  /* PARTITION BY: the expression reads a value or pseudo column. ksqlDB evaluates it on
   * the record's value, so for a null value (a tombstone) it is null. */
  bool reads_value;
} wy_named_expr_t;

/* One aggregate call: the function, its resolved overload and argument programs. */
typedef struct wy_agg_call {
  char *text; /* "SUM(X)", for messages and EXPLAIN */
  const wy_udaf_ops_t *ops;
  wy_resolved_t resolved; /* function, overload, types */
  size_t nargs;
  wy_expr_program_t **args;    /* evaluated over the aggregate's input row */
  const wy_type_t *acc_type;   /* reference */
  void *site;                  /* what the overload's prepare() built (its literal init
                                  arguments), handed to its calls as ctx->site */
  wy_udaf_settings_t settings; /* a built-in's limit: ctx->site when there is no site */
} wy_agg_call_t;

void wy_named_exprs_free(wy_named_expr_t *e, size_t n);
void wy_agg_calls_free(wy_agg_call_t *a, size_t n);

typedef enum {
  WY_LOGICAL_SOURCE,     /* a stream or table of the catalog */
  WY_LOGICAL_FILTER,     /* WHERE, HAVING */
  WY_LOGICAL_PROJECT,    /* SELECT: the result's columns, keys first */
  WY_LOGICAL_FLAT_MAP,   /* SELECT's table functions: rows of their values, zipped */
  WY_LOGICAL_SELECT_KEY, /* new key columns (PARTITION BY, GROUP BY, a join's key) */
  WY_LOGICAL_AGGREGATE,  /* GROUP BY's aggregates, optionally over time windows */
  WY_LOGICAL_SUPPRESS,   /* EMIT FINAL: a window's row once the window closes */
  WY_LOGICAL_JOIN,       /* two inputs joined on their key */
  WY_LOGICAL_SINK        /* the stream or table the query writes */
} wy_logical_kind_t;

typedef enum {
  WY_JOIN_STREAM_TABLE, /* the stream's records look the table up */
  WY_JOIN_TABLE_TABLE,  /* an update of either table looks the other up */
  WY_JOIN_STREAM_STREAM /* records of either stream meet the other's within a window */
} wy_join_type_t;

typedef struct wy_logical wy_logical_t;
struct wy_logical {
  wy_logical_kind_t kind;
  wy_logical_t *input;        /* every kind but SOURCE and JOIN */
  wy_logical_t *left, *right; /* JOIN */
  wy_schema_t schema;         /* output columns, key columns first */
  size_t nkey;
  bool table; /* the output is a table's changelog (updates, deletes), not a stream */

  struct { /* SOURCE */
    char *name, *topic;
    wy_format_spec_t key_format, value_format;
    int timestamp_slot;                /* -1: the record timestamp */
    wy_expr_program_t *timestamp_prog; /* a STRING time column with TIMESTAMP_FORMAT */
    bool timestamp_throw;              /* ksql.timestamp.throw.on.invalid: fail, not skip */
    wy_window_kind_t window;           /* the key's window (NONE: not windowed) */
    int64_t window_size;               /* ms, of a TUMBLING or HOPPING window */
    uint8_t *used;  /* per column: read by the query (NULL: all); lets decoders skip */
    int partitions; /* of its topic */
  } source;

  wy_expr_program_t *predicate; /* FILTER */

  /* PROJECT: the row is exprs. SELECT_KEY: the row is exprs (the new keys) then the
   * input's columns keep[] as values. FLAT_MAP: exprs are the table function calls,
   * each an ARRAY of its values; the row is the input's columns, then one value of each
   * call (KSQL_SYNTH_<i>), as many rows as the longest call yields, the shorter ones
   * padded with NULLs. */
  size_t nexprs;
  wy_named_expr_t *exprs;
  size_t nkeep;
  int *keep;
  /* SELECT_KEY: the operation whose key this is ("Aggregate-GroupBy", "Join-left"), when
   * a stateful node downstream needs the rows partitioned by the new key; NULL when the
   * key changes in place (PARTITION BY writes the sink with the new key). */
  char *repartition;
  bool table_source; /* SELECT_KEY of an aggregation over a table: it retracts */

  struct { /* AGGREGATE, SUPPRESS (the window only) */
    size_t ncalls;
    wy_agg_call_t *calls;
    wy_window_kind_t window;  /* NONE: not windowed */
    int64_t window_size;      /* ms; a SESSION's inactivity gap; 0: not windowed */
    int64_t window_advance;   /* HOPPING; TUMBLING: 0 (= size) */
    int64_t window_grace;     /* late records are accepted until end + grace */
    int64_t window_retention; /* how long the store keeps a window (>= size + grace) */
  } agg;

  struct { /* JOIN */
    wy_join_type_t type;
    int index; /* 1 for the first join of the query, 2 for the one over its result, ... */
    bool left_outer, right_outer;
    int left_key_slot, right_key_slot;   /* where each side's row holds the join key */
    size_t left_drop, right_drop;        /* leading re-key columns the joined row drops */
    int64_t within_before, within_after; /* STREAM_STREAM: left at t meets right in
                                            [t - before, t + after] */
    int64_t grace;               /* STREAM_STREAM: GRACE PERIOD (ms), or -1 when none was given */
    bool synthetic_key;          /* the result's key is ROWKEY */
    wy_format_spec_t key_format; /* of the re-keyed sides' topics and the buffers */
    char *key_schema_name;       /* its key record's name under a Schema Registry format */
    int ks_index;                /* STREAM_STREAM: Kafka Streams' index naming its buffers, as in
                                    KSTREAM-JOINTHIS-<n>-store; 0: walleye's own names (N-way) */
    /* TABLE_TABLE on a foreign key (fk_join.c): the left row's foreign key, which
     * subscribes the left row to the right table's row of that key; each side's
     * partition count (the subscription and response topics follow them); whether
     * the right table is first re-keyed through a repartition topic (its key was
     * written with a Schema Registry schema that need not be ours: the subscriptions,
     * keyed by our serialization of the foreign key, would not meet its rows) */
    wy_expr_program_t *fk_prog;
    int left_partitions, right_partitions;
    bool fk_rekey_right;
  } join;

  struct { /* SINK */
    char *name, *topic;
    wy_format_spec_t key_format, value_format;
    int timestamp_slot;                /* TIMESTAMP column of the sink, or -1 */
    wy_expr_program_t *timestamp_prog; /* a STRING one with TIMESTAMP_FORMAT, parsed */
    char *key_schema_name;             /* a Schema Registry key record's default name, or NULL */
    wy_window_kind_t window;           /* the sink's keys are windowed (the rows carry it) */
  } sink;
};

wy_logical_t *wy_logical_new(wy_logical_kind_t kind, wy_logical_t *input);
void wy_logical_destroy(wy_logical_t *n);

typedef enum { WY_QUERY_CSAS, WY_QUERY_CTAS, WY_QUERY_INSERT } wy_query_kind_t;

/* Column-level lineage, derived from the statement: where each output column's value
 * comes from (input = index into the query's sources), and the query-wide INDIRECT
 * dependencies (filters, join keys, grouping). The transform values are
 * engine/lineage's wy_lineage_transform_t. */
typedef struct wy_column_lineage_ref {
  int input;
  char *field;
  int transform;
  bool masking;
} wy_column_lineage_ref_t;

typedef struct wy_column_lineage {
  char *name;
  size_t nrefs;
  wy_column_lineage_ref_t *refs;
} wy_column_lineage_t;

/* A persistent query, logically: its identity, its tree and what lineage needs. */
typedef struct wy_logical_query {
  char *id; /* CSAS_OUTPUT_0 */
  wy_query_kind_t kind;
  char *sql;
  wy_logical_t *root; /* the SINK */
  int partitions;     /* of the sink */
  size_t nsources;    /* FROM, then each JOIN, in order */
  char **source_names;
  char **source_topics;
  size_t nlineage;
  wy_column_lineage_t *lineage; /* per output column */
  size_t nlineage_indirect;
  wy_column_lineage_ref_t *lineage_indirect;
} wy_logical_query_t;

void wy_logical_query_destroy(wy_logical_query_t *q);
void wy_column_lineage_refs_free(wy_column_lineage_ref_t *r, size_t n);

#endif
