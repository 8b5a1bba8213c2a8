#!/usr/bin/env bash
# `walleye run` on a standalone `walleye broker`: the pipeline of tests/qtt/runtime-pipeline.json
# (a filter, a stream-table join and a LATEST_BY_OFFSET table) produces on Kafka what
# `walleye test` checks for the same case. Bounded: 7 input records, each wait <= 30 s.
set -euo pipefail
WALLEYE=${1:?usage: run_pipeline.sh PATH_TO_WALLEYE}
root=$(cd "$(dirname "$0")/../.." && pwd)
case_file=$root/tests/qtt/runtime-pipeline.json
command -v kcat >/dev/null || { echo "SKIP: kcat is not installed"; exit 0; }
work=$(mktemp -d)
broker_pid= node_pid=
cleanup() {
  [ -n "$node_pid" ] && kill -9 "$node_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The oracle: the case passes under `walleye test`.
"$WALLEYE" test "$case_file" | tail -1 | grep -q '^1 passed, 0 failed' || { echo "FAIL: walleye test"; exit 1; }

"$WALLEYE" broker --topic users:4 --topic clicks:4 --topic SLOW_CLICKS:4 --topic LAST_PAGE:4 \
  >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bs=$(head -1 "$work/broker.out")

jq -r '.tests[0].statements[]' "$case_file" >"$work/pipeline.sql"
# Inputs in the case's order, keyed; the table's records first, as in the case.
for t in users clicks; do
  jq -r --arg t "$t" '.tests[0].inputs[] | select(.topic == $t) | "\(.key)|\(.value | tojson)"' "$case_file" |
    kcat -P -b "$bs" -t "$t" -K '|'
done
jq -r '.tests[0].outputs[] | "\(.topic) \(.key) \(.value | tojson)"' "$case_file" | sort >"$work/want"

cat >"$work/node.properties" <<PROPS
ksql.service.id=run_pipeline_
state.dir=$work/state
auto.offset.reset=earliest
commit.interval.ms=200
PROPS
t0=$(date +%s%N)
"$WALLEYE" run "$work/pipeline.sql" --config "$work/node.properties" --bootstrap-servers "$bs" \
  >"$work/node.out" 2>"$work/node.err" &
node_pid=$!

want_n=$(wc -l <"$work/want")
for _ in $(seq 60); do
  : >"$work/got"
  for t in SLOW_CLICKS LAST_PAGE; do
    kcat -C -b "$bs" -t "$t" -e -q -f "$t %k %s\n" >>"$work/got" 2>/dev/null || true
  done
  [ "$(wc -l <"$work/got")" -ge "$want_n" ] && break
  sleep 0.5
done
sort "$work/got" -o "$work/got"
diff -u "$work/want" "$work/got" || { echo "FAIL: outputs on Kafka differ from the case"; tail -20 "$work/node.err"; exit 1; }

s0=$(date +%s%N)
kill -TERM "$node_pid"
wait "$node_pid" && rc=0 || rc=$?
node_pid=
stop_ms=$(( ($(date +%s%N) - s0) / 1000000 ))
[ "$rc" = 0 ] || { echo "FAIL: walleye run exited $rc"; tail -20 "$work/node.err"; exit 1; }
grep -q '^CSAS_SLOW_CLICKS_0 RUNNING' "$work/node.out" || { echo "FAIL: no query status"; cat "$work/node.out"; exit 1; }
grep -q '^CTAS_LAST_PAGE_1 STOPPED' "$work/node.out" || { echo "FAIL: no stop status"; cat "$work/node.out"; exit 1; }
[ "$stop_ms" -lt 1000 ] || { echo "FAIL: shutdown took ${stop_ms} ms"; exit 1; }
grep -o 'first_record_ms=[0-9-]*' "$work/node.err" || true
echo "ok: $want_n outputs match; shutdown ${stop_ms} ms; total $(( ($(date +%s%N) - t0) / 1000000 )) ms"
