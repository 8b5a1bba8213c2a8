/* engine/testing: the runner behind `walleye test`, driven by a scripted executor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/testing/runner.h"

/* Replays each case's expected outputs as its actual outputs, except that a case whose
 * name contains "break" gets a different value, and one containing "throw" fails its
 * last statement. */
static wy_status_t oracle_run(void *ctx, const wy_qtt_case_t *tc, wy_qtt_result_t *out,
                              wy_error_t *err) {
  (*(int *)ctx)++;
  if (strstr(tc->name, "throw")) {
    wy_error_t e;
    wy_error_set(&e, WY_ERR_ANALYSIS, "Line: 1, Col: 1: something is wrong here");
    return wy_qtt_result_set_exception(out, WY_QTT_PHASE_STATEMENT, (int)tc->statements.n - 1, &e);
  }
  for (size_t i = 0; i < tc->noutputs; i++) {
    const wy_qtt_record_t *e = &tc->outputs[i];
    wy_qtt_out_record_t rec = {.topic = e->topic,
                               .key = {.value = e->key},
                               .value = {.value = e->value},
                               .timestamp = e->timestamp,
                               .nheaders = e->nheaders,
                               .headers = e->headers,
                               .window = e->window};
    if (strstr(tc->name, "break")) rec.value.value = wy_string("broken", 6);
    wy_status_t st = wy_qtt_result_add_record(out, &rec, err);
    if (st != WY_OK) return st;
  }
  return WY_OK;
}

