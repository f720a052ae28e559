#!/usr/bin/env bash
# The Python actor (the seedrl-actor package in python/, installed into a fresh virtual
# environment under .build/) against a real seedrl server, for a bounded time: proves an
# actor in another language works from the proto alone, as lanes of ActBatch streams
# (a Gymnasium vector environment) and as one Act stream per environment; and that it
# heals itself (reconnects after retryable endings and a learner restarted on its port,
# stops on the others with the server's message, prints its summary with the learner gone);
# and that it takes every action space of the contract (Box: Pendulum-v1 and MuJoCo's
# HalfCheetah-v5; MultiDiscrete: a toy environment from python/tests/toy_envs.py), refusing
# a spec that differs and actions outside the space.
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

# Action spaces. Box: Gymnasium's Pendulum-v1 against the server's own pendulum spec, as
# lanes and as Act streams, for step budgets (not times): steps flow, episodes (200 steps)
# complete and the model trains (GetStats' model_version rises from one run to the next).
pinned "$venv" mujoco ImageIO  # MuJoCo for Gymnasium's HalfCheetah-v5 below
spaces="$(mktemp -d /tmp/seedrl-python-spaces-XXXXXX)"
trap 'kill $server 2>/dev/null || true; rm -rf "$socket" "$minatar_socket" "$spaces"' EXIT
serve() {  # $1: socket; the rest: seedrl server's spec flags. Sets $server.
  local path=$1; shift
  "$seedrl" server "$@" --port 0 --unix "$path" --log-level error --status-seconds 1000 >/dev/null &
  server=$!
  for _ in $(seq 100); do [ -S "$path" ] && return 0; sleep 0.1; done
  echo "python actor: seedrl server $* did not start"; exit 1
}
serve "$spaces/pendulum.sock" --env pendulum
box=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$spaces/pendulum.sock" --env Pendulum-v1 --envs 8 --steps 4000)
check "$box" 8
box_single=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$spaces/pendulum.sock" --env Pendulum-v1 --envs 2 --lanes 1 --steps 1000)
python3 - "$box" "$box_single" <<'PY'
import json, sys
lanes, single = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert not single["errors"] and single["lanes_per_stream"] == 1 and single["steps"] >= 1000, single
assert single["episodes"] >= 4, f"only {single['episodes']} Pendulum episodes on Act streams: {single}"
assert lanes["episodes"] >= 16, f"only {lanes['episodes']} Pendulum episodes as lanes: {lanes}"
assert lanes["server"]["model_version"] >= 1, f"the learner did not train on Pendulum: {lanes['server']}"
assert single["server"]["model_version"] > lanes["server"]["model_version"], (lanes["server"], single["server"])
PY
# The other way round: a discrete environment against the box server is refused, naming both.
status=0
timeout 60 "$venv/bin/seedrl-actor" --server "unix:$spaces/pendulum.sock" --env CartPole-v1 --envs 2 --steps 100 \
  >/dev/null 2>"$spaces/refused.log" || status=$?
expected="seedrl-actor: server expects observation shape [3] float32, actions box[1] in [-2, 2]; env CartPole-v1 gives [4] float32, actions discrete(2)"
[ "$status" = 1 ] && [ "$(cat "$spaces/refused.log")" = "$expected" ] \
  || { echo "python actor: CartPole-v1 against pendulum: exit $status, expected: $expected"; cat "$spaces/refused.log"; exit 1; }
kill -TERM $server; wait $server
echo "python actor: box actions ok (Pendulum-v1: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps,", r["episodes"], "episodes as 8 lanes,")' "$box") $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps,", r["episodes"], "episodes as 2 Act streams; model_version", r["server"]["model_version"])' "$box_single"))"

# A box environment against a discrete server with the same observations: refused with one
# message naming both spaces.
serve "$spaces/discrete.sock" --obs-shape 3 --num-actions 3
status=0
timeout 60 "$venv/bin/seedrl-actor" --server "unix:$spaces/discrete.sock" --env Pendulum-v1 --envs 2 --steps 100 \
  >/dev/null 2>"$spaces/refused.log" || status=$?
expected="seedrl-actor: server expects observation shape [3] float32, actions discrete(3); env Pendulum-v1 gives [3] float32, actions box[1] in [-2, 2]"
[ "$status" = 1 ] && [ "$(cat "$spaces/refused.log")" = "$expected" ] \
  || { echo "python actor: Pendulum-v1 against discrete(3): exit $status, expected: $expected"; cat "$spaces/refused.log"; exit 1; }
