/* The registry handle: locking, the id -> schema cache and the (subject, schema) -> id
 * cache in front of an implementation. Caches only grow: ids are immutable, and a
 * deployment sees a handful of schemas per topic. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/registry/registry_int.h"

typedef struct {
  int32_t id;
  wy_sr_type_t type;
  char *schema;
} id_entry_t;

typedef struct {
  char *subject;
  char *schema;
  wy_sr_type_t type;
  int32_t id;
} reg_entry_t;

struct wy_sr {
  const wy_sr_ops_t *ops;
  void *impl;
  pthread_mutex_t lock;
  id_entry_t *ids;
  size_t nids, capids;
  reg_entry_t *regs;
  size_t nregs, capregs;
  uint64_t backend_calls;
};

wy_sr_t *wy_sr_wrap(const wy_sr_ops_t *ops, void *impl) {
  wy_sr_t *r = calloc(1, sizeof *r);
  if (!r) {
    ops->destroy(impl);
    return NULL;
  }
  r->ops = ops;
  r->impl = impl;
  pthread_mutex_init(&r->lock, NULL);
  return r;
}

void *wy_sr_impl(wy_sr_t *r, const wy_sr_ops_t *ops) { return r && r->ops == ops ? r->impl : NULL; }

wy_status_t wy_sr_locked(wy_sr_t *r, wy_status_t (*fn)(void *impl, void *arg), void *arg) {
  pthread_mutex_lock(&r->lock);
  wy_status_t st = fn(r->impl, arg);
  pthread_mutex_unlock(&r->lock);
  return st;
}

void wy_sr_destroy(wy_sr_t *r) {
  if (!r) return;
  r->ops->destroy(r->impl);
  for (size_t i = 0; i < r->nids; i++) free(r->ids[i].schema);
  for (size_t i = 0; i < r->nregs; i++) {
    free(r->regs[i].subject);
    free(r->regs[i].schema);
  }
  free(r->ids);
  free(r->regs);
  pthread_mutex_destroy(&r->lock);
  free(r);
}

uint64_t wy_sr_backend_calls(const wy_sr_t *r) { return r->backend_calls; }

static const char *const TYPE_NAMES[] = {"AVRO", "PROTOBUF", "JSON"};

const char *wy_sr_type_name(wy_sr_type_t t) {
  return (unsigned)t < sizeof TYPE_NAMES / sizeof *TYPE_NAMES ? TYPE_NAMES[t] : "UNKNOWN";
}

bool wy_sr_type_from_name(const char *name, wy_sr_type_t *out) {
  for (size_t i = 0; i < sizeof TYPE_NAMES / sizeof *TYPE_NAMES; i++)
    if (strcasecmp(name, TYPE_NAMES[i]) == 0) {
      *out = (wy_sr_type_t)i;
      return true;
    }
  return false;
}

static const id_entry_t *cached(wy_sr_t *r, int32_t id) {
  for (size_t i = 0; i < r->nids; i++)
    if (r->ids[i].id == id) return &r->ids[i];
  return NULL;
}

/* Takes ownership of schema; returns the cached entry (the old one if id was cached). */
static const id_entry_t *cache_id(wy_sr_t *r, int32_t id, wy_sr_type_t type, char *schema) {
  const id_entry_t *have = cached(r, id);
  if (have) {
    free(schema);
    return have;
  }
  if (r->nids == r->capids) {
    size_t cap = r->capids ? r->capids * 2 : 8;
    id_entry_t *p = realloc(r->ids, cap * sizeof *p);
    if (!p) {
      free(schema);
      return NULL;
    }
    r->ids = p;
    r->capids = cap;
  }
  r->ids[r->nids] = (id_entry_t){id, type, schema};
  return &r->ids[r->nids++];
}

void wy_sr_uncache_subject(wy_sr_t *r, const char *subject) {
  pthread_mutex_lock(&r->lock);
  for (size_t i = 0; i < r->nregs;) {
    if (strcmp(r->regs[i].subject, subject) == 0) {
      free(r->regs[i].subject);
      free(r->regs[i].schema);
      r->regs[i] = r->regs[--r->nregs];
    } else {
      i++;
    }
  }
  pthread_mutex_unlock(&r->lock);
}

wy_status_t wy_sr_get_schema(wy_sr_t *r, int32_t id, const char **schema_out,
                             wy_sr_type_t *type_out, wy_error_t *err) {
  pthread_mutex_lock(&r->lock);
  wy_status_t st = WY_OK;
  const id_entry_t *e = cached(r, id);
  if (!e) {
    char *fetched = NULL;
    wy_sr_type_t type = WY_SR_AVRO;
    r->backend_calls++;
    st = r->ops->get_schema(r->impl, id, &fetched, &type, err);
    if (st == WY_OK && !(e = cache_id(r, id, type, fetched)))
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory caching schema %d", id);
  }
  if (st == WY_OK) { /* read under the lock: the entries array may move */
    *schema_out = e->schema;
    if (type_out) *type_out = e->type;
  }
  pthread_mutex_unlock(&r->lock);
  return st;
}

