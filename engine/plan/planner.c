/* planner.c — lowering a logical plan to sub-topologies, topics and stores (planner.h). */
#include "engine/plan/planner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The chain ends a lowered node leaves open: the steps whose `next` the parent sets
 * (two for the joins whose sides both emit), and the input feeding the chain. */
typedef struct tails {
  int step[2];
  size_t n;
  int input;
} tails_t;

/* What a node's lowering inherits from above. */
typedef struct lctx {
  const char *source_name;              /* KsqlTopic, KafkaTopic_Left, KafkaTopic_Right */
  const wy_format_spec_t *rekey_format; /* key format of a repartition topic */
  const char *rekey_schema_name;        /* its key record's name (NULL: the sink's) */
} lctx_t;

typedef struct builder {
  wy_plan_t *p;
  wy_error_t *err;
  size_t *order; /* sub-topologies in the order they were completed */
  size_t norder;
  const char *key_schema_name; /* the sink's key record name: repartition keys use it too */
  tails_t last_join;           /* the steps of the join lowered last */
} builder_t;

static wy_status_t nomem(builder_t *b) {
  return wy_error_set(b->err, WY_ERR_NOMEM, "out of memory");
}

size_t wy_plan_app_id(const char *service_id, const char *query_id, char *buf, size_t cap) {
  int n = snprintf(buf, cap, "_confluent-ksql-%squery_%s", service_id, query_id);
  return n < 0 ? 0 : (size_t)n;
}

/* "<app id>-<name>-<suffix>", malloc'd. */
static char *app_name(const builder_t *b, const char *name, const char *suffix) {
  char *s = NULL;
  return asprintf(&s, "%s-%s-%s", b->p->app_id, name, suffix) < 0 ? NULL : s;
}

static bool push_string(char ***v, size_t *n, const char *s) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*v)[i], s) == 0) return true;
  char **g = realloc(*v, (*n + 1) * sizeof *g);
  if (!g) return false;
  *v = g;
  if (!(g[*n] = strdup(s))) return false;
  (*n)++;
  return true;
}

static wy_subtopology_t *sub_at(builder_t *b, int sub) { return &b->p->subs[sub]; }

/* A new zeroed element at the end of an array of n elements of `size` bytes (*n grows);
 * NULL when out of memory. */
static void *append(void **v, size_t *n, size_t size) {
  char *g = realloc(*v, (*n + 1) * size);
  if (!g) return NULL;
  *v = g;
  memset(g + *n * size, 0, size);
  return g + (*n)++ * size;
}
static wy_plan_step_t *step_at(builder_t *b, int sub, int i) { return &b->p->subs[sub].steps[i]; }

static int new_sub(builder_t *b) {
  return append((void **)&b->p->subs, &b->p->nsubs, sizeof *b->p->subs) ? (int)b->p->nsubs - 1 : -1;
}

static bool sub_done(builder_t *b, int sub) {
  size_t *g = realloc(b->order, (b->norder + 1) * sizeof *g);
  if (!g) return false;
  b->order = g;
  g[b->norder++] = (size_t)sub;
  return true;
}

static wy_status_t shape_of(builder_t *b, wy_plan_shape_t *dst, const wy_logical_t *n) {
  wy_schema_init(&dst->schema);
  dst->nkey = n->nkey;
  return wy_schema_copy(&dst->schema, &n->schema, b->err);
}

/* A step receiving the rows of `from` and emitting those of `n`. */
static int add_step(builder_t *b, int sub, wy_step_kind_t kind, const wy_logical_t *from,
                    const wy_logical_t *n) {
  wy_subtopology_t *s = sub_at(b, sub);
  wy_plan_step_t *st = append((void **)&s->steps, &s->nsteps, sizeof *st);
  if (!st) return nomem(b), -1;
  st->kind = kind;
  st->next = st->input = st->store = st->group_step = st->timestamp_slot = -1;
  st->join.this_store = st->join.other_store = st->join.outer_store = -1;
  wy_format_spec_init(&st->key_format, NULL);
  wy_format_spec_init(&st->value_format, NULL);
  if (shape_of(b, &st->in, from) != WY_OK || shape_of(b, &st->out, n) != WY_OK) return -1;
  return (int)s->nsteps - 1;
}

static int add_store(builder_t *b, int sub, const char *name, bool logged, const char *source_topic,
                     int owner) {
  wy_subtopology_t *s = sub_at(b, sub);
  wy_plan_store_t *st = append((void **)&s->stores, &s->nstores, sizeof *st);
  if (!st) return nomem(b), -1;
  st->owner = owner;
  if (!(st->name = strdup(name))) return nomem(b), -1;
  if (logged && (!(st->changelog = app_name(b, name, "changelog")) ||
                 !push_string(&b->p->changelog_topics, &b->p->nchangelogs, st->changelog)))
    return nomem(b), -1;
  if (source_topic && !(st->source_topic = strdup(source_topic))) return nomem(b), -1;
  return (int)s->nstores - 1;
}

/* Describe an internal topic as ksqlDB would (plan.h); value NULL: unknown. */
static wy_status_t describe(builder_t *b, const char *topic, size_t nkey,
                            const wy_format_spec_t *key, const wy_format_spec_t *value,
                            const char *key_schema_name, const wy_logical_t *keyed) {
  wy_plan_topic_desc_t *d = append((void **)&b->p->descs, &b->p->ndescs, sizeof *d);
  if (!d) return nomem(b);
  d->nkey = nkey;
  wy_schema_init(&d->key);
  for (size_t i = 0; keyed && i < keyed->schema.n; i++) { /* the key columns, when known */
    const wy_column_t *c = &keyed->schema.cols[i];
    if (c->ns == WY_NS_KEY &&
        wy_schema_add(&d->key, c->name, wy_type_ref(c->type), WY_NS_KEY, NULL, b->err) != WY_OK)
      return b->err->code;
  }
  d->key_format = *key;
  d->key_format.schema_id = -1;
  if (value)
    d->value_format = *value;
  else
    wy_format_spec_init(&d->value_format, NULL);
  if (!(d->topic = strdup(topic)) ||
      (key_schema_name && !(d->key_schema_name = strdup(key_schema_name))))
    return nomem(b);
  return WY_OK;
}

