/* engine/lineage http transport, against a recording HTTP server of this test's own on
 * 127.0.0.1: the endpoint path and headers, retries with back-off, refused requests,
 * timeouts, and a server that is down while the query keeps running. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "engine/lineage/lineage.h"

/* ---- the recording server ------------------------------------------------------------ */

#define MAX_REQUESTS 64

typedef struct request {
  char *path;
  char *authorization; /* NULL when absent */
  char *content_type;
  char *body;
} request_t;

typedef struct server {
  int fd;
  int port;
  pthread_t thread;
  atomic_bool stop;
  pthread_mutex_t mu;
  int fail_next; /* answer this many requests with fail_status */
  int fail_status;
  bool hang; /* read requests but never answer */
  size_t n;
  request_t req[MAX_REQUESTS];
} server_t;

/* The value of header `name` in the raw header block, or NULL. */
static char *header(const char *head, const char *name) {
  size_t nl = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
    const char *line = p + 2;
    if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
      const char *v = line + nl + 1;
      while (*v == ' ') v++;
      return strndup(v, strcspn(v, "\r\n"));
    }
  }
  return NULL;
}

static void serve_connection(server_t *s, int c) {
  char buf[65536];
  size_t len = 0;
  char *end = NULL;
  struct pollfd pfd = {c, POLLIN, 0};
  /* Read until the headers and the whole body are in; bounded by poll timeouts. */
  for (;;) {
    if (poll(&pfd, 1, 2000) <= 0) return;
    ssize_t r = recv(c, buf + len, sizeof buf - 1 - len, 0);
    if (r <= 0) return;
    len += (size_t)r;
    buf[len] = '\0';
    if (!end && (end = strstr(buf, "\r\n\r\n"))) *end = '\0';
    if (end) {
      char *cl = header(buf, "Content-Length");
      size_t body_len = cl ? strtoul(cl, NULL, 10) : 0;
      free(cl);
      if ((size_t)(end + 4 - buf) + body_len <= len) {
        char *body = end + 4;
        body[body_len] = '\0';
        break;
      }
      *end = '\r'; /* keep scanning the raw buffer on the next read */
      end = NULL;
    }
  }
  pthread_mutex_lock(&s->mu);
  int status = 201;
  if (s->fail_next > 0) {
    s->fail_next--;
    status = s->fail_status;
  }
  bool hang = s->hang;
  if (s->n < MAX_REQUESTS) {
    request_t *q = &s->req[s->n++];
    q->path = strndup(buf + 5, strcspn(buf + 5, " ")); /* after "POST " */
    q->authorization = header(buf, "Authorization");
    q->content_type = header(buf, "Content-Type");
    q->body = strdup(end + 4);
  }
  pthread_mutex_unlock(&s->mu);
  if (hang) {
    while (!atomic_load(&s->stop) && poll(&pfd, 1, 50) == 0) {
    }
    return;
  }
  char resp[128];
  int n = snprintf(resp, sizeof resp,
                   "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
  (void)!send(c, resp, (size_t)n, MSG_NOSIGNAL);
}

static void *server_main(void *arg) {
  server_t *s = arg;
  struct pollfd pfd = {s->fd, POLLIN, 0};
  while (!atomic_load(&s->stop)) {
    if (poll(&pfd, 1, 50) <= 0) continue;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) continue;
    serve_connection(s, c);
    close(c);
  }
  return NULL;
}

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(fd, 16), 0);
  return fd;
}

static int port_of(int fd) {
  struct sockaddr_in a;
  socklen_t al = sizeof a;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
  return ntohs(a.sin_port);
}

