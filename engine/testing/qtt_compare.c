/* qtt_compare.c — ksqlDB's comparison rules for QTT outputs, exceptions and post. */
#include "engine/testing/qtt_compare.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/base64.h"
#include "engine/base/decimal.h"
#include "engine/base/jregex.h"
#include "engine/testing/qtt_json.h"

/* Write the difference and report a mismatch. */
static bool differ(char *diff, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool differ(char *diff, size_t cap, const char *fmt, ...) {
  if (cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diff, cap, fmt, ap);
    va_end(ap);
  }
  return false;
}

/* Prefix the difference already written with context ("topic 'X' record 2: ..."). */
static bool prefix_diff(char *diff, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool prefix_diff(char *diff, size_t cap, const char *fmt, ...) {
  if (!cap) return false;
  char head[256], tail[WY_QTT_DIFF_MAX];
  snprintf(tail, sizeof tail, "%s", diff);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  /* Concatenate by hand: the result is meant to be cut at cap. */
  size_t h = strlen(head), n = strlen(tail);
  if (h > cap - 1) h = cap - 1;
  if (n > cap - 1 - h) n = cap - 1 - h;
  memcpy(diff, head, h);
  memcpy(diff + h, tail, n);
  diff[h + n] = '\0';
  return false;
}

/* JSON text of v for messages, shortened with "..." when long. */
static const char *render(const wy_value_t *v, char *buf, size_t cap) {
  wy_value_t null = wy_null(WY_T_STRING);
  size_t n = wy_qtt_json_format(v ? v : &null, buf, cap);
  if (n >= cap && cap > 4) memcpy(buf + cap - 4, "...", 4);
  return buf;
}

static bool is_null(const wy_value_t *v) { return !v || v->null; }

/* ---- values ----------------------------------------------------------------------- */

static bool is_number(const wy_value_t *v) {
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_INT:
    case WY_T_BIGINT:
    case WY_T_DOUBLE:
    case WY_T_DECIMAL:
    case WY_T_DATE:
    case WY_T_TIME:
    case WY_T_TIMESTAMP:
      return true;
    default:
      return false;
  }
}

/* Java's Number.longValue() of an expected number: truncation toward zero, low bits. */
static int64_t expected_long(const wy_value_t *e) {
  switch ((wy_type_kind_t)e->kind) {
    case WY_T_DECIMAL: {
      wy_int128_t q = e->u.dec / wy_decimal_pow10(e->scale);
      return (int64_t)(uint64_t)q;
    }
    case WY_T_DOUBLE:
      return isnan(e->u.f64)       ? 0
             : e->u.f64 >= 9.2e18  ? INT64_MAX
             : e->u.f64 <= -9.2e18 ? INT64_MIN
                                   : (int64_t)e->u.f64;
    case WY_T_INT:
      return e->u.i32;
    default:
      return e->u.i64;
  }
}

static double expected_double(const wy_value_t *e) {
  switch ((wy_type_kind_t)e->kind) {
    case WY_T_DECIMAL:
      return wy_decimal_to_double(e->u.dec, e->scale);
    case WY_T_DOUBLE:
      return e->u.f64;
    case WY_T_INT:
      return e->u.i32;
    default:
      return (double)e->u.i64;
  }
}

/* BigDecimal comparison: an integer literal needs scale 0, a real one the same scale. */
static bool decimal_matches(const wy_value_t *e, const wy_value_t *a) {
  if (e->kind == WY_T_BIGINT) return a->scale == 0 && a->u.dec == (wy_int128_t)e->u.i64;
  if (e->kind != WY_T_DECIMAL) return false; /* never compare against a lossy double */
  return e->scale == a->scale && e->u.dec == a->u.dec;
}

static bool number_matches(const wy_value_t *e, const wy_value_t *a) {
  switch ((wy_type_kind_t)a->kind) {
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      return (int32_t)(uint32_t)(uint64_t)expected_long(e) == a->u.i32;
    case WY_T_BIGINT:
    case WY_T_TIMESTAMP:
      return expected_long(e) == a->u.i64;
    case WY_T_DOUBLE:
      return fabs(expected_double(e) - a->u.f64) < 0.000001;
    case WY_T_DECIMAL:
      return decimal_matches(e, a);
    default:
      return false;
  }
}

