/*
 * node.h — a walleye node as a service: one engine behind a lock, the statements
 * accepted over the REST API, and a pluggable runtime that feeds the engine's queries.
 *
 * The node is transport-independent: wy_node_handle() takes a method, a path and a
 * body and returns a status code and a JSON (or Prometheus text) reply with ksqlDB's
 * shapes; server.h puts it behind libmicrohttpd. Statements change the engine only
 * under the node's lock, and a pump thread (wy_node_start) repeatedly asks the runtime
 * to deliver what its backend has to the running queries, under the same lock, so the
 * engine is never driven by two threads at once.
 *
 * The runtime is pluggable (wy_node_runtime_t): wy_node_memory_runtime() feeds queries
 * from the engine's in-process memory broker (tests, single-process demos); a Kafka
 * runtime can implement the same three calls for an engine built on its backend.
 *
 * Ownership: wy_node_new takes the engine and the runtime (also on failure); the
 * config is borrowed and must outlive the node. Any thread may call wy_node_handle.
 */
#ifndef WY_NODE_H
#define WY_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"
#include "engine/config/config.h"
#include "engine/engine.h"

/* X(id, name as SHOW QUERIES prints it) */
#define WY_NODE_QUERY_STATES(X)       \
  X(WY_NODE_QUERY_RUNNING, "RUNNING") \
  X(WY_NODE_QUERY_PAUSED, "PAUSED")   \
  X(WY_NODE_QUERY_ERROR, "ERROR")

typedef enum {
#define WY_X_QSTATE(id, name) id,
  WY_NODE_QUERY_STATES(WY_X_QSTATE)
#undef WY_X_QSTATE
      WY_NODE_QUERY__COUNT
} wy_node_query_state_t;

const char *wy_node_query_state_name(wy_node_query_state_t s);

/* What a runtime reports back to the node while it feeds queries. */
typedef struct wy_node_hooks {
  void *user;
  /* Should records be delivered to this query now (false when paused or failed)? */
  bool (*runs)(void *user, const char *query_id);
  /* Where a query seen for the first time starts: true = earliest, false = latest. */
  bool (*from_earliest)(void *user, const char *query_id);
  /* Records consumed, produced and skipped by one or more deliveries, and how long the
   * `in` records took in all (the latency histogram counts each at the mean). */
  void (*processed)(void *user, const char *query_id, uint64_t in, uint64_t out, uint64_t skipped,
                    uint64_t nanos);
  /* The query failed (wy_query_deliver returned an error): it stops in ERROR state. */
  void (*failed)(void *user, const char *query_id, const wy_error_t *err);
} wy_node_hooks_t;

typedef void (*wy_node_lag_fn)(void *u, const char *query_id, const char *topic, int32_t partition,
                               int64_t lag);

typedef struct wy_node_runtime_ops {
  const char *name;
  /* Deliver what the backend has to the engine's running queries, waiting at most
   * timeout_ms for input; returns how many input records were delivered. Called with
   * the node's lock held, from one thread at a time. */
  size_t (*poll)(void *ctx, wy_engine_t *e, const wy_node_hooks_t *h, int timeout_ms);
  /* A statement started query q: fix where it starts reading now (earliest, or the
   * current end), so records produced before the next poll are not skipped. May be
   * NULL; poll must then pick up queries it has not seen. Called under the lock. */
  void (*started)(void *ctx, wy_engine_t *e, wy_query_t *q, bool earliest);
  /* Consumer lag per query, topic and partition, for /metrics (may be NULL). */
  void (*lag)(void *ctx, wy_engine_t *e, wy_node_lag_fn emit, void *u);
  /* The folder of the stores of query_id, for /metrics' store sizes (may be NULL: the
   * engine's, wy_engine_query_state_dir). */
  size_t (*query_state_dir)(void *ctx, wy_engine_t *e, const char *query_id, char *buf, size_t cap);
  /* A reader for a transient query (POST /query-stream): every partition of the topics,
   * from the beginning (earliest) or from the current end. *ends (malloc'd, *nends)
   * lists each partition with its end offset at opening (topic pointers are the
   * caller's); a pull query reads up to them. May be NULL: no push or pull queries.
   * Called under the lock; the source is then used by the request's thread alone. */
  wy_status_t (*open_reader)(void *ctx, wy_engine_t *e, const char *const *topics, size_t ntopics,
                             bool earliest, struct wy_source **out, wy_position_t **ends,
                             size_t *nends, wy_error_t *err);
  /* Is the backend reachable, for /healthcheck (may be NULL: always). */
  bool (*healthy)(void *ctx);
  /* The service's command topic (both NULL: statements are not shared). append writes
   * one record and says at which offset; read returns a malloc'd copy of the record at
   * offset, or NULL when there is none (yet). */
  wy_status_t (*command_append)(void *ctx, wy_engine_t *e, const char *topic, const char *rec,
                                size_t len, int64_t *offset, wy_error_t *err);
  char *(*command_read)(void *ctx, wy_engine_t *e, const char *topic, int64_t offset, size_t *len);
  void (*destroy)(void *ctx);
} wy_node_runtime_ops_t;

