/* limits.c — the named limits' values and their message (limits.h). */
#include "engine/base/limits.h"

static const struct {
  size_t value;
  const char *what, *name;
} LIMITS[] = {
#define WY_X_LIMIT(id, value, what) {value, what, #id},
    WY_LIMITS(WY_X_LIMIT)
#undef WY_X_LIMIT
};

size_t wy_limit(wy_limit_t id) { return (unsigned)id < WY_LIMIT__COUNT ? LIMITS[id].value : 0; }

wy_status_t wy_limit_refuse(wy_error_t *err, wy_limit_t id, const char *where, size_t n, int line,
                            int column) {
  if ((unsigned)id >= WY_LIMIT__COUNT) return wy_error_set(err, WY_ERR_INTERNAL, "unknown limit");
  return wy_error_set_pos(err, WY_ERR_ANALYSIS, line, column,
                          "%s has %zu %s, more than the limit of %zu (%s).", where, n,
                          LIMITS[id].what, LIMITS[id].value, LIMITS[id].name);
}
