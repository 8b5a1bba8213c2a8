/* Lineage transports that need no network library of their own: console (one event
 * per line on a stream), file (NDJSON, appended) and kafka (through a connector sink). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "engine/lineage/lineage_int.h"

/* ---- console ----------------------------------------------------------------------- */

typedef struct console {
  wy_lineage_transport_t base;
  FILE *out;
} console_t;

static wy_status_t console_deliver(wy_lineage_transport_t *t, const char *json, size_t len,
                                   const char *key, int64_t now_ms, bool *retryable,
                                   wy_error_t *err) {
  console_t *c = (console_t *)t;
  *retryable = true;
  if (fwrite(json, 1, len, c->out) != len || fputc('\n', c->out) == EOF || fflush(c->out) != 0)
    return wy_error_set(err, WY_ERR_IO, "cannot write lineage event to the console");
  return WY_OK;
}

static void console_close(wy_lineage_transport_t *t) { free(t); }

static const wy_lineage_transport_ops_t console_ops = {console_deliver, console_close};

/* ---- file -------------------------------------------------------------------------- */

typedef struct file {
  wy_lineage_transport_t base;
  int fd;
  char *path;
} file_t;

static wy_status_t file_deliver(wy_lineage_transport_t *t, const char *json, size_t len,
                                const char *key, int64_t now_ms, bool *retryable, wy_error_t *err) {
  file_t *f = (file_t *)t;
  /* One writev on an O_APPEND file keeps each line whole even when several processes
   * append to the same file. */
  struct iovec iov[2] = {{(void *)json, len}, {(void *)"\n", 1}};
  ssize_t n = writev(f->fd, iov, 2);
  *retryable = true;
  if (n < 0) return wy_error_set(err, WY_ERR_IO, "cannot write %s: %s", f->path, strerror(errno));
  if ((size_t)n != len + 1)
    return wy_error_set(err, WY_ERR_IO, "short write to %s (disk full?)", f->path);
  return WY_OK;
}

static void file_close(wy_lineage_transport_t *t) {
  file_t *f = (file_t *)t;
  close(f->fd);
  free(f->path);
  free(f);
}

static const wy_lineage_transport_ops_t file_ops = {file_deliver, file_close};

