/* JSON built-ins over a small validating scanner: no DOM, no heap; results are
 * slices of the input or arena copies. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/decimal.h"
#include "udf/builtins_int.h"

typedef struct {
  const char *p, *end;
  int depth;
} js_t;

static void ws(js_t *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static bool skip_value(js_t *j);

static bool skip_string(js_t *j) {
  if (j->p >= j->end || *j->p != '"') return false;
  for (j->p++; j->p < j->end; j->p++) {
    if (*j->p == '\\') {
      if (++j->p >= j->end) return false;
    } else if (*j->p == '"') {
      j->p++;
      return true;
    } else if ((unsigned char)*j->p < 0x20) {
      return false;
    }
  }
  return false;
}

static bool skip_number(js_t *j) {
  const char *s = j->p;
  if (j->p < j->end && *j->p == '-') j->p++;
  if (j->p >= j->end || !isdigit((unsigned char)*j->p)) return false;
  while (j->p < j->end && isdigit((unsigned char)*j->p)) j->p++;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (j->p >= j->end || !isdigit((unsigned char)*j->p)) return false;
    while (j->p < j->end && isdigit((unsigned char)*j->p)) j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (j->p >= j->end || !isdigit((unsigned char)*j->p)) return false;
    while (j->p < j->end && isdigit((unsigned char)*j->p)) j->p++;
  }
  return j->p > s;
}

static bool skip_word(js_t *j, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n)) return false;
  j->p += n;
  return true;
}

static bool skip_container(js_t *j, char open, char close) {
  if (++j->depth > 64) return false;
  j->p++;
  ws(j);
  if (j->p < j->end && *j->p == close) {
    j->p++;
    j->depth--;
    return true;
  }
  for (;;) {
    ws(j);
    if (open == '{') {
      if (!skip_string(j)) return false;
      ws(j);
      if (j->p >= j->end || *j->p++ != ':') return false;
      ws(j);
    }
    if (!skip_value(j)) return false;
    ws(j);
    if (j->p >= j->end) return false;
    if (*j->p == ',') {
      j->p++;
      continue;
    }
    if (*j->p++ != close) return false;
    j->depth--;
    return true;
  }
}

static bool skip_value(js_t *j) {
  ws(j);
  if (j->p >= j->end) return false;
  switch (*j->p) {
    case '"':
      return skip_string(j);
    case '{':
      return skip_container(j, '{', '}');
    case '[':
      return skip_container(j, '[', ']');
    case 't':
      return skip_word(j, "true");
    case 'f':
      return skip_word(j, "false");
    case 'n':
      return skip_word(j, "null");
    default:
      return skip_number(j);
  }
}

/* Is the whole text one JSON value? */
static bool valid_json(const char *s, size_t n) {
  js_t j = {s, s + n, 0};
  if (!skip_value(&j)) return false;
  ws(&j);
  return j.p == j.end;
}

/* Unescape a JSON string token [p, end) (quotes included) into the arena. */
static bool unescape(wy_fn_ctx_t *ctx, const char *p, const char *end, wy_value_t *out) {
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  for (p++, end--; p < end; p++) {
    if (*p != '\\') {
      wy_buf_putc(&b, *p);
      continue;
    }
    p++;
    switch (*p) {
      case 'n':
        wy_buf_putc(&b, '\n');
        break;
      case 't':
        wy_buf_putc(&b, '\t');
        break;
      case 'r':
        wy_buf_putc(&b, '\r');
        break;
      case 'b':
        wy_buf_putc(&b, '\b');
        break;
      case 'f':
        wy_buf_putc(&b, '\f');
        break;
      case 'u': {
        if (end - p < 5) return false;
        unsigned cp = (unsigned)strtoul((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 7 && p[1] == '\\' && p[2] == 'u') {
          unsigned lo = (unsigned)strtoul((char[]){p[3], p[4], p[5], p[6], 0}, NULL, 16);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
        char u[4];
        size_t l;
        if (cp < 0x80)
          u[0] = (char)cp, l = 1;
        else if (cp < 0x800)
          u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 63)), l = 2;
        else if (cp < 0x10000)
          u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 63)),
          u[2] = (char)(0x80 | (cp & 63)), l = 3;
        else
          u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 63)),
          u[2] = (char)(0x80 | (cp >> 6 & 63)), u[3] = (char)(0x80 | (cp & 63)), l = 4;
        wy_buf_append(&b, u, l);
        break;
      }
      default:
        wy_buf_putc(&b, *p);
        break;
    }
  }
  const char *s = wy_buf_cstr(&b);
  if (!s) return false;
  *out = wy_string(s, b.len);
  return true;
}