static bool text_matches(const wy_value_t *e, const wy_value_t *a) {
  switch ((wy_type_kind_t)a->kind) {
    case WY_T_STRING:
      return a->len == e->len && memcmp(a->u.str, e->u.str, e->len) == 0;
    case WY_T_DECIMAL: { /* new BigDecimal(text).equals(actual): "005.4" is 5.4 */
      char t[128];
      size_t len = 0, i = 0;
      if (e->len >= sizeof t) return false;
      if (i < e->len && (e->u.str[i] == '-' || e->u.str[i] == '+'))
        if (e->u.str[i++] == '-') t[len++] = '-';
      while (i + 1 < e->len && e->u.str[i] == '0' && isdigit((unsigned char)e->u.str[i + 1])) i++;
      memcpy(t + len, e->u.str + i, e->len - i);
      len += e->len - i;
      wy_value_t n;
      if (!wy_qtt_number_value(t, len, &n)) return false;
      return decimal_matches(&n, a);
    }
    case WY_T_BYTES: {
      size_t need = wy_base64_encoded_len(a->len);
      if (need != e->len) return false;
      char *b64 = malloc(need);
      if (!b64) return false;
      wy_base64_encode_into(a->u.str, a->len, b64);
      bool eq = memcmp(b64, e->u.str, need) == 0;
      free(b64);
      return eq;
    }
    default:
      return false;
  }
}

typedef struct {
  char path[256];
  char *diff;
  size_t cap;
} vctx_t;

static bool mismatch(vctx_t *c, const wy_value_t *e, const wy_value_t *a, const char *why) {
  char eb[256], ab[256];
  return differ(c->diff, c->cap, "%s%sexpected %s but was %s%s%s%s", c->path,
                c->path[0] ? ": " : "", render(e, eb, sizeof eb), render(a, ab, sizeof ab),
                is_null(a) ? "" : " (", is_null(a) ? "" : wy_type_kind_name(a->kind),
                is_null(a) ? "" : why);
}

static bool value_matches(vctx_t *c, const wy_value_t *e, const wy_value_t *a) {
  if (is_null(e)) return is_null(a) || mismatch(c, e, a, ")");
  if (is_null(a)) return mismatch(c, e, a, "");
  size_t plen = strlen(c->path);
  switch ((wy_type_kind_t)e->kind) {
    case WY_T_MAP: {
      if (a->kind != WY_T_MAP || !a->u.map) return mismatch(c, e, a, ", not an object)");
      if (a->u.map->n != e->u.map->n) {
        char eb[256], ab[256];
        return differ(c->diff, c->cap,
                      "%s%sexpected %" PRIu32 " fields but was %" PRIu32 ": expected %s but was %s",
                      c->path, c->path[0] ? ": " : "", e->u.map->n, a->u.map->n,
                      render(e, eb, sizeof eb), render(a, ab, sizeof ab));
      }
      for (uint32_t i = 0; i < e->u.map->n; i++) {
        const wy_value_t *k = &e->u.map->keys[i];
        snprintf(c->path + plen, sizeof c->path - plen, "%s%.*s", plen ? "." : "", (int)k->len,
                 k->u.str);
        if (!value_matches(c, &e->u.map->vals[i], wy_qtt_map_get(a, k->u.str, k->len)))
          return false;
      }
      c->path[plen] = '\0';
      return true;
    }
    case WY_T_ARRAY: {
      if (a->kind != WY_T_ARRAY || !a->u.list) return mismatch(c, e, a, ", not an array)");
      if (a->u.list->n != e->u.list->n) return mismatch(c, e, a, ", another length)");
      for (uint32_t i = 0; i < e->u.list->n; i++) {
        snprintf(c->path + plen, sizeof c->path - plen, "[%" PRIu32 "]", i);
        if (!value_matches(c, &e->u.list->items[i], &a->u.list->items[i])) return false;
      }
      c->path[plen] = '\0';
      return true;
    }
    case WY_T_STRING:
      return text_matches(e, a) || mismatch(c, e, a, ")");
    case WY_T_BOOLEAN:
      return (a->kind == WY_T_BOOLEAN && a->u.b == e->u.b) || mismatch(c, e, a, ")");
    default:
      if (is_number(e)) return number_matches(e, a) || mismatch(c, e, a, ")");
      return mismatch(c, e, a, ", unsupported expected kind)");
  }
}

