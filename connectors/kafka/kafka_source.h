/*
 * kafka_source.h — the Kafka source: a librdkafka consumer behind wy_source_t.
 *
 * Two modes. Group mode (topics set): the consumer joins the consumer group group_id
 * with cooperative-sticky assignment, subscribes to the topics, and reports each
 * change of its assignment through on_rebalance, so that the runtime creates tasks for
 * assigned partitions and closes them for revoked or lost ones. Manual mode
 * (assignment set): the consumer reads exactly the given partitions from the given
 * offsets, with no group membership (changelog restore, benchmarks); group_id is then
 * optional and only needed to commit.
 *
 * Offsets are never committed or stored automatically: the runtime commits the
 * positions it wants, once every output they caused is acknowledged. Where a
 * partition with no committed offset starts comes from `auto.offset.reset` (ksqlDB's
 * default, `latest`, unless the properties say otherwise).
 *
 * Threading: one thread (the stream thread that owns the source) calls everything.
 * on_rebalance runs on that thread, from inside wy_source_poll or the destroy call,
 * before revoked partitions are given up (so the callback may still commit them) and
 * after assigned ones are taken (so it may seek them). Polled records stay valid until
 * the next poll or the destroy.
 */
#ifndef WY_KAFKA_SOURCE_H
#define WY_KAFKA_SOURCE_H

#include <stdbool.h>

#include "connectors/connector.h"
#include "connectors/kafka/kafka_config.h"

/* Special offsets for manual assignments and seeks (librdkafka's values). */
#define WY_KAFKA_OFFSET_BEGINNING (-2)
#define WY_KAFKA_OFFSET_END (-1)
#define WY_KAFKA_OFFSET_STORED (-1000) /* the committed offset, else auto.offset.reset */
#define WY_KAFKA_OFFSET_UNKNOWN (-1001)

/* X(code, name) */
#define WY_KAFKA_REBALANCE_KINDS(X)                                                 \
  X(WY_KAFKA_ASSIGNED, "assigned") /* now ours: start tasks */                      \
  X(WY_KAFKA_REVOKED, "revoked")   /* leaving in order: commit, then close tasks */ \
  X(WY_KAFKA_LOST, "lost")         /* already someone else's: close without commit */

typedef enum {
#define WY_X_KIND(code, name) code,
  WY_KAFKA_REBALANCE_KINDS(WY_X_KIND)
#undef WY_X_KIND
} wy_kafka_rebalance_t;

const char *wy_kafka_rebalance_name(wy_kafka_rebalance_t kind);

/* parts[i].offset is WY_KAFKA_OFFSET_UNKNOWN; topic strings are valid during the call. */
typedef void (*wy_kafka_rebalance_cb)(void *opaque, wy_kafka_rebalance_t kind,
                                      const wy_position_t *parts, size_t nparts);

typedef struct wy_kafka_source_config {
  const wy_kafka_prop_t *props; /* see kafka_config.h; bootstrap.servers is required */
  size_t nprops;
  const char *group_id;      /* required in group mode, see wy_kafka_group_id() */
  const char *const *topics; /* group mode: the topics to subscribe to */
  size_t ntopics;
  const wy_position_t *assignment; /* manual mode: partitions and start offsets */
  size_t nassignment;
  wy_kafka_rebalance_cb on_rebalance; /* may be NULL */
  void *opaque;
} wy_kafka_source_config_t;

typedef struct wy_kafka_source wy_kafka_source_t;

/* Create the consumer and subscribe (or assign). Fails with WY_ERR_CONFIG on bad
 * properties and WY_ERR_INVALID when neither or both of topics and assignment are set. */
wy_status_t wy_kafka_source_new(const wy_kafka_source_config_t *cfg, wy_kafka_source_t **out,
                                wy_error_t *err);
/* The generic interface; wy_source_destroy() on it destroys the Kafka source. */
wy_source_t *wy_kafka_source_base(wy_kafka_source_t *ks);
/* The Kafka source behind a generic one, or NULL when src is something else. */
wy_kafka_source_t *wy_kafka_source_from(wy_source_t *src);
/* Leaves the group (revoking everything through on_rebalance) and frees. Accepts NULL. */
void wy_kafka_source_destroy(wy_kafka_source_t *ks);

/* Stop/restart fetching of some assigned partitions (offsets in parts are ignored). */
wy_status_t wy_kafka_source_pause(wy_kafka_source_t *ks, const wy_position_t *parts, size_t nparts,
                                  wy_error_t *err);
wy_status_t wy_kafka_source_resume(wy_kafka_source_t *ks, const wy_position_t *parts, size_t nparts,
                                   wy_error_t *err);

/* Fill parts[i].offset with the group's committed offset of each partition
 * (WY_KAFKA_OFFSET_UNKNOWN when none). */
wy_status_t wy_kafka_source_committed(wy_kafka_source_t *ks, wy_position_t *parts, size_t nparts,
                                      int timeout_ms, wy_error_t *err);

/* How many partitions are assigned to this consumer now. */
size_t wy_kafka_source_assignment_count(wy_kafka_source_t *ks);

/* The underlying rd_kafka_t (for transactions and diagnostics; do not poll it). */
void *wy_kafka_source_handle(wy_kafka_source_t *ks);

#endif
