/* qtt_json.c — comment-tolerant, exact-number JSON for the conformance runner. */
#include "engine/testing/qtt_json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/base64.h"
#include "engine/base/buf.h"
#include "engine/base/decimal.h"
#include "engine/base/numtext.h"

/* A string whose first byte is NUL is one of ours: jansson is told to accept NUL
 * (JSON_ALLOW_NUL) and no sane test file starts a string with U+0000. */
#define TAG_NUMBER '#' /* "\u0000#<lexeme>": a number literal, kept verbatim */
#define TAG_STRING '$' /* "\u0000$<text>": a genuine string that began with \u0000 */
#define NUL_ESCAPE "\\u0000"

/* Length of a JSON number starting at s (RFC 8259 grammar), 0 when there is none. */
static size_t number_len(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i >= n || !isdigit((unsigned char)s[i])) return 0;
  if (s[i] == '0')
    i++;
  else
    while (i < n && isdigit((unsigned char)s[i])) i++;
  if (i < n && s[i] == '.') {
    i++;
    if (i >= n || !isdigit((unsigned char)s[i])) return 0;
    while (i < n && isdigit((unsigned char)s[i])) i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= n || !isdigit((unsigned char)s[i])) return 0;
    while (i < n && isdigit((unsigned char)s[i])) i++;
  }
  return i;
}

/* Blank out comments and tag numbers, keeping every newline so that jansson's line
 * numbers still point into the original text. */
static void rewrite(const char *s, size_t n, wy_buf_t *out) {
  size_t i = 0;
  while (i < n && !out->oom) {
    char c = s[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < n && s[j] != '"') j += (s[j] == '\\' && j + 1 < n) ? 2 : 1;
      size_t end = j < n ? j + 1 : n;
      size_t esc = strlen(NUL_ESCAPE);
      if (end - i > esc + 1 && memcmp(s + i + 1, NUL_ESCAPE, esc) == 0) {
        wy_buf_append(out, "\"" NUL_ESCAPE "$", esc + 2);
        wy_buf_append(out, s + i + 1, end - i - 1);
      } else {
        wy_buf_append(out, s + i, end - i);
      }
      i = end;
    } else if (c == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) {
      bool line = s[i + 1] == '/';
      size_t j = i + 2;
      while (j < n && (line ? s[j] != '\n' : !(s[j] == '*' && j + 1 < n && s[j + 1] == '/'))) j++;
      if (!line) j = j < n ? j + 2 : n;
      for (size_t k = i; k < j && k < n; k++) wy_buf_append(out, s[k] == '\n' ? "\n" : " ", 1);
      i = j;
    } else if (c == '-' || isdigit((unsigned char)c)) {
      size_t len = number_len(s + i, n - i);
      if (len == 0) { /* let jansson report the bad token */
        wy_buf_append(out, s + i, 1);
        i++;
        continue;
      }
      wy_buf_append(out, "\"" NUL_ESCAPE "#", strlen(NUL_ESCAPE) + 2);
      wy_buf_append(out, s + i, len);
      wy_buf_append(out, "\"", 1);
      i += len;
    } else {
      wy_buf_append(out, s + i, 1);
      i++;
    }
  }
}

