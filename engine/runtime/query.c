/*
 * query.c — running a plan: tasks per (sub-topology, partition), and the steps.
 *
 * A record delivered to a query goes to the task of the sub-topology that reads its
 * topic, for its partition (tasks are created on first use). The task decodes it into a
 * row in its arena, materializes it when the input is a table, and pushes it through
 * the input's steps; sinks and repartitions produce through the engine's sink. Errors in
 * one record (decode, evaluation, encode) are skipped into the processing log; store
 * errors fail the query.
 */
#include "engine/runtime/query_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/intmath.h"
#include "engine/base/log.h"
#include "engine/catalog/format_spec.h"
#include "engine/formats/avro.h"
#include "engine/lineage/lineage.h"
#include "state/keycodec.h"
#include "state/rowcodec.h"

#define NPSEUDO 3

typedef struct row {
  wy_value_t *v;      /* real columns then NPSEUDO pseudo columns */
  size_t n;           /* real columns */
  size_t nkey;
  int64_t ts;
  int32_t partition;
  int64_t offset;
  const wy_header_t *headers;
  size_t nheaders;
  bool tombstone;     /* table delete: only the key columns are meaningful */
  bool retract;       /* undo this row in an aggregate (table aggregation) */
  bool suppress;      /* a retract immediately followed by an add to the same key: no output */
  const wy_value_t *old; /* tables: the previous row in the same layout, or NULL */
  bool windowed;         /* the key has a time window */
  int64_t wstart, wend;
} row_t;

/* The aggregate row's width after the group keys: results, then WINDOWSTART and
 * WINDOWEND at fixed slots (the analyzer's scope uses the same layout). */
#define WY_AGG_WIDTH (WY_PLAN_MAX_AGGS + 2)
#define WY_AGG_WINDOW_SLOT WY_PLAN_MAX_AGGS

/* Per-step runtime state. */
typedef struct step_rt {
  const wy_plan_step_t *step;
  wy_format_codec_t *key_codec, *value_codec; /* SINK, REPARTITION */
  const wy_type_t **value_types;              /* REPARTITION: rowcodec types */
  size_t nvalue;
  wy_store_t *store;                          /* AGGREGATE */
  const wy_type_t **acc_types;
  const wy_type_t **key_types;
  size_t nkey_types;
  int ts_slot;                                /* SINK: TIMESTAMP column, or -1 */
  int64_t stream_time;                        /* AGGREGATE: the largest timestamp seen */
  struct step_rt *next;
} step_rt_t;

typedef struct input_rt {
  const wy_plan_input_t *in;
  wy_format_codec_t *key_codec, *value_codec;
  size_t nkey, nvalue;
  int key_slot[256], value_slot[256];
  const wy_type_t **types;   /* all columns, for the row codec */
  wy_store_t *store;         /* tables */
  step_rt_t *steps;
} input_rt_t;

struct wy_task {
  wy_query_t *q;
  size_t sub;
  int32_t partition;
  input_rt_t inputs[2];
  size_t ninputs;
  wy_task_state_t *state;
  wy_arena_t arena;
  wy_buf_t kbuf, vbuf;
  uint8_t *scratch;
  size_t scratch_cap;
};

/* ---- helpers ----------------------------------------------------------------------- */

static bool ensure_scratch(wy_task_t *t, size_t n) {
  if (n <= t->scratch_cap) return true;
  size_t cap = t->scratch_cap ? t->scratch_cap : 1024;
  while (cap < n) cap *= 2;
  uint8_t *p = realloc(t->scratch, cap);
  if (!p) return false;
  t->scratch = p;
  t->scratch_cap = cap;
  return true;
}

static void plog(wy_task_t *t, wy_plog_type_t type, const char *step, const row_t *r,
                 const char *target, const char *msg) {
  wy_plog_report(wy_engine_plog(t->q->engine), type, t->q->plan->id, step, t->q->cur_topic,
                 r ? r->partition : t->partition, r ? r->offset : -1, target, msg);
}

/* A codec for the columns [from, to) of a schema. Schema Registry formats get the
 * engine's registry and the subject <topic>-key/-value; writers (sinks, repartitions)
 * register their schema when the codec is built. */
static wy_format_codec_t *codec_for(wy_task_t *t, const wy_format_spec_t *spec, const wy_schema_t *schema,
                                    size_t from, size_t to, bool is_key, const char *topic, bool write,
                                    const uint8_t *projection, wy_error_t *err) {
  wy_format_column_t cols[256];
  size_t n = 0;
  for (size_t i = from; i < to && n < 256; i++) {
    cols[n].name = schema->cols[i].name;
    cols[n].type = schema->cols[i].type;
    n++;
  }
  char keyname[256];
  wy_codec_request_t req = {is_key, topic, wy_engine_schema_registry(t->q->engine), write, NULL, projection, 0};
  if (is_key && write && t->q->plan->sink_name) {
    /* ksqlDB names a sink's key record after the sink */
    wy_avro_key_schema_name(t->q->plan->sink_name, keyname, sizeof keyname);
    req.default_full_name = keyname;
  }
  return wy_format_spec_codec(spec, cols, n, &req, err);
}

static const wy_type_t **types_of(const wy_schema_t *s, size_t from, size_t to) {
  const wy_type_t **t = calloc(to > from ? to - from : 1, sizeof *t);
  if (!t) return NULL;
  for (size_t i = from; i < to; i++) t[i - from] = s->cols[i].type;
  return t;
}

static bool is_internal(const wy_format_spec_t *f) { return strcmp(f->name, "INTERNAL") == 0; }

/* ---- task construction ------------------------------------------------------------- */

static void step_rt_free(step_rt_t *s) {
  while (s) {
    step_rt_t *next = s->next;
    wy_format_codec_destroy(s->key_codec);
    wy_format_codec_destroy(s->value_codec);
    free(s->value_types);
    free(s->acc_types);
    free(s->key_types);
    free(s);
    s = next;
  }
}

/* Store names: the runtime derives changelog topic names from them. */
#define STORE_AGGREGATE "Aggregate-Materialize"
static const char *join_store_name(const wy_plan_step_t *s) {
  return s->this_is_left ? "KSTREAM-JOINTHIS-store" : "KSTREAM-JOINOTHER-store";
}

static wy_status_t table_restore(void *opaque, const wy_record_t *rec, wy_arena_t *a, wy_store_op_t *op,
                                 bool *skip, wy_error_t *err);

static wy_status_t open_store(wy_task_t *t, const char *name, const char *topic, wy_store_t **out,
                              wy_error_t *err) {
  if (!t->state) {
    if (wy_task_state_open(wy_engine_state_env(t->q->engine), t->q->plan->id, (int)t->sub, t->partition,
                           &t->state, err) != WY_OK)
      return err->code;
  }
  wy_store_spec_t spec = {0};
  spec.name = name;
  spec.changelog = topic ? WY_CHANGELOG_TOPIC : WY_CHANGELOG_OWN;
  spec.topic = topic;
  spec.sink = wy_engine_changelog_sink(t->q->engine);
  spec.cache_bytes = -1;
  if (topic) { /* the source topic holds the source's format; the store holds row encodings */
    spec.restore = table_restore;
    spec.restore_opaque = t;
  }
  if (!spec.sink && !topic) spec.changelog = WY_CHANGELOG_NONE;
  return wy_task_state_store(t->state, &spec, out, err);
}

