/* engine/lineage: event content, column lineage, run lifecycle, the console, file and
 * kafka transports, the bounded queue. The http transport is in test_lineage_http.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connectors/memory/memory.h"
#include "engine/base/log.h"
#include "engine/lineage/lineage.h"

/* ---- fixtures ---------------------------------------------------------------------- */

static _Atomic int64_t fake_now;
static int64_t fake_clock(void *opaque) { return atomic_load(&fake_now); }

#define T0 1767225600000LL /* 2026-01-01T00:00:00.000Z */

/* CREATE STREAM USERS_MASKED AS SELECT ID, MASK(EMAIL) AS EMAIL,
 *   CASE WHEN VIP THEN NAME ELSE MASK(NAME) END AS DISPLAY
 *   FROM USERS WHERE COUNTRY = 'NO' EMIT CHANGES; */
static const char masked_sql[] =
    "CREATE STREAM USERS_MASKED AS SELECT ID, MASK(EMAIL) AS EMAIL, "
    "CASE WHEN VIP THEN NAME ELSE MASK(NAME) END AS DISPLAY "
    "FROM USERS WHERE COUNTRY = 'NO' EMIT CHANGES;";
static wy_lineage_field_t users_fields[6];
static const wy_lineage_field_t masked_fields[] = {
    {"ID", NULL, "BIGINT"}, {"EMAIL", NULL, "STRING"}, {"DISPLAY", NULL, "STRING"}};
static const wy_lineage_ref_t id_refs[] = {{0, "ID", WY_LINEAGE_IDENTITY, false, NULL}};
static const wy_lineage_ref_t email_refs[] = {
    {0, "EMAIL", WY_LINEAGE_TRANSFORMATION, true, "MASK(EMAIL)"}};
static const wy_lineage_ref_t display_refs[] = {
    {0, "NAME", WY_LINEAGE_IDENTITY, false, NULL},
    {0, "VIP", WY_LINEAGE_CONDITIONAL, false, "CASE WHEN VIP"},
    {0, "NAME", WY_LINEAGE_TRANSFORMATION, true, "MASK(NAME)"}};
static const wy_lineage_column_t masked_columns[] = {
    {"ID", id_refs, 1}, {"EMAIL", email_refs, 1}, {"DISPLAY", display_refs, 3}};
static const wy_lineage_ref_t masked_filter[] = {
    {0, "COUNTRY", WY_LINEAGE_FILTER, false, "COUNTRY = 'NO'"}};
static wy_lineage_dataset_t masked_inputs[1];
static wy_lineage_dataset_t masked_outputs[1];
static wy_lineage_query_t masked_query;

/* CREATE TABLE SPEND AS SELECT U.REGION, SUM(O.AMOUNT) AS TOTAL FROM ORDERS O
 *   JOIN USERS_T U ON O.USER_ID = U.ID GROUP BY U.REGION EMIT CHANGES; */
static const wy_lineage_field_t orders_fields[] = {{"USER_ID", NULL, "BIGINT"},
                                                   {"AMOUNT", NULL, "DECIMAL(10, 2)"}};
static const wy_lineage_field_t users_t_fields[] = {{"ID", NULL, "BIGINT"},
                                                    {"REGION", NULL, "STRING"}};
static const wy_lineage_field_t spend_fields[] = {{"REGION", NULL, "STRING"},
                                                  {"TOTAL", NULL, "DECIMAL(38, 2)"}};
static const wy_lineage_ref_t region_refs[] = {{1, "REGION", WY_LINEAGE_IDENTITY, false, NULL}};
static const wy_lineage_ref_t total_refs[] = {
    {0, "AMOUNT", WY_LINEAGE_AGGREGATION, false, "SUM(AMOUNT)"}};
static const wy_lineage_column_t spend_columns[] = {{"REGION", region_refs, 1},
                                                    {"TOTAL", total_refs, 1}};
static const wy_lineage_ref_t spend_indirect[] = {{0, "USER_ID", WY_LINEAGE_JOIN, false, NULL},
                                                  {1, "ID", WY_LINEAGE_JOIN, false, NULL},
                                                  {1, "REGION", WY_LINEAGE_GROUP_BY, false, NULL}};
static const wy_lineage_dataset_t spend_inputs[] = {
    {"orders", "ORDERS", WY_LINEAGE_STREAM, orders_fields, 2, NULL, 0, NULL, 0},
    {"users", "USERS_T", WY_LINEAGE_TABLE, users_t_fields, 2, NULL, 0, NULL, 0}};
static const wy_lineage_dataset_t spend_outputs[] = {
    {"SPEND", "SPEND", WY_LINEAGE_TABLE, spend_fields, 2, spend_columns, 2, spend_indirect, 3}};
static const wy_lineage_query_t spend_query = {"walleye_prod",
                                               "CTAS_SPEND_3",
                                               "CREATE TABLE SPEND AS SELECT ...",
                                               "broker7:9092",
                                               spend_inputs,
                                               2,
                                               spend_outputs,
                                               1};

static const wy_type_t *address_type;

static int setup_queries(void **state) {
  wy_type_t *st = wy_type_struct_new();
  assert_true(wy_type_struct_add(st, "STREET", wy_type_string()));
  assert_true(wy_type_struct_add(st, "ZIP", wy_type_int()));
  address_type = st;
  const wy_lineage_field_t uf[] = {
      {"ID", wy_type_bigint(), NULL},      {"EMAIL", wy_type_string(), NULL},
      {"NAME", wy_type_string(), NULL},    {"VIP", wy_type_boolean(), NULL},
      {"COUNTRY", wy_type_string(), NULL}, {"ADDRESS", address_type, NULL}};
  memcpy(users_fields, uf, sizeof uf);
  masked_inputs[0] = (wy_lineage_dataset_t){
      "users", "USERS", WY_LINEAGE_STREAM, users_fields, 6, NULL, 0, NULL, 0};
  masked_outputs[0] = (wy_lineage_dataset_t){"USERS_MASKED",
                                             "USERS_MASKED",
                                             WY_LINEAGE_STREAM,
                                             masked_fields,
                                             3,
                                             masked_columns,
                                             3,
                                             masked_filter,
                                             1};
  masked_query = (wy_lineage_query_t){"walleye_prod", "CSAS_USERS_MASKED_0",
                                      masked_sql,     "PLAINTEXT://broker1:9092,broker2:9092",
                                      masked_inputs,  1,
                                      masked_outputs, 1};
  return 0;
}

