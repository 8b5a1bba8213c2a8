/*
 * bench_pipeline — engine-core workloads: records delivered to a running query on the
 * memory broker, one thread, against a baseline measured in the same run.
 *
 *   bench_pipeline --workload decode-filter-project|stream-table-join|latest-by-offset|
 *                             stream-stream-join|tumbling-count|window-retention|udaf-topk
 *                  [--quick] [--records N]
 *
 * decode-filter-project: clickstream JSON (~250 bytes), WHERE status <> '404', four
 *   columns with one string function, JSON out. Baseline: the same transform with
 *   jansson (json_loadb, build the output object, json_dumps).
 * stream-table-join: the clickstream joined to a 10,000-row users table (the stream is
 *   re-keyed through a repartition topic, as ksqlDB does).
 * latest-by-offset: CTAS with LATEST_BY_OFFSET grouped by userid over 1,000 users.
 * stream-stream-join: the clickstream joined to an orders stream (one record in ten)
 *   WITHIN 1 MINUTE, both re-keyed by userid; 10,000 users.
 * tumbling-count: COUNT(*) per userid in 1-minute TUMBLING windows, 1,000 users (records
 *   are 1 ms apart: 60,000 a window).
 * The last two print a row per baseline measured in the same run: stream-table-join and
 * decode-filter-project.
 * udaf-topk: TOPK(userid, 5) per status (a repartition, then 5 groups) with the built-in
 *   TOPK against SAMPLE_TOPK from the sample UDF library (udf/samples/topk_sample.c,
 *   the same algorithm through the SDK), alternating three times, the median of each;
 *   200,000 records a run (50,000 with --quick).
 * window-retention: is window state bounded by retention? Over streams keyed by userid
 *   (1,000 users, records 1 ms apart, every 10th an order) for 20 minutes of event time
 *   (1.2 M records, 20 times a 1-minute retention): COUNT(*) in 1-second TUMBLING windows
 *   kept 1 minute, and a stream-stream join WITHIN 30 SECONDS GRACE PERIOD 0 SECONDS,
 *   each against the same query keeping its windows a day (nothing expires in the run).
 *   The process's resident memory and the query's state folder (RocksDB files) are
 *   sampled at 2 and at 20 minutes. Rows: one per sample, and one growth row each (store
 *   and RSS at 20x / at 2x).
 *
 * Prints one JSON object per result line (see benchmarks/run).
 */
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "connectors/memory/memory.h"
#include "engine/base/log.h"
#include "engine/engine.h"
#include "engine/runtime/driver.h"
#include "engine/runtime/query.h"
#include "engine/lineage/lineage.h"
#include "udf/loader.h"

static double now_s(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

static uint64_t rng = 88172645463325252ULL;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)rng;
}

/* One clickstream record in the shape of Confluent's datagen clickstream quickstart. */
static size_t make_click(char *buf, size_t cap, int nusers) {
  static const char *const reqs[] = {
      "GET /index.html HTTP/1.1", "GET /site/user_status.html HTTP/1.1",
      "GET /images/logo-small.png HTTP/1.1", "GET /site/login.html HTTP/1.1",
      "GET /images/track.png HTTP/1.1"};
  static const char *const codes[] = {"200", "302", "404", "405", "406", "407"};
  static const char *const agents[] = {
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
      "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko)"};
  uint32_t r = next_rand();
  int n = snprintf(
      buf, cap,
      "{\"ip\":\"111.%u.%u.%u\",\"userid\":%u,\"remote_user\":\"-\",\"time\":\"%u/Nov/"
      "2026:10:%02u:%02u\","
      "\"_time\":%u,\"request\":\"%s\",\"status\":\"%s\",\"bytes\":\"%u\",\"referrer\":\"-\","
      "\"agent\":\"%s\"}",
      r % 256, (r >> 8) % 256, (r >> 16) % 256, 1 + next_rand() % (uint32_t)nusers, r % 28, r % 60,
      (r >> 6) % 60, 1700000000u + r % 1000000, reqs[r % 5], codes[(r >> 3) % 6], r % 4096,
      agents[(r >> 5) % 2]);
  return (size_t)n;
}

typedef struct input {
  char *data; /* all values back to back */
  size_t *off, *len;
  size_t n;
} input_t;

