/*
 * op.h — operators: the steps of a physical plan, running in a task.
 *
 * A task (engine/runtime/task.h) runs one sub-topology for one partition: it opens an
 * operator for every step of the sub-topology, links each to the operator of its
 * step's `next`, and hands every input record to the SOURCE operator of the record's
 * input. Rows flow from operator to operator by function call (wy_op_forward), one row
 * at a time, their values in the task's arena, which is reset for every input record.
 *
 * Each operator kind is one file of this folder defining the table of functions that
 * WY_STEP_KINDS (plan.h) names for it, and nothing else: an operator file includes
 * this header and the helpers below (decode.h, join_row.h), never another operator's.
 * An operator reads what it must do from its step; it never asks which query, backend
 * or mode it runs in. What a task offers an operator is in wy_task_ctx_t, given by the
 * runtime: nothing calls back into the engine.
 *
 * Threads: a task and its operators belong to the stream thread that owns the task.
 */
#ifndef WY_OP_H
#define WY_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "engine/base/arena.h"
#include "engine/base/status.h"
#include "engine/base/value.h"
#include "engine/formats/format.h"
#include "engine/plan/plan.h"
#include "engine/plog/processing_log.h"
#include "state/state.h"

/* ---- rows ---- */

typedef struct wy_row {
  wy_value_t *v; /* n real columns, then WY_ROW_NPSEUDO pseudo columns */
  size_t n;      /* real columns */
  size_t nkey;   /* leading key columns */
  int64_t ts;
  int32_t partition;
  int64_t offset;
  const wy_header_t *headers;
  size_t nheaders;
  bool tombstone;        /* a table's delete: only the key columns are meaningful */
  bool null_key;         /* the record had no key bytes and the key is still its own: the sink
                          * writes none (ksqlDB passes the null key through), whatever the
                          * format would make of null columns */
  bool retract;          /* undo this row in an aggregate (an aggregation over a table) */
  bool suppress;         /* a retraction the next row supersedes: no output */
  const wy_value_t *old; /* a table row's previous version, same layout; or NULL */
  bool windowed;         /* the key has a window: [wstart, wend) (a session's end is
                          * inclusive) */
  int64_t wstart, wend;
  bool more;              /* another row of the same input record follows (a hopping window's, a
                           * merged session's retraction): SUPPRESS emits after the last */
  const wy_record_t *rec; /* the input record (the SOURCE operator decodes it) */
} wy_row_t;

/* ---- what a query's tasks are given ---- */

/* A query's counters: written by the thread that runs the query's tasks, read by any
 * (wy_counter_add stores them atomically, readers load them so). */
typedef struct wy_query_counters {
  uint64_t in, in_bytes;   /* records delivered to the query */
  uint64_t out, out_bytes; /* records written to its sink topic */
  uint64_t logged;         /* processing-log entries: records skipped or with errors */
} wy_query_counters_t;

static inline void wy_counter_add(uint64_t *c, uint64_t n) {
  __atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}
