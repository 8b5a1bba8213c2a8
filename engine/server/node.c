/* node.c — the node: request routing, POST /ksql statement execution, the pump thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/base/log.h"
#include "engine/server/node_int.h"
#include "parser/parser.h"

const char *wy_node_query_state_name(wy_node_query_state_t s) {
  switch (s) {
#define WY_X_QSTATE(id, name) \
  case id:                    \
    return name;
    WY_NODE_QUERY_STATES(WY_X_QSTATE)
#undef WY_X_QSTATE
    default:
      return "UNKNOWN";
  }
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- queries known to the node ---- */

node_query_t *wy_node_find_query(wy_node_t *n, const char *id) {
  for (size_t i = 0; i < n->nqueries; i++)
    if (strcasecmp(n->queries[i].id, id) == 0) return &n->queries[i];
  return NULL;
}

wy_query_t *wy_node_engine_query(wy_node_t *n, const char *id) {
  for (size_t i = 0; i < wy_engine_query_count(n->engine); i++) {
    wy_query_t *q = wy_engine_query_at(n->engine, i);
    if (strcasecmp(wy_query_plan(q)->id, id) == 0) return q;
  }
  return NULL;
}

static void node_query_free(node_query_t *q) {
  free(q->id);
  free(q->description);
  free(q->error);
}

void wy_node_sync_queries(wy_node_t *n) {
  for (size_t i = 0; i < n->nqueries; i++) n->queries[i].seen = false;
  for (size_t i = 0; i < wy_engine_query_count(n->engine); i++) {
    const char *id = wy_query_plan(wy_engine_query_at(n->engine, i))->id;
    node_query_t *q = wy_node_find_query(n, id);
    if (q) {
      q->seen = true;
      continue;
    }
    node_query_t *grown = realloc(n->queries, (n->nqueries + 1) * sizeof *grown);
    if (!grown) continue; /* retried at the next sync */
    n->queries = grown;
    q = &n->queries[n->nqueries];
    memset(q, 0, sizeof *q);
    q->id = strdup(id);
    q->description = n->req_description ? strdup(n->req_description) : NULL;
    q->earliest = n->req_earliest;
    q->state = WY_NODE_QUERY_RUNNING;
    q->seen = true;
    if (!q->id) continue;
    n->nqueries++;
    if (n->rt.ops->started)
      n->rt.ops->started(n->rt.ctx, n->engine, wy_engine_query_at(n->engine, i), q->earliest);
  }
  size_t w = 0;
  for (size_t i = 0; i < n->nqueries; i++) {
    if (n->queries[i].seen)
      n->queries[w++] = n->queries[i];
    else
      node_query_free(&n->queries[i]);
  }
  n->nqueries = w;
}

/* ---- runtime hooks ---- */

static bool hook_runs(void *user, const char *id) {
  node_query_t *q = wy_node_find_query(user, id);
  return !q || q->state == WY_NODE_QUERY_RUNNING;
}

static bool hook_earliest(void *user, const char *id) {
  wy_node_t *n = user;
  node_query_t *q = wy_node_find_query(n, id);
  return q ? q->earliest : n->req_earliest;
}

static void hook_processed(void *user, const char *id, uint64_t in, uint64_t out, uint64_t skipped,
                           uint64_t nanos) {
  node_query_t *q = wy_node_find_query(user, id);
  if (!q) return;
  q->in += in;
  q->out += out;
  q->skipped += skipped;
  q->latency_ns_sum += nanos;
  static const double bounds[] = {
#define WY_X_LE(le, text) le,
      WY_NODE_LATENCY_BUCKETS(WY_X_LE)
#undef WY_X_LE
  };
  /* nanos covers the `in` records: each counts as one observation of the mean */
  if (!in) return;
  double s = (double)nanos / 1e9 / (double)in;
  size_t b = 0;
  while (b < WY_NODE_NBUCKETS && s > bounds[b]) b++;
  q->buckets[b] += in;
}

static void hook_failed(void *user, const char *id, const wy_error_t *err) {
  node_query_t *q = wy_node_find_query(user, id);
  if (!q) return;
  q->state = WY_NODE_QUERY_ERROR;
  free(q->error);
  q->error = strdup(err->msg);
  wy_log(WY_LOG_ERROR, "node", "query failed id=%s error=%s", id, err->msg);
}

static size_t follow_commands(wy_node_t *n);

/* ---- life cycle ---- */

