/* walleye sql / walleye udf — self-service management of a node's SQL and functions,
 * through its REST API (engine/server/client.h). */
#include <ctype.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/buf.h"
#include "engine/cli/cli.h"
#include "engine/server/client.h"
#include "parser/parser.h"

typedef struct mgmt {
  const char *cmd; /* "sql" or "udf" */
  const char *server, *user, *description, *cacert;
  bool json, delete_topic;
  wy_rest_client_t *client;
} mgmt_t;

static void sql_help(FILE *out) {
  fprintf(out,
          "usage: walleye sql [--server URL] [--user USER:PASSWORD] [--cacert FILE] [--json] "
          "ACTION ...\n\n"
          "Manage the SQL running on a walleye (or ksqlDB) node through its REST API.\n\n"
          "  add FILE [--description TEXT]     run the statements of FILE; new queries get TEXT\n"
          "  update FILE [--description TEXT]  the same as CREATE OR REPLACE\n"
          "  list                              queries and their state (running, stopped, error)\n"
          "  ps                                queries with records in, out and skipped\n"
          "  explain QUERY_ID                  a query's statement, sources, sinks and topology\n"
          "  stop QUERY_ID | start QUERY_ID | restart QUERY_ID\n"
          "  drop NAME|QUERY_ID [--delete-topic]  drop a stream or table, or terminate a query\n\n"
          "The server defaults to $WALLEYE_SERVER or http://127.0.0.1:8088; credentials to\n"
          "$WALLEYE_USER; --cacert FILE trusts the CA of an https:// node.\n");
}

static void udf_help(FILE *out) {
  fprintf(
      out,
      "usage: walleye udf [--server URL] [--user USER:PASSWORD] [--cacert FILE] [--json]\n"
      "                   list | describe NAME\n\n"
      "List the functions of a node, or describe one (its variants and where it comes from).\n");
}

/* Run statements; print the raw reply with --json. Returns the entities (caller owns)
 * or NULL after printing the node's error. */
static json_t *run(mgmt_t *m, const char *ksql, const char *description) {
  wy_error_t err;
  long status = 0;
  json_t *reply = NULL;
  if (wy_rest_ksql(m->client, ksql, NULL, description, &status, &reply, &err) != WY_OK) {
    fprintf(stderr, "walleye %s: %s\n", m->cmd, err.msg);
    return NULL;
  }
  if (status != 200 || !json_is_array(reply)) {
    const char *text = json_string_value(json_object_get(reply, "statementText"));
    fprintf(stderr, "walleye %s: %s%s%s\n", m->cmd, wy_rest_error_message(reply),
            text ? "\n  in: " : "", text ? text : "");
    json_decref(reply);
    return NULL;
  }
  return reply;
}

static void print_json(const json_t *j) {
  char *s = json_dumps(j, JSON_INDENT(2));
  if (s) puts(s);
  free(s);
}

static void print_statuses(const json_t *entities) {
  size_t i;
  json_t *e;
  json_array_foreach(entities, i, e) {
    const char *msg =
        json_string_value(json_object_get(json_object_get(e, "commandStatus"), "message"));
    if (msg) printf("%s\n", msg);
  }
}

/* "CREATE STREAM" -> "CREATE OR REPLACE STREAM" for every CREATE ... that lacks it. */
static char *as_replace(const char *text, char *errbuf, size_t cap) {
  wy_ast_script_t *script;
  wy_error_t err;
  if (wy_parse(text, strlen(text), NULL, &script, &err) != WY_OK) {
    wy_parse_error_format(&err, errbuf, cap);
    return NULL;
  }
  size_t len = strlen(text);
  char *out = malloc(len + script->n * 12 + 1);
  size_t w = 0, from = 0;
  for (size_t i = 0; out && i < script->n; i++) {
    const wy_ast_stmt_t *s = script->stmts[i];
    bool create = s->kind == WY_AST_STMT_CREATE_STREAM || s->kind == WY_AST_STMT_CREATE_TABLE ||
                  s->kind == WY_AST_STMT_CREATE_STREAM_AS || s->kind == WY_AST_STMT_CREATE_TABLE_AS;
    if (!create || s->or_replace || s->is_source) continue;
    const char *at = strcasestr(text + s->src_offset, "CREATE");
    if (!at) continue;
    size_t cut = (size_t)(at - text) + 6;
    memcpy(out + w, text + from, cut - from);
    w += cut - from;
    memcpy(out + w, " OR REPLACE", 11);
    w += 11;
    from = cut;
  }
  if (out) {
    memcpy(out + w, text + from, len - from);
    out[w + len - from] = '\0';
  }
  wy_ast_script_destroy(script);
  return out;
}