/* The source at the bottom of a chain of single-input nodes (re-keying, filters). */
static const wy_logical_t *leaf_source(const wy_logical_t *n) {
  while (n && n->kind != WY_LOGICAL_SOURCE) n = n->input;
  return n;
}

/* The value format ksqlDB gives a node's internal topics: its source's. */
static const wy_format_spec_t *source_value_format(const wy_logical_t *n) {
  const wy_logical_t *src = leaf_source(n);
  return src ? &src->source.value_format : NULL;
}

static int add_input(builder_t *b, int sub, const char *topic, const wy_logical_t *shape) {
  wy_subtopology_t *s = sub_at(b, sub);
  wy_plan_input_t *in = append((void **)&s->inputs, &s->ninputs, sizeof *in);
  if (!in) return nomem(b), -1;
  in->timestamp_slot = -1;
  in->first = -1;
  wy_format_spec_init(&in->key_format, NULL);
  wy_format_spec_init(&in->value_format, NULL);
  if (!(in->topic = strdup(topic))) return nomem(b), -1;
  if (shape_of(b, &in->shape, shape) != WY_OK) return -1;
  return (int)s->ninputs - 1;
}

static void link_tails(builder_t *b, int sub, const tails_t *t, int to) {
  for (size_t i = 0; i < t->n; i++) step_at(b, sub, t->step[i])->next = to;
}

static tails_t one_tail(int step, int input) { return (tails_t){{step, -1}, 1, input}; }

static wy_status_t lower(builder_t *b, wy_logical_t *n, int sub, const lctx_t *cx, tails_t *out);
static wy_status_t lower_fk_join(builder_t *b, wy_logical_t *n, int sub, tails_t *out);

/* The input's SOURCE step, and MATERIALIZE for a table. */
/* A source's topic read by sub: its input and SOURCE step (a table's rows are not
 * materialized yet). */
static wy_status_t source_step(builder_t *b, wy_logical_t *n, int sub, tails_t *out) {
  int in = add_input(b, sub, n->source.topic, n);
  if (in < 0) return b->err->code;
  wy_plan_input_t *pi = &sub_at(b, sub)->inputs[in];
  pi->source_name = strdup(n->source.name);
  if (!pi->source_name) return nomem(b);
  pi->key_format = n->source.key_format;
  pi->value_format = n->source.value_format;
  pi->partitions = n->source.partitions;
  pi->timestamp_slot = n->source.timestamp_slot;
  pi->timestamp_prog = n->source.timestamp_prog;
  n->source.timestamp_prog = NULL;
  pi->timestamp_throw = n->source.timestamp_throw;
  pi->window = n->source.window;
  pi->window_size = n->source.window_size;
  pi->used = n->source.used;
  n->source.used = NULL;
  int s = add_step(b, sub, WY_STEP_SOURCE, n, n);
  if (s < 0) return b->err->code;
  sub_at(b, sub)->inputs[in].first = s;
  step_at(b, sub, s)->input = in;
  *out = one_tail(s, in);
  return WY_OK;
}

/* A table's rows kept in the store `<source_name>-Reduce`, restored from `topic`. */
static wy_status_t materialize(builder_t *b, wy_logical_t *n, int sub, const char *source_name,
                               const char *topic, tails_t *out) {
  int m = add_step(b, sub, WY_STEP_MATERIALIZE, n, n);
  if (m < 0) return b->err->code;
  char name[128];
  snprintf(name, sizeof name, "%s-Reduce", source_name);
  int store = add_store(b, sub, name, false, topic, m);
  if (store < 0) return b->err->code;
  step_at(b, sub, m)->store = store;
  step_at(b, sub, m)->input = out->input;
  link_tails(b, sub, out, m);
  *out = one_tail(m, out->input);
  return WY_OK;
}

static wy_status_t lower_source(builder_t *b, wy_logical_t *n, int sub, const lctx_t *cx,
                                tails_t *out) {
  if (source_step(b, n, sub, out) != WY_OK) return b->err->code;
  return n->table ? materialize(b, n, sub, cx->source_name, n->source.topic, out) : WY_OK;
}

/* Kafka Streams numbers the names of a topology (processors, topics, unnamed stores) in
 * the order it builds them. Each of ksqlDB's two table sources takes five: a store name
 * for `table()`, its stream and table sources, and two transformValues (pseudo columns,
 * then key columns); the join's own names start at 10, and its registration topic,
 * subscription store and response topic are 10, 14 and 18. */
#define FK_FIRST_INDEX 10

/* A foreign-key join under an aggregation keeps its results, as Kafka Streams
 * materializes them to send old values: the result an update replaces is retracted. */
static void fk_result_store(builder_t *b, int sub, int resolve) {
  char name[128];
  snprintf(name, sizeof name, "KTABLE-FK-JOIN-OUTPUT-STATE-STORE-%010d", FK_FIRST_INDEX + 13);
  int store = add_store(b, sub, name, true, NULL, resolve);
  if (store >= 0) step_at(b, sub, resolve)->store = store;
}

