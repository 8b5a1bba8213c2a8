/*
 * tuple_int.h — byte writer and reader shared by the key and row codecs (private to
 * engine/formats/).
 *
 * Encoders write through a bounded writer that keeps counting after the buffer is
 * full, so every encoder has snprintf's contract: it returns the length it needed, and
 * the caller retries with a larger buffer when that exceeds the capacity. Encoding
 * therefore never allocates.
 */
#ifndef WY_FORMAT_TUPLE_INT_H
#define WY_FORMAT_TUPLE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct wy_wbuf {
  uint8_t *p;
  size_t len, cap;
} wy_wbuf_t;

static inline void wy_wbuf_put(wy_wbuf_t *w, const void *src, size_t n) {
  if (w->len + n <= w->cap && n) memcpy(w->p + w->len, src, n);
  w->len += n;
}
static inline void wy_wbuf_byte(wy_wbuf_t *w, uint8_t b) {
  if (w->len < w->cap) w->p[w->len] = b;
  w->len++;
}
static inline void wy_wbuf_be(wy_wbuf_t *w, uint64_t x, int nbytes) {
  for (int i = nbytes - 1; i >= 0; i--) wy_wbuf_byte(w, (uint8_t)(x >> (i * 8)));
}

/* Reader over an encoded buffer; every get checks the bound. */
typedef struct wy_rbuf {
  const uint8_t *p, *end;
} wy_rbuf_t;

static inline int wy_rbuf_need(const wy_rbuf_t *r, size_t n) {
  return (size_t)(r->end - r->p) >= n;
}
static inline uint64_t wy_rbuf_be(wy_rbuf_t *r, int nbytes) {
  uint64_t x = 0;
  for (int i = 0; i < nbytes; i++) x = x << 8 | *r->p++;
  return x;
}

#endif
