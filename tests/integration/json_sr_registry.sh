#!/usr/bin/env bash
# JSON_SR against a Schema Registry over HTTP: `walleye run` on a `walleye broker` infers a
# stream's columns from a JSON schema registered through the REST API, reads records
# written with Confluent's header, skips a record without it (processing log), and
# registers its sink's JSON schema, whose id the sink's records carry.
set -euo pipefail
WALLEYE=${1:?usage: json_sr_registry.sh PATH_TO_WALLEYE}
server="$(dirname "$WALLEYE")/registry_server"
command -v kcat >/dev/null || { echo "SKIP: kcat is not installed"; exit 0; }
[ -x "$server" ] || { echo "missing $server" >&2; exit 1; }
work=$(mktemp -d)
broker_pid= node_pid= sr_pid=
cleanup() {
  [ -n "$node_pid" ] && kill -9 "$node_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/node.err" >&2 2>/dev/null || true; exit 1; }

mkfifo "$work/sr.in"
"$server" 0 <"$work/sr.in" >"$work/sr.out" &
sr_pid=$!
exec 3>"$work/sr.in"
for _ in $(seq 50); do [ -s "$work/sr.out" ] && break; sleep 0.1; done
sr="http://127.0.0.1:$(head -1 "$work/sr.out")"

"$WALLEYE" broker --topic parcels:1 --topic HEAVY:1 >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bs=$(head -1 "$work/broker.out")

# The source's schema, registered as a JSON schema (schemaType JSON).
schema='{"type":"object","properties":{"id":{"type":"integer"},"kg":{"type":"number"},"dest":{"type":"string"}}}'
body=$(jq -cn --arg s "$schema" '{schema: $s, schemaType: "JSON"}')
got=$(curl -s -H "Content-Type: application/vnd.schemaregistry.v1+json" -d "$body" \
  "$sr/subjects/parcels-value/versions")
id=$(echo "$got" | jq -r .id)
[ "$id" -gt 0 ] 2>/dev/null || fail "register: $got"

# Records: the header (magic 0, the id as 4 big-endian bytes) then the JSON; the second
# record is plain JSON, which JSON_SR refuses.
hdr=$(printf '\\x00\\x%02x\\x%02x\\x%02x\\x%02x' $((id >> 24 & 255)) $((id >> 16 & 255)) \
  $((id >> 8 & 255)) $((id & 255)))
{
  printf "${hdr}"'{"id":1,"kg":0.5,"dest":"Oslo"}\n'
  printf '{"id":2,"kg":40.0,"dest":"Rome"}\n'
  printf "${hdr}"'{"id":3,"kg":12.25,"dest":"Lima"}\n'
  printf "${hdr}"'{"id":4,"kg":99,"dest":"Baku"}\n'
} >"$work/records"
kcat -P -b "$bs" -t parcels -l "$work/records"

cat >"$work/pipeline.sql" <<'SQL'
CREATE STREAM parcels WITH (kafka_topic='parcels', key_format='KAFKA', value_format='JSON_SR');
CREATE STREAM heavy AS SELECT ID, DEST, KG FROM parcels WHERE KG > 10;
SQL
cat >"$work/node.properties" <<PROPS
ksql.service.id=json_sr_registry_
state.dir=$work/state
auto.offset.reset=earliest
commit.interval.ms=200
ksql.schema.registry.url=$sr
PROPS
"$WALLEYE" run "$work/pipeline.sql" --config "$work/node.properties" --bootstrap-servers "$bs" \
  >"$work/node.out" 2>"$work/node.err" &
node_pid=$!

for _ in $(seq 60); do
  n=$(kcat -C -b "$bs" -t HEAVY -e -q -f '%s\n' 2>/dev/null | wc -l || true)
  [ "$n" -ge 2 ] && break
  sleep 0.5
done

# The sink registered its schema: a JSON schema, columns as ksqlDB generates them.
latest=$(curl -s "$sr/subjects/HEAVY-value/versions/latest")
[ "$(echo "$latest" | jq -r .schemaType)" = JSON ] || fail "sink schema type: $latest"
sink_id=$(echo "$latest" | jq -r .id)
want='{"type":"object","properties":{"ID":{"connect.index":0,"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int64"}]},"DEST":{"connect.index":1,"oneOf":[{"type":"null"},{"type":"string"}]},"KG":{"connect.index":2,"oneOf":[{"type":"null"},{"type":"number","connect.type":"float64"}]}}}'
[ "$(echo "$latest" | jq -c '.schema | fromjson')" = "$(echo "$want" | jq -c .)" ] ||
  fail "sink schema: $latest"

# Its records: the header with that id, then the JSON of the rows that passed.
kcat -C -b "$bs" -t HEAVY -e -q -f '%s\n' >"$work/heavy" 2>/dev/null
[ "$(wc -l <"$work/heavy")" = 2 ] || fail "HEAVY holds $(wc -l <"$work/heavy") records, want 2"
first=$(head -1 "$work/heavy" | od -An -tu1 -N5 | tr -s ' ' | sed 's/^ //')
[ "$first" = "0 $((sink_id >> 24 & 255)) $((sink_id >> 16 & 255)) $((sink_id >> 8 & 255)) $((sink_id & 255))" ] ||
  fail "header: $first (sink schema id $sink_id)"
cut -b6- "$work/heavy" >"$work/heavy.json"
printf '%s\n' '{"ID":3,"DEST":"Lima","KG":12.25}' '{"ID":4,"DEST":"Baku","KG":99.0}' >"$work/want"
diff -u "$work/want" "$work/heavy.json" || fail "sink records differ"
grep -q "magic byte" "$work/node.err" "$work/node.out" || fail "the plain JSON record was not logged"
echo "ok"
