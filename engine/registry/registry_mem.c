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
  int32_t *ids;      /* versions' schema ids, oldest first */
  int32_t *versions; /* their version numbers */
  size_t n, cap;
  int32_t next_version; /* never reused, also after a delete */
  bool has_compat;      /* its own level, else the global one */
  wy_sr_compat_t compat;
} subject_t;

typedef struct {
  int32_t id;
  wy_sr_type_t type;
  char *text;
} schema_t;

typedef struct {
  wy_sr_compat_t compat; /* global */
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
  s->next_version = 1;
  m->nsubjects++;
  return s;
}

/* A subject with versions, or NULL (NOT_FOUND set, as the registry's 40401). */
static subject_t *live_subject(mem_t *m, const char *name, wy_error_t *err) {
  subject_t *s = find_subject(m, name, false);
  if (s && s->n) return s;
  wy_error_set(err, WY_ERR_NOT_FOUND, "Subject '%s' not found.", name);
  return NULL;
}

static wy_sr_compat_t level_of(const mem_t *m, const subject_t *s) {
  return s && s->has_compat ? s->compat : m->compat;
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
  subject_t *s = live_subject(impl, subject, err);
  if (!s) return err ? err->code : WY_ERR_NOT_FOUND;
  *id = s->ids[s->n - 1];
  return mem_get(impl, *id, schema, type, err);
}

/* Can data written with writer be read with reader? why gets "<who> cannot read data
 * written with <whom>: <reason>". */
static wy_status_t reads(wy_sr_type_t type, const char *reader, const char *writer,
                         const char *reader_name, const char *writer_name, bool *ok, char *why,
                         size_t whycap, wy_error_t *err) {
  char reason[256];
  wy_status_t st = wy_format_sr_compatible(type, reader, writer, ok, reason, sizeof reason, err);
  if (st == WY_OK && !*ok && whycap)
    snprintf(why, whycap, "%s cannot read data written with %s: %s", reader_name, writer_name,
             reason[0] ? reason : "incompatible");
  return st;
}

/* The check of `level` of schema against subject s's versions (the latest, or all of
 * them for a transitive level, newest first). */
static wy_status_t check_level(mem_t *m, const subject_t *s, wy_sr_compat_t level,
                               wy_sr_type_t type, const char *schema, bool *ok, char *why,
                               size_t whycap, wy_error_t *err) {
  *ok = true;
  if (whycap) why[0] = 0;
  if (!s || !s->n || level == WY_COMPAT_NONE) return WY_OK;
  bool transitive = level == WY_COMPAT_BACKWARD_TRANSITIVE ||
                    level == WY_COMPAT_FORWARD_TRANSITIVE || level == WY_COMPAT_FULL_TRANSITIVE;
  bool backward = level != WY_COMPAT_FORWARD && level != WY_COMPAT_FORWARD_TRANSITIVE;
  bool forward = level != WY_COMPAT_BACKWARD && level != WY_COMPAT_BACKWARD_TRANSITIVE;
  size_t last = transitive ? 0 : s->n - 1;
  for (size_t i = s->n; i-- > last;) {
    const schema_t *old = by_id(m, s->ids[i]);
    char version[48];
    snprintf(version, sizeof version, "version %d", (int)s->versions[i]);
    if (old->type != type) { /* a registry refuses a change of schema type */
      *ok = false;
      if (whycap)
        snprintf(why, whycap, "the new schema is %s but %s is %s", wy_sr_type_name(type), version,
                 wy_sr_type_name(old->type));
      return WY_OK;
    }
    wy_status_t st = WY_OK;
    if (backward)
      st = reads(type, schema, old->text, "the new schema", version, ok, why, whycap, err);
    if (st == WY_OK && *ok && forward)
      st = reads(type, old->text, schema, version, "the new schema", ok, why, whycap, err);
    if (st != WY_OK || !*ok) return st;
  }
  return WY_OK;
}

