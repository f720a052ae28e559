#!/usr/bin/env bash
# The Python actor (the seedrl-actor package in python/, installed into a fresh virtual
# environment under .build/) against a real seedrl server, for a bounded time: proves an
# actor in another language works from the proto alone, as lanes of ActBatch streams
# (a Gymnasium vector environment) and as one Act stream per environment.
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

check() {  # $1: the actor's JSON line; $2: lanes per stream expected
python3 - "$1" "$2" <<'PY'
import json, sys
r, lanes = json.loads(sys.argv[1]), int(sys.argv[2])
assert not r["errors"], r["errors"]
assert r["lanes_per_stream"] == lanes, r
assert r["steps"] >= 200, f"only {r['steps']} steps served"
assert r["episodes"] >= 5, f"only {r['episodes']} episodes"
assert r["server"]["steps_served"] >= r["steps"], r
assert r["server"]["episodes_completed"] >= r["episodes"], r
PY
}
vector=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$socket" --env CartPole-v1 --envs 8 --seconds 4)
check "$vector" 8
single=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$socket" --env CartPole-v1 --envs 4 --lanes 1 --seconds 3)
check "$single" 1
echo "python actor: ok (vector of 8 as one ActBatch stream: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps,", r["episodes"], "episodes")' "$vector"); 4 Act streams: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps")' "$single"))"
kill -TERM $server
wait $server

# A third-party environment registered by --import (MinAtar registers nothing on import:
# the actor calls its register_envs()), with bool frames sent as uint8.
"$venv/bin/python3" -c "import minatar" 2>/dev/null || "$venv/bin/pip" install -q --disable-pip-version-check "minatar>=1.0.15"
minatar_socket="$socket.minatar"
trap 'kill $server 2>/dev/null || true; rm -f "$socket" "$minatar_socket"' EXIT
"$seedrl" server --obs-shape 10,10,4 --obs-dtype uint8 --num-actions 3 --port 0 --unix "$minatar_socket" --log-level error --status-seconds 1000 >/dev/null &
server=$!
for _ in $(seq 100); do [ -S "$minatar_socket" ] && break; sleep 0.1; done
minatar=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$minatar_socket" --import minatar.gym --env MinAtar/Breakout-v1 --envs 4 --seconds 3 2>/dev/null)
check "$minatar" 4
echo "python actor: --import minatar.gym ok ($(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps of MinAtar/Breakout-v1")' "$minatar"))"
kill -TERM $server
wait $server

# Over mutual TLS with a token from a file: a throwaway CA, server and client identities.
tls="$(mktemp -d /tmp/seedrl-python-tls-XXXXXX)"
trap 'kill $server 2>/dev/null || true; rm -rf "$socket" "$minatar_socket" "$tls"' EXIT
(
  cd "$tls"
  ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  openssl req -x509 $ec -keyout ca.key -out ca.pem -days 1 -subj /CN=seedrl-test-ca 2>/dev/null
  openssl req $ec -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile san.ext 2>/dev/null
  openssl req $ec -keyout client.key -out client.csr -subj /CN=seedrl-actor 2>/dev/null
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 1 2>/dev/null
  printf 's3cret-token\n' > token; chmod 600 token
)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$seedrl" server --env cartpole --port "$port" --no-train --token-file "$tls/token" --tls-cert "$tls/server.pem" \
  --tls-key "$tls/server.key" --tls-client-ca "$tls/ca.pem" --log-level error --status-seconds 1000 >/dev/null &
server=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
out=$(timeout 60 "$venv/bin/seedrl-actor" --server "localhost:$port" --env CartPole-v1 --envs 2 --seconds 2 \
  --token-file "$tls/token" --tls-ca "$tls/ca.pem" --tls-cert "$tls/client.pem" --tls-key "$tls/client.key")
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert not r["errors"] and r["steps"] >= 50, r' "$out"
status=0
timeout 60 "$venv/bin/seedrl-actor" --server "localhost:$port" --env CartPole-v1 --envs 1 --seconds 2 \
  --token-file "$tls/token" --tls-ca "$tls/ca.pem" >/dev/null 2>&1 || status=$?
[ "$status" != 0 ] || { echo "python actor: a client without a certificate was served over mutual TLS"; exit 1; }
echo "python actor: mutual TLS with a token file ok ($(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["steps"])' "$out") steps)"
kill -TERM $server
wait $server

# The other way round: a Python server that answers with an action outside its own spec.
# `seedrl actor` must stop with a clear error (not trap inside Acrobot's torque table).
hostile="$(mktemp -u /tmp/seedrl-hostile-XXXXXX.sock)"
"$venv/bin/python3" "$root/scripts/hostile-server.py" --unix "$hostile" --shape 6 --num-actions 3 --action 7 --seconds 60 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$socket" "$minatar_socket" "$hostile" "$tls"' EXIT
for _ in $(seq 100); do [ -S "$hostile" ] && break; sleep 0.1; done
status=0
log=$(timeout 60 "$seedrl" actor --server "unix:$hostile" --env acrobot --envs 2 --status-seconds 1000 2>&1) || status=$?
if [ "$status" = 0 ] || [ "$status" -ge 124 ] || ! grep -q "outside 0..<3" <<<"$log"; then
  echo "actor against an out-of-range action: exit $status, expected a clear error"; echo "$log" | tail -5; exit 1
fi
echo "python actor: hostile server refused ($(grep -o 'the server sent action [^,]*, outside [^ ]*' <<<"$log" | head -1))"
