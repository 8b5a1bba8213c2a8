/* engine/base: status codes and errors, logging, the arena, the byte buffer, base64,
 * Double.toString, floor division. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/arena.h"
#include "engine/base/base64.h"
#include "engine/base/buf.h"
#include "engine/base/intmath.h"
#include "engine/base/java_hashmap.h"
#include "engine/base/log.h"
#include "engine/base/numtext.h"
#include "engine/base/status.h"

static void error_set_returns_code_and_formats_message(void **state) {
  (void)state;
  wy_error_t err;
  wy_error_clear(&err);
  assert_int_equal(wy_error_set(&err, WY_ERR_IO, "cannot open %s", "x.sql"), WY_ERR_IO);
  assert_string_equal(err.msg, "cannot open x.sql");
  assert_int_equal(err.line, 0);
  wy_error_set_pos(&err, WY_ERR_PARSE, 3, 14, "unexpected %s", "FROM");
  assert_int_equal(err.line, 3);
  assert_int_equal(err.column, 14);
  wy_error_prefix(&err, "file %s", "p.sql");
  assert_string_equal(err.msg, "file p.sql: unexpected FROM");
  assert_int_equal(err.code, WY_ERR_PARSE);
  /* A NULL error object is allowed: the code still comes back. */
  assert_int_equal(wy_error_set(NULL, WY_ERR_NOMEM, "x"), WY_ERR_NOMEM);
}

static void error_message_is_truncated_not_overflowed(void **state) {
  (void)state;
  char big[WY_ERROR_MSG_MAX * 2];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  wy_error_t err;
  wy_error_set(&err, WY_ERR_INVALID, "%s", big);
  assert_int_equal(strlen(err.msg), WY_ERROR_MSG_MAX - 1);
}

static void status_names_cover_every_code(void **state) {
  (void)state;
  for (int c = 0; c < WY_STATUS__COUNT; c++) {
    assert_string_not_equal(wy_status_name((wy_status_t)c), "UNKNOWN");
    assert_string_not_equal(wy_status_describe((wy_status_t)c), "unknown status");
  }
  assert_string_equal(wy_status_name(WY_ERR_PARSE), "PARSE");
  assert_string_equal(wy_status_name((wy_status_t)999), "UNKNOWN");
}

static void log_respects_level_and_writes_one_line(void **state) {
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  wy_log_set_fd(fds[1]);
  wy_log_set_level(WY_LOG_WARN);
  wy_log(WY_LOG_INFO, "test", "hidden");
  wy_log(WY_LOG_ERROR, "test", "shown key=%d", 7);
  wy_log_set_fd(2);
  close(fds[1]);
  char buf[512] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  assert_true(n > 0);
  assert_null(strstr(buf, "hidden"));
  assert_non_null(strstr(buf, "ERROR test: shown key=7\n"));
  assert_int_equal(wy_log_level_parse("debug"), WY_LOG_DEBUG);
  assert_int_equal(wy_log_level_parse("nope"), -1);
}

static void arena_allocates_aligned_and_reuses_blocks(void **state) {
  (void)state;
  wy_arena_t a;
  wy_arena_init(&a, 256);
  void *first = NULL;
  for (int i = 0; i < 100; i++) {
    char *p = wy_arena_alloc(&a, 40);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    memset(p, 'x', 40);
    if (i == 0) first = p;
  }
  char *big = wy_arena_alloc(&a, 10000); /* larger than a block */
  assert_non_null(big);
  memset(big, 1, 10000);
  wy_arena_reset(&a);
  assert_int_equal(a.used_total, 0);
  /* After a reset the first block is handed out again: no new malloc. */
  assert_ptr_equal(wy_arena_alloc(&a, 40), first);
  char *s = wy_arena_strndup(&a, "hello world", 5);
  assert_string_equal(s, "hello");
  assert_string_equal(wy_arena_sprintf(&a, "%s-%d", "q", 12), "q-12");
  wy_arena_release(&a);
  wy_arena_release(NULL);
}

static void buf_appends_grows_and_hands_out_text(void **state) {
  (void)state;
  wy_buf_t b;
  wy_buf_init(&b);
  assert_string_equal(wy_buf_cstr(&b), ""); /* an empty buffer is still a string */
  assert_int_equal(b.len, 0);
  assert_true(wy_buf_append(&b, "ab", 2) && wy_buf_putc(&b, 'c') && wy_buf_append_str(&b, "de"));
  assert_true(wy_buf_printf(&b, "-%d-", 42));
  char big[300];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_true(wy_buf_printf(&b, "%s", big)); /* longer than the room left: formats twice */
  assert_int_equal(b.len, 9 + 299);
  assert_true(b.cap >= b.len);
  assert_memory_equal(b.data, "abcde-42-xx", 11);
  assert_int_equal(strlen(wy_buf_cstr(&b)), b.len); /* the NUL is not counted */
  size_t cap = b.cap;
  wy_buf_reset(&b);
  assert_int_equal(b.len, 0);
  assert_int_equal(b.cap, cap); /* the room is kept for the next record */
  wy_buf_append_str(&b, "again");
  char *text = wy_buf_take(&b);
  assert_string_equal(text, "again");
  assert_null(b.data); /* handed over: the buffer is empty again */
  assert_int_equal(b.len + b.cap, 0);
  free(text);
  wy_buf_free(&b);
  wy_buf_free(NULL);
}

