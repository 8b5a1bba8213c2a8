/* engine.c — statement execution: catalog changes, query start, INSERT VALUES. */
#include "engine/engine.h"

#include <ctype.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "engine/analyzer/analyzer.h"
#include "engine/analyzer/scope.h"
#include "engine/base/log.h"
#include "engine/catalog/format_spec.h"
#include "engine/formats/format.h"
#include "engine/lineage/lineage.h"
#include "engine/plan/sink_schemas.h"
#include "engine/plan/plan_lineage.h"
#include "engine/plan/planner.h"
#include "parser/parser.h"
#include "state/state.h"

typedef struct prop_kv {
  char *name, *value;
} prop_kv_t;

struct wy_engine {
  wy_engine_options_t opts;
  wy_backend_t backend;
  wy_sink_t *own_sink; /* the memory broker's sink, when the engine made the backend */
  const wy_registry_t *registry;
  wy_catalog_t *catalog;
  wy_plog_t *plog;
  wy_sink_t *sink;
  wy_state_env_t *state;
  wy_exec_env_t env; /* what the queries are given: the sink, plog, registry, state */
  char *state_dir;
  bool own_state_dir;
  prop_kv_t *props;
  size_t nprops;
  wy_query_t **queries;
  size_t nqueries;
  int next_query;
  wy_parse_vars_t *vars;
};

