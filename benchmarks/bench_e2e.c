/*
 * bench_e2e — end-to-end workloads: clickstream records through an in-process embedded
 * broker, consumed and produced by the Kafka runtime of `walleye run`, against the raw
 * librdkafka passthrough measured in the same run on the same input topic.
 *
 *   bench_e2e --workload e2e-filter-project|e2e-join|e2e-latest|e2e-book
 *             [--records N | --quick] [--partitions P] [--record-bytes B] [--no-kcat]
 *             [--lineage] [--threads T]
 *
 * Baselines: the librdkafka passthrough (bench_kafka.h, consumer configured like the
 * runtime's) timed to its last acknowledgement (baseline "librdkafka-passthrough"), and
 * again on the same input timed like the engine, to the last output's arrival at a
 * consumer running meanwhile in this process (row "passthrough-to-reader").
 * hot_thread_cpu_us_per_record: CPU of the busiest thread over the engine's window
 * (the stream thread; 10 ms clock ticks). --threads T sets num.stream.threads.
 *
 * e2e-filter-project: WHERE status <> '404', four columns with UCASE, JSON out; also the
 *   `kcat | jq | kcat` pipeline as a second baseline when kcat and jq are on PATH.
 * e2e-join: the clickstream joined to a USERS table (every userid has a row; the stream
 *   is re-keyed through a repartition topic).
 * e2e-latest: LATEST_BY_OFFSET and COUNT grouped by userid (re-keyed too).
 * e2e-tumbling: COUNT per userid in 1-minute TUMBLING windows (re-keyed; every click
 *   updates its window: one output per input).
 * e2e-ss-join: the clickstream joined WITHIN 1 MINUTE to an orders stream (every 10th
 *   click is also an order, same value and time, on topic orders); both re-keyed by
 *   userid; the expected outputs are the click-order pairs of one user at most a minute
 *   apart, counted here. records counts clicks and orders; no latency phase.
 * e2e-book: the book's pipeline, examples/clickstream/pipeline.sql as it is (Debezium
 *   USERS change events materialized with LATEST_BY_OFFSET, clicks joined to them, the
 *   phone masked with the built-in MASK_KEEP_RIGHT, 404s dropped); the outputs counted
 *   are CLICK_USERS_PRODUCT's. The users (one create event each) go through a first
 *   runtime until the materialized view has every user; that runtime stops and the same
 *   pipeline restarts on the pre-filled clicks, timed, under a second service id (new
 *   consumer groups: rejoining the first runtime's waited ~45 s on the mock), so the
 *   10,000 user events are read again inside the timed window.
 *
 * --partitions P: partitions of the input topics (default 16; the mode column then says
 *   partitions=P). --record-bytes B: every clickstream value is made B bytes long (mode
 *   record=B): above its natural ~330 bytes with an extra "padding" string field that no
 *   query reads; below, the record keeps only the fields the queries read (userid,
 *   request, status, bytes) before padding. The passthrough reads the same records.
 *   The mock broker keeps ~5 MB per partition (older records are evicted), so records x
 *   bytes must fit in P x ~4 MB; the output count check fails otherwise.
 *
 * Throughput: N records (datagen's clickstream, ~330 bytes) are produced first (not
 * timed); the runtime is timed from the first output record to the last expected one
 * (so the mock's ~3 s group-join delay and start-up are excluded, as the passthrough's
 * client start-up is). Latency: then 1,000 records/s are produced for 2 s stamped with
 * the wall clock; p50/p99 are from that stamp to the output's arrival at a consumer of
 * this process (outputs keep their input's timestamp). CPU is the whole process's:
 * runtime, embedded broker and the counting consumer (the baseline's includes the
 * broker too). Prints one JSON object per result (see benchmarks/run).
 */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "benchmarks/bench_kafka.h"
#include "connectors/datagen/datagen.h"
#include "connectors/kafka/embedded_broker.h"
#include "engine/base/log.h"
#include "engine/config/config.h"
#include "engine/lineage/lineage.h"
#include "engine/streams/kafka_runtime.h"

#define NUSERS 10000

static const char CLICKSTREAM_DDL[] =
    "CREATE STREAM clickstream (ip STRING, userid INT, remote_user STRING, time STRING, `_time` "
    "BIGINT, "
    "request STRING, status STRING, bytes STRING, referrer STRING, agent STRING) "
    "WITH (kafka_topic='clickstream', value_format='JSON');\n";

