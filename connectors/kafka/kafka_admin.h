/*
 * kafka_admin.h — topic administration: create topics, ask whether one exists and how
 * many partitions it has.
 *
 * Creation tries, in order: (1) when the bootstrap servers belong to an embedded broker
 * started in this process, the mock's own API (embedded_broker.h); (2) the Kafka Admin
 * API (CreateTopics) with a bounded timeout; (3) when CreateTopics is not answered
 * (librdkafka's mock cluster never answers it) or not supported, the broker's automatic
 * topic creation, triggered by a metadata request. Path 3 cannot choose the partition
 * count (the mock makes 4) or configs such as cleanup.policy=compact, so every path
 * ends by reading the real partition count from metadata and handing it back. After a
 * CreateTopics time-out, the same admin goes straight to path 3.
 *
 * Every call is bounded by its timeout. An admin handle is used by one thread at a time.
 */
#ifndef WY_KAFKA_ADMIN_H
#define WY_KAFKA_ADMIN_H

#include <stdbool.h>

#include "connectors/kafka/kafka_config.h"
#include "engine/base/status.h"

typedef struct wy_kafka_admin wy_kafka_admin_t;

typedef struct wy_kafka_topic_spec {
  const char *name;
  int partitions;                 /* >= 1 */
  int replicas;                   /* -1: the broker's default */
  const wy_kafka_prop_t *configs; /* topic configs, e.g. {"cleanup.policy", "compact"} */
  size_t nconfigs;
} wy_kafka_topic_spec_t;

/* props as in kafka_config.h; bootstrap.servers is required. */
wy_status_t wy_kafka_admin_new(const wy_kafka_prop_t *props, size_t nprops, wy_kafka_admin_t **out,
                               wy_error_t *err);
void wy_kafka_admin_destroy(wy_kafka_admin_t *a);

/* Whether to use an in-process embedded broker's API when there is one (default true).
 * Turning it off makes the admin talk Kafka protocol only, as to a remote cluster. */
void wy_kafka_admin_use_embedded(wy_kafka_admin_t *a, bool use);

/* Create the topic, or accept it if it already exists with the same partition count
 * (WY_ERR_EXISTS, in ksqlDB's words, when the count differs). *partitions_out (may be
 * NULL) gets the topic's real partition count, which after an automatic creation may
 * differ from spec->partitions. */
wy_status_t wy_kafka_admin_create_topic(wy_kafka_admin_t *a, const wy_kafka_topic_spec_t *spec,
                                        int timeout_ms, int *partitions_out, wy_error_t *err);

/* The partition count of an existing topic; WY_ERR_NOT_FOUND with
 * "Kafka topic does not exist: <name>" when there is none. Never creates the topic. */
wy_status_t wy_kafka_admin_topic_partitions(wy_kafka_admin_t *a, const char *topic, int timeout_ms,
                                            int *partitions, wy_error_t *err);

/* Same check, as a yes/no; errors other than "does not exist" are returned. */
wy_status_t wy_kafka_admin_topic_exists(wy_kafka_admin_t *a, const char *topic, int timeout_ms,
                                        bool *exists, wy_error_t *err);

/* Kafka's topic name rules: 1..249 characters of [a-zA-Z0-9._-], not "." or "..". */
wy_status_t wy_kafka_topic_name_check(const char *topic, wy_error_t *err);

#endif
