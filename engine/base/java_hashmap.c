#include "engine/base/java_hashmap.h"

#include <stdlib.h>
#include <string.h>

int32_t wy_java_string_hash(const char *utf8, size_t len) {
  const unsigned char *p = (const unsigned char *)utf8, *end = p + len;
  uint32_t h = 0;
  while (p < end) {
    uint32_t c = *p++;
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (more) c &= 0x3Fu >> more;
    for (; more && p < end; more--) c = c << 6 | (*p++ & 0x3Fu);
    if (c >= 0x10000) { /* a surrogate pair in UTF-16 */
      c -= 0x10000;
      h = 31 * h + (0xD800 + (c >> 10));
      c = 0xDC00 + (c & 0x3FF);
    }
    h = 31 * h + c;
  }
  return (int32_t)h;
}

uint32_t wy_java_hashmap_capacity(uint32_t n) {
  /* tableSizeFor(n), then a doubling whenever size exceeds (int)(capacity * 0.75) */
  uint32_t cap = 1;
  while (cap < n) cap <<= 1;
  while (n > (uint32_t)((double)cap * 0.75)) cap <<= 1;
  return cap;
}

static uint32_t bucket_of(const wy_value_t *k, uint32_t cap) {
  uint32_t h = k->null ? 0 : (uint32_t)wy_java_string_hash(k->u.str, k->len);
  return (h ^ (h >> 16)) & (cap - 1); /* HashMap.hash spreads the high bits */
}

void wy_java_hashmap_order(wy_value_t *keys, wy_value_t *vals, uint32_t n, wy_value_t *scratch) {
  if (n < 2) return;
  uint32_t cap = wy_java_hashmap_capacity(n);
  /* A counting sort by bucket (the table is at most ~2.7n): stable, so a bucket keeps
   * insertion order, as its chain (and every resize's split of it) does. */
  uint32_t *bucket = malloc(((size_t)n + cap + 1) * sizeof *bucket);
  if (!bucket) return; /* keep insertion order rather than fail */
  uint32_t *start = bucket + n;
  memset(start, 0, ((size_t)cap + 1) * sizeof *start);
  for (uint32_t i = 0; i < n; i++) {
    bucket[i] = bucket_of(&keys[i], cap);
    start[bucket[i] + 1]++;
  }
  for (uint32_t c = 0; c < cap; c++) start[c + 1] += start[c];
  wy_value_t *k2 = scratch, *v2 = scratch + n;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t at = start[bucket[i]]++;
    k2[at] = keys[i];
    v2[at] = vals[i];
  }
  memcpy(keys, k2, n * sizeof *keys);
  memcpy(vals, v2, n * sizeof *vals);
  free(bucket);
}
