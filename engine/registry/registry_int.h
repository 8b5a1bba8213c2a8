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
  /* why[0..whycap) gets the reason of a refusal (whycap may be 0) */
  wy_status_t (*check_compatible)(void *impl, const char *subject, wy_sr_type_t type,
                                  const char *schema, bool *ok, char *why, size_t whycap,
                                  wy_error_t *err);
  /* subject NULL: the global level; get answers the level that applies to subject */
  wy_status_t (*get_compat)(void *impl, const char *subject, wy_sr_compat_t *level,
                            wy_error_t *err);
  wy_status_t (*set_compat)(void *impl, const char *subject, wy_sr_compat_t level, wy_error_t *err);
  void (*destroy)(void *impl);
} wy_sr_ops_t;

/* Build a handle around impl (destroyed with ops->destroy, also on failure). */
wy_sr_t *wy_sr_wrap(const wy_sr_ops_t *ops, void *impl);
/* The implementation behind a handle when it was built with ops, else NULL. */
void *wy_sr_impl(wy_sr_t *r, const wy_sr_ops_t *ops);
/* Drop the (subject, schema) -> id cache entries of subject (its versions were deleted:
 * registering again must reach the backend). */
void wy_sr_uncache_subject(wy_sr_t *r, const char *subject);
/* Run fn(impl, arg) with the handle's lock held (for implementation-specific calls). */
wy_status_t wy_sr_locked(wy_sr_t *r, wy_status_t (*fn)(void *impl, void *arg), void *arg);

#endif
