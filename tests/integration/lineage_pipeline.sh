#!/usr/bin/env bash
# The book's pipeline (filter, masking function, stream-table join, LATEST_BY_OFFSET
# table) reports OpenLineage runs: START then a terminal event per query, with column
# lineage and masking flags; the events pass ../shared's validator when it exists.
set -euo pipefail
WALLEYE=${1:?usage: lineage_pipeline.sh PATH_TO_WALLEYE}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
events=$tmp/events.ndjson
"$WALLEYE" test --lineage-file "$events" "$root/tests/qtt/lineage-pipeline.json" | tail -1 | grep -q '^1 passed, 0 failed' ||
  fail "the pipeline case did not pass"
# lifecycle: per job, START first and exactly one terminal event, last
for job in CSAS_CLICK_USERS_0 CTAS_LAST_CLICK_1; do
  types=$(jq -r --arg j "$job" 'select(.job.name == $j) | .eventType' "$events" | tr '\n' ' ')
  [[ "$types" =~ ^START\ (RUNNING\ )*(COMPLETE|ABORT)\ $ ]] || fail "$job events: $types"
done
start() { jq -c --arg j "$1" 'select(.job.name == $j and .eventType == "START")' "$events"; }
cl=$(start CSAS_CLICK_USERS_0 | jq -c '.outputs[0].facets.columnLineage')
[ "$(jq -r '.fields.PHONE.inputFields[0].transformations[0].masking' <<<"$cl")" = true ] || fail "PHONE not masked: $cl"
[ "$(jq -r '.fields.PHONE.inputFields[0].name' <<<"$cl")" = users ] || fail "PHONE input"
[ "$(jq -r '.fields.NAME.inputFields[0].transformations[0].subtype' <<<"$cl")" = IDENTITY ] || fail "NAME identity"
[ "$(jq -r '.fields.NAME.inputFields[0].transformations[0].masking' <<<"$cl")" = false ] || fail "NAME masked"
jq -e '.dataset[] | select(.field == "STATUS" and .transformations[0].subtype == "FILTER")' <<<"$cl" >/dev/null || fail "filter"
jq -e '.dataset[] | select(.name == "users" and .field == "USER_ID" and .transformations[0].subtype == "JOIN")' \
  <<<"$cl" >/dev/null || fail "join"
agg=$(start CTAS_LAST_CLICK_1 | jq -c '.outputs[0].facets.columnLineage')
[ "$(jq -r '.fields.LAST_REQUEST.inputFields[0].transformations[0].subtype' <<<"$agg")" = AGGREGATION ] || fail "aggregation"
jq -e '.dataset[] | select(.field == "USERID" and .transformations[0].subtype == "GROUP_BY")' <<<"$agg" >/dev/null ||
  fail "group by"
# statistics: the terminal event counts every record in and out
term() { jq -c --arg j "$1" 'select(.job.name == $j and (.eventType == "ABORT" or .eventType == "COMPLETE"))' "$events"; }
[ "$(term CSAS_CLICK_USERS_0 | jq -c '[.inputs[].inputFacets.inputStatistics.rowCount]')" = "[4,2]" ] || fail "input counts"
[ "$(term CSAS_CLICK_USERS_0 | jq -c '[.outputs[].outputFacets.outputStatistics.rowCount]')" = "[2]" ] || fail "output counts"
# datasets: Kafka topics with symlinks to the stream/table names
[ "$(start CSAS_CLICK_USERS_0 | jq -r '.inputs[0].namespace')" = "kafka://127.0.0.1:9092" ] || fail "namespace"
[ "$(start CSAS_CLICK_USERS_0 | jq -r '.outputs[0].facets.symlinks.identifiers[0].name')" = CLICK_USERS ] || fail "symlink"
validator="$root/../shared/openlineage/validate-events"
if [ -x "$validator" ] && python3 -c 'import jsonschema' 2>/dev/null; then
  "$validator" "$events" | tail -1 | grep -q ' 0 failed' || fail "validate-events: $("$validator" "$events" | tail -3)"
  echo "ok: lineage events of the pipeline (validated by ../shared/openlineage/validate-events)"
else
  echo "ok: lineage events of the pipeline (validator not available: SKIP validation)"
fi
