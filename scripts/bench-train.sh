#!/usr/bin/env bash
# Time-to-475 on CartPole-v1 over seeds: `seedrl train` (learner + actor processes over
# loopback gRPC) per seed; prints env steps, wall seconds and env steps/s, then medians.
# Usage: scripts/bench-train.sh [SEEDS...]
#   env: ARGS (extra seedrl train flags), RANKS (run as a data-parallel job of this many
#        learner ranks under mpirun, each with its own actors)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
seeds=("${@:-1 2 3 4 5}")
launch=()
if [ "${RANKS:-1}" -gt 1 ]; then
  launch=(mpirun --allow-run-as-root --bind-to none --mca mpi_yield_when_idle 1 -np "$RANKS")
fi
results=$(mktemp)
for seed in ${seeds[@]}; do
  logdir=$(mktemp -d)
  start=$(date +%s.%N)
  if "${launch[@]}" "$seedrl" train --env cartpole --seed "$seed" --logdir "$logdir" --progress-seconds 0.25 --log-level error ${ARGS:-} >"$logdir/out" 2>&1; then ok=1; else ok=0; fi
  wall=$(python3 -c "import sys; print(round($(date +%s.%N) - $start, 1))")
  steps=$(tr '\r' '\n' < "$logdir/out" | grep -o 'and [0-9]* env steps' | tail -1 | grep -o '[0-9]*')
  echo "seed $seed: reached=$ok env_steps=$steps wall_s=$wall steps_per_s=$(python3 -c "print(round($steps / $wall))")" | tee -a "$results"
  rm -rf "$logdir"
done
python3 - "$results" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=([\d.]+)", line)) for line in open(sys.argv[1])]
print(f"reached: {sum(r['reached'] == '1' for r in rows)}/{len(rows)}; "
      f"median env steps {statistics.median(int(r['env_steps']) for r in rows):,.0f}; "
      f"median wall {statistics.median(float(r['wall_s']) for r in rows):.1f} s; "
      f"median env steps/s {statistics.median(int(r['steps_per_s']) for r in rows):,.0f}")
PY
rm -f "$results"
