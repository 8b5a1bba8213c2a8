/*
 * walleye test — run ksqlDB QTT files, or ksql-test-runner's three files.
 *
 *   walleye test FILE.json... [--filter SUBSTRING] [--verbose] [--summary] [--list]
 *   walleye test -s statements.sql [-i input.json] -o output.json
 *
 * The work is done by engine/testing/runner.h; this file only parses the command line.
 * Cases run on the engine executor (executor_engine.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/base/log.h"
#include "engine/testing/executor_engine.h"
#include "engine/lineage/lineage.h"
#include "udf/loader.h"
#include "engine/testing/runner.h"
#include "engine/testing/sqltest.h"

static void test_help(FILE *out) {
  fprintf(
      out,
      "usage: walleye test FILE.json... [--filter SUBSTRING] [--verbose] [--summary] [--list]\n"
      "       walleye test -s statements.sql [-i input.json] -o output.json\n"
      "       walleye test --test-directory DIR [--temp-folder DIR]   # run-ksql-test\n\n"
      "Runs ksqlDB query-validation-test (QTT) files: every case, expanded per `format`\n"
      "and `config` entry. Prints one line per failing case, then `N passed, N failed`\n"
      "(and `, N skipped`). Exit status: 0 when nothing failed, 1 otherwise, 2 on usage\n"
      "errors.\n\n"
      "  -f, --filter SUBSTRING   run only cases whose full name contains SUBSTRING\n"
      "  -v, --verbose            also print passing and skipped cases, and the\n"
      "                           statements of failing ones\n"
      "      --summary            print passed/failed/skipped per file\n"
      "      --list               list the expanded cases instead of running them\n"
      "  -s, --sql-file FILE      ksql-test-runner mode: the statements\n"
      "  -i, --input-file FILE    ksql-test-runner mode: {\"inputs\": [...]}\n"
      "  -o, --output-file FILE   ksql-test-runner mode: {\"outputs\": [...]}\n"
      "  -e, --udf-dir DIR        load the UDF libraries (*.so) of DIR (also --extension-dir)\n"
      "      --lineage-file FILE  write every query's OpenLineage events to FILE (one per line)\n"
      "      --test-directory DIR run-ksql-test mode (also -td): every test of DIR's .sql\n"
      "                           files (--@test:, ASSERT VALUES/NULL VALUES/STREAM/TABLE)\n"
      "      --temp-folder DIR    accepted for run-ksql-test (also -tf); nothing is written\n");
}

enum { OPT_SUMMARY = 1000, OPT_LIST, OPT_LINEAGE, OPT_TEST_DIR, OPT_TEMP_FOLDER };

/* Run with the registry (and lineage emitter), then release them: one exit path. */
static wy_lineage_emitter_t *lineage_for_exit;
static int run_with(wy_registry_t *reg, int rc) {
  wy_lineage_emitter_destroy(lineage_for_exit); /* delivers what is queued */
  lineage_for_exit = NULL;
  wy_registry_destroy(reg);
  return rc;
}

