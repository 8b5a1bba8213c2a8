/*
 * plan.h — the physical plan of a persistent query (CSAS, CTAS, INSERT INTO).
 *
 * The planner (planner.h) lowers the analyzer's logical plan to this: the query is cut
 * into sub-topologies wherever rows must be re-partitioned through a Kafka topic; each
 * sub-topology has inputs (topics with the formats to decode them), a list of steps
 * (operators, each named by its kind in WY_STEP_KINDS) linked by index, and the state
 * stores its steps use, each with its changelog. Internal topics, stores and changelogs
 * carry ksqlDB's names, derived from the query's application id
 * (`_confluent-ksql-<service id>query_<query id>`), so that a service moving from ksqlDB
 * keeps its state topics and two services never share one.
 *
 * A plan is fixed when the query starts and read-only afterwards (compiled programs
 * included), so every task of every thread shares it; what is per task (codecs, stores,
 * arenas) lives in the runtime. No operator decides anything a plan can say: what
 * differs between queries or modes is a field of a step.
 */
#ifndef WY_PLAN_H
#define WY_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/analyzer/logical.h"
#include "engine/catalog/catalog.h"
#include "engine/expr/expr.h"

/* X(kind, name, ops) — the single list of step kinds. The name is the step's in
 * EXPLAIN and in the processing log's logger; ops names the operator's table of
 * functions, defined by the operator's own file in engine/operators/. Adding an
 * operator is a file there and a line here. */
#define WY_STEP_KINDS(X)                                             \
  X(WY_STEP_SOURCE, "Source", wy_op_source)                          \
  X(WY_STEP_MATERIALIZE, "Materialize", wy_op_materialize)           \
  X(WY_STEP_FILTER, "Filter", wy_op_filter)                          \
  X(WY_STEP_PROJECT, "Project", wy_op_project)                       \
  X(WY_STEP_FLAT_MAP, "FlatMap", wy_op_flat_map)                     \
  X(WY_STEP_SELECT_KEY, "SelectKey", wy_op_select_key)               \
  X(WY_STEP_REPARTITION, "Repartition", wy_op_repartition)           \
  X(WY_STEP_AGGREGATE, "Aggregate", wy_op_aggregate)                 \
  X(WY_STEP_SESSION_AGGREGATE, "Aggregate", wy_op_session_aggregate) \
  X(WY_STEP_SUPPRESS, "Suppress", wy_op_suppress)                    \
  X(WY_STEP_JOIN_STREAM_TABLE, "Join", wy_op_join_stream_table)      \
  X(WY_STEP_JOIN_TABLE_TABLE, "Join", wy_op_join_table_table)        \
  X(WY_STEP_JOIN_STREAM_STREAM, "Join", wy_op_join_stream_stream)    \
  X(WY_STEP_FK_SUBSCRIBE, "ForeignKeySubscribe", wy_op_fk_subscribe) \
  X(WY_STEP_FK_RECEIVE, "ForeignKeyReceive", wy_op_fk_receive)       \
  X(WY_STEP_FK_RIGHT_UPDATE, "ForeignKeyRight", wy_op_fk_right)      \
  X(WY_STEP_FK_RESOLVE, "ForeignKeyResolve", wy_op_fk_resolve)       \
  X(WY_STEP_SINK, "Sink", wy_op_sink)

typedef enum {
#define WY_X_STEP(kind, name, ops) kind,
  WY_STEP_KINDS(WY_X_STEP)
#undef WY_X_STEP
      WY_STEP__COUNT
} wy_step_kind_t;

const char *wy_step_name(wy_step_kind_t k);

/* The rows a step receives: their columns (key columns first; the pseudo columns follow
 * implicitly) and how many lead as keys. */
typedef struct wy_plan_shape {
  wy_schema_t schema;
  size_t nkey;
} wy_plan_shape_t;

/* Where the two sides of a join meet: the geometry every join step shares. The joined
 * row is [left columns, left pseudo, right columns, right pseudo, join key], each side
 * without its leading `drop` re-key columns. */
typedef struct wy_plan_join {
  bool this_is_left;     /* this step's input is the left side */
  wy_plan_shape_t other; /* the rows of the other side (as its table or buffer keeps them) */
  int key_slot;          /* where this side's row holds the join key */
  bool left_outer;       /* LEFT/FULL: the left side is kept without a match */
  bool right_outer;      /* RIGHT/FULL: the right side is kept without a match */
  size_t left_width, right_width;      /* real columns of each side in the joined row */
  size_t left_drop, right_drop;        /* leading columns each side's row drops */
  int this_store;                      /* STREAM_STREAM: this side's buffer; -1 for the others */
  int other_store;                     /* the other side's table (or buffer) */
  int64_t within_before, within_after; /* STREAM_STREAM: this side at t meets the other
                                          side's records in [t - before, t + after] */
  int64_t grace;   /* STREAM_STREAM: GRACE PERIOD (ms); -1: none given (Kafka Streams' old
                      semantics: a day's retention, unmatched outer records emitted at once) */
  int outer_store; /* STREAM_STREAM with a grace period, outer: the unmatched records of
                      both sides until their window closes; -1: none */
} wy_plan_join_t;