/* Copy JSON text without insignificant whitespace (as Jackson re-serialises it). */
static void compact(wy_buf_t *b, const char *p, const char *end) {
  bool in_str = false;
  for (; p < end; p++) {
    if (in_str) {
      wy_buf_putc(b, *p);
      if (*p == '\\' && p + 1 < end)
        wy_buf_putc(b, *++p);
      else if (*p == '"')
        in_str = false;
    } else if (!(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
      if (*p == '"') in_str = true;
      wy_buf_putc(b, *p);
    }
  }
}

/* Move j to the member `key` of the object at j->p. */
static bool find_key(js_t *j, const char *key, size_t kn) {
  ws(j);
  if (j->p >= j->end || *j->p != '{') return false;
  j->p++;
  for (;;) {
    ws(j);
    if (j->p < j->end && *j->p == '}') return false;
    const char *ks = j->p;
    if (!skip_string(j)) return false;
    bool match = (size_t)(j->p - ks) == kn + 2 && !memcmp(ks + 1, key, kn);
    ws(j);
    if (j->p >= j->end || *j->p++ != ':') return false;
    ws(j);
    if (match) return true;
    if (!skip_value(j)) return false;
    ws(j);
    if (j->p >= j->end || *j->p != ',') return false;
    j->p++;
  }
}

static bool find_index(js_t *j, long idx) {
  ws(j);
  if (j->p >= j->end || *j->p != '[') return false;
  j->p++;
  for (long i = 0;; i++) {
    ws(j);
    if (j->p < j->end && *j->p == ']') return false;
    if (i == idx) return true;
    if (!skip_value(j)) return false;
    ws(j);
    if (j->p >= j->end || *j->p != ',') return false;
    j->p++;
  }
}

wy_status_t fn_extractjsonfield(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_null(WY_T_STRING);
  js_t j = {a[0].u.str, a[0].u.str + a[0].len, 0};
  const char *p = a[1].u.str, *pe = p + a[1].len;
  if (p < pe && *p == '$') p++;
  while (p < pe) {
    if (*p == '.') {
      const char *k = ++p;
      while (p < pe && *p != '.' && *p != '[') p++;
      if (!find_key(&j, k, (size_t)(p - k))) return WY_OK;
    } else if (*p == '[') {
      p++;
      if (p < pe && (*p == '\'' || *p == '"')) {
        char q = *p++;
        const char *k = p;
        while (p < pe && *p != q) p++;
        if (!find_key(&j, k, (size_t)(p - k))) return WY_OK;
        p++;
      } else {
        long idx = strtol(p, NULL, 10);
        if (!find_index(&j, idx)) return WY_OK;
        while (p < pe && *p != ']') p++;
      }
      if (p < pe && *p == ']') p++;
    } else {
      return WY_OK; /* malformed path: NULL, as ksqlDB */
    }
  }
  ws(&j);
  const char *vs = j.p;
  if (!skip_value(&j)) return WY_OK;
  if (*vs == '"') {
    if (!unescape(ctx, vs, j.p, out)) return wy_fn_nomem(ctx);
    return WY_OK;
  }
  if (j.p - vs == 4 && !memcmp(vs, "null", 4)) return WY_OK;
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  compact(&b, vs, j.p);
  return wy_fn_buf_result(ctx, &b, false, out);
}

wy_status_t fn_is_json_string(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_bool(!a[0].null && valid_json(a[0].u.str, a[0].len));
  return WY_OK;
}

/* Members of the array or object in s: calls f for each (key token or NULL, value). */
typedef void (*member_fn)(void *u, const char *ks, const char *ke, const char *vs, const char *ve);
static int members(const char *s, size_t n, char want, member_fn f, void *u) {
  if (!valid_json(s, n)) return -1;
  js_t j = {s, s + n, 0};
  ws(&j);
  if (*j.p != want) return -1;
  j.p++;
  int cnt = 0;
  for (;;) {
    ws(&j);
    if (*j.p == (want == '[' ? ']' : '}')) return cnt;
    const char *ks = NULL, *ke = NULL;
    if (want == '{') {
      ks = j.p;
      skip_string(&j);
      ke = j.p;
      ws(&j);
      j.p++;
      ws(&j);
    }
    const char *vs = j.p;
    skip_value(&j);
    if (f) f(u, ks, ke, vs, j.p);
    cnt++;
    ws(&j);
    if (*j.p == ',') j.p++;
  }
}

wy_status_t fn_json_array_length(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int c = members(a[0].u.str, a[0].len, '[', NULL, NULL);
  *out = c < 0 ? wy_null(WY_T_INT) : wy_int(c);
  return WY_OK;
}

typedef struct {
  wy_fn_ctx_t *ctx;
  wy_list_t *l;
  bool oom;
} keys_t;
static void add_key(void *u, const char *ks, const char *ke, const char *vs, const char *ve) {
  keys_t *k = u;
  if (!k->oom && !unescape(k->ctx, ks, ke, &k->l->items[k->l->n++])) k->oom = true;
}

wy_status_t fn_json_keys(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  int c = members(a[0].u.str, a[0].len, '{', NULL, NULL);
  if (c < 0) return *out = wy_null(WY_T_ARRAY), WY_OK;
  keys_t k = {ctx, wy_list_new(ctx->arena, (uint32_t)c), false};
  if (!k.l) return wy_fn_nomem(ctx);
  k.l->n = 0;
  members(a[0].u.str, a[0].len, '{', add_key, &k);
  if (k.oom) return wy_fn_nomem(ctx);
  *out = wy_array(k.l);
  return WY_OK;
}

/* The members of the concatenated objects or arrays: text ranges of a key (objects) and
 * a value, in an arena array that grows by doubling. */
typedef struct piece {
  const char *ks, *ke, *vs, *ve;
} piece_t;

typedef struct {
  wy_arena_t *arena;
  piece_t *v;
  size_t n, cap;
  bool oom;
} pieces_t;

static void add_piece(void *u, const char *ks, const char *ke, const char *vs, const char *ve) {
  pieces_t *p = u;
  for (size_t i = 0; ks && i < p->n; i++) /* a later object's key replaces an earlier one */
    if (p->v[i].ke - p->v[i].ks == ke - ks && !memcmp(p->v[i].ks, ks, (size_t)(ke - ks))) {
      p->v[i].vs = vs;
      p->v[i].ve = ve;
      return;
    }
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 32;
    piece_t *g = wy_arena_alloc(p->arena, cap * sizeof *g);
    if (!g) {
      p->oom = true;
      return;
    }
    if (p->n) memcpy(g, p->v, p->n * sizeof *g);
    p->v = g;
    p->cap = cap;
  }
  p->v[p->n++] = (piece_t){ks, ke, vs, ve};
}

