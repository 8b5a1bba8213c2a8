/*
 * task.h — a task: one sub-topology of a running query, for one partition.
 *
 * A task owns what the sub-topology needs at run time for its partition: an operator
 * per step (engine/operators/op.h), linked as the plan links the steps; the task's
 * stores (its RocksDB instance, one store per plan store, logged to their changelogs or
 * restored from a table's topic); and an arena for the rows of the record in process.
 * It is given an explicit environment (wy_exec_env_t: the sink, the processing log,
 * the Schema Registry, the state environment, the query's counters) and reaches nothing
 * else. Used by the one stream thread that owns it.
 */
#ifndef WY_TASK_H
#define WY_TASK_H

#include "engine/operators/op.h"

typedef struct wy_task wy_task_t;

/* Open the task of sub-topology `sub` for `partition`: its stores, then its operators.
 * plan and env must outlive the task. */
wy_status_t wy_task_open(const wy_plan_t *plan, size_t sub, int32_t partition,
                         const wy_exec_env_t *env, wy_task_t **out, wy_error_t *err);
/* Close the operators and the stores (their files stay). Accepts NULL. */
void wy_task_close(wy_task_t *t);

/* One record of the sub-topology's input `input` (its outputs are sent before this
 * returns). A record that cannot be processed goes to the processing log; an error
 * status means the task failed (a store could not be written). */
wy_status_t wy_task_process(wy_task_t *t, size_t input, const wy_record_t *rec, wy_error_t *err);
/* Before the sink is flushed: the operators' held-back writes (outputs and store
 * writes, whose changelog records the flush then acknowledges). */
wy_status_t wy_task_prepare_commit(wy_task_t *t, wy_error_t *err);
/* After the sink was flushed: the stores made durable and checkpointed. */
wy_status_t wy_task_commit(wy_task_t *t, wy_error_t *err);
/* Bring the stores up to the end of their changelogs (state.h's wy_task_state_restore). */
wy_status_t wy_task_restore(wy_task_t *t, wy_source_t *src, wy_end_offset_fn end_fn,
                            void *end_opaque, int timeout_ms, wy_error_t *err);
bool wy_task_has_state(const wy_task_t *t);

#endif
