/* fk_resolve.c — FK_RESOLVE, on the left table's side of a foreign-key join: an answer
 * read from the response topic is joined with the left row it was for, looked up in the
 * left table's store, unless that row changed since it subscribed (the hashes differ:
 * a newer answer is on its way). Without a right row, a LEFT join keeps the left row
 * alone; otherwise (INNER, or the left row deleted) the result of the left key is
 * deleted. The joined row's key is the left table's primary key. */
#include <stdlib.h>

#include "engine/operators/fk_wire.h"
#include "engine/operators/join_row.h"

typedef struct fk_resolve {
  const wy_type_t **left_types;
} fk_resolve_t;

static wy_status_t fk_resolve_open(wy_op_t *op, wy_error_t *err) {
  fk_resolve_t *s = op->state;
  const wy_schema_t *left = &op->step->fk.left.schema;
  s->left_types = wy_types_of(left, 0, left->n, WY_ROW_NPSEUDO);
  return s->left_types ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
}

/* The deleted result of the left key: a left row of its key columns only. */
static wy_status_t emit_delete(wy_op_t *op, const wy_row_t *r, wy_error_t *err) {
  size_t nk = op->step->fk.left.nkey;
  wy_value_t *left = wy_row_values(op->task, op->step->fk.left.schema.n);
  if (!left) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < nk; i++) left[i] = r->v[i];
  return wy_join_emit(op, r, left, NULL, &r->v[0], r->ts, true, err);
}

static wy_status_t fk_resolve_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  fk_resolve_t *s = op->state;
  const wy_plan_fk_t *fk = &op->step->fk;
  size_t nk = fk->left.nkey, nleft = fk->left.schema.n;
  size_t klen = wy_task_key(op->task, r->v, nk);
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_value_t *left = NULL;
  if (wy_op_lookup(op, op->task->stores[fk->table], op->task->scratch.data, klen, s->left_types,
                   nleft, &left, err) != WY_OK)
    return err->code;
  wy_value_t now = wy_fk_row_hash(left, nleft);
  if (!wy_fk_same_hash(&r->v[nk], &now)) return WY_OK; /* stale */
  bool found = !r->v[nk + 1].null && r->v[nk + 1].u.b;
  if (!found && (!fk->left_join || !left)) return emit_delete(op, r, err);
  return wy_join_emit(op, r, left, found ? &r->v[nk + 2] : NULL, &r->v[0], r->ts, false, err);
}

static void fk_resolve_close(wy_op_t *op) { free(((fk_resolve_t *)op->state)->left_types); }

const wy_op_ops_t wy_op_fk_resolve = {.state_size = sizeof(fk_resolve_t),
                                      .open = fk_resolve_open,
                                      .process = fk_resolve_process,
                                      .close = fk_resolve_close};
