#!/usr/bin/env bash
# gRPC health checking and server reflection on the learner's port, checked with the
# official Python clients (scripts/check-health-reflection.py) against a training server
# that has a token: probes need none, reflection and the Learner do; Watch sees the stop.
# Usage: scripts/test-health-reflection.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
pinned "$venv" grpcio-health-checking grpcio-reflection
work="$(mktemp -d /tmp/seedrl-health-XXXXXX)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
token="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SEEDRL_TOKEN="$token" "$seedrl" server --env cartpole --port "$port" --logdir "$work/run" --log-level error --status-seconds 1000 >/dev/null &
server=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
# The token reaches the checker through its environment, not its command line.
SEEDRL_TOKEN="$token" "$venv/bin/python3" "$root/scripts/check-health-reflection.py" "$port" "$server"
wait "$server"; server=""
