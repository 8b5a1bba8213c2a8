/*
 * qtt.h — ksqlDB query-validation-test (QTT) files, loaded into expanded test cases.
 *
 * A QTT file is `{"tests": [...]}`; each entry may carry a `format` list and a `config`
 * list, and is expanded (format × config) into one case per combination, named as ksqlDB
 * names them: `<file basename> - <name>[ - <FORMAT>][ - <property>=<config>]`. In each
 * expansion `{FORMAT}` is substituted in the statements (only there, as in ksqlDB) and
 * the single property whose value is "{CONFIG}" takes the config entry. Disabled cases
 * (`"enabled": false`) and cases whose `versions` bounds exclude our compatibility
 * version are kept, flagged as skipped, so that totals can be reported. A case that is
 * malformed is kept too, with `invalid` set to the reason: the runner counts it failed.
 *
 * Memory: a wy_qtt_file_t owns everything it points at (one arena); cases, records and
 * JSON values stay valid until wy_qtt_file_destroy. Values are JSON values as defined in
 * qtt_json.h. A file object is used by one thread at a time.
 */
#ifndef WY_QTT_H
#define WY_QTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/base/status.h"
#include "engine/base/value.h"

/* The ksqlDB release whose semantics walleye follows, for `versions` bounds. */
#define WY_QTT_COMPAT_VERSION "7.4.0"

/* X(code, spec name) — the window kinds a record key may carry. */
#define WY_QTT_WINDOW_KINDS(X)  \
  X(WY_QTT_WINDOW_NONE, "none") \
  X(WY_QTT_WINDOW_TIME, "time") \
  X(WY_QTT_WINDOW_SESSION, "session")

typedef enum {
#define WY_X_WIN(code, name) code,
  WY_QTT_WINDOW_KINDS(WY_X_WIN)
#undef WY_X_WIN
} wy_qtt_window_kind_t;

typedef struct wy_qtt_window {
  wy_qtt_window_kind_t kind; /* NONE: the key is not windowed */
  int64_t start, end;        /* epoch ms */
} wy_qtt_window_t;

typedef struct wy_qtt_header {
  const char *key;
  const uint8_t *value; /* decoded from base64; NULL when the header value is null */
  size_t len;
} wy_qtt_header_t;

/* One record of `inputs` or `outputs`. */
typedef struct wy_qtt_record {
  const char *topic;
  wy_value_t key;   /* JSON value; null when absent */
  wy_value_t value; /* JSON value; null is a tombstone or a null value */
  bool has_timestamp;
  int64_t timestamp; /* inputs: 0 when absent; outputs: checked only when present */
  bool has_headers;  /* inputs: absent = none; outputs: absent = expect none */
  size_t nheaders;
  wy_qtt_header_t *headers;
  wy_qtt_window_t window;
} wy_qtt_record_t;

typedef struct wy_qtt_property {
  const char *name;
  wy_value_t value; /* usually a STRING; numbers and booleans appear too */
} wy_qtt_property_t;

typedef struct wy_qtt_strings {
  size_t n;
  const char **items;
} wy_qtt_strings_t;

/* A key or value format as the spec writes it: `"JSON"` or `{"format": ..., ...}`. */
typedef struct wy_qtt_format {
  const char *format; /* NULL when not given */
  bool has_features;
  wy_qtt_strings_t features; /* SerdeFeatures, e.g. UNWRAP_SINGLES */
  wy_value_t properties;     /* MAP, or null when absent (e.g. delimiter, fullSchemaName) */
  const char *window_type;   /* TUMBLING, HOPPING, SESSION; NULL when not windowed */
  bool has_window_size;
  int64_t window_size; /* ms */
} wy_qtt_format_t;

/* One entry of `topics` (TopicNode). Schemas are JSON values: an object for AVRO and
 * JSON_SR, a STRING of .proto text for PROTOBUF; null when absent. */
typedef struct wy_qtt_topic {
  const char *name;
  const char *key_format, *value_format; /* NULL when absent */
  wy_value_t key_schema, value_schema;
  bool has_key_schema_id, has_value_schema_id;
  int64_t key_schema_id, value_schema_id;
  wy_value_t key_schema_refs, value_schema_refs; /* ARRAY of {name, format, schema} or null */
  wy_value_t key_serde_features, value_serde_features;
  int partitions; /* default 1 */
  int replicas;   /* default 1 */
} wy_qtt_topic_t;

/* `expectedException`: type is a Java class name, matched through the mapping in
 * qtt_compare.h; message and causeMessage are "contains" matches. */
