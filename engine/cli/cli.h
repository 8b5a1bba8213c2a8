/*
 * cli.h — the `walleye` command-line front end.
 *
 * WY_COMMANDS is the one list of subcommands: each entry names the function that runs
 * it (in cmd_<name>.c) and a one-line summary for `walleye --help`. A command returns
 * the process exit status: 0 on success, 1 on failure, 2 on a usage error (reported
 * with wy_cli_usage_error).
 */
#ifndef WY_CLI_H
#define WY_CLI_H

/* X(name, function, summary) */
#define WY_COMMANDS(X)                                                                           \
  X("demo", wy_cmd_demo, "run the demo pipeline on the embedded broker")                         \
  X("broker", wy_cmd_broker, "run a standalone embedded Kafka cluster on 127.0.0.1")             \
  X("registry", wy_cmd_registry, "run a Schema Registry (Confluent's REST API) on 127.0.0.1")    \
  X("config", wy_cmd_config, "document configuration keys or check a config file")               \
  X("test", wy_cmd_test, "run ksqlDB QTT conformance files (or ksql-test-runner's files)")       \
  X("lineage-sample", wy_cmd_lineage_sample, "emit sample OpenLineage events (debugging)")       \
  X("parse", wy_cmd_parse, "parse a SQL file and print its statements as normalized SQL")        \
  X("datagen", wy_cmd_datagen, "produce synthetic clickstream, users or products data")          \
  X("explain", wy_cmd_explain, "print the plan of every query of a SQL file")                    \
  X("server", wy_cmd_server, "run a node with ksqlDB's REST API (POST /ksql, /metrics, ...)")    \
  X("sql", wy_cmd_sql, "manage a node's SQL: add, update, list, ps, explain, stop, start, drop") \
  X("udf", wy_cmd_udf, "list or describe the functions of a node")                               \
  X("functions", wy_cmd_functions, "list the built-in functions (--markdown: docs' table)")      \
  X("run", wy_cmd_run, "run a SQL file's persistent queries against Kafka")

#define WY_X_DECL(name, fn, summary) int fn(int argc, char **argv);
WY_COMMANDS(WY_X_DECL)
#undef WY_X_DECL

#define WY_EXIT_OK 0
#define WY_EXIT_FAILURE 1
#define WY_EXIT_USAGE 2

/* Print "walleye CMD: message" and a hint to stderr; returns WY_EXIT_USAGE. */
int wy_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include "engine/base/status.h"
struct wy_config;
struct wy_lineage_emitter;
struct wy_kafka_sink;
struct wy_sr;

/* The Schema Registry client the configuration names (ksql.schema.registry.url and
 * ksql.schema.registry.basic.auth.user.info; *sr NULL when no URL is set). Every entry
 * point (run, server on memory or Kafka, its transient queries) builds it here. */
wy_status_t wy_cli_schema_registry(const struct wy_config *cfg, struct wy_sr **sr, wy_error_t *err);

/* OpenLineage as the configuration asks (lineage.* and the openlineage.* aliases; *em
 * NULL when off). The kafka transport gets a producer of its own on bootstrap.servers
 * (*sink). A bad setting is an error naming it: the command refuses to start. */
wy_status_t wy_cli_lineage_open(const struct wy_config *cfg, struct wy_lineage_emitter **em,
                                struct wy_kafka_sink **sink, wy_error_t *err);
/* Runs still active end with ABORT, queued events go out, then both are freed. */
void wy_cli_lineage_close(struct wy_lineage_emitter *em, struct wy_kafka_sink *sink);

#endif
