/* String, bytes and masking built-ins. Strings are UTF-8; positions and lengths count
 * UTF-16 code units, as ksqlDB counts Java chars. Case mapping: fn_text.c; regular
 * expressions: fn_regex.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/base/base64.h"
#include "udf/builtins_int.h"

static size_t u8len(unsigned char c) { return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4; }

/* Positions and lengths count UTF-16 code units, as Java's String does: a character
 * outside the Basic Multilingual Plane (4 UTF-8 bytes) counts two. */
static size_t u16_units(unsigned char lead) { return lead >= 0xf0 ? 2 : 1; }

/* Byte offset of UTF-16 unit `ci` (clamped to the end; a cut inside a surrogate pair
 * keeps the whole character, as UTF-8 cannot hold half of it). */
static size_t u8_offset(const char *s, size_t n, size_t ci) {
  size_t off = 0, units = 0;
  while (units < ci && off < n) {
    units += u16_units((unsigned char)s[off]);
    off += u8len((unsigned char)s[off]);
  }
  return off < n ? off : n;
}
/* Number of characters (code points). */
static size_t u8_chars(const char *s, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i += u8len((unsigned char)s[i])) c++;
  return c;
}
/* Length in UTF-16 units (Java's String.length()). */
static size_t u8_count(const char *s, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i += u8len((unsigned char)s[i])) c += u16_units((unsigned char)s[i]);
  return c;
}

static wy_status_t str_out(wy_fn_ctx_t *ctx, const char *p, size_t n, bool bytes, wy_value_t *out) {
  *out = bytes ? wy_bytes(p, n) : wy_string(p, n);
  return WY_OK;
}

wy_status_t fn_concat(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  for (size_t i = 0; i < n; i++)
    if (!a[i].null) wy_buf_append(&b, a[i].u.str, a[i].len);
  return wy_fn_buf_result(ctx, &b, ctx->ret->kind == WY_T_BYTES, out);
}

wy_status_t fn_concat_ws(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].null) return *out = wy_null(ctx->ret->kind), WY_OK;
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  bool first = true;
  for (size_t i = 1; i < n; i++) {
    if (a[i].null) continue;
    if (!first) wy_buf_append(&b, a[0].u.str, a[0].len);
    first = false;
    wy_buf_append(&b, a[i].u.str, a[i].len);
  }
  return wy_fn_buf_result(ctx, &b, ctx->ret->kind == WY_T_BYTES, out);
}

wy_status_t fn_len(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_int((int32_t)(a[0].kind == WY_T_BYTES ? a[0].len : u8_count(a[0].u.str, a[0].len)));
  return WY_OK;
}

wy_status_t fn_trim(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const char *s = a[0].u.str;
  size_t b = 0, e = a[0].len;
  while (b < e && (unsigned char)s[b] <= ' ') b++; /* Java String.trim */
  while (e > b && (unsigned char)s[e - 1] <= ' ') e--;
  return str_out(ctx, s + b, e - b, false, out);
}

wy_status_t fn_substring(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  bool bytes = a[0].kind == WY_T_BYTES;
  const char *s = a[0].u.str;
  int64_t len = bytes ? a[0].len : (int64_t)u8_count(s, a[0].len), pos = a[1].u.i32;
  int64_t start = pos < 0 ? (len + pos > 0 ? len + pos : 0)
                          : (pos - 1 < len ? (pos - 1 > 0 ? pos - 1 : 0) : len);
  int64_t end = len;
  if (n > 2) {
    int64_t e = start + a[2].u.i32;
    end = e < len ? e : len;
    if (end < start) end = start;
  }
  size_t bo = bytes ? (size_t)start : u8_offset(s, a[0].len, (size_t)start);
  size_t eo = bytes ? (size_t)end : u8_offset(s, a[0].len, (size_t)end);
  return str_out(ctx, s + bo, eo - bo, bytes, out);
}

static const char *find(const char *h, size_t hn, const char *nd, size_t nn, size_t from) {
  if (nn == 0) return from <= hn ? h + from : NULL;
  for (size_t i = from; i + nn <= hn; i++)
    if (!memcmp(h + i, nd, nn)) return h + i;
  return NULL;
}

