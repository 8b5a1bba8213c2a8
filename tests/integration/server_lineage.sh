#!/usr/bin/env bash
# `walleye server` reports an OpenLineage run per query (file transport, configured with
# the OpenLineage clients' names): START when a statement starts it, COMPLETE when it is
# terminated, ABORT for the ones still running when the node stops. A push and a pull
# query (transient) report nothing. Bounded: 3 records, a few seconds.
set -euo pipefail
WALLEYE=${1:?usage: server_lineage.sh path/to/walleye}
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib/server_node.sh"

cat >"$work/node.properties" <<EOF
listeners=http://127.0.0.1:0
ksql.service.id=lineage_
openlineage.transport.type=file
openlineage.transport.location=$work/events.ndjson
EOF

start_server "$work/node.properties"
export WALLEYE_SERVER=$URL
cat >"$work/p.sql" <<'EOF'
CREATE STREAM orders (id INT KEY, amount DOUBLE, card VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE STREAM big_orders AS SELECT id, amount, MASK(card) AS card FROM orders WHERE amount > 100;
CREATE TABLE order_counts AS SELECT id, COUNT(*) AS n FROM orders GROUP BY id;
INSERT INTO orders (id, amount, card) VALUES (1, 150.0, '4111-1111');
INSERT INTO orders (id, amount, card) VALUES (2, 50.0, '4222-2222');
INSERT INTO orders (id, amount, card) VALUES (1, 250.0, '4111-1111');
EOF
"$WALLEYE" sql add "$work/p.sql" >/dev/null || fail "sql add"
q_stream=$("$WALLEYE" sql list | awk '/BIG_ORDERS/ {print $1}')
q_table=$("$WALLEYE" sql list | awk '/ORDER_COUNTS/ {print $1}')
[ -n "$q_stream" ] && [ -n "$q_table" ] || fail "queries not listed"
# a pull query answers from the table; it must not appear in the lineage
for _ in $(seq 50); do
  rows=$(curl -sf -X POST "$URL/query-stream" -d '{"sql":"SELECT n FROM order_counts WHERE id = 1;"}' | sed -n 2p)
  [ "$rows" = "[2]" ] && break
  sleep 0.1
done
[ "$rows" = "[2]" ] || fail "pull query: '$rows'"
"$WALLEYE" sql drop "$q_stream" >/dev/null || fail "drop (terminate) $q_stream"
stop_server

[ -s "$work/events.ndjson" ] || fail "no lineage events"
types() { jq -r --arg j "$1" 'select(.job.name == $j) | .eventType' "$work/events.ndjson" | tr '\n' ' '; }
[[ "$(types "$q_stream")" =~ ^START\ (RUNNING\ )*COMPLETE\ $ ]] || fail "$q_stream: $(types "$q_stream")"
[[ "$(types "$q_table")" =~ ^START\ (RUNNING\ )*ABORT\ $ ]] || fail "$q_table: $(types "$q_table")"
transient=$(jq -r 'select(.job.name | test("transient|TRANSIENT")) | .job.name' "$work/events.ndjson" | head -1)
[ -z "$transient" ] || fail "a transient query reported lineage: $transient"
masked=$(jq -r --arg j "$q_stream" 'select(.eventType == "START" and .job.name == $j)
  | .outputs[0].facets.columnLineage.fields.CARD.inputFields[0].transformations[0].masking' "$work/events.ndjson")
[ "$masked" = true ] || fail "CARD of BIG_ORDERS is not marked as masked"
validator="$root/../shared/openlineage/validate-events"
if [ -x "$validator" ] && python3 -c 'import jsonschema' 2>/dev/null; then
  "$validator" "$work/events.ndjson" | tail -1 | grep -q ' 0 failed' || fail "validate-events"
fi
echo "server_lineage: ok"