/* An aggregation over a table: the step that yields the table's rows (its MATERIALIZE,
 * or the table-table join over tables) retracts the old version of a row, and tells by
 * the new keys whether the retraction is superseded. */
static void mark_retracts(builder_t *b, const wy_logical_t *input, int sub, int select_key) {
  while (input && input->kind == WY_LOGICAL_FILTER) input = input->input;
  bool joined = input && input->kind == WY_LOGICAL_JOIN;
  wy_subtopology_t *s = sub_at(b, sub);
  for (size_t i = 0; i < s->nsteps; i++) {
    bool yields = joined ? ((int)i == b->last_join.step[0] || (int)i == b->last_join.step[1])
                         : s->steps[i].kind == WY_STEP_MATERIALIZE;
    if (!yields) continue;
    s->steps[i].retracts = true;
    s->steps[i].group_step = select_key;
    if (s->steps[i].kind == WY_STEP_FK_RESOLVE) fk_result_store(b, sub, (int)i);
  }
}

/* A repartition topic's partition count, as Kafka Streams gives it: the most of the
 * inputs of the sub-topology that writes it (ksqlDB sets none of its own). */
static int repartition_partitions(builder_t *b, int sub) {
  int n = 0;
  const wy_subtopology_t *s = sub_at(b, sub);
  for (size_t i = 0; i < s->ninputs; i++)
    if (s->inputs[i].partitions > n) n = s->inputs[i].partitions;
  return n;
}

static wy_status_t push_internal(builder_t *b, const char *topic, int partitions) {
  size_t n = b->p->ninternal;
  if (!push_string(&b->p->internal_topics, &b->p->ninternal, topic)) return nomem(b);
  if (b->p->ninternal == n) return WY_OK;
  int *g = realloc(b->p->internal_partitions, b->p->ninternal * sizeof *g);
  if (!g) return nomem(b);
  b->p->internal_partitions = g;
  g[n] = partitions;
  return WY_OK;
}

static wy_status_t lower_select_key(builder_t *b, wy_logical_t *n, int sub, const lctx_t *cx,
                                    tails_t *out) {
  /* Rows re-keyed for a stateful step downstream are written to a repartition topic by
   * a sub-topology of their own, and read back here. */
  int up = n->repartition ? new_sub(b) : sub;
  if (up < 0) return nomem(b);
  tails_t t;
  if (lower(b, n->input, up, cx, &t) != WY_OK) return b->err->code;
  int s = add_step(b, up, WY_STEP_SELECT_KEY, n->input, n);
  if (s < 0) return b->err->code;
  wy_plan_step_t *st = step_at(b, up, s);
  st->exprs = n->exprs, st->nexprs = n->nexprs, st->keep = n->keep, st->nkeep = n->nkeep;
  n->exprs = NULL, n->nexprs = 0, n->keep = NULL, n->nkeep = 0;
  link_tails(b, up, &t, s);
  if (n->table_source) mark_retracts(b, n->input, up, s);
  if (!n->repartition) {
    *out = one_tail(s, t.input);
    return WY_OK;
  }
  int r = add_step(b, up, WY_STEP_REPARTITION, n, n);
  if (r < 0) return b->err->code;
  st = step_at(b, up, r);
  if (!(st->topic = app_name(b, n->repartition, "repartition"))) return nomem(b);
  st->key_format = *cx->rekey_format;
  st->key_format.schema_id = -1;
  wy_format_spec_init(&st->value_format, "INTERNAL");
  const char *ksn = cx->rekey_schema_name ? cx->rekey_schema_name : b->key_schema_name;
  if (ksn && !(st->key_schema_name = strdup(ksn))) return nomem(b);
  step_at(b, up, s)->next = r;
  int parts = repartition_partitions(b, up);
  if (push_internal(b, st->topic, parts) != WY_OK || !sub_done(b, up)) return nomem(b);
  if (describe(b, st->topic, n->nkey, &st->key_format, source_value_format(n), ksn, n) != WY_OK)
    return b->err->code;
  st = step_at(b, up, r);
  char *topic = st->topic;
  int in = add_input(b, sub, topic, n);
  if (in < 0) return b->err->code;
  wy_plan_input_t *pi = &sub_at(b, sub)->inputs[in];
  pi->key_format = step_at(b, up, r)->key_format;
  wy_format_spec_init(&pi->value_format, "INTERNAL");
  pi->partitions = parts;
  pi->changes = true;
  int src = add_step(b, sub, WY_STEP_SOURCE, n, n);
  if (src < 0) return b->err->code;
  sub_at(b, sub)->inputs[in].first = src;
  step_at(b, sub, src)->input = in;
  *out = one_tail(src, in);
  return WY_OK;
}

static wy_status_t join_geometry(builder_t *b, const wy_logical_t *n, bool left,
                                 wy_plan_join_t *j) {
  size_t lw = n->left->schema.n - n->join.left_drop, rw = n->right->schema.n - n->join.right_drop;
  j->this_is_left = left;
  j->key_slot = left ? n->join.left_key_slot : n->join.right_key_slot;
  j->left_outer = n->join.left_outer;
  j->right_outer = n->join.right_outer;
  j->left_width = lw;
  j->right_width = rw;
  j->left_drop = n->join.left_drop;
  j->right_drop = n->join.right_drop;
  j->within_before = left ? n->join.within_before : n->join.within_after;
  j->within_after = left ? n->join.within_after : n->join.within_before;
  j->grace = n->join.grace;
  return shape_of(b, &j->other, left ? n->right : n->left);
}

