#!/usr/bin/env bash
# The Kafka connector against a broker in another process (`walleye broker`), where the
# admin client cannot use the mock's API and must fall back from the unanswered
# CreateTopics to automatic creation; the passthrough benchmark then moves records
# through it, and kcat (an independent client) counts them. Bounded: 3000 records, 60 s.
set -euo pipefail
WALLEYE=${1:?usage: kafka_passthrough.sh PATH_TO_WALLEYE}
BENCH="$(dirname "$WALLEYE")/benchmarks/bench_passthrough"
[ -x "$BENCH" ] || { echo "FAIL: no benchmark binary at $BENCH" >&2; exit 1; }
work=$(mktemp -d)
broker_pid=
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$WALLEYE" broker >"$work/out" 2>"$work/err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.1; done
bootstrap=$(head -n1 "$work/out")
[[ "$bootstrap" =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "no bootstrap from walleye broker: '$bootstrap'"

WALLEYE_LOG_LEVEL=error timeout 60 "$BENCH" --bootstrap "$bootstrap" --records 3000 \
  --partitions 2 >"$work/result" 2>"$work/bench.err" || { cat "$work/bench.err" >&2; fail "benchmark failed"; }
result=$(tail -n1 "$work/result")
echo "$result" | jq -e . >/dev/null || fail "not one JSON object: $result"
[ "$(echo "$result" | jq -r .broker)" = external ] || fail "broker should be external: $result"
[ "$(echo "$result" | jq .passed)" = 3000 ] || fail "passed != 3000: $result"
[ "$(echo "$result" | jq .acked)" = 3000 ] || fail "acked != 3000: $result"
# CreateTopics goes unanswered on the mock: the topics were auto-created with 4 partitions.
[ "$(echo "$result" | jq .partitions)" = 4 ] || fail "expected the mock's 4 partitions: $result"
echo "$result" | jq -e '.records_per_s > 0 and .cpu_us_per_record > 0' >/dev/null ||
  fail "no measurement: $result"

# An independent client finds every record (plus the warm-up one) in the output topic.
out_topic=$(timeout 20 kcat -b "$bootstrap" -L -J | jq -r '.topics[].topic' | grep '^bench-out-')
count=$(timeout 30 kcat -b "$bootstrap" -C -t "$out_topic" -o beginning -e -q -f '%k\n' | grep -c '^user-')
[ "$count" = 3000 ] || fail "kcat counted $count records in $out_topic, want 3000"
echo "ok: passthrough through an out-of-process broker ($result)"
