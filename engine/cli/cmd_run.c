/* walleye run — execute a SQL file and run its persistent queries against Kafka. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_sink.h"
#include "engine/base/buf.h"
#include "engine/base/log.h"
#include "engine/cli/cli.h"
#include "parser/parser.h"
#include "engine/lineage/lineage.h"
#include "udf/loader.h"
#include "engine/registry/registry.h"
#include "engine/streams/kafka_runtime.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { stop_requested = sig; }

static void run_help(FILE *out) {
  fprintf(
      out,
      "usage: walleye run FILE.sql [--config FILE] [--bootstrap-servers HOST:PORT]\n"
      "                   [--embedded-broker] [-D key=value]...\n\n"
      "Executes the statements of FILE.sql (DDL, persistent queries, INSERT VALUES), then runs\n"
      "every persistent query against Kafka until SIGINT or SIGTERM, when it stops polling,\n"
      "flushes, commits and exits 0. Prints each query id and its status on stdout.\n\n"
      "  -c, --config FILE              properties file (ksql-server.properties style)\n"
      "  -b, --bootstrap-servers LIST   Kafka brokers (overrides bootstrap.servers)\n"
      "  -E, --embedded-broker          start an in-process embedded Kafka cluster\n"
      "  -u, --udf-dir DIR              load the UDF libraries of DIR (config: udf.dir)\n"
      "  -D, --define KEY=VALUE         set one configuration key (repeatable)\n");
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct run_args {
  const char *sql_path, *config_path, *bootstrap, *udf_dir;
  bool embedded;
  char **defines;
  size_t ndefines;
} run_args_t;

static int parse_args(int argc, char **argv, run_args_t *a) {
  static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                       {"bootstrap-servers", required_argument, NULL, 'b'},
                                       {"embedded-broker", no_argument, NULL, 'E'},
                                       {"define", required_argument, NULL, 'D'},
                                       {"udf-dir", required_argument, NULL, 'u'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":c:b:ED:u:h", opts, NULL)) != -1) {
    switch (c) {
      case 'c':
        a->config_path = optarg;
        break;
      case 'b':
        a->bootstrap = optarg;
        break;
      case 'E':
        a->embedded = true;
        break;
      case 'u':
        a->udf_dir = optarg;
        break;
      case 'D':
        if (!strchr(optarg, '='))
          return wy_cli_usage_error("run", "-D wants KEY=VALUE, not '%s'", optarg);
        a->defines[a->ndefines++] = optarg;
        break;
      case 'h':
        run_help(stdout);
        return -1;
      case ':':
        return wy_cli_usage_error("run", "option '%s' needs a value", argv[optind - 1]);
      default:
        return wy_cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc) return wy_cli_usage_error("run", "a SQL file is required");
  a->sql_path = argv[optind++];
  if (optind < argc) return wy_cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
  return 0;
}

static int configure(const run_args_t *a, wy_config_t *cfg, wy_embedded_broker_t **broker) {
  wy_error_t err;
  if (a->config_path && wy_config_load_file(cfg, a->config_path, &err) != WY_OK) {
    fprintf(stderr, "walleye run: %s\n", err.msg);
    return WY_EXIT_FAILURE;
  }
  for (size_t i = 0; i < a->ndefines; i++) {
    char *eq = strchr(a->defines[i], '=');
    *eq = '\0';
    wy_status_t st = wy_config_set(cfg, a->defines[i], eq + 1, &err);
    *eq = '=';
    if (st != WY_OK) {
      fprintf(stderr, "walleye run: %s\n", err.msg);
      return WY_EXIT_FAILURE;
    }
  }
  if (a->embedded) {
    if (wy_embedded_broker_start(1, broker, &err) != WY_OK) {
      fprintf(stderr, "walleye run: embedded broker: %s\n", err.msg);
      return WY_EXIT_FAILURE;
    }
    wy_config_set(cfg, "bootstrap.servers", wy_embedded_broker_bootstraps(*broker), &err);
  }
  if (a->bootstrap && wy_config_set(cfg, "bootstrap.servers", a->bootstrap, &err) != WY_OK) {
    fprintf(stderr, "walleye run: %s\n", err.msg);
    return WY_EXIT_FAILURE;
  }
  return WY_EXIT_OK;
}

static int run_node(const run_args_t *a, wy_config_t *cfg) {
  wy_error_t err;
  char *sql = wy_buf_read_file(a->sql_path, NULL);
  if (!sql) {
    fprintf(stderr, "walleye run: cannot read %s\n", a->sql_path);
    return WY_EXIT_FAILURE;
  }
  wy_sr_t *sr = NULL;
  if (wy_cli_schema_registry(cfg, &sr, &err) != WY_OK) {
    fprintf(stderr, "walleye run: %s\n", err.msg);
    free(sql);
    return WY_EXIT_FAILURE;
  }
  /* UDF libraries (udf.dir) and OpenLineage (lineage.*): a bad one refuses to start */
  wy_registry_t *reg = NULL;
  const char *udf_dir = a->udf_dir ? a->udf_dir : wy_config_get_string(cfg, WY_CFG_UDF_DIR);
  wy_udf_options_t uo = {wy_config_udf_lookup, cfg}; /* libraries read udf.*, ksql.functions.* */
  if (udf_dir && *udf_dir && !(reg = wy_udf_registry_new(udf_dir, &uo, &err))) {
    fprintf(stderr, "walleye run: udf.dir: %s\n", err.msg);
    free(sql);
    wy_sr_destroy(sr);
    return WY_EXIT_FAILURE;
  }
  wy_lineage_emitter_t *lineage = NULL;
  wy_kafka_sink_t *lineage_sink = NULL;
  if (wy_cli_lineage_open(cfg, &lineage, &lineage_sink, &err) != WY_OK) {
    fprintf(stderr, "walleye run: lineage: %s\n", err.msg);
    free(sql);
    wy_sr_destroy(sr);
    wy_registry_destroy(reg);
    return WY_EXIT_FAILURE;
  }
  wy_kafka_runtime_options_t o = {
      .config = cfg, .sql = sql, .registry = reg, .schema_registry = sr, .lineage = lineage};
  wy_kafka_runtime_t *rt = NULL;
  if (wy_kafka_runtime_new(&o, &rt, &err) != WY_OK) {
    if (err.line > 0)
      fprintf(stderr, "walleye run: %s:%d:%d: %s\n", a->sql_path, err.line, err.column,
              wy_parse_error_detail(&err));
    else
      fprintf(stderr, "walleye run: %s\n", err.msg);
    free(sql);
    wy_sr_destroy(sr);
    wy_cli_lineage_close(lineage, lineage_sink);
    wy_registry_destroy(reg);
    return WY_EXIT_FAILURE;
  }
  free(sql);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int rc = WY_EXIT_OK;
  if (wy_kafka_runtime_start(rt, &err) != WY_OK) {
    fprintf(stderr, "walleye run: %s\n", err.msg);
    rc = WY_EXIT_FAILURE;
  } else {
    for (size_t i = 0; i < wy_kafka_runtime_query_count(rt); i++)
      printf("%s RUNNING\n", wy_kafka_runtime_query_id(rt, i));
    fflush(stdout);
    while (!stop_requested && wy_kafka_runtime_running(rt)) usleep(10 * 1000);
    int64_t t0 = mono_ms();
    wy_kafka_runtime_stop(rt);
    if (wy_kafka_runtime_wait(rt, &err) != WY_OK) {
      fprintf(stderr, "walleye run: %s\n", err.msg);
      rc = WY_EXIT_FAILURE;
    }
    wy_kafka_runtime_stats_t s = wy_kafka_runtime_stats(rt);
    for (size_t i = 0; i < wy_kafka_runtime_query_count(rt); i++)
      printf("%s %s\n", wy_kafka_runtime_query_id(rt, i), rc == WY_EXIT_OK ? "STOPPED" : "ERROR");
    wy_log(WY_LOG_INFO, "run",
           "stopped records=%llu commits=%llu commit_failures=%llu aborts=%llu restarts=%llu "
           "production_errors=%llu first_record_ms=%lld subscribed_ms=%lld first_assigned_ms=%lld "
           "shutdown_ms=%lld",
           (unsigned long long)s.records, (unsigned long long)s.commits,
           (unsigned long long)s.commit_failures, (unsigned long long)s.aborts,
           (unsigned long long)s.restarts, (unsigned long long)s.production_errors,
           (long long)s.first_record_ms, (long long)s.subscribed_ms, (long long)s.first_assigned_ms,
           (long long)(mono_ms() - t0));
  }
  wy_kafka_runtime_destroy(rt);
  /* the node stops: runs still active end with ABORT, then queued events go out */
  wy_cli_lineage_close(lineage, lineage_sink);
  wy_registry_destroy(reg);
  wy_sr_destroy(sr);
  return rc;
}

int wy_cmd_run(int argc, char **argv) {
  run_args_t a = {0};
  a.defines = calloc((size_t)argc + 1, sizeof *a.defines);
  if (!a.defines) return WY_EXIT_FAILURE;
  int rc = parse_args(argc, argv, &a);
  if (rc != 0) {
    free(a.defines);
    return rc < 0 ? WY_EXIT_OK : rc;
  }
  wy_config_t *cfg = wy_config_new();
  wy_embedded_broker_t *broker = NULL;
  rc = cfg ? configure(&a, cfg, &broker) : WY_EXIT_FAILURE;
  if (rc == WY_EXIT_OK) rc = run_node(&a, cfg);
  wy_config_destroy(cfg);
  wy_embedded_broker_stop(broker);
  free(a.defines);
  return rc;
}