wy_status_t wy_sr_register(wy_sr_t *r, const char *subject, wy_sr_type_t type, const char *schema,
                           int32_t *id_out, wy_error_t *err) {
  pthread_mutex_lock(&r->lock);
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < r->nregs; i++)
    if (r->regs[i].type == type && strcmp(r->regs[i].subject, subject) == 0 &&
        strcmp(r->regs[i].schema, schema) == 0) {
      *id_out = r->regs[i].id;
      goto out;
    }
  int32_t id;
  r->backend_calls++;
  st = r->ops->register_schema(r->impl, subject, type, schema, &id, err);
  if (st != WY_OK) goto out;
  if (r->nregs == r->capregs) {
    size_t cap = r->capregs ? r->capregs * 2 : 8;
    reg_entry_t *p = realloc(r->regs, cap * sizeof *p);
    if (!p) goto nomem;
    r->regs = p;
    r->capregs = cap;
  }
  char *sub = strdup(subject), *copy = strdup(schema), *idcopy = strdup(schema);
  if (!sub || !copy || !idcopy) {
    free(idcopy);
    idcopy = NULL;
  }
  if (!idcopy || !cache_id(r, id, type, idcopy)) { /* cache_id frees idcopy on failure */
    free(sub);
    free(copy);
    goto nomem;
  }
  r->regs[r->nregs++] = (reg_entry_t){sub, copy, type, id};
  *id_out = id;
out:
  pthread_mutex_unlock(&r->lock);
  return st;
nomem:
  pthread_mutex_unlock(&r->lock);
  return wy_error_set(err, WY_ERR_NOMEM, "out of memory caching a registered schema");
}

wy_status_t wy_sr_latest(wy_sr_t *r, const char *subject, int32_t *id_out, const char **schema_out,
                         wy_sr_type_t *type_out, wy_error_t *err) {
  pthread_mutex_lock(&r->lock);
  int32_t id = 0;
  char *schema = NULL;
  wy_sr_type_t type = WY_SR_AVRO;
  const id_entry_t *e = NULL;
  r->backend_calls++;
  wy_status_t st = r->ops->latest(r->impl, subject, &id, &schema, &type, err);
  if (st == WY_OK && !(e = cache_id(r, id, type, schema)))
    st = wy_error_set(err, WY_ERR_NOMEM, "out of memory caching schema %d", id);
  if (st == WY_OK) { /* read under the lock: the entries array may move */
    if (id_out) *id_out = id;
    if (schema_out) *schema_out = e->schema;
    if (type_out) *type_out = e->type;
  }
  pthread_mutex_unlock(&r->lock);
  return st;
}

wy_status_t wy_sr_check_compatible_why(wy_sr_t *r, const char *subject, wy_sr_type_t type,
                                       const char *schema, bool *compatible, char *why,
                                       size_t whycap, wy_error_t *err) {
  if (!why) whycap = 0;
  if (whycap) why[0] = 0;
  pthread_mutex_lock(&r->lock);
  r->backend_calls++;
  wy_status_t st =
      r->ops->check_compatible(r->impl, subject, type, schema, compatible, why, whycap, err);
  pthread_mutex_unlock(&r->lock);
  return st;
}

wy_status_t wy_sr_check_compatible(wy_sr_t *r, const char *subject, wy_sr_type_t type,
                                   const char *schema, bool *compatible, wy_error_t *err) {
  return wy_sr_check_compatible_why(r, subject, type, schema, compatible, NULL, 0, err);
}

static const char *const COMPAT_NAMES[] = {
    "NONE", "BACKWARD",       "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
    "FULL", "FULL_TRANSITIVE"};

const char *wy_sr_compat_name(wy_sr_compat_t level) {
  return (unsigned)level < sizeof COMPAT_NAMES / sizeof *COMPAT_NAMES ? COMPAT_NAMES[level]
                                                                      : "UNKNOWN";
}

bool wy_sr_compat_from_name(const char *name, wy_sr_compat_t *out) {
  for (size_t i = 0; name && i < sizeof COMPAT_NAMES / sizeof *COMPAT_NAMES; i++)
    if (strcasecmp(name, COMPAT_NAMES[i]) == 0) {
      *out = (wy_sr_compat_t)i;
      return true;
    }
  return false;
}

wy_status_t wy_sr_get_compatibility(wy_sr_t *r, const char *subject, wy_sr_compat_t *out,
                                    wy_error_t *err) {
  pthread_mutex_lock(&r->lock);
  r->backend_calls++;
  wy_status_t st = r->ops->get_compat(r->impl, subject, out, err);
  pthread_mutex_unlock(&r->lock);
  return st;
}

wy_status_t wy_sr_set_compatibility(wy_sr_t *r, const char *subject, wy_sr_compat_t level,
                                    wy_error_t *err) {
  if ((unsigned)level >= sizeof COMPAT_NAMES / sizeof *COMPAT_NAMES)
    return wy_error_set(err, WY_ERR_INVALID, "Invalid compatibility level");
  pthread_mutex_lock(&r->lock);
  r->backend_calls++;
  wy_status_t st = r->ops->set_compat(r->impl, subject, level, err);
  pthread_mutex_unlock(&r->lock);
  return st;
}
