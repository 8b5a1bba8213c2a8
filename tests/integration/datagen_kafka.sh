#!/usr/bin/env bash
# `walleye datagen` produces to a real Kafka peer (`walleye broker`): kcat counts and
# reads back exactly the records asked for, keyed as asked, identical to what --stdout
# prints for the same seed. Bounded: a few hundred records, 60 s.
set -euo pipefail
WALLEYE=${1:?usage: datagen_kafka.sh PATH_TO_WALLEYE}
work=$(mktemp -d)
broker_pid=
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
deadline=$((SECONDS + 60))
left() { local l=$((deadline - SECONDS)); [ "$l" -gt 0 ] || fail "over the 60 s budget"; echo "$l"; }

"$WALLEYE" broker --topic clicks:3 --topic users:2 >"$work/out" 2>"$work/err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.1; done
bootstrap=$(head -n1 "$work/out")
[ -n "$bootstrap" ] || fail "broker printed no bootstrap address"

# Clickstream: 300 records at 2000/s, JSON keys.
timeout "$(left)" "$WALLEYE" datagen --bootstrap-servers "$bootstrap" --kind clickstream \
  --topic clicks --count 300 --rate 2000 --seed 5 --users 40 2>"$work/gen.err" ||
  fail "datagen clickstream exited $?: $(cat "$work/gen.err")"
grep -q 'delivered=300 failed=0' "$work/gen.err" || fail "no delivery summary: $(cat "$work/gen.err")"
timeout "$(left)" kcat -b "$bootstrap" -C -t clicks -o beginning -e -q -f '%k\t%s\n' >"$work/clicks"
[ "$(wc -l <"$work/clicks")" = 300 ] || fail "consumed $(wc -l <"$work/clicks") clicks, want 300"
# Each value is a clickstream event whose userid is the key.
bad=$(cut -f2 "$work/clicks" | jq -c 'select((keys | length) != 10 or (.userid | type) != "number"
  or .userid < 1 or .userid > 40 or (.status | type) != "string")' | wc -l)
[ "$bad" = 0 ] || fail "$bad clickstream values have the wrong shape"
mism=$(jq -Rr 'split("\t") | select((.[1] | fromjson | .userid | tostring) != .[0])' "$work/clicks" | wc -l)
[ "$mism" = 0 ] || fail "$mism clicks keyed by something other than their userid"
# Same records as --stdout prints for the seed (order differs across partitions).
"$WALLEYE" datagen --stdout --kind clickstream --count 300 --seed 5 --users 40 2>/dev/null >"$work/expect"
diff <(sort "$work/clicks") <(sort "$work/expect") >/dev/null || fail "Kafka records differ from --stdout's"

# Users CDC with KAFKA-int keys: 200 records; every key is 4 bytes.
timeout "$(left)" "$WALLEYE" datagen -b "$bootstrap" -k users -t users -n 200 --users 25 \
  --key kafka-int 2>"$work/gen.err" || fail "datagen users exited $?: $(cat "$work/gen.err")"
timeout "$(left)" kcat -b "$bootstrap" -C -t users -o beginning -e -q -f '%K\t%s\n' >"$work/users"
[ "$(wc -l <"$work/users")" = 200 ] || fail "consumed $(wc -l <"$work/users") users, want 200"
[ "$(cut -f1 "$work/users" | sort -u)" = 4 ] || fail "users keys are not all 4 bytes"
creates=$(cut -f2 "$work/users" | jq -r 'select(.op == "c" and .before == null) | .after.userid' | sort -un | wc -l)
[ "$creates" = 25 ] || fail "$creates distinct users created, want 25"

# An unreachable cluster makes datagen fail (exit 1) rather than claim success.
rc=0
timeout "$(left)" "$WALLEYE" datagen -b 127.0.0.1:1 -k products -t p -n 3 \
  -X kafka.message.timeout.ms=1500 2>"$work/gen.err" || rc=$?
[ "$rc" = 1 ] || fail "datagen to a dead cluster exited $rc, want 1"
grep -q 'failed=3' "$work/gen.err" || fail "no failure count: $(cat "$work/gen.err")"
echo "ok: datagen to walleye broker (300 clicks, 200 users; failure exit)"