static void make_inputs(input_t *in, size_t n, int nusers) {
  in->data = malloc(n * 320);
  in->off = malloc(n * sizeof *in->off);
  in->len = malloc(n * sizeof *in->len);
  in->n = n;
  size_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    in->off[i] = pos;
    in->len[i] = make_click(in->data + pos, 320, nusers);
    pos += in->len[i];
  }
}

/* The sink of the benchmark: outputs and changelog records are counted and
 * acknowledged at once, not stored (as the baseline frees its output), while repartition topics
 * go to the memory broker so that repartitioned records reach the next sub-topology. */
typedef struct bench_sink {
  wy_sink_t base;
  wy_sink_t *memory;
  size_t outputs, bytes;
} bench_sink_t;

static wy_status_t bs_send(wy_sink_t *s, const char *topic, int32_t partition, const void *key,
                           size_t key_len, const void *value, size_t value_len,
                           const wy_header_t *headers, size_t nheaders, int64_t timestamp,
                           void *opaque, wy_error_t *err) {
  bench_sink_t *b = (bench_sink_t *)s;
  size_t tn = strlen(topic);
  if (tn > 12 && strcmp(topic + tn - 12, "-repartition") == 0)
    return wy_sink_send(b->memory, topic, partition, key, key_len, value, value_len, headers,
                        nheaders, timestamp, opaque, err);
  b->outputs++;
  b->bytes += key_len + value_len;
  /* acknowledged at once (a changelog store counts its writes until they are) */
  wy_delivery_dispatch(opaque, WY_OK, topic, partition, (int64_t)b->outputs, NULL);
  return WY_OK;
}
static void bs_poll(wy_sink_t *s) { wy_sink_poll(((bench_sink_t *)s)->memory); }
static wy_status_t bs_flush(wy_sink_t *s, int timeout_ms, wy_error_t *err) {
  return wy_sink_flush(((bench_sink_t *)s)->memory, timeout_ms, err);
}
static void bs_destroy(wy_sink_t *s) { (void)s; }
static const wy_sink_ops_t bench_sink_ops = {bs_send, bs_poll, bs_flush, bs_destroy};
static bench_sink_t bench_sink = {{&bench_sink_ops, NULL}, NULL, 0, 0};

static int mem_partitions(void *ctx, const char *topic) {
  return wy_memory_broker_partitions(ctx, topic);
}
static wy_status_t mem_create(void *ctx, const char *topic, int partitions, bool compacted,
                              wy_error_t *err) {
  (void)compacted;
  return wy_memory_broker_create_topic(ctx, topic, partitions, err);
}
static wy_status_t mem_delete(void *ctx, const char *topic, wy_error_t *err) {
  return wy_memory_broker_delete_topic(ctx, topic, err);
}
static const wy_backend_ops_t bench_backend_ops = {mem_partitions, mem_create, mem_delete};
static wy_backend_t bench_backend;

static wy_lineage_emitter_t *bench_lineage; /* set for the run with lineage */

/* The function registry of the engines engine_with builds (NULL: the built-ins). */
static const wy_registry_t *bench_registry;

static wy_engine_t *engine_with(wy_memory_broker_t **broker, const char *const *sql, size_t nsql) {
  wy_error_t err;
  if (wy_memory_broker_new(broker, &err) != WY_OK) return NULL;
  wy_memory_broker_set_auto_create(*broker, 1);
  if (wy_memory_sink_new(*broker, &bench_sink.memory, &err) != WY_OK) return NULL;
  bench_sink.memory->on_delivery = wy_delivery_dispatch;
  bench_sink.base.on_delivery = wy_delivery_dispatch;
  bench_backend = (wy_backend_t){&bench_backend_ops, *broker, &bench_sink.base};
  wy_engine_options_t o = {0};
  o.broker = *broker;
  o.backend = &bench_backend;
  o.lineage = bench_lineage;
  o.registry = bench_registry;
  wy_engine_t *e;
  if (wy_engine_new(&o, &e, &err) != WY_OK) {
    fprintf(stderr, "engine: %s\n", err.msg);
    return NULL;
  }
  wy_engine_set_property(e, "ksql.service.id", "bench_", &err);
  for (size_t i = 0; i < nsql; i++)
    if (wy_engine_execute_sql(e, sql[i], NULL, &err) != WY_OK) {
      fprintf(stderr, "statement failed: %s\n-> %s\n", sql[i], err.msg);
      wy_engine_destroy(e);
      return NULL;
    }
  return e;
}

