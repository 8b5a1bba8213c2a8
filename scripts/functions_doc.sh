#!/usr/bin/env bash
# Regenerates the function list of docs/functions.md (the block between the GENERATED
# FUNCTION LIST markers) from the registry: `walleye functions --markdown`. The prose
# around the block is kept. With --check nothing is written: exits 1 when the block is
# stale (the ctest integration/functions_doc runs that).
#
#   scripts/functions_doc.sh [--check] [WALLEYE]     (WALLEYE defaults to build/walleye)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = --check ]; then
  check=1
  shift
fi
walleye=${1:-$root/build/walleye}
doc=$root/docs/functions.md
begin='<!-- BEGIN GENERATED FUNCTION LIST'
end='<!-- END GENERATED FUNCTION LIST'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$walleye" functions --markdown > "$tmp/list"
if [ "$(grep -c "^$begin" "$doc")" != 1 ] || [ "$(grep -c "^$end" "$doc")" != 1 ]; then
  echo "functions_doc: $doc needs one '$begin' and one '$end' line" >&2
  exit 1
fi
awk -v list="$tmp/list" -v b="$begin" -v e="$end" '
  index($0, b) == 1 { while ((getline l < list) > 0) print l; skip = 1; next }
  index($0, e) == 1 { skip = 0; next }
  !skip { print }' "$doc" > "$tmp/doc"
if [ "$check" = 1 ]; then
  if ! diff -u "$doc" "$tmp/doc"; then
    echo "functions_doc: docs/functions.md's function list is stale; run scripts/functions_doc.sh" >&2
    exit 1
  fi
else
  cp "$tmp/doc" "$doc"
fi
