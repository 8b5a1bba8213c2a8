/* Sizes that once overran fixed arrays, on every backend, and the named limits
 * (engine/base/limits.h) refusing what is over them:
 *  - a GROUP BY and a PARTITION BY of 20 expressions (a segmentation fault, and a node
 *    killed by one push query);
 *  - a source and a sink of 300 columns through SELECT * (a segmentation fault; 255
 *    columns written of 300);
 *  - a repartition topic of 32 partitions (35 of 64 records processed on the memory
 *    backend, the rest never drained);
 *  - a join over 20 topics: a stream joined with 19 tables (two sources at most);
 *  - exactly_once_v2 with 70 queries on one stream thread (from the 65th on, offsets
 *    never entered a transaction).
 * The memory backend is driven as `walleye test` drives it (an engine and a driver per
 * query) and through a node's memory runtime with push and pull queries; the embedded
 * broker through the Kafka runtime. Kafka waits give up after 30 s. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_sink.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/base/limits.h"
#include "engine/engine.h"
#include "engine/runtime/driver.h"
#include "engine/streams/kafka_runtime.h"
#include "test_server_util.h"

#define WIDE 300 /* columns of the wide source */
#define KEYS 20  /* GROUP BY / PARTITION BY expressions */
#define PARTS 32 /* partitions of the repartitioned source */
#define RECORDS 64

/* ---- SQL and records ---- */

/* "<prefix>1<sep><prefix>2 ... <prefix>n", each item formatted with its number. */
static char *list(const char *fmt, int from, int n, const char *sep) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  for (int i = from; i < from + n; i++) {
    if (i > from) fputs(sep, f);
    fprintf(f, fmt, i, i);
  }
  fclose(f);
  return out;
}

static char *sqlf(const char *fmt, ...) {
  char *s = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  return s;
}

/* The statements every backend runs. */
static char *all_sql(void) {
  char *cols = list("C%d INT", 1, KEYS, ", "), *names = list("C%d", 1, KEYS, ", ");
  char *wide = list("W%d INT", 0, WIDE, ", ");
  char *sql = sqlf(
      "CREATE STREAM s (id INT KEY, %s) WITH (kafka_topic='s', key_format='JSON', "
      "value_format='JSON');\n"
      "CREATE TABLE grouped AS SELECT %s, COUNT(*) AS n FROM s GROUP BY %s;\n"
      "CREATE STREAM parted AS SELECT * FROM s PARTITION BY %s;\n"
      "CREATE STREAM w (id INT KEY, %s) WITH (kafka_topic='w', value_format='JSON');\n"
      "CREATE STREAM w2 AS SELECT * FROM w;\n"
      "CREATE STREAM r (id INT KEY, g INT) WITH (kafka_topic='r', value_format='JSON', "
      "partitions=%d);\n"
      "CREATE TABLE counted AS SELECT g, COUNT(*) AS n FROM r GROUP BY g;\n",
      cols, names, names, names, wide, PARTS);
  free(cols);
  free(names);
  free(wide);
  return sql;
}

/* The value of stream s's record: C1..C20 = 1..20, but C20 = last. */
static char *s_value(int last) {
  char *cols = list("\"C%d\":%d", 1, KEYS - 1, ",");
  char *v = sqlf("{%s,\"C%d\":%d}", cols, KEYS, last);
  free(cols);
  return v;
}

static char *w_value(void) {
  char *cols = list("\"W%d\":%d", 0, WIDE, ",");
  char *v = sqlf("{%s}", cols);
  free(cols);
  return v;
}

static void int_key(int32_t id, char out[4]) {
  for (int i = 0; i < 4; i++) out[i] = (char)((uint32_t)id >> (24 - 8 * i));
}

typedef wy_status_t (*produce_fn)(void *user, const char *topic, const void *key, size_t klen,
                                  const char *value, wy_error_t *err);

/* Every input: three records of s (two in one group), one of w, 64 of r (distinct g). */
static void produce_all(produce_fn fn, void *user) {
  wy_error_t err;
  for (int i = 0; i < 3; i++) {
    char key[16];
    int kl = snprintf(key, sizeof key, "%d", i);
    char *v = s_value(i < 2 ? KEYS : 99);
    if (fn(user, "s", key, (size_t)kl, v, &err) != WY_OK) fail_msg("produce s: %s", err.msg);
    free(v);
  }
  char *v = w_value(), wkey[4];
  int_key(7, wkey);
  if (fn(user, "w", wkey, 4, v, &err) != WY_OK) fail_msg("produce w: %s", err.msg);
  free(v);
  for (int i = 0; i < RECORDS; i++) {
    char key[4], val[32];
    int_key(i, key);
    snprintf(val, sizeof val, "{\"G\":%d}", i);
    if (fn(user, "r", key, 4, val, &err) != WY_OK) fail_msg("produce r: %s", err.msg);
  }
}