static void buf_failed_grow_is_remembered_until_reset(void **state) {
  (void)state;
  wy_buf_t b;
  wy_buf_init(&b);
  assert_true(wy_buf_append_str(&b, "kept"));
  assert_false(wy_buf_reserve(&b, SIZE_MAX)); /* no room can be that large */
  assert_true(b.oom);
  assert_true(wy_buf_putc(&b, '!')); /* still fits in the room it has */
  assert_null(wy_buf_cstr(&b));      /* but the text is incomplete */
  wy_buf_reset(&b);
  assert_false(b.oom);
  assert_string_equal(wy_buf_cstr(&b), "");
  wy_buf_free(&b);
}

static void buf_in_an_arena_grows_without_the_heap(void **state) {
  (void)state;
  wy_arena_t a;
  wy_arena_init(&a, 0);
  wy_buf_t b;
  wy_buf_init_arena(&b, &a);
  for (int i = 0; i < 1000; i++) assert_true(wy_buf_printf(&b, "%03d,", i));
  const char *text = wy_buf_cstr(&b);
  assert_int_equal(b.len, 4000);
  assert_memory_equal(text, "000,001,", 8);
  assert_memory_equal(text + 3996, "999,", 5); /* the NUL included */
  size_t used = a.used_total;
  wy_buf_free(&b); /* the bytes stay in the arena, which stays usable */
  assert_ptr_equal(b.arena, &a);
  assert_int_equal(a.used_total, used);
  assert_string_equal(text + 3996, "999,");
  wy_arena_release(&a);
}

static void buf_reads_streams_and_files(void **state) {
  (void)state;
  char path[] = "/tmp/wy_test_buf_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  char data[10000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (char)('a' + i % 26);
  assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
  close(fd);
  size_t len = 0;
  char *text = wy_buf_read_file(path, &len);
  assert_non_null(text);
  assert_int_equal(len, sizeof data);
  assert_memory_equal(text, data, sizeof data);
  assert_int_equal(text[len], '\0');
  free(text);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  wy_buf_t b;
  wy_buf_init(&b);
  wy_buf_append_str(&b, "head:");
  assert_true(wy_buf_read(&b, f)); /* appends after what is there */
  fclose(f);
  assert_int_equal(b.len, 5 + sizeof data);
  assert_memory_equal(b.data + 5, data, sizeof data);
  wy_buf_free(&b);
  unlink(path);
  assert_null(wy_buf_read_file(path, &len));
  assert_int_equal(len, 0);
}

static bool b64(const char *text, unsigned flags, const char *want) {
  uint8_t out[64];
  size_t n = 99;
  if (!wy_base64_decode(text, strlen(text), flags, out, &n)) return want == NULL;
  return want && n == strlen(want) && memcmp(out, want, n) == 0;
}

