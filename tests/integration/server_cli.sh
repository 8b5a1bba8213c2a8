#!/usr/bin/env bash
# walleye server + the management CLI (walleye sql / walleye udf) + curl against its REST
# API on 127.0.0.1: deploy, list, ps, explain, stop/start/restart, update, drop; /metrics
# parses as Prometheus text and its counters match the records sent.
set -euo pipefail
WALLEYE=${1:?usage: server_cli.sh path/to/walleye}
source "$(dirname "$0")/lib/server_node.sh"

cat >"$work/node.properties" <<'EOF'
listeners=http://127.0.0.1:0
ksql.service.id=it_
auto.offset.reset=earliest
EOF
start_server "$work/node.properties"
export WALLEYE_SERVER=$URL

# usage errors are exit status 2
set +e
"$WALLEYE" sql frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown action should be a usage error"
"$WALLEYE" sql add >/dev/null 2>&1; [ $? -eq 2 ] || fail "add without FILE should be a usage error"
"$WALLEYE" sql stop "x; DROP STREAM s" >/dev/null 2>&1; [ $? -eq 2 ] || fail "non-identifier ids are refused"
set -e

cat >"$work/pipeline.sql" <<'EOF'
CREATE STREAM clicks (user_id INT KEY, url STRING, ms BIGINT)
  WITH (kafka_topic='clicks', value_format='JSON', partitions=2);
CREATE STREAM shop_clicks AS SELECT user_id, UCASE(url) AS url FROM clicks WHERE url LIKE '%shop%';
EOF
"$WALLEYE" sql add "$work/pipeline.sql" --description "shop clicks" >"$work/add.out" || fail "sql add"
grep -q "Stream created" "$work/add.out" || fail "add: $(cat "$work/add.out")"
grep -q "Created query with ID CSAS_SHOP_CLICKS_" "$work/add.out" || fail "add: $(cat "$work/add.out")"
qid=$(sed -n 's/.*Created query with ID \(CSAS_SHOP_CLICKS_[0-9]*\).*/\1/p' "$work/add.out")

cat >"$work/data.sql" <<'EOF'
INSERT INTO clicks (user_id, url, ms) VALUES (1, 'https://a/shop/1', 1);
INSERT INTO clicks (user_id, url, ms) VALUES (2, 'https://a/home', 2);
INSERT INTO clicks (user_id, url, ms) VALUES (3, 'https://a/shop/2', 3);
EOF
"$WALLEYE" sql add "$work/data.sql" >/dev/null || fail "inserting records"

"$WALLEYE" sql list >"$work/list.out"
grep -Eq "^$qid +running +SHOP_CLICKS +shop clicks$" "$work/list.out" || fail "list: $(cat "$work/list.out")"

# the pump delivers asynchronously: wait for the counters
for _ in $(seq 100); do
  "$WALLEYE" sql ps >"$work/ps.out"
  grep -Eq "^$qid +running +3 +2 +0$" "$work/ps.out" && break
  sleep 0.05
done
grep -Eq "^$qid +running +3 +2 +0$" "$work/ps.out" || fail "ps: $(cat "$work/ps.out")"

"$WALLEYE" sql explain "$qid" >"$work/explain.out"
grep -q "^Sources     : CLICKS$" "$work/explain.out" || fail "explain: $(cat "$work/explain.out")"
grep -q "Sink (topic: SHOP_CLICKS)" "$work/explain.out" || fail "explain topology: $(cat "$work/explain.out")"

# /metrics: Prometheus text whose counters match what was sent
curl -sf "$URL/metrics" >"$work/metrics.txt" || fail "GET /metrics"
python3 - "$work/metrics.txt" "$qid" <<'EOF' || fail "metrics: $(cat "$work/metrics.txt")"
import re, sys
text, qid = open(sys.argv[1]).read(), sys.argv[2]
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$')
types, values = {}, {}
for line in text.splitlines():
    if line.startswith('# TYPE '):
        _, _, name, kind = line.split(' ')
        assert kind in ('counter', 'gauge', 'histogram'), line
        types[name] = kind
    elif line.startswith('# HELP ') or not line:
        continue
    else:
        assert sample.match(line), 'not a Prometheus sample: ' + line
        key, value = line.rsplit(' ', 1)
        values[key] = float(value)
        base = re.sub(r'_(bucket|sum|count)$', '', key.split('{')[0])
        assert key.split('{')[0] in types or base in types, 'sample without TYPE: ' + line
