/*
 * log.h — leveled logging to stderr, one line per event.
 *
 * Lines look like `2026-11-27T10:00:00.123Z INFO  broker: started bootstrap=127.0.0.1:9092`:
 * a UTC timestamp, the level, the module, then a message written as free text followed
 * by key=value fields. The threshold comes from wy_log_set_level() or the environment
 * variable WALLEYE_LOG_LEVEL (error, warn, info, debug, trace). Thread-safe: each line
 * is written with a single write() so lines from several threads never interleave.
 */
#ifndef WY_LOG_H
#define WY_LOG_H

#define WY_LOG_LEVELS(X)            \
  X(WY_LOG_ERROR, "ERROR", "error") \
  X(WY_LOG_WARN, "WARN", "warn")    \
  X(WY_LOG_INFO, "INFO", "info")    \
  X(WY_LOG_DEBUG, "DEBUG", "debug") \
  X(WY_LOG_TRACE, "TRACE", "trace")

typedef enum {
#define WY_X_LVL(code, tag, name) code,
  WY_LOG_LEVELS(WY_X_LVL)
#undef WY_X_LVL
} wy_log_level_t;

/* Set the threshold; events above it are discarded cheaply. */
void wy_log_set_level(wy_log_level_t level);
wy_log_level_t wy_log_get_level(void);
/* Parse "info", "DEBUG", ...; returns -1 when the name is unknown. */
int wy_log_level_parse(const char *name);
/* Redirect output to a file descriptor (default 2). For tests. */
void wy_log_set_fd(int fd);

void wy_log(wy_log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define wy_log_enabled(level) ((level) <= wy_log_get_level())
#define WY_LOG_ERROR_(mod, ...) wy_log(WY_LOG_ERROR, mod, __VA_ARGS__)

#endif
