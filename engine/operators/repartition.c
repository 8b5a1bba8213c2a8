/* repartition.c — REPARTITION: a re-keyed row written to an internal topic, partitioned
 * by its new key, for the sub-topology that reads the topic. The value is in the
 * INTERNAL format, which carries the row's change flags (a table's delete, a retraction)
 * with it. ksqlDB drops a row whose new key is NULL, with a processing-log entry. */
#include <stdlib.h>

#include "engine/operators/op.h"

typedef struct repartition {
  wy_format_codec_t *key_codec, *value_codec;
  wy_value_t *vals; /* the value columns, then the flags */
  size_t nvalue;
} repartition_t;

static wy_status_t repartition_open(wy_op_t *op, wy_error_t *err) {
  repartition_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  const wy_schema_t *in = &p->in.schema;
  s->nvalue = in->n - p->in.nkey;
  s->vals = calloc(s->nvalue + 1, sizeof *s->vals);
  if (!s->vals) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  s->key_codec = wy_op_codec(op->task, &p->key_format, in, 0, p->in.nkey, true, p->topic, true,
                             p->key_schema_name, NULL, err);
  if (!s->key_codec) return err->code;
  wy_schema_t vs;
  wy_schema_init(&vs);
  wy_status_t st = WY_OK;
  for (size_t i = p->in.nkey; i < in->n && st == WY_OK; i++)
    st =
        wy_schema_add(&vs, in->cols[i].name, wy_type_ref(in->cols[i].type), WY_NS_VALUE, NULL, err);
  if (st == WY_OK)
    st = wy_schema_add(&vs, "WY_CHANGE_FLAGS", wy_type_int(), WY_NS_VALUE, NULL, err);
  if (st == WY_OK) {
    s->value_codec = wy_op_codec(op->task, &p->value_format, &vs, 0, vs.n, false, p->topic, true,
                                 NULL, NULL, err);
    if (!s->value_codec) st = err->code;
  }
  wy_schema_clear(&vs);
  return st;
}

static wy_status_t repartition_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  repartition_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  for (size_t i = 0; i < r->nkey; i++)
    if (r->v[i].null) {
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, "key",
                "record with a NULL key dropped before repartitioning");
      return WY_OK;
    }
  bool null_key = false, null_value = false;
  wy_error_t e;
  if (wy_format_encode(s->key_codec, r->v, &t->kbuf, &null_key, &e) != WY_OK) {
    wy_op_log(op, WY_PLOG_SERIALIZATION_ERROR, NULL, r, "key", e.msg);
    return WY_OK;
  }
  for (size_t i = 0; i < s->nvalue; i++) s->vals[i] = r->v[r->nkey + i];
  int flags = (r->tombstone ? WY_CHANGE_DELETE : 0) | (r->retract ? WY_CHANGE_RETRACT : 0) |
              (r->suppress ? WY_CHANGE_SUPPRESS : 0);
  s->vals[s->nvalue] = wy_int(flags);
  if (wy_format_encode(s->value_codec, s->vals, &t->vbuf, &null_value, err) != WY_OK)
    return err->code;
  return wy_sink_send(t->env->sink, op->step->topic, -1, null_key ? NULL : t->kbuf.data,
                      null_key ? 0 : t->kbuf.len, t->vbuf.data, t->vbuf.len, r->headers,
                      r->nheaders, r->ts, NULL, err);
}

static void repartition_close(wy_op_t *op) {
  repartition_t *s = op->state;
  wy_format_codec_destroy(s->key_codec);
  wy_format_codec_destroy(s->value_codec);
  free(s->vals);
}

const wy_op_ops_t wy_op_repartition = {.state_size = sizeof(repartition_t),
                                       .open = repartition_open,
                                       .process = repartition_process,
                                       .close = repartition_close};
