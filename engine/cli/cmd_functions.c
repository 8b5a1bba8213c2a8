/* walleye functions — the built-in functions, from the registry (docs/functions.md's
 * generated list comes from here: scripts/functions_doc.sh). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "udf/registry.h"

#define WY_FN_DOC_BEGIN \
  "<!-- BEGIN GENERATED FUNCTION LIST (scripts/functions_doc.sh; do not edit by hand) -->"
#define WY_FN_DOC_END "<!-- END GENERATED FUNCTION LIST -->"

static void functions_help(FILE *out) {
  fprintf(out,
          "usage: walleye functions [--markdown]\n\n"
          "Lists every built-in function: name, type, category, each overload as ksqlDB\n"
          "prints it, its return type and description. --markdown prints the table that\n"
          "docs/functions.md holds between its GENERATED FUNCTION LIST markers.\n");
}

/* A table cell: '|' escaped, line breaks flattened. */
static void cell(FILE *out, const char *s) {
  for (; s && *s; s++) {
    if (*s == '|')
      fputs("\\|", out);
    else
      fputc(*s == '\n' ? ' ' : *s, out);
  }
}

static void returns(const wy_overload_t *ov, char *buf, size_t cap) {
  if (ov->ret)
    wy_type_pat_format(ov->ret, buf, cap);
  else
    snprintf(buf, cap, "from the arguments");
}

static void print_markdown(const wy_registry_t *r) {
  printf("%s\n\n", WY_FN_DOC_BEGIN);
  printf("%zu functions. An overload's name is the one ksqlDB's messages use.\n\n",
         wy_registry_count(r));
  printf("| function | type | category | overload | returns | description |\n");
  printf("|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < wy_registry_count(r); i++) {
    const wy_function_t *f = wy_registry_at(r, i);
    for (size_t k = 0; k < f->noverloads; k++) {
      const wy_overload_t *ov = &f->overloads[k];
      char sig[512], ret[256];
      wy_overload_describe(f, ov, sig, sizeof sig);
      returns(ov, ret, sizeof ret);
      if (k == 0) {
        printf("| %s | %s | ", f->name, wy_function_type_name(f));
        cell(stdout, f->category && f->category[0] ? f->category : "OTHER");
        printf(" | ");
      } else {
        printf("| | | | ");
      }
      printf("`");
      cell(stdout, sig);
      printf("` | %s", ov->ret ? "`" : "");
      cell(stdout, ret);
      printf("%s | ", ov->ret ? "`" : "");
      cell(stdout, ov->description && ov->description[0] ? ov->description
                   : k == 0                              ? f->description
                                                         : "");
      printf(" |\n");
    }
  }
  printf("\n%s\n", WY_FN_DOC_END);
}

static void print_plain(const wy_registry_t *r) {
  for (size_t i = 0; i < wy_registry_count(r); i++) {
    const wy_function_t *f = wy_registry_at(r, i);
    for (size_t k = 0; k < f->noverloads; k++) {
      char sig[512], ret[256];
      wy_overload_describe(f, &f->overloads[k], sig, sizeof sig);
      returns(&f->overloads[k], ret, sizeof ret);
      printf("%-10s %-20s %s -> %s\n", wy_function_type_name(f), f->category ? f->category : "",
             sig, ret);
    }
  }
}

int wy_cmd_functions(int argc, char **argv) {
  static const struct option opts[] = {
      {"markdown", no_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  bool markdown = false;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+mh", opts, NULL)) != -1) {
    if (c == 'h') {
      functions_help(stdout);
      return WY_EXIT_OK;
    }
    if (c == 'm') {
      markdown = true;
      continue;
    }
    return wy_cli_usage_error("functions", "unknown option '%s'", argv[optind - 1]);
  }
  if (optind != argc)
    return wy_cli_usage_error("functions", "unexpected argument '%s'", argv[optind]);
  const wy_registry_t *r = wy_registry_builtins();
  if (!r) {
    fprintf(stderr, "walleye functions: the built-in registry could not be built\n");
    return WY_EXIT_FAILURE;
  }
  if (markdown)
    print_markdown(r);
  else
    print_plain(r);
  return fflush(stdout) == 0 ? WY_EXIT_OK : WY_EXIT_FAILURE;
}
