/*
 * keycodec.h — order-preserving, self-delimiting encoding of key tuples.
 *
 * State stores order their keys by bytes (memcmp), so a key tuple is encoded such that
 * memcmp order equals wy_value_compare order, column by column: range and prefix scans
 * over the leading columns of a key then work on the store directly. Every value starts
 * with a tag (NULL sorts first), then:
 *   BOOLEAN 1 byte; INT/DATE/TIME 4 bytes and BIGINT/TIMESTAMP 8 bytes, big-endian with
 *   the sign bit flipped; DOUBLE 8 bytes of IEEE bits made sortable (negatives inverted,
 *   -0.0 folded onto 0.0, every NaN onto one NaN that sorts last, as wy_value_compare);
 *   DECIMAL the 128-bit unscaled value, big-endian, sign flipped (values of one key
 *   column share its scale, so the unscaled order is the numeric order); STRING/BYTES
 *   with 0x00 escaped as 00 FF and terminated by 00 01; ARRAY/MAP/STRUCT as their
 *   elements (MAP: key then value) followed by an end tag that sorts before any element,
 *   which matches wy_value_compare's element-wise order too.
 * Encoding never allocates (snprintf contract); decoding needs the column types and
 * puts strings and composite lists in an arena. Pure functions; any thread.
 */
#ifndef WY_FORMAT_KEYCODEC_H
#define WY_FORMAT_KEYCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"
#include "engine/base/value.h"

/* Encode n values into out (at most cap bytes written). Returns the length needed: when
 * it exceeds cap, nothing useful was written and the caller retries with more room. */
size_t wy_keycodec_encode(const wy_value_t *vals, size_t n, uint8_t *out, size_t cap);

/* Decode n values of the given types from buf; strings and lists go into arena a.
 * *consumed (may be NULL) gets the bytes used, so a key may carry a suffix (e.g. a
 * window start) after the tuple. DECODE on malformed input; never reads past len. */
wy_status_t wy_keycodec_decode(const uint8_t *buf, size_t len, const wy_type_t *const *types,
                               size_t n, wy_arena_t *a, wy_value_t *out, size_t *consumed,
                               wy_error_t *err);

#endif