/* The outputs, gathered by topic: JSON values (keys where asked). */
typedef struct outputs {
  json_t *grouped, *grouped_keys; /* GROUPED: values and keys, in order */
  json_t *parted_keys;            /* PARTED: keys */
  json_t *w2;                     /* W2: values */
  int counted;                    /* COUNTED: records */
} outputs_t;

static void outputs_init(outputs_t *o) {
  memset(o, 0, sizeof *o);
  o->grouped = json_array();
  o->grouped_keys = json_array();
  o->parted_keys = json_array();
  o->w2 = json_array();
}

static void outputs_free(outputs_t *o) {
  json_decref(o->grouped);
  json_decref(o->grouped_keys);
  json_decref(o->parted_keys);
  json_decref(o->w2);
}

static void output(outputs_t *o, const wy_record_t *r) {
  json_t *k = r->key ? json_loadb(r->key, r->key_len, 0, NULL) : NULL;
  json_t *v = r->value ? json_loadb(r->value, r->value_len, 0, NULL) : NULL;
  if (strcmp(r->topic, "GROUPED") == 0) {
    json_array_append(o->grouped, v ? v : json_null());
    json_array_append(o->grouped_keys, k ? k : json_null());
  } else if (strcmp(r->topic, "PARTED") == 0) {
    json_array_append(o->parted_keys, k ? k : json_null());
  } else if (strcmp(r->topic, "W2") == 0) {
    json_array_append(o->w2, v ? v : json_null());
  } else if (strcmp(r->topic, "COUNTED") == 0) {
    o->counted++;
  }
  json_decref(k);
  json_decref(v);
}

static bool outputs_complete(const outputs_t *o) {
  return json_array_size(o->grouped) >= 3 && json_array_size(o->parted_keys) >= 3 &&
         json_array_size(o->w2) >= 1 && o->counted >= RECORDS;
}

/* What every backend must have produced. */
static void check_outputs(const outputs_t *o) {
  /* GROUP BY of 20 expressions: the group of the first two records counted twice */
  assert_int_equal(json_array_size(o->grouped), 3);
  json_t *last_key = NULL, *last = NULL;
  for (size_t i = 0; i < 3; i++) {
    json_t *k = json_array_get(o->grouped_keys, i);
    assert_int_equal(json_object_size(k), KEYS);
    assert_int_equal(json_integer_value(json_object_get(k, "C1")), 1);
    if (json_integer_value(json_object_get(k, "C20")) == KEYS)
      last_key = k, last = json_array_get(o->grouped, i);
  }
  assert_non_null(last_key);
  assert_int_equal(json_integer_value(json_object_get(last, "N")), 2);
  /* PARTITION BY of 20 expressions: every record keyed by its 20 columns */
  assert_int_equal(json_array_size(o->parted_keys), 3);
  for (size_t i = 0; i < 3; i++) {
    json_t *k = json_array_get(o->parted_keys, i);
    assert_int_equal(json_object_size(k), KEYS);
    assert_int_equal(json_integer_value(json_object_get(k, "C19")), 19);
  }
  /* 300 columns in, 300 out, each with its value */
  assert_int_equal(json_array_size(o->w2), 1);
  json_t *w = json_array_get(o->w2, 0);
  assert_int_equal(json_object_size(w), WIDE);
  for (int i = 0; i < WIDE; i++) {
    char name[16];
    snprintf(name, sizeof name, "W%d", i);
    assert_int_equal(json_integer_value(json_object_get(w, name)), i);
  }
  /* a repartition topic of 32 partitions: every one of the 64 records counted */
  assert_int_equal(o->counted, RECORDS);
}

/* ---- the memory backend, as `walleye test` drives it ---- */

static wy_status_t mem_produce(void *user, const char *topic, const void *key, size_t klen,
                               const char *value, wy_error_t *err) {
  return wy_memory_broker_produce(user, topic, -1, key, klen, value, strlen(value), NULL, 0, 1000,
                                  NULL, NULL, err);
}

