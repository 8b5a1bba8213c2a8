/*
 * client.h — a small client of a node's REST API (libcurl), for the management CLI
 * (`walleye sql ...`, `walleye udf ...`) and tests.
 *
 * wy_rest_ksql() posts statements to POST /ksql and returns the parsed reply: the
 * array of entities on success, or ksqlDB's error object with the HTTP status. A
 * client is used by one thread at a time; the caller owns returned JSON.
 */
#ifndef WY_REST_CLIENT_H
#define WY_REST_CLIENT_H

#include <jansson.h>

#include "engine/base/status.h"

typedef struct wy_rest_client wy_rest_client_t;

/* base: "http://127.0.0.1:8088"; userpwd: "user:password" or NULL. */
wy_status_t wy_rest_client_new(const char *base, const char *userpwd, wy_rest_client_t **out,
                               wy_error_t *err);
void wy_rest_client_destroy(wy_rest_client_t *c);
/* Trust the CA certificates of this PEM file for https:// nodes (copied). */
wy_status_t wy_rest_client_set_cacert(wy_rest_client_t *c, const char *path, wy_error_t *err);

/* POST /ksql {ksql, streamsProperties (may be NULL), description (NULL: none)}.
 * Returns WY_OK when the node answered (any status, in *status) with JSON in *out;
 * fails when it could not be reached or did not answer JSON. */
wy_status_t wy_rest_ksql(wy_rest_client_t *c, const char *ksql, json_t *props,
                         const char *description, long *status, json_t **out, wy_error_t *err);
/* GET path; same contract. */
wy_status_t wy_rest_get(wy_rest_client_t *c, const char *path, long *status, json_t **out,
                        wy_error_t *err);
/* The message of a ksqlDB error object (or a generic text when it has none). */
const char *wy_rest_error_message(const json_t *reply);

#endif
