#!/usr/bin/env bash
# Learner-only training throughput (synthetic unrolls, no actors, no gRPC) with 1 and 2
# data-parallel ranks under mpirun on this machine, alternating, REPS rounds; for the
# CartPole MLP and for 84x84x4 frames with a wider MLP. Prints medians, the 2-rank
# speed-up and the share of a step spent in the gradient all-reduce.
# Usage: scripts/bench-learner-ranks.sh [OUT.jsonl]   env: REPS (5)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
out="${1:-$root/bench-learner-ranks.jsonl}"
reps="${REPS:-5}"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
mpi=(mpirun --bind-to none --mca mpi_yield_when_idle 1 -np 2)
[ "$(id -u)" -eq 0 ] && mpi=(mpirun --allow-run-as-root --bind-to none --mca mpi_yield_when_idle 1 -np 2)
models=("cartpole|--env cartpole --steps 3000"
        "frames|--obs-shape 84,84,4 --obs-dtype uint8 --num-actions 6 --torso mlp --hidden 256,256 --steps 150")
: > "$out"
for rep in $(seq "$reps"); do
  for model in "${models[@]}"; do
    name=${model%%|*}; args=${model#*|}
    "$seedrl" learner-bench $args | sed "s/^{/{\"model\":\"$name\",\"rep\":$rep,/" >> "$out"
    "${mpi[@]}" "$seedrl" learner-bench $args | grep '^{' | sed "s/^{/{\"model\":\"$name\",\"rep\":$rep,/" >> "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
for model in dict.fromkeys(r["model"] for r in runs):
    one = [r["frames_trained_per_s"] for r in runs if r["model"] == model and r["ranks"] == 1]
    two = {}
    for r in runs:
        if r["model"] == model and r["ranks"] == 2:
            two.setdefault(r["rep"], []).append(r)
    job = [min(x["frames_trained_per_s"] for x in rs) for rs in two.values()]
    share = [statistics.mean(x["allreduce_share"] for x in rs) for rs in two.values()]
    agree = all(len({x["checksum"] for x in rs}) == 1 for rs in two.values())
    ratios = [b / a for a, b in zip(one, job)]
    print(f"{model} ({runs[0]['batch_size']}x{runs[0]['unroll_length']} frames a step per rank, "
          f"{[r['parameters'] for r in runs if r['model'] == model][0]:,} parameters): "
          f"1 rank {statistics.median(one):,.0f} frames/s, 2 ranks {statistics.median(job):,.0f} frames/s, "
          f"speed-up {statistics.median(ratios):.2f}x (per round {', '.join(f'{x:.2f}' for x in ratios)}), "
          f"all-reduce {statistics.median(share):.1%} of a step; ranks agree bit for bit: {agree}")
PY