/* Every record of the query's source topics, through a driver. */
static void drive_query(wy_memory_broker_t *b, wy_query_t *q) {
  const wy_plan_t *p = wy_query_plan(q);
  wy_error_t err;
  wy_source_t *src, *internal;
  wy_driver_t *d;
  assert_int_equal(wy_memory_source_new(b, NULL, &src, &err), WY_OK);
  for (size_t i = 0; i < p->nsource_topics; i++)
    assert_int_equal(wy_memory_source_assign_topic(src, p->source_topics[i], &err), WY_OK);
  assert_int_equal(wy_driver_memory_internal(b, p, &internal, &err), WY_OK);
  wy_driver_options_t o = {.query = q, .source = src, .internal = internal};
  assert_int_equal(wy_driver_new(&o, &d, &err), WY_OK);
  for (size_t n = 1; n;)
    if (wy_driver_poll(d, 0, 0, &n, &err) != WY_OK) fail_msg("%s: %s", p->id, err.msg);
  wy_driver_destroy(d);
  wy_source_destroy(internal);
  wy_source_destroy(src);
}

/* Every record of a topic of the memory broker, partition by partition, to `fn`. */
static void read_memory_topic(wy_memory_broker_t *b, const char *topic,
                              void (*fn)(void *user, const wy_record_t *), void *user) {
  int32_t np = wy_memory_broker_partitions(b, topic);
  for (int32_t p = 0; p < np; p++) {
    int64_t end = 0;
    wy_error_t err;
    wy_memory_broker_end_offset(b, topic, p, &end, &err);
    for (int64_t off = 0; off < end; off++) {
      wy_record_t r;
      assert_int_equal(wy_memory_broker_read(b, topic, p, off, &r, &err), WY_OK);
      fn(user, &r);
    }
  }
}

static void output_to(void *user, const wy_record_t *r) { output(user, r); }