/* A driver for query q reading `topic` of the engine's memory broker (NULL: nothing; the
 * records are handed to wy_driver_deliver), its repartition topics drained in-process
 * as the runtime drains them. */
typedef struct bench_driver {
  wy_source_t *src, *internal;
  wy_driver_t *d;
} bench_driver_t;

static void bench_driver_close(bench_driver_t *b) {
  wy_driver_destroy(b->d);
  wy_source_destroy(b->internal);
  wy_source_destroy(b->src);
}

static int bench_driver_open(wy_engine_t *e, wy_query_t *q, const char *topic, bench_driver_t *b) {
  wy_error_t err;
  memset(b, 0, sizeof *b);
  wy_driver_options_t o = {.query = q};
  int ok =
      wy_memory_source_new(wy_engine_broker(e), NULL, &b->src, &err) == WY_OK &&
      (!topic || wy_memory_source_assign_topic(b->src, topic, &err) == WY_OK) &&
      wy_driver_memory_internal(wy_engine_broker(e), wy_query_plan(q), &b->internal, &err) == WY_OK;
  o.source = b->src;
  o.internal = b->internal;
  if (ok && wy_driver_new(&o, &b->d, &err) == WY_OK) return 0;
  fprintf(stderr, "driver: %s\n", err.msg);
  bench_driver_close(b);
  return -1;
}

/* Every record of a topic to query q through a driver, as fast as it goes. */
static int drive(wy_engine_t *e, wy_query_t *q, const char *topic) {
  bench_driver_t b;
  wy_error_t err;
  if (bench_driver_open(e, q, topic, &b) != 0) return -1;
  int rc = 0;
  for (size_t n = 1; rc == 0 && n;)
    if (wy_driver_poll(b.d, 0, 0, &n, &err) != WY_OK) rc = -1;
  if (rc != 0) fprintf(stderr, "drive: %s\n", err.msg);
  bench_driver_close(&b);
  return rc;
}

/* Every input to the last query as records of `topic` (every `every`-th one of
 * `topic2` when every > 0), in batches as a consumer polls them, through the driver
 * (deliver, then drain the repartition topics); returns wall and CPU seconds. A record's
 * timestamp is its index (1 ms apart). The inputs stay in the harness's buffer: a
 * broker's copy of them would be the harness's cost, not the engine's. */
static int run_engine_mixed(wy_engine_t *e, const char *topic, const char *topic2, size_t every,
                            const input_t *in, double *wall, double *cpu) {
  enum { BATCH = 500 };
  wy_query_t *q = wy_engine_query_at(e, wy_engine_query_count(e) - 1);
  bench_driver_t b;
  if (bench_driver_open(e, q, NULL, &b) != 0) return -1;
  wy_record_t recs[BATCH];
  memset(recs, 0, sizeof recs);
  wy_error_t err;
  int rc = 0;
  double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
  for (size_t i = 0; rc == 0 && i < in->n; i += BATCH) {
    size_t n = in->n - i < BATCH ? in->n - i : BATCH, done = 0;
    for (size_t k = 0; k < n; k++) {
      recs[k].topic = every && (i + k) % every == every - 1 ? topic2 : topic;
      recs[k].offset = recs[k].timestamp = (int64_t)(i + k);
      recs[k].value = in->data + in->off[i + k];
      recs[k].value_len = in->len[i + k];
    }
    if (wy_driver_deliver(b.d, recs, n, &done, &err) != WY_OK) {
      fprintf(stderr, "deliver: %s\n", err.msg);
      rc = -1;
    }
  }
  *wall = now_s(CLOCK_MONOTONIC) - w0;
  *cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
  bench_driver_close(&b);
  return rc;
}

static int run_engine(wy_engine_t *e, const char *topic, const input_t *in, double *wall,
                      double *cpu) {
  return run_engine_mixed(e, topic, NULL, 0, in, wall, cpu);
}

