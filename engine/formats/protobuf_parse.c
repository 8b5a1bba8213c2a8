/* The .proto parser: a hand lexer feeding the lemon grammar (protobuf_grammar.y), the
 * builder behind the grammar's actions, the loading of imported files (schema
 * references and the built-in well-known files) and the linking pass that names,
 * resolves and checks every type. Everything lives in the schema's arena. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/protobuf_int.h"
#include "protobuf_grammar.h"

#define PB_MAX_FIELD_NUMBER 536870911 /* 2^29 - 1 */

/* ---- the built-in well-known files ---- */

static const struct {
  const char *path;
  const char *text;
} BUILTINS[] = {
    {"google/protobuf/timestamp.proto",
     "syntax = \"proto3\"; package google.protobuf;\n"
     "message Timestamp { int64 seconds = 1; int32 nanos = 2; }\n"},
    {"google/protobuf/duration.proto",
     "syntax = \"proto3\"; package google.protobuf;\n"
     "message Duration { int64 seconds = 1; int32 nanos = 2; }\n"},
    {"google/protobuf/empty.proto",
     "syntax = \"proto3\"; package google.protobuf; message Empty {}\n"},
    {"google/protobuf/wrappers.proto",
     "syntax = \"proto3\"; package google.protobuf;\n"
     "message DoubleValue { double value = 1; }\n"
     "message FloatValue { float value = 1; }\n"
     "message Int64Value { int64 value = 1; }\n"
     "message UInt64Value { uint64 value = 1; }\n"
     "message Int32Value { int32 value = 1; }\n"
     "message UInt32Value { uint32 value = 1; }\n"
     "message BoolValue { bool value = 1; }\n"
     "message StringValue { string value = 1; }\n"
     "message BytesValue { bytes value = 1; }\n"},
    {"confluent/type/decimal.proto",
     "syntax = \"proto3\"; package confluent.type;\n"
     "message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }\n"},
    {"confluent/meta.proto",
     "syntax = \"proto3\"; package confluent;\n"
     "message Meta { string doc = 1; map<string, string> params = 2; }\n"},
    {"google/type/date.proto",
     "syntax = \"proto3\"; package google.type;\n"
     "message Date { int32 year = 1; int32 month = 2; int32 day = 3; }\n"},
    {"google/type/timeofday.proto",
     "syntax = \"proto3\"; package google.type;\n"
     "message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; "
     "}\n"},
};

static const char *const SCALARS[] = {
    [WY_PB_DOUBLE] = "double",     [WY_PB_FLOAT] = "float",   [WY_PB_INT64] = "int64",
    [WY_PB_UINT64] = "uint64",     [WY_PB_INT32] = "int32",   [WY_PB_FIXED64] = "fixed64",
    [WY_PB_FIXED32] = "fixed32",   [WY_PB_BOOL] = "bool",     [WY_PB_STRING] = "string",
    [WY_PB_BYTES] = "bytes",       [WY_PB_UINT32] = "uint32", [WY_PB_SFIXED32] = "sfixed32",
    [WY_PB_SFIXED64] = "sfixed64", [WY_PB_SINT32] = "sint32", [WY_PB_SINT64] = "sint64",
};

bool pb_scalar_kind(const char *name, wy_pb_kind_t *out) {
  for (int k = 1; k <= WY_PB_KIND_MAX; k++) {
    if (SCALARS[k] && strcmp(SCALARS[k], name) == 0) {
      *out = (wy_pb_kind_t)k;
      return true;
    }
  }
  return false;
}

/* ---- memory ---- */

void *pb_grow(wy_arena_t *a, void *arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return arr;
  size_t ncap = *cap ? *cap * 2 : 4;
  void *p = wy_arena_calloc(a, ncap, size);
  if (!p) return NULL;
  if (n) memcpy(p, arr, n * size);
  *cap = ncap;
  return p;
}

/* Arrays of the model grow in the arena; their capacity is kept beside them only while
 * building, in a small side table keyed by the array's address would be overkill: the
 * capacity is recomputed as the next power of two (>= 4) at or above the count. */
static size_t cap_of(size_t n) {
  if (n == 0) return 0;
  size_t c = 4;
  while (c < n) c *= 2;
  return c;
}

#define PB_APPEND(b, arr, n) \
  ((arr) = pb_append((b), (arr), (n), sizeof *(arr)), (arr) ? &(arr)[(n)++] : NULL)

static void *pb_append(pb_build_t *b, void *arr, size_t n, size_t size) {
  size_t cap = cap_of(n);
  if (n < cap) return arr;
  void *p = pb_grow(b->arena, arr, &cap, n, size);
  if (!p) pb_fail(b, 0, 0, "out of memory");
  return p;
}

wy_pb_schema_t *pb_schema_new(void) {
  wy_pb_schema_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->impl = calloc(1, sizeof *s->impl);
  if (!s->impl) {
    free(s);
    return NULL;
  }
  wy_arena_init(&s->impl->arena, 16384);
  return s;
}

void wy_pb_schema_free(wy_pb_schema_t *s) {
  if (!s) return;
  if (s->impl) {
    wy_arena_release(&s->impl->arena);
    free(s->impl);
  }
  free(s);
}

wy_pb_file_t *pb_file_add(wy_pb_schema_t *s, const char *name) {
  struct wy_pb_schema_impl *im = s->impl;
  wy_pb_file_t **files = pb_grow(&im->arena, im->files, &im->capfiles, im->nfiles, sizeof *files);
  if (!files) return NULL;
  im->files = files;
  wy_pb_file_t *f = wy_arena_calloc(&im->arena, 1, sizeof *f);
  if (!f) return NULL;
  if (name && !(f->name = wy_arena_strdup(&im->arena, name))) return NULL;
  files[im->nfiles++] = f;
  if (im->nfiles == 1) s->file = f;
  return f;
}

/* ---- errors ---- */

