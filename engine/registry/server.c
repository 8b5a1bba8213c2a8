/* The test Schema Registry server (see server.h). HTTP/1.1 with Connection: close: read
 * the request head and a Content-Length body, route, answer JSON. */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/base/base64.h"
#include "engine/registry/registry.h"
#include "engine/registry/server.h"

#define MAX_REQUEST (1 << 20)

struct wy_sr_server {
  int fd, port;
  pthread_t thread;
  atomic_bool stop;
  atomic_int fail_n, fail_status, requests;
  char *auth; /* expected "Basic base64(user:pass)" */
  wy_sr_t *reg;
};

static char *basic_header(const char *user_info) {
  wy_buf_t h;
  wy_buf_init(&h);
  wy_buf_append_str(&h, "Basic ");
  wy_base64_encode(user_info, strlen(user_info), &h);
  return wy_buf_take(&h);
}

static void respond(int fd, int status, json_t *body) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Error";
  char head[256];
  size_t blen = text ? strlen(text) : 0;
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                   status, reason, blen);
  if (write(fd, head, (size_t)n) == n && blen) {
    size_t off = 0;
    for (ssize_t w; off < blen && (w = write(fd, text + off, blen - off)) > 0;) off += (size_t)w;
  }
  free(text);
}

static json_t *error_body(int code, const char *msg) {
  return json_pack("{s:i, s:s}", "error_code", code, "message", msg);
}

/* Registry status -> HTTP status and the registry's error codes. */
static void respond_error(int fd, wy_status_t st, const wy_error_t *err, int not_found_code) {
  if (st == WY_ERR_NOT_FOUND)
    respond(fd, 404, error_body(not_found_code, err->msg));
  else if (st == WY_ERR_CONFIG)
    respond(fd, 409, error_body(409, err->msg));
  else if (st == WY_ERR_NOMEM || st == WY_ERR_IO || st == WY_ERR_INTERNAL)
    respond(fd, 500, error_body(50001, err->msg));
  else /* the format could not parse the schema */
    respond(fd, 422, error_body(42201, err->msg));
}

/* A missing subject or version: Confluent's 40401 and 40402. */
static void respond_missing(int fd, const wy_error_t *err) {
  bool version = strncmp(err->msg, "Version", 7) == 0;
  respond(fd, 404, error_body(version ? 40402 : 40401, err->msg));
}

static void url_decode(char *s) {
  char *o = s;
  for (; *s; s++) {
    if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
      char hex[3] = {s[1], s[2], 0};
      *o++ = (char)strtol(hex, NULL, 16);
      s += 2;
    } else {
      *o++ = *s;
    }
  }
  *o = 0;
}

/* The schema of a request body and its schemaType (AVRO when absent); NULL when the
 * body has no schema or names an unknown type. */
static const char *body_schema(json_t **j, const char *body, wy_sr_type_t *type) {
  *j = json_loads(body, 0, NULL);
  const char *t = json_string_value(json_object_get(*j, "schemaType"));
  *type = WY_SR_AVRO;
  if (t && !wy_sr_type_from_name(t, type)) return NULL;
  return json_string_value(json_object_get(*j, "schema"));
}

/* {"schema": ...} with schemaType when it is not AVRO, as a Confluent registry answers. */
static json_t *schema_json(const char *text, wy_sr_type_t type) {
  json_t *o = json_pack("{s:s}", "schema", text);
  if (o && type != WY_SR_AVRO)
    json_object_set_new(o, "schemaType", json_string(wy_sr_type_name(type)));
  return o;
}

/* {"subject", "version", "id", "schema"[, "schemaType"]} */
static json_t *version_json(const wy_sr_version_t *v) {
  json_t *o = schema_json(v->schema, v->type);
  if (o) {
    json_object_set_new(o, "subject", json_string(v->subject));
    json_object_set_new(o, "version", json_integer(v->version));
    json_object_set_new(o, "id", json_integer(v->id));
  }
  return o;
}

static json_t *int_array(const int32_t *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) json_array_append_new(a, json_integer(v[i]));
  return a;
}

#define MAX_SEGS 6

/* path split at '/' into decoded segments (in place); query gets what follows '?'. */
static size_t split_path(char *path, char **segs, const char **query) {
  char *q = strchr(path, '?');
  *query = "";
  if (q) {
    *q = 0;
    *query = q + 1;
  }
  size_t n = 0;
  for (char *p = path; *p && n < MAX_SEGS + 1;) {
    while (*p == '/') *p++ = 0;
    if (!*p) break;
    segs[n++] = p;
    while (*p && *p != '/') p++;
  }
  for (size_t i = 0; i < n; i++) url_decode(segs[i]);
  return n;
}

