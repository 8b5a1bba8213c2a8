#!/usr/bin/env bash
# Configure and build one flavour of walleye, warnings as errors (WY_WERROR=ON).
#   scripts/build.sh [release|release-o3|asan|fuzz]   (default: release)
# Build trees: build/ (release: -O2 with debug info), build-o3/ (CMake's Release, -O3),
# build-asan/ (ASan+UBSan), build-fuzz/ (clang, libFuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
case "$flavour" in
  release)    dir=build; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  release-o3) dir=build-o3; args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan)       dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Asan) ;;
  fuzz)       dir=build-fuzz; args=(-DCMAKE_BUILD_TYPE=Asan -DWY_FUZZ=ON -DCMAKE_C_COMPILER=clang
                                    "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link") ;;
  *) echo "usage: scripts/build.sh [release|release-o3|asan|fuzz]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -DWY_WERROR=ON "${args[@]}" >/dev/null
cmake --build "$dir" -j "$jobs" >/dev/null
echo "$dir"
