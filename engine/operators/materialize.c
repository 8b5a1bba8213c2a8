/* materialize.c — MATERIALIZE: a table's rows kept in its store, keyed by the primary
 * key, so that joins can look the table up and updates know the row they replace (a
 * FILTER over a table turns a row leaving the result into a delete). Rows with a NULL
 * key are dropped, as tables drop them. Before an aggregation over the table (the
 * step's `retracts`), an update first sends the old row as a retraction, suppressed
 * when both versions fall in the same group (the addition that follows emits the
 * result), and a delete only retracts. The store is the table's topic materialized:
 * it is restored from that topic (restore below). */
#include <stdlib.h>
#include <string.h>

#include "engine/formats/rowcodec.h"
#include "engine/operators/decode.h"
#include "engine/operators/op.h"

typedef struct materialize {
  wy_store_t *store;
  size_t nkey;
  int *key_slot;
  wy_value_t *keys;
  const wy_type_t **types; /* every column, then the pseudo columns */
  wy_decoder_t restorer;   /* opened by the first restored record */
  bool restoring;
} materialize_t;

static wy_status_t materialize_open(wy_op_t *op, wy_error_t *err) {
  materialize_t *s = op->state;
  const wy_schema_t *in = &op->step->in.schema;
  s->store = op->task->stores[op->step->store];
  s->key_slot = calloc(in->n + 1, sizeof *s->key_slot);
  s->keys = calloc(in->n + 3, sizeof *s->keys); /* the keys, a window's bounds */
  s->types = wy_types_of(in, 0, in->n, WY_ROW_NPSEUDO);
  if (!s->key_slot || !s->keys || !s->types)
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < in->n; i++)
    if (in->cols[i].ns == WY_NS_KEY) s->key_slot[s->nkey++] = (int)i;
  return WY_OK;
}

/* The row's store key in the scratch (a windowed table's rows are keyed by key and
 * window); 0 for a NULL key column (the row is dropped). */
static size_t row_key(materialize_t *s, wy_task_ctx_t *t, const wy_row_t *r, bool *nomem) {
  *nomem = false;
  for (size_t i = 0; i < s->nkey; i++) {
    s->keys[i] = r->v[s->key_slot[i]];
    if (s->keys[i].null) return 0;
  }
  size_t klen = wy_task_window_key(t, s->keys, s->nkey, r);
  *nomem = klen == 0;
  return klen;
}

static wy_status_t materialize_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  materialize_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  bool nomem;
  size_t klen = row_key(s, t, r, &nomem);
  if (nomem) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!klen) return WY_OK;
  uint8_t *key = wy_task_scratch_copy(t, &t->arena, klen);
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_value_t *old = NULL;
  if (wy_op_lookup(op, s->store, key, klen, s->types, r->n, &old, err) != WY_OK) return err->code;
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  if (r->tombstone) {
    if (wy_store_delete(s->store, key, klen, err) != WY_OK) return err->code;
  } else {
    size_t vlen;
    if (wy_task_row(t, s->types, r->v, r->n + WY_ROW_NPSEUDO, &vlen, err) != WY_OK ||
        wy_store_put(s->store, key, klen, t->scratch.data, vlen, err) != WY_OK)
      return err->code;
  }
  r->old = old;
  if (!op->next) return WY_OK;
  if (op->step->retracts) {
    if (old) {
      wy_row_t o = *r;
      o.v = old;
      o.old = NULL;
      o.tombstone = false;
      o.retract = true;
      o.suppress = !r->tombstone && wy_op_same_group(op, old, r->v);
      wy_row_set_pseudo(&o);
      if (wy_op_forward(op, &o, err) != WY_OK) return err->code;
    }
    if (r->tombstone) return WY_OK;
  }
  return wy_op_forward(op, r, err);
}

/* A record of the table's topic, decoded as processing decodes it, into the write that
 * processing made. Undecodable records and NULL keys are skipped, as they were then. */
static wy_status_t materialize_restore(wy_op_t *op, const wy_record_t *rec, wy_arena_t *a,
                                       wy_store_op_t *out, bool *skip, wy_error_t *err) {
  materialize_t *s = op->state;
  wy_task_ctx_t *t = op->task;
  *skip = true;
  if (!s->restoring) {
    if (wy_decoder_open(&s->restorer, t, &t->sub->inputs[op->step->input], err) != WY_OK)
      return err->code;
    s->restoring = true;
  }
  wy_arena_reset(&t->arena);
  t->topic = rec->topic;
  wy_row_t r;
  bool bad, nomem;
  if (wy_decoder_decode(&s->restorer, op, rec, &r, &bad, err) != WY_OK) return err->code;
  if (bad) return WY_OK;
  size_t klen = row_key(s, t, &r, &nomem);
  if (nomem) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!klen) return WY_OK;
  out->key = wy_task_scratch_copy(t, a, klen);
  out->key_len = klen;
  out->value = NULL;
  out->value_len = 0;
  if (!out->key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!r.tombstone) {
    size_t vlen;
    wy_row_set_pseudo(&r);
    if (wy_task_row(t, s->types, r.v, r.n + WY_ROW_NPSEUDO, &vlen, err) != WY_OK) return err->code;
    if (!(out->value = wy_task_scratch_copy(t, a, vlen)))
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    out->value_len = vlen;
  }
  *skip = false;
  return WY_OK;
}

static void materialize_close(wy_op_t *op) {
  materialize_t *s = op->state;
  if (s->restoring) wy_decoder_close(&s->restorer);
  free(s->key_slot);
  free(s->keys);
  free(s->types);
}

const wy_op_ops_t wy_op_materialize = {.state_size = sizeof(materialize_t),
                                       .open = materialize_open,
                                       .process = materialize_process,
                                       .close = materialize_close,
                                       .restore = materialize_restore};