typedef struct workload {
  const char *name;
  const char *sql; /* after CLICKSTREAM_DDL */
  const char *output;
  bool filtered; /* records with status 404 have no output */
  bool users;    /* the USERS table is filled first */
  bool book;     /* sql is examples/clickstream/pipeline.sql */
  bool orders;   /* every 10th click is also an order: its value on topic orders */
} workload_t;

static const workload_t WORKLOADS[] = {
    {"e2e-filter-project",
     "CREATE STREAM clicks_ok AS SELECT userid, UCASE(request) AS request, status, bytes "
     "FROM clickstream WHERE status <> '404';",
     "CLICKS_OK", true, false, false, false},
    {"e2e-join",
     "CREATE TABLE users (user_id INT PRIMARY KEY, name STRING, region STRING) "
     "WITH (kafka_topic='users', value_format='JSON');\n"
     "CREATE STREAM click_users AS SELECT c.userid, request, name, region FROM clickstream c "
     "JOIN users u ON c.userid = u.user_id;",
     "CLICK_USERS", false, true, false, false},
    {"e2e-latest",
     "CREATE TABLE user_latest AS SELECT userid, LATEST_BY_OFFSET(request) AS last_request, "
     "COUNT(*) AS clicks FROM clickstream GROUP BY userid;",
     "USER_LATEST", false, false, false, false},
    {"e2e-book", NULL, "CLICK_USERS_PRODUCT", true, false, true, false},
    {"e2e-tumbling",
     "CREATE TABLE clicks_per_minute AS SELECT userid, COUNT(*) AS clicks FROM clickstream "
     "WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY userid;",
     "CLICKS_PER_MINUTE", false, false, false, false},
    {"e2e-ss-join",
     "CREATE STREAM orders (ip STRING, userid INT, remote_user STRING, time STRING, `_time` "
     "BIGINT, request STRING, status STRING, bytes STRING, referrer STRING, agent STRING) "
     "WITH (kafka_topic='orders', value_format='JSON');\n"
     "CREATE STREAM click_orders AS SELECT c.userid, c.request, o.bytes AS order_bytes "
     "FROM clickstream c JOIN orders o WITHIN 1 MINUTE ON c.userid = o.userid;",
     "CLICK_ORDERS", false, false, false, true},
};

static double realtime_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The clickstream generator; a record has an output unless filtered as a 404. val/len
 * is the value to produce: the datagen record, or with record_bytes > 0 that record
 * reshaped to exactly record_bytes bytes (see --record-bytes). */
#define RECORD_BYTES_MAX 65536
typedef struct gen {
  wy_datagen_t *g;
  wy_datagen_record_t rec;
  long record_bytes;
  const char *val;
  size_t len;
  char buf[RECORD_BYTES_MAX];
} gen_t;

/* The raw JSON text of "name":'s value in a flat datagen record (values hold no ","). */
static size_t field_text(const char *v, size_t n, const char *name, const char **out) {
  char pat[32];
  int pn = snprintf(pat, sizeof pat, "\"%s\":", name);
  const char *p = memmem(v, n, pat, (size_t)pn);
  if (!p) die("datagen record", name);
  p += pn;
  const char *end = memmem(p, n - (size_t)(p - v), ",\"", 2);
  if (!end) end = v + n - 1; /* the last field: up to the closing brace */
  *out = p;
  return (size_t)(end - p);
}

static void reshape(gen_t *g) {
  const char *v = g->rec.value;
  size_t n = g->rec.value_len, len = 0;
  static const char pad_open[] = ",\"padding\":\"", pad_close[] = "\"}";
  if ((long)n <= g->record_bytes) {
    memcpy(g->buf, v, n - 1); /* without the closing brace */
    len = n - 1;
  } else { /* only the fields the queries read */
    static const char *const keep[] = {"userid", "request", "status", "bytes"};
    g->buf[len++] = '{';
    for (size_t i = 0; i < 4; i++) {
      const char *t;
      size_t tn = field_text(v, n, keep[i], &t);
      len += (size_t)snprintf(g->buf + len, RECORD_BYTES_MAX - len, "%s\"%s\":%.*s", i ? "," : "",
                              keep[i], (int)tn, t);
    }
  }
  long room =
      g->record_bytes - (long)len - (long)(sizeof pad_open - 1) - (long)(sizeof pad_close - 1);
  if (room >= 0) {
    memcpy(g->buf + len, pad_open, sizeof pad_open - 1);
    len += sizeof pad_open - 1;
    for (long i = 0; i < room; i++) g->buf[len++] = (char)('a' + i % 26);
    memcpy(g->buf + len, pad_close, sizeof pad_close - 1);
    len += sizeof pad_close - 1;
  } else { /* too short for a padding field: spaces before the brace */
    while ((long)len < g->record_bytes - 1) g->buf[len++] = ' ';
    g->buf[len++] = '}';
  }
  g->val = g->buf;
  g->len = len;
}

