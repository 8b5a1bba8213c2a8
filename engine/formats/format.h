/*
 * format.h — record formats: Kafka key/value bytes <-> rows of typed values.
 *
 * A codec is built once per (format, schema, options) when a query starts, then used by
 * one task thread to decode every source record and encode every sink record. The
 * schema of a key or a value is an ordered list of columns (name as ksqlDB spells it,
 * normally upper-case, plus a wy_type_t); the codec copies the names and takes its own
 * type references, so the caller's schema may go away after wy_format_codec_new.
 *
 * Decoding writes one wy_value_t per column. STRING and BYTES values are slices into
 * the input bytes whenever no unescaping is needed, otherwise into the arena, and
 * nested values (ARRAY, MAP, STRUCT) always live in the arena: the caller keeps the
 * record bytes and the arena alive for as long as the row is used (the batch). A codec
 * keeps scratch space of its own, so it is not shared between threads; build one per
 * task (building is cheap).
 *
 * A NULL record (tombstone) is the caller's business and never reaches the codec; but
 * some bytes decode to a null row (JSON `null` for a wrapped value), which decode
 * reports through *null_row. Likewise encode reports through *null_record that the
 * record must be produced with a null key/value (JSON unwrapped NULL, KAFKA NULL,
 * NONE always).
 *
 * Semantics follow ksqlDB byte for byte where its tests compare bytes (see
 * docs/formats.md for the rules and the known deviations).
 */
#ifndef WY_FORMAT_H
#define WY_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/base/buf.h"
#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/base/value.h"
#include "engine/registry/registry.h"

/* X(id, ksqlDB name, declarable) — the single list of formats. Adding a format (AVRO,
 * PROTOBUF, JSON_SR) is one line here plus a file that defines `wy_format_ops_<id>`.
 * A format that is not declarable is walleye's own (internal topics): statements
 * cannot name it. */
#define WY_FORMAT_LIST(X)                 \
  X(NONE, "NONE", true)                   \
  X(KAFKA, "KAFKA", true)                 \
  X(JSON, "JSON", true)                   \
  X(DELIMITED, "DELIMITED", true)         \
  X(AVRO, "AVRO", true)                   \
  X(JSON_SR, "JSON_SR", true)             \
  X(PROTOBUF, "PROTOBUF", true)           \
  X(PROTOBUF_NOSR, "PROTOBUF_NOSR", true) \
  X(INTERNAL, "INTERNAL", false)

typedef enum {
#define WY_X_FMT(id, name, declarable) WY_FORMAT_##id,
  WY_FORMAT_LIST(WY_X_FMT)
#undef WY_X_FMT
      WY_FORMAT__COUNT
} wy_format_t;

/* "JSON", "KAFKA", ... Never NULL ("UNKNOWN" for an out-of-range value). */
const char *wy_format_name(wy_format_t f);
/* Case-insensitive lookup of a declarable format; fails with WY_ERR_CONFIG
 * "Unknown format: FOO". */
wy_status_t wy_format_from_name(const char *name, wy_format_t *out, wy_error_t *err);
/* The same over every format, walleye's own included (the planner's internal topics). */
wy_status_t wy_format_from_name_any(const char *name, wy_format_t *out, wy_error_t *err);

/* The change flags of a row on an INTERNAL topic (its codec's last column, an INT): a
 * table's delete, the retraction of a table row's old version, and a retraction whose
 * result the next record supersedes (not emitted). */
#define WY_CHANGE_DELETE 1
#define WY_CHANGE_RETRACT 2
#define WY_CHANGE_SUPPRESS 4

typedef struct wy_format_column {
  const char *name;      /* as ksqlDB spells it (unquoted identifiers upper-cased) */
  const wy_type_t *type; /* borrowed; the codec takes its own reference */
} wy_format_column_t;

typedef struct wy_format_schema {
  size_t ncols;
  const wy_format_column_t *cols;
} wy_format_schema_t;

/* WRAP_SINGLE_VALUE: unset means the format's default (keys unwrapped; JSON values
 * wrapped; KAFKA and DELIMITED are always "unwrapped"). */
typedef enum { WY_WRAP_DEFAULT = 0, WY_WRAP_TRUE, WY_WRAP_FALSE } wy_wrap_t;

typedef struct wy_format_options {
  bool is_key;           /* key or value: changes the wrapping default and messages */
  wy_wrap_t wrap_single; /* WRAP_SINGLE_VALUE */
  char delimiter;        /* DELIMITED only; 0 means ',' (see wy_format_parse_delimiter) */
  /* Which columns the query reads: NULL means all; else ncols flags, non-zero = used.
   * The decoder may skip unused columns and leave them NULL. Copied by the codec. */
  const uint8_t *projection;
  /* Schema Registry formats (AVRO). The registry is borrowed and must outlive the codec;
   * the strings are copied. subject is "<topic>-key" / "<topic>-value". schema_id > 0
   * (KEY_SCHEMA_ID / VALUE_SCHEMA_ID) makes that registered schema the physical schema
   * the encoder writes; otherwise the encoder writes a schema generated from the columns
   * (record named full_schema_name, NULL for ksqlDB's default), registered under subject
   * when the codec is built if register_schema is set, else before the first record. */
  struct wy_sr *registry;
  const char *subject;
  int32_t schema_id;
  const char *full_schema_name;
  bool register_schema;
  /* PROTOBUF, PROTOBUF_NOSR: *_PROTOBUF_NULLABLE_REPRESENTATION of the schema generated
   * from the columns: 0 plain proto3 fields, 1 `optional`, 2 wrappers
   * (wy_pb_nullable_t). */
  int pb_nullable;
} wy_format_options_t;

