/* engine/formats JSON decoder checked against jansson on generated documents: same
 * verdict on well-formedness, and the same values where both accept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/formats/format.h"

static uint64_t rng = 0x1234567887654321ull;
static uint64_t rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}
static int pick(int n) { return (int)(rnd() % (uint64_t)n); }

typedef struct {
  char *p;
  size_t n, cap;
} sb_t;

static void put(sb_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
  va_end(ap);
  if (k > 0 && b->n + (size_t)k < b->cap) b->n += (size_t)k;
}

static void ws(sb_t *b) {
  static const char *W[] = {"", "", "", " ", "\n", "\t ", "\r\n  "};
  put(b, "%s", W[pick(7)]);
}

static void gen_string(sb_t *b) {
  static const char *parts[] = {"a",
                                "Z",
                                " ",
                                "\\\"",
                                "\\\\",
                                "\\/",
                                "\\n",
                                "\\t",
                                "\\u00e9",
                                "\\u20ac",
                                "\\ud83d\\ude00",
                                "\xc3\xa9",
                                "\xe2\x82\xac",
                                "\xf0\x9f\x98\x80",
                                "k",
                                "\x7f",
                                ",",
                                ":",
                                "{",
                                "]"};
  put(b, "\"");
  for (int i = pick(8); i > 0; i--) put(b, "%s", parts[pick(20)]);
  put(b, "\"");
}

static void gen_int(sb_t *b) {
  put(b, "%lld", (long long)(int64_t)(rnd() % 2000000000000001ull) - 1000000000000000LL);
}

static void gen_double(sb_t *b) {
  double d = (double)(int64_t)(rnd() % 20000001 - 10000000) * pow(10, pick(40) - 20);
  static const char *F[] = {"%.17g", "%g", "%.3f", "%e"};
  put(b, F[pick(4)], d);
}

static void gen_any(sb_t *b, int depth) {
  switch (depth > 3 ? pick(5) : pick(7)) {
    case 0:
      gen_int(b);
      break;
    case 1:
      gen_double(b);
      break;
    case 2:
      gen_string(b);
      break;
    case 3:
      put(b, pick(2) ? "true" : "false");
      break;
    case 4:
      put(b, "null");
      break;
    case 5:
      put(b, "[");
      for (int i = pick(4); i > 0; i--) {
        ws(b);
        gen_any(b, depth + 1);
        ws(b);
        if (i > 1) put(b, ",");
      }
      put(b, "]");
      break;
    default:
      put(b, "{");
      for (int i = pick(4); i > 0; i--) {
        ws(b);
        put(b, "\"u%d\"", pick(5));
        ws(b);
        put(b, ":");
        gen_any(b, depth + 1);
        if (i > 1) put(b, ",");
      }
      put(b, "}");
  }
}

/* Schema: A BIGINT, B DOUBLE, C STRING, D BOOLEAN, E ARRAY<BIGINT>, F MAP<STRING,STRING>,
 * G STRUCT<X BIGINT, Y STRING>. */
static void gen_field(sb_t *b, int which) {
  if (pick(8) == 0) {
    put(b, "null");
    return;
  }
  switch (which) {
    case 0:
      gen_int(b);
      break;
    case 1:
      gen_double(b);
      break;
    case 2:
      gen_string(b);
      break;
    case 3:
      put(b, pick(2) ? "true" : "false");
      break;
    case 4:
      put(b, "[");
      for (int i = pick(4); i > 0; i--) {
        ws(b);
        if (pick(6))
          gen_int(b);
        else
          put(b, "null");
        if (i > 1) put(b, ",");
      }
      put(b, "]");
      break;
    case 5:
      put(b, "{");
      for (int i = pick(4); i > 0; i--) {
        gen_string(b);
        put(b, ":");
        ws(b);
        gen_string(b);
        if (i > 1) put(b, ",");
      }
      put(b, "}");
      break;
    default:
      put(b, "{\"X\":");
      gen_int(b);
      put(b, ",");
      ws(b);
      put(b, "\"Y\":");
      gen_string(b);
      if (pick(2)) {
        put(b, ",\"extra\":");
        gen_any(b, 2);
      }
      put(b, "}");
  }
}

static void gen_doc(sb_t *b) {
  static const char *names[] = {"A", "B", "C", "D", "E", "F", "G"};
  ws(b);
  put(b, "{");
  bool first = true;
  for (int i = pick(10); i > 0; i--) {
    if (!first) put(b, ",");
    first = false;
    ws(b);
    int f = pick(9);
    if (f < 7) {
      put(b, "\"%s\"", names[f]);
      ws(b);
      put(b, ":");
      ws(b);
      gen_field(b, f);
    } else {
      put(b, "\"junk%d\":", pick(3));
      gen_any(b, 0);
    }
    ws(b);
  }
  put(b, "}");
  ws(b);
}

static void mutate(sb_t *b) {
  static const char M[] = "{}[]:,\" \\tnx-.e0";
  if (b->n == 0) return;
  switch (pick(3)) {
    case 0:
      b->n = (size_t)pick((int)b->n);
      break; /* truncate */
    case 1:
      b->p[pick((int)b->n)] = M[pick((int)sizeof M - 1)];
      break;   /* replace */
    default: { /* delete one byte */
      size_t at = (size_t)pick((int)b->n);
      memmove(b->p + at, b->p + at + 1, b->n - at - 1);
      b->n--;
    }
  }
}

/* ksqlDB's matching for the one-letter upper-case names used here: exact, else the
 * lower-case spelling (mutations can lower-case a name). */
