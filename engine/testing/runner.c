/* runner.c — `walleye test`: run cases, print failures and totals. */
#include "engine/testing/runner.h"

#include <string.h>

#include "engine/testing/qtt_compare.h"

bool wy_qtt_run_case(const wy_qtt_case_t *tc, const wy_qtt_executor_t *ex, char *diff, size_t cap) {
  wy_error_t err;
  wy_error_clear(&err);
  if (tc->invalid) return wy_qtt_case_passes(tc, WY_OK, &err, NULL, diff, cap);
  wy_qtt_result_t *res = wy_qtt_result_new();
  if (!res) {
    snprintf(diff, cap, "out of memory");
    return false;
  }
  wy_status_t st = ex->run(ex->ctx, tc, res, &err);
  if (st != WY_OK && err.code == WY_OK) err.code = st; /* an executor that forgot the message */
  bool ok = wy_qtt_case_passes(tc, st, &err, res, diff, cap);
  wy_qtt_result_destroy(res);
  return ok;
}

static void print_statements(FILE *out, const wy_qtt_case_t *tc) {
  for (size_t i = 0; i < tc->statements.n; i++)
    fprintf(out, "    %zu: %s\n", i + 1, tc->statements.items[i]);
}

static void closing_line(FILE *out, const wy_qtt_totals_t *t, const char *prefix) {
  fprintf(out, "%s%zu passed, %zu failed", prefix, t->passed, t->failed);
  if (t->skipped) fprintf(out, ", %zu skipped", t->skipped);
}

/* Run one file into the totals t (and print its lines). */
static void run_file(const char *path, const wy_qtt_run_options_t *o, FILE *out,
                     const wy_qtt_executor_t *ex, wy_qtt_totals_t *t) {
  wy_error_t err;
  wy_error_clear(&err);
  wy_qtt_file_t *f = wy_qtt_file_load(path, &err);
  if (!f) {
    size_t n = strlen(path); /* loader messages usually start with the path already */
    if (strncmp(err.msg, path, n) == 0 && err.msg[n] == ':')
      fprintf(out, "FAIL %s\n", err.msg);
    else
      fprintf(out, "FAIL %s: %s\n", path, err.msg);
    t->failed++;
    t->cases++;
    return;
  }
  char diff[WY_QTT_DIFF_MAX];
  for (size_t i = 0; i < f->ncases; i++) {
    const wy_qtt_case_t *tc = &f->cases[i];
    if (o->filter && !strstr(tc->full_name, o->filter)) continue;
    t->cases++;
    if (o->list) {
      if (tc->skip)
        fprintf(out, "%s  (skipped: %s)\n", tc->full_name, tc->skip);
      else
        fprintf(out, "%s\n", tc->full_name);
      continue;
    }
    if (tc->skip) { /* as in ksqlDB, a skipped case is not validated either */
      t->skipped++;
      if (o->verbose) fprintf(out, "SKIP %s: %s: %s\n", path, tc->full_name, tc->skip);
      continue;
    }
    if (wy_qtt_run_case(tc, ex, diff, sizeof diff)) {
      t->passed++;
      if (o->verbose) fprintf(out, "PASS %s: %s\n", path, tc->full_name);
      continue;
    }
    t->failed++;
    fprintf(out, "FAIL %s: %s: %s\n", path, tc->full_name, diff);
    if (o->verbose) print_statements(out, tc);
  }
  wy_qtt_file_destroy(f);
}

wy_qtt_totals_t wy_qtt_run_files(const char *const *paths, size_t npaths,
                                 const wy_qtt_run_options_t *o) {
  FILE *out = o->out ? o->out : stdout;
  const wy_qtt_executor_t *ex = o->executor ? o->executor : wy_qtt_executor_not_implemented();
  wy_qtt_totals_t all = {0};
  for (size_t i = 0; i < npaths; i++) {
    wy_qtt_totals_t t = {0};
    run_file(paths[i], o, out, ex, &t);
    if (o->summary) {
      fprintf(out, "%s: ", paths[i]);
      if (o->list)
        fprintf(out, "%zu cases", t.cases);
      else
        closing_line(out, &t, ""), fprintf(out, " (%zu cases)", t.cases);
      fputc('\n', out);
    }
    all.passed += t.passed, all.failed += t.failed, all.skipped += t.skipped;
    all.cases += t.cases;
  }
  if (o->list)
    fprintf(out, "%zu cases\n", all.cases);
  else
    closing_line(out, &all, ""), fputc('\n', out);
  fflush(out);
  return all;
}

int wy_qtt_run_test_runner(const char *sql_path, const char *input_path, const char *output_path,
                           const wy_qtt_executor_t *ex, FILE *out, FILE *errout) {
  wy_error_t err;
  wy_error_clear(&err);
  wy_qtt_file_t *f = wy_qtt_file_from_runner_files(sql_path, input_path, output_path, &err);
  if (!f) {
    fprintf(errout, "\t>>>>> Test failed: %s\n", err.msg);
    return 1;
  }
  char diff[WY_QTT_DIFF_MAX];
  bool ok =
      wy_qtt_run_case(&f->cases[0], ex ? ex : wy_qtt_executor_not_implemented(), diff, sizeof diff);
  wy_qtt_file_destroy(f);
  if (ok) {
    fprintf(out, "\t >>> Test passed!\n");
    return 0;
  }
  fprintf(errout, "\t>>>>> Test failed: %s\n", diff);
  return 1;
}
