/*
 * join_row.h — what the three join operators share: the joined row, and the rows of
 * the other side kept in a store.
 *
 * The joined row is [left columns, left pseudo columns, right columns, right pseudo
 * columns, join key], each side without the leading columns it drops (a re-keyed side's
 * key), as the step's join geometry (wy_plan_join_t) says; a missing side is all NULLs,
 * its key columns too, as in ksqlDB: the result's key is the join key, the last column.
 * It goes to the step's next operator, the same for both sides.
 */
#ifndef WY_JOIN_ROW_H
#define WY_JOIN_ROW_H

#include "engine/operators/op.h"

/* The stored rows of one side: its columns' types, then the pseudo columns'. */
typedef struct wy_join_side {
  const wy_type_t **types;
  size_t n; /* real columns */
  size_t drop;
} wy_join_side_t;

/* This step's side (mine) or the other side (!mine). */
wy_status_t wy_join_side_open(wy_op_t *op, bool mine, wy_join_side_t *s, wy_error_t *err);
void wy_join_side_close(wy_join_side_t *s);

/* This side's join key of row r; false when it is NULL (the row is skipped, logged
 * unless it is a delete). */
bool wy_join_key(wy_op_t *op, const wy_row_t *r, wy_value_t *key);
/* The other side's row under key in its table (after its dropped columns), or *theirs
 * NULL when there is none. */
wy_status_t wy_join_lookup(wy_op_t *op, wy_store_t *table, const wy_join_side_t *other,
                           const wy_value_t *key, const wy_value_t **theirs, wy_error_t *err);
/* This side's columns of row r (after its dropped columns). */
const wy_value_t *wy_join_mine(wy_op_t *op, const wy_row_t *r);

/* The joined row of this side's mine and the other side's theirs (each after its
 * dropped columns; NULL for a missing side), with the row time ts, into *out. */
wy_status_t wy_join_row(wy_op_t *op, const wy_row_t *r, const wy_value_t *mine,
                        const wy_value_t *theirs, const wy_value_t *key, int64_t ts, bool tombstone,
                        wy_row_t *out, wy_error_t *err);
/* That row, emitted to the step's next operator. */
wy_status_t wy_join_emit(wy_op_t *op, const wy_row_t *r, const wy_value_t *mine,
                         const wy_value_t *theirs, const wy_value_t *key, int64_t ts,
                         bool tombstone, wy_error_t *err);

/* Is this side (or the other side) kept without a match (an outer join's side)? */
bool wy_join_this_kept(const wy_plan_join_t *j);
bool wy_join_other_kept(const wy_plan_join_t *j);

#endif
