/* metrics.c — GET /metrics: the node's counters in Prometheus' text exposition format
 * (version 0.0.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/server/node_int.h"
#include "state/state.h"

/* Label values escape backslash, double quote and newline. */
static void label(FILE *f, const char *v) {
  for (; v && *v; v++) {
    if (*v == '\\' || *v == '"')
      fputc('\\', f), fputc(*v, f);
    else if (*v == '\n')
      fputs("\\n", f);
    else
      fputc(*v, f);
  }
}

static void family(FILE *f, const char *name, const char *type, const char *help) {
  fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void per_query(FILE *f, wy_node_t *n, const char *name, const char *help, size_t field) {
  family(f, name, "counter", help);
  for (size_t i = 0; i < n->nqueries; i++) {
    const node_query_t *q = &n->queries[i];
    uint64_t v = field == 0 ? q->in : field == 1 ? q->out : q->skipped;
    fprintf(f, "%s{query=\"", name);
    label(f, q->id);
    fprintf(f, "\"} %llu\n", (unsigned long long)v);
  }
}

static void latency(FILE *f, wy_node_t *n) {
  static const char *const bounds[] = {
#define WY_X_TEXT(le, text) text,
      WY_NODE_LATENCY_BUCKETS(WY_X_TEXT)
#undef WY_X_TEXT
  };
  const char *name = "walleye_query_processing_seconds";
  family(f, name, "histogram",
         "Time to process one input record, from delivery to its outputs produced.");
  for (size_t i = 0; i < n->nqueries; i++) {
    const node_query_t *q = &n->queries[i];
    uint64_t cum = 0;
    for (size_t b = 0; b <= WY_NODE_NBUCKETS; b++) {
      cum += q->buckets[b];
      fprintf(f, "%s_bucket{query=\"", name);
      label(f, q->id);
      fprintf(f, "\",le=\"%s\"} %llu\n", b < WY_NODE_NBUCKETS ? bounds[b] : "+Inf",
              (unsigned long long)cum);
    }
    fprintf(f, "%s_sum{query=\"", name);
    label(f, q->id);
    fprintf(f, "\"} %.9f\n", (double)q->latency_ns_sum / 1e9);
    fprintf(f, "%s_count{query=\"", name);
    label(f, q->id);
    fprintf(f, "\"} %llu\n", (unsigned long long)cum);
  }
}

static void emit_lag(void *u, const char *query_id, const char *topic, int32_t partition,
                     int64_t lag) {
  FILE *f = u;
  fputs("walleye_consumer_lag{query=\"", f);
  label(f, query_id);
  fputs("\",topic=\"", f);
  label(f, topic);
  fprintf(f, "\",partition=\"%d\"} %lld\n", (int)partition, (long long)lag);
}

typedef struct store_emit {
  FILE *f;
  const char *query_id;
} store_emit_t;

static void emit_store(void *u, const char *task, uint64_t bytes) {
  store_emit_t *se = u;
  fputs("walleye_store_bytes{query=\"", se->f);
  label(se->f, se->query_id);
  fputs("\",task=\"", se->f);
  label(se->f, task);
  fprintf(se->f, "\"} %llu\n", (unsigned long long)bytes);
}

/* Every query's task folders on this node's disk (a task revoked from this node keeps
 * its folder, as Kafka Streams' state directory does, until the query is dropped). */
static void store_sizes(FILE *f, wy_node_t *n) {
  family(f, "walleye_store_bytes", "gauge",
         "Bytes on disk of a query's state stores, per task (RocksDB files).");
  for (size_t i = 0; i < n->nqueries; i++) {
    char dir[4096];
    const char *id = n->queries[i].id;
    size_t need = n->rt.ops->query_state_dir
                      ? n->rt.ops->query_state_dir(n->rt.ctx, n->engine, id, dir, sizeof dir)
                      : wy_engine_query_state_dir(n->engine, id, dir, sizeof dir);
    store_emit_t se = {f, id};
    if (need > 0 && need < sizeof dir) wy_state_query_disk_usage(dir, emit_store, &se);
  }
}

static long rss_bytes(void) {
  FILE *s = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (!s) return 0;
  if (fscanf(s, "%ld %ld", &pages, &resident) != 2) resident = 0;
  fclose(s);
  return resident * sysconf(_SC_PAGESIZE);
}

char *wy_node_metrics_text(wy_node_t *n, size_t *len) {
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  if (!f) return NULL;
  family(f, "walleye_info", "gauge", "Version, service id and runtime of this node.");
  fputs("walleye_info{version=\"" WALLEYE_VERSION "\",service_id=\"", f);
  label(f, wy_config_get_string(n->cfg, WY_CFG_SERVICE_ID));
  fputs("\",runtime=\"", f);
  label(f, n->rt.ops->name);
  fputs("\"} 1\n", f);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  family(f, "walleye_uptime_seconds", "gauge", "Seconds since the node started.");
  fprintf(f, "walleye_uptime_seconds %.3f\n",
          ((double)ts.tv_sec * 1000 + ts.tv_nsec / 1e6 - n->started_ms) / 1000);

  size_t by_state[WY_NODE_QUERY__COUNT] = {0};
  for (size_t i = 0; i < n->nqueries; i++) by_state[n->queries[i].state]++;
  family(f, "walleye_queries", "gauge", "Persistent queries by state.");
  for (int s = 0; s < WY_NODE_QUERY__COUNT; s++)
    fprintf(f, "walleye_queries{state=\"%s\"} %zu\n",
            wy_node_query_state_name((wy_node_query_state_t)s), by_state[s]);

  per_query(f, n, "walleye_query_records_in_total", "Input records delivered to the query.", 0);
  per_query(f, n, "walleye_query_records_out_total",
            "Records the query produced to its sink topic.", 1);
  per_query(f, n, "walleye_query_records_skipped_total",
            "Input records skipped into the processing log.", 2);
  latency(f, n);

  family(f, "walleye_consumer_lag", "gauge",
         "Records of an input partition not yet delivered to the query.");
  if (n->rt.ops->lag) n->rt.ops->lag(n->rt.ctx, n->engine, emit_lag, f);

  store_sizes(f, n);

  family(f, "walleye_processing_log_records_total", "counter",
         "Processing-log entries by error type.");
  wy_plog_t *pl = wy_engine_plog(n->engine);
  for (int t = 0; t < WY_PLOG__COUNT; t++)
    fprintf(f, "walleye_processing_log_records_total{type=\"%s\"} %llu\n",
            wy_plog_type_name((wy_plog_type_t)t),
            (unsigned long long)(pl ? wy_plog_count(pl, (wy_plog_type_t)t) : 0));

  family(f, "walleye_memory_rss_bytes", "gauge", "Resident memory of the node process.");
  fprintf(f, "walleye_memory_rss_bytes %ld\n", rss_bytes());

  family(f, "walleye_http_requests_total", "counter", "REST requests answered, by status class.");
  for (int c = 2; c <= 5; c++)
    fprintf(f, "walleye_http_requests_total{class=\"%dxx\"} %llu\n", c,
            (unsigned long long)atomic_load(&n->requests[c]));
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  *len = size;
  return buf;
}
