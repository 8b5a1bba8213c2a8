/*
 * executor.h — the seam between the conformance runner and the engine.
 *
 * The runner loads a case (qtt.h), hands it to an executor, and checks what comes back
 * (qtt_compare.h). An executor runs the case's statements in order against a fresh
 * engine with an in-memory broker, pipes the `inputs` records (serialized with each
 * source topic's key and value formats, one record at a time, query by query as
 * ksqlDB's TestExecutor does), and reports into a wy_qtt_result_t:
 *
 *  - every record produced on every topic, in produce order, with key and value either
 *    decoded into JSON values by the topic's format (qtt_json.h) or left as the raw
 *    serialized bytes with a wire hint, for the formats whose bytes ksqlDB's test tool
 *    compares directly (DELIMITED, KAFKA, NONE: see wy_qtt_wire_t);
 *  - the final catalog (sources) and the topics that exist, for `post` conditions;
 *  - or the exception that stopped the run: a status code, the phase it was raised in,
 *    the index of the failing statement and the message.
 *
 * The case's properties come on top of ksqlDB's test base config, which the executor
 * applies itself: ksql.service.id "some.ksql.service.id" (internal topic names depend on
 * it), auto.offset.reset earliest, no record caching (every aggregate update is
 * emitted), header columns enabled, and sequential query ids (CSAS_OUTPUT_0, ...).
 *
 * The executor's status says whether it could run the case at all: WY_OK even when a
 * statement failed (that is an exception in the result, which a negative test expects),
 * non-OK for "could not run" (for example wy_qtt_executor_not_implemented(), used until
 * the engine exists), which fails the case with the error message.
 *
 * Ownership: a result owns copies of everything added to it (one arena), so executors
 * may add records straight from their batch arenas. One thread per executor call.
 */
#ifndef WY_QTT_EXECUTOR_H
#define WY_QTT_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/base/status.h"
#include "engine/base/value.h"
#include "engine/testing/qtt.h"

/* X(code, name) — how raw bytes in a result are read back, per ksqlDB's test serdes. */
#define WY_QTT_WIRES(X)                                                                 \
  X(WY_QTT_WIRE_TEXT, "text")                 /* DELIMITED, KAFKA STRING: UTF-8 text */ \
  X(WY_QTT_WIRE_KAFKA_INT, "kafka-int")       /* 4-byte big-endian int32 */             \
  X(WY_QTT_WIRE_KAFKA_BIGINT, "kafka-bigint") /* 8-byte big-endian int64 */             \
  X(WY_QTT_WIRE_KAFKA_DOUBLE, "kafka-double") /* 8-byte IEEE-754, read as BigDecimal */ \
  X(WY_QTT_WIRE_KAFKA_BYTES, "kafka-bytes")   /* bytes compared as UTF-8 text */        \
  X(WY_QTT_WIRE_NONE, "none")                 /* NONE format: always reads as null */

typedef enum {
#define WY_X_WIRE(code, name) code,
  WY_QTT_WIRES(WY_X_WIRE)
#undef WY_X_WIRE
} wy_qtt_wire_t;

/* A record key or value as the executor hands it back. */
typedef struct wy_qtt_payload {
  bool raw;             /* false: `value` holds the decoded JSON value */
  wy_value_t value;     /* decoded; null for a null key or value */
  wy_qtt_wire_t wire;   /* raw: how to read `bytes` */
  const uint8_t *bytes; /* raw: serialized form; NULL means a null key or value */
  size_t len;
} wy_qtt_payload_t;

/* One record produced on a topic. */
typedef struct wy_qtt_out_record {
  const char *topic;
  wy_qtt_payload_t key; /* the inner key for windowed keys (see wy_qtt_window_split) */
  wy_qtt_payload_t value;
  int64_t timestamp;
  size_t nheaders;
  const wy_qtt_header_t *headers;
  wy_qtt_window_t window; /* kind NONE when the key is not windowed */
  int32_t partition;
} wy_qtt_out_record_t;

/* A source in the final catalog, rendered as ksqlDB renders it. */
typedef struct wy_qtt_source_info {
  const char *name; /* e.g. "OUTPUT" */
  bool is_table;
  const char *schema; /* e.g. "`ID` BIGINT KEY, `NAME` STRING" */
  const char *topic;
  wy_qtt_format_t key_format; /* format, features, properties, window type and size */
  wy_qtt_format_t value_format;
  bool is_source; /* created with CREATE SOURCE STREAM/TABLE */
} wy_qtt_source_info_t;

