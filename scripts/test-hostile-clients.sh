#!/usr/bin/env bash
# Hostile HTTP/2 clients (scripts/hostile-clients.py: raw frames through PyPI h2) against real
# seedrl servers on 127.0.0.1, one fresh server per case, started with the flags the case needs.
# Every case states what the server must do (its `expected` checks: a status, a GOAWAY, a bound
# on VmRSS growth, a freed slot...), and after every case the server must still be running and
# serve a well-behaved grpcio client (GetSpec, one Act exchange, GetStats).
# Prints one JSON line per case, a table, then `hostile-clients: passed`, or each failed check
# and exit 1. Installs h2 and grpcio into .build/hostile-venv. Takes about a minute (2 cores).
# Usage: scripts/test-hostile-clients.sh [SEEDRL_BINARY] [CASE...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
shift || true
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(te-big-headers header-64k many-headers garbage-after-preface truncated-message
                                 unauth-big-unary rapid-reset ping-flood zero-window many-streams
                                 idle-streams-memory idle-connections idle-timeout connection-flood)

venv="$root/.build/hostile-venv"
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
. "$root/scripts/python-pins.sh"
pinned "$venv" h2 grpcio

tmp="$(mktemp -d /tmp/seedrl-hostile-XXXXXX)"
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/token"

# start_server LOG [WRAPPER...] -- [SERVER ARGS...]: sets $server (pid) and $port from the
# startup line ("seedrl server: ... on 127.0.0.1:PORT"); returns 1 if it does not come up.
start_server() {
  local log="$1"; shift
  local wrapper=()
  while [ "$1" != "--" ]; do wrapper+=("$1"); shift; done; shift
  "${wrapper[@]}" "$seedrl" server --host 127.0.0.1 --port 0 --quiet --log-level error "$@" >"$log" 2>&1 &
  server=$!
  port=""
  for _ in $(seq 100); do
    port=$(grep -so 'seedrl server: .* on 127\.0\.0\.1:[0-9]*' "$log" | head -1 | sed 's/.*://' || true)
    [ -n "$port" ] && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}

# failed_line CASE REASON: the JSON line of a case that could not run.
failed_line() {
  "$venv/bin/python3" -c 'import json, sys; print(json.dumps({"case": sys.argv[1], "passed": False,
    "checks": [{"expect": "the case runs", "ok": False, "got": sys.argv[2]}], "answer": {}}))' "$1" "$2"
}

started=$SECONDS
failed=()
for case in "${cases[@]}"; do
  wrapper=() client=()
  server_args=(--env cartpole --no-train)
  case "$case" in
    unauth-big-unary) server_args+=(--token-file "$tmp/token"); client=(--token-file "$tmp/token") ;;
    # The stuck stream must be ended after 1 s without a Step, and cancelled 2 s later.
    zero-window) server_args+=(--stream-idle-seconds 1) ;;
    idle-timeout) server_args+=(--max-connection-idle-seconds 3) ;;
    # A training server (no --no-train) with 84x84x4 uint8 frames: unroll storage is real memory.
    idle-streams-memory) server_args=(--env synthetic-frames) ;;
    # One file descriptor short of the flood: does the listener come back after EMFILE?
    connection-flood) wrapper=(prlimit --nofile=256:256) ;;
  esac
  log="$tmp/server-$case.log"
  status=0
  if start_server "$log" "${wrapper[@]}" -- "${server_args[@]}"; then
    line=$(timeout 90 "$venv/bin/python3" "$root/scripts/hostile-clients.py" --target "127.0.0.1:$port" \
      --case "$case" --pid "$server" --server-log "$log" "${client[@]}") || status=$?
    [ -n "$line" ] || line=$(failed_line "$case" "hostile-clients.py exited $status without a result")
  else
    status=1
    line=$(failed_line "$case" "the server did not start: $(tail -3 "$log" | tr '\n' ' ')")
  fi
  echo "$line"
  echo "$line" >> "$tmp/results.jsonl"
  if [ "$status" != 0 ]; then
    failed+=("$case")
    echo "hostile-clients: $case FAILED; server log:"; tail -5 "$log" | sed 's/^/  /'
  fi
  stop_server
done

# One row per case, then each failed check: what was expected, what happened.
"$venv/bin/python3" - "$tmp/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"{'case':<22} {'passed':<6} {'rss KiB before/peak/after':<26} attacker got")
for r in rows:
    a = r["answer"]
    got = [f"{k}={v}" for k, v in a.items() if k in ("grpc_status", "rst_stream", "server_violations")]
    got += [f"goaway={sorted({g['code'] + ('/' + g['debug'] if g['debug'] else '') for g in a['goaway']})}"] if "goaway" in a else []
    got += [f"{k}={a[k]}" for k in ("data_bytes", "closed_by_server") if k in a]
    rss = "/".join(str(r.get(k, "-")) for k in ("rss_kib_before", "rss_kib_peak", "rss_kib_after"))
    print(f"{r['case']:<22} {str(r['passed']):<6} {rss:<26} {'; '.join(got) or a.get('frames', '-')}")
    notes = [f"{k}={r[k]}" for k in ("kib_per_idle_connection", "kib_per_silent_stream", "slot_freed_after_s",
                                     "served_after_s", "listener_restart_logged", "connection_closed",
                                     "last_closed_after_s") if k in r]
    notes += [f"upload completed={r['sent']['completed']} ({r['sent']['bytes_sent']} bytes)"] \
        if isinstance(r.get("sent"), dict) and "completed" in r["sent"] else []
    if notes:
        print(f"    {', '.join(notes)}")
    for check in r["checks"]:
        if check["expect"] not in ("the server is alive", "a healthy client is served after the attack") or not check["ok"]:
            print(f"    {'ok  ' if check['ok'] else 'FAIL'} {check['expect']}: {check['got']}")
PY

echo "hostile-clients: $((SECONDS - started)) s for ${#cases[@]} cases"
if [ ${#failed[@]} -gt 0 ]; then
  echo "hostile-clients: FAILED: ${failed[*]}"
  exit 1
fi
echo "hostile-clients: passed"