static int teardown_queries(void **state) {
  wy_type_unref(address_type);
  return 0;
}

typedef struct fixture {
  char path[64];
  wy_lineage_emitter_t *e;
  wy_lineage_run_t *run; /* from open_run */
  json_t *ev[8];         /* from read_events */
  size_t nev;
} fixture_t;

/* An emitter writing to a fresh temporary file, on the fake clock. */
static void open_file_emitter(fixture_t *f, int64_t interval_ms) {
  memset(f, 0, sizeof *f);
  snprintf(f->path, sizeof f->path, "/tmp/wy_lineage_XXXXXX");
  int fd = mkstemp(f->path);
  assert_true(fd >= 0);
  close(fd);
  atomic_store(&fake_now, T0);
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_FILE;
  o.url = f->path;
  o.running_interval_ms = interval_ms;
  o.clock = fake_clock;
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_new(&o, &f->e, &err), WY_OK);
}

/* The same, with one run of q started. */
static void open_run(fixture_t *f, int64_t interval_ms, const wy_lineage_query_t *q) {
  open_file_emitter(f, interval_ms);
  wy_error_t err;
  assert_int_equal(wy_lineage_run_start(f->e, q, &f->run, &err), WY_OK);
}

static void close_file_emitter(fixture_t *f) {
  for (size_t i = 0; i < f->nev; i++) json_decref(f->ev[i]);
  wy_lineage_run_destroy(f->run);
  wy_lineage_emitter_destroy(f->e);
  unlink(f->path);
}

/* Every event in the file into f->ev, once the emitter has delivered all it queued. */
static size_t read_events(fixture_t *f) {
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_flush(f->e, 5000, &err), WY_OK);
  FILE *in = fopen(f->path, "r");
  assert_non_null(in);
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, in) > 0) {
    assert_true(f->nev < sizeof f->ev / sizeof f->ev[0]);
    json_error_t jerr;
    f->ev[f->nev] = json_loads(line, 0, &jerr);
    assert_non_null(f->ev[f->nev]);
    f->nev++;
  }
  free(line);
  fclose(in);
  return f->nev;
}

/* A value by path: "outputs/0/facets/schema" (array indices are numbers). */
static json_t *at(json_t *root, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  json_t *cur = root;
  for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok && cur;
       tok = strtok_r(NULL, "/", &save)) {
    if (json_is_array(cur))
      cur = json_array_get(cur, strtoul(tok, NULL, 10));
    else
      cur = json_object_get(cur, tok);
  }
  return cur;
}

static const char *str_at(json_t *root, const char *path) {
  json_t *v = at(root, path);
  if (!json_is_string(v)) fail_msg("no string at %s", path);
  return json_string_value(v);
}

static json_int_t int_at(json_t *root, const char *path) {
  json_t *v = at(root, path);
  if (!json_is_integer(v)) fail_msg("no integer at %s", path);
  return json_integer_value(v);
}

/* Every facet under facets/inputFacets/outputFacets must name its producer and schema. */
static void assert_facets_well_formed(json_t *facets) {
  const char *key;
  json_t *f;
  json_object_foreach(facets, key, f) {
    assert_true(json_is_string(json_object_get(f, "_producer")));
    const char *url = json_string_value(json_object_get(f, "_schemaURL"));
    assert_non_null(url);
    assert_non_null(strstr(url, "https://openlineage.io/spec/"));
  }
}

/* ---- helpers ----------------------------------------------------------------------- */

static void namespace_comes_from_the_first_bootstrap_server(void **state) {
  char ns[64];
  wy_error_t err;
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"PLAINTEXT://broker1:9092,broker2:9092", "kafka://broker1:9092"},
      {"SASL_SSL://b.example.com:9093;other:1", "kafka://b.example.com:9093"},
      {"  host-a:19092 , host-b:19092", "kafka://host-a:19092"},
      {"127.0.0.1:9092", "kafka://127.0.0.1:9092"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_int_equal(wy_lineage_kafka_namespace(cases[i].in, ns, sizeof ns, &err), WY_OK);
    assert_string_equal(ns, cases[i].want);
  }
  assert_int_equal(wy_lineage_kafka_namespace("", ns, sizeof ns, &err), WY_ERR_INVALID);
  assert_int_equal(wy_lineage_kafka_namespace(NULL, ns, sizeof ns, &err), WY_ERR_INVALID);
  assert_int_equal(wy_lineage_kafka_namespace("PLAINTEXT://", ns, sizeof ns, &err), WY_ERR_INVALID);
  assert_int_equal(wy_lineage_kafka_namespace("a-very-long-host-name:9092", ns, 12, &err),
                   WY_ERR_INVALID);
}

static void uuid7_carries_the_time_and_version_bits(void **state) {
  char a[WY_LINEAGE_UUID_LEN + 1], b[WY_LINEAGE_UUID_LEN + 1], c[WY_LINEAGE_UUID_LEN + 1];
  wy_error_t err;
  assert_int_equal(wy_lineage_uuid7(0x0189ABCDEF01LL, a, &err), WY_OK);
  assert_int_equal(wy_lineage_uuid7(0x0189ABCDEF01LL, b, &err), WY_OK);
  assert_int_equal(wy_lineage_uuid7(0x0189ABCDEF02LL, c, &err), WY_OK);
  assert_int_equal(strlen(a), WY_LINEAGE_UUID_LEN);
  assert_memory_equal(a, "0189abcd-ef01-7", 15); /* 48-bit ms, then version 7 */
  assert_non_null(strchr("89ab", a[19]));        /* RFC 4122 variant */
  for (int i = 0; i < WY_LINEAGE_UUID_LEN; i++)
    assert_true(i == 8 || i == 13 || i == 18 || i == 23 ? a[i] == '-'
                                                        : strchr("0123456789abcdef", a[i]) != NULL);
  assert_string_not_equal(a, b);                     /* same millisecond, different random bits */
  assert_true(strcmp(a, c) < 0 && strcmp(b, c) < 0); /* time-ordered */
}

static void transform_names_split_direct_and_indirect(void **state) {
  assert_string_equal(wy_lineage_transform_type(WY_LINEAGE_AGGREGATION), "DIRECT");
  assert_string_equal(wy_lineage_transform_subtype(WY_LINEAGE_GROUP_BY), "GROUP_BY");
  assert_string_equal(wy_lineage_transform_type(WY_LINEAGE_JOIN), "INDIRECT");
  assert_null(wy_lineage_transform_type(WY_LINEAGE_TRANSFORM__COUNT));
  assert_int_equal(wy_lineage_transport_parse("kafka"), WY_LINEAGE_KAFKA);
  assert_int_equal(wy_lineage_transport_parse("carrier-pigeon"), -1);
}

