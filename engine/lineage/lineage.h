/*
 * lineage.h — OpenLineage events for persistent queries.
 *
 * Each persistent query that starts is one run (a fresh UUIDv7 run id, so a restart is
 * a new run): START when it starts, RUNNING every lineage.running.interval.ms with the
 * records and bytes read and written since the previous event, then one of COMPLETE
 * (terminated or dropped), ABORT (its node stops) or FAIL (it failed, with an
 * errorMessage facet). Every event carries the whole lineage again: the job facets
 * (jobType, sql), the processing_engine run facet, and the Kafka topics read and
 * written with their schema, datasetType, symlinks (topic -> STREAM/TABLE name),
 * dataSource and, on outputs, the columnLineage facet.
 *
 * The planner describes a query with the plain structs below (wy_lineage_query_t); they
 * are only borrowed while wy_lineage_run_start copies what it needs, so they can live
 * on the planner's stack or arena.
 *
 * Threads: events are built on the control thread that starts or stops a run (and on
 * the emitter's sender thread for RUNNING), queued in a bounded queue, and delivered by
 * the emitter's one background sender thread, which owns the transport and does the
 * retries with back-off. A full queue drops an event and counts it (the newest RUNNING
 * one, or the oldest queued RUNNING one to make room for a START or terminal event);
 * nothing in this module ever waits on the network for a caller. Stream threads touch only the
 * per-dataset counters (wy_lineage_counter_add: two relaxed atomic additions, meant to
 * be called once per batch). Every other function may be called from any thread, but
 * wy_lineage_emitter_destroy must not race with other calls on the same emitter.
 */
#ifndef WY_LINEAGE_H
#define WY_LINEAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "connectors/connector.h"
#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/config/config.h"

/* ---- the plan's lineage, filled by the planner -------------------------------------- */

/* X(id, symlink type) — what a topic is in the catalog. */
#define WY_LINEAGE_SOURCE_KINDS(X) \
  X(WY_LINEAGE_STREAM, "STREAM")   \
  X(WY_LINEAGE_TABLE, "TABLE")

typedef enum {
#define WY_X_LK(id, name) id,
  WY_LINEAGE_SOURCE_KINDS(WY_X_LK)
#undef WY_X_LK
      WY_LINEAGE_SOURCE_KIND__COUNT
} wy_lineage_source_kind_t;

/* X(id, type, subtype) — OpenLineage column-lineage transformations. DIRECT ones say
 * where an output value comes from; INDIRECT ones say which fields decide whether or
 * where a row is emitted (a WHERE clause, a join key, a GROUP BY key, a CASE test). */
#define WY_LINEAGE_TRANSFORMS(X)                           \
  X(WY_LINEAGE_IDENTITY, "DIRECT", "IDENTITY")             \
  X(WY_LINEAGE_TRANSFORMATION, "DIRECT", "TRANSFORMATION") \
  X(WY_LINEAGE_AGGREGATION, "DIRECT", "AGGREGATION")       \
  X(WY_LINEAGE_FILTER, "INDIRECT", "FILTER")               \
  X(WY_LINEAGE_JOIN, "INDIRECT", "JOIN")                   \
  X(WY_LINEAGE_GROUP_BY, "INDIRECT", "GROUP_BY")           \
  X(WY_LINEAGE_WINDOW, "INDIRECT", "WINDOW")               \
  X(WY_LINEAGE_SORT, "INDIRECT", "SORT")                   \
  X(WY_LINEAGE_CONDITIONAL, "INDIRECT", "CONDITIONAL")

typedef enum {
#define WY_X_LT(id, type, subtype) id,
  WY_LINEAGE_TRANSFORMS(WY_X_LT)
#undef WY_X_LT
      WY_LINEAGE_TRANSFORM__COUNT
} wy_lineage_transform_t;

/* "DIRECT"/"INDIRECT" and the subtype name of a transformation; NULL when out of range. */
const char *wy_lineage_transform_type(wy_lineage_transform_t t);
const char *wy_lineage_transform_subtype(wy_lineage_transform_t t);

typedef struct wy_lineage_field {
  const char *name;
  /* The field's type; STRUCT fields are described as nested schema fields. When NULL,
   * type_text (ksqlDB's rendering, e.g. "DECIMAL(10, 2)") is used as is, if set. */
  const wy_type_t *type;
  const char *type_text;
} wy_lineage_field_t;

/* One dependency of an output column (or of the whole output) on an input field. */
typedef struct wy_lineage_ref {
  size_t input;      /* index into wy_lineage_query_t.inputs */
  const char *field; /* the input field */
  wy_lineage_transform_t transform;
  bool masking;            /* a masking function (MASK*, MD5, ...) touched it */
  const char *description; /* optional, e.g. "UCASE(USERID)" */
} wy_lineage_ref_t;

