/*
 * accumulate.h — a group's aggregate calls over its accumulators, for the operators that
 * aggregate (AGGREGATE, SESSION_AGGREGATE).
 *
 * A group's stored value is its accumulators (one per call, rowcodec) followed by the
 * group's time: the largest record time it holds, the time of its result records as
 * Kafka Streams gives them. The result row of a group is [group keys][WINDOWSTART]
 * [WINDOWEND][one result per call] (logical.h); a call whose argument fails is logged
 * and skipped, a result that fails is NULL. A failing step (SUM's DECIMAL overflow)
 * fails the query, as an exception thrown by a ksqlDB aggregate stops its stream
 * thread. Values live in the task's arena.
 */
#ifndef WY_ACCUMULATE_H
#define WY_ACCUMULATE_H

#include "engine/operators/op.h"

#define WY_AGG_FIRST_CALL 2 /* result slots after the group keys: the window bounds */

typedef struct wy_accumulator {
  size_t ncalls;
  const wy_type_t **types; /* the stored value's: accumulators, then the group's time */
  wy_value_t *args;        /* one call's arguments */
} wy_accumulator_t;

wy_status_t wy_acc_open(wy_accumulator_t *a, const wy_plan_step_t *p, wy_error_t *err);
void wy_acc_close(wy_accumulator_t *a);
/* A group's accumulators (*acc, in the arena) from its stored value, or fresh ones when
 * val is NULL; *ts gets the stored time (unchanged when there is none). */
wy_status_t wy_acc_load(wy_op_t *op, wy_accumulator_t *a, const void *val, size_t len,
                        wy_value_t **acc, int64_t *ts, wy_error_t *err);
/* Add row r to the accumulators (undo it when r retracts); WY_ERR_EVAL when an
 * aggregate's step fails. */
wy_status_t wy_acc_add(wy_op_t *op, wy_accumulator_t *a, const wy_row_t *r, wy_value_t *acc,
                       wy_error_t *err);
/* Fold a later session's accumulators into acc; WY_ERR_EVAL when a merge fails. */
wy_status_t wy_acc_merge(wy_op_t *op, wy_accumulator_t *a, const wy_value_t *later, wy_value_t *acc,
                         wy_error_t *err);
/* The stored value of accumulators and time, in the task's scratch (*len bytes). */
wy_status_t wy_acc_store(wy_op_t *op, wy_accumulator_t *a, const wy_value_t *acc, int64_t ts,
                         size_t *len, wy_error_t *err);
/* The result row of the group whose keys lead r, in a window (log: report failing
 * results); NULL when out of memory. */
wy_value_t *wy_acc_result(wy_op_t *op, const wy_row_t *r, const wy_value_t *acc, int64_t wstart,
                          int64_t wend, bool log);

#endif