/* port 0: any free port. */
static void server_start(server_t *s, int port) {
  memset(s, 0, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  s->fd = listen_on(port);
  s->port = port_of(s->fd);
  assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_stop(server_t *s) {
  atomic_store(&s->stop, true);
  pthread_join(s->thread, NULL);
  close(s->fd);
  for (size_t i = 0; i < s->n; i++) {
    free(s->req[i].path);
    free(s->req[i].authorization);
    free(s->req[i].content_type);
    free(s->req[i].body);
  }
  pthread_mutex_destroy(&s->mu);
}

static size_t server_count(server_t *s) {
  pthread_mutex_lock(&s->mu);
  size_t n = s->n;
  pthread_mutex_unlock(&s->mu);
  return n;
}

static const char *event_type(const request_t *r, char out[16]) {
  json_t *ev = json_loads(r->body, 0, NULL);
  assert_non_null(ev);
  snprintf(out, 16, "%s", json_string_value(json_object_get(ev, "eventType")));
  json_decref(ev);
  return out;
}

/* ---- fixtures ----------------------------------------------------------------------- */

static _Atomic int64_t fake_now = 1767225600000LL;
static int64_t fake_clock(void *opaque) { return atomic_load(&fake_now); }

/* CREATE STREAM CLICKS_EU AS SELECT URL, TS FROM CLICKS WHERE REGION = 'EU'; */
static const wy_lineage_field_t click_fields[] = {
    {"URL", NULL, "STRING"}, {"TS", NULL, "TIMESTAMP"}, {"REGION", NULL, "STRING"}};
static const wy_lineage_ref_t url_ref[] = {{0, "URL", WY_LINEAGE_IDENTITY, false, NULL}};
static const wy_lineage_ref_t ts_ref[] = {{0, "TS", WY_LINEAGE_IDENTITY, false, NULL}};
static const wy_lineage_ref_t region_filter[] = {{0, "REGION", WY_LINEAGE_FILTER, false, NULL}};
static const wy_lineage_column_t eu_columns[] = {{"URL", url_ref, 1}, {"TS", ts_ref, 1}};
static const wy_lineage_dataset_t clicks[] = {
    {"clicks", "CLICKS", WY_LINEAGE_STREAM, click_fields, 3, NULL, 0, NULL, 0}};
static const wy_lineage_dataset_t clicks_eu[] = {{"CLICKS_EU", "CLICKS_EU", WY_LINEAGE_STREAM,
                                                  click_fields, 2, eu_columns, 2, region_filter,
                                                  1}};
static const wy_lineage_query_t clicks_query = {
    "svc",
    "CSAS_CLICKS_EU_1",
    "CREATE STREAM CLICKS_EU AS SELECT URL, TS FROM CLICKS WHERE REGION = 'EU';",
    "127.0.0.1:9092",
    clicks,
    1,
    clicks_eu,
    1};

static wy_lineage_emitter_t *http_emitter(int port, const char *api_key, int retries,
                                          int64_t backoff_ms, size_t capacity) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", port); /* a trailing slash is fine */
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_HTTP;
  o.url = url;
  o.api_key = api_key;
  o.retries = retries;
  o.backoff_ms = backoff_ms;
  o.backoff_max_ms = backoff_ms * 4;
  o.timeout_ms = 1000;
  o.queue_capacity = capacity;
  o.running_interval_ms = 1000;
  o.clock = fake_clock;
  wy_lineage_emitter_t *e;
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_OK);
  return e;
}

static double since_ms(const struct timespec *a) {
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* ---- tests -------------------------------------------------------------------------- */

static void events_are_posted_to_api_v1_lineage_with_the_api_key(void **state) {
  server_t s;
  server_start(&s, 0);
  wy_lineage_emitter_t *e = http_emitter(s.port, "s3cret", 0, 10, 16);
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_run_start(e, &clicks_query, &run, &err), WY_OK);
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  assert_int_equal(server_count(&s), 2);
  char t[16];
  for (size_t i = 0; i < 2; i++) {
    assert_string_equal(s.req[i].path, "/api/v1/lineage");
    assert_non_null(s.req[i].authorization);
    assert_string_equal(s.req[i].authorization, "Bearer s3cret");
    assert_string_equal(s.req[i].content_type, "application/json");
  }
  assert_string_equal(event_type(&s.req[0], t), "START");
  assert_string_equal(event_type(&s.req[1], t), "COMPLETE");
  assert_non_null(strstr(s.req[0].body, wy_lineage_run_id(run)));
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.delivered, 2);
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  server_stop(&s);
}

