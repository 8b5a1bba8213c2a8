#!/usr/bin/env bash
# `walleye test --test-directory` behaves like ksqlDB's run-ksql-test: every test of the
# directory's .sql files passes (exit 0), and each kind of failure is reported with its
# place (exit 1).
set -euo pipefail
WALLEYE=${1:?usage: sqltest_dir.sh PATH_TO_WALLEYE}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$("$WALLEYE" test -td "$root/tests/sqltest/pass" -tf "$tmp") || fail "exit $?: $out"
[ "$(grep -c '>>> Test passed!' <<<"$out")" -eq 3 ] || fail "want 3 passed tests: $out"
if "$WALLEYE" test --test-directory "$root/tests/sqltest/fail" >"$tmp/out" 2>"$tmp/err"; then
  fail "failing tests passed"
fi
[ "$(grep -c '>>>>> Test failed' "$tmp/err")" -eq 5 ] || fail "want 5 failures: $(cat "$tmp/err")"
grep -q 'ASSERT VALUES copy (id, a2) VALUES (1, 41)` (Line: 5, Col: 1)' "$tmp/err" ||
  fail "no located assert: $(cat "$tmp/err")"
grep -q 'EXPECTED | 1 | 41' "$tmp/err" || fail "no expected row: $(cat "$tmp/err")"
grep -q 'ACTUAL   | 1 | 42' "$tmp/err" || fail "no actual row: $(cat "$tmp/err")"
grep -q 'already read all records' "$tmp/err" || fail "no missing-record failure"
grep -q 'Expected test to throw' "$tmp/err" || fail "no missing-error failure"
grep -q 'Expected table SRC to exist, but it is of the other kind' "$tmp/err" || fail "no kind failure"
grep -q 'Column `A` differs or is missing' "$tmp/err" || fail "no column failure"
echo "ok: run-ksql-test mode"
