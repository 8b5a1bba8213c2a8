/*
 * server.h — the REST listener of `walleye server`: libmicrohttpd in front of a node.
 *
 * One internal libmicrohttpd thread accepts connections, reads bodies up to a limit
 * (larger ones get 413 with ksqlDB's error JSON, unread), checks optional basic
 * authentication, serves TLS when the listener is https://, and hands each complete request to
 * wy_node_handle(). The listener is loopback-only unless the configuration names another address.
 * The server borrows the node, which must outlive it; destroy the server first. Create and destroy
 * from one thread.
 */
#ifndef WY_SERVER_H
#define WY_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/base/status.h"
#include "engine/server/node.h"

typedef struct wy_server_options {
  const char *listener;      /* "http://127.0.0.1:8088" or https://; port 0 picks a free port */
  const char *tls_cert_file; /* https: PEM certificate (chain) file */
  const char *tls_key_file;  /* https: PEM private key file (unencrypted) */
  size_t max_body_bytes;     /* 0: 1 MiB */
  const char *basic_auth;    /* "user:password" required of every request, or NULL */
  unsigned connection_limit; /* 0: 64 */
  unsigned timeout_s;        /* idle connections are closed after this; 0: 30 */
} wy_server_options_t;

typedef struct wy_server wy_server_t;

/* Bind and start serving. Fails when the listener is malformed or the port is taken. */
wy_status_t wy_server_new(wy_node_t *node, const wy_server_options_t *opts, wy_server_t **out,
                          wy_error_t *err);
void wy_server_destroy(wy_server_t *s);
/* The port actually bound (useful with port 0). */
int wy_server_port(const wy_server_t *s);

/* Split "http[s]://host:port" (scheme optional: http) into its host and port; *tls (may
 * be NULL) says whether the scheme is https. */
wy_status_t wy_server_parse_listener(const char *listener, char *host, size_t cap, int *port,
                                     bool *tls, wy_error_t *err);

#endif
