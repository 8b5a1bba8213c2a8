/* join_stream_table.c — JOIN_STREAM_TABLE, on the stream's side: each stream record
 * looks its key up in the table's store (the table's side only materializes), and the
 * joined row goes on; a LEFT join keeps a record without a match. Records with a NULL
 * key are logged and skipped; deletes (null values) do not join. */
#include "engine/operators/join_row.h"

typedef struct join_st {
  wy_store_t *table;
  wy_join_side_t other;
} join_st_t;

static wy_status_t join_st_open(wy_op_t *op, wy_error_t *err) {
  join_st_t *s = op->state;
  s->table = op->task->stores[op->step->join.other_store];
  return wy_join_side_open(op, false, &s->other, err);
}

static wy_status_t join_st_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  join_st_t *s = op->state;
  wy_value_t key;
  if (!wy_join_key(op, r, &key) || r->tombstone) return WY_OK;
  const wy_value_t *theirs;
  if (wy_join_lookup(op, s->table, &s->other, &key, &theirs, err) != WY_OK) return err->code;
  if (!theirs && !wy_join_this_kept(&op->step->join)) return WY_OK;
  return wy_join_emit(op, r, wy_join_mine(op, r), theirs, &key, r->ts, false, err);
}

static void join_st_close(wy_op_t *op) { wy_join_side_close(&((join_st_t *)op->state)->other); }

const wy_op_ops_t wy_op_join_stream_table = {.state_size = sizeof(join_st_t),
                                             .open = join_st_open,
                                             .process = join_st_process,
                                             .close = join_st_close};
