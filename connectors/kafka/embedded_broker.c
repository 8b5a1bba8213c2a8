#include "connectors/kafka/embedded_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct wy_embedded_broker {
  rd_kafka_t *rk; /* owner handle the mock cluster needs for its bookkeeping */
  rd_kafka_mock_cluster_t *mock;
  int nbrokers;
  wy_embedded_broker_t *next; /* in the registry of this process's brokers */
};

/* The brokers started in this process, so that clients given a bootstrap list can tell
 * whether it is served in-process. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static wy_embedded_broker_t *registry;

static void registry_add(wy_embedded_broker_t *b) {
  pthread_mutex_lock(&registry_lock);
  b->next = registry;
  registry = b;
  pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(wy_embedded_broker_t *b) {
  pthread_mutex_lock(&registry_lock);
  for (wy_embedded_broker_t **p = &registry; *p; p = &(*p)->next)
    if (*p == b) {
      *p = b->next;
      break;
    }
  pthread_mutex_unlock(&registry_lock);
}

/* Is addr[0..len) one of the comma-separated entries of set? */
static bool address_in(const char *set, const char *addr, size_t len) {
  for (const char *p = set; *p;) {
    size_t n = strcspn(p, ",");
    if (n == len && strncmp(p, addr, len) == 0) return true;
    p += n;
    if (*p == ',') p++;
  }
  return false;
}

static bool serves_any(const wy_embedded_broker_t *b, const char *bootstraps) {
  const char *mine = rd_kafka_mock_cluster_bootstraps(b->mock);
  for (const char *p = bootstraps; *p;) {
    size_t n = strcspn(p, ",");
    if (n && address_in(mine, p, n)) return true;
    p += n;
    if (*p == ',') p++;
  }
  return false;
}

wy_status_t wy_embedded_broker_start(int nbrokers, wy_embedded_broker_t **out, wy_error_t *err) {
  *out = NULL;
  if (nbrokers < 1 || nbrokers > 16)
    return wy_error_set(err, WY_ERR_INVALID, "broker count must be between 1 and 16, got %d",
                        nbrokers);
  wy_embedded_broker_t *b = calloc(1, sizeof *b);
  if (!b) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle never connects anywhere; keep it quiet. */
  rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
  b->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!b->rk) {
    free(b);
    return wy_error_set(err, WY_ERR_KAFKA, "cannot create the broker's client handle: %s", errstr);
  }
  b->mock = rd_kafka_mock_cluster_new(b->rk, nbrokers);
  if (!b->mock) {
    rd_kafka_destroy(b->rk);
    free(b);
    return wy_error_set(err, WY_ERR_KAFKA, "cannot start the embedded Kafka cluster");
  }
  b->nbrokers = nbrokers;
  registry_add(b);
  *out = b;
  return WY_OK;
}

const char *wy_embedded_broker_bootstraps(const wy_embedded_broker_t *b) {
  return rd_kafka_mock_cluster_bootstraps(b->mock);
}

wy_status_t wy_embedded_broker_create_topic(wy_embedded_broker_t *b, const char *topic,
                                            int partitions, wy_error_t *err) {
  if (!topic || !*topic) return wy_error_set(err, WY_ERR_INVALID, "topic name is empty");
  if (partitions < 1 || partitions > 10000)
    return wy_error_set(err, WY_ERR_INVALID, "topic %s: partition count must be 1..10000, got %d",
                        topic, partitions);
  int replication = b->nbrokers < 3 ? b->nbrokers : 3;
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(b->mock, topic, partitions, replication);
  if (e)
    return wy_error_set(err, WY_ERR_KAFKA, "cannot create topic %s: %s", topic,
                        rd_kafka_err2str(e));
  return WY_OK;
}

wy_status_t wy_embedded_broker_create_topic_at(const char *bootstraps, const char *topic,
                                               int partitions, wy_error_t *err) {
  if (!bootstraps) return wy_error_set(err, WY_ERR_NOT_FOUND, "no bootstrap servers");
  pthread_mutex_lock(&registry_lock);
  wy_embedded_broker_t *b = registry;
  while (b && !serves_any(b, bootstraps)) b = b->next;
  /* Create under the lock: the broker cannot be stopped meanwhile. */
  wy_status_t st = b ? wy_embedded_broker_create_topic(b, topic, partitions, err)
                     : wy_error_set(err, WY_ERR_NOT_FOUND,
                                    "no embedded broker in this process serves %s", bootstraps);
  pthread_mutex_unlock(&registry_lock);
  return st;
}

void *wy_embedded_broker_mock(wy_embedded_broker_t *b) { return b->mock; }

void wy_embedded_broker_stop(wy_embedded_broker_t *b) {
  if (!b) return;
  registry_remove(b);
  rd_kafka_mock_cluster_destroy(b->mock);
  rd_kafka_destroy(b->rk);
  free(b);
}