wy_status_t wy_node_new(wy_engine_t *engine, wy_node_runtime_t rt, const wy_config_t *cfg,
                        wy_node_t **out, wy_error_t *err) {
  *out = NULL;
  wy_node_t *n = calloc(1, sizeof *n);
  if (!n) {
    if (rt.ops && rt.ops->destroy) rt.ops->destroy(rt.ctx);
    wy_engine_destroy(engine);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  n->engine = engine;
  n->rt = rt;
  n->cfg = cfg;
  pthread_mutex_init(&n->lock, NULL);
  pthread_cond_init(&n->wake, NULL);
  n->hooks = (wy_node_hooks_t){n, hook_runs, hook_earliest, hook_processed, hook_failed};
  n->req_earliest = strcmp(wy_config_get_string(cfg, WY_CFG_AUTO_OFFSET_RESET), "earliest") == 0;
  n->started_ms = now_ms();
  snprintf(n->command_topic, sizeof n->command_topic, "_confluent-ksql-%s_command_topic",
           wy_config_get_string(cfg, WY_CFG_SERVICE_ID));
  *out = n;
  return WY_OK;
}

void wy_node_destroy(wy_node_t *n) {
  if (!n) return;
  wy_node_stop(n);
  if (n->rt.ops && n->rt.ops->destroy) n->rt.ops->destroy(n->rt.ctx);
  wy_engine_destroy(n->engine);
  for (size_t i = 0; i < n->nqueries; i++) node_query_free(&n->queries[i]);
  free(n->queries);
  for (size_t i = 0; i < n->ncommands; i++) {
    free(n->commands[i].id);
    free(n->commands[i].status);
    free(n->commands[i].message);
  }
  free(n->commands);
  free(n->own);
  pthread_cond_destroy(&n->wake);
  pthread_mutex_destroy(&n->lock);
  free(n);
}

size_t wy_node_pump(wy_node_t *n, int timeout_ms) {
  pthread_mutex_lock(&n->lock);
  follow_commands(n);
  wy_node_sync_queries(n);
  size_t got = n->rt.ops->poll(n->rt.ctx, n->engine, &n->hooks, timeout_ms);
  pthread_mutex_unlock(&n->lock);
  return got;
}

static void *pump_main(void *arg) {
  wy_node_t *n = arg;
  pthread_mutex_lock(&n->lock);
  while (!n->stopping) {
    size_t got = follow_commands(n);
    wy_node_sync_queries(n);
    got += n->rt.ops->poll(n->rt.ctx, n->engine, &n->hooks, 0);
    if (got == 0 && !n->stopping) {
      /* idle: let requests in and wait a little; wy_node_stop wakes us at once */
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_nsec += 20 * 1000000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&n->wake, &n->lock, &until);
    } else {
      pthread_mutex_unlock(&n->lock); /* fairness: requests get the lock between batches */
      pthread_mutex_lock(&n->lock);
    }
  }
  pthread_mutex_unlock(&n->lock);
  return NULL;
}

wy_status_t wy_node_start(wy_node_t *n, wy_error_t *err) {
  if (n->pumping) return WY_OK;
  n->stopping = false;
  int rc = pthread_create(&n->pump, NULL, pump_main, n);
  if (rc != 0)
    return wy_error_set(err, WY_ERR_INTERNAL, "cannot start the pump thread: %s", strerror(rc));
  n->pumping = true;
  return WY_OK;
}

void wy_node_stop(wy_node_t *n) {
  if (!n) return;
  pthread_mutex_lock(&n->lock);
  wy_node_streams_stop(n); /* open push queries end at their next read */
  pthread_mutex_unlock(&n->lock);
  if (!n->pumping) return;
  pthread_mutex_lock(&n->lock);
  n->stopping = true;
  pthread_cond_signal(&n->wake);
  pthread_mutex_unlock(&n->lock);
  pthread_join(n->pump, NULL);
  n->pumping = false;
}

uint64_t wy_node_requests(wy_node_t *n, int status_class) {
  if (status_class < 0 || status_class > 5) return 0;
  return atomic_load(&n->requests[status_class]);
}

/* ---- replies ---- */

void wy_node_reply_free(wy_node_reply_t *r) {
  if (!r) return;
  free(r->body);
  r->body = NULL;
  r->len = 0;
}

