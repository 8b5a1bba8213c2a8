/* server over HTTP on 127.0.0.1: every endpoint through libmicrohttpd, body limits, basic
 * auth, listener parsing, and a bounded fuzz loop of malformed requests (the node must
 * answer each with a status and stay healthy). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/server/server.h"
#include "test_server_util.h"

typedef struct http_fixture {
  node_fixture_t *nf;
  wy_server_t *server;
  char base[64];
} http_fixture_t;

static int start(void **state, const char *auth, size_t max_body) {
  http_fixture_t *f = calloc(1, sizeof *f);
  wy_error_t err;
  f->nf = node_fixture_new();
  if (!f->nf || wy_node_start(f->nf->node, &err) != WY_OK) return -1;
  wy_server_options_t o = {
      .listener = "http://127.0.0.1:0", .basic_auth = auth, .max_body_bytes = max_body};
  if (wy_server_new(f->nf->node, &o, &f->server, &err) != WY_OK) return -1;
  snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", wy_server_port(f->server));
  *state = f;
  return 0;
}

static int setup(void **state) { return start(state, NULL, 4096); }
static int setup_auth(void **state) { return start(state, "ops:s3cret", 0); }

static int teardown(void **state) {
  http_fixture_t *f = *state;
  wy_server_destroy(f->server);
  node_fixture_destroy(f->nf);
  free(f);
  return 0;
}

typedef struct buf {
  char *p;
  size_t n;
} buf_t;

static size_t collect(char *data, size_t size, size_t nmemb, void *user) {
  buf_t *b = user;
  size_t len = size * nmemb;
  char *grown = realloc(b->p, b->n + len + 1);
  if (!grown) return 0;
  b->p = grown;
  memcpy(b->p + b->n, data, len);
  b->n += len;
  b->p[b->n] = '\0';
  return len;
}

/* One request; returns the status (0 on a transport error) and the body in *out. */
static long http(http_fixture_t *f, const char *method, const char *path, const char *body,
                 size_t len, const char *userpwd, char **out, char *ctype, size_t ccap) {
  CURL *c = curl_easy_init();
  buf_t b = {0};
  char url[256];
  snprintf(url, sizeof url, "%s%s", f->base, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
  }
  if (userpwd) curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (ctype) {
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(ctype, ccap, "%s", ct ? ct : "");
  }
  curl_easy_cleanup(c);
  if (out)
    *out = b.p;
  else
    free(b.p);
  return status;
}

static json_t *http_json(http_fixture_t *f, const char *method, const char *path, const char *body,
                         long *status) {
  char *out = NULL;
  *status = http(f, method, path, body, body ? strlen(body) : 0, NULL, &out, NULL, 0);
  json_t *j = out ? json_loads(out, 0, NULL) : NULL;
  free(out);
  return j;
}