/* The jansson baseline of decode-filter-project. */
static size_t run_jansson(const input_t *in, double *wall) {
  size_t out_bytes = 0;
  double w0 = now_s(CLOCK_MONOTONIC);
  for (size_t i = 0; i < in->n; i++) {
    json_error_t jerr;
    json_t *root = json_loadb(in->data + in->off[i], in->len[i], 0, &jerr);
    if (!root) continue;
    const char *status = json_string_value(json_object_get(root, "status"));
    if (status && strcmp(status, "404") != 0) {
      json_t *out = json_object();
      json_object_set(out, "USERID", json_object_get(root, "userid"));
      const char *req = json_string_value(json_object_get(root, "request"));
      char up[256];
      size_t k = 0;
      for (; req && req[k] && k < sizeof up - 1; k++)
        up[k] = (char)(req[k] >= 'a' && req[k] <= 'z' ? req[k] - 32 : req[k]);
      up[k] = '\0';
      json_object_set_new(out, "REQUEST", json_string(up));
      json_object_set(out, "STATUS", json_object_get(root, "status"));
      json_object_set(out, "BYTES", json_object_get(root, "bytes"));
      char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
      out_bytes += strlen(text);
      free(text);
      json_decref(out);
    }
    json_decref(root);
  }
  *wall = now_s(CLOCK_MONOTONIC) - w0;
  return out_bytes;
}

