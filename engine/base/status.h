/*
 * status.h — walleye's status codes and error object.
 *
 * Every fallible call returns a wy_status_t and, when it fails, fills a caller-owned
 * wy_error_t with a message (and, for SQL, a source position). The error object holds
 * its message inline so that filling it never allocates and never fails. The list of
 * codes below is the single source of truth (X-macro), expanded into the enum and the
 * names. Any thread may use these functions on its own error objects.
 */
#ifndef WY_STATUS_H
#define WY_STATUS_H

#include <stdarg.h>
#include <stddef.h>

/* X(code, name, description) */
#define WY_STATUS_LIST(X)                                \
  X(WY_OK, "OK", "success")                              \
  X(WY_ERR_NOMEM, "NOMEM", "out of memory")              \
  X(WY_ERR_INVALID, "INVALID", "invalid argument")       \
  X(WY_ERR_USAGE, "USAGE", "bad command-line usage")     \
  X(WY_ERR_PARSE, "PARSE", "SQL syntax error")           \
  X(WY_ERR_ANALYSIS, "ANALYSIS", "invalid statement")    \
  X(WY_ERR_TYPE, "TYPE", "type error")                   \
  X(WY_ERR_NOT_FOUND, "NOT_FOUND", "not found")          \
  X(WY_ERR_EXISTS, "EXISTS", "already exists")           \
  X(WY_ERR_UNSUPPORTED, "UNSUPPORTED", "not supported")  \
  X(WY_ERR_CONFIG, "CONFIG", "bad configuration")        \
  X(WY_ERR_IO, "IO", "I/O error")                        \
  X(WY_ERR_DECODE, "DECODE", "cannot decode record")     \
  X(WY_ERR_ENCODE, "ENCODE", "cannot encode record")     \
  X(WY_ERR_EVAL, "EVAL", "expression evaluation failed") \
  X(WY_ERR_KAFKA, "KAFKA", "Kafka error")                \
  X(WY_ERR_STORE, "STORE", "state store error")          \
  X(WY_ERR_TIMEOUT, "TIMEOUT", "timed out")              \
  X(WY_ERR_OVERFLOW, "OVERFLOW", "numeric overflow")     \
  X(WY_ERR_INTERNAL, "INTERNAL", "internal error")

typedef enum {
#define WY_X_ENUM(code, name, desc) code,
  WY_STATUS_LIST(WY_X_ENUM)
#undef WY_X_ENUM
      WY_STATUS__COUNT
} wy_status_t;

#define WY_ERROR_MSG_MAX 1024

typedef struct wy_error {
  wy_status_t code;
  int line;   /* 1-based source line for SQL errors, 0 when not applicable */
  int column; /* 1-based source column, 0 when not applicable */
  char msg[WY_ERROR_MSG_MAX];
} wy_error_t;

/* Short upper-case name of a code, e.g. "PARSE". Never NULL. */
const char *wy_status_name(wy_status_t code);
/* Human description of a code, e.g. "SQL syntax error". Never NULL. */
const char *wy_status_describe(wy_status_t code);

/* Reset an error object to WY_OK with an empty message. Accepts NULL. */
void wy_error_clear(wy_error_t *err);

/* Fill err (which may be NULL) and return code, so callers can write
 * `return wy_error_set(err, WY_ERR_IO, "cannot open %s", path);` */
wy_status_t wy_error_set(wy_error_t *err, wy_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
wy_status_t wy_error_setv(wy_error_t *err, wy_status_t code, const char *fmt, va_list ap);
/* Same, with a 1-based source position. */
wy_status_t wy_error_set_pos(wy_error_t *err, wy_status_t code, int line, int column,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Prefix the existing message with context: "context: old message". Returns err->code. */
wy_status_t wy_error_prefix(wy_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
