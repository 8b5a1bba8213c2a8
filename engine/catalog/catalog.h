/*
 * catalog.h — the metastore: streams, tables and type aliases known to an engine.
 *
 * A source definition is what CREATE STREAM/TABLE (or CSAS/CTAS) declares: its
 * columns, topic, formats, timestamp column and partitioning. The catalog owns its
 * source definitions and hands out const pointers that stay valid until the source is
 * dropped. Names are stored as ksqlDB spells them (unquoted identifiers upper-cased by
 * the parser). One engine (one thread of statement execution) owns a catalog.
 */
#ifndef WY_CATALOG_H
#define WY_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"
#include "engine/catalog/schema.h"

typedef enum { WY_SOURCE_STREAM, WY_SOURCE_TABLE } wy_source_kind_t;
typedef enum {
  WY_WINDOW_NONE,
  WY_WINDOW_TUMBLING,
  WY_WINDOW_HOPPING,
  WY_WINDOW_SESSION
} wy_window_kind_t;

/* How a key or value is serialized. */
typedef struct wy_format_spec {
  char name[24];      /* JSON, DELIMITED, KAFKA, NONE, AVRO, ... (upper-case) */
  char delimiter;     /* DELIMITED; 0 means the default ',' */
  int8_t wrap_single; /* -1 unset, 0 unwrapped, 1 wrapped */
  int32_t schema_id;  /* -1 unset */
  char full_schema_name[128];
  bool full_schema_set; /* *_SCHEMA_FULL_NAME given (even if empty: an error) */
  int8_t pb_nullable;   /* *_PROTOBUF_NULLABLE_REPRESENTATION: 0 unset, 1 OPTIONAL, 2 WRAPPER */
} wy_format_spec_t;

typedef struct wy_source_def {
  char *name;
  wy_source_kind_t kind;
  wy_schema_t schema;
  char *topic;
  wy_format_spec_t key_format;
  wy_format_spec_t value_format;
  char *timestamp_column; /* NULL: ROWTIME is the record timestamp */
  char *timestamp_format; /* NULL: the column is a BIGINT/TIMESTAMP */
  int partitions;
  int replicas;
  bool is_source;          /* CREATE SOURCE ...: read-only */
  wy_window_kind_t window; /* windowed key */
  int64_t window_size_ms;
  char *sql;      /* the statement that created it */
  char *query_id; /* the query writing to it (CSAS/CTAS), or NULL */
} wy_source_def_t;

typedef struct wy_catalog wy_catalog_t;

wy_catalog_t *wy_catalog_new(void);
void wy_catalog_destroy(wy_catalog_t *c);

/* A zeroed definition with defaults (partitions 1, replicas 1, formats unset). */
wy_source_def_t *wy_source_def_new(const char *name, wy_source_kind_t kind);
void wy_source_def_destroy(wy_source_def_t *d);
/* A deep copy, without the writing query's id (NULL when out of memory). */
wy_source_def_t *wy_source_def_copy(const wy_source_def_t *d);
void wy_format_spec_init(wy_format_spec_t *f, const char *name);

/* Takes ownership of def (also on failure). replace: CREATE OR REPLACE. */
wy_status_t wy_catalog_add(wy_catalog_t *c, wy_source_def_t *def, bool replace, wy_error_t *err);
const wy_source_def_t *wy_catalog_find(const wy_catalog_t *c, const char *name);
/* Sources reading from / writing to a topic. */
const wy_source_def_t *wy_catalog_find_by_topic(const wy_catalog_t *c, const char *topic);
wy_status_t wy_catalog_drop(wy_catalog_t *c, const char *name, wy_error_t *err);
size_t wy_catalog_count(const wy_catalog_t *c);
const wy_source_def_t *wy_catalog_at(const wy_catalog_t *c, size_t i);

/* Type aliases (CREATE TYPE). Takes ownership of type. */
wy_status_t wy_catalog_add_type(wy_catalog_t *c, const char *name, const wy_type_t *type,
                                wy_error_t *err);
const wy_type_t *wy_catalog_find_type(const wy_catalog_t *c, const char *name);
wy_status_t wy_catalog_drop_type(wy_catalog_t *c, const char *name, wy_error_t *err);

#endif