/* The median of three measurements. */
static double median3(const double v[3]) {
  double a = v[0], b = v[1], c = v[2];
  return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

static void print_result(const char *workload, const char *mode, size_t n, double wall, double cpu,
                         const char *baseline, double base_wall) {
  double rps = (double)n / wall;
  printf("{\"workload\":\"%s\",\"mode\":\"%s\",\"records\":%zu,\"engine_rps\":%.0f,", workload,
         mode, n, rps);
  if (baseline)
    printf("\"baseline\":\"%s\",\"baseline_rps\":%.0f,\"ratio\":%.2f,", baseline,
           (double)n / base_wall, rps / ((double)n / base_wall));
  else
    printf("\"baseline\":null,\"baseline_rps\":null,\"ratio\":null,");
  printf("\"cpu_us_per_record\":%.3f,\"p50_ms\":null,\"p99_ms\":null,\"peak_rss_mb\":%.1f}\n",
         cpu * 1e6 / (double)n, peak_rss_mb());
  fflush(stdout);
}

static const char *const CLICKSTREAM_DDL =
    "CREATE STREAM clickstream (ip STRING, userid INT, remote_user STRING, time STRING, `_time` "
    "BIGINT, "
    "request STRING, status STRING, bytes STRING, referrer STRING, agent STRING) "
    "WITH (kafka_topic='clickstream', value_format='JSON');";

/* The users table of the joins: 10,000 rows keyed 1..10000, INT keys as the KAFKA
 * format writes them (4 bytes, big-endian). */
static int fill_users(wy_engine_t *e, wy_memory_broker_t *broker) {
  wy_error_t err;
  for (uint32_t u = 1; u <= 10000; u++) {
    char k[4] = {(char)(u >> 24), (char)(u >> 16), (char)(u >> 8), (char)u}, v[96];
    int vl = snprintf(v, sizeof v, "{\"NAME\":\"user_%u\",\"REGION\":\"region_%u\"}", u, u % 12);
    if (wy_memory_broker_produce(broker, "users", 0, k, 4, v, (size_t)vl, NULL, 0, u, NULL, NULL,
                                 &err) != WY_OK)
      return -1;
  }
  return drive(e, wy_engine_query_at(e, 0), "users");
}

/* One engine-core workload on its own inputs, engine and broker: wall and CPU seconds
 * of its timed part. */
static int measure(const char *workload, size_t n, double *wall, double *cpu) {
  static const char *const USERS_DDL =
      "CREATE TABLE users (user_id INT PRIMARY KEY, name STRING, region STRING) "
      "WITH (kafka_topic='users', value_format='JSON');";
  const char *sql[3] = {CLICKSTREAM_DDL, NULL, NULL};
  size_t nsql = 2;
  int nusers = 1000;
  const char *topic2 = NULL;
  size_t every = 0;
  if (strcmp(workload, "decode-filter-project") == 0) {
    sql[1] =
        "CREATE STREAM clicks_ok AS SELECT userid, UCASE(request) AS request, status, "
        "bytes FROM clickstream WHERE status <> '404';";
  } else if (strcmp(workload, "stream-table-join") == 0) {
    sql[1] = USERS_DDL;
    sql[2] =
        "CREATE STREAM click_users AS SELECT c.userid, request, name, region FROM "
        "clickstream c JOIN users u ON c.userid = u.user_id;";
    nsql = 3;
    nusers = 10000;
  } else if (strcmp(workload, "latest-by-offset") == 0) {
    sql[1] =
        "CREATE TABLE user_latest AS SELECT userid, LATEST_BY_OFFSET(request) AS "
        "last_request, COUNT(*) AS clicks FROM clickstream GROUP BY userid;";
  } else if (strcmp(workload, "stream-stream-join") == 0) {
    /* one record in ten is an order; 10,000 users: ~1.2 orders of a click's user within
     * a minute either side */
    sql[1] =
        "CREATE STREAM orders (ip STRING, userid INT, remote_user STRING, time STRING, "
        "`_time` BIGINT, request STRING, status STRING, bytes STRING, referrer STRING, "
        "agent STRING) WITH (kafka_topic='orders', value_format='JSON');";
    sql[2] =
        "CREATE STREAM click_orders AS SELECT c.userid, c.request, o.bytes AS order_bytes "
        "FROM clickstream c JOIN orders o WITHIN 1 MINUTE ON c.userid = o.userid;";
    nsql = 3;
    nusers = 10000;
    topic2 = "orders";
    every = 10;
  } else if (strcmp(workload, "tumbling-count") == 0) {
    sql[1] =
        "CREATE TABLE clicks_per_minute AS SELECT userid, COUNT(*) AS clicks FROM "
        "clickstream WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY userid;";
  } else if (strcmp(workload, "udaf-topk") == 0) {
    sql[1] =
        "CREATE TABLE top_users AS SELECT status, TOPK(userid, 5) AS top FROM clickstream "
        "GROUP BY status;";
  } else if (strcmp(workload, "udaf-topk-library") == 0) {
    sql[1] =
        "CREATE TABLE top_users AS SELECT status, SAMPLE_TOPK(userid, 5) AS top FROM "
        "clickstream GROUP BY status;";
  } else {
    fprintf(stderr, "bench_pipeline: unknown workload '%s'\n", workload);
    return -1;
  }
  input_t in;
  make_inputs(&in, n, nusers);
  wy_memory_broker_t *broker = NULL;
  wy_engine_t *e = engine_with(&broker, sql, nsql);
  int rc = e ? 0 : -1;
  if (rc == 0 && nusers == 10000 && !topic2) rc = fill_users(e, broker);
  if (rc == 0) rc = run_engine_mixed(e, "clickstream", topic2, every, &in, wall, cpu);
  wy_engine_destroy(e);
  wy_sink_destroy(bench_sink.memory);
  bench_sink.memory = NULL;
  wy_memory_broker_destroy(broker);
  free(in.data);
  free(in.off);
  free(in.len);
  return rc;
}

/* ---- window-retention ---- */

static double rss_mb(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static uint64_t dir_bytes_sum;
static int add_file_bytes(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)path, (void)ftw;
  if (flag == FTW_F) dir_bytes_sum += (uint64_t)sb->st_size;
  return 0;
}
static double dir_mb(const char *dir) {
  dir_bytes_sum = 0;
  nftw(dir, add_file_bytes, 16, FTW_PHYS);
  return (double)dir_bytes_sum / (1024.0 * 1024.0);
}

typedef struct retention_sample {
  size_t records;
  double wall, rss_mb, store_mb;
} retention_sample_t;

/* The windowed COUNT with a RETENTION clause (or none) over n records 1 ms apart, cycling
 * through `in`'s values; samples at records at[0], at[1] (the last one: n). */
static int run_retention(const char *query, size_t n, const input_t *in, const size_t at[2],
                         retention_sample_t out[2]) {
  /* keyed by userid: no repartition topic, whose records the memory broker would keep;
   * every 10th record is an order (for the joins) */
  const char *sql[] = {
      "CREATE STREAM clicks (userid INT KEY, request STRING, status STRING) "
      "WITH (kafka_topic='clickstream', value_format='JSON');",
      "CREATE STREAM orders (userid INT KEY, request STRING, bytes STRING) "
      "WITH (kafka_topic='orders', value_format='JSON');",
      query};
  wy_memory_broker_t *broker = NULL;
  wy_engine_t *e = engine_with(&broker, sql, 3);
  if (!e) return -1;
  wy_query_t *q = wy_engine_query_at(e, 0);
  char dir[4096];
  if (!wy_engine_query_state_dir(e, wy_query_plan(q)->id, dir, sizeof dir)) dir[0] = '\0';
  bench_driver_t b;
  int rc = bench_driver_open(e, q, NULL, &b);
  enum { BATCH = 500 };
  wy_record_t recs[BATCH];
  char keys[BATCH][4];
  memset(recs, 0, sizeof recs);
  wy_error_t err;
  double w0 = now_s(CLOCK_MONOTONIC);
  size_t next = 0;
  for (size_t i = 0; rc == 0 && i < n; i += BATCH) {
    size_t m = n - i < BATCH ? n - i : BATCH, done = 0;
    for (size_t k = 0; k < m; k++) {
      size_t v = (i + k) % in->n;
      recs[k].topic = (i + k) % 10 == 9 ? "orders" : "clickstream";
      recs[k].offset = recs[k].timestamp = (int64_t)(i + k);
      recs[k].value = in->data + in->off[v];
      recs[k].value_len = in->len[v];
      uint32_t user = 1 + next_rand() % 1000;
      memcpy(keys[k],
             (char[4]){(char)(user >> 24), (char)(user >> 16), (char)(user >> 8), (char)user}, 4);
      recs[k].key = keys[k];
      recs[k].key_len = 4;
    }
    if (wy_driver_deliver(b.d, recs, m, &done, &err) != WY_OK) {
      fprintf(stderr, "deliver: %s\n", err.msg);
      rc = -1;
    }
    /* a commit every 10 s of event time, as the runtime commits: the stores' write
     * caches go to RocksDB */
    if (rc == 0 && (i + m) % 10000 < BATCH &&
        (wy_query_prepare_commit(q, &err) != WY_OK ||
         wy_sink_flush(&bench_sink.base, 1000, &err) != WY_OK ||
         wy_query_commit(q, &err) != WY_OK)) {
      fprintf(stderr, "commit: %s\n", err.msg);
      rc = -1;
    }
    if (rc == 0 && next < 2 && i + m >= at[next]) {
      out[next] = (retention_sample_t){i + m, now_s(CLOCK_MONOTONIC) - w0, rss_mb(),
                                       dir[0] ? dir_mb(dir) : 0};
      next++;
    }
  }
  if (rc == 0 && next < 2) rc = -1;
  if (b.d) bench_driver_close(&b);
  wy_engine_destroy(e);
  wy_sink_destroy(bench_sink.memory);
  bench_sink.memory = NULL;
  wy_memory_broker_destroy(broker);
  return rc;
}

static void print_retention(const char *mode, const retention_sample_t *s, const char *baseline,
                            const retention_sample_t *base) {
  printf("{\"workload\":\"window-retention\",\"mode\":\"%s\",\"records\":%zu,\"engine_rps\":%.0f,",
         mode, s->records, (double)s->records / s->wall);
  if (baseline)
    printf(
        "\"baseline\":\"%s\",\"baseline_rps\":null,\"ratio\":null,\"store_growth\":%.2f,"
        "\"rss_growth\":%.2f,",
        baseline, base->store_mb > 0 ? s->store_mb / base->store_mb : 0,
        base->rss_mb > 0 ? s->rss_mb / base->rss_mb : 0);
  else
    printf("\"baseline\":null,\"baseline_rps\":null,\"ratio\":null,");
  printf(
      "\"cpu_us_per_record\":null,\"p50_ms\":null,\"p99_ms\":null,\"peak_rss_mb\":%.1f,"
      "\"store_mb\":%.1f}\n",
      s->rss_mb, s->store_mb);
  fflush(stdout);
}

/* Window state at 2 and 20 retentions (--records scales the run; the first sample is at
 * a tenth of it): a TUMBLING COUNT kept 1 minute against one kept 1 day (ksqlDB's default
 * with the default grace period), and a stream-stream join WITHIN 30 SECONDS GRACE
 * PERIOD 0 SECONDS (its buffers keep before + after + grace: 1 minute) against the same
 * join without GRACE (Kafka Streams keeps its buffers a day). */
static int window_retention(size_t n) {
  static const struct {
    const char *mode[2], *query;
  } runs[] = {
      {{"retention-1m@2x", "retention-1m@20x"},
       "CREATE TABLE per_second AS SELECT userid, COUNT(*) AS clicks FROM clicks WINDOW "
       "TUMBLING (SIZE 1 SECOND, RETENTION 1 MINUTE, GRACE PERIOD 0 SECONDS) GROUP BY userid;"},
      {{"retention-1d@2m", "retention-1d@20m"},
       "CREATE TABLE per_second AS SELECT userid, COUNT(*) AS clicks FROM clicks WINDOW "
       "TUMBLING (SIZE 1 SECOND, RETENTION 1 DAY, GRACE PERIOD 0 SECONDS) GROUP BY userid;"},
      {{"ss-join-grace-0@2x", "ss-join-grace-0@20x"},
       "CREATE STREAM click_orders AS SELECT c.userid, c.request, o.bytes FROM clicks c JOIN "
       "orders o WITHIN 30 SECONDS GRACE PERIOD 0 SECONDS ON c.userid = o.userid;"},
      {{"ss-join-no-grace@2m", "ss-join-no-grace@20m"},
       "CREATE STREAM click_orders AS SELECT c.userid, c.request, o.bytes FROM clicks c JOIN "
       "orders o WITHIN 30 SECONDS ON c.userid = o.userid;"},
  };
  input_t in;
  make_inputs(&in, 100000, 1000);
  size_t at[2] = {n / 10, n};
  int rc = 0;
  for (size_t r = 0; rc == 0 && r < sizeof runs / sizeof runs[0]; r++) {
    retention_sample_t s[2];
    rc = run_retention(runs[r].query, n, &in, at, s);
    if (rc != 0) break;
    print_retention(runs[r].mode[0], &s[0], NULL, NULL);
    print_retention(runs[r].mode[1], &s[1], runs[r].mode[0], &s[0]);
  }
  free(in.data);
  free(in.off);
  free(in.len);
  return rc;
}

int main(int argc, char **argv) {
  const char *workload = "decode-filter-project";
  bool no_baseline = false, with_lineage = false;
  size_t n = 1000000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0)
      n = 100000;
    else if (strcmp(argv[i], "--records") == 0 && i + 1 < argc)
      n = (size_t)atol(argv[++i]);
    else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc)
      workload = argv[++i];
    else if (strcmp(argv[i], "--no-baseline") == 0)
      no_baseline = true; /* for profiling */
    else if (strcmp(argv[i], "--lineage") == 0)
      with_lineage = true;
    else {
      fprintf(stderr, "usage: bench_pipeline --workload NAME [--quick] [--records N]\n");
      return 2;
    }
  }
  wy_log_set_level(WY_LOG_ERROR);
  wy_memory_broker_t *broker = NULL;
  wy_engine_t *e = NULL;
  input_t in;
  double wall, cpu;
  if (strcmp(workload, "decode-filter-project") == 0) {
    make_inputs(&in, n, 1000);
    const char *sql[] = {
        CLICKSTREAM_DDL,
        "CREATE STREAM clicks_ok AS SELECT userid, UCASE(request) AS request, status, bytes "
        "FROM clickstream WHERE status <> '404';"};
    double base_wall = 1;
    if (!no_baseline) run_jansson(&in, &base_wall);
    e = engine_with(&broker, sql, 2);
    if (!e || run_engine(e, "clickstream", &in, &wall, &cpu) != 0) return 1;
    print_result(workload, "memory-1thread", n, wall, cpu, "jansson", base_wall);
    if (with_lineage) {
      /* Lineage overhead: the same run with an OpenLineage run per query (events to a
       * file; per record the runtime bumps two atomic counters) against the run without,
       * alternating three times and keeping the best of each (the machine is shared). */
      wy_lineage_options_t lo;
      wy_lineage_options_init(&lo);
      lo.transport = WY_LINEAGE_FILE;
      lo.url = "/dev/null";
      wy_lineage_emitter_t *em = NULL;
      wy_error_t lerr;
      if (wy_lineage_emitter_new(&lo, &em, &lerr) != WY_OK) return 1;
      double best[2] = {1e9, 1e9}, best_cpu[2] = {1e9, 1e9};
      for (int round = 0; round < 6; round++) {
        int with = round % 2;
        wy_engine_destroy(e);
        wy_sink_destroy(bench_sink.memory);
        wy_memory_broker_destroy(broker);
        bench_lineage = with ? em : NULL;
        e = engine_with(&broker, sql, 2);
        double w, c;
        if (!e || run_engine(e, "clickstream", &in, &w, &c) != 0) return 1;
        if (w < best[with]) best[with] = w;
        if (c < best_cpu[with]) best_cpu[with] = c;
      }
      print_result(workload, "lineage-off", n, best[0], best_cpu[0], NULL, 0);
      print_result(workload, "lineage-on", n, best[1], best_cpu[1], "lineage-off", best[0]);
      wy_engine_destroy(e);
      e = NULL;
      bench_lineage = NULL;
      wy_lineage_emitter_destroy(em);
    }
  } else if (strcmp(workload, "window-retention") == 0) {
    return window_retention(n == 100000 ? 120000 : n == 1000000 ? 1200000 : n) != 0;
  } else if (strcmp(workload, "stream-table-join") == 0 ||
             strcmp(workload, "latest-by-offset") == 0) {
    if (measure(workload, n, &wall, &cpu) != 0) return 1;
    print_result(workload, "memory-1thread", n, wall, cpu, NULL, 0);
  } else if (strcmp(workload, "stream-stream-join") == 0 ||
             strcmp(workload, "tumbling-count") == 0) {
    /* with its ratios to the stream-table join and to filter+project, measured in this
     * run: what a window costs over the stateless and the table-lookup paths */
    double st_wall, st_cpu, fp_wall, fp_cpu;
    if (measure(workload, n, &wall, &cpu) != 0 ||
        measure("stream-table-join", n, &st_wall, &st_cpu) != 0 ||
        measure("decode-filter-project", n, &fp_wall, &fp_cpu) != 0)
      return 1;
    print_result(workload, "memory-1thread", n, wall, cpu, "stream-table-join", st_wall);
    print_result(workload, "memory-1thread", n, wall, cpu, "decode-filter-project", fp_wall);
  } else if (strcmp(workload, "udaf-topk") == 0) {
    /* a UDAF from a shared object against the built-in doing the same work */
    wy_error_t err;
    wy_registry_t *reg = wy_udf_registry_new(WY_UDF_LIB_DIR, NULL, &err);
    if (!reg) {
      fprintf(stderr, "bench_pipeline: %s\n", err.msg);
      return 1;
    }
    bench_registry = reg;
    /* six runs: 200,000 records each (50,000 with --quick) keep the row under a minute */
    size_t m = n == 100000 ? 50000 : n > 200000 ? 200000 : n;
    /* alternating, three runs of each; the median of each counts */
    double wall[2][3], cpu[2][3];
    for (int round = 0; round < 6; round++) {
      int lib = round % 2;
      if (measure(lib ? "udaf-topk-library" : "udaf-topk", m, &wall[lib][round / 2],
                  &cpu[lib][round / 2]) != 0)
        return 1;
    }
    bench_registry = NULL;
    wy_registry_destroy(reg);
    double mw[2], mc[2];
    for (int k = 0; k < 2; k++) mw[k] = median3(wall[k]), mc[k] = median3(cpu[k]);
    print_result(workload, "builtin", m, mw[0], mc[0], NULL, 0);
    print_result(workload, "udf-library", m, mw[1], mc[1], "builtin", mw[0]);
  } else {
    fprintf(stderr, "bench_pipeline: unknown workload '%s'\n", workload);
    return 2;
  }
  if (broker) {
    wy_engine_destroy(e);
    wy_sink_destroy(bench_sink.memory);
    wy_memory_broker_destroy(broker);
    free(in.data);
    free(in.off);
    free(in.len);
  }
  return 0;
}
