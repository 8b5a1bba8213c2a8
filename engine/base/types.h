/*
 * types.h — SQL types as ksqlDB defines them.
 *
 * A type is an immutable tree. Primitive types (BOOLEAN, INT, BIGINT, DOUBLE, STRING,
 * BYTES, TIMESTAMP, DATE, TIME) are static singletons; DECIMAL, ARRAY, MAP and STRUCT
 * are heap objects with an atomic reference count, so a plan, its operators and the
 * tasks of every thread can share one type without copying. Constructors take
 * ownership of the references passed to them (even when they fail), which keeps the
 * builders of the analyzer one-liners. wy_type_unref accepts NULL and singletons.
 */
#ifndef WY_TYPES_H
#define WY_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* X(kind, ksqlDB name) — the single list of type kinds. */
#define WY_TYPE_KINDS(X)         \
  X(WY_T_BOOLEAN, "BOOLEAN")     \
  X(WY_T_INT, "INTEGER")         \
  X(WY_T_BIGINT, "BIGINT")       \
  X(WY_T_DOUBLE, "DOUBLE")       \
  X(WY_T_DECIMAL, "DECIMAL")     \
  X(WY_T_STRING, "STRING")       \
  X(WY_T_BYTES, "BYTES")         \
  X(WY_T_TIMESTAMP, "TIMESTAMP") \
  X(WY_T_DATE, "DATE")           \
  X(WY_T_TIME, "TIME")           \
  X(WY_T_ARRAY, "ARRAY")         \
  X(WY_T_MAP, "MAP")             \
  X(WY_T_STRUCT, "STRUCT")

typedef enum {
#define WY_X_KIND(kind, name) kind,
  WY_TYPE_KINDS(WY_X_KIND)
#undef WY_X_KIND
      WY_T__COUNT
} wy_type_kind_t;

typedef struct wy_type wy_type_t;

typedef struct wy_field {
  char *name;            /* as declared (case preserved); owned by the type */
  const wy_type_t *type; /* one reference owned by the struct type */
} wy_field_t;

struct wy_type {
  wy_type_kind_t kind;
  int refcount;          /* atomic; < 0 marks a static singleton */
  uint8_t precision;     /* DECIMAL: 1..38 */
  uint8_t scale;         /* DECIMAL: 0..precision */
  const wy_type_t *elem; /* ARRAY: element type; MAP: value type */
  const wy_type_t *key;  /* MAP: key type */
  size_t nfields;        /* STRUCT */
  wy_field_t *fields;    /* STRUCT, in declaration order */
};

#define WY_DECIMAL_MAX_PRECISION 38
/* ksqlDB declares DECIMAL(p, s) with any precision; walleye's values keep 38 digits
 * (a 128-bit unscaled value), so a wider type holds those values that fit in 38 digits
 * at its scale, and a scale stays at most 38. */
#define WY_DECIMAL_MAX_DECLARED_PRECISION 255

/* Static singletons for the primitive kinds. */
const wy_type_t *wy_type_primitive(wy_type_kind_t kind);
#define wy_type_boolean() wy_type_primitive(WY_T_BOOLEAN)
#define wy_type_int() wy_type_primitive(WY_T_INT)
#define wy_type_bigint() wy_type_primitive(WY_T_BIGINT)
#define wy_type_double() wy_type_primitive(WY_T_DOUBLE)
#define wy_type_string() wy_type_primitive(WY_T_STRING)
#define wy_type_bytes() wy_type_primitive(WY_T_BYTES)
#define wy_type_timestamp() wy_type_primitive(WY_T_TIMESTAMP)
#define wy_type_date() wy_type_primitive(WY_T_DATE)
#define wy_type_time() wy_type_primitive(WY_T_TIME)

/* NULL when precision (1..255) or scale (0..precision, at most 38) is out of range or on
 * allocation failure. */
const wy_type_t *wy_type_decimal(int precision, int scale);
const wy_type_t *wy_type_array(const wy_type_t *elem);
const wy_type_t *wy_type_map(const wy_type_t *key, const wy_type_t *value);
/* Builds a STRUCT; call wy_type_struct_add for each field, in order. */
wy_type_t *wy_type_struct_new(void);
/* Takes ownership of the reference to type; copies name. Returns false on ENOMEM. */
bool wy_type_struct_add(wy_type_t *st, const char *name, const wy_type_t *type);

const wy_type_t *wy_type_ref(const wy_type_t *t);
void wy_type_unref(const wy_type_t *t);

bool wy_type_equal(const wy_type_t *a, const wy_type_t *b);
bool wy_type_is_numeric(const wy_type_t *t); /* INT, BIGINT, DECIMAL, DOUBLE */
bool wy_type_is_primitive(const wy_type_t *t);
/* Index of a STRUCT field by exact name, or -1. */
int wy_type_field_index(const wy_type_t *st, const char *name);
/* "INTEGER", "DECIMAL", ... */
const char *wy_type_kind_name(wy_type_kind_t kind);

/* ksqlDB's rendering: INTEGER, DECIMAL(4, 2), ARRAY<STRING>, MAP<STRING, BIGINT>,
 * STRUCT<`A` INTEGER, `B` STRING>. Returns the length it needed (like snprintf). */
size_t wy_type_format(const wy_type_t *t, char *buf, size_t cap);

#endif