typedef struct wy_lineage_column {
  const char *name; /* the output column */
  const wy_lineage_ref_t *refs;
  size_t nrefs;
} wy_lineage_column_t;

typedef struct wy_lineage_dataset {
  const char *topic;
  const char *source_name; /* the STREAM/TABLE over the topic; NULL: no symlink */
  wy_lineage_source_kind_t kind;
  const wy_lineage_field_t *fields;
  size_t nfields;
  /* Outputs only: per output column, where its value comes from ... */
  const wy_lineage_column_t *columns;
  size_t ncolumns;
  /* ... and the INDIRECT dependencies of the whole output (filters, joins, group by). */
  const wy_lineage_ref_t *dataset_refs;
  size_t ndataset_refs;
} wy_lineage_dataset_t;

typedef struct wy_lineage_query {
  const char *service_id;        /* job namespace */
  const char *query_id;          /* job name, e.g. CSAS_PAGEVIEWS_UPPER_0 */
  const char *sql;               /* the statement text */
  const char *bootstrap_servers; /* the first one names the datasets' namespace */
  const wy_lineage_dataset_t *inputs;
  size_t ninputs;
  const wy_lineage_dataset_t *outputs;
  size_t noutputs;
} wy_lineage_query_t;

/* ---- statistics counters, incremented by stream threads ----------------------------- */

typedef struct wy_lineage_counter {
  /* Own cache line: counters of different datasets are bumped by different threads. */
  _Alignas(64) _Atomic uint64_t records;
  _Atomic uint64_t bytes;
} wy_lineage_counter_t;

/* Relaxed: the totals are read only for a periodic report, never to order anything. */
static inline void wy_lineage_counter_add(wy_lineage_counter_t *c, uint64_t records,
                                          uint64_t bytes) {
  atomic_fetch_add_explicit(&c->records, records, memory_order_relaxed);
  atomic_fetch_add_explicit(&c->bytes, bytes, memory_order_relaxed);
}

/* ---- emitter ----------------------------------------------------------------------- */

/* X(id, name) — same names as the lineage.transport config key. */
#define WY_LINEAGE_TRANSPORTS(X)   \
  X(WY_LINEAGE_NONE, "none")       \
  X(WY_LINEAGE_CONSOLE, "console") \
  X(WY_LINEAGE_FILE, "file")       \
  X(WY_LINEAGE_HTTP, "http")       \
  X(WY_LINEAGE_KAFKA, "kafka")     \
  X(WY_LINEAGE_COMPOSITE, "composite")

typedef enum {
#define WY_X_LTR(id, name) id,
  WY_LINEAGE_TRANSPORTS(WY_X_LTR)
#undef WY_X_LTR
      WY_LINEAGE_TRANSPORT__COUNT
} wy_lineage_transport_kind_t;

/* Milliseconds since the epoch. Injected so that tests drive RUNNING intervals. */
typedef int64_t (*wy_lineage_clock_fn)(void *opaque);

typedef struct wy_lineage_options {
  wy_lineage_transport_kind_t transport;
  /* http: base URL (events go to {url}/api/v1/lineage); file: path; kafka: topic. */
  const char *url;
  const char *api_key; /* http: sent as `Authorization: Bearer <key>`; may be NULL */
  /* Optional, read only while the transport opens: */
  const char *endpoint;        /* http: path under url; NULL or "": api/v1/lineage */
  const char *file_location;   /* file: path; NULL or "": url */
  const char *kafka_topic;     /* kafka: topic; NULL or "": url */
  unsigned composite;          /* composite: a bit (1u << kind) per transport to fan out to */
  int64_t running_interval_ms; /* RUNNING period; > 0 */
  int64_t timeout_ms;          /* one delivery attempt (http request, kafka flush) */
  int retries;                 /* further attempts of a failed delivery */
  int64_t backoff_ms;          /* first wait before a retry; doubles each time ... */
  int64_t backoff_max_ms;      /* ... up to this */
  size_t queue_capacity;       /* events waiting for the sender; more are dropped */
  int64_t shutdown_timeout_ms; /* how long destroy keeps delivering what is queued */
  const char *producer;        /* the events' producer URI; NULL: walleye's */
  wy_lineage_clock_fn clock;   /* NULL: the wall clock */
  void *clock_opaque;
  FILE *console; /* console transport's stream; NULL: stdout */
  /* kafka transport: a sink that only the emitter's sender thread will use while the
   * emitter lives. Its on_delivery must be wy_delivery_dispatch (installed when NULL):
   * sends pass a wy_delivery_target_t, as connector.h asks. Borrowed; must outlive it. */
  wy_sink_t *kafka_sink;
} wy_lineage_options_t;

