/*
 * qtt_json.h — JSON as the conformance runner sees it: comments allowed, numbers exact.
 *
 * ksqlDB reads its test files with Jackson, comments enabled and every real number kept
 * as an exact BigDecimal (so `1.0` and `1.00` differ). jansson does neither, so the
 * loader rewrites the text first: comments become blanks and every number becomes a
 * tagged string that carries its lexeme; jansson then builds the tree, and
 * wy_qtt_json_value() turns any node into a "JSON value", a wy_value_t tree that keeps
 * the number exactly:
 *
 *   null            -> null value (kind STRING, null = 1)
 *   true / false    -> BOOLEAN
 *   integer literal -> BIGINT when it fits in 64 bits, else DECIMAL scale 0 (<= 38 digits)
 *   real literal    -> DECIMAL with the literal's own scale (`1.50` -> 150, scale 2);
 *                      a literal with more than 38 digits (or scale) degrades to DOUBLE
 *   string          -> STRING
 *   array           -> ARRAY
 *   object          -> MAP with STRING keys, in file order
 *
 * The same representation is used for decoded outputs handed back by an executor, which
 * may in addition hold INT, DOUBLE, BYTES, TIMESTAMP, DATE and TIME values. Every value
 * built here lives in the arena passed in. Pure functions; any thread.
 */
#ifndef WY_QTT_JSON_H
#define WY_QTT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/base/status.h"
#include "engine/base/value.h"

/* Parse JSON text (comments allowed, numbers kept exact). Returns a new jansson
 * reference, or NULL with err filled (WY_ERR_DECODE, with line and column). `what`
 * names the input in messages, e.g. the file path. */
json_t *wy_qtt_json_parse(const char *text, size_t len, const char *what, wy_error_t *err);
/* Read a whole file and parse it as above. */
json_t *wy_qtt_json_load_file(const char *path, wy_error_t *err);

/* Is this node a number (tagged by the loader, or a genuine jansson number)? */
bool wy_qtt_json_is_number(const json_t *j);
/* A string node's text, with the loader's escaping undone; NULL for non-strings and
 * numbers. *len (optional) receives the length. */
const char *wy_qtt_json_string(const json_t *j, size_t *len);
/* A number node as an int64; false when it is not an integral number in range. */
bool wy_qtt_json_int64(const json_t *j, int64_t *out);

/* Convert a node into a JSON value (see above) allocated in arena a. False on ENOMEM. */
bool wy_qtt_json_value(const json_t *j, wy_arena_t *a, wy_value_t *out);
/* Parse a number lexeme ("-1.50", "3e2") as a JSON value. False when not a number. */
bool wy_qtt_number_value(const char *lexeme, size_t len, wy_value_t *out);

/* Render a JSON value as compact JSON text (DECIMAL with its scale, DOUBLE as the
 * shortest text that reads back the same, BYTES as base64). Truncates to cap like
 * snprintf and returns the length it needed. */
size_t wy_qtt_json_format(const wy_value_t *v, char *buf, size_t cap);
/* Look a key up in a MAP value: exact name first, then the upper-cased name (as
 * ksqlDB's comparator does). NULL when absent. */
const wy_value_t *wy_qtt_map_get(const wy_value_t *map, const char *key, size_t len);

/* Java's Double.toString as a DECIMAL (BigDecimal.valueOf(d)), which is how ksqlDB's
 * test tool reads a KAFKA-format DOUBLE back. False for NaN and infinities. */
bool wy_qtt_double_to_decimal(double d, wy_value_t *out);

#endif
