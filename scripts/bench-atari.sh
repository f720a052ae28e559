#!/usr/bin/env bash
# An Atari game learned through the Python actor (PyPI ale-py, ALE v5 protocol: sticky
# actions 0.25, minimal action set, frame skip 4, 84x84 grayscale, 30 no-ops, life loss
# ends a training episode, rewards clipped, 4 frames stacked): `seedrl server` with the
# nature torso (Adam 6e-4, B 8, T 10), one `seedrl-actor --atari` of ENVS environments on one ActBatch stream,
# for STEPS agent steps (= STEPS x 4 frames). The server's metrics.jsonl (every 30 s) is
# the curve; at the end the final checkpoint plays whole games, unclipped, in EVAL_ENVS
# environments for EVAL_SECONDS (`seedrl-actor --atari --evaluation` against a `--no-train`
# server); the mean of the games finished is reported.
# STICKY (default 0.25, ALE v5's) is the chance each frame repeats the previous action, in
# training and evaluation alike; 0 is the v4 protocol that OpenAI baselines' and CleanRL's
# Atari figures use.
# Usage: scripts/bench-atari.sh GAME OUT_DIR   env: STEPS (2000000), ENVS (32), EVAL_ENVS (8), EVAL_SECONDS (300), STICKY (0.25), extra server flags in ARGS
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
game="${1:?usage: bench-atari.sh GAME OUT_DIR}"; out="${2:?usage: bench-atari.sh GAME OUT_DIR}"
steps="${STEPS:-2000000}"; envs="${ENVS:-32}"; sticky="${STICKY:-0.25}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
pinned "$venv" ale-py opencv-python-headless  # python/'s [atari] extra, at the tested versions
actions=$("$venv/bin/python3" -c "import gymnasium as gym, ale_py; ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Warning); gym.register_envs(ale_py); print(gym.make('ALE/$game-v5').action_space.n)")
mkdir -p "$out"
# The settings that learned Pong (BENCHMARKS.md): Adam 6e-4, 80 transitions per update
# (B 8 × T 10), clipping at 0.5, and a short unroll queue to keep the policy lag small.
flags=(--obs-shape 84,84,4 --obs-dtype uint8 --num-actions "$actions" --torso nature --discount 0.99
       --learning-rate 6e-4 --batch-size 8 --unroll-length 10 --max-grad-norm 0.5 --unroll-queue 32 ${ARGS:-})
"$seedrl" server "${flags[@]}" --port 18761 --seed 1 --logdir "$out/run" --fresh --status-seconds 30 --log-level warning >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 2
started=$(date +%s)
"$venv/bin/seedrl-actor" --server 127.0.0.1:18761 --atari --sticky "$sticky" --env "$game" --envs "$envs" --steps "$steps" --seed 1 > "$out/actor.json"
kill -TERM $server; wait $server || true
wall=$(( $(date +%s) - started ))
# Whole games, unclipped, with the final policy (sampled, as it acts in training).
"$seedrl" server "${flags[@]}" --port 18762 --checkpoint "$out/run" --no-train --status-seconds 100000 --log-level warning >>"$out/server.log" 2>&1 &
server=$!
sleep 2
"$venv/bin/seedrl-actor" --server 127.0.0.1:18762 --atari --sticky "$sticky" --evaluation --env "$game" --envs "${EVAL_ENVS:-8}" --seed 99 \
  --seconds "${EVAL_SECONDS:-300}" > "$out/evaluation.json" || true
kill -TERM $server; wait $server || true
cp "$out/run/metrics.jsonl" "$out/metrics.jsonl"
python3 - "$out" "$game" "$wall" "$sticky" <<'PY' | tee "$out/summary.json"
import json, sys
out, game, wall = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [json.loads(l) for l in open(out + "/metrics.jsonl")]
returns = [(r["env_steps"], r["episode/return"]) for r in rows if r.get("episode/count", 0) > 0]  # not the 0 before any episode
evaluation = json.load(open(out + "/evaluation.json")) if open(out + "/evaluation.json").read().strip() else {}
print(json.dumps({"game": game, "sticky": float(sys.argv[4]), "agent_steps": rows[-1]["env_steps"], "final_last100_training_return": returns[-1][1],
                  "best_last100_training_return": max(r for _, r in returns), "wall_seconds": wall,
                  "evaluation_games": evaluation.get("episodes"), "evaluation_mean_return": evaluation.get("mean_return")}))
PY