wy_status_t fn_instr(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const char *s = a[0].u.str, *sub = a[1].u.str;
  size_t sn = a[0].len, subn = a[1].len;
  int64_t chars = (int64_t)u8_count(s, sn), pos = n > 2 ? a[2].u.i32 : 1,
          occ = n > 3 ? a[3].u.i32 : 1;
  *out = wy_int(0);
  if (occ <= 0 || pos == 0) return WY_OK;
  int64_t idx = -1; /* character index of the match */
  if (pos > 0) {
    int64_t from = pos - 1;
    for (int64_t k = 0; k < occ; k++) {
      if (from > chars) return WY_OK;
      const char *m = find(s, sn, sub, subn, u8_offset(s, sn, (size_t)from));
      if (!m) return WY_OK;
      idx = (int64_t)u8_count(s, (size_t)(m - s));
      from = idx + 1;
    }
  } else {
    int64_t from = chars + pos; /* lastIndexOf(sub, from) */
    for (int64_t k = 0; k < occ; k++) {
      if (from < 0) return WY_OK;
      int64_t found = -1;
      for (int64_t i = from; i >= 0 && found < 0; i--) {
        size_t off = u8_offset(s, sn, (size_t)i);
        if (off + subn <= sn && !memcmp(s + off, sub, subn)) found = i;
      }
      if (found < 0) return WY_OK;
      idx = found;
      from = found - 1;
    }
  }
  *out = wy_int((int32_t)idx + 1);
  return WY_OK;
}

wy_status_t fn_replace(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  const char *s = a[0].u.str;
  size_t sn = a[0].len, tn = a[1].len, i = 0;
  if (!tn) { /* Java: the replacement goes between every character and at both ends */
    wy_buf_append(&b, a[2].u.str, a[2].len);
    while (i < sn) {
      size_t l = u8len((unsigned char)s[i]);
      wy_buf_append(&b, s + i, l);
      wy_buf_append(&b, a[2].u.str, a[2].len);
      i += l;
    }
    return wy_fn_buf_result(ctx, &b, false, out);
  }
  const char *m;
  while ((m = find(s, sn, a[1].u.str, tn, i))) {
    wy_buf_append(&b, s + i, (size_t)(m - s) - i);
    wy_buf_append(&b, a[2].u.str, a[2].len);
    i = (size_t)(m - s) + tn;
  }
  wy_buf_append(&b, s + i, sn - i);
  return wy_fn_buf_result(ctx, &b, false, out);
}

/* LPAD/RPAD of STRING (in characters) or BYTES (in bytes): truncated to `length` when
 * longer; NULL for a negative length or an empty padding, as ksqlDB. */
static wy_status_t pad(wy_fn_ctx_t *ctx, const wy_value_t *a, wy_value_t *out, bool left) {
  bool bytes = a[0].kind == WY_T_BYTES;
  int64_t want = a[1].u.i32;
  if (want < 0 || a[2].len == 0) return *out = wy_null(bytes ? WY_T_BYTES : WY_T_STRING), WY_OK;
  const char *s = a[0].u.str, *pd = a[2].u.str;
  size_t have = bytes ? a[0].len : u8_count(s, a[0].len);
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  if ((int64_t)have >= want) {
    wy_buf_append(&b, s, bytes ? (size_t)want : u8_offset(s, a[0].len, (size_t)want));
    return wy_fn_buf_result(ctx, &b, bytes, out);
  }
  if (!left) wy_buf_append(&b, s, a[0].len);
  size_t padc = bytes ? a[2].len : u8_count(pd, a[2].len);
  for (int64_t k = 0, need = want - (int64_t)have; k < need; k++) {
    size_t at = bytes ? (size_t)k % padc : u8_offset(pd, a[2].len, (size_t)k % padc);
    wy_buf_append(&b, pd + at, bytes ? 1 : u8len((unsigned char)pd[at]));
  }
  if (left) wy_buf_append(&b, s, a[0].len);
  return wy_fn_buf_result(ctx, &b, bytes, out);
}
wy_status_t fn_lpad(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return pad(ctx, a, out, true);
}
wy_status_t fn_rpad(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return pad(ctx, a, out, false);
}

