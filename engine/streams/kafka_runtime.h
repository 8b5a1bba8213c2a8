/*
 * kafka_runtime.h — the Kafka runtime behind `walleye run`: the engine's persistent
 * queries consuming from and producing to a Kafka cluster, with Kafka Streams'
 * at-least-once and exactly-once (v2) protocols.
 *
 * A runtime owns num.stream.threads stream threads. Each thread owns an engine built
 * from the same SQL (the engine is not thread-safe, and a private engine per thread
 * lets threads process in parallel without a lock on the hot path; the price is one
 * copy of the plans per thread, a few kB). INSERT VALUES statements run once, on the
 * first engine. Each thread runs, for every query, one consumer of the query's consumer
 * group (ksqlDB's name, `_confluent-ksql-<service id>query_<query id>`) subscribed to
 * the query's source and internal topics, so Kafka spreads a query's partitions over
 * the threads of every node sharing the service id. Queries reading more than one topic
 * (joins, repartitions) use the range assignor, which gives partition p of every topic
 * to the same consumer (co-partitioning, which a task's local table store needs);
 * single-topic queries keep cooperative-sticky. All queries of a thread share one
 * producer (transactional under exactly_once_v2).
 *
 * Protocol. On assignment, a partition's tasks are opened and their stores restored
 * from their changelogs (through a manual-assignment consumer) before processing. Every
 * commit.interval.ms, and before partitions are revoked: at-least-once flushes the
 * producer (every output and changelog record acknowledged), makes the stores durable
 * (wy_query_commit), then commits the consumed offsets; exactly_once_v2 sends the
 * offsets to the transaction and commits it, then checkpoints. An abortable
 * transaction error aborts, rewinds the consumers to the last committed offsets and
 * restores the partitions' stores in full; a fatal one (or, at-least-once, a failed
 * production with ksql.fail.on.production.error=true) restarts the thread's clients.
 *
 * Threading: new/start/stop/wait/destroy from one controlling thread;
 * wy_kafka_runtime_stop may also be called from any thread; stats from any thread.
 */
#ifndef WY_KAFKA_RUNTIME_H
#define WY_KAFKA_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "connectors/kafka/kafka_config.h"
#include "engine/config/config.h"
#include "engine/engine.h"

/* ---- the Kafka topic backend (wy_backend_t over the admin client) ---- */

typedef struct wy_kafka_backend wy_kafka_backend_t;

/* props as in kafka_config.h (bootstrap.servers required). The backend produces
 * through sink (not owned; its on_delivery must be wy_delivery_dispatch). */
wy_status_t wy_kafka_backend_new(const wy_kafka_prop_t *props, size_t nprops, wy_sink_t *sink,
                                 wy_kafka_backend_t **out, wy_error_t *err);
/* The backend to put in wy_engine_options_t; valid until the destroy. */
const wy_backend_t *wy_kafka_backend_base(const wy_kafka_backend_t *b);
void wy_kafka_backend_destroy(wy_kafka_backend_t *b);

/* ---- the runtime ---- */

typedef struct wy_kafka_runtime wy_kafka_runtime_t;

typedef struct wy_kafka_runtime_options {
  const wy_config_t *config;     /* required; read during wy_kafka_runtime_new only */
  const char *sql;               /* the statements to execute */
  const wy_registry_t *registry; /* NULL: the built-ins */
  struct wy_sr *schema_registry; /* NULL: AVRO is unavailable */
  /* OpenLineage: each thread's engine reports a run per query (a node with several
   * stream threads reports one run per thread and query). NULL: no lineage. */
  struct wy_lineage_emitter *lineage;
  /* Where query `query_id` starts when its consumer group has no committed offsets:
   * true earliest, false latest (a node's per-request auto.offset.reset). Called during
   * wy_kafka_runtime_new. NULL: the config's auto.offset.reset for every query. */
  bool (*from_earliest)(void *user, const char *query_id);
  void *user;
} wy_kafka_runtime_options_t;

