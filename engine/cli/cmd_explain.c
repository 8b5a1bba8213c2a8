/* walleye explain FILE.sql — plan every statement of a file and print each query's plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/memory/memory.h"
#include "engine/base/buf.h"
#include "engine/base/log.h"
#include "engine/cli/cli.h"
#include "parser/parser.h"
#include "engine/engine.h"
#include "engine/plan/explain.h"
#include "engine/registry/registry.h"

int wy_cmd_explain(int argc, char **argv) {
  if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf(
        "usage: walleye explain FILE.sql\n\n"
        "Plans every statement of FILE.sql (on an empty in-memory broker: nothing runs) and\n"
        "prints each persistent query: its sub-topologies, inputs, steps, schemas and\n"
        "internal topics. Errors print FILE:line:col: message and exit 1.\n");
    return WY_EXIT_OK;
  }
  if (argc != 2)
    return wy_cli_usage_error("explain", argc < 2 ? "%s" : "unexpected argument '%s'",
                              argc < 2 ? "needs a SQL file" : argv[2]);
  if (!getenv("WALLEYE_LOG_LEVEL")) wy_log_set_level(WY_LOG_ERROR);
  size_t len;
  char *sql = wy_buf_read_file(argv[1], &len);
  if (!sql) {
    fprintf(stderr, "walleye explain: cannot read %s\n", argv[1]);
    return WY_EXIT_FAILURE;
  }
  wy_error_t err;
  wy_memory_broker_t *broker = NULL;
  wy_engine_t *e = NULL;
  wy_sr_t *sr = wy_sr_mem_new(WY_COMPAT_NONE);
  int rc = WY_EXIT_FAILURE;
  if (wy_memory_broker_new(&broker, &err) == WY_OK) {
    wy_memory_broker_set_auto_create(broker, 1);
    wy_engine_options_t o = {0};
    o.broker = broker;
    o.schema_registry = sr;
    if (wy_engine_new(&o, &e, &err) == WY_OK) {
      if (wy_engine_execute_sql(e, sql, NULL, &err) == WY_OK) {
        for (size_t i = 0; i < wy_engine_query_count(e); i++) {
          if (i) printf("\n");
          wy_plan_explain(wy_query_plan(wy_engine_query_at(e, i)), stdout);
        }
        rc = WY_EXIT_OK;
      } else if (err.line) {
        fprintf(stderr, "%s:%d:%d: %s\n", argv[1], err.line, err.column,
                wy_parse_error_detail(&err));
      } else {
        fprintf(stderr, "%s: %s\n", argv[1], err.msg);
      }
    } else {
      fprintf(stderr, "walleye explain: %s\n", err.msg);
    }
  }
  wy_engine_destroy(e);
  wy_memory_broker_destroy(broker);
  wy_sr_destroy(sr);
  free(sql);
  return rc;
}
