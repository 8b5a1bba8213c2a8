#include "engine/base/base64.h"

#include <string.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void wy_base64_encode_into(const void *src, size_t n, char *o) {
  const uint8_t *p = src;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    *o++ = B64[v >> 18];
    *o++ = B64[(v >> 12) & 63];
    *o++ = B64[(v >> 6) & 63];
    *o++ = B64[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
    *o++ = B64[v >> 18];
    *o++ = B64[(v >> 12) & 63];
    *o++ = i + 1 < n ? B64[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
}

bool wy_base64_encode(const void *p, size_t n, wy_buf_t *b) {
  size_t len = wy_base64_encoded_len(n);
  if (!wy_buf_reserve(b, len)) return false;
  wy_base64_encode_into(p, n, (char *)b->data + b->len);
  b->len += len;
  return true;
}

static int b64_val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool wy_base64_decode(const char *s, size_t n, unsigned flags, uint8_t *out, size_t *outlen) {
  if (flags & WY_BASE64_UNTIL_PAD) {
    const char *eq = n ? memchr(s, '=', n) : NULL;
    if (eq) n = (size_t)(eq - s);
  } else {
    /* An '=' left inside the text after this is refused as a character. */
    size_t max_pad = flags & WY_BASE64_PAD_ANY ? n : n && n % 4 == 0 ? 2 : 0;
    for (size_t pad = 0; pad < max_pad && s[n - 1] == '='; pad++) n--;
    if (n % 4 == 1) return false;
  }
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64_val((unsigned char)s[i]);
    if (v < 0) return false;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  *outlen = o;
  return true;
}
