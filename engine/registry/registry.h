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

/* The same check with the reason of a refusal in why[0..whycap) (the subject, its level,
 * the version and the field that make the schema incompatible); why may be NULL. */
wy_status_t wy_sr_check_compatible_why(wy_sr_t *r, const char *subject, wy_sr_type_t type,
                                       const char *schema, bool *compatible, char *why,
                                       size_t whycap, wy_error_t *err);

/* Compatibility levels, as the registry's /config endpoint names them (Confluent's):
 * BACKWARD (the default): a new schema can read data written with the latest version;
 * FORWARD: the latest version can read data written with the new schema; FULL: both;
 * the _TRANSITIVE variants check every version, not only the latest; NONE: no check. */
typedef enum {
  WY_COMPAT_NONE = 0,
  WY_COMPAT_BACKWARD,
  WY_COMPAT_BACKWARD_TRANSITIVE,
  WY_COMPAT_FORWARD,
  WY_COMPAT_FORWARD_TRANSITIVE,
  WY_COMPAT_FULL,
  WY_COMPAT_FULL_TRANSITIVE
} wy_sr_compat_t;

/* "BACKWARD", "FULL_TRANSITIVE", ... */
const char *wy_sr_compat_name(wy_sr_compat_t level);
/* Case-insensitive; false for another word. */
bool wy_sr_compat_from_name(const char *name, wy_sr_compat_t *out);

/* The level the registry applies to subject (its own, else the global one); subject
 * NULL: the global level. */
wy_status_t wy_sr_get_compatibility(wy_sr_t *r, const char *subject, wy_sr_compat_t *out,
                                    wy_error_t *err);
/* Set the level of subject, or the global level when subject is NULL. */
wy_status_t wy_sr_set_compatibility(wy_sr_t *r, const char *subject, wy_sr_compat_t level,
                                    wy_error_t *err);

/* How many requests reached the backend (cache misses), for tests and metrics. */
uint64_t wy_sr_backend_calls(const wy_sr_t *r);

/* ---- in-process registry ---- */

/* Ids start at 1 and grow by one per new schema text; the same text registered under
 * several subjects shares one id, as a Confluent registry does. compat is the global
 * level, checked on register (NONE accepts anything, like ksqlDB's mock client); a
 * subject may have its own (wy_sr_set_compatibility). A refused schema fails with
 * WY_ERR_CONFIG and a message naming the subject, the level and the reason. */
wy_sr_t *wy_sr_mem_new(wy_sr_compat_t compat);
/* Register schema under subject with a chosen id (the QTT files' keySchemaId /
 * valueSchemaId). Fails with WY_ERR_EXISTS if the id holds a different schema. Later
 * automatic ids continue above the largest id used. */
wy_status_t wy_sr_mem_register_with_id(wy_sr_t *r, const char *subject, wy_sr_type_t type,
                                       const char *schema, int32_t id, wy_error_t *err);

/* The in-process registry's subjects and versions, for the REST API of the test server
 * (server.c). Outputs are malloc'd and handed to the caller. Version numbers start at 1
 * per subject and are never reused. */
typedef struct wy_sr_version {
  char *subject;
  int32_t version;
  int32_t id;
  wy_sr_type_t type;
  char *schema;
} wy_sr_version_t;
void wy_sr_version_clear(wy_sr_version_t *v);

/* The names of the subjects that have versions, sorted. */
wy_status_t wy_sr_mem_subjects(wy_sr_t *r, char ***names_out, size_t *n_out, wy_error_t *err);
/* The version numbers of subject, oldest first (WY_ERR_NOT_FOUND: no such subject). */
wy_status_t wy_sr_mem_versions(wy_sr_t *r, const char *subject, int32_t **versions_out,
                               size_t *n_out, wy_error_t *err);
/* Version `version` of subject (-1: the latest). WY_ERR_NOT_FOUND with "Subject" or
 * "Version" in the message tells which is missing. */
wy_status_t wy_sr_mem_version(wy_sr_t *r, const char *subject, int32_t version,
                              wy_sr_version_t *out, wy_error_t *err);
/* The version of subject holding schema (WY_ERR_NOT_FOUND: none). */
wy_status_t wy_sr_mem_lookup(wy_sr_t *r, const char *subject, wy_sr_type_t type, const char *schema,
                             wy_sr_version_t *out, wy_error_t *err);
/* Remove every version of subject; *versions_out gets the numbers removed. */
wy_status_t wy_sr_mem_delete_subject(wy_sr_t *r, const char *subject, int32_t **versions_out,
                                     size_t *n_out, wy_error_t *err);
/* The subject's own level (*has false when it follows the global one). */
wy_status_t wy_sr_mem_subject_level(wy_sr_t *r, const char *subject, bool *has,
                                    wy_sr_compat_t *level, wy_error_t *err);

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