static wy_status_t build_steps(wy_task_t *t, input_rt_t *ir, const wy_schema_t *in_schema,
                               size_t in_nkey, wy_error_t *err) {
  const wy_schema_t *cur = in_schema;
  size_t cur_nkey = in_nkey;
  step_rt_t **tail = &ir->steps;
  for (const wy_plan_step_t *s = ir->in->steps; s; s = s->next) {
    step_rt_t *r = calloc(1, sizeof *r);
    if (!r) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    r->step = s;
    r->ts_slot = -1;
    *tail = r;
    tail = &r->next;
    switch (s->kind) {
    case WY_STEP_SINK: {
      r->key_codec = codec_for(t, &s->key_format, cur, 0, cur_nkey, true, s->topic, true, NULL, err);
      if (!r->key_codec) return err->code;
      r->value_codec = codec_for(t, &s->value_format, cur, cur_nkey, cur->n, false, s->topic, true, NULL, err);
      if (!r->value_codec) return err->code;
      const wy_source_def_t *sink = wy_catalog_find(wy_engine_catalog(t->q->engine), t->q->plan->sink_name);
      if (sink && sink->timestamp_column) r->ts_slot = wy_schema_find(cur, sink->timestamp_column);
      break;
    }
    case WY_STEP_REPARTITION:
      r->key_codec = codec_for(t, &s->key_format, cur, 0, cur_nkey, true, s->topic, true, NULL, err);
      if (!r->key_codec) return err->code;
      r->nvalue = cur->n - cur_nkey;
      r->value_types = types_of(cur, cur_nkey, cur->n);
      break;
    case WY_STEP_JOIN:
      if (s->windowed) {
        if (open_store(t, join_store_name(s), NULL, &r->store, err) != WY_OK) return err->code;
      }
      break;
    case WY_STEP_AGGREGATE: {
      if (open_store(t, STORE_AGGREGATE, NULL, &r->store, err) != WY_OK) return err->code;
      r->acc_types = calloc(s->naggs ? s->naggs : 1, sizeof *r->acc_types);
      for (size_t i = 0; i < s->naggs; i++) r->acc_types[i] = s->aggs[i].acc_type;
      cur = &s->out_schema;
      cur_nkey = s->out_nkey;
      break;
    }
    case WY_STEP_PROJECT:
    case WY_STEP_SELECT_KEY:
      cur = &s->out_schema;
      cur_nkey = s->out_nkey;
      break;
    default:
      break;
    }
  }
  return WY_OK;
}

static wy_status_t build_input(wy_task_t *t, input_rt_t *ir, const wy_plan_input_t *in, wy_error_t *err) {
  ir->in = in;
  const wy_schema_t *s = &in->schema;
  /* row codec types: every column, then ROWTIME (tables and join buffers keep it) */
  ir->types = calloc(s->n + 1, sizeof *ir->types);
  if (!ir->types) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < s->n; i++) ir->types[i] = s->cols[i].type;
  ir->types[s->n] = wy_type_bigint();
  for (size_t i = 0; i < s->n; i++) {
    if (s->cols[i].ns == WY_NS_KEY) ir->key_slot[ir->nkey++] = (int)i;
    else if (s->cols[i].ns == WY_NS_VALUE) ir->value_slot[ir->nvalue++] = (int)i;
  }
  /* Codecs over the key and value columns (in schema order). */
  wy_schema_t ks, vs;
  wy_schema_init(&ks);
  wy_schema_init(&vs);
  for (size_t i = 0; i < ir->nkey; i++)
    wy_schema_add(&ks, s->cols[ir->key_slot[i]].name, wy_type_ref(s->cols[ir->key_slot[i]].type), WY_NS_KEY, NULL, err);
  for (size_t i = 0; i < ir->nvalue; i++)
    wy_schema_add(&vs, s->cols[ir->value_slot[i]].name, wy_type_ref(s->cols[ir->value_slot[i]].type), WY_NS_VALUE,
                  NULL, err);
  wy_status_t st = WY_OK;
  ir->key_codec = codec_for(t, &in->key_format, &ks, 0, ks.n, true, in->topic, false, NULL, err);
  if (!ir->key_codec) st = err->code;
  if (st == WY_OK && !is_internal(&in->value_format)) {
    uint8_t mask[256];
    if (in->used)
      for (size_t i = 0; i < ir->nvalue; i++) mask[i] = in->used[ir->value_slot[i]];
    ir->value_codec = codec_for(t, &in->value_format, &vs, 0, vs.n, false, in->topic, false,
                                in->used ? mask : NULL, err);
    if (!ir->value_codec) st = err->code;
  }
  wy_schema_clear(&ks);
  wy_schema_clear(&vs);
  if (st != WY_OK) return st;
  if (in->is_table) {
    if (open_store(t, in->store_name, in->topic, &ir->store, err) != WY_OK) return err->code;
  }
  return build_steps(t, ir, s, in->nkey, err);
}

static wy_status_t task_new(wy_query_t *q, size_t sub, int32_t partition, wy_task_t **out, wy_error_t *err) {
  wy_task_t *t = calloc(1, sizeof *t);
  if (!t) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  t->q = q;
  t->sub = sub;
  t->partition = partition;
  wy_arena_init(&t->arena, 0);
  wy_buf_init(&t->kbuf);
  wy_buf_init(&t->vbuf);
  const wy_subtopology_t *st = &q->plan->subs[sub];
  t->ninputs = st->ninputs;
  for (size_t i = 0; i < st->ninputs; i++) {
    if (build_input(t, &t->inputs[i], &st->inputs[i], err) != WY_OK) {
      wy_task_destroy(t);
      return err->code;
    }
  }
  *out = t;
  return WY_OK;
}

void wy_task_destroy(wy_task_t *t) {
  if (!t) return;
  for (size_t i = 0; i < t->ninputs; i++) {
    input_rt_t *ir = &t->inputs[i];
    wy_format_codec_destroy(ir->key_codec);
    wy_format_codec_destroy(ir->value_codec);
    free(ir->types);
    step_rt_free(ir->steps);
  }
  wy_task_state_close(t->state);
  wy_arena_release(&t->arena);
  wy_buf_free(&t->kbuf);
  wy_buf_free(&t->vbuf);
  free(t->scratch);
  free(t);
}

/* ---- rows -------------------------------------------------------------------------- */

static void set_pseudo(row_t *r) {
  r->v[r->n] = wy_bigint(r->ts);
  r->v[r->n + 1] = wy_int(r->partition);
  r->v[r->n + 2] = wy_bigint(r->offset);
}

/* A row of n columns (+ pseudo columns), all NULL. Only the tags are written: the rest
 * of a NULL value is never read. */
static wy_value_t *row_alloc(wy_task_t *t, size_t n) {
  wy_value_t *v = wy_arena_alloc(&t->arena, (n + NPSEUDO) * sizeof *v);
  if (v)
    for (size_t i = 0; i < n + NPSEUDO; i++) {
      v[i].kind = WY_T_STRING;
      v[i].null = 1;
    }
  return v;
}