static bool has_param(const char *query, const char *param) {
  size_t n = strlen(param);
  for (const char *p = query; (p = strstr(p, param)); p += n)
    if ((p == query || p[-1] == '&') && (p[n] == 0 || p[n] == '&')) return true;
  return false;
}

static void route_config(wy_sr_server_t *s, int fd, const char *method, const char *subject,
                         const char *query, const char *body) {
  wy_error_t err;
  wy_error_clear(&err);
  if (strcmp(method, "PUT") == 0) {
    json_t *j = json_loads(body, 0, NULL);
    const char *name = json_string_value(json_object_get(j, "compatibility"));
    wy_sr_compat_t level;
    if (!name || !wy_sr_compat_from_name(name, &level)) {
      json_decref(j);
      return respond(fd, 422,
                     error_body(42203,
                                "Invalid compatibility level. Valid values are none, "
                                "backward, forward, full, backward_transitive, "
                                "forward_transitive, and full_transitive"));
    }
    json_decref(j);
    wy_status_t st = wy_sr_set_compatibility(s->reg, subject, level, &err);
    if (st != WY_OK) return respond_error(fd, st, &err, 40401);
    return respond(fd, 200, json_pack("{s:s}", "compatibility", wy_sr_compat_name(level)));
  }
  if (strcmp(method, "GET") != 0) return respond(fd, 405, error_body(405, "Method not allowed"));
  bool has = true;
  wy_sr_compat_t level;
  wy_status_t st = subject ? wy_sr_mem_subject_level(s->reg, subject, &has, &level, &err)
                           : wy_sr_get_compatibility(s->reg, NULL, &level, &err);
  if (st != WY_OK) return respond_error(fd, st, &err, 40401);
  if (!has && !has_param(query, "defaultToGlobal=true")) {
    char msg[600];
    snprintf(msg, sizeof msg, "Subject '%s' does not have subject-level compatibility configured",
             subject);
    return respond(fd, 404, error_body(40408, msg));
  }
  respond(fd, 200, json_pack("{s:s}", "compatibilityLevel", wy_sr_compat_name(level)));
}

/* GET /subjects/{s}/versions/{n|latest} */
static void route_version(wy_sr_server_t *s, int fd, const char *subject, const char *which,
                          bool raw) {
  wy_error_t err;
  wy_error_clear(&err);
  int32_t version = -1;
  if (strcmp(which, "latest") != 0 && strcmp(which, "-1") != 0) {
    char *end;
    long v = strtol(which, &end, 10);
    if (!*which || *end || v <= 0 || v > INT32_MAX)
      return respond(fd, 422,
                     error_body(42202,
                                "The specified version is not a valid version id. "
                                "Allowed values are between [1, 2^31-1] and the string "
                                "\"latest\""));
    version = (int32_t)v;
  }
  wy_sr_version_t v = {0};
  wy_status_t st = wy_sr_mem_version(s->reg, subject, version, &v, &err);
  if (st == WY_ERR_NOT_FOUND) return respond_missing(fd, &err);
  if (st != WY_OK) return respond_error(fd, st, &err, 40401);
  if (raw) { /* .../schema: the schema text itself */
    json_error_t je;
    json_t *j = json_loads(v.schema, JSON_DECODE_ANY, &je);
    respond(fd, 200, j ? j : json_string(v.schema));
  } else {
    respond(fd, 200, version_json(&v));
  }
  wy_sr_version_clear(&v);
}

