#!/usr/bin/env bash
# Two `walleye server` nodes of one service on a standalone `walleye broker`: a CREATE
# STREAM + CSAS submitted to node A over REST runs on both (the 4 input partitions are
# shared by the query's consumer group), every input record reaches the output; after
# both nodes are stopped (SIGTERM) and started again, SHOW QUERIES lists the query on
# both and new input records still reach the output. Bounded: every wait <= 30 s.
set -euo pipefail
WALLEYE=${1:?usage: server_kafka_two_nodes.sh PATH_TO_WALLEYE}
command -v kcat >/dev/null || { echo "SKIP: kcat is not installed"; exit 0; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 0; }
work=$(mktemp -d)
broker_pid= pid_a= pid_b=
cleanup() {
  for p in $pid_a $pid_b; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for n in a b; do [ -f "$work/$n.err" ] && { echo "--- node $n" >&2; tail -15 "$work/$n.err" >&2; }; done
  exit 1
}

# the standalone broker does not answer CreateTopics: the topics exist beforehand
"$WALLEYE" broker --topic clicks:4 --topic CLICKS_COPY:4 --topic _confluent-ksql-two_nodes__command_topic:1 >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bs=$(head -1 "$work/broker.out")
[[ "$bs" == 127.0.0.1:* ]] || fail "broker did not print its address: '$bs'"

for n in a b; do
  cat >"$work/$n.properties" <<PROPS
listeners=http://127.0.0.1:0
bootstrap.servers=$bs
ksql.service.id=two_nodes_
state.dir=$work/state-$n
auto.offset.reset=earliest
commit.interval.ms=200
PROPS
done

# start_node a|b: the node's URL ends up in url_a / url_b
start_node() {
  local n=$1
  : >"$work/$n.out"
  "$WALLEYE" server --config "$work/$n.properties" >"$work/$n.out" 2>>"$work/$n.err" &
  eval "pid_$n=$!"
  for _ in $(seq 300); do [ -s "$work/$n.out" ] && break; sleep 0.1; done
  local u
  u=$(head -1 "$work/$n.out")
  [[ "$u" == http://127.0.0.1:* ]] || fail "node $n did not print its URL: '$u'"
  eval "url_$n=$u"
}
stop_node() {
  local n=$1 p
  p=$(eval echo "\$pid_$n")
  kill -TERM "$p"
  wait "$p" || fail "node $n exited with $?"
  eval "pid_$n="
}
ksql() { curl -sf -X POST "$1/ksql" -H 'Content-Type: application/json' -d "$2"; }
# produce FROM TO: records id|{"ID":id,"N":id} for id in FROM..TO, keyed by id
produce() { seq "$1" "$2" | awk '{printf "%d|{\"ID\":%d,\"N\":%d}\n", $1, $1, $1}' | kcat -P -b "$bs" -t clicks -K '|'; }
# wait_output N: until the output holds every ID of 1..N (at least once), or 60 s
wait_output() {
  for _ in $(seq 120); do # 60 s: after a restart the group may take a while to settle on the mock
    kcat -C -b "$bs" -t CLICKS_COPY -e -q -f '%s\n' 2>/dev/null | jq -r '.ID' | sort -un >"$work/ids" || true
    [ "$(wc -l <"$work/ids")" -ge "$1" ] && break
    sleep 0.5
  done
  seq 1 "$1" | diff - "$work/ids" >/dev/null || fail "the output lacks records: $(wc -l <"$work/ids") of $1 ids"
}
# metric URL NAME: the sum of a node's samples of walleye metric NAME
metric() { curl -sf "$1/metrics" | awk -v m="$2" '$1 ~ "^"m"\\{" {s += $2} END {print s + 0}'; }
records_in() { metric "$1" walleye_query_records_in_total; }

start_node a
start_node b
ksql "$url_a" '{"ksql":"CREATE STREAM clicks (k VARCHAR KEY, id INT, n INT) WITH (kafka_topic='"'clicks'"', value_format='"'JSON'"'); CREATE STREAM clicks_copy AS SELECT k, id, n FROM clicks;"}' \
  >"$work/create.json" || fail "POST /ksql on node a"
jq -e '.[1].commandStatus.queryId' "$work/create.json" >/dev/null || fail "no query started: $(cat "$work/create.json")"

# node b follows the command topic: the query appears there without a request to it
for _ in $(seq 60); do
  ksql "$url_b" '{"ksql":"SHOW QUERIES;"}' | jq -e '.[0].queries | length == 1' >/dev/null 2>&1 && break
  sleep 0.5
done
ksql "$url_b" '{"ksql":"SHOW QUERIES;"}' | jq -e '.[0].queries | length == 1' >/dev/null || fail "node b did not get the query"

sleep 2 # both consumers join the query's group before the records arrive
echo 'bad|{not json' | kcat -P -b "$bs" -t clicks -K '|' # one record for the processing log
produce 1 200
wait_output 200
for _ in $(seq 20); do # the nodes publish their counters at their next poll
  [ $(($(records_in "$url_a") + $(records_in "$url_b"))) -ge 201 ] && break
  sleep 0.5
done
ina=$(records_in "$url_a") inb=$(records_in "$url_b")
echo "records in: node a $ina, node b $inb"
[ "$ina" -gt 0 ] && [ "$inb" -gt 0 ] || fail "both nodes must process records (a=$ina b=$inb)"
[ $((ina + inb)) -ge 201 ] || fail "the nodes processed $((ina + inb)) records, fewer than 201"
# a copy query: every record in is out, but the undecodable one, which is skipped
for n in a b; do
  u=$(eval echo "\$url_$n")
  in=$(records_in "$u") out=$(metric "$u" walleye_query_records_out_total)
  skipped=$(metric "$u" walleye_query_records_skipped_total)
  count=$(metric "$u" walleye_query_processing_seconds_count)
  echo "node $n: in $in, out $out, skipped $skipped, latency observations $count"
  [ "$out" -eq $((in - skipped)) ] || fail "node $n: out $out != in $in - skipped $skipped"
  [ "$count" -eq "$in" ] || fail "node $n: $count latency observations for $in records"
  tot_skipped=$((${tot_skipped:-0} + skipped))
done
[ "$tot_skipped" -eq 1 ] || fail "$tot_skipped records skipped, not 1"

stop_node a
stop_node b
start_node a
start_node b
for n in a b; do
  u=$(eval echo "\$url_$n")
  ksql "$u" '{"ksql":"SHOW QUERIES;"}' >"$work/show-$n.json" || fail "SHOW QUERIES on node $n"
  jq -e '.[0].queries | length == 1 and (.[0].queryString | test("CLICKS_COPY"; "i"))' "$work/show-$n.json" >/dev/null ||
    fail "node $n did not get its query back: $(cat "$work/show-$n.json")"
done
produce 201 300
wait_output 300
echo "server_kafka_two_nodes: ok"
