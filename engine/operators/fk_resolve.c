/* fk_resolve.c — FK_RESOLVE, on the left table's side of a foreign-key join: an answer
 * read from the response topic is joined with the left row it was for, looked up in the
 * left table's store, unless that row changed since it subscribed (the hashes differ:
 * a newer answer is on its way). Without a right row, a LEFT join keeps the left row
 * alone; otherwise (INNER, or the left row deleted) the result of the left key is
 * deleted. The joined row's key is the left table's primary key. Before an aggregation
 * (the step's `retracts`), the results are kept in the step's store: the result an
 * answer replaces is retracted (suppressed when both fall in one group), and nothing is
 * deleted. */
#include <stdlib.h>

#include "engine/operators/fk_wire.h"
#include "engine/operators/join_row.h"

typedef struct fk_resolve {
  const wy_type_t **left_types;
  const wy_type_t **result_types; /* before an aggregation: the kept results' */
  wy_store_t *results;
} fk_resolve_t;

static wy_status_t fk_resolve_open(wy_op_t *op, wy_error_t *err) {
  fk_resolve_t *s = op->state;
  const wy_schema_t *left = &op->step->fk.left.schema, *out = &op->step->out.schema;
  s->left_types = wy_types_of(left, 0, left->n, WY_ROW_NPSEUDO);
  if (!s->left_types) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!op->step->retracts) return WY_OK;
  if (op->step->store < 0) return wy_error_set(err, WY_ERR_INTERNAL, "no store for the results");
  s->results = op->task->stores[op->step->store];
  s->result_types = wy_types_of(out, 0, out->n, WY_ROW_NPSEUDO);
  return s->result_types ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
}

/* The result of the left key r carries replaced by `now` (NULL: none): the old one
 * retracted, the new one kept and added. */
static wy_status_t replace_result(wy_op_t *op, const wy_row_t *r, wy_row_t *now, wy_error_t *err) {
  fk_resolve_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  size_t n = op->step->out.schema.n, klen = wy_task_key(t, r->v, op->step->fk.left.nkey);
  const uint8_t *key = klen ? wy_task_scratch_copy(t, &t->arena, klen) : NULL;
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_value_t *was = NULL;
  if (wy_op_lookup(op, s->results, key, klen, s->result_types, n, &was, err) != WY_OK)
    return err->code;
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  size_t vlen;
  if (!now) {
    if (was && wy_store_delete(s->results, key, klen, err) != WY_OK) return err->code;
  } else if (wy_task_row(t, s->result_types, now->v, n + WY_ROW_NPSEUDO, &vlen, err) != WY_OK ||
             wy_store_put(s->results, key, klen, t->scratch.data, vlen, err) != WY_OK) {
    return err->code;
  }
  if (was) {
    wy_row_t old = now ? *now : *r;
    old.v = was;
    old.n = n;
    old.nkey = 1;
    old.tombstone = false;
    old.old = NULL;
    old.retract = true;
    old.suppress = now && wy_op_same_group(op, was, now->v);
    wy_row_set_pseudo(&old);
    if (wy_op_forward(op, &old, err) != WY_OK) return err->code;
  }
  return now ? wy_op_forward(op, now, err) : WY_OK;
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
  bool joined = found || (fk->left_join && left);
  if (op->step->retracts) {
    wy_row_t now;
    if (joined && wy_join_row(op, r, left, found ? &r->v[nk + 2] : NULL, &r->v[0], r->ts, false,
                              &now, err) != WY_OK)
      return err->code;
    return replace_result(op, r, joined ? &now : NULL, err);
  }
  if (!joined) return emit_delete(op, r, err);
  return wy_join_emit(op, r, left, found ? &r->v[nk + 2] : NULL, &r->v[0], r->ts, false, err);
}

static void fk_resolve_close(wy_op_t *op) {
  fk_resolve_t *s = op->state;
  free(s->left_types);
  free(s->result_types);
}

const wy_op_ops_t wy_op_fk_resolve = {.state_size = sizeof(fk_resolve_t),
                                      .open = fk_resolve_open,
                                      .process = fk_resolve_process,
                                      .close = fk_resolve_close};