/* ksqlDB (PostgreSQL's ||): objects merge their top-level keys (the later wins); as soon
 * as one value is not an object, every value is an array (a scalar or object becomes a
 * one-element array) and the arrays are concatenated. A NULL or invalid input: NULL. */
wy_status_t fn_json_concat(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  *out = wy_null(WY_T_STRING);
  bool objects = true;
  for (size_t i = 0; i < n; i++) {
    if (a[i].null || !valid_json(a[i].u.str, a[i].len)) return WY_OK;
    js_t j = {a[i].u.str, a[i].u.str + a[i].len, 0};
    ws(&j);
    if (*j.p != '{') objects = false;
  }
  char want = objects ? '{' : '[';
  pieces_t pieces = {ctx->arena, NULL, 0, 0, false}, *p = &pieces;
  for (size_t i = 0; i < n; i++) {
    if (members(a[i].u.str, a[i].len, want, add_piece, p) >= 0) continue;
    js_t j = {a[i].u.str, a[i].u.str + a[i].len, 0}; /* not an array: one element */
    ws(&j);
    const char *vs = j.p;
    skip_value(&j);
    add_piece(p, NULL, NULL, vs, j.p);
  }
  if (p->oom) return wy_fn_nomem(ctx);
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  wy_buf_putc(&b, want);
  for (size_t i = 0; i < p->n; i++) {
    if (i) wy_buf_putc(&b, ',');
    if (want == '{') {
      compact(&b, p->v[i].ks, p->v[i].ke);
      wy_buf_putc(&b, ':');
    }
    compact(&b, p->v[i].vs, p->v[i].ve);
  }
  wy_buf_putc(&b, want == '{' ? '}' : ']');
  return wy_fn_buf_result(ctx, &b, false, out);
}

/* A JSON value's text as a STRING: compacted, a string unquoted when `unquote`. */
static bool value_text(wy_fn_ctx_t *ctx, const char *vs, const char *ve, bool unquote,
                       wy_value_t *out) {
  if (unquote && *vs == '"') return unescape(ctx, vs, ve, out);
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  compact(&b, vs, ve);
  return wy_fn_buf_result(ctx, &b, false, out) == WY_OK;
}

