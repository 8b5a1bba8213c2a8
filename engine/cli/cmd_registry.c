/* walleye registry — the project's Schema Registry (engine/registry/server.c) as a
 * command, as `walleye broker` is the embedded Kafka: a user tries AVRO, PROTOBUF and
 * JSON_SR without installing a registry. Schemas live in memory until it stops. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "engine/cli/cli.h"
#include "engine/registry/server.h"
#include "engine/server/server.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { stop_requested = sig; }

static void registry_help(FILE *out) {
  fprintf(out,
          "usage: walleye registry [--listeners URL] [--basic-auth USER:PASS]\n"
          "                        [--compatibility LEVEL]\n\n"
          "Runs a Schema Registry with Confluent's REST API (subjects, versions, schemas by\n"
          "id, /config compatibility levels, /compatibility checks) for AVRO, PROTOBUF and\n"
          "JSON schemas, in memory, until SIGINT or SIGTERM. The first line on stdout is its\n"
          "URL (set ksql.schema.registry.url to it).\n\n"
          "  -l, --listeners URL        where to listen (default http://127.0.0.1:8081;\n"
          "                             port 0 picks a free one)\n"
          "  -a, --basic-auth USER:PASS require these credentials on every request\n"
          "  -c, --compatibility LEVEL  the global level: BACKWARD (default), FORWARD, FULL,\n"
          "                             their _TRANSITIVE variants, or NONE\n");
}

int wy_cmd_registry(int argc, char **argv) {
  static const struct option opts[] = {{"listeners", required_argument, NULL, 'l'},
                                       {"basic-auth", required_argument, NULL, 'a'},
                                       {"compatibility", required_argument, NULL, 'c'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *listeners = "http://127.0.0.1:8081", *auth = NULL;
  wy_sr_compat_t level = WY_COMPAT_BACKWARD;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":l:a:c:h", opts, NULL)) != -1) {
    switch (c) {
      case 'l':
        listeners = optarg;
        break;
      case 'a':
        if (!strchr(optarg, ':'))
          return wy_cli_usage_error("registry", "--basic-auth wants USER:PASS");
        auth = optarg;
        break;
      case 'c':
        if (!wy_sr_compat_from_name(optarg, &level))
          return wy_cli_usage_error("registry",
                                    "--compatibility takes BACKWARD, BACKWARD_TRANSITIVE, "
                                    "FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE or "
                                    "NONE, not '%s'",
                                    optarg);
        break;
      case 'h':
        registry_help(stdout);
        return WY_EXIT_OK;
      case ':':
        return wy_cli_usage_error("registry", "option '%s' needs a value", argv[optind - 1]);
      default:
        return wy_cli_usage_error("registry", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return wy_cli_usage_error("registry", "unexpected argument '%s'", argv[optind]);
  wy_error_t err;
  char host[256];
  int port;
  bool tls = false;
  if (wy_server_parse_listener(listeners, host, sizeof host, &port, &tls, &err) != WY_OK)
    return wy_cli_usage_error("registry", "--listeners: %s", err.msg);
  if (tls) return wy_cli_usage_error("registry", "--listeners: https is not supported");
  wy_sr_server_options_t o = {host, port, auth, level};
  wy_sr_server_t *s = wy_sr_server_start_opts(&o, &err);
  if (!s) {
    fprintf(stderr, "walleye registry: %s\n", err.msg);
    return WY_EXIT_FAILURE;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  printf("http://%s:%d\n", host, wy_sr_server_port(s));
  fflush(stdout);
  wy_log(WY_LOG_INFO, "registry", "started url=http://%s:%d compatibility=%s auth=%s", host,
         wy_sr_server_port(s), wy_sr_compat_name(level), auth ? "basic" : "none");
  while (!stop_requested) usleep(50 * 1000);
  wy_log(WY_LOG_INFO, "registry", "stopping signal=%d", (int)stop_requested);
  wy_sr_server_stop(s);
  return WY_EXIT_OK;
}
