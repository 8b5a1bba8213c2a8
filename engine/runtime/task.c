/* task.c — a sub-topology's operators and stores for one partition (task.h). */
#include "engine/runtime/task.h"

#include <stdlib.h>
#include <string.h>

/* What a store's restore callback needs: its task and the operator that owns it. */
typedef struct store_owner {
  wy_task_t *task;
  int step;
} store_owner_t;

struct wy_task {
  wy_task_ctx_t ctx;
  wy_task_state_t *state;
  wy_op_t *ops; /* one per step of the sub-topology */
  size_t nops, nopened;
  store_owner_t *owners;
};

static wy_status_t restore_record(void *opaque, const wy_record_t *rec, wy_arena_t *a,
                                  wy_store_op_t *out, bool *skip, wy_error_t *err) {
  const store_owner_t *o = opaque;
  wy_op_t *op = &o->task->ops[o->step];
  if (!op->ops->restore)
    return wy_error_set(err, WY_ERR_INTERNAL, "%s restores no store", wy_step_name(op->step->kind));
  return op->ops->restore(op, rec, a, out, skip, err);
}

static wy_status_t open_stores(wy_task_t *t, wy_error_t *err) {
  const wy_subtopology_t *sub = t->ctx.sub;
  if (!sub->nstores) return WY_OK;
  const wy_exec_env_t *env = t->ctx.env;
  t->ctx.stores = calloc(sub->nstores, sizeof *t->ctx.stores);
  t->owners = calloc(sub->nstores, sizeof *t->owners);
  if (!t->ctx.stores || !t->owners) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_task_state_open(env->state, t->ctx.plan->id, (int)t->ctx.sub_index, t->ctx.partition,
                         &t->state, err) != WY_OK)
    return err->code;
  t->ctx.state = t->state;
  for (size_t i = 0; i < sub->nstores; i++) {
    const wy_plan_store_t *ps = &sub->stores[i];
    wy_store_spec_t spec = {0};
    spec.name = ps->name;
    spec.cache_bytes = -1;
    if (ps->source_topic) {
      /* a table's own topic is its changelog: replayed through the owner's decoding */
      t->owners[i] = (store_owner_t){t, ps->owner};
      spec.changelog = WY_CHANGELOG_TOPIC;
      spec.topic = ps->source_topic;
      spec.restore = restore_record;
      spec.restore_opaque = &t->owners[i];
    } else if (ps->changelog && env->sink) {
      spec.changelog = WY_CHANGELOG_OWN;
      spec.topic = ps->changelog;
      spec.sink = env->sink;
    } else {
      spec.changelog = WY_CHANGELOG_NONE;
    }
    if (wy_task_state_store(t->state, &spec, &t->ctx.stores[i], err) != WY_OK) return err->code;
  }
  return WY_OK;
}

static wy_status_t open_ops(wy_task_t *t, wy_error_t *err) {
  const wy_subtopology_t *sub = t->ctx.sub;
  t->nops = sub->nsteps;
  t->ops = calloc(sub->nsteps + 1, sizeof *t->ops);
  if (!t->ops) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < sub->nsteps; i++) {
    const wy_plan_step_t *s = &sub->steps[i];
    wy_op_t *op = &t->ops[i];
    op->ops = wy_op_ops_of(s->kind);
    op->step = s;
    op->task = &t->ctx;
    if (s->next >= (int)sub->nsteps)
      return wy_error_set(err, WY_ERR_INTERNAL, "step %zu of %s goes to step %d of %zu", i,
                          t->ctx.plan->id, s->next, sub->nsteps);
    op->next = s->next >= 0 ? &t->ops[s->next] : NULL;
    if (!op->ops)
      return wy_error_set(err, WY_ERR_INTERNAL, "no operator for step kind %d", (int)s->kind);
    if (op->ops->state_size && !(op->state = calloc(1, op->ops->state_size)))
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  for (; t->nopened < t->nops; t->nopened++) {
    wy_op_t *op = &t->ops[t->nopened];
    if (op->ops->open && op->ops->open(op, err) != WY_OK) return err->code;
  }
  return WY_OK;
}

wy_status_t wy_task_open(const wy_plan_t *plan, size_t sub, int32_t partition,
                         const wy_exec_env_t *env, wy_task_t **out, wy_error_t *err) {
  *out = NULL;
  if (sub >= plan->nsubs)
    return wy_error_set(err, WY_ERR_INVALID, "query %s has no sub-topology %zu", plan->id, sub);
  wy_task_t *t = calloc(1, sizeof *t);
  if (!t) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  t->ctx.plan = plan;
  t->ctx.sub = &plan->subs[sub];
  t->ctx.sub_index = sub;
  t->ctx.partition = partition;
  t->ctx.env = env;
  wy_arena_init(&t->ctx.arena, 0);
  wy_buf_init(&t->ctx.kbuf);
  wy_buf_init(&t->ctx.vbuf);
  wy_buf_init(&t->ctx.scratch);
  if (open_stores(t, err) != WY_OK || open_ops(t, err) != WY_OK) {
    wy_task_close(t);
    return err->code;
  }
  *out = t;
  return WY_OK;
}

void wy_task_close(wy_task_t *t) {
  if (!t) return;
  for (size_t i = 0; i < t->nops; i++) {
    wy_op_t *op = &t->ops[i];
    if (i < t->nopened && op->ops && op->ops->close) op->ops->close(op);
    free(op->state);
  }
  free(t->ops);
  wy_task_state_close(t->state);
  free(t->ctx.stores);
  free(t->owners);
  wy_arena_release(&t->ctx.arena);
  wy_buf_free(&t->ctx.kbuf);
  wy_buf_free(&t->ctx.vbuf);
  wy_buf_free(&t->ctx.scratch);
  free(t);
}

wy_status_t wy_task_process(wy_task_t *t, size_t input, const wy_record_t *rec, wy_error_t *err) {
  wy_op_t *first = &t->ops[t->ctx.sub->inputs[input].first];
  wy_arena_reset(&t->ctx.arena);
  t->ctx.topic = rec->topic;
  wy_row_t r = {.rec = rec, .partition = rec->partition, .offset = rec->offset};
  return first->ops->process(first, &r, err);
}

wy_status_t wy_task_prepare_commit(wy_task_t *t, wy_error_t *err) {
  for (size_t i = 0; i < t->nops; i++) {
    wy_op_t *op = &t->ops[i];
    if (op->ops->flush && op->ops->flush(op, err) != WY_OK) return err->code;
  }
  return WY_OK;
}

wy_status_t wy_task_commit(wy_task_t *t, wy_error_t *err) {
  return t->state ? wy_task_state_commit(t->state, NULL, 0, err) : WY_OK;
}

wy_status_t wy_task_restore(wy_task_t *t, wy_source_t *src, wy_end_offset_fn end_fn,
                            void *end_opaque, int timeout_ms, wy_error_t *err) {
  if (!t->state) return WY_OK;
  if (wy_task_state_restore(t->state, src, end_fn, end_opaque, timeout_ms, NULL, err) != WY_OK)
    return err->code;
  for (size_t i = 0; i < t->nops; i++) {
    wy_op_t *op = &t->ops[i];
    if (op->ops->restored && op->ops->restored(op, err) != WY_OK) return err->code;
  }
  return WY_OK;
}

bool wy_task_has_state(const wy_task_t *t) { return t->state != NULL; }