typedef struct {
  wy_fn_ctx_t *ctx;
  wy_list_t *l;
  wy_map_t *m;
  bool oom, non_object;
} collect_t;

static void add_item(void *u, const char *ks, const char *ke, const char *vs, const char *ve) {
  collect_t *c = u;
  (void)ks, (void)ke;
  if (*vs != '{') c->non_object = true;
  if (c->oom || c->non_object) return;
  if (!value_text(c->ctx, vs, ve, false, &c->l->items[c->l->n++])) c->oom = true;
}

/* JSON_ITEMS: the objects of a JSON array as JSON strings; NULL unless every item is an
 * object. */
wy_status_t fn_json_items(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  (void)n;
  *out = wy_null(WY_T_ARRAY);
  int cnt = members(a[0].u.str, a[0].len, '[', NULL, NULL);
  if (cnt < 0) return WY_OK;
  collect_t c = {ctx, wy_list_new(ctx->arena, (uint32_t)cnt), NULL, false, false};
  if (!c.l) return wy_fn_nomem(ctx);
  c.l->n = 0;
  members(a[0].u.str, a[0].len, '[', add_item, &c);
  if (c.oom) return wy_fn_nomem(ctx);
  if (!c.non_object) *out = wy_array(c.l);
  return WY_OK;
}

static void add_record(void *u, const char *ks, const char *ke, const char *vs, const char *ve) {
  collect_t *c = u;
  if (c->oom) return;
  wy_value_t k, v;
  if (!unescape(c->ctx, ks, ke, &k) || !value_text(c->ctx, vs, ve, true, &v)) {
    c->oom = true;
    return;
  }
  for (uint32_t i = 0; i < c->m->n; i++) /* a repeated key: the last value wins */
    if (c->m->keys[i].len == k.len && !memcmp(c->m->keys[i].u.str, k.u.str, k.len)) {
      c->m->vals[i] = v;
      return;
    }
  c->m->keys[c->m->n] = k;
  c->m->vals[c->m->n++] = v;
}

/* JSON_RECORDS: the top-level members of a JSON object as a map of key to JSON text
 * (strings unquoted); NULL when not an object. */
wy_status_t fn_json_records(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  (void)n;
  *out = wy_null(WY_T_MAP);
  int cnt = members(a[0].u.str, a[0].len, '{', NULL, NULL);
  if (cnt < 0) return WY_OK;
  collect_t c = {ctx, NULL, wy_map_new(ctx->arena, (uint32_t)cnt), false, false};
  if (!c.m) return wy_fn_nomem(ctx);
  c.m->n = 0;
  members(a[0].u.str, a[0].len, '{', add_record, &c);
  if (c.oom) return wy_fn_nomem(ctx);
  *out = wy_mapv(c.m);
  return WY_OK;
}

typedef struct {
  wy_fn_ctx_t *ctx;
  const wy_value_t *val;
  bool found, oom;
} contains_t;

/* Does the JSON value [vs, ve) equal v, compared as ksqlDB does: integers with INT and
 * BIGINT, floating-point numbers with DOUBLE, strings, booleans, null with NULL. */
static bool json_equals(contains_t *c, const char *vs, const char *ve) {
  const wy_value_t *v = c->val;
  size_t len = (size_t)(ve - vs);
  if (v->null) return len == 4 && !memcmp(vs, "null", 4);
  switch (v->kind) {
    case WY_T_BOOLEAN:
      return v->u.b ? len == 4 && !memcmp(vs, "true", 4) : len == 5 && !memcmp(vs, "false", 5);
    case WY_T_STRING: {
      wy_value_t s;
      if (*vs != '"') return false;
      if (!unescape(c->ctx, vs, ve, &s)) {
        c->oom = true;
        return false;
      }
      return s.len == v->len && !memcmp(s.u.str, v->u.str, v->len);
    }
    case WY_T_INT:
    case WY_T_BIGINT:
    case WY_T_DOUBLE: {
      if (*vs != '-' && !isdigit((unsigned char)*vs)) return false;
      bool integral = !memchr(vs, '.', len) && !memchr(vs, 'e', len) && !memchr(vs, 'E', len);
      char tmp[64];
      if (len >= sizeof tmp) return false;
      memcpy(tmp, vs, len);
      tmp[len] = '\0';
      if (v->kind == WY_T_DOUBLE) return !integral && strtod(tmp, NULL) == v->u.f64;
      if (!integral) return false;
      errno = 0;
      long long x = strtoll(tmp, NULL, 10);
      return !errno && x == (v->kind == WY_T_INT ? v->u.i32 : v->u.i64);
    }
    default:
      return false;
  }
}

