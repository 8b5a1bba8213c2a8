#!/usr/bin/env bash
# walleye explain: sub-topologies, repartition topics and schemas of a join + aggregate.
set -euo pipefail
WALLEYE=${1:?usage: explain_cli.sh PATH_TO_WALLEYE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cat >"$tmp/p.sql" <<'SQL'
CREATE STREAM clicks (ip STRING, userid INT, request STRING) WITH (kafka_topic='clicks', value_format='JSON');
CREATE TABLE users (user_id INT PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON');
CREATE STREAM click_users AS SELECT c.userid AS userid, request, name FROM clicks c JOIN users u ON c.userid = u.user_id;
CREATE TABLE per_user AS SELECT userid, COUNT(*) AS n FROM click_users GROUP BY userid;
SQL
out=$("$WALLEYE" explain "$tmp/p.sql")
grep -q '^Query CSAS_CLICK_USERS_0 (CSAS) writes CLICK_USERS to topic CLICK_USERS$' <<<"$out" || fail "CSAS header: $out"
grep -q '^Query CTAS_PER_USER_1 (CTAS) writes PER_USER to topic PER_USER$' <<<"$out" || fail "CTAS header"
grep -q 'Repartition to _confluent-ksql-default_query_CSAS_CLICK_USERS_0-Join-repartition' <<<"$out" || fail "join repartition"
grep -q 'schema: `USERID` INTEGER KEY, `REQUEST` STRING, `NAME` STRING' <<<"$out" || fail "projection schema"
grep -q 'Sink to PER_USER (key format KAFKA, value format JSON)' <<<"$out" || fail "CTAS sink"
# the CTAS reads CLICK_USERS keyed by USERID: no repartition for its GROUP BY
[ "$(grep -c 'Repartition to' <<<"$out")" = 1 ] || fail "unexpected repartition count"
# errors carry file, line and column
printf 'CREATE STREAM s (id INT KEY) WITH (kafka_topic=%s, value_format=%s);\nCREATE STREAM o AS SELECT id, nope FROM s;\n' "'s'" "'JSON'" >"$tmp/bad.sql"
if "$WALLEYE" explain "$tmp/bad.sql" 2>"$tmp/err"; then fail "bad SQL accepted"; fi
grep -q "bad.sql:2:.*: SELECT column 'NOPE' cannot be resolved." "$tmp/err" || fail "error: $(cat "$tmp/err")"
echo "ok: explain"