kill -TERM $server; wait $server
echo "python actor: box against discrete refused ($(cut -c15- "$spaces/refused.log"))"

# MultiDiscrete: a toy environment registered by --import, served with the flags
# --print-spec gives for it.
toy_actor=(env "PYTHONPATH=$root/python/tests${PYTHONPATH:+:$PYTHONPATH}" "$venv/bin/seedrl-actor" --import toy_envs)
flags=$("${toy_actor[@]}" --print-spec --env SeedrlToy/MultiDiscrete-v0 | tail -1)
[ "$flags" = "--obs-shape 4 --obs-dtype float32 --action-space multi-discrete:3,2" ] \
  || { echo "python actor: --print-spec of the MultiDiscrete toy gave: $flags"; exit 1; }
serve "$spaces/multi.sock" $flags
multi=$(timeout 120 "${toy_actor[@]}" --server "unix:$spaces/multi.sock" --env SeedrlToy/MultiDiscrete-v0 --envs 4 --steps 2000)
check "$multi" 4
multi_single=$(timeout 120 "${toy_actor[@]}" --server "unix:$spaces/multi.sock" --env SeedrlToy/MultiDiscrete-v0 --envs 2 --lanes 1 --steps 500)
check "$multi_single" 1
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["server"]["model_version"] >= 1, r' "$multi_single"
kill -TERM $server; wait $server
# A box whose dimensions have different bounds: --print-spec gives the Spec but says no flags serve it.
status=0
uneven=$("${toy_actor[@]}" --print-spec --env SeedrlToy/UnevenBox-v0 2>"$spaces/uneven.log") || status=$?
[ "$status" = 1 ] && [ "$(wc -l <<<"$uneven")" = 1 ] && grep -q '"low": \[-1.0, 0.0\]' <<<"$uneven" \
  && grep -q "box\[2\] in \[-1, 1\], \[0, 5\]: .*no flags serve it" "$spaces/uneven.log" \
  || { echo "python actor: --print-spec of an uneven box: exit $status"; echo "$uneven"; cat "$spaces/uneven.log"; exit 1; }
echo "python actor: multi-discrete actions ok ($(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps,", r["episodes"], "episodes of SeedrlToy/MultiDiscrete-v0 as lanes")' "$multi"); --print-spec flags served it; an uneven box has none)"

# MuJoCo through PyPI mujoco and Gymnasium: HalfCheetah-v5 (float64 observations sent as
# float32) for a few thousand steps against the server --print-spec names. They run in
# $spaces: MuJoCo writes its warnings (half_cheetah.xml's deprecated settotalmass) to
# MUJOCO_LOG.TXT in the working directory.
flags=$(cd "$spaces" && "$venv/bin/seedrl-actor" --print-spec --env HalfCheetah-v5 2>/dev/null | tail -1)
[ "$flags" = "--obs-shape 17 --obs-dtype float32 --action-space box:6:-1:1" ] \
  || { echo "python actor: --print-spec --env HalfCheetah-v5 gave: $flags"; exit 1; }
serve "$spaces/mujoco.sock" $flags
cheetah=$(cd "$spaces" && timeout 120 "$venv/bin/seedrl-actor" --server "unix:$spaces/mujoco.sock" --env HalfCheetah-v5 --envs 4 --steps 4400 \
  2>"$spaces/mujoco.log") || { cat "$spaces/mujoco.log"; exit 1; }
python3 - "$cheetah" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert not r["errors"] and r["lanes_per_stream"] == 4 and r["steps"] >= 4400, r
assert r["episodes"] >= 4, f"only {r['episodes']} HalfCheetah episodes (1000 steps each): {r}"
assert r["server"]["env_steps"] >= 4000 and r["server"]["model_version"] >= 1, r
PY
kill -TERM $server; wait $server
echo "python actor: MuJoCo ok (HalfCheetah-v5, $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["steps"], "steps,", r["episodes"], "episodes, model_version", r["server"]["model_version"])' "$cheetah"))"

