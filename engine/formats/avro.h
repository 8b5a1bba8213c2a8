/*
 * avro.h — the AVRO format's schema helpers, for the analyzer and the registry.
 *
 * The codec itself is reached through format.h (WY_FORMAT_AVRO). These functions turn a
 * list of columns into the Avro schema ksqlDB would generate for a sink (record
 * io.confluent.ksql.avro_schemas.KsqlDataSourceSchema, nested records named
 * <parent>_<FIELD>, every field a union with null and default null, Kafka Connect's
 * connect.* annotations), turn a registered Avro schema back into columns (schema
 * inference for CREATE STREAM/TABLE without columns), and check whether one schema can
 * read data written with another (the registry's BACKWARD compatibility).
 *
 * Pure functions over their arguments; any thread. Returned strings and column lists
 * are malloc'd and owned by the caller.
 */
#ifndef WY_AVRO_H
#define WY_AVRO_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/formats/format.h"

#define WY_AVRO_DEFAULT_NAMESPACE "io.confluent.ksql.avro_schemas"
#define WY_AVRO_DEFAULT_FULL_NAME WY_AVRO_DEFAULT_NAMESPACE ".KsqlDataSourceSchema"

/* The Avro schema (compact JSON) for columns: a record named full_name (NULL = the
 * default) of optional fields, or, when unwrapped (one anonymous column), that column's
 * schema itself. Fails with WY_ERR_UNSUPPORTED "Avro only supports MAPs with STRING
 * keys" or WY_ERR_ANALYSIS "Schema is not compatible with Avro: Illegal initial
 * character: 1X" as ksqlDB does, WY_ERR_CONFIG for a blank full_name. */
wy_status_t wy_avro_schema_from_columns(const wy_format_schema_t *schema, bool unwrapped,
                                        const char *full_name, char **json_out, wy_error_t *err);

/* The columns an Avro schema stands for. A record gives one column per field (names
 * upper-cased as ksqlDB does) unless unwrapped is set; anything else (and any record
 * when unwrapped) is one column named ROWKEY (is_key) or ROWVAL. Nullable unions
 * collapse to their type, other unions become a STRUCT with one field per branch, enums
 * are STRING, fixed is BYTES, arrays of Connect MapEntry records and Avro maps are MAPs.
 * Free the result with wy_format_columns_free. */
wy_status_t wy_avro_infer_columns(const char *schema_json, bool is_key, bool unwrapped,
                                  wy_format_column_t **cols_out, size_t *ncols_out,
                                  wy_error_t *err);

/* Can data written with writer_json be read with reader_json (Avro's schema resolution
 * rules: same-named fields recursively, missing reader fields need defaults, numeric
 * promotions, unions branch by branch)? *why gets the first reason when not. Fails only
 * when a schema is not valid Avro (WY_ERR_INVALID with the parser's message). */
wy_status_t wy_avro_schema_compatible(const char *reader_json, const char *writer_json, bool *ok,
                                      char *why, size_t whycap, wy_error_t *err);

/* ksqlDB's default key schema name for a sink: "<namespace>.<Name>Key" where Name is the
 * source name in UpperCamel case (OUTPUT -> OutputKey, LEFT_TABLE -> LeftTableKey).
 * Returns the length written, or an upper bound of the length needed when cap is too
 * small (buf is then empty). */
size_t wy_avro_key_schema_name(const char *source_name, char *buf, size_t cap);

#endif
