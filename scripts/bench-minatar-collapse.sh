#!/usr/bin/env bash
# Why issue 13's MinAtar Breakout run collapsed: the run as reported (PyPI minatar through
# the Python actor, frames as uint8 0/1, the pooled-frame MLP 64-64, γ 0.98, Adam 2e-3,
# entropy 0.01), then one change at a time. Each row: 1M env steps, seed 1, 16 environments
# as one ActBatch stream of MinAtar/Breakout-v1 (3 actions); the server's metrics.jsonl
# (return, entropy, losses) is kept per run as OUT_DIR/RUN.jsonl, and summary.jsonl gets
# one JSON line per run; curves.svg draws them (scripts/plot-curves.py).
# Usage: scripts/bench-minatar-collapse.sh OUT_DIR   env: STEPS (1000000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: bench-minatar-collapse.sh OUT_DIR}"
steps="${STEPS:-1000000}"
seedrl="$root/.build/release/seedrl"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
pinned "$venv" MinAtar
mkdir -p "$out"
port=18741
run() {  # name, env id, server flags...
  local name=$1 env=$2; shift 2
  rm -rf "$out/$name"
  "$seedrl" server --obs-shape 10,10,4 --obs-dtype uint8 --num-actions 3 --port $port --seed 1 --logdir "$out/$name" \
    --status-seconds 2 --log-level error "$@" >/dev/null &
  local server=$!
  sleep 1
  PYTHONPATH="$root/scripts/experiments" "$venv/bin/seedrl-actor" --server 127.0.0.1:$port --import minatar.gym \
    --import minatar_zero_one --env "$env" --envs 16 --steps "$steps" --seed 1 > "$out/$name/actor.json"
  kill -TERM $server; wait $server || true
  # Keep the curve and the actor's summary; the checkpoints and event files are not needed.
  mv "$out/$name/metrics.jsonl" "$out/$name.jsonl"
  mv "$out/$name/actor.json" "$out/$name.actor.json"
  rm -rf "$out/$name"
  python3 - "$out/$name.jsonl" "$name" "$*" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
returns = [(r["env_steps"], r.get("episode/return")) for r in rows if r.get("episode/return") is not None]
entropy = [r.get("losses/entropy") for r in rows if r.get("losses/entropy") is not None]
peak = max(returns, key=lambda p: p[1])
print(json.dumps({"run": sys.argv[2], "flags": sys.argv[3], "env_steps": rows[-1]["env_steps"],
                  "final_last100_return": returns[-1][1], "peak_last100_return": peak[1], "peak_at_env_steps": peak[0],
                  "final_entropy": entropy[-1] if entropy else None}))
PY
}
run as-reported ZeroOne/Breakout-v1 --torso mlp --discount 0.98 | tee -a "$out/summary.jsonl"
run frames-0-255 MinAtar/Breakout-v1 --torso mlp --discount 0.98 | tee -a "$out/summary.jsonl"
run entropy-0.05 ZeroOne/Breakout-v1 --torso mlp --discount 0.98 --entropy-cost 0.05 | tee -a "$out/summary.jsonl"
run lr-5e-4 ZeroOne/Breakout-v1 --torso mlp --discount 0.98 --learning-rate 5e-4 | tee -a "$out/summary.jsonl"
run gamma-0.99 ZeroOne/Breakout-v1 --torso mlp --discount 0.99 | tee -a "$out/summary.jsonl"
run conv-torso MinAtar/Breakout-v1 --torso minatar --discount 0.99 | tee -a "$out/summary.jsonl"
python3 "$root/scripts/plot-curves.py" "$out/curves.svg" "MinAtar Breakout-v1 (PyPI, 3 actions), 1M env steps: why the MLP collapsed" \
  "$out"/as-reported.jsonl "$out"/frames-0-255.jsonl "$out"/entropy-0.05.jsonl "$out"/lr-5e-4.jsonl "$out"/gamma-0.99.jsonl "$out"/conv-torso.jsonl
