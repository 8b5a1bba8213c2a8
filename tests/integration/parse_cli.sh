#!/usr/bin/env bash
# walleye parse: normalized output, exit codes, error positions, --define.
set -euo pipefail
WALLEYE=${1:?usage: parse_cli.sh PATH_TO_WALLEYE}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/ok.sql" <<'SQL'
-- a comment
define fmt = 'JSON';
create stream clicks (user_id varchar key, `Url` string) with (kafka_topic='clicks', value_format='${fmt}');
/* block
   comment */ select user_id, count(*) as n from clicks group by user_id emit changes
SQL
out=$("$WALLEYE" parse "$tmp/ok.sql") || fail "valid file rejected"
want="DEFINE FMT = 'JSON';
CREATE STREAM CLICKS (USER_ID STRING KEY, \`Url\` STRING) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
SELECT USER_ID, COUNT(*) AS N FROM CLICKS GROUP BY USER_ID EMIT CHANGES;"
[ "$out" = "$want" ] || fail "unexpected output:
$out"

# The printed SQL parses back to the same text.
"$WALLEYE" parse "$tmp/ok.sql" > "$tmp/once.sql"
again=$("$WALLEYE" parse "$tmp/once.sql") || fail "normalized output does not parse"
[ "$again" = "$out" ] || fail "normalized output is not stable"

# --define supplies variables; unknown ones stay as written.
printf "CREATE STREAM s (a INT) WITH (kafka_topic='\${topic}');\nSELECT * FROM \${other};\n" > "$tmp/vars.sql"
out=$("$WALLEYE" parse --define topic=orders "$tmp/vars.sql") || fail "--define file rejected"
[[ "$out" == *"KAFKA_TOPIC='orders'"* ]] || fail "--define not substituted: $out"
[[ "$out" == *'FROM ${other}'* ]] || fail "unknown variable not kept: $out"

# Syntax errors: FILE:LINE:COL: message on stderr, exit 1, nothing on stdout.
printf "SHOW STREAMS;\nSELECT a,\n  FROM t;\n" > "$tmp/bad.sql"
rc=0
"$WALLEYE" parse "$tmp/bad.sql" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "syntax error exit $rc, want 1"
grep -q "^$tmp/bad.sql:3:3: Syntax Error$" "$tmp/err" &&
  grep -q "^extraneous input 'FROM' expecting {'(', " "$tmp/err" ||
  fail "error message: $(cat "$tmp/err")"

# Usage errors exit 2.
rc=0; "$WALLEYE" parse > /dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || fail "no file: exit $rc"
rc=0; "$WALLEYE" parse --bogus x.sql > /dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || fail "bad option: exit $rc"
rc=0; "$WALLEYE" parse --define novalue "$tmp/ok.sql" > /dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "bad --define: exit $rc"
rc=0; "$WALLEYE" parse "$tmp/missing.sql" > /dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "missing file: exit $rc"
"$WALLEYE" --help | grep -q "^  parse " || fail "--help does not list parse"
echo "ok: parse cli"