/* ---- event content ------------------------------------------------------------------ */

static void start_event_carries_job_run_and_dataset_facets(void **state) {
  fixture_t f;
  open_run(&f, 30000, &masked_query);
  wy_lineage_run_t *run = f.run;
  assert_int_equal(read_events(&f), 1);
  json_t **ev = f.ev;
  json_t *e = ev[0];

  assert_string_equal(str_at(e, "eventType"), "START");
  assert_string_equal(str_at(e, "eventTime"), "2026-01-01T00:00:00.000Z");
  assert_string_equal(str_at(e, "schemaURL"),
                      "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent");
  assert_string_equal(str_at(e, "run/runId"), wy_lineage_run_id(run));
  assert_string_equal(str_at(e, "run/facets/processing_engine/name"), "walleye");
  assert_string_equal(str_at(e, "run/facets/processing_engine/version"), WALLEYE_VERSION);

  assert_string_equal(str_at(e, "job/namespace"), "walleye_prod");
  assert_string_equal(str_at(e, "job/name"), "CSAS_USERS_MASKED_0");
  assert_string_equal(str_at(e, "job/facets/jobType/processingType"), "STREAMING");
  assert_string_equal(str_at(e, "job/facets/jobType/integration"), "WALLEYE");
  assert_string_equal(str_at(e, "job/facets/jobType/jobType"), "QUERY");
  assert_string_equal(str_at(e, "job/facets/jobType/emissionPattern/eventTrigger"), "PERIODIC");
  assert_int_equal(int_at(e, "job/facets/jobType/emissionPattern/windowDuration"), 30);
  assert_string_equal(str_at(e, "job/facets/sql/query"), masked_sql);
  assert_string_equal(str_at(e, "job/facets/sql/dialect"), "ksql");

  assert_int_equal(json_array_size(at(e, "inputs")), 1);
  assert_string_equal(str_at(e, "inputs/0/namespace"), "kafka://broker1:9092");
  assert_string_equal(str_at(e, "inputs/0/name"), "users");
  assert_string_equal(str_at(e, "inputs/0/facets/schema/fields/0/name"), "ID");
  assert_string_equal(str_at(e, "inputs/0/facets/schema/fields/0/type"), "BIGINT");
  assert_string_equal(str_at(e, "inputs/0/facets/schema/fields/3/type"), "BOOLEAN");
  /* A STRUCT is rendered as ksqlDB does and described field by field. */
  assert_non_null(strstr(str_at(e, "inputs/0/facets/schema/fields/5/type"), "STRUCT<"));
  assert_string_equal(str_at(e, "inputs/0/facets/schema/fields/5/fields/1/name"), "ZIP");
  assert_string_equal(str_at(e, "inputs/0/facets/schema/fields/5/fields/1/type"), "INTEGER");
  assert_string_equal(str_at(e, "inputs/0/facets/datasetType/datasetType"), "TOPIC");
  assert_string_equal(str_at(e, "inputs/0/facets/symlinks/identifiers/0/name"), "USERS");
  assert_string_equal(str_at(e, "inputs/0/facets/symlinks/identifiers/0/type"), "STREAM");
  assert_string_equal(str_at(e, "inputs/0/facets/symlinks/identifiers/0/namespace"),
                      "walleye_prod");
  assert_string_equal(str_at(e, "inputs/0/facets/dataSource/uri"), "kafka://broker1:9092");
  assert_null(at(e, "inputs/0/facets/columnLineage")); /* only outputs have lineage */
  assert_null(at(e, "inputs/0/inputFacets"));          /* no statistics before a window */

  assert_string_equal(str_at(e, "outputs/0/name"), "USERS_MASKED");
  assert_string_equal(str_at(e, "outputs/0/facets/schema/fields/2/name"), "DISPLAY");
  assert_string_equal(str_at(e, "outputs/0/facets/schema/fields/2/type"), "STRING");

  assert_facets_well_formed(at(e, "run/facets"));
  assert_facets_well_formed(at(e, "job/facets"));
  assert_facets_well_formed(at(e, "inputs/0/facets"));
  assert_facets_well_formed(at(e, "outputs/0/facets"));
  close_file_emitter(&f);
}

static void column_lineage_marks_direct_indirect_and_masking(void **state) {
  fixture_t f;
  open_run(&f, 60000, &masked_query);
  assert_int_equal(read_events(&f), 1);
  json_t **ev = f.ev;
  json_t *cl = at(ev[0], "outputs/0/facets/columnLineage");
  assert_non_null(cl);
  assert_int_equal(json_object_size(at(cl, "fields")), 3);

  assert_string_equal(str_at(cl, "fields/ID/inputFields/0/namespace"), "kafka://broker1:9092");
  assert_string_equal(str_at(cl, "fields/ID/inputFields/0/name"), "users");
  assert_string_equal(str_at(cl, "fields/ID/inputFields/0/field"), "ID");
  assert_string_equal(str_at(cl, "fields/ID/inputFields/0/transformations/0/type"), "DIRECT");
  assert_string_equal(str_at(cl, "fields/ID/inputFields/0/transformations/0/subtype"), "IDENTITY");
  assert_true(json_is_false(at(cl, "fields/ID/inputFields/0/transformations/0/masking")));

  assert_string_equal(str_at(cl, "fields/EMAIL/inputFields/0/transformations/0/subtype"),
                      "TRANSFORMATION");
  assert_string_equal(str_at(cl, "fields/EMAIL/inputFields/0/transformations/0/description"),
                      "MASK(EMAIL)");
  assert_true(json_is_true(at(cl, "fields/EMAIL/inputFields/0/transformations/0/masking")));

  /* NAME is mentioned twice: one input field with both transformations, in order. */
  json_t *display = at(cl, "fields/DISPLAY/inputFields");
  assert_int_equal(json_array_size(display), 2);
  assert_string_equal(str_at(display, "0/field"), "NAME");
  assert_int_equal(json_array_size(at(display, "0/transformations")), 2);
  assert_string_equal(str_at(display, "0/transformations/0/subtype"), "IDENTITY");
  assert_true(json_is_false(at(display, "0/transformations/0/masking")));
  assert_string_equal(str_at(display, "0/transformations/1/subtype"), "TRANSFORMATION");
  assert_true(json_is_true(at(display, "0/transformations/1/masking")));
  assert_string_equal(str_at(display, "1/field"), "VIP");
  assert_string_equal(str_at(display, "1/transformations/0/type"), "INDIRECT");
  assert_string_equal(str_at(display, "1/transformations/0/subtype"), "CONDITIONAL");

  /* The WHERE clause decides which rows exist at all: a dataset-level dependency. */
  assert_int_equal(json_array_size(at(cl, "dataset")), 1);
  assert_string_equal(str_at(cl, "dataset/0/field"), "COUNTRY");
  assert_string_equal(str_at(cl, "dataset/0/transformations/0/type"), "INDIRECT");
  assert_string_equal(str_at(cl, "dataset/0/transformations/0/subtype"), "FILTER");
  close_file_emitter(&f);
}

