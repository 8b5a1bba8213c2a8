#!/usr/bin/env bash
# Quick start, command 1: set up, build, and run the demo on the embedded broker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
exec ./build/walleye demo "$@"
