/*
 * kafka_sink.h — the Kafka sink: a librdkafka producer behind wy_sink_t.
 *
 * The producer is idempotent (no duplicates or reordering from its own retries),
 * batches by `linger.ms` / `batch.size`, and partitions keyed records with Java's
 * default partitioner (murmur2 of the key; null keys spread randomly), so that walleye
 * and ksqlDB put a key in the same partition. Each sent record gets exactly one
 * delivery callback (wy_sink_t.on_delivery) with its final status: WY_OK once
 * acknowledged by all in-sync replicas, WY_ERR_TIMEOUT when it could not be delivered
 * within `delivery.timeout.ms`, WY_ERR_KAFKA otherwise. Destroying a sink fails what
 * is still in flight (their callbacks run then), so flush first.
 *
 * With a transactional id the sink is a transactional producer: call
 * wy_kafka_sink_txn_init once, then begin / send / send_offsets / commit or abort. When
 * a transactional call fails, wy_kafka_sink_txn_fault says what the caller must do.
 *
 * Threading: one thread (the stream thread that owns the sink) calls everything;
 * delivery callbacks run on it, from wy_sink_poll, wy_sink_flush, a send that waits
 * for room, a transactional commit, or the destroy.
 */
#ifndef WY_KAFKA_SINK_H
#define WY_KAFKA_SINK_H

#include "connectors/connector.h"
#include "connectors/kafka/kafka_config.h"
#include "connectors/kafka/kafka_source.h"

typedef struct wy_kafka_sink_config {
  const wy_kafka_prop_t *props; /* see kafka_config.h; bootstrap.servers is required */
  size_t nprops;
  const char *transactional_id; /* NULL or "" for a plain idempotent producer */
  /* How long a send may wait for room when the local queue is full, serving delivery
   * callbacks meanwhile (back-pressure); 0 means 30 s. */
  int queue_full_timeout_ms;
} wy_kafka_sink_config_t;

typedef struct wy_kafka_sink wy_kafka_sink_t;

wy_status_t wy_kafka_sink_new(const wy_kafka_sink_config_t *cfg, wy_kafka_sink_t **out,
                              wy_error_t *err);
/* The generic interface (set its on_delivery); wy_sink_destroy() on it destroys this. */
wy_sink_t *wy_kafka_sink_base(wy_kafka_sink_t *ks);
/* The Kafka sink behind a generic one, or NULL when sink is something else. */
wy_kafka_sink_t *wy_kafka_sink_from(wy_sink_t *sink);
/* Fails what is in flight (callbacks run) and frees. Accepts NULL. */
void wy_kafka_sink_destroy(wy_kafka_sink_t *ks);

typedef struct wy_kafka_sink_stats {
  uint64_t sent;   /* accepted by send */
  uint64_t acked;  /* delivered */
  uint64_t failed; /* delivery failed */
} wy_kafka_sink_stats_t;

wy_kafka_sink_stats_t wy_kafka_sink_stats(const wy_kafka_sink_t *ks);
/* Records in the producer's queue (waiting or in flight), and how many it holds at most
 * (queue.buffering.max.messages): the runtime's back-pressure reads both. */
size_t wy_kafka_sink_queued(wy_kafka_sink_t *ks);
size_t wy_kafka_sink_queue_capacity(const wy_kafka_sink_t *ks);

/* What a failed transactional call leaves the caller to do. X(code, name) */
#define WY_KAFKA_TXN_FAULTS(X)                                                       \
  X(WY_KAFKA_TXN_OK, "none")             /* the call succeeded */                    \
  X(WY_KAFKA_TXN_RETRIABLE, "retriable") /* call the same function again */          \
  X(WY_KAFKA_TXN_ABORTABLE, "abortable") /* abort, rewind the inputs, begin again */ \
  X(WY_KAFKA_TXN_FATAL, "fatal")         /* destroy the sink, make a new one */

typedef enum {
#define WY_X_FAULT(code, name) code,
  WY_KAFKA_TXN_FAULTS(WY_X_FAULT)
#undef WY_X_FAULT
} wy_kafka_txn_fault_t;

const char *wy_kafka_txn_fault_name(wy_kafka_txn_fault_t f);

/* Each returns WY_OK, or an error whose fault is then in wy_kafka_sink_txn_fault. On a
 * sink without a transactional id they fail with WY_ERR_INVALID. */
wy_status_t wy_kafka_sink_txn_init(wy_kafka_sink_t *ks, int timeout_ms, wy_error_t *err);
wy_status_t wy_kafka_sink_txn_begin(wy_kafka_sink_t *ks, wy_error_t *err);
/* Commit the consumer positions as part of the transaction, for src's group. */
wy_status_t wy_kafka_sink_txn_send_offsets(wy_kafka_sink_t *ks, wy_kafka_source_t *src,
                                           const wy_position_t *pos, size_t npos, int timeout_ms,
                                           wy_error_t *err);
/* Flushes, then commits; every record's delivery callback has run when it returns. */
wy_status_t wy_kafka_sink_txn_commit(wy_kafka_sink_t *ks, int timeout_ms, wy_error_t *err);
wy_status_t wy_kafka_sink_txn_abort(wy_kafka_sink_t *ks, int timeout_ms, wy_error_t *err);
wy_kafka_txn_fault_t wy_kafka_sink_txn_fault(const wy_kafka_sink_t *ks);

/* Learn a topic's partitions now, before its first record. Without it the producer
 * queues the first records of a topic it has not seen until its next metadata refresh,
 * up to a second later. Best effort: an error only means that wait is not saved. */
wy_status_t wy_kafka_sink_prepare_topic(wy_kafka_sink_t *ks, const char *topic, int timeout_ms,
                                        wy_error_t *err);

/* The underlying rd_kafka_t, for diagnostics. */
void *wy_kafka_sink_handle(wy_kafka_sink_t *ks);

#endif