/* Encode values (all columns of a row) for a table store. */
static wy_status_t encode_row(wy_task_t *t, const wy_type_t *const *types, const wy_value_t *v, size_t n,
                              size_t *len, wy_error_t *err) {
  for (;;) {
    size_t need = 0;
    wy_status_t st = wy_rowcodec_encode(types, v, n, t->scratch, t->scratch_cap, &need, err);
    if (st != WY_OK) return st;
    if (need <= t->scratch_cap) {
      *len = need;
      return WY_OK;
    }
    if (!ensure_scratch(t, need)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
}

static size_t encode_key(wy_task_t *t, const wy_value_t *v, size_t n) {
  for (;;) {
    size_t need = wy_keycodec_encode(v, n, t->scratch, t->scratch_cap);
    if (need <= t->scratch_cap) return need;
    if (!ensure_scratch(t, need)) return 0;
  }
}

/* ---- steps ------------------------------------------------------------------------- */

static wy_status_t run_steps(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err);

/* Did the previous version of this key pass the predicate (so its removal must be
 * forwarded)? Without a previous version, nothing was emitted for the key. */
static bool old_passes(wy_task_t *t, step_rt_t *s, const row_t *r) {
  if (!r->old) return false;
  wy_value_t out;
  wy_error_t e;
  if (wy_expr_eval(s->step->predicate, r->old, &t->arena, &out, &e) != WY_OK) return false;
  return !out.null && out.u.b;
}

static wy_status_t step_filter(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err) {
  /* A stream record with a null value never passes a filter; a table delete passes when
   * the deleted row was in the result. */
  if (r->tombstone) {
    if (!t->q->table_semantics) return WY_OK;
    if (r->old && !old_passes(t, s, r)) return WY_OK;
    return run_steps(t, ir, s->next, r, err);
  }
  wy_value_t out;
  wy_error_t e;
  if (wy_expr_eval(s->step->predicate, r->v, &t->arena, &out, &e) != WY_OK) {
    plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Filter", r, NULL, e.msg);
    return WY_OK;
  }
  bool pass = !out.null && out.u.b;
  if (pass) return run_steps(t, ir, s->next, r, err);
  if (t->q->table_semantics && old_passes(t, s, r)) {
    /* the key leaves the result: a delete, as Kafka Streams' KTable filter sends */
    r->tombstone = true;
    return run_steps(t, ir, s->next, r, err);
  }
  return WY_OK;
}

static wy_status_t step_project(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err) {
  const wy_plan_step_t *p = s->step;
  wy_value_t *v = row_alloc(t, p->nexprs);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  size_t upto = r->tombstone ? p->out_nkey : p->nexprs;
  for (size_t i = 0; i < upto; i++) {
    wy_error_t e;
    if (wy_expr_eval(p->exprs[i].prog, r->v, &t->arena, &v[i], &e) != WY_OK) {
      /* ksqlDB: the column becomes NULL and the error is logged. */
      plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Project", r, NULL, e.msg);
      v[i] = wy_null(p->exprs[i].type->kind);
    }
  }
  row_t nr = *r;
  nr.v = v;
  nr.n = p->nexprs;
  nr.nkey = p->out_nkey;
  nr.old = NULL;
  set_pseudo(&nr);
  return run_steps(t, ir, s->next, &nr, err);
}

static wy_status_t step_select_key(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err) {
  const wy_plan_step_t *p = s->step;
  size_t n = p->nexprs + p->nkeep;
  wy_value_t *v = row_alloc(t, n);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < p->nexprs; i++) {
    wy_error_t e;
    if (wy_expr_eval(p->exprs[i].prog, r->v, &t->arena, &v[i], &e) != WY_OK) {
      plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, wy_step_name(p->kind), r, NULL, e.msg);
      v[i] = wy_null(p->exprs[i].type->kind);
    }
  }
  for (size_t i = 0; i < p->nkeep; i++) v[p->nexprs + i] = r->v[p->keep[i]];
  row_t nr = *r;
  nr.v = v;
  nr.n = n;
  nr.nkey = p->nexprs;
  nr.old = NULL;
  set_pseudo(&nr);
  return run_steps(t, ir, s->next, &nr, err);
}

static wy_status_t produce(wy_task_t *t, const char *topic, const void *k, size_t klen, const void *v,
                           size_t vlen, const row_t *r, int64_t ts, wy_error_t *err) {
  wy_sink_t *sink = wy_engine_sink(t->q->engine);
  return wy_sink_send(sink, topic, -1, k, klen, v, vlen, r->headers, r->nheaders, ts, NULL, err);
}

static wy_status_t step_repartition(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err) {
  (void)ir;
  bool null_key = false;
  wy_error_t e;
  for (size_t i = 0; i < r->nkey; i++)
    if (r->v[i].null) null_key = true;
  if (null_key) {
    /* ksqlDB drops records whose new key is NULL before a repartition. */
    plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Repartition", r, "key",
         "record with a NULL key dropped before repartitioning");
    return WY_OK;
  }
  if (wy_format_encode(s->key_codec, r->v, &t->kbuf, &null_key, &e) != WY_OK) {
    plog(t, WY_PLOG_SERIALIZATION_ERROR, "Repartition", r, "key", e.msg);
    return WY_OK;
  }
  /* value: one flag byte (1 tombstone, 2 retract), then the row codec */
  size_t len = 0;
  if (!r->tombstone &&
      encode_row(t, s->value_types, r->v + r->nkey, r->n - r->nkey, &len, err) != WY_OK)
    return err->code;
  if (!ensure_scratch(t, len + 1)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  memmove(t->scratch + 1, t->scratch, len);
  t->scratch[0] = (uint8_t)((r->tombstone ? 1 : 0) | (r->retract ? 2 : 0) | (r->suppress ? 4 : 0));
  return produce(t, s->step->topic, null_key ? NULL : t->kbuf.data, null_key ? 0 : t->kbuf.len, t->scratch,
                 len + 1, r, r->ts, err);
}