static void route(wy_sr_server_t *s, int fd, const char *method, char *path, const char *body) {
  wy_error_t err;
  wy_error_clear(&err);
  char *seg[MAX_SEGS + 1] = {0};
  const char *query;
  size_t n = split_path(path, seg, &query);
  bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
  bool del = strcmp(method, "DELETE") == 0;
  json_t *j = NULL;
  wy_status_t st;
  if (n >= 1 && strcmp(seg[0], "config") == 0 && n <= 2)
    return route_config(s, fd, method, n == 2 ? seg[1] : NULL, query, body);
  if (get && n == 2 && strcmp(seg[0], "schemas") == 0 && strcmp(seg[1], "types") == 0)
    return respond(fd, 200, json_pack("[s,s,s]", "AVRO", "PROTOBUF", "JSON"));
  if (get && n >= 3 && n <= 4 && strcmp(seg[0], "schemas") == 0 && strcmp(seg[1], "ids") == 0 &&
      (n == 3 || strcmp(seg[3], "schema") == 0)) {
    char *end;
    long id = strtol(seg[2], &end, 10);
    const char *text;
    wy_sr_type_t type;
    st = *end || id <= 0 || id > INT32_MAX
             ? wy_error_set(&err, WY_ERR_NOT_FOUND, "Schema %s not found", seg[2])
             : wy_sr_get_schema(s->reg, (int32_t)id, &text, &type, &err);
    if (st != WY_OK) return respond_error(fd, st, &err, 40403);
    if (n == 4) {
      json_t *raw = json_loads(text, JSON_DECODE_ANY, NULL);
      return respond(fd, 200, raw ? raw : json_string(text));
    }
    return respond(fd, 200, schema_json(text, type));
  }
  if (get && n == 1 && strcmp(seg[0], "subjects") == 0) {
    char **names = NULL;
    size_t count = 0;
    if ((st = wy_sr_mem_subjects(s->reg, &names, &count, &err)) != WY_OK)
      return respond_error(fd, st, &err, 40401);
    json_t *a = json_array();
    for (size_t i = 0; i < count; i++) {
      json_array_append_new(a, json_string(names[i]));
      free(names[i]);
    }
    free(names);
    return respond(fd, 200, a);
  }
  if (n >= 2 && strcmp(seg[0], "subjects") == 0) {
    const char *sub = seg[1];
    if (n == 2 && del) { /* DELETE /subjects/{s}: the versions it had */
      int32_t *versions = NULL;
      size_t count = 0;
      if ((st = wy_sr_mem_delete_subject(s->reg, sub, &versions, &count, &err)) != WY_OK)
        return respond_error(fd, st, &err, 40401);
      json_t *a = int_array(versions, count);
      free(versions);
      return respond(fd, 200, a);
    }
    if (n == 2 && post) { /* lookup: is this schema one of the subject's versions? */
      wy_sr_type_t type;
      const char *schema = body_schema(&j, body, &type);
      wy_sr_version_t v = {0};
      st = schema ? wy_sr_mem_lookup(s->reg, sub, type, schema, &v, &err)
                  : wy_error_set(&err, WY_ERR_INVALID, "Invalid schema: no schema in the request");
      json_decref(j);
      if (st == WY_ERR_NOT_FOUND)
        return respond(fd, 404,
                       error_body(strncmp(err.msg, "Subject", 7) == 0 ? 40401 : 40403, err.msg));
      if (st != WY_OK) return respond_error(fd, st, &err, 40401);
      json_t *o = version_json(&v);
      wy_sr_version_clear(&v);
      return respond(fd, 200, o);
    }
    if (n == 3 && strcmp(seg[2], "versions") == 0 && get) {
      int32_t *versions = NULL;
      size_t count = 0;
      if ((st = wy_sr_mem_versions(s->reg, sub, &versions, &count, &err)) != WY_OK)
        return respond_error(fd, st, &err, 40401);
      json_t *a = int_array(versions, count);
      free(versions);
      return respond(fd, 200, a);
    }
    if (n == 3 && strcmp(seg[2], "versions") == 0 && post) {
      wy_sr_type_t type;
      const char *schema = body_schema(&j, body, &type);
      int32_t got;
      st = schema ? wy_sr_register(s->reg, sub, type, schema, &got, &err)
                  : wy_error_set(&err, WY_ERR_INVALID, "Invalid schema: no schema in the request");
      json_decref(j);
      if (st != WY_OK) return respond_error(fd, st, &err, 40401);
      return respond(fd, 200, json_pack("{s:i}", "id", got));
    }
    if ((n == 4 || (n == 5 && strcmp(seg[4], "schema") == 0)) && strcmp(seg[2], "versions") == 0 &&
        get)
      return route_version(s, fd, sub, seg[3], n == 5);
  }
  if (post && n == 5 && strcmp(seg[0], "compatibility") == 0 && strcmp(seg[1], "subjects") == 0 &&
      strcmp(seg[3], "versions") == 0 && strcmp(seg[4], "latest") == 0) {
    const char *sub = seg[2];
    wy_sr_type_t type;
    const char *schema = body_schema(&j, body, &type);
    bool ok = false;
    char why[512] = "";
    wy_sr_version_t v = {0};
    st = wy_sr_mem_version(s->reg, sub, -1, &v, &err); /* 40401 without versions */
    wy_sr_version_clear(&v);
    if (st == WY_OK)
      st = schema
               ? wy_sr_check_compatible_why(s->reg, sub, type, schema, &ok, why, sizeof why, &err)
               : wy_error_set(&err, WY_ERR_INVALID, "Invalid schema: no schema in the request");
    json_decref(j);
    if (st == WY_ERR_NOT_FOUND) return respond_missing(fd, &err);
    if (st != WY_OK) return respond_error(fd, st, &err, 40401);
    json_t *o = json_pack("{s:b}", "is_compatible", ok);
    if (has_param(query, "verbose=true")) {
      json_t *m = json_array();
      if (!ok) json_array_append_new(m, json_string(why));
      json_object_set_new(o, "messages", m);
    }
    return respond(fd, 200, o);
  }
  respond(fd, 404, error_body(404, "HTTP 404 Not Found"));
}

