/* walleye — entry point: global options and subcommand dispatch. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/cli/cli.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command_t;

static const command_t commands[] = {
#define WY_X_ENTRY(name, fn, summary) {name, fn, summary},
    WY_COMMANDS(WY_X_ENTRY)
#undef WY_X_ENTRY
};

static void print_help(FILE *out) {
  fprintf(out,
          "walleye %s — ksqlDB-dialect SQL over Kafka, natively\n\n"
          "usage: walleye [--help] [--version] COMMAND [ARGS...]\n\ncommands:\n",
          WALLEYE_VERSION);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nRun `walleye COMMAND --help` for a command's options.\n");
}

int wy_cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "walleye%s%s: ", cmd ? " " : "", cmd ? cmd : "");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'walleye %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
  return WY_EXIT_USAGE;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_help(stderr);
    return WY_EXIT_USAGE;
  }
  const char *first = argv[1];
  if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0 || strcmp(first, "help") == 0) {
    print_help(stdout);
    return WY_EXIT_OK;
  }
  if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) {
    printf("walleye %s\n", WALLEYE_VERSION);
    return WY_EXIT_OK;
  }
  if (first[0] == '-') return wy_cli_usage_error(NULL, "unknown option '%s'", first);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(first, commands[i].name) == 0) {
      optind = 1; /* each command parses its own options from argv[1..] */
      return commands[i].run(argc - 1, argv + 1);
    }
  }
  return wy_cli_usage_error(NULL, "unknown command '%s'", first);
}