/* A name of join k's: "Join-<what>" for the first join, "Join_<k>-<what>" after. */
static void join_name(const wy_logical_t *n, const char *what, char *buf, size_t cap) {
  if (n->join.index <= 1)
    snprintf(buf, cap, "Join-%s", what);
  else
    snprintf(buf, cap, "Join_%d-%s", n->join.index, what);
}

/* A table-table join over the result of joins before it: that result, a table no store
 * holds yet, is materialized (a logged store) for the other side to look up. */
static wy_status_t materialize_result(builder_t *b, const wy_logical_t *inner, int sub,
                                      tails_t *t) {
  int m = add_step(b, sub, WY_STEP_MATERIALIZE, inner, inner);
  if (m < 0) return b->err->code;
  char name[64];
  join_name(inner, "Materialize", name, sizeof name);
  int store = add_store(b, sub, name, true, NULL, m);
  if (store < 0) return b->err->code;
  step_at(b, sub, m)->store = store;
  link_tails(b, sub, t, m);
  *t = one_tail(m, t->input);
  return WY_OK;
}

/* A table side re-keyed into the join's key format (its repartition topic
 * "<Left|Right>SourceKeyed-SelectKey") is materialized again from that topic, in a
 * logged store ksqlDB names "<Left|Right>SourceKeyed-Materialize". */
static wy_status_t materialize_rekeyed(builder_t *b, const wy_logical_t *side, int sub,
                                       const wy_format_spec_t *kf, const char *ksn, tails_t *t) {
  if (side->kind != WY_LOGICAL_SELECT_KEY || !side->table || !side->repartition) return WY_OK;
  int m = add_step(b, sub, WY_STEP_MATERIALIZE, side, side);
  if (m < 0) return b->err->code;
  char name[128];
  const char *dash = strrchr(side->repartition, '-');
  int len = dash ? (int)(dash - side->repartition) : (int)strlen(side->repartition);
  snprintf(name, sizeof name, "%.*s-Materialize", len, side->repartition);
  int store = add_store(b, sub, name, true, NULL, m);
  if (store < 0) return b->err->code;
  step_at(b, sub, m)->store = store;
  link_tails(b, sub, t, m);
  *t = one_tail(m, t->input);
  const wy_plan_store_t *ps = &sub_at(b, sub)->stores[store];
  return describe(b, ps->changelog, 1, kf, source_value_format(side), ksn, side);
}

/* The buffers of a stream-stream join. The first join's carry Kafka Streams' generated
 * names, KSTREAM-<JOIN|OUTER><THIS|OTHER>-<index>-store, as ksqlDB's plans have them (a
 * buffer is OUTER when its records may be emitted unmatched; a RIGHT join is the right
 * stream's LEFT join, "this" being the right); later joins walleye's own. */
static wy_status_t join_buffers(builder_t *b, const wy_logical_t *n, int sub,
                                const wy_format_spec_t *kf, const char *ksn, int buffers[3]) {
  bool lo = n->join.left_outer, ro = n->join.right_outer;
  for (int side = 0; side < 2; side++) {
    char name[64];
    if (n->join.ks_index > 0) {
      bool is_this = side == 0 ? !(ro && !lo) : ro && !lo;
      bool outer = (lo && ro) || (side == 0 ? ro && !lo : lo && !ro);
      snprintf(name, sizeof name, "KSTREAM-%s%s-%010d-store", outer ? "OUTER" : "JOIN",
               is_this ? "THIS" : "OTHER", n->join.ks_index + (is_this ? 0 : 1));
    } else {
      const char *what[2][2] = {{"this-join-store", "other-join-store"},
                                {"outer-this-join-store", "outer-other-join-store"}};
      join_name(n, what[lo || ro][side], name, sizeof name);
    }
    buffers[side] = add_store(b, sub, name, true, NULL, -1);
    if (buffers[side] < 0) return b->err->code;
    const wy_plan_store_t *ps = &sub_at(b, sub)->stores[buffers[side]];
    const wy_logical_t *in = side == 0 ? n->left : n->right;
    if (describe(b, ps->changelog, 1, kf, source_value_format(in), ksn, in) != WY_OK)
      return b->err->code;
  }
  /* with a grace period, an outer join keeps its unmatched records until their window
   * closes (Kafka Streams' shared outer store) */
  if (n->join.grace < 0 || !(lo || ro)) return WY_OK;
  char name[64];
  join_name(n, "outer-shared-join-store", name, sizeof name);
  buffers[2] = add_store(b, sub, name, true, NULL, -1);
  return buffers[2] < 0 ? b->err->code : WY_OK;
}

/* The key format of a join's re-keyed sides and buffers: the analyzer's (KLIP-33), or,
 * for a join it did not decide, the table's key format (the left stream's for a
 * stream-stream join); NONE cannot hold a key: JSON. */
static wy_format_spec_t join_key_format(const wy_logical_t *n) {
  wy_format_spec_t kf = n->join.key_format;
  if (!kf.name[0]) {
    const wy_logical_t *keyed =
        leaf_source(n->join.type == WY_JOIN_STREAM_STREAM ? n->left : n->right);
    wy_format_spec_init(&kf, "JSON");
    if (keyed && keyed->source.key_format.name[0] &&
        strcmp(keyed->source.key_format.name, "NONE") != 0)
      kf = keyed->source.key_format;
  }
  kf.schema_id = -1;
  return kf;
}

