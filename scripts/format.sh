#!/usr/bin/env bash
# Format walleye's C sources and headers with clang-format and the repository's
# .clang-format.
#   scripts/format.sh           rewrite the files that are not formatted
#   scripts/format.sh --check   list them, change nothing, exit 1 if there are any
# The files are the *.c and *.h that git tracks: the generated parser (lemon's output)
# lives in the build trees and is never among them. Debian's clang-format 14 is the
# reference (scripts/setup.sh installs it): another version may lay code out otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac
fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
  echo "scripts/format.sh: clang-format not found (bash scripts/setup.sh installs it)" >&2
  exit 2
fi
mapfile -d '' files < <(git ls-files -z -- '*.c' '*.h')
if ! $check; then
  printf '%s\0' "${files[@]}" | xargs -0 -r "$fmt" --style=file -i
  exit 0
fi
unformatted=0
for f in "${files[@]}"; do
  if ! "$fmt" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "$f"
    unformatted=$((unformatted + 1))
  fi
done
if [ "$unformatted" -gt 0 ]; then
  echo "scripts/format.sh: $unformatted of ${#files[@]} files are not formatted" >&2
  exit 1
fi
