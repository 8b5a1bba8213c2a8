#!/usr/bin/env bash
# The test Schema Registry server speaks the Confluent REST subset to a real HTTP client
# (curl): register, fetch by id, latest, compatibility, 404/409/401 error bodies.
set -euo pipefail
server="$(dirname "$1")/registry_server"
[ -x "$server" ] || { echo "missing $server" >&2; exit 1; }
fifo=$(mktemp -u); mkfifo "$fifo"
out=$(mktemp)
"$server" 0 "u:p" <"$fifo" >"$out" &
pid=$!
exec 3>"$fifo"
trap 'exec 3>&-; wait $pid 2>/dev/null || true; rm -f "$fifo" "$out"' EXIT
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
port=$(head -1 "$out")
sr="http://127.0.0.1:$port"
ct="Content-Type: application/vnd.schemaregistry.v1+json"
v1='{"schema":"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"}'
bad='{"schema":"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}"}'
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(curl -s -o /dev/null -w '%{http_code}' "$sr/schemas/ids/1")" = 401 ] || fail "no auth accepted"
got=$(curl -s -u u:p -H "$ct" -d "$v1" "$sr/subjects/clicks-value/versions")
[ "$got" = '{"id":1}' ] || fail "register: $got"
got=$(curl -s -u u:p "$sr/schemas/ids/1")
echo "$got" | grep -q '"schema":"{\\"type\\":\\"record\\"' || fail "by id: $got"
got=$(curl -s -u u:p "$sr/subjects/clicks-value/versions/latest")
echo "$got" | grep -q '"id":1' || fail "latest: $got"
got=$(curl -s -u u:p -H "$ct" -d "$bad" "$sr/compatibility/subjects/clicks-value/versions/latest")
[ "$got" = '{"is_compatible":false}' ] || fail "compatibility: $got"
[ "$(curl -s -o /dev/null -w '%{http_code}' -u u:p -H "$ct" -d "$bad" "$sr/subjects/clicks-value/versions")" = 409 ] \
  || fail "incompatible schema accepted"
got=$(curl -s -u u:p "$sr/schemas/ids/42")
echo "$got" | grep -q '"error_code":40403' || fail "unknown id: $got"
echo "ok"
