#!/usr/bin/env bash
# Windows survive a killed node (issue 17): `walleye run` on a standalone `walleye broker`
# aggregates 1-key-per-partition clicks in TUMBLING windows with a grace period; the node
# is SIGKILLed mid-window, once its work is committed, and restarted on an empty state
# directory (so every store and the stream time come back from Kafka). Late records then
# arrive: one past its window's grace (as of the stream time before the kill: dropped),
# one within it (counted). A second service id runs the same query over the same input
# without interruption; the final row of every (key, window) must be the same in both.
# Bounded: 8 keys x 40 records, each wait <= 60 s, the whole test < 120 s.
# KEEP=1 keeps the scratch folder (node logs, both tables) for a look after a run.
set -euo pipefail
WALLEYE=${1:?usage: window_restore.sh PATH_TO_WALLEYE}
command -v kcat >/dev/null || { echo "SKIP: kcat is not installed"; exit 0; }
KEYS=8
work=$(mktemp -d)
broker_pid=
node_pid=
cleanup() {
  [ -n "$node_pid" ] && kill -9 "$node_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -5 "$f"; }; done
  exit 1
}
t0=$(date +%s)

"$WALLEYE" broker --topic clicks:4 >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bs=$(head -1 "$work/broker.out")
[ -n "$bs" ] || fail "the broker did not print its address"

# The sink carries the key and the window in its value, so that the table is read
# without decoding windowed keys.
pipeline() { # table name
  cat <<SQL
CREATE STREAM clicks (user VARCHAR KEY, v INT, ts BIGINT)
  WITH (kafka_topic='clicks', value_format='JSON', timestamp='ts');
CREATE TABLE $1 AS
  SELECT user, AS_VALUE(user) AS u, WINDOWSTART AS ws, COUNT(*) AS n, SUM(v) AS total
  FROM clicks WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 2 SECONDS)
  GROUP BY user EMIT CHANGES;
SQL
}

start_node() { # service id, table, state dir suffix
  cat >"$work/$1.properties" <<PROPS
ksql.service.id=$1
state.dir=$work/state-$1-$3
auto.offset.reset=earliest
commit.interval.ms=200
kafka.consumer.session.timeout.ms=3000
kafka.consumer.heartbeat.interval.ms=300
kafka.consumer.fetch.wait.max.ms=50
PROPS
  pipeline "$2" >"$work/$1.sql"
  "$WALLEYE" run "$work/$1.sql" --config "$work/$1.properties" --bootstrap-servers "$bs" \
    >>"$work/$1.out" 2>>"$work/$1.err" &
  node_pid=$!
}

# Clicks of every key at the given seconds (value = the second), in time order.
produce() { # seconds...
  for s in "$@"; do
    for ((k = 0; k < KEYS; k++)); do
      printf 'user%d|{"V":%d,"TS":%d}\n' "$k" "$s" "$((s * 1000))"
    done
  done | kcat -P -b "$bs" -t clicks -K '|' || fail "kcat could not produce"
}

# The records of a table's topic so far.
count_rows() { kcat -C -b "$bs" -t "$1" -e -q -f '%s\n' 2>/dev/null | grep -c . || true; }

# The last row of every (key, window) of a table's topic, as "U WS N TOTAL" lines.
final_rows() {
  kcat -C -b "$bs" -t "$1" -e -q -f '%s\n' 2>/dev/null |
    jq -r 'select(. != null) | "\(.U) \(.WS) \(.N) \(.TOTAL)"' |
    awk '{ last[$1 " " $2] = $0 } END { for (k in last) print last[k] }' | sort
}

wait_rows() { # table, count
  for _ in $(seq 120); do
    [ "$(count_rows "$1")" -ge "$2" ] && return 0
    sleep 0.5
  done
  fail "$1 has $(count_rows "$1") of $2 rows after 60 s"
}

# Phase 1: 0..24 s, every key (EMIT CHANGES: a row per record).
phase1=$(seq 0 24)
produce $phase1
start_node restore_ PER_WINDOW a
n1=$((KEYS * 25))
wait_rows PER_WINDOW "$n1"
sleep 1.5 # several commit intervals with nothing new: every offset committed
kill -9 "$node_pid"
wait "$node_pid" 2>/dev/null || true
node_pid=

# Phase 2, on a new state directory: late records (5 s: past the grace of [0, 10) as of
# stream time 24 s, dropped; 21 s: within [20, 30), counted), then 25..39 s.
start_node restore_ PER_WINDOW b
produce 5 21 $(seq 25 39)
n2=$((n1 + KEYS * (1 + 15)))
wait_rows PER_WINDOW "$n2"
sleep 1
kill -TERM "$node_pid"
wait "$node_pid" || fail "the restarted node exited $? on SIGTERM"
node_pid=

# The uninterrupted run over the same input.
start_node reference_ PER_WINDOW_REF a
wait_rows PER_WINDOW_REF "$n2"
sleep 1
kill -TERM "$node_pid"
wait "$node_pid" || fail "the reference node exited $? on SIGTERM"
node_pid=

final_rows PER_WINDOW >"$work/restored"
final_rows PER_WINDOW_REF >"$work/reference"
[ "$(count_rows PER_WINDOW)" = "$n2" ] || fail "PER_WINDOW has $(count_rows PER_WINDOW) rows, not $n2"
diff "$work/reference" "$work/restored" >"$work/diff" ||
  { cat "$work/diff"; fail "the restored run's windows differ from the uninterrupted run's"; }
# the late record past the grace period was dropped, the one within it counted
grep -q '^user0 0 10 45$' "$work/restored" || fail "window [0, 10) of user0: $(grep '^user0 0 ' "$work/restored")"
grep -q '^user0 20000 11 266$' "$work/restored" ||
  fail "window [20, 30) of user0: $(grep '^user0 20000 ' "$work/restored")"
echo "ok: $(wc -l <"$work/restored") windows of $KEYS keys equal to an uninterrupted run's" \
  "after a SIGKILL and a restore on an empty state directory; $(( $(date +%s) - t0 )) s"
