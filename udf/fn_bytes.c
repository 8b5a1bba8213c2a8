/* BYTES conversions (INT_FROM_BYTES, BIGINT_FROM_BYTES, DOUBLE_FROM_BYTES) and MD5. */
#include <string.h>
#include <strings.h>

#include "udf/builtins_int.h"
#include "udf/md5.h"

/* The number in the `size` bytes of a[0], big-endian unless a[1] says LITTLE_ENDIAN.
 * Fails as ksqlDB on a wrong length or an unknown byte order. */
static wy_status_t read_number(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, uint32_t size,
                               uint64_t *out) {
  bool little = false;
  if (n > 1) {
    if (a[1].len == 13 && !strncasecmp(a[1].u.str, "LITTLE_ENDIAN", 13))
      little = true;
    else if (!(a[1].len == 10 && !strncasecmp(a[1].u.str, "BIG_ENDIAN", 10)))
      return wy_fn_fail(ctx, "Byte order must be BIG_ENDIAN or LITTLE_ENDIAN");
  }
  if (a[0].len != size)
    return wy_fn_fail(ctx, "Number of bytes must be equal to %u, but found %u", size, a[0].len);
  const uint8_t *p = (const uint8_t *)a[0].u.str;
  uint64_t v = 0;
  for (uint32_t i = 0; i < size; i++) v = v << 8 | p[little ? size - 1 - i : i];
  *out = v;
  return WY_OK;
}

wy_status_t fn_int_from_bytes(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  uint64_t v = 0; /* read_number fills it on success; -O3 cannot see that */
  wy_status_t st = read_number(ctx, a, n, 4, &v);
  if (!st) *out = wy_int((int32_t)(uint32_t)v);
  return st;
}

wy_status_t fn_bigint_from_bytes(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  uint64_t v = 0; /* read_number fills it on success; -O3 cannot see that */
  wy_status_t st = read_number(ctx, a, n, 8, &v);
  if (!st) *out = wy_bigint((int64_t)v);
  return st;
}

wy_status_t fn_double_from_bytes(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  uint64_t v = 0; /* read_number fills it on success; -O3 cannot see that */
  wy_status_t st = read_number(ctx, a, n, 8, &v);
  if (st) return st;
  double d;
  memcpy(&d, &v, sizeof d);
  *out = wy_double(d);
  return WY_OK;
}

/* MD5 of the string's UTF-8 bytes as 32 lower-case hex digits. */
wy_status_t fn_md5(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  static const char HEX[] = "0123456789abcdef";
  uint8_t d[16];
  wy_md5(a[0].u.str, a[0].len, d);
  char *s = wy_fn_alloc(ctx, 32);
  if (!s) return wy_fn_nomem(ctx);
  for (int i = 0; i < 16; i++) s[2 * i] = HEX[d[i] >> 4], s[2 * i + 1] = HEX[d[i] & 15];
  *out = wy_string(s, 32);
  return WY_OK;
}
