#!/usr/bin/env bash
# `walleye datagen` on the command line: usage errors exit 2 with a message, --stdout
# prints key<TAB>value lines that repeat exactly for a seed, and SIGTERM ends an
# unbounded run cleanly. Bounded: a few thousand records, no broker.
set -euo pipefail
WALLEYE=${1:?usage: datagen_cli.sh PATH_TO_WALLEYE}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

expect_usage() { # expect_usage PATTERN ARGS...
  local pattern=$1 rc=0
  shift
  "$WALLEYE" datagen "$@" >/dev/null 2>"$work/err" || rc=$?
  [ "$rc" = 2 ] || fail "datagen $* exited $rc, want 2"
  grep -q -- "$pattern" "$work/err" || fail "datagen $*: no '$pattern' in: $(cat "$work/err")"
}
expect_usage "--kind is required" --stdout
expect_usage "--kind must be" --stdout --kind orders
expect_usage "--bootstrap-servers is required" --kind users --topic t
expect_usage "--topic is required" --kind users -b 127.0.0.1:9092
expect_usage "--count takes" --stdout --kind users --count -3
expect_usage "--rate takes" --stdout --kind users --rate fast
expect_usage "--users takes" --stdout --kind users --users 0
expect_usage "--key must be" --stdout --kind users --key avro
expect_usage "--format supports only json" --stdout --kind users --format avro
expect_usage "--property wants" --stdout --kind users -X novalue
expect_usage "unknown option" --stdout --kind users --bogus
"$WALLEYE" datagen --help | grep -q -- "--kind KIND" || fail "--help lacks --kind"

# Same seed, same bytes; another seed, other bytes.
for kind in clickstream users products; do
  "$WALLEYE" datagen --stdout --kind "$kind" --count 1000 --seed 3 2>/dev/null >"$work/a"
  "$WALLEYE" datagen --stdout --kind "$kind" --count 1000 --seed 3 2>/dev/null >"$work/b"
  "$WALLEYE" datagen --stdout --kind "$kind" --count 1000 --seed 4 2>/dev/null >"$work/c"
  [ "$(wc -l <"$work/a")" = 1000 ] || fail "$kind: $(wc -l <"$work/a") lines, want 1000"
  cmp -s "$work/a" "$work/b" || fail "$kind: seed 3 gave different output twice"
  cmp -s "$work/a" "$work/c" && fail "$kind: seeds 3 and 4 gave the same output"
  cut -f2 "$work/a" | jq -e . >/dev/null || fail "$kind: a value is not JSON"
done

# Key modes as printed: JSON strings are quoted; KAFKA ints are escaped bytes.
"$WALLEYE" datagen --stdout -k products -n 1 --key string 2>/dev/null | grep -q $'^"1"\t{' ||
  fail "string key not printed as \"1\""
"$WALLEYE" datagen --stdout -k products -n 1 --key kafka-int 2>/dev/null |
  grep -qF '\x00\x00\x00\x01' || fail "kafka-int key not printed as 4 escaped bytes"

# An unbounded, paced run stops on SIGTERM, flushes, and exits 0.
"$WALLEYE" datagen --stdout --kind clickstream --rate 200 >"$work/run" 2>"$work/run.err" &
pid=$!
sleep 1
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "SIGTERM'd run exited $rc"
n=$(wc -l <"$work/run")
[ "$n" -ge 100 ] && [ "$n" -le 400 ] || fail "1 s at 200/s printed $n records"
grep -q "delivered=$n failed=0" "$work/run.err" || fail "summary does not match $n: $(cat "$work/run.err")"
echo "ok: datagen command line"