static void join_and_group_by_lineage_names_each_input(void **state) {
  fixture_t f;
  open_run(&f, 60000, &spend_query);
  assert_int_equal(read_events(&f), 1);
  json_t **ev = f.ev;
  json_t *e = ev[0];
  assert_int_equal(json_array_size(at(e, "inputs")), 2);
  assert_string_equal(str_at(e, "inputs/1/name"), "users");
  assert_string_equal(str_at(e, "inputs/1/facets/symlinks/identifiers/0/type"), "TABLE");
  assert_string_equal(str_at(e, "inputs/0/facets/schema/fields/1/type"), "DECIMAL(10, 2)");
  json_t *cl = at(e, "outputs/0/facets/columnLineage");
  assert_string_equal(str_at(cl, "fields/TOTAL/inputFields/0/name"), "orders");
  assert_string_equal(str_at(cl, "fields/TOTAL/inputFields/0/field"), "AMOUNT");
  assert_string_equal(str_at(cl, "fields/TOTAL/inputFields/0/transformations/0/subtype"),
                      "AGGREGATION");
  assert_string_equal(str_at(cl, "fields/REGION/inputFields/0/name"), "users");
  json_t *ds = at(cl, "dataset");
  assert_int_equal(json_array_size(ds), 3);
  assert_string_equal(str_at(ds, "0/name"), "orders");
  assert_string_equal(str_at(ds, "0/transformations/0/subtype"), "JOIN");
  assert_string_equal(str_at(ds, "1/name"), "users");
  assert_string_equal(str_at(ds, "1/field"), "ID");
  assert_string_equal(str_at(ds, "2/field"), "REGION");
  assert_string_equal(str_at(ds, "2/transformations/0/subtype"), "GROUP_BY");
  assert_string_equal(str_at(e, "outputs/0/namespace"), "kafka://broker7:9092");
  close_file_emitter(&f);
}

static void bad_descriptions_are_refused_with_a_reason(void **state) {
  fixture_t f;
  open_file_emitter(&f, 60000);
  wy_lineage_run_t *run = (wy_lineage_run_t *)&f; /* must be reset to NULL */
  wy_error_t err;

  wy_lineage_query_t q = spend_query;
  q.query_id = NULL;
  assert_int_equal(wy_lineage_run_start(f.e, &q, &run, &err), WY_ERR_INVALID);
  assert_null(run);

  q = spend_query;
  q.bootstrap_servers = " , ";
  assert_int_equal(wy_lineage_run_start(f.e, &q, &run, &err), WY_ERR_INVALID);
  assert_non_null(strstr(err.msg, "bootstrap"));

  /* A reference to an input the query does not have. */
  wy_lineage_ref_t bad_ref = {2, "X", WY_LINEAGE_IDENTITY, false, NULL};
  wy_lineage_column_t col = {"X", &bad_ref, 1};
  wy_lineage_dataset_t out = spend_outputs[0];
  out.columns = &col;
  out.ncolumns = 1;
  q = spend_query;
  q.outputs = &out;
  assert_int_equal(wy_lineage_run_start(f.e, &q, &run, &err), WY_ERR_INVALID);
  assert_non_null(strstr(err.msg, "input 2"));

  /* Dataset-level dependencies are INDIRECT by definition. */
  wy_lineage_ref_t direct = {0, "AMOUNT", WY_LINEAGE_AGGREGATION, false, NULL};
  out = spend_outputs[0];
  out.dataset_refs = &direct;
  out.ndataset_refs = 1;
  assert_int_equal(wy_lineage_run_start(f.e, &q, &run, &err), WY_ERR_INVALID);
  assert_non_null(strstr(err.msg, "INDIRECT"));

  wy_lineage_dataset_t in = spend_inputs[0];
  in.topic = "";
  q = spend_query;
  q.inputs = &in;
  q.ninputs = 1;
  q.noutputs = 0;
  assert_int_equal(wy_lineage_run_start(f.e, &q, &run, &err), WY_ERR_INVALID);

  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(f.e, &st);
  assert_int_equal(st.queued, 0); /* nothing was emitted for a refused query */
  close_file_emitter(&f);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static void lifecycle_orders_start_running_complete_with_window_statistics(void **state) {
  fixture_t f;
  open_run(&f, 10000, &masked_query);
  wy_lineage_run_t *run = f.run;
  wy_error_t err;
  wy_lineage_counter_t *in = wy_lineage_run_input_counter(run, 0);
  wy_lineage_counter_t *out = wy_lineage_run_output_counter(run, 0);
  assert_non_null(in);
  assert_non_null(out);
  assert_null(wy_lineage_run_input_counter(run, 1));
  assert_null(wy_lineage_run_output_counter(run, 1));

  wy_lineage_counter_add(in, 100, 6400);
  wy_lineage_counter_add(out, 40, 2000);
  atomic_store(&fake_now, T0 + 9999); /* not yet due */
  assert_int_equal(wy_lineage_emitter_tick(f.e), 0);
  atomic_store(&fake_now, T0 + 10000);
  wy_lineage_emitter_flush(f.e, 5000, &err);
  wy_lineage_emitter_tick(f.e); /* the sender may have ticked first: either way, one */
  assert_int_equal(wy_lineage_emitter_tick(f.e), 0);

  wy_lineage_counter_add(in, 5, 320);
  atomic_store(&fake_now, T0 + 21000);
  wy_lineage_emitter_tick(f.e);

  wy_lineage_counter_add(in, 1, 64);
  wy_lineage_counter_add(out, 1, 50);
  atomic_store(&fake_now, T0 + 25000);
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_OK);
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_ERR_INVALID);
  assert_int_equal(wy_lineage_run_abort(run, &err), WY_ERR_INVALID);
  atomic_store(&fake_now, T0 + 90000);
  assert_int_equal(wy_lineage_emitter_tick(f.e), 0); /* an ended run reports no more */

  assert_int_equal(read_events(&f), 4);
  json_t **ev = f.ev;
  static const char *const types[] = {"START", "RUNNING", "RUNNING", "COMPLETE"};
  static const json_int_t rows_in[] = {0, 100, 5, 1}, bytes_in[] = {0, 6400, 320, 64};
  static const json_int_t rows_out[] = {0, 40, 0, 1};
  for (int i = 0; i < 4; i++) {
    assert_string_equal(str_at(ev[i], "eventType"), types[i]);
    assert_string_equal(str_at(ev[i], "run/runId"), wy_lineage_run_id(run));
    /* Every event repeats the whole lineage, for consumers that read only some. */
    assert_non_null(at(ev[i], "outputs/0/facets/columnLineage/fields/EMAIL"));
    assert_non_null(at(ev[i], "job/facets/sql"));
    if (i == 0) continue;
    assert_int_equal(int_at(ev[i], "inputs/0/inputFacets/inputStatistics/rowCount"), rows_in[i]);
    assert_int_equal(int_at(ev[i], "inputs/0/inputFacets/inputStatistics/size"), bytes_in[i]);
    assert_int_equal(int_at(ev[i], "outputs/0/outputFacets/outputStatistics/rowCount"),
                     rows_out[i]);
    assert_facets_well_formed(at(ev[i], "inputs/0/inputFacets"));
    assert_facets_well_formed(at(ev[i], "outputs/0/outputFacets"));
  }
  assert_string_equal(str_at(ev[1], "eventTime"), "2026-01-01T00:00:10.000Z");
  assert_string_equal(str_at(ev[3], "eventTime"), "2026-01-01T00:00:25.000Z");
  close_file_emitter(&f);
}

