/* The in-process registry: schemas numbered from 1 in registration order, subjects as
 * lists of schema ids (versions). The same schema text under several subjects keeps one
 * id, as a Confluent registry does. Used by the QTT runner, unit tests and the test
 * server (server.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/format.h"
#include "engine/registry/registry_int.h"

typedef struct {
  char *name;
  int32_t *ids; /* versions, oldest first */
  size_t n, cap;
} subject_t;

typedef struct {
  int32_t id;
  wy_sr_type_t type;
  char *text;
} schema_t;

typedef struct {
  wy_sr_compat_t compat;
  schema_t *schemas;
  size_t nschemas, capschemas;
  subject_t *subjects;
  size_t nsubjects, capsubjects;
  int32_t next_id;
} mem_t;

static bool grow(void **p, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return true;
  size_t c = *cap ? *cap * 2 : 8;
  void *q = realloc(*p, c * size);
  if (!q) return false;
  *p = q;
  *cap = c;
  return true;
}

static const schema_t *by_id(const mem_t *m, int32_t id) {
  for (size_t i = 0; i < m->nschemas; i++)
    if (m->schemas[i].id == id) return &m->schemas[i];
  return NULL;
}

static const schema_t *by_text(const mem_t *m, wy_sr_type_t type, const char *text) {
  for (size_t i = 0; i < m->nschemas; i++)
    if (m->schemas[i].type == type && strcmp(m->schemas[i].text, text) == 0) return &m->schemas[i];
  return NULL;
}

static subject_t *find_subject(mem_t *m, const char *name, bool create) {
  for (size_t i = 0; i < m->nsubjects; i++)
    if (strcmp(m->subjects[i].name, name) == 0) return &m->subjects[i];
  if (!create || !grow((void **)&m->subjects, &m->capsubjects, m->nsubjects, sizeof *m->subjects))
    return NULL;
  subject_t *s = &m->subjects[m->nsubjects];
  memset(s, 0, sizeof *s);
  if (!(s->name = strdup(name))) return NULL;
  m->nsubjects++;
  return s;
}

static wy_status_t mem_get(void *impl, int32_t id, char **out, wy_sr_type_t *type,
                           wy_error_t *err) {
  const schema_t *s = by_id(impl, id);
  if (!s) return wy_error_set(err, WY_ERR_NOT_FOUND, "Schema %d not found", id);
  if (!(*out = strdup(s->text))) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  *type = s->type;
  return WY_OK;
}

static wy_status_t mem_latest(void *impl, const char *subject, int32_t *id, char **schema,
                              wy_sr_type_t *type, wy_error_t *err) {
  subject_t *s = find_subject(impl, subject, false);
  if (!s || !s->n) return wy_error_set(err, WY_ERR_NOT_FOUND, "Subject '%s' not found", subject);
  *id = s->ids[s->n - 1];
  return mem_get(impl, *id, schema, type, err);
}

static wy_status_t mem_compatible(void *impl, const char *subject, wy_sr_type_t type,
                                  const char *schema, bool *ok, wy_error_t *err) {
  mem_t *m = impl;
  subject_t *s = find_subject(m, subject, false);
  *ok = true;
  if (!s || !s->n) return WY_OK;
  const schema_t *latest = by_id(m, s->ids[s->n - 1]);
  if (latest->type != type) { /* a registry refuses a change of schema type */
    *ok = false;
    return WY_OK;
  }
  char why[256];
  return wy_format_sr_compatible(type, schema, latest->text, ok, why, sizeof why, err);
}

/* Add schema (with the given id, or a new one when id is 0) to subject. */
static wy_status_t add(mem_t *m, const char *subject, wy_sr_type_t type, const char *schema,
                       int32_t id, int32_t *id_out, wy_error_t *err) {
  const schema_t *have = id ? by_id(m, id) : by_text(m, type, schema);
  if (have && (have->type != type || strcmp(have->text, schema) != 0))
    return wy_error_set(err, WY_ERR_EXISTS, "Schema id %d is already used by another schema", id);
  subject_t *s = find_subject(m, subject, true);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (have)
    for (size_t i = 0; i < s->n; i++)
      if (s->ids[i] == have->id) {
        *id_out = have->id;
        return WY_OK;
      }
  if (m->compat == WY_COMPAT_BACKWARD && s->n) {
    bool ok;
    wy_status_t st = mem_compatible(m, subject, type, schema, &ok, err);
    if (st != WY_OK) return st;
    if (!ok)
      return wy_error_set(err, WY_ERR_CONFIG,
                          "Schema being registered is incompatible with an earlier schema for "
                          "subject \"%s\"",
                          subject);
  }
  if (!grow((void **)&s->ids, &s->cap, s->n, sizeof *s->ids))
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (!have) {
    if (!grow((void **)&m->schemas, &m->capschemas, m->nschemas, sizeof *m->schemas))
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    char *text = strdup(schema);
    if (!text) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    if (!id) id = m->next_id;
    if (id >= m->next_id) m->next_id = id + 1;
    m->schemas[m->nschemas++] = (schema_t){id, type, text};
    have = &m->schemas[m->nschemas - 1];
  }
  s->ids[s->n++] = have->id;
  *id_out = have->id;
  return WY_OK;
}

static wy_status_t mem_register(void *impl, const char *subject, wy_sr_type_t type,
                                const char *schema, int32_t *id, wy_error_t *err) {
  /* Only valid schemas get an id, as a real registry answers 422 otherwise. */
  bool ok;
  char why[8];
  wy_status_t st = wy_format_sr_compatible(type, schema, schema, &ok, why, sizeof why, err);
  if (st != WY_OK) return st;
  return add(impl, subject, type, schema, 0, id, err);
}

static void mem_destroy(void *impl) {
  mem_t *m = impl;
  if (!m) return;
  for (size_t i = 0; i < m->nschemas; i++) free(m->schemas[i].text);
  for (size_t i = 0; i < m->nsubjects; i++) {
    free(m->subjects[i].name);
    free(m->subjects[i].ids);
  }
  free(m->schemas);
  free(m->subjects);
  free(m);
}

static const wy_sr_ops_t MEM_OPS = {mem_get, mem_register, mem_latest, mem_compatible, mem_destroy};

wy_sr_t *wy_sr_mem_new(wy_sr_compat_t compat) {
  mem_t *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->compat = compat;
  m->next_id = 1;
  return wy_sr_wrap(&MEM_OPS, m);
}

typedef struct {
  const char *subject, *schema;
  wy_sr_type_t type;
  int32_t id;
  wy_error_t *err;
} with_id_t;

static wy_status_t register_with_id(void *impl, void *arg) {
  with_id_t *a = arg;
  int32_t got;
  return add(impl, a->subject, a->type, a->schema, a->id, &got, a->err);
}

wy_status_t wy_sr_mem_register_with_id(wy_sr_t *r, const char *subject, wy_sr_type_t type,
                                       const char *schema, int32_t id, wy_error_t *err) {
  if (!wy_sr_impl(r, &MEM_OPS))
    return wy_error_set(err, WY_ERR_INVALID, "not an in-process registry");
  if (id <= 0) return wy_error_set(err, WY_ERR_INVALID, "schema ids are positive, got %d", id);
  with_id_t a = {subject, schema, type, id, err};
  return wy_sr_locked(r, register_with_id, &a);
}