json_t *wy_qtt_json_parse(const char *text, size_t len, const char *what, wy_error_t *err) {
  wy_buf_t b;
  wy_buf_init(&b);
  rewrite(text, len, &b);
  if (b.oom || !b.len) {
    wy_buf_free(&b);
    wy_error_set(err, WY_ERR_NOMEM, "%s: out of memory", what);
    return NULL;
  }
  json_error_t je;
  json_t *root = json_loadb((const char *)b.data, b.len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
  wy_buf_free(&b);
  if (!root)
    wy_error_set_pos(err, WY_ERR_DECODE, je.line, je.column, "%s:%d:%d: malformed JSON: %s", what,
                     je.line, je.column, je.text);
  return root;
}

json_t *wy_qtt_json_load_file(const char *path, wy_error_t *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    wy_error_set(err, WY_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  wy_buf_t b;
  wy_buf_init(&b);
  bool read = wy_buf_read(&b, f);
  fclose(f);
  if (!read) {
    wy_error_set(err, b.oom ? WY_ERR_NOMEM : WY_ERR_IO, "%s: cannot read", path);
    wy_buf_free(&b);
    return NULL;
  }
  json_t *root = wy_qtt_json_parse((const char *)b.data, b.len, path, err);
  wy_buf_free(&b);
  return root;
}

static const char *tagged(const json_t *j, char tag, size_t *len) {
  if (!json_is_string(j)) return NULL;
  size_t n = json_string_length(j);
  const char *s = json_string_value(j);
  if (n < 2 || s[0] != '\0' || s[1] != tag) return NULL;
  if (len) *len = n - 2;
  return s + 2;
}

bool wy_qtt_json_is_number(const json_t *j) {
  return json_is_number(j) || tagged(j, TAG_NUMBER, NULL) != NULL;
}

const char *wy_qtt_json_string(const json_t *j, size_t *len) {
  if (!json_is_string(j) || tagged(j, TAG_NUMBER, NULL)) return NULL;
  const char *s = tagged(j, TAG_STRING, len);
  if (s) return s;
  if (len) *len = json_string_length(j);
  return json_string_value(j);
}

bool wy_qtt_json_int64(const json_t *j, int64_t *out) {
  if (json_is_integer(j)) {
    *out = (int64_t)json_integer_value(j);
    return true;
  }
  size_t n;
  const char *s = tagged(j, TAG_NUMBER, &n);
  wy_value_t v;
  if (!s || !wy_qtt_number_value(s, n, &v) || v.kind != WY_T_BIGINT) return false;
  *out = v.u.i64;
  return true;
}

bool wy_qtt_number_value(const char *s, size_t n, wy_value_t *out) {
  if (n == 0 || number_len(s, n) != n) return false;
  bool neg = s[0] == '-';
  wy_int128_t digits = 0;
  int ndigits = 0, nfrac = 0;
  bool in_frac = false, is_real = false, too_long = false;
  long exp = 0;
  for (size_t i = neg; i < n; i++) {
    char c = s[i];
    if (c == '.') {
      in_frac = is_real = true;
    } else if (c == 'e' || c == 'E') {
      /* Parse the exponent by hand: s need not be NUL-terminated, and a silly exponent
       * must saturate rather than overflow. */
      is_real = true;
      size_t j = i + 1;
      bool eneg = j < n && s[j] == '-';
      if (j < n && (s[j] == '-' || s[j] == '+')) j++;
      for (; j < n; j++)
        if (exp < 1000000) exp = exp * 10 + (s[j] - '0');
      if (eneg) exp = -exp;
      break;
    } else {
      if (in_frac) nfrac++;
      if (ndigits == 0 && c == '0') continue; /* leading zeros carry no precision */
      if (ndigits >= WY_DECIMAL_MAX_PRECISION) {
        too_long = true;
        continue;
      }
      digits = digits * 10 + (c - '0');
      ndigits++;
    }
  }
  if (neg) digits = -digits;
  if (!is_real && !too_long && digits >= INT64_MIN && digits <= INT64_MAX) {
    *out = wy_bigint((int64_t)digits);
    return true;
  }
  long scale = (long)nfrac - exp;
  if (scale < 0 && !too_long) {
    if (ndigits - scale > WY_DECIMAL_MAX_PRECISION) {
      too_long = true;
    } else {
      digits *= wy_decimal_pow10((int)-scale);
      ndigits -= (int)scale;
      scale = 0;
    }
  }
  if (too_long || scale > WY_DECIMAL_MAX_PRECISION) {
    char tmp[512];
    size_t c = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
    memcpy(tmp, s, c);
    tmp[c] = '\0';
    *out = wy_double(strtod(tmp, NULL));
    return true;
  }
  int precision = ndigits > scale ? ndigits : (int)scale;
  *out = wy_decimal(digits, precision ? precision : 1, (int)scale);
  return true;
}

bool wy_qtt_json_value(const json_t *j, wy_arena_t *a, wy_value_t *out) {
  size_t n;
  const char *s;
  switch (json_typeof(j)) {
    case JSON_NULL:
      *out = wy_null(WY_T_STRING);
      return true;
    case JSON_TRUE:
    case JSON_FALSE:
      *out = wy_bool(json_is_true(j));
      return true;
    case JSON_INTEGER:
      *out = wy_bigint((int64_t)json_integer_value(j));
      return true;
    case JSON_REAL:
      *out = wy_double(json_real_value(j));
      return true;
    case JSON_STRING:
      if ((s = tagged(j, TAG_NUMBER, &n))) return wy_qtt_number_value(s, n, out);
      s = wy_qtt_json_string(j, &n);
      s = wy_arena_strndup(a, s, n);
      *out = wy_string(s, n);
      return s != NULL;
    case JSON_ARRAY: {
      wy_list_t *l = wy_list_new(a, (uint32_t)json_array_size(j));
      if (!l) return false;
      for (uint32_t i = 0; i < l->n; i++)
        if (!wy_qtt_json_value(json_array_get(j, i), a, &l->items[i])) return false;
      *out = wy_array(l);
      return true;
    }
    case JSON_OBJECT: {
      wy_map_t *m = wy_map_new(a, (uint32_t)json_object_size(j));
      if (!m) return false;
      uint32_t i = 0;
      const char *key;
      json_t *val;
      json_object_foreach((json_t *)j, key, val) {
        char *k = wy_arena_strdup(a, key);
        if (!k) return false;
        m->keys[i] = wy_string(k, strlen(k));
        if (!wy_qtt_json_value(val, a, &m->vals[i])) return false;
        i++;
      }
      *out = wy_mapv(m);
      return true;
    }
  }
  return false;
}

/* ---- rendering ---------------------------------------------------------------------- */

typedef struct {
  char *buf;
  size_t cap, len;
} sink_t;

static void sink_put(sink_t *k, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++, k->len++)
    if (k->len + 1 < k->cap) k->buf[k->len] = s[i];
  if (k->cap) k->buf[k->len < k->cap ? k->len : k->cap - 1] = '\0';
}

static void sink_printf(sink_t *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sink_printf(sink_t *k, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) sink_put(k, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sink_string(sink_t *k, const char *s, size_t n) {
  sink_put(k, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      sink_put(k, e, 2);
    } else if (c == '\n') {
      sink_put(k, "\\n", 2);
    } else if (c == '\t') {
      sink_put(k, "\\t", 2);
    } else if (c < 0x20) {
      sink_printf(k, "\\u%04x", c);
    } else {
      sink_put(k, (const char *)&c, 1);
    }
  }
  sink_put(k, "\"", 1);
}

static void sink_double(sink_t *k, double d) {
  wy_value_t dec;
  char tmp[80];
  size_t n = wy_qtt_double_to_decimal(d, &dec) /* Java's plain rendering, e.g. 13.54 or 1.0 */
                 ? wy_decimal_format(dec.u.dec, dec.scale, tmp, sizeof tmp)
                 : wy_double_java(d, tmp); /* NaN, Infinity, or past a DECIMAL's range */
  sink_put(k, tmp, n);
}

static void format_value(sink_t *k, const wy_value_t *v) {
  if (v->null) {
    sink_put(k, "null", 4);
    return;
  }
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_BOOLEAN:
      sink_put(k, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
      return;
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      sink_printf(k, "%" PRId32, v->u.i32);
      return;
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      sink_printf(k, "%" PRId64, v->u.i64);
      return;
    case WY_T_DOUBLE:
      sink_double(k, v->u.f64);
      return;
    case WY_T_DECIMAL: {
      char tmp[80];
      size_t n = wy_decimal_format(v->u.dec, v->scale, tmp, sizeof tmp);
      sink_put(k, tmp, n);
      return;
    }
    case WY_T_STRING:
      sink_string(k, v->u.str, v->len);
      return;
    case WY_T_BYTES: {
      sink_put(k, "\"", 1);
      for (size_t i = 0; i < v->len; i += 48) { /* 48 bytes -> 64 chars, no padding inside */
        char tmp[64];
        size_t c = v->len - i < 48 ? v->len - i : 48;
        wy_base64_encode_into(v->u.str + i, c, tmp);
        sink_put(k, tmp, wy_base64_encoded_len(c));
      }
      sink_put(k, "\"", 1);
      return;
    }
    case WY_T_ARRAY:
    case WY_T_STRUCT: /* a struct has no names without its type: rendered by position */
      sink_put(k, "[", 1);
      for (uint32_t i = 0; v->u.list && i < v->u.list->n; i++) {
        if (i) sink_put(k, ",", 1);
        format_value(k, &v->u.list->items[i]);
      }
      sink_put(k, "]", 1);
      return;
    case WY_T_MAP:
      sink_put(k, "{", 1);
      for (uint32_t i = 0; v->u.map && i < v->u.map->n; i++) {
        if (i) sink_put(k, ",", 1);
        const wy_value_t *key = &v->u.map->keys[i];
        if (key->kind == WY_T_STRING && !key->null) {
          sink_string(k, key->u.str, key->len);
        } else {
          char tmp[128];
          size_t n = wy_qtt_json_format(key, tmp, sizeof tmp);
          sink_string(k, tmp, n < sizeof tmp ? n : sizeof tmp - 1);
        }
        sink_put(k, ":", 1);
        format_value(k, &v->u.map->vals[i]);
      }
      sink_put(k, "}", 1);
      return;
    case WY_T__COUNT:
      break;
  }
  sink_put(k, "?", 1);
}

size_t wy_qtt_json_format(const wy_value_t *v, char *buf, size_t cap) {
  sink_t k = {buf, cap, 0};
  if (cap) buf[0] = '\0';
  format_value(&k, v);
  return k.len;
}

const wy_value_t *wy_qtt_map_get(const wy_value_t *map, const char *key, size_t len) {
  if (map->null || map->kind != WY_T_MAP || !map->u.map) return NULL;
  const wy_map_t *m = map->u.map;
  const wy_value_t *exact = NULL;
  for (uint32_t i = 0; i < m->n; i++) {
    const wy_value_t *k = &m->keys[i];
    if (k->kind == WY_T_STRING && k->len == len && memcmp(k->u.str, key, len) == 0) {
      exact = &m->vals[i];
      break;
    }
  }
  /* Java's Map.get answers null both for "absent" and "null", and the comparator then
   * retries with the upper-cased name; mirror that. */
  if (exact && !exact->null) return exact;
  for (uint32_t i = 0; i < m->n; i++) {
    const wy_value_t *k = &m->keys[i];
    if (k->kind != WY_T_STRING || k->len != len) continue;
    size_t j = 0;
    while (j < len && k->u.str[j] == (char)toupper((unsigned char)key[j])) j++;
    if (j == len) return &m->vals[i];
  }
  return exact;
}

/* ---- doubles the Java way ---------------------------------------------------------- */

bool wy_qtt_double_to_decimal(double d, wy_value_t *out) {
  if (!isfinite(d)) return false;
  /* BigDecimal.valueOf(d) is new BigDecimal(Double.toString(d)): its scale is the number
   * of digits after the point less the exponent ("1.0E10" has -9, kept here as 0). */
  char text[32];
  size_t len = wy_double_java(d, text);
  const char *dot = strchr(text, '.'), *e = strchr(text, 'E');
  long scale = (long)((e ? e : text + len) - dot - 1) - (e ? strtol(e + 1, NULL, 10) : 0);
  if (scale < 0) scale = 0;
  wy_int128_t x;
  if (scale > WY_DECIMAL_MAX_PRECISION ||
      !wy_decimal_parse(text, len, WY_DECIMAL_MAX_PRECISION, (int)scale, &x))
    return false;
  int digs = wy_decimal_digits(x);
  *out = wy_decimal(x, digs > scale ? digs : (int)scale, (int)scale);
  return true;
}
