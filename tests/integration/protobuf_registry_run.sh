#!/usr/bin/env bash
# PROTOBUF end to end with a Schema Registry over HTTP: a .proto registered with curl, a
# stream created from it by inference (`walleye run` on a `walleye broker`), records in
# Confluent's wire format produced with kcat, and a CSAS whose sink schema walleye
# registers: the sink's records carry that schema's id and read back with it.
set -euo pipefail
WALLEYE=${1:?usage: protobuf_registry_run.sh PATH_TO_WALLEYE}
server="$(dirname "$WALLEYE")/registry_server"
[ -x "$server" ] || { echo "missing $server" >&2; exit 1; }
command -v kcat >/dev/null || { echo "SKIP: kcat is not installed"; exit 0; }
work=$(mktemp -d)
sr_pid= broker_pid= node_pid=
cleanup() {
  [ -n "$node_pid" ] && kill -9 "$node_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/node.err" >&2 2>/dev/null || true; exit 1; }

# the registry (stops when fd 3 closes)
mkfifo "$work/sr.in"
"$server" 0 <"$work/sr.in" >"$work/sr.out" &
sr_pid=$!
exec 3>"$work/sr.in"
for _ in $(seq 50); do [ -s "$work/sr.out" ] && break; sleep 0.1; done
sr="http://127.0.0.1:$(head -1 "$work/sr.out")"
ct="Content-Type: application/vnd.schemaregistry.v1+json"
proto='syntax = "proto3"; message Ferry { int64 route = 1; string berth = 2; double knots = 3; }'
body=$(jq -cn --arg s "$proto" '{schema: $s, schemaType: "PROTOBUF"}')
got=$(curl -s -H "$ct" -d "$body" "$sr/subjects/ferries-value/versions")
id=$(echo "$got" | jq -r .id)
[ "$id" -gt 0 ] 2>/dev/null || fail "register: $got"

"$WALLEYE" broker --topic ferries:1 --topic FAST_FERRIES:1 >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bs=$(head -1 "$work/broker.out")

# Ferry{route, berth, knots} behind magic 0, the id and message index [0]; no byte of
# these records is a newline, kcat's delimiter
{
  printf '00%08x00' "$id"; printf '0807'; printf '1202'; printf 'N4' | xxd -p | tr -d '\n'
  printf '19'; printf '0000000000003240'; printf '\n' | xxd -p
  printf '00%08x00' "$id"; printf '0802'; printf '1202'; printf 'S1' | xxd -p | tr -d '\n'
  printf '19'; printf '0000000000002440'; printf '\n' | xxd -p
} | tr -d '\n' | xxd -r -p >"$work/records"
kcat -P -b "$bs" -t ferries -l "$work/records" || fail "kcat produce"

cat >"$work/pipeline.sql" <<'SQL'
CREATE STREAM FERRIES WITH (kafka_topic='ferries', value_format='PROTOBUF');
CREATE STREAM FAST_FERRIES AS SELECT ROUTE, BERTH, KNOTS * 2 AS DOUBLE_KNOTS FROM FERRIES WHERE KNOTS > 12;
SQL
cat >"$work/node.properties" <<PROPS
ksql.service.id=protobuf_registry_run_
state.dir=$work/state
auto.offset.reset=earliest
commit.interval.ms=200
ksql.schema.registry.url=$sr
PROPS
"$WALLEYE" run "$work/pipeline.sql" --config "$work/node.properties" --bootstrap-servers "$bs" \
  >"$work/node.out" 2>"$work/node.err" &
node_pid=$!

for _ in $(seq 60); do
  kcat -C -b "$bs" -t FAST_FERRIES -e -q -f '%s' >"$work/out" 2>/dev/null || true
  [ -s "$work/out" ] && break
  sleep 0.5
done
[ -s "$work/out" ] || fail "no record on FAST_FERRIES"
hex=$(xxd -p "$work/out" | tr -d '\n')
[ -n "${PB_TEST_DEBUG:-}" ] && echo "sink record: $hex" >&2

# the sink's schema as walleye registered it, and its id in the record
latest=$(curl -s "$sr/subjects/FAST_FERRIES-value/versions/latest")
[ "$(echo "$latest" | jq -r .schemaType)" = PROTOBUF ] || fail "sink schema type: $latest"
sink_text=$(echo "$latest" | jq -r .schema)
echo "$sink_text" | grep -q 'message ConnectDefault1' || fail "sink schema: $sink_text"
echo "$sink_text" | grep -q 'double DOUBLE_KNOTS = 3;' || fail "sink schema: $sink_text"
sink_id=$(echo "$latest" | jq -r .id)
want_head=$(printf '00%08x00' "$sink_id")
[ "${hex:0:12}" = "$want_head" ] || fail "record header ${hex:0:12}, want $want_head"
# ROUTE 7, BERTH "N4", DOUBLE_KNOTS 36.0 (18.0 * 2), and only that record
want_body="0807""1202$(printf N4 | xxd -p)""19""0000000000004240"
[ "${hex:12}" = "$want_body" ] || fail "record body ${hex:12}, want $want_body"
# the id reads back through the registry
curl -s "$sr/schemas/ids/$sink_id" | jq -r .schema | grep -q 'DOUBLE_KNOTS' || fail "schema by id"
echo "ok"