bool wy_qtt_value_matches(const wy_value_t *expected, const wy_value_t *actual, char *diff,
                          size_t cap) {
  vctx_t c = {.diff = diff, .cap = cap};
  if (cap) diff[0] = '\0';
  return value_matches(&c, expected, actual);
}

/* ---- records ---------------------------------------------------------------------- */

static const char *window_text(const wy_qtt_window_t *w, char *buf, size_t cap) {
  if (w->kind == WY_QTT_WINDOW_NONE)
    snprintf(buf, cap, "none");
  else
    snprintf(buf, cap, "%s [%" PRId64 ", %" PRId64 "]", wy_qtt_window_kind_name(w->kind), w->start,
             w->end);
  return buf;
}

static bool headers_match(const wy_qtt_record_t *e, const wy_qtt_out_record_t *a, char *diff,
                          size_t cap) {
  size_t n = e->has_headers ? e->nheaders : 0;
  if (a->nheaders != n)
    return differ(diff, cap, "headers: expected %zu but was %zu", n, a->nheaders);
  for (size_t i = 0; i < n; i++) {
    const wy_qtt_header_t *x = &e->headers[i], *y = &a->headers[i];
    if (strcmp(x->key ? x->key : "", y->key ? y->key : "") != 0)
      return differ(diff, cap, "headers[%zu]: expected key '%s' but was '%s'", i, x->key, y->key);
    bool same = (!x->value && !y->value) || (x->value && y->value && x->len == y->len &&
                                             memcmp(x->value, y->value, x->len) == 0);
    if (!same) return differ(diff, cap, "headers[%zu] '%s': values differ", i, x->key);
  }
  return true;
}

/* A record's text: key and value shortened to their parts of RECORD_TEXT_MAX, so that the
 * whole always fits and the "> with timestamp=..." end is never cut off. */
enum {
  KEY_TEXT_MAX = 160,
  VALUE_TEXT_MAX = 320,
  RECORD_TEXT_MAX = KEY_TEXT_MAX + VALUE_TEXT_MAX + 128
};

static void record_text(const wy_value_t *k, const wy_qtt_window_t *w, const wy_value_t *v,
                        bool has_ts, int64_t ts, char *buf, size_t cap) {
  char kb[KEY_TEXT_MAX], vb[VALUE_TEXT_MAX], wb[64], tb[32] = "any";
  if (has_ts) snprintf(tb, sizeof tb, "%" PRId64, ts);
  snprintf(buf, cap, "<%s%s%s, %s> with timestamp=%s", render(k, kb, sizeof kb), w->kind ? " " : "",
           w->kind ? window_text(w, wb, sizeof wb) : "", render(v, vb, sizeof vb), tb);
}

static bool record_matches(const wy_qtt_case_t *tc, const wy_qtt_record_t *e,
                           const wy_qtt_out_record_t *a, const wy_value_t *ak, const wy_value_t *av,
                           char *diff, size_t cap) {
  char d[WY_QTT_DIFF_MAX], wb1[64], wb2[64];
  bool ok = true;
  if (!wy_qtt_value_matches(&e->key, ak, d, sizeof d)) {
    ok = prefix_diff(d, sizeof d, "key: ");
  } else if (e->window.kind != a->window.kind ||
             (e->window.kind &&
              (e->window.start != a->window.start || e->window.end != a->window.end))) {
    ok = differ(d, sizeof d, "window: expected %s but was %s",
                window_text(&e->window, wb1, sizeof wb1), window_text(&a->window, wb2, sizeof wb2));
  } else if (!wy_qtt_value_matches(&e->value, av, d, sizeof d)) {
    ok = prefix_diff(d, sizeof d, "value: ");
  } else if (!headers_match(e, a, d, sizeof d)) {
    ok = false;
  } else if (e->has_timestamp && e->timestamp != a->timestamp &&
             !(tc->ninputs == 0 && e->timestamp == 0)) {
    ok = differ(d, sizeof d, "timestamp: expected %" PRId64 " but was %" PRId64, e->timestamp,
                a->timestamp);
  }
  if (ok) return true;
  char et[RECORD_TEXT_MAX], at[RECORD_TEXT_MAX];
  record_text(&e->key, &e->window, &e->value, e->has_timestamp, e->timestamp, et, sizeof et);
  record_text(ak, &a->window, av, true, a->timestamp, at, sizeof at);
  return differ(diff, cap, "%s; expected %s but was %s", d, et, at);
}