/* UTF-8 of code point cp (valid, not a surrogate) into p; returns its length. */
static size_t utf8_put(char *p, uint32_t cp) {
  if (cp < 0x80) return p[0] = (char)cp, 1;
  if (cp < 0x800) return p[0] = (char)(0xC0 | cp >> 6), p[1] = (char)(0x80 | (cp & 63)), 2;
  if (cp < 0x10000)
    return p[0] = (char)(0xE0 | cp >> 12), p[1] = (char)(0x80 | (cp >> 6 & 63)),
           p[2] = (char)(0x80 | (cp & 63)), 3;
  p[0] = (char)(0xF0 | cp >> 18), p[1] = (char)(0x80 | (cp >> 12 & 63));
  p[2] = (char)(0x80 | (cp >> 6 & 63)), p[3] = (char)(0x80 | (cp & 63));
  return 4;
}

/* CHR('\u004b'): Java escapes (\uXXXX, surrogate pairs combined) from a string that
 * starts with one and has at least 6 characters; other text is kept. A malformed escape
 * fails the call; a lone surrogate becomes U+FFFD. */
static wy_status_t chr_text(wy_fn_ctx_t *ctx, const wy_value_t *v, wy_value_t *out) {
  const char *s = v->u.str;
  size_t n = v->len;
  if (n < 6 || s[0] != '\\' || s[1] != 'u') return *out = wy_null(WY_T_STRING), WY_OK;
  char *p = wy_fn_alloc(ctx, n * 2);
  if (!p) return wy_fn_nomem(ctx);
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    if (s[i] != '\\' || i + 1 >= n || s[i + 1] != 'u') {
      p[k++] = s[i++];
      continue;
    }
    uint32_t u[2];
    int got = 0;
    while (got < 2 && i + 1 < n && s[i] == '\\' && s[i + 1] == 'u') {
      size_t j = i + 2;
      while (j < n && s[j] == 'u') j++; /* Java allows \uuuu0041 */
      if (j + 4 > n) return wy_fn_fail(ctx, "Less than 4 hex digits in unicode value");
      uint32_t x = 0;
      for (size_t q = j; q < j + 4; q++) {
        if (!isxdigit((unsigned char)s[q]))
          return wy_fn_fail(ctx, "Unable to parse unicode value: %.4s", s + j);
        x = x * 16 + (uint32_t)(isdigit((unsigned char)s[q])
                                    ? s[q] - '0'
                                    : tolower((unsigned char)s[q]) - 'a' + 10);
      }
      i = j + 4;
      u[got++] = x;
      if (x < 0xD800 || x > 0xDBFF) break; /* only a high surrogate waits for its pair */
    }
    uint32_t cp = u[0];
    if (got == 2 && u[1] >= 0xDC00 && u[1] <= 0xDFFF)
      cp = 0x10000 + ((u[0] - 0xD800) << 10) + (u[1] - 0xDC00), got = 0;
    for (int g = 0; g < (got ? got : 1); g++) {
      uint32_t c = got ? u[g] : cp;
      k += utf8_put(p + k, c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c);
    }
  }
  return str_out(ctx, p, k, false, out);
}

wy_status_t fn_chr(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (a[0].kind == WY_T_STRING) return chr_text(ctx, &a[0], out);
  int32_t cp = a[0].u.i32;
  if (cp < 0 || cp > 0x10FFFF) return *out = wy_null(WY_T_STRING), WY_OK;
  char *p = wy_fn_alloc(ctx, 4);
  if (!p) return wy_fn_nomem(ctx);
  /* Java's Character.toChars keeps a lone surrogate; UTF-8 cannot: U+FFFD. */
  size_t l = utf8_put(p, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : (uint32_t)cp);
  return str_out(ctx, p, l, false, out);
}

