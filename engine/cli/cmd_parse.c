/* walleye parse — check a SQL file and print each statement as normalized SQL. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/buf.h"
#include "engine/cli/cli.h"
#include "parser/parser.h"

static void parse_help(FILE *out) {
  fprintf(out,
          "usage: walleye parse [--define NAME=VALUE]... FILE.sql\n\n"
          "Parses FILE.sql ('-' reads stdin) and prints each statement as normalized\n"
          "SQL, one per line. On a syntax error prints FILE:LINE:COL: message and\n"
          "exits 1.\n\n"
          "  -d, --define NAME=VALUE  set a variable for ${NAME} substitution (repeatable)\n");
}

int wy_cmd_parse(int argc, char **argv) {
  static const struct option opts[] = {{"define", required_argument, NULL, 'd'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  wy_parse_vars_t *vars = wy_parse_vars_new();
  if (!vars) return WY_EXIT_FAILURE;
  int c, rc = WY_EXIT_OK;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
    if (c == 'h') {
      parse_help(stdout);
      wy_parse_vars_destroy(vars);
      return WY_EXIT_OK;
    }
    if (c == 'd') {
      char *eq = strchr(optarg, '=');
      if (!eq || eq == optarg) {
        wy_parse_vars_destroy(vars);
        return wy_cli_usage_error("parse", "--define wants NAME=VALUE, got '%s'", optarg);
      }
      *eq = '\0';
      wy_status_t st = wy_parse_vars_set(vars, optarg, eq + 1);
      *eq = '=';
      if (st != WY_OK) {
        wy_parse_vars_destroy(vars);
        return WY_EXIT_FAILURE;
      }
      continue;
    }
    wy_parse_vars_destroy(vars);
    if (optopt)
      return wy_cli_usage_error("parse", "option '-%c' needs a value or is unknown", optopt);
    return wy_cli_usage_error(
        "parse", c == ':' ? "option '%s' needs a value" : "unknown option '%s'", argv[optind - 1]);
  }
  if (optind != argc - 1) {
    wy_parse_vars_destroy(vars);
    return wy_cli_usage_error("parse", optind == argc ? "missing FILE" : "unexpected argument '%s'",
                              optind == argc ? "" : argv[optind + 1]);
  }
  const char *path = argv[optind];
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "walleye parse: cannot open %s: %s\n", path, strerror(errno));
    wy_parse_vars_destroy(vars);
    return WY_EXIT_FAILURE;
  }
  wy_buf_t text;
  wy_buf_init(&text);
  bool read = wy_buf_read(&text, f);
  if (f != stdin) fclose(f);
  if (!read) {
    fprintf(stderr, "walleye parse: cannot read %s\n", path);
    wy_buf_free(&text);
    wy_parse_vars_destroy(vars);
    return WY_EXIT_FAILURE;
  }
  wy_ast_script_t *script = NULL;
  wy_error_t err;
  if (wy_parse_ex((const char *)text.data, text.len, vars, WY_PARSE_CLI | WY_PARSE_TEST, &script,
                  &err) != WY_OK) {
    fprintf(stderr, "%s:%d:%d: %s\n", path, err.line, err.column, wy_parse_error_detail(&err));
    rc = WY_EXIT_FAILURE;
  } else {
    for (size_t i = 0; i < script->n; i++) {
      char *sql = wy_ast_stmt_to_sql(script->stmts[i]);
      if (!sql) {
        rc = WY_EXIT_FAILURE;
        break;
      }
      printf("%s;\n", sql);
      free(sql);
    }
  }
  wy_ast_script_destroy(script);
  wy_buf_free(&text);
  wy_parse_vars_destroy(vars);
  return rc;
}
