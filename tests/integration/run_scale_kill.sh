#!/usr/bin/env bash
# Scale-out and failover of `walleye run` on a standalone `walleye broker` (issue #7):
# three nodes with one service id share the 4 partitions of the input of a GROUP BY
# table; one node is SIGKILLed mid-stream and restarted. Checks, per key:
#   - no loss: COUNT(*) >= the records sent (at-least-once may replay the uncommitted
#     tail of the killed node's partitions, so a count can exceed; the excess is reported);
#   - exact final state: LATEST_BY_OFFSET(seq) is the last sequence number sent, which a
#     replay cannot change (the replayed records come in offset order, the last one last).
# Bounded: KEYS*PER_KEY records, each wait <= 60 s, the whole test < 120 s.
# KEEP=1 keeps the scratch folder (node logs, final table) for a look after a run.
set -euo pipefail
WALLEYE=${1:?usage: run_scale_kill.sh PATH_TO_WALLEYE}
command -v kcat >/dev/null || { echo "SKIP: kcat is not installed"; exit 0; }
KEYS=20 PER_KEY=100
work=$(mktemp -d)
broker_pid=
node_pids=("" "" "")
cleanup() {
  for p in "${node_pids[@]}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for i in 0 1 2; do [ -f "$work/node$i.err" ] && { echo "--- node $i"; tail -5 "$work/node$i.err"; }; done
  exit 1
}
t0=$(date +%s)

"$WALLEYE" broker --topic events:4 --topic SEQ_BY_KEY:4 >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bs=$(head -1 "$work/broker.out")
[ -n "$bs" ] || fail "the broker did not print its address"

cat >"$work/pipeline.sql" <<'SQL'
CREATE STREAM events (k VARCHAR KEY, seq INT) WITH (kafka_topic='events', value_format='JSON');
CREATE TABLE seq_by_key AS
  SELECT k, LATEST_BY_OFFSET(seq) AS last_seq, COUNT(*) AS n FROM events GROUP BY k;
SQL

# A short session timeout: the killed node's partitions move after it, and on the mock a
# member joining an active group waits about as long.
start_node() {
  local i=$1
  cat >"$work/node$i.properties" <<PROPS
ksql.service.id=scale_kill_
state.dir=$work/state$i
auto.offset.reset=earliest
commit.interval.ms=200
kafka.consumer.session.timeout.ms=3000
kafka.consumer.heartbeat.interval.ms=300
kafka.consumer.fetch.wait.max.ms=50
PROPS
  "$WALLEYE" run "$work/pipeline.sql" --config "$work/node$i.properties" --bootstrap-servers "$bs" \
    >>"$work/node$i.out" 2>>"$work/node$i.err" &
  node_pids[$i]=$!
}

# Record j of key k (1-based) has seq j; sent in rounds so that every key is spread over
# the whole run. The key is the message key, so each key lives in one partition.
produce_rounds() { # first_seq last_seq
  for ((j = $1; j <= $2; j++)); do
    for ((k = 0; k < KEYS; k++)); do printf 'key%02d|{"SEQ":%d}\n' "$k" "$j"; done
  done | kcat -P -b "$bs" -t events -K '|' || fail "kcat could not produce"
}

# Last value per key of the table's topic (a key lives in one partition, read in order).
read_table() {
  kcat -C -b "$bs" -t SEQ_BY_KEY -e -q -f '%k\t%s\n' 2>/dev/null |
    awk -F'\t' '{ last[$1] = $2 } END { for (k in last) print k "\t" last[k] }' | sort
}

for i in 0 1 2; do start_node "$i"; done
produce_rounds 1 $((PER_KEY / 4))

# Wait until the nodes process (some output), then keep producing while one dies.
for _ in $(seq 120); do
  [ "$(read_table | wc -l)" -gt 0 ] && break
  sleep 0.5
done
[ "$(read_table | wc -l)" -gt 0 ] || fail "no output within 60 s"
produce_rounds $((PER_KEY / 4 + 1)) $((PER_KEY / 2)) &
producer=$!
sleep 0.3
kill -9 "${node_pids[1]}"
wait "${node_pids[1]}" 2>/dev/null || true
node_pids[1]=
wait "$producer" || fail "kcat could not produce"
produce_rounds $((PER_KEY / 2 + 1)) $((PER_KEY * 3 / 4))
start_node 1
produce_rounds $((PER_KEY * 3 / 4 + 1)) "$PER_KEY"

# Complete when every key's LAST_SEQ is the last sequence sent (bounded wait).
for _ in $(seq 120); do
  read_table >"$work/table"
  done_keys=$(jq -R -s --argjson n "$PER_KEY" \
    '[split("\n")[] | select(length > 0) | split("\t")[1] | fromjson | select(.LAST_SEQ == $n)] | length' \
    "$work/table")
  [ "$done_keys" = "$KEYS" ] && break
  sleep 0.5
done
[ "$done_keys" = "$KEYS" ] || { cat "$work/table"; fail "only $done_keys of $KEYS keys reached LAST_SEQ=$PER_KEY"; }
# Let the last counts settle (a key's LAST_SEQ and COUNT arrive in the same record, so
# this only guards against a replay still in flight).
sleep 1
read_table >"$work/table"

# Every key: LAST_SEQ exact, N >= PER_KEY (no loss); report duplicates.
check=$(jq -R -s -c --argjson n "$PER_KEY" --argjson keys "$KEYS" '
  [split("\n")[] | select(length > 0) | split("\t") | {k: .[0], v: (.[1] | fromjson)}] as $rows
  | {keys: ($rows | length),
     exact: ([$rows[] | select(.v.LAST_SEQ == $n)] | length),
     lost: ([$rows[] | select(.v.N < $n)] | map(.k)),
     duplicates: ([$rows[] | .v.N - $n] | add)}' "$work/table")
jq -e --argjson keys "$KEYS" '.keys == $keys and .exact == $keys and (.lost | length) == 0' \
  <<<"$check" >/dev/null || { cat "$work/table"; fail "table state: $check"; }

# The restarted node took part (it joined the group and ran its query).
grep -q 'RUNNING' "$work/node1.out" || fail "the restarted node did not start its query"
for i in 0 2; do kill -0 "${node_pids[$i]}" 2>/dev/null || fail "node $i died"; done
for i in 0 1 2; do
  kill -TERM "${node_pids[$i]}"
  wait "${node_pids[$i]}" && rc=0 || rc=$?
  node_pids[$i]=
  [ "$rc" = 0 ] || fail "node $i exited $rc on SIGTERM"
done
echo "ok: $((KEYS * PER_KEY)) records over 4 partitions, 3 nodes, one SIGKILLed and restarted;" \
  "$(jq -r '"\(.exact)/\(.keys) keys exact, no loss, \(.duplicates) duplicate(s) counted"' <<<"$check");" \
  "$(( $(date +%s) - t0 )) s"