static wy_status_t step_sink(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err) {
  (void)ir;
  bool null_key = r->nkey == 0, null_value = false;
  wy_error_t e;
  if (!null_key && wy_format_encode(s->key_codec, r->v, &t->kbuf, &null_key, &e) != WY_OK) {
    plog(t, WY_PLOG_SERIALIZATION_ERROR, "Sink", r, "key", e.msg);
    return WY_OK;
  }
  if (!r->tombstone && wy_format_encode(s->value_codec, r->v + r->nkey, &t->vbuf, &null_value, &e) != WY_OK) {
    plog(t, WY_PLOG_SERIALIZATION_ERROR, "Sink", r, "value", e.msg);
    return WY_OK;
  }
  int64_t ts = r->ts;
  if (s->ts_slot >= 0 && !r->v[s->ts_slot].null)
    ts = r->v[s->ts_slot].kind == WY_T_INT ? r->v[s->ts_slot].u.i32 : r->v[s->ts_slot].u.i64;
  if (ts < 0) {
    plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Sink", r, NULL, "invalid (negative) timestamp: record skipped");
    return WY_OK;
  }
  if (r->windowed && !null_key) {
    /* Kafka Streams' time-windowed key: the inner key, then the window start (BE) */
    uint8_t be[8];
    for (int i = 0; i < 8; i++) be[i] = (uint8_t)((uint64_t)r->wstart >> (56 - 8 * i));
    if (!wy_buf_append(&t->kbuf, be, 8)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  bool nullv = r->tombstone || null_value;
  if (t->q->lineage_out) {
    t->q->pending_out[0]++;
    t->q->pending_out[1] += (null_key ? 0 : t->kbuf.len) + (nullv ? 0 : t->vbuf.len);
  }
  return produce(t, s->step->topic, null_key ? NULL : t->kbuf.data, null_key ? 0 : t->kbuf.len,
                 nullv ? NULL : t->vbuf.data, nullv ? 0 : t->vbuf.len, r, ts, err);
}

/* Aggregate one record into one group (and window, when wend > wstart). The aggregate
 * row is [group keys][results][WINDOWSTART, WINDOWEND at WY_AGG_WINDOW_SLOT], then the
 * pseudo columns. */
static wy_status_t aggregate_one(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, int64_t wstart, int64_t wend,
                                 wy_error_t *err) {
  const wy_plan_step_t *p = s->step;
  bool windowed = p->window_size > 0;
  size_t klen;
  if (windowed) {
    wy_value_t kv[17];
    size_t nk = r->nkey < 16 ? r->nkey : 16;
    memcpy(kv, r->v, nk * sizeof *kv);
    kv[nk] = wy_bigint(wstart);
    klen = encode_key(t, kv, nk + 1);
  } else {
    klen = encode_key(t, r->v, r->nkey);
  }
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  uint8_t *key = wy_arena_alloc(&t->arena, klen);
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  memcpy(key, t->scratch, klen);
  const void *old;
  size_t oldlen;
  bool found;
  if (wy_store_get(s->store, key, klen, &old, &oldlen, &found, err) != WY_OK) return err->code;
  wy_value_t *acc = wy_arena_calloc(&t->arena, p->naggs ? p->naggs : 1, sizeof *acc);
  if (!acc) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_fn_ctx_t ctx;
  memset(&ctx, 0, sizeof ctx);
  wy_error_t e;
  ctx.arena = &t->arena;
  ctx.err = &e;
  if (found) {
    if (wy_rowcodec_decode(old, oldlen, s->acc_types, p->naggs, &t->arena, acc, err) != WY_OK) return err->code;
  } else {
    for (size_t i = 0; i < p->naggs; i++) {
      ctx.ret = p->aggs[i].resolved.ret;
      if (p->aggs[i].ops->init(&ctx, &acc[i]) != WY_OK) return wy_error_set(err, WY_ERR_EVAL, "%s", e.msg);
    }
  }
  /* The previous aggregate row, for HAVING's delete semantics. */
  wy_value_t *old_row = NULL;
  if (found) {
    old_row = row_alloc(t, r->nkey + WY_AGG_WIDTH);
    if (!old_row) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    old_row[r->nkey + WY_AGG_WINDOW_SLOT] = wy_bigint(wstart);
    old_row[r->nkey + WY_AGG_WINDOW_SLOT + 1] = wy_bigint(wend);
    for (size_t i = 0; i < r->nkey; i++) old_row[i] = r->v[i];
    for (size_t i = 0; i < p->naggs; i++) {
      ctx.ret = p->aggs[i].resolved.ret;
      if (p->aggs[i].ops->result(&ctx, &acc[i], &old_row[r->nkey + i]) != WY_OK)
        old_row[r->nkey + i] = wy_null(p->aggs[i].resolved.ret->kind);
    }
    old_row[r->nkey + WY_AGG_WIDTH] = wy_bigint(r->ts);
    old_row[r->nkey + WY_AGG_WIDTH + 1] = wy_int(r->partition);
    old_row[r->nkey + WY_AGG_WIDTH + 2] = wy_bigint(r->offset);
  }
  for (size_t i = 0; i < p->naggs; i++) {
    const wy_plan_agg_t *a = &p->aggs[i];
    wy_value_t args[16];
    bool ok = true;
    for (size_t j = 0; j < a->nargs && j < 16; j++) {
      if (wy_expr_eval(a->args[j], r->v, &t->arena, &args[j], &e) != WY_OK) {
        plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Aggregate", r, NULL, e.msg);
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    ctx.ret = a->resolved.ret;
    ctx.arg_types = a->resolved.param_types;
    ctx.nargs = a->nargs;
    wy_status_t st = r->retract && a->ops->undo ? a->ops->undo(&ctx, args, a->nargs, &acc[i])
                                                : a->ops->accumulate(&ctx, args, a->nargs, &acc[i]);
    if (st != WY_OK) plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Aggregate", r, NULL, e.msg);
  }
  size_t vlen;
  if (encode_row(t, s->acc_types, acc, p->naggs, &vlen, err) != WY_OK) return err->code;
  if (wy_task_state_set_timestamp(t->state, r->ts), wy_store_put(s->store, key, klen, t->scratch, vlen, err) != WY_OK)
    return err->code;
  if (r->suppress) return WY_OK; /* the add that follows emits the result */
  /* The aggregate row: keys, results, pseudo. */
  wy_value_t *v = row_alloc(t, r->nkey + WY_AGG_WIDTH);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < r->nkey; i++) v[i] = r->v[i];
  v[r->nkey + WY_AGG_WINDOW_SLOT] = wy_bigint(wstart);
  v[r->nkey + WY_AGG_WINDOW_SLOT + 1] = wy_bigint(wend);
  for (size_t i = 0; i < p->naggs; i++) {
    ctx.ret = p->aggs[i].resolved.ret;
    if (p->aggs[i].ops->result(&ctx, &acc[i], &v[r->nkey + i]) != WY_OK) {
      plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Aggregate", r, NULL, e.msg);
      v[r->nkey + i] = wy_null(p->aggs[i].resolved.ret->kind);
    }
  }
  row_t nr = *r;
  nr.v = v;
  nr.n = r->nkey + WY_AGG_WIDTH;
  nr.retract = false;
  nr.old = old_row;
  nr.windowed = windowed;
  nr.wstart = wstart;
  nr.wend = wend;
  set_pseudo(&nr);
  return run_steps(t, ir, s->next, &nr, err);
}

static wy_status_t step_aggregate(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err) {
  const wy_plan_step_t *p = s->step;
  if (r->tombstone) return WY_OK; /* a deleted table row was retracted already */
  for (size_t i = 0; i < r->nkey; i++)
    if (r->v[i].null) {
      plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Aggregate", r, "key", "GROUP BY key is NULL: record skipped");
      return WY_OK;
    }
  if (p->window_size <= 0) return aggregate_one(t, ir, s, r, 0, 0, err);
  /* Time windows: every window [start, start + size) holding ts, start a multiple of the
   * advance (= size for tumbling). A window closes once stream time passes its end plus
   * the grace period; records for closed windows are dropped, as Kafka Streams does. */
  if (r->ts > s->stream_time) s->stream_time = r->ts;
  int64_t size = p->window_size, adv = p->window_advance > 0 ? p->window_advance : size;
  int64_t first = wy_floor_div(r->ts - size, adv) * adv + adv; /* the earliest start with ts < start + size */
  if (first < 0) first = 0;
  bool any = false;
  for (int64_t start = first; start <= r->ts; start += adv) {
    if (start + size + p->window_grace <= s->stream_time) continue;
    any = true;
    if (aggregate_one(t, ir, s, r, start, start + size, err) != WY_OK) return err->code;
  }
  if (!any) plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Aggregate", r, NULL, "record for a closed window dropped");
  return WY_OK;
}

/* Look a join key up in the other input's table store: the row (its columns, then its
 * ROWTIME in the first pseudo slot), or NULL. */
static wy_status_t lookup(wy_task_t *t, input_rt_t *other, const wy_value_t *key, size_t nkey,
                          wy_value_t **row_out, wy_error_t *err) {
  *row_out = NULL;
  size_t klen = encode_key(t, key, nkey);
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  const void *val;
  size_t vlen;
  bool found;
  if (wy_store_get(other->store, t->scratch, klen, &val, &vlen, &found, err) != WY_OK) return err->code;
  if (!found) return WY_OK;
  size_t n = other->in->schema.n;
  wy_value_t *v = row_alloc(t, n);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_rowcodec_decode(val, vlen, other->types, n + 1, &t->arena, v, err) != WY_OK) return err->code;
  *row_out = v;
  return WY_OK;
}

static step_rt_t *join_step_of(input_rt_t *in) {
  for (step_rt_t *s = in->steps; s; s = s->next)
    if (s->step->kind == WY_STEP_JOIN) return s;
  return NULL;
}

/* Build the joined row [left cols, left pseudo, right cols, right pseudo, ROWKEY] and
 * continue with the steps after the left input's join step. lv/rv are rows of their
 * input (after the leading re-key slots), NULL for a missing side. */
static wy_status_t emit_join(wy_task_t *t, const row_t *r, const wy_value_t *lv, const wy_value_t *rv,
                             const wy_value_t *key, int64_t ts, bool tombstone, wy_error_t *err) {
  input_rt_t *left = &t->inputs[0], *right = &t->inputs[1];
  step_rt_t *ljs = join_step_of(left), *rjs = join_step_of(right);
  size_t ldrop = ljs ? ljs->step->nkeep : 0, rdrop = rjs ? rjs->step->nkeep : 0;
  size_t ln = left->in->schema.n - ldrop, rn = right->in->schema.n - rdrop;
  size_t total = ln + NPSEUDO + rn + NPSEUDO + 1;
  wy_value_t *v = row_alloc(t, total);
  if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < ln + NPSEUDO; i++) v[i] = lv ? lv[i] : wy_null(WY_T_STRING);
  for (size_t i = 0; i < rn + NPSEUDO; i++) v[ln + NPSEUDO + i] = rv ? rv[i] : wy_null(WY_T_STRING);
  v[total - 1] = *key;
  /* A missing side still has the join key: its key column equals the other side's (so
   * deletes and outer rows keep their key). Re-keyed sides have no such column. */
  if (!lv && ljs && ljs->step->nkeep == 0 && (size_t)ljs->step->key_slot < ln) v[ljs->step->key_slot] = *key;
  if (!rv && rjs && rjs->step->nkeep == 0 && (size_t)rjs->step->key_slot < rn) v[ln + NPSEUDO + rjs->step->key_slot] = *key;
  if (!rv && !rjs && (size_t)right->in->nkey == 1) {
    /* stream-table: the table input has no join step; its key column is its first */
    for (size_t i = 0; i < right->in->schema.n; i++)
      if (right->in->schema.cols[i].ns == WY_NS_KEY) {
        v[ln + NPSEUDO + i] = *key;
        break;
      }
  }
  row_t out = *r;
  out.v = v;
  out.n = total;
  out.nkey = 1;
  out.ts = ts;
  out.tombstone = tombstone;
  out.old = NULL;
  set_pseudo(&out);
  return run_steps(t, left, ljs ? ljs->next : NULL, &out, err);
}

/* The row of an input at the join: drop the re-key slots, keep the pseudo columns. */
static const wy_value_t *join_side(const row_t *r, size_t drop) { return r->v + drop; }

static wy_status_t step_join(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err) {
  const wy_plan_step_t *p = s->step;
  bool this_left = p->this_is_left;
  input_rt_t *other = &t->inputs[p->other_input];
  const wy_value_t *mine = join_side(r, p->nkeep);
  wy_value_t key = r->v[p->key_slot];
  bool this_kept = this_left ? p->left_outer : p->right_outer;
  bool other_kept = this_left ? p->right_outer : p->left_outer;
  if (key.null) {
    if (!r->tombstone)
      plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "Join", r, "key", "join key is NULL: record skipped");
    return WY_OK;
  }
#define EMIT(mv, ov, ts, tomb)                                                              \
  emit_join(t, r, this_left ? (mv) : (ov), this_left ? (ov) : (mv), &key, ts, tomb, err)
  if (p->windowed) {
    if (r->tombstone) return WY_OK; /* stream records with null values do not join */
    /* remember this record, then match the other side's buffer in the window */
    wy_value_t k3[3] = {key, wy_bigint(r->ts), wy_bigint(r->offset)};
    size_t klen = encode_key(t, k3, 3);
    uint8_t *kb = wy_arena_alloc(&t->arena, klen);
    if (!kb) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    memcpy(kb, t->scratch, klen);
    size_t vlen;
    if (encode_row(t, ir->types, r->v, ir->in->schema.n + 1, &vlen, err) != WY_OK) return err->code;
    if (wy_task_state_set_timestamp(t->state, r->ts), wy_store_put(s->store, kb, klen, t->scratch, vlen, err) != WY_OK)
      return err->code;
    step_rt_t *os = join_step_of(other);
    if (!os || !os->store) return WY_OK;
    wy_value_t lo[2] = {key, wy_bigint(r->ts - p->window_before)};
    wy_value_t hi[2] = {key, wy_bigint(r->ts + p->window_after + 1)};
    size_t lolen = encode_key(t, lo, 2);
    uint8_t *lob = wy_arena_alloc(&t->arena, lolen);
    if (!lob) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    memcpy(lob, t->scratch, lolen);
    size_t hilen = encode_key(t, hi, 2);
    uint8_t *hib = wy_arena_alloc(&t->arena, hilen);
    if (!hib) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    memcpy(hib, t->scratch, hilen);
    wy_store_iter_t *it;
    if (wy_store_range(os->store, lob, lolen, hib, hilen, &it, err) != WY_OK) return err->code;
    size_t on = other->in->schema.n;
    /* collect first: emitting writes to the stores and may invalidate the iterator */
    size_t nmatch = 0, cap = 8;
    wy_value_t **matches = wy_arena_alloc(&t->arena, cap * sizeof *matches);
    for (; matches && wy_store_iter_valid(it); wy_store_iter_next(it)) {
      size_t len;
      const void *val = wy_store_iter_value(it, &len);
      wy_value_t *ov = row_alloc(t, on);
      if (!ov || wy_rowcodec_decode(val, len, other->types, on + 1, &t->arena, ov, err) != WY_OK) {
        wy_store_iter_destroy(it);
        return err->code ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      }
      if (nmatch == cap) {
        wy_value_t **grown = wy_arena_alloc(&t->arena, 2 * cap * sizeof *grown);
        if (!grown) break;
        memcpy(grown, matches, cap * sizeof *grown);
        matches = grown;
        cap *= 2;
      }
      matches[nmatch++] = ov;
    }
    wy_status_t st = wy_store_iter_status(it, err);
    wy_store_iter_destroy(it);
    if (st != WY_OK) return st;
    for (size_t i = 0; i < nmatch; i++) {
      const wy_value_t *ov = join_side(&(row_t){.v = matches[i]}, os->step->nkeep);
      int64_t ots = matches[i][on].null ? r->ts : matches[i][on].u.i64;
      if (EMIT(mine, ov, r->ts > ots ? r->ts : ots, false) != WY_OK) return err->code;
    }
    if (nmatch == 0 && this_kept) return EMIT(mine, NULL, r->ts, false);
    return WY_OK;
  }
  if (!other->store) return WY_OK;
  wy_value_t *theirs = NULL;
  if (lookup(t, other, &key, 1, &theirs, err) != WY_OK) return err->code;
  const wy_value_t *ov = theirs ? join_side(&(row_t){.v = theirs}, join_step_of(other) ? join_step_of(other)->step->nkeep : 0) : NULL;
  if (!p->emit_on_update) {
    /* stream-table: the stream record looks the table up */
    if (r->tombstone) return WY_OK;
    if (ov) return EMIT(mine, ov, r->ts, false);
    return this_kept ? EMIT(mine, NULL, r->ts, false) : WY_OK;
  }
  /* table-table: an update of either side */
  if (!r->tombstone) {
    if (ov) return EMIT(mine, ov, r->ts, false);
    if (this_kept) return EMIT(mine, NULL, r->ts, false);
    return WY_OK;
  }
  if (ov) return other_kept ? EMIT(NULL, ov, r->ts, false) : EMIT(NULL, NULL, r->ts, true);
  if (this_kept && r->old) return EMIT(NULL, NULL, r->ts, true);
  return WY_OK;
#undef EMIT
}

