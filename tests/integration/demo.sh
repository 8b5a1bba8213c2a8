#!/usr/bin/env bash
# `walleye demo` (the quick start's first command): the book's pipeline on the embedded
# broker prints enriched records with masked phone numbers and the lineage graph.
set -euo pipefail
WALLEYE=${1:?usage: demo.sh PATH_TO_WALLEYE}
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$(timeout 90 "$WALLEYE" demo 2>&1) || fail "exit $?: $out"
grep -q '^Demo finished.$' <<<"$out" || fail "not finished: $out"
[ "$(grep -c '^  USERID=' <<<"$out")" -ge 1 ] || fail "no data product record"
# every sampled phone keeps at most its last four digits
grep '^  USERID=' <<<"$out" | grep -o '"PHONE":"[^"]*"' | while read -r p; do
  digits=$(tr -cd '0-9' <<<"$p")
  [ "${#digits}" -le 4 ] || fail "phone not masked: $p"
done
grep -q 'PHONE        <- CLICK_USERS.PHONE (transformation, masked)' <<<"$out" || fail "lineage of PHONE"
grep -q 'CLICKSTREAM + USERS_MATERIALIZED_VIEW -> \[CSAS_CLICK_USERS_1\] -> CLICK_USERS' <<<"$out" || fail "lineage graph"
ls -d /tmp/walleye-demo-* >/dev/null 2>&1 && fail "state directory left behind"
echo "ok: demo"
