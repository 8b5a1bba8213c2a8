/* join_row.c — the joined row and the stored rows of a join's sides (join_row.h). */
#include "engine/operators/join_row.h"

#include <stdlib.h>

wy_status_t wy_join_side_open(wy_op_t *op, bool mine, wy_join_side_t *s, wy_error_t *err) {
  const wy_plan_join_t *j = &op->step->join;
  const wy_schema_t *schema = mine ? &op->step->in.schema : &j->other.schema;
  bool left = mine == j->this_is_left;
  s->n = schema->n;
  s->drop = left ? j->left_drop : j->right_drop;
  s->types = wy_types_of(schema, 0, s->n, WY_ROW_NPSEUDO);
  return s->types ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
}

void wy_join_side_close(wy_join_side_t *s) {
  free(s->types);
  s->types = NULL;
}

bool wy_join_this_kept(const wy_plan_join_t *j) {
  return j->this_is_left ? j->left_outer : j->right_outer;
}
bool wy_join_other_kept(const wy_plan_join_t *j) {
  return j->this_is_left ? j->right_outer : j->left_outer;
}

bool wy_join_key(wy_op_t *op, const wy_row_t *r, wy_value_t *key) {
  *key = r->v[op->step->join.key_slot];
  if (!key->null) return true;
  if (!r->tombstone)
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, "key",
              "join key is NULL: record skipped");
  return false;
}

wy_status_t wy_join_lookup(wy_op_t *op, wy_store_t *table, const wy_join_side_t *other,
                           const wy_value_t *key, const wy_value_t **theirs, wy_error_t *err) {
  *theirs = NULL;
  size_t klen = wy_task_key(op->task, key, 1);
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_value_t *row = NULL;
  if (wy_op_lookup(op, table, op->task->scratch.data, klen, other->types, other->n, &row, err) !=
      WY_OK)
    return err->code;
  if (row) *theirs = row + other->drop;
  return WY_OK;
}

const wy_value_t *wy_join_mine(wy_op_t *op, const wy_row_t *r) {
  const wy_plan_join_t *j = &op->step->join;
  return r->v + (j->this_is_left ? j->left_drop : j->right_drop);
}

wy_status_t wy_join_row(wy_op_t *op, const wy_row_t *r, const wy_value_t *mine,
                        const wy_value_t *theirs, const wy_value_t *key, int64_t ts, bool tombstone,
                        wy_row_t *out, wy_error_t *err) {
  const wy_plan_join_t *j = &op->step->join;
  const wy_value_t *lv = j->this_is_left ? mine : theirs, *rv = j->this_is_left ? theirs : mine;
  size_t lw = j->left_width + WY_ROW_NPSEUDO, rw = j->right_width + WY_ROW_NPSEUDO;
  size_t total = lw + rw + 1;
  wy_value_t *v = wy_row_values(op->task, total);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; lv && i < lw; i++) v[i] = lv[i];
  for (size_t i = 0; rv && i < rw; i++) v[lw + i] = rv[i];
  v[total - 1] = *key;
  *out = *r;
  out->v = v;
  out->n = total;
  out->nkey = 1;
  out->ts = ts;
  out->tombstone = tombstone;
  out->retract = out->suppress = out->null_key = false;
  out->old = NULL;
  wy_row_set_pseudo(out);
  return WY_OK;
}

wy_status_t wy_join_emit(wy_op_t *op, const wy_row_t *r, const wy_value_t *mine,
                         const wy_value_t *theirs, const wy_value_t *key, int64_t ts,
                         bool tombstone, wy_error_t *err) {
  wy_row_t out;
  if (wy_join_row(op, r, mine, theirs, key, ts, tombstone, &out, err) != WY_OK) return err->code;
  return wy_op_forward(op, &out, err);
}
