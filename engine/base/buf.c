#include "engine/base/buf.h"

#include <stdarg.h>
#include <stdlib.h>

void wy_buf_init(wy_buf_t *b) { *b = (wy_buf_t){0}; }

void wy_buf_init_arena(wy_buf_t *b, wy_arena_t *a) { *b = (wy_buf_t){.arena = a}; }

void wy_buf_free(wy_buf_t *b) {
  if (!b) return;
  if (!b->arena) free(b->data);
  *b = (wy_buf_t){.arena = b->arena};
}

bool wy_buf_grow(wy_buf_t *b, size_t n) {
  if (b->cap - b->len >= n) return true;
  size_t cap = b->cap ? b->cap : 64;
  while (cap - b->len < n) {
    if (cap > SIZE_MAX / 2) goto fail;
    cap *= 2;
  }
  uint8_t *p;
  if (b->arena) {
    /* The old block is abandoned to the arena, which frees it with the batch. */
    p = wy_arena_alloc(b->arena, cap);
    if (p && b->len) memcpy(p, b->data, b->len);
  } else {
    p = realloc(b->data, cap);
  }
  if (!p) goto fail;
  b->data = p;
  b->cap = cap;
  return true;
fail:
  b->oom = true;
  return false;
}

bool wy_buf_printf(wy_buf_t *b, const char *fmt, ...) {
  /* Format straight into the spare room; only text longer than it is formatted twice. */
  size_t room = b->cap - b->len;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(room ? (char *)b->data + b->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n < 0) return false;
  if ((size_t)n >= room) {
    if (!wy_buf_grow(b, (size_t)n + 1)) return false;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
  return true;
}

bool wy_buf_read(wy_buf_t *b, FILE *f) {
  for (;;) {
    if (!wy_buf_reserve(b, 4096)) return false;
    size_t room = b->cap - b->len;
    size_t got = fread(b->data + b->len, 1, room, f);
    b->len += got;
    if (got < room) return !ferror(f); /* a short read is the end or an error */
  }
}

char *wy_buf_read_file(const char *path, size_t *len) {
  if (len) *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  wy_buf_t b;
  wy_buf_init(&b);
  bool ok = wy_buf_read(&b, f);
  fclose(f);
  size_t n = b.len;
  char *text = ok ? wy_buf_take(&b) : NULL;
  if (!ok) wy_buf_free(&b);
  if (len && text) *len = n;
  return text;
}

char *wy_buf_cstr(wy_buf_t *b) {
  if (b->oom || !wy_buf_reserve(b, 1)) return NULL;
  b->data[b->len] = '\0';
  return (char *)b->data;
}

char *wy_buf_take(wy_buf_t *b) {
  char *text = wy_buf_cstr(b);
  if (!text)
    wy_buf_free(b);
  else
    *b = (wy_buf_t){.arena = b->arena};
  return text;
}
