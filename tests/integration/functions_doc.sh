#!/usr/bin/env bash
# docs/functions.md's generated function list matches the registry, and the generator
# covers every function (each name of `walleye functions` has its row).
set -euo pipefail
WALLEYE=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
bash "$root/scripts/functions_doc.sh" --check "$WALLEYE" || fail "docs/functions.md is stale"
md=$("$WALLEYE" functions --markdown)
count=$(printf '%s\n' "$md" | grep -c '^| [A-Z_0-9]* | ')
want=$(printf '%s\n' "$md" | sed -n 's/^\([0-9]*\) functions\..*/\1/p')
[ -n "$want" ] && [ "$count" = "$want" ] || fail "$count function rows, the header says $want"
printf '%s\n' "$md" | grep -q '^| SUBSTRING | SCALAR | STRING | `substring(STRING str, INTEGER pos)` | `STRING` | ' ||
  fail "SUBSTRING row: $(printf '%s\n' "$md" | grep '^| SUBSTRING')"
printf '%s\n' "$md" | grep -q '^| COUNT | AGGREGATE | ' || fail "COUNT is not listed as an aggregate"
rc=0; "$WALLEYE" functions --bogus > /dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || fail "bad option: exit $rc"
echo "functions_doc: ok"
