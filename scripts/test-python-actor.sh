#!/usr/bin/env bash
# The Python actor (the seedrl-actor package in python/, installed into a fresh virtual
# environment under .build/) against a real seedrl server, for a bounded time: proves an
# actor in another language works from the proto alone, as lanes of ActBatch streams
# (a Gymnasium vector environment) and as one Act stream per environment; and that it
# heals itself (reconnects after retryable endings and a learner restarted on its port,
# stops on the others with the server's message, prints its summary with the learner gone).
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
pinned "$venv" MinAtar
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
if [ "$status" = 0 ] || [ "$status" -ge 124 ] || ! grep -q "action 7, outside discrete(3)" <<<"$log"; then
  echo "actor against an out-of-range action: exit $status, expected a clear error"; echo "$log" | tail -5; exit 1
fi
echo "python actor: hostile server refused ($(grep -o 'the server sent action [^,]*, outside [^ ]*' <<<"$log" | head -1))"
kill -TERM $server 2>/dev/null || true
wait $server 2>/dev/null || true

# The actor heals itself. First against a learner that ends its streams on purpose (every
# stream after --replies replies, with the next of --codes): retried codes are reconnected
# with each new stream starting every lane afresh (FIRST), the step budget counting across
# them; codes that are not retried, and a reply with the wrong number of actions, stop the
# actor with the server's message. Nothing here depends on timing.
work="$(mktemp -d /tmp/seedrl-python-heal-XXXXXX)"
actor=
trap 'kill $server $actor 2>/dev/null || true; rm -rf "$socket" "$minatar_socket" "$hostile" "$tls" "$work"' EXIT
cat > "$work/flaky.py" <<'PY'
"""A learner that ends every stream after --replies replies with the next of --codes, and
refuses a stream whose first lanes are not all FIRST; --short answers one action too few."""
import argparse, threading, time
from concurrent import futures
import grpc
import seedrl_actor  # noqa: F401  (the contract's stubs on the path)
from seedrl.v1 import learner_pb2, learner_pb2_grpc

FIRST = learner_pb2.STEP_TYPE_FIRST


class Flaky(learner_pb2_grpc.LearnerServicer):
    def __init__(self, args):
        self.args, self.lock, self.served, self.streams = args, threading.Lock(), 0, 0

    def GetSpec(self, request, context):
        return learner_pb2.Spec(env="flaky", observation_shape=[4], observation_dtype=learner_pb2.DTYPE_FLOAT32,
                                num_actions=2, max_lanes=256)

    def GetStats(self, request, context):
        with self.lock:
            return learner_pb2.Stats(steps_served=self.served)

    def _end(self, context):
        with self.lock:
            code = self.args.codes[self.streams % len(self.args.codes)]
            self.streams += 1
        context.abort(getattr(grpc.StatusCode, code), f"flaky learner: {code} on purpose")

    def ActBatch(self, batches, context):
        for n, batch in enumerate(batches):
            if n == 0 and any(t != FIRST for t in batch.step_types):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a new stream must start every lane with FIRST")
            if n == self.args.replies:
                self._end(context)
            lanes = len(batch.step_types) - (1 if self.args.short else 0)
            with self.lock:
                self.served += lanes
            yield learner_pb2.ActionBatch(actions=[0] * lanes)

    def Act(self, steps, context):
        for n, step in enumerate(steps):
            if n == 0 and step.step_type != FIRST:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a new stream must start with FIRST")
            if n == self.args.replies:
                self._end(context)
            with self.lock:
                self.served += 1
            yield learner_pb2.Action(action=0)


parser = argparse.ArgumentParser()
parser.add_argument("--unix", required=True)
parser.add_argument("--replies", type=int, default=1 << 30)
parser.add_argument("--codes", type=lambda text: text.split(","), default=["UNAVAILABLE"])
parser.add_argument("--short", action="store_true")
args = parser.parse_args()
server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
learner_pb2_grpc.add_LearnerServicer_to_server(Flaky(args), server)
server.add_insecure_port(f"unix:{args.unix}")
server.start()
server.wait_for_termination()
PY
flaky() {  # $1: socket; the rest: flaky.py's options. Sets $server.
  local path=$1; shift
  "$venv/bin/python3" "$work/flaky.py" --unix "$path" "$@" &
  server=$!
  for _ in $(seq 600); do [ -S "$path" ] && return 0; sleep 0.1; done
  echo "python actor: the flaky learner did not start"; exit 1
}
flaky "$work/retry.sock" --replies 20 --codes UNAVAILABLE,RESOURCE_EXHAUSTED,CANCELLED
lanes=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$work/retry.sock" --envs 4 --steps 1000 2>"$work/retry.log")
single=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$work/retry.sock" --envs 2 --lanes 1 --steps 200 2>>"$work/retry.log")
python3 - "$lanes" "$single" <<'PY'
import json, sys
lanes, single = json.loads(sys.argv[1]), json.loads(sys.argv[2])
# 4 lanes, 20 replies a stream: 1000 steps take 13 streams. 2 Act streams of 20 replies: 10.
for r, budget, streams in ((lanes, 1000, 13), (single, 200, 10)):
    assert not r["errors"], r
    assert budget <= r["steps"] < budget + r["streams"] * r["lanes_per_stream"], f"budget {budget}: {r}"
    assert r["reconnects"] >= streams - r["streams"], f"{streams} streams expected: {r}"
    assert r["server"]["steps_served"] >= r["steps"], r
