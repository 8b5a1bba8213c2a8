/*
 * limits.h — what one statement may ask of a node, named in one place.
 *
 * Nothing below the analyzer has an array that a statement can overrun: every array is
 * sized from the plan or grows. These limits bound instead the memory and time that one
 * statement can take; the analyzer checks them once and refuses a statement over a
 * limit with a message that names the limit (wy_limit_refuse), as ksqlDB words a
 * refused statement. A limit is never a silent truncation. ksqlDB has no such numbers
 * of its own, so they are set far above what its users write.
 */
#ifndef WY_LIMITS_H
#define WY_LIMITS_H

#include <stddef.h>

#include "engine/base/status.h"

/* X(id, value, what is counted, as the message names it) */
#define WY_LIMITS(X)                                       \
  X(WY_LIMIT_COLUMNS, 10000, "columns")                    \
  X(WY_LIMIT_KEY_COLUMNS, 1000, "key columns")             \
  X(WY_LIMIT_AGGREGATES, 1000, "aggregate function calls") \
  X(WY_LIMIT_JOIN_SOURCES, 64, "joined sources")           \
  X(WY_LIMIT_PARTITIONS, 10000, "partitions")              \
  X(WY_LIMIT_IDENTIFIER_LENGTH, 255, "characters")

typedef enum {
#define WY_X_LIMIT(id, value, what) id,
  WY_LIMITS(WY_X_LIMIT)
#undef WY_X_LIMIT
      WY_LIMIT__COUNT
} wy_limit_t;

/* The value of a limit. */
size_t wy_limit(wy_limit_t id);

/* Refuse a statement part over a limit: "<where> has <n> <what>, more than the limit
 * of <value> (<id name>)." at line/column (0: none). Returns WY_ERR_ANALYSIS. */
wy_status_t wy_limit_refuse(wy_error_t *err, wy_limit_t id, const char *where, size_t n, int line,
                            int column);

/* n <= the limit; otherwise refuse as wy_limit_refuse does. */
static inline wy_status_t wy_limit_check(wy_error_t *err, wy_limit_t id, const char *where,
                                         size_t n, int line, int column) {
  return n <= wy_limit(id) ? WY_OK : wy_limit_refuse(err, id, where, n, line, column);
}

#endif
