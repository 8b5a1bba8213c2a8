/* walleye datagen — produce synthetic clickstream / USERS / PRODUCTS data to a topic. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/datagen/datagen.h"
#include "connectors/kafka/kafka_sink.h"
#include "engine/base/log.h"
#include "engine/cli/cli.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { stop_requested = sig; }

static void datagen_help(FILE *out) {
  fprintf(
      out,
      "usage: walleye datagen --bootstrap-servers HOST:PORT --kind KIND --topic NAME [OPTIONS]\n"
      "       walleye datagen --stdout --kind KIND [OPTIONS]\n\n"
      "Generates deterministic synthetic records (same seed and options, same records)\n"
      "and produces them to a Kafka topic, or prints them as key<TAB>value lines.\n"
      "Exits 1 if any record was not delivered.\n\n"
      "  -b, --bootstrap-servers LIST  Kafka brokers, host:port[,host:port...]\n"
      "  -k, --kind KIND               one of:");
#define WY_X_KIND(code, name, desc) \
  fprintf(out, "\n                                  %-12s %s", name, desc);
  WY_DATAGEN_KINDS(WY_X_KIND)
#undef WY_X_KIND
  fprintf(out,
          "\n  -t, --topic NAME              topic to produce to (default: the kind's name with "
          "--stdout)\n"
          "  -n, --count N                 records to produce (default 0: until SIGINT/SIGTERM)\n"
          "  -r, --rate R                  records per second (default 0: unlimited)\n"
          "  -s, --seed S                  random seed (default 1)\n"
          "      --users N                 distinct userids, 1..N (default 100)\n"
          "      --products N              distinct product_ids, 1..N (default 50)\n"
          "      --key MODE                record key encoding:");
#define WY_X_KEY(code, name, desc) \
  fprintf(out, "\n                                  %-12s %s", name, desc);
  WY_DATAGEN_KEY_MODES(WY_X_KEY)
#undef WY_X_KEY
  fprintf(out,
          "\n      --format json             value format (only json)\n"
          "      --start-ms MS             synthetic time starts here (default: from the seed)\n"
          "      --wall-clock              stamp records with the current time instead\n"
          "      --snapshot                users/products: initial rows are snapshot reads (op r)\n"
          "      --tombstones              users/products: a null-value record after each delete\n"
          "  -X, --property KEY=VALUE      producer setting, e.g. kafka.linger.ms=20 (repeatable)\n"
          "      --stdout                  print key<TAB>value lines instead of producing\n");
}

/* Whole decimal number in [min, max]. */
static int parse_count(const char *s, int64_t min, int64_t max, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max) return -1;
  *out = v;
  return 0;
}

enum {
  OPT_USERS = 256,
  OPT_PRODUCTS,
  OPT_KEY,
  OPT_FORMAT,
  OPT_START,
  OPT_WALL,
  OPT_SNAPSHOT,
  OPT_TOMBSTONES,
  OPT_STDOUT
};