static char *write_temp(const char *content) {
  char *path = strdup("/tmp/wy_qtt_runner_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
  close(fd);
  return path;
}

static void remove_temp(char *path) {
  unlink(path);
  free(path);
}

#define OUT1 ",\"outputs\":[{\"topic\":\"O\",\"key\":1,\"value\":{\"V\":1.0},\"timestamp\":3}]}"
static const char *const SAMPLE =
    "{\"tests\":["
    "{\"name\":\"ok\",\"format\":[\"JSON\",\"AVRO\"],\"statements\":[\"s\"]" OUT1
    ","
    "{\"name\":\"break value\",\"statements\":[\"s\"]" OUT1
    ","
    "{\"name\":\"throw as expected\",\"statements\":[\"s\",\"t\"],\"expectedException\":"
    "{\"type\":\"io.confluent.ksql.util.KsqlStatementException\",\"message\":\"is wrong\"}},"
    "{\"name\":\"off\",\"enabled\":false,\"statements\":[\"s\"]" OUT1 "]}";

/* Run paths with opts, return what was printed. */
static char *run(const char *const *paths, size_t n, wy_qtt_run_options_t o,
                 wy_qtt_totals_t *totals) {
  char *text = NULL;
  size_t len = 0;
  o.out = open_memstream(&text, &len);
  assert_non_null(o.out);
  *totals = wy_qtt_run_files(paths, n, &o);
  fclose(o.out);
  return text;
}

/* Run SAMPLE (written to *path) on the oracle executor; *calls counts executor runs. */
static char *run_sample(char **path, wy_qtt_run_options_t o, int *calls, wy_qtt_totals_t *t) {
  static wy_qtt_executor_t ex = {"oracle", oracle_run, NULL};
  ex.ctx = calls;
  *calls = 0;
  *path = write_temp(SAMPLE);
  o.executor = &ex;
  const char *paths[] = {*path};
  return run(paths, 1, o, t);
}

static void prints_failures_and_the_closing_line(void **state) {
  (void)state;
  char *path;
  int calls;
  wy_qtt_totals_t t;
  char *text = run_sample(&path, (wy_qtt_run_options_t){0}, &calls, &t);
  char expected[2048];
  const char *base = strrchr(path, '/') + 1;
  snprintf(expected, sizeof expected,
           "FAIL %s: %s - break value: topic 'O' record 1 of 1: value: expected {\"V\":1.0} but "
           "was \"broken\" (STRING, not an object); expected <1, {\"V\":1.0}> with timestamp=3 "
           "but was <1, \"broken\"> with timestamp=3\n"
           "3 passed, 1 failed, 1 skipped\n",
           path, base);
  assert_string_equal(text, expected);
  assert_int_equal(t.passed, 3);
  assert_int_equal(t.failed, 1);
  assert_int_equal(t.skipped, 1);
  assert_int_equal(t.cases, 5);
  assert_int_equal(calls, 4); /* skipped cases are not run */
  free(text);
  remove_temp(path);
}

static void filter_verbose_summary_and_list(void **state) {
  (void)state;
  char *path;
  int calls;
  wy_qtt_totals_t t;
  char *text = run_sample(
      &path, (wy_qtt_run_options_t){.filter = "ok - AVRO", .verbose = true, .summary = true},
      &calls, &t);
  wy_qtt_executor_t ex = {"oracle", oracle_run, &calls};
  const char *paths[] = {path};
  assert_int_equal(t.cases, 1);
  assert_int_equal(t.passed, 1);
  assert_non_null(strstr(text, "PASS "));
  assert_non_null(strstr(text, " - ok - AVRO\n"));
  assert_non_null(strstr(text, ": 1 passed, 0 failed (1 cases)\n"));
  assert_non_null(strstr(text, "\n1 passed, 0 failed\n")); /* no skipped part when none */
  free(text);

  text = run(paths, 1, (wy_qtt_run_options_t){.executor = &ex, .filter = "break", .verbose = true},
             &t);
  assert_non_null(strstr(text, "\n    1: s\n")); /* verbose failures show the statements */
  free(text);

  calls = 0;
  text = run(paths, 1, (wy_qtt_run_options_t){.executor = &ex, .list = true}, &t);
  assert_int_equal(calls, 0);
  assert_non_null(strstr(text, " - ok - JSON\n"));
  assert_non_null(strstr(text, " - off  (skipped: disabled)\n"));
  assert_non_null(strstr(text, "\n5 cases\n"));
  free(text);
  remove_temp(path);
}

static void placeholder_executor_fails_every_case_with_a_reason(void **state) {
  (void)state;
  char *path = write_temp(SAMPLE);
  wy_qtt_totals_t t;
  const char *paths[] = {path};
  char *text = run(paths, 1, (wy_qtt_run_options_t){0}, &t);
  assert_int_equal(t.passed, 0);
  assert_int_equal(t.failed, 4); /* the negative case does not pass either */
  assert_int_equal(t.skipped, 1);
  size_t lines = 0;
  for (const char *p = text; (p = strstr(p, "executor not implemented")); p++) lines++;
  assert_int_equal(lines, 4);
  assert_non_null(strstr(text, "0 passed, 4 failed, 1 skipped\n"));
  free(text);
  remove_temp(path);
}

static void unreadable_and_malformed_files_count_as_failures(void **state) {
  (void)state;
  char *bad = write_temp("{\"tests\": [ {\"name\": }");
  char *good = write_temp(SAMPLE);
  const char *paths[] = {"/nonexistent/qtt.json", bad, good};
  int calls = 0;
  wy_qtt_executor_t ex = {"oracle", oracle_run, &calls};
  wy_qtt_totals_t t;
  char *text = run(paths, 3, (wy_qtt_run_options_t){.executor = &ex, .summary = true}, &t);
  assert_non_null(strstr(text, "FAIL /nonexistent/qtt.json: cannot open"));
  assert_non_null(strstr(text, "malformed JSON"));
  assert_non_null(strstr(text, "/nonexistent/qtt.json: 0 passed, 1 failed (1 cases)\n"));
  assert_int_equal(t.failed, 3);
  assert_int_equal(t.passed, 3);
  assert_non_null(strstr(text, "\n3 passed, 3 failed, 1 skipped\n"));
  free(text);
  remove_temp(bad);
  remove_temp(good);
}

static void test_runner_mode_reports_like_ksql_test_runner(void **state) {
  (void)state;
  char *sql = write_temp(
      "CREATE STREAM S (ID INT KEY, V DOUBLE) WITH (kafka_topic='s', "
      "value_format='JSON');\nCREATE STREAM O AS SELECT * FROM S;\n");
  char *in = write_temp("{\"inputs\":[{\"topic\":\"s\",\"key\":1,\"value\":{\"V\":1.0}}]}");
  char *out = write_temp("{\"outputs\":[{\"topic\":\"O\",\"key\":1,\"value\":{\"V\":1.0}}]}");
  int calls = 0;
  wy_qtt_executor_t ex = {"oracle", oracle_run, &calls};
  char *o = NULL, *e = NULL;
  size_t ol, el;
  FILE *fo = open_memstream(&o, &ol), *fe = open_memstream(&e, &el);
  assert_int_equal(wy_qtt_run_test_runner(sql, in, out, &ex, fo, fe), 0);
  assert_int_equal(wy_qtt_run_test_runner(sql, in, out, NULL, fo, fe), 1);
  assert_int_equal(wy_qtt_run_test_runner(sql, in, "/nonexistent.json", &ex, fo, fe), 1);
  fclose(fo);
  fclose(fe);
  assert_string_equal(o, "\t >>> Test passed!\n");
  assert_non_null(strstr(e, "\t>>>>> Test failed: executor not implemented"));
  assert_non_null(strstr(e, "\t>>>>> Test failed: /nonexistent.json: cannot open"));
  free(o);
  free(e);
  remove_temp(sql);
  remove_temp(in);
  remove_temp(out);
}

/* ksqlDB's own QTT files, when present beside the checkout (or in $WALLEYE_QTT_DIR):
 * every file must load and expand without a runner error or an invalid case. */
static const char *qtt_dir(char *buf, size_t cap) {
  const char *env = getenv("WALLEYE_QTT_DIR");
  if (env) return env;
  const char *rel[] = {"/../../../shared/qtt", "/../../../../shared/qtt"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(buf, cap, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    if (!slash) return NULL;
    snprintf(slash, cap - (size_t)(slash - buf), "%s", rel[i]);
    struct stat st;
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode)) return buf;
  }
  return NULL;
}

