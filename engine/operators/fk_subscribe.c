/* fk_subscribe.c — FK_SUBSCRIBE, on the left table's side of a foreign-key join: each
 * change of a left row subscribes it, through the registration topic keyed by its
 * foreign key, to the right row of that key, with Kafka Streams' instruction: a new
 * row asks for an answer only when it matches (INNER) or always (LEFT); an update asks
 * always (its earlier result must be replaced) and, when its foreign key changed, first
 * unsubscribes from the old one; a delete unsubscribes and asks for the delete of its
 * result. A row whose foreign key is NULL joins nothing: it is logged and skipped. */
#include "engine/operators/fk_wire.h"

typedef struct fk_subscribe {
  wy_fk_writer_t out;
} fk_subscribe_t;

static wy_status_t fk_subscribe_open(wy_op_t *op, wy_error_t *err) {
  fk_subscribe_t *s = op->state;
  wy_schema_t schema;
  if (wy_fk_subscription_schema(&op->step->fk, &schema, err) != WY_OK) {
    wy_schema_clear(&schema);
    return err->code;
  }
  return wy_fk_writer_open(op, &schema, &s->out, err);
}

/* The foreign key of a version of the left row (NULL when it cannot be computed). */
static wy_value_t foreign_key(wy_op_t *op, const wy_value_t *row) {
  wy_value_t fk;
  wy_error_t e;
  if (!row || wy_expr_eval(op->step->fk.prog, row, &op->task->arena, &fk, &e) != WY_OK)
    return wy_null(WY_T_BIGINT);
  return fk;
}

static wy_status_t subscribe(wy_op_t *op, const wy_row_t *r, wy_value_t fk,
                             wy_fk_instruction_t what, wy_value_t hash, wy_error_t *err) {
  fk_subscribe_t *s = op->state;
  size_t nk = op->step->fk.left.nkey;
  wy_value_t *v = wy_row_values(op->task, WY_FK_SUB_LEFT + nk + 1); /* + the flags */
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  v[WY_FK_SUB_KEY] = fk;
  v[WY_FK_SUB_INSTRUCTION] = wy_int((int32_t)what);
  v[WY_FK_SUB_HASH] = hash;
  v[WY_FK_SUB_PARTITION] = wy_int(op->task->partition);
  for (size_t i = 0; i < nk; i++) v[WY_FK_SUB_LEFT + i] = r->v[i]; /* key columns lead */
  v[WY_FK_SUB_LEFT + nk] = wy_int(0);
  return wy_fk_write(op, &s->out, v, -1, r, r->ts, err);
}

static wy_status_t fk_subscribe_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  wy_value_t was = foreign_key(op, r->old), is = foreign_key(op, r->tombstone ? NULL : r->v);
  wy_value_t hash = wy_fk_row_hash(r->tombstone ? NULL : r->v, r->n);
  if (r->tombstone)
    return was.null ? WY_OK : subscribe(op, r, was, WY_FK_DELETE_AND_PROPAGATE, hash, err);
  if (is.null) {
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, "value",
              "foreign key is NULL: record skipped");
    return WY_OK;
  }
  if (!was.null && !wy_value_equal(&was, &is) &&
      subscribe(op, r, was, WY_FK_DELETE_NO_PROPAGATE, hash, err) != WY_OK)
    return err->code;
  bool always = !was.null || op->step->fk.left_join;
  return subscribe(op, r, is,
                   always ? WY_FK_PROPAGATE_NULL_IF_NO_MATCH : WY_FK_PROPAGATE_ONLY_IF_MATCH, hash,
                   err);
}

static void fk_subscribe_close(wy_op_t *op) {
  wy_fk_writer_close(&((fk_subscribe_t *)op->state)->out);
}

const wy_op_ops_t wy_op_fk_subscribe = {.state_size = sizeof(fk_subscribe_t),
                                        .open = fk_subscribe_open,
                                        .process = fk_subscribe_process,
                                        .close = fk_subscribe_close};
