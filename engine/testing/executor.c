/* executor.c — results of a case run, and the placeholder executor. */
#include "engine/testing/executor.h"

#include <stdlib.h>
#include <string.h>

#include "engine/formats/windowed.h"
#include "engine/testing/qtt_json.h"

static const char *const phase_names[] = {
#define WY_X_PHASE(code, name) name,
    WY_QTT_PHASES(WY_X_PHASE)
#undef WY_X_PHASE
};
static const char *const wire_names[] = {
#define WY_X_WIRE(code, name) name,
    WY_QTT_WIRES(WY_X_WIRE)
#undef WY_X_WIRE
};

const char *wy_qtt_phase_name(wy_qtt_phase_t p) {
  return (unsigned)p < sizeof phase_names / sizeof *phase_names ? phase_names[p] : "?";
}
const char *wy_qtt_wire_name(wy_qtt_wire_t w) {
  return (unsigned)w < sizeof wire_names / sizeof *wire_names ? wire_names[w] : "?";
}

wy_qtt_result_t *wy_qtt_result_new(void) {
  wy_qtt_result_t *r = calloc(1, sizeof *r);
  if (r) wy_arena_init(&r->arena, 0);
  return r;
}

void wy_qtt_result_destroy(wy_qtt_result_t *r) {
  if (!r) return;
  free(r->records);
  free(r->topics);
  free(r->sources);
  wy_arena_release(&r->arena);
  free(r);
}

/* Make room for one more element of a heap array; false on ENOMEM. */
static bool reserve(void **items, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return true;
  size_t ncap = *cap ? *cap * 2 : 16;
  void *p = realloc(*items, ncap * size);
  if (!p) return false;
  *items = p;
  *cap = ncap;
  return true;
}

/* Deep copies into the result's arena. Each returns false on ENOMEM. */
static bool copy_str(wy_arena_t *a, const char **s) {
  if (!*s) return true;
  return (*s = wy_arena_strdup(a, *s)) != NULL;
}

static bool copy_value(wy_arena_t *a, wy_value_t *v) {
  wy_value_t out;
  if (!wy_value_deep_copy(a, v, &out)) return false;
  *v = out;
  return true;
}

static bool copy_bytes(wy_arena_t *a, const uint8_t **p, size_t len) {
  if (!*p) return true;
  uint8_t *d = wy_arena_alloc(a, len ? len : 1);
  if (!d) return false;
  memcpy(d, *p, len);
  *p = d;
  return true;
}

static bool copy_format(wy_arena_t *a, wy_qtt_format_t *f) {
  if (!copy_str(a, &f->format) || !copy_str(a, &f->window_type) || !copy_value(a, &f->properties))
    return false;
  if (!f->features.n) return true;
  const char **items = wy_arena_calloc(a, f->features.n, sizeof *items);
  if (!items) return false;
  for (size_t i = 0; i < f->features.n; i++)
    if (!copy_str(a, (items[i] = f->features.items[i], &items[i]))) return false;
  f->features.items = items;
  return true;
}

static bool copy_payload(wy_arena_t *a, wy_qtt_payload_t *p) {
  return p->raw ? copy_bytes(a, &p->bytes, p->len) : copy_value(a, &p->value);
}

static wy_status_t nomem(wy_error_t *err) {
  return wy_error_set(err, WY_ERR_NOMEM, "out of memory while collecting results");
}

wy_status_t wy_qtt_result_add_record(wy_qtt_result_t *r, const wy_qtt_out_record_t *rec,
                                     wy_error_t *err) {
  if (!rec->topic) return wy_error_set(err, WY_ERR_INVALID, "a result record needs a topic");
  if (!reserve((void **)&r->records, &r->cap_records, r->nrecords, sizeof *r->records))
    return nomem(err);
  wy_arena_t *a = &r->arena;
  wy_qtt_out_record_t c = *rec;
  if (!copy_str(a, &c.topic) || !copy_payload(a, &c.key) || !copy_payload(a, &c.value))
    return nomem(err);
  if (c.nheaders) {
    wy_qtt_header_t *h = wy_arena_calloc(a, c.nheaders, sizeof *h);
    if (!h) return nomem(err);
    for (size_t i = 0; i < c.nheaders; i++) {
      h[i] = rec->headers[i];
      if (!copy_str(a, &h[i].key) || !copy_bytes(a, &h[i].value, h[i].len)) return nomem(err);
    }
    c.headers = h;
  }
  r->records[r->nrecords++] = c;
  return WY_OK;
}

