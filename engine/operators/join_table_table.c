/* join_table_table.c — JOIN_TABLE_TABLE, on both sides: an update of either table looks
 * the other table's row up by the primary key and the joined row goes on; a delete
 * becomes the joined row of what remains (an outer side kept alone) or a delete of the
 * joined row. Before an aggregation (the step's `retracts`), the joined row that an
 * update replaces is retracted first (suppressed when both versions fall in one group)
 * and nothing is deleted: the aggregation undoes what it had added. */
#include "engine/operators/join_row.h"

typedef struct join_tt {
  wy_store_t *other_table;
  wy_join_side_t other;
} join_tt_t;

static wy_status_t join_tt_open(wy_op_t *op, wy_error_t *err) {
  join_tt_t *s = op->state;
  s->other_table = op->task->stores[op->step->join.other_store];
  return wy_join_side_open(op, false, &s->other, err);
}

/* Is there a joined row of this side's row (or none) and the other side's (or none)? */
static bool joined(const wy_plan_join_t *j, const wy_value_t *mine, const wy_value_t *theirs) {
  return mine ? theirs || wy_join_this_kept(j) : theirs && wy_join_other_kept(j);
}

/* The update as an aggregation sees it: the old joined row retracted, the new added. */
static wy_status_t retract_then_add(wy_op_t *op, wy_row_t *r, const wy_value_t *ov,
                                    const wy_value_t *key, wy_error_t *err) {
  const wy_plan_join_t *j = &op->step->join;
  size_t drop = j->this_is_left ? j->left_drop : j->right_drop;
  const wy_value_t *was = r->old ? r->old + drop : NULL;
  const wy_value_t *is = r->tombstone ? NULL : wy_join_mine(op, r);
  bool had = joined(j, was, ov), has = joined(j, is, ov);
  wy_row_t now, old;
  if (has && wy_join_row(op, r, is, ov, key, r->ts, false, &now, err) != WY_OK) return err->code;
  if (had) {
    if (wy_join_row(op, r, was, ov, key, r->ts, false, &old, err) != WY_OK) return err->code;
    old.retract = true;
    old.suppress = has && wy_op_same_group(op, old.v, now.v);
    if (wy_op_forward(op, &old, err) != WY_OK) return err->code;
  }
  return has ? wy_op_forward(op, &now, err) : WY_OK;
}

static wy_status_t join_tt_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  join_tt_t *s = op->state;
  const wy_plan_join_t *j = &op->step->join;
  wy_value_t key;
  if (!wy_join_key(op, r, &key)) return WY_OK;
  const wy_value_t *ov;
  if (wy_join_lookup(op, s->other_table, &s->other, &key, &ov, err) != WY_OK) return err->code;
  if (op->step->retracts) return retract_then_add(op, r, ov, &key, err);
  if (!r->tombstone) {
    if (!ov && !wy_join_this_kept(j)) return WY_OK;
    return wy_join_emit(op, r, wy_join_mine(op, r), ov, &key, r->ts, false, err);
  }
  /* a delete: what remains of the joined row, or its delete */
  if (ov)
    return wy_join_other_kept(j) ? wy_join_emit(op, r, NULL, ov, &key, r->ts, false, err)
                                 : wy_join_emit(op, r, NULL, NULL, &key, r->ts, true, err);
  if (wy_join_this_kept(j) && r->old)
    return wy_join_emit(op, r, NULL, NULL, &key, r->ts, true, err);
  return WY_OK;
}

static void join_tt_close(wy_op_t *op) { wy_join_side_close(&((join_tt_t *)op->state)->other); }

const wy_op_ops_t wy_op_join_table_table = {.state_size = sizeof(join_tt_t),
                                            .open = join_tt_open,
                                            .process = join_tt_process,
                                            .close = join_tt_close};