wy_status_t fn_split(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  bool bytes = a[0].kind == WY_T_BYTES;
  const char *s = a[0].u.str, *d = a[1].u.str;
  size_t sn = a[0].len, dn = a[1].len, cnt = 0;
  if (!sn) /* ksqlDB: splitting "" gives [""] whatever the delimiter */
    cnt = 1;
  else if (!dn) /* one piece per character (code point) */
    cnt = bytes ? sn : u8_chars(s, sn);
  else
    for (const char *m = s; (m = find(s, sn, d, dn, (size_t)(m - s))); m += dn) cnt++;
  if (dn && sn) cnt++;
  wy_list_t *l = wy_list_new(ctx->arena, (uint32_t)cnt);
  if (!l) return wy_fn_nomem(ctx);
  size_t i = 0, k = 0;
  while (k < cnt) {
    size_t e;
    if (!sn)
      e = 0;
    else if (!dn)
      e = i + (bytes ? 1 : u8len((unsigned char)s[i]));
    else {
      const char *m = find(s, sn, d, dn, i);
      e = m ? (size_t)(m - s) : sn;
    }
    l->items[k++] = bytes ? wy_bytes(s + i, e - i) : wy_string(s + i, e - i);
    i = e + dn;
  }
  *out = wy_array(l);
  return WY_OK;
}

/* ksqlDB's SPLIT_TO_MAP: empty entries are skipped, entries without the key delimiter
 * dropped, the value is the text between the first and a second key delimiter, a later
 * key wins; empty or equal delimiters give NULL. */
wy_status_t fn_split_to_map(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  const char *s = a[0].u.str, *ed = a[1].u.str, *kd = a[2].u.str;
  size_t sn = a[0].len, en = a[1].len, kn = a[2].len, cnt = 1;
  if (!en || !kn || (en == kn && !memcmp(ed, kd, en))) return *out = wy_null(WY_T_MAP), WY_OK;
  for (const char *m = s; (m = find(s, sn, ed, en, (size_t)(m - s))); m += en) cnt++;
  wy_map_t *mp = wy_map_new(ctx->arena, (uint32_t)cnt);
  if (!mp) return wy_fn_nomem(ctx);
  uint32_t used = 0;
  for (size_t i = 0; i <= sn;) {
    const char *m = find(s, sn, ed, en, i);
    size_t e = m ? (size_t)(m - s) : sn;
    const char *kv = e > i ? find(s, e, kd, kn, i) : NULL;
    if (kv) {
      size_t vs = (size_t)(kv - s) + kn;
      const char *kv2 = find(s, e, kd, kn, vs);
      size_t ve = kv2 ? (size_t)(kv2 - s) : e;
      wy_value_t k = wy_string(s + i, (size_t)(kv - s) - i), v = wy_string(s + vs, ve - vs);
      uint32_t j = 0;
      while (j < used && !wy_value_equal(&mp->keys[j], &k)) j++;
      mp->keys[j] = k;
      mp->vals[j] = v;
      if (j == used) used++;
    }
    if (!m) break;
    i = e + en;
  }
  mp->n = used;
  *out = wy_mapv(mp);
  return WY_OK;
}

/* ---- encodings ---- */

typedef enum { ENC_HEX, ENC_UTF8, ENC_ASCII, ENC_BASE64, ENC_BAD } enc_t;
static enc_t encoding(const wy_value_t *v) {
  static const char *const names[] = {"hex", "utf8", "ascii", "base64"};
  for (int i = 0; i < 4; i++)
    if (v->len == strlen(names[i]) && !strncasecmp(v->u.str, names[i], v->len)) return (enc_t)i;
  return ENC_BAD;
}