void pb_fail(pb_build_t *b, int line, int col, const char *fmt, ...) {
  if (b->failed) return;
  b->failed = true;
  char msg[WY_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (line > 0)
    wy_error_set(b->err, WY_ERR_INVALID, "%s%d:%d: %s", b->file_label, line, col, msg);
  else
    wy_error_set(b->err, WY_ERR_INVALID, "%s%s", b->file_label, msg);
  if (b->err && !*b->file_label && line > 0) {
    b->err->line = line;
    b->err->column = col;
  }
}

/* ---- strings ---- */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  if (cp > 0x10FFFF) cp = 0xFFFD;
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* The value of a quoted string literal (quotes included in [s, s + len)). */
static char *unescape(wy_arena_t *a, const char *s, int len) {
  char *out = wy_arena_alloc(a, (size_t)len * 2 + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (int i = 1; i < len - 1; i++) {
    char c = s[i];
    if (c != '\\' || i + 1 >= len - 1) {
      out[o++] = c;
      continue;
    }
    c = s[++i];
    switch (c) {
      case 'a':
        out[o++] = '\a';
        break;
      case 'b':
        out[o++] = '\b';
        break;
      case 'f':
        out[o++] = '\f';
        break;
      case 'n':
        out[o++] = '\n';
        break;
      case 'r':
        out[o++] = '\r';
        break;
      case 't':
        out[o++] = '\t';
        break;
      case 'v':
        out[o++] = '\v';
        break;
      case 'x':
      case 'X': {
        int v = 0, n = 0;
        while (n < 2 && i + 1 < len - 1 && hexval(s[i + 1]) >= 0) v = v * 16 + hexval(s[++i]), n++;
        out[o++] = n ? (char)v : c;
        break;
      }
      case 'u':
      case 'U': {
        int want = c == 'u' ? 4 : 8, n = 0;
        uint32_t v = 0;
        while (n < want && i + 1 < len - 1 && hexval(s[i + 1]) >= 0)
          v = v * 16 + (uint32_t)hexval(s[++i]), n++;
        o += put_utf8(out + o, v);
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int v = c - '0', n = 1;
          while (n < 3 && i + 1 < len - 1 && s[i + 1] >= '0' && s[i + 1] <= '7')
            v = v * 8 + (s[++i] - '0'), n++;
          out[o++] = (char)v;
        } else {
          out[o++] = c; /* \\ \' \" \? */
        }
    }
  }
  out[o] = 0;
  return out;
}

char *pb_tok_str(pb_build_t *b, const pb_tok_t *t) {
  char *s = t->kind == PB_STRING ? unescape(b->arena, t->s, t->len)
                                 : wy_arena_strndup(b->arena, t->s, (size_t)t->len);
  if (!s) pb_fail(b, 0, 0, "out of memory");
  return s ? s : "";
}

char *pb_name_join(pb_build_t *b, const char *a, const char *sep, const char *c) {
  char *s = wy_arena_sprintf(b->arena, "%s%s%s", a ? a : "", sep, c ? c : "");
  if (!s) pb_fail(b, 0, 0, "out of memory");
  return s ? s : "";
}

/* A decimal, hex (0x) or octal (0...) literal; false when malformed or above max. */
static bool parse_uint(const pb_tok_t *t, uint64_t max, uint64_t *out) {
  const char *s = t->s;
  int n = t->len, i = 0, base = 10;
  if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
    if (n == 2) return false;
  } else if (n >= 2 && s[0] == '0') {
    base = 8;
    i = 1;
  }
  uint64_t v = 0;
  for (; i < n; i++) {
    int d = hexval(s[i]);
    if (d < 0 || d >= base) return false;
    if (v > (max - (uint64_t)d) / (uint64_t)base) return false;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  *out = v;
  return true;
}

/* ---- declarations ---- */

static pb_scope_t *top(pb_build_t *b) { return &b->stack[b->depth]; }

void pb_syntax(pb_build_t *b, const pb_tok_t *str) {
  if (b->failed) return;
  char *v = pb_tok_str(b, str);
  if (strcmp(v, "proto3") == 0)
    b->file->syntax = WY_PB_SYNTAX_PROTO3;
  else if (strcmp(v, "proto2") == 0)
    b->file->syntax = WY_PB_SYNTAX_PROTO2;
  else
    return pb_fail(b, str->line, str->col, "unknown syntax \"%.40s\"", v);
  b->file->syntax_declared = true;
}

void pb_package(pb_build_t *b, const pb_name_t *name) {
  if (b->failed) return;
  if (b->file->package) return pb_fail(b, name->line, name->col, "multiple package definitions");
  b->file->package = name->s;
}

void pb_import(pb_build_t *b, const pb_tok_t *str, wy_pb_import_kind_t kind) {
  if (b->failed) return;
  wy_pb_file_t *f = b->file;
  wy_pb_import_t *im = PB_APPEND(b, f->imports, f->nimports);
  if (!im) return;
  im->path = pb_tok_str(b, str);
  im->kind = kind;
}

static bool push(pb_build_t *b, pb_scope_t sc, int line, int col) {
  if (b->depth >= PB_MAX_DEPTH) {
    pb_fail(b, line, col, "declarations nested more than %d deep", PB_MAX_DEPTH);
    return false;
  }
  b->stack[++b->depth] = sc;
  return true;
}

void pb_open_ignored(pb_build_t *b) {
  if (b->failed) return;
  pb_scope_t sc = {PB_SCOPE_IGNORE, NULL, NULL, -1};
  push(b, sc, 0, 0);
}

void pb_close(pb_build_t *b) {
  if (b->failed) return;
  if (b->depth > 0) b->depth--;
}

void pb_open_message(pb_build_t *b, const pb_tok_t *name) {
  if (b->failed) return;
  pb_scope_t *sc = top(b);
  wy_pb_message_t *m = NULL;
  int order = 0;
  if (sc->kind == PB_SCOPE_FILE) {
    order = (int)(b->file->nmessages + b->file->nenums);
    m = PB_APPEND(b, b->file->messages, b->file->nmessages);
  } else if (sc->kind == PB_SCOPE_MESSAGE) {
    order = (int)(sc->msg->nmessages + sc->msg->nenums);
    m = PB_APPEND(b, sc->msg->messages, sc->msg->nmessages);
  } else {
    return pb_open_ignored(b);
  }
  if (!m) return;
  memset(m, 0, sizeof *m);
  m->name = pb_tok_str(b, name);
  m->decl_order = order;
  pb_scope_t n = {PB_SCOPE_MESSAGE, m, NULL, -1};
  push(b, n, name->line, name->col);
}

void pb_open_enum(pb_build_t *b, const pb_tok_t *name) {
  if (b->failed) return;
  pb_scope_t *sc = top(b);
  wy_pb_enum_t *e = NULL;
  int order = 0;
  if (sc->kind == PB_SCOPE_FILE) {
    order = (int)(b->file->nmessages + b->file->nenums);
    e = PB_APPEND(b, b->file->enums, b->file->nenums);
  } else if (sc->kind == PB_SCOPE_MESSAGE) {
    order = (int)(sc->msg->nmessages + sc->msg->nenums);
    e = PB_APPEND(b, sc->msg->enums, sc->msg->nenums);
  } else {
    return pb_open_ignored(b);
  }
  if (!e) return;
  memset(e, 0, sizeof *e);
  e->name = pb_tok_str(b, name);
  e->decl_order = order;
  pb_scope_t n = {PB_SCOPE_ENUM, NULL, e, -1};
  push(b, n, name->line, name->col);
}

void pb_open_oneof(pb_build_t *b, const pb_tok_t *name) {
  if (b->failed) return;
  pb_scope_t *sc = top(b);
  if (sc->kind != PB_SCOPE_MESSAGE) return pb_open_ignored(b);
  wy_pb_message_t *m = sc->msg;
  wy_pb_oneof_t *o = PB_APPEND(b, m->oneofs, m->noneofs);
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->name = pb_tok_str(b, name);
  o->first_field = m->nfields;
  pb_scope_t n = {PB_SCOPE_ONEOF, m, NULL, (int)m->noneofs - 1};
  push(b, n, name->line, name->col);
}

void pb_drop_pending(pb_build_t *b) {
  b->pending = NULL;
  b->npending = b->cappending = 0;
}

/* Take the queued [ ... ] options. */
static void take_pending(pb_build_t *b, wy_pb_option_t **opts, size_t *n) {
  *opts = b->pending;
  *n = b->npending;
  b->pending = NULL;
  b->npending = b->cappending = 0;
}

static wy_pb_field_t *new_field(pb_build_t *b, wy_pb_message_t *m, const pb_tok_t *name,
                                const pb_tok_t *number) {
  uint64_t num;
  if (!parse_uint(number, UINT64_MAX, &num) || num < 1 || num > PB_MAX_FIELD_NUMBER) {
    pb_fail(b, number->line, number->col, "field number %.*s out of range 1..%d",
            number->len > 20 ? 20 : number->len, number->s, PB_MAX_FIELD_NUMBER);
    return NULL;
  }
  if (num >= 19000 && num <= 19999) {
    pb_fail(b, number->line, number->col,
            "field number %" PRIu64 " is reserved for the protobuf implementation", num);
    return NULL;
  }
  wy_pb_field_t *f = PB_APPEND(b, m->fields, m->nfields);
  if (!f) return NULL;
  memset(f, 0, sizeof *f);
  f->name = pb_tok_str(b, name);
  f->number = (int32_t)num;
  f->oneof_index = -1;
  f->decimal_precision = f->decimal_scale = -1;
  f->line = name->line;
  f->column = name->col;
  take_pending(b, &f->options, &f->noptions);
  return f;
}

void pb_field(pb_build_t *b, wy_pb_label_t label, const pb_name_t *type, const pb_tok_t *name,
              const pb_tok_t *number) {
  if (b->failed) return;
  pb_scope_t *sc = top(b);
  if (sc->kind != PB_SCOPE_MESSAGE && sc->kind != PB_SCOPE_ONEOF) return pb_drop_pending(b);
  wy_pb_message_t *m = sc->msg;
  if (sc->kind == PB_SCOPE_ONEOF) {
    wy_pb_oneof_t *o = &m->oneofs[sc->oneof];
    if (o->nfields && o->first_field + o->nfields != m->nfields)
      return pb_fail(b, name->line, name->col, "oneof members must be consecutive");
  }
  if (label == WY_PB_LABEL_REQUIRED && b->file->syntax == WY_PB_SYNTAX_PROTO3)
    return pb_fail(b, name->line, name->col, "required fields are not allowed in proto3");
  wy_pb_field_t *f = new_field(b, m, name, number);
  if (!f) return;
  f->label = label;
  f->type_text = type->s;
  if (sc->kind == PB_SCOPE_ONEOF) {
    f->oneof_index = sc->oneof;
    m->oneofs[sc->oneof].nfields++;
  }
}

/* protoc's name of a map field's entry message: foo_bar -> FooBarEntry. */
static char *map_entry_name(pb_build_t *b, const char *field) {
  size_t n = strlen(field);
  char *s = wy_arena_alloc(b->arena, n + 6);
  if (!s) return NULL;
  size_t o = 0;
  bool up = true;
  for (size_t i = 0; i < n; i++) {
    if (field[i] == '_') {
      up = true;
      continue;
    }
    s[o++] = up ? (char)toupper((unsigned char)field[i]) : field[i];
    up = false;
  }
  memcpy(s + o, "Entry", 6);
  return s;
}

void pb_map_field(pb_build_t *b, const pb_tok_t *key, const pb_name_t *value, const pb_tok_t *name,
                  const pb_tok_t *number) {
  if (b->failed) return;
  pb_scope_t *sc = top(b);
  if (sc->kind != PB_SCOPE_MESSAGE) return pb_drop_pending(b);
  char *k = pb_tok_str(b, key);
  wy_pb_kind_t kk;
  if (!pb_scalar_kind(k, &kk) || kk == WY_PB_DOUBLE || kk == WY_PB_FLOAT || kk == WY_PB_BYTES)
    return pb_fail(b, key->line, key->col, "invalid map key type '%.40s'", k);
  wy_pb_message_t *m = sc->msg;
  wy_pb_field_t *f = new_field(b, m, name, number);
  if (!f) return;
  f->label = WY_PB_LABEL_REPEATED;
  f->type_text = wy_arena_sprintf(b->arena, "map<%s, %s>", k, value->s);
  /* The synthetic entry message, as protoc declares it. */
  int order = (int)(m->nmessages + m->nenums);
  wy_pb_message_t *e = PB_APPEND(b, m->messages, m->nmessages);
  if (!e || b->failed) return;
  memset(e, 0, sizeof *e);
  e->name = map_entry_name(b, f->name);
  e->decl_order = order;
  e->map_entry = true;
  pb_tok_t kname = {PB_IDENT, "key", 3, key->line, key->col};
  pb_tok_t vname = {PB_IDENT, "value", 5, value->line, value->col};
  pb_tok_t one = {PB_INT, "1", 1, key->line, key->col};
  pb_tok_t two = {PB_INT, "2", 1, value->line, value->col};
  wy_pb_field_t *kf = new_field(b, e, &kname, &one);
  if (!kf) return;
  kf->type_text = k;
  wy_pb_field_t *vf = new_field(b, e, &vname, &two);
  if (!vf) return;
  vf->type_text = value->s;
}

void pb_enum_value(pb_build_t *b, const pb_tok_t *name, const pb_tok_t *number, bool negative) {
  if (b->failed) return;
  pb_scope_t *sc = top(b);
  if (sc->kind != PB_SCOPE_ENUM) return;
  uint64_t v;
  if (!parse_uint(number, negative ? 2147483648u : 2147483647u, &v))
    return pb_fail(b, number->line, number->col, "enum value %s%.*s out of range",
                   negative ? "-" : "", number->len > 20 ? 20 : number->len, number->s);
  wy_pb_enum_t *e = sc->en;
  wy_pb_enum_value_t *ev = PB_APPEND(b, e->values, e->nvalues);
  if (!ev) return;
  memset(ev, 0, sizeof *ev);
  ev->name = pb_tok_str(b, name);
  ev->number = negative ? (int32_t)(-(int64_t)v) : (int32_t)v;
  take_pending(b, &ev->options, &ev->noptions);
}

static wy_pb_reserved_t *new_reserved(pb_build_t *b) {
  pb_scope_t *sc = top(b);
  wy_pb_reserved_t *r = NULL;
  if (sc->kind == PB_SCOPE_MESSAGE)
    r = PB_APPEND(b, sc->msg->reserved, sc->msg->nreserved);
  else if (sc->kind == PB_SCOPE_ENUM)
    r = PB_APPEND(b, sc->en->reserved, sc->en->nreserved);
  if (r) {
    memset(r, 0, sizeof *r);
    r->stmt = b->reserved_stmt;
  }
  return r;
}

void pb_reserved_begin(pb_build_t *b) { b->reserved_stmt++; }

static bool range_value(pb_build_t *b, const pb_tok_t *t, bool neg, int32_t *out) {
  uint64_t v;
  if (!parse_uint(t, neg ? 2147483648u : 2147483647u, &v)) {
    pb_fail(b, t->line, t->col, "reserved number %.*s out of range", t->len > 20 ? 20 : t->len,
            t->s);
    return false;
  }
  *out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
  return true;
}

void pb_reserved_range(pb_build_t *b, const pb_tok_t *lo, bool lo_neg, const pb_tok_t *hi,
                       bool hi_neg, bool to_max) {
  if (b->failed) return;
  int32_t a, z = INT32_MAX;
  if (!range_value(b, lo, lo_neg, &a)) return;
  if (!to_max && !range_value(b, hi, hi_neg, &z)) return;
  if (z < a) return pb_fail(b, hi->line, hi->col, "reserved range end is before its start");
  wy_pb_reserved_t *r = new_reserved(b);
  if (!r) return;
  r->start = a;
  r->end = z;
}

void pb_reserved_name(pb_build_t *b, const pb_tok_t *str) {
  if (b->failed) return;
  wy_pb_reserved_t *r = new_reserved(b);
  if (r) r->name = pb_tok_str(b, str);
}

/* ---- options ---- */

wy_pb_option_t *pb_opt_scalar(pb_build_t *b, wy_pb_opt_kind_t kind, const char *text) {
  wy_pb_option_t *o = wy_arena_calloc(b->arena, 1, sizeof *o);
  if (!o) {
    pb_fail(b, 0, 0, "out of memory");
    return NULL;
  }
  o->kind = kind;
  o->text = (char *)text;
  return o;
}

wy_pb_option_t *pb_opt_string(pb_build_t *b, const pb_tok_t *str) {
  return pb_opt_scalar(b, WY_PB_OPT_STRING, pb_tok_str(b, str));
}

wy_pb_option_t *pb_opt_string_cat(pb_build_t *b, wy_pb_option_t *prev, const pb_tok_t *str) {
  if (!prev) return NULL;
  prev->text = pb_name_join(b, prev->text, "", pb_tok_str(b, str));
  return prev;
}

wy_pb_option_t *pb_opt_aggregate(pb_build_t *b, wy_pb_opt_kind_t kind) {
  return pb_opt_scalar(b, kind, NULL);
}

void pb_opt_append(pb_build_t *b, wy_pb_option_t *agg, wy_pb_option_t *item, const char *name) {
  if (b->failed || !agg || !item) return;
  wy_pb_option_t *slot = PB_APPEND(b, agg->items, agg->nitems);
  if (!slot) return;
  *slot = *item;
  slot->name = (char *)name;
}

static void set_option_name(wy_pb_option_t *o, const pb_name_t *name) {
  const char *s = name->s;
  size_t n = strlen(s);
  /* "(ext.name)" -> name "ext.name", parenthesized; "(ext).sub" stays as written. */
  if (n >= 2 && s[0] == '(' && s[n - 1] == ')' && !strchr(s + 1, '(')) {
    o->name = (char *)s + 1;
    o->name[n - 2] = 0;
    o->parenthesized = true;
  } else {
    o->name = (char *)s;
  }
}

void pb_option_decl(pb_build_t *b, const pb_name_t *name, wy_pb_option_t *value) {
  if (b->failed || !value) return;
  pb_scope_t *sc = top(b);
  wy_pb_option_t **arr;
  size_t *n;
  switch (sc->kind) {
    case PB_SCOPE_FILE:
      arr = &b->file->options, n = &b->file->noptions;
      break;
    case PB_SCOPE_MESSAGE:
      arr = &sc->msg->options, n = &sc->msg->noptions;
      break;
    case PB_SCOPE_ENUM:
      arr = &sc->en->options, n = &sc->en->noptions;
      break;
    case PB_SCOPE_ONEOF:
      arr = &sc->msg->oneofs[sc->oneof].options, n = &sc->msg->oneofs[sc->oneof].noptions;
      break;
    default:
      return;
  }
  wy_pb_option_t *slot = PB_APPEND(b, *arr, *n);
  if (!slot) return;
  *slot = *value;
  set_option_name(slot, name);
}

void pb_option_pending(pb_build_t *b, const pb_name_t *name, wy_pb_option_t *value) {
  if (b->failed || !value) return;
  wy_pb_option_t *p = pb_grow(b->arena, b->pending, &b->cappending, b->npending, sizeof *p);
  if (!p) return pb_fail(b, 0, 0, "out of memory");
  b->pending = p;
  p[b->npending] = *value;
  set_option_name(&p[b->npending], name);
  b->npending++;
}

/* ---- the lexer ---- */

static const struct {
  const char *word;
  int kind;
} KEYWORDS[] = {
    {"syntax", PB_SYNTAX},
    {"edition", PB_EDITION},
    {"package", PB_PACKAGE},
    {"import", PB_IMPORT},
    {"public", PB_PUBLIC},
    {"weak", PB_WEAK},
    {"option", PB_OPTION},
    {"message", PB_MESSAGE},
    {"enum", PB_ENUM},
    {"repeated", PB_REPEATED},
    {"optional", PB_OPTIONAL},
    {"required", PB_REQUIRED},
    {"map", PB_MAP},
    {"oneof", PB_ONEOF},
    {"reserved", PB_RESERVED},
    {"extensions", PB_EXTENSIONS},
    {"to", PB_TO},
    {"max", PB_MAX},
    {"extend", PB_EXTEND},
    {"service", PB_SERVICE},
    {"rpc", PB_RPC},
    {"returns", PB_RETURNS},
    {"stream", PB_STREAM},
};

typedef struct {
  const char *s;
  size_t len, pos;
  int line, col;
} lexer_t;

static void advance(lexer_t *lx, size_t n) {
  for (size_t i = 0; i < n && lx->pos < lx->len; i++) {
    if (lx->s[lx->pos++] == '\n') {
      lx->line++;
      lx->col = 1;
    } else {
      lx->col++;
    }
  }
}

/* The next token into *t: kind 0 at the end, -1 on a lexical error (b failed). */
static void next_token(lexer_t *lx, pb_build_t *b, pb_tok_t *t) {
  for (;;) {
    while (lx->pos < lx->len && isspace((unsigned char)lx->s[lx->pos])) advance(lx, 1);
    if (lx->pos + 1 < lx->len && lx->s[lx->pos] == '/' && lx->s[lx->pos + 1] == '/') {
      while (lx->pos < lx->len && lx->s[lx->pos] != '\n') advance(lx, 1);
      continue;
    }
    if (lx->pos + 1 < lx->len && lx->s[lx->pos] == '/' && lx->s[lx->pos + 1] == '*') {
      int line = lx->line, col = lx->col;
      advance(lx, 2);
      while (lx->pos + 1 < lx->len && !(lx->s[lx->pos] == '*' && lx->s[lx->pos + 1] == '/'))
        advance(lx, 1);
      if (lx->pos + 1 >= lx->len) {
        pb_fail(b, line, col, "unterminated comment");
        t->kind = -1;
        return;
      }
      advance(lx, 2);
      continue;
    }
    break;
  }
  t->s = lx->s + lx->pos;
  t->line = lx->line;
  t->col = lx->col;
  t->len = 0;
  if (lx->pos >= lx->len) {
    t->kind = 0;
    return;
  }
  unsigned char c = (unsigned char)lx->s[lx->pos];
  size_t n = 1;
  if (isalpha(c) || c == '_') {
    while (lx->pos + n < lx->len &&
           (isalnum((unsigned char)lx->s[lx->pos + n]) || lx->s[lx->pos + n] == '_'))
      n++;
    t->kind = PB_IDENT;
    for (size_t i = 0; i < sizeof KEYWORDS / sizeof *KEYWORDS; i++)
      if (strlen(KEYWORDS[i].word) == n && memcmp(KEYWORDS[i].word, t->s, n) == 0)
        t->kind = KEYWORDS[i].kind;
  } else if (isdigit(c) ||
             (c == '.' && lx->pos + 1 < lx->len && isdigit((unsigned char)lx->s[lx->pos + 1]))) {
    bool is_float = c == '.',
         hex = c == '0' && lx->pos + 1 < lx->len && (lx->s[lx->pos + 1] | 0x20) == 'x';
    while (lx->pos + n < lx->len) {
      char d = lx->s[lx->pos + n];
      if (isalnum((unsigned char)d) || d == '_') {
        if (!hex && (d == 'e' || d == 'E')) {
          is_float = true;
          if (lx->pos + n + 1 < lx->len &&
              (lx->s[lx->pos + n + 1] == '-' || lx->s[lx->pos + n + 1] == '+'))
            n++;
        }
        n++;
      } else if (d == '.' && !hex) {
        is_float = true;
        n++;
      } else {
        break;
      }
    }
    t->kind = is_float ? PB_FLOAT : PB_INT;
  } else if (c == '"' || c == '\'') {
    while (lx->pos + n < lx->len && lx->s[lx->pos + n] != (char)c && lx->s[lx->pos + n] != '\n') {
      if (lx->s[lx->pos + n] == '\\' && lx->pos + n + 1 < lx->len && lx->s[lx->pos + n + 1] != '\n')
        n++;
      n++;
    }
    if (lx->pos + n >= lx->len || lx->s[lx->pos + n] != (char)c) {
      pb_fail(b, t->line, t->col, "unterminated string");
      t->kind = -1;
      return;
    }
    n++;
    t->kind = PB_STRING;
  } else {
    switch (c) {
      case ';':
        t->kind = PB_SEMI;
        break;
      case '=':
        t->kind = PB_EQ;
        break;
      case '{':
        t->kind = PB_LBRACE;
        break;
      case '}':
        t->kind = PB_RBRACE;
        break;
      case '[':
        t->kind = PB_LBRACKET;
        break;
      case ']':
        t->kind = PB_RBRACKET;
        break;
      case '(':
        t->kind = PB_LPAREN;
        break;
      case ')':
        t->kind = PB_RPAREN;
        break;
      case '<':
        t->kind = PB_LT;
        break;
      case '>':
        t->kind = PB_GT;
        break;
      case ',':
        t->kind = PB_COMMA;
        break;
      case '.':
        t->kind = PB_DOT;
        break;
      case ':':
        t->kind = PB_COLON;
        break;
      case '-':
        t->kind = PB_MINUS;
        break;
      case '+':
        t->kind = PB_PLUS;
        break;
      default:
        if (c >= 0x20 && c < 0x7f)
          pb_fail(b, t->line, t->col, "unexpected character '%c'", c);
        else
          pb_fail(b, t->line, t->col, "unexpected byte 0x%02x", c);
        t->kind = -1;
        return;
    }
  }
  if (n > 0x7fffffff) n = 0x7fffffff;
  t->len = (int)n;
  advance(lx, n);
}

/* Parse one file's text into f. label prefixes its errors ("" for the main text). */
static wy_status_t parse_file(wy_pb_schema_t *s, wy_pb_file_t *f, const char *text,
                              const char *label, wy_error_t *err) {
  pb_build_t b;
  memset(&b, 0, sizeof b);
  b.schema = s;
  b.arena = &s->impl->arena;
  b.file = f;
  b.file_label = label;
  b.err = err;
  b.stack[0].kind = PB_SCOPE_FILE;
  b.stack[0].oneof = -1;
  f->syntax = WY_PB_SYNTAX_PROTO2; /* protoc's default without a syntax statement */
  void *p = wy_pb_lemonAlloc(malloc);
  if (!p) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  lexer_t lx = {text, strlen(text), 0, 1, 1};
  pb_tok_t t;
  do {
    next_token(&lx, &b, &t);
    if (t.kind < 0 || b.failed) break;
    wy_pb_lemon(p, t.kind, t, &b);
  } while (t.kind != 0 && !b.failed);
  wy_pb_lemonFree(p, free);
  return b.failed ? err->code : WY_OK;
}

/* ---- linking: names, resolution, checks ---- */

typedef struct {
  const char *full;
  wy_pb_message_t *msg;
  wy_pb_enum_t *en;
} symbol_t;

typedef struct {
  wy_pb_schema_t *s;
  symbol_t *syms;
  size_t nsyms, capsyms;
  wy_error_t *err;
  bool failed;
} link_t;

static const struct {
  wy_pb_wkt_t tag;
  const char *full;
} WKTS[] = {
#define WY_PB_X_WKT(tag, full, file) {tag, full},
    WY_PB_WKT_LIST(WY_PB_X_WKT)
#undef WY_PB_X_WKT
};

static void link_fail(link_t *l, const wy_pb_file_t *f, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void link_fail(link_t *l, const wy_pb_file_t *f, int line, int col, const char *fmt, ...) {
  if (l->failed) return;
  l->failed = true;
  char msg[WY_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (f->name)
    wy_error_set(l->err, WY_ERR_INVALID, "in %s: %d:%d: %s", f->name, line, col, msg);
  else
    wy_error_set_pos(l->err, WY_ERR_INVALID, line, col, "%d:%d: %s", line, col, msg);
}

static void add_symbol(link_t *l, const char *full, wy_pb_message_t *m, wy_pb_enum_t *e) {
  symbol_t *syms = pb_grow(&l->s->impl->arena, l->syms, &l->capsyms, l->nsyms, sizeof *syms);
  if (!syms) {
    l->failed = true;
    wy_error_set(l->err, WY_ERR_NOMEM, "out of memory");
    return;
  }
  l->syms = syms;
  syms[l->nsyms++] = (symbol_t){full, m, e};
}

static char *qualify(link_t *l, const char *prefix, const char *name) {
  if (!prefix || !*prefix) return (char *)name;
  return wy_arena_sprintf(&l->s->impl->arena, "%s.%s", prefix, name);
}

static void name_enum(link_t *l, wy_pb_file_t *f, wy_pb_message_t *parent, const char *prefix,
                      wy_pb_enum_t *e) {
  e->full_name = qualify(l, prefix, e->name);
  e->parent = parent;
  e->file = f;
  if (e->full_name) add_symbol(l, e->full_name, NULL, e);
}

static void name_message(link_t *l, wy_pb_file_t *f, wy_pb_message_t *parent, const char *prefix,
                         wy_pb_message_t *m) {
  m->full_name = qualify(l, prefix, m->name);
  if (!m->full_name) {
    l->failed = true;
    return;
  }
  m->parent = parent;
  m->file = f;
  for (size_t i = 0; i < sizeof WKTS / sizeof *WKTS; i++)
    if (strcmp(WKTS[i].full, m->full_name) == 0) m->wkt = WKTS[i].tag;
  add_symbol(l, m->full_name, m, NULL);
  for (size_t i = 0; i < m->nmessages; i++) name_message(l, f, m, m->full_name, &m->messages[i]);
  for (size_t i = 0; i < m->nenums; i++) name_enum(l, f, m, m->full_name, &m->enums[i]);
}

static const symbol_t *find_symbol(link_t *l, const char *full, size_t len) {
  for (size_t i = 0; i < l->nsyms; i++)
    if (strlen(l->syms[i].full) == len && memcmp(l->syms[i].full, full, len) == 0)
      return &l->syms[i];
  return NULL;
}

/* protobuf's scoping: from the innermost scope outwards, the first scope in which the
 * reference names a type. */
static const symbol_t *resolve(link_t *l, const char *scope, const char *ref) {
  if (ref[0] == '.') return find_symbol(l, ref + 1, strlen(ref + 1));
  size_t slen = strlen(scope), rlen = strlen(ref);
  char *buf = wy_arena_alloc(&l->s->impl->arena, slen + rlen + 2);
  if (!buf) return NULL;
  for (;;) {
    size_t n = 0;
    if (slen) {
      memcpy(buf, scope, slen);
      buf[slen] = '.';
      n = slen + 1;
    }
    memcpy(buf + n, ref, rlen);
    const symbol_t *sym = find_symbol(l, buf, n + rlen);
    if (sym) return sym;
    if (!slen) return NULL;
    while (slen > 0 && scope[slen - 1] != '.') slen--;
    if (slen > 0) slen--; /* drop the dot */
  }
}

static const wy_pb_option_t *find_option(const wy_pb_option_t *opts, size_t n, const char *name,
                                         bool paren) {
  for (size_t i = 0; i < n; i++)
    if (opts[i].name && opts[i].parenthesized == paren && strcmp(opts[i].name, name) == 0)
      return &opts[i];
  return NULL;
}

static int option_int(const wy_pb_option_t *o) {
  if (!o || !o->text || (o->kind != WY_PB_OPT_STRING && o->kind != WY_PB_OPT_NUMBER)) return -1;
  char *end;
  long v = strtol(o->text, &end, 10);
  return (*o->text && !*end && v >= 0 && v <= 1000) ? (int)v : -1;
}

/* (confluent.field_meta) = { params: [{key: "precision", value: "4"}, ...] } — also the
 * text-format spelling with repeated `params { ... }` entries. */
static void read_field_meta(wy_pb_field_t *f) {
  const wy_pb_option_t *meta = find_option(f->options, f->noptions, "confluent.field_meta", true);
  if (!meta || meta->kind != WY_PB_OPT_MAP) return;
  for (size_t i = 0; i < meta->nitems; i++) {
    const wy_pb_option_t *p = &meta->items[i];
    if (!p->name || strcmp(p->name, "params") != 0) continue;
    size_t n = p->kind == WY_PB_OPT_LIST ? p->nitems : 1;
    for (size_t j = 0; j < n; j++) {
      const wy_pb_option_t *e = p->kind == WY_PB_OPT_LIST ? &p->items[j] : p;
      if (e->kind != WY_PB_OPT_MAP) continue;
      const wy_pb_option_t *k = find_option(e->items, e->nitems, "key", false);
      const wy_pb_option_t *v = find_option(e->items, e->nitems, "value", false);
      if (!k || k->kind != WY_PB_OPT_STRING || !k->text) continue;
      if (strcmp(k->text, "precision") == 0) f->decimal_precision = option_int(v);
      if (strcmp(k->text, "scale") == 0) f->decimal_scale = option_int(v);
    }
  }
}

/* Is entry the name protoc derives for a map field named field (foo_bar -> FooBarEntry)? */
static bool is_entry_of(const char *entry, const char *field) {
  bool up = true;
  for (; *field; field++) {
    if (*field == '_') {
      up = true;
      continue;
    }
    char want = up ? (char)toupper((unsigned char)*field) : *field;
    if (*entry++ != want) return false;
    up = false;
  }
  return strcmp(entry, "Entry") == 0;
}

static bool packable(wy_pb_kind_t k) {
  return k != WY_PB_STRING && k != WY_PB_BYTES && k != WY_PB_MESSAGE;
}

static int by_number_cmp(const void *a, const void *b) {
  int32_t x = (*(const wy_pb_field_t *const *)a)->number,
          y = (*(const wy_pb_field_t *const *)b)->number;
  return (x > y) - (x < y);
}

/* The index behind wy_pb_field_by_number (numbers are unique by now). */
static void index_fields(link_t *l, wy_pb_message_t *m) {
  int32_t max = 0;
  for (size_t i = 0; i < m->nfields; i++)
    if (m->fields[i].number > max) max = m->fields[i].number;
  bool dense = (size_t)max <= 4 * m->nfields + 32;
  size_t n = dense ? (size_t)max + 1 : m->nfields;
  const wy_pb_field_t **idx = wy_arena_calloc(&l->s->impl->arena, n ? n : 1, sizeof *idx);
  if (!idx) {
    l->failed = true;
    wy_error_set(l->err, WY_ERR_NOMEM, "out of memory");
    return;
  }
  for (size_t i = 0; i < m->nfields; i++) {
    if (dense)
      idx[m->fields[i].number] = &m->fields[i];
    else
      idx[i] = &m->fields[i];
  }
  if (!dense) qsort(idx, n, sizeof *idx, by_number_cmp);
  m->by_number = idx;
  m->nby_number = n;
  m->by_number_dense = dense;
}

static void link_fields(link_t *l, wy_pb_file_t *f, wy_pb_message_t *m) {
  for (size_t i = 0; i < m->nfields && !l->failed; i++) {
    wy_pb_field_t *fd = &m->fields[i];
    for (size_t j = 0; j < i; j++) {
      if (m->fields[j].number == fd->number)
        return link_fail(l, f, fd->line, fd->column, "field number %d is used twice in %s",
                         (int)fd->number, m->full_name);
      if (strcmp(m->fields[j].name, fd->name) == 0)
        return link_fail(l, f, fd->line, fd->column, "field '%s' is declared twice in %s", fd->name,
                         m->full_name);
    }
    const wy_pb_option_t *jn = find_option(fd->options, fd->noptions, "json_name", false);
    if (jn && jn->kind == WY_PB_OPT_STRING) fd->json_name = jn->text;
    if (strncmp(fd->type_text, "map<", 4) == 0) {
      fd->kind = WY_PB_MESSAGE;
      for (size_t j = 0; j < m->nmessages && !fd->message; j++)
        if (m->messages[j].map_entry && is_entry_of(m->messages[j].name, fd->name))
          fd->message = &m->messages[j];
      if (!fd->message)
        return link_fail(l, f, fd->line, fd->column, "map field '%s' has no entry", fd->name);
      continue;
    }
    wy_pb_kind_t k;
    if (pb_scalar_kind(fd->type_text, &k)) {
      fd->kind = k;
    } else {
      const symbol_t *sym = resolve(l, m->full_name, fd->type_text);
      if (!sym) {
        /* Most often the registry did not supply a reference: say which. */
        const char *missing = NULL;
        for (size_t ix = 0; ix < f->nimports && !missing; ix++)
          if (!f->imports[ix].file) missing = f->imports[ix].path;
        if (missing)
          return link_fail(
              l, f, fd->line, fd->column,
              "type '%s' of field '%s' is not defined (import \"%s\" was not supplied)",
              fd->type_text, fd->name, missing);
        return link_fail(l, f, fd->line, fd->column, "type '%s' of field '%s' is not defined",
                         fd->type_text, fd->name);
      }
      if (sym->msg) {
        fd->kind = WY_PB_MESSAGE;
        fd->message = sym->msg;
      } else {
        fd->kind = WY_PB_ENUM;
        fd->enumeration = sym->en;
      }
    }
    if (fd->label == WY_PB_LABEL_REPEATED && packable(fd->kind)) {
      const wy_pb_option_t *pk = find_option(fd->options, fd->noptions, "packed", false);
      fd->packed =
          pk ? (pk->text && strcmp(pk->text, "true") == 0) : f->syntax == WY_PB_SYNTAX_PROTO3;
    }
    read_field_meta(fd);
  }
  if (!l->failed) index_fields(l, m);
  for (size_t i = 0; i < m->nmessages && !l->failed; i++) link_fields(l, f, &m->messages[i]);
}

wy_status_t pb_link(wy_pb_schema_t *s, wy_error_t *err) {
  link_t l;
  memset(&l, 0, sizeof l);
  l.s = s;
  l.err = err;
  struct wy_pb_schema_impl *im = s->impl;
  for (size_t i = 0; i < im->nfiles && !l.failed; i++) {
    wy_pb_file_t *f = im->files[i];
    for (size_t j = 0; j < f->nmessages; j++)
      name_message(&l, f, NULL, f->package, &f->messages[j]);
    for (size_t j = 0; j < f->nenums; j++) name_enum(&l, f, NULL, f->package, &f->enums[j]);
  }
  for (size_t i = 0; i < im->nfiles && !l.failed; i++) {
    wy_pb_file_t *f = im->files[i];
    for (size_t j = 0; j < f->nmessages && !l.failed; j++) link_fields(&l, f, &f->messages[j]);
  }
  if (l.failed)
    return err && err->code != WY_OK ? err->code : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return WY_OK;
}

/* ---- loading files ---- */

static wy_pb_file_t *loaded(wy_pb_schema_t *s, const char *path) {
  for (size_t i = 1; i < s->impl->nfiles; i++)
    if (s->impl->files[i]->name && strcmp(s->impl->files[i]->name, path) == 0)
      return s->impl->files[i];
  return NULL;
}

wy_status_t pb_builtin_file(wy_pb_schema_t *s, const char *path, wy_pb_file_t **out,
                            wy_error_t *err) {
  *out = loaded(s, path);
  if (*out) return WY_OK;
  for (size_t i = 0; i < sizeof BUILTINS / sizeof *BUILTINS; i++) {
    if (strcmp(BUILTINS[i].path, path) != 0) continue;
    wy_pb_file_t *f = pb_file_add(s, path);
    if (!f) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    wy_status_t st = parse_file(s, f, BUILTINS[i].text, "", err);
    if (st == WY_OK) *out = f;
    return st;
  }
  return WY_OK;
}

wy_status_t wy_pb_parse(const char *text, const wy_pb_source_t *deps, size_t ndeps,
                        wy_pb_schema_t **out, wy_error_t *err) {
  *out = NULL;
  if (!text) return wy_error_set(err, WY_ERR_INVALID, "no protobuf schema text");
  wy_pb_schema_t *s = pb_schema_new();
  wy_pb_file_t *main_file = s ? pb_file_add(s, NULL) : NULL;
  if (!main_file) {
    wy_pb_schema_free(s);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  wy_status_t st = parse_file(s, main_file, text, "", err);
  /* Load the imports of every file, breadth first: references, then built-ins. */
  for (size_t i = 0; st == WY_OK && i < s->impl->nfiles; i++) {
    wy_pb_file_t *f = s->impl->files[i];
    for (size_t j = 0; st == WY_OK && j < f->nimports; j++) {
      wy_pb_import_t *im = &f->imports[j];
      wy_pb_file_t *dep = loaded(s, im->path);
      for (size_t k = 0; !dep && k < ndeps; k++) {
        if (!deps[k].name || !deps[k].text || strcmp(deps[k].name, im->path) != 0) continue;
        if (!(dep = pb_file_add(s, im->path))) {
          st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
          break;
        }
        char *label = wy_arena_sprintf(&s->impl->arena, "in %s: ", im->path);
        st = parse_file(s, dep, deps[k].text, label ? label : "", err);
      }
      if (st == WY_OK && !dep) st = pb_builtin_file(s, im->path, &dep, err);
      im->file = dep; /* an unknown import is tolerated until a type needs it */
    }
  }
  if (st == WY_OK) st = pb_link(s, err);
  if (st != WY_OK) {
    wy_pb_schema_free(s);
    return st;
  }
  *out = s;
  return WY_OK;
}
