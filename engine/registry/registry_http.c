/* The Schema Registry REST client (libcurl): GET /schemas/ids/{id}, POST
 * /subjects/{subject}/versions, GET /subjects/{subject}/versions/latest, POST
 * /compatibility/subjects/{subject}/versions/latest and GET/PUT /config[/{subject}],
 * with basic auth and timeouts.
 * Connection failures, timeouts, 5xx and 429 are retried with a doubling backoff; 401
 * and 403 are not (bad credentials fail the query); 404 is NOT_FOUND; 409/422 (an
 * incompatible or invalid schema) are CONFIG errors carrying the registry's message.
 * One curl easy handle is kept and reused (connection keep-alive) under the handle's
 * mutex. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/base/buf.h"
#include "engine/registry/registry_int.h"

typedef struct {
  char *url; /* without a trailing slash */
  char *user_info;
  long timeout_ms;
  int retries;
  long backoff_ms;
  CURL *curl;
  wy_buf_t body;  /* the last response */
  long last_code; /* its HTTP status (0: none) */
} http_t;

static size_t on_data(char *p, size_t size, size_t n, void *arg) {
  http_t *h = arg;
  size_t add = size * n;
  return wy_buf_append(&h->body, p, add) ? add : 0;
}

/* The last response as text; "" when there is none or it did not fit in memory. */
static const char *body_text(http_t *h) {
  const char *s = wy_buf_cstr(&h->body);
  return s ? s : "";
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* The registry's {"error_code":..., "message":...} or the raw body. */
static void error_text(http_t *h, char *buf, size_t cap) {
  const char *text = body_text(h);
  json_t *j = json_loads(text, 0, NULL);
  const char *m = json_string_value(json_object_get(j, "message"));
  snprintf(buf, cap, "%.200s", m ? m : text);
  json_decref(j);
}

/* One request with retries; on WY_OK h->body holds a 2xx response. */
static wy_status_t request(http_t *h, const char *method, const char *path, const char *body,
                           wy_error_t *err) {
  char url[2048];
  snprintf(url, sizeof url, "%s%s", h->url, path);
  struct curl_slist *hdr =
      curl_slist_append(NULL, "Accept: application/vnd.schemaregistry.v1+json");
  hdr = curl_slist_append(hdr, "Content-Type: application/vnd.schemaregistry.v1+json");
  long backoff = h->backoff_ms;
  wy_status_t st = WY_ERR_IO;
  for (int attempt = 0;; attempt++) {
    CURL *c = h->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    if (h->user_info) {
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(c, CURLOPT_USERPWD, h->user_info);
    }
    wy_buf_reset(&h->body);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    h->last_code = rc == CURLE_OK ? code : 0;
    char msg[256];
    bool retry = false;
    if (rc != CURLE_OK) {
      st = wy_error_set(err, rc == CURLE_OPERATION_TIMEDOUT ? WY_ERR_TIMEOUT : WY_ERR_IO,
                        "Schema Registry %s unreachable: %s", h->url, curl_easy_strerror(rc));
      retry = true;
    } else if (code >= 200 && code < 300) {
      st = WY_OK;
    } else {
      error_text(h, msg, sizeof msg);
      if (code == 401 || code == 403) {
        st = wy_error_set(err, WY_ERR_CONFIG,
                          "Schema Registry refused the credentials (HTTP %ld): %s", code, msg);
      } else if (code == 404) {
        st = wy_error_set(err, WY_ERR_NOT_FOUND, "%s", msg);
      } else if (code == 409 || code == 422) {
        st = wy_error_set(err, WY_ERR_CONFIG, "Schema Registry rejected the schema (HTTP %ld): %s",
                          code, msg);
      } else {
        st = wy_error_set(err, WY_ERR_IO, "Schema Registry error (HTTP %ld): %s", code, msg);
        retry = code >= 500 || code == 429;
      }
    }
    if (!retry || attempt >= h->retries) break;
    sleep_ms(backoff);
    backoff *= 2;
  }
  curl_slist_free_all(hdr);
  if (st != WY_OK && st != WY_ERR_NOT_FOUND) wy_error_prefix(err, "%s %s", method, path);
  return st;
}

static wy_status_t parse_body(http_t *h, json_t **out, wy_error_t *err) {
  json_error_t je;
  *out = json_loads(body_text(h), 0, &je);
  if (!*out) return wy_error_set(err, WY_ERR_IO, "Schema Registry sent bad JSON: %s", je.text);
  return WY_OK;
}

/* The schema of a response and its type (schemaType, absent for AVRO). */
static wy_status_t take_schema(json_t *j, char **schema, wy_sr_type_t *type, wy_error_t *err) {
  const char *s = json_string_value(json_object_get(j, "schema"));
  if (!s) return wy_error_set(err, WY_ERR_IO, "Schema Registry response has no schema");
  const char *t = json_string_value(json_object_get(j, "schemaType"));
  *type = WY_SR_AVRO;
  if (t && !wy_sr_type_from_name(t, type))
    return wy_error_set(err, WY_ERR_IO, "Schema Registry sent an unknown schemaType '%s'", t);
  if (!(*schema = strdup(s))) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return WY_OK;
}

/* subject, percent-encoded for a path */
static void escape(http_t *h, const char *subject, char *buf, size_t cap) {
  char *e = curl_easy_escape(h->curl, subject, 0);
  snprintf(buf, cap, "%s", e ? e : "");
  curl_free(e);
}

static wy_status_t http_get(void *impl, int32_t id, char **schema, wy_sr_type_t *type,
                            wy_error_t *err) {
  http_t *h = impl;
  char path[64];
  snprintf(path, sizeof path, "/schemas/ids/%d", id);
  wy_status_t st = request(h, "GET", path, NULL, err);
  if (st == WY_ERR_NOT_FOUND) return wy_error_set(err, WY_ERR_NOT_FOUND, "Schema %d not found", id);
  json_t *j;
  if (st != WY_OK || (st = parse_body(h, &j, err)) != WY_OK) return st;
  st = take_schema(j, schema, type, err);
  json_decref(j);
  return st;
}

static char *schema_body(wy_sr_type_t type, const char *schema) {
  json_t *b = type == WY_SR_AVRO
                  ? json_pack("{s:s}", "schema", schema)
                  : json_pack("{s:s, s:s}", "schemaType", wy_sr_type_name(type), "schema", schema);
  char *s = b ? json_dumps(b, JSON_COMPACT) : NULL;
  json_decref(b);
  return s;
}

static wy_status_t http_compatible(void *impl, const char *subject, wy_sr_type_t type,
                                   const char *schema, bool *ok, char *why, size_t whycap,
                                   wy_error_t *err);
static wy_status_t http_get_compat(void *impl, const char *subject, wy_sr_compat_t *level,
                                   wy_error_t *err);

/* A 409 on register: the message names the subject, its level and what breaks, read
 * back from the registry (its /config and a verbose compatibility check), whatever
 * the registry's own message says. */
static wy_status_t refused(http_t *h, const char *subject, wy_sr_type_t type, const char *schema,
                           wy_error_t *err) {
  char registry_msg[256];
  error_text(h, registry_msg, sizeof registry_msg);
  wy_error_t ignored;
  wy_sr_compat_t level;
  char level_text[48] = "";
  if (http_get_compat(h, subject, &level, &ignored) == WY_OK)
    snprintf(level_text, sizeof level_text, " (compatibility %s)", wy_sr_compat_name(level));
  bool ok = true;
  char why[512] = "";
  if (http_compatible(h, subject, type, schema, &ok, why, sizeof why, &ignored) != WY_OK || ok ||
      !why[0])
    snprintf(why, sizeof why, "%s", registry_msg);
  return wy_error_set(err, WY_ERR_CONFIG,
                      "Schema being registered is incompatible with an earlier schema for "
                      "subject \"%s\"%s: %s",
                      subject, level_text, why);
}

static wy_status_t http_register(void *impl, const char *subject, wy_sr_type_t type,
                                 const char *schema, int32_t *id, wy_error_t *err) {
  http_t *h = impl;
  char sub[512], path[600];
  escape(h, subject, sub, sizeof sub);
  snprintf(path, sizeof path, "/subjects/%s/versions", sub);
  char *body = schema_body(type, schema);
  if (!body) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = request(h, "POST", path, body, err);
  free(body);
  if (st == WY_ERR_CONFIG && h->last_code == 409) return refused(h, subject, type, schema, err);
  json_t *j;
  if (st != WY_OK || (st = parse_body(h, &j, err)) != WY_OK) return st;
  json_t *jid = json_object_get(j, "id");
  if (!json_is_integer(jid))
    st = wy_error_set(err, WY_ERR_IO, "Schema Registry response has no id");
  else
    *id = (int32_t)json_integer_value(jid);
  json_decref(j);
  return st;
}

static wy_status_t http_latest(void *impl, const char *subject, int32_t *id, char **schema,
                               wy_sr_type_t *type, wy_error_t *err) {
  http_t *h = impl;
  char sub[512], path[600];
  escape(h, subject, sub, sizeof sub);
  snprintf(path, sizeof path, "/subjects/%s/versions/latest", sub);
  wy_status_t st = request(h, "GET", path, NULL, err);
  if (st == WY_ERR_NOT_FOUND)
    return wy_error_set(err, WY_ERR_NOT_FOUND, "Subject '%s' not found", subject);
  json_t *j;
  if (st != WY_OK || (st = parse_body(h, &j, err)) != WY_OK) return st;
  *id = (int32_t)json_integer_value(json_object_get(j, "id"));
  st = take_schema(j, schema, type, err);
  json_decref(j);
  return st;
}

static wy_status_t http_compatible(void *impl, const char *subject, wy_sr_type_t type,
                                   const char *schema, bool *ok, char *why, size_t whycap,
                                   wy_error_t *err) {
  http_t *h = impl;
  char sub[512], path[660];
  escape(h, subject, sub, sizeof sub);
  snprintf(path, sizeof path, "/compatibility/subjects/%s/versions/latest?verbose=true", sub);
  char *body = schema_body(type, schema);
  if (!body) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = request(h, "POST", path, body, err);
  free(body);
  if (st == WY_ERR_NOT_FOUND) { /* no version yet: anything goes */
    *ok = true;
    return WY_OK;
  }
  json_t *j;
  if (st != WY_OK || (st = parse_body(h, &j, err)) != WY_OK) return st;
  *ok = json_is_true(json_object_get(j, "is_compatible"));
  /* verbose: the first message says what breaks (Confluent's add the old schema, the
   * version and the level after it) */
  const char *m = json_string_value(json_array_get(json_object_get(j, "messages"), 0));
  if (!*ok && whycap && m) snprintf(why, whycap, "%s", m);
  json_decref(j);
  return WY_OK;
}

static wy_status_t http_get_compat(void *impl, const char *subject, wy_sr_compat_t *level,
                                   wy_error_t *err) {
  http_t *h = impl;
  char sub[512], path[600];
  wy_status_t st = WY_ERR_NOT_FOUND;
  if (subject) { /* the subject's own level, else (older registries answer 404) the global */
    escape(h, subject, sub, sizeof sub);
    snprintf(path, sizeof path, "/config/%s?defaultToGlobal=true", sub);
    st = request(h, "GET", path, NULL, err);
  }
  if (st == WY_ERR_NOT_FOUND) st = request(h, "GET", "/config", NULL, err);
  json_t *j;
  if (st != WY_OK || (st = parse_body(h, &j, err)) != WY_OK) return st;
  const char *name = json_string_value(json_object_get(j, "compatibilityLevel"));
  if (!name) name = json_string_value(json_object_get(j, "compatibility"));
  if (!name || !wy_sr_compat_from_name(name, level))
    st = wy_error_set(err, WY_ERR_IO, "Schema Registry sent an unknown compatibility level '%s'",
                      name ? name : "");
  json_decref(j);
  return st;
}

static wy_status_t http_set_compat(void *impl, const char *subject, wy_sr_compat_t level,
                                   wy_error_t *err) {
  http_t *h = impl;
  char sub[512], path[600];
  snprintf(path, sizeof path, "/config");
  if (subject) {
    escape(h, subject, sub, sizeof sub);
    snprintf(path, sizeof path, "/config/%s", sub);
  }
  char body[96];
  snprintf(body, sizeof body, "{\"compatibility\":\"%s\"}", wy_sr_compat_name(level));
  return request(h, "PUT", path, body, err);
}

static void http_destroy(void *impl) {
  http_t *h = impl;
  if (!h) return;
  if (h->curl) curl_easy_cleanup(h->curl);
  free(h->url);
  free(h->user_info);
  wy_buf_free(&h->body);
  free(h);
}

static const wy_sr_ops_t HTTP_OPS = {http_get,        http_register,   http_latest, http_compatible,
                                     http_get_compat, http_set_compat, http_destroy};

wy_status_t wy_sr_http_config_set(wy_sr_http_config_t *cfg, const char *key, const char *value,
                                  wy_error_t *err) {
  if (strncmp(key, "schema.registry.", 16) == 0 && strcmp(key + 16, "basic.auth.user.info") == 0)
    key += 16;
#define WY_X_NUM(field)                                                                     \
  do {                                                                                      \
    char *end;                                                                              \
    long v = strtol(value, &end, 10);                                                       \
    if (!*value || *end || v < 0 || v > 86400000)                                           \
      return wy_error_set(err, WY_ERR_CONFIG, "%s must be a non-negative integer: %s", key, \
                          value);                                                           \
    cfg->field = (__typeof__(cfg->field))v;                                                 \
  } while (0)
  if (strcmp(key, "schema.registry.url") == 0)
    cfg->url = value;
  else if (strcmp(key, "basic.auth.user.info") == 0)
    cfg->user_info = value;
  else if (strcmp(key, "schema.registry.request.timeout.ms") == 0)
    WY_X_NUM(timeout_ms);
  else if (strcmp(key, "schema.registry.retries") == 0)
    WY_X_NUM(retries);
  else if (strcmp(key, "schema.registry.retry.backoff.ms") == 0)
    WY_X_NUM(backoff_ms);
  else
    return wy_error_set(err, WY_ERR_NOT_FOUND, "not a Schema Registry key: %s", key);
#undef WY_X_NUM
  return WY_OK;
}

wy_sr_t *wy_sr_http_new(const wy_sr_http_config_t *cfg, wy_error_t *err) {
  const char *url = cfg ? cfg->url : NULL;
  if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
    wy_error_set(err, WY_ERR_CONFIG, "schema.registry.url must be an http(s) URL, got '%s'",
                 url ? url : "");
    return NULL;
  }
  static bool curl_ready; /* curl_global_init is not thread-safe: the first call wins */
  if (!curl_ready) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl_ready = true;
  }
  http_t *h = calloc(1, sizeof *h);
  if (!h || !(h->url = strdup(url)) || !(h->curl = curl_easy_init()) ||
      (cfg->user_info && *cfg->user_info && !(h->user_info = strdup(cfg->user_info)))) {
    http_destroy(h);
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  size_t n = strlen(h->url);
  while (n && h->url[n - 1] == '/') h->url[--n] = 0;
  h->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
  h->retries = cfg->retries > 0 ? cfg->retries : cfg->retries < 0 ? 0 : 3;
  h->backoff_ms = cfg->backoff_ms > 0 ? cfg->backoff_ms : 100;
  wy_sr_t *r = wy_sr_wrap(&HTTP_OPS, h);
  if (!r) wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return r;
}