wy_status_t wy_qtt_result_add_topic(wy_qtt_result_t *r, const wy_qtt_topic_info_t *t,
                                    wy_error_t *err) {
  if (!t->name) return wy_error_set(err, WY_ERR_INVALID, "a result topic needs a name");
  if (!reserve((void **)&r->topics, &r->cap_topics, r->ntopics, sizeof *r->topics))
    return nomem(err);
  wy_arena_t *a = &r->arena;
  wy_qtt_topic_info_t c = *t;
  if (!copy_str(a, &c.name) || !copy_format(a, &c.key_format) || !copy_format(a, &c.value_format) ||
      !copy_value(a, &c.key_schema) || !copy_value(a, &c.value_schema))
    return nomem(err);
  r->topics[r->ntopics++] = c;
  return WY_OK;
}

wy_status_t wy_qtt_result_add_source(wy_qtt_result_t *r, const wy_qtt_source_info_t *s,
                                     wy_error_t *err) {
  if (!s->name) return wy_error_set(err, WY_ERR_INVALID, "a result source needs a name");
  if (!reserve((void **)&r->sources, &r->cap_sources, r->nsources, sizeof *r->sources))
    return nomem(err);
  wy_arena_t *a = &r->arena;
  wy_qtt_source_info_t c = *s;
  if (!copy_str(a, &c.name) || !copy_str(a, &c.schema) || !copy_str(a, &c.topic) ||
      !copy_format(a, &c.key_format) || !copy_format(a, &c.value_format))
    return nomem(err);
  r->sources[r->nsources++] = c;
  return WY_OK;
}

wy_status_t wy_qtt_result_set_exception(wy_qtt_result_t *r, wy_qtt_phase_t phase, int statement,
                                        const wy_error_t *e) {
  if (r->has_exception) return WY_OK;
  wy_qtt_exception_t *x = &r->exception;
  x->code = e->code;
  x->phase = phase;
  x->statement = statement;
  x->line = e->line;
  x->column = e->column;
  x->message = wy_arena_strdup(&r->arena, e->msg);
  if (!x->message) return WY_ERR_NOMEM;
  r->has_exception = true;
  return WY_OK;
}

static uint64_t be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

wy_status_t wy_qtt_payload_read(const wy_qtt_payload_t *p, wy_arena_t *a, wy_value_t *out,
                                wy_error_t *err) {
  if (!p->raw) {
    *out = p->value;
    return WY_OK;
  }
  if (!p->bytes || p->wire == WY_QTT_WIRE_NONE) {
    *out = wy_null(WY_T_STRING);
    return WY_OK;
  }
  static const size_t width[] = {
      [WY_QTT_WIRE_KAFKA_INT] = 4, [WY_QTT_WIRE_KAFKA_BIGINT] = 8, [WY_QTT_WIRE_KAFKA_DOUBLE] = 8};
  size_t want = (unsigned)p->wire < sizeof width / sizeof *width ? width[p->wire] : 0;
  if (want && p->len != want)
    return wy_error_set(err, WY_ERR_DECODE, "%s value has %zu bytes, not %zu",
                        wy_qtt_wire_name(p->wire), p->len, want);
  switch (p->wire) {
    case WY_QTT_WIRE_KAFKA_INT: {
      const uint8_t *b = p->bytes;
      uint32_t u = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
      *out = wy_int((int32_t)u);
      return WY_OK;
    }
    case WY_QTT_WIRE_KAFKA_BIGINT:
      *out = wy_bigint((int64_t)be64(p->bytes));
      return WY_OK;
    case WY_QTT_WIRE_KAFKA_DOUBLE: {
      uint64_t bits = be64(p->bytes);
      double d;
      memcpy(&d, &bits, sizeof d);
      if (!wy_qtt_double_to_decimal(d, out)) *out = wy_double(d);
      return WY_OK;
    }
    default: {
      const char *s = wy_arena_strndup(a, (const char *)p->bytes, p->len);
      if (!s) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      *out = wy_string(s, p->len);
      return WY_OK;
    }
  }
}

wy_status_t wy_qtt_window_split(const uint8_t *key, size_t len, wy_qtt_window_kind_t kind,
                                int64_t size_ms, size_t *inner_len, wy_qtt_window_t *w,
                                wy_error_t *err) {
  w->kind = kind;
  if (kind == WY_QTT_WINDOW_NONE) {
    *inner_len = len;
    return WY_OK;
  }
  return wy_windowed_split(key, len, kind == WY_QTT_WINDOW_SESSION, size_ms, inner_len, &w->start,
                           &w->end, err);
}

static wy_status_t not_implemented_run(void *ctx, const wy_qtt_case_t *tc, wy_qtt_result_t *out,
                                       wy_error_t *err) {
  return wy_error_set(err, WY_ERR_UNSUPPORTED,
                      "executor not implemented: the engine cannot run statements yet "
                      "(%zu statement%s not executed)",
                      tc->statements.n, tc->statements.n == 1 ? "" : "s");
}

const wy_qtt_executor_t *wy_qtt_executor_not_implemented(void) {
  static const wy_qtt_executor_t ex = {"not-implemented", not_implemented_run, NULL};
  return &ex;
}
