/*
 * fk_wire.h — what the four operators of a foreign-key join share (plan.h,
 * wy_plan_fk_t): writing rows to the join's internal topics, the hash that tells a
 * response for the current left row from a stale one, and the subscription store's
 * layout.
 *
 * The subscription store (on the right table's side) holds a key per subscribed left
 * row, [foreign key, left key columns] in the key codec, so that the subscribers of a
 * right row are one prefix scan; its value is [hash of the left row, partition of the
 * left row] in the row codec: where the answer must go, and which version it is for.
 */
#ifndef WY_FK_WIRE_H
#define WY_FK_WIRE_H

#include "engine/operators/op.h"

/* A writer of rows laid out by a schema (key columns first) to the step's topic. */
typedef struct wy_fk_writer {
  wy_schema_t schema;
  size_t nkey;
  wy_format_codec_t *key_codec, *value_codec;
} wy_fk_writer_t;

/* Open a writer of rows of schema (taken, also on failure) to the step's topic. */
wy_status_t wy_fk_writer_open(wy_op_t *op, wy_schema_t *schema, wy_fk_writer_t *w, wy_error_t *err);
/* A writer of the response topic's rows (wy_fk_response_schema). */
wy_status_t wy_fk_response_writer_open(wy_op_t *op, wy_fk_writer_t *w, wy_error_t *err);
void wy_fk_writer_close(wy_fk_writer_t *w);
/* Write v (the schema's columns) to partition (-1: the key's) with time ts, the headers
 * of r. An encoding failure is logged and the row dropped. */
wy_status_t wy_fk_write(wy_op_t *op, wy_fk_writer_t *w, const wy_value_t *v, int32_t partition,
                        const wy_row_t *r, int64_t ts, wy_error_t *err);

/* The answer to the left row of key left_keys (fk->left.nkey values) whose hash was
 * `hash`: the right row (columns then pseudo columns) or none, to the left row's
 * partition, through a writer of the response schema. */
wy_status_t wy_fk_respond(wy_op_t *op, wy_fk_writer_t *w, const wy_value_t *left_keys,
                          wy_value_t hash, const wy_value_t *right, int32_t partition,
                          const wy_row_t *r, int64_t ts, wy_error_t *err);

/* The hash of a left row's n columns (a BIGINT; NULL for no row). */
wy_value_t wy_fk_row_hash(const wy_value_t *v, size_t n);
bool wy_fk_same_hash(const wy_value_t *a, const wy_value_t *b);

/* The subscription store's key of [fk, left_keys] (nleft keys), copied into the arena;
 * 0 when out of memory. */
size_t wy_fk_subscription_key(wy_task_ctx_t *t, const wy_value_t *fk, const wy_value_t *left_keys,
                              size_t nleft, const uint8_t **key);

#endif
