/* DELIMITED: one CSV line per record, read and written as ksqlDB does with Apache
 * Commons CSV (CSVFormat.DEFAULT with the configured delimiter, QuoteMode.MINIMAL).
 * NULL is an empty field; only primitive types are allowed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/base64.h"
#include "engine/base/decimal.h"
#include "engine/base/numtext.h"
#include "engine/formats/format_int.h"

#define DELIMITED_TYPES                                                               \
  (1u << WY_T_BOOLEAN | 1u << WY_T_INT | 1u << WY_T_BIGINT | 1u << WY_T_DOUBLE |      \
   1u << WY_T_DECIMAL | 1u << WY_T_STRING | 1u << WY_T_BYTES | 1u << WY_T_TIMESTAMP | \
   1u << WY_T_DATE | 1u << WY_T_TIME)

static wy_status_t delim_open(wy_format_codec_t *c, wy_error_t *err) {
  wy_status_t st = wy_fmt_reject_wrap(c, err);
  if (st != WY_OK) return st;
  st = wy_fmt_check_types(c, DELIMITED_TYPES, err);
  if (st != WY_OK) return st;
  if (c->delimiter == '"' || c->delimiter == '\r' || c->delimiter == '\n')
    return wy_error_set(err, WY_ERR_CONFIG, "Invalid delimiter value: '%c'", c->delimiter);
  c->unwrapped = c->ncols == 1;
  /* Scratch for BYTES rendered as base64, reused across records. */
  c->impl = calloc(1, sizeof(wy_buf_t));
  if (!c->impl) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return WY_OK;
}

static void delim_close(wy_format_codec_t *c) {
  wy_buf_free(c->impl);
  free(c->impl);
}

/* ---- reading: Commons CSV's lexer ---- */

typedef struct {
  const char *p, *end;
  char delim;
  int line;
} lexer_t;

typedef enum { TOK_FIELD, TOK_EOR, TOK_EOF } tok_end_t;

typedef struct {
  const char *s; /* content (inside the quotes for a quoted field) */
  size_t n;
  bool quoted;
  bool has_doubled; /* quoted content holds "" pairs to collapse */
} field_t;

/* Java's Character.isWhitespace for one byte (Commons CSV excludes the delimiter). */
static bool csv_space(const lexer_t *lx, unsigned char c) {
  return c != (unsigned char)lx->delim &&
         (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f));
}

/* Consume an end of line (CR, LF or CRLF) at lx->p, if there is one. */
static bool eol(lexer_t *lx) {
  if (lx->p >= lx->end) return false;
  if (*lx->p == '\n') {
    lx->p++;
    lx->line++;
    return true;
  }
  if (*lx->p == '\r') {
    lx->p++;
    if (lx->p < lx->end && *lx->p == '\n') lx->p++;
    lx->line++;
    return true;
  }
  return false;
}

/* One token; *how tells what ended it. Fails on a broken quoted field. */
static bool next_token(lexer_t *lx, field_t *f, tok_end_t *how, char *why, size_t whycap) {
  memset(f, 0, sizeof *f);
  if (lx->p >= lx->end) {
    *how = TOK_EOF;
    return true;
  }
  if (*lx->p == '"') {
    f->quoted = true;
    const char *q = ++lx->p;
    f->s = q;
    for (;;) {
      const char *close = memchr(q, '"', (size_t)(lx->end - q));
      if (!close) {
        snprintf(why, whycap, "(line %d) EOF reached before encapsulated token finished", lx->line);
        return false;
      }
      if (close + 1 < lx->end && close[1] == '"') {
        f->has_doubled = true;
        q = close + 2;
        continue;
      }
      f->n = (size_t)(close - f->s);
      lx->p = close + 1;
      break;
    }
    for (;;) {
      if (lx->p >= lx->end) {
        *how = TOK_EOF;
        return true;
      }
      if (*lx->p == lx->delim) {
        lx->p++;
        *how = TOK_FIELD;
        return true;
      }
      if (eol(lx)) {
        *how = TOK_EOR;
        return true;
      }
      if (!csv_space(lx, (unsigned char)*lx->p)) {
        snprintf(why, whycap, "(line %d) invalid char between encapsulated token and delimiter",
                 lx->line);
        return false;
      }
      lx->p++;
    }
  }
  f->s = lx->p;
  while (lx->p < lx->end && *lx->p != lx->delim && *lx->p != '\r' && *lx->p != '\n') lx->p++;
  f->n = (size_t)(lx->p - f->s);
  if (lx->p >= lx->end)
    *how = TOK_EOF;
  else if (*lx->p == lx->delim) {
    lx->p++;
    *how = TOK_FIELD;
  } else {
    eol(lx);
    *how = TOK_EOR;
  }
  return true;
}

