/*
 * embedded_broker.h — an in-process Kafka cluster on loopback (librdkafka's mock).
 *
 * librdkafka's mock cluster speaks the real Kafka protocol on 127.0.0.1, so any Kafka
 * client (ours, kcat, ...) can produce to and consume from it. It keeps about 5 MB per
 * partition and does not answer CreateTopics: topics are created here, through the
 * mock's own API, or automatically with 4 partitions on first use. The broker runs on
 * librdkafka's threads; the functions below may be called from any one thread, except
 * wy_embedded_broker_create_topic_at, which any thread may call at any time.
 */
#ifndef WY_EMBEDDED_BROKER_H
#define WY_EMBEDDED_BROKER_H

#include "engine/base/status.h"

typedef struct wy_embedded_broker wy_embedded_broker_t;

/* Start a cluster of nbrokers (1..16) brokers. */
wy_status_t wy_embedded_broker_start(int nbrokers, wy_embedded_broker_t **out, wy_error_t *err);
/* "127.0.0.1:port[,...]"; valid until the broker is stopped. */
const char *wy_embedded_broker_bootstraps(const wy_embedded_broker_t *b);
/* Create a topic with the given partition count (replication = min(brokers, 3)). */
wy_status_t wy_embedded_broker_create_topic(wy_embedded_broker_t *b, const char *topic,
                                            int partitions, wy_error_t *err);
/* The underlying rd_kafka_mock_cluster_t, for fault injection in tests. */
void *wy_embedded_broker_mock(wy_embedded_broker_t *b);
/* Create a topic on whichever broker started in this process serves one of the
 * addresses in bootstraps ("host:port[,...]"). WY_ERR_NOT_FOUND when none does, so
 * that the admin client can take the mock's own path to topics when it has one, and
 * the Kafka protocol otherwise. Safe against a concurrent stop. */
wy_status_t wy_embedded_broker_create_topic_at(const char *bootstraps, const char *topic,
                                               int partitions, wy_error_t *err);
/* Stop and free. Accepts NULL. */
void wy_embedded_broker_stop(wy_embedded_broker_t *b);

#endif
