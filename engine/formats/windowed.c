/* windowed.c — Kafka Streams' windowed keys (windowed.h). */
#include "engine/formats/windowed.h"

static int64_t get_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return (int64_t)v;
}

static void put_be64(uint8_t *p, int64_t x) {
  uint64_t v = (uint64_t)x;
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

wy_status_t wy_windowed_split(const uint8_t *key, size_t len, bool session, int64_t size,
                              size_t *inner_len, int64_t *start, int64_t *end, wy_error_t *err) {
  size_t suffix = wy_windowed_suffix(session);
  if (!key || len < suffix)
    return wy_error_set(err, WY_ERR_DECODE,
                        "windowed key of %zu bytes is shorter than its %s window (%zu bytes)",
                        key ? len : 0, session ? "session" : "time", suffix);
  *inner_len = len - suffix;
  if (session) {
    *end = get_be64(key + len - 16);
    *start = get_be64(key + len - 8);
  } else {
    *start = get_be64(key + len - 8);
    *end = *start + size;
  }
  return WY_OK;
}

bool wy_windowed_append(wy_buf_t *b, bool session, int64_t start, int64_t end) {
  uint8_t w[16];
  if (session) {
    put_be64(w, end);
    put_be64(w + 8, start);
  } else {
    put_be64(w, start);
  }
  return wy_buf_append(b, w, wy_windowed_suffix(session));
}
