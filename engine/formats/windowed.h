/*
 * windowed.h — Kafka Streams' windowed keys, around a key of any format.
 *
 * A windowed key is the inner key (serialized by the key format: KAFKA, JSON, DELIMITED,
 * AVRO, ...) followed by the window: a time window (TUMBLING, HOPPING) appends its start,
 * big-endian 8 bytes, as TimeWindowedSerializer does (the end is start + the window
 * size, which the key does not carry); a session window appends its end, then its start,
 * as SessionWindowedSerializer does. Both bounds are milliseconds. Pure functions.
 */
#ifndef WY_FORMATS_WINDOWED_H
#define WY_FORMATS_WINDOWED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/buf.h"
#include "engine/base/status.h"

/* The bytes a window adds to a key. */
static inline size_t wy_windowed_suffix(bool session) { return session ? 16 : 8; }

/* Split a windowed key: *inner_len bytes of inner key, and the window's bounds (*end =
 * start + size for a time window). Fails when the key is shorter than its window. */
wy_status_t wy_windowed_split(const uint8_t *key, size_t len, bool session, int64_t size,
                              size_t *inner_len, int64_t *start, int64_t *end, wy_error_t *err);

/* Append a window to the inner key in b; false when out of memory. */
bool wy_windowed_append(wy_buf_t *b, bool session, int64_t start, int64_t end);

#endif
