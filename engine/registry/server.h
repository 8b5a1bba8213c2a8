/*
 * server.h — a small Schema Registry server for tests and demos: the REST subset that
 * registry_http.c speaks (GET /schemas/ids/{id}, GET /subjects, POST and GET
 * /subjects/{s}/versions[/latest], POST /compatibility/subjects/{s}/versions/latest),
 * on plain sockets, bound to 127.0.0.1 only, backed by an in-process registry with
 * BACKWARD compatibility. One thread serves one request per connection.
 *
 * For fault tests it can require basic auth and fail the next N requests with a chosen
 * HTTP status. Start and stop from one thread; the fault knobs may be set from any.
 */
#ifndef WY_REGISTRY_SERVER_H
#define WY_REGISTRY_SERVER_H

#include "engine/base/status.h"

typedef struct wy_sr_server wy_sr_server_t;

/* port 0 picks a free port (see wy_sr_server_port); user_info "user:password"
 * (NULL for none) is then required on every request. */
wy_sr_server_t *wy_sr_server_start(int port, const char *user_info, wy_error_t *err);
int wy_sr_server_port(const wy_sr_server_t *s);
/* Answer the next n requests with this HTTP status (e.g. 503) instead of serving them. */
void wy_sr_server_fail_next(wy_sr_server_t *s, int n, int http_status);
/* Requests served so far (including failed ones). */
int wy_sr_server_requests(const wy_sr_server_t *s);
void wy_sr_server_stop(wy_sr_server_t *s); /* accepts NULL */

#endif
