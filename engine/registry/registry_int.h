/*
 * registry_int.h — what a registry implementation provides to the shared handle, which
 * does the locking and the id cache. Private to engine/registry/.
 */
#ifndef WY_REGISTRY_INT_H
#define WY_REGISTRY_INT_H

#include "engine/registry/registry.h"

/* Every call is made with the handle's mutex held. Strings returned through char ** are
 * malloc'd and handed to the caller. */
typedef struct wy_sr_ops {
  wy_status_t (*get_schema)(void *impl, int32_t id, char **schema, wy_sr_type_t *type,
                            wy_error_t *err);
  wy_status_t (*register_schema)(void *impl, const char *subject, wy_sr_type_t type,
                                 const char *schema, int32_t *id, wy_error_t *err);
  wy_status_t (*latest)(void *impl, const char *subject, int32_t *id, char **schema,
                        wy_sr_type_t *type, wy_error_t *err);
  wy_status_t (*check_compatible)(void *impl, const char *subject, wy_sr_type_t type,
                                  const char *schema, bool *ok, wy_error_t *err);
  void (*destroy)(void *impl);
} wy_sr_ops_t;

/* Build a handle around impl (destroyed with ops->destroy, also on failure). */
wy_sr_t *wy_sr_wrap(const wy_sr_ops_t *ops, void *impl);
/* The implementation behind a handle when it was built with ops, else NULL. */
void *wy_sr_impl(wy_sr_t *r, const wy_sr_ops_t *ops);
/* Run fn(impl, arg) with the handle's lock held (for implementation-specific calls). */
wy_status_t wy_sr_locked(wy_sr_t *r, wy_status_t (*fn)(void *impl, void *arg), void *arg);

#endif