static void without_an_api_key_there_is_no_authorization_header(void **state) {
  server_t s;
  server_start(&s, 0);
  wy_lineage_emitter_t *e = http_emitter(s.port, NULL, 0, 10, 16);
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_run_start(e, &clicks_query, &run, &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  assert_int_equal(server_count(&s), 1);
  assert_null(s.req[0].authorization);
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  server_stop(&s);
}

static void server_errors_are_retried_with_growing_backoff(void **state) {
  server_t s;
  server_start(&s, 0);
  s.fail_next = 3;
  s.fail_status = 503;
  wy_lineage_emitter_t *e = http_emitter(s.port, NULL, 5, 40, 16);
  wy_lineage_run_t *run;
  wy_error_t err;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(wy_lineage_run_start(e, &clicks_query, &run, &err), WY_OK);
  assert_true(since_ms(&t0) < 500); /* queued, not sent, by the caller */
  assert_int_equal(wy_lineage_emitter_flush(e, 10000, &err), WY_OK);
  /* Waits of 40, 80 and 160 ms, each measured on a millisecond clock. */
  assert_true(since_ms(&t0) >= 40 + 80 + 160 - 3);
  assert_int_equal(server_count(&s), 4);
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.delivered, 1);
  assert_int_equal(st.retries, 3);
  assert_int_equal(st.failed, 0);
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  server_stop(&s);
}

static void a_refused_event_is_not_retried(void **state) {
  server_t s;
  server_start(&s, 0);
  s.fail_next = 1;
  s.fail_status = 400;
  wy_lineage_emitter_t *e = http_emitter(s.port, NULL, 5, 10, 16);
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_run_start(e, &clicks_query, &run, &err), WY_OK);
  assert_int_equal(wy_lineage_run_abort(run, &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.failed, 1); /* START: 400, given up at once */
  assert_int_equal(st.retries, 0);
  assert_int_equal(st.delivered, 1); /* ABORT still goes */
  assert_int_equal(server_count(&s), 2);
  char t[16];
  assert_string_equal(event_type(&s.req[1], t), "ABORT");
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  server_stop(&s);
}

static void a_server_that_never_answers_times_out(void **state) {
  server_t s;
  server_start(&s, 0);
  s.hang = true;
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
  o.transport = WY_LINEAGE_HTTP;
  o.url = url;
  o.timeout_ms = 200;
  o.retries = 0;
  wy_lineage_emitter_t *e;
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_OK);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(wy_lineage_run_start(e, &clicks_query, &run, &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_flush(e, 5000, &err), WY_OK);
  double ms = since_ms(&t0);
  assert_true(ms >= 150 && ms < 3000);
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.failed, 1);
  assert_int_equal(st.delivered, 0);
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  server_stop(&s);
}

/* The server is down when the query starts; records keep flowing and RUNNING windows
 * pass; the caller never waits; what fits in the queue arrives, in order, once the
 * server is back; the rest is counted as dropped. */