void wy_node_reply_json(wy_node_reply_t *r, int status, json_t *j) {
  r->status = status;
  r->content_type = "application/json";
  r->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!r->body) {
    r->status = 500;
    r->body =
        strdup("{\"@type\":\"generic_error\",\"error_code\":50000,\"message\":\"out of memory\"}");
  }
  r->len = r->body ? strlen(r->body) : 0;
}

const char *wy_node_json_message(const json_t *j) {
  const char *m = json_string_value(json_object_get(j, "message"));
  return m ? m : "";
}

json_t *wy_node_error_json(const char *type, int code, const char *message) {
  return json_pack("{s:s, s:i, s:s}", "@type", type, "error_code", code, "message",
                   message ? message : "");
}

void wy_node_error_reply(int status, int error_code, const char *message, wy_node_reply_t *reply) {
  wy_node_reply_json(reply, status, wy_node_error_json("generic_error", error_code, message));
}

/* ---- POST /ksql ---- */

typedef struct saved_prop {
  char *name, *old;
} saved_prop_t;

typedef struct ksql_req {
  wy_node_t *n;
  json_t *entities;
  saved_prop_t *saved;
  size_t nsaved;
  json_t *props;           /* the request's streamsProperties (borrowed) */
  const char *description; /* walleye extension: labels the queries it starts */
  bool replay;             /* from the command topic: not appended again */
} ksql_req_t;

/* Request-scoped property (streamsProperties, SET): the old value comes back after. */
static wy_status_t req_set_property(ksql_req_t *rq, const char *name, const char *value,
                                    wy_error_t *err) {
  const char *old = wy_engine_property(rq->n->engine, name);
  saved_prop_t *grown = realloc(rq->saved, (rq->nsaved + 1) * sizeof *grown);
  if (!grown) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rq->saved = grown;
  rq->saved[rq->nsaved].name = strdup(name);
  rq->saved[rq->nsaved].old = old ? strdup(old) : NULL;
  rq->nsaved++;
  if (wy_engine_set_property(rq->n->engine, name, value, err) != WY_OK) return err->code;
  if (strcasecmp(name, "auto.offset.reset") == 0 ||
      strcasecmp(name, "ksql.streams.auto.offset.reset") == 0)
    rq->n->req_earliest = strcasecmp(value, "earliest") == 0;
  return WY_OK;
}

static void req_restore_properties(ksql_req_t *rq) {
  wy_error_t err;
  for (size_t i = rq->nsaved; i-- > 0;) {
    if (rq->saved[i].name)
      wy_engine_set_property(rq->n->engine, rq->saved[i].name,
                             rq->saved[i].old ? rq->saved[i].old : "", &err);
    free(rq->saved[i].name);
    free(rq->saved[i].old);
  }
  free(rq->saved);
  rq->saved = NULL;
  rq->nsaved = 0;
}

static void add_command(wy_node_t *n, const char *id, const char *status, const char *message) {
  for (size_t i = 0; i < n->ncommands; i++)
    if (strcmp(n->commands[i].id, id) == 0) {
      free(n->commands[i].status);
      free(n->commands[i].message);
      n->commands[i].status = strdup(status);
      n->commands[i].message = strdup(message);
      return;
    }
  node_command_t *grown = realloc(n->commands, (n->ncommands + 1) * sizeof *grown);
  if (!grown) return;
  n->commands = grown;
  n->commands[n->ncommands++] = (node_command_t){strdup(id), strdup(status), strdup(message)};
}

static json_t *current_status(wy_node_t *n, const wy_ast_stmt_t *s, const char *command_id,
                              const char *message, const char *query_id) {
  n->command_seq++;
  add_command(n, command_id, "SUCCESS", message);
  return json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s?}, s:I, s:[]}", "@type", "currentStatus",
                   "statementText", s->text ? s->text : "", "commandId", command_id,
                   "commandStatus", "status", "SUCCESS", "message", message, "queryId", query_id,
                   "commandSequenceNumber", (json_int_t)n->command_seq, "warnings");
}

static const char *kind_word(wy_source_kind_t k) {
  return k == WY_SOURCE_TABLE ? "table" : "stream";
}

/* Which query did the statement start? (the one not known before) */
static const char *new_query_id(wy_node_t *n, char **before, size_t nbefore) {
  for (size_t i = 0; i < n->nqueries; i++) {
    bool old = false;
    for (size_t j = 0; j < nbefore && !old; j++) old = strcmp(before[j], n->queries[i].id) == 0;
    if (!old) return n->queries[i].id;
  }
  return NULL;
}

