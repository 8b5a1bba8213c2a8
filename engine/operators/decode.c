/* decode.c — records to rows for one plan input (decode.h). */
#include "engine/operators/decode.h"

#include <stdlib.h>
#include <string.h>

#include "engine/formats/windowed.h"

wy_status_t wy_decoder_open(wy_decoder_t *d, wy_task_ctx_t *t, const wy_plan_input_t *in,
                            wy_error_t *err) {
  memset(d, 0, sizeof *d);
  d->in = in;
  const wy_schema_t *s = &in->shape.schema;
  d->key_slot = calloc(s->n + 1, sizeof *d->key_slot);
  d->value_slot = calloc(s->n + 1, sizeof *d->value_slot);
  d->kv = calloc(s->n + 1, sizeof *d->kv);
  d->vv = calloc(s->n + 2, sizeof *d->vv);
  uint8_t *mask = in->used ? calloc(s->n + 1, 1) : NULL;
  wy_schema_t ks, vs;
  wy_schema_init(&ks);
  wy_schema_init(&vs);
  wy_status_t st = d->key_slot && d->value_slot && d->kv && d->vv && (mask || !in->used)
                       ? WY_OK
                       : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  /* the key and the value columns, in schema order */
  for (size_t i = 0; st == WY_OK && i < s->n; i++) {
    const wy_column_t *c = &s->cols[i];
    if (c->ns == WY_NS_KEY) {
      d->key_slot[d->nkey++] = (int)i;
      st = wy_schema_add(&ks, c->name, wy_type_ref(c->type), WY_NS_KEY, NULL, err);
    } else if (c->ns == WY_NS_VALUE) {
      if (mask) mask[d->nvalue] = in->used[i];
      d->value_slot[d->nvalue++] = (int)i;
      st = wy_schema_add(&vs, c->name, wy_type_ref(c->type), WY_NS_VALUE, NULL, err);
    }
  }
  /* an internal topic's rows carry their change flags in a last INT column */
  if (st == WY_OK && in->changes)
    st = wy_schema_add(&vs, "WY_CHANGE_FLAGS", wy_type_int(), WY_NS_VALUE, NULL, err);
  if (st == WY_OK) {
    d->key_codec =
        wy_op_codec(t, &in->key_format, &ks, 0, ks.n, true, in->topic, false, NULL, NULL, err);
    if (!d->key_codec) st = err->code;
  }
  if (st == WY_OK) {
    d->value_codec =
        wy_op_codec(t, &in->value_format, &vs, 0, vs.n, false, in->topic, false, NULL, mask, err);
    if (!d->value_codec) st = err->code;
  }
  wy_schema_clear(&ks);
  wy_schema_clear(&vs);
  free(mask);
  if (st != WY_OK) wy_decoder_close(d);
  return st;
}

void wy_decoder_close(wy_decoder_t *d) {
  wy_format_codec_destroy(d->key_codec);
  wy_format_codec_destroy(d->value_codec);
  free(d->key_slot);
  free(d->value_slot);
  free(d->kv);
  free(d->vv);
  memset(d, 0, sizeof *d);
}

static wy_status_t header_columns(wy_decoder_t *d, wy_task_ctx_t *t, const wy_record_t *rec,
                                  wy_row_t *r, wy_error_t *err) {
  const wy_schema_t *s = &d->in->shape.schema;
  for (size_t i = 0; i < s->n; i++) {
    const wy_column_t *c = &s->cols[i];
    if (c->ns == WY_NS_HEADER) {
      for (size_t h = rec->nheaders; h-- > 0;) {
        if (strcmp(rec->headers[h].key, c->header_key) == 0) {
          r->v[i] = rec->headers[h].value
                        ? wy_bytes(rec->headers[h].value, rec->headers[h].value_len)
                        : wy_null(WY_T_BYTES);
          break;
        }
      }
    } else if (c->ns == WY_NS_HEADERS) {
      wy_list_t *l = wy_list_new(&t->arena, (uint32_t)rec->nheaders);
      if (!l) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      for (size_t h = 0; h < rec->nheaders; h++) {
        wy_list_t *st = wy_list_new(&t->arena, 2);
        if (!st) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        st->items[0] = wy_string(rec->headers[h].key, strlen(rec->headers[h].key));
        st->items[1] = rec->headers[h].value
                           ? wy_bytes(rec->headers[h].value, rec->headers[h].value_len)
                           : wy_null(WY_T_BYTES);
        l->items[h] = wy_struct(st);
      }
      r->v[i] = wy_array(l);
    }
  }
  return WY_OK;
}

/* The event time from the TIMESTAMP column (parsed with TIMESTAMP_FORMAT when given);
 * false when the record must be skipped (reported). With ksql.timestamp.throw.on.invalid
 * an unparsable time fails the query instead (*fatal), as ksqlDB's extractor throws. */
