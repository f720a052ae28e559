#!/usr/bin/env bash
# The memory task (Recall: a cue, 10 steps of delay, a query) with both cores over seeds:
# `seedrl train --env recall --core C` (learner + actor processes over loopback gRPC) until
# the last-100 mean return reaches 0.9 (95 % right) or the step budget is spent, then
# `seedrl eval --greedy` of the final checkpoint over 200 episodes: success rate =
# (mean return + 1) / 2.
# Usage: scripts/bench-recall.sh [SEEDS...]   env: BUDGET (1000000 env steps), CORES ("lstm mlp")
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
seeds=("${@:-1 2 3 4 5}")
budget="${BUDGET:-1000000}"
results=$(mktemp)
for core in ${CORES:-lstm mlp}; do
  for seed in ${seeds[@]}; do
    logdir=$(mktemp -d)
    start=$(date +%s.%N)
    if "$seedrl" train --env recall --core "$core" --seed "$seed" --target-return 0.9 --max-steps "$budget" \
         --logdir "$logdir" --progress-seconds 0.25 --log-level error >"$logdir/out" 2>&1; then ok=1; else ok=0; fi
    wall=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
    steps=$(tr '\r' '\n' < "$logdir/out" | grep -o 'and [0-9]* env steps' | tail -1 | grep -o '[0-9]*')
    mean=$("$seedrl" eval --checkpoint "$logdir" --env recall --episodes 200 --greedy --seed "$seed" | grep -o 'return [-0-9.]*' | grep -o '[-0-9.]*$')
    success=$(python3 -c "print(round(($mean + 1) / 2, 3))")
    echo "core=$core seed=$seed reached=$ok env_steps=$steps wall_s=$wall greedy_success=$success" | tee -a "$results"
    rm -rf "$logdir"
  done
done
python3 - "$results" "$budget" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=([\w.-]+)", line)) for line in open(sys.argv[1])]
for core in dict.fromkeys(r["core"] for r in rows):
    mine = [r for r in rows if r["core"] == core]
    reached = [r for r in mine if r["reached"] == "1"]
    steps = statistics.median(int(r["env_steps"]) for r in reached) if reached else None
    print(f"{core}: reached 0.9 in {len(reached)}/{len(mine)} seeds within {int(sys.argv[2]):,} env steps"
          + (f" (median {steps:,.0f} steps)" if steps else "")
          + f"; greedy success {', '.join(r['greedy_success'] for r in mine)}")
PY
rm -f "$results"