/* Actual key and value of a record as JSON values. */
static wy_status_t read_record(const wy_qtt_out_record_t *a, wy_arena_t *scratch, wy_value_t *k,
                               wy_value_t *v, wy_error_t *err) {
  wy_status_t st = wy_qtt_payload_read(&a->key, scratch, k, err);
  if (st == WY_OK) st = wy_qtt_payload_read(&a->value, scratch, v, err);
  return st;
}

static bool topic_matches(const wy_qtt_case_t *tc, const char *topic, const wy_qtt_result_t *res,
                          wy_arena_t *scratch, char *diff, size_t cap) {
  size_t want = 0, got = 0;
  for (size_t i = 0; i < tc->noutputs; i++) want += strcmp(tc->outputs[i].topic, topic) == 0;
  for (size_t i = 0; i < res->nrecords; i++) got += strcmp(res->records[i].topic, topic) == 0;
  size_t ei = 0, ai = 0, pos = 0;
  while (ei < tc->noutputs || ai < res->nrecords) {
    while (ei < tc->noutputs && strcmp(tc->outputs[ei].topic, topic) != 0) ei++;
    while (ai < res->nrecords && strcmp(res->records[ai].topic, topic) != 0) ai++;
    const wy_qtt_out_record_t *a = ai < res->nrecords ? &res->records[ai] : NULL;
    wy_value_t k, v;
    wy_error_t err;
    if (a && read_record(a, scratch, &k, &v, &err) != WY_OK)
      return differ(diff, cap, "topic '%s' record %zu: cannot read it back: %s", topic, pos + 1,
                    err.msg);
    if (want != got) { /* ksqlDB lists what it got when the counts differ */
      char at[RECORD_TEXT_MAX] = "";
      if (a) record_text(&k, &a->window, &v, true, a->timestamp, at, sizeof at);
      return differ(diff, cap, "topic '%s': expected %zu records but got %zu%s%s", topic, want, got,
                    a ? "; first actual: " : "", at);
    }
    if (ei >= tc->noutputs) break;
    char d[WY_QTT_DIFF_MAX];
    if (!record_matches(tc, &tc->outputs[ei], a, &k, &v, d, sizeof d))
      return differ(diff, cap, "topic '%s' record %zu of %zu: %s", topic, pos + 1, want, d);
    ei++, ai++, pos++;
  }
  return true;
}

bool wy_qtt_outputs_match(const wy_qtt_case_t *tc, const wy_qtt_result_t *res, wy_arena_t *scratch,
                          char *diff, size_t cap) {
  for (size_t i = 0; i < tc->noutputs; i++) {
    const char *topic = tc->outputs[i].topic;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++) seen = strcmp(tc->outputs[j].topic, topic) == 0;
    if (!seen && !topic_matches(tc, topic, res, scratch, diff, cap)) return false;
  }
  return true;
}

/* ---- exceptions ------------------------------------------------------------------- */

typedef struct {
  const char *name;
  unsigned phases;
  uint64_t codes;
  const char *implied_message;
} exc_class_t;

static const exc_class_t exc_classes[] = {
#define WY_X_EXC(name, phases, codes, msg) {name, phases, codes, msg},
    WY_QTT_EXCEPTION_CLASSES(WY_X_EXC)
#undef WY_X_EXC
};

static const exc_class_t *exc_class(const char *name) {
  for (size_t i = 0; i < sizeof exc_classes / sizeof *exc_classes; i++) {
    const char *full = exc_classes[i].name, *simple = strrchr(full, '.');
    if (strcmp(name, full) == 0 || (simple && strcmp(name, simple + 1) == 0))
      return &exc_classes[i];
  }
  return NULL;
}

bool wy_qtt_exception_class_matches(const char *java_class, const wy_qtt_exception_t *actual,
                                    bool *known) {
  const exc_class_t *c = exc_class(java_class);
  if (known) *known = c != NULL;
  if (!c) return false;
  return (c->phases & WY_QTT_PHASE_BIT(actual->phase)) &&
         (!c->codes || (c->codes & WY_QTT_CODE_BIT(actual->code)));
}

