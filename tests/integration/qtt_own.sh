#!/usr/bin/env bash
# The project's own QTT-format cases (tests/qtt/*.json) all pass on the engine.
set -euo pipefail
WALLEYE=${1:?usage: qtt_own.sh PATH_TO_WALLEYE}
root=$(cd "$(dirname "$0")/../.." && pwd)
# The UDF sample libraries are built beside the binary (build/udf/lib).
udf_dir=$(dirname "$WALLEYE")/udf/lib
export WALLEYE_TOKENIZE_KEY=${WALLEYE_TOKENIZE_KEY:-qtt-own-cases-tokenize-key}
out=$("$WALLEYE" test --udf-dir "$udf_dir" "$root"/tests/qtt/*.json) && rc=0 || rc=$?
echo "$out" | tail -20
last=$(echo "$out" | tail -1)
[[ "$last" =~ ^([0-9]+)\ passed,\ 0\ failed ]] || { echo "FAIL: own QTT cases: $last (exit $rc)" >&2; exit 1; }
[ "${BASH_REMATCH[1]}" -gt 0 ] || { echo "FAIL: no case ran" >&2; exit 1; }
[ "$rc" = 0 ] || { echo "FAIL: walleye test exited $rc" >&2; exit 1; }