# Over mutual TLS with a token from a file: a throwaway CA, server and client identities.
tls="$(mktemp -d /tmp/seedrl-python-tls-XXXXXX)"
trap 'kill $server 2>/dev/null || true; rm -rf "$socket" "$minatar_socket" "$spaces" "$tls"' EXIT
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
trap 'kill $server 2>/dev/null || true; rm -rf "$socket" "$minatar_socket" "$spaces" "$hostile" "$tls"' EXIT
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
trap 'kill $server $actor 2>/dev/null || true; rm -rf "$socket" "$minatar_socket" "$spaces" "$hostile" "$tls" "$work"' EXIT
cat > "$work/flaky.py" <<'PY'
"""A learner that ends every stream after --replies replies with the next of --codes, and
refuses a stream whose first lanes are not all FIRST; --short answers one action too few.
Its spec has no action_space (as servers before action spaces): discrete num_actions 2.
Every reply carries the action --action; with --box the spec is Pendulum's ([3] float32,
box[1] in [-2, 2]) and --action the box value sent."""
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
        if self.args.box:
            box = learner_pb2.BoxSpace(shape=[1], low=[-2], high=[2])
            return learner_pb2.Spec(env="flaky", observation_shape=[3], observation_dtype=learner_pb2.DTYPE_FLOAT32,
                                    max_lanes=256, action_space=learner_pb2.ActionSpace(box=box))
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
            if self.args.box:
                yield learner_pb2.ActionBatch(continuous_actions=[self.args.action] * lanes)
            else:
                yield learner_pb2.ActionBatch(actions=[int(self.args.action)] * lanes)

    def Act(self, steps, context):
        for n, step in enumerate(steps):
            if n == 0 and step.step_type != FIRST:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a new stream must start with FIRST")
            if n == self.args.replies:
                self._end(context)
            with self.lock:
                self.served += 1
            if self.args.box:
                yield learner_pb2.Action(continuous=[self.args.action])
            else:
                yield learner_pb2.Action(action=int(self.args.action))


parser = argparse.ArgumentParser()
parser.add_argument("--unix", required=True)
parser.add_argument("--replies", type=int, default=1 << 30)
parser.add_argument("--codes", type=lambda text: text.split(","), default=["UNAVAILABLE"])
parser.add_argument("--short", action="store_true")
parser.add_argument("--action", type=float, default=0.0)
parser.add_argument("--box", action="store_true")
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
assert status == 1 and r["errors"] == ["the server answered 3 actions for 4 lanes of discrete(2)"] and r["steps"] == 0, (status, r)
PY
kill -TERM $server; wait $server || true
echo "python actor: a reply with 3 actions for 4 lanes stops it ($(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["errors"][0])' "$out"))"

# Actions outside the served space stop the actor before an environment sees them: an index
# out of range, a box value beyond its bounds or not finite, as lanes and on Act streams.
outside() {  # $1: socket; $2: the error expected; the rest: seedrl-actor's options
  local path=$1 expected=$2; shift 2
  status=0
  out=$(timeout 120 "$venv/bin/seedrl-actor" --server "unix:$path" --steps 100000 "$@" 2>"$work/outside.log") || status=$?
  python3 - "$out" "$status" "$expected" <<'PY' || { cat "$work/outside.log"; exit 1; }
import json, sys
r, status, expected = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
assert status == 1 and r["errors"] == [expected] and r["steps"] == 0, (status, r, expected)
PY
}
flaky "$work/index.sock" --action 7
outside "$work/index.sock" "the server sent lane 0's action 7, outside discrete(2)" --envs 4
outside "$work/index.sock" "the server sent action 7, outside discrete(2)" --envs 1 --lanes 1
kill -TERM $server; wait $server || true
flaky "$work/box.sock" --box --action 2.5
outside "$work/box.sock" "the server sent lane 0's action [2.5], outside box[1] in [-2, 2]" --env Pendulum-v1 --envs 4
kill -TERM $server; wait $server || true
flaky "$work/nan.sock" --box --action nan
outside "$work/nan.sock" "the server sent action [nan], outside box[1] in [-2, 2]" --env Pendulum-v1 --envs 1 --lanes 1
kill -TERM $server; wait $server || true
echo "python actor: actions outside the space stop it (the server sent action 7, outside discrete(2); [2.5] and [nan] outside box[1] in [-2, 2])"

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

# --sticky is a probability, and only Atari games have sticky actions.
for bad in "--atari --sticky 1.5:must be in [0, 1]" "--sticky 0:is for --atari games" "--sticky 0.25:is for --atari games"; do
  flags=${bad%%:*}; expected=${bad#*:}
  status=0; log=$("$venv/bin/seedrl-actor" $flags 2>&1) || status=$?
  [ $status -eq 2 ] && echo "$log" | grep -qF -- "$expected" || { echo "seedrl-actor $flags: exit $status, expected usage error '$expected'"; echo "$log"; exit 1; }
done
echo "python actor: --sticky out of [0, 1] and without --atari are refused"
