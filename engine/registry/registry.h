/*
 * registry.h — Confluent Schema Registry access: one abstract handle, two implementations.
 *
 * A registry maps integer schema ids to schema texts (Avro or JSON schemas as JSON,
 * Protobuf schemas as .proto text), each with its type, and keeps, per
 * subject ("<topic>-key", "<topic>-value"), a list of versions. Codecs of the SR formats
 * (AVRO) look writer schemas up by the id in each record and register the schemas they
 * write; the analyzer reads the latest schema of a subject to infer columns.
 *
 * - wy_sr_mem_new: in-process, deterministic ids starting at 1 (the QTT runner and
 *   unit tests, as ksqlDB's MockSchemaRegistryClient).
 * - wy_sr_http_new: the REST API over libcurl (schema.registry.url, basic auth,
 *   timeouts, retries of transient failures).
 *
 * Every call goes through an id cache kept by the handle: a schema id, once seen, never
 * goes back to the server (ids are immutable in a Schema Registry), and registering the
 * same schema under the same subject twice is answered from the cache. Schema texts
 * returned by the handle are owned by it and stay valid until wy_sr_destroy.
 *
 * Threads: a handle may be shared by every task thread; calls are serialized by a mutex
 * (only cache misses do I/O). The handle must outlive the codecs that borrow it.
 *
 * Errors: WY_ERR_NOT_FOUND (unknown id or subject), WY_ERR_CONFIG (401/403: bad
 * credentials, fails the query; 409/422: incompatible or invalid schema), WY_ERR_IO or
 * WY_ERR_TIMEOUT (the registry could not be reached after the retries: transient, the
 * record must not be skipped as bad).
 */
#ifndef WY_REGISTRY_H
#define WY_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/base/status.h"

typedef struct wy_sr wy_sr_t;

/* What a schema is written in: Confluent's `schemaType` (absent on the wire for AVRO). */
typedef enum { WY_SR_AVRO = 0, WY_SR_PROTOBUF, WY_SR_JSON } wy_sr_type_t;

/* "AVRO", "PROTOBUF", "JSON". */
const char *wy_sr_type_name(wy_sr_type_t t);
/* Case-insensitive; false for another word. */
bool wy_sr_type_from_name(const char *name, wy_sr_type_t *out);

void wy_sr_destroy(wy_sr_t *r); /* accepts NULL */

/* The schema registered with this id. *schema_out is owned by the registry; type_out may
 * be NULL. */
wy_status_t wy_sr_get_schema(wy_sr_t *r, int32_t id, const char **schema_out,
                             wy_sr_type_t *type_out, wy_error_t *err);

/* Register schema (written in type) under subject, or find it when it is already there;
 * *id_out gets its id. The registry checks compatibility with the subject's versions. */
wy_status_t wy_sr_register(wy_sr_t *r, const char *subject, wy_sr_type_t type, const char *schema,
                           int32_t *id_out, wy_error_t *err);

/* The latest version of subject: its id, (owned by the registry) its schema and its
 * type. Any output may be NULL. */
wy_status_t wy_sr_latest(wy_sr_t *r, const char *subject, int32_t *id_out, const char **schema_out,
                         wy_sr_type_t *type_out, wy_error_t *err);

/* Could schema be registered as the next version of subject? A subject without versions
 * accepts anything. */
wy_status_t wy_sr_check_compatible(wy_sr_t *r, const char *subject, wy_sr_type_t type,
                                   const char *schema, bool *compatible, wy_error_t *err);

/* How many requests reached the backend (cache misses), for tests and metrics. */
uint64_t wy_sr_backend_calls(const wy_sr_t *r);

/* ---- in-process registry ---- */

/* Compatibility levels, as the registry's /config endpoint names them. */
typedef enum { WY_COMPAT_NONE = 0, WY_COMPAT_BACKWARD } wy_sr_compat_t;

/* Ids start at 1 and grow by one per new schema text; the same text registered under
 * several subjects shares one id, as a Confluent registry does. compat is checked on
 * register (NONE accepts anything, like ksqlDB's mock client). */
wy_sr_t *wy_sr_mem_new(wy_sr_compat_t compat);
/* Register schema under subject with a chosen id (the QTT files' keySchemaId /
 * valueSchemaId). Fails with WY_ERR_EXISTS if the id holds a different schema. Later
 * automatic ids continue above the largest id used. */
wy_status_t wy_sr_mem_register_with_id(wy_sr_t *r, const char *subject, wy_sr_type_t type,
                                       const char *schema, int32_t id, wy_error_t *err);

/* ---- HTTP client ---- */

typedef struct wy_sr_http_config {
  const char *url;       /* required */
  const char *user_info; /* "user:password" or NULL */
  long timeout_ms;       /* 0 = 10000 */
  int retries;           /* retries of a transient failure: 0 = 3, < 0 = none */
  long backoff_ms;       /* 0 = 100 */
} wy_sr_http_config_t;

/* Set one field of cfg from a configuration key: schema.registry.url,
 * [schema.registry.]basic.auth.user.info (USER:PASSWORD), and the numbers
 * schema.registry.request.timeout.ms, schema.registry.retries and
 * schema.registry.retry.backoff.ms (first delay, doubled per retry). The value string is
 * borrowed. WY_ERR_NOT_FOUND for another key, WY_ERR_CONFIG for a bad number. */
wy_status_t wy_sr_http_config_set(wy_sr_http_config_t *cfg, const char *key, const char *value,
                                  wy_error_t *err);

/* Does not contact the server (the first lookup does). Fails with WY_ERR_CONFIG when the
 * URL is missing or not http(s). */
wy_sr_t *wy_sr_http_new(const wy_sr_http_config_t *cfg, wy_error_t *err);

#endif
