#include "engine/base/status.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
#define WY_X_NAME(code, name, desc) name,
    WY_STATUS_LIST(WY_X_NAME)
#undef WY_X_NAME
};

static const char *const status_descs[] = {
#define WY_X_DESC(code, name, desc) desc,
    WY_STATUS_LIST(WY_X_DESC)
#undef WY_X_DESC
};

const char *wy_status_name(wy_status_t code) {
  if ((int)code < 0 || code >= WY_STATUS__COUNT) return "UNKNOWN";
  return status_names[code];
}

const char *wy_status_describe(wy_status_t code) {
  if ((int)code < 0 || code >= WY_STATUS__COUNT) return "unknown status";
  return status_descs[code];
}

void wy_error_clear(wy_error_t *err) {
  if (!err) return;
  err->code = WY_OK;
  err->line = 0;
  err->column = 0;
  err->msg[0] = '\0';
}

wy_status_t wy_error_setv(wy_error_t *err, wy_status_t code, const char *fmt, va_list ap) {
  if (!err) return code;
  err->code = code;
  err->line = 0;
  err->column = 0;
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  return code;
}

wy_status_t wy_error_set(wy_error_t *err, wy_status_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wy_error_setv(err, code, fmt, ap);
  va_end(ap);
  return code;
}

wy_status_t wy_error_set_pos(wy_error_t *err, wy_status_t code, int line, int column,
                             const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wy_error_setv(err, code, fmt, ap);
  va_end(ap);
  if (err) {
    err->line = line;
    err->column = column;
  }
  return code;
}

wy_status_t wy_error_prefix(wy_error_t *err, const char *fmt, ...) {
  if (!err) return WY_OK;
  char prefix[WY_ERROR_MSG_MAX];
  char old[WY_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  /* Truncation is acceptable: the message stays NUL-terminated. */
  size_t n = strlen(prefix);
  if (n > sizeof err->msg - 1) n = sizeof err->msg - 1;
  memcpy(err->msg, prefix, n);
  size_t rest = sizeof err->msg - 1 - n;
  const char sep[] = ": ";
  size_t s = rest < 2 ? rest : 2;
  memcpy(err->msg + n, sep, s);
  n += s;
  rest -= s;
  size_t o = strlen(old);
  if (o > rest) o = rest;
  memcpy(err->msg + n, old, o);
  err->msg[n + o] = '\0';
  return err->code;
}
