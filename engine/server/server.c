/* server.c — libmicrohttpd glue: body accumulation with a limit, basic auth, replies. */
#include "engine/server/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/buf.h"
#include "engine/base/log.h"

struct wy_server {
  wy_node_t *node;
  struct MHD_Daemon *daemon;
  size_t max_body;
  char *user, *password;
  char *cert, *key; /* PEM text: libmicrohttpd reads them for the daemon's whole life */
  int port;
  int stopping; /* atomic: open push queries end their responses */
};

typedef struct request {
  wy_buf_t body;
  bool too_big;
} request_t;

wy_status_t wy_server_parse_listener(const char *listener, char *host, size_t cap, int *port,
                                     bool *tls, wy_error_t *err) {
  const char *p = listener ? listener : "";
  if (tls) *tls = false;
  if (strncmp(p, "http://", 7) == 0) {
    p += 7;
  } else if (strncmp(p, "https://", 8) == 0) {
    p += 8;
    if (tls) *tls = true;
  } else if (strstr(p, "://"))
    return wy_error_set(err, WY_ERR_CONFIG, "listeners: unknown scheme in '%s'", listener);
  const char *h = p, *colon;
  size_t hlen;
  if (*p == '[') { /* [::1]:8088 */
    const char *close = strchr(p, ']');
    if (!close || close[1] != ':')
      return wy_error_set(err, WY_ERR_CONFIG, "listeners: malformed '%s'", listener);
    h = p + 1;
    hlen = (size_t)(close - h);
    colon = close + 1;
  } else {
    colon = strrchr(p, ':');
    if (!colon)
      return wy_error_set(err, WY_ERR_CONFIG, "listeners: '%s' has no port (host:port)", listener);
    hlen = (size_t)(colon - p);
  }
  char *end;
  long v = strtol(colon + 1, &end, 10);
  if (end == colon + 1 || (*end && strcmp(end, "/") != 0) || v < 0 || v > 65535)
    return wy_error_set(err, WY_ERR_CONFIG, "listeners: bad port in '%s'", listener);
  if (hlen == 0 || hlen >= cap)
    return wy_error_set(err, WY_ERR_CONFIG, "listeners: bad host in '%s'", listener);
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  *port = (int)v;
  return WY_OK;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, wy_node_reply_t *r, bool auth_fail) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    wy_node_reply_free(r);
    return MHD_NO;
  }
  r->body = NULL; /* the response owns it now */
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                          r->content_type ? r->content_type : "application/json");
  if (auth_fail)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"walleye\"");
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static bool same(const char *a, const char *b) {
  /* length-independent comparison time is not needed for loopback, but cheap */
  size_t la = strlen(a), lb = strlen(b);
  unsigned char d = (unsigned char)(la != lb);
  for (size_t i = 0; i < la && i < lb; i++) d |= (unsigned char)(a[i] ^ b[i]);
  return d == 0;
}

static bool authorized(wy_server_t *s, struct MHD_Connection *c) {
  if (!s->user) return true;
  char *pass = NULL;
  char *user = MHD_basic_auth_get_username_password(c, &pass);
  bool ok = user && pass && same(user, s->user) && same(pass, s->password);
  MHD_free(user);
  MHD_free(pass);
  return ok;
}

/* ---- POST /query-stream: a response written as the query produces rows ---- */

typedef struct stream_resp {
  wy_server_t *server;
  wy_node_stream_t *stream;
  char *pending; /* the part being written */
  size_t len, off;
  bool done;
} stream_resp_t;

/* libmicrohttpd asks for the next bytes from the connection's own thread (one thread a
 * connection), so waiting here for rows holds up no other request. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  stream_resp_t *sr = cls;
  while (sr->off == sr->len) {
    free(sr->pending);
    sr->pending = NULL;
    sr->off = sr->len = 0;
    if (sr->done) return MHD_CONTENT_READER_END_OF_STREAM;
    if (__atomic_load_n(&sr->server->stopping, __ATOMIC_RELAXED))
      return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = 0;
    sr->pending = wy_node_stream_next(sr->stream, 500, &n, &sr->done);
    sr->len = sr->pending ? n : 0;
  }
  size_t n = sr->len - sr->off < max ? sr->len - sr->off : max;
  memcpy(buf, sr->pending + sr->off, n);
  sr->off += n;
  return (ssize_t)n;
}

/* The response is over or the client went away: end the query. */
static void stream_end(void *cls) {
  stream_resp_t *sr = cls;
  wy_node_stream_close(sr->stream);
  free(sr->pending);
  free(sr);
}

