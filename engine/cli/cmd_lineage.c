/* walleye lineage-sample — emits the OpenLineage events of two sample queries through
 * a chosen transport, for checking a lineage backend or the event format by hand:
 * a masking CSAS (START, RUNNING, RUNNING, COMPLETE), a join + GROUP BY CTAS (START,
 * RUNNING, FAIL) and a restart of the first (START, then ABORT as the node stops).
 * The clock is simulated, so the RUNNING windows pass at once. */
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/cli/cli.h"
#include "engine/lineage/lineage.h"

static _Atomic int64_t sample_now;
static int64_t sample_clock(void *opaque) { return atomic_load(&sample_now); }

/* CREATE STREAM PAGEVIEWS_MASKED AS SELECT VIEWTIME, MASK(USERID) AS USERID, UCASE(PAGEID)
 *   AS PAGEID FROM PAGEVIEWS WHERE PAGEID <> 'healthcheck' EMIT CHANGES; */
static const char masked_sql[] =
    "CREATE STREAM PAGEVIEWS_MASKED AS SELECT VIEWTIME, MASK(USERID) AS USERID, UCASE(PAGEID) "
    "AS PAGEID FROM PAGEVIEWS WHERE PAGEID <> 'healthcheck' EMIT CHANGES;";
static const wy_lineage_field_t pageview_fields[] = {
    {"VIEWTIME", NULL, "BIGINT"}, {"USERID", NULL, "STRING"}, {"PAGEID", NULL, "STRING"}};
static const wy_lineage_ref_t viewtime_refs[] = {{0, "VIEWTIME", WY_LINEAGE_IDENTITY, false, NULL}};
static const wy_lineage_ref_t userid_refs[] = {
    {0, "USERID", WY_LINEAGE_TRANSFORMATION, true, "MASK(USERID)"}};
static const wy_lineage_ref_t pageid_refs[] = {
    {0, "PAGEID", WY_LINEAGE_TRANSFORMATION, false, "UCASE(PAGEID)"}};
static const wy_lineage_column_t masked_columns[] = {
    {"VIEWTIME", viewtime_refs, 1}, {"USERID", userid_refs, 1}, {"PAGEID", pageid_refs, 1}};
static const wy_lineage_ref_t masked_where[] = {
    {0, "PAGEID", WY_LINEAGE_FILTER, false, "PAGEID <> 'healthcheck'"}};
static const wy_lineage_dataset_t pageviews[] = {
    {"pageviews", "PAGEVIEWS", WY_LINEAGE_STREAM, pageview_fields, 3, NULL, 0, NULL, 0}};
static const wy_lineage_dataset_t pageviews_masked[] = {{"PAGEVIEWS_MASKED", "PAGEVIEWS_MASKED",
                                                         WY_LINEAGE_STREAM, pageview_fields, 3,
                                                         masked_columns, 3, masked_where, 1}};

/* CREATE TABLE REGION_VIEWS AS SELECT U.REGIONID, COUNT(*) AS VIEWS FROM PAGEVIEWS P
 *   JOIN USERS U ON P.USERID = U.USERID GROUP BY U.REGIONID EMIT CHANGES; */
static const char region_sql[] =
    "CREATE TABLE REGION_VIEWS AS SELECT U.REGIONID, COUNT(*) AS VIEWS FROM PAGEVIEWS P "
    "JOIN USERS U ON P.USERID = U.USERID GROUP BY U.REGIONID EMIT CHANGES;";
/* The last field's type is filled in at run time: a STRUCT, to show nested schema fields. */
static wy_lineage_field_t user_fields[] = {
    {"USERID", NULL, "STRING"}, {"REGIONID", NULL, "STRING"}, {"ADDRESS", NULL, NULL}};
static const wy_lineage_field_t region_fields[] = {{"REGIONID", NULL, "STRING"},
                                                   {"VIEWS", NULL, "BIGINT"}};
static const wy_lineage_ref_t regionid_refs[] = {{1, "REGIONID", WY_LINEAGE_IDENTITY, false, NULL}};
static const wy_lineage_ref_t views_refs[] = {
    {0, "VIEWTIME", WY_LINEAGE_AGGREGATION, false, "COUNT(*)"}};
static const wy_lineage_column_t region_columns[] = {{"REGIONID", regionid_refs, 1},
                                                     {"VIEWS", views_refs, 1}};
static const wy_lineage_ref_t region_indirect[] = {
    {0, "USERID", WY_LINEAGE_JOIN, false, "P.USERID = U.USERID"},
    {1, "USERID", WY_LINEAGE_JOIN, false, "P.USERID = U.USERID"},
    {1, "REGIONID", WY_LINEAGE_GROUP_BY, false, NULL}};
static wy_lineage_dataset_t region_inputs[] = {
    {"pageviews", "PAGEVIEWS", WY_LINEAGE_STREAM, pageview_fields, 3, NULL, 0, NULL, 0},
    {"users", "USERS", WY_LINEAGE_TABLE, user_fields, 3, NULL, 0, NULL, 0}};
static const wy_lineage_dataset_t region_outputs[] = {{"REGION_VIEWS", "REGION_VIEWS",
                                                       WY_LINEAGE_TABLE, region_fields, 2,
                                                       region_columns, 2, region_indirect, 3}};