static bool event_time(wy_decoder_t *d, wy_op_t *op, wy_row_t *r, bool *fatal) {
  const wy_plan_input_t *in = d->in;
  const wy_value_t *tv = &r->v[in->timestamp_slot];
  if (tv->null) {
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, "KsqlTopic.Source", r, "value",
              "timestamp column is NULL: record skipped");
    return false;
  }
  wy_value_t parsed;
  if (in->timestamp_prog) {
    wy_error_t pe;
    wy_error_clear(&pe);
    if (wy_expr_eval(in->timestamp_prog, r->v, &op->task->arena, &parsed, &pe) != WY_OK ||
        pe.code != WY_OK || parsed.null) {
      *fatal = in->timestamp_throw;
      if (*fatal) return false;
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, "KsqlTopic.Source", r, "value",
                pe.code != WY_OK ? pe.msg : "cannot parse the timestamp column");
      return false;
    }
    tv = &parsed;
  }
  if (tv->kind == WY_T_BIGINT || tv->kind == WY_T_TIMESTAMP) r->ts = tv->u.i64;
  if (r->ts < 0) {
    /* Kafka Streams refuses negative timestamps: the record is skipped */
    wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, "KsqlTopic.Source", r, "value",
              "invalid (negative) timestamp: record skipped");
    return false;
  }
  return true;
}

wy_status_t wy_decoder_decode(wy_decoder_t *d, wy_op_t *op, const wy_record_t *rec, wy_row_t *r,
                              bool *skip, wy_error_t *err) {
  wy_task_ctx_t *t = op->task;
  const wy_plan_input_t *in = d->in;
  const char *step = in->changes ? "Repartition.Source" : "KsqlTopic.Source";
  size_t n = in->shape.schema.n;
  *skip = false;
  memset(r, 0, sizeof *r);
  r->v = wy_row_values(t, n);
  if (!r->v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  r->n = n;
  r->nkey = in->shape.nkey;
  r->ts = rec->timestamp;
  r->partition = rec->partition;
  r->offset = rec->offset;
  r->headers = rec->headers;
  r->nheaders = rec->nheaders;
  r->rec = rec;
  wy_error_t e;
  size_t key_len = rec->key_len;
  if (in->window != WY_WINDOW_NONE && rec->key) {
    /* the window follows the inner key, whatever its format */
    if (wy_windowed_split(rec->key, rec->key_len, in->window == WY_WINDOW_SESSION, in->window_size,
                          &key_len, &r->wstart, &r->wend, &e) != WY_OK) {
      wy_op_log(op, WY_PLOG_DESERIALIZATION_ERROR, step, r, "key", e.msg);
      *skip = true;
      return WY_OK;
    }
    r->windowed = true;
  }
  if (d->nkey && rec->key) {
    bool null_row = false;
    if (wy_format_decode(d->key_codec, rec->key, key_len, &t->arena, d->kv, &null_row, &e) !=
        WY_OK) {
      wy_op_log(op, WY_PLOG_DESERIALIZATION_ERROR, step, r, "key", e.msg);
      *skip = true;
      return WY_OK;
    }
    for (size_t i = 0; i < d->nkey; i++) r->v[d->key_slot[i]] = d->kv[i];
  }
  r->null_key = d->nkey && !rec->key;
  if (!rec->value) {
    r->tombstone = true;
    return WY_OK;
  }
  bool null_row = false;
  if (wy_format_decode(d->value_codec, rec->value, rec->value_len, &t->arena, d->vv, &null_row,
                       &e) != WY_OK) {
    wy_op_log(op, WY_PLOG_DESERIALIZATION_ERROR, step, r, "value", e.msg);
    *skip = true;
    return WY_OK;
  }
  if (in->changes) {
    int flags = d->vv[d->nvalue].null ? 0 : d->vv[d->nvalue].u.i32;
    r->tombstone = (flags & WY_CHANGE_DELETE) != 0;
    r->retract = (flags & WY_CHANGE_RETRACT) != 0;
    r->suppress = (flags & WY_CHANGE_SUPPRESS) != 0;
    if (r->tombstone) return WY_OK;
  } else if (null_row) {
    r->tombstone = true;
    return WY_OK;
  }
  for (size_t i = 0; i < d->nvalue; i++) r->v[d->value_slot[i]] = d->vv[i];
  if (header_columns(d, t, rec, r, err) != WY_OK) return err->code;
  bool fatal = false;
  if (in->timestamp_slot >= 0 && !event_time(d, op, r, &fatal)) {
    if (fatal)
      return wy_error_set(
          err, WY_ERR_EVAL,
          "Fatal user code error in TimestampExtractor callback for record %s-%d@%lld", rec->topic,
          (int)rec->partition, (long long)rec->offset);
    *skip = true;
  }
  return WY_OK;
}