/* Decode text in `enc` to raw bytes. */
static wy_status_t decode_text(wy_fn_ctx_t *ctx, const wy_value_t *s, enc_t enc, wy_value_t *out) {
  size_t n = s->len;
  const char *p = s->u.str;
  if (enc == ENC_UTF8) return *out = wy_bytes(p, n), WY_OK;
  char *o = wy_fn_alloc(ctx, n);
  if (!o) return wy_fn_nomem(ctx);
  size_t k = 0;
  if (enc == ENC_ASCII) { /* Java's US-ASCII encoder: '?' for each non-ASCII character */
    for (size_t i = 0; i < n; i += u8len((unsigned char)p[i]))
      o[k++] = (unsigned char)p[i] < 0x80 ? p[i] : '?';
  } else if (enc == ENC_HEX) {
    if (n % 2) return wy_fn_fail(ctx, "Invalid hex string: odd length");
    for (size_t i = 0; i < n; i += 2) {
      int hi = isxdigit((unsigned char)p[i])
                   ? (isdigit((unsigned char)p[i]) ? p[i] - '0'
                                                   : (tolower((unsigned char)p[i]) - 'a' + 10))
                   : -1;
      int lo =
          isxdigit((unsigned char)p[i + 1])
              ? (isdigit((unsigned char)p[i + 1]) ? p[i + 1] - '0'
                                                  : (tolower((unsigned char)p[i + 1]) - 'a' + 10))
              : -1;
      if (hi < 0 || lo < 0) return wy_fn_fail(ctx, "Invalid hex string");
      o[k++] = (char)(hi << 4 | lo);
    }
  } else if (!wy_base64_decode(p, n, WY_BASE64_UNTIL_PAD, (uint8_t *)o, &k)) {
    return wy_fn_fail(ctx, "Invalid base64 string");
  }
  *out = wy_bytes(o, k);
  return WY_OK;
}

/* Bytes as text in `enc`; hex digits upper-case for FROM_BYTES (Guava's base16), lower
 * for ENCODE, as ksqlDB. */
static wy_status_t encode_bytes(wy_fn_ctx_t *ctx, const char *p, size_t n, enc_t enc,
                                bool upper_hex, wy_value_t *out) {
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  if (enc == ENC_HEX) {
    for (size_t i = 0; i < n; i++)
      wy_buf_printf(&b, upper_hex ? "%02X" : "%02x", (unsigned char)p[i]);
  } else if (enc == ENC_BASE64) {
    wy_base64_encode(p, n, &b);
  } else if (enc == ENC_ASCII) { /* Java's US-ASCII decoder: U+FFFD for each byte >= 0x80 */
    for (size_t i = 0; i < n; i++)
      if ((unsigned char)p[i] < 0x80)
        wy_buf_putc(&b, p[i]);
      else
        wy_buf_append(&b, "\xEF\xBF\xBD", 3);
  } else {
    wy_buf_append(&b, p, n);
  }
  return wy_fn_buf_result(ctx, &b, false, out);
}

wy_status_t fn_to_bytes(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  enc_t e = encoding(&a[1]);
  if (e == ENC_BAD)
    return wy_fn_fail(ctx, "Supported input encodings are: hex, utf8, ascii and base64");
  return decode_text(ctx, &a[0], e, out);
}

wy_status_t fn_from_bytes(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  enc_t e = encoding(&a[1]);
  if (e == ENC_BAD)
    return wy_fn_fail(ctx, "Supported output encodings are: hex, utf8, ascii and base64");
  return encode_bytes(ctx, a[0].u.str, a[0].len, e, true, out);
}

wy_status_t fn_encode(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  enc_t in = encoding(&a[1]), o = encoding(&a[2]);
  if (in == ENC_BAD || o == ENC_BAD)
    return wy_fn_fail(ctx, "Supported encodings are: hex, utf8, ascii and base64");
  wy_value_t raw, text = a[0];
  if (in == ENC_HEX) { /* ksqlDB's ENCODE also reads 0x... (odd: a leading 0) and X'...' */
    const char *p = text.u.str;
    size_t len = text.len;
    if (len >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
      if (len % 2) {
        char *z = wy_fn_alloc(ctx, len - 1);
        if (!z) return wy_fn_nomem(ctx);
        z[0] = '0';
        memcpy(z + 1, p + 2, len - 2);
        text = wy_string(z, len - 1);
      } else {
        text = wy_string(p + 2, len - 2);
      }
    } else if (len >= 3 && (p[0] == 'x' || p[0] == 'X') && p[1] == '\'' && p[len - 1] == '\'') {
      text = wy_string(p + 2, len - 3);
    }
  }
  wy_status_t st = decode_text(ctx, &text, in, &raw);
  return st ? st : encode_bytes(ctx, raw.u.str, raw.len, o, false, out);
}

