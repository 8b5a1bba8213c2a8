/*
 * loader.h — loads UDF libraries (shared objects written against walleye/udf.h) into a
 * function registry.
 *
 * A library is dlopen()ed, its ABI version checked, and its init function run once per
 * loaded image; the functions it registers become registry functions whose path is the
 * library's path, so SHOW FUNCTIONS and DESCRIBE FUNCTION show them with their author,
 * version and description. A name already taken by a built-in or by another library is
 * refused, naming the library and the function; a library loads completely or not at
 * all.
 *
 * Lifetime: a loaded image is reference-counted. Each registry function owns one
 * reference, and each compiled call site of an expression program one more (taken by
 * the overload's prepare(), dropped by its release()), so a library can be reloaded or
 * removed from a registry while programs compiled against the old image keep running
 * until they are destroyed; the image is closed after the last reference goes.
 * Aggregates are kept alive by the wy_resolved_t of the plan that uses them.
 *
 * Threads: loading and unloading modify a registry, which must then not be used by
 * other threads (build a new registry and swap it instead, see wy_udf_registry_new).
 * Calls into loaded functions are thread-safe as far as the library's own code is.
 */
#ifndef WY_UDF_LOADER_H
#define WY_UDF_LOADER_H

#include <stddef.h>

#include "engine/base/status.h"
#include "udf/registry.h"

/* Configuration lookup offered to libraries (host->config): the value of key, or NULL
 * when unset. The engine passes a closure over its wy_config_t; when NULL (or when it
 * returns NULL) the environment variable WALLEYE_<KEY> is used (udf.tokenize.key ->
 * WALLEYE_TOKENIZE_KEY). Called only while a library initialises. */
typedef const char *(*wy_udf_config_fn)(void *user, const char *key);

typedef struct wy_udf_options {
  wy_udf_config_fn config;
  void *config_user;
} wy_udf_options_t;

/* Load one library into r. opts may be NULL. Fails (r unchanged) when the file is not a
 * loadable shared object, lacks walleye_udf_abi_version or walleye_udf_init, was built
 * for another ABI version, its init fails, a definition is malformed, or a name
 * conflicts. Loading the same unchanged file again reuses its image. */
wy_status_t wy_udf_load_library(wy_registry_t *r, const char *path, const wy_udf_options_t *opts,
                                wy_error_t *err);
/* Load every *.so of dir, in name order. Stops at the first failure. An empty or
 * missing dir is an error only when it does not exist (dir NULL or "" loads nothing). */
wy_status_t wy_udf_load_dir(wy_registry_t *r, const char *dir, const wy_udf_options_t *opts,
                            wy_error_t *err);
/* Replace the functions of the library at path by what the file holds now (a new image
 * when the file changed). On failure the old functions stay. */
wy_status_t wy_udf_reload_library(wy_registry_t *r, const char *path, const wy_udf_options_t *opts,
                                  wy_error_t *err);
/* Remove the functions of the library at path from r. WY_ERR_NOT_FOUND when none. */
wy_status_t wy_udf_unload_library(wy_registry_t *r, const char *path, wy_error_t *err);

/* A new registry: every built-in plus the libraries of dir (dir NULL or "": built-ins
 * only). Release with wy_registry_destroy. NULL with err filled on failure. */
wy_registry_t *wy_udf_registry_new(const char *dir, const wy_udf_options_t *opts, wy_error_t *err);

/* Number of library images currently loaded (for tests and metrics). */
size_t wy_udf_loaded_images(void);

#endif