static wy_status_t run_steps(wy_task_t *t, input_rt_t *ir, step_rt_t *s, row_t *r, wy_error_t *err) {
  if (!s) return WY_OK;
  switch (s->step->kind) {
  case WY_STEP_FILTER: return step_filter(t, ir, s, r, err);
  case WY_STEP_PROJECT: return step_project(t, ir, s, r, err);
  case WY_STEP_SELECT_KEY: return step_select_key(t, ir, s, r, err);
  case WY_STEP_REPARTITION: return step_repartition(t, ir, s, r, err);
  case WY_STEP_AGGREGATE: return step_aggregate(t, ir, s, r, err);
  case WY_STEP_JOIN: return step_join(t, ir, s, r, err);
  case WY_STEP_SINK: return step_sink(t, ir, s, r, err);
  default: return run_steps(t, ir, s->next, r, err);
  }
}

/* ---- decoding and delivery --------------------------------------------------------- */

static wy_status_t decode_record(wy_task_t *t, input_rt_t *ir, const wy_record_t *rec, row_t *r, bool *skip,
                                 wy_error_t *err) {
  const wy_plan_input_t *in = ir->in;
  size_t n = in->schema.n;
  *skip = false;
  memset(r, 0, sizeof *r);
  r->v = row_alloc(t, n);
  if (!r->v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  r->n = n;
  r->nkey = in->nkey;
  r->ts = rec->timestamp;
  r->partition = rec->partition;
  r->offset = rec->offset;
  r->headers = rec->headers;
  r->nheaders = rec->nheaders;
  wy_error_t e;
  /* key */
  if (ir->nkey && rec->key) {
    wy_value_t kv[256];
    bool null_row = false;
    if (wy_format_decode(ir->key_codec, rec->key, rec->key_len, &t->arena, kv, &null_row, &e) != WY_OK) {
      plog(t, WY_PLOG_DESERIALIZATION_ERROR, "KsqlTopic.Source", r, "key", e.msg);
      *skip = true;
      return WY_OK;
    }
    for (size_t i = 0; i < ir->nkey; i++) r->v[ir->key_slot[i]] = kv[i];
  }
  /* value */
  if (!rec->value) {
    r->tombstone = true;
    return WY_OK;
  }
  if (is_internal(&in->value_format)) {
    const uint8_t *p = rec->value;
    if (rec->value_len < 1) {
      plog(t, WY_PLOG_DESERIALIZATION_ERROR, "Repartition.Source", r, "value", "empty internal record");
      *skip = true;
      return WY_OK;
    }
    r->tombstone = p[0] & 1;
    r->retract = (p[0] & 2) != 0;
    r->suppress = (p[0] & 4) != 0;
    if (!r->tombstone &&
        wy_rowcodec_decode(p + 1, rec->value_len - 1, ir->types + in->nkey, n - in->nkey, &t->arena,
                           r->v + in->nkey, err) != WY_OK)
      return err->code;
    return WY_OK;
  }
  wy_value_t vv[256];
  bool null_row = false;
  if (wy_format_decode(ir->value_codec, rec->value, rec->value_len, &t->arena, vv, &null_row, &e) != WY_OK) {
    plog(t, WY_PLOG_DESERIALIZATION_ERROR, "KsqlTopic.Source", r, "value", e.msg);
    *skip = true;
    return WY_OK;
  }
  if (null_row) {
    r->tombstone = true;
    return WY_OK;
  }
  for (size_t i = 0; i < ir->nvalue; i++) r->v[ir->value_slot[i]] = vv[i];
  /* header columns */
  for (size_t i = 0; i < n; i++) {
    const wy_column_t *c = &in->schema.cols[i];
    if (c->ns == WY_NS_HEADER) {
      for (size_t h = rec->nheaders; h-- > 0;) {
        if (strcmp(rec->headers[h].key, c->header_key) == 0) {
          r->v[i] = rec->headers[h].value ? wy_bytes(rec->headers[h].value, rec->headers[h].value_len)
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
        st->items[1] = rec->headers[h].value ? wy_bytes(rec->headers[h].value, rec->headers[h].value_len)
                                             : wy_null(WY_T_BYTES);
        l->items[h] = wy_struct(st);
      }
      r->v[i] = wy_array(l);
    }
  }
  /* event time from a column */
  if (in->timestamp_slot >= 0) {
    const wy_value_t *tv = &r->v[in->timestamp_slot];
    if (tv->null) {
      plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "KsqlTopic.Source", r, "value",
           "timestamp column is NULL: record skipped");
      *skip = true;
      return WY_OK;
    }
    wy_value_t parsed;
    if (in->timestamp_prog) {
      /* STRING column with TIMESTAMP_FORMAT */
      wy_error_t pe;
      wy_error_clear(&pe);
      if (wy_expr_eval(in->timestamp_prog, r->v, &t->arena, &parsed, &pe) != WY_OK || pe.code != WY_OK ||
          parsed.null) {
        plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "KsqlTopic.Source", r, "value",
             pe.code != WY_OK ? pe.msg : "cannot parse the timestamp column");
        *skip = true;
        return WY_OK;
      }
      tv = &parsed;
    }
    if (tv->kind == WY_T_BIGINT || tv->kind == WY_T_TIMESTAMP) r->ts = tv->u.i64;
    if (r->ts < 0) {
      /* Kafka Streams refuses negative timestamps: the record is skipped */
      plog(t, WY_PLOG_RECORD_PROCESSING_ERROR, "KsqlTopic.Source", r, "value", "invalid (negative) timestamp: record skipped");
      *skip = true;
      return WY_OK;
    }
  }
  return WY_OK;
}