/* Empty lines before a record are skipped (ignoreEmptyLines). */
static void skip_empty_lines(lexer_t *lx) {
  while (lx->p < lx->end && (*lx->p == '\r' || *lx->p == '\n')) eol(lx);
}

static wy_status_t field_error(wy_format_codec_t *c, size_t i, const field_t *f, const char *what,
                               wy_error_t *err) {
  return wy_error_set(err, WY_ERR_DECODE, "Error deserializing delimited %s: column %s: %s%.*s%s",
                      wy_fmt_target(c), c->names[i], what, (int)(f->n > 64 ? 64 : f->n), f->s,
                      *what ? "\"" : "");
}

static wy_status_t convert_field(wy_format_codec_t *c, size_t i, const field_t *f,
                                 wy_arena_t *arena, wy_value_t *out, wy_error_t *err) {
  wy_type_kind_t kind = c->types[i]->kind;
  const char *s = f->s;
  size_t n = f->n;
  if (n == 0) {
    *out = wy_null(kind);
    return WY_OK;
  }
  if (f->has_doubled) {
    char *copy = wy_arena_alloc(arena, n);
    if (!copy) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
      copy[m++] = s[k];
      if (s[k] == '"') k++; /* a doubled quote inside a quoted field */
    }
    s = copy;
    n = m;
  }
  const char *bad = "For input string: \"";
  switch (kind) {
    case WY_T_BOOLEAN:
      *out = wy_bool(n == 4 && strncasecmp(s, "true", 4) == 0);
      return WY_OK;
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME: {
      int32_t v;
      if (!wy_fmt_parse_i32(s, n, &v)) return field_error(c, i, f, bad, err);
      *out = wy_int(v);
      out->kind = (uint8_t)kind;
      return WY_OK;
    }
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP: {
      int64_t v;
      if (!wy_fmt_parse_i64(s, n, &v)) return field_error(c, i, f, bad, err);
      *out = wy_bigint(v);
      out->kind = (uint8_t)kind;
      return WY_OK;
    }
    case WY_T_DOUBLE: {
      double d;
      if (!wy_fmt_parse_double(s, n, &d)) return field_error(c, i, f, bad, err);
      *out = wy_double(d);
      return WY_OK;
    }
    case WY_T_DECIMAL: {
      wy_fmt_decnum_t dn;
      wy_int128_t v;
      char msg[200];
      const wy_type_t *t = c->types[i];
      if (!wy_fmt_decnum_parse(s, n, &dn))
        return field_error(c, i, f, "Character array is not a valid decimal: \"", err);
      if (!wy_fmt_decnum_fit(&dn, s, n, t->precision, t->scale, &v, msg, sizeof msg))
        return wy_error_set(err, WY_ERR_DECODE, "Error deserializing delimited %s: column %s: %s",
                            wy_fmt_target(c), c->names[i], msg);
      *out = wy_decimal(v, t->precision, t->scale);
      return WY_OK;
    }
    case WY_T_STRING:
      *out = wy_string(s, n);
      return WY_OK;
    case WY_T_BYTES: {
      uint8_t *buf = wy_arena_alloc(arena, wy_base64_decoded_max(n));
      size_t blen;
      if (!buf) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      if (!wy_base64_decode(s, n, 0, buf, &blen))
        return field_error(c, i, f, "Value is not a valid Base64 encoded string: \"", err);
      *out = wy_bytes(buf, blen);
      return WY_OK;
    }
    default:
      return wy_error_set(err, WY_ERR_INTERNAL, "DELIMITED codec with an unsupported type");
  }
}