static void a_restart_is_a_new_run(void **state) {
  fixture_t f;
  open_file_emitter(&f, 60000);
  wy_lineage_run_t *first, *second;
  wy_error_t err;
  assert_int_equal(wy_lineage_run_start(f.e, &masked_query, &first, &err), WY_OK);
  assert_int_equal(wy_lineage_run_abort(first, &err), WY_OK);
  atomic_store(&fake_now, T0 + 5);
  assert_int_equal(wy_lineage_run_start(f.e, &masked_query, &second, &err), WY_OK);
  assert_string_not_equal(wy_lineage_run_id(first), wy_lineage_run_id(second));
  assert_true(strcmp(wy_lineage_run_id(first), wy_lineage_run_id(second)) < 0);
  assert_int_equal(read_events(&f), 3);
  json_t **ev = f.ev;
  assert_string_equal(str_at(ev[0], "eventType"), "START");
  assert_string_equal(str_at(ev[1], "eventType"), "ABORT");
  assert_string_equal(str_at(ev[2], "eventType"), "START");
  assert_string_equal(str_at(ev[2], "run/runId"), wy_lineage_run_id(second));
  assert_string_equal(str_at(ev[2], "job/name"), str_at(ev[0], "job/name"));
  wy_lineage_run_destroy(first);
  wy_lineage_run_destroy(second);
  close_file_emitter(&f);
}

static void fail_event_carries_the_error_message(void **state) {
  fixture_t f;
  open_run(&f, 60000, &spend_query);
  wy_lineage_run_t *run = f.run;
  wy_error_t err;
  assert_int_equal(wy_lineage_run_fail(run, "store error: disk full\n(at commit)", &err), WY_OK);
  assert_int_equal(read_events(&f), 2);
  json_t **ev = f.ev;
  assert_string_equal(str_at(ev[1], "eventType"), "FAIL");
  assert_string_equal(str_at(ev[1], "run/facets/errorMessage/message"),
                      "store error: disk full\n(at commit)");
  assert_string_equal(str_at(ev[1], "run/facets/errorMessage/programmingLanguage"), "C");
  assert_non_null(at(ev[1], "run/facets/processing_engine"));
  assert_null(at(ev[0], "run/facets/errorMessage"));
  assert_facets_well_formed(at(ev[1], "run/facets"));
  close_file_emitter(&f);
}

static void stopping_the_node_aborts_every_active_run(void **state) {
  fixture_t f;
  open_file_emitter(&f, 60000);
  wy_lineage_run_t *a, *b, *c;
  wy_error_t err;
  assert_int_equal(wy_lineage_run_start(f.e, &masked_query, &a, &err), WY_OK);
  assert_int_equal(wy_lineage_run_start(f.e, &spend_query, &b, &err), WY_OK);
  assert_int_equal(wy_lineage_run_start(f.e, &spend_query, &c, &err), WY_OK);
  assert_int_equal(wy_lineage_run_complete(b, &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_abort_all(f.e), 2);
  assert_int_equal(wy_lineage_emitter_abort_all(f.e), 0);
  assert_int_equal(wy_lineage_run_abort(a, &err), WY_ERR_INVALID);
  assert_int_equal(read_events(&f), 6);
  json_t **ev = f.ev;
  int aborts = 0;
  for (int i = 3; i < 6; i++) {
    const char *t = str_at(ev[i], "eventType");
    const char *id = str_at(ev[i], "run/runId");
    if (strcmp(t, "ABORT") == 0) {
      aborts++;
      assert_true(strcmp(id, wy_lineage_run_id(a)) == 0 || strcmp(id, wy_lineage_run_id(c)) == 0);
    } else {
      assert_string_equal(t, "COMPLETE");
      assert_string_equal(id, wy_lineage_run_id(b));
    }
  }
  assert_int_equal(aborts, 2);
  wy_lineage_run_destroy(a);
  wy_lineage_run_destroy(b);
  wy_lineage_run_destroy(c);
  close_file_emitter(&f);
}

static void the_sender_times_running_events_by_itself(void **state) {
  fixture_t f;
  open_run(&f, 1000, &masked_query);
  atomic_store(&fake_now, T0 + 1000);
  /* No tick call: the sender checks the clock a few times a second. Bounded wait. */
  wy_lineage_emitter_stats_t st = {0};
  for (int i = 0; i < 300 && st.queued < 2; i++) {
    usleep(10000);
    wy_lineage_emitter_stats(f.e, &st);
  }
  assert_int_equal(st.queued, 2);
  assert_int_equal(read_events(&f), 2);
  json_t **ev = f.ev;
  assert_string_equal(str_at(ev[1], "eventType"), "RUNNING");
  assert_string_equal(str_at(ev[1], "run/runId"), wy_lineage_run_id(f.run));
  close_file_emitter(&f);
}

static void a_run_outliving_its_emitter_is_detached(void **state) {
  fixture_t f;
  open_run(&f, 60000, &masked_query);
  wy_lineage_run_t *run = f.run;
  f.run = NULL; /* this test destroys the run itself, after the emitter */
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_abort_all(f.e), 1);
  close_file_emitter(&f); /* delivers what is queued before it returns */
  wy_lineage_counter_add(wy_lineage_run_input_counter(run, 0), 1, 1); /* still valid */
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_OK);        /* nowhere to go */
  wy_lineage_run_destroy(run);
  wy_lineage_run_destroy(NULL);
  wy_lineage_emitter_destroy(NULL);
}