static inline uint64_t wy_counter_load(const uint64_t *c) {
  return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* The services a query's tasks use: its environment, explicit (never the engine). */
typedef struct wy_exec_env {
  wy_sink_t *sink;               /* outputs, repartitions and changelogs */
  wy_plog_t *plog;               /* the processing log */
  struct wy_sr *schema_registry; /* NULL: Schema Registry formats are unavailable */
  wy_state_env_t *state;         /* where tasks keep their stores */
  wy_query_counters_t *counters;
} wy_exec_env_t;

/* What an operator may use of its task. */
typedef struct wy_task_ctx {
  const wy_plan_t *plan;
  const wy_subtopology_t *sub;
  size_t sub_index;
  int32_t partition;
  const wy_exec_env_t *env;
  wy_arena_t arena;       /* the current input record's rows; reset for every record */
  wy_buf_t kbuf, vbuf;    /* encoders' output */
  wy_buf_t scratch;       /* store keys and values */
  wy_task_state_t *state; /* the task's stores (NULL when the sub-topology has none) */
  wy_store_t **stores;    /* per store of the sub-topology (wy_plan_store_t) */
  const char *topic;      /* the topic of the record in process */
} wy_task_ctx_t;

/* ---- operators ---- */

typedef struct wy_op wy_op_t;

typedef struct wy_op_ops {
  size_t state_size; /* bytes of per-task state at op->state, zeroed */
  /* Build what the operator needs for its task (codecs, types). May be NULL. */
  wy_status_t (*open)(wy_op_t *op, wy_error_t *err);
  /* One row. A row that cannot be processed goes to the processing log and is dropped
   * (status OK); an error status fails the query (e.g. a store write). */
  wy_status_t (*process)(wy_op_t *op, wy_row_t *row, wy_error_t *err);
  /* Before a commit: write what is held back. May be NULL. */
  wy_status_t (*flush)(wy_op_t *op, wy_error_t *err);
  void (*close)(wy_op_t *op); /* may be NULL */
  /* The task's stores were restored from their changelogs after open: read again what
   * open read from them (e.g. a window store's stream time). May be NULL. */
  wy_status_t (*restored)(wy_op_t *op, wy_error_t *err);
  /* The store the operator owns is restored from a source topic: turn one of its
   * records into the store write (wy_restore_fn, state.h). May be NULL. */
  wy_status_t (*restore)(wy_op_t *op, const wy_record_t *rec, wy_arena_t *a, wy_store_op_t *out,
                         bool *skip, wy_error_t *err);
} wy_op_ops_t;

struct wy_op {
  const wy_op_ops_t *ops;
  const wy_plan_step_t *step;
  wy_op_t *next; /* NULL: the chain ends here */
  wy_task_ctx_t *task;
  void *state;
};

#define WY_X_STEP(kind, name, ops) extern const wy_op_ops_t ops;
WY_STEP_KINDS(WY_X_STEP)
#undef WY_X_STEP

/* The operator table of a step kind (NULL for an unknown kind). */
const wy_op_ops_t *wy_op_ops_of(wy_step_kind_t kind);

static inline wy_status_t wy_op_forward(wy_op_t *op, wy_row_t *row, wy_error_t *err) {
  return op->next ? op->next->ops->process(op->next, row, err) : WY_OK;
}

/* ---- helpers for operators (op.c) ---- */

/* n real columns (+ the pseudo columns) in the task's arena, all NULL. */
wy_value_t *wy_row_values(wy_task_ctx_t *t, size_t n);
/* Write the pseudo columns after the real columns: ROWTIME, ROWPARTITION, ROWOFFSET,
 * and the window bounds (NULL when the row is not windowed). */
void wy_row_set_pseudo(wy_row_t *r);
/* Only the bounds of r's window, into the pseudo slots of v, a row of n real columns. */
void wy_row_window_at(const wy_row_t *r, wy_value_t *v, size_t n);
/* A processing-log entry for the row (NULL: none), named after the step unless step is
 * given, counted in the query's counters. */
void wy_op_log(wy_op_t *op, wy_plog_type_t type, const char *step, const wy_row_t *r,
               const char *target, const char *msg);
/* The store keys of n values (keycodec.h) in the task's scratch; 0 when out of memory. */
size_t wy_task_key(wy_task_ctx_t *t, const wy_value_t *v, size_t n);
/* The store key of n key values and, when r is windowed, its window's start and end
 * (keys has room for n + 2 values): the identity of a windowed table's row. */
size_t wy_task_window_key(wy_task_ctx_t *t, wy_value_t *keys, size_t n, const wy_row_t *r);
/* The row encoding (rowcodec.h) of n values in the task's scratch. */
wy_status_t wy_task_row(wy_task_ctx_t *t, const wy_type_t *const *types, const wy_value_t *v,
                        size_t n, size_t *len, wy_error_t *err);
/* A copy of the first n bytes of the scratch in the arena (NULL when out of memory). */
uint8_t *wy_task_scratch_copy(wy_task_ctx_t *t, wy_arena_t *a, size_t n);
/* The column types of schema columns [from, to), then `extra` pseudo columns' (ROWTIME,
 * ROWPARTITION, ROWOFFSET kept after a stored row); malloc'd array of borrowed types. */
const wy_type_t **wy_types_of(const wy_schema_t *s, size_t from, size_t to, size_t extra);
/* A codec for the columns [from, to) of a schema in spec's format. Writers register
 * their schema with a Schema Registry format; key_schema_name names a key record. */
wy_format_codec_t *wy_op_codec(wy_task_ctx_t *t, const wy_format_spec_t *spec,
                               const wy_schema_t *schema, size_t from, size_t to, bool is_key,
                               const char *topic, bool write, const char *key_schema_name,
                               const uint8_t *projection, wy_error_t *err);
/* The stored row of a table or buffer under a key: its values decoded with types (n
 * columns then the pseudo columns; a row stored before they were kept has NULLs), or
 * *row NULL when absent. */
wy_status_t wy_op_lookup(wy_op_t *op, wy_store_t *store, const uint8_t *key, size_t klen,
                         const wy_type_t *const *types, size_t n, wy_value_t **row,
                         wy_error_t *err);

/* Before an aggregation over a table (a step that `retracts`): do two versions of a row
 * fall in the same group, by the keys of the step's group_step? */
bool wy_op_same_group(wy_op_t *op, const wy_value_t *a, const wy_value_t *b);

#endif
