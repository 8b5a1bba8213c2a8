/* state/keycodec and state/rowcodec: round-trips and byte order == value order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/value.h"
#include "engine/formats/keycodec.h"
#include "engine/formats/rowcodec.h"

/* Deterministic generator so failures reproduce. */
static uint64_t rng_state = 0x12345678abcdefULL;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* A random non-composite value of kind k, biased to edge cases. */
static wy_value_t gen_prim(wy_arena_t *a, const wy_type_t *t) {
  if (rnd() % 10 == 0) return wy_null(t->kind);
  static const double specials[] = {0.0,       -0.0, 1.0,    -1.0,    INFINITY,
                                    -INFINITY, NAN,  1e-310, -1e-310, 1e300};
  static const int64_t edges[] = {0, 1, -1, INT64_MAX, INT64_MIN, 255, 256, -256};
  switch (t->kind) {
    case WY_T_BOOLEAN:
      return wy_bool(rnd() & 1);
    case WY_T_INT:
      return wy_int(rnd() % 4 ? (int32_t)rnd() : (int32_t)edges[rnd() % 8]);
    case WY_T_DATE:
      return wy_date((int32_t)(rnd() % 40000) - 20000);
    case WY_T_TIME:
      return wy_time((int32_t)(rnd() % 86400000));
    case WY_T_BIGINT:
      return wy_bigint(rnd() % 4 ? (int64_t)rnd() : edges[rnd() % 8]);
    case WY_T_TIMESTAMP:
      return wy_timestamp((int64_t)(rnd() >> 20) - (1LL << 42));
    case WY_T_DOUBLE:
      if (rnd() % 3 == 0) return wy_double(specials[rnd() % 10]);
      return wy_double(((double)(int64_t)rnd()) / (double)(rnd() % 1000 + 1));
    case WY_T_DECIMAL: {
      wy_int128_t x = (wy_int128_t)(int64_t)rnd() * (wy_int128_t)(rnd() % 1000000);
      if (rnd() % 5 == 0) x = -x;
      return wy_decimal(x, t->precision, t->scale);
    }
    case WY_T_STRING:
    case WY_T_BYTES: {
      size_t n = rnd() % 6;
      char *s = wy_arena_alloc(a, n + 1);
      /* Small alphabet with 0x00 and 0xFF so prefixes and escapes collide often. */
      static const char alpha[] = {0, 1, 'a', 'b', (char)0xFF};
      for (size_t i = 0; i < n; i++) s[i] = alpha[rnd() % 5];
      return t->kind == WY_T_STRING ? wy_string(s, n) : wy_bytes(s, n);
    }
    default:
      return wy_null(t->kind);
  }
}

static wy_value_t gen(wy_arena_t *a, const wy_type_t *t, int depth) {
  if (wy_type_is_primitive(t) || t->kind == WY_T_DECIMAL) return gen_prim(a, t);
  if (rnd() % 10 == 0) return wy_null(t->kind);
  uint32_t n = (uint32_t)(rnd() % 4);
  if (t->kind == WY_T_STRUCT) {
    wy_list_t *l = wy_list_new(a, (uint32_t)t->nfields);
    for (uint32_t i = 0; i < l->n; i++) l->items[i] = gen(a, t->fields[i].type, depth + 1);
    return wy_struct(l);
  }
  if (t->kind == WY_T_ARRAY) {
    wy_list_t *l = wy_list_new(a, n);
    for (uint32_t i = 0; i < n; i++) l->items[i] = gen(a, t->elem, depth + 1);
    return wy_array(l);
  }
  wy_map_t *m = wy_map_new(a, n);
  for (uint32_t i = 0; i < n; i++) {
    m->keys[i] = gen(a, t->key, depth + 1);
    m->vals[i] = gen(a, t->elem, depth + 1);
  }
  return wy_mapv(m);
}

static const wy_type_t *all_types[16];
static size_t ntypes;

static int setup_types(void **state) {
  ntypes = 0;
  for (int k = WY_T_BOOLEAN; k <= WY_T_TIME; k++)
    if (k != WY_T_DECIMAL) all_types[ntypes++] = wy_type_primitive((wy_type_kind_t)k);
  all_types[ntypes++] = wy_type_decimal(20, 3);
  all_types[ntypes++] = wy_type_array(wy_type_string());
  all_types[ntypes++] = wy_type_map(wy_type_string(), wy_type_array(wy_type_int()));
  wy_type_t *st = wy_type_struct_new();
  wy_type_struct_add(st, "A", wy_type_double());
  wy_type_struct_add(st, "B", wy_type_array(wy_type_decimal(10, 2)));
  all_types[ntypes++] = st;
  return 0;
}

