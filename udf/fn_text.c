/* UCASE, LCASE, INITCAP: case mapping as Java's String.toUpperCase/toLowerCase, full
 * Unicode mappings included (ß -> SS, final sigma, ŉ -> ʼN) through ICU's root locale.
 * ASCII text, the common case, never leaves the byte loop. */
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "udf/builtins_int.h"

static bool is_ascii(const char *s, size_t n) {
  unsigned char acc = 0;
  for (size_t i = 0; i < n; i++) acc |= (unsigned char)s[i];
  return acc < 0x80;
}

/* ASCII letters from..from+25 flip case (the difference is 32). */
static void ascii_case(char *dst, const char *src, size_t n, unsigned char from) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)src[i];
    dst[i] = (char)((unsigned char)(c - from) < 26 ? c ^ 0x20 : c);
  }
}

/* UTF-8 -> UTF-16 in the arena (invalid bytes become U+FFFD, as Java decodes them). */
static UChar *to_u16(wy_fn_ctx_t *ctx, const char *s, size_t n, int32_t *len) {
  UErrorCode st = U_ZERO_ERROR;
  UChar *u = (UChar *)wy_fn_alloc(ctx, (n + 1) * sizeof(UChar));
  if (!u) return NULL;
  u_strFromUTF8WithSub(u, (int32_t)n + 1, len, s, (int32_t)n, 0xFFFD, NULL, &st);
  return U_SUCCESS(st) ? u : NULL;
}

static wy_status_t from_u16(wy_fn_ctx_t *ctx, const UChar *u, int32_t len, wy_value_t *out) {
  UErrorCode st = U_ZERO_ERROR;
  int32_t cap = len * 3 + 1, n = 0;
  char *p = wy_fn_alloc(ctx, (size_t)cap);
  if (!p) return wy_fn_nomem(ctx);
  u_strToUTF8WithSub(p, cap, &n, u, len, 0xFFFD, NULL, &st);
  if (U_FAILURE(st)) return wy_fn_fail(ctx, "cannot encode text as UTF-8");
  *out = wy_string(p, (size_t)n);
  return WY_OK;
}

/* Full case mapping of UTF-16 text; the result may grow (ß -> SS, at most 3x). */
static UChar *map_u16(wy_fn_ctx_t *ctx, const UChar *u, int32_t len, bool upper, int32_t *olen) {
  UErrorCode st = U_ZERO_ERROR;
  int32_t cap = len * 3 + 1;
  UChar *o = (UChar *)wy_fn_alloc(ctx, (size_t)cap * sizeof(UChar));
  if (!o) return NULL;
  *olen = upper ? u_strToUpper(o, cap, u, len, "", &st) : u_strToLower(o, cap, u, len, "", &st);
  return U_SUCCESS(st) ? o : NULL;
}

static wy_status_t change_case(wy_fn_ctx_t *ctx, const wy_value_t *s, bool upper, wy_value_t *out) {
  if (is_ascii(s->u.str, s->len)) {
    char *p = wy_fn_alloc(ctx, s->len);
    if (!p) return wy_fn_nomem(ctx);
    ascii_case(p, s->u.str, s->len, upper ? 'a' : 'A');
    *out = wy_string(p, s->len);
    return WY_OK;
  }
  int32_t len, olen;
  UChar *u = to_u16(ctx, s->u.str, s->len, &len),
        *o = u ? map_u16(ctx, u, len, upper, &olen) : NULL;
  if (!o) return wy_fn_nomem(ctx);
  return from_u16(ctx, o, olen, out);
}

wy_status_t fn_lcase(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return change_case(ctx, &a[0], false, out);
}
wy_status_t fn_ucase(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return change_case(ctx, &a[0], true, out);
}

/* Java's \s: space, \t \n \x0B \f \r. */
static bool java_space(uint32_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* ksqlDB: the text lower-cased, then the first character of each whitespace-delimited
 * word upper-cased (a String, so ß -> SS). */
wy_status_t fn_initcap(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const wy_value_t *s = &a[0];
  if (is_ascii(s->u.str, s->len)) {
    char *p = wy_fn_alloc(ctx, s->len);
    if (!p) return wy_fn_nomem(ctx);
    bool start = true;
    for (uint32_t i = 0; i < s->len; i++) {
      unsigned char c = (unsigned char)s->u.str[i];
      bool up = start && (unsigned char)(c - 'a') < 26,
           down = !start && (unsigned char)(c - 'A') < 26;
      p[i] = (char)(up || down ? c ^ 0x20 : c);
      start = java_space(c);
    }
    *out = wy_string(p, s->len);
    return WY_OK;
  }
  int32_t len, llen;
  UChar *u = to_u16(ctx, s->u.str, s->len, &len),
        *l = u ? map_u16(ctx, u, len, false, &llen) : NULL;
  UChar *o = l ? (UChar *)wy_fn_alloc(ctx, ((size_t)llen * 3 + 1) * sizeof(UChar)) : NULL;
  if (!o) return wy_fn_nomem(ctx);
  int32_t k = 0;
  bool start = true;
  for (int32_t i = 0; i < llen;) {
    UChar32 c;
    int32_t b = i;
    U16_NEXT(l, i, llen, c);
    if (start && !java_space((uint32_t)c)) {
      int32_t ul;
      UChar *up = map_u16(ctx, l + b, i - b, true, &ul);
      if (!up) return wy_fn_nomem(ctx);
      memcpy(o + k, up, (size_t)ul * sizeof(UChar));
      k += ul;
    } else {
      memcpy(o + k, l + b, (size_t)(i - b) * sizeof(UChar));
      k += i - b;
    }
    start = java_space((uint32_t)c);
  }
  return from_u16(ctx, o, k, out);
}
