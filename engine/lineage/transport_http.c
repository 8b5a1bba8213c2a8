/* The http lineage transport: POST {url}/api/v1/lineage with libcurl, as Marquez and
 * the OpenLineage clients expect. One easy handle is reused so the connection stays
 * open between events; it is only ever used by the emitter's sender thread. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lineage/lineage_int.h"

#define ENDPOINT "/api/v1/lineage"

typedef struct http {
  wy_lineage_transport_t base;
  CURL *curl;
  struct curl_slist *headers;
  char *endpoint;
  char errbuf[CURL_ERROR_SIZE];
} http_t;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

/* curl_global_init is not thread-safe; it runs once per process and is never undone,
 * as libcurl recommends for libraries. */
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t discard(char *ptr, size_t size, size_t n, void *opaque) { return size * n; }

/* Retrying helps for server errors, throttling and timeouts; not for a request the
 * server refuses as malformed or unauthorised. */
static bool status_retryable(long code) { return code >= 500 || code == 408 || code == 429; }

static wy_status_t http_deliver(wy_lineage_transport_t *t, const char *json, size_t len,
                                const char *key, int64_t now_ms, bool *retryable, wy_error_t *err) {
  http_t *h = (http_t *)t;
  curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, json);
  curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  h->errbuf[0] = '\0';
  CURLcode rc = curl_easy_perform(h->curl);
  if (rc != CURLE_OK) {
    *retryable = true;
    return wy_error_set(err, rc == CURLE_OPERATION_TIMEDOUT ? WY_ERR_TIMEOUT : WY_ERR_IO,
                        "POST %s: %s", h->endpoint,
                        h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
  }
  long code = 0;
  curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
  if (code >= 200 && code < 300) return WY_OK;
  *retryable = status_retryable(code);
  return wy_error_set(err, WY_ERR_IO, "POST %s: HTTP status %ld", h->endpoint, code);
}

static void http_close(wy_lineage_transport_t *t) {
  http_t *h = (http_t *)t;
  if (h->curl) curl_easy_cleanup(h->curl);
  curl_slist_free_all(h->headers);
  free(h->endpoint);
  free(h);
}

static const wy_lineage_transport_ops_t http_ops = {http_deliver, http_close};

static bool add_header(http_t *h, const char *line) {
  struct curl_slist *l = curl_slist_append(h->headers, line);
  if (!l) return false;
  h->headers = l;
  return true;
}

wy_status_t wy_lineage_http_open(const wy_lineage_options_t *o, wy_lineage_transport_t **out,
                                 wy_error_t *err) {
  pthread_once(&curl_once, curl_init);
  if (curl_init_rc != CURLE_OK)
    return wy_error_set(err, WY_ERR_INTERNAL, "libcurl: %s", curl_easy_strerror(curl_init_rc));
  http_t *h = calloc(1, sizeof *h);
  if (!h) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  h->base.ops = &http_ops;
  size_t n = strlen(o->url);
  while (n && o->url[n - 1] == '/') n--;
  /* openlineage.transport.endpoint, with or without its leading slash */
  const char *path = o->endpoint && *o->endpoint ? o->endpoint : ENDPOINT;
  while (*path == '/') path++;
  h->endpoint = malloc(n + strlen(path) + 2);
  h->curl = curl_easy_init();
  bool ok = h->endpoint && h->curl;
  if (ok) {
    memcpy(h->endpoint, o->url, n);
    h->endpoint[n] = '/';
    strcpy(h->endpoint + n + 1, path);
    /* "Expect:" stops curl from waiting for a 100 Continue on bodies over 1 KiB. */
    ok = add_header(h, "Content-Type: application/json") && add_header(h, "Expect:");
  }
  if (ok && o->api_key && *o->api_key) {
    char *auth = NULL;
    ok = asprintf(&auth, "Authorization: Bearer %s", o->api_key) >= 0 && add_header(h, auth);
    free(auth);
  }
  if (!ok) {
    http_close(&h->base);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  CURL *c = h->curl;
  curl_easy_setopt(c, CURLOPT_URL, h->endpoint);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)o->timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in a threaded process */
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "walleye/" WALLEYE_VERSION);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  *out = &h->base;
  return WY_OK;
}
