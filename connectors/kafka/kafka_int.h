/*
 * kafka_int.h — helpers shared by the Kafka source, sink and admin (module-private).
 */
#ifndef WY_KAFKA_INT_H
#define WY_KAFKA_INT_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <time.h>

#include "connectors/connector.h"
#include "engine/base/status.h"

/* ksqlDB's wording, kept so that error messages read the same. */
#define WY_KAFKA_NO_TOPIC_FMT "Kafka topic does not exist: %s"

/* A topic-partition list from positions; NULL when out of memory. */
rd_kafka_topic_partition_list_t *wy_kafka_tpl_from(const wy_position_t *pos, size_t n);

/* The first per-partition error in a list, or RD_KAFKA_RESP_ERR_NO_ERROR. */
rd_kafka_resp_err_t wy_kafka_tpl_first_error(const rd_kafka_topic_partition_list_t *l,
                                             const rd_kafka_topic_partition_t **which);

/* Fill err from a librdkafka error code, prefixed with what was being done. */
wy_status_t wy_kafka_error_from(wy_error_t *err, rd_kafka_resp_err_t code, const char *doing);

/* Build the client of the given type, taking ownership of conf in every case. */
wy_status_t wy_kafka_client_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, rd_kafka_t **out,
                                wy_error_t *err);

static inline int64_t wy_kafka_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
