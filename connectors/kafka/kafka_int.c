#include "connectors/kafka/kafka_int.h"

rd_kafka_topic_partition_list_t *wy_kafka_tpl_from(const wy_position_t *pos, size_t n) {
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n > 0 ? (int)n : 1);
  for (size_t i = 0; l && i < n; i++)
    rd_kafka_topic_partition_list_add(l, pos[i].topic, pos[i].partition)->offset = pos[i].offset;
  return l;
}

rd_kafka_resp_err_t wy_kafka_tpl_first_error(const rd_kafka_topic_partition_list_t *l,
                                             const rd_kafka_topic_partition_t **which) {
  for (int i = 0; i < l->cnt; i++)
    if (l->elems[i].err) {
      if (which) *which = &l->elems[i];
      return l->elems[i].err;
    }
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

wy_status_t wy_kafka_error_from(wy_error_t *err, rd_kafka_resp_err_t code, const char *doing) {
  wy_status_t st = code == RD_KAFKA_RESP_ERR__TIMED_OUT ? WY_ERR_TIMEOUT : WY_ERR_KAFKA;
  return wy_error_set(err, st, "%s: %s (%s)", doing, rd_kafka_err2str(code),
                      rd_kafka_err2name(code));
}

wy_status_t wy_kafka_client_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, rd_kafka_t **out,
                                wy_error_t *err) {
  char errstr[512];
  *out = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (!*out) {
    rd_kafka_conf_destroy(conf); /* rd_kafka_new keeps conf only when it succeeds */
    return wy_error_set(err, WY_ERR_CONFIG, "cannot create the Kafka %s: %s",
                        type == RD_KAFKA_CONSUMER ? "consumer" : "producer", errstr);
  }
  return WY_OK;
}