static int64_t real_now(void *user) {
  (void)user;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

/* The memory broker as a backend. */
static int mem_partitions(void *ctx, const char *topic) {
  return wy_memory_broker_partitions(ctx, topic);
}
static wy_status_t mem_create_topic(void *ctx, const char *topic, int partitions, bool compacted,
                                    wy_error_t *err) {
  (void)compacted;
  return wy_memory_broker_create_topic(ctx, topic, partitions, err);
}
static wy_status_t mem_delete_topic(void *ctx, const char *topic, wy_error_t *err) {
  return wy_memory_broker_delete_topic(ctx, topic, err);
}
static const wy_backend_ops_t memory_backend_ops = {mem_partitions, mem_create_topic,
                                                    mem_delete_topic};

wy_status_t wy_engine_new(const wy_engine_options_t *opts, wy_engine_t **out, wy_error_t *err) {
  *out = NULL;
  wy_engine_t *e = calloc(1, sizeof *e);
  if (!e) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  e->opts = *opts;
  if (!e->opts.now_ms) e->opts.now_ms = real_now;
  e->registry = opts->registry ? opts->registry : wy_registry_builtins();
  e->catalog = wy_catalog_new();
  e->plog = wy_plog_new(0);
  e->vars = wy_parse_vars_new();
  if (!e->registry || !e->catalog || !e->plog || !e->vars) {
    wy_engine_destroy(e);
    return wy_error_set(err, WY_ERR_NOMEM, "cannot create the engine");
  }
  if (opts->backend) {
    e->backend = *opts->backend;
  } else if (opts->broker) {
    if (wy_memory_sink_new(opts->broker, &e->own_sink, err) != WY_OK) {
      wy_engine_destroy(e);
      return err->code;
    }
    e->own_sink->on_delivery = wy_delivery_dispatch;
    e->backend.ops = &memory_backend_ops;
    e->backend.ctx = opts->broker;
    e->backend.sink = e->own_sink;
  } else {
    wy_engine_destroy(e);
    return wy_error_set(err, WY_ERR_INVALID, "an engine needs a topic backend");
  }
  e->sink = e->backend.sink;
  if (opts->state_dir) {
    e->state_dir = strdup(opts->state_dir);
  } else {
    char tmpl[] = "/tmp/walleye-state-XXXXXX";
    if (!mkdtemp(tmpl)) {
      wy_engine_destroy(e);
      return wy_error_set(err, WY_ERR_IO, "cannot create a state directory");
    }
    e->state_dir = strdup(tmpl);
    e->own_state_dir = true;
  }
  wy_state_config_t cfg;
  if (wy_state_config_init(&cfg, err) != WY_OK) {
    wy_engine_destroy(e);
    return err->code;
  }
  wy_state_config_set(&cfg, "state.dir", e->state_dir, err);
  if (opts->service_id && *opts->service_id)
    wy_state_config_set(&cfg, "ksql.service.id", opts->service_id, err);
  wy_state_config_set(&cfg, "state.rocksdb.memory.bytes", "8m", err);
  wy_status_t st = wy_state_env_new(&cfg, &e->state, err);
  wy_state_config_release(&cfg);
  if (st != WY_OK) {
    wy_engine_destroy(e);
    return st;
  }
  e->env = (wy_exec_env_t){e->sink, e->plog, e->opts.schema_registry, e->state, NULL};
  *out = e;
  return WY_OK;
}

void wy_engine_destroy(wy_engine_t *e) {
  if (!e) return;
  for (size_t i = 0; i < e->nqueries; i++) {
    /* the node stops: the queries' runs end with ABORT */
    wy_query_flush_stats(e->queries[i]);
    wy_lineage_run_t *run = wy_query_lineage(e->queries[i]);
    wy_error_t lerr;
    if (run) wy_lineage_run_abort(run, &lerr);
    wy_query_destroy(e->queries[i]);
  }
  free(e->queries);
  wy_state_env_destroy(e->state);
  if (e->own_state_dir && e->state_dir) nftw(e->state_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(e->state_dir);
  wy_sink_destroy(e->own_sink);
  wy_catalog_destroy(e->catalog);
  wy_plog_destroy(e->plog);
  wy_parse_vars_destroy(e->vars);
  for (size_t i = 0; i < e->nprops; i++) {
    free(e->props[i].name);
    free(e->props[i].value);
  }
  free(e->props);
  free(e);
}

const wy_catalog_t *wy_engine_catalog(const wy_engine_t *e) { return e->catalog; }
const wy_registry_t *wy_engine_registry(const wy_engine_t *e) { return e->registry; }
wy_plog_t *wy_engine_plog(wy_engine_t *e) { return e->plog; }
wy_memory_broker_t *wy_engine_broker(wy_engine_t *e) { return e->opts.broker; }
struct wy_sr *wy_engine_schema_registry(wy_engine_t *e) {
  return e->opts.schema_registry;
}
static wy_status_t ensure_topic(wy_engine_t *e, const char *topic, int partitions, wy_error_t *err);

wy_status_t wy_engine_add_source_copy(wy_engine_t *e, const wy_source_def_t *def, wy_error_t *err) {
  wy_source_def_t *d = wy_source_def_copy(def);
  if (!d) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (d->topic && ensure_topic(e, d->topic, d->partitions, err) != WY_OK) {
    wy_source_def_destroy(d);
    return err->code;
  }
  return wy_catalog_add(e->catalog, d, true, err);
}

size_t wy_engine_query_state_dir(const wy_engine_t *e, const char *query_id, char *buf,
                                 size_t cap) {
  return wy_state_env_query_dir(e->state, query_id, buf, cap);
}

size_t wy_engine_query_count(const wy_engine_t *e) { return e->nqueries; }
wy_query_t *wy_engine_query_at(wy_engine_t *e, size_t i) { return e->queries[i]; }

wy_status_t wy_engine_set_property(wy_engine_t *e, const char *name, const char *value,
                                   wy_error_t *err) {
  for (size_t i = 0; i < e->nprops; i++) {
    if (strcasecmp(e->props[i].name, name) == 0) {
      char *v = strdup(value);
      if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      free(e->props[i].value);
      e->props[i].value = v;
      return WY_OK;
    }
  }
  prop_kv_t *grown = realloc(e->props, (e->nprops + 1) * sizeof *grown);
  if (!grown) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  e->props = grown;
  e->props[e->nprops].name = strdup(name);
  e->props[e->nprops].value = strdup(value);
  if (!e->props[e->nprops].name || !e->props[e->nprops].value)
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  e->nprops++;
  return WY_OK;
}

const char *wy_engine_property(const wy_engine_t *e, const char *name) {
  for (size_t i = 0; i < e->nprops; i++)
    if (strcasecmp(e->props[i].name, name) == 0) return e->props[i].value;
  return NULL;
}

static const char *prop_cb(void *user, const char *name) { return wy_engine_property(user, name); }

static int partitions_cb(void *user, const char *topic) {
  wy_engine_t *e = user;
  return e->backend.ops->partitions(e->backend.ctx, topic);
}

static void analyzer_ctx(wy_engine_t *e, wy_analyzer_ctx_t *cx) {
  memset(cx, 0, sizeof *cx);
  cx->catalog = e->catalog;
  cx->registry = e->registry;
  cx->property = prop_cb;
  cx->topic_partitions = partitions_cb;
  cx->user = e;
  cx->next_query_number = e->next_query;
  cx->sr = e->opts.schema_registry;
  cx->transient = e->opts.transient;
}

static wy_status_t ensure_topic(wy_engine_t *e, const char *topic, int partitions,
                                wy_error_t *err) {
  if (e->backend.ops->partitions(e->backend.ctx, topic) > 0) return WY_OK;
  return e->backend.ops->create_topic(e->backend.ctx, topic, partitions > 0 ? partitions : 1, false,
                                      err);
}

/* A sub-topology's task count, as Kafka Streams sizes it: the most partitions of its
 * inputs (the sink's count when none is known yet). */
static int task_count(wy_engine_t *e, const wy_plan_t *p, const wy_subtopology_t *s) {
  int parts = 0;
  for (size_t k = 0; k < s->ninputs; k++) {
    int n = e->backend.ops->partitions(e->backend.ctx, s->inputs[k].topic);
    if (n > parts) parts = n;
  }
  return parts > 0 ? parts : p->partitions > 0 ? p->partitions : 1;
}

/* Create a query's changelog topics (compacted) before its first write, a partition per
 * task of the store's sub-topology: a task writes the changelog partition numbered as its
 * own, and a backend that creates topics on first use would make one partition. */
static wy_status_t create_changelogs(wy_engine_t *e, const wy_plan_t *p, wy_error_t *err) {
  for (size_t s = 0; p->nchangelogs && s < p->nsubs; s++) {
    const wy_subtopology_t *sub = &p->subs[s];
    for (size_t k = 0; k < sub->nstores; k++) {
      const char *topic = sub->stores[k].changelog;
      if (!topic || e->backend.ops->partitions(e->backend.ctx, topic) > 0) continue;
      if (e->backend.ops->create_topic(e->backend.ctx, topic, task_count(e, p, sub), true, err) !=
          WY_OK)
        return wy_error_prefix(err, "changelog of query %s", p->id);
    }
  }
  return WY_OK;
}

/* The service id that names the queries' internal topics: SET ksql.service.id, else the
 * node's, else ksqlDB's default. */
static const char *service_id(const wy_engine_t *e) {
  const char *sid = wy_engine_property(e, "ksql.service.id");
  if (sid && *sid) return sid;
  return e->opts.service_id && *e->opts.service_id ? e->opts.service_id : "default_";
}

/* A query ends: its lineage run completes (terminated, dropped or replaced). */
/* Stop q for good. Reports of its writes may still wait in the shared sink with its
 * delivery targets as opaque: they are delivered first, while q is alive to take them
 * (a later flush for another writer would otherwise call into a freed query). */
static void query_end(wy_engine_t *e, wy_query_t *q) {
  wy_error_t ferr;
  if (e->sink && wy_sink_flush(e->sink, 10000, &ferr) != WY_OK)
    wy_log(WY_LOG_WARN, "engine", "ending query %s: %s", wy_query_plan(q)->id, ferr.msg);
  wy_query_flush_stats(q);
  if (wy_query_lineage(q)) {
    wy_error_t err;
    wy_lineage_run_complete(wy_query_lineage(q), &err);
  }
  wy_query_destroy(q);
}

static wy_query_t *query_writing(wy_engine_t *e, const char *name) {
  for (size_t i = 0; i < e->nqueries; i++) {
    const wy_plan_t *p = wy_query_plan(e->queries[i]);
    if (p->sink_name && strcmp(p->sink_name, name) == 0) return e->queries[i];
  }
  return NULL;
}

static wy_status_t exec_create_source(wy_engine_t *e, const wy_ast_stmt_t *s, wy_error_t *err) {
  const wy_source_def_t *existing = wy_catalog_find(e->catalog, s->name);
  if (existing && s->if_not_exists) return WY_OK;
  wy_analyzer_ctx_t cx;
  analyzer_ctx(e, &cx);
  wy_source_def_t *d;
  if (wy_analyze_create_source(&cx, s, &d, err) != WY_OK) return err->code;
  if (existing && !s->or_replace) {
    wy_error_set(err, WY_ERR_EXISTS, "Cannot add %s '%s': A %s with the same name already exists",
                 d->kind == WY_SOURCE_TABLE ? "table" : "stream", d->name,
                 existing->kind == WY_SOURCE_TABLE ? "table" : "stream");
    wy_source_def_destroy(d);
    return err->code;
  }
  if (existing && s->or_replace && existing->is_source) {
    wy_error_set(err, WY_ERR_ANALYSIS,
                 "Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.",
                 d->kind == WY_SOURCE_TABLE ? "table" : "stream", d->name,
                 d->kind == WY_SOURCE_TABLE ? "table" : "stream");
    wy_source_def_destroy(d);
    return err->code;
  }
  if (wy_source_check_schemas(d, e->opts.schema_registry, err) != WY_OK ||
      ensure_topic(e, d->topic, d->partitions, err) != WY_OK) {
    wy_source_def_destroy(d);
    return err->code;
  }
  return wy_catalog_add(e->catalog, d, s->or_replace, err);
}

static wy_status_t exec_query(wy_engine_t *e, const wy_ast_stmt_t *s, wy_error_t *err) {
  if (s->kind != WY_AST_STMT_INSERT_INTO && s->if_not_exists &&
      wy_catalog_find(e->catalog, s->name))
    return WY_OK;
  wy_analyzer_ctx_t cx;
  analyzer_ctx(e, &cx);
  wy_plan_t *plan;
  wy_source_def_t *sink;
  if (wy_plan_query(&cx, service_id(e), s, &plan, &sink, err) != WY_OK) return err->code;
  /* a sink schema the registry refuses fails the statement before anything exists */
  if (wy_plan_check_sink_schemas(plan, e->opts.schema_registry, err) != WY_OK) {
    wy_plan_destroy(plan);
    wy_source_def_destroy(sink);
    return err->code;
  }
  e->next_query++;
  wy_status_t st = ensure_topic(e, plan->sink_topic, plan->partitions, err);
  for (size_t i = 0; st == WY_OK && i < plan->ninternal; i++)
    st = ensure_topic(e, plan->internal_topics[i], wy_plan_internal_partitions(plan, i), err);
  if (st == WY_OK) st = create_changelogs(e, plan, err);
  if (st != WY_OK) {
    wy_plan_destroy(plan);
    wy_source_def_destroy(sink);
    return st;
  }
  if (sink) {
    /* CREATE OR REPLACE of a CSAS/CTAS replaces the query that wrote the sink. */
    wy_query_t *old = query_writing(e, sink->name);
    if (old) {
      for (size_t i = 0; i < e->nqueries; i++)
        if (e->queries[i] == old) {
          query_end(e, old);
          memmove(&e->queries[i], &e->queries[i + 1], (e->nqueries - i - 1) * sizeof *e->queries);
          e->nqueries--;
          break;
        }
    }
    if (wy_catalog_add(e->catalog, sink, s->or_replace, err) != WY_OK) {
      wy_plan_destroy(plan);
      return err->code;
    }
  }
  wy_query_t **grown = realloc(e->queries, (e->nqueries + 1) * sizeof *grown);
  if (!grown) {
    wy_plan_destroy(plan);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  e->queries = grown;
  wy_query_t *q;
  if (wy_query_new(plan, &e->env, &q, err) != WY_OK) return err->code;
  if (e->opts.lineage) {
    wy_error_t lerr;
    wy_lineage_run_t *run;
    if (wy_plan_lineage_start(
            wy_query_plan(q), e->catalog, service_id(e),
            e->opts.bootstrap_servers ? e->opts.bootstrap_servers : "127.0.0.1:9092",
            e->opts.lineage, &run, &lerr) != WY_OK)
      /* lineage must never stop a query: report and run without it */
      wy_log(WY_LOG_WARN, "lineage", "no lineage for query %s: %s", wy_query_plan(q)->id, lerr.msg);
    else
      wy_query_attach_lineage(q, run);
  }
  e->queries[e->nqueries++] = q;
  wy_log(WY_LOG_DEBUG, "engine", "started query id=%s sink=%s", wy_query_plan(q)->id,
         wy_query_plan(q)->sink_name);
  return WY_OK;
}

/* ksqlDB's answer to INSERT VALUES into a name no source has, with its hint when the
 * name differs from one only by case (quoted identifiers keep their case). */
static wy_status_t unknown_insert_target(wy_engine_t *e, const char *name, wy_error_t *err) {
  const wy_catalog_t *c = e->catalog;
  for (size_t i = 0; i < wy_catalog_count(c); i++) {
    const char *other = wy_catalog_at(c, i)->name;
    if (strcasecmp(other, name) != 0) continue;
    bool other_upper = true;
    for (const char *p = other; *p; p++) other_upper &= !islower((unsigned char)*p);
    if (other_upper)
      return wy_error_set(err, WY_ERR_NOT_FOUND,
                          "Cannot insert values into an unknown stream/table: `%s`\nDid you mean "
                          "%s? Hint: try removing double quotes from the source name.",
                          name, other);
    return wy_error_set(err, WY_ERR_NOT_FOUND,
                        "Cannot insert values into an unknown stream/table: `%s`\nDid you mean "
                        "\"%s\"? Hint: wrap the source name in double quotes to make it "
                        "case-sensitive.",
                        name, other);
  }
  return wy_error_set(err, WY_ERR_NOT_FOUND,
                      "Cannot insert values into an unknown stream/table: `%s`", name);
}

wy_status_t wy_engine_values_row(wy_engine_t *e, const wy_source_def_t *d, const wy_ast_stmt_t *s,
                                 wy_arena_t *arena, wy_value_t **row_out, int64_t *rowtime,
                                 wy_error_t *err) {
  const wy_schema_t *sc = &d->schema;
  /* Target columns: the list given, or every column in schema order. */
  size_t ncols = s->has_insert_columns ? s->ninsert_columns : sc->n;
  if (ncols != s->nvalues)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Expected number columns and values to match: %zu, %zu", ncols, s->nvalues);
  wy_value_t *row = wy_arena_calloc(arena, sc->n + 1, sizeof *row);
  if (!row) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < sc->n; i++) row[i] = wy_null(sc->cols[i].type->kind);
  *rowtime = -1;
  wy_status_t st = WY_OK;
  wy_scope_t empty;
  wy_scope_init(&empty);
  for (size_t i = 0; i < ncols && st == WY_OK; i++) {
    const char *name = s->has_insert_columns ? s->insert_columns[i].text : sc->cols[i].name;
    int at = wy_schema_find(sc, name);
    bool is_rowtime = strcmp(name, "ROWTIME") == 0;
    if (at < 0 && !is_rowtime) {
      st = wy_error_set(err, WY_ERR_ANALYSIS, "Column name %s does not exist.", name);
      break;
    }
    if (at >= 0 && (sc->cols[at].ns == WY_NS_HEADER || sc->cols[at].ns == WY_NS_HEADERS)) {
      st = wy_error_set(err, WY_ERR_ANALYSIS, "Cannot insert into HEADER columns: %s", name);
      break;
    }
    wy_convert_ctx_t cx = {.scope = &empty, .catalog = e->catalog, .clause = "VALUES"};
    wy_expr_t *x = wy_convert_expr(&cx, s->values[i], err);
    const wy_type_t *want = is_rowtime ? wy_type_bigint() : sc->cols[at].type;
    if (x) {
      if (wy_expr_bind(x, e->registry, false, err) != WY_OK) {
        wy_expr_destroy(x);
        x = NULL;
      } else if (wy_expr_type(x) && !wy_type_equal(wy_expr_type(x), want)) {
        x = wy_expr_cast(x, wy_type_ref(want), s->values[i]->pos.line, s->values[i]->pos.column);
        if (x && wy_expr_bind(x, e->registry, false, err) != WY_OK) {
          wy_expr_destroy(x);
          x = NULL;
        }
      }
    }
    if (!x) {
      st = err->code ? err->code : WY_ERR_NOMEM;
      break;
    }
    wy_expr_program_t *prog = NULL;
    wy_value_t v;
    if (wy_expr_compile(x, &prog, err) != WY_OK ||
        wy_expr_eval(prog, NULL, arena, &v, err) != WY_OK) {
      st = err->code;
    } else if (is_rowtime) {
      *rowtime = v.null ? -1 : v.u.i64;
    } else if (!wy_value_deep_copy(arena, &v, &row[at])) {
      /* the result may point into the program, which goes away below */
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    } else if (v.null) {
      row[at].kind = (uint8_t)sc->cols[at].type->kind;
    }
    wy_expr_program_destroy(prog);
    wy_expr_destroy(x);
  }
  if (st == WY_OK) *row_out = row;
  return st;
}

/* INSERT INTO s [(cols)] VALUES (...): evaluate, encode with the target's formats and
 * produce one record. */
static wy_status_t exec_insert_values(wy_engine_t *e, const wy_ast_stmt_t *s, wy_error_t *err) {
  const wy_source_def_t *d = wy_catalog_find(e->catalog, s->name);
  if (!d) return unknown_insert_target(e, s->name, err);
  if (d->is_source)
    return wy_error_set(err, WY_ERR_ANALYSIS, "Cannot insert values into read-only %s: %s",
                        d->kind == WY_SOURCE_TABLE ? "table" : "stream", d->name);
  const wy_schema_t *sc = &d->schema;
  if (!s->has_insert_columns) { /* every column is a target: header columns too */
    char names[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < sc->n && len < sizeof names; i++)
      if (sc->cols[i].ns == WY_NS_HEADER || sc->cols[i].ns == WY_NS_HEADERS)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "",
                                sc->cols[i].name);
    if (len)
      return wy_error_set(err, WY_ERR_ANALYSIS, "Cannot insert into HEADER columns: %s", names);
  }
  wy_arena_t arena;
  wy_arena_init(&arena, 0);
  wy_value_t *row = NULL;
  int64_t rowtime = -1;
  wy_status_t st = wy_engine_values_row(e, d, s, &arena, &row, &rowtime, err);
  /* Encode key and value. */
  wy_buf_t kb, vb;
  wy_buf_init(&kb);
  wy_buf_init(&vb);
  bool null_key = true, null_value = false;
  for (int part = 0; part < 2 && st == WY_OK; part++) {
    bool key = part == 0;
    const wy_format_spec_t *spec = key ? &d->key_format : &d->value_format;
    size_t n = 0;
    wy_format_column_t *cols = calloc(sc->n + 1, sizeof *cols);
    wy_value_t *vals = calloc(sc->n + 1, sizeof *vals);
    if (!cols || !vals) {
      free(cols);
      free(vals);
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      break;
    }
    for (size_t i = 0; i < sc->n; i++) {
      if ((key && sc->cols[i].ns != WY_NS_KEY) || (!key && sc->cols[i].ns != WY_NS_VALUE)) continue;
      cols[n].name = sc->cols[i].name;
      cols[n].type = sc->cols[i].type;
      vals[n++] = row[i];
    }
    wy_format_codec_t *c = NULL;
    if (!key || n > 0) {
      wy_codec_request_t req = {key, d->topic, e->opts.schema_registry, true, NULL, NULL, 0};
      c = wy_format_spec_codec(spec, cols, n, &req, err);
      if (!c) st = err->code;
    }
    if (c) {
      bool is_null = false;
      st = wy_format_encode(c, vals, key ? &kb : &vb, &is_null, err);
      wy_format_codec_destroy(c);
      if (key)
        null_key = is_null;
      else
        null_value = is_null;
    }
    free(cols);
    free(vals);
  }
  if (st == WY_OK) {
    int64_t ts = rowtime >= 0 ? rowtime : e->opts.now_ms(e->opts.now_user);
    st = wy_sink_send(e->sink, d->topic, -1, null_key ? NULL : kb.data, null_key ? 0 : kb.len,
                      null_value ? NULL : vb.data, null_value ? 0 : vb.len, NULL, 0, ts, NULL, err);
    if (st == WY_OK) st = wy_sink_flush(e->sink, 10000, err);
  }
  wy_buf_free(&kb);
  wy_buf_free(&vb);
  wy_arena_release(&arena);
  return st;
}

static wy_status_t exec_drop(wy_engine_t *e, const wy_ast_stmt_t *s, wy_error_t *err) {
  const wy_source_def_t *d = wy_catalog_find(e->catalog, s->name);
  if (!d) {
    if (s->if_exists) return WY_OK;
    return wy_error_set(err, WY_ERR_NOT_FOUND, "%s %s does not exist.",
                        s->kind == WY_AST_STMT_DROP_TABLE ? "Table" : "Stream", s->name);
  }
  bool drop_table = s->kind == WY_AST_STMT_DROP_TABLE;
  if ((d->kind == WY_SOURCE_TABLE) != drop_table)
    return wy_error_set(
        err, WY_ERR_ANALYSIS, "Incompatible data source type is %s, but statement was DROP %s",
        d->kind == WY_SOURCE_TABLE ? "TABLE" : "STREAM", drop_table ? "TABLE" : "STREAM");
  if (s->delete_topic && d->is_source)
    return wy_error_set(err, WY_ERR_ANALYSIS, "Cannot delete topic for read-only source: %s",
                        d->name);
  /* The query writing to it stops with the drop (ksqlDB terminates it). */
  wy_query_t *w = query_writing(e, d->name);
  if (w) {
    for (size_t i = 0; i < e->nqueries; i++)
      if (e->queries[i] == w) {
        wy_state_remove_query(e->state, wy_query_plan(w)->id, err);
        query_end(e, w);
        memmove(&e->queries[i], &e->queries[i + 1], (e->nqueries - i - 1) * sizeof *e->queries);
        e->nqueries--;
        break;
      }
  }
  char *topic = strdup(d->topic);
  wy_status_t st = wy_catalog_drop(e->catalog, s->name, err);
  if (st == WY_OK && s->delete_topic && topic)
    e->backend.ops->delete_topic(e->backend.ctx, topic, err);
  free(topic);
  return st;
}

/* ALTER STREAM|TABLE s ADD COLUMN ...: new value columns at the end of a source that a
 * CREATE (not a query) defined. Queries already running keep the schema they started
 * with, as in ksqlDB. */
static wy_status_t exec_alter(wy_engine_t *e, const wy_ast_stmt_t *s, wy_error_t *err) {
  bool table = s->kind == WY_AST_STMT_ALTER_TABLE;
  const char *word = table ? "table" : "stream";
  const wy_source_def_t *d = wy_catalog_find(e->catalog, s->name);
  if (!d) return wy_error_set(err, WY_ERR_NOT_FOUND, "Source %s does not exist.", s->name);
  if ((d->kind == WY_SOURCE_TABLE) != table)
    return wy_error_set(
        err, WY_ERR_ANALYSIS, "Incompatible data source type is %s, but statement was ALTER %s",
        d->kind == WY_SOURCE_TABLE ? "TABLE" : "STREAM", table ? "TABLE" : "STREAM");
  if (d->is_source)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "Cannot alter %s '%s': ALTER operations are not supported on source %ss.",
                        word, d->name, word);
  if (d->query_id)
    return wy_error_set(err, WY_ERR_ANALYSIS,
                        "ALTER command is not supported for CREATE ... AS statements.");
  wy_source_def_t *copy = wy_source_def_copy(d);
  if (!copy) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < s->ncolumns && st == WY_OK; i++) {
    const wy_ast_column_def_t *c = s->columns[i];
    if (wy_schema_find(&copy->schema, c->name) >= 0) {
      st = wy_error_set(err, WY_ERR_ANALYSIS,
                        "Cannot add column `%s` to schema. A column with the same name already "
                        "exists.",
                        c->name);
      break;
    }
    const wy_type_t *t = wy_convert_type(e->catalog, c->type, err);
    st = t ? wy_schema_add(&copy->schema, c->name, t, WY_NS_VALUE, NULL, err) : err->code;
  }
  if (st == WY_OK) st = wy_analyze_check_format(&copy->schema, false, &copy->value_format, err);
  if (st != WY_OK) {
    wy_source_def_destroy(copy);
    return st;
  }
  return wy_catalog_add(e->catalog, copy, true, err);
}

