/* fk_receive.c — FK_RECEIVE, on the right table's side of a foreign-key join: a
 * subscription read from the registration topic is kept in (or, unsubscribing,
 * removed from) the subscription store, and answered with the right row of its foreign
 * key as its instruction says, through the response topic to the left row's partition.
 * The answer's time is the later of the subscription's and the right row's. */
#include <stdlib.h>

#include "engine/operators/fk_wire.h"

typedef struct fk_receive {
  wy_fk_writer_t out;
  const wy_type_t **right_types, *sub_types[2];
} fk_receive_t;

static wy_status_t fk_receive_open(wy_op_t *op, wy_error_t *err) {
  fk_receive_t *s = op->state;
  const wy_schema_t *right = &op->step->fk.right.schema;
  s->right_types = wy_types_of(right, 0, right->n, WY_ROW_NPSEUDO);
  s->sub_types[0] = wy_type_bigint();
  s->sub_types[1] = wy_type_int();
  if (!s->right_types) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return wy_fk_response_writer_open(op, &s->out, err);
}

/* Keep or remove the subscription r carries (the registration topic's layout). */
static wy_status_t store_subscription(wy_op_t *op, const wy_row_t *r, bool keep, wy_error_t *err) {
  const wy_value_t *v = r->v;
  fk_receive_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  wy_store_t *store = t->stores[op->step->fk.subscriptions];
  const uint8_t *key;
  size_t klen = wy_fk_subscription_key(t, &v[WY_FK_SUB_KEY], &v[WY_FK_SUB_LEFT],
                                       op->step->fk.left.nkey, &key);
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  if (!keep) return wy_store_delete(store, key, klen, err);
  size_t vlen;
  if (wy_task_row(t, s->sub_types, &v[WY_FK_SUB_HASH], 2, &vlen, err) != WY_OK) return err->code;
  return wy_store_put(store, key, klen, t->scratch.data, vlen, err);
}

static wy_status_t fk_receive_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  fk_receive_t *s = op->state;
  const wy_value_t *v = r->v;
  if (v[WY_FK_SUB_KEY].null || v[WY_FK_SUB_INSTRUCTION].null) return WY_OK;
  wy_fk_instruction_t what = (wy_fk_instruction_t)v[WY_FK_SUB_INSTRUCTION].u.i32;
  bool keep = what != WY_FK_DELETE_NO_PROPAGATE && what != WY_FK_DELETE_AND_PROPAGATE;
  if (store_subscription(op, r, keep, err) != WY_OK) return err->code;
  if (what == WY_FK_DELETE_NO_PROPAGATE) return WY_OK;
  size_t klen = wy_task_key(op->task, &v[WY_FK_SUB_KEY], 1);
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t nright = op->step->fk.right.schema.n;
  wy_value_t *right = NULL;
  if (what != WY_FK_DELETE_AND_PROPAGATE &&
      wy_op_lookup(op, op->task->stores[op->step->fk.table], op->task->scratch.data, klen,
                   s->right_types, nright, &right, err) != WY_OK)
    return err->code;
  if (!right && what == WY_FK_PROPAGATE_ONLY_IF_MATCH) return WY_OK;
  int64_t ts = r->ts;
  if (right && !right[nright].null && right[nright].u.i64 > ts) ts = right[nright].u.i64;
  int32_t partition = v[WY_FK_SUB_PARTITION].null ? -1 : v[WY_FK_SUB_PARTITION].u.i32;
  return wy_fk_respond(op, &s->out, &v[WY_FK_SUB_LEFT], v[WY_FK_SUB_HASH], right, partition, r, ts,
                       err);
}

static void fk_receive_close(wy_op_t *op) {
  fk_receive_t *s = op->state;
  wy_fk_writer_close(&s->out);
  free(s->right_types);
}

const wy_op_ops_t wy_op_fk_receive = {.state_size = sizeof(fk_receive_t),
                                      .open = fk_receive_open,
                                      .process = fk_receive_process,
                                      .close = fk_receive_close};
