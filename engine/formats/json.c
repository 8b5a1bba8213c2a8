/* JSON: ksqlDB's JSON format, with a schema-directed single-pass decoder.
 *
 * The decoder never builds a document tree: it walks the bytes once, matches object
 * keys against the schema's fields (exact name first, then the key upper-cased, as
 * ksqlDB's KsqlJsonDeserializer), decodes used fields straight into wy_value_t with
 * ksqlDB's coercions, and skips everything else with a validating skipper, so that a
 * malformed document is rejected wherever the damage is (Jackson's readTree reads the
 * whole document too). Content after the root value is ignored, as Jackson does by
 * default. The encoder writes what Kafka Connect's JsonConverter + Jackson write for
 * ksqlDB: compact, fields in schema order, DOUBLE as Double.toString, DECIMAL as a
 * number (BigDecimal.toString), BYTES as base64, NaN/Infinity as strings. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/java_hashmap.h"
#include "engine/base/base64.h"
#include "engine/base/numtext.h"
#include "engine/formats/format_int.h"

#define JSON_MAX_DEPTH 1000
#define JSON_STACK_FIELDS 64 /* match states kept on the stack; wider structs use the arena */

typedef struct jnode jnode_t;

typedef struct jfield {
  const char *name; /* borrowed from the codec or the struct type */
  size_t len;
  bool used;
  jnode_t *node;
} jfield_t;

/* Records of one topic tend to list their keys in the same order: a struct node
 * remembers, per key position, the key it saw there last and which field it fed, so the
 * next record's key is matched with one comparison instead of a scan of every field. */
#define JSON_HINT_KEYS 32
#define JSON_HINT_KEY_LEN 24
typedef struct jhint {
  uint8_t len;   /* 0: no hint */
  int16_t field; /* the field the key feeds, or -1: no field (skip the value) */
  uint8_t level; /* 2: exact match, 1: case-insensitive match */
  char key[JSON_HINT_KEY_LEN];
} jhint_t;

struct jnode {
  const wy_type_t *type; /* borrowed: the codec holds references to the column types */
  wy_type_kind_t kind;
  size_t nfields; /* STRUCT (and the top-level row) */
  jfield_t *fields;
  jnode_t *elem;  /* ARRAY element, MAP value */
  jhint_t *hints; /* STRUCT: JSON_HINT_KEYS entries, or NULL */
};

typedef struct json_impl {
  jnode_t row;       /* the columns, as a struct */
  wy_value_t *stack; /* elements of the arrays and maps being decoded */
  size_t stack_n, stack_cap;
  wy_buf_t text; /* scratch for strings built during decoding */
} json_impl_t;

static const jnode_t STRING_NODE = {.kind = WY_T_STRING};

/* ---- schema compilation ---- */

static void node_free(jnode_t *n) {
  if (!n) return;
  for (size_t i = 0; i < n->nfields; i++) {
    node_free(n->fields[i].node);
    free(n->fields[i].node);
  }
  free(n->fields);
  free(n->hints);
  node_free(n->elem);
  free(n->elem);
}

static bool node_build(jnode_t *n, const wy_type_t *t) {
  n->type = t;
  n->kind = t->kind;
  if (t->kind == WY_T_ARRAY || t->kind == WY_T_MAP) {
    n->elem = calloc(1, sizeof *n->elem);
    return n->elem && node_build(n->elem, t->elem);
  }
  if (t->kind == WY_T_STRUCT && t->nfields) {
    n->fields = calloc(t->nfields, sizeof *n->fields);
    n->hints = calloc(JSON_HINT_KEYS, sizeof *n->hints);
    if (!n->fields || !n->hints) return false;
    for (size_t i = 0; i < t->nfields; i++, n->nfields++) {
      jfield_t *f = &n->fields[i];
      f->name = t->fields[i].name;
      f->len = strlen(f->name);
      f->used = true;
      f->node = calloc(1, sizeof *f->node);
      if (!f->node || !node_build(f->node, t->fields[i].type)) {
        n->nfields++;
        return false;
      }
    }
  }
  return true;
}

/* JSON objects only have string keys: ksqlDB rejects other MAP keys up front. */
static bool has_non_string_map_key(const wy_type_t *t) {
  switch (t->kind) {
    case WY_T_MAP:
      return t->key->kind != WY_T_STRING || has_non_string_map_key(t->elem);
    case WY_T_ARRAY:
      return has_non_string_map_key(t->elem);
    case WY_T_STRUCT:
      for (size_t i = 0; i < t->nfields; i++)
        if (has_non_string_map_key(t->fields[i].type)) return true;
      return false;
    default:
      return false;
  }
}

static void json_close(wy_format_codec_t *c) {
  json_impl_t *j = c->impl;
  if (!j) return;
  node_free(&j->row);
  free(j->stack);
  wy_buf_free(&j->text);
  free(j);
  c->impl = NULL;
}

static wy_status_t json_open(wy_format_codec_t *c, wy_error_t *err) {
  for (size_t i = 0; i < c->ncols; i++)
    if (has_non_string_map_key(c->types[i]))
      return wy_error_set(err, WY_ERR_UNSUPPORTED, "JSON only supports MAP types with STRING keys");
  if (c->ncols != 1 && c->wrap == WY_WRAP_FALSE)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
  /* A single key column is anonymous by default; a single value column is wrapped. */
  c->unwrapped =
      c->ncols == 1 && (c->wrap == WY_WRAP_FALSE || (c->wrap == WY_WRAP_DEFAULT && c->is_key));
  json_impl_t *j = calloc(1, sizeof *j);
  if (!j) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  c->impl = j;
  j->row.kind = WY_T_STRUCT;
  j->row.fields = calloc(c->ncols + 1, sizeof *j->row.fields);
  j->row.hints = calloc(JSON_HINT_KEYS, sizeof *j->row.hints);
  if (!j->row.fields || !j->row.hints) goto nomem;
  for (size_t i = 0; i < c->ncols; i++, j->row.nfields++) {
    jfield_t *f = &j->row.fields[i];
    f->name = c->names[i];
    f->len = c->name_lens[i];
    f->used = c->used[i];
    f->node = calloc(1, sizeof *f->node);
    if (!f->node || !node_build(f->node, c->types[i])) {
      j->row.nfields++;
      goto nomem;
    }
  }
  return WY_OK;
nomem:
  json_close(c);
  return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
}