static wy_status_t file_open(const char *path, wy_lineage_transport_t **out, wy_error_t *err) {
  file_t *f = calloc(1, sizeof *f);
  if (!f || !(f->path = strdup(path))) {
    free(f);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (f->fd < 0) {
    wy_error_set(err, WY_ERR_IO, "cannot open lineage file %s: %s", path, strerror(errno));
    free(f->path);
    free(f);
    return err->code;
  }
  f->base.ops = &file_ops;
  *out = &f->base;
  return WY_OK;
}

/* ---- kafka ------------------------------------------------------------------------- */

typedef struct kafka {
  wy_lineage_transport_t base;
  wy_sink_t *sink;
  char *topic;
  int timeout_ms;
  bool set_dispatch; /* we installed wy_delivery_dispatch and take it out again */
} kafka_t;

typedef struct delivery {
  wy_delivery_target_t target; /* what the send's opaque points at (connector.h) */
  bool done;
  wy_status_t status;
  char reason[128];
} delivery_t;

static void kafka_on_delivery(void *opaque, wy_status_t status, const char *topic,
                              int32_t partition, int64_t offset, const char *reason) {
  delivery_t *d = opaque;
  d->done = true;
  d->status = status;
  snprintf(d->reason, sizeof d->reason, "%s", reason ? reason : wy_status_describe(status));
}

static wy_status_t kafka_deliver(wy_lineage_transport_t *t, const char *json, size_t len,
                                 const char *key, int64_t now_ms, bool *retryable,
                                 wy_error_t *err) {
  kafka_t *k = (kafka_t *)t;
  delivery_t d = {.target = {kafka_on_delivery, NULL}, .done = false, .status = WY_OK};
  d.target.opaque = &d;
  *retryable = true;
  /* Sending and flushing one event at a time keeps events in order across retries;
   * lineage events are a handful a minute, so batching would buy nothing. */
  if (wy_sink_send(k->sink, k->topic, -1, key, strlen(key), json, len, NULL, 0, now_ms, &d.target,
                   err) != WY_OK)
    return wy_error_prefix(err, "lineage to topic %s", k->topic);
  wy_status_t st = wy_sink_flush(k->sink, k->timeout_ms, err);
  if (!d.done)
    return st != WY_OK ? wy_error_prefix(err, "lineage to topic %s", k->topic)
                       : wy_error_set(err, WY_ERR_TIMEOUT, "lineage to topic %s: not acknowledged",
                                      k->topic);
  if (d.status != WY_OK)
    return wy_error_set(err, d.status, "lineage to topic %s: %s", k->topic, d.reason);
  return WY_OK;
}

static void kafka_close(wy_lineage_transport_t *t) {
  kafka_t *k = (kafka_t *)t;
  if (k->set_dispatch) k->sink->on_delivery = NULL;
  free(k->topic);
  free(k);
}

static const wy_lineage_transport_ops_t kafka_ops = {kafka_deliver, kafka_close};

static wy_status_t kafka_open(const wy_lineage_options_t *o, wy_lineage_transport_t **out,
                              wy_error_t *err) {
  if (!o->kafka_sink)
    return wy_error_set(err, WY_ERR_CONFIG, "lineage.transport=kafka needs a Kafka sink");
  kafka_t *k = calloc(1, sizeof *k);
  if (!k || !(k->topic = strdup(o->kafka_topic && *o->kafka_topic ? o->kafka_topic : o->url))) {
    free(k);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  k->sink = o->kafka_sink;
  if (!k->sink->on_delivery) {
    k->sink->on_delivery = wy_delivery_dispatch;
    k->set_dispatch = true;
  }
  k->timeout_ms = (int)o->timeout_ms;
  k->base.ops = &kafka_ops;
  *out = &k->base;
  return WY_OK;
}

/* ---- composite: every event to each of several transports ---------------------------------- */

typedef struct composite {
  wy_lineage_transport_t base;
  wy_lineage_transport_t *each[WY_LINEAGE_TRANSPORT__COUNT];
  wy_lineage_transport_kind_t kind[WY_LINEAGE_TRANSPORT__COUNT];
  size_t n;
} composite_t;

/* As OpenLineage's composite transport with continueOnFailure: an event counts as
 * delivered when one transport took it (the others' failures are logged); it is
 * retried only when every one failed, so a retry duplicates nothing. */
static wy_status_t composite_deliver(wy_lineage_transport_t *t, const char *json, size_t len,
                                     const char *key, int64_t now_ms, bool *retryable,
                                     wy_error_t *err) {
  composite_t *c = (composite_t *)t;
  size_t ok = 0;
  bool any_retryable = false;
  wy_error_t last;
  wy_error_clear(&last);
  for (size_t i = 0; i < c->n; i++) {
    wy_error_t e;
    wy_error_clear(&e);
    bool r = false;
    if (c->each[i]->ops->deliver(c->each[i], json, len, key, now_ms, &r, &e) == WY_OK) {
      ok++;
      continue;
    }
    any_retryable |= r;
    last = e;
    wy_log(WY_LOG_WARN, "lineage", "composite transport: %s failed: %s",
           wy_lineage_transport_name(c->kind[i]), e.msg);
  }
  if (ok) return WY_OK;
  *retryable = any_retryable;
  return wy_error_set(err, last.code ? last.code : WY_ERR_INTERNAL, "%s", last.msg);
}

static void composite_close(wy_lineage_transport_t *t) {
  composite_t *c = (composite_t *)t;
  for (size_t i = 0; i < c->n; i++) wy_lineage_transport_close(c->each[i]);
  free(c);
}

static const wy_lineage_transport_ops_t composite_ops = {composite_deliver, composite_close};

static wy_status_t composite_open(const wy_lineage_options_t *o, wy_lineage_transport_t **out,
                                  wy_error_t *err) {
  composite_t *c = calloc(1, sizeof *c);
  if (!c) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  c->base.ops = &composite_ops;
  for (int k = 0; k < WY_LINEAGE_TRANSPORT__COUNT; k++) {
    if (!(o->composite & (1u << k))) continue;
    if (k == WY_LINEAGE_NONE || k == WY_LINEAGE_COMPOSITE) {
      composite_close(&c->base);
      return wy_error_set(err, WY_ERR_CONFIG, "a composite lineage transport cannot hold '%s'",
                          wy_lineage_transport_name((wy_lineage_transport_kind_t)k));
    }
    wy_lineage_options_t one = *o;
    one.transport = (wy_lineage_transport_kind_t)k;
    c->kind[c->n] = one.transport;
    if (wy_lineage_transport_open(&one, &c->each[c->n], err) != WY_OK) {
      composite_close(&c->base);
      return wy_error_prefix(err, "composite lineage transport");
    }
    c->n++;
  }
  if (!c->n) {
    composite_close(&c->base);
    return wy_error_set(err, WY_ERR_CONFIG,
                        "lineage.transport=composite needs lineage.composite.transports "
                        "(openlineage.transport.transports), e.g. file,http");
  }
  *out = &c->base;
  return WY_OK;
}

wy_status_t wy_lineage_transport_open(const wy_lineage_options_t *o, wy_lineage_transport_t **out,
                                      wy_error_t *err) {
  *out = NULL;
  const char *where =
      o->transport == WY_LINEAGE_FILE && o->file_location && *o->file_location ? o->file_location
      : o->transport == WY_LINEAGE_KAFKA && o->kafka_topic && *o->kafka_topic  ? o->kafka_topic
                                                                               : o->url;
  if (o->transport != WY_LINEAGE_CONSOLE && o->transport != WY_LINEAGE_COMPOSITE &&
      (!where || !*where))
    return wy_error_set(err, WY_ERR_CONFIG,
                        "lineage.transport=%s needs lineage.url (a path, base URL or topic)",
                        wy_lineage_transport_name(o->transport));
  switch (o->transport) {
    case WY_LINEAGE_CONSOLE: {
      console_t *c = calloc(1, sizeof *c);
      if (!c) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      c->base.ops = &console_ops;
      c->out = o->console ? o->console : stdout;
      *out = &c->base;
      return WY_OK;
    }
    case WY_LINEAGE_FILE:
      return file_open(where, out, err);
    case WY_LINEAGE_HTTP:
      return wy_lineage_http_open(o, out, err);
    case WY_LINEAGE_KAFKA:
      return kafka_open(o, out, err);
    case WY_LINEAGE_COMPOSITE:
      return composite_open(o, out, err);
    default:
      return wy_error_set(err, WY_ERR_INVALID, "no lineage transport %d", (int)o->transport);
  }
}
