/* engine/runtime/processing_log: skipped records are counted, kept, logged and published. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/log.h"
#include "engine/plog/processing_log.h"

/* A sink that keeps the last value sent, to see what reaches the processing-log topic. */
typedef struct {
  wy_sink_t base;
  int sends;
  char topic[64];
  char last[2048];
} recording_sink_t;

static wy_status_t rec_send(wy_sink_t *s, const char *topic, int32_t partition, const void *key,
                            size_t key_len, const void *value, size_t value_len,
                            const wy_header_t *headers, size_t nheaders, int64_t timestamp,
                            void *opaque, wy_error_t *err) {
  recording_sink_t *r = (recording_sink_t *)s;
  r->sends++;
  snprintf(r->topic, sizeof r->topic, "%s", topic);
  snprintf(r->last, sizeof r->last, "%.*s", (int)value_len, (const char *)value);
  return WY_OK;
}
static void rec_poll(wy_sink_t *s) { (void)s; }
static wy_status_t rec_flush(wy_sink_t *s, int t, wy_error_t *e) { return WY_OK; }
static void rec_destroy(wy_sink_t *s) { (void)s; }
static const wy_sink_ops_t rec_ops = {rec_send, rec_poll, rec_flush, rec_destroy};

static void entries_are_counted_by_type_and_kept_in_order(void **state) {
  (void)state;
  wy_log_set_level(WY_LOG_ERROR); /* keep the test output quiet */
  wy_plog_t *pl = wy_plog_new(2);
  wy_plog_report(pl, WY_PLOG_DESERIALIZATION_ERROR, "CSAS_OUT_0", "KsqlTopic.Source", "in", 3, 41,
                 "value", "Cannot deserialize value");
  wy_plog_report(pl, WY_PLOG_RECORD_PROCESSING_ERROR, "CSAS_OUT_0", "Project", "in", 3, 42, NULL,
                 "division failed");
  wy_plog_report(pl, WY_PLOG_DESERIALIZATION_ERROR, "CSAS_OUT_0", "KsqlTopic.Source", "in", 0, 7,
                 "key", "bad key");
  assert_int_equal(wy_plog_count(pl, WY_PLOG_DESERIALIZATION_ERROR), 2);
  assert_int_equal(wy_plog_count(pl, WY_PLOG_RECORD_PROCESSING_ERROR), 1);
  assert_int_equal(wy_plog_total(pl), 3);
  wy_plog_entry_t got[4];
  /* The ring holds 2: the oldest entry fell out, the counters did not forget it. */
  assert_int_equal(wy_plog_recent(pl, got, 4), 2);
  assert_int_equal(got[0].offset, 42);
  assert_string_equal(got[0].logger, "processing.CSAS_OUT_0.Project");
  assert_int_equal(got[1].offset, 7);
  assert_string_equal(got[1].target, "key");
  assert_int_equal(got[1].partition, 0);
  wy_plog_destroy(pl);
}

static void entries_reach_the_topic_in_ksqldb_shape(void **state) {
  (void)state;
  wy_log_set_level(WY_LOG_ERROR);
  recording_sink_t sink = {{&rec_ops, NULL}, 0, "", ""};
  wy_plog_t *pl = wy_plog_new(0);
  wy_plog_attach_sink(pl, &sink.base, "default_ksql_processing_log");
  wy_plog_report(pl, WY_PLOG_DESERIALIZATION_ERROR, "Q1", "Source", "clicks", 1, 99, "value",
                 "unexpected end of JSON");
  assert_int_equal(sink.sends, 1);
  assert_string_equal(sink.topic, "default_ksql_processing_log");
  json_error_t jerr;
  json_t *root = json_loads(sink.last, 0, &jerr);
  assert_non_null(root);
  assert_string_equal(json_string_value(json_object_get(root, "logger")), "processing.Q1.Source");
  json_t *msg = json_object_get(root, "message");
  assert_int_equal(json_integer_value(json_object_get(msg, "type")), 0);
  json_t *d = json_object_get(msg, "deserializationError");
  assert_string_equal(json_string_value(json_object_get(d, "errorMessage")),
                      "unexpected end of JSON");
  assert_string_equal(json_string_value(json_object_get(d, "topic")), "clicks");
  assert_int_equal(json_integer_value(json_object_get(d, "offset")), 99);
  assert_string_equal(json_string_value(json_object_get(d, "target")), "value");
  json_decref(root);
  wy_plog_destroy(pl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(entries_are_counted_by_type_and_kept_in_order),
      cmocka_unit_test(entries_reach_the_topic_in_ksqldb_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
