/*
 * buf.h — the growable byte buffer: every module builds bytes and text in one of these.
 *
 * A wy_buf_t holds data[0..len) in room for cap bytes. It grows on the heap (realloc,
 * doubling), or, when made with wy_buf_init_arena, in an arena: each growth then copies
 * into a new arena block and abandons the old one, which is what per-batch results want
 * (CAST and the built-in functions render straight into the batch arena and never touch
 * the heap). Encoders keep one buffer per codec and reuse it: wy_buf_reset, append.
 *
 * A failed grow returns false and sets `oom`, which stays set until the buffer is
 * emptied: a builder that appends many small pieces may ignore each result and check
 * once at the end (the contents are incomplete then). The data is not NUL-terminated;
 * wy_buf_cstr adds a NUL when text is wanted, wy_buf_take hands the text over. A heap
 * buffer's data is malloc'ed and belongs to the buffer's owner, who frees it with
 * wy_buf_free. A buffer belongs to one thread at a time.
 */
#ifndef WY_BUF_H
#define WY_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/arena.h"

typedef struct wy_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
  wy_arena_t *arena; /* NULL: data is on the heap */
  bool oom;          /* a grow failed since the buffer was last emptied */
} wy_buf_t;

void wy_buf_init(wy_buf_t *b);
void wy_buf_init_arena(wy_buf_t *b, wy_arena_t *a);
/* Free a heap buffer's data (an arena buffer's stays in its arena) and leave the buffer
 * empty, as after its init. Accepts NULL. */
void wy_buf_free(wy_buf_t *b);
/* Empty the buffer for reuse, keeping its room; clears `oom`. */
static inline void wy_buf_reset(wy_buf_t *b) {
  b->len = 0;
  b->oom = false;
}

/* Make room for n more bytes; false (and `oom`) on ENOMEM. Inline: the encoders call
 * these for every token; only growing the buffer is a call. */
bool wy_buf_grow(wy_buf_t *b, size_t n);
static inline bool wy_buf_reserve(wy_buf_t *b, size_t n) {
  return b->cap - b->len >= n || wy_buf_grow(b, n);
}
static inline bool wy_buf_append(wy_buf_t *b, const void *p, size_t n) {
  if (!wy_buf_reserve(b, n)) return false;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  return true;
}
static inline bool wy_buf_putc(wy_buf_t *b, char c) {
  if (!wy_buf_reserve(b, 1)) return false;
  b->data[b->len++] = (uint8_t)c;
  return true;
}
static inline bool wy_buf_append_str(wy_buf_t *b, const char *s) {
  return wy_buf_append(b, s, strlen(s));
}
bool wy_buf_printf(wy_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append what is left of f, up to its end. False on ENOMEM or a read error. */
bool wy_buf_read(wy_buf_t *b, FILE *f);
/* The whole file at path as a NUL-terminated heap string that the caller frees, and its
 * length in *len (len may be NULL). NULL when the file cannot be opened or read, or on
 * ENOMEM. */
char *wy_buf_read_file(const char *path, size_t *len);

/* The contents as a C string: a NUL is written after data[len] (not counted in len).
 * Never NULL for an empty buffer; NULL on ENOMEM, now or in an earlier grow (the
 * contents are incomplete then), so a builder needs no other check at the end. */
char *wy_buf_cstr(wy_buf_t *b);
/* The same, handed over: the caller owns the string (free() it, for a heap buffer) and
 * the buffer is left empty. On ENOMEM the data is freed and NULL returned. */
char *wy_buf_take(wy_buf_t *b);

#endif