static bool class_ok(const char *what, const char *cls, const wy_qtt_exception_t *a, char *diff,
                     size_t cap) {
  bool known;
  if (wy_qtt_exception_class_matches(cls, a, &known)) return true;
  if (!known)
    return differ(diff, cap,
                  "expected %s %s, which walleye has no mapping for; got %s error %s: %s", what,
                  cls, wy_qtt_phase_name(a->phase), wy_status_name(a->code), a->message);
  return differ(diff, cap, "expected %s %s but got a %s error %s: %s", what, cls,
                wy_qtt_phase_name(a->phase), wy_status_name(a->code), a->message);
}

bool wy_qtt_exception_matches(const wy_qtt_expected_exception_t *ee, const wy_qtt_exception_t *a,
                              char *diff, size_t cap) {
  const char *msg = a->message ? a->message : "";
  if (ee->type && !class_ok("exception", ee->type, a, diff, cap)) return false;
  if (ee->message && !strstr(msg, ee->message)) {
    const exc_class_t *c = ee->type ? exc_class(ee->type) : NULL;
    if (!(c && c->implied_message && strstr(c->implied_message, ee->message)))
      return differ(diff, cap, "expected an exception message containing \"%s\" but was \"%s\"",
                    ee->message, msg);
  }
  if (ee->cause && !class_ok("cause", ee->cause, a, diff, cap)) return false;
  if (ee->cause_message && !strstr(msg, ee->cause_message))
    return differ(diff, cap, "expected a cause message containing \"%s\" but was \"%s\"",
                  ee->cause_message, msg);
  return true;
}

/* ---- post conditions --------------------------------------------------------------- */

/* A schema's tokens: identifiers upper-cased (quoted ones as written), the type aliases
 * VARCHAR and INT spelled as ksqlDB prints them, punctuation one token a character. */
typedef struct {
  int ntok;
  char **tok;
} tokens_t;

static void tokens_free(tokens_t *t) {
  for (int i = 0; i < t->ntok; i++) free(t->tok[i]);
  free(t->tok);
}

/* false when out of memory */
static bool tokenize(const char *s, tokens_t *t) {
  t->ntok = 0;
  t->tok = NULL;
  int cap = 0;
  while (*s) {
    if (isspace((unsigned char)*s)) {
      s++;
      continue;
    }
    char *tok;
    if (*s == '`' || *s == '"') { /* quoted identifier: kept as written */
      char q = *s++;
      const char *from = s;
      while (*s && *s != q) s++;
      tok = strndup(from, (size_t)(s - from));
      if (*s) s++;
    } else if (isalnum((unsigned char)*s) || *s == '_') {
      const char *from = s;
      while (isalnum((unsigned char)*s) || *s == '_') s++;
      tok = strndup(from, (size_t)(s - from));
      for (char *c = tok; c && *c; c++) *c = (char)toupper((unsigned char)*c);
      if (tok && (strcmp(tok, "VARCHAR") == 0 || strcmp(tok, "INT") == 0)) {
        char *alias = strdup(strcmp(tok, "INT") == 0 ? "INTEGER" : "STRING");
        free(tok);
        tok = alias;
      }
    } else {
      tok = strndup(s++, 1);
    }
    if (!tok) return false;
    if (t->ntok == cap) {
      cap = cap ? cap * 2 : 64;
      char **g = realloc(t->tok, (size_t)cap * sizeof *g);
      if (!g) {
        free(tok);
        return false;
      }
      t->tok = g;
    }
    t->tok[t->ntok++] = tok;
  }
  return true;
}

