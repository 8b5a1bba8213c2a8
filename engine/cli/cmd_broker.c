/* walleye broker — a standalone embedded Kafka cluster, for tests, benchmarks and kcat. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connectors/kafka/embedded_broker.h"
#include "engine/base/log.h"
#include "engine/cli/cli.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { stop_requested = sig; }

static void broker_help(FILE *out) {
  fprintf(out,
          "usage: walleye broker [--brokers N] [--topic NAME:PARTITIONS]...\n\n"
          "Runs librdkafka's mock Kafka cluster on 127.0.0.1 until SIGINT or SIGTERM.\n"
          "The first line on stdout is the bootstrap servers (host:port[,...]).\n"
          "Topics not named with --topic are created on first use with 4 partitions.\n\n"
          "  -b, --brokers N             number of brokers (1..16, default 1)\n"
          "  -t, --topic NAME:PARTITIONS pre-create a topic (repeatable)\n");
}

/* Parse "name:partitions"; partitions defaults to 1 when omitted. */
static int parse_topic_spec(const char *spec, char *name, size_t cap, int *partitions) {
  const char *colon = strrchr(spec, ':');
  size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (len == 0 || len >= cap) return -1;
  memcpy(name, spec, len);
  name[len] = '\0';
  *partitions = 1;
  if (colon) {
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || p < 1 || p > 10000) return -1;
    *partitions = (int)p;
  }
  return 0;
}

int wy_cmd_broker(int argc, char **argv) {
  static const struct option opts[] = {{"brokers", required_argument, NULL, 'b'},
                                       {"topic", required_argument, NULL, 't'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int nbrokers = 1;
  const char **topics = calloc((size_t)argc + 1, sizeof *topics);
  size_t ntopics = 0;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":b:t:h", opts, NULL)) != -1) {
    switch (c) {
      case 'b': {
        char *end;
        long n = strtol(optarg, &end, 10);
        if (*end || n < 1 || n > 16) {
          free(topics);
          return wy_cli_usage_error("broker", "--brokers takes a number from 1 to 16, not '%s'",
                                    optarg);
        }
        nbrokers = (int)n;
        break;
      }
      case 't':
        topics[ntopics++] = optarg;
        break;
      case 'h':
        broker_help(stdout);
        free(topics);
        return WY_EXIT_OK;
      case ':':
        free(topics);
        return wy_cli_usage_error("broker", "option '%s' needs a value", argv[optind - 1]);
      default:
        free(topics);
        return wy_cli_usage_error("broker", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) {
    free(topics);
    return wy_cli_usage_error("broker", "unexpected argument '%s'", argv[optind]);
  }
  /* Validate every topic spec before starting anything. */
  char name[256];
  int partitions;
  for (size_t i = 0; i < ntopics; i++) {
    if (parse_topic_spec(topics[i], name, sizeof name, &partitions) != 0) {
      int rc = wy_cli_usage_error("broker", "--topic wants NAME:PARTITIONS, not '%s'", topics[i]);
      free(topics);
      return rc;
    }
  }

  wy_error_t err;
  wy_embedded_broker_t *broker;
  if (wy_embedded_broker_start(nbrokers, &broker, &err) != WY_OK) {
    fprintf(stderr, "walleye broker: %s\n", err.msg);
    free(topics);
    return WY_EXIT_FAILURE;
  }
  for (size_t i = 0; i < ntopics; i++) {
    parse_topic_spec(topics[i], name, sizeof name, &partitions);
    if (wy_embedded_broker_create_topic(broker, name, partitions, &err) != WY_OK) {
      fprintf(stderr, "walleye broker: %s\n", err.msg);
      wy_embedded_broker_stop(broker);
      free(topics);
      return WY_EXIT_FAILURE;
    }
  }
  free(topics);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  printf("%s\n", wy_embedded_broker_bootstraps(broker));
  fflush(stdout);
  wy_log(WY_LOG_INFO, "broker", "started brokers=%d bootstrap=%s", nbrokers,
         wy_embedded_broker_bootstraps(broker));
  while (!stop_requested) usleep(50 * 1000);
  wy_log(WY_LOG_INFO, "broker", "stopping signal=%d", (int)stop_requested);
  wy_embedded_broker_stop(broker);
  return WY_EXIT_OK;
}
