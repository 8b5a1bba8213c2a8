/* accumulate.c — aggregate calls over accumulators (accumulate.h). */
#include "engine/operators/accumulate.h"

#include <stdlib.h>
#include <string.h>

#include "engine/formats/rowcodec.h"

wy_status_t wy_acc_open(wy_accumulator_t *a, const wy_plan_step_t *p, wy_error_t *err) {
  memset(a, 0, sizeof *a);
  a->ncalls = p->ncalls;
  size_t maxargs = 0;
  a->types = calloc(p->ncalls + 2, sizeof *a->types);
  for (size_t i = 0; a->types && i < p->ncalls; i++) {
    a->types[i] = p->calls[i].acc_type;
    if (p->calls[i].nargs > maxargs) maxargs = p->calls[i].nargs;
  }
  if (a->types) a->types[p->ncalls] = wy_type_bigint();
  a->args = calloc(maxargs + 1, sizeof *a->args);
  if (!a->types || !a->args) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return WY_OK;
}

void wy_acc_close(wy_accumulator_t *a) {
  free(a->types);
  free(a->args);
  memset(a, 0, sizeof *a);
}

/* ctx->site of a call: what its overload's prepare() built (a loaded UDAF's init
 * arguments), else the settings of a built-in (its limit). */
static const void *call_site(const wy_agg_call_t *c) { return c->site ? c->site : &c->settings; }

static void fn_ctx(wy_op_t *op, wy_fn_ctx_t *ctx, wy_error_t *e) {
  memset(ctx, 0, sizeof *ctx);
  ctx->arena = &op->task->arena;
  ctx->err = e;
}

wy_status_t wy_acc_load(wy_op_t *op, wy_accumulator_t *a, const void *val, size_t len,
                        wy_value_t **acc, int64_t *ts, wy_error_t *err) {
  const wy_plan_step_t *p = op->step;
  wy_task_ctx_t *t = op->task;
  *acc = wy_arena_calloc(&t->arena, a->ncalls + 2, sizeof **acc);
  if (!*acc) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (val) {
    (*acc)[a->ncalls] = wy_null(WY_T_BIGINT); /* a value stored before groups had a time */
    if (wy_rowcodec_decode(val, len, a->types, a->ncalls + 1, &t->arena, *acc, err) != WY_OK)
      return err->code;
    if (!(*acc)[a->ncalls].null) *ts = (*acc)[a->ncalls].u.i64;
    return WY_OK;
  }
  wy_fn_ctx_t ctx;
  wy_error_t e;
  fn_ctx(op, &ctx, &e);
  for (size_t i = 0; i < a->ncalls; i++) {
    ctx.ret = p->calls[i].resolved.ret;
    ctx.site = call_site(&p->calls[i]);
    ctx.arg_types = p->calls[i].resolved.param_types; /* STDDEV's sum has the argument's type */
    ctx.nargs = p->calls[i].nargs;
    if (p->calls[i].ops->init(&ctx, &(*acc)[i]) != WY_OK)
      return wy_error_set(err, WY_ERR_EVAL, "%s", e.msg);
  }
  return WY_OK;
}

wy_status_t wy_acc_add(wy_op_t *op, wy_accumulator_t *a, const wy_row_t *r, wy_value_t *acc,
                       wy_error_t *err) {
  const wy_plan_step_t *p = op->step;
  wy_fn_ctx_t ctx;
  wy_error_t e;
  fn_ctx(op, &ctx, &e);
  for (size_t i = 0; i < a->ncalls; i++) {
    const wy_agg_call_t *c = &p->calls[i];
    bool ok = true;
    for (size_t j = 0; ok && j < c->nargs; j++) {
      if (wy_expr_eval(c->args[j], r->v, &op->task->arena, &a->args[j], &e) != WY_OK) {
        wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
        ok = false;
      }
    }
    if (!ok) continue;
    ctx.ret = c->resolved.ret;
    ctx.site = call_site(c);
    ctx.arg_types = c->resolved.param_types;
    ctx.nargs = c->nargs;
    wy_status_t st = r->retract && c->ops->undo
                         ? c->ops->undo(&ctx, a->args, c->nargs, &acc[i])
                         : c->ops->accumulate(&ctx, a->args, c->nargs, &acc[i]);
    if (st != WY_OK) return wy_error_set(err, st == WY_ERR_NOMEM ? st : WY_ERR_EVAL, "%s", e.msg);
  }
  return WY_OK;
}

wy_status_t wy_acc_merge(wy_op_t *op, wy_accumulator_t *a, const wy_value_t *later, wy_value_t *acc,
                         wy_error_t *err) {
  const wy_plan_step_t *p = op->step;
  wy_fn_ctx_t ctx;
  wy_error_t e;
  fn_ctx(op, &ctx, &e);
  for (size_t i = 0; i < a->ncalls; i++) {
    ctx.ret = p->calls[i].resolved.ret;
    ctx.site = call_site(&p->calls[i]);
    wy_status_t st = p->calls[i].ops->merge(&ctx, &later[i], &acc[i]);
    if (st != WY_OK) return wy_error_set(err, st == WY_ERR_NOMEM ? st : WY_ERR_EVAL, "%s", e.msg);
  }
  return WY_OK;
}

wy_status_t wy_acc_store(wy_op_t *op, wy_accumulator_t *a, const wy_value_t *acc, int64_t ts,
                         size_t *len, wy_error_t *err) {
  wy_value_t *v = wy_arena_alloc(&op->task->arena, (a->ncalls + 1) * sizeof *v);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  memcpy(v, acc, a->ncalls * sizeof *v);
  v[a->ncalls] = wy_bigint(ts);
  return wy_task_row(op->task, a->types, v, a->ncalls + 1, len, err);
}

wy_value_t *wy_acc_result(wy_op_t *op, const wy_row_t *r, const wy_value_t *acc, int64_t wstart,
                          int64_t wend, bool log) {
  const wy_plan_step_t *p = op->step;
  size_t nkey = r->nkey;
  wy_value_t *v = wy_row_values(op->task, nkey + WY_AGG_FIRST_CALL + p->ncalls);
  if (!v) return NULL;
  for (size_t i = 0; i < nkey; i++) v[i] = r->v[i];
  v[nkey] = wy_bigint(wstart);
  v[nkey + 1] = wy_bigint(wend);
  wy_fn_ctx_t ctx;
  wy_error_t e;
  fn_ctx(op, &ctx, &e);
  for (size_t i = 0; i < p->ncalls; i++) {
    ctx.ret = p->calls[i].resolved.ret;
    ctx.site = call_site(&p->calls[i]);
    wy_value_t *out = &v[nkey + WY_AGG_FIRST_CALL + i];
    if (p->calls[i].ops->result(&ctx, &acc[i], out) != WY_OK) {
      if (log) wy_op_log(op, WY_PLOG_RECORD_PROCESSING_ERROR, NULL, r, NULL, e.msg);
      *out = wy_null(p->calls[i].resolved.ret->kind);
    }
  }
  return v;
}
