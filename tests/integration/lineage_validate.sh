#!/usr/bin/env bash
# OpenLineage events from `walleye lineage-sample`: one run per query start, each in
# the order START, RUNNING..., then COMPLETE/ABORT/FAIL; the masking flags of the
# column lineage; and, when the shared folder is there, the official spec's validator.
set -euo pipefail
WALLEYE=${1:?usage: lineage_validate.sh PATH_TO_WALLEYE}
root=$(cd "$(dirname "$0")/../.." && pwd)
validator=${OPENLINEAGE_VALIDATOR:-$(cd "$root/.." && pwd)/shared/openlineage/validate-events}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
events=$tmp/events.ndjson

"$WALLEYE" lineage-sample --transport file --url "$events" --bootstrap "SASL_SSL://k1:9093,k2:9093" \
  2>"$tmp/err" || { echo "FAIL: lineage-sample: $(cat "$tmp/err")" >&2; exit 1; }
[ "$(wc -l <"$events")" -eq 10 ] || { echo "FAIL: expected 10 events, got $(wc -l <"$events")" >&2; exit 1; }

# Per run, in file order: START, any RUNNING, one terminal event.
runs=$(jq -rs 'group_by(.run.runId)[] | map(.eventType) | join(" ")' "$events")
while read -r seq; do
  [[ $seq =~ ^START(\ RUNNING)*\ (COMPLETE|ABORT|FAIL)$ ]] ||
    { echo "FAIL: run lifecycle out of order: $seq" >&2; exit 1; }
done <<<"$runs"
[ "$(wc -l <<<"$runs")" -eq 3 ] || { echo "FAIL: expected 3 runs: $runs" >&2; exit 1; }

# The masked column says so; the upper-cased one does not; the filter is dataset-level.
check() {
  local got
  got=$(jq -r "$1" <(head -1 "$events"))
  [ "$got" = "$2" ] || { echo "FAIL: $1 is '$got', want '$2'" >&2; exit 1; }
}
cl='.outputs[0].facets.columnLineage'
check "$cl.fields.USERID.inputFields[0].transformations[0].masking" true
check "$cl.fields.PAGEID.inputFields[0].transformations[0].masking" false
check "$cl.dataset[0].transformations[0].subtype" FILTER
check '.inputs[0].namespace' kafka://k1:9093

if [ ! -x "$validator" ]; then
  echo "SKIP: no OpenLineage validator at $validator (lifecycle and lineage checks passed)"
  exit 0
fi
"$validator" "$events" || { echo "FAIL: events do not validate against the OpenLineage spec" >&2; exit 1; }
echo "ok: 10 events in lifecycle order, valid OpenLineage"
