#include "engine/base/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wy_arena_block {
  wy_arena_block_t *next; /* in the list of all blocks */
  size_t size;            /* usable bytes in data[] */
  size_t used;
  _Alignas(16) unsigned char data[];
};

#define ARENA_ALIGN 16u
#define ARENA_DEFAULT_BLOCK (64u * 1024u)

void wy_arena_init(wy_arena_t *a, size_t block_size) {
  a->head = NULL;
  a->blocks = NULL;
  a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
  a->used_total = 0;
}

void wy_arena_release(wy_arena_t *a) {
  if (!a) return;
  wy_arena_block_t *b = a->blocks;
  while (b) {
    wy_arena_block_t *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
  a->blocks = NULL;
  a->used_total = 0;
}

void wy_arena_reset(wy_arena_t *a) {
  for (wy_arena_block_t *b = a->blocks; b; b = b->next) b->used = 0;
  a->head = a->blocks;
  a->used_total = 0;
}

static wy_arena_block_t *arena_next_block(wy_arena_t *a, size_t need) {
  /* Reuse a following block that is large enough (blocks are kept after reset). */
  for (wy_arena_block_t *b = a->head ? a->head->next : a->blocks; b; b = b->next) {
    if (b->used == 0 && b->size >= need) return b;
  }
  size_t size = need > a->block_size ? need : a->block_size;
  wy_arena_block_t *b = malloc(sizeof *b + size);
  if (!b) return NULL;
  b->size = size;
  b->used = 0;
  /* Insert after head so the list order matches fill order. */
  if (a->head) {
    b->next = a->head->next;
    a->head->next = b;
  } else {
    b->next = a->blocks;
    a->blocks = b;
  }
  return b;
}

void *wy_arena_alloc(wy_arena_t *a, size_t size) {
  size_t rounded = (size + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
  if (rounded == 0) rounded = ARENA_ALIGN;
  wy_arena_block_t *b = a->head;
  if (!b || b->size - b->used < rounded) {
    b = arena_next_block(a, rounded);
    if (!b) return NULL;
    a->head = b;
  }
  void *p = b->data + b->used;
  b->used += rounded;
  a->used_total += rounded;
  return p;
}

void *wy_arena_calloc(wy_arena_t *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = wy_arena_alloc(a, n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

char *wy_arena_strndup(wy_arena_t *a, const char *s, size_t len) {
  char *p = wy_arena_alloc(a, len + 1);
  if (!p) return NULL;
  if (len) memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

char *wy_arena_strdup(wy_arena_t *a, const char *s) { return wy_arena_strndup(a, s, strlen(s)); }

char *wy_arena_sprintf(wy_arena_t *a, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    va_end(ap2);
    return NULL;
  }
  char *p = wy_arena_alloc(a, (size_t)n + 1);
  if (p) vsnprintf(p, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return p;
}
