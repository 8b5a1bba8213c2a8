/* query_int.h — the engine's view of running queries and tasks (engine-private). */
#ifndef WY_QUERY_INT_H
#define WY_QUERY_INT_H

#include "engine/engine.h"
#include "engine/formats/format.h"
#include "state/state.h"

typedef struct wy_task wy_task_t;

struct wy_query {
  wy_engine_t *engine;
  wy_plan_t *plan;
  bool table_semantics; /* the sink is a table: filtered-out rows become tombstones */
  bool retracts;        /* aggregation over a table: updates retract the old row */
  const char *cur_topic;
  int64_t drained[4][16]; /* next offset to deliver, per internal topic and partition */
  struct wy_lineage_run *lineage;          /* NULL without lineage */
  struct wy_lineage_counter *lineage_in[2]; /* per source topic */
  struct wy_lineage_counter *lineage_out;
  /* Lineage statistics are counted here, without atomics, and added to the run's
   * counters every WY_LINEAGE_FLUSH records and at commit: RUNNING events lag by at most
   * that many records. */
  uint64_t pending_in[2][2], pending_out[2]; /* [input][records, bytes], [records, bytes] */
  uint32_t pending_n;
  struct {
    size_t sub;
    int32_t partition;
    wy_task_t *task;
  } *tasks;
  size_t ntasks;
};

/* Takes ownership of plan (also on failure). */
wy_status_t wy_query_new(wy_engine_t *e, wy_plan_t *plan, wy_query_t **out, wy_error_t *err);
void wy_query_destroy(wy_query_t *q);
/* Add the statistics counted since the last flush to the lineage run (before a terminal
 * lineage event). */
void wy_query_flush_stats(wy_query_t *q);
void wy_task_destroy(wy_task_t *t);

/* Engine services used by tasks. */
wy_state_env_t *wy_engine_state_env(wy_engine_t *e);
wy_sink_t *wy_engine_sink(wy_engine_t *e);
/* The sink changelog records go to (NULL: stores are not logged). */
wy_sink_t *wy_engine_changelog_sink(wy_engine_t *e);

#endif
