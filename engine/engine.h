/*
 * engine.h — one walleye engine: a catalog, the function registry, session
 * properties, and the persistent queries started by the statements it executed.
 *
 * The engine executes parsed statements (DDL changes the catalog; CSAS, CTAS and
 * INSERT INTO are planned (engine/plan/planner.h) and started as running queries
 * (engine/runtime/query.h) with the engine's sink, processing log, Schema Registry and
 * state as their explicit environment; INSERT VALUES produces a record), against a
 * topic backend: the in-process memory broker (tests, `walleye test`) or Kafka
 * (`walleye run`, the server). The engine creates a query's sink, internal and
 * changelog topics before it starts; records reach the query through a driver
 * (engine/runtime/driver.h), which the front ends run. One thread drives an engine.
 */
#ifndef WY_ENGINE_H
#define WY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "connectors/memory/memory.h"
#include "engine/base/status.h"
#include "engine/catalog/catalog.h"
#include "engine/config/config.h"
#include "engine/plan/plan.h"
#include "engine/plog/processing_log.h"
#include "engine/runtime/query.h"
#include "parser/ast.h"
#include "udf/registry.h"

typedef struct wy_engine wy_engine_t;

/* Where topics live: the in-process memory broker (tests, `walleye test`) or Kafka
 * (`walleye run`). The engine creates sink, internal and changelog topics through it and
 * produces query outputs and INSERT VALUES records through its sink. */
typedef struct wy_backend_ops {
  /* Partition count of a topic, or -1 when it does not exist. */
  int (*partitions)(void *ctx, const char *topic);
  wy_status_t (*create_topic)(void *ctx, const char *topic, int partitions, bool compacted,
                              wy_error_t *err);
  wy_status_t (*delete_topic)(void *ctx, const char *topic, wy_error_t *err);
} wy_backend_ops_t;

typedef struct wy_backend {
  const wy_backend_ops_t *ops;
  void *ctx;
  wy_sink_t *sink; /* not owned; its delivery callback must be wy_delivery_dispatch */
} wy_backend_t;

typedef struct wy_engine_options {
  /* The topic backend: either a memory broker (the engine builds the backend and its
   * sink) or a backend of the caller's (not owned). */
  wy_memory_broker_t *broker;
  const wy_backend_t *backend;
  const wy_registry_t *registry; /* NULL: the built-ins */
  const char *state_dir;         /* where stores live; NULL: a fresh temporary folder */
  const char *service_id;        /* ksql.service.id: names state paths and changelog topics;
                                  * NULL: the state module's default */
  struct wy_sr *schema_registry; /* for AVRO (not owned); NULL: AVRO is unavailable */
  /* OpenLineage: a run per query (START when it starts, COMPLETE when it is terminated
   * or its sink dropped, ABORT when the engine stops). Not owned; NULL: no lineage. */
  struct wy_lineage_emitter *lineage;
  const char *bootstrap_servers; /* names the datasets' namespace (kafka://host:port) */
  /* The scratch engine of a transient query (push, pull): its CSAS and CTAS stand for a
   * SELECT, which may read windowed tables and shows their window bounds in `*`. */
  bool transient;
  /* Wall clock for INSERT VALUES without ROWTIME; NULL: real time. */
  int64_t (*now_ms)(void *user);
  void *now_user;
} wy_engine_options_t;

wy_status_t wy_engine_new(const wy_engine_options_t *opts, wy_engine_t **out, wy_error_t *err);
void wy_engine_destroy(wy_engine_t *e);

/* Session properties (SET, QTT `properties`); unknown ksql.* keys are kept as text. */
wy_status_t wy_engine_set_property(wy_engine_t *e, const char *name, const char *value,
                                   wy_error_t *err);
const char *wy_engine_property(const wy_engine_t *e, const char *name);

/* Parse and execute every statement of a SQL text, in order; stops at the first error
 * (the error carries line and column where known). *nexecuted (optional) counts the
 * statements that succeeded. */
wy_status_t wy_engine_execute_sql(wy_engine_t *e, const char *sql, size_t *nexecuted,
                                  wy_error_t *err);
wy_status_t wy_engine_execute(wy_engine_t *e, const wy_ast_stmt_t *stmt, wy_error_t *err);

/* The row a statement of INSERT VALUES' shape (INSERT VALUES, ASSERT VALUES, ASSERT NULL
 * VALUES) gives source d: each value evaluated and cast to its column's type, the
 * columns it does not name NULL. *row_out (d->schema.n values) lives in arena;
 * *rowtime is the ROWTIME given, or -1. ksqlDB's messages for unknown columns and a
 * count mismatch. */
wy_status_t wy_engine_values_row(wy_engine_t *e, const wy_source_def_t *d, const wy_ast_stmt_t *s,
                                 wy_arena_t *arena, wy_value_t **row_out, int64_t *rowtime,
                                 wy_error_t *err);

const wy_catalog_t *wy_engine_catalog(const wy_engine_t *e);
/* Declare a copy of another engine's stream or table (no query writes it here), creating
 * its topic on this engine's backend when missing: the scratch engine of a transient
 * query sees the node's sources this way. */
wy_status_t wy_engine_add_source_copy(wy_engine_t *e, const wy_source_def_t *def, wy_error_t *err);
const wy_registry_t *wy_engine_registry(const wy_engine_t *e);
wy_plog_t *wy_engine_plog(wy_engine_t *e);
/* The memory broker when the engine runs on one, else NULL. */
wy_memory_broker_t *wy_engine_broker(wy_engine_t *e);
struct wy_sr *wy_engine_schema_registry(wy_engine_t *e);

/* The folder of a query's stores (state.h's wy_state_query_dir); returns the length
 * needed (snprintf). */
size_t wy_engine_query_state_dir(const wy_engine_t *e, const char *query_id, char *buf, size_t cap);

size_t wy_engine_query_count(const wy_engine_t *e);
wy_query_t *wy_engine_query_at(wy_engine_t *e, size_t i);

#endif