static bool gen_next(gen_t *g, const workload_t *w) {
  wy_error_t err;
  if (wy_datagen_next(g->g, &g->rec, &err) != WY_OK) die("datagen", err.msg);
  g->val = g->rec.value;
  g->len = g->rec.value_len;
  if (g->record_bytes > 0) reshape(g);
  return !(w->filtered && memmem(g->rec.value, g->rec.value_len, "\"status\":\"404\"", 14));
}

static void fill_users(rd_kafka_t *p) {
  for (uint32_t u = 1; u <= NUSERS; u++) {
    unsigned char k[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 8), (unsigned char)u};
    char v[96];
    int n = snprintf(v, sizeof v, "{\"NAME\":\"user_%u\",\"REGION\":\"region_%u\"}", u, u % 12);
    produce(p, "users", k, 4, v, (size_t)n, 0);
  }
}

/* A consumer of every partition of topic from the beginning (no group). */
static rd_kafka_t *reader(const char *bootstrap, const char *topic, int partitions) {
  const char *conf[] = {"group.id", "bench-e2e-reader",  "enable.auto.commit",
                        "false",    "fetch.wait.max.ms", "10",
                        NULL};
  rd_kafka_t *c = client(RD_KAFKA_CONSUMER, bootstrap, conf, NULL);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(partitions);
  for (int i = 0; i < partitions; i++)
    rd_kafka_topic_partition_list_add(l, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(c, l);
  rd_kafka_topic_partition_list_destroy(l);
  return c;
}

/* Consume up to want outputs, or until idle_s without one. lat (optional) gets each
 * output's latency from its timestamp; with feed, feed_n records of g are produced
 * meanwhile, one per ms, and want becomes *feed_want, the outputs they should give. */
static long count_outputs(rd_kafka_queue_t *q, long want, double idle_s, double *lat,
                          rd_kafka_t *feed, long *fed, long feed_n, gen_t *g, const workload_t *w,
                          long *feed_want) {
  rd_kafka_message_t *batch[1000];
  long got = 0;
  double idle_since = wall_s(), feed_t0 = wall_s();
  while ((got < want || (feed && *fed < feed_n)) && wall_s() - idle_since < idle_s) {
    /* Latency phase: feed 1 record per ms of elapsed time, stamped now. */
    while (feed && *fed < feed_n && (wall_s() - feed_t0) * 1000.0 >= (double)*fed) {
      if (gen_next(g, w)) (*feed_want)++;
      produce(feed, "clickstream", g->rec.key, g->rec.key_len, g->val, g->len,
              (int64_t)realtime_ms());
      (*fed)++;
      want = *feed_want;
      idle_since = wall_s();
    }
    if (feed) rd_kafka_poll(feed, 0);
    ssize_t n = rd_kafka_consume_batch_queue(q, feed ? 1 : 100, batch, 1000);
    double now = realtime_ms();
    for (ssize_t i = 0; i < n; i++) {
      if (!batch[i]->err) {
        if (lat && got < feed_n)
          lat[got] = now - (double)rd_kafka_message_timestamp(batch[i], NULL);
        got++;
      }
      rd_kafka_message_destroy(batch[i]);
    }
    if (n > 0) idle_since = wall_s();
  }
  return got;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double *v, long n, double p) {
  if (n <= 0) return -1;
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  long i = (long)(p * (double)(n - 1) + 0.5);
  return v[i];
}

/* `kcat | jq | kcat` over the input topic: the shell baseline of filter+project (issue
 * #11). Timed as a whole (the tools' start-up is a few ms). Returns records/s, 0 when
 * kcat or jq is missing or the pipeline fails. */
static double kcat_jq_kcat(const char *bootstrap, long records, long want, int partitions) {
  if (system("command -v kcat >/dev/null && command -v jq >/dev/null") != 0) return 0;
  char cmd[1024];
  snprintf(
      cmd, sizeof cmd,
      "kcat -C -b %s -t clickstream -o beginning -c %ld -e -q -f '%%s\\n' 2>/dev/null | "
      "jq -c 'select(.status != \"404\") | {USERID: .userid, REQUEST: (.request | ascii_upcase), "
      "STATUS: .status, BYTES: .bytes}' | kcat -P -b %s -t kcat-jq-out 2>/dev/null",
      bootstrap, records, bootstrap);
  double w0 = wall_s();
  if (system(cmd) != 0) return 0;
  double wall = wall_s() - w0;
  /* Check the pipeline's output count, so that a broken pipeline is not a fast one. */
  rd_kafka_t *c = reader(bootstrap, "kcat-jq-out", partitions);
  rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(c);
  long got = count_outputs(q, want, 5.0, NULL, NULL, NULL, 0, NULL, NULL, NULL);
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  if (got != want) {
    fprintf(stderr, "kcat|jq|kcat: %ld outputs, %ld expected\n", got, want);
    return 0;
  }
  return (double)records / wall;
}

/* A click's or an order's user and time, for counting the join's expected outputs. */
typedef struct event {
  long userid;
  int64_t ts;
} event_t;

static int cmp_event(const void *a, const void *b) {
  const event_t *x = a, *y = b;
  if (x->userid != y->userid) return x->userid < y->userid ? -1 : 1;
  return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* The outputs of an INNER stream-stream join WITHIN `within` ms on userid: the pairs of
 * a click and an order of one user at most `within` ms apart. Sorts both arrays. */
static long join_pairs(event_t *clicks, long nclicks, event_t *orders, long norders,
                       int64_t within) {
  qsort(clicks, (size_t)nclicks, sizeof *clicks, cmp_event);
  qsort(orders, (size_t)norders, sizeof *orders, cmp_event);
  long pairs = 0, lo = 0;
  for (long i = 0; i < norders; i++) {
    event_t from = {orders[i].userid, orders[i].ts - within};
    while (lo < nclicks && cmp_event(&clicks[lo], &from) < 0) lo++;
    for (long k = lo; k < nclicks && clicks[k].userid == orders[i].userid &&
                      clicks[k].ts <= orders[i].ts + within;
         k++)
      pairs++;
  }
  return pairs;
}

static void usage(void) {
  fprintf(stderr,
          "usage: bench_e2e --workload e2e-filter-project|e2e-join|e2e-latest|e2e-book|"
          "e2e-tumbling|e2e-ss-join "
          "[--records N | --quick] [--partitions P] [--record-bytes B] [--no-kcat] [--lineage] "
          "[--threads T]\n");
  exit(2);
}

/* The book's SQL, read from the source tree. */
static char *read_pipeline_sql(void) {
  const char *path = WY_SOURCE_DIR "/examples/clickstream/pipeline.sql";
  FILE *f = fopen(path, "rb");
  if (!f) die(path, "cannot open");
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return strdup(buf);
}

/* The USERS change events: one create per user, 1..NUSERS (all alive). */
static void fill_book_users(rd_kafka_t *p) {
  wy_datagen_options_t o;
  wy_datagen_options_init(&o, WY_DATAGEN_USERS);
  o.nusers = NUSERS;
  wy_datagen_t *g;
  wy_error_t err;
  if (wy_datagen_new(&o, &g, &err) != WY_OK) die("datagen users", err.msg);
  static wy_datagen_record_t r;
  for (int i = 0; i < NUSERS; i++) {
    if (wy_datagen_next(g, &r, &err) != WY_OK) die("datagen users", err.msg);
    produce(p, "users", r.key, r.key_len, r.value, r.value_len, r.timestamp);
  }
  wy_datagen_destroy(g);
}

static wy_kafka_runtime_t *start_runtime(const wy_config_t *cfg, const char *sql) {
  wy_error_t err;
  wy_kafka_runtime_options_t ro = {.config = cfg, .sql = sql};
  wy_kafka_runtime_t *rt;
  if (wy_kafka_runtime_new(&ro, &rt, &err) != WY_OK) die("runtime", err.msg);
  return rt;
}

/* --lineage: the workload's throughput through a fresh runtime (its own service id, so
 * it reads the input from the start), with or without OpenLineage (file transport, a
 * RUNNING event every second, as `walleye run` wires it). Returns records/s; *cpu_us
 * the process's CPU µs per record. */
static double lineage_run(wy_config_t *cfg, const char *sql, rd_kafka_queue_t *q, long records,
                          long want, const char *service_id, const char *lineage_file,
                          double *cpu_us) {
  wy_error_t err;
  if (wy_config_set(cfg, "ksql.service.id", service_id, &err) != WY_OK)
    die("ksql.service.id", err.msg);
  wy_lineage_emitter_t *em = NULL;
  if (lineage_file) {
    wy_lineage_options_t lo;
    wy_lineage_options_init(&lo);
    lo.transport = WY_LINEAGE_FILE;
    lo.url = lineage_file;
    lo.running_interval_ms = 1000;
    if (wy_lineage_emitter_new(&lo, &em, &err) != WY_OK) die("lineage", err.msg);
  }
  wy_kafka_runtime_options_t ro = {.config = cfg, .sql = sql, .lineage = em};
  wy_kafka_runtime_t *rt;
  if (wy_kafka_runtime_new(&ro, &rt, &err) != WY_OK) die("runtime", err.msg);
  if (wy_kafka_runtime_start(rt, &err) != WY_OK) die("runtime start", err.msg);
  double give_up = wall_s() + 30.0;
  while (wy_kafka_runtime_stats(rt).first_record_ms < 0 && wall_s() < give_up) usleep(1000);
  double w0 = wall_s(), c0 = cpu_s();
  long got = count_outputs(q, want, 10.0, NULL, NULL, NULL, 0, NULL, NULL, NULL);
  double wall = wall_s() - w0, cpu = cpu_s() - c0;
  if (got != want) die("lineage comparison", "not every output arrived");
  wy_kafka_runtime_stop(rt);
  if (wy_kafka_runtime_wait(rt, &err) != WY_OK) die("runtime", err.msg);
  wy_kafka_runtime_destroy(rt);
  if (em) {
    wy_lineage_emitter_abort_all(em);
    wy_lineage_emitter_destroy(em);
  }
  *cpu_us = cpu * 1e6 / (double)records;
  return (double)records / wall;
}

/* e2e-book, before the timed run: the pipeline on the users alone, until the
 * materialized view has a row for every user; then stopped (offsets committed). */
static void materialize_users(const wy_config_t *cfg, const char *sql, const char *bs,
                              int partitions) {
  wy_error_t err;
  wy_kafka_runtime_t *rt = start_runtime(cfg, sql);
  rd_kafka_t *mv = reader(bs, "USERS_MATERIALIZED_VIEW", partitions);
  rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(mv);
  if (wy_kafka_runtime_start(rt, &err) != WY_OK) die("runtime start", err.msg);
  long got = count_outputs(q, NUSERS, 20.0, NULL, NULL, NULL, 0, NULL, NULL, NULL);
  if (got < NUSERS) die("USERS_MATERIALIZED_VIEW", "not every user arrived");
  fprintf(stderr, "e2e-book: %ld users materialized\n", got);
  wy_kafka_runtime_stop(rt);
  if (wy_kafka_runtime_wait(rt, &err) != WY_OK) die("runtime (users)", err.msg);
  wy_kafka_runtime_destroy(rt);
  fprintf(stderr, "e2e-book: first runtime stopped\n");
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(mv);
  rd_kafka_destroy(mv);
}

int main(int argc, char **argv) {
  const workload_t *w = NULL;
  long records = 200000, latency_n = 2000, record_bytes = 0;
  int partitions = 16; /* the mock keeps ~5 MB per partition: enough for every record */
  bool with_kcat = true, partitions_set = false;
  static const struct option opts[] = {{"workload", required_argument, NULL, 'w'},
                                       {"records", required_argument, NULL, 'n'},
                                       {"quick", no_argument, NULL, 'q'},
                                       {"partitions", required_argument, NULL, 'p'},
                                       {"no-kcat", no_argument, NULL, 'k'},
                                       {"record-bytes", required_argument, NULL, 'b'},
                                       {"lineage", no_argument, NULL, 'l'},
                                       {"threads", required_argument, NULL, 't'},
                                       {NULL, 0, NULL, 0}};
  int ch;
  bool with_lineage = false;
  const char *threads = NULL;
  while ((ch = getopt_long(argc, argv, "w:n:qp:kb:lt:", opts, NULL)) != -1) {
    switch (ch) {
      case 'w':
        for (size_t i = 0; i < sizeof WORKLOADS / sizeof *WORKLOADS; i++)
          if (strcmp(optarg, WORKLOADS[i].name) == 0) w = &WORKLOADS[i];
        break;
      case 'n':
        records = atol(optarg);
        break;
      case 'q':
        records = 30000, latency_n = 1000;
        break;
      case 'p':
        partitions = atoi(optarg), partitions_set = true;
        break;
      case 'b':
        record_bytes = atol(optarg);
        break;
      case 'k':
        with_kcat = false;
        break;
      case 'l':
        with_lineage = true;
        break;
      case 't':
        threads = optarg;
        break;
      default:
        usage();
    }
  }
  if (!w || records < 1 || records > 2000000 || partitions < 1 || partitions > 64 ||
      record_bytes < 0 || (record_bytes > 0 && record_bytes < 100) ||
      record_bytes > RECORD_BYTES_MAX)
    usage();
  /* mode: where it ran, or what was varied */
  char mode[64] = "embedded-broker";
  if (partitions_set || record_bytes) {
    int m = 0;
    if (partitions_set)
      m += snprintf(mode + m, sizeof mode - (size_t)m, "partitions=%d", partitions);
    if (record_bytes && record_bytes % 1024 == 0)
      snprintf(mode + m, sizeof mode - (size_t)m, "%srecord=%ldKB", m ? "," : "",
               record_bytes / 1024);
    else if (record_bytes)
      snprintf(mode + m, sizeof mode - (size_t)m, "%srecord=%ldB", m ? "," : "", record_bytes);
  }
  wy_log_set_level(WY_LOG_ERROR);

  wy_error_t err;
  wy_embedded_broker_t *broker;
  if (wy_embedded_broker_start(1, &broker, &err) != WY_OK) die("embedded broker", err.msg);
  const char *bs = wy_embedded_broker_bootstraps(broker);
  const char *topics[] = {"clickstream", "users",       "bench-passthrough-out",
                          "orders",      "kcat-jq-out", "bench-passthrough-out2"};
  for (size_t i = 0; i < sizeof topics / sizeof *topics; i++)
    if (wy_embedded_broker_create_topic(broker, topics[i], partitions, &err) != WY_OK)
      die(topics[i], err.msg);

  /* The runtime, as `walleye run` sets it up. */
  char state_dir[] = "/tmp/bench_e2e.XXXXXX";
  if (!mkdtemp(state_dir)) die("state dir", "mkdtemp failed");
  wy_config_t *cfg = wy_config_new();
  const char *kv[][2] = {{"bootstrap.servers", bs},
                         {"ksql.service.id", "bench_e2e_"},
                         {"state.dir", state_dir},
                         {"auto.offset.reset", "earliest"},
                         {"kafka.consumer.fetch.wait.max.ms", "10"}};
  for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
    if (wy_config_set(cfg, kv[i][0], kv[i][1], &err) != WY_OK) die(kv[i][0], err.msg);
  if (threads && wy_config_set(cfg, "num.stream.threads", threads, &err) != WY_OK)
    die("num.stream.threads", err.msg);
  char *sql;
  if (w->book) {
    sql = read_pipeline_sql();
  } else {
    size_t sql_len = strlen(CLICKSTREAM_DDL) + strlen(w->sql) + 1;
    sql = malloc(sql_len);
    snprintf(sql, sql_len, "%s%s", CLICKSTREAM_DDL, w->sql);
  }

  /* Inputs (not timed). */
  wy_datagen_options_t go;
  wy_datagen_options_init(&go, WY_DATAGEN_CLICKSTREAM);
  go.nusers = NUSERS;
  go.key_mode = WY_DATAGEN_KEY_KAFKA_INT;
  static gen_t gen;
  gen.record_bytes = record_bytes;
  if (wy_datagen_new(&go, &gen.g, &err) != WY_OK) die("datagen", err.msg);
  acks_t fill_acks = {0};
  rd_kafka_t *feed = client(RD_KAFKA_PRODUCER, bs, producer_conf, &fill_acks);
  if (w->users) fill_users(feed);
  if (w->book) {
    fill_book_users(feed);
    rd_kafka_flush(feed, 60000);
    materialize_users(cfg, sql, bs, partitions);
  }
  long want = 0, norders = 0;
  event_t *clicks = w->orders ? calloc((size_t)records, sizeof *clicks) : NULL;
  event_t *orders = w->orders ? calloc((size_t)records / 10 + 1, sizeof *orders) : NULL;
  for (long i = 0; i < records; i++) {
    if (gen_next(&gen, w)) want++;
    produce(feed, "clickstream", gen.rec.key, gen.rec.key_len, gen.val, gen.len, gen.rec.timestamp);
    if (w->orders) {
      const char *u;
      field_text(gen.rec.value, gen.rec.value_len, "userid", &u);
      clicks[i] = (event_t){atol(u), gen.rec.timestamp};
      if (i % 10 == 9) { /* an order of the click's user at the click's time */
        produce(feed, "orders", gen.rec.key, gen.rec.key_len, gen.val, gen.len, gen.rec.timestamp);
        orders[norders++] = clicks[i];
      }
    }
    if (i % 1000 == 0) rd_kafka_poll(feed, 0);
  }
  if (w->orders) {
    want = join_pairs(clicks, records, orders, norders, 60000);
    latency_n = 0; /* a click alone has no output: no latency phase */
  }
  free(clicks);
  free(orders);
  rd_kafka_flush(feed, 60000);
  if (fill_acks.failed) die("filling the input topic", "not every record was acknowledged");

  /* Baselines over the same input. */
  acks_t packs = {0};
  timing_t pt;
  long passed = pass_through(bs, records, "clickstream", partitions, "bench-passthrough-out", false,
                             &packs, &pt);
  if (passed != records || packs.ok != records) die("passthrough", "not every record was passed");
  double base_rps = (double)records / pt.wall;
  /* The same, timed as the engine is below: to the last output's arrival at a consumer
   * of this process, which runs meanwhile (on its own thread, as count_outputs runs
   * beside the stream thread). */
  acks_t racks = {0};
  timing_t rt_;
  passed = pass_through(bs, records, "clickstream", partitions, "bench-passthrough-out2", true,
                        &racks, &rt_);
  if (passed != records || racks.ok != records)
    die("passthrough (reader)", "not every record was passed");
  double base_read_rps = (double)records / rt_.wall_read;
  double kcat_rps = with_kcat && w->filtered ? kcat_jq_kcat(bs, records, want, partitions) : 0;

  /* e2e-book: a second service id, so that its consumer groups are new (rejoining the
   * first runtime's groups waited ~45 s on the mock for the old members' sessions). */
  if (w->book && wy_config_set(cfg, "ksql.service.id", "bench_e2e_book_", &err) != WY_OK)
    die("ksql.service.id", err.msg);
  wy_kafka_runtime_t *rt = start_runtime(cfg, sql);
  rd_kafka_t *out = reader(bs, w->output, partitions);
  rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(out);
  if (wy_kafka_runtime_start(rt, &err) != WY_OK) die("runtime start", err.msg);

  /* Throughput: from the first record processed (watched to within 1 ms) to the last
   * output, so that start-up and the group-join wait are not in the window. */
  double give_up = wall_s() + 30.0;
  while (wy_kafka_runtime_stats(rt).first_record_ms < 0 && wall_s() < give_up) usleep(1000);
  static int tid0[256], tid1[256];
  static double tc0[256], tc1[256];
  int nt0 = thread_cpu(tid0, tc0, 256);
  double w0 = wall_s(), c0 = cpu_s();
  long got = count_outputs(q, want, 10.0, NULL, NULL, NULL, 0, NULL, NULL, NULL);
  double wall = wall_s() - w0, cpu = cpu_s() - c0;
  int nt1 = thread_cpu(tid1, tc1, 256);
  /* the stream thread is the busiest one (10 ms clock ticks) */
  double hot_cpu = busiest_thread_cpu(tid0, tc0, nt0, tid1, tc1, nt1);

  /* Latency: a steady 1,000 records/s stamped with the wall clock. */
  double *lat = calloc((size_t)latency_n, sizeof *lat);
  long fed = 0, feed_want = 0;
  long lat_got = count_outputs(q, latency_n, 10.0, lat, feed, &fed, latency_n, &gen, w, &feed_want);
  /* outputs late from the throughput phase count in lat_got but have no slot in lat */
  long nlat = lat_got < latency_n ? lat_got : latency_n;
  double p50 = percentile(lat, nlat, 0.50), p99 = percentile(lat, nlat, 0.99);

  wy_kafka_runtime_stats_t st = wy_kafka_runtime_stats(rt);
  wy_kafka_runtime_stop(rt);
  wy_status_t wst = wy_kafka_runtime_wait(rt, &err);
  fprintf(stderr,
          "%s: outputs %ld/%ld, latency outputs %ld/%ld, runtime records=%llu commits=%llu "
          "first_record_ms=%lld%s%s\n",
          w->name, got, want, lat_got, feed_want, (unsigned long long)st.records,
          (unsigned long long)st.commits, (long long)st.first_record_ms,
          wst == WY_OK ? "" : ", error: ", wst == WY_OK ? "" : err.msg);

  records += norders; /* the engine read the orders too */
  double rps = (double)records / wall;
  printf(
      "{\"workload\":\"%s\",\"mode\":\"%s\",\"records\":%ld,\"outputs\":%ld,"
      "\"engine_rps\":%.0f,\"baseline\":\"librdkafka-passthrough\",\"baseline_rps\":%.0f,"
      "\"ratio\":%.2f,\"cpu_us_per_record\":%.2f,\"baseline_cpu_us_per_record\":%.2f,"
      "\"hot_thread_cpu_us_per_record\":%.2f,",
      w->name, mode, records, got, rps, base_rps, rps / base_rps, cpu * 1e6 / (double)records,
      pt.cpu * 1e6 / (double)records, hot_cpu * 1e6 / (double)records);
  if (lat_got > 0)
    printf("\"p50_ms\":%.1f,\"p99_ms\":%.1f,", p50, p99);
  else
    printf("\"p50_ms\":null,\"p99_ms\":null,");
  printf("\"peak_rss_mb\":%.1f}\n", peak_rss_mb());
  printf(
      "{\"workload\":\"%s\",\"mode\":\"%s\",\"records\":%ld,\"engine_rps\":%.0f,"
      "\"baseline\":\"passthrough-to-reader\",\"baseline_rps\":%.0f,\"ratio\":%.2f,"
      "\"cpu_us_per_record\":null,\"baseline_cpu_us_per_record\":%.2f,\"p50_ms\":null,\"p99_ms\":"
      "null,"
      "\"peak_rss_mb\":null}\n",
      w->name, mode, records, rps, base_read_rps, rps / base_read_rps,
      rt_.cpu * 1e6 / (double)records);
  if (kcat_rps > 0)
    printf(
        "{\"workload\":\"%s\",\"mode\":\"%s\",\"records\":%ld,\"engine_rps\":%.0f,"
        "\"baseline\":\"kcat|jq|kcat\",\"baseline_rps\":%.0f,\"ratio\":%.2f,"
        "\"cpu_us_per_record\":null,\"p50_ms\":null,\"p99_ms\":null,\"peak_rss_mb\":null}\n",
        w->name, mode, records, rps, kcat_rps, rps / kcat_rps);
  fflush(stdout);

  int rc = got == want && lat_got == feed_want && wst == WY_OK ? 0 : 1;
  if (with_lineage && rc == 0) {
    /* Lineage off and on, alternated twice over the same input; the best of each, as
     * the machine's load swings between runs. want grows by the latency phase's
     * outputs: every run reads the whole topic. */
    long want_all = want + feed_want;
    long records_all = records + fed;
    char lineage_file[160];
    snprintf(lineage_file, sizeof lineage_file, "%s/lineage.ndjson", state_dir);
    double best[2] = {0, 0}, best_cpu[2] = {0, 0};
    for (int round = 0; round < 4; round++) {
      int on = round % 2;
      char id[64];
      snprintf(id, sizeof id, "bench_e2e_lineage_%d_", round);
      double cpu_us, r = lineage_run(cfg, sql, q, records_all, want_all, id,
                                     on ? lineage_file : NULL, &cpu_us);
      if (r > best[on]) best[on] = r, best_cpu[on] = cpu_us;
    }
    printf(
        "{\"workload\":\"%s\",\"mode\":\"lineage-off\",\"records\":%ld,\"engine_rps\":%.0f,"
        "\"baseline\":null,\"baseline_rps\":null,\"ratio\":null,\"cpu_us_per_record\":%.2f,"
        "\"p50_ms\":null,\"p99_ms\":null,\"peak_rss_mb\":null}\n",
        w->name, records_all, best[0], best_cpu[0]);
    printf(
        "{\"workload\":\"%s\",\"mode\":\"lineage-on\",\"records\":%ld,\"engine_rps\":%.0f,"
        "\"baseline\":\"lineage-off\",\"baseline_rps\":%.0f,\"ratio\":%.3f,\"cpu_us_per_record\":%."
        "2f,"
        "\"p50_ms\":null,\"p99_ms\":null,\"peak_rss_mb\":null}\n",
        w->name, records_all, best[1], best[0], best[1] / best[0], best_cpu[1]);
    fflush(stdout);
  }
  free(lat);
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(out);
  rd_kafka_destroy(out);
  rd_kafka_flush(feed, 10000);
  rd_kafka_destroy(feed);
  wy_kafka_runtime_destroy(rt);
  wy_config_destroy(cfg);
  free(sql);
  wy_datagen_destroy(gen.g);
  wy_embedded_broker_stop(broker);
  char rm[128];
  snprintf(rm, sizeof rm, "rm -rf '%s'", state_dir);
  if (system(rm) != 0) fprintf(stderr, "could not remove %s\n", state_dir);
  return rc;
}