static wy_status_t mem_compatible(void *impl, const char *subject, wy_sr_type_t type,
                                  const char *schema, bool *ok, char *why, size_t whycap,
                                  wy_error_t *err) {
  mem_t *m = impl;
  subject_t *s = find_subject(m, subject, false);
  return check_level(m, s, level_of(m, s), type, schema, ok, why, whycap, err);
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
  wy_sr_compat_t level = level_of(m, s);
  bool ok;
  char why[512];
  wy_status_t st = check_level(m, s, level, type, schema, &ok, why, sizeof why, err);
  if (st != WY_OK) return st;
  if (!ok)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "Schema being registered is incompatible with an earlier schema for "
                        "subject \"%s\" (compatibility %s): %s",
                        subject, wy_sr_compat_name(level), why);
  size_t cap = s->cap;
  if (!grow((void **)&s->ids, &cap, s->n, sizeof *s->ids) ||
      !grow((void **)&s->versions, &s->cap, s->n, sizeof *s->versions))
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
  s->ids[s->n] = have->id;
  s->versions[s->n++] = s->next_version++;
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

static wy_status_t mem_get_compat(void *impl, const char *subject, wy_sr_compat_t *level,
                                  wy_error_t *err) {
  (void)err;
  mem_t *m = impl;
  *level = level_of(m, subject ? find_subject(m, subject, false) : NULL);
  return WY_OK;
}

static wy_status_t mem_set_compat(void *impl, const char *subject, wy_sr_compat_t level,
                                  wy_error_t *err) {
  mem_t *m = impl;
  if (!subject) {
    m->compat = level;
    return WY_OK;
  }
  subject_t *s = find_subject(m, subject, true);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  s->has_compat = true;
  s->compat = level;
  return WY_OK;
}

static void mem_destroy(void *impl) {
  mem_t *m = impl;
  if (!m) return;
  for (size_t i = 0; i < m->nschemas; i++) free(m->schemas[i].text);
  for (size_t i = 0; i < m->nsubjects; i++) {
    free(m->subjects[i].name);
    free(m->subjects[i].ids);
    free(m->subjects[i].versions);
  }
  free(m->schemas);
  free(m->subjects);
  free(m);
}

static const wy_sr_ops_t MEM_OPS = {mem_get,        mem_register,   mem_latest, mem_compatible,
                                    mem_get_compat, mem_set_compat, mem_destroy};

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

/* ---- subjects and versions (the test server's REST API) ---- */

void wy_sr_version_clear(wy_sr_version_t *v) {
  if (!v) return;
  free(v->subject);
  free(v->schema);
  memset(v, 0, sizeof *v);
}

typedef struct {
  const char *subject, *schema;
  wy_sr_type_t type;
  int32_t version;
  wy_sr_version_t *out;
  char ***names;
  int32_t **versions;
  size_t *n;
  bool *has;
  wy_sr_compat_t *level;
  wy_error_t *err;
} admin_t;

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static wy_status_t list_subjects(void *impl, void *arg) {
  mem_t *m = impl;
  admin_t *a = arg;
  char **names = calloc(m->nsubjects + 1, sizeof *names);
  size_t n = 0;
  if (!names) return wy_error_set(a->err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < m->nsubjects; i++) {
    if (!m->subjects[i].n) continue;
    if (!(names[n] = strdup(m->subjects[i].name))) {
      for (size_t k = 0; k < n; k++) free(names[k]);
      free(names);
      return wy_error_set(a->err, WY_ERR_NOMEM, "out of memory");
    }
    n++;
  }
  qsort(names, n, sizeof *names, by_name);
  *a->names = names;
  *a->n = n;
  return WY_OK;
}

static wy_status_t copy_versions(const subject_t *s, admin_t *a) {
  int32_t *v = malloc((s->n + 1) * sizeof *v);
  if (!v) return wy_error_set(a->err, WY_ERR_NOMEM, "out of memory");
  memcpy(v, s->versions, s->n * sizeof *v);
  *a->versions = v;
  *a->n = s->n;
  return WY_OK;
}

static wy_status_t list_versions(void *impl, void *arg) {
  admin_t *a = arg;
  subject_t *s = live_subject(impl, a->subject, a->err);
  return s ? copy_versions(s, a) : WY_ERR_NOT_FOUND;
}

