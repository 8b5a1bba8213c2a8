/*
 * kafka_config.h — how walleye's configuration becomes librdkafka configuration.
 *
 * Callers hand the Kafka connector a flat list of (key, value) properties, usually the
 * whole engine configuration. Keys that start with `kafka.` go straight to librdkafka
 * with the prefix stripped (`kafka.linger.ms=20` sets `linger.ms`); `kafka.consumer.*`
 * and `kafka.producer.*` (and ksqlDB's `ksql.streams.consumer.*` / `...producer.*`)
 * reach only that kind of client. The ksqlDB property names listed in
 * WY_KAFKA_ALIASES, which mean the same thing to ksqlDB, are accepted too. Every other
 * key belongs to another module and is ignored here. Precedence, low to high: the
 * connector's defaults, ksqlDB aliases, `kafka.*`, then the role-specific prefixes.
 *
 * The property list is only read; strings are copied into the librdkafka
 * configuration. All functions are thread-safe (they touch no shared state).
 */
#ifndef WY_KAFKA_CONFIG_H
#define WY_KAFKA_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "engine/base/status.h"

typedef struct wy_kafka_prop {
  const char *key;
  const char *value;
} wy_kafka_prop_t;

/* Which client a configuration is for: role-specific keys apply to one kind only. */
#define WY_KAFKA_ROLES(X)               \
  X(WY_KAFKA_ROLE_CONSUMER, "consumer") \
  X(WY_KAFKA_ROLE_PRODUCER, "producer") \
  X(WY_KAFKA_ROLE_ADMIN, "admin")

typedef enum {
#define WY_X_ROLE(code, name) code,
  WY_KAFKA_ROLES(WY_X_ROLE)
#undef WY_X_ROLE
} wy_kafka_role_t;

/* ksqlDB property names the connector accepts, and the librdkafka key each sets.
 * X(ksqldb_name, librdkafka_name, roles_mask, description); roles_mask uses
 * WY_KAFKA_ROLE_BIT. This list generates the table in docs/kafka.md. */
#define WY_KAFKA_ROLE_BIT(role) (1u << (role))
#define WY_KAFKA_ALL_ROLES 7u
#define WY_KAFKA_CONSUMER_ONLY WY_KAFKA_ROLE_BIT(WY_KAFKA_ROLE_CONSUMER)
#define WY_KAFKA_PRODUCER_ONLY WY_KAFKA_ROLE_BIT(WY_KAFKA_ROLE_PRODUCER)
#define WY_KAFKA_ALIASES(X)                                                                 \
  X("bootstrap.servers", "bootstrap.servers", WY_KAFKA_ALL_ROLES,                           \
    "Kafka brokers, host:port[,host:port...]")                                              \
  X("ksql.streams.bootstrap.servers", "bootstrap.servers", WY_KAFKA_ALL_ROLES,              \
    "same, as ksqlDB's streams override")                                                   \
  X("auto.offset.reset", "auto.offset.reset", WY_KAFKA_CONSUMER_ONLY,                       \
    "where a query starts when its group has no committed offset: earliest or latest")      \
  X("ksql.streams.auto.offset.reset", "auto.offset.reset", WY_KAFKA_CONSUMER_ONLY,          \
    "same, as ksqlDB's streams override")                                                   \
  X("client.id", "client.id", WY_KAFKA_ALL_ROLES, "client id sent to the brokers")          \
  X("security.protocol", "security.protocol", WY_KAFKA_ALL_ROLES,                           \
    "plaintext, ssl, sasl_plaintext or sasl_ssl")                                           \
  X("sasl.mechanism", "sasl.mechanisms", WY_KAFKA_ALL_ROLES, "SASL mechanism (PLAIN, ...)") \
  X("session.timeout.ms", "session.timeout.ms", WY_KAFKA_CONSUMER_ONLY,                     \
    "consumer group session timeout")                                                       \
  X("heartbeat.interval.ms", "heartbeat.interval.ms", WY_KAFKA_CONSUMER_ONLY,               \
    "consumer group heartbeat interval")                                                    \
  X("max.poll.interval.ms", "max.poll.interval.ms", WY_KAFKA_CONSUMER_ONLY,                 \
    "longest time between polls before the consumer leaves its group")                      \
  X("linger.ms", "linger.ms", WY_KAFKA_PRODUCER_ONLY, "how long the producer batches")      \
  X("batch.size", "batch.size", WY_KAFKA_PRODUCER_ONLY, "largest produce batch, in bytes")  \
  X("compression.type", "compression.type", WY_KAFKA_PRODUCER_ONLY,                         \
    "none, gzip, snappy, lz4 or zstd")                                                      \
  X("delivery.timeout.ms", "message.timeout.ms", WY_KAFKA_PRODUCER_ONLY,                    \
    "how long a record may take to be acknowledged before it fails")                        \
  X("transaction.timeout.ms", "transaction.timeout.ms", WY_KAFKA_PRODUCER_ONLY,             \
    "broker-side transaction timeout")

/* Role-specific pass-through prefixes: X(prefix, role). */
#define WY_KAFKA_ROLE_PREFIXES(X)                     \
  X("kafka.consumer.", WY_KAFKA_ROLE_CONSUMER)        \
  X("ksql.streams.consumer.", WY_KAFKA_ROLE_CONSUMER) \
  X("kafka.producer.", WY_KAFKA_ROLE_PRODUCER)        \
  X("ksql.streams.producer.", WY_KAFKA_ROLE_PRODUCER) \
  X("kafka.admin.", WY_KAFKA_ROLE_ADMIN)

/* The value a key would get for a role, after aliases and prefixes, or NULL when the
 * properties do not set it. librdkafka_key is a librdkafka name ("linger.ms"). */
const char *wy_kafka_config_lookup(const wy_kafka_prop_t *props, size_t nprops,
                                   wy_kafka_role_t role, const char *librdkafka_key);

/* Build a librdkafka configuration (an rd_kafka_conf_t *, returned as void * so this
 * header does not pull in rdkafka.h) from defaults, then the properties. Also routes
 * librdkafka's log lines to walleye's log (module "kafka"). Fails with WY_ERR_CONFIG,
 * naming the key, when librdkafka rejects a key or value. */
wy_status_t wy_kafka_config_build(const wy_kafka_prop_t *defaults, size_t ndefaults,
                                  const wy_kafka_prop_t *props, size_t nprops, wy_kafka_role_t role,
                                  void **conf_out, wy_error_t *err);

/* Print the alias table (Markdown) that docs/kafka.md carries. */
void wy_kafka_config_doc(FILE *out);

#endif