static wy_status_t lower_join(builder_t *b, wy_logical_t *n, int sub, tails_t *out) {
  wy_format_spec_t kf = join_key_format(n);
  const char *ksn = n->join.key_schema_name;
  char right_ctx[64];
  if (n->join.index <= 1)
    snprintf(right_ctx, sizeof right_ctx, "KafkaTopic_Right");
  else
    snprintf(right_ctx, sizeof right_ctx, "KafkaTopic_Right_%d", n->join.index);
  lctx_t lcx = {"KafkaTopic_Left", &kf, ksn}, rcx = {right_ctx, &kf, ksn};
  tails_t l, r;
  if (lower(b, n->left, sub, &lcx, &l) != WY_OK ||
      materialize_rekeyed(b, n->left, sub, &kf, ksn, &l) != WY_OK)
    return b->err->code;
  if (n->join.type == WY_JOIN_TABLE_TABLE && n->left->kind == WY_LOGICAL_JOIN &&
      materialize_result(b, n->left, sub, &l) != WY_OK)
    return b->err->code;
  if (lower(b, n->right, sub, &rcx, &r) != WY_OK ||
      materialize_rekeyed(b, n->right, sub, &kf, ksn, &r) != WY_OK)
    return b->err->code;
  wy_step_kind_t kind = n->join.type == WY_JOIN_STREAM_TABLE  ? WY_STEP_JOIN_STREAM_TABLE
                        : n->join.type == WY_JOIN_TABLE_TABLE ? WY_STEP_JOIN_TABLE_TABLE
                                                              : WY_STEP_JOIN_STREAM_STREAM;
  int buffers[3] = {-1, -1, -1};
  if (kind == WY_STEP_JOIN_STREAM_STREAM && join_buffers(b, n, sub, &kf, ksn, buffers) != WY_OK)
    return b->err->code;
  /* the table side of a stream-table join only materializes: the stream side looks it up */
  int sides = kind == WY_STEP_JOIN_STREAM_TABLE ? 1 : 2;
  *out = (tails_t){{-1, -1}, 0, l.input};
  for (int side = 0; side < sides; side++) {
    const tails_t *mine = side == 0 ? &l : &r, *other = side == 0 ? &r : &l;
    int j = add_step(b, sub, kind, side == 0 ? n->left : n->right, n);
    if (j < 0) return b->err->code;
    wy_plan_step_t *st = step_at(b, sub, j);
    if (join_geometry(b, n, side == 0, &st->join) != WY_OK) return b->err->code;
    st->input = mine->input;
    if (kind == WY_STEP_JOIN_STREAM_STREAM) {
      st->join.this_store = buffers[side];
      st->join.other_store = buffers[1 - side];
      st->join.outer_store = buffers[2];
      sub_at(b, sub)->stores[buffers[side]].owner = j;
    } else {
      /* the other side's table: the store its MATERIALIZE step writes */
      st->join.other_store = step_at(b, sub, other->step[0])->store;
    }
    link_tails(b, sub, mine, j);
    out->step[out->n++] = j;
  }
  b->last_join = *out;
  return WY_OK;
}

/* ---- foreign-key joins (plan.h, wy_plan_fk_t) ---- */

static char *fk_name(const builder_t *b, const char *what, int index, const char *suffix) {
  char *s = NULL;
  return asprintf(&s, "%s-KTABLE-FK-JOIN-%s-%010d%s", b->p->app_id, what, index, suffix) < 0 ? NULL
                                                                                             : s;
}

/* The key format the topic of a side's key carries (that side's table's). */
static wy_format_spec_t side_key_format(const wy_logical_t *side) {
  wy_format_spec_t kf = leaf_source(side)->source.key_format;
  kf.schema_id = -1;
  return kf;
}

/* An internal topic read by sub: its SOURCE step, rows laid out by schema. */
static int fk_topic_source(builder_t *b, int sub, const char *topic, const wy_schema_t *schema,
                           const wy_format_spec_t *key_format, int *input) {
  wy_logical_t shape = {.nkey = wy_schema_count_ns(schema, WY_NS_KEY)};
  shape.schema = *schema;
  int in = add_input(b, sub, topic, &shape);
  if (in < 0) return -1;
  wy_plan_input_t *pi = &sub_at(b, sub)->inputs[in];
  pi->key_format = *key_format;
  wy_format_spec_init(&pi->value_format, "INTERNAL");
  pi->changes = true;
  int src = add_step(b, sub, WY_STEP_SOURCE, &shape, &shape);
  if (src < 0) return -1;
  sub_at(b, sub)->inputs[in].first = src;
  step_at(b, sub, src)->input = in;
  *input = in;
  return src;
}

/* A step of the join: its sides, the topic it writes (or none) in that key format. */
static int fk_step(builder_t *b, int sub, wy_step_kind_t kind, const wy_logical_t *from,
                   const wy_logical_t *n, const wy_logical_t *join, const char *topic,
                   const wy_format_spec_t *key_format) {
  int s = add_step(b, sub, kind, from, n);
  if (s < 0) return -1;
  wy_plan_step_t *st = step_at(b, sub, s);
  st->fk.left_join = join->join.left_outer;
  st->fk.subscriptions = st->fk.table = -1;
  if (shape_of(b, &st->fk.left, join->left) != WY_OK ||
      shape_of(b, &st->fk.right, join->right) != WY_OK)
    return -1;
  if (topic) {
    if (!(st->topic = strdup(topic))) return nomem(b), -1;
    st->key_format = *key_format;
    wy_format_spec_init(&st->value_format, "INTERNAL");
  }
  return s;
}

#define FK_RIGHT_REKEYED "RightSourceKeyed-SelectKey"
static bool fk_rekeys_right(const wy_logical_t *n) {
  return n->join.fk_rekey_right && n->right->kind == WY_LOGICAL_SOURCE;
}