static int sql_add(mgmt_t *m, const char *path, bool update) {
  char *text = wy_buf_read_file(path, NULL);
  if (!text) {
    fprintf(stderr, "walleye sql: cannot read %s\n", path);
    return WY_EXIT_FAILURE;
  }
  if (update) {
    char msg[WY_ERROR_MSG_MAX + 32];
    char *replaced = as_replace(text, msg, sizeof msg);
    free(text);
    if (!replaced) {
      fprintf(stderr, "walleye sql: %s: %s\n", path, msg);
      return WY_EXIT_FAILURE;
    }
    text = replaced;
  }
  json_t *r = run(m, text, m->description);
  free(text);
  if (!r) return WY_EXIT_FAILURE;
  if (m->json)
    print_json(r);
  else
    print_statuses(r);
  json_decref(r);
  return WY_EXIT_OK;
}

/* running / stopped / error: the book's words for RUNNING / PAUSED / ERROR. */
static const char *state_word(const char *state) {
  if (!state) return "unknown";
  if (strcmp(state, "RUNNING") == 0) return "running";
  if (strcmp(state, "PAUSED") == 0) return "stopped";
  if (strcmp(state, "ERROR") == 0) return "error";
  return state;
}

static int sql_list(mgmt_t *m, bool ps) {
  json_t *r = run(m, ps ? "SHOW QUERIES EXTENDED;" : "SHOW QUERIES;", NULL);
  if (!r) return WY_EXIT_FAILURE;
  if (m->json) {
    print_json(r);
    json_decref(r);
    return WY_EXIT_OK;
  }
  json_t *qs = json_object_get(json_array_get(r, 0), ps ? "queryDescriptions" : "queries");
  if (ps)
    printf("%-28s %-8s %12s %12s %12s\n", "QUERY ID", "STATE", "IN", "OUT", "SKIPPED");
  else
    printf("%-28s %-8s %-24s %s\n", "QUERY ID", "STATE", "SINK", "DESCRIPTION");
  size_t i;
  json_t *q;
  json_array_foreach(qs, i, q) {
    const char *id = json_string_value(json_object_get(q, "id"));
    const char *state = state_word(json_string_value(json_object_get(q, "state")));
    if (ps) {
      json_t *st = json_object_get(q, "statistics");
      printf("%-28s %-8s %12lld %12lld %12lld\n", id, state,
             (long long)json_integer_value(json_object_get(st, "recordsIn")),
             (long long)json_integer_value(json_object_get(st, "recordsOut")),
             (long long)json_integer_value(json_object_get(st, "recordsSkipped")));
    } else {
      const char *sink = json_string_value(json_array_get(json_object_get(q, "sinks"), 0));
      const char *desc = json_string_value(json_object_get(q, "description"));
      printf("%-28s %-8s %-24s %s\n", id, state, sink ? sink : "", desc ? desc : "");
    }
  }
  json_decref(r);
  return WY_EXIT_OK;
}

/* Query ids are identifiers; refuse anything else rather than splice it into SQL. */
static bool is_identifier(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return false;
  return true;
}

static int sql_simple(mgmt_t *m, const char *fmt, const char *id) {
  if (!is_identifier(id))
    return wy_cli_usage_error(m->cmd, "'%s' is not a query id or source name", id);
  char ksql[512];
  snprintf(ksql, sizeof ksql, fmt, id, id);
  json_t *r = run(m, ksql, NULL);
  if (!r) return WY_EXIT_FAILURE;
  if (m->json)
    print_json(r);
  else
    print_statuses(r);
  json_decref(r);
  return WY_EXIT_OK;
}

static int sql_explain(mgmt_t *m, const char *id) {
  if (!is_identifier(id)) return wy_cli_usage_error(m->cmd, "'%s' is not a query id", id);
  char ksql[256];
  snprintf(ksql, sizeof ksql, "EXPLAIN %s;", id);
  json_t *r = run(m, ksql, NULL);
  if (!r) return WY_EXIT_FAILURE;
  json_t *d = json_object_get(json_array_get(r, 0), "queryDescription");
  if (m->json) {
    print_json(r);
  } else {
    printf("ID          : %s\n", json_string_value(json_object_get(d, "id")));
    printf("State       : %s\n", state_word(json_string_value(json_object_get(d, "state"))));
    const char *desc = json_string_value(json_object_get(d, "description"));
    if (desc) printf("Description : %s\n", desc);
    printf("SQL         : %s\n", json_string_value(json_object_get(d, "statementText")));
    size_t i;
    json_t *v;
    printf("Sources     :");
    json_array_foreach(json_object_get(d, "sources"), i, v) printf(" %s", json_string_value(v));
    printf("\nSinks       :");
    json_array_foreach(json_object_get(d, "sinks"), i, v) printf(" %s", json_string_value(v));
    printf("\n\n%s", json_string_value(json_object_get(d, "topology")));
  }
  json_decref(r);
  return WY_EXIT_OK;
}

