#!/usr/bin/env bash
# The Python actor (examples/python) against a real seedrl server, for a bounded time:
# proves an actor in another language works from the proto alone. Installs grpcio,
# grpcio-tools, gymnasium and numpy into a virtual environment under .build/.
# Usage: scripts/test-python-actor.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
. "$root/scripts/python-venv.sh"

socket="$(mktemp -u /tmp/seedrl-python-XXXXXX.sock)"
"$seedrl" server --env cartpole --port 0 --unix "$socket" --log-level error --status-seconds 1000 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$socket"' EXIT
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done

out=$(timeout 120 "$venv/bin/python3" "$example/actor.py" --server "unix:$socket" --env CartPole-v1 --envs 4 --seconds 5)
echo "python actor: $out"
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert not r["errors"], r["errors"]
assert r["steps"] >= 200, f"only {r['steps']} steps served"
assert r["episodes"] >= 5, f"only {r['episodes']} episodes"
assert r["server"]["steps_served"] >= r["steps"], r
assert r["server"]["episodes_completed"] >= r["episodes"], r
print(f"python actor: ok ({r['steps']} steps, {r['episodes']} episodes, server at version {r['server']['model_version']})")
PY
kill -TERM $server
wait $server

# The other way round: a Python server that answers with an action outside its own spec.
# `seedrl actor` must stop with a clear error (not trap inside Acrobot's torque table).
hostile="$(mktemp -u /tmp/seedrl-hostile-XXXXXX.sock)"
"$venv/bin/python3" "$root/scripts/hostile-server.py" --unix "$hostile" --shape 6 --num-actions 3 --action 7 --seconds 60 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$socket" "$hostile"' EXIT
for _ in $(seq 100); do [ -S "$hostile" ] && break; sleep 0.1; done
status=0
log=$(timeout 60 "$seedrl" actor --server "unix:$hostile" --env acrobot --envs 2 --status-seconds 1000 2>&1) || status=$?
if [ "$status" = 0 ] || [ "$status" -ge 124 ] || ! grep -q "outside 0..<3" <<<"$log"; then
  echo "actor against an out-of-range action: exit $status, expected a clear error"; echo "$log" | tail -5; exit 1
fi
echo "python actor: hostile server refused ($(grep -o 'the server sent action [^,]*, outside [^ ]*' <<<"$log" | head -1))"