/* The right table of a foreign-key join whose key was written with a Schema Registry
 * schema (join.fk_rekey_right): the subscriptions are partitioned by our serialization
 * of the foreign key, which need not be the topic's bytes, so the table's rows first
 * go through RightSourceKeyed-SelectKey-repartition, keyed our way, as ksqlDB does, and
 * the table is materialized from that topic in sub. */
static wy_status_t lower_fk_right_rekeyed(builder_t *b, wy_logical_t *n, int sub,
                                          const wy_format_spec_t *rkf, tails_t *out) {
  wy_logical_t *right = n->right;
  int up = new_sub(b);
  if (up < 0) return nomem(b);
  tails_t t;
  if (source_step(b, right, up, &t) != WY_OK) return b->err->code;
  int r = add_step(b, up, WY_STEP_REPARTITION, right, right);
  if (r < 0) return b->err->code;
  wy_plan_step_t *st = step_at(b, up, r);
  if (!(st->topic = app_name(b, FK_RIGHT_REKEYED, "repartition"))) return nomem(b);
  st->key_format = *rkf;
  wy_format_spec_init(&st->value_format, "INTERNAL");
  const char *ksn = n->join.key_schema_name;
  if (ksn && !(st->key_schema_name = strdup(ksn))) return nomem(b);
  link_tails(b, up, &t, r);
  int parts = repartition_partitions(b, up);
  char *topic = step_at(b, up, r)->topic;
  if (push_internal(b, topic, parts) != WY_OK || !sub_done(b, up)) return nomem(b);
  if (describe(b, topic, right->nkey, rkf, source_value_format(right), ksn, right) != WY_OK)
    return b->err->code;
  int in = add_input(b, sub, topic, right);
  if (in < 0) return b->err->code;
  wy_plan_input_t *pi = &sub_at(b, sub)->inputs[in];
  pi->key_format = *rkf;
  wy_format_spec_init(&pi->value_format, "INTERNAL");
  pi->partitions = parts;
  pi->changes = true;
  int src = add_step(b, sub, WY_STEP_SOURCE, right, right);
  if (src < 0) return b->err->code;
  sub_at(b, sub)->inputs[in].first = src;
  step_at(b, sub, src)->input = in;
  *out = one_tail(src, in);
  return materialize(b, right, sub, "KafkaTopic_Right", topic, out);
}

/* The right table's side, a sub-topology of its own: the table materialized, the
 * subscriptions received from the registration topic and kept, and answers to them
 * (FK_RECEIVE) and to every change of a subscribed right row (FK_RIGHT_UPDATE). */
static wy_status_t lower_fk_right(builder_t *b, wy_logical_t *n, const char *registration,
                                  const char *response, const wy_schema_t *subs_schema) {
  int sub = new_sub(b);
  if (sub < 0) return nomem(b);
  wy_format_spec_t rkf = side_key_format(n->right), lkf = side_key_format(n->left);
  lctx_t rcx = {"KafkaTopic_Right", &rkf, NULL};
  tails_t r;
  if ((fk_rekeys_right(n) ? lower_fk_right_rekeyed(b, n, sub, &rkf, &r)
                          : lower(b, n->right, sub, &rcx, &r)) != WY_OK)
    return b->err->code;
  int right_table = step_at(b, sub, r.step[0])->store;
  char store_name[128];
  snprintf(store_name, sizeof store_name, "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-%010d",
           FK_FIRST_INDEX + 4);
  int subs = add_store(b, sub, store_name, true, NULL, -1);
  int in, src = subs < 0 ? -1 : fk_topic_source(b, sub, registration, subs_schema, &rkf, &in);
  if (src < 0) return b->err->code;
  wy_logical_t shape = {.nkey = 1};
  shape.schema = *subs_schema;
  int rcv = fk_step(b, sub, WY_STEP_FK_RECEIVE, &shape, &shape, n, response, &lkf);
  if (rcv < 0) return b->err->code;
  step_at(b, sub, rcv)->input = in;
  step_at(b, sub, rcv)->fk.subscriptions = subs;
  step_at(b, sub, rcv)->fk.table = right_table;
  sub_at(b, sub)->stores[subs].owner = rcv;
  step_at(b, sub, src)->next = rcv;
  int upd = fk_step(b, sub, WY_STEP_FK_RIGHT_UPDATE, n->right, n->right, n, response, &lkf);
  if (upd < 0) return b->err->code;
  step_at(b, sub, upd)->input = r.input;
  step_at(b, sub, upd)->fk.subscriptions = subs;
  link_tails(b, sub, &r, upd);
  return sub_done(b, sub) ? WY_OK : nomem(b);
}

/* The left table's side, in sub: the table materialized, each of its rows subscribing
 * (FK_SUBSCRIBE); the answers read back from the response topic and resolved against
 * the table (FK_RESOLVE), whose joined rows go on. */
