/*
 * arena.h — bump allocator for per-batch and per-query memory.
 *
 * Values decoded from a record (strings, bytes, arrays, maps, structs) live in the
 * arena of the batch that carries them; the arena is reset after the batch is sunk, so
 * the hot path allocates by moving a pointer and frees nothing per record. Blocks are
 * kept across resets, so a steady-state batch does no malloc at all. An arena belongs
 * to one thread at a time.
 */
#ifndef WY_ARENA_H
#define WY_ARENA_H

#include <stddef.h>

typedef struct wy_arena_block wy_arena_block_t;

typedef struct wy_arena {
  wy_arena_block_t *head;   /* block being filled */
  wy_arena_block_t *blocks; /* every block, for reuse and release */
  size_t block_size;        /* default size of a new block */
  size_t used_total;        /* bytes handed out since the last reset */
} wy_arena_t;

/* block_size 0 picks a default (64 KiB). */
void wy_arena_init(wy_arena_t *a, size_t block_size);
/* Free every block. The arena may be initialised again afterwards. Accepts NULL. */
void wy_arena_release(wy_arena_t *a);
/* Forget every allocation but keep the blocks for reuse. */
void wy_arena_reset(wy_arena_t *a);

/* Aligned to 16 bytes. Returns NULL only when malloc fails. */
void *wy_arena_alloc(wy_arena_t *a, size_t size);
void *wy_arena_calloc(wy_arena_t *a, size_t n, size_t size);
/* Copy len bytes and add a NUL terminator (not counted in len). */
char *wy_arena_strndup(wy_arena_t *a, const char *s, size_t len);
char *wy_arena_strdup(wy_arena_t *a, const char *s);
char *wy_arena_sprintf(wy_arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
