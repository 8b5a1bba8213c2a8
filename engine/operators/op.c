/* op.c — the operator table of each step kind, and what operators share (op.h). */
#include "engine/operators/op.h"

#include <stdlib.h>
#include <string.h>

#include "engine/catalog/format_spec.h"
#include "engine/formats/keycodec.h"
#include "engine/formats/rowcodec.h"

static const wy_op_ops_t *const OPS[] = {
#define WY_X_STEP(kind, name, ops) [kind] = &ops,
    WY_STEP_KINDS(WY_X_STEP)
#undef WY_X_STEP
};

const wy_op_ops_t *wy_op_ops_of(wy_step_kind_t kind) {
  return (unsigned)kind < WY_STEP__COUNT ? OPS[kind] : NULL;
}

/* Only the tags are written: the rest of a NULL value is never read. */
wy_value_t *wy_row_values(wy_task_ctx_t *t, size_t n) {
  wy_value_t *v = wy_arena_alloc(&t->arena, (n + WY_ROW_NPSEUDO) * sizeof *v);
  if (v)
    for (size_t i = 0; i < n + WY_ROW_NPSEUDO; i++) {
      v[i].kind = WY_T_STRING;
      v[i].null = 1;
    }
  return v;
}

void wy_row_set_pseudo(wy_row_t *r) {
  r->v[r->n] = wy_bigint(r->ts);
  r->v[r->n + 1] = wy_int(r->partition);
  r->v[r->n + 2] = wy_bigint(r->offset);
  wy_row_window_at(r, r->v, r->n);
}

void wy_row_window_at(const wy_row_t *r, wy_value_t *v, size_t n) {
  v[n + WY_PSEUDO_WINDOWSTART] = r->windowed ? wy_bigint(r->wstart) : wy_null(WY_T_BIGINT);
  v[n + WY_PSEUDO_WINDOWEND] = r->windowed ? wy_bigint(r->wend) : wy_null(WY_T_BIGINT);
}

size_t wy_task_window_key(wy_task_ctx_t *t, wy_value_t *keys, size_t n, const wy_row_t *r) {
  if (!r->windowed) return wy_task_key(t, keys, n);
  keys[n] = wy_bigint(r->wstart);
  keys[n + 1] = wy_bigint(r->wend);
  return wy_task_key(t, keys, n + 2);
}

void wy_op_log(wy_op_t *op, wy_plog_type_t type, const char *step, const wy_row_t *r,
               const char *target, const char *msg) {
  wy_task_ctx_t *t = op->task;
  wy_plog_report(t->env->plog, type, t->plan->id, step ? step : wy_step_name(op->step->kind),
                 t->topic, r ? r->partition : t->partition, r ? r->offset : -1, target, msg);
  if (t->env->counters) wy_counter_add(&t->env->counters->logged, 1);
}

size_t wy_task_key(wy_task_ctx_t *t, const wy_value_t *v, size_t n) {
  wy_buf_t *b = &t->scratch;
  for (;;) {
    size_t need = wy_keycodec_encode(v, n, b->data, b->cap);
    if (need <= b->cap) return need;
    if (!wy_buf_grow(b, need)) return 0;
  }
}

wy_status_t wy_task_row(wy_task_ctx_t *t, const wy_type_t *const *types, const wy_value_t *v,
                        size_t n, size_t *len, wy_error_t *err) {
  wy_buf_t *b = &t->scratch;
  for (;;) {
    size_t need = 0;
    wy_status_t st = wy_rowcodec_encode(types, v, n, b->data, b->cap, &need, err);
    if (st != WY_OK) return st;
    if (need <= b->cap) {
      *len = need;
      return WY_OK;
    }
    if (!wy_buf_grow(b, need)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
}

uint8_t *wy_task_scratch_copy(wy_task_ctx_t *t, wy_arena_t *a, size_t n) {
  uint8_t *p = wy_arena_alloc(a, n ? n : 1);
  if (p && n) memcpy(p, t->scratch.data, n);
  return p;
}

const wy_type_t **wy_types_of(const wy_schema_t *s, size_t from, size_t to, size_t extra) {
  size_t n = to > from ? to - from : 0;
  const wy_type_t **v = calloc(n + extra + 1, sizeof *v);
  if (!v) return NULL;
  for (size_t i = 0; i < n; i++) v[i] = s->cols[from + i].type;
  for (size_t i = 0; i < extra; i++)
    v[n + i] = i % WY_ROW_NPSEUDO == 1 ? wy_type_int() : wy_type_bigint();
  return v;
}

wy_format_codec_t *wy_op_codec(wy_task_ctx_t *t, const wy_format_spec_t *spec,
                               const wy_schema_t *schema, size_t from, size_t to, bool is_key,
                               const char *topic, bool write, const char *key_schema_name,
                               const uint8_t *projection, wy_error_t *err) {
  size_t n = to > from ? to - from : 0;
  wy_format_column_t *cols = calloc(n + 1, sizeof *cols);
  if (!cols) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    cols[i] = (wy_format_column_t){schema->cols[from + i].name, schema->cols[from + i].type};
  wy_codec_request_t req = {is_key, topic, t->env->schema_registry, write, NULL, projection, 0};
  if (is_key && write) req.default_full_name = key_schema_name;
  wy_format_codec_t *c = wy_format_spec_codec(spec, cols, n, &req, err);
  free(cols); /* the codec copies the names */
  return c;
}

wy_status_t wy_op_lookup(wy_op_t *op, wy_store_t *store, const uint8_t *key, size_t klen,
                         const wy_type_t *const *types, size_t n, wy_value_t **row,
                         wy_error_t *err) {
  *row = NULL;
  const void *val;
  size_t vlen;
  bool found;
  if (wy_store_get(store, key, klen, &val, &vlen, &found, err) != WY_OK) return err->code;
  if (!found) return WY_OK;
  wy_value_t *v = wy_row_values(op->task, n);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_rowcodec_decode(val, vlen, types, n + WY_ROW_NPSEUDO, &op->task->arena, v, err) != WY_OK)
    return err->code;
  *row = v;
  return WY_OK;
}

bool wy_op_same_group(wy_op_t *op, const wy_value_t *a, const wy_value_t *b) {
  const wy_plan_step_t *g = &op->task->sub->steps[op->step->group_step];
  for (size_t i = 0; i < g->nexprs; i++) {
    wy_value_t x, y;
    wy_error_t e;
    if (wy_expr_eval(g->exprs[i].prog, a, &op->task->arena, &x, &e) != WY_OK ||
        wy_expr_eval(g->exprs[i].prog, b, &op->task->arena, &y, &e) != WY_OK ||
        !wy_value_equal(&x, &y))
      return false;
  }
  return true;
}
