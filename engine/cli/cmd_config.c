/* walleye config — documents the configuration keys and checks config files. */
#include <stdio.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/config/config.h"

int wy_cmd_config(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
    wy_config_write_markdown(stdout);
    return WY_EXIT_OK;
  }
  if (argc == 3 && strcmp(argv[1], "--check") == 0) {
    wy_config_t *c = wy_config_new();
    wy_error_t err;
    int rc = WY_EXIT_OK;
    if (!c) return WY_EXIT_FAILURE;
    if (wy_config_load_file(c, argv[2], &err) != WY_OK) {
      fprintf(stderr, "walleye config: %s\n", err.msg);
      rc = WY_EXIT_FAILURE;
    } else {
      printf("%s: ok\n", argv[2]);
    }
    wy_config_destroy(c);
    return rc;
  }
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf(
        "usage: walleye config --markdown | --check FILE\n\n"
        "  --markdown    print the table of configuration keys (docs/configuration.md)\n"
        "  --check FILE  validate a config file of key=value lines\n");
    return WY_EXIT_OK;
  }
  return wy_cli_usage_error("config", argc > 1 ? "unexpected argument '%s'" : "%s",
                            argc > 1 ? argv[1] : "wants --markdown or --check FILE");
}