PY
grep -q "reconnecting" "$work/retry.log" || { echo "python actor: no reconnect was logged"; cat "$work/retry.log"; exit 1; }
kill -TERM $server; wait $server || true
echo "python actor: streams ended with UNAVAILABLE, RESOURCE_EXHAUSTED and CANCELLED reconnected, starting afresh ($(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps,", r["reconnects"], "reconnects")' "$lanes") as lanes; $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps,", r["reconnects"], "reconnects")' "$single") as Act streams)"

final=UNAUTHENTICATED,PERMISSION_DENIED,INVALID_ARGUMENT,FAILED_PRECONDITION
flaky "$work/final.sock" --replies 5 --codes "$final"
for code in ${final//,/ }; do
  status=0
  out=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$work/final.sock" --envs 4 --steps 100000 2>"$work/final.log") || status=$?
  python3 - "$out" "$code" "$status" <<'PY' || { cat "$work/final.log"; exit 1; }
import json, sys
r, code, status = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
assert status == 1, f"exit {status} after {code}"
assert r["errors"] == [f"{code}: flaky learner: {code} on purpose"], r
assert r["reconnects"] == 0 and r["steps"] == 20, r
PY
  grep -q "stream 0 stopped: $code" "$work/final.log" || { echo "python actor: $code not reported on stderr"; cat "$work/final.log"; exit 1; }
done
kill -TERM $server; wait $server || true
echo "python actor: ${final//,/, } stop the actor with the server's message"

flaky "$work/short.sock" --short
status=0
out=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$work/short.sock" --envs 4 --steps 100000 2>"$work/short.log") || status=$?
python3 - "$out" "$status" <<'PY' || { cat "$work/short.log"; exit 1; }
import json, sys
r, status = json.loads(sys.argv[1]), int(sys.argv[2])
assert status == 1 and r["errors"] == ["the server answered 3 actions for 4 lanes"] and r["steps"] == 0, (status, r)
PY
kill -TERM $server; wait $server || true
echo "python actor: a reply with 3 actions for 4 lanes stops it ($(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["errors"][0])' "$out"))"

# Then a real learner stopped (SIGTERM) and started again on the same port under a running
# actor: the actor rejoins and its steps go on counting; then the learner goes for good and
# the actor, stopped by SIGTERM while it waits to reconnect, still prints its summary (the
# server's stats null, with the reason). Each step waits for an event, not for a time.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/served.py" <<'PY'
"""Waits (120 s at most) until the learner on 127.0.0.1:PORT has served at least LEAST steps; prints them."""
import sys, time
import grpc
import seedrl_actor  # noqa: F401  (the contract's stubs on the path)
from seedrl.v1 import learner_pb2, learner_pb2_grpc

port, least = sys.argv[1], int(sys.argv[2])
stub = learner_pb2_grpc.LearnerStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
give_up = time.monotonic() + 120
while True:
    try:
        served = stub.GetStats(learner_pb2.GetStatsRequest(), timeout=5).steps_served
        if served >= least:
            print(served)
            break
    except grpc.RpcError:
        pass
    if time.monotonic() > give_up:
        sys.exit(f"python actor: the learner on port {port} served fewer than {least} steps in 120 s")
    time.sleep(0.1)
PY
learner() {  # a learner on $port; sets $server
  "$seedrl" server --env cartpole --host 127.0.0.1 --port "$port" --log-level error --status-seconds 1000 >/dev/null &
  server=$!
}
learner
"$venv/bin/python3" "$work/served.py" "$port" 0 >/dev/null
timeout 300 "$venv/bin/seedrl-actor" --server "127.0.0.1:$port" --env CartPole-v1 --envs 8 >"$work/heal.json" 2>"$work/heal.log" &
actor=$!
first=$("$venv/bin/python3" "$work/served.py" "$port" 1000)
kill -TERM $server; wait $server
learner
second=$("$venv/bin/python3" "$work/served.py" "$port" 1000)
kill -TERM $server; wait $server
kill -TERM $actor
status=0; wait $actor || status=$?
actor=
python3 - "$(cat "$work/heal.json")" "$status" "$first" "$second" <<'PY' || { cat "$work/heal.log"; exit 1; }
import json, sys
r, status, first, second = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
assert status == 0, f"exit {status}: {r}"
assert not r["errors"], r
assert r["reconnects"] >= 1, r
assert r["steps"] > first and r["steps"] >= second, f"first learner served {first}, second {second}: {r}"
assert r["server"] is None and r["server_error"].startswith("UNAVAILABLE"), r
PY
grep -q "stream 0 lost (UNAVAILABLE: " "$work/heal.log" || { echo "python actor: the restart was not logged"; cat "$work/heal.log"; exit 1; }
echo "python actor: rejoined a learner restarted on its port ($(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps after the first learner served", sys.argv[2], end=", "); print(r["reconnects"], "reconnects")' "$(cat "$work/heal.json")" "$first")); summary printed with the learner gone (server_error: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["server_error"][:40])' "$(cat "$work/heal.json")")...)"
