/*
 * server.h — a small Schema Registry server for tests, demos and `walleye registry`:
 * Confluent's REST API on plain sockets (bound to 127.0.0.1 unless told otherwise),
 * backed by an in-process registry (registry_mem.c). One thread serves one request per
 * connection. Routes, with Confluent's answers and error codes (40401 subject, 40402
 * version, 40403 schema not found, 409 incompatible, 42201 invalid schema, 42203
 * invalid compatibility level):
 *   GET /schemas/ids/{id}[/schema], GET /schemas/types
 *   GET /subjects, DELETE /subjects/{s}, POST /subjects/{s} (lookup)
 *   GET|POST /subjects/{s}/versions, GET /subjects/{s}/versions/{n|latest}[/schema]
 *   POST /compatibility/subjects/{s}/versions/latest[?verbose=true]
 *   GET|PUT /config, GET|PUT /config/{s}[?defaultToGlobal=true]
 *
 * For fault tests it can require basic auth and fail the next N requests with a chosen
 * HTTP status. Start and stop from one thread; the fault knobs may be set from any.
 */
#ifndef WY_REGISTRY_SERVER_H
#define WY_REGISTRY_SERVER_H

#include "engine/base/status.h"
#include "engine/registry/registry.h"

typedef struct wy_sr_server wy_sr_server_t;

/* port 0 picks a free port (see wy_sr_server_port); user_info "user:password"
 * (NULL for none) is then required on every request. */
wy_sr_server_t *wy_sr_server_start(int port, const char *user_info, wy_error_t *err);
typedef struct wy_sr_server_options {
  const char *host;      /* IPv4 address to bind; NULL: 127.0.0.1 */
  int port;              /* 0: any free port */
  const char *user_info; /* "user:password" required on every request, or NULL */
  wy_sr_compat_t compat; /* the global compatibility level */
} wy_sr_server_options_t;
wy_sr_server_t *wy_sr_server_start_opts(const wy_sr_server_options_t *o, wy_error_t *err);
/* The registry behind the server (owned by it). */
wy_sr_t *wy_sr_server_registry(wy_sr_server_t *s);
int wy_sr_server_port(const wy_sr_server_t *s);
/* Answer the next n requests with this HTTP status (e.g. 503) instead of serving them. */
void wy_sr_server_fail_next(wy_sr_server_t *s, int n, int http_status);
/* Requests served so far (including failed ones). */
int wy_sr_server_requests(const wy_sr_server_t *s);
void wy_sr_server_stop(wy_sr_server_t *s); /* accepts NULL */

#endif