static int usage(FILE *out) {
  fprintf(out,
          "usage: walleye lineage-sample [--transport console|file|http] [--url URL]\n"
          "                              [--api-key KEY] [--bootstrap SERVERS]\n\n"
          "Emits the OpenLineage events of sample queries (10 events, 3 runs).\n"
          "  --transport T   console (default), file (--url is the path) or http\n"
          "  --url URL       file path, or base URL (events go to URL/api/v1/lineage)\n"
          "  --api-key KEY   sent as `Authorization: Bearer KEY` (http)\n"
          "  --bootstrap S   bootstrap servers naming the topics' namespace\n");
  return WY_EXIT_OK;
}

static void count_traffic(wy_lineage_run_t *r, size_t nin, size_t nout, uint64_t rows) {
  for (size_t i = 0; i < nin; i++)
    wy_lineage_counter_add(wy_lineage_run_input_counter(r, i), rows, rows * 96);
  for (size_t i = 0; i < nout; i++)
    wy_lineage_counter_add(wy_lineage_run_output_counter(r, i), rows / 2, rows * 40);
}

/* Some traffic, then the simulated clock moves one window on: RUNNING for both runs. */
static void pass_window(wy_lineage_emitter_t *e, wy_lineage_run_t *masked, wy_lineage_run_t *region,
                        int64_t interval_ms, uint64_t rows) {
  count_traffic(masked, 1, 1, rows);
  count_traffic(region, 2, 1, rows / 3);
  atomic_fetch_add(&sample_now, interval_ms);
  wy_lineage_emitter_tick(e);
}

int wy_cmd_lineage_sample(int argc, char **argv) {
  static const struct option longopts[] = {{"transport", required_argument, NULL, 't'},
                                           {"url", required_argument, NULL, 'u'},
                                           {"api-key", required_argument, NULL, 'k'},
                                           {"bootstrap", required_argument, NULL, 'b'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_CONSOLE;
  o.running_interval_ms = 60000;
  const char *bootstrap = "PLAINTEXT://127.0.0.1:9092";
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "t:u:k:b:h", longopts, NULL)) != -1) {
    switch (c) {
      case 't': {
        int kind = wy_lineage_transport_parse(optarg);
        if (kind != WY_LINEAGE_CONSOLE && kind != WY_LINEAGE_FILE && kind != WY_LINEAGE_HTTP)
          return wy_cli_usage_error("lineage-sample", "unknown transport '%s'", optarg);
        o.transport = (wy_lineage_transport_kind_t)kind;
        break;
      }
      case 'u':
        o.url = optarg;
        break;
      case 'k':
        o.api_key = optarg;
        break;
      case 'b':
        bootstrap = optarg;
        break;
      case 'h':
        return usage(stdout);
      default:
        return wy_cli_usage_error("lineage-sample", "bad option");
    }
  }
  if (optind < argc)
    return wy_cli_usage_error("lineage-sample", "unexpected argument '%s'", argv[optind]);

  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  atomic_store(&sample_now, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
  o.clock = sample_clock;

  const wy_lineage_query_t masked = {"walleye_sample", "CSAS_PAGEVIEWS_MASKED_0",
                                     masked_sql,       bootstrap,
                                     pageviews,        1,
                                     pageviews_masked, 1};
  const wy_lineage_query_t region = {"walleye_sample", "CTAS_REGION_VIEWS_1",
                                     region_sql,       bootstrap,
                                     region_inputs,    2,
                                     region_outputs,   1};
  wy_type_t *address = wy_type_struct_new();
  if (!address || !wy_type_struct_add(address, "STREET", wy_type_string()) ||
      !wy_type_struct_add(address, "ZIPCODE", wy_type_int())) {
    wy_type_unref(address);
    fprintf(stderr, "walleye lineage-sample: out of memory\n");
    return WY_EXIT_FAILURE;
  }
  user_fields[2].type = address;
  wy_lineage_emitter_t *e = NULL;
  wy_lineage_run_t *r1 = NULL, *r2 = NULL, *r3 = NULL;
  wy_error_t err;
  int rc = WY_EXIT_FAILURE;
  wy_error_clear(&err);
  if (wy_lineage_emitter_new(&o, &e, &err) != WY_OK ||
      wy_lineage_run_start(e, &masked, &r1, &err) != WY_OK ||
      wy_lineage_run_start(e, &region, &r2, &err) != WY_OK)
    goto out;
  pass_window(e, r1, r2, o.running_interval_ms, 1200);
  pass_window(e, r1, r2, o.running_interval_ms, 800);
  if (wy_lineage_run_complete(r1, &err) != WY_OK ||
      wy_lineage_run_fail(r2, "state store error: no space left on device", &err) != WY_OK ||
      wy_lineage_run_start(e, &masked, &r3, &err) != WY_OK)
    goto out;
  wy_lineage_emitter_abort_all(e); /* the node stops */
  if (wy_lineage_emitter_flush(e, 10000, &err) != WY_OK) goto out;
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  fprintf(stderr, "lineage-sample: queued=%llu delivered=%llu dropped=%llu failed=%llu\n",
          (unsigned long long)st.queued, (unsigned long long)st.delivered,
          (unsigned long long)st.dropped, (unsigned long long)st.failed);
  rc = st.delivered == st.queued ? WY_EXIT_OK : WY_EXIT_FAILURE;
out:
  if (rc != WY_EXIT_OK && err.code != WY_OK)
    fprintf(stderr, "walleye lineage-sample: %s\n", err.msg);
  wy_lineage_run_destroy(r1);
  wy_lineage_run_destroy(r2);
  wy_lineage_run_destroy(r3);
  wy_lineage_emitter_destroy(e);
  wy_type_unref(address);
  return rc;
}
