/* connectors/datagen: determinism, field shapes, CDC semantics, key modes, time base. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/datagen/datagen.h"

static wy_datagen_t *make(wy_datagen_kind_t kind, uint64_t seed, int32_t n) {
  wy_datagen_options_t o;
  wy_datagen_options_init(&o, kind);
  o.seed = seed;
  o.nusers = n;
  o.nproducts = n;
  wy_datagen_t *g;
  wy_error_t err;
  assert_int_equal(wy_datagen_new(&o, &g, &err), WY_OK);
  return g;
}

static json_t *parse_value(const wy_datagen_record_t *r) {
  json_error_t jerr;
  json_t *v = json_loadb(r->value, r->value_len, 0, &jerr);
  if (!v) fail_msg("invalid JSON (%s): %.*s", jerr.text, (int)r->value_len, r->value);
  return v;
}

static void same_seed_gives_identical_bytes_and_another_seed_differs(void **state) {
  for (int kind = 0; kind < WY_DATAGEN_KIND__COUNT; kind++) {
    wy_datagen_t *a = make(kind, 42, 30), *b = make(kind, 42, 30), *c = make(kind, 43, 30);
    wy_datagen_record_t ra, rb, rc;
    size_t differ = 0;
    for (int i = 0; i < 2000; i++) {
      assert_int_equal(wy_datagen_next(a, &ra, NULL), WY_OK);
      assert_int_equal(wy_datagen_next(b, &rb, NULL), WY_OK);
      assert_int_equal(wy_datagen_next(c, &rc, NULL), WY_OK);
      assert_int_equal(ra.key_len, rb.key_len);
      assert_memory_equal(ra.key, rb.key, ra.key_len);
      assert_int_equal(ra.value_len, rb.value_len);
      assert_memory_equal(ra.value, rb.value, ra.value_len);
      assert_int_equal(ra.timestamp, rb.timestamp);
      if (ra.value_len != rc.value_len || memcmp(ra.value, rc.value, ra.value_len) != 0) differ++;
    }
    assert_true(differ > 1000);
    assert_int_equal(wy_datagen_generated(a), 2000);
    wy_datagen_destroy(a);
    wy_datagen_destroy(b);
    wy_datagen_destroy(c);
  }
}

static void names_round_trip_and_bad_options_are_refused(void **state) {
  for (int k = 0; k < WY_DATAGEN_KIND__COUNT; k++)
    assert_int_equal(wy_datagen_kind_parse(wy_datagen_kind_name(k)), k);
  for (int m = 0; m < WY_DATAGEN_KEY__COUNT; m++)
    assert_int_equal(wy_datagen_key_mode_parse(wy_datagen_key_mode_name(m)), m);
  assert_int_equal(wy_datagen_kind_parse("orders"), -1);
  assert_int_equal(wy_datagen_key_mode_parse("avro"), -1);

  wy_datagen_options_t o;
  wy_datagen_t *g = (wy_datagen_t *)&o;
  wy_error_t err;
  wy_datagen_options_init(&o, WY_DATAGEN_USERS);
  o.nusers = 0;
  assert_int_equal(wy_datagen_new(&o, &g, &err), WY_ERR_INVALID);
  assert_null(g);
  assert_non_null(strstr(err.msg, "users"));
  wy_datagen_options_init(&o, WY_DATAGEN_PRODUCTS);
  o.key_mode = WY_DATAGEN_KEY__COUNT;
  assert_int_equal(wy_datagen_new(&o, &g, &err), WY_ERR_INVALID);
  wy_datagen_destroy(NULL);
}

/* The key is the entity id in JSON-number mode (the default). */
static void assert_json_key(const wy_datagen_record_t *r, json_int_t id) {
  char want[16];
  int n = snprintf(want, sizeof want, "%lld", (long long)id);
  assert_false(r->key_null);
  assert_int_equal(r->key_len, n);
  assert_memory_equal(r->key, want, (size_t)n);
}

