/*
 * runner.h — `walleye test`: run QTT files (or ksql-test-runner's three files) through
 * an executor and report.
 *
 * For each file the runner loads and expands the cases (qtt.h), runs each selected
 * case with the executor (executor.h), judges it (qtt_compare.h) and prints one line per
 * failing case: `FAIL <file>: <full case name>: <first difference>`. A file that cannot
 * be loaded prints `FAIL <file>: <reason>` and counts as one failed case. The closing
 * line is exactly `N passed, N failed`, followed by `, N skipped` when cases were
 * skipped (disabled, or outside their version bounds). Output goes to the stream in the
 * options; nothing is written to stderr. One thread.
 */
#ifndef WY_QTT_RUNNER_H
#define WY_QTT_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "engine/testing/executor.h"
#include "engine/testing/qtt.h"

typedef struct wy_qtt_run_options {
  const char *filter; /* run only cases whose full name contains this; NULL: all */
  bool verbose;       /* also PASS/SKIP lines, and the statements of failing cases */
  bool summary;       /* a `<file>: N passed, N failed, N skipped (N cases)` line per file */
  bool list;          /* print the expanded case names instead of running them */
  FILE *out;          /* NULL: stdout */
  const wy_qtt_executor_t *executor; /* NULL: wy_qtt_executor_not_implemented() */
} wy_qtt_run_options_t;

typedef struct wy_qtt_totals {
  size_t passed, failed, skipped;
  size_t cases; /* expanded cases selected by the filter, skipped ones included */
} wy_qtt_totals_t;

/* Run every selected case of every file, print as described above, and return the
 * totals (the closing line is printed too). */
wy_qtt_totals_t wy_qtt_run_files(const char *const *paths, size_t npaths,
                                 const wy_qtt_run_options_t *opts);

/* Run one case and judge it. True when it passed; diff (WY_QTT_DIFF_MAX) says why not.
 * Skipped cases must be filtered out by the caller. */
bool wy_qtt_run_case(const wy_qtt_case_t *tc, const wy_qtt_executor_t *ex, char *diff, size_t cap);

/* ksql-test-runner mode: the case built from the three files passes -> prints
 * "\t >>> Test passed!" to out and returns 0; fails (or cannot be loaded) -> prints
 * "\t>>>>> Test failed: <reason>" to errout and returns 1. */
int wy_qtt_run_test_runner(const char *sql_path, const char *input_path, const char *output_path,
                           const wy_qtt_executor_t *ex, FILE *out, FILE *errout);

#endif