size_t wy_qtt_schema_normalize(const char *schema, char *out, size_t cap) {
  tokens_t t;
  int *start = NULL, *end = NULL;
  if (cap) out[0] = '\0';
  if (!tokenize(schema ? schema : "", &t) || !(start = calloc((size_t)t.ntok + 1, sizeof *start)) ||
      !(end = calloc((size_t)t.ntok + 1, sizeof *end))) {
    free(start);
    tokens_free(&t);
    return 0;
  }
  /* Columns are token ranges split at top-level commas. */
  int ncol = 0, depth = 0, s0 = 0;
  for (int i = 0; i <= t.ntok; i++) {
    const char *x = i < t.ntok ? t.tok[i] : ",";
    if (strchr("<(", x[0]) && !x[1]) depth++;
    if (strchr(">)", x[0]) && !x[1]) depth--;
    if (depth == 0 && strcmp(x, ",") == 0) {
      if (i > s0) start[ncol] = s0, end[ncol++] = i;
      s0 = i + 1;
    }
  }
  size_t len = 0;
  for (int pass = 0; pass < 2; pass++) /* key columns first, as LogicalSchema keeps them */
    for (int c = 0; c < ncol; c++) {
      int e = end[c];
      bool key = strcmp(t.tok[e - 1], "KEY") == 0;
      if (key != (pass == 0)) continue;
      if (key && e - 2 > start[c] && strcmp(t.tok[e - 2], "PRIMARY") == 0) {
        strcpy(t.tok[e - 2], "KEY"); /* "PRIMARY" has room for it */
        e--;
      }
      for (int i = start[c]; i < e; i++) {
        const char *sep = i > start[c] ? " " : len ? ", " : "";
        int n = snprintf(out + (len < cap ? len : cap), len < cap ? cap - len : 0, "%s%s", sep,
                         t.tok[i]);
        len += (size_t)n;
      }
    }
  free(start);
  free(end);
  tokens_free(&t);
  return len;
}

static bool name_eq(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcasecmp(a, b) == 0);
}

static bool features_eq(const wy_qtt_strings_t *a, const wy_qtt_strings_t *b) {
  if (a->n != b->n) return false;
  for (size_t i = 0; i < a->n; i++) {
    bool found = false;
    for (size_t j = 0; j < b->n && !found; j++) found = name_eq(a->items[i], b->items[j]);
    if (!found) return false;
  }
  return true;
}

/* Structural JSON equality (object member order does not matter). */
static bool json_eq(const wy_value_t *a, const wy_value_t *b) {
  if (is_null(a) || is_null(b)) return is_null(a) && is_null(b);
  if (a->kind == WY_T_MAP || b->kind == WY_T_MAP) {
    if (a->kind != b->kind || a->u.map->n != b->u.map->n) return false;
    for (uint32_t i = 0; i < a->u.map->n; i++) {
      const wy_value_t *k = &a->u.map->keys[i], *other = NULL;
      for (uint32_t j = 0; j < b->u.map->n && !other; j++)
        if (b->u.map->keys[j].len == k->len &&
            memcmp(b->u.map->keys[j].u.str, k->u.str, k->len) == 0)
          other = &b->u.map->vals[j];
      if (!other || !json_eq(&a->u.map->vals[i], other)) return false;
    }
    return true;
  }
  if (a->kind == WY_T_ARRAY || b->kind == WY_T_ARRAY) {
    if (a->kind != b->kind || a->u.list->n != b->u.list->n) return false;
    for (uint32_t i = 0; i < a->u.list->n; i++)
      if (!json_eq(&a->u.list->items[i], &b->u.list->items[i])) return false;
    return true;
  }
  char x[512], y[512];
  wy_qtt_json_format(a, x, sizeof x);
  wy_qtt_json_format(b, y, sizeof y);
  return strcmp(x, y) == 0;
}

static const char *format_text(const wy_qtt_format_t *f, char *buf, size_t cap) {
  char props[256] = "";
  if (!is_null(&f->properties)) wy_qtt_json_format(&f->properties, props, sizeof props);
  size_t n = (size_t)snprintf(buf, cap, "%s", f->format ? f->format : "?");
  for (size_t i = 0; i < f->features.n && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "," : " features=", f->features.items[i]);
  if (props[0] && n < cap) n += (size_t)snprintf(buf + n, cap - n, " properties=%s", props);
  if (f->window_type && n < cap)
    snprintf(buf + n, cap - n, " window=%s/%" PRId64, f->window_type,
             f->has_window_size ? f->window_size : (int64_t)-1);
  return buf;
}

/* A topic's key or value format in post.topics: everything is compared, absent
 * features and properties meaning "none", as the Java model's defaults do. */