/* ---- decoding ---- */

typedef struct {
  const uint8_t *p, *end;
  wy_arena_t *arena;
  json_impl_t *j;
  wy_error_t *err;
  int depth;
  char path[192]; /* filled while unwinding after an error: "$.A.B[2]" */
  size_t pathlen;
  bool syntax; /* the error is malformed JSON rather than a type mismatch */
} jdec_t;

/* Byte classes for string scanning: 0 plain, 1 quote, 2 backslash, 3 control, 4 non-ASCII */
static const uint8_t STR_CLASS[256] = {
    [0 ... 0x1f] = 3,
    ['"'] = 1,
    ['\\'] = 2,
    [0x80 ... 0xff] = 4,
};

static bool fail(jdec_t *d, bool syntax, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(jdec_t *d, bool syntax, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wy_error_setv(d->err, WY_ERR_DECODE, fmt, ap);
  va_end(ap);
  d->syntax = syntax;
  return false;
}

static bool fail_syntax(jdec_t *d, const char *what) {
  if (d->p >= d->end) return fail(d, true, "Unexpected end-of-input: %s", what);
  unsigned char ch = *d->p;
  if (ch >= 0x20 && ch < 0x7f)
    return fail(d, true, "Unexpected character ('%c' (code %u)): %s", ch, ch, what);
  return fail(d, true, "Unexpected character (code %u): %s", ch, what);
}

/* Prepend a path segment while an error unwinds. */
static void path_prepend(jdec_t *d, const char *seg, size_t n) {
  if (d->pathlen + n >= sizeof d->path) return;
  memmove(d->path + n, d->path, d->pathlen);
  memcpy(d->path, seg, n);
  d->pathlen += n;
}

static void path_field(jdec_t *d, const char *name, size_t len) {
  char seg[96];
  int n = snprintf(seg, sizeof seg, ".%.*s", (int)(len > 80 ? 80 : len), name);
  path_prepend(d, seg, (size_t)n);
}

static void path_index(jdec_t *d, size_t i) {
  char seg[32];
  int n = snprintf(seg, sizeof seg, "[%zu]", i);
  path_prepend(d, seg, (size_t)n);
}

static inline void skip_ws(jdec_t *d) {
  while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t')) d->p++;
}

static bool expect_literal(jdec_t *d, const char *lit, size_t n) {
  if ((size_t)(d->end - d->p) < n || memcmp(d->p, lit, n) != 0)
    return fail_syntax(d, "expected a JSON literal (true, false or null)");
  d->p += n;
  return true;
}

/* Number of continuation bytes after a UTF-8 lead byte, or -1 when it cannot lead. */
static int utf8_tail(unsigned char c) {
  if (c >= 0xc2 && c <= 0xdf) return 1;
  if (c >= 0xe0 && c <= 0xef) return 2;
  if (c >= 0xf0 && c <= 0xf4) return 3;
  return -1;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool read_hex4(jdec_t *d, const uint8_t *q, uint32_t *out) {
  if (d->end - q < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(q[i]);
    if (h < 0) return false;
    v = v << 4 | (uint32_t)h;
  }
  *out = v;
  return true;
}

static size_t put_utf8(uint8_t *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (uint8_t)(0xc0 | cp >> 6);
    o[1] = (uint8_t)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (uint8_t)(0xe0 | cp >> 12);
    o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (uint8_t)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (uint8_t)(0xf0 | cp >> 18);
  o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (uint8_t)(0x80 | (cp & 0x3f));
  return 4;
}

/* Scan a string token at d->p (on the opening quote). On return d->p is past the closing
 * quote, [*s, *s + *n) is the raw content and *escaped tells whether it has escapes. */
/* Non-zero when one of 8 bytes is a quote, a backslash, a control or a non-ASCII byte
 * (false positives only send the scan to the byte loop). */
static inline uint64_t swar_special(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  uint64_t q = w ^ 0x2222222222222222ULL, b = w ^ 0x5C5C5C5C5C5C5C5CULL;
  return (w & high) | ((w - 0x20 * ones) & ~w & high) | ((q - ones) & ~q & high) |
         ((b - ones) & ~b & high);
}

static bool scan_string(jdec_t *d, const uint8_t **s, size_t *n, bool *escaped) {
  const uint8_t *q = ++d->p, *end = d->end;
  bool esc = false;
  for (;;) {
    while (q + 8 <= end) {
      uint64_t w;
      memcpy(&w, q, 8);
      if (swar_special(w)) break;
      q += 8;
    }
    while (q < end && STR_CLASS[*q] == 0) q++;
    if (q >= end) {
      d->p = q;
      return fail(d, true, "Unexpected end-of-input: was expecting closing quote for a string");
    }
    switch (STR_CLASS[*q]) {
      case 1:
        *s = d->p;
        *n = (size_t)(q - d->p);
        *escaped = esc;
        d->p = q + 1;
        return true;
      case 2: {
        esc = true;
        if (q + 1 >= end) {
          d->p = q + 1;
          return fail_syntax(d, "unfinished escape in a string");
        }
        unsigned char e = q[1];
        if (e == 'u') {
          uint32_t cp;
          if (!read_hex4(d, q + 2, &cp)) {
            d->p = q;
            return fail(d, true, "Unexpected character in a \\u escape of a string");
          }
          q += 6;
        } else if (strchr("\"\\/bfnrt", e) && e) {
          q += 2;
        } else {
          d->p = q;
          return fail(d, true, "Unrecognized character escape (code %u) in a string", e);
        }
        break;
      }
      case 3:
        d->p = q;
        return fail(d, true,
                    "Illegal unquoted character (code %u): has to be escaped using backslash "
                    "to be included in a string",
                    *q);
      default: { /* non-ASCII: check the UTF-8 sequence */
        int t = utf8_tail(*q);
        if (t < 0 || end - q <= t) {
          d->p = q;
          return fail(d, true, "Invalid UTF-8 start byte 0x%02x in a string", *q);
        }
        for (int k = 1; k <= t; k++)
          if ((q[k] & 0xc0) != 0x80) {
            d->p = q;
            return fail(d, true, "Invalid UTF-8 middle byte 0x%02x in a string", q[k]);
          }
        q += t + 1;
      }
    }
  }
}

/* Decode the escapes of a scanned string into the arena (never longer than the raw). */
static bool unescape(jdec_t *d, const uint8_t *s, size_t n, const char **out, size_t *outlen) {
  uint8_t *o = wy_arena_alloc(d->arena, n ? n : 1);
  if (!o) return fail(d, false, "out of memory");
  size_t m = 0;
  for (size_t i = 0; i < n;) {
    if (s[i] != '\\') {
      o[m++] = s[i++];
      continue;
    }
    unsigned char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'b':
        o[m++] = '\b';
        break;
      case 'f':
        o[m++] = '\f';
        break;
      case 'n':
        o[m++] = '\n';
        break;
      case 'r':
        o[m++] = '\r';
        break;
      case 't':
        o[m++] = '\t';
        break;
      case 'u': {
        uint32_t cp = 0, lo;
        for (int k = 0; k < 4; k++) cp = cp << 4 | (uint32_t)hexval(s[i + k]);
        i += 4;
        /* A surrogate pair makes one code point; a lone surrogate is kept as is
         * (Java strings may hold one). */
        if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
          lo = 0;
          for (int k = 0; k < 4; k++) lo = lo << 4 | (uint32_t)hexval(s[i + 2 + k]);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
          }
        }
        m += put_utf8(o + m, cp);
        break;
      }
      default:
        o[m++] = e; /* " \ / */
    }
  }
  *out = (const char *)o;
  *outlen = m;
  return true;
}

