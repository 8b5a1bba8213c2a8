#!/usr/bin/env bash
# `walleye registry` speaks Confluent's REST API to a real HTTP client (curl): basic auth,
# register, fetch by id, versions, lookup, compatibility checks and levels (/config),
# delete, the 40401/40402/40403/409/42201/42203 error bodies; its first stdout line is its
# URL and SIGTERM stops it cleanly.
set -euo pipefail
WALLEYE=${1:?usage: avro_registry_server.sh path/to/walleye}
out=$(mktemp)
"$WALLEYE" registry --listeners http://127.0.0.1:0 --basic-auth u:p >"$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
sr=$(head -1 "$out")
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ "$sr" == http://127.0.0.1:* ]] || fail "no URL on stdout: '$sr'"
ct="Content-Type: application/vnd.schemaregistry.v1+json"
v1='{"schema":"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"}'
v2='{"schema":"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}"}'
bad='{"schema":"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}"}'
get() { curl -s -u u:p "$sr$1"; }
send() { curl -s -u u:p -X "$1" -H "$ct" -d "$3" "$sr$2"; }

[ "$(curl -s -o /dev/null -w '%{http_code}' "$sr/schemas/ids/1")" = 401 ] || fail "no auth accepted"
got=$(send POST /subjects/clicks-value/versions "$v1"); [ "$got" = '{"id":1}' ] || fail "register: $got"
got=$(get /schemas/ids/1)
echo "$got" | grep -q '"schema":"{\\"type\\":\\"record\\"' || fail "by id: $got"
got=$(send POST /subjects/clicks-value/versions "$v2"); [ "$got" = '{"id":2}' ] || fail "promotion: $got"
got=$(get /subjects/clicks-value/versions); [ "$got" = '[1,2]' ] || fail "versions: $got"
got=$(get /subjects/clicks-value/versions/latest)
echo "$got" | grep -q '"version":2' || fail "latest: $got"
got=$(get /subjects/clicks-value/versions/1); echo "$got" | grep -q '"id":1' || fail "version 1: $got"
got=$(get /subjects/clicks-value/versions/5); echo "$got" | grep -q '"error_code":40402' || fail "no version 5: $got"
got=$(get /subjects/nope/versions); echo "$got" | grep -q '"error_code":40401' || fail "no subject: $got"
got=$(send POST /subjects/clicks-value "$v1"); echo "$got" | grep -q '"version":1' || fail "lookup: $got"
got=$(send POST "/compatibility/subjects/clicks-value/versions/latest?verbose=true" "$bad")
echo "$got" | grep -q '"is_compatible":false' || fail "compatibility: $got"
echo "$got" | grep -q "field 'a'" || fail "compatibility messages: $got"
[ "$(curl -s -o /dev/null -w '%{http_code}' -u u:p -H "$ct" -d "$bad" "$sr/subjects/clicks-value/versions")" = 409 ] \
  || fail "incompatible schema accepted"
got=$(send POST /subjects/clicks-value/versions '{"schema":"{\"type\":"}')
echo "$got" | grep -q '"error_code":42201' || fail "invalid schema: $got"
got=$(get /schemas/ids/42); echo "$got" | grep -q '"error_code":40403' || fail "unknown id: $got"
# levels: the subject's NONE lets the incompatible schema in; a bad level is 42203
got=$(get /config); [ "$got" = '{"compatibilityLevel":"BACKWARD"}' ] || fail "global level: $got"
got=$(send PUT /config/clicks-value '{"compatibility":"NONE"}'); [ "$got" = '{"compatibility":"NONE"}' ] || fail "set: $got"
got=$(get /config/clicks-value); [ "$got" = '{"compatibilityLevel":"NONE"}' ] || fail "subject level: $got"
got=$(send POST /subjects/clicks-value/versions "$bad"); [ "$got" = '{"id":3}' ] || fail "NONE: $got"
got=$(send PUT /config '{"compatibility":"SIDEWAYS"}'); echo "$got" | grep -q '"error_code":42203' || fail "bad level: $got"
got=$(curl -s -u u:p -X DELETE "$sr/subjects/clicks-value"); [ "$got" = '[1,2,3]' ] || fail "delete: $got"
got=$(get /subjects); [ "$got" = '[]' ] || fail "subjects after delete: $got"
kill "$pid"; wait "$pid" || fail "registry exited with $?"
# a bad level is a usage error
set +e; "$WALLEYE" registry --compatibility SIDEWAYS >/dev/null 2>&1; rc=$?; set -e
[ "$rc" = 2 ] || fail "bad --compatibility: exit $rc"
echo "ok"
