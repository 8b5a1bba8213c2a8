/* connectors/datagen: a sink that prints `key<TAB>value` lines (walleye datagen --stdout). */
#include <stdlib.h>
#include <string.h>

#include "connectors/datagen/datagen.h"

typedef struct report {
  void *opaque;
  const char *topic; /* interned */
  wy_status_t status;
  int64_t offset;
} report_t;

typedef struct topic_name {
  struct topic_name *next;
  char name[];
} topic_name_t;

typedef struct print_sink {
  wy_sink_t base;
  FILE *out;
  report_t *pending; /* reused across polls: grows, never shrinks */
  size_t npending, cap;
  topic_name_t *topics;
  int64_t next_offset;
} print_sink_t;

/* Reports must name the topic after send returns, so each distinct name is kept. */
static const char *intern(print_sink_t *s, const char *topic) {
  for (topic_name_t *t = s->topics; t; t = t->next)
    if (strcmp(t->name, topic) == 0) return t->name;
  size_t len = strlen(topic);
  topic_name_t *t = malloc(sizeof *t + len + 1);
  if (!t) return NULL;
  memcpy(t->name, topic, len + 1);
  t->next = s->topics;
  s->topics = t;
  return t->name;
}

static void put_escaped(FILE *out, const unsigned char *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') continue;
    fwrite(p + run, 1, i - run, out);
    run = i + 1;
    if (c == '\t')
      fputs("\\t", out);
    else if (c == '\n')
      fputs("\\n", out);
    else if (c == '\\')
      fputs("\\\\", out);
    else
      fprintf(out, "\\x%c%c", hex[c >> 4], hex[c & 15]);
  }
  fwrite(p + run, 1, n - run, out);
}

static wy_status_t print_send(wy_sink_t *sink, const char *topic, int32_t partition,
                              const void *key, size_t key_len, const void *value, size_t value_len,
                              const wy_header_t *headers, size_t nheaders, int64_t timestamp,
                              void *opaque, wy_error_t *err) {
  print_sink_t *s = (print_sink_t *)sink;
  const char *name = intern(s, topic);
  if (!name) return wy_error_set(err, WY_ERR_NOMEM, "print sink: out of memory");
  if (s->npending == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    report_t *p = realloc(s->pending, cap * sizeof *p);
    if (!p) return wy_error_set(err, WY_ERR_NOMEM, "print sink: out of memory");
    s->pending = p;
    s->cap = cap;
  }
  if (key) put_escaped(s->out, key, key_len);
  putc('\t', s->out);
  if (value) put_escaped(s->out, value, value_len);
  putc('\n', s->out);
  bool failed = ferror(s->out) != 0;
  s->pending[s->npending++] =
      (report_t){opaque, name, failed ? WY_ERR_IO : WY_OK, failed ? -1 : s->next_offset++};
  return WY_OK;
}

static void print_poll(wy_sink_t *sink) {
  print_sink_t *s = (print_sink_t *)sink;
  size_t n = s->npending;
  s->npending = 0;
  for (size_t i = 0; i < n && s->base.on_delivery; i++) {
    report_t *r = &s->pending[i];
    s->base.on_delivery(r->opaque, r->status, r->topic, 0, r->offset,
                        r->status == WY_OK ? NULL : "cannot write to the output");
  }
}

static wy_status_t print_flush(wy_sink_t *sink, int timeout_ms, wy_error_t *err) {
  print_sink_t *s = (print_sink_t *)sink;
  if (fflush(s->out) != 0)
    for (size_t i = 0; i < s->npending; i++)
      s->pending[i] = (report_t){s->pending[i].opaque, s->pending[i].topic, WY_ERR_IO, -1};
  print_poll(sink);
  return WY_OK;
}

static void print_destroy(wy_sink_t *sink) {
  print_sink_t *s = (print_sink_t *)sink;
  while (s->topics) {
    topic_name_t *t = s->topics;
    s->topics = t->next;
    free(t);
  }
  free(s->pending);
  free(s);
}

static const wy_sink_ops_t print_ops = {print_send, print_poll, print_flush, print_destroy};

wy_status_t wy_datagen_print_sink_new(FILE *out, wy_sink_t **sink, wy_error_t *err) {
  print_sink_t *s = calloc(1, sizeof *s);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "print sink: out of memory");
  s->base.ops = &print_ops;
  s->out = out;
  *sink = &s->base;
  return WY_OK;
}
