/* The test Schema Registry server (see server.h). HTTP/1.1 with Connection: close: read
 * the request head and a Content-Length body, route, answer JSON. */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
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
  else if (st == WY_ERR_INVALID)
    respond(fd, 422, error_body(42201, err->msg));
  else
    respond(fd, 500, error_body(50001, err->msg));
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

static void route(wy_sr_server_t *s, int fd, const char *method, char *path, const char *body) {
  wy_error_t err;
  wy_error_clear(&err);
  char sub[512];
  int id;
  int n = 0;
  json_t *j = NULL;
  if (strcmp(method, "GET") == 0 && sscanf(path, "/schemas/ids/%d%n", &id, &n) == 1 && !path[n]) {
    const char *text;
    wy_sr_type_t type;
    wy_status_t st = wy_sr_get_schema(s->reg, id, &text, &type, &err);
    if (st != WY_OK) return respond_error(fd, st, &err, 40403);
    return respond(fd, 200, schema_json(text, type));
  }
  if (strcmp(method, "GET") == 0 &&
      sscanf(path, "/subjects/%511[^/]/versions/latest%n", sub, &n) == 1 && !path[n]) {
    url_decode(sub);
    int32_t got;
    const char *text;
    wy_sr_type_t type;
    wy_status_t st = wy_sr_latest(s->reg, sub, &got, &text, &type, &err);
    if (st != WY_OK) return respond_error(fd, st, &err, 40401);
    json_t *o = schema_json(text, type);
    if (o) {
      json_object_set_new(o, "subject", json_string(sub));
      json_object_set_new(o, "version", json_integer(1));
      json_object_set_new(o, "id", json_integer(got));
    }
    return respond(fd, 200, o);
  }
  if (strcmp(method, "POST") == 0 && sscanf(path, "/subjects/%511[^/]/versions%n", sub, &n) == 1 &&
      !path[n]) {
    url_decode(sub);
    wy_sr_type_t type;
    const char *schema = body_schema(&j, body, &type);
    int32_t got;
    wy_status_t st = schema ? wy_sr_register(s->reg, sub, type, schema, &got, &err)
                            : wy_error_set(&err, WY_ERR_INVALID, "no schema in the request");
    json_decref(j);
    if (st != WY_OK) return respond_error(fd, st, &err, 40401);
    return respond(fd, 200, json_pack("{s:i}", "id", got));
  }
  if (strcmp(method, "POST") == 0 &&
      sscanf(path, "/compatibility/subjects/%511[^/]/versions/latest%n", sub, &n) == 1 &&
      !path[n]) {
    url_decode(sub);
    wy_sr_type_t type;
    const char *schema = body_schema(&j, body, &type);
    bool ok = false;
    wy_status_t st = schema ? wy_sr_check_compatible(s->reg, sub, type, schema, &ok, &err)
                            : wy_error_set(&err, WY_ERR_INVALID, "no schema in the request");
    json_decref(j);
    if (st != WY_OK) return respond_error(fd, st, &err, 40401);
    return respond(fd, 200, json_pack("{s:b}", "is_compatible", ok));
  }
  respond(fd, 404, error_body(404, "Not found"));
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

wy_sr_server_t *wy_sr_server_start(int port, const char *user_info, wy_error_t *err) {
  wy_sr_server_t *s = calloc(1, sizeof *s);
  if (!s) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  s->fd = -1;
  if (!(s->reg = wy_sr_mem_new(WY_COMPAT_BACKWARD)) ||
      (user_info && !(s->auth = basic_header(user_info)))) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    goto fail;
  }
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->fd, 16) != 0 ||
      getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0) {
    wy_error_set(err, WY_ERR_IO, "cannot listen on 127.0.0.1:%d", port);
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