/* Parse a VALUE_DELIMITER / KEY_DELIMITER property as ksqlDB does: one character, or
 * the words TAB and SPACE (case-insensitive). Empty, blank or longer values fail with
 * ksqlDB's message. */
wy_status_t wy_format_parse_delimiter(const char *text, char *out, wy_error_t *err);

typedef struct wy_format_codec wy_format_codec_t;

/* Validate the schema against the format (supported types, column count, wrapping) and
 * build a codec. Returns NULL and fills err (WY_ERR_UNSUPPORTED / WY_ERR_CONFIG /
 * WY_ERR_NOMEM) on failure. opts may be NULL (a value with defaults). */
wy_format_codec_t *wy_format_codec_new(wy_format_t format, const wy_format_schema_t *schema,
                                       const wy_format_options_t *opts, wy_error_t *err);
void wy_format_codec_destroy(wy_format_codec_t *c);

wy_format_t wy_format_codec_format(const wy_format_codec_t *c);
size_t wy_format_codec_ncols(const wy_format_codec_t *c);
/* Does the codec write/read a bare value rather than a record of columns? */
bool wy_format_codec_unwrapped(const wy_format_codec_t *c);

/* Decode non-NULL record bytes into cols_out[0..ncols). *null_row (may be NULL) is set
 * when the bytes stand for a null row (then every column is NULL as well). Undecodable
 * bytes fail with WY_ERR_DECODE and a one-line reason naming the column, suitable for
 * the processing log. Never reads outside [bytes, bytes + len). */
wy_status_t wy_format_decode(wy_format_codec_t *c, const void *bytes, size_t len, wy_arena_t *arena,
                             wy_value_t *cols_out, bool *null_row, wy_error_t *err);

/* Encode one row (cols[0..ncols), each value of its column's type or NULL) into out
 * (out->len is reset first). *null_record is set when the record must be produced as a
 * null key/value instead of the bytes. Fails with WY_ERR_ENCODE when a value does not
 * fit its column's type, or WY_ERR_NOMEM. */
wy_status_t wy_format_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                             bool *null_record, wy_error_t *err);

/* ---- physical schemas (AVRO, PROTOBUF, PROTOBUF_NOSR, JSON_SR) ----
 * One entry point per job, whatever the format: the analyzer infers columns, the QTT
 * runner registers source schemas, the registry checks compatibility. */

/* Does the format keep its schemas in a Schema Registry? *type_out (may be NULL) gets
 * the registry's schema type. */
bool wy_format_sr_type(wy_format_t f, wy_sr_type_t *type_out);
/* Does the format write a physical schema derived from columns (SR formats and
 * PROTOBUF_NOSR)? */
bool wy_format_has_schema(wy_format_t f);

/* The schema text a sink of format f writes for these columns, as ksqlDB generates it:
 * a record/message of the columns, or when unwrapped (one anonymous column) that
 * column's schema. opts gives is_key, full_schema_name and the format's properties.
 * WY_ERR_UNSUPPORTED for a format without a schema. *text_out is malloc'd. */
wy_status_t wy_format_schema_from_columns(wy_format_t f, const wy_format_schema_t *schema,
                                          const wy_format_options_t *opts, bool unwrapped,
                                          char **text_out, wy_error_t *err);

/* The columns a registered schema text stands for (CREATE without columns): one per
 * field of the record/message (opts->full_schema_name picks one where the schema has
 * several), or one ROWKEY/ROWVAL column when unwrapped. Free with
 * wy_format_columns_free. */
wy_status_t wy_format_infer_columns(wy_format_t f, const char *text,
                                    const wy_format_options_t *opts, bool unwrapped,
                                    wy_format_column_t **cols_out, size_t *ncols_out,
                                    wy_error_t *err);
/* Frees columns made by wy_format_infer_columns (malloc'd names, referenced types). */
void wy_format_columns_free(wy_format_column_t *cols, size_t ncols);

/* Can data written with writer be read with reader (both texts of schema type t)? A type
 * whose format has no checker accepts anything. Fails when a text is not a valid schema
 * (WY_ERR_INVALID). Checking a schema against itself validates it. */
wy_status_t wy_format_sr_compatible(wy_sr_type_t t, const char *reader, const char *writer,
                                    bool *ok, char *why, size_t whycap, wy_error_t *err);

#endif