static bool read_string(jdec_t *d, const char **out, size_t *n) {
  const uint8_t *s;
  size_t raw;
  bool esc;
  if (!scan_string(d, &s, &raw, &esc)) return false;
  if (!esc) {
    *out = (const char *)s;
    *n = raw;
    return true;
  }
  return unescape(d, s, raw, out, n);
}

typedef struct {
  const char *s;
  size_t n;
  bool is_int;
} jnum_t;

static bool scan_number(jdec_t *d, jnum_t *num) {
  const uint8_t *q = d->p, *end = d->end;
  num->s = (const char *)q;
  num->is_int = true;
  if (q < end && *q == '-') q++;
  if (q >= end || *q < '0' || *q > '9') {
    d->p = q;
    return fail_syntax(d, "expected digit for a number");
  }
  if (*q == '0') {
    q++;
    if (q < end && *q >= '0' && *q <= '9') {
      d->p = q;
      return fail(d, true, "Invalid numeric value: Leading zeroes not allowed");
    }
  } else {
    while (q < end && *q >= '0' && *q <= '9') q++;
  }
  if (q < end && *q == '.') {
    num->is_int = false;
    q++;
    const uint8_t *f = q;
    while (q < end && *q >= '0' && *q <= '9') q++;
    if (q == f) {
      d->p = q;
      return fail_syntax(d, "Decimal point not followed by a digit");
    }
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    num->is_int = false;
    q++;
    if (q < end && (*q == '+' || *q == '-')) q++;
    const uint8_t *f = q;
    while (q < end && *q >= '0' && *q <= '9') q++;
    if (q == f) {
      d->p = q;
      return fail_syntax(d, "Exponent indicator not followed by a digit");
    }
  }
  num->n = (size_t)(q - (const uint8_t *)num->s);
  d->p = q;
  return true;
}

static bool skip_value(jdec_t *d);

static bool skip_container(jdec_t *d, char close) {
  if (++d->depth > JSON_MAX_DEPTH) return fail(d, true, "Maximum nesting depth exceeded");
  d->p++;
  skip_ws(d);
  if (d->p < d->end && *d->p == close) {
    d->p++;
    d->depth--;
    return true;
  }
  for (;;) {
    if (close == '}') {
      const uint8_t *s;
      size_t kn;
      bool esc;
      if (d->p >= d->end || *d->p != '"')
        return fail_syntax(d, "was expecting double-quote to start field name");
      if (!scan_string(d, &s, &kn, &esc)) return false;
      skip_ws(d);
      if (d->p >= d->end || *d->p != ':')
        return fail_syntax(d, "was expecting a colon to separate field name and value");
      d->p++;
    }
    if (!skip_value(d)) return false;
    skip_ws(d);
    if (d->p < d->end && *d->p == ',') {
      d->p++;
      skip_ws(d);
      continue;
    }
    if (d->p < d->end && *d->p == close) {
      d->p++;
      d->depth--;
      return true;
    }
    return fail_syntax(d, close == '}' ? "was expecting comma to separate Object entries"
                                       : "was expecting comma to separate Array entries");
  }
}

static bool skip_value(jdec_t *d) {
  skip_ws(d);
  if (d->p >= d->end) return fail_syntax(d, "expected a value");
  switch (*d->p) {
    case '{':
      return skip_container(d, '}');
    case '[':
      return skip_container(d, ']');
    case '"': {
      const uint8_t *s;
      size_t n;
      bool esc;
      return scan_string(d, &s, &n, &esc);
    }
    case 't':
      return expect_literal(d, "true", 4);
    case 'f':
      return expect_literal(d, "false", 5);
    case 'n':
      return expect_literal(d, "null", 4);
    default: {
      jnum_t num;
      return scan_number(d, &num);
    }
  }
}

/* ---- coercions (ksqlDB's JsonSerdeUtils) ---- */

static bool type_error(jdec_t *d, const jnode_t *n, const char *source) {
  char t[256];
  if (n->type)
    wy_type_format(n->type, t, sizeof t);
  else
    snprintf(t, sizeof t, "%s", wy_type_kind_name(n->kind));
  return fail(d, false, "Can't convert type. sourceType: %s, requiredType: %s", source, t);
}

static bool coerce_error(jdec_t *d, const jnode_t *n) {
  return fail(d, false, "Can't coerce string to type. targetType: %s", wy_type_kind_name(n->kind));
}

