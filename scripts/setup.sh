#!/usr/bin/env bash
# Install walleye's build and test dependencies from Debian's packages.
# Runs `apt-get update` only when something is missing; quick when all is installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
  librdkafka-dev librocksdb-dev libavro-dev libjansson-dev libcmocka-dev lemon
  libcurl4-openssl-dev libsodium-dev libmicrohttpd-dev libpcre2-dev libicu-dev tzdata
  kcat jq procps curl openssl
  python3 python3-jsonschema
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
