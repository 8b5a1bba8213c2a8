/* project.c — PROJECT (SELECT): the result row, one expression per column, key
 * columns first. A column whose expression fails is NULL and the error is logged, as
 * ksqlDB does; a delete keeps only its key columns. */
#include "engine/operators/op.h"

static wy_status_t project_process(wy_op_t *op, wy_row_t *r, wy_error_t *err) {
  const wy_plan_step_t *p = op->step;
  wy_value_t *v = wy_row_values(op->task, p->nexprs);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t upto = r->tombstone ? p->out.nkey : p->nexprs;
  for (size_t i = 0; i < upto; i++) {
    wy_error_t e;
    if (wy_expr_eval(p->exprs[i].prog, r->v, &op->task->arena, &v[i], &e) != WY_OK) {
      wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
      v[i] = wy_null(p->exprs[i].type->kind);
    }
  }
  wy_row_t nr = *r;
  nr.v = v;
  nr.n = p->nexprs;
  nr.nkey = p->out.nkey;
  nr.old = NULL;
  wy_row_set_pseudo(&nr);
  return wy_op_forward(op, &nr, err);
}

const wy_op_ops_t wy_op_project = {.process = project_process};