static wy_value_t int_value(wy_type_kind_t kind, int64_t v) {
  wy_value_t out = {0};
  out.kind = (uint8_t)kind;
  if (kind == WY_T_BIGINT || kind == WY_T_TIMESTAMP)
    out.u.i64 = v;
  else
    out.u.i32 = (int32_t)(uint32_t)(uint64_t)v; /* Jackson's intValue() keeps the low bits */
  return out;
}

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static double number_to_double(jdec_t *d, const jnum_t *num) {
  /* Clinger's fast path: an exact mantissa below 2^53 and a power of ten that is exact
   * in a double give a correctly rounded result with one operation. */
  const char *s = num->s, *e = s + num->n;
  bool neg = *s == '-';
  if (neg) s++;
  uint64_t m = 0;
  int digits = 0, exp10 = 0;
  bool dot = false;
  for (; s < e && *s != 'e' && *s != 'E'; s++) {
    if (*s == '.') {
      dot = true;
      continue;
    }
    if (m == 0 && *s == '0') {
      if (dot) exp10--;
      continue;
    }
    if (++digits > 15) break;
    m = m * 10 + (uint64_t)(*s - '0');
    if (dot) exp10--;
  }
  if (digits <= 15) {
    int ex = 0;
    bool eneg = false, ok = true;
    if (s < e) {
      s++;
      if (*s == '+' || *s == '-') eneg = *s++ == '-';
      for (; s < e; s++) {
        ex = ex * 10 + (*s - '0');
        if (ex > 400) {
          ok = false;
          break;
        }
      }
    }
    int total = exp10 + (eneg ? -ex : ex);
    if (ok && total >= -22 && total <= 22) {
      double v = (double)m;
      v = total < 0 ? v / POW10[-total] : v * POW10[total];
      return neg ? -v : v;
    }
  }
  char stack[64];
  char *buf = num->n < sizeof stack ? stack : wy_arena_alloc(d->arena, num->n + 1);
  if (!buf) return NAN;
  memcpy(buf, num->s, num->n);
  buf[num->n] = '\0';
  return strtod(buf, NULL);
}

/* Integer token without fraction or exponent and with at most 18 digits. */
static bool small_int(const jnum_t *num, int64_t *out) {
  if (!num->is_int || num->n > 19 || (num->n == 19 && num->s[0] != '-')) return false;
  const char *s = num->s;
  size_t i = *s == '-';
  int64_t v = 0;
  for (size_t k = i; k < num->n; k++) v = v * 10 + (s[k] - '0');
  *out = i ? -v : v;
  return true;
}

static const char *number_node_name(const jnum_t *num) {
  int64_t v;
  if (!num->is_int) return "DecimalNode";
  if (small_int(num, &v)) return v >= INT32_MIN && v <= INT32_MAX ? "IntNode" : "LongNode";
  return "BigIntegerNode";
}

static bool put_text(jdec_t *d, const char *s, size_t n, wy_value_t *out) {
  char *copy = wy_arena_strndup(d->arena, s, n);
  if (!copy) return fail(d, false, "out of memory");
  *out = wy_string(copy, n);
  return true;
}

static bool coerce_number(jdec_t *d, const jnode_t *n, const jnum_t *num, wy_value_t *out) {
  int64_t v;
  switch (n->kind) {
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP: {
      if (!small_int(num, &v)) {
        wy_fmt_decnum_t dn;
        if (!wy_fmt_decnum_parse(num->s, num->n, &dn))
          return fail(d, false, "Invalid numeric value");
        v = (int64_t)wy_fmt_decnum_wrap_u64(&dn);
      }
      *out = int_value(n->kind, v);
      return true;
    }
    case WY_T_DOUBLE:
      *out = wy_double(number_to_double(d, num));
      return true;
    case WY_T_DECIMAL: {
      wy_fmt_decnum_t dn;
      wy_int128_t x;
      char msg[200];
      if (!wy_fmt_decnum_parse(num->s, num->n, &dn)) return fail(d, false, "Invalid numeric value");
      if (!wy_fmt_decnum_fit(&dn, num->s, num->n, n->type->precision, n->type->scale, &x, msg,
                             sizeof msg))
        return fail(d, false, "%s", msg);
      *out = wy_decimal(x, n->type->precision, n->type->scale);
      return true;
    }
    case WY_T_STRING: {
      /* asText(): integers print canonically (-0 is 0), other numbers as BigDecimal. */
      if (num->is_int) {
        if (num->n == 2 && num->s[0] == '-' && num->s[1] == '0') return put_text(d, "0", 1, out);
        *out = wy_string(num->s, num->n);
        return true;
      }
      wy_fmt_decnum_t dn;
      wy_buf_t *t = &d->j->text;
      size_t base = t->len;
      if (!wy_fmt_decnum_parse(num->s, num->n, &dn)) return fail(d, false, "Invalid numeric value");
      if (!wy_fmt_decnum_to_string(&dn, t)) return fail(d, false, "out of memory");
      bool ok = put_text(d, (const char *)t->data + base, t->len - base, out);
      t->len = base;
      return ok;
    }
    default:
      return type_error(d, n, number_node_name(num));
  }
}

static bool coerce_text(jdec_t *d, const jnode_t *n, const char *s, size_t len, wy_value_t *out) {
  switch (n->kind) {
    case WY_T_STRING:
      *out = wy_string(s, len);
      return true;
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME: {
      int32_t v;
      if (!wy_fmt_parse_i32(s, len, &v)) return coerce_error(d, n);
      *out = int_value(n->kind, v);
      return true;
    }
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP: {
      int64_t v;
      if (!wy_fmt_parse_i64(s, len, &v)) return coerce_error(d, n);
      *out = int_value(n->kind, v);
      return true;
    }
    case WY_T_DOUBLE: {
      double v;
      if (!wy_fmt_parse_double(s, len, &v)) return coerce_error(d, n);
      *out = wy_double(v);
      return true;
    }
    case WY_T_DECIMAL: {
      wy_fmt_decnum_t dn;
      wy_int128_t x;
      char msg[200];
      if (!wy_fmt_decnum_parse(s, len, &dn))
        return fail(d, false, "Character array is not a valid decimal: \"%.*s\"",
                    (int)(len > 64 ? 64 : len), s);
      if (!wy_fmt_decnum_fit(&dn, s, len, n->type->precision, n->type->scale, &x, msg, sizeof msg))
        return fail(d, false, "%s", msg);
      *out = wy_decimal(x, n->type->precision, n->type->scale);
      return true;
    }
    case WY_T_BYTES: {
      uint8_t *buf = wy_arena_alloc(d->arena, wy_base64_decoded_max(len));
      size_t blen;
      if (!buf) return fail(d, false, "out of memory");
      if (!wy_base64_decode(s, len, 0, buf, &blen))
        return fail(d, false, "Value is not a valid Base64 encoded string: %.*s",
                    (int)(len > 64 ? 64 : len), s);
      *out = wy_bytes(buf, blen);
      return true;
    }
    default:
      return type_error(d, n, "TextNode");
  }
}