static const char *str_field(json_t *obj, const char *name) {
  json_t *v = json_object_get(obj, name);
  if (!json_is_string(v)) fail_msg("field %s is not a string", name);
  return json_string_value(v);
}
static json_int_t int_field(json_t *obj, const char *name) {
  json_t *v = json_object_get(obj, name);
  if (!json_is_integer(v)) fail_msg("field %s is not an integer", name);
  return json_integer_value(v);
}

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

static void clickstream_has_the_quickstart_fields_and_types(void **state) {
  static const char *const names[] = {"ip",       "userid",  "remote_user", "time",
                                      "_time",    "request", "status",      "bytes",
                                      "referrer", "agent",   NULL};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  wy_datagen_t *g = make(WY_DATAGEN_CLICKSTREAM, 7, 25);
  wy_datagen_record_t r;
  int64_t prev_ts = 0;
  bool seen_user[26] = {false}, seen_non200 = false;
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(wy_datagen_next(g, &r, NULL), WY_OK);
    json_t *v = parse_value(&r);
    assert_int_equal(json_object_size(v), 10);
    for (int f = 0; names[f]; f++) assert_non_null(json_object_get(v, names[f]));

    unsigned o[4];
    char tail;
    assert_int_equal(sscanf(str_field(v, "ip"), "%u.%u.%u.%u%c", &o[0], &o[1], &o[2], &o[3], &tail),
                     4);
    for (int k = 0; k < 4; k++) assert_true(o[k] <= 255);

    json_int_t userid = int_field(v, "userid");
    assert_in_range(userid, 1, 25);
    seen_user[userid] = true;
    assert_int_equal(r.id, userid);
    assert_json_key(&r, userid);
    assert_string_equal(str_field(v, "remote_user"), "-");

    /* _time is epoch seconds of the record timestamp; time is the same instant in
     * Apache's common log format. */
    json_int_t t = int_field(v, "_time");
    assert_int_equal(t, r.timestamp / 1000);
    assert_true(r.timestamp >= prev_ts);
    prev_ts = r.timestamp;
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char want[40];
    snprintf(want, sizeof want, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    assert_string_equal(str_field(v, "time"), want);

    char method[8], path[64], proto[16];
    assert_int_equal(sscanf(str_field(v, "request"), "%7s %63s %15s", method, path, proto), 3);
    assert_true(strcmp(method, "GET") == 0 || strcmp(method, "POST") == 0);
    assert_int_equal(path[0], '/');
    assert_string_equal(proto, "HTTP/1.1");

    const char *status = str_field(v, "status");
    assert_int_equal(strlen(status), 3);
    assert_true(status[0] >= '2' && status[0] <= '5');
    if (strcmp(status, "200") != 0) seen_non200 = true;

    const char *bytes = str_field(v, "bytes");
    assert_true(*bytes);
    for (const char *p = bytes; *p; p++) assert_true(isdigit((unsigned char)*p));

    const char *ref = str_field(v, "referrer");
    assert_true(strcmp(ref, "-") == 0 || strncmp(ref, "https://", 8) == 0);
    assert_true(strncmp(str_field(v, "agent"), "Mozilla/5.0 (", 13) == 0);
    json_decref(v);
  }
  for (int u = 1; u <= 25; u++) assert_true(seen_user[u]);
  assert_true(seen_non200);
  wy_datagen_destroy(g);
}

/* Checks one user row; returns its userid. */
static json_int_t check_user_row(json_t *row, int64_t ts_ms) {
  static const char *const levels[] = {"Platinum", "Gold", "Silver", NULL};
  assert_true(json_is_object(row));
  assert_int_equal(json_object_size(row), 8);
  json_int_t id = int_field(row, "userid");
  assert_true(*str_field(row, "first_name"));
  assert_true(*str_field(row, "last_name"));
  const char *email = str_field(row, "email");
  const char *at = strchr(email, '@');
  assert_non_null(at);
  assert_true(at > email && strchr(at, '.'));
  /* A North American number: 10 digits, optionally led by the country code 1. */
  char digits[16];
  size_t nd = 0;
  for (const char *p = str_field(row, "phone"); *p; p++) {
    if (isdigit((unsigned char)*p)) {
      assert_true(nd < sizeof digits - 1);
      digits[nd++] = *p;
    } else {
      assert_non_null(strchr("+()-. ", *p));
    }
  }
  assert_true(nd == 10 || (nd == 11 && digits[0] == '1'));
  assert_true(*str_field(row, "city"));
  assert_true(in_list(str_field(row, "level"), levels));
  json_int_t reg = int_field(row, "registered_at");
  assert_true(reg <= ts_ms && reg > ts_ms - 4LL * 365 * 86400 * 1000);
  return id;
}