static wy_status_t delim_decode(wy_format_codec_t *c, const uint8_t *p, size_t len,
                                wy_arena_t *arena, wy_value_t *cols, bool *null_row,
                                wy_error_t *err) {
  lexer_t lx = {(const char *)p, (const char *)p + len, c->delimiter, 1};
  char why[128];
  skip_empty_lines(&lx);
  if (lx.p >= lx.end)
    return wy_error_set(err, WY_ERR_DECODE, "Error deserializing delimited %s: No fields in record",
                        wy_fmt_target(c));
  size_t nf = 0;
  tok_end_t how;
  field_t f;
  wy_status_t st = WY_OK;
  do {
    if (!next_token(&lx, &f, &how, why, sizeof why))
      return wy_error_set(err, WY_ERR_DECODE, "Error deserializing delimited %s: %s",
                          wy_fmt_target(c), why);
    if (nf < c->ncols) {
      if (c->used[nf])
        st = convert_field(c, nf, &f, arena, &cols[nf], err);
      else
        cols[nf] = wy_null(c->types[nf]->kind);
      if (st != WY_OK) return st;
    }
    nf++;
  } while (how == TOK_FIELD);
  if (nf != c->ncols)
    return wy_error_set(err, WY_ERR_DECODE,
                        "Error deserializing delimited %s: Column count mismatch on "
                        "deserialization. expected: %zu, got: %zu",
                        wy_fmt_target(c), c->ncols, nf);
  /* Commons CSV reads every record, so a broken later line still fails the record. */
  while (how != TOK_EOF) {
    skip_empty_lines(&lx);
    if (!next_token(&lx, &f, &how, why, sizeof why))
      return wy_error_set(err, WY_ERR_DECODE, "Error deserializing delimited %s: %s",
                          wy_fmt_target(c), why);
  }
  return WY_OK;
}

/* ---- writing: CSVFormat.printAndQuote, QuoteMode.MINIMAL ---- */

static bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool csv_put(wy_buf_t *out, const char *s, size_t n, bool first, char delim) {
  bool quote = false;
  if (n == 0) {
    quote = first; /* an empty first field is quoted so the line is not empty */
  } else {
    unsigned char c = (unsigned char)s[0];
    if (first && !is_alnum(c)) {
      quote = true;
    } else if (c <= '#') {
      quote = true;
    } else {
      for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == '\n' || s[i] == '\r' || s[i] == '"' || s[i] == delim;
      if (!quote && (unsigned char)s[n - 1] <= ' ') quote = true;
    }
  }
  if (!quote) return wy_buf_append(out, s, n);
  if (!wy_buf_reserve(out, n * 2 + 2)) return false;
  uint8_t *o = out->data + out->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') *o++ = '"';
    *o++ = (uint8_t)s[i];
  }
  *o++ = '"';
  out->len = (size_t)(o - out->data);
  return true;
}

static wy_status_t delim_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                                bool *null_record, wy_error_t *err) {
  wy_buf_t *b64 = c->impl;
  for (size_t i = 0; i < c->ncols; i++) {
    const wy_value_t *v = &cols[i];
    if (i && !wy_buf_append(out, &c->delimiter, 1)) goto nomem;
    if (v->null) continue; /* NULL: an empty field, never quoted */
    if (v->kind != c->types[i]->kind)
      return wy_error_set(err, WY_ERR_ENCODE, "%s column %s: value of type %s, expected %s",
                          wy_fmt_target(c), c->names[i], wy_type_kind_name(v->kind),
                          wy_type_kind_name(c->types[i]->kind));
    char tmp[64];
    const char *s = tmp;
    size_t n;
    switch (v->kind) {
      case WY_T_BOOLEAN:
        s = v->u.b ? "true" : "false";
        n = strlen(s);
        break;
      case WY_T_INT:
      case WY_T_DATE:
      case WY_T_TIME:
        n = wy_fmt_i64_to_text(v->u.i32, tmp);
        break;
      case WY_T_BIGINT:
      case WY_T_TIMESTAMP:
        n = wy_fmt_i64_to_text(v->u.i64, tmp);
        break;
      case WY_T_DOUBLE:
        n = wy_double_java(v->u.f64, tmp);
        break;
      case WY_T_DECIMAL:
        n = wy_decimal_format(v->u.dec, v->scale, tmp, sizeof tmp);
        break;
      case WY_T_STRING:
        s = v->u.str;
        n = v->len;
        break;
      case WY_T_BYTES:
        wy_buf_reset(b64);
        if (!wy_base64_encode(v->u.str, v->len, b64)) goto nomem;
        s = (const char *)b64->data;
        n = b64->len;
        break;
      default:
        return wy_error_set(err, WY_ERR_INTERNAL, "DELIMITED codec with an unsupported type");
    }
    if (!csv_put(out, s ? s : "", n, i == 0, c->delimiter)) goto nomem;
  }
  return WY_OK;
nomem:
  return wy_error_set(err, WY_ERR_NOMEM, "out of memory encoding a delimited %s", wy_fmt_target(c));
}

const wy_format_ops_t wy_format_ops_DELIMITED = {delim_open, delim_close, delim_decode,
                                                 delim_encode, NULL};