/* Load every *.json of dir: none may fail to load or hold an invalid case. */
static void load_dir(const char *dir, size_t *files, size_t *cases, size_t *skipped) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  *files = *cases = *skipped = 0;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    wy_error_t err;
    wy_qtt_file_t *f = wy_qtt_file_load(path, &err);
    if (!f) fail_msg("%s", err.msg);
    for (size_t i = 0; i < f->ncases; i++) {
      if (f->cases[i].invalid) fail_msg("%s: %s", f->cases[i].full_name, f->cases[i].invalid);
      *skipped += f->cases[i].skip != NULL;
    }
    (*files)++;
    *cases += f->ncases;
    wy_qtt_file_destroy(f);
  }
  closedir(d);
}

static void ksqldb_corpus_loads_without_errors(void **state) {
  (void)state;
  char buf[4096];
  const char *dir = qtt_dir(buf, sizeof buf);
  if (!dir) skip();
  size_t files, cases, skipped;
  load_dir(dir, &files, &cases, &skipped);
  assert_true(files > 0);
  assert_true(cases >= files);
  printf("ksqlDB QTT corpus: %zu files, %zu expanded cases (%zu skipped)\n", files, cases, skipped);
}

static void project_cases_load_without_errors(void **state) {
  (void)state;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", __FILE__);
  char *slash = strrchr(dir, '/');
  assert_non_null(slash);
  snprintf(slash, sizeof dir - (size_t)(slash - dir), "/../qtt");
  size_t files, cases, skipped;
  load_dir(dir, &files, &cases, &skipped);
  assert_true(files >= 3);
  assert_true(cases > files);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(prints_failures_and_the_closing_line),
      cmocka_unit_test(filter_verbose_summary_and_list),
      cmocka_unit_test(placeholder_executor_fails_every_case_with_a_reason),
      cmocka_unit_test(unreadable_and_malformed_files_count_as_failures),
      cmocka_unit_test(test_runner_mode_reports_like_ksql_test_runner),
      cmocka_unit_test(ksqldb_corpus_loads_without_errors),
      cmocka_unit_test(project_cases_load_without_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
