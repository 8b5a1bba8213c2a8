/*
 * value.h — one SQL value: a small tagged union.
 *
 * Scalars are held inline. STRING and BYTES are slices (pointer + length, not
 * NUL-terminated) into memory owned by someone else, normally the arena of the batch
 * being processed; ARRAY, MAP and STRUCT point at arena-allocated lists. A value never
 * owns memory, so copying a wy_value_t is a plain struct copy; wy_value_deep_copy moves
 * a value into another arena when it must outlive its batch. NULL is a value of any
 * kind (null = 1) and follows SQL three-valued logic in the evaluator.
 *
 * Representations (ksqlDB's): TIMESTAMP = ms since the epoch (i64); DATE = days since
 * the epoch (i32); TIME = ms since midnight (i32); DECIMAL = 128-bit unscaled integer
 * with precision and scale carried in the value.
 */
#ifndef WY_VALUE_H
#define WY_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/base/types.h"

__extension__ typedef __int128 wy_int128_t;

typedef struct wy_value wy_value_t;

/* ARRAY elements, or STRUCT fields in the order of the struct type's fields. */
typedef struct wy_list {
  uint32_t n;
  wy_value_t *items;
} wy_list_t;

typedef struct wy_map {
  uint32_t n;
  wy_value_t *keys; /* insertion order is kept: ksqlDB's JSON output preserves it */
  wy_value_t *vals;
} wy_map_t;

struct wy_value {
  uint8_t kind;      /* wy_type_kind_t */
  uint8_t null;      /* 1 when SQL NULL */
  uint8_t precision; /* DECIMAL */
  uint8_t scale;     /* DECIMAL */
  uint32_t len;      /* STRING, BYTES: length in bytes */
  union {
    bool b;
    int32_t i32;           /* INT, DATE, TIME */
    int64_t i64;           /* BIGINT, TIMESTAMP */
    double f64;            /* DOUBLE */
    wy_int128_t dec;       /* DECIMAL unscaled */
    const char *str;       /* STRING, BYTES */
    const wy_list_t *list; /* ARRAY, STRUCT */
    const wy_map_t *map;   /* MAP */
  } u;
};

static inline wy_value_t wy_null(wy_type_kind_t kind) {
  wy_value_t v = {0};
  v.kind = (uint8_t)kind;
  v.null = 1;
  return v;
}
static inline wy_value_t wy_bool(bool b) {
  wy_value_t v = {0};
  v.kind = WY_T_BOOLEAN;
  v.u.b = b;
  return v;
}
static inline wy_value_t wy_int(int32_t i) {
  wy_value_t v = {0};
  v.kind = WY_T_INT;
  v.u.i32 = i;
  return v;
}
static inline wy_value_t wy_bigint(int64_t i) {
  wy_value_t v = {0};
  v.kind = WY_T_BIGINT;
  v.u.i64 = i;
  return v;
}
static inline wy_value_t wy_double(double d) {
  wy_value_t v = {0};
  v.kind = WY_T_DOUBLE;
  v.u.f64 = d;
  return v;
}
static inline wy_value_t wy_decimal(wy_int128_t unscaled, int precision, int scale) {
  wy_value_t v = {0};
  v.kind = WY_T_DECIMAL;
  v.u.dec = unscaled;
  v.precision = (uint8_t)precision;
  v.scale = (uint8_t)scale;
  return v;
}
static inline wy_value_t wy_string(const char *s, size_t len) {
  wy_value_t v = {0};
  v.kind = WY_T_STRING;
  v.u.str = s;
  v.len = (uint32_t)len;
  return v;
}
static inline wy_value_t wy_bytes(const void *p, size_t len) {
  wy_value_t v = {0};
  v.kind = WY_T_BYTES;
  v.u.str = (const char *)p;
  v.len = (uint32_t)len;
  return v;
}
static inline wy_value_t wy_timestamp(int64_t ms) {
  wy_value_t v = {0};
  v.kind = WY_T_TIMESTAMP;
  v.u.i64 = ms;
  return v;
}
static inline wy_value_t wy_date(int32_t days) {
  wy_value_t v = {0};
  v.kind = WY_T_DATE;
  v.u.i32 = days;
  return v;
}
static inline wy_value_t wy_time(int32_t ms) {
  wy_value_t v = {0};
  v.kind = WY_T_TIME;
  v.u.i32 = ms;
  return v;
}
static inline wy_value_t wy_array(const wy_list_t *l) {
  wy_value_t v = {0};
  v.kind = WY_T_ARRAY;
  v.u.list = l;
  return v;
}
static inline wy_value_t wy_struct(const wy_list_t *l) {
  wy_value_t v = {0};
  v.kind = WY_T_STRUCT;
  v.u.list = l;
  return v;
}
static inline wy_value_t wy_mapv(const wy_map_t *m) {
  wy_value_t v = {0};
  v.kind = WY_T_MAP;
  v.u.map = m;
  return v;
}

/* Allocate an empty list / map of n slots in the arena (items zeroed: NULL-less zeros). */
wy_list_t *wy_list_new(wy_arena_t *a, uint32_t n);
wy_map_t *wy_map_new(wy_arena_t *a, uint32_t n);

/* Same kind and content. NULL equals NULL here (this is identity, not SQL '='). DOUBLE
 * compares by value; DECIMAL by numeric value regardless of scale. */
bool wy_value_equal(const wy_value_t *a, const wy_value_t *b);
/* Total order for values of the same kind: NULL first, then by value. Used by keys,
 * MIN/MAX and sorting. Returns <0, 0, >0. */
int wy_value_compare(const wy_value_t *a, const wy_value_t *b);
/* Hash consistent with wy_value_equal. */
uint64_t wy_value_hash(const wy_value_t *v);
/* Copy v, with everything it points at, into arena a. False on ENOMEM. */
bool wy_value_deep_copy(wy_arena_t *a, const wy_value_t *v, wy_value_t *out);

#endif