static void transport_none_keeps_the_lifecycle_and_emits_nothing(void **state) {
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  assert_int_equal(o.transport, WY_LINEAGE_NONE);
  wy_lineage_emitter_t *e;
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_OK);
  assert_int_equal(wy_lineage_run_start(e, &masked_query, &run, &err), WY_OK);
  wy_lineage_counter_add(wy_lineage_run_output_counter(run, 0), 3, 30);
  assert_int_equal(wy_lineage_emitter_tick(e), 0);
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_OK);
  assert_int_equal(wy_lineage_run_fail(run, "x", &err), WY_ERR_INVALID);
  assert_int_equal(wy_lineage_emitter_flush(e, 10, &err), WY_OK);
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.queued + st.delivered + st.dropped + st.failed, 0);
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
}

/* ---- configuration and transports --------------------------------------------------- */

static void options_come_from_the_lineage_config_keys(void **state) {
  wy_config_t *c = wy_config_new();
  wy_error_t err;
  assert_int_equal(wy_config_set(c, "lineage.transport", "http", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "lineage.url", "http://marquez:5000", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "lineage.api.key", "k3y", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "lineage.running.interval.ms", "15000", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "lineage.timeout.ms", "750", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "lineage.retries", "2", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "lineage.queue.max.events", "16", &err), WY_OK);
  wy_lineage_options_t o;
  assert_int_equal(wy_lineage_options_from_config(&o, c, &err), WY_OK);
  assert_int_equal(o.transport, WY_LINEAGE_HTTP);
  assert_string_equal(o.url, "http://marquez:5000");
  assert_string_equal(o.api_key, "k3y");
  assert_int_equal(o.running_interval_ms, 15000);
  assert_int_equal(o.timeout_ms, 750);
  assert_int_equal(o.retries, 2);
  assert_int_equal(o.queue_capacity, 16);
  assert_int_equal(wy_config_set(c, "lineage.transport", "pigeon", &err), WY_ERR_CONFIG);
  wy_config_destroy(c);
}

static void emitter_refuses_unusable_options(void **state) {
  wy_lineage_options_t o;
  wy_lineage_emitter_t *e = (wy_lineage_emitter_t *)&o;
  wy_error_t err;
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_FILE;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_ERR_CONFIG); /* no path */
  assert_null(e);
  assert_non_null(strstr(err.msg, "lineage.url"));
  o.url = "/nonexistent-dir/lineage.ndjson";
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_ERR_IO);
  assert_non_null(strstr(err.msg, "/nonexistent-dir/lineage.ndjson"));
  o.url = "/tmp/x";
  o.running_interval_ms = 0;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_ERR_CONFIG);
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_KAFKA;
  o.url = "lineage-events";
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_ERR_CONFIG); /* no sink */
}

static void console_transport_writes_one_line_per_event(void **state) {
  FILE *out = tmpfile();
  assert_non_null(out);
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_CONSOLE;
  o.console = out;
  wy_lineage_emitter_t *e;
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_OK);
  assert_int_equal(wy_lineage_run_start(e, &spend_query, &run, &err), WY_OK);
  assert_int_equal(wy_lineage_run_fail(run, "line one\nline two", &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  rewind(out);
  char *line = NULL;
  size_t cap = 0;
  const char *want[] = {"START", "FAIL"};
  for (int i = 0; i < 2; i++) {
    assert_true(getline(&line, &cap, out) > 0);
    json_t *ev = json_loads(line, 0, NULL); /* a newline in the message stays escaped */
    assert_non_null(ev);
    assert_string_equal(str_at(ev, "eventType"), want[i]);
    json_decref(ev);
  }
  assert_int_equal(getline(&line, &cap, out), -1);
  free(line);
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  fclose(out);
}

/* The OpenLineage clients' property names and OPENLINEAGE_URL configure the emitter. */
static void openlineage_names_and_environment_configure_it(void **state) {
  wy_config_t *c = wy_config_new();
  wy_error_t err;
  unsetenv("OPENLINEAGE_URL");
  assert_int_equal(wy_config_set(c, "openlineage.transport.type", "composite", &err), WY_OK);
  assert_int_equal(wy_config_set(c, "openlineage.transport.transports", "file, console", &err),
                   WY_OK);
  assert_int_equal(wy_config_set(c, "openlineage.transport.location", "/tmp/l.ndjson", &err),
                   WY_OK);
  assert_int_equal(wy_config_set(c, "openlineage.transport.url", "http://marquez:5000", &err),
                   WY_OK);
  assert_int_equal(wy_config_set(c, "openlineage.transport.endpoint", "/api/v2/events", &err),
                   WY_OK);
  assert_int_equal(wy_config_set(c, "openlineage.transport.auth.apiKey", "k3y", &err), WY_OK);
  wy_lineage_options_t o;
  assert_int_equal(wy_lineage_options_from_config(&o, c, &err), WY_OK);
  assert_int_equal(o.transport, WY_LINEAGE_COMPOSITE);
  assert_int_equal(o.composite, (1u << WY_LINEAGE_FILE) | (1u << WY_LINEAGE_CONSOLE));
  assert_string_equal(o.file_location, "/tmp/l.ndjson");
  assert_string_equal(o.url, "http://marquez:5000");
  assert_string_equal(o.endpoint, "/api/v2/events");
  assert_string_equal(o.api_key, "k3y");
  assert_int_equal(wy_config_set(c, "openlineage.transport.transports", "file,pigeon", &err),
                   WY_OK);
  assert_int_equal(wy_lineage_options_from_config(&o, c, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "pigeon"));
  assert_int_equal(wy_config_set(c, "openlineage.transport.transports", "", &err), WY_OK);
  assert_int_equal(wy_lineage_options_from_config(&o, c, &err), WY_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "lineage.composite.transports"));
  wy_config_destroy(c);

  /* nothing configured: off, unless OPENLINEAGE_URL is set */
  c = wy_config_new();
  assert_int_equal(wy_lineage_options_from_config(&o, c, &err), WY_OK);
  assert_int_equal(o.transport, WY_LINEAGE_NONE);
  setenv("OPENLINEAGE_URL", "http://127.0.0.1:5000", 1);
  assert_int_equal(wy_lineage_options_from_config(&o, c, &err), WY_OK);
  assert_int_equal(o.transport, WY_LINEAGE_HTTP);
  assert_string_equal(o.url, "http://127.0.0.1:5000");
  unsetenv("OPENLINEAGE_URL");
  wy_config_destroy(c);
}

