/* Store helpers common to every implementation (see store.h). */
#include "state/store.h"

#include <stdlib.h>
#include <string.h>

wy_status_t wy_store_prefix(wy_store_t *s, const void *prefix, size_t len, wy_store_iter_t **out,
                            wy_error_t *err) {
  /* The end of a prefix range is the prefix with its last non-0xFF byte incremented
   * (trailing 0xFF bytes dropped); an all-0xFF prefix has no end. */
  unsigned char stackbuf[128], *hi = len <= sizeof stackbuf ? stackbuf : malloc(len);
  if (!hi) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  if (len) memcpy(hi, prefix, len);
  size_t hi_len = len;
  while (hi_len && hi[hi_len - 1] == 0xFF) hi_len--;
  if (hi_len) hi[hi_len - 1]++;
  wy_status_t st =
      wy_store_range(s, len ? prefix : NULL, len, hi_len ? hi : NULL, hi_len, out, err);
  if (hi != stackbuf) free(hi);
  return st;
}