static wy_status_t lower_fk_left(builder_t *b, wy_logical_t *n, int sub, const char *registration,
                                 const char *response, const wy_schema_t *resp_schema,
                                 tails_t *out) {
  wy_format_spec_t rkf = side_key_format(n->right), lkf = side_key_format(n->left);
  lctx_t lcx = {"KafkaTopic_Left", &lkf, NULL};
  tails_t l;
  if (lower(b, n->left, sub, &lcx, &l) != WY_OK) return b->err->code;
  int left_table = step_at(b, sub, l.step[0])->store;
  int subscribe = fk_step(b, sub, WY_STEP_FK_SUBSCRIBE, n->left, n->left, n, registration, &rkf);
  if (subscribe < 0) return b->err->code;
  wy_plan_step_t *st = step_at(b, sub, subscribe);
  st->input = l.input;
  if (fk_rekeys_right(n)) {
    const char *ksn = n->join.key_schema_name;
    if (!(st->fk.key_subject_topic = app_name(b, FK_RIGHT_REKEYED, "repartition")) ||
        (ksn && !(st->key_schema_name = strdup(ksn))))
      return nomem(b);
  }
  st->fk.prog = n->join.fk_prog;
  n->join.fk_prog = NULL;
  link_tails(b, sub, &l, subscribe);
  int in, src = fk_topic_source(b, sub, response, resp_schema, &lkf, &in);
  if (src < 0) return b->err->code;
  wy_logical_t shape = {.nkey = wy_schema_count_ns(resp_schema, WY_NS_KEY)};
  shape.schema = *resp_schema;
  int resolve = fk_step(b, sub, WY_STEP_FK_RESOLVE, &shape, n, n, NULL, NULL);
  if (resolve < 0) return b->err->code;
  st = step_at(b, sub, resolve);
  st->input = in;
  st->fk.table = left_table;
  if (join_geometry(b, n, true, &st->join) != WY_OK) return b->err->code;
  st->join.other_store = left_table;
  step_at(b, sub, src)->next = resolve;
  *out = one_tail(resolve, in);
  b->last_join = *out;
  return WY_OK;
}

/* A foreign-key join: the left table's side in sub (its rows subscribe; the answers are
 * resolved into joined rows, which go on), the right table's in a sub-topology of its
 * own. Topics and stores carry Kafka Streams' names. */
static wy_status_t lower_fk_join(builder_t *b, wy_logical_t *n, int sub, tails_t *out) {
  char *registration = fk_name(b, "SUBSCRIPTION-REGISTRATION", FK_FIRST_INDEX, "-topic");
  char *response = fk_name(b, "SUBSCRIPTION-RESPONSE", FK_FIRST_INDEX + 8, "-topic");
  wy_plan_fk_t sides = {0};
  wy_schema_t subs_schema, resp_schema;
  wy_schema_init(&subs_schema);
  wy_schema_init(&resp_schema);
  wy_status_t st = registration && response ? WY_OK : nomem(b);
  if (st == WY_OK) st = shape_of(b, &sides.left, n->left);
  if (st == WY_OK) st = shape_of(b, &sides.right, n->right);
  if (st == WY_OK) st = wy_fk_subscription_schema(&sides, &subs_schema, b->err);
  if (st == WY_OK) st = wy_fk_response_schema(&sides, &resp_schema, b->err);
  if (st == WY_OK) st = push_internal(b, registration, n->join.right_partitions);
  if (st == WY_OK) st = push_internal(b, response, n->join.left_partitions);
  if (st == WY_OK) st = lower_fk_right(b, n, registration, response, &subs_schema);
  if (st == WY_OK) st = lower_fk_left(b, n, sub, registration, response, &resp_schema, out);
  wy_schema_clear(&sides.left.schema);
  wy_schema_clear(&sides.right.schema);
  wy_schema_clear(&subs_schema);
  wy_schema_clear(&resp_schema);
  free(registration);
  free(response);
  return st;
}

/* An aggregation's window, as the AGGREGATE and SUPPRESS steps need it. */
static void lower_window(const wy_logical_t *n, wy_plan_step_t *st) {
  st->window = n->agg.window;
  st->window_size = n->agg.window_size;
  st->window_advance = n->agg.window_advance;
  st->window_grace = n->agg.window_grace;
  st->window_retention = n->agg.window_retention;
}

static wy_status_t lower(builder_t *b, wy_logical_t *n, int sub, const lctx_t *cx, tails_t *out) {
  if (!n) return wy_error_set(b->err, WY_ERR_INTERNAL, "a logical node lacks its input");
  if (n->kind == WY_LOGICAL_SOURCE) return lower_source(b, n, sub, cx, out);
  if (n->kind == WY_LOGICAL_JOIN && n->join.fk_prog) return lower_fk_join(b, n, sub, out);
  if (n->kind == WY_LOGICAL_JOIN) return lower_join(b, n, sub, out);
  if (n->kind == WY_LOGICAL_SELECT_KEY) return lower_select_key(b, n, sub, cx, out);
  tails_t t;
  if (lower(b, n->input, sub, cx, &t) != WY_OK) return b->err->code;
  static const wy_step_kind_t kinds[] = {
      [WY_LOGICAL_FILTER] = WY_STEP_FILTER,     [WY_LOGICAL_PROJECT] = WY_STEP_PROJECT,
      [WY_LOGICAL_FLAT_MAP] = WY_STEP_FLAT_MAP, [WY_LOGICAL_AGGREGATE] = WY_STEP_AGGREGATE,
      [WY_LOGICAL_SUPPRESS] = WY_STEP_SUPPRESS, [WY_LOGICAL_SINK] = WY_STEP_SINK};
  wy_step_kind_t kind = kinds[n->kind];
  if (n->kind == WY_LOGICAL_AGGREGATE && n->agg.window == WY_WINDOW_SESSION)
    kind = WY_STEP_SESSION_AGGREGATE;
  int s = add_step(b, sub, kind, n->input, n);
  if (s < 0) return b->err->code;
  wy_plan_step_t *st = step_at(b, sub, s);
  switch (n->kind) {
    case WY_LOGICAL_FILTER:
      st->predicate = n->predicate;
      n->predicate = NULL;
      st->table_semantics = b->p->sink_is_table;
      break;
    case WY_LOGICAL_PROJECT:
    case WY_LOGICAL_FLAT_MAP:
      st->exprs = n->exprs, st->nexprs = n->nexprs;
      n->exprs = NULL, n->nexprs = 0;
      break;
    case WY_LOGICAL_AGGREGATE: {
      st->calls = n->agg.calls, st->ncalls = n->agg.ncalls;
      n->agg.calls = NULL, n->agg.ncalls = 0;
      st->table_source = n->table_source;
      lower_window(n, st);
      int store = add_store(b, sub, "Aggregate-Aggregate-Materialize", true, NULL, s);
      if (store < 0) return b->err->code;
      step_at(b, sub, s)->store = store;
      break;
    }
    case WY_LOGICAL_SUPPRESS: {
      lower_window(n, st);
      int store = add_store(b, sub, "Suppress", true, NULL, s);
      if (store < 0) return b->err->code;
      step_at(b, sub, s)->store = store;
      break;
    }
    case WY_LOGICAL_SINK:
      if (!(st->topic = strdup(n->sink.topic))) return nomem(b);
      st->key_format = n->sink.key_format;
      st->value_format = n->sink.value_format;
      st->timestamp_slot = n->sink.timestamp_slot;
      st->window = n->sink.window;
      st->timestamp_prog = n->sink.timestamp_prog;
      n->sink.timestamp_prog = NULL;
      if (n->sink.key_schema_name && !(st->key_schema_name = strdup(n->sink.key_schema_name)))
        return nomem(b);
      break;
    default:
      return wy_error_set(b->err, WY_ERR_INTERNAL, "cannot lower logical node %d", (int)n->kind);
  }
  link_tails(b, sub, &t, s);
  *out = one_tail(s, t.input);
  return WY_OK;
}