static void base64_round_trips_with_padding(void **state) {
  (void)state;
  const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char *dec[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"}; /* RFC 4648 §10 */
  for (size_t k = 0; k < sizeof enc / sizeof *enc; k++) {
    wy_buf_t b;
    wy_buf_init(&b);
    wy_buf_putc(&b, '"');
    assert_true(wy_base64_encode(dec[k], strlen(dec[k]), &b)); /* appends */
    assert_int_equal(b.len, 1 + strlen(enc[k]));
    assert_int_equal(wy_base64_encoded_len(strlen(dec[k])), strlen(enc[k]));
    assert_memory_equal(b.data + 1, enc[k], b.len - 1);
    wy_buf_free(&b);
    for (unsigned flags = 0; flags <= WY_BASE64_UNTIL_PAD; flags++)
      assert_true(b64(enc[k], flags, dec[k]));
  }
  uint8_t all[256];
  for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
  char text[344];
  wy_base64_encode_into(all, sizeof all, text);
  assert_int_equal(wy_base64_encoded_len(sizeof all), sizeof text);
  assert_memory_equal(text, "AAECAwQF", 8);
  assert_memory_equal(text + 336, "/P3+/w==", 8);
  uint8_t back[sizeof all + 8];
  size_t n;
  assert_true(sizeof back >= wy_base64_decoded_max(sizeof text));
  assert_true(wy_base64_decode(text, sizeof text, 0, back, &n));
  assert_int_equal(n, sizeof all);
  assert_memory_equal(back, all, n);
}

static void base64_decoding_rejects_what_is_not_base64(void **state) {
  (void)state;
  /* Java's rule (the formats): padding optional, at most two '=' ending a multiple of 4. */
  assert_true(b64("Zm8", 0, "fo"));
  assert_true(b64("Zg", 0, "f"));
  assert_false(b64("Z", 0, ""));     /* 6 bits make no byte */
  assert_false(b64("Zm9vY", 0, "")); /* nor do 4k + 1 characters */
  assert_false(b64("Zm9v!", 0, "")); /* outside the alphabet */
  assert_false(b64("Zm9v YmFy", 0, ""));
  assert_false(b64("Zm-_", 0, "")); /* the URL-safe alphabet is another codec */
  assert_false(b64("Zg=v", 0, "")); /* '=' inside the text */
  assert_false(b64("Zg=", 0, ""));  /* padding only on a multiple of 4 */
  assert_false(b64("Zg===", 0, ""));
  assert_false(b64("Z===", 0, ""));
  assert_false(b64("====", 0, ""));
  /* PAD_ANY (QTT header values): any run of '=' at the end is padding. */
  assert_true(b64("Zg=", WY_BASE64_PAD_ANY, "f"));
  assert_true(b64("Zg=====", WY_BASE64_PAD_ANY, "f"));
  assert_true(b64("====", WY_BASE64_PAD_ANY, ""));
  assert_false(b64("Z===", WY_BASE64_PAD_ANY, ""));
  assert_false(b64("I*==", WY_BASE64_PAD_ANY, ""));
  assert_false(b64("Zg=v", WY_BASE64_PAD_ANY, ""));
  /* UNTIL_PAD (TO_BYTES): the text ends at the first '=', a dangling character is dropped. */
  assert_true(b64("Zg=v", WY_BASE64_UNTIL_PAD, "f"));
  assert_true(b64("Zg=!!", WY_BASE64_UNTIL_PAD, "f"));
  assert_true(b64("Z", WY_BASE64_UNTIL_PAD, ""));
  assert_true(b64("Zm9vY", WY_BASE64_UNTIL_PAD, "foo"));
  assert_false(b64("Zm9v!", WY_BASE64_UNTIL_PAD, ""));
}

static void doubles_render_as_java_does(void **state) {
  (void)state;
  static const struct {
    double d;
    const char *java;
  } cases[] = {{2.0, "2.0"},
               {0.001, "0.001"},
               {1e-4, "1.0E-4"},
               {9999999.0, "9999999.0"},
               {1e7, "1.0E7"},
               {-1.5e-7, "-1.5E-7"},
               {0.1 + 0.2, "0.30000000000000004"},
               {-0.0, "-0.0"},
               {1.7976931348623157e308, "1.7976931348623157E308"},
               /* JDK 19+: two digits where one would read back (older JDKs: 5.0E-324) */
               {4.9e-324, "4.9E-324"},
               {9.9e-324, "9.9E-324"},
               /* [2^53, 2^63): JDK <= 18's long digits less the insignificant ones */
               {0x1p62, "4.6116860184273879E18"},
               {-0x1p62, "-4.6116860184273879E18"},
               {2305842794465334272.0, "2.30584279446533427E18"}, /* one digit dropped */
               {2.82879384806159e17, "2.82879384806159008E17"},   /* none dropped */
               {0x1p62 + 3072, "4.611686018427391E18"},           /* rounded half up */
               {0x1p53, "9.007199254740992E15"},
               {0x1p53 - 1, "9.007199254740991E15"},
               {0x1p63, "9.223372036854776E18"}, /* past a long: shortest again */
               {INFINITY, "Infinity"},
               {-INFINITY, "-Infinity"},
               {NAN, "NaN"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char buf[32];
    size_t n = wy_double_java(cases[i].d, buf);
    assert_string_equal(buf, cases[i].java);
    assert_int_equal(n, strlen(buf));
  }
}

static void hashmap_order_is_javas(void **state) {
  (void)state;
  assert_int_equal(wy_java_string_hash("", 0), 0);
  assert_int_equal(wy_java_string_hash("hello", 5), 99162322);
  assert_int_equal(wy_java_string_hash("\xc3\xa9", 2), 233);                  /* é: one unit */
  assert_int_equal(wy_java_string_hash("\xf0\x9f\x98\x80", 4), 1772899);      /* a pair */
  assert_int_equal(wy_java_string_hash("polygenelubricants", 18), INT32_MIN); /* wraps */
  assert_int_equal(wy_java_hashmap_capacity(1), 2);
  assert_int_equal(wy_java_hashmap_capacity(3), 4);
  assert_int_equal(wy_java_hashmap_capacity(4), 8);
  assert_int_equal(wy_java_hashmap_capacity(6), 8);
  assert_int_equal(wy_java_hashmap_capacity(7), 16);
  assert_int_equal(wy_java_hashmap_capacity(13), 32);
  /* Three keys: 4 buckets (plum 0, apple 1, pear 2). A fourth, NULL, key makes it 8
   * and hashes to 0: it follows plum, inserted before it, in that bucket. */
  static const char *const in[] = {"pear", "apple", "plum", NULL};
  static const char *const want3[] = {"plum", "apple", "pear"};
  static const char *const want4[] = {"plum", NULL, "apple", "pear"};
  wy_value_t k[4], v[4], scratch[8];
  for (int n = 3; n <= 4; n++) {
    for (int i = 0; i < n; i++) {
      k[i] = in[i] ? wy_string(in[i], strlen(in[i])) : wy_null(WY_T_STRING);
      v[i] = wy_int(i);
    }
    wy_java_hashmap_order(k, v, (uint32_t)n, scratch);
    for (int i = 0; i < n; i++) {
      const char *w = n == 3 ? want3[i] : want4[i];
      assert_true(in[v[i].u.i32] == w); /* values move with their keys */
      if (!w) {
        assert_true(k[i].null);
        continue;
      }
      assert_int_equal(k[i].len, strlen(w));
      assert_memory_equal(k[i].u.str, w, k[i].len);
    }
  }
}

static void floor_division_rounds_toward_negative_infinity(void **state) {
  (void)state;
  /* Java's Math.floorDiv / floorMod, every sign of a and b. */
  assert_int_equal(wy_floor_div(7, 2), 3);
  assert_int_equal(wy_floor_div(-7, 2), -4);
  assert_int_equal(wy_floor_div(7, -2), -4);
  assert_int_equal(wy_floor_div(-7, -2), 3);
  assert_int_equal(wy_floor_mod(7, 2), 1);
  assert_int_equal(wy_floor_mod(-7, 2), 1);
  assert_int_equal(wy_floor_mod(7, -2), -1);
  assert_int_equal(wy_floor_mod(-7, -2), -1);
  assert_int_equal(wy_floor_div(-1, 86400000), -1); /* 1969-12-31T23:59:59.999 */
  assert_int_equal(wy_floor_mod(-1, 86400000), 86399999);
  assert_int_equal(wy_floor_div(-86400000, 86400000), -1);
  assert_int_equal(wy_floor_mod(-86400000, 86400000), 0);
  assert_true(wy_floor_div(INT64_MIN, -1) == INT64_MIN); /* wraps, as in Java */
  assert_int_equal(wy_floor_mod(INT64_MIN, -1), 0);
  assert_true(wy_floor_div(INT64_MIN, 1) == INT64_MIN);
  assert_true(wy_floor_div(INT64_MAX, -1) == -INT64_MAX);
  assert_true(wy_floor_div(INT64_MIN, 1000) == INT64_MIN / 1000 - 1);
  assert_true(wy_floor_mod(INT64_MIN, INT64_MAX) == INT64_MAX - 1);
  assert_true(wy_floor_mod(INT64_MAX, INT64_MIN) == -1);
  for (int64_t a = -60; a <= 60; a++)
    for (int64_t b = -9; b <= 9; b++) {
      if (!b) continue;
      int64_t q = wy_floor_div(a, b), r = wy_floor_mod(a, b);
      assert_true(q * b + r == a);
      assert_true(r == 0 || (r < 0) == (b < 0)); /* the remainder takes b's sign */
      assert_true(r < 0 ? -r < (b < 0 ? -b : b) : r < (b < 0 ? -b : b));
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(error_set_returns_code_and_formats_message),
      cmocka_unit_test(error_message_is_truncated_not_overflowed),
      cmocka_unit_test(status_names_cover_every_code),
      cmocka_unit_test(log_respects_level_and_writes_one_line),
      cmocka_unit_test(arena_allocates_aligned_and_reuses_blocks),
      cmocka_unit_test(buf_appends_grows_and_hands_out_text),
      cmocka_unit_test(buf_failed_grow_is_remembered_until_reset),
      cmocka_unit_test(buf_in_an_arena_grows_without_the_heap),
      cmocka_unit_test(buf_reads_streams_and_files),
      cmocka_unit_test(base64_round_trips_with_padding),
      cmocka_unit_test(base64_decoding_rejects_what_is_not_base64),
      cmocka_unit_test(doubles_render_as_java_does),
      cmocka_unit_test(hashmap_order_is_javas),
      cmocka_unit_test(floor_division_rounds_toward_negative_infinity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