/* ---- writing JSON text (shared by the encoder and STRING coercion) ---- */

static const char HEX[] = "0123456789ABCDEF";

/* Jackson's escaping: quote, backslash and control characters; \b \t \n \f \r short. */
static bool put_json_string(wy_buf_t *b, const char *s, size_t n) {
  if (!wy_buf_reserve(b, n + 2)) return false;
  b->data[b->len++] = '"';
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    if (!wy_buf_append(b, s + run, i - run)) return false;
    run = i + 1;
    char esc[6] = {'\\', 0, '0', '0', 0, 0};
    size_t en = 2;
    switch (c) {
      case '"':
        esc[1] = '"';
        break;
      case '\\':
        esc[1] = '\\';
        break;
      case '\b':
        esc[1] = 'b';
        break;
      case '\t':
        esc[1] = 't';
        break;
      case '\n':
        esc[1] = 'n';
        break;
      case '\f':
        esc[1] = 'f';
        break;
      case '\r':
        esc[1] = 'r';
        break;
      default:
        esc[1] = 'u';
        esc[4] = HEX[c >> 4];
        esc[5] = HEX[c & 15];
        en = 6;
    }
    if (!wy_buf_append(b, esc, en)) return false;
  }
  return wy_buf_append(b, s + run, n - run) && wy_buf_append(b, "\"", 1);
}

/* Re-serialize the JSON value at d->p compactly, as Jackson writes a parsed tree:
 * used when an object lands in a STRING column. */
static bool reserialize(jdec_t *d, wy_buf_t *b) {
  skip_ws(d);
  if (d->p >= d->end) return fail_syntax(d, "expected a value");
  unsigned char c = *d->p;
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    if (++d->depth > JSON_MAX_DEPTH) return fail(d, true, "Maximum nesting depth exceeded");
    if (!wy_buf_append(b, &c, 1)) return fail(d, false, "out of memory");
    d->p++;
    skip_ws(d);
    bool first = true;
    while (!(d->p < d->end && *d->p == close)) {
      if (!first) {
        if (d->p >= d->end || *d->p != ',') return fail_syntax(d, "was expecting comma");
        d->p++;
        skip_ws(d);
        if (!wy_buf_append(b, ",", 1)) return fail(d, false, "out of memory");
      }
      first = false;
      if (close == '}') {
        const char *k;
        size_t kn;
        if (d->p >= d->end || *d->p != '"')
          return fail_syntax(d, "was expecting double-quote to start field name");
        if (!read_string(d, &k, &kn)) return false;
        skip_ws(d);
        if (d->p >= d->end || *d->p != ':') return fail_syntax(d, "was expecting a colon");
        d->p++;
        if (!put_json_string(b, k, kn) || !wy_buf_append(b, ":", 1))
          return fail(d, false, "out of memory");
      }
      if (!reserialize(d, b)) return false;
      skip_ws(d);
    }
    d->p++;
    d->depth--;
    return wy_buf_append(b, &close, 1) ? true : fail(d, false, "out of memory");
  }
  if (c == '"') {
    const char *s;
    size_t n;
    return read_string(d, &s, &n) && (put_json_string(b, s, n) || fail(d, false, "oom"));
  }
  if (c == 't' || c == 'f' || c == 'n') {
    const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
    return expect_literal(d, lit, strlen(lit)) &&
           (wy_buf_append(b, lit, strlen(lit)) || fail(d, false, "oom"));
  }
  jnum_t num;
  if (!scan_number(d, &num)) return false;
  if (num.is_int) {
    bool negzero = num.n == 2 && num.s[0] == '-' && num.s[1] == '0';
    return wy_buf_append(b, negzero ? "0" : num.s, negzero ? 1 : num.n) || fail(d, false, "oom");
  }
  wy_fmt_decnum_t dn;
  return wy_fmt_decnum_parse(num.s, num.n, &dn) && wy_fmt_decnum_to_string(&dn, b)
             ? true
             : fail(d, false, "Invalid numeric value");
}

/* ---- schema-directed decoding ---- */

static bool decode_value(jdec_t *d, const jnode_t *n, wy_value_t *out);

static bool stack_push(jdec_t *d, const wy_value_t *v) {
  json_impl_t *j = d->j;
  if (j->stack_n == j->stack_cap) {
    size_t cap = j->stack_cap ? j->stack_cap * 2 : 64;
    wy_value_t *s = realloc(j->stack, cap * sizeof *s);
    if (!s) return fail(d, false, "out of memory");
    j->stack = s;
    j->stack_cap = cap;
  }
  j->stack[j->stack_n++] = *v;
  return true;
}

static bool decode_array(jdec_t *d, const jnode_t *n, wy_value_t *out) {
  size_t base = d->j->stack_n;
  d->p++;
  skip_ws(d);
  size_t idx = 0;
  if (!(d->p < d->end && *d->p == ']')) {
    for (;; idx++) {
      wy_value_t v;
      if (!decode_value(d, n->elem, &v)) {
        d->j->stack_n = base;
        path_index(d, idx);
        return false;
      }
      if (!stack_push(d, &v)) return false;
      skip_ws(d);
      if (d->p < d->end && *d->p == ',') {
        d->p++;
        continue;
      }
      if (d->p < d->end && *d->p == ']') break;
      d->j->stack_n = base;
      return fail_syntax(d, "was expecting comma to separate Array entries");
    }
  }
  d->p++;
  uint32_t cnt = (uint32_t)(d->j->stack_n - base);
  wy_list_t *l = wy_list_new(d->arena, cnt);
  if (!l) return fail(d, false, "out of memory");
  if (cnt) memcpy(l->items, d->j->stack + base, cnt * sizeof *l->items);
  d->j->stack_n = base;
  *out = wy_array(l);
  return true;
}

static bool str_equal(const wy_value_t *a, const wy_value_t *b) {
  return a->len == b->len && memcmp(a->u.str, b->u.str, a->len) == 0;
}