/* A topic that exists at the end of the run, internal ones included. */
typedef struct wy_qtt_topic_info {
  const char *name;
  int partitions;
  wy_qtt_format_t key_format, value_format; /* format NULL when unknown */
  bool has_key_schema_id, has_value_schema_id;
  int64_t key_schema_id, value_schema_id;
  wy_value_t key_schema, value_schema; /* JSON values; null when none is registered */
} wy_qtt_topic_info_t;

/* X(code, name) — where an exception was raised; the mapping of ksqlDB's exception
 * classes (qtt_compare.h) keys on it. */
#define WY_QTT_PHASES(X)                                                              \
  X(WY_QTT_PHASE_STATEMENT, "statement")   /* parsing, analysing, starting a query */ \
  X(WY_QTT_PHASE_PROCESSING, "processing") /* while records flow through a query */   \
  X(WY_QTT_PHASE_SETUP, "setup")           /* topic or schema setup before statements */

typedef enum {
#define WY_X_PHASE(code, name) code,
  WY_QTT_PHASES(WY_X_PHASE)
#undef WY_X_PHASE
} wy_qtt_phase_t;

typedef struct wy_qtt_exception {
  wy_status_t code;
  wy_qtt_phase_t phase;
  int statement; /* 0-based index of the failing statement, -1 when not applicable */
  int line, column;
  const char *message;
} wy_qtt_exception_t;

typedef struct wy_qtt_result {
  size_t nrecords, ntopics, nsources;
  wy_qtt_out_record_t *records; /* every topic, produce order */
  wy_qtt_topic_info_t *topics;
  wy_qtt_source_info_t *sources;
  bool has_exception;
  wy_qtt_exception_t exception;
  size_t cap_records, cap_topics, cap_sources;
  wy_arena_t arena;
} wy_qtt_result_t;

wy_qtt_result_t *wy_qtt_result_new(void);
void wy_qtt_result_destroy(wy_qtt_result_t *r);

/* The add functions deep-copy their argument (strings, values, headers) into the
 * result. They fail with WY_ERR_NOMEM, or WY_ERR_INVALID when the topic or name that
 * identifies the entry is NULL. */
wy_status_t wy_qtt_result_add_record(wy_qtt_result_t *r, const wy_qtt_out_record_t *rec,
                                     wy_error_t *err);
wy_status_t wy_qtt_result_add_topic(wy_qtt_result_t *r, const wy_qtt_topic_info_t *t,
                                    wy_error_t *err);
wy_status_t wy_qtt_result_add_source(wy_qtt_result_t *r, const wy_qtt_source_info_t *s,
                                     wy_error_t *err);
/* Record the exception that ended the run (the first one wins). */
wy_status_t wy_qtt_result_set_exception(wy_qtt_result_t *r, wy_qtt_phase_t phase, int statement,
                                        const wy_error_t *e);

/* Read a payload back as a JSON value: decoded payloads as they are, raw ones per
 * their wire (text -> STRING, KAFKA INT/BIGINT -> INT/BIGINT, KAFKA DOUBLE -> DECIMAL
 * as BigDecimal.valueOf(double), KAFKA BYTES -> STRING, NONE -> null). Fails with
 * WY_ERR_DECODE when the bytes have the wrong size for their wire. */
wy_status_t wy_qtt_payload_read(const wy_qtt_payload_t *p, wy_arena_t *a, wy_value_t *out,
                                wy_error_t *err);

/* Split a serialized windowed key: time windows append int64_be(start), session
 * windows int64_be(end) ++ int64_be(start); a time window's end is start + size_ms.
 * Sets *inner_len to the length of the inner key. WY_ERR_DECODE when too short. */
wy_status_t wy_qtt_window_split(const uint8_t *key, size_t len, wy_qtt_window_kind_t kind,
                                int64_t size_ms, size_t *inner_len, wy_qtt_window_t *w,
                                wy_error_t *err);

/* The executor: one function and its context. */
typedef struct wy_qtt_executor {
  const char *name;
  wy_status_t (*run)(void *ctx, const wy_qtt_case_t *tc, wy_qtt_result_t *out, wy_error_t *err);
  void *ctx;
} wy_qtt_executor_t;

/* Runs nothing: every case fails with "executor not implemented: ...". Used by
 * `walleye test` until the engine can execute statements. */
const wy_qtt_executor_t *wy_qtt_executor_not_implemented(void);

const char *wy_qtt_phase_name(wy_qtt_phase_t p);
const char *wy_qtt_wire_name(wy_qtt_wire_t w);

#endif
