#!/usr/bin/env bash
# A restarted walleye server gets its queries back from the command topic: the memory
# broker (topics and command topic) is kept in server.memory.broker.file across the stop.
set -euo pipefail
WALLEYE=${1:?usage: server_restart.sh path/to/walleye}
source "$(dirname "$0")/lib/server_node.sh"

cat >"$work/node.properties" <<EOF
listeners=http://127.0.0.1:0
ksql.service.id=restart_
server.memory.broker.file=$work/broker.dat
EOF

start_server "$work/node.properties"
export WALLEYE_SERVER=$URL
cat >"$work/p.sql" <<'EOF'
CREATE STREAM orders (id INT KEY, amount DOUBLE) WITH (kafka_topic='orders', value_format='JSON');
CREATE STREAM big_orders AS SELECT * FROM orders WHERE amount > 100;
CREATE TABLE order_counts AS SELECT id, COUNT(*) AS n FROM orders GROUP BY id;
EOF
"$WALLEYE" sql add "$work/p.sql" --description "orders v1" >/dev/null || fail "sql add"
q_table=$("$WALLEYE" sql list | awk '/ORDER_COUNTS/ {print $1}')
"$WALLEYE" sql stop "$q_table" >/dev/null || fail "stop"
"$WALLEYE" sql list >"$work/before.txt"
stop_server
[ -s "$work/broker.dat" ] || fail "the broker was not saved"

start_server "$work/node.properties"
export WALLEYE_SERVER=$URL
"$WALLEYE" sql list >"$work/after.txt"
diff -u "$work/before.txt" "$work/after.txt" || fail "queries differ after the restart"
grep -Eq "BIG_ORDERS +orders v1$" "$work/after.txt" || fail "$(cat "$work/after.txt")"
grep -Eq "^$q_table +stopped" "$work/after.txt" || fail "the stopped query did not stay stopped"
curl -sf -X POST "$URL/ksql" -d '{"ksql":"DESCRIBE order_counts;"}' | jq -e '.[0].sourceDescription.type == "TABLE"' >/dev/null ||
  fail "the table is not back"
stop_server
echo "server_restart: ok"