static wy_status_t pause_resume(ksql_req_t *rq, const wy_ast_stmt_t *s, wy_error_t *err) {
  wy_node_t *n = rq->n;
  bool pause = s->kind == WY_AST_STMT_PAUSE;
  size_t hit = 0;
  for (size_t i = 0; i < n->nqueries; i++) {
    node_query_t *q = &n->queries[i];
    if (!s->all && strcasecmp(q->id, s->name) != 0) continue;
    hit++;
    /* RESUME also restarts a failed query: it gets records again from where it stopped */
    q->state = pause ? WY_NODE_QUERY_PAUSED : WY_NODE_QUERY_RUNNING;
    free(q->error);
    q->error = NULL;
  }
  if (!s->all && hit == 0)
    return wy_error_set(err, WY_ERR_NOT_FOUND, "Unknown queryId: %s", s->name);
  char id[256], msg[64];
  snprintf(id, sizeof id, "%s/%s/execute", pause ? "pause" : "resume", s->all ? "ALL" : s->name);
  snprintf(msg, sizeof msg, pause ? "Query paused." : "Query resumed.");
  json_array_append_new(rq->entities, current_status(n, s, id, msg, NULL));
  return WY_OK;
}

/* A statement that changes the engine: execute it, then report ksqlDB's currentStatus. */
static wy_status_t execute_change(ksql_req_t *rq, const wy_ast_stmt_t *s, wy_error_t *err) {
  wy_node_t *n = rq->n;
  const wy_catalog_t *cat = wy_engine_catalog(n->engine);
  char id[512], msg[512];
  id[0] = msg[0] = '\0';
  /* what the message needs from before the change */
  const wy_source_def_t *d = s->name ? wy_catalog_find(cat, s->name) : NULL;
  char *topic = d && d->topic ? strdup(d->topic) : NULL;
  wy_source_kind_t dkind = d ? d->kind : WY_SOURCE_STREAM;
  size_t nbefore = n->nqueries;
  char **before = calloc(nbefore + 1, sizeof *before);
  for (size_t i = 0; before && i < nbefore; i++) before[i] = n->queries[i].id;

  wy_status_t st = before ? wy_engine_execute(n->engine, s, err)
                          : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  char **before_copy = NULL;
  if (st == WY_OK) {
    /* sync frees records of terminated queries: keep the ids we compare with */
    before_copy = calloc(nbefore + 1, sizeof *before_copy);
    for (size_t i = 0; before_copy && i < nbefore; i++) before_copy[i] = strdup(before[i]);
    wy_node_sync_queries(n);
  }
  free(before);
  if (st != WY_OK) {
    free(topic);
    return st;
  }
  const char *qid = before_copy ? new_query_id(n, before_copy, nbefore) : NULL;
  switch (s->kind) {
    case WY_AST_STMT_CREATE_STREAM:
    case WY_AST_STMT_CREATE_TABLE: {
      bool table = s->kind == WY_AST_STMT_CREATE_TABLE;
      snprintf(id, sizeof id, "%s/`%s`/create", table ? "table" : "stream", s->name);
      snprintf(msg, sizeof msg, "%s created", table ? "Table" : "Stream");
      break;
    }
    case WY_AST_STMT_CREATE_STREAM_AS:
    case WY_AST_STMT_CREATE_TABLE_AS:
    case WY_AST_STMT_INSERT_INTO: {
      const wy_source_def_t *sink = wy_catalog_find(cat, s->name);
      snprintf(id, sizeof id, "%s/`%s`/create", kind_word(sink ? sink->kind : WY_SOURCE_STREAM),
               s->name);
      if (!qid && s->or_replace && sink && sink->query_id) { /* upgraded: same query id */
        qid = sink->query_id;
        node_query_t *nq = wy_node_find_query(n, qid);
        char *d = nq && n->req_description ? strdup(n->req_description) : NULL;
        if (d) {
          free(nq->description);
          nq->description = d;
        }
      }
      if (qid)
        snprintf(msg, sizeof msg, "Created query with ID %s", qid);
      else
        snprintf(msg, sizeof msg, "%s already exists.", s->name);
      break;
    }
    case WY_AST_STMT_DROP_STREAM:
    case WY_AST_STMT_DROP_TABLE:
      snprintf(id, sizeof id, "%s/`%s`/drop", kind_word(dkind), s->name);
      if (topic)
        snprintf(msg, sizeof msg, "Source `%s` (topic: %s) was dropped.", s->name, topic);
      else
        snprintf(msg, sizeof msg, "Source `%s` does not exist.", s->name);
      break;
    case WY_AST_STMT_TERMINATE:
      snprintf(id, sizeof id, "terminate/%s/execute", s->all ? "ALL" : s->name);
      snprintf(msg, sizeof msg, "Query terminated.");
      break;
    case WY_AST_STMT_CREATE_TYPE:
      snprintf(id, sizeof id, "type/%s/create", s->name);
      snprintf(msg, sizeof msg, "Registered custom type with name '%s'", s->name);
      break;
    case WY_AST_STMT_DROP_TYPE:
      snprintf(id, sizeof id, "type/%s/drop", s->name);
      snprintf(msg, sizeof msg, "Dropped type '%s'", s->name);
      break;
    default:
      break;
  }
  if (id[0]) json_array_append_new(rq->entities, current_status(n, s, id, msg, qid));
  if (before_copy)
    for (size_t i = 0; i < nbefore; i++) free(before_copy[i]);
  free(before_copy);
  free(topic);
  return WY_OK;
}