/* Renumber the sub-topologies in the order they were completed: producers first. */
static wy_status_t order_subs(builder_t *b) {
  wy_subtopology_t *v = calloc(b->p->nsubs ? b->p->nsubs : 1, sizeof *v);
  if (!v) return nomem(b);
  for (size_t i = 0; i < b->norder; i++) v[i] = b->p->subs[b->order[i]];
  free(b->p->subs);
  b->p->subs = v;
  return WY_OK;
}

static wy_status_t take_query(builder_t *b, wy_logical_query_t *q, const char *service_id) {
  wy_plan_t *p = b->p;
  char app[512];
  wy_plan_app_id(service_id, q->id, app, sizeof app);
  const wy_logical_t *sink = q->root;
  p->id = q->id, q->id = NULL;
  p->sql = q->sql, q->sql = NULL;
  p->kind = q->kind;
  p->partitions = q->partitions;
  p->lineage = q->lineage, p->nlineage = q->nlineage;
  q->lineage = NULL, q->nlineage = 0;
  p->lineage_indirect = q->lineage_indirect, p->nlineage_indirect = q->nlineage_indirect;
  q->lineage_indirect = NULL, q->nlineage_indirect = 0;
  p->sink_is_table = sink->table;
  if (!(p->app_id = strdup(app)) || !(p->sink_name = strdup(sink->sink.name)) ||
      !(p->sink_topic = strdup(sink->sink.topic)))
    return nomem(b);
  p->source_names = calloc(q->nsources ? q->nsources : 1, sizeof *p->source_names);
  if (!p->source_names) return nomem(b);
  for (size_t i = 0; i < q->nsources; i++, p->nsources++)
    if (!(p->source_names[i] = strdup(q->source_names[i]))) return nomem(b);
  for (size_t i = 0; i < q->nsources; i++)
    if (!push_string(&p->source_topics, &p->nsource_topics, q->source_topics[i])) return nomem(b);
  return WY_OK;
}

wy_status_t wy_plan_lower(wy_logical_query_t *q, const char *service_id, wy_plan_t **out,
                          wy_error_t *err) {
  *out = NULL;
  builder_t b = {calloc(1, sizeof(wy_plan_t)),
                 err,
                 NULL,
                 0,
                 q->root ? q->root->sink.key_schema_name : NULL,
                 {{-1, -1}, 0, -1}};
  wy_status_t st = b.p ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (st == WY_OK && (!q->root || q->root->kind != WY_LOGICAL_SINK))
    st = wy_error_set(err, WY_ERR_INTERNAL, "a logical plan ends in its sink");
  if (st == WY_OK) st = take_query(&b, q, service_id);
  if (st == WY_OK) {
    /* GROUP BY's repartition topic carries the key in the sink's key format, which can
     * hold the grouping columns (the source's might not: KAFKA, several columns) */
    lctx_t cx = {"KsqlTopic", &q->root->sink.key_format, NULL};
    int main = new_sub(&b);
    tails_t t;
    if (main < 0)
      st = nomem(&b);
    else
      st = lower(&b, q->root, main, &cx, &t);
    if (st == WY_OK && !sub_done(&b, main)) st = nomem(&b);
  }
  if (st == WY_OK) st = order_subs(&b);
  free(b.order);
  wy_logical_query_destroy(q);
  if (st != WY_OK) {
    wy_plan_destroy(b.p);
    return st;
  }
  *out = b.p;
  return WY_OK;
}

wy_status_t wy_plan_query(const wy_analyzer_ctx_t *cx, const char *service_id,
                          const wy_ast_stmt_t *s, wy_plan_t **plan, wy_source_def_t **sink,
                          wy_error_t *err) {
  *plan = NULL;
  wy_logical_query_t *q = NULL;
  if (wy_analyze_query(cx, s, &q, sink, err) != WY_OK) return err->code;
  if (wy_plan_lower(q, service_id, plan, err) != WY_OK) {
    wy_source_def_destroy(*sink);
    *sink = NULL;
    return err->code;
  }
  return WY_OK;
}
