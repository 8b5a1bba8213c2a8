/*
 * connector.h — the source/sink interface shared by the Kafka and memory connectors.
 *
 * A source hands out batches of records from the partitions assigned to it and takes
 * back the positions to commit; a sink sends records and reports each one's fate
 * through a delivery callback, which is what lets the runtime commit input offsets
 * only after every output they caused is acknowledged. Implementations fill the ops
 * tables; callers use the wy_source_* / wy_sink_* wrappers. A source or sink is used by
 * one thread (the stream thread that owns it); delivery callbacks run on that thread,
 * from wy_sink_poll or wy_sink_flush.
 *
 * Record memory: the key, value and headers of a polled record stay valid until the
 * next poll on the same source.
 */
#ifndef WY_CONNECTOR_H
#define WY_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"

typedef struct wy_header {
  const char *key;   /* NUL-terminated */
  const void *value; /* NULL for a header with a null value */
  size_t value_len;
} wy_header_t;

typedef struct wy_record {
  const char *topic;
  int32_t partition;
  int64_t offset;
  int64_t timestamp; /* ms since the epoch */
  const void *key;   /* NULL for a null key */
  size_t key_len;
  const void *value; /* NULL for a null value (a tombstone) */
  size_t value_len;
  const wy_header_t *headers;
  size_t nheaders;
} wy_record_t;

/* A position: the next offset to read from a topic partition. */
typedef struct wy_position {
  const char *topic;
  int32_t partition;
  int64_t offset;
} wy_position_t;

typedef struct wy_source wy_source_t;
typedef struct wy_sink wy_sink_t;

typedef struct wy_source_ops {
  /* Up to max records into out[]; *n gets the count (0 on timeout). */
  wy_status_t (*poll)(wy_source_t *src, wy_record_t *out, size_t max, size_t *n, int timeout_ms,
                      wy_error_t *err);
  /* Record the positions as consumed (committed). */
  wy_status_t (*commit)(wy_source_t *src, const wy_position_t *pos, size_t npos, wy_error_t *err);
  /* Move the read position of one partition (used by restore and rewind). */
  wy_status_t (*seek)(wy_source_t *src, const char *topic, int32_t partition, int64_t offset,
                      wy_error_t *err);
  void (*destroy)(wy_source_t *src);
  /* Optional (NULL when a source cannot): stop handing out records of these partitions
   * until resumed, keeping their positions. The runtime's back-pressure. The offsets
   * in parts are ignored. */
  wy_status_t (*pause)(wy_source_t *src, const wy_position_t *parts, size_t nparts,
                       wy_error_t *err);
  wy_status_t (*resume)(wy_source_t *src, const wy_position_t *parts, size_t nparts,
                        wy_error_t *err);
} wy_source_ops_t;

struct wy_source {
  const wy_source_ops_t *ops;
};

/* Called once per sent record with its final status; offset is the record's offset in
 * the topic when it was stored (-1 on failure). */
typedef void (*wy_delivery_cb)(void *opaque, wy_status_t status, const char *topic,
                               int32_t partition, int64_t offset, const char *reason);

typedef struct wy_sink_ops {
  /* partition < 0 lets the sink choose (Kafka's default partitioner on the key). The
   * sink copies key, value and headers before returning. */
  wy_status_t (*send)(wy_sink_t *sink, const char *topic, int32_t partition, const void *key,
                      size_t key_len, const void *value, size_t value_len,
                      const wy_header_t *headers, size_t nheaders, int64_t timestamp, void *opaque,
                      wy_error_t *err);
  /* Serve delivery callbacks without blocking. */
  void (*poll)(wy_sink_t *sink);
  /* Wait until every sent record has had its callback, or timeout. */
  wy_status_t (*flush)(wy_sink_t *sink, int timeout_ms, wy_error_t *err);
  void (*destroy)(wy_sink_t *sink);
} wy_sink_ops_t;

struct wy_sink {
  const wy_sink_ops_t *ops;
  wy_delivery_cb on_delivery; /* may be NULL */
};

static inline wy_status_t wy_source_poll(wy_source_t *s, wy_record_t *out, size_t max, size_t *n,
                                         int timeout_ms, wy_error_t *err) {
  return s->ops->poll(s, out, max, n, timeout_ms, err);
}
static inline wy_status_t wy_source_commit(wy_source_t *s, const wy_position_t *pos, size_t npos,
                                           wy_error_t *err) {
  return s->ops->commit(s, pos, npos, err);
}
static inline wy_status_t wy_source_seek(wy_source_t *s, const char *topic, int32_t partition,
                                         int64_t offset, wy_error_t *err) {
  return s->ops->seek(s, topic, partition, offset, err);
}
static inline void wy_source_destroy(wy_source_t *s) {
  if (s) s->ops->destroy(s);
}
static inline wy_status_t wy_source_pause(wy_source_t *s, const wy_position_t *parts, size_t nparts,
                                          wy_error_t *err) {
  if (!s->ops->pause) return wy_error_set(err, WY_ERR_UNSUPPORTED, "this source cannot pause");
  return s->ops->pause(s, parts, nparts, err);
}
static inline wy_status_t wy_source_resume(wy_source_t *s, const wy_position_t *parts,
                                           size_t nparts, wy_error_t *err) {
  if (!s->ops->resume) return wy_error_set(err, WY_ERR_UNSUPPORTED, "this source cannot resume");
  return s->ops->resume(s, parts, nparts, err);
}
static inline wy_status_t wy_sink_send(wy_sink_t *s, const char *topic, int32_t partition,
                                       const void *key, size_t key_len, const void *value,
                                       size_t value_len, const wy_header_t *headers,
                                       size_t nheaders, int64_t timestamp, void *opaque,
                                       wy_error_t *err) {
  return s->ops->send(s, topic, partition, key, key_len, value, value_len, headers, nheaders,
                      timestamp, opaque, err);
}
static inline void wy_sink_poll(wy_sink_t *s) { s->ops->poll(s); }
static inline wy_status_t wy_sink_flush(wy_sink_t *s, int timeout_ms, wy_error_t *err) {
  return s->ops->flush(s, timeout_ms, err);
}
static inline void wy_sink_destroy(wy_sink_t *s) {
  if (s) s->ops->destroy(s);
}

/* Special offsets for wy_source_seek, with librdkafka's values. */
#define WY_OFFSET_BEGINNING (-2)
#define WY_OFFSET_END (-1)

/* A sink is shared by everything a task writes (outputs, changelogs), yet each writer
 * wants its own delivery reports. Convention: a writer passes as `opaque` a pointer to a
 * wy_delivery_target_t it owns, and the sink's on_delivery is wy_delivery_dispatch,
 * which forwards each report to that target. A NULL opaque or fn is ignored. */
typedef struct wy_delivery_target {
  wy_delivery_cb fn;
  void *opaque;
} wy_delivery_target_t;

static inline void wy_delivery_dispatch(void *opaque, wy_status_t status, const char *topic,
                                        int32_t partition, int64_t offset, const char *reason) {
  const wy_delivery_target_t *t = (const wy_delivery_target_t *)opaque;
  if (t && t->fn) t->fn(t->opaque, status, topic, partition, offset, reason);
}

#endif
