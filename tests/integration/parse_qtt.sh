#!/usr/bin/env bash
# Every statement of ksqlDB's QTT cases (those not expecting an error) parses and its
# normalized SQL round-trips. Skips when the shared QTT folder is absent.
set -euo pipefail
WALLEYE=${1:?usage: parse_qtt.sh PATH_TO_WALLEYE}
exec bash "$(dirname "$0")/../tools/check_qtt_parse.sh" "$WALLEYE"
