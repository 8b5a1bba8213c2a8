/*
 * driver.h — the one loop that feeds a running query: read ► deliver ► drain ► commit.
 *
 * A driver reads records of a query's topics from a source (connectors/connector.h:
 * the memory broker and Kafka are equal sources behind it), delivers each to the query,
 * and keeps, per partition, the position after the last record delivered. Where the
 * query's internal (repartition) topics are not read through the same source — on the
 * memory broker, where ksqlDB's record-at-a-time semantics want every record's
 * repartitioned rows processed before the next record — a second source over them is
 * drained after every record. A commit makes the query's stores durable, then commits
 * the positions to the source (at-least-once); exactly-once runtimes take the positions
 * into their transaction instead (wy_driver_dirty, wy_driver_committed).
 *
 * Every front end drives queries through it: `walleye test`, `walleye run` and the
 * server on Kafka (kafka_runtime.c), the server on the memory broker, push and pull
 * queries, and the benchmarks. A driver is used by one thread.
 */
#ifndef WY_DRIVER_H
#define WY_DRIVER_H

#include "connectors/memory/memory.h"
#include "engine/runtime/query.h"

typedef struct wy_driver wy_driver_t;

typedef struct wy_driver_options {
  wy_query_t *query;
  wy_source_t *source;   /* the query's records; not owned */
  wy_source_t *internal; /* drained after every record delivered; NULL: the source reads
                          * the internal topics too (Kafka). Not owned. */
  /* Which polled records belong to the query's answer (NULL: all); the others are
   * passed over, their positions kept. */
  bool (*admit)(void *user, const wy_record_t *rec);
  void *user;
  size_t batch; /* records a poll takes at most (0: 500) */
} wy_driver_options_t;

typedef struct wy_driver_stats {
  uint64_t records; /* records delivered */
  uint64_t nanos;   /* time spent delivering them, drains included */
} wy_driver_stats_t;

wy_status_t wy_driver_new(const wy_driver_options_t *o, wy_driver_t **out, wy_error_t *err);
void wy_driver_destroy(wy_driver_t *d); /* accepts NULL */

/* Read up to max records (0: the batch), waiting up to timeout_ms for the first, and
 * deliver them; *n gets how many were delivered. When the query fails on a record, that
 * record and the ones after it are not consumed: the source is sought back to them, so
 * that they are read again (after a RESUME, or by the next owner). */
wy_status_t wy_driver_poll(wy_driver_t *d, size_t max, int timeout_ms, size_t *n, wy_error_t *err);
/* The same for records read elsewhere (from the driver's source). */
wy_status_t wy_driver_deliver(wy_driver_t *d, const wy_record_t *recs, size_t nrecs, size_t *n,
                              wy_error_t *err);
/* Deliver what the internal source has, until it has nothing. */
wy_status_t wy_driver_drain(wy_driver_t *d, wy_error_t *err);

/* At-least-once commit over a sink that acknowledges as it sends (the memory broker's;
 * Kafka's runtime flushes between the two steps, see wy_query_prepare_commit): the
 * operators' held-back writes, the query's stores made durable, then the positions
 * delivered since the last commit committed to the source. */
wy_status_t wy_driver_commit(wy_driver_t *d, wy_error_t *err);
/* The positions delivered since the last commit (malloc'd, *n of them; NULL when out of
 * memory), and marking positions as committed (after a transaction took them). */
wy_position_t *wy_driver_dirty(wy_driver_t *d, size_t *n);
void wy_driver_committed(wy_driver_t *d, const wy_position_t *p, size_t n);

/* A partition revoked: its position is forgotten. */
void wy_driver_forget(wy_driver_t *d, const char *topic, int32_t partition);
/* An aborted transaction: every known partition's source is sought back to its last
 * committed position (ask(user, topic, partition) gives it when none is known yet,
 * -1: unknown; then to the first record delivered) and positions since are forgotten.
 * The query's stores are the caller's. */
wy_status_t wy_driver_rewind(wy_driver_t *d,
                             int64_t (*ask)(void *user, const char *topic, int32_t partition),
                             void *user, wy_error_t *err);
/* The next offset to read of a partition (after the last record delivered, else the
 * last committed), or -1 when unknown. */
int64_t wy_driver_position(const wy_driver_t *d, const char *topic, int32_t partition);
/* Visit every known partition's position. */
void wy_driver_positions(const wy_driver_t *d,
                         void (*fn)(void *user, const char *topic, int32_t partition, int64_t next,
                                    int64_t committed),
                         void *user);

wy_driver_stats_t wy_driver_stats(const wy_driver_t *d);

/* A source over every partition of the query's internal topics on a memory broker,
 * from their current end (what the query writes from now on): the internal source of a
 * driver there (destroy with wy_source_destroy). */
wy_status_t wy_driver_memory_internal(wy_memory_broker_t *b, const wy_plan_t *p, wy_source_t **out,
                                      wy_error_t *err);

#endif
