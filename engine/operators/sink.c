/* sink.c — SINK: a result row encoded with the sink's formats and written to its topic,
 * with the record time of its TIMESTAMP column when the sink has one. A windowed sink's
 * key is written as Kafka Streams writes windowed keys (formats/windowed.h): the key in
 * its format, then the row's window. A row that cannot be encoded is logged and
 * dropped. */
#include "engine/formats/windowed.h"
#include "engine/operators/op.h"

typedef struct sink {
  wy_format_codec_t *key_codec, *value_codec;
} sink_t;

static wy_status_t sink_open(wy_op_t *op, wy_error_t *err) {
  sink_t *s = op->state;
  const wy_plan_step_t *p = op->step;
  const wy_schema_t *in = &p->in.schema;
  s->key_codec = wy_op_codec(op->task, &p->key_format, in, 0, p->in.nkey, true, p->topic, true,
                             p->key_schema_name, NULL, err);
  if (!s->key_codec) return err->code;
  s->value_codec = wy_op_codec(op->task, &p->value_format, in, p->in.nkey, in->n, false, p->topic,
                               true, NULL, NULL, err);
  return s->value_codec ? WY_OK : err->code;
}

/* The record time from the sink's TIMESTAMP column (*ts unchanged when NULL); false when
 * a STRING column cannot be parsed with its TIMESTAMP_FORMAT (logged: the row is
 * dropped, as ksqlDB drops it). */
static bool record_time(wy_op_t *op, const wy_row_t *r, int64_t *ts) {
  const wy_plan_step_t *p = op->step;
  if (p->timestamp_slot < 0 || r->v[p->timestamp_slot].null) return true;
  wy_value_t v = r->v[p->timestamp_slot];
  if (p->timestamp_prog) {
    wy_error_t e;
    wy_error_clear(&e);
    if (wy_expr_eval(p->timestamp_prog, r->v, &op->task->arena, &v, &e) != WY_OK ||
        e.code != WY_OK || v.null) {
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL,
                e.code != WY_OK ? e.msg : "cannot parse the timestamp column");
      return false;
    }
  }
  if (v.kind == WY_T_INT)
    *ts = v.u.i32;
  else if (v.kind == WY_T_BIGINT || v.kind == WY_T_TIMESTAMP)
    *ts = v.u.i64;
  return true;
}

static wy_status_t sink_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  sink_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  bool null_key = r->nkey == 0 || r->null_key, null_value = false;
  wy_error_t e;
  if (!null_key && wy_format_encode(s->key_codec, r->v, &t->kbuf, &null_key, &e) != WY_OK) {
    wy_op_log(op, WY_PLOG_SERIALIZATION_ERROR, NULL, r, "key", e.msg);
    return WY_OK;
  }
  if (!r->tombstone &&
      wy_format_encode(s->value_codec, r->v + r->nkey, &t->vbuf, &null_value, &e) != WY_OK) {
    wy_op_log(op, WY_PLOG_SERIALIZATION_ERROR, NULL, r, "value", e.msg);
    return WY_OK;
  }
  int64_t ts = r->ts;
  if (!record_time(op, r, &ts)) return WY_OK;
  if (ts < 0) {
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL,
              "invalid (negative) timestamp: record skipped");
    return WY_OK;
  }
  if (op->step->window != WY_WINDOW_NONE && !null_key) {
    if (!r->windowed) {
      wy_op_log(op, WY_PLOG_SERIALIZATION_ERROR, NULL, r, "key",
                "a windowed sink's row has no window");
      return WY_OK;
    }
    if (!wy_windowed_append(&t->kbuf, op->step->window == WY_WINDOW_SESSION, r->wstart, r->wend))
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  bool nullv = r->tombstone || null_value;
  size_t klen = null_key ? 0 : t->kbuf.len, vlen = nullv ? 0 : t->vbuf.len;
  wy_query_counters_t *c = t->env->counters;
  if (c) {
    wy_counter_add(&c->out, 1);
    wy_counter_add(&c->out_bytes, klen + vlen);
  }
  return wy_sink_send(t->env->sink, op->step->topic, -1, null_key ? NULL : t->kbuf.data, klen,
                      nullv ? NULL : t->vbuf.data, vlen, r->headers, r->nheaders, ts, NULL, err);
}

static void sink_close(wy_op_t *op) {
  sink_t *s = op->state;
  wy_format_codec_destroy(s->key_codec);
  wy_format_codec_destroy(s->value_codec);
}

const wy_op_ops_t wy_op_sink = {
    .state_size = sizeof(sink_t), .open = sink_open, .process = sink_process, .close = sink_close};