int wy_cmd_test(int argc, char **argv) {
  static const struct option opts[] = {{"filter", required_argument, NULL, 'f'},
                                       {"verbose", no_argument, NULL, 'v'},
                                       {"summary", no_argument, NULL, OPT_SUMMARY},
                                       {"list", no_argument, NULL, OPT_LIST},
                                       {"sql-file", required_argument, NULL, 's'},
                                       {"input-file", required_argument, NULL, 'i'},
                                       {"output-file", required_argument, NULL, 'o'},
                                       {"udf-dir", required_argument, NULL, 'e'},
                                       {"lineage-file", required_argument, NULL, OPT_LINEAGE},
                                       {"extension-dir", required_argument, NULL, 'e'},
                                       {"test-directory", required_argument, NULL, OPT_TEST_DIR},
                                       {"temp-folder", required_argument, NULL, OPT_TEMP_FOLDER},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  wy_qtt_run_options_t o = {0};
  o.executor = wy_qtt_executor_engine();
  /* Skipped records are reported by the cases themselves; keep stderr for real trouble. */
  if (!getenv("WALLEYE_LOG_LEVEL")) wy_log_set_level(WY_LOG_ERROR);
  const char *sql = NULL, *input = NULL, *output = NULL, *udf_dir = NULL, *lineage_file = NULL;
  const char *test_dir = NULL;
  /* run-ksql-test's two-letter options, -td DIR and -tf DIR, as their long forms */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-td") == 0) argv[i] = "--test-directory";
    if (strcmp(argv[i], "-tf") == 0) argv[i] = "--temp-folder";
  }
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":f:vs:i:o:e:h", opts, NULL)) != -1) {
    switch (c) {
      case 'f':
        o.filter = optarg;
        break;
      case 'v':
        o.verbose = true;
        break;
      case OPT_SUMMARY:
        o.summary = true;
        break;
      case OPT_LIST:
        o.list = true;
        break;
      case 's':
        sql = optarg;
        break;
      case 'i':
        input = optarg;
        break;
      case 'o':
        output = optarg;
        break;
      case 'e':
        udf_dir = optarg;
        break;
      case OPT_LINEAGE:
        lineage_file = optarg;
        break;
      case OPT_TEST_DIR:
        test_dir = optarg;
        break;
      case OPT_TEMP_FOLDER: /* run-ksql-test's scratch folder: nothing here is written */
        break;
      case 'h':
        test_help(stdout);
        return WY_EXIT_OK;
      case ':':
        return wy_cli_usage_error("test", "option '%s' needs a value", argv[optind - 1]);
      default:
        return wy_cli_usage_error("test", "unknown option '%s'", argv[optind - 1]);
    }
  }
  wy_registry_t *reg = NULL;
  wy_lineage_emitter_t *lineage = NULL;
  if (udf_dir || lineage_file) {
    wy_error_t err;
    if (udf_dir && !(reg = wy_udf_registry_new(udf_dir, NULL, &err))) {
      fprintf(stderr, "walleye test: %s\n", err.msg);
      return WY_EXIT_FAILURE;
    }
    if (lineage_file) {
      wy_lineage_options_t lo;
      wy_lineage_options_init(&lo);
      lo.transport = WY_LINEAGE_FILE;
      lo.url = lineage_file;
      if (wy_lineage_emitter_new(&lo, &lineage, &err) != WY_OK) {
        fprintf(stderr, "walleye test: %s\n", err.msg);
        wy_registry_destroy(reg);
        return WY_EXIT_FAILURE;
      }
    }
    o.executor = wy_qtt_executor_engine_with(reg, lineage);
  }
  lineage_for_exit = lineage;
  if (test_dir) {
    if (sql || input || output || optind < argc)
      return run_with(reg, wy_cli_usage_error("test", "--test-directory runs alone"));
    int failed = wy_sqltest_run_directory(test_dir, reg, stdout, stderr);
    return run_with(reg, failed == 0 ? WY_EXIT_OK : WY_EXIT_FAILURE);
  }
  if (sql || input || output) {
    if (!sql || !output)
      return run_with(
          reg, wy_cli_usage_error("test", "ksql-test-runner mode needs -s FILE and -o FILE"));
    if (optind < argc)
      return run_with(reg,
                      wy_cli_usage_error("test", "QTT files cannot be combined with -s/-i/-o"));
    return run_with(reg, wy_qtt_run_test_runner(sql, input, output, o.executor, stdout, stderr));
  }
  if (optind >= argc) return run_with(reg, wy_cli_usage_error("test", "no test files given"));
  wy_qtt_totals_t t =
      wy_qtt_run_files((const char *const *)argv + optind, (size_t)(argc - optind), &o);
  return run_with(reg, t.failed ? WY_EXIT_FAILURE : WY_EXIT_OK);
}
