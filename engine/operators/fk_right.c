/* fk_right.c — FK_RIGHT_UPDATE, on the right table's side of a foreign-key join: a
 * change of a right row (after its table is materialized) is answered to every left row
 * subscribed to its key, found by a prefix scan of the subscription store: the new row,
 * or none for a delete (which deletes an INNER join's results and keeps a LEFT join's
 * left rows alone). Each answer carries the hash of the subscribed left row. */
#include <stdlib.h>

#include "engine/formats/keycodec.h"
#include "engine/formats/rowcodec.h"
#include "engine/operators/fk_wire.h"

typedef struct fk_right {
  wy_fk_writer_t out;
  const wy_type_t **key_types; /* the subscription key: the foreign key, the left keys */
  const wy_type_t *sub_types[2];
  wy_store_t *subscriptions;
} fk_right_t;

static wy_status_t fk_right_open(wy_op_t *op, wy_error_t *err) {
  fk_right_t *s = op->state;
  const wy_plan_fk_t *fk = &op->step->fk;
  s->subscriptions = op->task->stores[fk->subscriptions];
  s->key_types = calloc(fk->left.nkey + 1, sizeof *s->key_types);
  if (!s->key_types) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  s->key_types[0] = fk->right.schema.cols[0].type;
  for (size_t i = 0; i < fk->left.nkey; i++) s->key_types[1 + i] = fk->left.schema.cols[i].type;
  s->sub_types[0] = wy_type_bigint();
  s->sub_types[1] = wy_type_int();
  return wy_fk_response_writer_open(op, &s->out, err);
}

/* Answer the subscription at the iterator with the right row (or none). */
static wy_status_t answer(wy_op_t *op, wy_store_iter_t *it, const wy_row_t *r,
                          const wy_value_t *right, wy_error_t *err) {
  fk_right_t *s = op->state;
  wy_arena_t *a = &op->task->arena;
  size_t nk = op->step->fk.left.nkey, klen, vlen;
  const uint8_t *key = wy_store_iter_key(it, &klen), *val = wy_store_iter_value(it, &vlen);
  wy_value_t *keys = wy_arena_alloc(a, (nk + 1) * sizeof *keys), sub[2];
  if (!keys) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_error_t e;
  if (wy_keycodec_decode(key, klen, s->key_types, nk + 1, a, keys, NULL, &e) != WY_OK ||
      wy_rowcodec_decode(val, vlen, s->sub_types, 2, a, sub, &e) != WY_OK) {
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
    return WY_OK;
  }
  int32_t partition = sub[1].null ? -1 : sub[1].u.i32;
  return wy_fk_respond(op, &s->out, keys + 1, sub[0], right, partition, r, r->ts, err);
}

static wy_status_t fk_right_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  fk_right_t *s = op->state;
  if (r->tombstone && !r->old) return WY_OK; /* nothing was there, nothing changes */
  if (r->v[0].null) return WY_OK;
  size_t plen = wy_task_key(op->task, &r->v[0], 1);
  const uint8_t *prefix = plen ? wy_task_scratch_copy(op->task, &op->task->arena, plen) : NULL;
  if (!prefix) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_store_iter_t *it;
  if (wy_store_prefix(s->subscriptions, prefix, plen, &it, err) != WY_OK) return err->code;
  wy_status_t st = WY_OK;
  const wy_value_t *right = r->tombstone ? NULL : r->v;
  for (; st == WY_OK && wy_store_iter_valid(it); wy_store_iter_next(it))
    st = answer(op, it, r, right, err);
  if (st == WY_OK) st = wy_store_iter_status(it, err);
  wy_store_iter_destroy(it);
  return st;
}

static void fk_right_close(wy_op_t *op) {
  fk_right_t *s = op->state;
  wy_fk_writer_close(&s->out);
  free(s->key_types);
}

const wy_op_ops_t wy_op_fk_right = {.state_size = sizeof(fk_right_t),
                                    .open = fk_right_open,
                                    .process = fk_right_process,
                                    .close = fk_right_close};
