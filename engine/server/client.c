/* client.c — REST client of a node over libcurl. */
#include "engine/server/client.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/buf.h"

struct wy_rest_client {
  CURL *curl;
  char *base;
  char *userpwd;
  char *cacert;
};

/* libcurl's write callback: the response body goes into a wy_buf_t. */
static size_t collect(char *data, size_t size, size_t nmemb, void *user) {
  size_t len = size * nmemb;
  return wy_buf_append(user, data, len) ? len : 0;
}

wy_status_t wy_rest_client_new(const char *base, const char *userpwd, wy_rest_client_t **out,
                               wy_error_t *err) {
  *out = NULL;
  wy_rest_client_t *c = calloc(1, sizeof *c);
  if (!c) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  c->curl = curl_easy_init();
  c->base = strdup(base);
  c->userpwd = userpwd ? strdup(userpwd) : NULL;
  if (!c->curl || !c->base || (userpwd && !c->userpwd)) {
    wy_rest_client_destroy(c);
    return wy_error_set(err, WY_ERR_NOMEM, "cannot create an HTTP client");
  }
  size_t n = strlen(c->base);
  while (n > 0 && c->base[n - 1] == '/') c->base[--n] = '\0';
  *out = c;
  return WY_OK;
}

void wy_rest_client_destroy(wy_rest_client_t *c) {
  if (!c) return;
  if (c->curl) curl_easy_cleanup(c->curl);
  free(c->base);
  free(c->userpwd);
  free(c->cacert);
  free(c);
}

wy_status_t wy_rest_client_set_cacert(wy_rest_client_t *c, const char *path, wy_error_t *err) {
  char *copy = strdup(path);
  if (!copy) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  free(c->cacert);
  c->cacert = copy;
  return WY_OK;
}

static wy_status_t perform(wy_rest_client_t *c, const char *path, const char *post, long *status,
                           json_t **out, wy_error_t *err) {
  *out = NULL;
  char *url = malloc(strlen(c->base) + strlen(path) + 1);
  if (!url) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  strcpy(url, c->base);
  strcat(url, path);
  wy_buf_t b;
  wy_buf_init(&b);
  CURL *h = c->curl;
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (c->userpwd) curl_easy_setopt(h, CURLOPT_USERPWD, c->userpwd);
  if (c->cacert) curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
  struct curl_slist *hdrs = NULL;
  if (post) {
    hdrs = curl_slist_append(hdrs, "Content-Type: application/vnd.ksql.v1+json");
    hdrs = curl_slist_append(hdrs, "Accept: application/vnd.ksql.v1+json");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
  }
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(hdrs);
  wy_status_t st = WY_OK;
  if (rc != CURLE_OK) {
    st = wy_error_set(err, WY_ERR_IO, "cannot reach %s: %s", url, curl_easy_strerror(rc));
  } else {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    json_error_t jerr;
    *out = json_loadb((const char *)b.data, b.len, 0, &jerr);
    if (!*out) st = wy_error_set(err, WY_ERR_IO, "%s answered %ld without JSON", url, *status);
  }
  wy_buf_free(&b);
  free(url);
  return st;
}

wy_status_t wy_rest_ksql(wy_rest_client_t *c, const char *ksql, json_t *props,
                         const char *description, long *status, json_t **out, wy_error_t *err) {
  json_t *req = json_pack("{s:s, s:o}", "ksql", ksql, "streamsProperties",
                          props ? json_incref(props) : json_object());
  if (description) json_object_set_new(req, "description", json_string(description));
  char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
  json_decref(req);
  if (!text) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = perform(c, "/ksql", text, status, out, err);
  free(text);
  return st;
}

wy_status_t wy_rest_get(wy_rest_client_t *c, const char *path, long *status, json_t **out,
                        wy_error_t *err) {
  return perform(c, path, NULL, status, out, err);
}

const char *wy_rest_error_message(const json_t *reply) {
  const char *m = json_string_value(json_object_get(reply, "message"));
  return m ? m : "request failed";
}
