/*
 * datagen.h — deterministic synthetic data for demos and benchmarks.
 *
 * A generator produces the book's data one record at a time: a web clickstream (in the
 * shape of Confluent's datagen `clickstream` quickstart) and USERS / PRODUCTS change
 * events in Debezium's envelope (before, after, source, op, ts_ms). Generators are
 * seeded: the same options (seed included) give a byte-identical sequence of keys,
 * values and timestamps, unless a wall clock is injected as the time base.
 *
 * Ownership: a generator owns its state (the current row of every entity, allocated at
 * creation); records are written into caller-owned wy_datagen_record_t buffers, so
 * producing a record does no allocation. wy_datagen_produce drives a generator into
 * any wy_sink_t (Kafka, memory, the print sink below) with count and rate limits.
 *
 * Threads: a generator, a rate limiter or a print sink is used by one thread at a time;
 * different generators are independent.
 */
#ifndef WY_DATAGEN_H
#define WY_DATAGEN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "connectors/connector.h"
#include "engine/base/status.h"

/* X(code, name, description) */
#define WY_DATAGEN_KINDS(X)                                                     \
  X(WY_DATAGEN_CLICKSTREAM, "clickstream", "web server hits keyed by userid")   \
  X(WY_DATAGEN_USERS, "users", "USERS table change events (Debezium envelope)") \
  X(WY_DATAGEN_PRODUCTS, "products", "PRODUCTS table change events (Debezium envelope)")

typedef enum {
#define WY_X_KIND(code, name, desc) code,
  WY_DATAGEN_KINDS(WY_X_KIND)
#undef WY_X_KIND
      WY_DATAGEN_KIND__COUNT
} wy_datagen_kind_t;

/* How the record key (the userid or product_id) is written. X(code, name, description) */
#define WY_DATAGEN_KEY_MODES(X)                                                        \
  X(WY_DATAGEN_KEY_JSON, "json", "a JSON number, e.g. 42 (also KAFKA STRING's bytes)") \
  X(WY_DATAGEN_KEY_STRING, "string", "a JSON string, e.g. \"42\"")                     \
  X(WY_DATAGEN_KEY_KAFKA_INT, "kafka-int", "KAFKA format INT: 4 bytes, big-endian")    \
  X(WY_DATAGEN_KEY_NONE, "none", "a null key")

typedef enum {
#define WY_X_KEY(code, name, desc) code,
  WY_DATAGEN_KEY_MODES(WY_X_KEY)
#undef WY_X_KEY
      WY_DATAGEN_KEY__COUNT
} wy_datagen_key_mode_t;

/* The time base: milliseconds since the epoch. */
typedef int64_t (*wy_datagen_clock_fn)(void *opaque);

typedef struct wy_datagen_options {
  wy_datagen_kind_t kind;
  uint64_t seed;
  int32_t nusers;    /* distinct userids, 1..nusers (default 100) */
  int32_t nproducts; /* distinct product_ids, 1..nproducts (default 50) */
  wy_datagen_key_mode_t key_mode;
  /* Synthetic time starts here (ms); 0 derives a fixed instant in 2026 from the seed.
   * Each record then moves time forward by a seeded random step. */
  int64_t epoch_ms;
  /* When set, every record is stamped clock(clock_opaque) instead (e.g. the wall
   * clock); the values then depend on it and the sequence is no longer reproducible. */
  wy_datagen_clock_fn clock;
  void *clock_opaque;
  /* CDC kinds: the initial records are snapshot reads (op "r") rather than inserts. */
  bool snapshot;
  /* CDC kinds: follow each delete with a tombstone (null value), as Debezium does by
   * default; that is what removes the row from a ksqlDB TABLE. */
  bool tombstones;
} wy_datagen_options_t;

#define WY_DATAGEN_KEY_MAX 16
#define WY_DATAGEN_VALUE_MAX 4096

/* One generated record. Keys and values are not NUL-terminated. */
typedef struct wy_datagen_record {
  char key[WY_DATAGEN_KEY_MAX];
  size_t key_len;
  bool key_null;
  char value[WY_DATAGEN_VALUE_MAX];
  size_t value_len;
  bool value_null;   /* a tombstone */
  int64_t timestamp; /* ms since the epoch */
  int32_t id;        /* the userid or product_id the record is about */
} wy_datagen_record_t;

