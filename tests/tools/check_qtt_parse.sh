#!/usr/bin/env bash
# Checks that `walleye parse` accepts every statement of ksqlDB's QTT cases that are not
# expected to fail, and that its output is stable (parsing the printed SQL again prints
# the same text).
#   tests/tools/check_qtt_parse.sh WALLEYE [QTT_DIR]
# QTT_DIR defaults to ../shared/qtt beside the checkout, then /work/shared/qtt. When no
# QTT folder exists the check is skipped (exit 0). Placeholders such as {FORMAT} are
# replaced with JSON first. Prints "parsed N/M" and every failure with its reason; exits
# 1 when any statement fails.
set -euo pipefail
WALLEYE=${1:?usage: check_qtt_parse.sh PATH_TO_WALLEYE [QTT_DIR]}
root=$(cd "$(dirname "$0")/../.." && pwd)
qtt=${2:-}
if [ -z "$qtt" ]; then
  for d in "$root/../shared/qtt" /work/shared/qtt; do
    if [ -d "$d" ]; then qtt=$d; break; fi
  done
fi
if [ -z "$qtt" ] || ! ls "$qtt"/*.json >/dev/null 2>&1; then
  echo "skip: no QTT folder found"
  exit 0
fi
command -v jq >/dev/null || { echo "skip: jq not installed"; exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total=0 failures=0
for f in "$qtt"/*.json; do
  base=$(basename "$f")
  # All statements of the file, each after a marker line naming its case and closed by
  # an extra ';' (an empty statement is skipped), so one run parses the whole file.
  # ksqlDB reads its QTT files with comments allowed: drop whole-line // comments first.
  if ! sed -E '/^[[:space:]]*\/\//d' "$f" \
       | jq -r '.tests[]? | select(has("expectedException") | not) | .name as $n
              | .statements[]? | "-- @@ \($n)\n\(.)\n;"' \
       | sed -E 's/\{[A-Z_]+\}/JSON/g' > "$tmp/all.sql"; then
    echo "FAIL $base: not valid QTT JSON"; failures=$((failures + 1)); continue
  fi
  n=$(grep -c '^-- @@ ' "$tmp/all.sql" || true)
  total=$((total + n))
  # On an error, report the statement holding the error line, drop it and go again.
  while ! "$WALLEYE" parse "$tmp/all.sql" > "$tmp/out1.sql" 2> "$tmp/err"; do
    line=$(sed -nE 's/^[^:]*:([0-9]+):.*/\1/p' "$tmp/err" | head -1)
    [ -n "$line" ] || { echo "FAIL $base: $(cat "$tmp/err")"; failures=$((failures + n)); continue 2; }
    awk -v L="$line" -v msg="$(sed "s|^$tmp/all.sql|line|" "$tmp/err")" -v file="$base" '
      /^-- @@ / { if (NR <= L) { start = NR; name = substr($0, 7) } }
      { lines[NR] = $0 }
      END {
        stop = NR
        for (i = start + 1; i <= NR; i++) if (lines[i] ~ /^-- @@ /) { stop = i - 1; break }
        printf "FAIL %s [%s]: %s\n    ", file, name, msg > "/dev/stderr"
        for (i = start + 1; i <= stop; i++) printf "%s ", lines[i] > "/dev/stderr"
        printf "\n" > "/dev/stderr"
        for (i = 1; i <= NR; i++) if (i < start || i > stop) print lines[i] > (FILENAME ".next")
      }' "$tmp/all.sql" 2>&1
    failures=$((failures + 1))
    touch "$tmp/all.sql.next"
    mv "$tmp/all.sql.next" "$tmp/all.sql"
  done
  if ! "$WALLEYE" parse "$tmp/out1.sql" > "$tmp/out2.sql" 2> "$tmp/err" ||
     ! cmp -s "$tmp/out1.sql" "$tmp/out2.sql"; then
    echo "FAIL $base: printed SQL does not round-trip: $(cat "$tmp/err")"
    diff "$tmp/out1.sql" "$tmp/out2.sql" | head -6 || true
    failures=$((failures + 1))
  fi
done
echo "parsed $((total - failures))/$total QTT statements ($failures failures)"
[ "$failures" -eq 0 ]