/* drop NAME: a query id is terminated; a stream or table is dropped (DESCRIBE says which). */
static int sql_drop(mgmt_t *m, const char *name) {
  if (!is_identifier(name))
    return wy_cli_usage_error(m->cmd, "'%s' is not a query id or source name", name);
  json_t *r = run(m, "SHOW QUERIES;", NULL);
  if (!r) return WY_EXIT_FAILURE;
  bool is_query = false;
  size_t i;
  json_t *q;
  json_array_foreach(json_object_get(json_array_get(r, 0), "queries"), i, q) {
    if (strcasecmp(json_string_value(json_object_get(q, "id")), name) == 0) is_query = true;
  }
  json_decref(r);
  if (is_query) return sql_simple(m, "TERMINATE %s;", name);
  char ksql[512];
  snprintf(ksql, sizeof ksql, "DESCRIBE %s;", name);
  if (!(r = run(m, ksql, NULL))) return WY_EXIT_FAILURE;
  const char *type = json_string_value(
      json_object_get(json_object_get(json_array_get(r, 0), "sourceDescription"), "type"));
  snprintf(ksql, sizeof ksql, "DROP %s %%s%s;",
           type && strcmp(type, "TABLE") == 0 ? "TABLE" : "STREAM",
           m->delete_topic ? " DELETE TOPIC" : "");
  json_decref(r);
  return sql_simple(m, ksql, name);
}

static int udf_list(mgmt_t *m) {
  json_t *r = run(m, "SHOW FUNCTIONS;", NULL);
  if (!r) return WY_EXIT_FAILURE;
  if (m->json) {
    print_json(r);
  } else {
    printf("%-32s %-10s %s\n", "NAME", "TYPE", "CATEGORY");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(json_array_get(r, 0), "functions"), i, f) {
      printf("%-32s %-10s %s\n", json_string_value(json_object_get(f, "name")),
             json_string_value(json_object_get(f, "type")),
             json_string_value(json_object_get(f, "category")));
    }
  }
  json_decref(r);
  return WY_EXIT_OK;
}

static int udf_describe(mgmt_t *m, const char *name) {
  if (!is_identifier(name)) return wy_cli_usage_error(m->cmd, "'%s' is not a function name", name);
  char ksql[256];
  snprintf(ksql, sizeof ksql, "DESCRIBE FUNCTION %s;", name);
  json_t *r = run(m, ksql, NULL);
  if (!r) return WY_EXIT_FAILURE;
  json_t *d = json_array_get(r, 0);
  if (m->json) {
    print_json(r);
  } else {
    printf("Name        : %s\n", json_string_value(json_object_get(d, "name")));
    printf("Type        : %s\n", json_string_value(json_object_get(d, "type")));
    printf("Description : %s\n", json_string_value(json_object_get(d, "description")));
    printf("Author      : %s\n", json_string_value(json_object_get(d, "author")));
    printf("Version     : %s\n", json_string_value(json_object_get(d, "version")));
    printf("Path        : %s\n", json_string_value(json_object_get(d, "path")));
    size_t i, k;
    json_t *v, *t;
    json_array_foreach(json_object_get(d, "functions"), i, v) {
      printf("\n  %s(", json_string_value(json_object_get(d, "name")));
      json_array_foreach(json_object_get(v, "arguments"), k, t) {
        const char *an = json_string_value(json_object_get(t, "name"));
        printf("%s%s%s%s", k ? ", " : "", an && *an ? an : "", an && *an ? " " : "",
               json_string_value(json_object_get(t, "type")));
      }
      printf(") -> %s\n", json_string_value(json_object_get(v, "returnType")));
      const char *vd = json_string_value(json_object_get(v, "description"));
      if (vd && *vd) printf("    %s\n", vd);
    }
  }
  json_decref(r);
  return WY_EXIT_OK;
}

