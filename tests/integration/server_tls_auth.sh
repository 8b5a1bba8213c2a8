#!/usr/bin/env bash
# walleye server with an https:// listener and basic auth: the CLI and curl get in with
# the CA and the credentials, and are refused without them.
set -euo pipefail
WALLEYE=${1:?usage: server_tls_auth.sh path/to/walleye}
command -v openssl >/dev/null || { echo "server_tls_auth: openssl missing, skipped"; exit 0; }
source "$(dirname "$0")/lib/server_node.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null || fail "openssl"
cat >"$work/node.properties" <<EOF
listeners=https://127.0.0.1:0
server.tls.cert.file=$work/cert.pem
server.tls.key.file=$work/key.pem
server.auth.basic=ops:s3cret
EOF
start_server "$work/node.properties"
[[ "$URL" == https://127.0.0.1:* ]] || fail "server did not print an https URL: '$URL'"

"$WALLEYE" udf list --server "$URL" --cacert "$work/cert.pem" --user ops:s3cret | grep -Eq "^UCASE +SCALAR" ||
  fail "udf list over https with credentials"
set +e
"$WALLEYE" udf list --server "$URL" --cacert "$work/cert.pem" 2>"$work/noauth.err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "no credentials should fail with 1, got $rc"
grep -q "Unauthorized" "$work/noauth.err" || fail "$(cat "$work/noauth.err")"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/cert.pem" -u ops:wrong "$URL/info")
[ "$code" = 401 ] || fail "wrong password gave $code"
curl -sf --cacert "$work/cert.pem" -u ops:s3cret "$URL/info" | jq -e '.KsqlServerInfo.version' >/dev/null || fail "/info"
curl -s -o /dev/null "http://${URL#https://}/info" && fail "plain http must not be served on the https listener"

# an https listener without a certificate refuses to start
printf 'listeners=https://127.0.0.1:0\n' >"$work/bad.properties"
set +e
"$WALLEYE" server --config "$work/bad.properties" >/dev/null 2>"$work/bad.err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "https without a certificate should fail, got $rc"
grep -q "server.tls.cert.file" "$work/bad.err" || fail "$(cat "$work/bad.err")"
echo "server_tls_auth: ok"