static void every_endpoint_answers_over_http(void **state) {
  http_fixture_t *f = *state;
  long st;
  json_t *j = http_json(f, "POST", "/ksql",
                        "{\"ksql\":\"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', "
                        "value_format='JSON');"
                        "CREATE STREAM o AS SELECT * FROM "
                        "s;\",\"streamsProperties\":{\"auto.offset.reset\":\"earliest\"}}",
                        &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(j), 2);
  json_decref(j);
  j = http_json(f, "POST", "/ksql", "{\"ksql\":\"INSERT INTO s (id, v) VALUES (1, 'x');\"}", &st);
  assert_int_equal(st, 200);
  assert_int_equal(json_array_size(j), 0); /* INSERT VALUES answers with no entity, as ksqlDB */
  json_decref(j);

  j = http_json(f, "GET", "/info", NULL, &st);
  assert_int_equal(st, 200);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(j, "KsqlServerInfo"), "version")),
      WALLEYE_VERSION);
  json_decref(j);
  j = http_json(f, "GET", "/healthcheck", NULL, &st);
  assert_int_equal(st, 200);
  assert_true(json_is_true(json_object_get(j, "isHealthy")));
  json_decref(j);
  /* libcurl escapes the backticks; the server sees the command id unescaped */
  j = http_json(f, "GET", "/status/stream/%60O%60/create", NULL, &st);
  assert_int_equal(st, 200);
  assert_string_equal(json_string_value(json_object_get(j, "status")), "SUCCESS");
  json_decref(j);

  /* the pump thread delivers the inserted record; /metrics shows it */
  char *text = NULL, ctype[128];
  bool seen = false;
  for (int tries = 0; tries < 200 && !seen; tries++) {
    free(text);
    text = NULL;
    assert_int_equal(http(f, "GET", "/metrics", NULL, 0, NULL, &text, ctype, sizeof ctype), 200);
    seen = strstr(text, "walleye_query_records_out_total{query=\"CSAS_O_0\"} 1\n") != NULL;
    if (!seen) {
      struct timespec ts = {0, 10 * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  assert_true(seen);
  assert_non_null(strstr(ctype, "text/plain"));
  assert_non_null(strstr(text, "# TYPE walleye_query_records_in_total counter\n"));
  free(text);
}

static void oversized_bodies_get_413_with_ksqldb_error(void **state) {
  http_fixture_t *f = *state;
  size_t len = 64 * 1024;
  char *big = malloc(len);
  memset(big, ' ', len);
  memcpy(big, "{\"ksql\":\"", 9);
  memcpy(big + len - 2, "\"}", 2);
  char *out = NULL;
  assert_int_equal(http(f, "POST", "/ksql", big, len, NULL, &out, NULL, 0), 413);
  json_t *j = json_loads(out, 0, NULL);
  assert_int_equal(json_integer_value(json_object_get(j, "error_code")), 41300);
  json_decref(j);
  free(out);
  free(big);
  /* still serving */
  long st;
  json_decref(http_json(f, "GET", "/healthcheck", NULL, &st));
  assert_int_equal(st, 200);
}

static void basic_auth_is_required_when_configured(void **state) {
  http_fixture_t *f = *state;
  char *out = NULL;
  assert_int_equal(http(f, "GET", "/info", NULL, 0, NULL, &out, NULL, 0), 401);
  json_t *j = json_loads(out, 0, NULL);
  assert_int_equal(json_integer_value(json_object_get(j, "error_code")), 40100);
  json_decref(j);
  free(out);
  assert_int_equal(http(f, "GET", "/info", NULL, 0, "ops:wrong", NULL, NULL, 0), 401);
  assert_int_equal(http(f, "GET", "/info", NULL, 0, "ops:s3cret", NULL, NULL, 0), 200);
}

static void listeners_parse_and_reject_bad_ones(void **state) {
  char host[64];
  int port;
  bool tls;
  wy_error_t err;
  assert_int_equal(
      wy_server_parse_listener("http://127.0.0.1:8088", host, sizeof host, &port, &tls, &err),
      WY_OK);
  assert_false(tls);
  assert_string_equal(host, "127.0.0.1");
  assert_int_equal(port, 8088);
  assert_int_equal(wy_server_parse_listener("[::1]:0", host, sizeof host, &port, NULL, &err),
                   WY_OK);
  assert_string_equal(host, "::1");
  assert_int_equal(port, 0);
  assert_int_equal(
      wy_server_parse_listener("https://127.0.0.1:8443", host, sizeof host, &port, &tls, &err),
      WY_OK);
  assert_true(tls);
  assert_int_equal(port, 8443);
  const char *bad[] = {"http://127.0.0.1", "http://:80",    "ftp://x:1",
                       "http://h:99999",   "http://h:12ab", "[::1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(wy_server_parse_listener(bad[i], host, sizeof host, &port, NULL, &err),
                     WY_ERR_CONFIG);
}

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Raw bytes on a socket: malformed request lines and headers reach libmicrohttpd. */
static void send_raw(http_fixture_t *f, const char *data, size_t len) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)wy_server_port(f->server))};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  struct timeval tv = {0, 200 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
    if (send(fd, data, len, MSG_NOSIGNAL) >= 0) {
      shutdown(fd, SHUT_WR);
      char sink[512];
      while (recv(fd, sink, sizeof sink, 0) > 0) {
      }
    }
  }
  close(fd);
}