static json_int_t check_product_row(json_t *row, const wy_datagen_record_t *r) {
  assert_true(json_is_object(row));
  assert_int_equal(json_object_size(row), 5);
  json_int_t id = int_field(row, "product_id");
  assert_true(*str_field(row, "name"));
  assert_true(*str_field(row, "category"));
  assert_true(int_field(row, "stock") >= 0);
  json_t *price = json_object_get(row, "price");
  assert_true(json_is_real(price));
  assert_true(json_real_value(price) >= 0.99);
  /* The literal has exactly two decimals (jansson would not tell 12.30 from 12.3). */
  const char *p = r->value;
  size_t checked = 0;
  while ((p = memmem(p, r->value_len - (size_t)(p - r->value), "\"price\":", 8))) {
    p += 8;
    while (isdigit((unsigned char)*p)) p++;
    assert_int_equal(p[0], '.');
    assert_true(isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]));
    assert_false(isdigit((unsigned char)p[3]));
    checked++;
  }
  assert_true(checked >= 1);
  return id;
}

static void check_envelope(json_t *v, const wy_datagen_record_t *r, const char *table) {
  static const char *const ops[] = {"c", "u", "d", "r", NULL};
  assert_int_equal(json_object_size(v), 5);
  json_t *before = json_object_get(v, "before"), *after = json_object_get(v, "after");
  assert_true(json_is_null(before) || json_is_object(before));
  assert_true(json_is_null(after) || json_is_object(after));
  assert_true(in_list(str_field(v, "op"), ops));
  json_int_t ts = int_field(v, "ts_ms");
  assert_int_equal(ts, r->timestamp);
  json_t *src = json_object_get(v, "source");
  assert_true(json_is_object(src));
  assert_true(*str_field(src, "version"));
  assert_string_equal(str_field(src, "connector"), "postgresql");
  assert_string_equal(str_field(src, "name"), "dbserver1");
  assert_string_equal(str_field(src, "db"), "inventory");
  assert_string_equal(str_field(src, "schema"), "public");
  assert_string_equal(str_field(src, "table"), table);
  json_int_t src_ts = int_field(src, "ts_ms");
  assert_true(src_ts <= ts && src_ts > ts - 1000);
  assert_true(int_field(src, "txId") > 0);
  assert_true(int_field(src, "lsn") > 0);
  for (int side = 0; side < 2; side++) {
    json_t *row = side ? after : before;
    if (json_is_null(row)) continue;
    json_int_t id =
        strcmp(table, "users") == 0 ? check_user_row(row, ts) : check_product_row(row, r);
    assert_int_equal(id, r->id);
    assert_json_key(r, id);
  }
}

static void cdc_envelopes_have_debezium_fields_and_row_types(void **state) {
  static const struct {
    wy_datagen_kind_t kind;
    const char *table;
  } cases[] = {{WY_DATAGEN_USERS, "users"}, {WY_DATAGEN_PRODUCTS, "products"}};
  for (size_t c = 0; c < 2; c++) {
    wy_datagen_t *g = make(cases[c].kind, 11, 40);
    wy_datagen_record_t r;
    for (int i = 0; i < 1500; i++) {
      assert_int_equal(wy_datagen_next(g, &r, NULL), WY_OK);
      assert_false(r.value_null); /* no tombstones unless asked */
      json_t *v = parse_value(&r);
      check_envelope(v, &r, cases[c].table);
      assert_string_equal(str_field(json_object_get(v, "source"), "snapshot"), "false");
      json_decref(v);
    }
    wy_datagen_destroy(g);
  }
}