static void serve(wy_sr_server_t *s, int fd) {
  char *buf = malloc(MAX_REQUEST + 1);
  size_t len = 0, need = 0;
  char *body = NULL;
  if (!buf) return;
  struct pollfd p = {fd, POLLIN, 0};
  while (len < MAX_REQUEST && poll(&p, 1, 5000) > 0) {
    ssize_t r = read(fd, buf + len, MAX_REQUEST - len);
    if (r <= 0) break;
    len += (size_t)r;
    buf[len] = 0;
    if (!body && (body = strstr(buf, "\r\n\r\n"))) {
      body += 4;
      const char *cl = strcasestr(buf, "\r\nContent-Length:");
      need = (size_t)(body - buf) + (cl && cl < body ? strtoul(cl + 17, NULL, 10) : 0);
    }
    if (body && len >= need) break;
  }
  if (!body || len < need) {
    free(buf);
    return;
  }
  atomic_fetch_add(&s->requests, 1);
  char method[8] = "", path[1024] = "";
  sscanf(buf, "%7s %1023s", method, path);
  if (atomic_load(&s->fail_n) > 0) {
    atomic_fetch_sub(&s->fail_n, 1);
    respond(fd, atomic_load(&s->fail_status), error_body(50003, "injected failure"));
  } else if (s->auth) {
    const char *h = strcasestr(buf, "\r\nAuthorization: ");
    size_t alen = strlen(s->auth);
    if (!h || h > body || strncmp(h + 17, s->auth, alen) != 0 || h[17 + alen] != '\r')
      respond(fd, 401, error_body(401, "Unauthorized"));
    else
      route(s, fd, method, path, body);
  } else {
    route(s, fd, method, path, body);
  }
  free(buf);
}

static void *loop(void *arg) {
  wy_sr_server_t *s = arg;
  while (!atomic_load(&s->stop)) {
    struct pollfd p = {s->fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) continue;
    serve(s, c);
    close(c);
  }
  return NULL;
}

wy_sr_server_t *wy_sr_server_start_opts(const wy_sr_server_options_t *o, wy_error_t *err) {
  wy_sr_server_t *s = calloc(1, sizeof *s);
  if (!s) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  s->fd = -1;
  const char *host = o->host && *o->host ? o->host : "127.0.0.1";
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
  if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    wy_error_set(err, WY_ERR_CONFIG, "cannot listen on '%s': an IPv4 address is needed", host);
    goto fail;
  }
  if (!(s->reg = wy_sr_mem_new(o->compat)) ||
      (o->user_info && !(s->auth = basic_header(o->user_info)))) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    goto fail;
  }
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t alen = sizeof a;
  if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->fd, 16) != 0 ||
      getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0) {
    wy_error_set(err, WY_ERR_IO, "cannot listen on %s:%d", host, o->port);
    goto fail;
  }
  s->port = ntohs(a.sin_port);
  if (pthread_create(&s->thread, NULL, loop, s) != 0) {
    wy_error_set(err, WY_ERR_IO, "cannot start the registry server thread");
    goto fail;
  }
  return s;
fail:
  if (s->fd >= 0) close(s->fd);
  wy_sr_destroy(s->reg);
  free(s->auth);
  free(s);
  return NULL;
}

wy_sr_server_t *wy_sr_server_start(int port, const char *user_info, wy_error_t *err) {
  wy_sr_server_options_t o = {NULL, port, user_info, WY_COMPAT_BACKWARD};
  return wy_sr_server_start_opts(&o, err);
}

wy_sr_t *wy_sr_server_registry(wy_sr_server_t *s) { return s->reg; }

int wy_sr_server_port(const wy_sr_server_t *s) { return s->port; }
int wy_sr_server_requests(const wy_sr_server_t *s) { return atomic_load(&s->requests); }

void wy_sr_server_fail_next(wy_sr_server_t *s, int n, int status) {
  atomic_store(&s->fail_status, status);
  atomic_store(&s->fail_n, n);
}

void wy_sr_server_stop(wy_sr_server_t *s) {
  if (!s) return;
  atomic_store(&s->stop, true);
  pthread_join(s->thread, NULL);
  close(s->fd);
  wy_sr_destroy(s->reg);
  free(s->auth);
  free(s);
}