static void a_server_that_is_down_never_blocks_the_query(void **state) {
  int probe = listen_on(0);
  int port = port_of(probe);
  close(probe); /* nothing listens on the port now: connections are refused */
  wy_lineage_emitter_t *e = http_emitter(port, NULL, 1000, 20, 4);
  wy_lineage_run_t *run;
  wy_error_t err;
  double worst = 0;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(wy_lineage_run_start(e, &clicks_query, &run, &err), WY_OK);
  worst = since_ms(&t0);
  wy_lineage_counter_t *in = wy_lineage_run_input_counter(run, 0);
  wy_lineage_counter_t *out = wy_lineage_run_output_counter(run, 0);
  uint64_t total_in = 0;
  for (int window = 1; window <= 8; window++) {
    for (int batch = 0; batch < 1000; batch++) {
      wy_lineage_counter_add(in, 10, 800);
      wy_lineage_counter_add(out, 4, 300);
      total_in += 10;
    }
    atomic_store(&fake_now, atomic_load(&fake_now) + 1000);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    wy_lineage_emitter_tick(e);
    double ms = since_ms(&t0);
    if (ms > worst) worst = ms;
    usleep(30000); /* let the sender retry (and tick) in between */
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(wy_lineage_run_complete(run, &err), WY_OK);
  if (since_ms(&t0) > worst) worst = since_ms(&t0);
  assert_true(worst < 200); /* queueing only; a blocking send would take seconds */

  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.delivered, 0);
  assert_true(st.retries >= 2);
  assert_true(st.dropped > 0); /* 10 events, room for 4 plus the one being retried */
  assert_int_equal(st.queued, 10);

  server_t s;
  server_start(&s, port);
  assert_int_equal(wy_lineage_emitter_flush(e, 10000, &err), WY_OK);
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.delivered + st.dropped, 10);
  assert_int_equal(st.failed, 0);
  size_t n = server_count(&s);
  assert_int_equal(n, st.delivered);
  assert_true(n >= 3);
  /* Only RUNNING events were given up: START and COMPLETE arrive, in order. */
  char t[16];
  assert_string_equal(event_type(&s.req[0], t), "START");
  for (size_t i = 1; i + 1 < n; i++) assert_string_equal(event_type(&s.req[i], t), "RUNNING");
  assert_string_equal(event_type(&s.req[n - 1], t), "COMPLETE");
  /* Windows are cumulative across what was delivered: never more than was counted. */
  json_int_t rows = 0;
  for (size_t i = 1; i < n; i++) {
    json_t *ev = json_loads(s.req[i].body, 0, NULL);
    json_t *in_stats = json_object_get(
        json_object_get(
            json_object_get(json_array_get(json_object_get(ev, "inputs"), 0), "inputFacets"),
            "inputStatistics"),
        "rowCount");
    assert_true(json_is_integer(in_stats));
    rows += json_integer_value(in_stats);
    json_decref(ev);
  }
  assert_true(rows > 0 && (uint64_t)rows <= total_in);
  wy_lineage_run_destroy(run);
  wy_lineage_emitter_destroy(e);
  server_stop(&s);
}

static void shutdown_gives_up_on_a_dead_server_in_bounded_time(void **state) {
  int probe = listen_on(0);
  int port = port_of(probe);
  close(probe);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  wy_lineage_options_t o;
  wy_lineage_options_init(&o);
  o.transport = WY_LINEAGE_HTTP;
  o.url = url;
  o.retries = 1000000;
  o.backoff_ms = 50;
  o.shutdown_timeout_ms = 300;
  wy_lineage_emitter_t *e;
  wy_lineage_run_t *run;
  wy_error_t err;
  assert_int_equal(wy_lineage_emitter_new(&o, &e, &err), WY_OK);
  assert_int_equal(wy_lineage_run_start(e, &clicks_query, &run, &err), WY_OK);
  assert_int_equal(wy_lineage_emitter_abort_all(e), 1);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  wy_lineage_emitter_stats_t st;
  wy_lineage_emitter_stats(e, &st);
  assert_int_equal(st.queued, 2);
  wy_lineage_emitter_destroy(e);
  double ms = since_ms(&t0);
  assert_true(ms >= 250 && ms < 3000);
  wy_lineage_run_destroy(run);
}

int main(void) {
  wy_log_set_level(WY_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(events_are_posted_to_api_v1_lineage_with_the_api_key),
      cmocka_unit_test(without_an_api_key_there_is_no_authorization_header),
      cmocka_unit_test(server_errors_are_retried_with_growing_backoff),
      cmocka_unit_test(a_refused_event_is_not_retried),
      cmocka_unit_test(a_server_that_never_answers_times_out),
      cmocka_unit_test(a_server_that_is_down_never_blocks_the_query),
      cmocka_unit_test(shutdown_gives_up_on_a_dead_server_in_bounded_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
