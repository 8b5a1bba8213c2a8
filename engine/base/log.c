#include "engine/base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const level_tags[] = {
#define WY_X_TAG(code, tag, name) tag,
    WY_LOG_LEVELS(WY_X_TAG)
#undef WY_X_TAG
};
static const char *const level_names[] = {
#define WY_X_NAME(code, tag, name) name,
    WY_LOG_LEVELS(WY_X_NAME)
#undef WY_X_NAME
};

/* -1 means "not yet initialised from the environment". */
static atomic_int log_level = -1;
static atomic_int log_fd = 2;

int wy_log_level_parse(const char *name) {
  if (!name) return -1;
  for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
    if (strcasecmp(name, level_names[i]) == 0) return (int)i;
  if (strcasecmp(name, "warning") == 0) return WY_LOG_WARN;
  return -1;
}

wy_log_level_t wy_log_get_level(void) {
  int lvl = atomic_load(&log_level);
  if (lvl < 0) {
    lvl = wy_log_level_parse(getenv("WALLEYE_LOG_LEVEL"));
    if (lvl < 0) lvl = WY_LOG_INFO;
    atomic_store(&log_level, lvl);
  }
  return (wy_log_level_t)lvl;
}

void wy_log_set_level(wy_log_level_t level) { atomic_store(&log_level, (int)level); }
void wy_log_set_fd(int fd) { atomic_store(&log_fd, fd); }

void wy_log(wy_log_level_t level, const char *module, const char *fmt, ...) {
  if (!wy_log_enabled(level)) return;
  char line[2048];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  int n = snprintf(line, sizeof line,
                   "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   ts.tv_nsec / 1000000L, level_tags[level], module ? module : "-");
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  ssize_t w = write(atomic_load(&log_fd), line, len);
  (void)w;
}
