/*
 * streams_int.h — what the Kafka runtime's files share (private to engine/streams/):
 *   kafka_runtime.c  configuration, stream threads' set-up, the public API, statistics
 *   stream_thread.c  one stream thread: its clients, the poll loop, rebalances, restores,
 *                    commits and transactions, statements applied between rounds
 *   kafka_backend.c  the Kafka topic backend of the engines (admin client)
 * A stream thread owns its engine, its producer and one consumer per query; other
 * threads read its query list and lag snapshots under the runtime's view_lock only.
 */
#ifndef WY_STREAMS_INT_H
#define WY_STREAMS_INT_H

#include <pthread.h>
#include <time.h>

#include "connectors/kafka/kafka_sink.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/runtime/driver.h"
#include "engine/streams/kafka_runtime.h"

#define POLL_BATCH 500
#define ADMIN_TIMEOUT_MS 5000
#define CREATE_TIMEOUT_MS 1500 /* the mock never answers CreateTopics: do not wait long */
#define FLUSH_TIMEOUT_MS 10000
#define TXN_TIMEOUT_MS 10000
#define RESTORE_POLL_MS 5000
#define MAX_THREADS 64
#define LAG_INTERVAL_MS 1000     /* how often a thread refreshes its consumer-lag snapshot */
#define LAG_QUERY_TIMEOUT_MS 200 /* short: a stop must not wait on it (shutdown < 1 s) */
#define EXECUTE_TIMEOUT_MS 60000 /* statements wait for every thread's current round */

static inline int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define STAT_ADD(rt, field, n) __atomic_add_fetch(&(rt)->stats.field, (n), __ATOMIC_RELAXED)

/* ---- per-thread state ------------------------------------------------------------------- */

typedef struct sthread sthread_t;

/* Consumer lag of one assigned partition, as of the thread's last snapshot. */
typedef struct plag {
  const char *topic; /* one of the qrun's topics */
  int32_t partition;
  int64_t lag;
} plag_t;

/* One query as run by one stream thread. */
typedef struct qrun {
  sthread_t *th;
  wy_query_t *q;
  const char *group;   /* the plan's application id */
  const char **topics; /* the plan's: sources, then internal topics */
  size_t ntopics;
  wy_kafka_source_t *src;
  wy_driver_t *driver; /* reads src into q: positions, deliveries, their time */
  uint64_t commits;    /* atomic: commits that took this query's positions */
  int pause_wanted;    /* atomic: set by wy_kafka_runtime_query_pause from any thread */
  bool paused;         /* this thread's consumer has its partitions paused */
  int reset;           /* auto.offset.reset of this query: 1 earliest, 0 latest, -1 the config's */
  plag_t *lag;         /* under rt->view_lock: the lag snapshot of the assigned partitions */
  size_t nlag;
} qrun_t;

/* The engine's sink: forwards to the thread's current producer, which a restart
 * replaces while the engine keeps pointing here. */
typedef struct proxy_sink {
  wy_sink_t base;
  wy_kafka_sink_t *inner;
} proxy_sink_t;

/* Restores read changelogs through a consumer with a manual assignment: the seeks of
 * one wy_task_state_restore call become the assignment of a consumer made at the first
 * poll. Under exactly-once the last offset of a changelog may be a transaction marker,
 * which no poll returns: once the consumer's position has passed a partition's end, a
 * keyless record at end-1 (skipped by the restore, which only advances its position)
 * tells the restore it is done. */
typedef struct restore_end {
  char *topic;
  int32_t partition;
  int64_t end;
  bool done;
} restore_end_t;

typedef struct restore_src {
  wy_source_t base;
  sthread_t *th;
  wy_kafka_source_t *ks;
  wy_position_t *want; /* the changelog partitions to read (topics owned) */
  size_t nwant, want_cap;
  restore_end_t *ends;
  size_t nends, ends_cap;
  wy_record_t fake;
} restore_src_t;

struct sthread {
  wy_kafka_runtime_t *rt;
  int index;
  pthread_t tid;
  bool started;
  wy_engine_t *engine;
  wy_backend_t backend;
  proxy_sink_t proxy;
  wy_kafka_sink_t *sink;
  wy_kafka_sink_t *plog_sink; /* the processing-log topic's producer: never transactional */
  qrun_t **q; /* the thread's queries (stable addresses: consumers' callbacks keep them) */
  size_t nq;
  restore_src_t restore;
  uint64_t failed_seen; /* producer failures already accounted for */
  bool in_txn;
  bool txn_dirty; /* records sent or offsets pending since the transaction began */
  bool no_commit; /* tearing down after an error: revocations must not commit */
  bool closing;
  bool restart_wanted;
  bool throttled; /* back-pressure: the producer's queue is (nearly) full */
  int restarts_in_row;
  uint64_t applied; /* the last command (wy_kafka_runtime_execute) applied */
  wy_status_t status;
  wy_error_t err;
  wy_record_t *recs; /* a poll's records */
};

struct wy_kafka_runtime {
  char *service_id;
  char *plog_topic; /* NULL: the processing log is not written to a topic */
  char *state_dir;
  char *bootstrap;
  bool eos;
  bool earliest; /* the config's auto.offset.reset is earliest */
  bool fail_on_production;
  int nthreads;
  int64_t commit_interval_ms;
  wy_kafka_prop_t *props;
  size_t nprops;
  char **owned; /* strings in props */
  size_t nowned;
  wy_kafka_backend_t *backend;
  wy_kafka_sink_t *setup_sink; /* produces INSERT VALUES while the SQL runs */
  sthread_t *threads;
  char node[32];
  int stop;
  int running;
  int64_t started_ms;
  wy_kafka_runtime_stats_t stats;
  pthread_mutex_t view_lock; /* the threads' query lists and lag snapshots, for other threads */
  bool (*from_earliest)(void *user, const char *query_id);
  void *from_earliest_user;
  /* wy_kafka_runtime_execute: the statements every thread applies, under cmd_lock */
  pthread_mutex_t cmd_lock;
  pthread_cond_t cmd_cond;
  const char *cmd_sql;
  char **cmd_texts; /* every command's text */
  size_t ncmd_texts;
  uint64_t cmd_seq;
  int cmd_done;
  wy_status_t cmd_status;
  wy_error_t cmd_err;
};

/* ---- shared by the files (stream_thread.c) ---- */

/* The engine's sink of a thread, forwarding to its current producer. */
extern const wy_sink_ops_t wy_streams_proxy_ops;
/* The source that restores changelogs (a consumer with a manual assignment). */
extern const wy_source_ops_t wy_streams_restore_ops;
void wy_streams_restore_reset(restore_src_t *r);
/* A stream thread's body (pthread_create's). */
void *wy_streams_thread_main(void *arg);
/* A thread's run of engine query q (not consuming yet), and its end. */
wy_status_t wy_streams_qrun_new(sthread_t *th, wy_query_t *q, wy_error_t *err);
void wy_streams_qrun_remove(sthread_t *th, size_t i);

#endif
