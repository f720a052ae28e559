#!/usr/bin/env bash
# The conformance kit on both sides, and proof that it can fail:
#  - `seedrl conformance --server` passes against our training server with a token (and
#    training advancing), and fails against scripts/hostile-server.py, which answers with
#    an action outside the space;
#  - `seedrl conformance --actor` passes with our Swift actor and with the Python actor
#    (each reconnecting once), and fails an actor whose first Step is MID.
# Usage: scripts/test-conformance.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
work="$(mktemp -d /tmp/seedrl-conformance-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# 1. Our server passes, token and training included.
port=$(free_port)
export SEEDRL_TOKEN="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$seedrl" server --env cartpole --port "$port" --log-level error --status-seconds 1000 >/dev/null & pids+=($!)
wait_port "$port"
"$seedrl" conformance --server "127.0.0.1:$port" --expect-training | tee "$work/server.txt"
grep -q "0 failed, 0 skipped" "$work/server.txt" || { echo "conformance: a rule was skipped against our server"; exit 1; }
kill -TERM "${pids[0]}"; wait "${pids[0]}" || true; pids=()
unset SEEDRL_TOKEN

# 2. A server answering with an action outside its space fails.
"$venv/bin/python3" "$root/scripts/hostile-server.py" --unix "$work/hostile.sock" --shape 6 --num-actions 3 --action 7 --seconds 120 & pids+=($!)
for _ in $(seq 100); do [ -S "$work/hostile.sock" ] && break; sleep 0.1; done
if "$seedrl" conformance --server "unix:$work/hostile.sock" > "$work/hostile.txt"; then
  echo "conformance: a server sending action 7 of discrete(3) passed"; cat "$work/hostile.txt"; exit 1
fi
grep -q "^FAIL  Act: FIRST, MID..., LAST, FIRST each get one Action in the space" "$work/hostile.txt" \
  || { echo "conformance: the out-of-space action was not the failure named"; cat "$work/hostile.txt"; exit 1; }
echo "conformance: the hostile server fails: $(grep -m1 '^FAIL' "$work/hostile.txt" | cut -c1-140)"
kill "${pids[0]}" 2>/dev/null || true; wait "${pids[0]}" 2>/dev/null || true; pids=()

# 3. Actors against the checking learner: ours pass, one that starts with MID fails.
check_actor() {  # $1: name; $2: expected (pass/fail); then the actor's command, with PORT for the port
  local name="$1" expected="$2"; shift 2
  local port; port=$(free_port)
  "$seedrl" conformance --actor --env cartpole --port "$port" --steps 1000 --timeout-seconds 20 > "$work/$name.txt" 2>&1 &
  local checker=$!
  wait_port "$port"
  local command=("${@//PORT/$port}")
  "${command[@]}" > "$work/$name.actor.log" 2>&1 &
  local actor=$!
  local status=0
  wait "$checker" || status=$?
  kill "$actor" 2>/dev/null || true; wait "$actor" 2>/dev/null || true
  if [ "$expected" = pass ] && [ "$status" != 0 ]; then echo "conformance: $name failed"; cat "$work/$name.txt"; exit 1; fi
  if [ "$expected" = fail ] && [ "$status" = 0 ]; then echo "conformance: $name passed"; cat "$work/$name.txt"; exit 1; fi
  echo "conformance: $name: $expected as expected ($(tail -1 "$work/$name.txt"))"
}
check_actor "the Swift actor" pass "$seedrl" actor --server 127.0.0.1:PORT --env cartpole --envs 8 --status-seconds 1000
check_actor "the Python actor" pass "$venv/bin/seedrl-actor" --server 127.0.0.1:PORT --env CartPole-v1 --envs 8 --seconds 60
cat > "$work/mid-first.py" <<'PY'
import sys, time
import grpc
import seedrl_actor  # noqa: F401 (puts the contract's stubs on the path)
from seedrl.v1 import learner_pb2, learner_pb2_grpc
stub = learner_pb2_grpc.LearnerStub(grpc.insecure_channel(sys.argv[1]))
for _ in range(20):  # a broken actor that retries: MID first, every time
    try:
        steps = iter([learner_pb2.Step(step_type=learner_pb2.STEP_TYPE_MID, observation=bytes(16))])
        for _ in stub.Act(steps):
            pass
    except grpc.RpcError:
        time.sleep(0.2)
PY
check_actor "an actor whose first Step is MID" fail "$venv/bin/python3" "$work/mid-first.py" 127.0.0.1:PORT
grep -q "^FAIL  each stream starts with FIRST" "$work/an actor whose first Step is MID.txt" \
  || { echo "conformance: the MID-first actor's fault was not named"; cat "$work/an actor whose first Step is MID.txt"; exit 1; }
echo "conformance: passed"