static uint64_t str_hash(const wy_value_t *v) {
  uint64_t h = 1469598103934665603ull;
  for (uint32_t i = 0; i < v->len; i++) h = (h ^ (uint8_t)v->u.str[i]) * 1099511628211ull;
  return h;
}

/* Keep one entry per key, in first-seen position with the last value (a Java map). */
static bool dedupe_map(jdec_t *d, wy_value_t *kv, uint32_t *count) {
  uint32_t n = *count, out = 0;
  if (n < 2) return true;
  if (n <= 32) {
    for (uint32_t i = 0; i < n; i++) {
      uint32_t k = 0;
      while (k < out && !str_equal(&kv[2 * k], &kv[2 * i])) k++;
      kv[2 * k + 1] = kv[2 * i + 1];
      if (k == out) kv[2 * out++] = kv[2 * i];
    }
  } else {
    size_t cap = 64;
    while (cap < (size_t)n * 2) cap *= 2;
    uint32_t *slots = wy_arena_alloc(d->arena, cap * sizeof *slots);
    if (!slots) return fail(d, false, "out of memory");
    memset(slots, 0xff, cap * sizeof *slots);
    for (uint32_t i = 0; i < n; i++) {
      size_t h = (size_t)str_hash(&kv[2 * i]) & (cap - 1);
      while (slots[h] != UINT32_MAX && !str_equal(&kv[2 * slots[h]], &kv[2 * i]))
        h = (h + 1) & (cap - 1);
      if (slots[h] == UINT32_MAX) {
        slots[h] = out;
        kv[2 * out] = kv[2 * i];
        kv[2 * out + 1] = kv[2 * i + 1];
        out++;
      } else {
        kv[2 * slots[h] + 1] = kv[2 * i + 1];
      }
    }
  }
  *count = out;
  return true;
}

static bool decode_map(jdec_t *d, const jnode_t *n, wy_value_t *out) {
  size_t base = d->j->stack_n;
  d->p++;
  skip_ws(d);
  if (!(d->p < d->end && *d->p == '}')) {
    for (;;) {
      wy_value_t k, v;
      const char *ks;
      size_t kn;
      if (d->p >= d->end || *d->p != '"') {
        d->j->stack_n = base;
        return fail_syntax(d, "was expecting double-quote to start field name");
      }
      if (!read_string(d, &ks, &kn)) goto failed;
      k = wy_string(ks, kn);
      skip_ws(d);
      if (d->p >= d->end || *d->p != ':') {
        d->j->stack_n = base;
        return fail_syntax(d, "was expecting a colon to separate field name and value");
      }
      d->p++;
      if (!decode_value(d, n->elem, &v)) {
        d->j->stack_n = base;
        path_prepend(d, ".value", 6);
        path_field(d, ks, kn);
        return false;
      }
      if (!stack_push(d, &k) || !stack_push(d, &v)) goto failed;
      skip_ws(d);
      if (d->p < d->end && *d->p == ',') {
        d->p++;
        skip_ws(d);
        continue;
      }
      if (d->p < d->end && *d->p == '}') break;
      d->j->stack_n = base;
      return fail_syntax(d, "was expecting comma to separate Object entries");
    }
  }
  d->p++;
  uint32_t cnt = (uint32_t)((d->j->stack_n - base) / 2);
  wy_value_t *kv = d->j->stack ? d->j->stack + base : NULL; /* an empty map: no stack yet */
  if (!dedupe_map(d, kv, &cnt)) goto failed;
  wy_map_t *m = wy_map_new(d->arena, cnt);
  if (!m) goto failed;
  for (uint32_t i = 0; i < cnt; i++) {
    m->keys[i] = kv[2 * i];
    m->vals[i] = kv[2 * i + 1];
  }
  d->j->stack_n = base;
  /* ksqlDB reads a JSON object into `new HashMap<>(size)`: iterate as it does */
  wy_value_t *scratch =
      cnt > 1 ? wy_arena_alloc(d->arena, 2 * (size_t)cnt * sizeof *scratch) : NULL;
  if (scratch) wy_java_hashmap_order(m->keys, m->vals, cnt, scratch);
  *out = wy_mapv(m);
  return true;
failed:
  d->j->stack_n = base;
  return false;
}

