/*
 * planner.h — from a statement to a physical plan.
 *
 * wy_plan_query analyzes a CSAS, CTAS or INSERT INTO ... SELECT (analyzer.h) and lowers
 * the logical plan it yields: the tree is cut into sub-topologies where a re-keyed row
 * must be re-partitioned (GROUP BY on another key, a join on a non-key expression),
 * each cut becoming a repartition topic written by one sub-topology and read by the
 * next, in the INTERNAL format with a key format that can hold the new key; tables get
 * a store to materialize them, aggregates and stream-stream joins stores of their own
 * with changelogs. The names are ksqlDB's, under the query's application id
 * `_confluent-ksql-<service id>query_<query id>`:
 *   <app id>-Aggregate-GroupBy-repartition, <app id>-Join-left-repartition, ...
 *   <app id>-Aggregate-Aggregate-Materialize-changelog, <app id>-Join-this-join-store-changelog
 * Sub-topologies are numbered as Kafka Streams numbers them: a sub-topology before the
 * ones that read what it writes. Pure functions of their arguments; one thread.
 */
#ifndef WY_PLANNER_H
#define WY_PLANNER_H

#include "engine/analyzer/analyzer.h"
#include "engine/plan/plan.h"

/* Plan a persistent query. *sink gets the new sink's definition for CSAS and CTAS
 * (NULL for INSERT INTO); service_id names the application id. */
wy_status_t wy_plan_query(const wy_analyzer_ctx_t *cx, const char *service_id,
                          const wy_ast_stmt_t *s, wy_plan_t **plan, wy_source_def_t **sink,
                          wy_error_t *err);

/* Lower a logical query (taken over, also on failure) to a physical plan. */
wy_status_t wy_plan_lower(wy_logical_query_t *q, const char *service_id, wy_plan_t **out,
                          wy_error_t *err);

/* ksqlDB's application id of a query: `_confluent-ksql-<service id>query_<query id>`.
 * Returns the length needed (snprintf). */
size_t wy_plan_app_id(const char *service_id, const char *query_id, char *buf, size_t cap);

#endif
