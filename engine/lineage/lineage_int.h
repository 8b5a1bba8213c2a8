/*
 * lineage_int.h — private parts of engine/lineage shared by its files.
 *
 * event.c turns a query description into a run's document (the JSON that every event
 * of the run repeats) and serializes events; transport*.c deliver serialized events.
 * A document is built by the thread that starts the run and afterwards only read, under
 * the emitter's run lock; a transport is used by the sender thread alone.
 */
#ifndef WY_LINEAGE_INT_H
#define WY_LINEAGE_INT_H

#include "engine/lineage/lineage.h"

/* X(id, eventType) */
#define WY_LINEAGE_EVENTS(X)            \
  X(WY_LINEAGE_EV_START, "START")       \
  X(WY_LINEAGE_EV_RUNNING, "RUNNING")   \
  X(WY_LINEAGE_EV_COMPLETE, "COMPLETE") \
  X(WY_LINEAGE_EV_ABORT, "ABORT")       \
  X(WY_LINEAGE_EV_FAIL, "FAIL")

typedef enum {
#define WY_X_LEV(id, name) id,
  WY_LINEAGE_EVENTS(WY_X_LEV)
#undef WY_X_LEV
} wy_lineage_event_t;

const char *wy_lineage_event_name(wy_lineage_event_t ev);

/* Records and bytes of one dataset over one reporting window. */
typedef struct wy_lineage_delta {
  uint64_t records;
  uint64_t bytes;
} wy_lineage_delta_t;

typedef struct wy_lineage_doc wy_lineage_doc_t;

/* Check what the planner filled in; the error names the offending part. */
wy_status_t wy_lineage_query_check(const wy_lineage_query_t *q, wy_error_t *err);
/* Build the parts every event of a run repeats. q must have passed the check. */
wy_status_t wy_lineage_doc_new(const wy_lineage_query_t *q, const char *producer,
                               int64_t interval_ms, wy_lineage_doc_t **out, wy_error_t *err);
void wy_lineage_doc_destroy(wy_lineage_doc_t *d);

/* One event as one line of compact JSON (malloc'd, no newline), or NULL when out of
 * memory. in/out hold one delta per input/output, or are NULL for no statistics;
 * message is the errorMessage of a FAIL. */
char *wy_lineage_event_dump(const wy_lineage_doc_t *d, wy_lineage_event_t ev, const char *run_id,
                            int64_t now_ms, const wy_lineage_delta_t *in,
                            const wy_lineage_delta_t *out, const char *message, size_t *len);

/* "2026-01-01T00:00:00.000Z" */
void wy_lineage_format_time(int64_t ms, char buf[32]);

typedef struct wy_lineage_transport wy_lineage_transport_t;

typedef struct wy_lineage_transport_ops {
  /* Deliver one event. On failure, *retryable says whether trying again may help (a
   * connection refused may; an HTTP 400 will not). key is the Kafka message key. */
  wy_status_t (*deliver)(wy_lineage_transport_t *t, const char *json, size_t len, const char *key,
                         int64_t now_ms, bool *retryable, wy_error_t *err);
  void (*close)(wy_lineage_transport_t *t);
} wy_lineage_transport_ops_t;

struct wy_lineage_transport {
  const wy_lineage_transport_ops_t *ops;
};

/* A transport for o->transport, which is not WY_LINEAGE_NONE. */
wy_status_t wy_lineage_transport_open(const wy_lineage_options_t *o, wy_lineage_transport_t **out,
                                      wy_error_t *err);
wy_status_t wy_lineage_http_open(const wy_lineage_options_t *o, wy_lineage_transport_t **out,
                                 wy_error_t *err);

static inline void wy_lineage_transport_close(wy_lineage_transport_t *t) {
  if (t) t->ops->close(t);
}

#endif