/* A composite transport gives every event to each of its transports; one that fails
 * does not stop the others. */
static void composite_transport_fans_out_to_each(void **state) {
  char path[] = "/tmp/walleye-lineage-composite-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  FILE *out = tmpfile();
  assert_non_null(out);
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_COMPOSITE;
  o.composite = (1u << WY_LINEAGE_FILE) | (1u << WY_LINEAGE_CONSOLE) | (1u << WY_LINEAGE_HTTP);
  o.file_location = path;
  o.url = "http://127.0.0.1:9"; /* nothing listens: the http part fails, the others go on */
  o.timeout_ms = 500;
  o.retries = 0;
  o.console = out;
  wy_lineage_emitter_t *e;
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_OK);
  assert_int_equal(wy_lineage_run_start(e, &spend_query, &run, &err), WY_OK);
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  FILE *files[2] = {fopen(path, "r"), out};
  assert_non_null(files[0]);
  rewind(out);
  for (int f = 0; f < 2; f++) {
    char *line = NULL;
    size_t cap = 0;
    const char *want[] = {"START", "COMPLETE"};
    for (int i = 0; i < 2; i++) {
      assert_true(getline(&line, &cap, files[f]) > 0);
      json_t *ev = json_loads(line, 0, NULL);
      assert_non_null(ev);
      assert_string_equal(str_at(ev, "eventType"), want[i]);
      json_decref(ev);
    }
    assert_int_equal(getline(&line, &cap, files[f]), -1);
    free(line);
    fclose(files[f]);
  }
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  unlink(path);
}

/* A sink that records what it is sent, acknowledges in flush, and can hold flush until
 * released (a stuck transport, to fill the emitter's queue). */
typedef struct recording_sink {
  wy_sink_t base;
  pthread_mutex_t mu;
  pthread_cond_t cond;
  bool hold;
  size_t n, pending;
  char *topics[32], *keys[32], *values[32];
  void *opaque[32];
} recording_sink_t;

static wy_status_t rs_send(wy_sink_t *s, const char *topic, int32_t partition, const void *key,
                           size_t key_len, const void *value, size_t value_len,
                           const wy_header_t *headers, size_t nheaders, int64_t timestamp,
                           void *opaque, wy_error_t *err) {
  recording_sink_t *r = (recording_sink_t *)s;
  pthread_mutex_lock(&r->mu);
  assert_true(r->n < 32);
  r->topics[r->n] = strdup(topic);
  r->keys[r->n] = strndup(key, key_len);
  r->values[r->n] = strndup(value, value_len);
  r->opaque[r->n] = opaque;
  r->n++;
  r->pending++;
  pthread_mutex_unlock(&r->mu);
  return WY_OK;
}

static void rs_poll(wy_sink_t *s) {}

static wy_status_t rs_flush(wy_sink_t *s, int timeout_ms, wy_error_t *err) {
  recording_sink_t *r = (recording_sink_t *)s;
  pthread_mutex_lock(&r->mu);
  while (r->hold) pthread_cond_wait(&r->cond, &r->mu);
  size_t first = r->n - r->pending;
  for (size_t i = first; i < r->n; i++)
    if (s->on_delivery) s->on_delivery(r->opaque[i], WY_OK, r->topics[i], 0, (int64_t)i, NULL);
  r->pending = 0;
  pthread_mutex_unlock(&r->mu);
  return WY_OK;
}

static void rs_destroy(wy_sink_t *s) {
  recording_sink_t *r = (recording_sink_t *)s;
  for (size_t i = 0; i < r->n; i++) {
    free(r->topics[i]);
    free(r->keys[i]);
    free(r->values[i]);
  }
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cond);
}

static const wy_sink_ops_t rs_ops = {rs_send, rs_poll, rs_flush, rs_destroy};

static void recording_sink_init(recording_sink_t *r) {
  memset(r, 0, sizeof *r);
  r->base.ops = &rs_ops;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cond, NULL);
}

static size_t sink_count(recording_sink_t *r) {
  pthread_mutex_lock(&r->mu);
  size_t n = r->n;
  pthread_mutex_unlock(&r->mu);
  return n;
}

static wy_lineage_emitter_t *kafka_emitter(wy_sink_t *sink, size_t capacity) {
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_KAFKA;
  o.url = "_lineage";
  o.kafka_sink = sink;
  o.queue_capacity = capacity;
  o.backoff_ms = 1;
  o.backoff_max_ms = 4;
  o.clock = fake_clock;
  wy_lineage_emitter_t *e;
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_OK);
  return e;
}