/* An accepted statement that changes what the service runs goes to the command topic,
 * with the request's properties, so every node (and this one after a restart) runs it. */
static void append_command(ksql_req_t *rq, const wy_ast_stmt_t *s) {
  wy_node_t *n = rq->n;
  if (rq->replay || !n->rt.ops->command_append) return;
  json_t *rec = json_pack("{s:s, s:O}", "ksql", s->text ? s->text : "", "streamsProperties",
                          rq->props ? rq->props : json_null());
  if (rq->description) json_object_set_new(rec, "description", json_string(rq->description));
  char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
  json_decref(rec);
  wy_error_t err;
  int64_t offset = -1;
  int64_t *grown = realloc(n->own, (n->nown + 1) * sizeof *grown);
  if (grown) n->own = grown;
  if (!text || !grown ||
      n->rt.ops->command_append(n->rt.ctx, n->engine, n->command_topic, text, strlen(text), &offset,
                                &err) != WY_OK) {
    wy_log(WY_LOG_ERROR, "node", "statement not written to the command topic topic=%s",
           n->command_topic);
  } else if (offset == n->command_next) {
    n->command_next++; /* caught up: nothing of others to apply in between */
  } else {
    n->own[n->nown++] = offset;
  }
  free(text);
}

/* Execute one statement of a /ksql request; on failure err says why and *code is the
 * ksqlDB error code. */
static wy_status_t ksql_statement(ksql_req_t *rq, const wy_ast_stmt_t *s, int *code,
                                  wy_error_t *err) {
  *code = 40001;
  switch (s->kind) {
    case WY_AST_STMT_QUERY:
    case WY_AST_STMT_PRINT:
      *code = 40002;
      return wy_error_set(
          err, WY_ERR_UNSUPPORTED,
          "The following statement types should be issued to the websocket endpoint '/query':\n"
          "\t* PRINT\n\t* SELECT");
    case WY_AST_STMT_SHOW:
    case WY_AST_STMT_DESCRIBE:
    case WY_AST_STMT_DESCRIBE_STREAMS:
    case WY_AST_STMT_DESCRIBE_TABLES:
    case WY_AST_STMT_DESCRIBE_FUNCTION:
    case WY_AST_STMT_EXPLAIN: {
      json_t *ent = wy_node_describe_entity(rq->n, s, err);
      if (!ent) return err->code;
      json_array_append_new(rq->entities, ent);
      return WY_OK;
    }
    case WY_AST_STMT_SET:
      return req_set_property(rq, s->name, s->value ? s->value : "", err);
    case WY_AST_STMT_UNSET:
      return req_set_property(rq, s->name, "", err);
    case WY_AST_STMT_DEFINE:
    case WY_AST_STMT_UNDEFINE:
      return WY_OK; /* substituted by the parser within the request, as ksqlDB scopes them */
    case WY_AST_STMT_PAUSE:
    case WY_AST_STMT_RESUME:
      if (pause_resume(rq, s, err) != WY_OK) return err->code;
      append_command(rq, s);
      return WY_OK;
    case WY_AST_STMT_INSERT_VALUES:
      return wy_engine_execute(rq->n->engine, s, err); /* ksqlDB answers with no entity */
    case WY_AST_STMT_CREATE_STREAM:
    case WY_AST_STMT_CREATE_TABLE:
    case WY_AST_STMT_CREATE_STREAM_AS:
    case WY_AST_STMT_CREATE_TABLE_AS:
    case WY_AST_STMT_INSERT_INTO:
    case WY_AST_STMT_DROP_STREAM:
    case WY_AST_STMT_DROP_TABLE:
    case WY_AST_STMT_TERMINATE:
    case WY_AST_STMT_CREATE_TYPE:
    case WY_AST_STMT_DROP_TYPE:
      if (execute_change(rq, s, err) != WY_OK) return err->code;
      append_command(rq, s);
      return WY_OK;
    default:
      *code = 40002;
      return wy_error_set(err, WY_ERR_UNSUPPORTED,
                          "%s statements are not supported by the REST API of walleye",
                          wy_ast_stmt_kind_name(s->kind));
  }
}

