#!/usr/bin/env bash
# The front end: --help, --version, usage errors exit 2 with a message on stderr.
set -euo pipefail
WALLEYE=${1:?usage: cli_usage.sh PATH_TO_WALLEYE}
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expect_rc RC STDERR_PATTERN ARGS...
  local want=$1 pattern=$2; shift 2
  local err rc
  err=$("$WALLEYE" "$@" 2>&1 >/dev/null) && rc=0 || rc=$?
  [ "$rc" = "$want" ] || fail "walleye $*: exit $rc, want $want"
  [ -z "$pattern" ] || [[ "$err" == *"$pattern"* ]] || fail "walleye $*: stderr '$err' lacks '$pattern'"
}
"$WALLEYE" --help | grep -q "^  broker  " || fail "--help does not list broker"
"$WALLEYE" --version | grep -Eq "^walleye [0-9]+\.[0-9]+\.[0-9]+$" || fail "--version"
expect_rc 2 "unknown command 'frobnicate'" frobnicate
expect_rc 2 "unknown option '--bogus'" --bogus
expect_rc 2 "" # no command at all
expect_rc 2 "unknown option '--nope'" broker --nope
expect_rc 2 "--brokers takes a number from 1 to 16" broker --brokers 0
expect_rc 2 "--topic wants NAME:PARTITIONS" broker --topic ":3"
expect_rc 2 "needs a value" broker --topic
expect_rc 2 "unexpected argument 'x'" demo x
echo "ok: cli usage"