static void find_item(void *u, const char *ks, const char *ke, const char *vs, const char *ve) {
  contains_t *c = u;
  (void)ks, (void)ke;
  if (!c->found && !c->oom && json_equals(c, vs, ve)) c->found = true;
}

/* JSON_ARRAY_CONTAINS: false when the text is not a JSON array; a NULL value matches a
 * JSON null. */
wy_status_t fn_json_array_contains(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n,
                                   wy_value_t *out) {
  (void)n;
  if (a[0].null) return *out = wy_null(WY_T_BOOLEAN), WY_OK;
  contains_t c = {ctx, &a[1], false, false};
  members(a[0].u.str, a[0].len, '[', find_item, &c);
  if (c.oom) return wy_fn_nomem(ctx);
  *out = wy_bool(c.found);
  return WY_OK;
}

static void json_string(wy_buf_t *b, const char *s, size_t n) {
  wy_buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"':
        wy_buf_append_str(b, "\\\"");
        break;
      case '\\':
        wy_buf_append_str(b, "\\\\");
        break;
      case '\n':
        wy_buf_append_str(b, "\\n");
        break;
      case '\r':
        wy_buf_append_str(b, "\\r");
        break;
      case '\t':
        wy_buf_append_str(b, "\\t");
        break;
      default:
        if (c < 0x20)
          wy_buf_printf(b, "\\u%04x", c);
        else
          wy_buf_putc(b, (char)c);
    }
  }
  wy_buf_putc(b, '"');
}

void wy_fn_json_value(wy_buf_t *b, const wy_value_t *v, const wy_type_t *t) {
  if (v->null) {
    wy_buf_append_str(b, "null");
    return;
  }
  switch (v->kind) {
    case WY_T_STRING:
      json_string(b, v->u.str, v->len);
      return;
    case WY_T_DOUBLE:
      if (!isfinite(v->u.f64)) {
        wy_buf_putc(b, '"');
        wy_value_append_sql(b, v, t);
        wy_buf_putc(b, '"');
        return;
      }
      wy_value_append_sql(b, v, t);
      return;
    case WY_T_BYTES:
    case WY_T_TIMESTAMP:
    case WY_T_DATE:
    case WY_T_TIME:
      wy_buf_putc(b, '"');
      wy_value_append_sql(b, v, t);
      wy_buf_putc(b, '"');
      return;
    case WY_T_ARRAY:
      wy_buf_putc(b, '[');
      for (uint32_t i = 0; i < v->u.list->n; i++) {
        if (i) wy_buf_putc(b, ',');
        wy_fn_json_value(b, &v->u.list->items[i], t ? t->elem : NULL);
      }
      wy_buf_putc(b, ']');
      return;
    case WY_T_MAP:
      wy_buf_putc(b, '{');
      for (uint32_t i = 0; i < v->u.map->n; i++) {
        if (i) wy_buf_putc(b, ',');
        const wy_value_t *k = &v->u.map->keys[i];
        if (k->kind == WY_T_STRING && !k->null)
          json_string(b, k->u.str, k->len);
        else {
          wy_buf_putc(b, '"');
          wy_value_append_sql(b, k, t ? t->key : NULL);
          wy_buf_putc(b, '"');
        }
        wy_buf_putc(b, ':');
        wy_fn_json_value(b, &v->u.map->vals[i], t ? t->elem : NULL);
      }
      wy_buf_putc(b, '}');
      return;
    case WY_T_STRUCT:
      wy_buf_putc(b, '{');
      for (uint32_t i = 0; i < v->u.list->n; i++) {
        if (i) wy_buf_putc(b, ',');
        const char *name = t && i < t->nfields ? t->fields[i].name : "?";
        json_string(b, name, strlen(name));
        wy_buf_putc(b, ':');
        wy_fn_json_value(b, &v->u.list->items[i], t && i < t->nfields ? t->fields[i].type : NULL);
      }
      wy_buf_putc(b, '}');
      return;
    default:
      wy_value_append_sql(b, v, t);
      return;
  }
}

wy_status_t fn_to_json_string(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  wy_fn_json_value(&b, &a[0], ctx->arg_types[0]);
  return wy_fn_buf_result(ctx, &b, false, out);
}