q = '{query="%s"}' % qid
assert values['walleye_query_records_in_total' + q] == 3, values
assert values['walleye_query_records_out_total' + q] == 2, values
assert values['walleye_query_records_skipped_total' + q] == 0, values
assert values['walleye_query_processing_seconds_count' + q] == 3, values
EOF

"$WALLEYE" sql stop "$qid" | grep -q "Query paused." || fail "stop"
"$WALLEYE" sql list | grep -Eq "^$qid +stopped" || fail "list after stop"
"$WALLEYE" sql start "$qid" | grep -q "Query resumed." || fail "start"
"$WALLEYE" sql restart "$qid" >/dev/null || fail "restart"
"$WALLEYE" sql list | grep -Eq "^$qid +running" || fail "list after restart"

# update: CREATE becomes CREATE OR REPLACE; the new query replaces the old one
sed 's/UCASE(url)/LCASE(url)/' "$work/pipeline.sql" >"$work/pipeline2.sql"
"$WALLEYE" sql update "$work/pipeline2.sql" --description "v2" >"$work/update.out" || fail "update: $(cat "$work/update.out")"
grep -q "Created query with ID" "$work/update.out" || fail "update: $(cat "$work/update.out")"
"$WALLEYE" sql list >"$work/list2.out"
[ "$(grep -c SHOP_CLICKS "$work/list2.out")" -eq 1 ] || fail "update left two queries: $(cat "$work/list2.out")"
grep -q "v2$" "$work/list2.out" || fail "update description: $(cat "$work/list2.out")"

# errors come back with ksqlDB's message and exit status 1
echo "CREATE STREAM broken AS SELECT nope FROM clicks;" >"$work/bad.sql"
set +e
"$WALLEYE" sql add "$work/bad.sql" 2>"$work/bad.err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "bad SQL should fail with 1, got $rc"
grep -q "cannot be resolved" "$work/bad.err" || fail "bad SQL message: $(cat "$work/bad.err")"

# drop: a query id terminates; a name drops the stream
qid2=$("$WALLEYE" sql list | awk '/SHOP_CLICKS/ {print $1}')
"$WALLEYE" sql drop "$qid2" | grep -q "Query terminated." || fail "drop query"
"$WALLEYE" sql drop shop_clicks | grep -q "was dropped" || fail "drop stream"
"$WALLEYE" sql list | grep -q SHOP_CLICKS && fail "query still listed"

"$WALLEYE" udf list >"$work/udf.out"
grep -Eq "^UCASE +SCALAR" "$work/udf.out" || fail "udf list"
grep -Eq "^COUNT +AGGREGATE" "$work/udf.out" || fail "udf list aggregates"
"$WALLEYE" udf describe substring >"$work/desc.out"
grep -q "^Name        : SUBSTRING$" "$work/desc.out" || fail "udf describe: $(cat "$work/desc.out")"
grep -q "SUBSTRING(.*) -> STRING" "$work/desc.out" || fail "udf describe variants: $(cat "$work/desc.out")"

# raw REST: bad JSON and unknown statements are 4xx with ksqlDB's error JSON
code=$(curl -s -o "$work/e.json" -w '%{http_code}' -X POST "$URL/ksql" -d '{"ksql": ')
[ "$code" = 400 ] || fail "bad JSON gave $code"
jq -e '.["@type"] == "generic_error" and .error_code == 40000' "$work/e.json" >/dev/null || fail "$(cat "$work/e.json")"
code=$(curl -s -o "$work/e.json" -w '%{http_code}' -X POST "$URL/ksql" -d '{"ksql":"FROB THE KNOB;"}')
[ "$code" = 400 ] || fail "unknown statement gave $code"
jq -e '.["@type"] == "statement_error" and .error_code == 40001' "$work/e.json" >/dev/null || fail "$(cat "$work/e.json")"
curl -sf "$URL/healthcheck" | jq -e '.isHealthy == true' >/dev/null || fail "healthcheck"

stop_server
echo "server_cli: ok"