/* Through the memory connector's sink, as the Kafka one would be used. */
static void kafka_transport_sends_keyed_events_and_retries_failures(void **state) {
  wy_memory_broker_t *broker;
  wy_sink_t *sink;
  wy_error_t err;
  assert_int_equal(wy_memory_broker_new(&broker, &err), WY_OK);
  assert_int_equal(wy_memory_sink_new(broker, &sink, &err), WY_OK);
  wy_memory_sink_fail_next(sink, 2, WY_ERR_KAFKA, "broker down"); /* refused twice */
  wy_lineage_emitter_t *e = kafka_emitter(sink, 8);
  assert_true(sink->on_delivery != NULL); /* dispatch to each send's own target */
  wy_lineage_run_t *run;
  assert_int_equal(wy_lineage_run_start(e, &spend_query, &run, &err), WY_OK);
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.delivered, 2);
  assert_int_equal(st.retries, 2);
  assert_int_equal(st.failed, 0);
  int64_t end = 0;
  assert_int_equal(wy_memory_broker_end_offset(broker, "_lineage", 0, &end, &err), WY_OK);
  assert_int_equal(end, 2); /* the refused sends left nothing behind */
  const char *want[] = {"START", "COMPLETE"};
  for (int64_t off = 0; off < end; off++) {
    wy_record_t rec;
    assert_int_equal(wy_memory_broker_read(broker, "_lineage", 0, off, &rec, &err), WY_OK);
    assert_int_equal(rec.key_len, strlen("run:walleye_prod/CTAS_SPEND_3"));
    assert_memory_equal(rec.key, "run:walleye_prod/CTAS_SPEND_3", rec.key_len);
    json_t *ev = json_loadb(rec.value, rec.value_len, 0, NULL);
    assert_non_null(ev);
    assert_string_equal(str_at(ev, "eventType"), want[off]);
    assert_string_equal(str_at(ev, "run/runId"), wy_lineage_run_id(run));
    json_decref(ev);
  }
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  assert_null(sink->on_delivery); /* the emitter took out what it put in */
  wy_sink_destroy(sink);
  wy_memory_broker_destroy(broker);
}

static double elapsed_ms(const struct timespec *a) {
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

static void a_full_queue_drops_and_counts_without_blocking(void **state) {
  recording_sink_t sink;
  recording_sink_init(&sink);
  sink.hold = true; /* the transport is stuck: nothing leaves the queue */
  wy_lineage_emitter_t *e = kafka_emitter(&sink.base, 3);
  atomic_store(&fake_now, T0);
  wy_lineage_run_t *runs[8];
  wy_error_t err;
  double worst = 0;
  for (int i = 0; i < 8; i++) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(wy_lineage_run_start(e, &spend_query, &runs[i], &err), WY_OK);
    double ms = elapsed_ms(&t0);
    if (ms > worst) worst = ms;
  }
  assert_true(worst < 500); /* generous for a loaded machine; blocking would be forever */
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  /* One event is with the stuck transport, three wait in the queue, the rest are
   * dropped; the sender may not have taken the first yet, so 4 or 5 are dropped. */
  assert_int_equal(st.queued, 8);
  assert_true(st.dropped == 4 || st.dropped == 5);
  assert_int_equal(wy_lineage_emitter_flush(e, 50, &err), WY_ERR_TIMEOUT);

  pthread_mutex_lock(&sink.mu);
  sink.hold = false;
  pthread_cond_broadcast(&sink.cond);
  pthread_mutex_unlock(&sink.mu);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.delivered + st.dropped, 8);
  assert_int_equal(sink.n, st.delivered);
  for (int i = 0; i < 8; i++) wy_lineage_run_destroy(runs[i]);
  wy_lineage_emitter_destroy(e);
  rs_destroy(&sink.base);
}

static void a_full_queue_gives_up_running_events_before_lifecycle_ones(void **state) {
  recording_sink_t sink;
  recording_sink_init(&sink);
  sink.hold = true;
  wy_lineage_emitter_t *e = kafka_emitter(&sink.base, 2);
  atomic_store(&fake_now, T0);
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_run_start(e, &masked_query, &run, &err), WY_OK);
  /* Wait (bounded) until the stuck transport holds START, so the queue is empty. */
  for (int i = 0; i < 500 && sink_count(&sink) == 0; i++) usleep(2000);
  assert_int_equal(sink_count(&sink), 1);
  for (int w = 1; w <= 4; w++) {
    atomic_store(&fake_now, T0 + w * 60000);
    wy_lineage_emitter_tick(e);
  }
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_OK);
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.queued, 6);
  assert_int_equal(st.dropped, 3); /* RUNNING 3 and 4 on arrival, RUNNING 1 for COMPLETE */

  pthread_mutex_lock(&sink.mu);
  sink.hold = false;
  pthread_cond_broadcast(&sink.cond);
  pthread_mutex_unlock(&sink.mu);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  assert_int_equal(sink.n, 3);
  const char *want[] = {"START", "RUNNING", "COMPLETE"};
  for (int i = 0; i < 3; i++) {
    json_t *ev = json_loads(sink.values[i], 0, NULL);
    assert_string_equal(str_at(ev, "eventType"), want[i]);
    if (i == 1) assert_string_equal(str_at(ev, "eventTime"), "2026-01-01T00:02:00.000Z");
    json_decref(ev);
  }
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  rs_destroy(&sink.base);
}

int main(void) {
  wy_log_set_level(WY_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(namespace_comes_from_the_first_bootstrap_server),
      cmocka_unit_test(uuid7_carries_the_time_and_version_bits),
      cmocka_unit_test(transform_names_split_direct_and_indirect),
      cmocka_unit_test(start_event_carries_job_run_and_dataset_facets),
      cmocka_unit_test(column_lineage_marks_direct_indirect_and_masking),
      cmocka_unit_test(join_and_group_by_lineage_names_each_input),
      cmocka_unit_test(bad_descriptions_are_refused_with_a_reason),
      cmocka_unit_test(lifecycle_orders_start_running_complete_with_window_statistics),
      cmocka_unit_test(a_restart_is_a_new_run),
      cmocka_unit_test(fail_event_carries_the_error_message),
      cmocka_unit_test(stopping_the_node_aborts_every_active_run),
      cmocka_unit_test(the_sender_times_running_events_by_itself),
      cmocka_unit_test(a_run_outliving_its_emitter_is_detached),
      cmocka_unit_test(transport_none_keeps_the_lifecycle_and_emits_nothing),
      cmocka_unit_test(options_come_from_the_lineage_config_keys),
      cmocka_unit_test(emitter_refuses_unusable_options),
      cmocka_unit_test(console_transport_writes_one_line_per_event),
      cmocka_unit_test(openlineage_names_and_environment_configure_it),
      cmocka_unit_test(composite_transport_fans_out_to_each),
      cmocka_unit_test(kafka_transport_sends_keyed_events_and_retries_failures),
      cmocka_unit_test(a_full_queue_drops_and_counts_without_blocking),
      cmocka_unit_test(a_full_queue_gives_up_running_events_before_lifecycle_ones),
  };
  return cmocka_run_group_tests(tests, setup_queries, teardown_queries);
}
