/* analyzer_int.h — helpers shared by the analyzer's files. */
#ifndef WY_ANALYZER_INT_H
#define WY_ANALYZER_INT_H

#include "engine/analyzer/analyzer.h"

wy_status_t wy_analyze_check_props(const wy_ast_stmt_t *s, wy_error_t *err);
wy_status_t wy_analyze_formats(const wy_analyzer_ctx_t *cx, const wy_ast_stmt_t *s,
                               wy_format_spec_t *key, wy_format_spec_t *value, bool key_required,
                               bool value_required, wy_error_t *err);
wy_status_t wy_analyze_check_key_types(const wy_schema_t *schema, wy_error_t *err);
/* WITH (TIMESTAMP=..., TIMESTAMP_FORMAT=...) of a source or sink d: the column must be
 * one of d's, a BIGINT or TIMESTAMP, or a STRING with a format (ksqlDB's messages). */
wy_status_t wy_analyze_timestamp_column(const wy_ast_stmt_t *s, wy_source_def_t *d,
                                        wy_error_t *err);
/* AVRO, PROTOBUF, JSON_SR: formats whose schemas live in a Schema Registry. */
bool wy_analyze_is_sr_format(const wy_format_spec_t *f);
/* ARRAY<STRUCT<KEY STRING, VALUE BYTES>> (new reference). */
const wy_type_t *wy_analyze_headers_type(void);
/* "30 SECONDS", "1 HOUR", "1000" -> ms; -1 when unreadable. */
int64_t wy_analyze_parse_duration_ms(const char *text);

#endif