static inline unsigned char ascii_upper(unsigned char c) {
  return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

/* Decode an object into vals[0..nfields) following ksqlDB's field matching: a key equal
 * to the field name wins; otherwise a key whose upper-case form equals it. Later
 * duplicates replace earlier ones, as in Jackson's ObjectNode. */
static bool decode_struct(jdec_t *d, const jnode_t *n, wy_value_t *vals) {
  uint8_t stack_state[JSON_STACK_FIELDS];
  uint8_t *state = stack_state;
  if (n->nfields > JSON_STACK_FIELDS) {
    state = wy_arena_alloc(d->arena, n->nfields);
    if (!state) return fail(d, false, "out of memory");
  }
  for (size_t i = 0; i < n->nfields; i++) {
    vals[i] = wy_null(n->fields[i].node->kind);
    state[i] = 0;
  }
  d->p++;
  skip_ws(d);
  if (d->p < d->end && *d->p == '}') {
    d->p++;
    return true;
  }
  size_t keypos = 0;
  for (;;) {
    if (d->p >= d->end || *d->p != '"')
      return fail_syntax(d, "was expecting double-quote to start field name");
    const char *k;
    size_t kn;
    if (!read_string(d, &k, &kn)) return false;
    skip_ws(d);
    if (d->p >= d->end || *d->p != ':')
      return fail_syntax(d, "was expecting a colon to separate field name and value");
    d->p++;
    skip_ws(d);
    const uint8_t *value_start = d->p;
    bool decoded = false;
    jhint_t *h = n->hints && keypos < JSON_HINT_KEYS ? &n->hints[keypos] : NULL;
    keypos++;
    if (h && h->len && h->len == kn && memcmp(h->key, k, kn) == 0) {
      if (h->field < 0) {
        if (!skip_value(d)) return false;
      } else if (h->level == 2 || state[h->field] != 2) {
        const jfield_t *f = &n->fields[h->field];
        if (!decode_value(d, f->node, &vals[h->field])) {
          path_field(d, f->name, f->len);
          return false;
        }
        state[h->field] = h->level;
      } else if (!skip_value(d)) {
        return false;
      }
      goto next_key;
    }
    int matched = -1, nmatched = 0;
    uint8_t matched_level = 0;
    for (size_t i = 0; i < n->nfields; i++) {
      const jfield_t *f = &n->fields[i];
      if (!f->used || f->len != kn) continue;
      uint8_t level;
      if (memcmp(f->name, k, kn) == 0) {
        level = 2;
      } else {
        size_t x = 0;
        while (x < kn && ascii_upper((unsigned char)k[x]) == (unsigned char)f->name[x]) x++;
        if (x != kn || state[i] == 2) continue;
        level = 1;
      }
      d->p = value_start; /* one key may feed several fields (`a` and `A`) */
      if (!decode_value(d, f->node, &vals[i])) {
        path_field(d, f->name, f->len);
        return false;
      }
      state[i] = level;
      decoded = true;
      matched = (int)i;
      matched_level = level;
      nmatched++;
    }
    if (!decoded && !skip_value(d)) return false;
    if (h && kn > 0 && kn <= JSON_HINT_KEY_LEN && nmatched <= 1) {
      /* remember this position's key for the next record (not when one key fed
       * several fields: the scan handles that case) */
      memcpy(h->key, k, kn);
      h->len = (uint8_t)kn;
      h->field = (int16_t)matched;
      h->level = matched_level;
    } else if (h) {
      h->len = 0;
    }
  next_key:
    skip_ws(d);
    if (d->p < d->end && *d->p == ',') {
      d->p++;
      skip_ws(d);
      continue;
    }
    if (d->p < d->end && *d->p == '}') {
      d->p++;
      return true;
    }
    return fail_syntax(d, "was expecting comma to separate Object entries");
  }
}

/* An array landing in a STRING column: its elements as strings, "[a, b, null]". */
static bool array_to_string(jdec_t *d, wy_value_t *out) {
  wy_buf_t *t = &d->j->text;
  size_t base = t->len;
  d->p++;
  skip_ws(d);
  bool ok = wy_buf_append(t, "[", 1);
  size_t idx = 0;
  if (!(d->p < d->end && *d->p == ']')) {
    for (;; idx++) {
      wy_value_t v;
      if (!decode_value(d, &STRING_NODE, &v)) {
        t->len = base;
        path_index(d, idx);
        return false;
      }
      if (idx) ok = ok && wy_buf_append(t, ", ", 2);
      ok = ok && (v.null ? wy_buf_append(t, "null", 4) : wy_buf_append(t, v.u.str, v.len));
      skip_ws(d);
      if (d->p < d->end && *d->p == ',') {
        d->p++;
        continue;
      }
      if (d->p < d->end && *d->p == ']') break;
      t->len = base;
      return fail_syntax(d, "was expecting comma to separate Array entries");
    }
  }
  d->p++;
  ok = ok && wy_buf_append(t, "]", 1);
  ok = ok && put_text(d, (const char *)t->data + base, t->len - base, out);
  t->len = base;
  return ok ? true : fail(d, false, "out of memory");
}

static bool object_to_string(jdec_t *d, wy_value_t *out) {
  wy_buf_t *t = &d->j->text;
  size_t base = t->len;
  bool ok = reserialize(d, t) && put_text(d, (const char *)t->data + base, t->len - base, out);
  t->len = base;
  return ok;
}

static bool decode_value(jdec_t *d, const jnode_t *n, wy_value_t *out) {
  skip_ws(d);
  if (d->p >= d->end) return fail_syntax(d, "expected a value");
  switch (*d->p) {
    case 'n':
      *out = wy_null(n->kind);
      return expect_literal(d, "null", 4);
    case 't':
    case 'f': {
      bool b = *d->p == 't';
      if (!(b ? expect_literal(d, "true", 4) : expect_literal(d, "false", 5))) return false;
      if (n->kind == WY_T_BOOLEAN) {
        *out = wy_bool(b);
        return true;
      }
      if (n->kind == WY_T_STRING) {
        *out = wy_string(b ? "true" : "false", b ? 4 : 5);
        return true;
      }
      return type_error(d, n, "BooleanNode");
    }
    case '"': {
      const char *s;
      size_t len;
      return read_string(d, &s, &len) && coerce_text(d, n, s, len, out);
    }
    case '[': {
      if (++d->depth > JSON_MAX_DEPTH) return fail(d, true, "Maximum nesting depth exceeded");
      bool ok;
      if (n->kind == WY_T_ARRAY)
        ok = decode_array(d, n, out);
      else if (n->kind == WY_T_STRING)
        ok = array_to_string(d, out);
      else
        ok = type_error(d, n, "ArrayNode");
      d->depth--;
      return ok;
    }
    case '{': {
      if (n->kind == WY_T_STRING) return object_to_string(d, out);
      if (++d->depth > JSON_MAX_DEPTH) return fail(d, true, "Maximum nesting depth exceeded");
      bool ok;
      if (n->kind == WY_T_MAP) {
        ok = decode_map(d, n, out);
      } else if (n->kind == WY_T_STRUCT) {
        wy_list_t *l = wy_list_new(d->arena, (uint32_t)n->nfields);
        ok = l ? decode_struct(d, n, l->items) : fail(d, false, "out of memory");
        if (ok) *out = wy_struct(l);
      } else {
        ok = type_error(d, n, "ObjectNode");
      }
      d->depth--;
      return ok;
    }
    default: {
      jnum_t num;
      return scan_number(d, &num) && coerce_number(d, n, &num, out);
    }
  }
}

static wy_status_t json_decode(wy_format_codec_t *c, const uint8_t *p, size_t len,
                               wy_arena_t *arena, wy_value_t *cols, bool *null_row,
                               wy_error_t *err) {
  json_impl_t *j = c->impl;
  jdec_t d = {.p = p, .end = p + len, .arena = arena, .j = j, .err = err};
  j->stack_n = 0;
  j->text.len = 0;
  skip_ws(&d);
  bool ok;
  const char *column = NULL;
  if (d.p >= d.end) {
    ok = fail(&d, true, "No content to map due to end-of-input");
  } else if (c->unwrapped) {
    column = c->names[0];
    if (c->used[0]) {
      ok = decode_value(&d, j->row.fields[0].node, &cols[0]);
    } else {
      cols[0] = wy_null(c->types[0]->kind);
      ok = skip_value(&d);
    }
  } else if (*d.p == 'n') {
    ok = expect_literal(&d, "null", 4);
    *null_row = ok;
  } else if (*d.p == '{') {
    ok = decode_struct(&d, &j->row, cols);
  } else {
    unsigned char first = *d.p;
    ok = skip_value(&d) &&
         fail(&d, false, "Can't convert type. sourceType: %s, requiredType: STRUCT",
              first == '['                     ? "ArrayNode"
              : first == '"'                   ? "TextNode"
              : (first == 't' || first == 'f') ? "BooleanNode"
                                               : "NumericNode");
  }
  if (ok) return WY_OK;
  if (!d.syntax) {
    char msg[WY_ERROR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", err->msg);
    path_prepend(&d, "$", 1);
    d.path[d.pathlen] = '\0';
    /* The first path segment is the column (or the single column of an unwrapped
     * record). */
    if (!column && d.pathlen > 2) {
      const char *e = d.path + 2;
      size_t n = strcspn(e, ".[");
      return wy_error_set(err, WY_ERR_DECODE, "Failed to deserialize %s: column %.*s: %s, path: %s",
                          wy_fmt_target(c), (int)n, e, msg, d.path);
    }
    if (column)
      return wy_error_set(err, WY_ERR_DECODE, "Failed to deserialize %s: column %s: %s, path: %s",
                          wy_fmt_target(c), column, msg, d.path);
    return wy_error_set(err, WY_ERR_DECODE, "Failed to deserialize %s: %s", wy_fmt_target(c), msg);
  }
  return wy_error_prefix(err, "Failed to deserialize %s: malformed JSON at byte %zu",
                         wy_fmt_target(c), (size_t)(d.p - p));
}

/* ---- encoding ---- */

static bool write_value(wy_buf_t *b, const wy_type_t *t, const wy_value_t *v);

static bool write_i64(wy_buf_t *b, int64_t x) {
  char tmp[24];
  return wy_buf_append(b, tmp, wy_fmt_i64_to_text(x, tmp));
}

static bool write_value(wy_buf_t *b, const wy_type_t *t, const wy_value_t *v) {
  if (v->null) return wy_buf_append(b, "null", 4);
  if (v->kind != t->kind) return false;
  char tmp[64];
  size_t n;
  switch (t->kind) {
    case WY_T_BOOLEAN:
      return v->u.b ? wy_buf_append(b, "true", 4) : wy_buf_append(b, "false", 5);
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      return write_i64(b, v->u.i32);
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      return write_i64(b, v->u.i64);
    case WY_T_DOUBLE:
      n = wy_double_java(v->u.f64, tmp);
      /* Jackson quotes non-finite numbers (QUOTE_NON_NUMERIC_NUMBERS). */
      if (!isfinite(v->u.f64)) return put_json_string(b, tmp, n);
      return wy_buf_append(b, tmp, n);
    case WY_T_DECIMAL:
      n = wy_fmt_decimal_to_string(v->u.dec, v->scale, tmp, sizeof tmp);
      return wy_buf_append(b, tmp, n);
    case WY_T_STRING:
      return put_json_string(b, v->u.str, v->len);
    case WY_T_BYTES:
      return wy_buf_append(b, "\"", 1) && wy_base64_encode(v->u.str, v->len, b) &&
             wy_buf_append(b, "\"", 1);
    case WY_T_ARRAY: {
      if (!wy_buf_append(b, "[", 1)) return false;
      for (uint32_t i = 0; i < v->u.list->n; i++)
        if ((i && !wy_buf_append(b, ",", 1)) || !write_value(b, t->elem, &v->u.list->items[i]))
          return false;
      return wy_buf_append(b, "]", 1);
    }
    case WY_T_MAP: {
      if (!wy_buf_append(b, "{", 1)) return false;
      for (uint32_t i = 0; i < v->u.map->n; i++) {
        const wy_value_t *k = &v->u.map->keys[i];
        if (!k->null && k->kind != WY_T_STRING) return false;
        /* a NULL key (MAP(NULL := v)) is written "null", as ksqlDB's Jackson tree does */
        if ((i && !wy_buf_append(b, ",", 1)) ||
            !(k->null ? put_json_string(b, "null", 4) : put_json_string(b, k->u.str, k->len)) ||
            !wy_buf_append(b, ":", 1) || !write_value(b, t->elem, &v->u.map->vals[i]))
          return false;
      }
      return wy_buf_append(b, "}", 1);
    }
    case WY_T_STRUCT: {
      if (!wy_buf_append(b, "{", 1) || v->u.list->n != t->nfields) return false;
      for (size_t i = 0; i < t->nfields; i++) {
        const char *name = t->fields[i].name;
        if ((i && !wy_buf_append(b, ",", 1)) || !put_json_string(b, name, strlen(name)) ||
            !wy_buf_append(b, ":", 1) || !write_value(b, t->fields[i].type, &v->u.list->items[i]))
          return false;
      }
      return wy_buf_append(b, "}", 1);
    }
    default:
      return false;
  }
}

static wy_status_t json_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                               bool *null_record, wy_error_t *err) {
  if (c->unwrapped) {
    if (cols[0].null) {
      *null_record = true;
      return WY_OK;
    }
    if (write_value(out, c->types[0], &cols[0])) return WY_OK;
    return wy_error_set(err, WY_ERR_ENCODE, "cannot encode %s column %s as JSON (value of type %s)",
                        wy_fmt_target(c), c->names[0], wy_type_kind_name(cols[0].kind));
  }
  if (!wy_buf_append(out, "{", 1)) goto nomem;
  for (size_t i = 0; i < c->ncols; i++) {
    if ((i && !wy_buf_append(out, ",", 1)) || !put_json_string(out, c->names[i], c->name_lens[i]) ||
        !wy_buf_append(out, ":", 1))
      goto nomem;
    if (!write_value(out, c->types[i], &cols[i]))
      return wy_error_set(err, WY_ERR_ENCODE,
                          "cannot encode %s column %s as JSON (value of type %s)", wy_fmt_target(c),
                          c->names[i], wy_type_kind_name(cols[i].kind));
  }
  if (wy_buf_append(out, "}", 1)) return WY_OK;
nomem:
  return wy_error_set(err, WY_ERR_NOMEM, "out of memory encoding JSON");
}

const wy_format_ops_t wy_format_ops_JSON = {json_open, json_close, json_decode, json_encode, NULL};
