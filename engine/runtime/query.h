/*
 * query.h — a running persistent query: its plan, its tasks, its counters and its
 * lineage run.
 *
 * A query is started from a physical plan with an explicit environment (wy_exec_env_t:
 * where it writes, its processing log, the Schema Registry, where its stores live); it
 * never calls back into the engine that started it. Records of any topic the query
 * reads reach it through wy_query_deliver (the driver's job, driver.h); each goes to the
 * task of the sub-topology that reads its topic, for its partition, opened on first
 * use or when the partition is assigned (wy_query_restore_partition).
 *
 * Threads: a query is driven by one thread; its counters may be read by any.
 */
#ifndef WY_QUERY_H
#define WY_QUERY_H

#include "engine/operators/op.h"

typedef struct wy_query wy_query_t;
struct wy_lineage_run;

/* Takes ownership of plan (also on failure). env is copied (its counters are the
 * query's own: leave them NULL). */
wy_status_t wy_query_new(wy_plan_t *plan, const wy_exec_env_t *env, wy_query_t **out,
                         wy_error_t *err);
void wy_query_destroy(wy_query_t *q);

const wy_plan_t *wy_query_plan(const wy_query_t *q);
const wy_query_counters_t *wy_query_counters(const wy_query_t *q);

/* Process one record of one of the query's topics (a source or an internal topic). Its
 * outputs are sent before this returns. A record that cannot be processed is skipped
 * into the processing log; the status is an error only when the query itself fails
 * (e.g. a store cannot be written). */
wy_status_t wy_query_deliver(wy_query_t *q, const wy_record_t *rec, wy_error_t *err);
/* A commit in Kafka Streams' order: wy_query_prepare_commit (the operators' held-back
 * writes), then the sink flushed (outputs and changelogs acknowledged), then
 * wy_query_commit: every task's stores made durable and checkpointed (at-least-once:
 * before the input offsets are committed). */
wy_status_t wy_query_prepare_commit(wy_query_t *q, wy_error_t *err);
wy_status_t wy_query_commit(wy_query_t *q, wy_error_t *err);
/* A partition was revoked: its tasks close (their stores stay on disk). */
void wy_query_release_partition(wy_query_t *q, int32_t partition);
/* A partition was assigned: its tasks open now and restore their stores from their
 * changelogs through src (see wy_task_state_restore). */
wy_status_t wy_query_restore_partition(wy_query_t *q, int32_t partition, wy_source_t *src,
                                       wy_end_offset_fn end_fn, void *end_opaque, int timeout_ms,
                                       wy_error_t *err);

/* OpenLineage: the query reports to this run (taken): records and bytes read per source
 * topic and written to the sink, added to the run's counters every WY_LINEAGE_FLUSH
 * records and at commit. */
void wy_query_attach_lineage(wy_query_t *q, struct wy_lineage_run *run);
struct wy_lineage_run *wy_query_lineage(wy_query_t *q);
/* Add what was counted since the last flush to the lineage run (before its terminal
 * event). */
void wy_query_flush_stats(wy_query_t *q);

#endif