static _Thread_local uint64_t uuid_state;
wy_status_t fn_uuid(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  if (!uuid_state) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uuid_state = ((uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ts.tv_sec ^
                 (uint64_t)(uintptr_t)&uuid_state;
  }
  unsigned char r[16];
  for (int i = 0; i < 16; i += 8) {
    uuid_state ^= uuid_state >> 12;
    uuid_state ^= uuid_state << 25;
    uuid_state ^= uuid_state >> 27;
    uint64_t v = uuid_state * 0x2545F4914F6CDD1DULL;
    memcpy(r + i, &v, 8);
  }
  r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
  r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
  char *p = wy_fn_alloc(ctx, 36);
  if (!p) return wy_fn_nomem(ctx);
  static const char hx[] = "0123456789abcdef";
  size_t k = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) p[k++] = '-';
    p[k++] = hx[r[i] >> 4];
    p[k++] = hx[r[i] & 15];
  }
  return str_out(ctx, p, 36, false, out);
}

/* ---- masking ---- */

/* Replacement characters from args [first..first+3]; NULL keeps the original. */
typedef struct {
  const char *rep[4];
  size_t len[4];
} masker_t;

static void masker_init(masker_t *m, const wy_value_t *a, size_t n, size_t first) {
  static const char *const def[4] = {"X", "x", "n", "-"};
  for (int i = 0; i < 4; i++) {
    if (n > first + (size_t)i) {
      const wy_value_t *v = &a[first + (size_t)i];
      m->rep[i] = v->null ? NULL : v->u.str;
      m->len[i] = v->null ? 0 : (v->len ? u8len((unsigned char)v->u.str[0]) : 0);
    } else {
      m->rep[i] = def[i];
      m->len[i] = 1;
    }
  }
}

/* Mask characters [from, to) (character indexes) of s. */
static wy_status_t mask_range(wy_fn_ctx_t *ctx, const wy_value_t *s, const masker_t *m,
                              int64_t from, int64_t to, wy_value_t *out) {
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  int64_t ci = 0;
  for (size_t i = 0; i < s->len;) {
    unsigned char c = (unsigned char)s->u.str[i];
    size_t l = u8len(c);
    if (i + l > s->len) l = s->len - i;
    int cls = c < 0x80 && isupper(c)   ? 0
              : c < 0x80 && islower(c) ? 1
              : c < 0x80 && isdigit(c) ? 2
                                       : 3;
    if (ci >= from && ci < to && m->rep[cls])
      wy_buf_append(&b, m->rep[cls], m->len[cls]);
    else
      wy_buf_append(&b, s->u.str + i, l);
    i += l;
    ci += (int64_t)u16_units(c);
  }
  return wy_fn_buf_result(ctx, &b, false, out);
}

static wy_status_t mask_common(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out,
                               char how) {
  if (a[0].null) return *out = wy_null(WY_T_STRING), WY_OK;
  masker_t m;
  masker_init(&m, a, n, how == 'a' ? 1 : 2);
  int64_t len = (int64_t)u8_count(a[0].u.str, a[0].len), k = 0;
  if (how != 'a') {
    if (a[1].null) return *out = wy_null(WY_T_STRING), WY_OK;
    k = a[1].u.i32;
    if (k < 0) return wy_fn_fail(ctx, "function input must be >= 0");
  }
  switch (how) {
    case 'a':
      return mask_range(ctx, &a[0], &m, 0, len, out);
    case 'L':
      return mask_range(ctx, &a[0], &m, k, len, out); /* keep left */
    case 'R':
      return mask_range(ctx, &a[0], &m, 0, len - k, out); /* keep right */
    case 'l':
      return mask_range(ctx, &a[0], &m, 0, k, out); /* mask left */
    default:
      return mask_range(ctx, &a[0], &m, len - k, len, out); /* mask right */
  }
}

wy_status_t fn_mask(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return mask_common(ctx, a, n, out, 'a');
}
wy_status_t fn_mask_keep_left(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return mask_common(ctx, a, n, out, 'L');
}
wy_status_t fn_mask_keep_right(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return mask_common(ctx, a, n, out, 'R');
}
wy_status_t fn_mask_left(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return mask_common(ctx, a, n, out, 'l');
}
wy_status_t fn_mask_right(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return mask_common(ctx, a, n, out, 'r');
}
