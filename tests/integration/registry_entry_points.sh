#!/usr/bin/env bash
# The Schema Registry (`walleye registry`, over HTTP) on every entry point:
#  - `walleye server` on the memory broker: an AVRO CREATE, INSERT VALUES, a CSAS whose
#    sink schema is registered under VALUE_AVRO_SCHEMA_FULL_NAME, a CREATE inferred from
#    a registered schema, a transient query, and a CSAS the registry refuses (the
#    statement fails naming the subject and the level; no stream is left);
#  - `walleye server` on Kafka (`walleye broker`): INSERT VALUES into AVRO and a CSAS
#    into AVRO whose records carry the registered schema's id;
#  - `walleye run` on Kafka: a CSAS into AVRO registers its sink schema at start.
# Bounded: every wait <= 30 s.
set -euo pipefail
WALLEYE=${1:?usage: registry_entry_points.sh PATH_TO_WALLEYE}
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 0; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 0; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -10 "$f" >&2; }; done
  exit 1
}
# start NAME CMD...: run CMD in the background, wait for its first stdout line in $LINE
start() {
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 300); do [ -s "$work/$name.out" ] && break; sleep 0.1; done
  LINE=$(head -1 "$work/$name.out")
  [ -n "$LINE" ] || fail "$name did not start"
}
ksql() { curl -s -X POST "$1/ksql" -H 'Content-Type: application/json' -d "$(jq -n --arg s "$2" '{ksql: $s}')"; }
ok() { # ok URL SQL: the statement succeeds
  local got; got=$(ksql "$1" "$2")
  echo "$got" | jq -e '.[0]["@type"] != "statement_error" and .[0]["@type"] != "generic_error"' >/dev/null 2>&1 \
    || fail "$2 -> $got"
}
# wait_subject SUBJECT: until the registry has it
wait_subject() {
  for _ in $(seq 60); do curl -s "$SR/subjects" | jq -e --arg s "$1" 'index($s) != null' >/dev/null && return; sleep 0.5; done
  fail "subject $1 never registered: $(curl -s "$SR/subjects")"
}

