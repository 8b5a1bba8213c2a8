#include "engine/base/types.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
#define WY_X_NAME(kind, name) name,
    WY_TYPE_KINDS(WY_X_NAME)
#undef WY_X_NAME
};

static const wy_type_t primitives[WY_T__COUNT] = {
    [WY_T_BOOLEAN] = {.kind = WY_T_BOOLEAN, .refcount = -1},
    [WY_T_INT] = {.kind = WY_T_INT, .refcount = -1},
    [WY_T_BIGINT] = {.kind = WY_T_BIGINT, .refcount = -1},
    [WY_T_DOUBLE] = {.kind = WY_T_DOUBLE, .refcount = -1},
    [WY_T_STRING] = {.kind = WY_T_STRING, .refcount = -1},
    [WY_T_BYTES] = {.kind = WY_T_BYTES, .refcount = -1},
    [WY_T_TIMESTAMP] = {.kind = WY_T_TIMESTAMP, .refcount = -1},
    [WY_T_DATE] = {.kind = WY_T_DATE, .refcount = -1},
    [WY_T_TIME] = {.kind = WY_T_TIME, .refcount = -1},
};

const char *wy_type_kind_name(wy_type_kind_t kind) {
  if ((int)kind < 0 || kind >= WY_T__COUNT) return "UNKNOWN";
  return kind_names[kind];
}

const wy_type_t *wy_type_primitive(wy_type_kind_t kind) {
  switch (kind) {
    case WY_T_DECIMAL:
    case WY_T_ARRAY:
    case WY_T_MAP:
    case WY_T_STRUCT:
      return NULL;
    default:
      if ((int)kind < 0 || kind >= WY_T__COUNT) return NULL;
      return &primitives[kind];
  }
}

static wy_type_t *type_alloc(wy_type_kind_t kind) {
  wy_type_t *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->kind = kind;
  t->refcount = 1;
  return t;
}

const wy_type_t *wy_type_decimal(int precision, int scale) {
  if (precision < 1 || precision > WY_DECIMAL_MAX_DECLARED_PRECISION || scale < 0 ||
      scale > precision || scale > WY_DECIMAL_MAX_PRECISION)
    return NULL;
  wy_type_t *t = type_alloc(WY_T_DECIMAL);
  if (!t) return NULL;
  t->precision = (uint8_t)precision;
  t->scale = (uint8_t)scale;
  return t;
}

const wy_type_t *wy_type_array(const wy_type_t *elem) {
  if (!elem) return NULL;
  wy_type_t *t = type_alloc(WY_T_ARRAY);
  if (!t) {
    wy_type_unref(elem);
    return NULL;
  }
  t->elem = elem;
  return t;
}

const wy_type_t *wy_type_map(const wy_type_t *key, const wy_type_t *value) {
  wy_type_t *t = key && value ? type_alloc(WY_T_MAP) : NULL;
  if (!t) {
    wy_type_unref(key);
    wy_type_unref(value);
    return NULL;
  }
  t->key = key;
  t->elem = value;
  return t;
}

wy_type_t *wy_type_struct_new(void) { return type_alloc(WY_T_STRUCT); }

bool wy_type_struct_add(wy_type_t *st, const char *name, const wy_type_t *type) {
  if (!st || !type || st->kind != WY_T_STRUCT) {
    wy_type_unref(type);
    return false;
  }
  wy_field_t *fields = realloc(st->fields, (st->nfields + 1) * sizeof *fields);
  char *copy = strdup(name);
  if (!fields || !copy) {
    if (fields) st->fields = fields;
    free(copy);
    wy_type_unref(type);
    return false;
  }
  st->fields = fields;
  st->fields[st->nfields].name = copy;
  st->fields[st->nfields].type = type;
  st->nfields++;
  return true;
}

const wy_type_t *wy_type_ref(const wy_type_t *t) {
  if (t && t->refcount >= 0) atomic_fetch_add((_Atomic int *)&((wy_type_t *)t)->refcount, 1);
  return t;
}

