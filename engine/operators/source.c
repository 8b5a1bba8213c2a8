/* source.c — SOURCE: a record of one of the sub-topology's inputs, decoded into a row
 * (decode.h) and passed on. The row's values live in the task's arena. */
#include "engine/operators/decode.h"
#include "engine/operators/op.h"

static wy_status_t source_open(wy_op_t *op, wy_error_t *err) {
  const wy_plan_input_t *in = &op->task->sub->inputs[op->step->input];
  return wy_decoder_open(op->state, op->task, in, err);
}

static wy_status_t source_process(wy_op_t *op, wy_row_t *row, wy_error_t *err) {
  wy_row_t r;
  bool skip;
  if (wy_decoder_decode(op->state, op, row->rec, &r, &skip, err) != WY_OK) return err->code;
  if (skip) return WY_OK;
  wy_row_set_pseudo(&r);
  return wy_op_forward(op, &r, err);
}

static void source_close(wy_op_t *op) { wy_decoder_close(op->state); }

const wy_op_ops_t wy_op_source = {.state_size = sizeof(wy_decoder_t),
                                  .open = source_open,
                                  .process = source_process,
                                  .close = source_close};