/* A foreign-key table-table join (Kafka Streams' KIP-213 join), run by four steps: on
 * the left table's side FK_SUBSCRIBE sends each row's subscription to the registration
 * topic, keyed by its foreign key; on the right table's side FK_RECEIVE keeps the
 * subscriptions in a store and answers each through the response topic, FK_RIGHT_UPDATE
 * answers every subscriber of a right row that changes; back on the left side
 * FK_RESOLVE joins an answer with the left row it was for, unless that row changed since
 * (its hash differs). The topics' rows are laid out by wy_fk_subscription_schema and
 * wy_fk_response_schema. */
typedef struct wy_plan_fk {
  wy_plan_shape_t left, right; /* the two tables' rows */
  wy_expr_program_t *prog;     /* SUBSCRIBE: the left row's foreign key */
  bool left_join;              /* LEFT: a left row without a match is kept */
  int subscriptions;           /* RECEIVE, RIGHT_UPDATE: the subscription store */
  int table;                   /* RECEIVE: the right table's store; RESOLVE: the left's */
  /* SUBSCRIBE, when the right table was re-keyed through a repartition topic: that
   * topic, whose key subject (and the step's key_schema_name) the foreign keys are
   * written under, so that a key's bytes, and so its partition, are its row's */
  char *key_subject_topic;
} wy_plan_fk_t;

/* The registration topic's rows: the foreign key (the key), the instruction, the left
 * row's hash and partition, then the left table's key columns. */
enum { WY_FK_SUB_KEY, WY_FK_SUB_INSTRUCTION, WY_FK_SUB_HASH, WY_FK_SUB_PARTITION, WY_FK_SUB_LEFT };
/* What the right side does with a subscription (Kafka Streams' instructions). */
typedef enum {
  WY_FK_DELETE_NO_PROPAGATE,        /* the left row moved to another foreign key */
  WY_FK_DELETE_AND_PROPAGATE,       /* the left row was deleted */
  WY_FK_PROPAGATE_NULL_IF_NO_MATCH, /* answer even without a right row */
  WY_FK_PROPAGATE_ONLY_IF_MATCH     /* answer only with a right row */
} wy_fk_instruction_t;
wy_status_t wy_fk_subscription_schema(const wy_plan_fk_t *fk, wy_schema_t *out, wy_error_t *err);
/* The response topic's rows: the left table's key columns (the key), the hash of the
 * left row the answer is for, whether the right row exists, then the right row (its
 * columns and pseudo columns). */
wy_status_t wy_fk_response_schema(const wy_plan_fk_t *fk, wy_schema_t *out, wy_error_t *err);

typedef struct wy_plan_step {
  wy_step_kind_t kind;
  int next;            /* the step rows go to next, in the same sub-topology; -1: none */
  int input;           /* the input whose records reach this step */
  wy_plan_shape_t in;  /* the rows it receives */
  wy_plan_shape_t out; /* the rows it emits */

  int store; /* MATERIALIZE, AGGREGATE: its store in the sub-topology; -1: none */

  /* MATERIALIZE, JOIN_TABLE_TABLE */
  bool retracts;  /* an aggregation over the table follows: an update first retracts
                   * the old row */
  int group_step; /* its SELECT_KEY, whose keys tell whether both versions of a row
                   * fall in one group (the retraction is then suppressed); -1 */

  /* FILTER */
  wy_expr_program_t *predicate;
  bool table_semantics; /* the rows are a table's: a row leaving the result is a delete */

  /* PROJECT, SELECT_KEY: new row = exprs, then (SELECT_KEY) the kept input columns;
   * FLAT_MAP: the table function calls (logical.h) */
  size_t nexprs;
  wy_named_expr_t *exprs;
  size_t nkeep;
  int *keep;

  /* REPARTITION, SINK */
  char *topic;
  wy_format_spec_t key_format, value_format;
  char *key_schema_name;             /* SINK: a Schema Registry key record's default name */
  int timestamp_slot;                /* SINK: the TIMESTAMP column giving the record time, or -1 */
  wy_expr_program_t *timestamp_prog; /* SINK: that column parsed (TIMESTAMP_FORMAT), or NULL */
  wy_window_kind_t window;           /* SINK: the keys it writes are windowed, so;
                                      * AGGREGATE, SUPPRESS: the window */

  /* AGGREGATE, SESSION_AGGREGATE, SUPPRESS: the calls, the window (window kind above;
   * a session's size is its inactivity gap), how long a window takes late records and
   * how long the store keeps it (ms) */
  size_t ncalls;
  wy_agg_call_t *calls;
  bool table_source;
  int64_t window_size, window_advance, window_grace, window_retention;

  /* JOIN_*, FK_RESOLVE */
  wy_plan_join_t join;

  /* FK_*: REPARTITION's topic and key format name the topic a step writes */
  wy_plan_fk_t fk;
} wy_plan_step_t;