static enum MHD_Result start_stream(wy_server_t *s, struct MHD_Connection *c, request_t *rq) {
  wy_node_reply_t reply = {0};
  wy_node_stream_t *stream = NULL;
  const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
  wy_node_query_stream(s->node, (const char *)rq->body.data, rq->body.len, accept, &stream, &reply);
  if (!stream) return send_reply(c, &reply, false);
  stream_resp_t *sr = calloc(1, sizeof *sr);
  struct MHD_Response *resp =
      sr ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, sr, stream_end)
         : NULL;
  if (!resp) {
    free(sr);
    wy_node_stream_close(stream);
    return MHD_NO;
  }
  sr->server = s;
  sr->stream = stream;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, wy_node_stream_content_type(stream));
  /* a push query may stay quiet for longer than the idle timeout of requests */
  MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
  enum MHD_Result ret = MHD_queue_response(c, 200, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  wy_server_t *s = cls;
  request_t *rq = *con_cls;
  wy_node_reply_t reply;
  if (!rq) {
    rq = calloc(1, sizeof *rq);
    if (!rq) return MHD_NO;
    *con_cls = rq;
    if (!authorized(s, c)) {
      wy_node_error_reply(401, 40100, "Unauthorized", &reply);
      return send_reply(c, &reply, true);
    }
    /* refuse an announced oversized body before reading it */
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > s->max_body) {
      wy_node_error_reply(413, 41300, "Request body too large", &reply);
      return send_reply(c, &reply, false);
    }
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (!rq->too_big && rq->body.len + *upload_size > s->max_body) {
      rq->too_big = true;
      wy_buf_free(&rq->body);
    }
    if (!rq->too_big && !wy_buf_append(&rq->body, upload, *upload_size)) return MHD_NO;
    *upload_size = 0;
    return MHD_YES;
  }
  if (!rq->too_big && strcmp(method, "POST") == 0 && strcmp(url, "/query-stream") == 0)
    return start_stream(s, c, rq);
  if (rq->too_big)
    wy_node_error_reply(413, 41300, "Request body too large", &reply);
  else
    wy_node_handle(s->node, method, url, (const char *)rq->body.data, rq->body.len, &reply);
  return send_reply(c, &reply, false);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  request_t *rq = *con_cls;
  if (rq) {
    wy_buf_free(&rq->body);
    free(rq);
  }
  *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  size_t n = strlen(buf);
  while (n && buf[n - 1] == '\n') buf[--n] = '\0';
  wy_log(WY_LOG_DEBUG, "server", "http: %s", buf);
}

wy_status_t wy_server_new(wy_node_t *node, const wy_server_options_t *o, wy_server_t **out,
                          wy_error_t *err) {
  *out = NULL;
  char host[256];
  int port;
  bool tls;
  if (wy_server_parse_listener(o->listener ? o->listener : "http://127.0.0.1:8088", host,
                               sizeof host, &port, &tls, err) != WY_OK)
    return err->code;
  if (tls && (!o->tls_cert_file || !o->tls_cert_file[0] || !o->tls_key_file || !o->tls_key_file[0]))
    return wy_error_set(err, WY_ERR_CONFIG,
                        "an https listener needs server.tls.cert.file and server.tls.key.file");
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
  struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                           .ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM};
  struct addrinfo *ai = NULL;
  char portstr[16];
  snprintf(portstr, sizeof portstr, "%d", port);
  int rc = getaddrinfo(host, portstr, &hints, &ai);
  if (rc != 0 || !ai)
    return wy_error_set(err, WY_ERR_CONFIG, "listeners: '%s' is not a numeric address (%s)", host,
                        gai_strerror(rc));
  wy_server_t *s = calloc(1, sizeof *s);
  if (!s) {
    freeaddrinfo(ai);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  s->node = node;
  s->max_body = o->max_body_bytes ? o->max_body_bytes : 1024 * 1024;
  if (o->basic_auth && o->basic_auth[0]) {
    const char *colon = strchr(o->basic_auth, ':');
    if (!colon) {
      freeaddrinfo(ai);
      free(s);
      return wy_error_set(err, WY_ERR_CONFIG, "basic auth credentials must be 'user:password'");
    }
    s->user = strndup(o->basic_auth, (size_t)(colon - o->basic_auth));
    s->password = strdup(colon + 1);
  }
  /* a thread a connection: a push query's response waits for rows in its own thread */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                   MHD_USE_ERROR_LOG;
  if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  if (tls) {
    s->cert = wy_buf_read_file(o->tls_cert_file, NULL);
    s->key = wy_buf_read_file(o->tls_key_file, NULL);
    if (!s->cert || !s->key) {
      freeaddrinfo(ai);
      wy_server_destroy(s);
      return wy_error_set(err, WY_ERR_CONFIG, "cannot read the TLS certificate %s or key %s",
                          o->tls_cert_file, o->tls_key_file);
    }
    flags |= MHD_USE_TLS;
  }
  /* the TLS options come last: without TLS, MHD_OPTION_END ends the list before them */
  s->daemon = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_LIMIT,
      o->connection_limit ? o->connection_limit : 64u, MHD_OPTION_CONNECTION_TIMEOUT,
      o->timeout_s ? o->timeout_s : 30u, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
      tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert, MHD_OPTION_HTTPS_MEM_KEY, s->key,
      MHD_OPTION_END);
  freeaddrinfo(ai);
  if (!s->daemon) {
    wy_server_destroy(s);
    return wy_error_set(err, WY_ERR_IO, "cannot listen on %s:%d (in use or not permitted)", host,
                        port);
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = info ? info->port : port;
  wy_log(WY_LOG_INFO, "server", "listening host=%s port=%d tls=%s", host, s->port,
         tls ? "yes" : "no");
  *out = s;
  return WY_OK;
}

void wy_server_destroy(wy_server_t *s) {
  if (!s) return;
  __atomic_store_n(&s->stopping, 1, __ATOMIC_RELAXED);
  if (s->daemon) MHD_stop_daemon(s->daemon);
  free(s->user);
  free(s->password);
  free(s->cert);
  free(s->key);
  free(s);
}

int wy_server_port(const wy_server_t *s) { return s->port; }