start registry "$WALLEYE" registry --listeners http://127.0.0.1:0
SR=$LINE
[[ "$SR" == http://127.0.0.1:* ]] || fail "registry URL: '$SR'"

# ---- server on the memory broker ----
cat >"$work/mem.properties" <<PROPS
listeners=http://127.0.0.1:0
ksql.service.id=sr_mem_
auto.offset.reset=earliest
ksql.schema.registry.url=$SR
PROPS
start mem "$WALLEYE" server --config "$work/mem.properties"
URL=$LINE
ok "$URL" "CREATE STREAM parcels (id STRING KEY, kg DOUBLE, city STRING) WITH (kafka_topic='parcels', value_format='AVRO', partitions=1);"
ok "$URL" "INSERT INTO parcels (id, kg, city) VALUES ('p1', 31.5, 'Oslo');"
ok "$URL" "INSERT INTO parcels (id, kg, city) VALUES ('p2', 2.0, 'Lima');"
ok "$URL" "CREATE STREAM heavy WITH (VALUE_AVRO_SCHEMA_FULL_NAME='depot.HeavyParcel') AS SELECT id, kg, city FROM parcels WHERE kg > 10;"
wait_subject HEAVY-value
curl -s "$SR/subjects/HEAVY-value/versions/latest" | jq -r .schema | jq -e '.name == "HeavyParcel" and .namespace == "depot"' >/dev/null \
  || fail "sink record name: $(curl -s "$SR/subjects/HEAVY-value/versions/latest")"
# transient query over the AVRO sink
rows=$(curl -s -X POST "$URL/query-stream" -d '{"sql":"SELECT id, city FROM heavy EMIT CHANGES LIMIT 1;","properties":{"auto.offset.reset":"earliest"}}' | sed -n 2p)
[ "$rows" = '["p1","Oslo"]' ] || fail "transient query: '$rows'"
# inferred CREATE: the columns come from a schema registered over HTTP
schema='{"type":"record","name":"Ticket","fields":[{"name":"SEAT","type":"string"},{"name":"PRICE","type":"int"}]}'
curl -s -H 'Content-Type: application/vnd.schemaregistry.v1+json' -d "$(jq -n --arg s "$schema" '{schema: $s}')" \
  "$SR/subjects/tickets-value/versions" | jq -e .id >/dev/null || fail "registering tickets-value"
ok "$URL" "CREATE STREAM tickets WITH (kafka_topic='tickets', value_format='AVRO', partitions=1);"
ksql "$URL" "DESCRIBE tickets;" | jq -e '[.[0].sourceDescription.fields[].name] == ["SEAT","PRICE"]' >/dev/null \
  || fail "inferred columns: $(ksql "$URL" "DESCRIBE tickets;")"
ok "$URL" "INSERT INTO tickets (seat, price) VALUES ('12A', 80);"
rows=$(curl -s -X POST "$URL/query-stream" -d '{"sql":"SELECT seat, price FROM tickets EMIT CHANGES LIMIT 1;","properties":{"auto.offset.reset":"earliest"}}' | sed -n 2p)
[ "$rows" = '["12A",80]' ] || fail "transient query over the inferred stream: '$rows'"
# a refused sink schema fails the statement and leaves no stream
curl -s -X PUT -d '{"compatibility":"FULL"}' "$SR/config/CHEAP-value" >/dev/null
earlier='{"type":"record","name":"KsqlDataSourceSchema","namespace":"io.confluent.ksql.avro_schemas","fields":[{"name":"KG","type":"string"}]}'
curl -s -d "$(jq -n --arg s "$earlier" '{schema: $s}')" "$SR/subjects/CHEAP-value/versions" | jq -e .id >/dev/null || fail "registering CHEAP-value"
got=$(ksql "$URL" "CREATE STREAM cheap AS SELECT id, kg FROM parcels WHERE kg < 10;")
echo "$got" | jq -r '.message' | grep -q "subject 'CHEAP-value' (compatibility FULL): .*field 'KG'" || fail "refusal: $got"
ksql "$URL" "SHOW STREAMS;" | jq -e '[.[0].streams[].name] | index("CHEAP") == null' >/dev/null || fail "CHEAP was left behind"

# ---- Kafka: walleye server and walleye run ----
if command -v kcat >/dev/null; then
  start broker "$WALLEYE" broker --topic scans:1 --topic SCANS_AVRO:1 --topic RUN_AVRO:1 \
    --topic stock:1 --topic _confluent-ksql-sr_kafka__command_topic:1
  bs=$LINE
  cat >"$work/kafka.properties" <<PROPS
listeners=http://127.0.0.1:0
bootstrap.servers=$bs
ksql.service.id=sr_kafka_
state.dir=$work/state-kafka
auto.offset.reset=earliest
commit.interval.ms=200
ksql.schema.registry.url=$SR
PROPS
  start kafka "$WALLEYE" server --config "$work/kafka.properties"
  KURL=$LINE
  ok "$KURL" "CREATE STREAM stock (sku STRING KEY, qty INT) WITH (kafka_topic='stock', value_format='AVRO');"
  ok "$KURL" "INSERT INTO stock (sku, qty) VALUES ('s1', 4);"
  wait_subject stock-value
  ok "$KURL" "CREATE STREAM scans (id STRING KEY, depot STRING) WITH (kafka_topic='scans', value_format='JSON');"
  ok "$KURL" "CREATE STREAM scans_avro WITH (value_format='AVRO') AS SELECT id, depot FROM scans;"
  echo 'x1|{"DEPOT":"north"}' | kcat -P -b "$bs" -t scans -K '|'
  wait_subject SCANS_AVRO-value
  id=$(curl -s "$SR/subjects/SCANS_AVRO-value/versions/latest" | jq .id)
  for _ in $(seq 60); do
    hdr=$(kcat -C -b "$bs" -t SCANS_AVRO -e -q -c 1 -f '%s' 2>/dev/null | head -c 5 | od -An -tu1 | tr -s ' ' | sed 's/^ //;s/ $//')
    [ -n "$hdr" ] && break; sleep 0.5
  done
  [ "$hdr" = "0 0 0 0 $id" ] || fail "SCANS_AVRO record header '$hdr', want schema id $id"

  cat >"$work/run.sql" <<'SQL'
CREATE STREAM scans2 (id STRING KEY, depot STRING) WITH (kafka_topic='scans', value_format='JSON');
CREATE STREAM run_avro WITH (kafka_topic='RUN_AVRO', value_format='AVRO', VALUE_SCHEMA_FULL_NAME='depot.Scan') AS SELECT id, depot FROM scans2;
SQL
  cat >"$work/run.properties" <<PROPS
ksql.service.id=sr_run_
state.dir=$work/state-run
auto.offset.reset=earliest
ksql.schema.registry.url=$SR
PROPS
  "$WALLEYE" run "$work/run.sql" --config "$work/run.properties" --bootstrap-servers "$bs" >"$work/run.out" 2>"$work/run.err" &
  pids+=($!)
  wait_subject RUN_AVRO-value
  curl -s "$SR/subjects/RUN_AVRO-value/versions/latest" | jq -r .schema | jq -e '.name == "Scan"' >/dev/null || fail "run: sink record name"
  for _ in $(seq 60); do
    n=$(kcat -C -b "$bs" -t RUN_AVRO -e -q -f '%k\n' 2>/dev/null | grep -c x1 || true)
    [ "$n" -ge 1 ] && break; sleep 0.5
  done
  [ "$n" -ge 1 ] || fail "walleye run wrote nothing to RUN_AVRO"
else
  echo "note: kcat is not installed, the Kafka entry points were skipped"
fi
echo "ok"