/* An engine on a new memory broker that executed `sql` (freed). */
static wy_engine_t *memory_engine(char *sql, wy_memory_broker_t **b) {
  wy_engine_t *e;
  wy_error_t err;
  assert_int_equal(wy_memory_broker_new(b, &err), WY_OK);
  wy_engine_options_t eo = {.broker = *b};
  assert_int_equal(wy_engine_new(&eo, &e, &err), WY_OK);
  if (wy_engine_execute_sql(e, sql, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  free(sql);
  return e;
}

static void sizes_work_on_the_memory_backend(void **state) {
  (void)state;
  wy_memory_broker_t *b;
  wy_engine_t *e = memory_engine(all_sql(), &b);
  /* the repartition topic has the source's 32 partitions */
  const wy_plan_t *p = wy_query_plan(wy_engine_query_at(e, 3));
  assert_int_equal(p->ninternal, 1);
  assert_int_equal(wy_memory_broker_partitions(b, p->internal_topics[0]), PARTS);
  produce_all(mem_produce, b);
  for (size_t i = 0; i < wy_engine_query_count(e); i++) drive_query(b, wy_engine_query_at(e, i));
  outputs_t o;
  outputs_init(&o);
  const char *topics[] = {"GROUPED", "PARTED", "W2", "COUNTED"};
  for (size_t i = 0; i < 4; i++) read_memory_topic(b, topics[i], output_to, &o);
  check_outputs(&o);
  outputs_free(&o);
  wy_engine_destroy(e);
  wy_memory_broker_destroy(b);
}

/* ---- a join over 20 topics: a stream joined with 19 tables on its key ---- */

#define JOINED 19 /* tables joined to the stream */

static char *join_sql(void) {
  char *tables = list(
      "CREATE TABLE t%d (id INT PRIMARY KEY, v INT) WITH (kafka_topic='t%d', "
      "value_format='JSON');\n",
      1, JOINED, "");
  char *cols = list("t%d.v AS v%d", 1, JOINED, ", ");
  char *joins = list("JOIN t%d ON j.id = t%d.id", 1, JOINED, " ");
  char *sql = sqlf(
      "CREATE STREAM j (id INT KEY, a INT) WITH (kafka_topic='j', value_format='JSON');\n%s"
      "CREATE STREAM joined AS SELECT j.id AS id, j.a AS a, %s FROM j %s;\n",
      tables, cols, joins);
  free(tables);
  free(cols);
  free(joins);
  return sql;
}

/* One row of key 1 in every table: t<i> has V = i. */
static void produce_tables(produce_fn fn, void *user) {
  char key[4], topic[16], val[32];
  wy_error_t err;
  int_key(1, key);
  for (int i = 1; i <= JOINED; i++) {
    snprintf(topic, sizeof topic, "t%d", i);
    snprintf(val, sizeof val, "{\"V\":%d}", i);
    if (fn(user, topic, key, 4, val, &err) != WY_OK) fail_msg("produce %s: %s", topic, err.msg);
  }
}

static void produce_stream(produce_fn fn, void *user) {
  char key[4];
  wy_error_t err;
  int_key(1, key);
  if (fn(user, "j", key, 4, "{\"A\":0}", &err) != WY_OK) fail_msg("produce j: %s", err.msg);
}

/* The stream's record, enriched by all 19 tables. */
static void check_joined(const wy_record_t *r) {
  char want_key[4];
  int_key(1, want_key);
  assert_int_equal(r->key_len, 4);
  assert_memory_equal(r->key, want_key, 4);
  json_t *v = json_loadb(r->value, r->value_len, 0, NULL);
  assert_non_null(v);
  assert_int_equal(json_object_size(v), JOINED + 1);
  assert_int_equal(json_integer_value(json_object_get(v, "A")), 0);
  for (int i = 1; i <= JOINED; i++) {
    char name[16];
    snprintf(name, sizeof name, "V%d", i);
    assert_int_equal(json_integer_value(json_object_get(v, name)), i);
  }
  json_decref(v);
}

static void count_joined(void *user, const wy_record_t *r) {
  check_joined(r);
  ++*(int *)user;
}

static void a_join_over_20_topics_works_on_the_memory_backend(void **state) {
  (void)state;
  wy_memory_broker_t *b;
  wy_engine_t *e = memory_engine(join_sql(), &b);
  wy_query_t *q = wy_engine_query_at(e, 0);
  const wy_plan_t *p = wy_query_plan(q);
  assert_int_equal(p->nsource_topics, JOINED + 1);
  assert_int_equal(p->ninternal, 0); /* every join on the stream's key: nothing re-keyed */
  /* the tables first, then the stream's record, so that it finds every row */
  produce_tables(mem_produce, b);
  drive_query(b, q);
  produce_stream(mem_produce, b);
  drive_query(b, q);
  int found = 0;
  read_memory_topic(b, "JOINED", count_joined, &found);
  assert_int_equal(found, 1);
  wy_engine_destroy(e);
  wy_memory_broker_destroy(b);
}

/* ---- a node's memory runtime: persistent, pull and push queries ---- */

static json_t *query_rows(wy_node_t *n, const char *sql) {
  json_t *req =
      json_pack("{s:s, s:{s:s}}", "sql", sql, "properties", "auto.offset.reset", "earliest");
  char *body = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  wy_node_reply_t r;
  wy_node_handle(n, "POST", "/query-stream", body, strlen(body), &r);
  free(body);
  if (r.status != 200) fail_msg("reply %d: %s", r.status, r.body);
  json_t *rows = json_array();
  for (char *line = r.body; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    json_t *j = json_loads(line, 0, NULL);
    if (json_is_array(j)) json_array_append(rows, j);
    json_decref(j);
    line = nl ? nl + 1 : NULL;
  }
  wy_node_reply_free(&r);
  return rows;
}

static void sizes_work_on_a_node_and_its_push_and_pull_queries(void **state) {
  node_fixture_t *f = *state;
  int st;
  char *sql = all_sql();
  json_t *reply = node_ksql(f->node, sql, "{\"auto.offset.reset\":\"earliest\"}", &st);
  if (st != 200) fail_msg("%s", json_dumps(reply, 0));
  json_decref(reply);
  free(sql);
  produce_all(mem_produce, f->broker);
  for (int i = 0; i < 10; i++) wy_node_pump(f->node, 0);
  outputs_t o;
  outputs_init(&o);
  const char *topics[] = {"GROUPED", "PARTED", "W2", "COUNTED"};
  for (size_t i = 0; i < 4; i++) read_memory_topic(f->broker, topics[i], output_to, &o);
  check_outputs(&o);
  outputs_free(&o);
  /* a pull query over the table: one row per group of the 32-partition repartition */
  json_t *rows = query_rows(f->node, "SELECT * FROM counted;");
  assert_int_equal(json_array_size(rows), RECORDS);
  json_decref(rows);
  /* push queries: an aggregation repartitioned over 32 partitions, a wide SELECT *, a
   * GROUP BY of 20 expressions */
  rows = query_rows(f->node, "SELECT g, COUNT(*) AS n FROM r GROUP BY g EMIT CHANGES LIMIT 64;");
  assert_int_equal(json_array_size(rows), RECORDS);
  json_decref(rows);
  rows = query_rows(f->node, "SELECT * FROM w EMIT CHANGES LIMIT 1;");
  assert_int_equal(json_array_size(rows), 1);
  assert_int_equal(json_array_size(json_array_get(rows, 0)), WIDE + 1);
  json_decref(rows);
  char *names = list("C%d", 1, KEYS, ", ");
  char *push =
      sqlf("SELECT %s, COUNT(*) AS n FROM s GROUP BY %s EMIT CHANGES LIMIT 3;", names, names);
  rows = query_rows(f->node, push);
  assert_int_equal(json_array_size(rows), 3);
  assert_int_equal(json_array_size(json_array_get(rows, 0)), KEYS + 1);
  json_decref(rows);
  free(push);
  free(names);
}

/* ---- statements over a limit ---- */

static void refused(wy_engine_t *e, const char *sql, const char *want) {
  wy_error_t err;
  wy_error_clear(&err);
  assert_int_not_equal(wy_engine_execute_sql(e, sql, NULL, &err), WY_OK);
  if (!strstr(err.msg, want)) fail_msg("got: %s\nwant: %s", err.msg, want);
}

static void statements_over_a_limit_are_refused_naming_it(void **state) {
  (void)state;
  wy_memory_broker_t *b;
  wy_engine_t *e;
  wy_error_t err;
  assert_int_equal(wy_memory_broker_new(&b, &err), WY_OK);
  wy_engine_options_t eo = {.broker = b};
  assert_int_equal(wy_engine_new(&eo, &e, &err), WY_OK);
  size_t too_many = wy_limit(WY_LIMIT_COLUMNS) + 1;
  char *cols = list("X%d INT", 0, (int)too_many, ", ");
  char *sql = sqlf(
      "CREATE STREAM huge (id INT KEY, %s) WITH (kafka_topic='huge', value_format='JSON');", cols);
  char *want = sqlf("The statement has %zu columns, more than the limit of %zu (WY_LIMIT_COLUMNS).",
                    too_many + 1, wy_limit(WY_LIMIT_COLUMNS));
  refused(e, sql, want);
  free(cols);
  free(sql);
  free(want);
  /* a GROUP BY over the key-column limit */
  size_t nkeys = wy_limit(WY_LIMIT_KEY_COLUMNS) + 1;
  cols = list("C%d INT", 0, (int)nkeys, ", ");
  sql = sqlf("CREATE STREAM k (id INT KEY, %s) WITH (kafka_topic='k', value_format='JSON');", cols);
  if (wy_engine_execute_sql(e, sql, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  free(cols);
  free(sql);
  char *names = list("C%d", 0, (int)nkeys, ", ");
  sql = sqlf("CREATE TABLE kt AS SELECT %s, COUNT(*) FROM k GROUP BY %s;", names, names);
  want = sqlf("GROUP BY has %zu key columns, more than the limit of %zu (WY_LIMIT_KEY_COLUMNS).",
              nkeys, wy_limit(WY_LIMIT_KEY_COLUMNS));
  refused(e, sql, want);
  free(sql);
  free(want);
  sql = sqlf("CREATE STREAM kp AS SELECT * FROM k PARTITION BY %s;", names);
  want = sqlf("PARTITION BY has %zu key columns", nkeys);
  refused(e, sql, want);
  free(sql);
  free(want);
  free(names);
  /* more aggregate calls than the limit */
  size_t naggs = wy_limit(WY_LIMIT_AGGREGATES) + 1;
  char *aggs = list("COUNT(C%d) AS N%d", 0, (int)naggs, ", ");
  sql = sqlf("CREATE TABLE ka AS SELECT id, %s FROM k GROUP BY id;", aggs);
  want = sqlf(
      "The query has %zu aggregate function calls, more than the limit of %zu "
      "(WY_LIMIT_AGGREGATES).",
      naggs, wy_limit(WY_LIMIT_AGGREGATES));
  refused(e, sql, want);
  free(aggs);
  free(sql);
  free(want);
  /* more joined sources than the limit: a stream and 64 tables */
  size_t ntables = wy_limit(WY_LIMIT_JOIN_SOURCES);
  char *tables = list(
      "CREATE TABLE jt%d (id INT PRIMARY KEY, v INT) "
      "WITH (kafka_topic='jt%d', value_format='JSON');\n",
      1, (int)ntables, "");
  if (wy_engine_execute_sql(e, tables, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  free(tables);
  if (wy_engine_execute_sql(
          e, "CREATE STREAM js (id INT KEY, v INT) WITH (kafka_topic='js', value_format='JSON');",
          NULL, &err) != WY_OK)
    fail_msg("%s", err.msg);
  char *joins = list("JOIN jt%d ON js.id = jt%d.id", 1, (int)ntables, " ");
  sql = sqlf("CREATE STREAM jj AS SELECT js.id AS id FROM js %s;", joins);
  want = sqlf(
      "The query has %zu joined sources, more than the limit of %zu "
      "(WY_LIMIT_JOIN_SOURCES).",
      ntables + 1, wy_limit(WY_LIMIT_JOIN_SOURCES));
  refused(e, sql, want);
  free(joins);
  free(sql);
  free(want);
  /* a topic over the partition limit */
  refused(e,
          "CREATE STREAM many (id INT KEY, v INT) WITH (kafka_topic='many', value_format='JSON', "
          "partitions=10001);",
          "The topic has 10001 partitions, more than the limit of 10000 (WY_LIMIT_PARTITIONS).");
  /* an identifier over the length limit, refused where it stands */
  char *longname = calloc(wy_limit(WY_LIMIT_IDENTIFIER_LENGTH) + 2, 1);
  memset(longname, 'X', wy_limit(WY_LIMIT_IDENTIFIER_LENGTH) + 1);
  sql = sqlf("CREATE STREAM %s (id INT KEY, v INT) WITH (kafka_topic='t', value_format='JSON');",
             longname);
  want = sqlf(
      "1:15: An identifier has %zu characters, more than the limit of %zu "
      "(WY_LIMIT_IDENTIFIER_LENGTH).",
      wy_limit(WY_LIMIT_IDENTIFIER_LENGTH) + 1, wy_limit(WY_LIMIT_IDENTIFIER_LENGTH));
  wy_error_clear(&err);
  assert_int_equal(wy_engine_execute_sql(e, sql, NULL, &err), WY_ERR_PARSE);
  char where[WY_ERROR_MSG_MAX + 32];
  snprintf(where, sizeof where, "%d:%d: %s", err.line, err.column, err.msg);
  assert_string_equal(where, want);
  free(longname);
  free(sql);
  free(want);
  /* the limit counts the name's characters: not quotes, escapes, or UTF-8 bytes */
  char name[512] = "", quoted[1024] = "\"";
  for (int i = 0; i < 200; i++) strcat(name, "X"), strcat(quoted, "X");
  for (int i = 0; i < 50; i++) strcat(name, "\u00e9"), strcat(quoted, "\u00e9");
  for (int i = 0; i < 5; i++) strcat(name, "\""), strcat(quoted, "\"\"");
  strcat(quoted, "\"");
  sql = sqlf("CREATE STREAM %s (id INT KEY, v INT) WITH (kafka_topic='t', value_format='JSON');",
             quoted);
  if (wy_engine_execute_sql(e, sql, NULL, &err) != WY_OK) fail_msg("%s", err.msg);
  assert_non_null(wy_catalog_find(wy_engine_catalog(e), name));
  free(sql);
  /* nothing was created by the refused statements */
  assert_null(wy_catalog_find(wy_engine_catalog(e), "HUGE"));
  assert_null(wy_catalog_find(wy_engine_catalog(e), "KT"));
  assert_null(wy_catalog_find(wy_engine_catalog(e), "KA"));
  assert_null(wy_catalog_find(wy_engine_catalog(e), "JJ"));
  assert_int_equal(wy_engine_query_count(e), 0);
  wy_engine_destroy(e);
  wy_memory_broker_destroy(b);
}

/* ---- the embedded broker, through the Kafka runtime ---- */

typedef struct kfx {
  wy_embedded_broker_t *broker;
  char state_dir[64];
  wy_config_t *cfg;
  wy_kafka_runtime_t *rt;
  wy_kafka_sink_t *producer;
} kfx_t;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static kfx_t *kafka_fixture(const char *guarantee) {
  kfx_t *fx = calloc(1, sizeof *fx);
  wy_error_t err;
  if (wy_embedded_broker_start(1, &fx->broker, &err) != WY_OK) fail_msg("broker: %s", err.msg);
  struct {
    const char *name;
    int parts;
  } topics[] = {{"s", 4}, {"w", 4}, {"r", PARTS}, {"e", 1}};
  for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
    if (wy_embedded_broker_create_topic(fx->broker, topics[i].name, topics[i].parts, &err) != WY_OK)
      fail_msg("topic: %s", err.msg);
  strcpy(fx->state_dir, "/tmp/walleye-test-limits-XXXXXX");
  if (!mkdtemp(fx->state_dir)) fail_msg("mkdtemp");
  fx->cfg = wy_config_new();
  const char *kv[][2] = {
      {"bootstrap.servers", wy_embedded_broker_bootstraps(fx->broker)},
      {"state.dir", fx->state_dir},
      {"auto.offset.reset", "earliest"},
      {"commit.interval.ms", "100"},
      {"processing.guarantee", guarantee},
      {"kafka.consumer.session.timeout.ms", "6000"},
      {"kafka.consumer.heartbeat.interval.ms", "500"},
      {"kafka.consumer.fetch.wait.max.ms", "50"},
      {"kafka.linger.ms", "2"},
  };
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
    if (wy_config_set(fx->cfg, kv[i][0], kv[i][1], &err) != WY_OK)
      fail_msg("%s: %s", kv[i][0], err.msg);
  wy_kafka_prop_t props[] = {{"bootstrap.servers", wy_embedded_broker_bootstraps(fx->broker)}};
  wy_kafka_sink_config_t c = {props, 1, NULL, 0};
  if (wy_kafka_sink_new(&c, &fx->producer, &err) != WY_OK) fail_msg("producer: %s", err.msg);
  return fx;
}

static void kafka_fixture_destroy(kfx_t *fx) {
  wy_kafka_runtime_destroy(fx->rt);
  wy_kafka_sink_destroy(fx->producer);
  wy_config_destroy(fx->cfg);
  wy_embedded_broker_stop(fx->broker);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", fx->state_dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", fx->state_dir);
  free(fx);
}

static wy_status_t kafka_produce(void *user, const char *topic, const void *key, size_t klen,
                                 const char *value, wy_error_t *err) {
  kfx_t *fx = user;
  return wy_sink_send(wy_kafka_sink_base(fx->producer), topic, -1, key, klen, value, strlen(value),
                      NULL, 0, 1000, NULL, err);
}

static void kafka_start(kfx_t *fx, const char *sql) {
  wy_error_t err;
  wy_kafka_runtime_options_t o = {.config = fx->cfg, .sql = sql};
  if (wy_kafka_runtime_new(&o, &fx->rt, &err) != WY_OK) fail_msg("runtime: %s", err.msg);
  if (wy_kafka_runtime_start(fx->rt, &err) != WY_OK) fail_msg("start: %s", err.msg);
}

static void sizes_work_on_the_embedded_broker(void **state) {
  (void)state;
  kfx_t *fx = kafka_fixture("at_least_once");
  wy_error_t err;
  char *sql = all_sql();
  kafka_start(fx, sql);
  free(sql);
  produce_all(kafka_produce, fx);
  if (wy_sink_flush(wy_kafka_sink_base(fx->producer), 10000, &err) != WY_OK)
    fail_msg("flush: %s", err.msg);
  /* read every sink from the beginning until all outputs came (or 30 s) */
  const char *topics[] = {"GROUPED", "PARTED", "W2", "COUNTED"};
  wy_kafka_prop_t props[] = {{"bootstrap.servers", wy_embedded_broker_bootstraps(fx->broker)},
                             {"auto.offset.reset", "earliest"}};
  wy_kafka_source_config_t c = {
      .props = props, .nprops = 2, .group_id = "limits-reader", .topics = topics, .ntopics = 4};
  wy_kafka_source_t *src;
  if (wy_kafka_source_new(&c, &src, &err) != WY_OK) fail_msg("reader: %s", err.msg);
  outputs_t o;
  outputs_init(&o);
  wy_record_t recs[64];
  for (int64_t deadline = now_ms() + 30000; !outputs_complete(&o) && now_ms() < deadline;) {
    size_t n = 0;
    if (wy_source_poll(wy_kafka_source_base(src), recs, 64, &n, 200, &err) != WY_OK) continue;
    for (size_t i = 0; i < n; i++) output(&o, &recs[i]);
  }
  wy_kafka_source_destroy(src);
  check_outputs(&o);
  outputs_free(&o);
  assert_true(wy_kafka_runtime_running(fx->rt));
  kafka_fixture_destroy(fx);
}

static void a_join_over_20_topics_works_on_the_embedded_broker(void **state) {
  (void)state;
  kfx_t *fx = kafka_fixture("at_least_once");
  wy_error_t err;
  for (int i = 0; i <= JOINED; i++) {
    char topic[16];
    snprintf(topic, sizeof topic, i ? "t%d" : "j", i);
    if (wy_embedded_broker_create_topic(fx->broker, topic, 4, &err) != WY_OK)
      fail_msg("topic: %s", err.msg);
  }
  char *sql = join_sql();
  kafka_start(fx, sql);
  free(sql);
  /* the tables first; the stream's record once the query has read all 19 rows */
  produce_tables(kafka_produce, fx);
  if (wy_sink_flush(wy_kafka_sink_base(fx->producer), 10000, &err) != WY_OK)
    fail_msg("flush: %s", err.msg);
  int64_t deadline = now_ms() + 30000;
  while (wy_kafka_runtime_query_stats(fx->rt, 0).in < JOINED && now_ms() < deadline)
    usleep(50 * 1000);
  assert_int_equal(wy_kafka_runtime_query_stats(fx->rt, 0).in, JOINED);
  produce_stream(kafka_produce, fx);
  if (wy_sink_flush(wy_kafka_sink_base(fx->producer), 10000, &err) != WY_OK)
    fail_msg("flush: %s", err.msg);
  const char *topics[] = {"JOINED"};
  wy_kafka_prop_t props[] = {{"bootstrap.servers", wy_embedded_broker_bootstraps(fx->broker)},
                             {"auto.offset.reset", "earliest"}};
  wy_kafka_source_config_t c = {.props = props,
                                .nprops = 2,
                                .group_id = "limits-join-reader",
                                .topics = topics,
                                .ntopics = 1};
  wy_kafka_source_t *src;
  if (wy_kafka_source_new(&c, &src, &err) != WY_OK) fail_msg("reader: %s", err.msg);
  int found = 0;
  wy_record_t recs[8];
  while (!found && now_ms() < deadline) {
    size_t n = 0;
    if (wy_source_poll(wy_kafka_source_base(src), recs, 8, &n, 200, &err) != WY_OK) continue;
    for (size_t i = 0; i < n; i++, found++) check_joined(&recs[i]);
  }
  wy_kafka_source_destroy(src);
  assert_int_equal(found, 1);
  assert_true(wy_kafka_runtime_running(fx->rt));
  kafka_fixture_destroy(fx);
}

/* exactly_once_v2 with more queries on a thread than the 64 that once took part in its
 * transactions: every query's positions are committed. */
static void exactly_once_commits_every_query_of_a_thread(void **state) {
  (void)state;
  enum { QUERIES = 70 };
  kfx_t *fx = kafka_fixture("exactly_once_v2");
  char *sql = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&sql, &len);
  fprintf(f, "CREATE STREAM e (id INT KEY, v INT) WITH (kafka_topic='e', value_format='JSON');\n");
  for (int i = 0; i < QUERIES; i++) fprintf(f, "CREATE STREAM e%d AS SELECT * FROM e;\n", i);
  fclose(f);
  kafka_start(fx, sql);
  free(sql);
  assert_int_equal(wy_kafka_runtime_query_count(fx->rt), QUERIES);
  wy_error_t err;
  for (int i = 0; i < 5; i++) {
    char key[4];
    int_key(i, key);
    if (kafka_produce(fx, "e", key, 4, "{\"V\":1}", &err) != WY_OK)
      fail_msg("produce: %s", err.msg);
  }
  if (wy_sink_flush(wy_kafka_sink_base(fx->producer), 10000, &err) != WY_OK)
    fail_msg("flush: %s", err.msg);
  int done = 0;
  for (int64_t deadline = now_ms() + 30000; done < QUERIES && now_ms() < deadline;
       usleep(100 * 1000)) {
    done = 0;
    for (int i = 0; i < QUERIES; i++) {
      wy_kafka_query_stats_t s = wy_kafka_runtime_query_stats(fx->rt, (size_t)i);
      done += s.in == 5 && s.commits >= 1;
    }
  }
  for (int i = 0; i < QUERIES && done < QUERIES; i++) {
    wy_kafka_query_stats_t s = wy_kafka_runtime_query_stats(fx->rt, (size_t)i);
    fprintf(stderr, "query %d (%s): in %llu, commits %llu\n", i,
            wy_kafka_runtime_query_id(fx->rt, (size_t)i), (unsigned long long)s.in,
            (unsigned long long)s.commits);
  }
  assert_int_equal(done, QUERIES);
  assert_true(wy_kafka_runtime_running(fx->rt));
  kafka_fixture_destroy(fx);
}

int main(void) {
  wy_log_set_level(WY_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sizes_work_on_the_memory_backend),
      cmocka_unit_test_setup_teardown(sizes_work_on_a_node_and_its_push_and_pull_queries,
                                      node_setup, node_teardown),
      cmocka_unit_test(statements_over_a_limit_are_refused_naming_it),
      cmocka_unit_test(sizes_work_on_the_embedded_broker),
      cmocka_unit_test(a_join_over_20_topics_works_on_the_memory_backend),
      cmocka_unit_test(a_join_over_20_topics_works_on_the_embedded_broker),
      cmocka_unit_test(exactly_once_commits_every_query_of_a_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
