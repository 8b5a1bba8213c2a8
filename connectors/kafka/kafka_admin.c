#include "connectors/kafka/kafka_admin.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_int.h"
#include "engine/base/log.h"

struct wy_kafka_admin {
  rd_kafka_t *rk;
  char *bootstraps;
  bool use_embedded;
  bool create_topics_unanswered; /* CreateTopics timed out once: skip to auto-creation */
};

wy_status_t wy_kafka_topic_name_check(const char *topic, wy_error_t *err) {
  size_t n = topic ? strlen(topic) : 0;
  if (n == 0 || n > 249)
    return wy_error_set(err, WY_ERR_INVALID, "topic name must have 1 to 249 characters");
  if (strcmp(topic, ".") == 0 || strcmp(topic, "..") == 0)
    return wy_error_set(err, WY_ERR_INVALID, "topic name cannot be '%s'", topic);
  size_t ok = strspn(topic, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
  if (ok != n)
    return wy_error_set(err, WY_ERR_INVALID,
                        "topic name '%s' has an illegal character '%c' (legal: a-z A-Z 0-9 . _ -)",
                        topic, topic[ok]);
  return WY_OK;
}

wy_status_t wy_kafka_admin_new(const wy_kafka_prop_t *props, size_t nprops, wy_kafka_admin_t **out,
                               wy_error_t *err) {
  *out = NULL;
  const char *bs = wy_kafka_config_lookup(props, nprops, WY_KAFKA_ROLE_ADMIN, "bootstrap.servers");
  if (!bs) return wy_error_set(err, WY_ERR_CONFIG, "bootstrap.servers is not set");
  wy_kafka_admin_t *a = calloc(1, sizeof *a);
  if (!a || !(a->bootstraps = strdup(bs))) {
    free(a);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  a->use_embedded = true;
  void *conf;
  wy_status_t st = wy_kafka_config_build(NULL, 0, props, nprops, WY_KAFKA_ROLE_ADMIN, &conf, err);
  if (st == WY_OK) st = wy_kafka_client_new(RD_KAFKA_PRODUCER, conf, &a->rk, err);
  if (st != WY_OK) {
    wy_kafka_admin_destroy(a);
    return st;
  }
  *out = a;
  return WY_OK;
}

void wy_kafka_admin_destroy(wy_kafka_admin_t *a) {
  if (!a) return;
  if (a->rk) rd_kafka_destroy(a->rk);
  free(a->bootstraps);
  free(a);
}

void wy_kafka_admin_use_embedded(wy_kafka_admin_t *a, bool use) { a->use_embedded = use; }

/* Partition count from a listing of all topics: asking for one topic by name would
 * make brokers with automatic creation (the mock, among others) create it. 0 when the
 * topic is absent. */
static wy_status_t partitions_listed(wy_kafka_admin_t *a, const char *topic, int timeout_ms,
                                     int *partitions, wy_error_t *err) {
  const struct rd_kafka_metadata *md;
  rd_kafka_resp_err_t e = rd_kafka_metadata(a->rk, 1, NULL, &md, timeout_ms);
  if (e) return wy_kafka_error_from(err, e, "cannot read cluster metadata");
  *partitions = 0;
  for (int i = 0; i < md->topic_cnt; i++)
    if (strcmp(md->topics[i].topic, topic) == 0 && !md->topics[i].err)
      *partitions = md->topics[i].partition_cnt;
  rd_kafka_metadata_destroy(md);
  return WY_OK;
}

wy_status_t wy_kafka_admin_topic_exists(wy_kafka_admin_t *a, const char *topic, int timeout_ms,
                                        bool *exists, wy_error_t *err) {
  int n;
  wy_status_t st = partitions_listed(a, topic, timeout_ms, &n, err);
  *exists = st == WY_OK && n > 0;
  return st;
}

wy_status_t wy_kafka_admin_topic_partitions(wy_kafka_admin_t *a, const char *topic, int timeout_ms,
                                            int *partitions, wy_error_t *err) {
  wy_status_t st = partitions_listed(a, topic, timeout_ms, partitions, err);
  if (st == WY_OK && *partitions == 0)
    return wy_error_set(err, WY_ERR_NOT_FOUND, WY_KAFKA_NO_TOPIC_FMT, topic);
  return st;
}

/* Path 3: ask for the topic by name, which a broker with automatic creation answers by
 * creating it. */
static wy_status_t auto_create(wy_kafka_admin_t *a, const char *topic, int timeout_ms,
                               int *partitions, wy_error_t *err) {
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(a->rk, topic, NULL);
  if (!rkt) return wy_kafka_error_from(err, rd_kafka_last_error(), "cannot name the topic");
  const struct rd_kafka_metadata *md;
  rd_kafka_resp_err_t e = rd_kafka_metadata(a->rk, 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (e) return wy_kafka_error_from(err, e, "cannot read topic metadata");
  *partitions = md->topic_cnt == 1 && !md->topics[0].err ? md->topics[0].partition_cnt : 0;
  rd_kafka_resp_err_t terr =
      md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
  rd_kafka_metadata_destroy(md);
  if (*partitions == 0)
    return wy_error_set(err, WY_ERR_KAFKA,
                        "topic %s was not created: CreateTopics went unanswered and the broker "
                        "did not create it automatically (%s)",
                        topic, rd_kafka_err2str(terr));
  return WY_OK;
}

/* Path 2. Sets *unanswered when the cluster did not answer or does not support the
 * request, which is the cue for path 3. */
static wy_status_t create_topics(wy_kafka_admin_t *a, const wy_kafka_topic_spec_t *spec,
                                 int timeout_ms, bool *unanswered, wy_error_t *err) {
  char errstr[512];
  *unanswered = false;
  rd_kafka_NewTopic_t *nt =
      rd_kafka_NewTopic_new(spec->name, spec->partitions, spec->replicas > 0 ? spec->replicas : -1,
                            errstr, sizeof errstr);
  if (!nt) return wy_error_set(err, WY_ERR_INVALID, "topic %s: %s", spec->name, errstr);
  for (size_t i = 0; i < spec->nconfigs; i++)
    rd_kafka_NewTopic_set_config(nt, spec->configs[i].key, spec->configs[i].value);
  rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(a->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, errstr, sizeof errstr);
  rd_kafka_queue_t *q = rd_kafka_queue_new(a->rk);
  rd_kafka_CreateTopics(a->rk, &nt, 1, opts, q);
  /* The request times out by itself; the extra second only covers its bookkeeping. */
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
  rd_kafka_resp_err_t e = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
  wy_status_t st = WY_OK;
  if (!e) {
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    e = n == 1 ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      st = wy_error_set(err, WY_ERR_KAFKA, "cannot create topic %s: %s", spec->name,
                        n == 1 && rd_kafka_topic_result_error_string(res[0])
                            ? rd_kafka_topic_result_error_string(res[0])
                            : rd_kafka_err2str(e));
  } else if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
             e == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION) {
    *unanswered = true;
    wy_log(WY_LOG_WARN, "kafka",
           "CreateTopics unanswered, relying on automatic creation "
           "topic=%s reason=%s",
           spec->name, rd_kafka_err2str(e));
  } else {
    st = wy_error_set(err, WY_ERR_KAFKA, "cannot create topic %s: %s", spec->name,
                      ev ? rd_kafka_event_error_string(ev) : rd_kafka_err2str(e));
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);
  return st;
}

/* A freshly created topic can take a moment to show in metadata. */
static wy_status_t wait_listed(wy_kafka_admin_t *a, const char *topic, int64_t deadline,
                               int *partitions, wy_error_t *err) {
  for (;;) {
    int64_t left = deadline - wy_kafka_now_ms();
    wy_status_t st = partitions_listed(a, topic, left > 100 ? (int)left : 100, partitions, err);
    if (st != WY_OK || *partitions > 0) return st;
    if (left <= 0)
      return wy_error_set(err, WY_ERR_TIMEOUT, "topic %s did not appear in metadata in time",
                          topic);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
}

wy_status_t wy_kafka_admin_create_topic(wy_kafka_admin_t *a, const wy_kafka_topic_spec_t *spec,
                                        int timeout_ms, int *partitions_out, wy_error_t *err) {
  int dummy;
  int *parts = partitions_out ? partitions_out : &dummy;
  *parts = 0;
  wy_status_t st = wy_kafka_topic_name_check(spec->name, err);
  if (st != WY_OK) return st;
  if (spec->partitions < 1)
    return wy_error_set(err, WY_ERR_INVALID, "topic %s: partition count must be at least 1, got %d",
                        spec->name, spec->partitions);
  if (timeout_ms <= 0) timeout_ms = 5000;
  int64_t deadline = wy_kafka_now_ms() + timeout_ms;

  int existing;
  st = partitions_listed(a, spec->name, timeout_ms, &existing, err);
  if (st != WY_OK) return st;
  if (existing > 0) {
    *parts = existing;
    if (existing != spec->partitions)
      return wy_error_set(err, WY_ERR_EXISTS,
                          "A Kafka topic with the name '%s' already exists, with different "
                          "partition/replica configuration than required. KSQL expects %d "
                          "partitions (topic has %d).",
                          spec->name, spec->partitions, existing);
    return WY_OK;
  }

  bool unanswered = a->create_topics_unanswered;
  st = WY_ERR_NOT_FOUND;
  if (a->use_embedded) {
    wy_error_t e;
    st = wy_embedded_broker_create_topic_at(a->bootstraps, spec->name, spec->partitions, &e);
    if (st != WY_OK && st != WY_ERR_NOT_FOUND) return wy_error_set(err, st, "%s", e.msg);
  }
  if (st == WY_ERR_NOT_FOUND && !unanswered) {
    int64_t left = deadline - wy_kafka_now_ms();
    st = create_topics(a, spec, left > 100 ? (int)left : 100, &unanswered, err);
    if (st != WY_OK) return st;
    a->create_topics_unanswered = unanswered;
  }
  if (unanswered) {
    int64_t left = deadline - wy_kafka_now_ms();
    st = auto_create(a, spec->name, left > 1000 ? (int)left : 1000, parts, err);
  } else {
    st = wait_listed(a, spec->name, deadline, parts, err);
  }
  if (st == WY_OK && *parts != spec->partitions)
    wy_log(WY_LOG_WARN, "kafka",
           "topic created with a different partition count topic=%s "
           "wanted=%d got=%d",
           spec->name, spec->partitions, *parts);
  return st;
}