typedef struct wy_datagen wy_datagen_t;

/* Defaults for a kind: seed 1, 100 users, 50 products, JSON keys, seeded time. */
void wy_datagen_options_init(wy_datagen_options_t *o, wy_datagen_kind_t kind);
const char *wy_datagen_kind_name(wy_datagen_kind_t kind);
/* -1 when the name is unknown. */
int wy_datagen_kind_parse(const char *name);
const char *wy_datagen_key_mode_name(wy_datagen_key_mode_t mode);
int wy_datagen_key_mode_parse(const char *name);

/* INVALID for out-of-range options (unknown kind or key mode, counts < 1 or > 10^7). */
wy_status_t wy_datagen_new(const wy_datagen_options_t *opts, wy_datagen_t **out, wy_error_t *err);
void wy_datagen_destroy(wy_datagen_t *g);
/* Write the next record into *rec. Fails only on an internal overflow of the buffers. */
wy_status_t wy_datagen_next(wy_datagen_t *g, wy_datagen_record_t *rec, wy_error_t *err);
/* Records generated so far. */
uint64_t wy_datagen_generated(const wy_datagen_t *g);

/* A wy_datagen_clock_fn reading CLOCK_REALTIME. */
int64_t wy_datagen_wall_clock_ms(void *opaque);

/* ---- rate limiting ---- */

/* A token bucket refilled continuously from CLOCK_MONOTONIC. It holds up to 20 ms worth
 * of tokens (at least one), so bursts stay short, and it sleeps (never spins) until a
 * token is due. */
typedef struct wy_datagen_rate {
  double rate; /* tokens per second; <= 0 means unlimited */
  double burst;
  double tokens;
  struct timespec last;
} wy_datagen_rate_t;

void wy_datagen_rate_init(wy_datagen_rate_t *r, double per_second);
/* Take one token, sleeping until one is available. */
void wy_datagen_rate_acquire(wy_datagen_rate_t *r);

/* ---- producing ---- */

typedef struct wy_datagen_run {
  uint64_t count;                    /* records to produce; 0 = until *stop is set */
  double rate;                       /* records per second; <= 0 = as fast as the sink takes them */
  int flush_timeout_ms;              /* for the final flush; 0 means 30 s */
  const volatile sig_atomic_t *stop; /* may be NULL; checked before every record */
} wy_datagen_run_t;

typedef struct wy_datagen_stats {
  uint64_t sent;      /* accepted by the sink */
  uint64_t delivered; /* delivery reported OK */
  uint64_t failed;    /* delivery reported failed, or refused by send */
  double elapsed_s;   /* wall time of the run, final flush included */
  wy_status_t first_failure_code;
  char first_failure[WY_ERROR_MSG_MAX]; /* reason of the first failure, "" when none */
} wy_datagen_stats_t;

/* Generate and send records to `topic` until count or *stop, pacing them at `rate`,
 * then flush. For its duration the sink's on_delivery is wy_delivery_dispatch (the
 * convention of connector.h; the previous callback is restored afterwards), and the
 * run counts every report. Returns OK when every sent record was delivered; otherwise
 * the first failure's code and reason, with the counts in *stats either way. */
wy_status_t wy_datagen_produce(wy_datagen_t *g, wy_sink_t *sink, const char *topic,
                               const wy_datagen_run_t *run, wy_datagen_stats_t *stats,
                               wy_error_t *err);

/* ---- print sink ---- */

/* A wy_sink_t that writes each record as one `key<TAB>value` line to `out` (not owned).
 * Bytes outside printable ASCII, tab, newline and backslash are escaped (\t, \n, \\,
 * \xNN), so a KAFKA-int key of 42 prints as \x00\x00\x00\x2a; a null key or value
 * prints as nothing. Delivery reports (IO when the write failed) fire from poll and
 * flush. Destroy with wy_sink_destroy. */
wy_status_t wy_datagen_print_sink_new(FILE *out, wy_sink_t **sink, wy_error_t *err);

#endif
