/* filter.c — FILTER (WHERE, HAVING): rows that pass the predicate go on. Over a table's
 * rows (the step's table_semantics), a row whose previous version was in the result and
 * which no longer passes leaves it: it goes on as a delete, as Kafka Streams' KTable
 * filter sends one. */
#include "engine/operators/op.h"

/* Did the previous version of the row pass (so its removal must be forwarded)? Without
 * a previous version, nothing was emitted for the key. */
static bool old_passes(wy_op_t *op, const wy_row_t *r) {
  if (!r->old) return false;
  wy_value_t out;
  wy_error_t e;
  if (wy_expr_eval(op->step->predicate, r->old, &op->task->arena, &out, &e) != WY_OK) return false;
  return !out.null && out.u.b;
}

static wy_status_t filter_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  bool table = op->step->table_semantics;
  /* A stream record with a null value never passes; a table's delete passes when the
   * deleted row was in the result. */
  if (r->tombstone) {
    if (!table || (r->old && !old_passes(op, r))) return WY_OK;
    return wy_op_forward(op, r, err);
  }
  wy_value_t out;
  wy_error_t e;
  if (wy_expr_eval(op->step->predicate, r->v, &op->task->arena, &out, &e) != WY_OK) {
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
    return WY_OK;
  }
  if (!out.null && out.u.b) return wy_op_forward(op, r, err);
  if (table && old_passes(op, r)) {
    r->tombstone = true;
    return wy_op_forward(op, r, err);
  }
  return WY_OK;
}

const wy_op_ops_t wy_op_filter = {.process = filter_process};
