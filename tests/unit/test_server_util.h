/* test_server_util.h — a node on a memory broker for the server tests. */
#ifndef WY_TEST_SERVER_UTIL_H
#define WY_TEST_SERVER_UTIL_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/memory/memory.h"
#include "engine/base/log.h"
#include "engine/server/node.h"

typedef struct node_fixture {
  wy_memory_broker_t *broker;
  wy_config_t *cfg;
  wy_node_t *node;
} node_fixture_t;

/* Another node of the same service on the same broker (NULL on failure). */
static inline wy_node_t *node_on(wy_memory_broker_t *b, const wy_config_t *cfg) {
  wy_error_t err;
  wy_engine_t *e = NULL;
  wy_node_runtime_t rt;
  wy_node_t *n = NULL;
  wy_engine_options_t o = {.broker = b};
  if (wy_engine_new(&o, &e, &err) != WY_OK) return NULL;
  if (wy_node_memory_runtime(e, &rt, &err) != WY_OK) {
    wy_engine_destroy(e);
    return NULL;
  }
  if (wy_node_new(e, rt, cfg, &n, &err) != WY_OK) return NULL;
  return n;
}

static inline node_fixture_t *node_fixture_new(void) {
  node_fixture_t *f = calloc(1, sizeof *f);
  wy_error_t err;
  wy_log_set_level(WY_LOG_ERROR);
  if (!f || wy_memory_broker_new(&f->broker, &err) != WY_OK) return NULL;
  f->cfg = wy_config_new();
  wy_config_set(f->cfg, "ksql.service.id", "test_", &err);
  f->node = node_on(f->broker, f->cfg);
  return f->node ? f : NULL;
}

static inline void node_fixture_destroy(node_fixture_t *f) {
  if (!f) return;
  wy_node_destroy(f->node);
  wy_memory_broker_destroy(f->broker);
  wy_config_destroy(f->cfg);
  free(f);
}

/* One request through the node; returns the parsed JSON reply (or NULL for text). */
static inline json_t *node_call(wy_node_t *n, const char *method, const char *path,
                                const char *body, int *status) {
  wy_node_reply_t r;
  wy_node_handle(n, method, path, body, body ? strlen(body) : 0, &r);
  *status = r.status;
  json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
  wy_node_reply_free(&r);
  return j;
}

/* POST /ksql with one ksql text (and optional streamsProperties JSON). */
static inline json_t *node_ksql(wy_node_t *n, const char *ksql, const char *props, int *status) {
  json_t *req = json_pack("{s:s}", "ksql", ksql);
  if (props) json_object_set_new(req, "streamsProperties", json_loads(props, 0, NULL));
  char *body = json_dumps(req, JSON_COMPACT);
  json_t *j = node_call(n, "POST", "/ksql", body, status);
  free(body);
  json_decref(req);
  return j;
}

/* cmocka setup and teardown of a node_fixture_t. */
static inline int node_setup(void **state) {
  *state = node_fixture_new();
  return *state ? 0 : -1;
}

static inline int node_teardown(void **state) {
  node_fixture_destroy(*state);
  return 0;
}

/* Produce to stream topic "s", keyed by a BIGINT id (ksqlDB's KAFKA key: 8 bytes, big
 * endian); a NULL value is a tombstone. Returns the status (tests assert it). */
static inline wy_status_t produce_status(node_fixture_t *f, int64_t id, const char *value) {
  wy_error_t err;
  char key[8];
  for (int i = 0; i < 8; i++) key[i] = (char)((uint64_t)id >> (56 - 8 * i));
  return wy_memory_broker_produce(f->broker, "s", -1, key, 8, value, value ? strlen(value) : 0,
                                  NULL, 0, 1000, NULL, NULL, &err);
}
#define produce(f, id, value) assert_int_equal(produce_status((f), (id), (value)), WY_OK)

#endif