/* One input of a sub-topology: a topic decoded into rows. */
typedef struct wy_plan_input {
  char *topic;
  char *source_name;     /* catalog name, or NULL for an internal topic */
  wy_plan_shape_t shape; /* key, value and header columns as the source declares them */
  wy_format_spec_t key_format, value_format;
  bool changes;       /* internal topic: each row carries its change flags (INTERNAL) */
  int timestamp_slot; /* -1: the record timestamp */
  wy_expr_program_t *timestamp_prog;
  bool timestamp_throw;    /* an unparsable TIMESTAMP column fails the query */
  wy_window_kind_t window; /* the keys' window (NONE: plain keys) */
  int64_t window_size;     /* ms: a time window's end is its start + size */
  uint8_t *used;           /* per column: read by the query (NULL: all) */
  int first;               /* its SOURCE step */
  int partitions;          /* of the topic */
} wy_plan_input_t;

/* One state store of a sub-topology (one per task at run time). */
typedef struct wy_plan_store {
  char *name;         /* unique in the query: names the store's folder */
  char *changelog;    /* the topic that logs its writes (compacted), or NULL */
  char *source_topic; /* a table's store is restored from the table's own topic */
  int owner;          /* the step that writes it (and restores it from source_topic) */
} wy_plan_store_t;

typedef struct wy_subtopology {
  size_t ninputs;
  wy_plan_input_t *inputs;
  size_t nsteps;
  wy_plan_step_t *steps;
  size_t nstores;
  wy_plan_store_t *stores;
} wy_subtopology_t;

/* An internal topic (a repartition topic, a changelog) as ksqlDB describes it: the
 * formats its keys and values would have in ksqlDB (walleye writes a repartition
 * topic's values in its own INTERNAL format, and a changelog's in its stores'). */
typedef struct wy_plan_topic_desc {
  char *topic;
  wy_format_spec_t key_format, value_format;
  char *key_schema_name; /* a Schema Registry key record's name, or NULL */
  size_t nkey;           /* key columns */
  wy_schema_t key;       /* those columns (names and types), when known: the key schema a
                          * Schema Registry key format registers for the topic */
} wy_plan_topic_desc_t;

typedef struct wy_plan {
  char *id;     /* CSAS_OUTPUT_0 */
  char *app_id; /* _confluent-ksql-<service id>query_<query id>: the consumer group and
                 * the prefix of internal topics and changelogs */
  wy_query_kind_t kind;
  char *sql;
  char *sink_name;
  char *sink_topic;
  bool sink_is_table;
  int partitions; /* of the sink */
  size_t nsubs;
  wy_subtopology_t *subs;
  size_t ninternal;
  char **internal_topics;   /* repartition topics, in creation order */
  int *internal_partitions; /* each one's partition count, as Kafka Streams gives it: the
                             * most of the inputs of the sub-topology writing it */
  size_t nchangelogs;
  char **changelog_topics; /* the stores' own changelogs */
  size_t ndescs;
  wy_plan_topic_desc_t *descs; /* the internal topics whose formats the plan knows */
  size_t nsource_topics;
  char **source_topics; /* the query's external source topics (no duplicates) */
  size_t nsources;
  char **source_names; /* FROM, then each JOIN (lineage inputs) */
  size_t nlineage;
  wy_column_lineage_t *lineage;
  size_t nlineage_indirect;
  wy_column_lineage_ref_t *lineage_indirect;
} wy_plan_t;

void wy_plan_destroy(wy_plan_t *p);
/* Does the query read this topic (a source or one of its internal topics)? */
bool wy_plan_reads(const wy_plan_t *p, const char *topic);
/* Every topic the query reads, sources then internal topics, each once: *n of them in
 * a malloc'd array of pointers into the plan (NULL when out of memory). */
const char **wy_plan_topics(const wy_plan_t *p, size_t *n);
/* The partition count of internal topic i (the sink's when its inputs' are unknown). */
int wy_plan_internal_partitions(const wy_plan_t *p, size_t i);
/* The description of one of the query's internal topics, or NULL when it has none. */
const wy_plan_topic_desc_t *wy_plan_describe_topic(const wy_plan_t *p, const char *topic);

#endif