void wy_type_unref(const wy_type_t *ct) {
  if (!ct || ct->refcount < 0) return;
  wy_type_t *t = (wy_type_t *)ct;
  if (atomic_fetch_sub((_Atomic int *)&t->refcount, 1) != 1) return;
  wy_type_unref(t->elem);
  wy_type_unref(t->key);
  for (size_t i = 0; i < t->nfields; i++) {
    free(t->fields[i].name);
    wy_type_unref(t->fields[i].type);
  }
  free(t->fields);
  free(t);
}

bool wy_type_equal(const wy_type_t *a, const wy_type_t *b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind) return false;
  switch (a->kind) {
    case WY_T_DECIMAL:
      return a->precision == b->precision && a->scale == b->scale;
    case WY_T_ARRAY:
      return wy_type_equal(a->elem, b->elem);
    case WY_T_MAP:
      return wy_type_equal(a->key, b->key) && wy_type_equal(a->elem, b->elem);
    case WY_T_STRUCT:
      if (a->nfields != b->nfields) return false;
      for (size_t i = 0; i < a->nfields; i++)
        if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
            !wy_type_equal(a->fields[i].type, b->fields[i].type))
          return false;
      return true;
    default:
      return true;
  }
}

bool wy_type_is_numeric(const wy_type_t *t) {
  return t && (t->kind == WY_T_INT || t->kind == WY_T_BIGINT || t->kind == WY_T_DECIMAL ||
               t->kind == WY_T_DOUBLE);
}

bool wy_type_is_primitive(const wy_type_t *t) {
  return t && t->kind != WY_T_ARRAY && t->kind != WY_T_MAP && t->kind != WY_T_STRUCT;
}

int wy_type_field_index(const wy_type_t *st, const char *name) {
  if (!st || st->kind != WY_T_STRUCT) return -1;
  for (size_t i = 0; i < st->nfields; i++)
    if (strcmp(st->fields[i].name, name) == 0) return (int)i;
  return -1;
}

/* A bounded writer that keeps counting past the end, like snprintf. */
typedef struct {
  char *buf;
  size_t cap, len;
} tfmt_t;

static void tfmt_puts(tfmt_t *w, const char *s) {
  for (; *s; s++, w->len++)
    if (w->len + 1 < w->cap) w->buf[w->len] = *s;
}

static void tfmt_type(tfmt_t *w, const wy_type_t *t) {
  char tmp[32];
  switch (t->kind) {
    case WY_T_DECIMAL:
      snprintf(tmp, sizeof tmp, "DECIMAL(%u, %u)", t->precision, t->scale);
      tfmt_puts(w, tmp);
      break;
    case WY_T_ARRAY:
      tfmt_puts(w, "ARRAY<");
      tfmt_type(w, t->elem);
      tfmt_puts(w, ">");
      break;
    case WY_T_MAP:
      tfmt_puts(w, "MAP<");
      tfmt_type(w, t->key);
      tfmt_puts(w, ", ");
      tfmt_type(w, t->elem);
      tfmt_puts(w, ">");
      break;
    case WY_T_STRUCT:
      tfmt_puts(w, "STRUCT<");
      for (size_t i = 0; i < t->nfields; i++) {
        if (i) tfmt_puts(w, ", ");
        tfmt_puts(w, "`");
        tfmt_puts(w, t->fields[i].name);
        tfmt_puts(w, "` ");
        tfmt_type(w, t->fields[i].type);
      }
      tfmt_puts(w, ">");
      break;
    default:
      tfmt_puts(w, kind_names[t->kind]);
  }
}

size_t wy_type_format(const wy_type_t *t, char *buf, size_t cap) {
  tfmt_t w = {buf, cap, 0};
  if (t)
    tfmt_type(&w, t);
  else
    tfmt_puts(&w, "NULL");
  if (cap) buf[w.len < cap ? w.len : cap - 1] = '\0';
  return w.len;
}