/* Common options, then the action and its argument. */
static int mgmt_main(const char *cmd, int argc, char **argv, void (*help)(FILE *)) {
  static const struct option opts[] = {{"server", required_argument, NULL, 's'},
                                       {"user", required_argument, NULL, 'u'},
                                       {"description", required_argument, NULL, 'd'},
                                       {"delete-topic", no_argument, NULL, 'D'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"cacert", required_argument, NULL, 'C'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  mgmt_t m = {.cmd = cmd, .server = getenv("WALLEYE_SERVER"), .user = getenv("WALLEYE_USER")};
  int c;
  opterr = 0;
  /* '+' stops at the action; options after it are parsed in a second pass below */
  while ((c = getopt_long(argc, argv, "+:s:u:d:DjC:h", opts, NULL)) != -1) {
    switch (c) {
      case 's':
        m.server = optarg;
        break;
      case 'u':
        m.user = optarg;
        break;
      case 'd':
        m.description = optarg;
        break;
      case 'D':
        m.delete_topic = true;
        break;
      case 'j':
        m.json = true;
        break;
      case 'C':
        m.cacert = optarg;
        break;
      case 'h':
        help(stdout);
        return WY_EXIT_OK;
      case ':':
        return wy_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
      default:
        return wy_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc) return wy_cli_usage_error(cmd, "which action?");
  const char *action = argv[optind];
  const char *args[2] = {NULL, NULL};
  size_t nargs = 0;
  /* options may follow the action too: `walleye sql add f.sql --description x` */
  static const struct {
    const char *name;
    size_t field; /* offset of the const char * in mgmt_t */
  } valued[] = {{"--server", offsetof(mgmt_t, server)},
                {"--user", offsetof(mgmt_t, user)},
                {"--description", offsetof(mgmt_t, description)},
                {"--cacert", offsetof(mgmt_t, cacert)}};
  for (int i = optind + 1; i < argc; i++) {
    const char *a = argv[i];
    bool matched = false;
    for (size_t v = 0; v < sizeof valued / sizeof valued[0] && !matched; v++) {
      size_t len = strlen(valued[v].name);
      if (strncmp(a, valued[v].name, len) != 0 || (a[len] != '\0' && a[len] != '=')) continue;
      if (a[len] == '\0' && i + 1 >= argc)
        return wy_cli_usage_error(cmd, "option '%s' needs a value", a);
      *(const char **)((char *)&m + valued[v].field) = a[len] == '=' ? a + len + 1 : argv[++i];
      matched = true;
    }
    if (matched) continue;
    if (strcmp(a, "--delete-topic") == 0) {
      m.delete_topic = true;
    } else if (strcmp(a, "--json") == 0) {
      m.json = true;
    } else if (a[0] == '-' && a[1]) {
      return wy_cli_usage_error(cmd, "unknown option '%s'", a);
    } else if (nargs < 2) {
      args[nargs++] = a;
    } else {
      return wy_cli_usage_error(cmd, "unexpected argument '%s'", a);
    }
  }
  static const struct {
    const char *cmd, *action;
    size_t nargs;
  } table[] = {{"sql", "add", 1},   {"sql", "update", 1},  {"sql", "list", 0},
               {"sql", "ps", 0},    {"sql", "explain", 1}, {"sql", "stop", 1},
               {"sql", "start", 1}, {"sql", "restart", 1}, {"sql", "drop", 1},
               {"udf", "list", 0},  {"udf", "describe", 1}};
  bool known = false;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (strcmp(table[i].cmd, cmd) != 0 || strcmp(table[i].action, action) != 0) continue;
    known = true;
    if (nargs != table[i].nargs)
      return wy_cli_usage_error(cmd, "'%s' takes %zu argument%s", action, table[i].nargs,
                                table[i].nargs == 1 ? "" : "s");
  }
  if (!known) return wy_cli_usage_error(cmd, "unknown action '%s'", action);
  wy_error_t err;
  if (wy_rest_client_new(m.server ? m.server : "http://127.0.0.1:8088", m.user, &m.client, &err) !=
          WY_OK ||
      (m.cacert && wy_rest_client_set_cacert(m.client, m.cacert, &err) != WY_OK)) {
    wy_rest_client_destroy(m.client);
    fprintf(stderr, "walleye %s: %s\n", cmd, err.msg);
    return WY_EXIT_FAILURE;
  }
  int rc;
  if (strcmp(cmd, "udf") == 0)
    rc = strcmp(action, "list") == 0 ? udf_list(&m) : udf_describe(&m, args[0]);
  else if (strcmp(action, "add") == 0)
    rc = sql_add(&m, args[0], false);
  else if (strcmp(action, "update") == 0)
    rc = sql_add(&m, args[0], true);
  else if (strcmp(action, "list") == 0)
    rc = sql_list(&m, false);
  else if (strcmp(action, "ps") == 0)
    rc = sql_list(&m, true);
  else if (strcmp(action, "explain") == 0)
    rc = sql_explain(&m, args[0]);
  else if (strcmp(action, "stop") == 0)
    rc = sql_simple(&m, "PAUSE %s;", args[0]);
  else if (strcmp(action, "start") == 0)
    rc = sql_simple(&m, "RESUME %s;", args[0]);
  else if (strcmp(action, "restart") == 0)
    rc = sql_simple(&m, "PAUSE %s; RESUME %s;", args[0]);
  else
    rc = sql_drop(&m, args[0]);
  wy_rest_client_destroy(m.client);
  return rc;
}

int wy_cmd_sql(int argc, char **argv) { return mgmt_main("sql", argc, argv, sql_help); }
int wy_cmd_udf(int argc, char **argv) { return mgmt_main("udf", argc, argv, udf_help); }