typedef struct wy_kafka_runtime_stats {
  uint64_t records;             /* input records delivered to queries */
  uint64_t commits;             /* successful commits (offset commits or transactions) */
  uint64_t commit_failures;     /* commits that failed and were retried later */
  uint64_t aborts;              /* transactions aborted, inputs rewound */
  uint64_t restarts;            /* clients of a thread rebuilt after a fatal error */
  uint64_t production_errors;   /* records the producer could not deliver */
  uint64_t partitions_restored; /* partitions whose stores were restored on assignment */
  uint64_t backpressure_pauses; /* times a thread paused its inputs for a full producer queue */
  int64_t first_record_ms;      /* from start to the first record processed; -1: none yet */
  /* Start-up, split: from start to the first thread's consumers subscribed, and to its
   * first partition assignment. first_assigned_ms - subscribed_ms is the wait for the
   * group coordinator (on librdkafka's mock, a fixed 3 s for a new group: the broker's
   * group.initial.rebalance.delay.ms); the rest is the engine's. -1: not yet. */
  int64_t subscribed_ms;
  int64_t first_assigned_ms;
} wy_kafka_runtime_stats_t;

/* Checks the configuration (errors name the key), creates the clients' settings, one
 * engine per stream thread, executes the SQL on them (DDL, queries, INSERT VALUES once)
 * (the engines create the changelog topics as the queries start). Nothing is consumed until
 * wy_kafka_runtime_start. */
wy_status_t wy_kafka_runtime_new(const wy_kafka_runtime_options_t *opts, wy_kafka_runtime_t **out,
                                 wy_error_t *err);
size_t wy_kafka_runtime_query_count(const wy_kafka_runtime_t *rt);
const char *wy_kafka_runtime_query_id(const wy_kafka_runtime_t *rt, size_t i);
/* The first thread's engine (catalog, processing log); do not use it once started. */
wy_engine_t *wy_kafka_runtime_engine(wy_kafka_runtime_t *rt);
/* Start the stream threads. */
wy_status_t wy_kafka_runtime_start(wy_kafka_runtime_t *rt, wy_error_t *err);
/* Ask the threads to stop: they stop polling, flush, commit and leave their groups. */
void wy_kafka_runtime_stop(wy_kafka_runtime_t *rt);
/* True while every stream thread runs (false once one has stopped on an error). */
bool wy_kafka_runtime_running(const wy_kafka_runtime_t *rt);
/* Join the threads (call stop first); returns the first thread's error, if any. */
wy_status_t wy_kafka_runtime_wait(wy_kafka_runtime_t *rt, wy_error_t *err);
wy_kafka_runtime_stats_t wy_kafka_runtime_stats(const wy_kafka_runtime_t *rt);
/* Query i's counters (as wy_kafka_runtime_query_id) over all threads, since start; any
 * thread may call it. */
typedef struct wy_kafka_query_stats {
  uint64_t in;      /* input records delivered */
  uint64_t out;     /* records produced to the sink topic */
  uint64_t skipped; /* input records skipped into the processing log */
  uint64_t nanos;   /* time spent delivering them */
  uint64_t commits; /* commits (offsets or transactions) that took its positions */
} wy_kafka_query_stats_t;
wy_kafka_query_stats_t wy_kafka_runtime_query_stats(wy_kafka_runtime_t *rt, size_t i);
/* Execute more statements on a started runtime (the controlling thread): every stream
 * thread applies them between two poll rounds, closing the consumers of the queries
 * they end (TERMINATE, DROP of a sink, CREATE OR REPLACE) with a commit, executing them
 * on its engine, and opening consumers for the queries they start; the other queries go
 * on undisturbed. Waits until every thread has applied them (at most a minute); the
 * first thread's error is returned. Query indexes (wy_kafka_runtime_query_id) change. */
wy_status_t wy_kafka_runtime_execute(wy_kafka_runtime_t *rt, const char *sql, wy_error_t *err);
/* Pause (true) or resume query i: its input partitions stop being fetched on every
 * thread within a poll, while the consumers stay in their group. Any thread. */
void wy_kafka_runtime_query_pause(wy_kafka_runtime_t *rt, size_t i, bool paused);
/* Consumer lag of every input partition assigned to this node's stream threads: the
 * partition's end less the next offset the query will process, as of each thread's last
 * snapshot (refreshed every second). Partitions whose position is not known yet (nothing
 * read or committed) are left out. fn is called under a lock; any thread. */
typedef void (*wy_kafka_lag_fn)(void *user, const char *query_id, const char *topic,
                                int32_t partition, int64_t lag);
void wy_kafka_runtime_lag(wy_kafka_runtime_t *rt, wy_kafka_lag_fn fn, void *user);
/* Stops and joins if needed, then frees. Accepts NULL. */
void wy_kafka_runtime_destroy(wy_kafka_runtime_t *rt);

#endif