static wy_status_t table_upsert(wy_task_t *t, input_rt_t *ir, row_t *r, wy_value_t **old_out, wy_error_t *err) {
  *old_out = NULL;
  for (size_t i = 0; i < ir->nkey; i++)
    if (r->v[ir->key_slot[i]].null) return WY_ERR_NOT_FOUND; /* tables drop NULL keys */
  wy_value_t keys[256];
  for (size_t i = 0; i < ir->nkey; i++) keys[i] = r->v[ir->key_slot[i]];
  size_t klen = encode_key(t, keys, ir->nkey);
  if (!klen) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  uint8_t *key = wy_arena_alloc(&t->arena, klen);
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  memcpy(key, t->scratch, klen);
  /* the previous row, for aggregations over tables */
  const void *old;
  size_t oldlen;
  bool found;
  if (wy_store_get(ir->store, key, klen, &old, &oldlen, &found, err) != WY_OK) return err->code;
  if (found) {
    wy_value_t *ov = row_alloc(t, r->n);
    if (!ov) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (wy_rowcodec_decode(old, oldlen, ir->types, r->n + 1, &t->arena, ov, err) != WY_OK) return err->code;
    ov[r->n + 1] = wy_int(r->partition);
    ov[r->n + 2] = wy_bigint(r->offset);
    *old_out = ov;
  }
  if (t->state) wy_task_state_set_timestamp(t->state, r->ts);
  if (r->tombstone) return wy_store_delete(ir->store, key, klen, err);
  size_t vlen;
  r->v[r->n] = wy_bigint(r->ts); /* ROWTIME, stored after the columns */
  if (encode_row(t, ir->types, r->v, r->n + 1, &vlen, err) != WY_OK) return err->code;
  return wy_store_put(ir->store, key, klen, t->scratch, vlen, err);
}

