/*
 * processing_log.h — the record-level error log of ksqlDB ("processing log").
 *
 * A record that cannot be decoded, evaluated or encoded is skipped, never silently:
 * each skip becomes one entry with the query's logger name
 * (`processing.<query id>.<step>`), the error type, the record's topic, partition and
 * offset, and the reason. Entries go to the engine log (WARN), to per-type counters,
 * to a bounded ring of recent entries (for tests and DESCRIBE EXTENDED), and, when a
 * sink is attached, to the processing-log topic as JSON in ksqlDB's schema.
 * A wy_plog_t is shared by the tasks of a node; its functions are thread-safe.
 */
#ifndef WY_PROCESSING_LOG_H
#define WY_PROCESSING_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "engine/base/status.h"

/* X(id, ksqlDB type number, name) */
#define WY_PLOG_TYPES(X)                                           \
  X(WY_PLOG_DESERIALIZATION_ERROR, 0, "DESERIALIZATION_ERROR")     \
  X(WY_PLOG_RECORD_PROCESSING_ERROR, 1, "RECORD_PROCESSING_ERROR") \
  X(WY_PLOG_PRODUCTION_ERROR, 2, "PRODUCTION_ERROR")               \
  X(WY_PLOG_SERIALIZATION_ERROR, 3, "SERIALIZATION_ERROR")

typedef enum {
#define WY_X_PLOG(id, num, name) id,
  WY_PLOG_TYPES(WY_X_PLOG)
#undef WY_X_PLOG
      WY_PLOG__COUNT
} wy_plog_type_t;

typedef struct wy_plog_entry {
  wy_plog_type_t type;
  char logger[160]; /* processing.<query id>.<step> */
  char topic[160];
  int32_t partition;
  int64_t offset;
  char target[8]; /* "key", "value" or "" */
  char message[WY_ERROR_MSG_MAX];
} wy_plog_entry_t;

typedef struct wy_plog wy_plog_t;

/* ring_capacity: how many recent entries to keep (0 picks 256). */
wy_plog_t *wy_plog_new(size_t ring_capacity);
void wy_plog_destroy(wy_plog_t *pl);

/* Also write every entry as JSON to `topic` through `sink` (not owned). */
void wy_plog_attach_sink(wy_plog_t *pl, wy_sink_t *sink, const char *topic);

/* Record one skipped record. target may be NULL. Never fails: an entry that cannot be
 * written to the topic is still counted and logged. */
void wy_plog_report(wy_plog_t *pl, wy_plog_type_t type, const char *query_id, const char *step,
                    const char *topic, int32_t partition, int64_t offset, const char *target,
                    const char *message);

uint64_t wy_plog_count(const wy_plog_t *pl, wy_plog_type_t type);
uint64_t wy_plog_total(const wy_plog_t *pl);
/* Copy up to max most recent entries, oldest first; returns how many. */
size_t wy_plog_recent(wy_plog_t *pl, wy_plog_entry_t *out, size_t max);
const char *wy_plog_type_name(wy_plog_type_t type);

#endif
