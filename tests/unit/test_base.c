/* engine/base: status codes and errors, logging, the arena. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/arena.h"
#include "engine/base/log.h"
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(error_set_returns_code_and_formats_message),
      cmocka_unit_test(error_message_is_truncated_not_overflowed),
      cmocka_unit_test(status_names_cover_every_code),
      cmocka_unit_test(log_respects_level_and_writes_one_line),
      cmocka_unit_test(arena_allocates_aligned_and_reuses_blocks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