static void fuzzed_requests_never_crash_the_node(void **state) {
  http_fixture_t *f = *state;
  static const char *seeds[] = {
      ("{\"ksql\":\"CREATE STREAM f (id INT KEY, v STRING) WITH (kafka_topic='f', "
       "value_format='JSON');\"}"),
      "{\"ksql\":\"SHOW STREAMS; DESCRIBE f; SHOW QUERIES EXTENDED;\",\"streamsProperties\":{}}",
      "{\"ksql\":\"CREATE STREAM g AS SELECT id, UCASE(v) AS u FROM f WHERE id > 1;\"}",
      "{\"ksql\":\"INSERT INTO f (id, v) VALUES (3, 'z'); DESCRIBE FUNCTION substring;\"}",
      "{\"ksql\":\"TERMINATE ALL; DROP STREAM IF EXISTS g;\",\"sessionVariables\":{\"a\":1}}",
      /* pull queries (a mutation cannot make an endless push query of them) */
      "{\"sql\":\"SELECT id, LEN(v) AS n FROM f WHERE id = 3;\",\"properties\":{}}",
      "{\"sql\":\"SELECT * FROM f LIMIT 2;\",\"properties\":{\"auto.offset.reset\":\"earliest\"}}",
      "{\"queryId\":\"transient_1_2\"}",
  };
  static const char *paths[] = {
      "/ksql",  "/info", "/status",           "/status/x/y/z", "/metrics",    "/healthcheck",
      "/ksql/", "/%00",  "/../../etc/passwd", "/query-stream", "/close-query"};
  static const char *methods[] = {"POST", "GET", "PUT", "DELETE", "PATCH"};
  static const char *raw[] = {
      "GARBAGE\r\n\r\n",
      "GET\r\n\r\n",
      "POST /ksql HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
      "POST /ksql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /info HTTP/9.9\r\nHost: x\r\n\r\n",
      "\x00\x01\x02\xff\r\n\r\n",
      "POST /ksql HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"ksql\":"};
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int sent = 0, answered = 0;
  /* bounded by count and by time */
  for (int i = 0; i < 300; i++) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (t.tv_sec - t0.tv_sec > 15) break;
    uint64_t r = rng_next(&rng);
    if (r % 10 == 0) {
      const char *d = raw[(r >> 8) % (sizeof raw / sizeof raw[0])];
      send_raw(f, d, strlen(d) + ((r >> 16) % 2));
      continue;
    }
    const char *seed = seeds[(r >> 8) % (sizeof seeds / sizeof seeds[0])];
    size_t len = strlen(seed);
    char body[512];
    memcpy(body, seed, len);
    int muts = (int)((r >> 16) % 6);
    for (int m = 0; m < muts && len > 0; m++) {
      uint64_t x = rng_next(&rng);
      size_t pos = (size_t)(x % len);
      switch ((x >> 32) % 3) {
        case 0:
          body[pos] = (char)(x >> 40);
          break; /* flip a byte */
        case 1:
          len = pos;
          break; /* truncate */
        default:
          if (len < sizeof body - 1) body[len++] = "{}[]\",:\\"[(x >> 40) % 8];
          break;
      }
    }
    const char *path = r % 7 == 0 ? paths[(r >> 24) % (sizeof paths / sizeof paths[0])]
                       : strncmp(seed, "{\"sql\"", 6) == 0 ? "/query-stream"
                       : strncmp(seed, "{\"query", 7) == 0 ? "/close-query"
                                                           : "/ksql";
    const char *method =
        r % 11 == 0 ? methods[(r >> 28) % (sizeof methods / sizeof methods[0])] : "POST";
    long st = http(f, method, path, body, len, NULL, NULL, NULL, 0);
    sent++;
    if (st >= 200 && st < 500) answered++;
  }
  assert_true(sent > 0);
  assert_int_equal(answered, sent); /* every request got a 2xx/4xx answer, no 5xx, no hang-up */
  long st;
  json_t *j = http_json(f, "GET", "/healthcheck", NULL, &st);
  assert_int_equal(st, 200);
  json_decref(j);
}