static char *json_scalar_text(json_t *v) {
  char buf[64];
  if (json_is_string(v)) return strdup(json_string_value(v));
  if (json_is_integer(v))
    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else if (json_is_real(v))
    snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
  else if (json_is_true(v))
    snprintf(buf, sizeof buf, "true");
  else if (json_is_false(v))
    snprintf(buf, sizeof buf, "false");
  else
    return NULL;
  return strdup(buf);
}

wy_parse_vars_t *wy_node_session_vars(const json_t *vars) {
  wy_parse_vars_t *pv = wy_parse_vars_new();
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)vars, k, v) {
    char *t = json_scalar_text(v);
    bool ok = t && pv && wy_parse_vars_set(pv, k, t) == WY_OK;
    free(t);
    if (!ok && pv) {
      wy_parse_vars_destroy(pv);
      return NULL;
    }
  }
  return pv;
}

unsigned wy_node_parse_flags(const wy_node_t *n) {
  return wy_config_get_bool(n->cfg, WY_CFG_VARIABLE_SUBSTITUTION) ? 0 : WY_PARSE_NO_SUBSTITUTION;
}

/* Run one validated request (ksql, streamsProperties, sessionVariables, description)
 * with the lock held. Returns the HTTP status; *out is the entity array or ksqlDB's
 * error object. A replayed request (from the command topic) is not appended again. */
static int run_request(wy_node_t *n, json_t *req, bool replay, json_t **out) {
  json_t *ksql = json_object_get(req, "ksql");
  json_t *props = json_object_get(req, "streamsProperties");
  json_t *vars = json_object_get(req, "sessionVariables");
  json_t *desc = json_object_get(req, "description");
  if (!json_is_string(ksql) || (props && !json_is_object(props) && !json_is_null(props)) ||
      (vars && !json_is_object(vars) && !json_is_null(vars)) ||
      (desc && !json_is_string(desc) && !json_is_null(desc))) {
    *out = wy_node_error_json("generic_error", 40000,
                              "Invalid request: 'ksql' must be a string; 'streamsProperties' and "
                              "'sessionVariables' objects");
    return 400;
  }
  wy_parse_vars_t *pv = wy_node_session_vars(vars);
  const char *k;
  json_t *v;
  const char *text = json_string_value(ksql);
  wy_error_t err;
  wy_error_clear(&err);
  wy_ast_script_t *script = NULL;
  if (!pv) {
    wy_error_set(&err, WY_ERR_NOMEM, "out of memory");
  } else if (wy_parse_ex(text, json_string_length(ksql), pv, wy_node_parse_flags(n), &script,
                         &err) != WY_OK) {
    char msg[WY_ERROR_MSG_MAX + 40];
    wy_parse_error_format(&err, msg, sizeof msg);
    *out = json_pack("{s:s, s:i, s:s, s:s, s:[]}", "@type", "statement_error", "error_code", 40001,
                     "message", msg, "statementText", text, "entities");
    wy_parse_vars_destroy(pv);
    return 400;
  }
  wy_parse_vars_destroy(pv);
  if (!script) {
    *out = wy_node_error_json("generic_error", 50000, err.msg);
    return 500;
  }

  ksql_req_t rq = {n,
                   json_array(),
                   NULL,
                   0,
                   json_is_object(props) ? props : NULL,
                   json_is_string(desc) ? json_string_value(desc) : NULL,
                   replay};
  bool saved_earliest = n->req_earliest;
  n->req_description = rq.description;
  int status = 200, code = 0;
  const char *failed_text = NULL;
  json_object_foreach(props, k, v) {
    char *t = json_scalar_text(v);
    if (!t || req_set_property(&rq, k, t, &err) != WY_OK) {
      if (!t)
        wy_error_set(&err, WY_ERR_INVALID, "property '%s' must be a string, number or boolean", k);
      status = 400;
      code = 40000;
    }
    free(t);
    if (status != 200) break;
  }
  if (status == 200 && script->n == 0) {
    status = 400;
    code = 40000;
    wy_error_set(&err, WY_ERR_INVALID, "No statements in the request");
  }
  for (size_t i = 0; status == 200 && i < script->n; i++) {
    wy_error_clear(&err);
    if (ksql_statement(&rq, script->stmts[i], &code, &err) != WY_OK) {
      status = 400;
      failed_text = script->stmts[i]->text;
    }
  }
  req_restore_properties(&rq);
  n->req_description = NULL;
  n->req_earliest = saved_earliest;
  if (status == 200) {
    *out = rq.entities;
  } else {
    *out = json_pack("{s:s, s:i, s:s, s:s, s:o}", "@type",
                     code == 40000 ? "generic_error" : "statement_error", "error_code", code,
                     "message", err.msg, "statementText", failed_text ? failed_text : text,
                     "entities", rq.entities);
  }
  wy_ast_script_destroy(script);
  return status;
}

