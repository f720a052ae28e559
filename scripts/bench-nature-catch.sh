#!/usr/bin/env bash
# Does the Nature DQN torso learn at all, at the settings Pong ran with? Catch drawn as an
# 84x84 frame (scripts/experiments/big_catch.py) through the Python actor: `seedrl server
# --torso nature` (γ 0.99, Adam LR) and one `seedrl-actor` of 32 environments for STEPS env
# steps. Random play scores about -0.6, catching every ball +1. Keeps metrics.jsonl, the run
# card and the actor's summary in OUT_DIR and prints the curve (env steps, last-100 return,
# policy entropy).
# With CHANNELS=4 the frames are stacked 4 deep (84x84x4, newest last) as Atari's are.
# Usage: scripts/bench-nature-catch.sh OUT_DIR   env: LR (5e-4), STEPS (60000), CHANNELS (1 or 4)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: bench-nature-catch.sh OUT_DIR}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
rm -rf "$out/run"; mkdir -p "$out"
env=BigCatch-v0; [ "${CHANNELS:-1}" = 4 ] && env=BigCatchStacked-v0
"$seedrl" server --obs-shape "84,84,${CHANNELS:-1}" --obs-dtype uint8 --num-actions 3 --torso nature --discount 0.99 \
  --learning-rate "${LR:-5e-4}" --port 18799 --seed 1 --logdir "$out/run" --fresh --status-seconds 5 --log-level error >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
PYTHONPATH="$root/scripts/experiments" "$venv/bin/seedrl-actor" --server 127.0.0.1:18799 --import big_catch \
  --env "$env" --envs 32 --steps "${STEPS:-60000}" --seed 1 > "$out/actor.json"
kill -TERM $server; wait $server || true
cp "$out/run/metrics.jsonl" "$out/metrics.jsonl"; cp "$out/run/run.json" "$out/run.json"; rm -rf "$out/run"
python3 - "$out/metrics.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["env_steps"], r["episode/return"], round(r["losses/entropy"], 3))
PY
