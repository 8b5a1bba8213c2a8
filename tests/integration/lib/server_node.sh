# Sourced by tests/integration/server_*.sh: a scratch folder, one walleye server at a time.
#   start_server CONFIG  — start `walleye server --config CONFIG`, wait for its URL in $URL
#   stop_server          — SIGTERM, and fail unless it exits cleanly
#   fail MESSAGE         — print the message and the server's last log lines, exit 1
# $WALLEYE must be set; everything started is stopped and $work removed on exit.
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/server.err" ] && tail -20 "$work/server.err" >&2; exit 1; }

start_server() {
  : >"$work/server.out"
  "$WALLEYE" server --config "$1" >"$work/server.out" 2>>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/server.out" ] && break; sleep 0.05; done
  URL=$(head -1 "$work/server.out")
  [[ "$URL" == http*://127.0.0.1:* ]] || fail "server did not print its URL: '$URL'"
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" || fail "server exited with $?"
  server_pid=
}