static void handle_ksql(wy_node_t *n, const char *body, size_t len, wy_node_reply_t *r) {
  json_error_t jerr;
  json_t *req = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
  if (!req || !json_is_object(req)) {
    char msg[300];
    snprintf(msg, sizeof msg, "Invalid JSON in request: %s",
             req ? "expected an object" : jerr.text);
    json_decref(req);
    wy_node_reply_json(r, 400, wy_node_error_json("generic_error", 40000, msg));
    return;
  }
  json_t *out = NULL;
  pthread_mutex_lock(&n->lock);
  int status = run_request(n, req, false, &out);
  pthread_mutex_unlock(&n->lock);
  wy_node_reply_json(r, status, out);
  json_decref(req);
}

/* ---- the command topic ---- */

static bool own_command(wy_node_t *n, int64_t offset) {
  for (size_t i = 0; i < n->nown; i++)
    if (n->own[i] == offset) {
      n->own[i] = n->own[--n->nown];
      return true;
    }
  return false;
}

/* Apply the commands other nodes (or this node's previous life) appended, in order. */
static size_t follow_commands(wy_node_t *n) {
  if (!n->rt.ops->command_read) return 0;
  size_t applied = 0;
  for (;;) {
    size_t len = 0;
    char *rec =
        n->rt.ops->command_read(n->rt.ctx, n->engine, n->command_topic, n->command_next, &len);
    if (!rec) break;
    int64_t offset = n->command_next++;
    if (own_command(n, offset)) {
      free(rec);
      continue;
    }
    json_t *req = json_loadb(rec, len, 0, NULL);
    free(rec);
    json_t *out = NULL;
    int status = req ? run_request(n, req, true, &out) : 400;
    if (status != 200)
      wy_log(WY_LOG_WARN, "node", "command not applied offset=%lld error=%s", (long long)offset,
             out ? wy_node_json_message(out) : "not a command record");
    json_decref(out);
    json_decref(req);
    applied++;
  }
  return applied;
}

size_t wy_node_replay(wy_node_t *n) {
  pthread_mutex_lock(&n->lock);
  size_t got = follow_commands(n);
  pthread_mutex_unlock(&n->lock);
  return got;
}

/* ---- GET endpoints ---- */

static void handle_info(wy_node_t *n, wy_node_reply_t *r) {
  wy_node_reply_json(
      r, 200,
      json_pack("{s:{s:s, s:s, s:s, s:s}}", "KsqlServerInfo", "version", WALLEYE_VERSION,
                "kafkaClusterId", n->rt.ops->name, "ksqlServiceId",
                wy_config_get_string(n->cfg, WY_CFG_SERVICE_ID), "serverStatus", "RUNNING"));
}

static void handle_health(wy_node_t *n, wy_node_reply_t *r) {
  bool kafka = !n->rt.ops->healthy || n->rt.ops->healthy(n->rt.ctx);
  wy_node_reply_json(r, kafka ? 200 : 503,
                     json_pack("{s:b, s:{s:{s:b}, s:{s:b}}}", "isHealthy", kafka, "details",
                               "metastore", "isHealthy", 1, "kafka", "isHealthy", kafka));
}

