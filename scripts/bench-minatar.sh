#!/usr/bin/env bash
# MinAtar learning benchmark (BENCHMARKS.md, "Learning from pixels"): `seedrl train` with
# its defaults for each game and seed (5M environment steps: sticky actions 0.1, difficulty
# ramping, all 6 actions, as MinAtar's published results), one run after another. Each run
# keeps its metrics.jsonl (the curve) in runs/minatar/GAME-SEED; one JSON line per run goes
# to OUT: the final last-100 mean return, env steps and wall time.
# Usage: scripts/bench-minatar.sh OUT.jsonl "breakout asterix freeway space-invaders" "1 2 3"   env: STEPS (5000000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: $0 OUT.jsonl GAMES SEEDS}"
games="${2:-breakout asterix freeway space-invaders seaquest}"
seeds="${3:-1 2 3}"
steps="${STEPS:-5000000}"
seedrl="$root/.build/release/seedrl"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
for game in $games; do
  for seed in $seeds; do
    logdir="$root/runs/minatar/$game-$seed"
    rm -rf "$logdir"
    started=$(date +%s.%N)
    line=$("$seedrl" train --env "minatar-$game" --seed "$seed" --max-steps "$steps" --logdir "$logdir" --quiet 2>&1 | grep '^seedrl train: ' | tail -1)
    ended=$(date +%s.%N)
    python3 - "$line" "$game" "$seed" "$started" "$ended" "$logdir" <<'PY' | tee -a "$out"
import json, re, sys
line, game, seed, started, ended, logdir = sys.argv[1:]
steps = int(re.search(r"and (\d+) env steps", line).group(1))
ret = float(re.search(r"mean return (-?[0-9.]+)", line).group(1))
print(json.dumps({"game": game, "seed": int(seed), "env_steps": steps, "final_last100_return": ret,
                  "wall_seconds": round(float(ended) - float(started), 1), "logdir": logdir}))
PY
  done
done
