/* engine/catalog: logical schemas and the metastore of sources and types. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "engine/catalog/catalog.h"

static void schema_renders_like_ksqldb(void **state) {
  (void)state;
  wy_schema_t s;
  wy_schema_init(&s);
  wy_error_t err;
  assert_int_equal(wy_schema_add(&s, "ID", wy_type_bigint(), WY_NS_KEY, NULL, &err), WY_OK);
  assert_int_equal(wy_schema_add(&s, "NAME", wy_type_string(), WY_NS_VALUE, NULL, &err), WY_OK);
  assert_int_equal(wy_schema_add(&s, "H", wy_type_bytes(), WY_NS_HEADER, "abc", &err), WY_OK);
  char buf[256];
  wy_schema_format(&s, false, buf, sizeof buf);
  assert_string_equal(buf, "`ID` BIGINT KEY, `NAME` STRING, `H` BYTES HEADER('abc')");
  wy_schema_format(&s, true, buf, sizeof buf);
  assert_string_equal(buf, "`ID` BIGINT PRIMARY KEY, `NAME` STRING, `H` BYTES HEADER('abc')");
  assert_int_equal(wy_schema_find(&s, "NAME"), 1);
  assert_int_equal(wy_schema_find(&s, "name"), -1);
  assert_int_equal(wy_schema_count_ns(&s, WY_NS_KEY), 1);
  wy_schema_t copy;
  assert_int_equal(wy_schema_copy(&copy, &s, &err), WY_OK);
  assert_true(wy_schema_equal(&copy, &s));
  wy_schema_clear(&s);
  assert_int_equal(copy.n, 3); /* the copy owns its own references */
  wy_schema_clear(&copy);
}

static void catalog_adds_replaces_and_drops(void **state) {
  (void)state;
  wy_catalog_t *c = wy_catalog_new();
  wy_error_t err;
  wy_source_def_t *d = wy_source_def_new("ORDERS", WY_SOURCE_STREAM);
  d->topic = strdup("orders");
  assert_int_equal(wy_catalog_add(c, d, false, &err), WY_OK);
  assert_int_equal(wy_catalog_add(c, wy_source_def_new("ORDERS", WY_SOURCE_TABLE), false, &err),
                   WY_ERR_EXISTS);
  assert_string_equal(err.msg,
                      "Cannot add table 'ORDERS': A stream with the same name already exists");
  wy_source_def_t *r = wy_source_def_new("ORDERS", WY_SOURCE_STREAM);
  r->partitions = 4;
  assert_int_equal(wy_catalog_add(c, r, true, &err), WY_OK);
  assert_int_equal(wy_catalog_find(c, "ORDERS")->partitions, 4);
  assert_null(wy_catalog_find_by_topic(c, "orders")); /* replaced definition has no topic */
  assert_int_equal(wy_catalog_count(c), 1);
  assert_int_equal(wy_catalog_drop(c, "ORDERS", &err), WY_OK);
  assert_int_equal(wy_catalog_drop(c, "ORDERS", &err), WY_ERR_NOT_FOUND);
  assert_null(wy_catalog_find(c, "ORDERS"));
  wy_catalog_destroy(c);
}

static void type_aliases_register_once(void **state) {
  (void)state;
  wy_catalog_t *c = wy_catalog_new();
  wy_error_t err;
  assert_int_equal(wy_catalog_add_type(c, "ADDRESS", wy_type_array(wy_type_string()), &err), WY_OK);
  assert_int_equal(wy_catalog_add_type(c, "ADDRESS", wy_type_int(), &err), WY_ERR_EXISTS);
  assert_int_equal(wy_catalog_find_type(c, "ADDRESS")->kind, WY_T_ARRAY);
  assert_int_equal(wy_catalog_drop_type(c, "ADDRESS", &err), WY_OK);
  assert_null(wy_catalog_find_type(c, "ADDRESS"));
  wy_catalog_destroy(c);
}

static void format_spec_upper_cases_names(void **state) {
  (void)state;
  wy_format_spec_t f;
  wy_format_spec_init(&f, "json");
  assert_string_equal(f.name, "JSON");
  assert_int_equal(f.wrap_single, -1);
  assert_int_equal(f.schema_id, -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(schema_renders_like_ksqldb),
      cmocka_unit_test(catalog_adds_replaces_and_drops),
      cmocka_unit_test(type_aliases_register_once),
      cmocka_unit_test(format_spec_upper_cases_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
