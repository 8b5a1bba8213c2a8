/* flat_map.c — FLAT_MAP (table functions in SELECT): one input row becomes as many rows
 * as the longest of its table function calls yields, as ksqlDB's KudtfFlatMapper does.
 * Each output row is the input's columns followed by one value of every call (NULL once
 * a shorter call has run out), with the input's key, timestamp and headers. A row whose
 * calls yield nothing (empty or NULL arrays) produces no row. A call that fails — the
 * function or the evaluation of one of its arguments — sends the record to the
 * processing log and produces no row for it, where ksqlDB drops the record. */
#include <string.h>

#include "engine/operators/op.h"

static wy_status_t flat_map_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  const wy_plan_step_t *p = op->step;
  if (r->tombstone) return WY_OK; /* a stream record without a value yields nothing */
  size_t k = p->nexprs;
  /* the output row is the input's columns then one per call: the schema says so */
  if (r->n + k != p->out.schema.n)
    return wy_error_set(err, WY_ERR_INTERNAL, "FlatMap: a row of %zu columns, %zu expected", r->n,
                        p->out.schema.n - k);
  const wy_list_t **lists = wy_arena_alloc(&op->task->arena, (k ? k : 1) * sizeof *lists);
  if (!lists) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  uint32_t rows = 0;
  for (size_t i = 0; i < k; i++) {
    wy_value_t v;
    wy_error_t e;
    wy_status_t st = wy_expr_eval(p->exprs[i].prog, r->v, &op->task->arena, &v, &e);
    if (st != WY_OK || e.code != WY_OK) {
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
      return WY_OK;
    }
    lists[i] = v.null ? NULL : v.u.list;
    if (lists[i] && lists[i]->n > rows) rows = lists[i]->n;
  }
  size_t width = r->n + k;
  for (uint32_t j = 0; j < rows; j++) {
    wy_value_t *v = wy_row_values(op->task, width);
    if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    memcpy(v, r->v, r->n * sizeof *v);
    for (size_t i = 0; i < k; i++) {
      const wy_type_t *t = p->out.schema.cols[r->n + i].type;
      v[r->n + i] = lists[i] && j < lists[i]->n ? lists[i]->items[j] : wy_null(t->kind);
      if (v[r->n + i].null) v[r->n + i] = wy_null(t->kind);
    }
    wy_row_t nr = *r;
    nr.v = v;
    nr.n = width;
    nr.old = NULL;
    nr.more = r->more || j + 1 < rows;
    wy_row_set_pseudo(&nr);
    wy_status_t st = wy_op_forward(op, &nr, err);
    if (st != WY_OK) return st;
  }
  return WY_OK;
}

const wy_op_ops_t wy_op_flat_map = {.process = flat_map_process};
