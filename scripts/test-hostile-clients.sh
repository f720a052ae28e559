#!/usr/bin/env bash
# Hostile HTTP/2 clients (scripts/hostile-clients.py: raw frames through PyPI h2) against real
# seedrl servers on 127.0.0.1, one fresh server per case. After every case the server must still
# be running and must serve a well-behaved grpcio client (GetSpec, one Act exchange, GetStats).
# Prints one JSON line per case, then `hostile-clients: passed`, or what failed and exit 1.
# Installs h2 and grpcio into .build/hostile-venv. Takes about two minutes.
# Usage: scripts/test-hostile-clients.sh [SEEDRL_BINARY] [CASE...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
shift || true
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(te-big-headers header-64k many-headers rapid-reset ping-flood zero-window
                                 idle-connections garbage-after-preface truncated-message unauth-big-unary
                                 connection-flood)

venv="$root/.build/hostile-venv"
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
"$venv/bin/python3" -c "import h2, grpc" 2>/dev/null \
  || "$venv/bin/python3" -m pip install -q --disable-pip-version-check h2 grpcio

tmp="$(mktemp -d /tmp/seedrl-hostile-XXXXXX)"
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/token"

# start_server LOG [WRAPPER...] -- [SERVER FLAGS...]: sets $server (pid) and $port.
start_server() {
  local log="$1"; shift
  local wrapper=()
  while [ "$1" != "--" ]; do wrapper+=("$1"); shift; done; shift
  "${wrapper[@]}" "$seedrl" server --env cartpole --host 127.0.0.1 --port 0 --no-train --quiet \
    --log-level error "$@" >"$log" 2>&1 &
  server=$!
  port=""
  for _ in $(seq 100); do
    port=$(grep -o 'on 127\.0\.0\.1:[0-9]*' "$log" | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:"; tail -5 "$log"; exit 1
}

stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}

failed=()
for case in "${cases[@]}"; do
  wrapper=() flags=() client=()
  case "$case" in
    # One file descriptor short of the flood: does the listener come back after EMFILE?
    connection-flood) wrapper=(prlimit --nofile=256:256) ;;
    unauth-big-unary) flags=(--token-file "$tmp/token"); client=(--token-file "$tmp/token") ;;
  esac
  log="$tmp/server-$case.log"
  start_server "$log" "${wrapper[@]}" -- "${flags[@]}"
  status=0
  line=$(timeout 90 "$venv/bin/python3" "$root/scripts/hostile-clients.py" --target "127.0.0.1:$port" \
    --case "$case" --pid "$server" "${client[@]}") || status=$?
  echo "$line"
  [ -z "$line" ] || echo "$line" >> "$tmp/results.jsonl"
  if [ "$status" != 0 ]; then
    failed+=("$case")
    echo "hostile-clients: $case FAILED (exit $status); server log:"; tail -5 "$log" | sed 's/^/  /'
  fi
  stop_server
done

# One row per case: alive, served, VmRSS (KiB) before / peak / after / 3 s later, what the attacker got.
[ ! -s "$tmp/results.jsonl" ] || "$venv/bin/python3" - "$tmp/results.jsonl" <<'PY'
import json, sys
print(f"{'case':<22} {'alive':<5} {'served':<6} {'rss before/peak/after/3s KiB':<30} attacker got")
for line in open(sys.argv[1]):
    r = json.loads(line)
    a = r["answer"]
    got = [f"{k}={v}" for k, v in a.items() if k in ("grpc_status", "rst_stream", "goaway", "server_violations")]
    got += [f"{k}={a[k]}" for k in ("data_bytes", "closed_by_server") if k in a]
    got += [f"grpc_message={a['grpc_message'][:2]}"] if "grpc_message" in a else []
    rss = "/".join(str(r[k]) for k in ("rss_kib_before", "rss_kib_peak", "rss_kib_after", "rss_kib_after_3s"))
    print(f"{r['case']:<22} {str(r['server_alive']):<5} {str(r['healthy_served']):<6} {rss:<30} {'; '.join(got) or a.get('frames')}")
PY

if [ ${#failed[@]} -gt 0 ]; then
  echo "hostile-clients: FAILED: ${failed[*]}"
  exit 1
fi
echo "hostile-clients: passed"
