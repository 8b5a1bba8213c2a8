#!/usr/bin/env bash
# Quick start, command 2: set up, build, and run every test.
#   1. release build: unit and integration tests (ctest);
#   2. Release (-O3) build, warnings as errors: built only, so that the optimizer's
#      warnings fail here rather than in a packager's build;
#   3. AddressSanitizer + UBSan build: the unit tests again;
#   4. libFuzzer build (clang): each fuzz target for a bounded time;
#   5. every C source and header formatted with .clang-format (scripts/format.sh --check).
# Ends with one summary line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

passed=0
failed=0
failed_steps=()

# Run one ctest suite and add its counts to the totals.
run_suite() {
  local name=$1 dir=$2; shift 2
  echo "== $name"
  local log
  log=$(mktemp)
  (cd "$dir" && ctest --output-on-failure "$@") 2>&1 | tee "$log"
  local total failures
  total=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p' "$log" | tail -1)
  failures=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
  if grep -q "No tests were found" "$log"; then rm -f "$log"; return; fi
  rm -f "$log"
  if [ -z "$total" ]; then
    failed=$((failed + 1))
    failed_steps+=("$name (no result)")
    return
  fi
  passed=$((passed + total - failures))
  failed=$((failed + failures))
  [ "$failures" = 0 ] || failed_steps+=("$name")
}

build() {
  if ! bash scripts/build.sh "$1"; then
    failed=$((failed + 1))
    failed_steps+=("build $1")
    return 1
  fi
}

if build release; then
  run_suite "release: unit + integration" build
fi
build release-o3
if build asan; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite "asan+ubsan: unit" build-asan -L unit
fi
if build fuzz; then
  run_suite "fuzz (bounded)" build-fuzz -L fuzz
fi

echo "== format"
if bash scripts/format.sh --check; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  failed_steps+=("format")
fi

echo
if [ ${#failed_steps[@]} -gt 0 ]; then echo "failing: ${failed_steps[*]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
