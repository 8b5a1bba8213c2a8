/*
 * rowcodec.h — compact, versioned binary encoding of a row's values for store values.
 *
 * Layout: a version byte (WY_ROWCODEC_VERSION), the column count (varint), a NULL
 * bitmap, then each non-NULL value: BOOLEAN 1 byte; INT/DATE/TIME/BIGINT/TIMESTAMP
 * zigzag varints; DOUBLE 8 bytes little-endian; DECIMAL the zigzag varint of the
 * unscaled value at the column's scale; STRING/BYTES varint length + bytes; ARRAY and
 * STRUCT a count, a NULL bitmap and the elements; MAP a count, key and value bitmaps and
 * the pairs. The schema is not stored: the reader passes the column types. A row
 * written with fewer columns than the reader expects decodes with trailing NULLs, so
 * adding columns at the end does not invalidate stores. Encoding never allocates
 * (snprintf contract); decoding copies strings and lists into an arena, so the result
 * outlives the encoded buffer. Pure functions; any thread.
 */
#ifndef WY_FORMAT_ROWCODEC_H
#define WY_FORMAT_ROWCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"
#include "engine/base/value.h"

#define WY_ROWCODEC_VERSION 1

/* Encode n values of the given types into out (at most cap bytes). *needed gets the full
 * length; when it exceeds cap, retry with a bigger buffer. TYPE when a value's kind does
 * not match its type; OVERFLOW when a DECIMAL does not fit its column's scale. */
wy_status_t wy_rowcodec_encode(const wy_type_t *const *types, const wy_value_t *vals, size_t n,
                               uint8_t *out, size_t cap, size_t *needed, wy_error_t *err);

/* Decode a row of n columns of the given types. DECODE on malformed input or an unknown
 * version; never reads past len. */
wy_status_t wy_rowcodec_decode(const uint8_t *buf, size_t len, const wy_type_t *const *types,
                               size_t n, wy_arena_t *a, wy_value_t *out, wy_error_t *err);

#endif
