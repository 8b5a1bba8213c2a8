/* walleye server — a long-running node: the REST API (engine/server) over an engine. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "engine/cli/cli.h"
#include "connectors/kafka/kafka_sink.h"
#include "engine/lineage/lineage.h"
#include "engine/registry/registry.h"
#include "engine/server/node_kafka.h"
#include "engine/server/server.h"
#include "udf/loader.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { stop_requested = sig; }

static void server_help(FILE *out) {
  fprintf(out,
          "usage: walleye server [--config FILE] [--listeners URL]\n\n"
          "Runs a walleye node with ksqlDB's REST API (POST /ksql, GET /info, /healthcheck,\n"
          "/status, /metrics) until SIGINT or SIGTERM. Queries run on Kafka when\n"
          "bootstrap.servers is set (the command topic too), else on the in-process memory\n"
          "broker. The first line on stdout is the URL the node listens on.\n\n"
          "  -c, --config FILE     key=value configuration (see `walleye config --markdown`)\n"
          "  -l, --listeners URL   override `listeners` (e.g. http://127.0.0.1:0 for any port)\n");
}

/* Build engine, runtime, node and listener from the configuration and serve. */
static int serve(const wy_config_t *cfg, const char *listeners) {
  wy_error_t err;
  wy_registry_t *reg = NULL;
  wy_sr_t *sr = NULL;
  wy_memory_broker_t *broker = NULL;
  wy_node_kafka_env_t *kenv = NULL;
  wy_engine_t *engine = NULL;
  wy_node_t *node = NULL;
  wy_server_t *server = NULL;
  wy_lineage_emitter_t *lineage = NULL;
  wy_kafka_sink_t *lineage_sink = NULL;
  int rc = WY_EXIT_FAILURE;
  const char *broker_file = "";
  const char *udf_dir = wy_config_get_string(cfg, WY_CFG_UDF_DIR);
  wy_udf_options_t uo = {wy_config_udf_lookup,
                         (void *)cfg}; /* libraries read udf.*, ksql.functions.* */
  if (udf_dir[0] && !(reg = wy_udf_registry_new(udf_dir, &uo, &err))) goto fail;
  /* the Schema Registry: AVRO, PROTOBUF and JSON_SR statements, queries and transient
   * queries of the node (on memory and on Kafka) */
  if (wy_cli_schema_registry(cfg, &sr, &err) != WY_OK) goto fail;
  bool on_kafka = wy_config_is_set(cfg, WY_CFG_BOOTSTRAP_SERVERS);
  /* OpenLineage: the node's engine reports a run per query, from the statement that
   * starts it (START) to its TERMINATE or DROP (COMPLETE) or the node's stop (ABORT). On
   * Kafka that engine executes every statement but consumes nothing, so the runs do not
   * follow the runtime's rebuilds. */
  if (wy_cli_lineage_open(cfg, &lineage, &lineage_sink, &err) != WY_OK) goto fail;
  wy_engine_options_t eo = {.registry = reg, .lineage = lineage, .schema_registry = sr};
  if (on_kafka) {
    /* the node's engine only validates and describes: its stores go to a temporary
     * folder, the queries' (in the Kafka runtime) to state.dir */
    if (wy_node_kafka_env_new(cfg, &kenv, &err) != WY_OK) goto fail;
    wy_node_kafka_env_set_schema_registry(kenv, sr);
    eo.backend = wy_node_kafka_env_backend(kenv);
    eo.service_id = wy_config_get_string(cfg, WY_CFG_SERVICE_ID);
    eo.bootstrap_servers = wy_config_get_string(cfg, WY_CFG_BOOTSTRAP_SERVERS);
  } else {
    if (wy_memory_broker_new(&broker, &err) != WY_OK) goto fail;
    broker_file = wy_config_get_string(cfg, WY_CFG_SERVER_MEMORY_FILE);
    if (broker_file[0] && access(broker_file, F_OK) == 0 &&
        wy_memory_broker_load(broker, broker_file, &err) != WY_OK)
      goto fail;
    eo.broker = broker;
    if (wy_config_is_set(cfg, WY_CFG_STATE_DIR))
      eo.state_dir = wy_config_get_string(cfg, WY_CFG_STATE_DIR);
  }
  if (wy_engine_new(&eo, &engine, &err) != WY_OK) goto fail;
  /* the configuration's ksql.* settings are the session's defaults */
  for (int k = 0; k < WY_CFG__COUNT; k++) {
    const char *name = wy_config_key_name((wy_config_key_t)k);
    if (wy_config_is_set(cfg, (wy_config_key_t)k) && strncmp(name, "ksql.", 5) == 0 &&
        wy_engine_set_property(engine, name, wy_config_get_string(cfg, (wy_config_key_t)k), &err) !=
            WY_OK)
      goto fail;
  }
  wy_node_runtime_t rt;
  if ((on_kafka ? wy_node_kafka_runtime(kenv, cfg, reg, &rt, &err)
                : wy_node_memory_runtime(engine, &rt, &err)) != WY_OK)
    goto fail;
  wy_status_t st = wy_node_new(engine, rt, cfg, &node, &err);
  engine = NULL; /* the node owns it now, even on failure */
  if (st != WY_OK) goto fail;
  size_t replayed = wy_node_replay(node); /* the service's statements, before serving */
  if (replayed)
    wy_log(WY_LOG_INFO, "server", "replayed the command topic statements=%zu", replayed);
  if (wy_node_start(node, &err) != WY_OK) goto fail;
  wy_server_options_t so = {
      .listener = listeners ? listeners : wy_config_get_string(cfg, WY_CFG_LISTENERS),
      .max_body_bytes = (size_t)wy_config_get_int(cfg, WY_CFG_SERVER_MAX_REQUEST_BYTES),
      .basic_auth = wy_config_get_string(cfg, WY_CFG_SERVER_BASIC_AUTH),
      .tls_cert_file = wy_config_get_string(cfg, WY_CFG_SERVER_TLS_CERT),
      .tls_key_file = wy_config_get_string(cfg, WY_CFG_SERVER_TLS_KEY),
  };
  if (wy_server_new(node, &so, &server, &err) != WY_OK) goto fail;
  char host[256];
  int port;
  bool tls = false;
  wy_server_parse_listener(so.listener, host, sizeof host, &port, &tls, &err);
  bool v6 = strchr(host, ':') != NULL;
  printf("http%s://%s%s%s:%d\n", tls ? "s" : "", v6 ? "[" : "", host, v6 ? "]" : "",
         wy_server_port(server));
  fflush(stdout);
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  while (!stop_requested) pause();
  wy_log(WY_LOG_INFO, "server", "stopping signal=%d", (int)stop_requested);
  rc = WY_EXIT_OK;
  goto done;
fail:
  fprintf(stderr, "walleye server: %s\n", err.msg);
done:
  wy_server_destroy(server);
  wy_node_destroy(node);
  wy_engine_destroy(engine);
  if (rc == WY_EXIT_OK && broker_file[0] &&
      wy_memory_broker_save(broker, broker_file, &err) != WY_OK) {
    fprintf(stderr, "walleye server: %s\n", err.msg);
    rc = WY_EXIT_FAILURE;
  }
  wy_memory_broker_destroy(broker);
  wy_node_kafka_env_destroy(kenv); /* after the node: its engine points into it */
  wy_cli_lineage_close(lineage, lineage_sink);
  wy_registry_destroy(reg);
  wy_sr_destroy(sr); /* after the node and the Kafka runtime that borrow it */
  return rc;
}

int wy_cmd_server(int argc, char **argv) {
  static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                       {"listeners", required_argument, NULL, 'l'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *config = NULL, *listeners = NULL;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":c:l:h", opts, NULL)) != -1) {
    switch (c) {
      case 'c':
        config = optarg;
        break;
      case 'l':
        listeners = optarg;
        break;
      case 'h':
        server_help(stdout);
        return WY_EXIT_OK;
      case ':':
        return wy_cli_usage_error("server", "option '%s' needs a value", argv[optind - 1]);
      default:
        return wy_cli_usage_error("server", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return wy_cli_usage_error("server", "unexpected argument '%s'", argv[optind]);
  wy_config_t *cfg = wy_config_new();
  if (!cfg) return WY_EXIT_FAILURE;
  wy_error_t err;
  if (config && wy_config_load_file(cfg, config, &err) != WY_OK) {
    fprintf(stderr, "walleye server: %s\n", err.msg);
    wy_config_destroy(cfg);
    return WY_EXIT_FAILURE;
  }
  int rc = serve(cfg, listeners);
  wy_config_destroy(cfg);
  return rc;
}
