/*
 * analyzer.h — statements to catalog entries and query plans, with ksqlDB's rules.
 *
 * The analyzer checks a parsed statement against the catalog and the function
 * registry and produces what the engine needs to execute it: a source definition for
 * CREATE STREAM/TABLE, a logical plan (and, for CSAS/CTAS, the sink's definition) for
 * persistent queries. Error messages follow ksqlDB's text where its tests check them.
 * The analyzer changes nothing itself; the engine applies the result. Used by the one
 * thread that drives the engine.
 */
#ifndef WY_ANALYZER_H
#define WY_ANALYZER_H

#include "engine/base/status.h"
#include "engine/catalog/catalog.h"
#include "engine/analyzer/logical.h"
#include "parser/ast.h"
#include "udf/registry.h"

typedef struct wy_analyzer_ctx {
  const wy_catalog_t *catalog;
  const wy_registry_t *registry;
  /* Session/config property lookup (NULL when unset). */
  const char *(*property)(void *user, const char *name);
  /* Partition count of an existing topic, or -1. */
  int (*topic_partitions)(void *user, const char *topic);
  void *user;
  int next_query_number; /* the n of CSAS_X_n */
  struct wy_sr *sr;      /* Schema Registry for AVRO (inference, validation); may be NULL */
  bool transient;        /* queries stand for SELECTs (push, pull), not persistent ones */
} wy_analyzer_ctx_t;

/* CREATE [OR REPLACE] [SOURCE] STREAM|TABLE with columns. */
wy_status_t wy_analyze_create_source(const wy_analyzer_ctx_t *cx, const wy_ast_stmt_t *s,
                                     wy_source_def_t **out, wy_error_t *err);

/* Does spec's format support the key (or value) columns of schema? Fails with the
 * format's reason wrapped as ksqlDB does ("Key format does not support schema. ..."). */
wy_status_t wy_analyze_check_format(const wy_schema_t *schema, bool key,
                                    const wy_format_spec_t *spec, wy_error_t *err);

/* CSAS, CTAS, INSERT INTO ... SELECT: the query's logical plan (logical.h). *sink gets
 * the new sink definition for CSAS and CTAS (NULL for INSERT INTO, which writes to an
 * existing source). The planner (engine/plan/planner.h) lowers the result. */
wy_status_t wy_analyze_query(const wy_analyzer_ctx_t *cx, const wy_ast_stmt_t *s,
                             wy_logical_query_t **out, wy_source_def_t **sink, wy_error_t *err);

/* The text of a WITH property value (string literal text, or a number's text); NULL
 * when the property is absent. */
const char *wy_analyze_prop_text(const wy_ast_stmt_t *s, const char *name);

/* Reserved column names (ROWTIME, ROWPARTITION, ROWOFFSET, WINDOWSTART, WINDOWEND). */
bool wy_analyze_is_reserved(const char *name);

#endif
