#include "connectors/kafka/embedded_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <string.h>

struct wy_embedded_broker {
  rd_kafka_t *rk; /* owner handle the mock cluster needs for its bookkeeping */
  rd_kafka_mock_cluster_t *mock;
  int nbrokers;
};

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
    return wy_error_set(err, WY_ERR_KAFKA, "cannot create topic %s: %s", topic, rd_kafka_err2str(e));
  return WY_OK;
}

void *wy_embedded_broker_mock(wy_embedded_broker_t *b) { return b->mock; }

void wy_embedded_broker_stop(wy_embedded_broker_t *b) {
  if (!b) return;
  rd_kafka_mock_cluster_destroy(b->mock);
  rd_kafka_destroy(b->rk);
  free(b);
}