static int teardown_types(void **state) {
  for (size_t i = 0; i < ntypes; i++) wy_type_unref(all_types[i]);
  return 0;
}

static int sign(int x) { return (x > 0) - (x < 0); }

static int memcmp_len(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
  int c = memcmp(a, b, al < bl ? al : bl);
  return c ? c : (al > bl) - (al < bl);
}

static void keycodec_byte_order_equals_value_order_for_every_type(void **state) {
  wy_arena_t a;
  wy_arena_init(&a, 0);
  for (size_t ti = 0; ti < ntypes; ti++) {
    const wy_type_t *t = all_types[ti];
    for (int i = 0; i < 3000; i++) {
      wy_value_t x = gen(&a, t, 0), y = gen(&a, t, 0);
      uint8_t bx[512], by[512];
      size_t lx = wy_keycodec_encode(&x, 1, bx, sizeof bx);
      size_t ly = wy_keycodec_encode(&y, 1, by, sizeof by);
      assert_true(lx <= sizeof bx && ly <= sizeof by);
      int want = sign(wy_value_compare(&x, &y));
      if (sign(memcmp_len(bx, lx, by, ly)) != want) {
        char name[128];
        wy_type_format(t, name, sizeof name);
        fail_msg("order mismatch for %s (iteration %d)", name, i);
      }
      /* Round-trip: decoded value compares equal and consumes exactly the encoding. */
      wy_value_t back;
      size_t used;
      assert_int_equal(wy_keycodec_decode(bx, lx, &t, 1, &a, &back, &used, NULL), WY_OK);
      assert_int_equal(used, lx);
      assert_int_equal(wy_value_compare(&x, &back), 0);
    }
    wy_arena_reset(&a);
  }
  wy_arena_release(&a);
}

static void keycodec_tuples_order_column_by_column_and_prefix_first(void **state) {
  const wy_type_t *types[2] = {wy_type_string(), wy_type_bigint()};
  wy_value_t t1[2] = {wy_string("ab", 2), wy_bigint(5)};
  wy_value_t t2[2] = {wy_string("ab\0", 3), wy_bigint(-9)};
  wy_value_t t3[2] = {wy_string("ab", 2), wy_bigint(-7)};
  wy_value_t t4[2] = {wy_null(WY_T_STRING), wy_bigint(100)};
  uint8_t b1[64], b2[64], b3[64], b4[64], pfx[64];
  size_t l1 = wy_keycodec_encode(t1, 2, b1, 64), l2 = wy_keycodec_encode(t2, 2, b2, 64);
  size_t l3 = wy_keycodec_encode(t3, 2, b3, 64), l4 = wy_keycodec_encode(t4, 2, b4, 64);
  assert_true(memcmp_len(b3, l3, b1, l1) < 0); /* same first column: second decides */
  assert_true(memcmp_len(b1, l1, b2, l2) < 0); /* "ab" < "ab\0" whatever follows */
  assert_true(memcmp_len(b4, l4, b3, l3) < 0); /* NULL first */
  /* The encoding of the first column alone prefixes every tuple that starts with it. */
  size_t lp = wy_keycodec_encode(t1, 1, pfx, 64);
  assert_memory_equal(pfx, b1, lp);
  assert_memory_equal(pfx, b3, lp);
  assert_false(lp <= l2 && memcmp(pfx, b2, lp) == 0);
  /* Decoding the tuple gives back the embedded zero byte. */
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_value_t out[2];
  assert_int_equal(wy_keycodec_decode(b2, l2, types, 2, &a, out, NULL, NULL), WY_OK);
  assert_int_equal(out[0].len, 3);
  assert_memory_equal(out[0].u.str, "ab\0", 3);
  assert_int_equal(out[1].u.i64, -9);
  wy_arena_release(&a);
}

static void keycodec_reports_needed_length_and_rejects_garbage(void **state) {
  wy_value_t v = wy_string("hello", 5);
  uint8_t small[3];
  size_t need = wy_keycodec_encode(&v, 1, small, sizeof small);
  assert_int_equal(need, 1 + 5 + 2);
  const wy_type_t *t = wy_type_string();
  uint8_t bad[] = {0x02, 'a', 0x00, 0x07};
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_value_t out;
  wy_error_t err;
  assert_int_equal(wy_keycodec_decode(bad, sizeof bad, &t, 1, &a, &out, NULL, &err), WY_ERR_DECODE);
  uint8_t trunc[] = {0x02, 'a'};
  assert_int_equal(wy_keycodec_decode(trunc, 2, &t, 1, &a, &out, NULL, &err), WY_ERR_DECODE);
  const wy_type_t *bt = wy_type_bigint();
  assert_int_equal(wy_keycodec_decode(trunc, 2, &bt, 1, &a, &out, NULL, &err), WY_ERR_DECODE);
  wy_arena_release(&a);
}

