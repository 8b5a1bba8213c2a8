/*
 * json_sr.h — the JSON_SR format's schema helpers, for the analyzer, the registry and
 * the test runner.
 *
 * The codec itself is reached through format.h (WY_FORMAT_JSON_SR): the JSON codec's
 * payload behind Confluent's 5-byte header (magic byte 0, big-endian schema id). These
 * functions turn columns into the JSON Schema ksqlDB registers for a sink (Confluent's
 * JsonSchemaData of the Connect schema ksqlDB builds: "type":"object" with
 * "properties", every optional field a "oneOf" with {"type":"null"} carrying its
 * "connect.index", "connect.type" for Connect's int/float/bytes types, Connect's
 * logical types as "title" + "connect.version" (+ "connect.parameters" for DECIMAL)),
 * turn a registered JSON Schema back into columns (inference for CREATE without
 * columns), and check whether one JSON Schema can read data written with another (the
 * registry's compatibility levels).
 *
 * Pure functions over their arguments; any thread. Returned strings and column lists
 * are malloc'd and owned by the caller.
 */
#ifndef WY_JSON_SR_H
#define WY_JSON_SR_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/formats/format.h"

/* The JSON Schema (compact JSON) for columns: an object of optional properties (titled
 * full_name when given), or, when unwrapped (one anonymous column), that column's
 * optional schema. MAP<STRING, V> is an object of "additionalProperties" V marked
 * "connect.type":"map". Fails with WY_ERR_UNSUPPORTED for a MAP with non-STRING keys
 * ("JSON only supports MAP types with STRING keys"). */
wy_status_t wy_json_sr_schema_from_columns(const wy_format_schema_t *schema, bool unwrapped,
                                           const char *full_name, char **json_out, wy_error_t *err);

/* The columns a JSON Schema stands for. An object gives one column per property (in
 * "connect.index" order, else document order; names upper-cased as ksqlDB does)
 * unless unwrapped is set; anything else (and any object when unwrapped) is one
 * column named ROWKEY (is_key) or ROWVAL. {"oneOf":[{"type":"null"},X]} (or anyOf, or
 * "type":["null",X]) is X; "integer" is BIGINT unless "connect.type" says int8, int16
 * or int32 (INT); "number" is DOUBLE, or DECIMAL for Connect's Decimal; "string" is
 * STRING, or BYTES for "connect.type":"bytes"; Connect's Date, Time and Timestamp
 * titles give DATE, TIME and TIMESTAMP; "enum" is STRING; "$ref" to "#/definitions/.."
 * or "#/$defs/.." is followed. Fails with WY_ERR_INVALID for text that is not a JSON
 * Schema and WY_ERR_UNSUPPORTED for what has no SQL type. Free the result with
 * wy_json_sr_columns_free. */
wy_status_t wy_json_sr_infer_columns(const char *schema_json, bool is_key, bool unwrapped,
                                     wy_format_column_t **cols_out, size_t *ncols_out,
                                     wy_error_t *err);
void wy_json_sr_columns_free(wy_format_column_t *cols, size_t ncols);

/* Can data written with writer_json be read with reader_json (Confluent's JSON Schema
 * compatibility rules, the subset ksqlDB's schemas use: same types, or a type the
 * reader widens (integer to number); a property the reader adds must be optional
 * (oneOf with null) unless the writer's object is closed ("additionalProperties":
 * false); a property the reader drops is fine for an open reader; a reader that makes
 * an optional value required is not)? *why gets the first reason when not. Fails
 * only when a schema is not JSON (WY_ERR_INVALID). */
wy_status_t wy_json_sr_schema_compatible(const char *reader_json, const char *writer_json, bool *ok,
                                         char *why, size_t whycap, wy_error_t *err);

/* The 5-byte Confluent header of a JSON_SR record: checks the magic byte and length and
 * reads the schema id. Fails with WY_ERR_DECODE and ksqlDB's reason. */
wy_status_t wy_json_sr_read_header(const void *bytes, size_t len, int32_t *schema_id,
                                   wy_error_t *err);

#endif
