/*
 * convert.h — conversions between SQL values: CAST rules and text rendering.
 *
 * These are the semantics of ksqlDB's CAST and of its string rendering of values
 * (Java's Double.toString, BigDecimal.toPlainString, List/Map/Struct toString), shared
 * by the expression evaluator and the built-in functions. Results are written into the
 * caller's arena; nothing here touches the heap. Pure functions; any thread.
 */
#ifndef WY_UDF_CONVERT_H
#define WY_UDF_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/base/buf.h"
#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/base/value.h"

/* Text as CAST(v AS STRING) renders it: BOOLEAN true/false, DOUBLE as Java, DECIMAL
 * plain, TIMESTAMP "yyyy-MM-ddTHH:mm:ss.SSS", DATE "yyyy-MM-dd", TIME "HH:mm:ss[.fff]",
 * BYTES as base64, ARRAY "[1, 2]", MAP "{k=v}", STRUCT "Struct{A=1,B=x}" (NULL fields
 * omitted, like Kafka Connect). A NULL value renders as "null". The type names the
 * struct fields. */
wy_status_t wy_value_format_sql(const wy_value_t *v, const wy_type_t *t, wy_arena_t *a,
                                const char **text, size_t *len);

/* ISO-8601 conversions (UTC). Parse functions accept what ksqlDB's CAST accepts:
 * "2022-04-28T21:44:47.943", optional seconds/fraction, optional "Z" or "+hh:mm". */
bool wy_parse_timestamp_iso(const char *s, size_t n, int64_t *ms);
bool wy_parse_date_iso(const char *s, size_t n, int32_t *days);
bool wy_parse_time_iso(const char *s, size_t n, int32_t *ms);
size_t wy_format_timestamp_iso(int64_t ms, char *buf, size_t cap);
size_t wy_format_date_iso(int32_t days, char *buf, size_t cap);
size_t wy_format_time_iso(int32_t ms, char *buf, size_t cap);
/* Civil calendar helpers (proleptic Gregorian). */
int64_t wy_days_from_civil(int64_t y, unsigned m, unsigned d);
void wy_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Is CAST(from AS to) allowed? (ksqlDB's rules: numbers, strings, booleans among
 * themselves, temporal <-> string, temporal among themselves, containers element-wise,
 * structs field-wise; nothing to or from BYTES but BYTES itself.) */
bool wy_cast_supported(const wy_type_t *from, const wy_type_t *to);

/* CAST(v AS to). NULL stays NULL. Fails with WY_ERR_EVAL when the text is not a number
 * or a DECIMAL overflows its precision, as ksqlDB does (the operator logs the record
 * and writes NULL). Integer narrowing wraps like Java's (int) cast; DOUBLE to integer
 * truncates toward zero (saturating as Java). */
wy_status_t wy_value_cast(const wy_value_t *v, const wy_type_t *from, const wy_type_t *to,
                          wy_arena_t *a, wy_value_t *out, wy_error_t *err);

/* Strict literal parsing used for ksqlDB's literal coercion (e.g. ID IN ('10')).
 * Accepts what Java's Integer.parseInt / Long.parseLong / Double.parseDouble /
 * BigDecimal accept after trimming, and true/false/yes/no/t/f/y/n for BOOLEAN. */
bool wy_text_to_value(const char *s, size_t n, const wy_type_t *to, wy_arena_t *a, wy_value_t *out);

/* Append the rendering of v of type t (as wy_value_format_sql). */
void wy_value_append_sql(wy_buf_t *b, const wy_value_t *v, const wy_type_t *t);

#endif
