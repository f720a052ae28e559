#!/usr/bin/env bash
# `seedrl train --env gym:ID` end to end: the Spec, the defaults and the target come from
# the Gymnasium environment, run by Python actor processes the command starts itself.
# CartPole-v1 must reach its reward_threshold (475) and `seedrl eval --env gym:CartPole-v1`
# must play the checkpoint greedily there; MinAtar's Breakout (PyPI minatar,
# --import minatar.gym) must train with the minatar torso; `seedrl server --env gym:ID`
# must serve a Box environment to a Python actor, and `train` must train one with PPO
# (the box-action defaults); a missing actor, an unregistered id and
# a forgotten --import must each end with a message that says what to do.
# Usage: scripts/test-gym-train.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
"$root/scripts/install-python-actor.sh" minatar >/dev/null
venv="$root/.build/python-venv"
work="$(mktemp -d /tmp/seedrl-gym-XXXXXX)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export SEEDRL_PYTHON_ACTOR="$venv/bin/seedrl-actor"

"$seedrl" train --env gym:CartPole-v1 --seed 1 --logdir "$work/cartpole" --quiet --log-level error | tee "$work/cartpole.out"
grep -q "target return 475" "$work/cartpole.out" || { echo "gym-train: the target was not CartPole-v1's reward_threshold"; exit 1; }
# The checkpoint evaluated on the Gymnasium environment (served greedy from seedrl eval).
evaluated=$("$seedrl" eval --checkpoint "$work/cartpole" --env gym:CartPole-v1 --episodes 10 --greedy)
echo "$evaluated"
mean=$(echo "$evaluated" | sed -E 's/.*return ([0-9.]+) .*/\1/')
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 400 else 1)' "$mean" \
  || { echo "gym-train: the trained policy's greedy return in Gymnasium is $mean"; exit 1; }

"$seedrl" train --env gym:MinAtar/Breakout-v1 --import minatar.gym --seed 1 --max-steps 30000 --logdir "$work/minatar" \
  --quiet --log-level error >/dev/null
python3 - "$work/minatar/run.json" <<'PY'
import json, sys
card = json.load(open(sys.argv[1]))
assert card["model"]["torso"] == "minatar", card["model"]
assert card["results"]["env_steps"] >= 30000, card["results"]
print(f"gym-train: MinAtar/Breakout-v1 trained with the {card['model']['torso']} torso for {card['results']['env_steps']} env steps")
PY

# Box actions of an environment seedrl does not know train with PPO, the rate decayed over
# the step budget given (TaskDefaults.continuousControl); the run card records both.
"$seedrl" train --env gym:Pendulum-v1 --seed 1 --max-steps 20000 --logdir "$work/pendulum" --quiet --log-level error >/dev/null || true
python3 - "$work/pendulum/run.json" <<'PY'
import json, sys
card = json.load(open(sys.argv[1]))
learning = card["learning"]
assert learning["algorithm"] == "ppo" and learning["ppo_epochs"] == 10 and learning["batch_size"] == 64, learning
assert learning["learning_rate_decay_frames"] == 20000, learning
assert card["results"]["env_steps"] >= 20000, card["results"]
print(f"gym-train: gym:Pendulum-v1 trained with PPO, its rate decayed over the {learning['learning_rate_decay_frames']}-step budget")
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
"$seedrl" server --env gym:Pendulum-v1 --port "$port" --log-level error --status-seconds 1000 >/dev/null &
server=$!
for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
out=$("$venv/bin/seedrl-actor" --server "127.0.0.1:$port" --env Pendulum-v1 --envs 4 --steps 2000)
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert not r["errors"] and r["steps"] >= 2000, r' "$out"
kill -TERM "$server"; wait "$server"; server=""
echo "gym-train: seedrl server --env gym:Pendulum-v1 served a Python actor's box actions"

expect_error() {  # $1: what; $2: text the message must hold; then the command
  local what="$1" text="$2"; shift 2
  if "$@" >"$work/error.out" 2>&1; then echo "gym-train: $what succeeded"; exit 1; fi
  grep -q -- "$text" "$work/error.out" || { echo "gym-train: $what: no '$text' in:"; cat "$work/error.out"; exit 1; }
}
expect_error "a checkpoint for another environment" "the server serves" \
  "$seedrl" eval --checkpoint "$work/cartpole" --env gym:Pendulum-v1 --episodes 2
expect_error "an unregistered id" "doesn't exist" "$seedrl" train --env gym:NoSuchEnv-v0 --logdir "$work/none"
expect_error "a forgotten --import" "--import minatar.gym" "$seedrl" train --env gym:MinAtar/Breakout-v1 --logdir "$work/none"
# A binary with no venv beside it and no seedrl-actor on PATH.
cp "$seedrl" "$work/seedrl"
expect_error "no Python actor" "scripts/install-python-actor.sh" \
  env -u SEEDRL_PYTHON_ACTOR PATH=/usr/bin:/bin "$work/seedrl" train --env gym:CartPole-v1 --logdir "$work/none"
echo "gym-train: passed"