/* Replays a CDC stream and checks it against a model of the table. */
static void cdc_sequence_follows_the_table(wy_datagen_kind_t kind, bool tombstones) {
  enum { N = 20, RECORDS = 4000 };
  wy_datagen_options_t o;
  wy_datagen_options_init(&o, kind);
  o.seed = 99;
  o.nusers = o.nproducts = N;
  o.tombstones = tombstones;
  wy_datagen_t *g;
  assert_int_equal(wy_datagen_new(&o, &g, NULL), WY_OK);
  json_t *current[N + 1] = {NULL}; /* last after of each id; NULL when absent */
  bool created[N + 1] = {false};
  int counts[4] = {0}; /* c, u, d, reinserts */
  int32_t expect_tombstone = 0;
  wy_datagen_record_t r;
  for (int i = 0; i < RECORDS; i++) {
    assert_int_equal(wy_datagen_next(g, &r, NULL), WY_OK);
    assert_in_range(r.id, 1, N);
    if (expect_tombstone) {
      assert_true(r.value_null);
      assert_int_equal(r.id, expect_tombstone);
      assert_json_key(&r, r.id);
      expect_tombstone = 0;
      continue;
    }
    assert_false(r.value_null);
    json_t *v = parse_value(&r);
    const char *op = str_field(v, "op");
    json_t *before = json_object_get(v, "before"), *after = json_object_get(v, "after");
    if (i < N) { /* every row is created first, in id order */
      assert_string_equal(op, "c");
      assert_int_equal(r.id, i + 1);
    }
    if (strcmp(op, "c") == 0) {
      assert_null(current[r.id]);
      assert_true(json_is_null(before));
      assert_true(json_is_object(after));
      counts[created[r.id] ? 3 : 0]++;
      created[r.id] = true;
    } else if (strcmp(op, "u") == 0) {
      assert_true(created[r.id]);
      assert_non_null(current[r.id]);
      assert_true(json_equal(before, current[r.id]));
      assert_true(json_is_object(after));
      assert_false(json_equal(before, after));
      counts[1]++;
    } else {
      assert_string_equal(op, "d");
      assert_non_null(current[r.id]);
      assert_true(json_equal(before, current[r.id]));
      assert_true(json_is_null(after));
      if (tombstones) expect_tombstone = r.id;
      counts[2]++;
    }
    json_decref(current[r.id]);
    current[r.id] = json_is_null(after) ? NULL : json_incref(after);
    json_decref(v);
  }
  assert_int_equal(counts[0], N);
  assert_true(counts[1] > RECORDS / 2);
  assert_true(counts[2] > 10);
  assert_true(counts[3] > 5);
  for (int i = 0; i <= N; i++) json_decref(current[i]);
  wy_datagen_destroy(g);
}

static void users_changes_follow_the_table(void **state) {
  cdc_sequence_follows_the_table(WY_DATAGEN_USERS, false);
}
static void products_changes_follow_the_table_with_tombstones(void **state) {
  cdc_sequence_follows_the_table(WY_DATAGEN_PRODUCTS, true);
}

static void snapshot_option_reads_initial_rows(void **state) {
  wy_datagen_options_t o;
  wy_datagen_options_init(&o, WY_DATAGEN_USERS);
  o.nusers = 5;
  o.snapshot = true;
  wy_datagen_t *g;
  assert_int_equal(wy_datagen_new(&o, &g, NULL), WY_OK);
  wy_datagen_record_t r;
  for (int i = 0; i < 30; i++) {
    assert_int_equal(wy_datagen_next(g, &r, NULL), WY_OK);
    json_t *v = parse_value(&r);
    const char *snap = str_field(json_object_get(v, "source"), "snapshot");
    if (i < 5) {
      assert_string_equal(str_field(v, "op"), "r");
      assert_string_equal(snap, "true");
    } else {
      assert_string_not_equal(str_field(v, "op"), "r");
      assert_string_equal(snap, "false");
    }
    json_decref(v);
  }
  wy_datagen_destroy(g);
}

