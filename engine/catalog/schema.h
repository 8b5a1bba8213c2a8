/*
 * schema.h — a logical schema: the ordered columns of a stream, table or row.
 *
 * As in ksqlDB's LogicalSchema, each column lives in a namespace: KEY columns come
 * from the record key, VALUE columns from the value, HEADERS / HEADER('k') columns
 * from the record headers. A schema owns its column names and one reference to each
 * column type. Built once per statement (analyzer) and then read-only.
 */
#ifndef WY_SCHEMA_H
#define WY_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/base/status.h"
#include "engine/base/types.h"

typedef enum { WY_NS_KEY, WY_NS_VALUE, WY_NS_HEADERS, WY_NS_HEADER } wy_col_ns_t;

typedef struct wy_column {
  char *name;
  const wy_type_t *type;
  wy_col_ns_t ns;
  char *header_key; /* WY_NS_HEADER only */
} wy_column_t;

typedef struct wy_schema {
  size_t n;
  wy_column_t *cols;
} wy_schema_t;

void wy_schema_init(wy_schema_t *s);
void wy_schema_clear(wy_schema_t *s); /* frees the columns; the schema can be reused */
/* Takes ownership of the type reference (even on failure). */
wy_status_t wy_schema_add(wy_schema_t *s, const char *name, const wy_type_t *type, wy_col_ns_t ns,
                          const char *header_key, wy_error_t *err);
wy_status_t wy_schema_copy(wy_schema_t *dst, const wy_schema_t *src, wy_error_t *err);
/* Index of the column with exactly this name, or -1. */
int wy_schema_find(const wy_schema_t *s, const char *name);
size_t wy_schema_count_ns(const wy_schema_t *s, wy_col_ns_t ns);
/* ksqlDB's text: "`ID` BIGINT KEY, `NAME` STRING" (PRIMARY KEY when is_table). */
size_t wy_schema_format(const wy_schema_t *s, bool is_table, char *buf, size_t cap);
bool wy_schema_equal(const wy_schema_t *a, const wy_schema_t *b);

#endif