/* Defaults: transport none, interval 60 s, timeout 5 s, 5 retries from 200 ms up to
 * 10 s, 1024 queued events, 5 s to drain at shutdown, wall clock. */
void wy_lineage_options_init(wy_lineage_options_t *o);
/* Defaults overridden by the lineage.* keys of cfg. The strings point into cfg. */
wy_status_t wy_lineage_options_from_config(wy_lineage_options_t *o, const wy_config_t *cfg,
                                           wy_error_t *err);
/* The transport kind named `name` ("http", ...), or -1. */
int wy_lineage_transport_parse(const char *name);
/* "http", ...; NULL when out of range. */
const char *wy_lineage_transport_name(wy_lineage_transport_kind_t kind);

typedef struct wy_lineage_emitter wy_lineage_emitter_t;
typedef struct wy_lineage_run wy_lineage_run_t;

/* Opens the transport (a file transport opens its file here, so a bad path fails now)
 * and starts the sender thread. Options are copied. */
wy_status_t wy_lineage_emitter_new(const wy_lineage_options_t *o, wy_lineage_emitter_t **out,
                                   wy_error_t *err);
/* Stops the sender after delivering what is queued, for at most shutdown_timeout_ms;
 * the rest is counted as dropped. Runs still alive are detached: their later calls
 * do nothing. Accepts NULL. */
void wy_lineage_emitter_destroy(wy_lineage_emitter_t *e);

/* Queue a RUNNING event for every active run whose interval has elapsed by the clock.
 * The sender thread calls this on its own a few times a second; tests call it after
 * moving their clock. Returns the number of events queued. */
size_t wy_lineage_emitter_tick(wy_lineage_emitter_t *e);
/* Wait until every queued event has been delivered or given up (WY_ERR_TIMEOUT). */
wy_status_t wy_lineage_emitter_flush(wy_lineage_emitter_t *e, int timeout_ms, wy_error_t *err);
/* ABORT every active run (the node is stopping). Returns how many. */
size_t wy_lineage_emitter_abort_all(wy_lineage_emitter_t *e);

/* Every queued event ends up delivered, failed or dropped (or is still on its way). */
typedef struct wy_lineage_emitter_stats {
  uint64_t queued;    /* events built and handed to the queue */
  uint64_t delivered; /* events the transport accepted */
  uint64_t dropped;   /* events lost to a full queue, to memory or to shutdown */
  uint64_t failed;    /* events given up after their retries, or refused (HTTP 4xx) */
  uint64_t retries;   /* delivery attempts after the first */
} wy_lineage_emitter_stats_t;

void wy_lineage_emitter_stats(const wy_lineage_emitter_t *e, wy_lineage_emitter_stats_t *out);

/* ---- runs -------------------------------------------------------------------------- */

/* Validate q, make a run with a fresh UUIDv7, queue its START event. */
wy_status_t wy_lineage_run_start(wy_lineage_emitter_t *e, const wy_lineage_query_t *q,
                                 wy_lineage_run_t **out, wy_error_t *err);
/* Counters of input/output i, in the order of the query description; NULL when out of
 * range. Valid until wy_lineage_run_destroy. */
wy_lineage_counter_t *wy_lineage_run_input_counter(wy_lineage_run_t *r, size_t i);
wy_lineage_counter_t *wy_lineage_run_output_counter(wy_lineage_run_t *r, size_t i);
/* The run id, "xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx". */
const char *wy_lineage_run_id(const wy_lineage_run_t *r);

/* Terminal events: exactly one per run; a second one is WY_ERR_INVALID. */
wy_status_t wy_lineage_run_complete(wy_lineage_run_t *r, wy_error_t *err);
wy_status_t wy_lineage_run_abort(wy_lineage_run_t *r, wy_error_t *err);
wy_status_t wy_lineage_run_fail(wy_lineage_run_t *r, const char *message, wy_error_t *err);
/* Frees the run (an active run is forgotten without an event). Accepts NULL. */
void wy_lineage_run_destroy(wy_lineage_run_t *r);

/* ---- helpers, exported for the planner and tests ----------------------------------- */

#define WY_LINEAGE_UUID_LEN 36

/* A UUIDv7 for the time ms: 48-bit timestamp, then random bits from getrandom(). */
wy_status_t wy_lineage_uuid7(int64_t ms, char out[WY_LINEAGE_UUID_LEN + 1], wy_error_t *err);
/* "kafka://host:port" from the first of the bootstrap servers ("," or ";" separated),
 * without any protocol prefix such as PLAINTEXT://. */
wy_status_t wy_lineage_kafka_namespace(const char *bootstrap_servers, char *buf, size_t cap,
                                       wy_error_t *err);

#endif
