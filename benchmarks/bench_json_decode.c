/* bench_json_decode — decode generated clickstream records (about 250 bytes, 10 fields,
 * 5 of them used) with walleye's schema-directed JSON decoder and with jansson's
 * json_loadb (building a DOM and reading the same 5 fields), in the same process.
 *
 *   bench_json_decode [records]      (default 1000000)
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/formats/format.h"

#define POOL 4096

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

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  char **recs = malloc(POOL * sizeof *recs);
  size_t *lens = malloc(POOL * sizeof *lens);
  size_t total = 0;
  srand(7);
  for (int i = 0; i < POOL; i++) {
    char buf[512];
    long long t = 1605172213000LL + i * 137;
    int len = snprintf(
        buf, sizeof buf,
        "{\"ip\":\"%d.%d.%d.%d\",\"userid\":%d,\"remote_user\":\"-\",\"time\":\"%lld\","
        "\"_time\":%lld,\"request\":\"GET %s HTTP/1.1\",\"status\":\"%d\",\"bytes\":\"%d\","
        "\"referrer\":\"-\",\"agent\":\"%s\"}",
        rand() % 256, rand() % 256, rand() % 256, rand() % 256, rand() % 40, t, t,
        PAGES[rand() % 5], (int[]){200, 302, 404, 405, 500}[rand() % 5], rand() % 100000,
        AGENTS[rand() % 3]);
    recs[i] = strdup(buf);
    lens[i] = (size_t)len;
    total += (size_t)len;
  }
  printf("records: %ld, average size: %.0f bytes, columns used: 5 of 10\n", n,
         (double)total / POOL);

  const char *names[] = {"IP",      "USERID", "REMOTE_USER", "TIME",     "_TIME",
                         "REQUEST", "STATUS", "BYTES",       "REFERRER", "AGENT"};
  wy_format_column_t cols[10];
  for (int i = 0; i < 10; i++) {
    cols[i].name = names[i];
    cols[i].type = i == 1 ? wy_type_int() : i == 4 ? wy_type_bigint() : wy_type_string();
  }
  uint8_t used[10] = {1, 1, 0, 0, 1, 1, 1, 0, 0, 0};
  wy_format_schema_t schema = {10, cols};
  wy_format_options_t opts = {.projection = used};
  wy_error_t err;
  wy_format_codec_t *c = wy_format_codec_new(WY_FORMAT_JSON, &schema, &opts, &err);
  if (!c) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  wy_arena_t arena;
  wy_arena_init(&arena, 0);
  wy_value_t row[10];
  long long check = 0;
  double t0 = now();
  for (long i = 0; i < n; i++) {
    if ((i & 1023) == 0) wy_arena_reset(&arena); /* one batch = 1024 records */
    if (wy_format_decode(c, recs[i % POOL], lens[i % POOL], &arena, row, NULL, &err) != WY_OK) {
      fprintf(stderr, "decode failed: %s\n", err.msg);
      return 1;
    }
    check += row[1].u.i32 + row[6].len;
  }
  double t_wy = now() - t0;

  long long check2 = 0;
  t0 = now();
  for (long i = 0; i < n; i++) {
    json_error_t jerr;
    json_t *doc = json_loadb(recs[i % POOL], lens[i % POOL], 0, &jerr);
    if (!doc) return 1;
    /* Read the same five fields the walleye decoder materializes. */
    json_t *ip = json_object_get(doc, "ip"), *st = json_object_get(doc, "status");
    json_t *tm = json_object_get(doc, "_time"), *rq = json_object_get(doc, "request");
    if (!ip || !tm || !rq) return 1;
    check2 +=
        json_integer_value(json_object_get(doc, "userid")) + (long long)json_string_length(st);
    json_decref(doc);
  }
  double t_jn = now() - t0;
  if (check != check2) fprintf(stderr, "warning: checksums differ\n");
  printf("walleye json decoder: %10.0f records/s  (%.1f MB/s)\n", n / t_wy,
         (double)total / POOL * n / t_wy / 1e6);
  printf("jansson json_loadb:   %10.0f records/s  (%.1f MB/s)\n", n / t_jn,
         (double)total / POOL * n / t_jn / 1e6);
  printf("speed-up: %.1fx\n", t_jn / t_wy);
  for (int i = 0; i < 10; i++) wy_type_unref(cols[i].type);
  wy_format_codec_destroy(c);
  wy_arena_release(&arena);
  for (int i = 0; i < POOL; i++) free(recs[i]);
  free(recs);
  free(lens);
  return 0;
}