static wy_status_t fill_version(mem_t *m, const subject_t *s, size_t i, wy_sr_version_t *out,
                                wy_error_t *err) {
  const schema_t *sc = by_id(m, s->ids[i]);
  *out = (wy_sr_version_t){strdup(s->name), s->versions[i], sc->id, sc->type, strdup(sc->text)};
  if (!out->subject || !out->schema) {
    wy_sr_version_clear(out);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  return WY_OK;
}

static wy_status_t get_version(void *impl, void *arg) {
  admin_t *a = arg;
  subject_t *s = live_subject(impl, a->subject, a->err);
  if (!s) return WY_ERR_NOT_FOUND;
  for (size_t i = 0; i < s->n; i++)
    if (a->version < 0 ? i == s->n - 1 : s->versions[i] == a->version)
      return fill_version(impl, s, i, a->out, a->err);
  return wy_error_set(a->err, WY_ERR_NOT_FOUND, "Version %d not found.", (int)a->version);
}

static wy_status_t lookup(void *impl, void *arg) {
  admin_t *a = arg;
  subject_t *s = live_subject(impl, a->subject, a->err);
  if (!s) return WY_ERR_NOT_FOUND;
  for (size_t i = 0; i < s->n; i++) {
    const schema_t *sc = by_id(impl, s->ids[i]);
    if (sc->type == a->type && strcmp(sc->text, a->schema) == 0)
      return fill_version(impl, s, i, a->out, a->err);
  }
  return wy_error_set(a->err, WY_ERR_NOT_FOUND, "Schema not found");
}

static wy_status_t delete_subject(void *impl, void *arg) {
  admin_t *a = arg;
  subject_t *s = live_subject(impl, a->subject, a->err);
  if (!s) return WY_ERR_NOT_FOUND;
  wy_status_t st = copy_versions(s, a);
  if (st == WY_OK) s->n = 0; /* numbers go on from next_version */
  return st;
}

static wy_status_t subject_level(void *impl, void *arg) {
  admin_t *a = arg;
  subject_t *s = find_subject(impl, a->subject, false);
  *a->has = s && s->has_compat;
  *a->level = level_of(impl, s);
  return WY_OK;
}

static wy_status_t admin(wy_sr_t *r, wy_status_t (*fn)(void *, void *), admin_t *a) {
  if (!wy_sr_impl(r, &MEM_OPS))
    return wy_error_set(a->err, WY_ERR_INVALID, "not an in-process registry");
  return wy_sr_locked(r, fn, a);
}

wy_status_t wy_sr_mem_subjects(wy_sr_t *r, char ***names_out, size_t *n_out, wy_error_t *err) {
  admin_t a = {.names = names_out, .n = n_out, .err = err};
  return admin(r, list_subjects, &a);
}

wy_status_t wy_sr_mem_versions(wy_sr_t *r, const char *subject, int32_t **versions_out,
                               size_t *n_out, wy_error_t *err) {
  admin_t a = {.subject = subject, .versions = versions_out, .n = n_out, .err = err};
  return admin(r, list_versions, &a);
}

wy_status_t wy_sr_mem_version(wy_sr_t *r, const char *subject, int32_t version,
                              wy_sr_version_t *out, wy_error_t *err) {
  admin_t a = {.subject = subject, .version = version, .out = out, .err = err};
  return admin(r, get_version, &a);
}

wy_status_t wy_sr_mem_lookup(wy_sr_t *r, const char *subject, wy_sr_type_t type, const char *schema,
                             wy_sr_version_t *out, wy_error_t *err) {
  admin_t a = {.subject = subject, .schema = schema, .type = type, .out = out, .err = err};
  return admin(r, lookup, &a);
}

wy_status_t wy_sr_mem_delete_subject(wy_sr_t *r, const char *subject, int32_t **versions_out,
                                     size_t *n_out, wy_error_t *err) {
  admin_t a = {.subject = subject, .versions = versions_out, .n = n_out, .err = err};
  wy_status_t st = admin(r, delete_subject, &a);
  if (st == WY_OK) wy_sr_uncache_subject(r, subject);
  return st;
}

wy_status_t wy_sr_mem_subject_level(wy_sr_t *r, const char *subject, bool *has,
                                    wy_sr_compat_t *level, wy_error_t *err) {
  admin_t a = {.subject = subject, .has = has, .level = level, .err = err};
  return admin(r, subject_level, &a);
}