static wy_status_t exec_terminate(wy_engine_t *e, const wy_ast_stmt_t *s, wy_error_t *err) {
  for (size_t i = 0; i < e->nqueries;) {
    const wy_plan_t *p = wy_query_plan(e->queries[i]);
    if (s->all || strcasecmp(p->id, s->name) == 0) {
      wy_state_remove_query(e->state, p->id, err);
      query_end(e, e->queries[i]);
      memmove(&e->queries[i], &e->queries[i + 1], (e->nqueries - i - 1) * sizeof *e->queries);
      e->nqueries--;
      if (!s->all) return WY_OK;
    } else {
      i++;
    }
  }
  if (s->all) return WY_OK;
  return wy_error_set(err, WY_ERR_NOT_FOUND, "Unknown queryId: %s", s->name);
}

wy_status_t wy_engine_execute(wy_engine_t *e, const wy_ast_stmt_t *s, wy_error_t *err) {
  wy_error_clear(err);
  switch (s->kind) {
    case WY_AST_STMT_CREATE_STREAM:
    case WY_AST_STMT_CREATE_TABLE:
      return exec_create_source(e, s, err);
    case WY_AST_STMT_CREATE_STREAM_AS:
    case WY_AST_STMT_CREATE_TABLE_AS:
    case WY_AST_STMT_INSERT_INTO:
      return exec_query(e, s, err);
    case WY_AST_STMT_INSERT_VALUES:
      return exec_insert_values(e, s, err);
    case WY_AST_STMT_DROP_STREAM:
    case WY_AST_STMT_DROP_TABLE:
      return exec_drop(e, s, err);
    case WY_AST_STMT_ALTER_STREAM:
    case WY_AST_STMT_ALTER_TABLE:
      return exec_alter(e, s, err);
    case WY_AST_STMT_TERMINATE:
      return exec_terminate(e, s, err);
    case WY_AST_STMT_SET:
      return wy_engine_set_property(e, s->name, s->value ? s->value : "", err);
    case WY_AST_STMT_UNSET:
      return wy_engine_set_property(e, s->name, "", err);
    case WY_AST_STMT_CREATE_TYPE: {
      if (wy_catalog_find_type(e->catalog, s->name)) {
        if (s->if_not_exists) return WY_OK;
      }
      const wy_type_t *t = wy_convert_type(e->catalog, s->type, err);
      if (!t) return err->code;
      return wy_catalog_add_type(e->catalog, s->name, t, err);
    }
    case WY_AST_STMT_DROP_TYPE:
      if (!wy_catalog_find_type(e->catalog, s->name) && s->if_exists) return WY_OK;
      return wy_catalog_drop_type(e->catalog, s->name, err);
    case WY_AST_STMT_DEFINE:
      return wy_parse_vars_set(e->vars, s->name, s->value ? s->value : "") == WY_OK
                 ? WY_OK
                 : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    case WY_AST_STMT_UNDEFINE:
      wy_parse_vars_unset(e->vars, s->name);
      return WY_OK;
    case WY_AST_STMT_QUERY:
      return wy_error_set_pos(err, WY_ERR_UNSUPPORTED, s->pos.line, s->pos.column,
                              "transient queries (SELECT without CREATE) are not supported here");
    default:
      return WY_OK; /* SHOW, DESCRIBE, EXPLAIN, DEFINE...: nothing to change */
  }
}

wy_status_t wy_engine_execute_sql(wy_engine_t *e, const char *sql, size_t *nexecuted,
                                  wy_error_t *err) {
  if (nexecuted) *nexecuted = 0;
  wy_ast_script_t *script;
  const char *subst = wy_engine_property(e, "ksql.variable.substitution.enable");
  unsigned flags = subst && strcasecmp(subst, "false") == 0 ? WY_PARSE_NO_SUBSTITUTION : 0;
  if (wy_parse_ex(sql, strlen(sql), e->vars, flags, &script, err) != WY_OK) return err->code;
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < script->n && st == WY_OK; i++) {
    st = wy_engine_execute(e, script->stmts[i], err);
    if (st == WY_OK && nexecuted) (*nexecuted)++;
  }
  wy_ast_script_destroy(script);
  return st;
}
