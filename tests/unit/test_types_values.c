/* engine/base: types (construction, equality, rendering) and values (compare, hash, copy). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "engine/base/types.h"
#include "engine/base/value.h"

static void primitive_types_are_singletons(void **state) {
  (void)state;
  assert_ptr_equal(wy_type_int(), wy_type_primitive(WY_T_INT));
  assert_null(wy_type_primitive(WY_T_STRUCT));
  wy_type_unref(wy_type_ref(wy_type_string())); /* no-op on singletons */
  assert_true(wy_type_is_numeric(wy_type_double()));
  assert_false(wy_type_is_numeric(wy_type_string()));
}

static void composite_types_render_like_ksqldb(void **state) {
  (void)state;
  wy_type_t *st = wy_type_struct_new();
  assert_true(wy_type_struct_add(st, "A", wy_type_int()));
  assert_true(wy_type_struct_add(st, "B", wy_type_array(wy_type_decimal(4, 2))));
  assert_true(wy_type_struct_add(st, "C", wy_type_map(wy_type_string(), wy_type_bigint())));
  char buf[128];
  size_t n = wy_type_format(st, buf, sizeof buf);
  assert_string_equal(buf,
                      "STRUCT<`A` INTEGER, `B` ARRAY<DECIMAL(4, 2)>, `C` MAP<STRING, BIGINT>>");
  assert_int_equal(n, strlen(buf));
  /* Truncation still reports the full length. */
  char small[8];
  assert_int_equal(wy_type_format(st, small, sizeof small), n);
  assert_string_equal(small, "STRUCT<");
  assert_int_equal(wy_type_field_index(st, "B"), 1);
  assert_int_equal(wy_type_field_index(st, "b"), -1);
  wy_type_unref(st);
}

static void type_equality_is_structural(void **state) {
  (void)state;
  const wy_type_t *a = wy_type_array(wy_type_decimal(10, 3));
  const wy_type_t *b = wy_type_array(wy_type_decimal(10, 3));
  const wy_type_t *c = wy_type_array(wy_type_decimal(10, 2));
  assert_true(wy_type_equal(a, b));
  assert_false(wy_type_equal(a, c));
  assert_null(wy_type_decimal(256, 0));
  assert_null(wy_type_decimal(50, 39)); /* a scale past 38 digits */
  assert_null(wy_type_decimal(5, 6));
  assert_null(wy_type_decimal(0, 0));
  const wy_type_t *wide = wy_type_decimal(50, 30); /* declared wider than its values */
  assert_non_null(wide);
  assert_int_equal(wide->precision, 50);
  wy_type_unref(wide);
  wy_type_unref(a);
  wy_type_unref(b);
  wy_type_unref(c);
}

static void shared_type_survives_until_last_unref(void **state) {
  (void)state;
  const wy_type_t *t = wy_type_map(wy_type_string(), wy_type_int());
  const wy_type_t *again = wy_type_ref(t);
  wy_type_unref(t);
  assert_int_equal(again->kind, WY_T_MAP); /* still alive: ASan would flag a use after free */
  wy_type_unref(again);
}

static void values_compare_with_nulls_first(void **state) {
  (void)state;
  wy_value_t n = wy_null(WY_T_INT), one = wy_int(1), two = wy_int(2);
  assert_true(wy_value_compare(&n, &one) < 0);
  assert_true(wy_value_compare(&two, &one) > 0);
  assert_int_equal(wy_value_compare(&n, &n), 0);
  wy_value_t s1 = wy_string("ab", 2), s2 = wy_string("abc", 3);
  assert_true(wy_value_compare(&s1, &s2) < 0);
  wy_value_t d1 = wy_decimal(150, 4, 2), d2 = wy_decimal(1500, 5, 3); /* 1.50 == 1.500 */
  assert_true(wy_value_equal(&d1, &d2));
  assert_int_equal(wy_value_hash(&d1), wy_value_hash(&d2));
  wy_value_t z = wy_double(0.0), nz = wy_double(-0.0);
  assert_int_equal(wy_value_hash(&z), wy_value_hash(&nz));
  wy_value_t nan = wy_double(NAN);
  assert_true(wy_value_compare(&nan, &z) > 0);
}

static void deep_copy_moves_everything_to_the_new_arena(void **state) {
  (void)state;
  wy_arena_t a, b;
  wy_arena_init(&a, 0);
  wy_arena_init(&b, 0);
  wy_map_t *m = wy_map_new(&a, 1);
  char *k = wy_arena_strdup(&a, "key");
  m->keys[0] = wy_string(k, 3);
  wy_list_t *l = wy_list_new(&a, 2);
  l->items[0] = wy_string(wy_arena_strdup(&a, "x"), 1);
  l->items[1] = wy_null(WY_T_STRING);
  m->vals[0] = wy_array(l);
  wy_value_t v = wy_mapv(m), copy;
  assert_true(wy_value_deep_copy(&b, &v, &copy));
  wy_arena_release(&a); /* the copy must not point into a */
  assert_int_equal(copy.u.map->n, 1);
  assert_memory_equal(copy.u.map->keys[0].u.str, "key", 3);
  assert_int_equal(copy.u.map->vals[0].u.list->n, 2);
  assert_true(copy.u.map->vals[0].u.list->items[1].null);
  wy_arena_release(&b);
}

static void maps_are_equal_regardless_of_order(void **state) {
  (void)state;
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_map_t *x = wy_map_new(&a, 2), *y = wy_map_new(&a, 2);
  x->keys[0] = y->keys[1] = wy_string("a", 1);
  x->keys[1] = y->keys[0] = wy_string("b", 1);
  x->vals[0] = y->vals[1] = wy_int(1);
  x->vals[1] = y->vals[0] = wy_int(2);
  wy_value_t vx = wy_mapv(x), vy = wy_mapv(y);
  assert_true(wy_value_equal(&vx, &vy));
  assert_int_equal(wy_value_hash(&vx), wy_value_hash(&vy));
  y->vals[0] = wy_int(3);
  assert_false(wy_value_equal(&vx, &vy));
  wy_arena_release(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(primitive_types_are_singletons),
      cmocka_unit_test(composite_types_render_like_ksqldb),
      cmocka_unit_test(type_equality_is_structural),
      cmocka_unit_test(shared_type_survives_until_last_unref),
      cmocka_unit_test(values_compare_with_nulls_first),
      cmocka_unit_test(deep_copy_moves_everything_to_the_new_arena),
      cmocka_unit_test(maps_are_equal_regardless_of_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