/* POST /query-stream over HTTP (curl), with an Accept header. */
typedef struct stream_call {
  http_fixture_t *f;
  const char *body, *accept;
  long status;
  char *out;
  char ctype[128];
} stream_call_t;

static void *stream_request(void *arg) {
  stream_call_t *sc = arg;
  CURL *c = curl_easy_init();
  buf_t b = {0};
  char url[256];
  snprintf(url, sizeof url, "%s/query-stream", sc->f->base);
  struct curl_slist *h = NULL;
  char accept[160];
  snprintf(accept, sizeof accept, "Accept: %s", sc->accept);
  h = curl_slist_append(h, accept);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, sc->body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &sc->status);
  char *ct = NULL;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
  snprintf(sc->ctype, sizeof sc->ctype, "%s", ct ? ct : "");
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  sc->out = b.p;
  return NULL;
}

/* Push and pull queries stream over HTTP (chunked): a push query with LIMIT ends by
 * itself; a pull query answers in ksqlDB's JSON-array format; an open push query without
 * LIMIT does not hold up the server's stop. */
static void query_stream_over_http(void **state) {
  http_fixture_t *f = *state;
  long st;
  json_decref(http_json(f, "POST", "/ksql",
                        "{\"ksql\":\"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', "
                        "value_format='JSON', "
                        "partitions=1);\"}",
                        &st));
  assert_int_equal(st, 200);
  json_decref(http_json(
      f, "POST", "/ksql",
      "{\"ksql\":\"INSERT INTO s (id, v) VALUES (1, 'a'); INSERT INTO s (id, v) VALUES (2, 'b');"
      "INSERT INTO s (id, v) VALUES (3, 'c');\"}",
      &st));
  assert_int_equal(st, 200);
  stream_call_t push = {f,
                        "{\"sql\":\"SELECT id, v FROM s EMIT CHANGES LIMIT 2;\",\"properties\":"
                        "{\"auto.offset.reset\":\"earliest\"}}",
                        "application/vnd.ksqlapi.delimited.v1",
                        0,
                        NULL,
                        ""};
  stream_request(&push);
  assert_int_equal(push.status, 200);
  assert_string_equal(push.ctype, "application/vnd.ksqlapi.delimited.v1");
  assert_non_null(strstr(push.out, "\"columnNames\":[\"ID\",\"V\"]"));
  assert_non_null(strstr(push.out, "\n[1,\"a\"]\n[2,\"b\"]\n"));
  assert_null(strstr(push.out, "[3,"));
  free(push.out);

  stream_call_t pull = {
      f, "{\"sql\":\"SELECT v FROM s WHERE id = 3;\"}", "application/json", 0, NULL, ""};
  stream_request(&pull);
  assert_int_equal(pull.status, 200);
  assert_string_equal(pull.ctype, "application/json");
  json_t *j = json_loads(pull.out, 0, NULL);
  assert_int_equal(json_array_size(j), 2);
  assert_string_equal(json_string_value(json_array_get(json_array_get(j, 1), 0)), "c");
  json_decref(j);
  free(pull.out);

  stream_call_t open = {
      f, "{\"sql\":\"SELECT * FROM s EMIT CHANGES;\"}", "application/json", 0, NULL, ""};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, stream_request, &open), 0);
  usleep(300 * 1000);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  wy_server_destroy(f->server);
  f->server = NULL;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  pthread_join(t, NULL);
  double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  assert_true(took < 3.0);
  assert_non_null(open.out);
  assert_non_null(strstr(open.out, "queryId")); /* the header came before the stop */
  free(open.out);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(every_endpoint_answers_over_http, setup, teardown),
      cmocka_unit_test_setup_teardown(oversized_bodies_get_413_with_ksqldb_error, setup, teardown),
      cmocka_unit_test_setup_teardown(basic_auth_is_required_when_configured, setup_auth, teardown),
      cmocka_unit_test(listeners_parse_and_reject_bad_ones),
      cmocka_unit_test_setup_teardown(fuzzed_requests_never_crash_the_node, setup, teardown),
      cmocka_unit_test_setup_teardown(query_stream_over_http, setup, teardown),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
