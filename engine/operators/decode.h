/*
 * decode.h — a task's decoder of one plan input: Kafka records to rows.
 *
 * The key and the value are decoded with the input's formats into their columns' slots
 * (key columns first, as the source declares them), header columns are filled from
 * the record's headers, the event time is taken from the TIMESTAMP column when there
 * is one, and an internal topic's change flags become the row's. A record that cannot
 * be decoded is reported to the processing log and skipped. Used by the SOURCE
 * operator, and by MATERIALIZE to restore a table's store from the table's topic.
 */
#ifndef WY_DECODE_H
#define WY_DECODE_H

#include "engine/operators/op.h"

typedef struct wy_decoder {
  const wy_plan_input_t *in;
  wy_format_codec_t *key_codec, *value_codec;
  size_t nkey, nvalue;
  int *key_slot, *value_slot; /* the row slot of each key and value column */
  wy_value_t *kv, *vv;        /* decoded key and value columns (value: + the flags) */
} wy_decoder_t;

wy_status_t wy_decoder_open(wy_decoder_t *d, wy_task_ctx_t *t, const wy_plan_input_t *in,
                            wy_error_t *err);
void wy_decoder_close(wy_decoder_t *d);
/* Decode rec into *row (values in the task's arena). *skip when the record was
 * undecodable (reported by op to the processing log). */
wy_status_t wy_decoder_decode(wy_decoder_t *d, wy_op_t *op, const wy_record_t *rec, wy_row_t *row,
                              bool *skip, wy_error_t *err);

#endif