/* Do two versions of a table row fall in the same group (the GROUP BY key)? */
static bool same_group(wy_task_t *t, input_rt_t *ir, const wy_value_t *a, const wy_value_t *b) {
  for (step_rt_t *s = ir->steps; s; s = s->next) {
    if (s->step->kind != WY_STEP_SELECT_KEY) continue;
    for (size_t i = 0; i < s->step->nexprs; i++) {
      wy_value_t x, y;
      wy_error_t e;
      if (wy_expr_eval(s->step->exprs[i].prog, a, &t->arena, &x, &e) != WY_OK ||
          wy_expr_eval(s->step->exprs[i].prog, b, &t->arena, &y, &e) != WY_OK || !wy_value_equal(&x, &y))
        return false;
    }
    return true;
  }
  return false;
}

static wy_status_t task_process(wy_task_t *t, size_t input, const wy_record_t *rec, wy_error_t *err) {
  input_rt_t *ir = &t->inputs[input];
  wy_arena_reset(&t->arena);
  row_t r;
  bool skip;
  if (decode_record(t, ir, rec, &r, &skip, err) != WY_OK) return err->code;
  if (skip) return WY_OK;
  set_pseudo(&r);
  if (ir->in->is_table) {
    wy_value_t *old = NULL;
    wy_status_t st = table_upsert(t, ir, &r, &old, err);
    if (st == WY_ERR_NOT_FOUND) return WY_OK;
    if (st != WY_OK) return st;
    r.old = old;
    /* aggregation over a table: retract the old row first */
    if (old && ir->steps && t->q->retracts) {
      row_t o = r;
      o.v = old;
      o.old = NULL;
      o.tombstone = false;
      o.retract = true;
      o.suppress = !r.tombstone && same_group(t, ir, old, r.v);
      set_pseudo(&o);
      if (run_steps(t, ir, ir->steps, &o, err) != WY_OK) return err->code;
    }
    if (r.tombstone && t->q->retracts) return WY_OK;
  }
  return run_steps(t, ir, ir->steps, &r, err);
}

/* A table's store restored from its source topic: decode each record as processing
 * does and write what table_upsert would. Undecodable records and NULL keys are
 * skipped, as they were when first processed. */
static wy_status_t table_restore(void *opaque, const wy_record_t *rec, wy_arena_t *a, wy_store_op_t *op,
                                 bool *skip, wy_error_t *err) {
  wy_task_t *t = opaque;
  input_rt_t *ir = NULL;
  for (size_t i = 0; i < t->ninputs; i++)
    if (t->inputs[i].in->is_table && strcmp(t->inputs[i].in->topic, rec->topic) == 0) ir = &t->inputs[i];
  *skip = true;
  if (!ir) return WY_OK;
  wy_arena_reset(&t->arena);
  row_t r;
  bool bad;
  if (decode_record(t, ir, rec, &r, &bad, err) != WY_OK) return err->code;
  if (bad) return WY_OK;
  wy_value_t keys[256];
  for (size_t i = 0; i < ir->nkey; i++) {
    keys[i] = r.v[ir->key_slot[i]];
    if (keys[i].null) return WY_OK;
  }
  size_t klen = encode_key(t, keys, ir->nkey);
  uint8_t *key = klen ? wy_arena_alloc(a, klen) : NULL;
  if (!key) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  memcpy(key, t->scratch, klen);
  op->key = key;
  op->key_len = klen;
  op->value = NULL;
  op->value_len = 0;
  if (!r.tombstone) {
    size_t vlen;
    r.v[r.n] = wy_bigint(r.ts);
    if (encode_row(t, ir->types, r.v, r.n + 1, &vlen, err) != WY_OK) return err->code;
    uint8_t *v = wy_arena_alloc(a, vlen ? vlen : 1);
    if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    memcpy(v, t->scratch, vlen);
    op->value = v;
    op->value_len = vlen;
  }
  *skip = false;
  return WY_OK;
}

size_t wy_query_logged_stores(const wy_query_t *q, const char **names, size_t cap) {
  size_t n = 0;
  for (size_t s = 0; s < q->plan->nsubs; s++)
    for (size_t i = 0; i < q->plan->subs[s].ninputs; i++)
      for (const wy_plan_step_t *st = q->plan->subs[s].inputs[i].steps; st; st = st->next) {
        const char *name = st->kind == WY_STEP_AGGREGATE                 ? STORE_AGGREGATE
                           : st->kind == WY_STEP_JOIN && st->windowed ? join_store_name(st)
                                                                        : NULL;
        bool seen = false;
        for (size_t k = 0; name && k < n && k < cap; k++) seen |= strcmp(names[k], name) == 0;
        if (!name || seen) continue;
        if (n < cap) names[n] = name;
        n++;
      }
  return n;
}