static json_t *get_ci(json_t *obj, const char *name) {
  json_t *j = json_object_get(obj, name);
  char lower[2] = {(char)(name[0] | 0x20), 0};
  return j ? j : json_object_get(obj, lower);
}

/* Does my value equal jansson's for the column? Returns false on a mismatch of types
 * (which my decoder must then have reported as a type error). */
static bool same(const wy_value_t *v, json_t *j, int which) {
  if (!j || json_is_null(j)) return v->null;
  if (v->null) return false;
  switch (which) {
    case 0:
      /* ksqlDB truncates a number with a fraction into a BIGINT. */
      if (json_is_real(j))
        return fabs(json_real_value(j)) > 9e15 || v->u.i64 == (int64_t)json_real_value(j);
      return json_is_integer(j) && v->u.i64 == json_integer_value(j);
    case 1:
      return json_is_number(j) && v->u.f64 == json_number_value(j);
    case 2:
      if (!json_is_string(j)) return true; /* a coerced number or object: not compared */
      return v->len == json_string_length(j) && memcmp(v->u.str, json_string_value(j), v->len) == 0;
    case 6 + 10:
      return json_is_string(j) && v->len == json_string_length(j) &&
             memcmp(v->u.str, json_string_value(j), v->len) == 0;
    case 3:
      return json_is_boolean(j) && v->u.b == json_is_true(j);
    case 4: {
      if (!json_is_array(j) || json_array_size(j) != v->u.list->n) return false;
      for (size_t i = 0; i < v->u.list->n; i++)
        if (!same(&v->u.list->items[i], json_array_get(j, i), 0)) return false;
      return true;
    }
    case 5: {
      if (!json_is_object(j) || json_object_size(j) != v->u.map->n) return false;
      for (size_t i = 0; i < v->u.map->n; i++) {
        char key[256];
        const wy_value_t *k = &v->u.map->keys[i];
        if (k->len >= sizeof key || memchr(k->u.str, 0, k->len)) return true; /* not comparable */
        memcpy(key, k->u.str, k->len);
        key[k->len] = '\0';
        if (!same(&v->u.map->vals[i], json_object_get(j, key), 2)) return false;
      }
      return true;
    }
    default:
      return json_is_object(j) && same(&v->u.list->items[0], get_ci(j, "X"), 0) &&
             same(&v->u.list->items[1], get_ci(j, "Y"), 2);
  }
}

static void decoder_agrees_with_jansson(void **state) {
  (void)state;
  wy_type_t *st = wy_type_struct_new();
  wy_type_struct_add(st, "X", wy_type_bigint());
  wy_type_struct_add(st, "Y", wy_type_string());
  wy_format_column_t cols[7] = {
      {"A", wy_type_bigint()},
      {"B", wy_type_double()},
      {"C", wy_type_string()},
      {"D", wy_type_boolean()},
      {"E", wy_type_array(wy_type_bigint())},
      {"F", wy_type_map(wy_type_string(), wy_type_string())},
      {"G", st},
  };
  wy_format_schema_t schema = {7, cols};
  wy_error_t err;
  wy_format_codec_t *c = wy_format_codec_new(WY_FORMAT_JSON, &schema, NULL, &err);
  assert_non_null(c);
  for (int i = 0; i < 7; i++) wy_type_unref(cols[i].type);
  wy_arena_t arena;
  wy_arena_init(&arena, 0);
  static char buf[1 << 16];
  int accepted = 0, rejected = 0;
  for (int iter = 0; iter < 30000; iter++) {
    sb_t b = {buf, 0, sizeof buf};
    gen_doc(&b);
    if (iter % 3 == 0) mutate(&b);
    json_error_t jerr;
    json_t *doc =
        json_loadb(b.p, b.n, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!doc && (strstr(jerr.text, "too big") || strstr(jerr.text, "overflow") ||
                 strstr(jerr.text, "surrogate") || strstr(jerr.text, "Unicode")))
      continue; /* limits of jansson, not malformed JSON */
    wy_value_t v[7];
    wy_arena_reset(&arena);
    wy_status_t s = wy_format_decode(c, b.p, b.n, &arena, v, NULL, &err);
    bool syntax_error = s != WY_OK && strstr(err.msg, "malformed JSON") != NULL;
    if (!doc) {
      /* A type error met before the damage is still a rejection (Jackson would name the
       * syntax error, having read the whole document first). */
      if (s == WY_OK)
        fail_msg("jansson rejects (%s) but we %s: %.*s", jerr.text, s == WY_OK ? "accept" : err.msg,
                 (int)b.n, b.p);
      rejected++;
      continue;
    }
    if (syntax_error) fail_msg("jansson accepts but we reject: %s: %.*s", err.msg, (int)b.n, b.p);
    if (!json_is_object(doc)) {
      assert_int_not_equal(s, WY_OK);
    } else if (s == WY_OK) {
      static const char *names[] = {"A", "B", "C", "D", "E", "F", "G"};
      for (int k = 0; k < 7; k++)
        if (!same(&v[k], get_ci(doc, names[k]), k))
          fail_msg("column %s differs: %.*s", names[k], (int)b.n, b.p);
      accepted++;
    }
    json_decref(doc);
  }
  /* The generator must exercise both outcomes substantially. */
  assert_true(accepted > 10000);
  assert_true(rejected > 3000);
  wy_arena_release(&arena);
  wy_format_codec_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(decoder_agrees_with_jansson),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