typedef struct wy_node_runtime {
  const wy_node_runtime_ops_t *ops;
  void *ctx;
} wy_node_runtime_t;

/* The memory-broker runtime: feeds the queries of an engine built on a memory broker
 * (wy_engine_broker(e) != NULL) from that broker's topics. */
wy_status_t wy_node_memory_runtime(wy_engine_t *e, wy_node_runtime_t *out, wy_error_t *err);

typedef struct wy_node wy_node_t;

/* Takes ownership of engine and rt (also on failure); cfg is borrowed. */
wy_status_t wy_node_new(wy_engine_t *engine, wy_node_runtime_t rt, const wy_config_t *cfg,
                        wy_node_t **out, wy_error_t *err);
/* Stops the pump (if started), destroys the runtime, then the engine. */
void wy_node_destroy(wy_node_t *n);

/* Start / stop the pump thread that calls the runtime's poll. */
wy_status_t wy_node_start(wy_node_t *n, wy_error_t *err);
void wy_node_stop(wy_node_t *n);
/* Apply the command topic's statements this node has not run yet (at start: all of
 * them, which brings the service's queries back); returns how many. The pump does this
 * before every poll, so nodes of one service follow each other. */
size_t wy_node_replay(wy_node_t *n);
/* Follow the command topic once, then one poll of the runtime, on the caller's thread
 * (tests drive the node with it). */
size_t wy_node_pump(wy_node_t *n, int timeout_ms);

/* A reply: HTTP status, content type (static) and body (malloc'd, NUL-terminated). */
typedef struct wy_node_reply {
  int status;
  const char *content_type;
  char *body;
  size_t len;
} wy_node_reply_t;

void wy_node_reply_free(wy_node_reply_t *r);

/* Route one request: POST /ksql, GET /info, /healthcheck, /status[/type/entity/action],
 * /metrics, POST /close-query, and POST /query-stream answered in full (pull queries,
 * push queries with LIMIT: a push query without one never ends here, so streaming
 * transports use wy_node_query_stream). Never fails: errors become 4xx/5xx replies with
 * ksqlDB's error JSON. The body need not be NUL-terminated. */
void wy_node_handle(wy_node_t *n, const char *method, const char *path, const char *body,
                    size_t len, wy_node_reply_t *reply);

/* POST /query-stream, ksqlDB's push (EMIT CHANGES) and pull queries. Body {sql,
 * properties}; accept is the Accept header (NULL: ksqlDB's delimited format,
 * application/vnd.ksqlapi.delimited.v1: a header object, then one JSON array a line;
 * "application/json": one JSON array of the header and the rows). A bad request gets
 * *out NULL and its error in reply; otherwise *out is the response to stream, which
 * only the calling thread uses (wy_node_stream_next), and reply is untouched. */
typedef struct wy_node_stream wy_node_stream_t;
void wy_node_query_stream(wy_node_t *n, const char *body, size_t len, const char *accept,
                          wy_node_stream_t **out, wy_node_reply_t *reply);
const char *wy_node_stream_content_type(const wy_node_stream_t *s);
/* The next part of the response (malloc'd, *len bytes), waiting up to timeout_ms for
 * rows; NULL when nothing came in time, or with *done once the response is complete
 * (pull: all rows; push: LIMIT reached, POST /close-query, or the node stopping). */
char *wy_node_stream_next(wy_node_stream_t *s, int timeout_ms, size_t *len, bool *done);
/* Ends the query (the client went away or the response is complete) and frees. */
void wy_node_stream_close(wy_node_stream_t *s);

/* Replies of oversized or unauthorized requests, for the transport. */
void wy_node_error_reply(int status, int error_code, const char *message, wy_node_reply_t *reply);

/* Requests handled so far, by status class (index 2..5 for 2xx..5xx). */
uint64_t wy_node_requests(wy_node_t *n, int status_class);

#endif