typedef struct cli_args {
  wy_datagen_options_t opts;
  wy_datagen_run_t run;
  const char *bootstrap, *topic;
  bool to_stdout, have_kind;
  wy_kafka_prop_t *props;
  size_t nprops;
} cli_args_t;

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, cli_args_t *a) {
  static const struct option opts[] = {{"bootstrap-servers", required_argument, NULL, 'b'},
                                       {"kind", required_argument, NULL, 'k'},
                                       {"topic", required_argument, NULL, 't'},
                                       {"count", required_argument, NULL, 'n'},
                                       {"rate", required_argument, NULL, 'r'},
                                       {"seed", required_argument, NULL, 's'},
                                       {"users", required_argument, NULL, OPT_USERS},
                                       {"products", required_argument, NULL, OPT_PRODUCTS},
                                       {"key", required_argument, NULL, OPT_KEY},
                                       {"format", required_argument, NULL, OPT_FORMAT},
                                       {"start-ms", required_argument, NULL, OPT_START},
                                       {"wall-clock", no_argument, NULL, OPT_WALL},
                                       {"snapshot", no_argument, NULL, OPT_SNAPSHOT},
                                       {"tombstones", no_argument, NULL, OPT_TOMBSTONES},
                                       {"property", required_argument, NULL, 'X'},
                                       {"stdout", no_argument, NULL, OPT_STDOUT},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int64_t v;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":b:k:t:n:r:s:X:h", opts, NULL)) != -1) {
    switch (c) {
      case 'b':
        a->bootstrap = optarg;
        break;
      case 't':
        a->topic = optarg;
        break;
      case 'k': {
        int k = wy_datagen_kind_parse(optarg);
        if (k < 0)
          return wy_cli_usage_error(
              "datagen", "--kind must be clickstream, users or products, not '%s'", optarg);
        a->opts.kind = (wy_datagen_kind_t)k;
        a->have_kind = true;
        break;
      }
      case 'n':
        if (parse_count(optarg, 0, INT64_MAX, &v))
          return wy_cli_usage_error("datagen", "--count takes a number >= 0, not '%s'", optarg);
        a->run.count = (uint64_t)v;
        break;
      case 'r': {
        char *end;
        errno = 0;
        double r = strtod(optarg, &end);
        if (errno || end == optarg || *end || !(r >= 0) || r > 1e9)
          return wy_cli_usage_error("datagen", "--rate takes records per second >= 0, not '%s'",
                                    optarg);
        a->run.rate = r;
        break;
      }
      case 's': {
        char *end;
        errno = 0;
        unsigned long long s = strtoull(optarg, &end, 10);
        if (errno || end == optarg || *end || optarg[0] == '-')
          return wy_cli_usage_error("datagen", "--seed takes a number >= 0, not '%s'", optarg);
        a->opts.seed = s;
        break;
      }
      case OPT_USERS:
      case OPT_PRODUCTS:
        if (parse_count(optarg, 1, 10000000, &v))
          return wy_cli_usage_error("datagen", "--%s takes a number from 1 to 10000000, not '%s'",
                                    c == OPT_USERS ? "users" : "products", optarg);
        *(c == OPT_USERS ? &a->opts.nusers : &a->opts.nproducts) = (int32_t)v;
        break;
      case OPT_KEY: {
        int m = wy_datagen_key_mode_parse(optarg);
        if (m < 0)
          return wy_cli_usage_error(
              "datagen", "--key must be json, string, kafka-int or none, not '%s'", optarg);
        a->opts.key_mode = (wy_datagen_key_mode_t)m;
        break;
      }
      case OPT_FORMAT:
        if (strcmp(optarg, "json") != 0)
          return wy_cli_usage_error("datagen", "--format supports only json, not '%s'", optarg);
        break;
      case OPT_START:
        if (parse_count(optarg, 1, INT64_MAX / 2, &v))
          return wy_cli_usage_error("datagen", "--start-ms takes epoch milliseconds > 0, not '%s'",
                                    optarg);
        a->opts.epoch_ms = v;
        break;
      case OPT_WALL:
        a->opts.clock = wy_datagen_wall_clock_ms;
        break;
      case OPT_SNAPSHOT:
        a->opts.snapshot = true;
        break;
      case OPT_TOMBSTONES:
        a->opts.tombstones = true;
        break;
      case OPT_STDOUT:
        a->to_stdout = true;
        break;
      case 'X': {
        char *eq = strchr(optarg, '=');
        if (!eq || eq == optarg)
          return wy_cli_usage_error("datagen", "--property wants KEY=VALUE, not '%s'", optarg);
        *eq = '\0';
        a->props[a->nprops++] = (wy_kafka_prop_t){optarg, eq + 1};
        break;
      }
      case 'h':
        datagen_help(stdout);
        return WY_EXIT_OK;
      case ':':
        return wy_cli_usage_error("datagen", "option '%s' needs a value", argv[optind - 1]);
      default:
        return wy_cli_usage_error("datagen", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return wy_cli_usage_error("datagen", "unexpected argument '%s'", argv[optind]);
  if (!a->have_kind) return wy_cli_usage_error("datagen", "--kind is required");
  if (!a->to_stdout && !a->bootstrap)
    return wy_cli_usage_error("datagen", "--bootstrap-servers is required (or use --stdout)");
  if (!a->to_stdout && !a->topic) return wy_cli_usage_error("datagen", "--topic is required");
  if (!a->topic) a->topic = wy_datagen_kind_name(a->opts.kind);
  return -1;
}

static wy_status_t open_sink(cli_args_t *a, wy_sink_t **sink, wy_error_t *err) {
  if (a->to_stdout) return wy_datagen_print_sink_new(stdout, sink, err);
  a->props[a->nprops++] = (wy_kafka_prop_t){"bootstrap.servers", a->bootstrap};
  wy_kafka_sink_config_t cfg = {.props = a->props, .nprops = a->nprops};
  wy_kafka_sink_t *ks;
  wy_status_t st = wy_kafka_sink_new(&cfg, &ks, err);
  if (st == WY_OK) *sink = wy_kafka_sink_base(ks);
  return st;
}

int wy_cmd_datagen(int argc, char **argv) {
  cli_args_t a;
  memset(&a, 0, sizeof a);
  wy_datagen_options_init(&a.opts, WY_DATAGEN_CLICKSTREAM);
  a.props = calloc((size_t)argc + 1, sizeof *a.props); /* -X entries and bootstrap */
  if (!a.props) return WY_EXIT_FAILURE;
  int rc = parse_args(argc, argv, &a);
  if (rc >= 0) {
    free(a.props);
    return rc;
  }

  wy_error_t err;
  wy_datagen_t *g = NULL;
  wy_sink_t *sink = NULL;
  rc = WY_EXIT_FAILURE;
  if (wy_datagen_new(&a.opts, &g, &err) != WY_OK || open_sink(&a, &sink, &err) != WY_OK) {
    fprintf(stderr, "walleye datagen: %s\n", err.msg);
    goto out;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  a.run.stop = &stop_requested;

  wy_log(WY_LOG_INFO, "datagen",
         "starting kind=%s topic=%s count=%" PRIu64 " rate=%g seed=%" PRIu64 " key=%s sink=%s",
         wy_datagen_kind_name(a.opts.kind), a.topic, a.run.count, a.run.rate, a.opts.seed,
         wy_datagen_key_mode_name(a.opts.key_mode), a.to_stdout ? "stdout" : a.bootstrap);
  wy_datagen_stats_t stats;
  wy_status_t st = wy_datagen_produce(g, sink, a.topic, &a.run, &stats, &err);
  wy_log(st == WY_OK ? WY_LOG_INFO : WY_LOG_ERROR, "datagen",
         "done sent=%" PRIu64 " delivered=%" PRIu64 " failed=%" PRIu64 " elapsed_s=%.3f rate=%.0f",
         stats.sent, stats.delivered, stats.failed, stats.elapsed_s,
         stats.elapsed_s > 0 ? (double)stats.delivered / stats.elapsed_s : 0.0);
  if (st != WY_OK)
    fprintf(stderr, "walleye datagen: %s\n", err.msg);
  else
    rc = WY_EXIT_OK;
out:
  wy_sink_destroy(sink); /* before the generator: late reports point into it */
  wy_datagen_destroy(g);
  free(a.props);
  return rc;
}
