#include "engine/plog/processing_log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/base/log.h"

static const struct {
  int number;
  const char *name;
} plog_types[] = {
#define WY_X_PLOG(id, num, name) {num, name},
    WY_PLOG_TYPES(WY_X_PLOG)
#undef WY_X_PLOG
};

struct wy_plog {
  pthread_mutex_t lock;
  wy_plog_entry_t *ring;
  size_t cap, head, len;
  _Atomic uint64_t counts[WY_PLOG__COUNT];
  wy_sink_t *sink;
  char *topic;
};

wy_plog_t *wy_plog_new(size_t ring_capacity) {
  wy_plog_t *pl = calloc(1, sizeof *pl);
  if (!pl) return NULL;
  pl->cap = ring_capacity ? ring_capacity : 256;
  pl->ring = calloc(pl->cap, sizeof *pl->ring);
  if (!pl->ring) {
    free(pl);
    return NULL;
  }
  pthread_mutex_init(&pl->lock, NULL);
  return pl;
}

void wy_plog_destroy(wy_plog_t *pl) {
  if (!pl) return;
  pthread_mutex_destroy(&pl->lock);
  free(pl->ring);
  free(pl->topic);
  free(pl);
}

void wy_plog_attach_sink(wy_plog_t *pl, wy_sink_t *sink, const char *topic) {
  pthread_mutex_lock(&pl->lock);
  free(pl->topic);
  pl->topic = topic ? strdup(topic) : NULL;
  pl->sink = pl->topic ? sink : NULL;
  pthread_mutex_unlock(&pl->lock);
}

const char *wy_plog_type_name(wy_plog_type_t type) {
  return (unsigned)type < WY_PLOG__COUNT ? plog_types[type].name : "UNKNOWN";
}

static void copy_str(char *dst, size_t cap, const char *src) {
  snprintf(dst, cap, "%s", src ? src : "");
}

/* ksqlDB's processing-log record: {logger, level, time, message: {type, <struct>}}. */
static char *entry_json(const wy_plog_entry_t *e) {
  json_t *detail = json_object();
  json_object_set_new(detail, "errorMessage", json_string(e->message));
  json_object_set_new(detail, "topic", json_string(e->topic));
  json_object_set_new(detail, "partition", json_integer(e->partition));
  json_object_set_new(detail, "offset", json_integer(e->offset));
  if (e->target[0]) json_object_set_new(detail, "target", json_string(e->target));
  static const char *const struct_names[] = {"deserializationError", "recordProcessingError",
                                             "productionError", "serializationError"};
  json_t *msg = json_object();
  json_object_set_new(msg, "type", json_integer(plog_types[e->type].number));
  json_object_set_new(msg, struct_names[e->type], detail);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  json_t *root = json_object();
  json_object_set_new(root, "logger", json_string(e->logger));
  json_object_set_new(root, "level", json_string("ERROR"));
  json_object_set_new(root, "time",
                      json_integer((json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
  json_object_set_new(root, "message", msg);
  char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  return text;
}

void wy_plog_report(wy_plog_t *pl, wy_plog_type_t type, const char *query_id, const char *step,
                    const char *topic, int32_t partition, int64_t offset, const char *target,
                    const char *message) {
  if ((unsigned)type >= WY_PLOG__COUNT) type = WY_PLOG_RECORD_PROCESSING_ERROR;
  wy_plog_entry_t e;
  memset(&e, 0, sizeof e);
  e.type = type;
  snprintf(e.logger, sizeof e.logger, "processing.%s.%s", query_id ? query_id : "-",
           step ? step : "-");
  copy_str(e.topic, sizeof e.topic, topic);
  e.partition = partition;
  e.offset = offset;
  copy_str(e.target, sizeof e.target, target);
  copy_str(e.message, sizeof e.message, message);
  atomic_fetch_add(&pl->counts[type], 1);
  wy_log(WY_LOG_WARN, "processing",
         "%s skipped record type=%s topic=%s partition=%d offset=%lld%s%s reason=\"%s\"", e.logger,
         plog_types[type].name, e.topic, (int)partition, (long long)offset,
         e.target[0] ? " target=" : "", e.target, e.message);

  pthread_mutex_lock(&pl->lock);
  pl->ring[(pl->head + pl->len) % pl->cap] = e;
  if (pl->len < pl->cap)
    pl->len++;
  else
    pl->head = (pl->head + 1) % pl->cap;
  if (pl->sink) {
    char *json = entry_json(&e);
    if (json) {
      wy_error_t err;
      if (wy_sink_send(pl->sink, pl->topic, -1, NULL, 0, json, strlen(json), NULL, 0, -1, NULL,
                       &err) != WY_OK)
        wy_log(WY_LOG_ERROR, "processing", "cannot write to processing-log topic %s: %s", pl->topic,
               err.msg);
      free(json);
    }
  }
  pthread_mutex_unlock(&pl->lock);
}

uint64_t wy_plog_count(const wy_plog_t *pl, wy_plog_type_t type) {
  return (unsigned)type < WY_PLOG__COUNT ? atomic_load(&((wy_plog_t *)pl)->counts[type]) : 0;
}

uint64_t wy_plog_total(const wy_plog_t *pl) {
  uint64_t t = 0;
  for (int i = 0; i < WY_PLOG__COUNT; i++) t += wy_plog_count(pl, (wy_plog_type_t)i);
  return t;
}

size_t wy_plog_recent(wy_plog_t *pl, wy_plog_entry_t *out, size_t max) {
  pthread_mutex_lock(&pl->lock);
  size_t n = pl->len < max ? pl->len : max;
  size_t skip = pl->len - n;
  for (size_t i = 0; i < n; i++) out[i] = pl->ring[(pl->head + skip + i) % pl->cap];
  pthread_mutex_unlock(&pl->lock);
  return n;
}
