/* kafka_backend.c — the engines' topic backend on Kafka, over the admin client
 * (kafka_runtime.h). */
#include <pthread.h>
#include <stdlib.h>

#include "connectors/kafka/kafka_admin.h"
#include "engine/streams/streams_int.h"

/* ---- backend ------------------------------------------------------------------------ */

struct wy_kafka_backend {
  wy_backend_t base;
  wy_kafka_admin_t *admin;
  pthread_mutex_t lock; /* engines of several threads share the admin */
};

static int kb_partitions(void *ctx, const char *topic) {
  wy_kafka_backend_t *b = ctx;
  int n = -1;
  wy_error_t err;
  pthread_mutex_lock(&b->lock);
  if (wy_kafka_admin_topic_partitions(b->admin, topic, ADMIN_TIMEOUT_MS, &n, &err) != WY_OK) n = -1;
  pthread_mutex_unlock(&b->lock);
  return n;
}

static wy_status_t kb_create(void *ctx, const char *topic, int partitions, bool compacted,
                             wy_error_t *err) {
  wy_kafka_backend_t *b = ctx;
  static const wy_kafka_prop_t compact[] = {{"cleanup.policy", "compact"}};
  wy_kafka_topic_spec_t spec = {topic, partitions, -1, compacted ? compact : NULL,
                                compacted ? 1 : 0};
  pthread_mutex_lock(&b->lock);
  wy_status_t st = wy_kafka_admin_create_topic(b->admin, &spec, CREATE_TIMEOUT_MS, NULL, err);
  pthread_mutex_unlock(&b->lock);
  return st;
}

static wy_status_t kb_delete(void *ctx, const char *topic, wy_error_t *err) {
  (void)ctx;
  return wy_error_set(err, WY_ERR_UNSUPPORTED,
                      "deleting Kafka topic %s is not supported by walleye run", topic);
}

static const wy_backend_ops_t kafka_backend_ops = {kb_partitions, kb_create, kb_delete};

wy_status_t wy_kafka_backend_new(const wy_kafka_prop_t *props, size_t nprops, wy_sink_t *sink,
                                 wy_kafka_backend_t **out, wy_error_t *err) {
  *out = NULL;
  wy_kafka_backend_t *b = calloc(1, sizeof *b);
  if (!b) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (wy_kafka_admin_new(props, nprops, &b->admin, err) != WY_OK) {
    free(b);
    return err->code;
  }
  pthread_mutex_init(&b->lock, NULL);
  b->base.ops = &kafka_backend_ops;
  b->base.ctx = b;
  b->base.sink = sink;
  *out = b;
  return WY_OK;
}

const wy_backend_t *wy_kafka_backend_base(const wy_kafka_backend_t *b) { return &b->base; }

void wy_kafka_backend_destroy(wy_kafka_backend_t *b) {
  if (!b) return;
  wy_kafka_admin_destroy(b->admin);
  pthread_mutex_destroy(&b->lock);
  free(b);
}