typedef struct wy_qtt_expected_exception {
  const char *type, *message, *cause, *cause_message; /* each NULL when absent */
} wy_qtt_expected_exception_t;

/* One `post.sources` entry: a hasItems check against the final catalog. */
typedef struct wy_qtt_post_source {
  const char *name;
  const char *type;   /* "stream" or "table", any case */
  const char *schema; /* ksql logical schema text, NULL when absent */
  bool has_key_format;
  wy_qtt_format_t key_format;
  const char *value_format; /* NULL when absent */
  bool has_key_features, has_value_features;
  wy_qtt_strings_t key_features, value_features;
  bool has_is_source;
  bool is_source;
} wy_qtt_post_source_t;

/* One `post.topics.topics` entry; optional fields are compared only when present. */
typedef struct wy_qtt_post_topic {
  const char *name;
  wy_qtt_format_t key_format, value_format;
  bool has_partitions;
  int partitions;
  bool has_key_schema_id, has_value_schema_id;
  int64_t key_schema_id, value_schema_id;
  wy_value_t key_schema, value_schema; /* null when absent */
} wy_qtt_post_topic_t;

typedef struct wy_qtt_post {
  size_t nsources;
  wy_qtt_post_source_t *sources;
  const char *blacklist; /* Java regex over every created topic name; NULL when absent */
  size_t ntopics;
  wy_qtt_post_topic_t *topics;
} wy_qtt_post_t;

/* One expanded test case. */
typedef struct wy_qtt_case {
  const char *file;      /* path as given to the loader */
  const char *name;      /* the case's own `name` */
  const char *full_name; /* "<basename> - <name>[ - FORMAT][ - prop=config]" */
  const char *format;    /* the `format` entry of this expansion, NULL when none */
  const char *config;    /* the `config` entry of this expansion, NULL when none */
  size_t index;          /* position of the source entry in the file's `tests` */

  wy_qtt_strings_t statements; /* each one statement, {FORMAT} substituted */
  size_t nproperties;
  wy_qtt_property_t *properties; /* {CONFIG} substituted */
  size_t ntopics;
  wy_qtt_topic_t *topics;
  size_t ninputs, noutputs;
  wy_qtt_record_t *inputs, *outputs;
  bool has_expected_exception;
  wy_qtt_expected_exception_t expected_exception;
  bool has_post;
  wy_qtt_post_t post;

  bool enabled;        /* false: `"enabled": false` */
  const char *skip;    /* non-NULL: why the case is not run (disabled, version bounds) */
  const char *invalid; /* non-NULL: why the case is malformed (counted as failed) */
} wy_qtt_case_t;

typedef struct wy_qtt_file {
  const char *path;
  size_t ncases; /* expanded */
  wy_qtt_case_t *cases;
  size_t nentries; /* entries of `tests`, before expansion */
  wy_arena_t arena;
} wy_qtt_file_t;

/* Load and expand a QTT file. On a runner error (unreadable file, malformed JSON, no
 * `tests` array) returns NULL with err filled. Malformed individual cases do not fail
 * the load: they come back with `invalid` set. */
wy_qtt_file_t *wy_qtt_file_load(const char *path, wy_error_t *err);
/* Same from text in memory; `path` is used for names and messages. */
wy_qtt_file_t *wy_qtt_file_parse(const char *path, const char *text, size_t len, wy_error_t *err);
void wy_qtt_file_destroy(wy_qtt_file_t *f);

/* ksql-test-runner mode (three files): the SQL script (split into statements), the
 * `{"inputs": [...]}` file (path may be NULL) and the `{"outputs": [...]}` file become
 * one case named "KSQL_Test". */
wy_qtt_file_t *wy_qtt_file_from_runner_files(const char *sql_path, const char *input_path,
                                             const char *output_path, wy_error_t *err);

/* Split a SQL script into statements at top-level semicolons (outside quotes and
 * comments); each piece keeps its semicolon, blank pieces are dropped. */
wy_status_t wy_qtt_split_sql(const char *sql, size_t len, wy_arena_t *a, wy_qtt_strings_t *out,
                             wy_error_t *err);

/* Compare dotted versions ("7.2", "6.0.0"): <0, 0, >0; missing parts count as 0. */
int wy_qtt_version_compare(const char *a, const char *b);

/* A property's value as text (STRING as is, others rendered as JSON), or NULL when
 * the case does not set it. Names compare exactly. */
const char *wy_qtt_case_property(const wy_qtt_case_t *c, const char *name, char *buf, size_t cap);

const char *wy_qtt_window_kind_name(wy_qtt_window_kind_t k);

#endif