/* ---- queries ----------------------------------------------------------------------- */

wy_status_t wy_query_new(wy_engine_t *e, wy_plan_t *plan, wy_query_t **out, wy_error_t *err) {
  wy_query_t *q = calloc(1, sizeof *q);
  if (!q) {
    wy_plan_destroy(plan);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  q->engine = e;
  q->plan = plan;
  q->table_semantics = plan->sink_is_table;
  for (size_t s = 0; s < plan->nsubs; s++)
    for (size_t i = 0; i < plan->subs[s].ninputs; i++)
      for (const wy_plan_step_t *st = plan->subs[s].inputs[i].steps; st; st = st->next)
        if (st->kind == WY_STEP_SELECT_KEY && st->table_source) q->retracts = true;
  *out = q;
  return WY_OK;
}

void wy_query_destroy(wy_query_t *q) {
  if (!q) return;
  if (q->lineage) wy_query_flush_stats(q);
  wy_lineage_run_destroy(q->lineage);
  for (size_t i = 0; i < q->ntasks; i++) wy_task_destroy(q->tasks[i].task);
  free(q->tasks);
  wy_plan_destroy(q->plan);
  free(q);
}

const wy_plan_t *wy_query_plan(const wy_query_t *q) { return q->plan; }

bool wy_query_reads(const wy_query_t *q, const char *topic) {
  for (size_t s = 0; s < q->plan->nsubs; s++)
    for (size_t i = 0; i < q->plan->subs[s].ninputs; i++)
      if (strcmp(q->plan->subs[s].inputs[i].topic, topic) == 0) return true;
  return false;
}

static wy_status_t task_for(wy_query_t *q, size_t sub, int32_t partition, wy_task_t **out, wy_error_t *err) {
  for (size_t i = 0; i < q->ntasks; i++)
    if (q->tasks[i].sub == sub && q->tasks[i].partition == partition) {
      *out = q->tasks[i].task;
      return WY_OK;
    }
  wy_task_t *t = NULL;
  if (task_new(q, sub, partition, &t, err) != WY_OK) return err->code;
  void *grown = realloc(q->tasks, (q->ntasks + 1) * sizeof *q->tasks);
  if (!grown) {
    wy_task_destroy(t);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  q->tasks = grown;
  q->tasks[q->ntasks].sub = sub;
  q->tasks[q->ntasks].partition = partition;
  q->tasks[q->ntasks].task = t;
  q->ntasks++;
  *out = t;
  return WY_OK;
}

#define WY_LINEAGE_FLUSH 1024

/* Add the locally counted statistics to the lineage run's shared counters. */
void wy_query_flush_stats(wy_query_t *q) {
  for (size_t i = 0; i < 2; i++)
    if (q->lineage_in[i] && q->pending_in[i][0]) wy_lineage_counter_add(q->lineage_in[i], q->pending_in[i][0], q->pending_in[i][1]);
  if (q->lineage_out && q->pending_out[0]) wy_lineage_counter_add(q->lineage_out, q->pending_out[0], q->pending_out[1]);
  memset(q->pending_in, 0, sizeof q->pending_in);
  memset(q->pending_out, 0, sizeof q->pending_out);
  q->pending_n = 0;
}

wy_status_t wy_query_deliver(wy_query_t *q, const wy_record_t *rec, wy_error_t *err) {
  q->cur_topic = rec->topic;
  if (q->lineage) {
    for (size_t i = 0; i < q->plan->nsource_topics && i < 2; i++)
      if (q->lineage_in[i] && strcmp(q->plan->source_topics[i], rec->topic) == 0) {
        q->pending_in[i][0]++;
        q->pending_in[i][1] += rec->key_len + rec->value_len;
      }
    if (++q->pending_n >= WY_LINEAGE_FLUSH) wy_query_flush_stats(q);
  }
  for (size_t s = 0; s < q->plan->nsubs; s++) {
    for (size_t i = 0; i < q->plan->subs[s].ninputs; i++) {
      if (strcmp(q->plan->subs[s].inputs[i].topic, rec->topic) != 0) continue;
      wy_task_t *t = NULL;
      if (task_for(q, s, rec->partition, &t, err) != WY_OK) return err->code;
      if (task_process(t, i, rec, err) != WY_OK) return err->code;
    }
  }
  return WY_OK;
}

wy_status_t wy_query_drain(wy_query_t *q, wy_error_t *err) {
  const wy_plan_t *p = q->plan;
  wy_memory_broker_t *b = wy_engine_broker(q->engine);
  if (!b) return WY_OK; /* on Kafka, internal topics are consumed like any other */
  bool more = true;
  while (more) {
    more = false;
    for (size_t i = 0; i < p->ninternal && i < 4; i++) {
      int32_t np = wy_memory_broker_partitions(b, p->internal_topics[i]);
      for (int32_t part = 0; part < np && part < 16; part++) {
        int64_t end = 0;
        if (wy_memory_broker_end_offset(b, p->internal_topics[i], part, &end, err) != WY_OK) return err->code;
        while (q->drained[i][part] < end) {
          wy_record_t rec;
          if (wy_memory_broker_read(b, p->internal_topics[i], part, q->drained[i][part]++, &rec, err) != WY_OK ||
              wy_query_deliver(q, &rec, err) != WY_OK)
            return err->code;
          more = true;
        }
      }
    }
  }
  return WY_OK;
}

wy_status_t wy_query_commit(wy_query_t *q, wy_error_t *err) {
  if (q->lineage) wy_query_flush_stats(q);
  for (size_t i = 0; i < q->ntasks; i++) {
    wy_task_t *t = q->tasks[i].task;
    if (t->state && wy_task_state_commit(t->state, NULL, 0, err) != WY_OK)
      return wy_error_prefix(err, "query %s: commit of task %zu_%d", q->plan->id, q->tasks[i].sub,
                             (int)q->tasks[i].partition);
  }
  return WY_OK;
}

void wy_query_release_partition(wy_query_t *q, int32_t partition) {
  for (size_t i = 0; i < q->ntasks;) {
    if (q->tasks[i].partition == partition) {
      wy_task_destroy(q->tasks[i].task);
      q->tasks[i] = q->tasks[--q->ntasks];
    } else {
      i++;
    }
  }
}

wy_status_t wy_query_restore_partition(wy_query_t *q, int32_t partition, wy_source_t *src,
                                       wy_status_t (*end_fn)(void *, const char *, int32_t, int64_t *, wy_error_t *),
                                       void *end_opaque, int timeout_ms, wy_error_t *err) {
  for (size_t s = 0; s < q->plan->nsubs; s++) {
    wy_task_t *t = NULL;
    if (task_for(q, s, partition, &t, err) != WY_OK) return err->code;
    if (t->state && wy_task_state_restore(t->state, src, end_fn, end_opaque, timeout_ms, NULL, err) != WY_OK)
      return wy_error_prefix(err, "query %s: restore of task %zu_%d", q->plan->id, s, (int)partition);
  }
  return WY_OK;
}
