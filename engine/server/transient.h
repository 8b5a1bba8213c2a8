/*
 * transient.h — the SELECT statements of POST /query-stream: push queries (EMIT CHANGES)
 * and pull queries (no EMIT), as transient queries that write to no Kafka topic.
 *
 * A transient query runs in a scratch engine of its own, on a private memory broker:
 * the node's streams and tables are copied into the scratch catalog, the SELECT becomes
 * a CSAS (or a CTAS when it yields a table) whose sink is a scratch topic in JSON, and
 * the caller delivers the records of the source topics to it (read from the node's real
 * backend, memory or Kafka). The planner, operators and formats are the engine's own, so
 * a SELECT means exactly what it means in a CSAS. Sharing nothing with the node's engine
 * after wy_transient_new, a transient query is driven by the thread that serves its
 * request, with no lock.
 *
 * Push: each record delivered may produce rows, taken one at a time as JSON array text.
 * Pull: every record of the sources up to their current end is delivered, then
 * wy_transient_finish folds the output into the result: for a table, the last row of
 * each key (a tombstone, e.g. a row the WHERE no longer matches, removes it), in key
 * order; for a stream, every row (a stream pull query is a scan). Unlike ksqlDB, a table
 * pull query needs no materialized store and may filter on any column (it reads the
 * table's topic); its cost grows with the topic's size.
 */
#ifndef WY_TRANSIENT_H
#define WY_TRANSIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "parser/ast.h"

typedef struct wy_transient wy_transient_t;

/* Plan SELECT `select` (a WY_AST_STMT_QUERY) over the sources of `node`'s catalog, with
 * node's functions and schema registry. Called under the node's lock; the new query
 * does not refer to node afterwards. Errors are ksqlDB's statement errors. */
wy_status_t wy_transient_new(wy_engine_t *node, const wy_ast_stmt_t *select, const char *query_id,
                             wy_transient_t **out, wy_error_t *err);
void wy_transient_destroy(wy_transient_t *t);

bool wy_transient_is_pull(const wy_transient_t *t);
/* LIMIT n, or -1. */
int64_t wy_transient_limit(const wy_transient_t *t);
/* The source topics the caller must deliver (internal ones are the query's own). */
size_t wy_transient_topic_count(const wy_transient_t *t);
const char *wy_transient_topic(const wy_transient_t *t, size_t i);
/* ksqlDB's header object: {"queryId":…,"columnNames":[…],"columnTypes":[…]} (malloc'd). */
char *wy_transient_header(const wy_transient_t *t);

/* The reader of the source topics (not owned; it must outlive the transient query),
 * and which of its records belong to the answer (admit NULL: all): the query's driver
 * (engine/runtime/driver.h) is built over them. Once, before the first delivery. */
wy_status_t wy_transient_start(wy_transient_t *t, struct wy_source *src,
                               bool (*admit)(void *, const wy_record_t *), void *user,
                               wy_error_t *err);
/* Process records read from that source (non-OK only when the query itself fails; bad
 * records are skipped as in a persistent query). */
wy_status_t wy_transient_deliver(wy_transient_t *t, const wy_record_t *recs, size_t n,
                                 wy_error_t *err);
/* Pull: fold what was produced into the result rows (call once, after the last
 * delivery). */
void wy_transient_finish(wy_transient_t *t);
/* The next row as a JSON array text (malloc'd), or NULL when there is none now: push,
 * the rows produced so far; pull, the result after wy_transient_finish. */
char *wy_transient_next_row(wy_transient_t *t);

#endif
