#!/usr/bin/env bash
# `walleye broker` is a real Kafka peer: kcat (a real client) lists its topics,
# produces to it and consumes back what it produced. Bounded: 20 records, 60 s.
set -euo pipefail
WALLEYE=${1:?usage: broker_kcat.sh PATH_TO_WALLEYE}
work=$(mktemp -d)
broker_pid=
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$WALLEYE" broker --brokers 3 --topic orders:3 --topic users:2 >"$work/out" 2>"$work/err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.1; done
bootstrap=$(head -n1 "$work/out")
[[ "$bootstrap" =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+){2}$ ]] ||
  fail "first line is not a 3-broker bootstrap list: '$bootstrap'"

# Pre-created topics have the partition counts asked for.
meta=$(timeout 20 kcat -b "$bootstrap" -L -J)
orders_parts=$(echo "$meta" | jq '[.topics[] | select(.topic=="orders") | .partitions[]] | length')
users_parts=$(echo "$meta" | jq '[.topics[] | select(.topic=="users") | .partitions[]] | length')
[ "$orders_parts" = 3 ] || fail "orders has $orders_parts partitions, want 3"
[ "$users_parts" = 2 ] || fail "users has $users_parts partitions, want 2"

# Produce 20 keyed records, consume them all back.
for i in $(seq 1 20); do echo "k$((i % 5)):{\"n\":$i}"; done >"$work/in"
timeout 20 kcat -b "$bootstrap" -P -t orders -K: -l "$work/in"
timeout 20 kcat -b "$bootstrap" -C -t orders -o beginning -e -q -f '%k:%s\n' >"$work/got"
[ "$(wc -l <"$work/got")" = 20 ] || fail "consumed $(wc -l <"$work/got") records, want 20"
diff <(sort "$work/in") <(sort "$work/got") || fail "consumed records differ from produced ones"

# Records with one key land in one partition (the default partitioner, as Kafka).
parts_for_k1=$(timeout 20 kcat -b "$bootstrap" -C -t orders -o beginning -e -q -f '%k %p\n' |
  awk '$1=="k1"{print $2}' | sort -u | wc -l)
[ "$parts_for_k1" = 1 ] || fail "key k1 spread over $parts_for_k1 partitions"

# An unknown topic is auto-created with the mock's 4 partitions on first use.
echo "x" | timeout 20 kcat -b "$bootstrap" -P -t autocreated
auto_parts=$(timeout 20 kcat -b "$bootstrap" -L -t autocreated -J | jq '.topics[0].partitions | length')
[ "$auto_parts" = 4 ] || fail "auto-created topic has $auto_parts partitions, want 4"

# SIGTERM stops it cleanly and promptly.
kill -TERM "$broker_pid"
for _ in $(seq 50); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$broker_pid" 2>/dev/null; then fail "broker still running 5 s after SIGTERM"; fi
wait "$broker_pid" && rc=0 || rc=$?
broker_pid=
[ "$rc" = 0 ] || fail "broker exited with $rc after SIGTERM"
echo "ok: broker + kcat round trip (20 records, 3 brokers)"
