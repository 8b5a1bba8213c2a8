/*
 * node_kafka.h — the node runtime on Kafka: `walleye server` with bootstrap.servers set.
 *
 * Two pieces. The environment (wy_node_kafka_env_t) holds the Kafka topic backend and
 * producer the node's own engine is built on: that engine validates statements, keeps
 * the catalog for the REST API, creates sink topics and produces INSERT VALUES, but is
 * never fed records. The runtime (wy_node_kafka_runtime) runs the service's persistent
 * queries in a wy_kafka_runtime (kafka_runtime.h: consumer groups named from the
 * service id, so nodes of one service share partitions) built from the statements of
 * the command topic, in command-topic order; statements logged later are executed by
 * the running runtime (wy_kafka_runtime_execute: only the queries they start or end
 * are touched), and it is rebuilt from the whole log only after a failure or when a
 * statement arrives out of order. The command topic `_confluent-ksql-<service id>_command_topic`
 * (one partition) is written by a producer that waits for the acknowledgement and read
 * by a consumer assigned to it from the beginning; the first read waits (bounded) until
 * the consumer has caught up with the end, so a start replays every statement.
 *
 * Ownership: the env is created before the engine and destroyed after the node (the
 * engine points into it); the runtime borrows the env and the config, and is owned by
 * the node (wy_node_new). Runtime calls come from the node, under its lock.
 */
#ifndef WY_NODE_KAFKA_H
#define WY_NODE_KAFKA_H

#include "engine/config/config.h"
#include "engine/engine.h"
#include "engine/server/node.h"

typedef struct wy_node_kafka_env wy_node_kafka_env_t;

/* Clients' settings from the configuration (bootstrap.servers, which must be set, and
 * kafka.*), the topic backend and its producer. */
wy_status_t wy_node_kafka_env_new(const wy_config_t *cfg, wy_node_kafka_env_t **out,
                                  wy_error_t *err);
/* The backend to put in the node engine's wy_engine_options_t. */
const wy_backend_t *wy_node_kafka_env_backend(const wy_node_kafka_env_t *env);
void wy_node_kafka_env_destroy(wy_node_kafka_env_t *env);
/* The Schema Registry the runtime's queries use (borrowed; NULL: none), set before
 * wy_node_kafka_runtime. */
void wy_node_kafka_env_set_schema_registry(wy_node_kafka_env_t *env, struct wy_sr *sr);

/* The runtime (see above). registry: the UDFs the queries may call (NULL: built-ins);
 * borrowed, like env and cfg. Creates the command topic if it does not exist. */
wy_status_t wy_node_kafka_runtime(wy_node_kafka_env_t *env, const wy_config_t *cfg,
                                  const wy_registry_t *registry, wy_node_runtime_t *out,
                                  wy_error_t *err);

#endif
