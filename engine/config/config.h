/*
 * config.h — walleye's configuration: one list of keys, typed values, validation.
 *
 * WY_CONFIG_KEYS is the single source of truth for every key the engine reads: its
 * type, default, ksqlDB aliases and documentation (`walleye config --markdown` renders
 * docs/configuration.md from it). Keys starting with `kafka.` pass through to
 * librdkafka with the prefix removed; `ksql.streams.X` is accepted for a known X.
 * An unknown key or a bad value is an error that names the key, so a node with a bad
 * config refuses to start. A wy_config_t is built at start-up and then only read, so
 * any thread may read it once it is shared.
 */
#ifndef WY_CONFIG_H
#define WY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/base/status.h"

typedef enum { WY_CFG_STRING, WY_CFG_INT, WY_CFG_BOOL, WY_CFG_ENUM } wy_config_type_t;

/* X(id, key, type, default, enum choices ("a|b" or NULL), aliases ("k1|k2" or NULL), doc) */
#define WY_CONFIG_KEYS(X)                                                                          \
  X(SERVICE_ID, "ksql.service.id", WY_CFG_STRING, "default_", NULL, NULL,                          \
    "Service id: nodes with the same id share queries and consumer groups.")                       \
  X(BOOTSTRAP_SERVERS, "bootstrap.servers", WY_CFG_STRING, "127.0.0.1:9092", NULL,                 \
    "kafka.bootstrap.servers|ksql.streams.bootstrap.servers",                                      \
    "Kafka bootstrap servers (host:port,...).")                                                    \
  X(AUTO_OFFSET_RESET, "auto.offset.reset", WY_CFG_ENUM, "latest", "earliest|latest",              \
    "ksql.streams.auto.offset.reset", "Where a new query starts reading its sources.")             \
  X(PROCESSING_GUARANTEE, "processing.guarantee", WY_CFG_ENUM, "at_least_once",                    \
    "at_least_once|exactly_once_v2|exactly_once", "ksql.streams.processing.guarantee",             \
    "at_least_once, or exactly_once_v2 with Kafka transactions.")                                  \
  X(NUM_STREAM_THREADS, "num.stream.threads", WY_CFG_INT, "1", NULL,                               \
    "ksql.streams.num.stream.threads", "Stream threads per node; tasks are spread over them.")     \
  X(COMMIT_INTERVAL_MS, "commit.interval.ms", WY_CFG_INT, "2000", NULL,                            \
    "ksql.streams.commit.interval.ms", "How often offsets are committed (ms).")                    \
  X(CACHE_MAX_BYTES, "cache.max.bytes.buffering", WY_CFG_INT, "0", NULL,                           \
    "ksql.streams.cache.max.bytes.buffering",                                                      \
    "Record cache for aggregates; 0 emits every update (walleye always emits every update).")      \
  X(STATE_DIR, "state.dir", WY_CFG_STRING, "/tmp/walleye-state", NULL, "ksql.streams.state.dir",   \
    "Where state stores and checkpoints live.")                                                    \
  X(STATE_MEMORY_MB, "state.memory.budget.mb", WY_CFG_INT, "256", NULL, NULL,                      \
    "One memory budget for all RocksDB use of a node: block cache plus write buffers (MiB).")      \
  X(STATE_CACHE_ENTRIES, "state.cache.max.entries", WY_CFG_INT, "10000", NULL, NULL,               \
    "Entries of the read cache in front of each table store.")                                     \
  X(OUTPUT_TOPIC_PREFIX, "ksql.output.topic.name.prefix", WY_CFG_STRING, "", NULL, NULL,           \
    "Prefix for the default sink topic names of CSAS/CTAS.")                                       \
  X(DEFAULT_KEY_FORMAT, "ksql.persistence.default.format.key", WY_CFG_STRING, "KAFKA", NULL, NULL, \
    "Key format when a statement names none.")                                                     \
  X(DEFAULT_VALUE_FORMAT, "ksql.persistence.default.format.value", WY_CFG_STRING, "", NULL, NULL,  \
    "Value format when a statement names none (empty: the statement must name one).")              \
  X(WRAP_SINGLE_VALUES, "ksql.persistence.wrap.single.values", WY_CFG_BOOL, "true", NULL, NULL,    \
    "Whether single-column values are wrapped in an object/record by default.")                    \
  X(VARIABLE_SUBSTITUTION, "ksql.variable.substitution.enable", WY_CFG_BOOL, "true", NULL, NULL,   \
    "Substitute ${name} variables (DEFINE, sessionVariables); $${name} is a literal ${name}.")     \
  X(FAIL_ON_DESER_ERROR, "ksql.fail.on.deserialization.error", WY_CFG_BOOL, "false", NULL, NULL,   \
    "Stop the query on an undecodable record instead of logging and skipping it.")                 \
  X(FAIL_ON_PRODUCTION_ERROR, "ksql.fail.on.production.error", WY_CFG_BOOL, "true", NULL, NULL,    \
    "Stop the query when a record cannot be produced.")                                            \
  X(PROCESSING_LOG_TOPIC, "ksql.logging.processing.topic.name", WY_CFG_STRING, "", NULL, NULL,     \
    "Topic of the processing log (empty: <service id>ksql_processing_log).")                       \
  X(PROCESSING_LOG_AUTO_CREATE, "ksql.logging.processing.topic.auto.create", WY_CFG_BOOL, "false", \
    NULL, NULL, "Also write processing-log entries to the processing-log topic.")                  \
  X(PROCESSING_LOG_ROWS, "ksql.logging.processing.rows.include", WY_CFG_BOOL, "false", NULL, NULL, \
    "Include row contents in processing-log entries.")                                             \
  X(SCHEMA_REGISTRY_URL, "ksql.schema.registry.url", WY_CFG_STRING, "", NULL,                      \
    "schema.registry.url", "Schema Registry for AVRO, PROTOBUF and JSON_SR.")                      \
  X(SCHEMA_REGISTRY_AUTH, "ksql.schema.registry.basic.auth.user.info", WY_CFG_STRING, "", NULL,    \
    "schema.registry.basic.auth.user.info",                                                        \
    "`user:password` for the Schema Registry (basic auth).")                                       \
  X(UDF_DIR, "udf.dir", WY_CFG_STRING, "", NULL, "ksql.extension.dir",                             \
    "Folder of UDF shared objects loaded at start-up.")                                            \
  X(UDF_TOKENIZE_KEY, "udf.tokenize.key", WY_CFG_STRING, "", NULL, NULL,                           \
    "Key of the TOKENIZE/DETOKENIZE sample UDFs (16+ characters; else WALLEYE_TOKENIZE_KEY).")     \
  X(UDF_TOKENIZE_VAULT, "udf.tokenize.vault", WY_CFG_STRING, "", NULL, NULL,                       \
    "File where TOKENIZE keeps its token vault across restarts (empty: in memory only).")          \
  X(LISTENERS, "listeners", WY_CFG_STRING, "http://127.0.0.1:8088", NULL, NULL,                    \
    "REST listener of `walleye server`.")                                                          \
  X(SERVER_MAX_REQUEST_BYTES, "server.max.request.bytes", WY_CFG_INT, "1048576", NULL, NULL,       \
    "Largest REST request body `walleye server` reads; larger ones get 413.")                      \
  X(SERVER_MEMORY_FILE, "server.memory.broker.file", WY_CFG_STRING, "", NULL, NULL,                \
    "`walleye server` on the memory broker: load its topics (the command topic too) from this "    \
    "file at start and save them at stop, so a restarted node gets its queries back.")             \
  X(SERVER_TLS_CERT, "server.tls.cert.file", WY_CFG_STRING, "", NULL, NULL,                        \
    "PEM certificate (chain) of an https:// listener.")                                            \
  X(SERVER_TLS_KEY, "server.tls.key.file", WY_CFG_STRING, "", NULL, NULL,                          \
    "PEM private key (unencrypted) of an https:// listener.")                                      \
  X(SERVER_BASIC_AUTH, "server.auth.basic", WY_CFG_STRING, "", NULL, NULL,                         \
    "`user:password` every REST request must present (HTTP basic auth); empty: none.")             \
  X(LINEAGE_TRANSPORT, "lineage.transport", WY_CFG_ENUM, "none",                                   \
    "none|console|file|http|kafka|composite", "openlineage.transport.type",                        \
    "Where OpenLineage events go (none: off, unless OPENLINEAGE_URL is set: then http there).")    \
  X(LINEAGE_URL, "lineage.url", WY_CFG_STRING, "", NULL, "openlineage.transport.url",              \
    "OpenLineage base URL (http); also the file path (file) or topic (kafka) when their own "      \
    "keys are not set.")                                                                           \
  X(LINEAGE_ENDPOINT, "lineage.endpoint", WY_CFG_STRING, "api/v1/lineage", NULL,                   \
    "openlineage.transport.endpoint", "Path of the http transport under lineage.url.")             \
  X(LINEAGE_FILE_LOCATION, "lineage.file.location", WY_CFG_STRING, "", NULL,                       \
    "openlineage.transport.location", "File of the file transport (one event per line).")          \
  X(LINEAGE_KAFKA_TOPIC, "lineage.kafka.topic", WY_CFG_STRING, "", NULL,                           \
    "openlineage.transport.topicName", "Topic of the kafka transport.")                            \
  X(LINEAGE_COMPOSITE, "lineage.composite.transports", WY_CFG_STRING, "", NULL,                    \
    "openlineage.transport.transports",                                                            \
    "Comma-separated transports of the composite transport (e.g. `file,http`), each "              \
    "configured by its own keys.")                                                                 \
  X(LINEAGE_INTERVAL_MS, "lineage.running.interval.ms", WY_CFG_INT, "60000", NULL, NULL,           \
    "Interval of RUNNING lineage events (ms).")                                                    \
  X(LINEAGE_API_KEY, "lineage.api.key", WY_CFG_STRING, "", NULL,                                   \
    "openlineage.transport.auth.apiKey",                                                           \
    "API key of the OpenLineage endpoint, sent as `Authorization: Bearer <key>` (http).")          \
  X(LINEAGE_TIMEOUT_MS, "lineage.timeout.ms", WY_CFG_INT, "5000", NULL, NULL,                      \
    "Timeout of one attempt to deliver a lineage event (ms).")                                     \
  X(LINEAGE_RETRIES, "lineage.retries", WY_CFG_INT, "5", NULL, NULL,                               \
    "Retries of a failed lineage delivery, with exponential back-off, before it is dropped.")      \
  X(LINEAGE_QUEUE_MAX, "lineage.queue.max.events", WY_CFG_INT, "1024", NULL, NULL,                 \
    "Lineage events waiting to be sent; more are dropped and counted, never waited for.")