static bool topic_format_eq(const wy_qtt_format_t *e, const wy_qtt_format_t *a) {
  wy_value_t none = wy_null(WY_T_STRING);
  const wy_value_t *ep = &e->properties, *ap = &a->properties;
  if (!is_null(ep) && ep->kind == WY_T_MAP && ep->u.map->n == 0) ep = &none;
  if (!is_null(ap) && ap->kind == WY_T_MAP && ap->u.map->n == 0) ap = &none;
  return name_eq(e->format, a->format) && features_eq(&e->features, &a->features) &&
         json_eq(ep, ap) && name_eq(e->window_type, a->window_type) &&
         (!e->has_window_size || (a->has_window_size && e->window_size == a->window_size));
}

static bool source_matches(const wy_qtt_post_source_t *e, const wy_qtt_source_info_t *a, char *diff,
                           size_t cap) {
  char x[512], y[512];
  if (e->type && (strcasecmp(e->type, "table") == 0) != a->is_table)
    return differ(diff, cap, "type: expected %s but was %s", e->type,
                  a->is_table ? "TABLE" : "STREAM");
  if (e->schema) {
    wy_qtt_schema_normalize(e->schema, x, sizeof x);
    wy_qtt_schema_normalize(a->schema, y, sizeof y);
    if (strcmp(x, y) != 0)
      return differ(diff, cap, "schema: expected %s but was %s", e->schema,
                    a->schema ? a->schema : "(none)");
  }
  if (e->has_key_format) {
    const wy_qtt_format_t *k = &e->key_format, *ak = &a->key_format;
    if ((k->format && !name_eq(k->format, ak->format)) ||
        !name_eq(k->window_type, ak->window_type) ||
        (k->has_window_size && (!ak->has_window_size || k->window_size != ak->window_size)))
      return differ(diff, cap, "key format: expected %s but was %s", format_text(k, x, sizeof x),
                    format_text(ak, y, sizeof y));
  }
  if (e->value_format && !name_eq(e->value_format, a->value_format.format))
    return differ(diff, cap, "value format: expected %s but was %s", e->value_format,
                  a->value_format.format ? a->value_format.format : "(none)");
  if (e->has_key_features && !features_eq(&e->key_features, &a->key_format.features))
    return differ(diff, cap, "key features differ: actual %s",
                  format_text(&a->key_format, y, sizeof y));
  if (e->has_value_features && !features_eq(&e->value_features, &a->value_format.features))
    return differ(diff, cap, "value features differ: actual %s",
                  format_text(&a->value_format, y, sizeof y));
  if (e->has_is_source && e->is_source != a->is_source)
    return differ(diff, cap, "isSource: expected %s", e->is_source ? "true" : "false");
  return true;
}

static bool post_topic_matches(const wy_qtt_post_topic_t *e, const wy_qtt_topic_info_t *a,
                               char *diff, size_t cap) {
  char x[512], y[512];
  if (!topic_format_eq(&e->key_format, &a->key_format))
    return differ(diff, cap, "key format: expected %s but was %s",
                  format_text(&e->key_format, x, sizeof x),
                  format_text(&a->key_format, y, sizeof y));
  if (!topic_format_eq(&e->value_format, &a->value_format))
    return differ(diff, cap, "value format: expected %s but was %s",
                  format_text(&e->value_format, x, sizeof x),
                  format_text(&a->value_format, y, sizeof y));
  /* post.topics' partitions are not compared: ksqlDB's cases expect 4 everywhere, even
   * for a foreign-key join's sink whose sources have 1 and 2 partitions
   * (fk-join.json "Should allow partition count mismatch"), so its runner cannot be
   * checking them. */
  if (e->has_key_schema_id && (!a->has_key_schema_id || e->key_schema_id != a->key_schema_id))
    return differ(diff, cap, "key schema id: expected %" PRId64, e->key_schema_id);
  if (e->has_value_schema_id &&
      (!a->has_value_schema_id || e->value_schema_id != a->value_schema_id))
    return differ(diff, cap, "value schema id: expected %" PRId64, e->value_schema_id);
  if (!is_null(&e->key_schema) && !json_eq(&e->key_schema, &a->key_schema))
    return differ(diff, cap, "key schema: expected %s but was %s",
                  render(&e->key_schema, x, sizeof x), render(&a->key_schema, y, sizeof y));
  if (!is_null(&e->value_schema) && !json_eq(&e->value_schema, &a->value_schema))
    return differ(diff, cap, "value schema: expected %s but was %s",
                  render(&e->value_schema, x, sizeof x), render(&a->value_schema, y, sizeof y));
  return true;
}

