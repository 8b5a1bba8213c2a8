/* fk_wire.c — the foreign-key join's topics, hash and subscription keys (fk_wire.h). */
#include "engine/operators/fk_wire.h"

#include <stdlib.h>

wy_status_t wy_fk_writer_open(wy_op_t *op, wy_schema_t *schema, wy_fk_writer_t *w,
                              wy_error_t *err) {
  const wy_plan_step_t *p = op->step;
  w->schema = *schema;
  wy_schema_init(schema);
  w->nkey = wy_schema_count_ns(&w->schema, WY_NS_KEY);
  const char *subject = p->fk.key_subject_topic ? p->fk.key_subject_topic : p->topic;
  w->key_codec = wy_op_codec(op->task, &p->key_format, &w->schema, 0, w->nkey, true, subject, true,
                             p->key_schema_name, NULL, err);
  if (!w->key_codec) return err->code;
  /* the INTERNAL format ends in the change flags, which these rows never set */
  if (wy_schema_add(&w->schema, "WY_CHANGE_FLAGS", wy_type_int(), WY_NS_VALUE, NULL, err) != WY_OK)
    return err->code;
  w->value_codec = wy_op_codec(op->task, &p->value_format, &w->schema, w->nkey, w->schema.n, false,
                               p->topic, true, NULL, NULL, err);
  return w->value_codec ? WY_OK : err->code;
}

wy_status_t wy_fk_response_writer_open(wy_op_t *op, wy_fk_writer_t *w, wy_error_t *err) {
  wy_schema_t schema;
  if (wy_fk_response_schema(&op->step->fk, &schema, err) != WY_OK) {
    wy_schema_clear(&schema);
    return err->code;
  }
  return wy_fk_writer_open(op, &schema, w, err);
}

void wy_fk_writer_close(wy_fk_writer_t *w) {
  wy_format_codec_destroy(w->key_codec);
  wy_format_codec_destroy(w->value_codec);
  wy_schema_clear(&w->schema);
  w->key_codec = w->value_codec = NULL;
}

wy_status_t wy_fk_write(wy_op_t *op, wy_fk_writer_t *w, const wy_value_t *v, int32_t partition,
                        const wy_row_t *r, int64_t ts, wy_error_t *err) {
  wy_task_ctx_t *t = op->task;
  bool null_key = false, null_value = false;
  wy_error_t e;
  if (wy_format_encode(w->key_codec, v, &t->kbuf, &null_key, &e) != WY_OK ||
      wy_format_encode(w->value_codec, v + w->nkey, &t->vbuf, &null_value, &e) != WY_OK) {
    wy_op_log(op, WY_PLOG_SERIALIZATION_ERROR, NULL, r, NULL, e.msg);
    return WY_OK;
  }
  return wy_sink_send(t->env->sink, op->step->topic, partition, null_key ? NULL : t->kbuf.data,
                      null_key ? 0 : t->kbuf.len, t->vbuf.data, t->vbuf.len, r->headers,
                      r->nheaders, ts, NULL, err);
}

wy_status_t wy_fk_respond(wy_op_t *op, wy_fk_writer_t *w, const wy_value_t *left_keys,
                          wy_value_t hash, const wy_value_t *right, int32_t partition,
                          const wy_row_t *r, int64_t ts, wy_error_t *err) {
  size_t nk = op->step->fk.left.nkey, nright = op->step->fk.right.schema.n + WY_ROW_NPSEUDO;
  wy_value_t *v = wy_row_values(op->task, nk + 2 + nright + 1); /* + the flags */
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < nk; i++) v[i] = left_keys[i];
  v[nk] = hash;
  v[nk + 1] = wy_bool(right != NULL);
  for (size_t i = 0; right && i < nright; i++) v[nk + 2 + i] = right[i];
  v[nk + 2 + nright] = wy_int(0);
  return wy_fk_write(op, w, v, partition, r, ts, err);
}

wy_value_t wy_fk_row_hash(const wy_value_t *v, size_t n) {
  if (!v) return wy_null(WY_T_BIGINT);
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ wy_value_hash(&v[i])) * 1099511628211ULL;
  return wy_bigint((int64_t)h);
}

bool wy_fk_same_hash(const wy_value_t *a, const wy_value_t *b) {
  return a->null || b->null ? a->null && b->null : a->u.i64 == b->u.i64;
}

size_t wy_fk_subscription_key(wy_task_ctx_t *t, const wy_value_t *fk, const wy_value_t *left_keys,
                              size_t nleft, const uint8_t **key) {
  wy_value_t *v = wy_arena_alloc(&t->arena, (nleft + 1) * sizeof *v);
  if (!v) return 0;
  v[0] = *fk;
  for (size_t i = 0; i < nleft; i++) v[1 + i] = left_keys[i];
  size_t klen = wy_task_key(t, v, nleft + 1);
  *key = klen ? wy_task_scratch_copy(t, &t->arena, klen) : NULL;
  return *key ? klen : 0;
}