typedef enum {
#define WY_X_CFG_ID(id, key, type, def, choices, aliases, doc) WY_CFG_##id,
  WY_CONFIG_KEYS(WY_X_CFG_ID)
#undef WY_X_CFG_ID
      WY_CFG__COUNT
} wy_config_key_t;

typedef struct wy_config wy_config_t;

wy_config_t *wy_config_new(void);
void wy_config_destroy(wy_config_t *c);

/* Set a key (or an alias, or a kafka.* or ksql.functions.<name>.* passthrough). Validates the
 * value's type and choices; the error names the key and what was expected. */
wy_status_t wy_config_set(wy_config_t *c, const char *key, const char *value, wy_error_t *err);
/* Load `key=value` lines (# comments, blank lines). Errors carry the line number. */
wy_status_t wy_config_load_file(wy_config_t *c, const char *path, wy_error_t *err);

const char *wy_config_get_string(const wy_config_t *c, wy_config_key_t k);
int64_t wy_config_get_int(const wy_config_t *c, wy_config_key_t k);
bool wy_config_get_bool(const wy_config_t *c, wy_config_key_t k);
/* Was the key set explicitly (not a default)? */
bool wy_config_is_set(const wy_config_t *c, wy_config_key_t k);

/* kafka.* passthrough entries, prefix removed, in the order set. */
size_t wy_config_kafka_count(const wy_config_t *c);
void wy_config_kafka_entry(const wy_config_t *c, size_t i, const char **key, const char **value);

/* A key's explicitly set value for UDF libraries (a wy_udf_config_fn over cfg): typed
 * keys (udf.tokenize.key) and ksql.functions.* properties; NULL when unset. */
const char *wy_config_udf_lookup(void *cfg, const char *key);

/* Resolve a key or alias to its id; -1 when unknown. */
int wy_config_lookup(const char *key);
const char *wy_config_key_name(wy_config_key_t k);
/* Write the documentation table (Markdown) of every key. */
void wy_config_write_markdown(FILE *out);

#endif