static void handle_status(wy_node_t *n, const char *path, wy_node_reply_t *r) {
  pthread_mutex_lock(&n->lock);
  if (strcmp(path, "/status") == 0 || strcmp(path, "/status/") == 0) {
    json_t *all = json_object();
    for (size_t i = 0; i < n->ncommands; i++)
      json_object_set_new(all, n->commands[i].id, json_string(n->commands[i].status));
    pthread_mutex_unlock(&n->lock);
    wy_node_reply_json(r, 200, json_pack("{s:o}", "commandStatuses", all));
    return;
  }
  const char *id = path + strlen("/status/");
  for (size_t i = 0; i < n->ncommands; i++)
    if (strcmp(n->commands[i].id, id) == 0) {
      json_t *j = json_pack("{s:s, s:s}", "status", n->commands[i].status, "message",
                            n->commands[i].message);
      pthread_mutex_unlock(&n->lock);
      wy_node_reply_json(r, 200, j);
      return;
    }
  pthread_mutex_unlock(&n->lock);
  char msg[300];
  snprintf(msg, sizeof msg, "Command not found: %.200s", id);
  wy_node_reply_json(r, 404, wy_node_error_json("generic_error", 40400, msg));
}

static void handle_metrics(wy_node_t *n, wy_node_reply_t *r) {
  pthread_mutex_lock(&n->lock);
  wy_node_sync_queries(n);
  size_t len = 0;
  char *text = wy_node_metrics_text(n, &len);
  pthread_mutex_unlock(&n->lock);
  if (!text) {
    wy_node_error_reply(500, 50000, "out of memory", r);
    return;
  }
  r->status = 200;
  r->content_type = "text/plain; version=0.0.4; charset=utf-8";
  r->body = text;
  r->len = len;
}

typedef enum {
  ROUTE_KSQL,
  ROUTE_INFO,
  ROUTE_HEALTH,
  ROUTE_STATUS,
  ROUTE_METRICS,
  ROUTE_QUERY_STREAM,
  ROUTE_CLOSE_QUERY
} route_t;

void wy_node_handle(wy_node_t *n, const char *method, const char *path, const char *body,
                    size_t len, wy_node_reply_t *r) {
  memset(r, 0, sizeof *r);
  static const struct {
    const char *method, *path;
    bool prefix;
    route_t route;
  } routes[] = {
      {"POST", "/ksql", false, ROUTE_KSQL},
      {"GET", "/info", false, ROUTE_INFO},
      {"GET", "/healthcheck", false, ROUTE_HEALTH},
      {"GET", "/status", false, ROUTE_STATUS},
      {"GET", "/status/", true, ROUTE_STATUS},
      {"GET", "/metrics", false, ROUTE_METRICS},
      {"POST", "/query-stream", false, ROUTE_QUERY_STREAM},
      {"POST", "/close-query", false, ROUTE_CLOSE_QUERY},
  };
  bool path_known = false;
  for (size_t i = 0; path && method && i < sizeof routes / sizeof routes[0]; i++) {
    bool match = routes[i].prefix ? strncmp(path, routes[i].path, strlen(routes[i].path)) == 0
                                  : strcmp(path, routes[i].path) == 0;
    if (!match) continue;
    path_known = true;
    if (strcmp(method, routes[i].method) != 0) continue;
    switch (routes[i].route) {
      case ROUTE_KSQL:
        handle_ksql(n, body, len, r);
        break;
      case ROUTE_INFO:
        handle_info(n, r);
        break;
      case ROUTE_HEALTH:
        handle_health(n, r);
        break;
      case ROUTE_STATUS:
        handle_status(n, path, r);
        break;
      case ROUTE_METRICS:
        handle_metrics(n, r);
        break;
      case ROUTE_QUERY_STREAM:
        wy_node_query_stream_whole(n, body, len, r);
        break;
      case ROUTE_CLOSE_QUERY:
        wy_node_close_query(n, body, len, r);
        break;
    }
    goto done;
  }
  if (path_known)
    wy_node_error_reply(405, 40500, "Method not allowed", r);
  else
    wy_node_error_reply(404, 40400, "Not found", r);
done:
  if (r->status >= 200 && r->status < 600) atomic_fetch_add(&n->requests[r->status / 100], 1);
}
