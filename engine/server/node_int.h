/* node_int.h — the node's private state, shared by node.c, entities.c and metrics.c. */
#ifndef WY_NODE_INT_H
#define WY_NODE_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "engine/server/node.h"
#include "parser/parser.h"

/* Upper bounds (seconds) of the processing-latency histogram buckets. */
#define WY_NODE_LATENCY_BUCKETS(X) \
  X(0.00001, "1e-05")              \
  X(0.0001, "0.0001") X(0.001, "0.001") X(0.01, "0.01") X(0.1, "0.1") X(1.0, "1")

enum {
#define WY_X_COUNT(le, text) +1
  WY_NODE_NBUCKETS = 0 WY_NODE_LATENCY_BUCKETS(WY_X_COUNT)
#undef WY_X_COUNT
};

/* What the node knows about a persistent query beyond the engine's plan. */
typedef struct node_query {
  char *id;
  char *description; /* from the request that started it (walleye extension), or NULL */
  wy_node_query_state_t state;
  char *error;   /* ERROR state: why */
  bool earliest; /* auto.offset.reset in force when it started */
  uint64_t in, out, skipped;
  uint64_t latency_ns_sum;
  uint64_t buckets[WY_NODE_NBUCKETS + 1]; /* cumulative counts are computed on output */
  bool seen;                              /* sync marker */
} node_query_t;

typedef struct node_command {
  char *id;     /* stream/`X`/create */
  char *status; /* SUCCESS, ERROR, TERMINATED */
  char *message;
} node_command_t;

struct wy_node {
  wy_engine_t *engine;
  wy_node_runtime_t rt;
  const wy_config_t *cfg;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t pump;
  bool pumping, stopping;
  wy_node_hooks_t hooks;
  node_query_t *queries;
  size_t nqueries;
  node_command_t *commands;
  size_t ncommands;
  int64_t command_seq;
  atomic_uint_fast64_t requests[6];
  int64_t started_ms;
  char command_topic[300];
  int64_t command_next; /* next command-topic offset to apply */
  int64_t *own;         /* offsets this node appended and already applied */
  size_t nown;
  /* open POST /query-stream responses (under lock), for /close-query and the stop */
  struct wy_node_stream *streams;
  uint64_t transient_seq;
  /* set while a /ksql request runs (under lock): applies to queries it starts */
  const char *req_description;
  bool req_earliest;
};

/* The "message" of an error object, or "". */
const char *wy_node_json_message(const json_t *j);

node_query_t *wy_node_find_query(wy_node_t *n, const char *id);
/* Rebuild the node's query list from the engine's (new queries get the request's
 * description and offset reset; gone ones are forgotten). */
void wy_node_sync_queries(wy_node_t *n);
wy_query_t *wy_node_engine_query(wy_node_t *n, const char *id);

/* ---- entities.c: ksqlDB's response entities ---- */

/* The entity of a listing or description statement (SHOW, LIST, DESCRIBE, EXPLAIN), or
 * NULL with err filled (ksqlDB's message). */
json_t *wy_node_describe_entity(wy_node_t *n, const wy_ast_stmt_t *s, wy_error_t *err);
/* One RunningQuery object (SHOW QUERIES, readQueries/writeQueries). */
json_t *wy_node_running_query_json(wy_node_t *n, wy_query_t *q);
/* ksqlDB's SchemaInfo of a type. */
json_t *wy_node_schema_json(const wy_type_t *t);

/* ---- query_stream.c ---- */

/* POST /close-query {queryId}. */
void wy_node_close_query(wy_node_t *n, const char *body, size_t len, wy_node_reply_t *r);
/* POST /query-stream answered in full (wy_node_handle). */
void wy_node_query_stream_whole(wy_node_t *n, const char *body, size_t len, wy_node_reply_t *r);
/* The node stops: every open stream ends at its next read. Lock held. */
void wy_node_streams_stop(wy_node_t *n);
/* Reply helpers of node.c. */
void wy_node_reply_json(wy_node_reply_t *r, int status, json_t *j);
json_t *wy_node_error_json(const char *type, int code, const char *message);
/* A request's sessionVariables (an object of scalars, or NULL) as parser variables;
 * NULL when out of memory. */
wy_parse_vars_t *wy_node_session_vars(const json_t *vars);
/* The parser flags of the node's configuration (ksql.variable.substitution.enable). */
unsigned wy_node_parse_flags(const wy_node_t *n);

/* ---- metrics.c ---- */

/* Prometheus text exposition (malloc'd). Called with the lock held. */
char *wy_node_metrics_text(wy_node_t *n, size_t *len);

#endif
