#!/usr/bin/env bash
# docs/configuration.md is generated from the key list; it must be current.
set -euo pipefail
WALLEYE=${1:?usage: config_docs.sh PATH_TO_WALLEYE}
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! diff -u "$root/docs/configuration.md" <("$WALLEYE" config --markdown); then
  echo "FAIL: docs/configuration.md is stale: run 'walleye config --markdown > docs/configuration.md'" >&2
  exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf 'ksql.service.id=x\nnum.stream.threads=two\n' >"$tmp"
if "$WALLEYE" config --check "$tmp" 2>"$tmp.err"; then echo "FAIL: bad config accepted" >&2; exit 1; fi
grep -q ":2: config key 'num.stream.threads' wants a non-negative integer" "$tmp.err" ||
  { echo "FAIL: message: $(cat "$tmp.err")" >&2; exit 1; }
rm -f "$tmp.err"
echo "ok: config docs current, bad config refused"