static void key_modes_encode_the_id(void **state) {
  for (int mode = 0; mode < WY_DATAGEN_KEY__COUNT; mode++) {
    wy_datagen_options_t o;
    wy_datagen_options_init(&o, WY_DATAGEN_CLICKSTREAM);
    o.key_mode = mode;
    o.nusers = 100000; /* ids of several digits, and above 65535 for the byte order */
    wy_datagen_t *g;
    assert_int_equal(wy_datagen_new(&o, &g, NULL), WY_OK);
    wy_datagen_record_t r;
    for (int i = 0; i < 200; i++) {
      assert_int_equal(wy_datagen_next(g, &r, NULL), WY_OK);
      char want[16];
      switch (mode) {
        case WY_DATAGEN_KEY_JSON:
          assert_json_key(&r, r.id);
          break;
        case WY_DATAGEN_KEY_STRING:
          snprintf(want, sizeof want, "\"%d\"", (int)r.id);
          assert_int_equal(r.key_len, strlen(want));
          assert_memory_equal(r.key, want, r.key_len);
          break;
        case WY_DATAGEN_KEY_KAFKA_INT: {
          assert_int_equal(r.key_len, 4);
          const unsigned char *k = (const unsigned char *)r.key;
          assert_int_equal(
              ((uint32_t)k[0] << 24) | ((uint32_t)k[1] << 16) | ((uint32_t)k[2] << 8) | k[3],
              (uint32_t)r.id);
          break;
        }
        default:
          assert_true(r.key_null);
      }
    }
    wy_datagen_destroy(g);
  }
}

static int64_t fixed_clock(void *opaque) { return *(int64_t *)opaque; }

static void time_base_is_seeded_settable_or_injected(void **state) {
  wy_datagen_record_t r1, r2;
  /* Default: a fixed instant in 2026 derived from the seed. */
  wy_datagen_t *a = make(WY_DATAGEN_USERS, 5, 10), *b = make(WY_DATAGEN_USERS, 6, 10);
  assert_int_equal(wy_datagen_next(a, &r1, NULL), WY_OK);
  assert_int_equal(wy_datagen_next(b, &r2, NULL), WY_OK);
  assert_true(r1.timestamp >= 1767225600000LL && r1.timestamp < 1798761600000LL + 3000);
  assert_true(r1.timestamp != r2.timestamp);
  wy_datagen_destroy(a);
  wy_datagen_destroy(b);

  wy_datagen_options_t o;
  wy_datagen_options_init(&o, WY_DATAGEN_CLICKSTREAM);
  o.epoch_ms = 1000000000000LL;
  assert_int_equal(wy_datagen_new(&o, &a, NULL), WY_OK);
  int64_t prev = o.epoch_ms;
  for (int i = 0; i < 100; i++) {
    assert_int_equal(wy_datagen_next(a, &r1, NULL), WY_OK);
    assert_true(r1.timestamp > prev && r1.timestamp <= prev + 1000);
    prev = r1.timestamp;
  }
  wy_datagen_destroy(a);

  int64_t now = 1234567890123LL;
  o.clock = fixed_clock;
  o.clock_opaque = &now;
  assert_int_equal(wy_datagen_new(&o, &a, NULL), WY_OK);
  assert_int_equal(wy_datagen_next(a, &r1, NULL), WY_OK);
  assert_int_equal(r1.timestamp, now);
  json_t *v = parse_value(&r1);
  assert_int_equal(int_field(v, "_time"), 1234567890);
  assert_string_equal(str_field(v, "time"), "13/Feb/2009:23:31:30 +0000");
  json_decref(v);
  wy_datagen_destroy(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_seed_gives_identical_bytes_and_another_seed_differs),
      cmocka_unit_test(names_round_trip_and_bad_options_are_refused),
      cmocka_unit_test(clickstream_has_the_quickstart_fields_and_types),
      cmocka_unit_test(cdc_envelopes_have_debezium_fields_and_row_types),
      cmocka_unit_test(users_changes_follow_the_table),
      cmocka_unit_test(products_changes_follow_the_table_with_tombstones),
      cmocka_unit_test(snapshot_option_reads_initial_rows),
      cmocka_unit_test(key_modes_encode_the_id),
      cmocka_unit_test(time_base_is_seeded_settable_or_injected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