static bool blacklist_ok(const char *re, const wy_qtt_result_t *res, char *diff, size_t cap) {
  /* Java's Pattern.matches(): the whole name. */
  char why[160];
  wy_jregex_t *rx = wy_jregex_compile(re, strlen(re), false, why, sizeof why);
  if (!rx) return differ(diff, cap, "post: blacklist '%s' is not a valid regex", re);
  bool ok = true;
  for (size_t i = 0; i < res->ntopics && ok; i++)
    if (wy_jregex_matches(rx, res->topics[i].name, strlen(res->topics[i].name)))
      ok = differ(diff, cap, "post: topic '%s' was created but matches the blacklist '%s'",
                  res->topics[i].name, re);
  wy_jregex_free(rx);
  return ok;
}

bool wy_qtt_post_matches(const wy_qtt_post_t *post, const wy_qtt_result_t *res, char *diff,
                         size_t cap) {
  char d[WY_QTT_DIFF_MAX];
  for (size_t i = 0; i < post->nsources; i++) {
    const wy_qtt_post_source_t *e = &post->sources[i];
    const wy_qtt_source_info_t *a = NULL;
    for (size_t j = 0; j < res->nsources && !a; j++)
      if (strcmp(res->sources[j].name, e->name) == 0) a = &res->sources[j];
    if (!a) return differ(diff, cap, "post: source '%s' does not exist", e->name);
    if (!source_matches(e, a, d, sizeof d))
      return differ(diff, cap, "post: source '%s': %s", e->name, d);
  }
  if (post->blacklist && !blacklist_ok(post->blacklist, res, diff, cap)) return false;
  for (size_t i = 0; i < post->ntopics; i++) {
    const wy_qtt_post_topic_t *e = &post->topics[i];
    const wy_qtt_topic_info_t *a = NULL;
    for (size_t j = 0; j < res->ntopics && !a; j++)
      if (strcmp(res->topics[j].name, e->name) == 0) a = &res->topics[j];
    if (!a) return differ(diff, cap, "post: topic '%s' does not exist", e->name);
    if (!post_topic_matches(e, a, d, sizeof d))
      return differ(diff, cap, "post: topic '%s': %s", e->name, d);
  }
  return true;
}

/* ---- the verdict ------------------------------------------------------------------- */

bool wy_qtt_case_passes(const wy_qtt_case_t *tc, wy_status_t run_status, const wy_error_t *run_err,
                        const wy_qtt_result_t *res, char *diff, size_t cap) {
  if (cap) diff[0] = '\0';
  if (tc->invalid) return differ(diff, cap, "invalid test: %s", tc->invalid);
  if (run_status != WY_OK)
    return differ(diff, cap, "%s",
                  run_err && run_err->msg[0] ? run_err->msg : wy_status_describe(run_status));
  if (res->has_exception) {
    const wy_qtt_exception_t *x = &res->exception;
    char where[48] = "";
    if (x->statement >= 0) snprintf(where, sizeof where, " in statement %d", x->statement + 1);
    if (!tc->has_expected_exception)
      return differ(diff, cap, "unexpected %s error %s%s: %s", wy_qtt_phase_name(x->phase),
                    wy_status_name(x->code), where, x->message ? x->message : "");
    return wy_qtt_exception_matches(&tc->expected_exception, x, diff, cap);
  }
  if (tc->has_expected_exception) {
    const wy_qtt_expected_exception_t *ee = &tc->expected_exception;
    return differ(diff, cap, "expected exception %s%s%s%s but the case ran without one",
                  ee->type ? ee->type : "", ee->message ? " with message containing \"" : "",
                  ee->message ? ee->message : "", ee->message ? "\"" : "");
  }
  wy_arena_t scratch;
  wy_arena_init(&scratch, 0);
  bool ok = wy_qtt_outputs_match(tc, res, &scratch, diff, cap) &&
            (!tc->has_post || wy_qtt_post_matches(&tc->post, res, diff, cap));
  wy_arena_release(&scratch);
  return ok;
}
