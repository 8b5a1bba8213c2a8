#include "engine/catalog/catalog.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  char *name;
  const wy_type_t *type;
} type_alias_t;

struct wy_catalog {
  wy_source_def_t **sources;
  size_t n, cap;
  type_alias_t *types;
  size_t ntypes;
};

wy_catalog_t *wy_catalog_new(void) { return calloc(1, sizeof(wy_catalog_t)); }

void wy_catalog_destroy(wy_catalog_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) wy_source_def_destroy(c->sources[i]);
  free(c->sources);
  for (size_t i = 0; i < c->ntypes; i++) {
    free(c->types[i].name);
    wy_type_unref(c->types[i].type);
  }
  free(c->types);
  free(c);
}

void wy_format_spec_init(wy_format_spec_t *f, const char *name) {
  memset(f, 0, sizeof *f);
  f->wrap_single = -1;
  f->schema_id = -1;
  if (name) {
    size_t i = 0;
    for (; name[i] && i < sizeof f->name - 1; i++)
      f->name[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    f->name[i] = '\0';
  }
}

wy_source_def_t *wy_source_def_new(const char *name, wy_source_kind_t kind) {
  wy_source_def_t *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->name = strdup(name);
  if (!d->name) {
    free(d);
    return NULL;
  }
  d->kind = kind;
  wy_schema_init(&d->schema);
  wy_format_spec_init(&d->key_format, NULL);
  wy_format_spec_init(&d->value_format, NULL);
  d->partitions = 1;
  d->replicas = 1;
  return d;
}

static bool dup_opt(char **dst, const char *src) {
  *dst = src ? strdup(src) : NULL;
  return !src || *dst;
}

wy_source_def_t *wy_source_def_copy(const wy_source_def_t *src) {
  wy_source_def_t *d = wy_source_def_new(src->name, src->kind);
  wy_error_t err;
  if (!d) return NULL;
  d->key_format = src->key_format;
  d->value_format = src->value_format;
  d->partitions = src->partitions;
  d->replicas = src->replicas;
  d->is_source = src->is_source;
  d->window = src->window;
  d->window_size_ms = src->window_size_ms;
  if (wy_schema_copy(&d->schema, &src->schema, &err) != WY_OK || !dup_opt(&d->topic, src->topic) ||
      !dup_opt(&d->timestamp_column, src->timestamp_column) ||
      !dup_opt(&d->timestamp_format, src->timestamp_format) || !dup_opt(&d->sql, src->sql)) {
    wy_source_def_destroy(d);
    return NULL;
  }
  return d;
}

void wy_source_def_destroy(wy_source_def_t *d) {
  if (!d) return;
  free(d->name);
  wy_schema_clear(&d->schema);
  free(d->topic);
  free(d->timestamp_column);
  free(d->timestamp_format);
  free(d->sql);
  free(d->query_id);
  free(d);
}

static int find_index(const wy_catalog_t *c, const char *name) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->sources[i]->name, name) == 0) return (int)i;
  return -1;
}

wy_status_t wy_catalog_add(wy_catalog_t *c, wy_source_def_t *def, bool replace, wy_error_t *err) {
  int at = find_index(c, def->name);
  if (at >= 0) {
    if (!replace) {
      const char *kind = c->sources[at]->kind == WY_SOURCE_STREAM ? "stream" : "table";
      wy_error_set(err, WY_ERR_EXISTS, "Cannot add %s '%s': A %s with the same name already exists",
                   def->kind == WY_SOURCE_STREAM ? "stream" : "table", def->name, kind);
      wy_source_def_destroy(def);
      return WY_ERR_EXISTS;
    }
    wy_source_def_destroy(c->sources[at]);
    c->sources[at] = def;
    return WY_OK;
  }
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 8;
    wy_source_def_t **grown = realloc(c->sources, cap * sizeof *grown);
    if (!grown) {
      wy_source_def_destroy(def);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    c->sources = grown;
    c->cap = cap;
  }
  c->sources[c->n++] = def;
  return WY_OK;
}

const wy_source_def_t *wy_catalog_find(const wy_catalog_t *c, const char *name) {
  int at = find_index(c, name);
  return at < 0 ? NULL : c->sources[at];
}

const wy_source_def_t *wy_catalog_find_by_topic(const wy_catalog_t *c, const char *topic) {
  for (size_t i = 0; i < c->n; i++)
    if (c->sources[i]->topic && strcmp(c->sources[i]->topic, topic) == 0) return c->sources[i];
  return NULL;
}

wy_status_t wy_catalog_drop(wy_catalog_t *c, const char *name, wy_error_t *err) {
  int at = find_index(c, name);
  if (at < 0) return wy_error_set(err, WY_ERR_NOT_FOUND, "Source %s does not exist.", name);
  wy_source_def_destroy(c->sources[at]);
  memmove(&c->sources[at], &c->sources[at + 1], (c->n - (size_t)at - 1) * sizeof *c->sources);
  c->n--;
  return WY_OK;
}

size_t wy_catalog_count(const wy_catalog_t *c) { return c->n; }
const wy_source_def_t *wy_catalog_at(const wy_catalog_t *c, size_t i) { return c->sources[i]; }

wy_status_t wy_catalog_add_type(wy_catalog_t *c, const char *name, const wy_type_t *type,
                                wy_error_t *err) {
  if (wy_catalog_find_type(c, name)) {
    wy_type_unref(type);
    return wy_error_set(err, WY_ERR_EXISTS,
                        "Cannot register custom type '%s' since it is already registered", name);
  }
  type_alias_t *grown = realloc(c->types, (c->ntypes + 1) * sizeof *grown);
  char *copy = strdup(name);
  if (!grown || !copy) {
    if (grown) c->types = grown;
    free(copy);
    wy_type_unref(type);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  c->types = grown;
  c->types[c->ntypes++] = (type_alias_t){copy, type};
  return WY_OK;
}

const wy_type_t *wy_catalog_find_type(const wy_catalog_t *c, const char *name) {
  for (size_t i = 0; i < c->ntypes; i++)
    if (strcmp(c->types[i].name, name) == 0) return c->types[i].type;
  return NULL;
}

wy_status_t wy_catalog_drop_type(wy_catalog_t *c, const char *name, wy_error_t *err) {
  for (size_t i = 0; i < c->ntypes; i++) {
    if (strcmp(c->types[i].name, name) == 0) {
      free(c->types[i].name);
      wy_type_unref(c->types[i].type);
      c->types[i] = c->types[--c->ntypes];
      return WY_OK;
    }
  }
  return wy_error_set(err, WY_ERR_NOT_FOUND, "Type %s does not exist.", name);
}
