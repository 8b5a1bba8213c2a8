/*
 * avro_int.h — the parsed form of an Avro schema that the AVRO codec compiles its
 * decode and encode plans from. Private to engine/formats/.
 *
 * A schema is parsed once (per writer schema id, per codec) from its JSON text with
 * jansson and validated by avro-c; nodes are owned by the wy_avro_schema_t and named
 * types referenced twice (or recursively) are one node.
 */
#ifndef WY_AVRO_INT_H
#define WY_AVRO_INT_H

#include <jansson.h>

#include "engine/base/jregex.h"
#include "engine/formats/avro.h"
#include "engine/formats/format_int.h"

/* X(id, Avro type name) */
#define WY_AVRO_KINDS(X)   \
  X(AV_NULL, "null")       \
  X(AV_BOOLEAN, "boolean") \
  X(AV_INT, "int")         \
  X(AV_LONG, "long")       \
  X(AV_FLOAT, "float")     \
  X(AV_DOUBLE, "double")   \
  X(AV_BYTES, "bytes")     \
  X(AV_STRING, "string")   \
  X(AV_RECORD, "record")   \
  X(AV_ENUM, "enum")       \
  X(AV_ARRAY, "array")     \
  X(AV_MAP, "map")         \
  X(AV_UNION, "union")     \
  X(AV_FIXED, "fixed")

typedef enum {
#define WY_X(id, name) id,
  WY_AVRO_KINDS(WY_X)
#undef WY_X
      AV__COUNT
} av_kind_t;

/* X(id, logicalType) */
#define WY_AVRO_LOGICALS(X)                   \
  X(AVL_NONE, "")                             \
  X(AVL_DECIMAL, "decimal")                   \
  X(AVL_DATE, "date")                         \
  X(AVL_TIME_MILLIS, "time-millis")           \
  X(AVL_TIME_MICROS, "time-micros")           \
  X(AVL_TIMESTAMP_MILLIS, "timestamp-millis") \
  X(AVL_TIMESTAMP_MICROS, "timestamp-micros") \
  X(AVL_VALIDATED_STRING, "validatedString")

typedef enum {
#define WY_X(id, name) id,
  WY_AVRO_LOGICALS(WY_X)
#undef WY_X
      AVL__COUNT
} av_logical_t;

typedef struct av_node av_node_t;

typedef struct av_field {
  char *name;
  av_node_t *type;
  json_t *def; /* the "default", borrowed from the schema's JSON; NULL when absent */
} av_field_t;

struct av_node {
  av_kind_t kind;
  av_logical_t logical;
  char *name;         /* full name of a record, enum or fixed */
  const char *simple; /* the part of name after the last dot */
  char *nspace;       /* the part before it ("" when none) */
  int precision, scale;
  size_t size; /* fixed */
  size_t n;    /* fields, symbols or branches */
  av_field_t *fields;
  char **symbols;
  av_node_t **branches;
  av_node_t *items; /* array items, map values */
  bool map_entry;   /* an array of Connect MapEntry records {key, value} */
  char *pattern;    /* validatedString */
  wy_jregex_t *re;  /* the pattern compiled as Java's (matched in whole) */
};

typedef struct wy_avro_schema {
  json_t *json;
  av_node_t *root;
  av_node_t **all;
  size_t nall, capall;
} wy_avro_schema_t;

const char *wy_avro_kind_name(av_kind_t k);

/* Parse and validate (with avro-c) a schema. WY_ERR_INVALID with the reason. */
wy_status_t wy_avro_schema_parse(const char *text, size_t len, wy_avro_schema_t **out,
                                 wy_error_t *err);
void wy_avro_schema_free(wy_avro_schema_t *s); /* accepts NULL */

/* Does the validatedString pattern of s match the whole string [p, p + n)? scratch is
 * unused (kept for the callers' signature). */
bool wy_avro_pattern_match(const av_node_t *s, const char *p, size_t n, wy_buf_t *scratch);

/* The branch name Connect gives a union member (record/enum/fixed simple name, else the
 * type name). */
const char *wy_avro_member_name(const av_node_t *n);

#endif