static void rowcodec_round_trips_generated_rows(void **state) {
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_value_t row[16], back[16];
  uint8_t buf[4096];
  for (int i = 0; i < 3000; i++) {
    for (size_t c = 0; c < ntypes; c++) row[c] = gen(&a, all_types[c], 0);
    size_t need;
    assert_int_equal(wy_rowcodec_encode(all_types, row, ntypes, buf, sizeof buf, &need, NULL),
                     WY_OK);
    assert_true(need <= sizeof buf);
    assert_int_equal(buf[0], WY_ROWCODEC_VERSION);
    assert_int_equal(wy_rowcodec_decode(buf, need, all_types, ntypes, &a, back, NULL), WY_OK);
    for (size_t c = 0; c < ntypes; c++) {
      /* NaN == NaN under wy_value_compare, so this also checks DOUBLE bits survive. */
      if (wy_value_compare(&row[c], &back[c]) != 0) fail_msg("column %zu differs (row %d)", c, i);
      assert_int_equal(row[c].null, back[c].null);
    }
    /* Every strict prefix of a row is malformed, never a crash. */
    if (i % 100 == 0)
      for (size_t cut = 0; cut < need; cut++)
        assert_int_not_equal(wy_rowcodec_decode(buf, cut, all_types, ntypes, &a, back, NULL),
                             WY_OK);
    wy_arena_reset(&a);
  }
  wy_arena_release(&a);
}

static void rowcodec_is_compact_and_versioned(void **state) {
  const wy_type_t *types[3] = {wy_type_int(), wy_type_bigint(), wy_type_string()};
  wy_value_t row[3] = {wy_int(5), wy_null(WY_T_BIGINT), wy_string("xy", 2)};
  uint8_t buf[64];
  size_t need;
  assert_int_equal(wy_rowcodec_encode(types, row, 3, buf, sizeof buf, &need, NULL), WY_OK);
  /* version + count + bitmap + varint(5) + len + "xy" */
  assert_int_equal(need, 1 + 1 + 1 + 1 + 1 + 2);
  /* Asking for more columns than written yields trailing NULLs (added columns). */
  const wy_type_t *wider[4] = {types[0], types[1], types[2], wy_type_double()};
  wy_value_t out[4];
  wy_arena_t a;
  wy_arena_init(&a, 0);
  assert_int_equal(wy_rowcodec_decode(buf, need, wider, 4, &a, out, NULL), WY_OK);
  assert_int_equal(out[0].u.i32, 5);
  assert_true(out[1].null);
  assert_true(out[3].null && out[3].kind == WY_T_DOUBLE);
  /* Fewer columns than written, an unknown version, a kind mismatch: errors. */
  wy_error_t err;
  assert_int_equal(wy_rowcodec_decode(buf, need, types, 2, &a, out, &err), WY_ERR_DECODE);
  buf[0] = 9;
  assert_int_equal(wy_rowcodec_decode(buf, need, types, 3, &a, out, &err), WY_ERR_DECODE);
  assert_non_null(strstr(err.msg, "version 9"));
  row[0] = wy_bigint(1);
  assert_int_equal(wy_rowcodec_encode(types, row, 3, buf, sizeof buf, &need, &err), WY_ERR_TYPE);
  wy_arena_release(&a);
}

static void rowcodec_rescales_decimals_to_the_column_scale(void **state) {
  const wy_type_t *t = wy_type_decimal(6, 2);
  wy_value_t v = wy_decimal(15, 6, 1); /* 1.5 */
  uint8_t buf[32];
  size_t need;
  assert_int_equal(wy_rowcodec_encode(&t, &v, 1, buf, sizeof buf, &need, NULL), WY_OK);
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_value_t out;
  assert_int_equal(wy_rowcodec_decode(buf, need, &t, 1, &a, &out, NULL), WY_OK);
  assert_true(out.u.dec == 150 && out.scale == 2);
  wy_arena_release(&a);
  wy_type_unref(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keycodec_byte_order_equals_value_order_for_every_type),
      cmocka_unit_test(keycodec_tuples_order_column_by_column_and_prefix_first),
      cmocka_unit_test(keycodec_reports_needed_length_and_rejects_garbage),
      cmocka_unit_test(rowcodec_round_trips_generated_rows),
      cmocka_unit_test(rowcodec_is_compact_and_versioned),
      cmocka_unit_test(rowcodec_rescales_decimals_to_the_column_scale),
  };
  return cmocka_run_group_tests(tests, setup_types, teardown_types);
}
