#!/usr/bin/env bash
# `walleye run` on a standalone `walleye broker` reports an OpenLineage run per query of
# the book's pipeline: START when the node starts it, ABORT when the node stops (SIGTERM).
# Events go through a composite transport, written with the OpenLineage clients' property
# names, to a file and to a Kafka topic, which must hold the same events.
# Bounded: no input records, about 10 s.
set -euo pipefail
WALLEYE=${1:?usage: run_lineage.sh PATH_TO_WALLEYE}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
bp= rp=
cleanup() {
  [ -n "$rp" ] && kill "$rp" 2>/dev/null || true
  [ -n "$bp" ] && kill "$bp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$WALLEYE" broker --topic clickstream:1 --topic users:1 --topic lineage_events:1 >"$tmp/broker.out" 2>/dev/null &
bp=$!
for _ in $(seq 100); do [ -s "$tmp/broker.out" ] && break; sleep 0.1; done
bootstrap=$(head -n1 "$tmp/broker.out")
"$WALLEYE" run "$root/examples/clickstream/pipeline.sql" -b "$bootstrap" -D openlineage.transport.type=composite \
  -D openlineage.transport.transports=file,kafka -D "openlineage.transport.location=$tmp/events.ndjson" \
  -D openlineage.transport.topicName=lineage_events -D "state.dir=$tmp/state" >"$tmp/run.out" 2>"$tmp/run.err" &
rp=$!
for _ in $(seq 100); do grep -q 'CSAS_CLICK_USERS_PRODUCT_2 RUNNING' "$tmp/run.out" 2>/dev/null && break; sleep 0.1; done
grep -q 'CSAS_CLICK_USERS_PRODUCT_2 RUNNING' "$tmp/run.out" || fail "queries did not start: $(cat "$tmp/run.err")"
kill -TERM "$rp"
wait "$rp" || fail "walleye run exited $? on SIGTERM"
rp=
for job in CTAS_USERS_MATERIALIZED_VIEW_0 CSAS_CLICK_USERS_1 CSAS_CLICK_USERS_PRODUCT_2; do
  types=$(jq -r --arg j "$job" 'select(.job.name == $j) | .eventType' "$tmp/events.ndjson" | tr '\n' ' ')
  [[ "$types" =~ ^START\ (RUNNING\ )*ABORT\ $ ]] || fail "$job: $types"
done
kcat -C -b "$bootstrap" -t lineage_events -e -q -f '%s\n' >"$tmp/topic.ndjson" 2>/dev/null || true
[ "$(jq -r '.eventType + " " + .run.runId' "$tmp/topic.ndjson")" = "$(jq -r '.eventType + " " + .run.runId' "$tmp/events.ndjson")" ] ||
  fail "the lineage topic does not hold the file's events: $(wc -l <"$tmp/topic.ndjson") vs $(wc -l <"$tmp/events.ndjson")"
ns=$(jq -r 'select(.eventType == "START") | .inputs[0].namespace' "$tmp/events.ndjson" | head -1)
[ "$ns" = "kafka://$bootstrap" ] || fail "namespace $ns, want kafka://$bootstrap"
masked=$(jq -r 'select(.eventType == "START" and .job.name == "CSAS_CLICK_USERS_PRODUCT_2")
  | .outputs[0].facets.columnLineage.fields.PHONE.inputFields[0].transformations[0].masking' "$tmp/events.ndjson")
[ "$masked" = true ] || fail "PHONE of the data product is not marked as masked"
validator="$root/../shared/openlineage/validate-events"
if [ -x "$validator" ] && python3 -c 'import jsonschema' 2>/dev/null; then
  "$validator" "$tmp/events.ndjson" | tail -1 | grep -q ' 0 failed' || fail "validate-events"
fi
echo "ok: walleye run reports lineage"
