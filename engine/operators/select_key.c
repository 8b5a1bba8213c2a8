/* select_key.c — SELECT_KEY (PARTITION BY, GROUP BY, a join's re-keying): the new key
 * columns from expressions, then the input columns the step keeps as values. */
#include "engine/operators/op.h"

static wy_status_t select_key_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  const wy_plan_step_t *p = op->step;
  size_t n = p->nexprs + p->nkeep;
  wy_value_t *v = wy_row_values(op->task, n);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < p->nexprs; i++) {
    wy_error_t e;
    if (r->tombstone && p->exprs[i].reads_value) {
      v[i] = wy_null(p->exprs[i].type->kind); /* ksqlDB evaluates it on the null value */
      continue;
    }
    if (wy_expr_eval(p->exprs[i].prog, r->v, &op->task->arena, &v[i], &e) != WY_OK) {
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
      v[i] = wy_null(p->exprs[i].type->kind);
    }
  }
  for (size_t i = 0; i < p->nkeep; i++) v[p->nexprs + i] = r->v[p->keep[i]];
  wy_row_t nr = *r;
  nr.v = v;
  nr.n = n;
  nr.nkey = p->nexprs;
  nr.null_key = false; /* a new key */
  nr.old = NULL;
  wy_row_set_pseudo(&nr);
  return wy_op_forward(op, &nr, err);
}

const wy_op_ops_t wy_op_select_key = {.process = select_key_process};
