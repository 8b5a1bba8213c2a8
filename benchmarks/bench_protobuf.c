/* bench_protobuf — workload protobuf-filter-project: decode clickstream records (10 columns, 5
 * used), keep those with status < 400, and encode a 5-column projection, with the PROTOBUF
 * codec (Confluent wire format, in-process registry) and, as the baseline in the same
 * run, with the JSON codec on the same records. Prints one JSON result line.
 *
 *   bench_protobuf [records]      (default 1000000)
 *
 * The columns are avro-filter-project's, with _TIME named TIME_MS (a proto3 field name
 * cannot start with an underscore).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/formats/format.h"
#include "engine/registry/registry.h"

#define POOL 4096
#define NCOLS 10

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *AGENTS[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15",
};
static const char *PAGES[] = {"/index.html", "/site/user_status.html", "/images/logo-small.png",
                              "/site/login.html", "/checkout?item=42&qty=1"};
static const char *NAMES[NCOLS] = {"IP",      "USERID", "REMOTE_USER", "TIME",     "TIME_MS",
                                   "REQUEST", "STATUS", "BYTES",       "REFERRER", "AGENT"};

typedef struct {
  wy_format_codec_t *in, *out;
  uint8_t **recs;
  size_t *lens;
  size_t bytes;
} side_t;

/* One pass of the workload; returns records per second. */
static double run(side_t *s, long n, long long *check) {
  wy_arena_t arena;
  wy_arena_init(&arena, 0);
  wy_buf_t out;
  wy_buf_init(&out);
  wy_value_t row[NCOLS], proj[5];
  wy_error_t err;
  double t0 = now();
  for (long i = 0; i < n; i++) {
    if ((i & 1023) == 0) wy_arena_reset(&arena);
    if (wy_format_decode(s->in, s->recs[i % POOL], s->lens[i % POOL], &arena, row, NULL, &err)) {
      fprintf(stderr, "decode: %s\n", err.msg);
      exit(1);
    }
    if (row[6].u.i32 >= 400) continue; /* WHERE status < 400 */
    proj[0] = row[0], proj[1] = row[1], proj[2] = row[4], proj[3] = row[5], proj[4] = row[6];
    if (wy_format_encode(s->out, proj, &out, NULL, &err)) {
      fprintf(stderr, "encode: %s\n", err.msg);
      exit(1);
    }
    *check += (long long)out.len;
  }
  double rps = n / (now() - t0);
  wy_buf_free(&out);
  wy_arena_release(&arena);
  return rps;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  wy_sr_t *reg = wy_sr_mem_new(WY_COMPAT_NONE);
  wy_format_column_t cols[NCOLS], pcols[5];
  for (int i = 0; i < NCOLS; i++) {
    cols[i].name = NAMES[i];
    cols[i].type = i == 1 || i == 6 || i == 7 ? wy_type_int()
                   : i == 4                   ? wy_type_bigint()
                                              : wy_type_string();
  }
  const int pick[5] = {0, 1, 4, 5, 6};
  for (int i = 0; i < 5; i++) pcols[i] = cols[pick[i]];
  uint8_t used[NCOLS] = {1, 1, 0, 0, 1, 1, 1, 0, 0, 0};
  wy_format_schema_t all = {NCOLS, cols}, projected = {5, pcols};
  wy_error_t err;
  side_t sides[2]; /* 0 PROTOBUF, 1 JSON */
  for (int k = 0; k < 2; k++) {
    wy_format_t f = k ? WY_FORMAT_JSON : WY_FORMAT_PROTOBUF;
    wy_format_options_t in = {.projection = used, .registry = reg, .subject = "clicks-value"};
    wy_format_options_t out = {.registry = reg, .subject = "out-value", .register_schema = true};
    wy_format_options_t writer = {
        .registry = reg, .subject = "clicks-value", .register_schema = true};
    sides[k].in = wy_format_codec_new(f, &all, &in, &err);
    sides[k].out = wy_format_codec_new(f, &projected, &out, &err);
    wy_format_codec_t *w = wy_format_codec_new(f, &all, &writer, &err);
    if (!sides[k].in || !sides[k].out || !w) {
      fprintf(stderr, "codec: %s\n", err.msg);
      return 1;
    }
    sides[k].recs = malloc(POOL * sizeof(uint8_t *));
    sides[k].lens = malloc(POOL * sizeof(size_t));
    sides[k].bytes = 0;
    srand(7);
    wy_buf_t b;
    wy_buf_init(&b);
    for (int i = 0; i < POOL; i++) {
      char ip[32], tm[24];
      long long t = 1605172213000LL + i * 137;
      snprintf(ip, sizeof ip, "%d.%d.%d.%d", rand() % 256, rand() % 256, rand() % 256,
               rand() % 256);
      snprintf(tm, sizeof tm, "%lld", t);
      char req[64];
      snprintf(req, sizeof req, "GET %s HTTP/1.1", PAGES[rand() % 5]);
      const char *agent = AGENTS[rand() % 3];
      wy_value_t row[NCOLS] = {wy_string(ip, strlen(ip)),
                               wy_int(rand() % 40),
                               wy_string("-", 1),
                               wy_string(tm, strlen(tm)),
                               wy_bigint(t),
                               wy_string(req, strlen(req)),
                               wy_int((int[]){200, 302, 404, 405, 500}[rand() % 5]),
                               wy_int(rand() % 100000),
                               wy_string("-", 1),
                               wy_string(agent, strlen(agent))};
      if (wy_format_encode(w, row, &b, NULL, &err)) {
        fprintf(stderr, "encode: %s\n", err.msg);
        return 1;
      }
      sides[k].recs[i] = malloc(b.len);
      memcpy(sides[k].recs[i], b.data, b.len);
      sides[k].lens[i] = b.len;
      sides[k].bytes += b.len;
    }
    wy_buf_free(&b);
    wy_format_codec_destroy(w);
  }
  long long c0 = 0, c1 = 0;
  double pb = 0, json = 0;
  for (int rep = 0; rep < 2; rep++) { /* alternate, best of two per side */
    double a = run(&sides[0], n, &c0), j = run(&sides[1], n, &c1);
    if (a > pb) pb = a;
    if (j > json) json = j;
  }
  printf(
      "{\"workload\":\"protobuf-filter-project\",\"records\":%ld,\"engine_rps\":%.0f,"
      "\"engine_record_bytes\":%.0f,\"baseline\":\"json-codec\",\"baseline_rps\":%.0f,"
      "\"baseline_record_bytes\":%.0f,\"ratio\":%.3f}\n",
      n, pb, (double)sides[0].bytes / POOL, json, (double)sides[1].bytes / POOL, pb / json);
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < POOL; i++) free(sides[k].recs[i]);
    free(sides[k].recs);
    free(sides[k].lens);
    wy_format_codec_destroy(sides[k].in);
    wy_format_codec_destroy(sides[k].out);
  }
  wy_sr_destroy(reg);
  return 0;
}
