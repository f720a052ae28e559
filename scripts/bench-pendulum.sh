#!/usr/bin/env bash
# Pendulum-v1 learned in Swift (BENCHMARKS.md, "Continuous control"): `seedrl train --env
# pendulum` with no other flag (its task defaults; the run stops when the last-100 mean
# return reaches -200, or unsuccessfully after 1M env steps) for each seed, one run after
# another. Each run's metrics.jsonl (the curve) is copied to OUT_DIR/seed-N-metrics.jsonl;
# one JSON line per run goes to OUT_DIR/runs.jsonl: whether it reached -200, the env steps
# it took, its last-100 return and the wall time.
# Usage: scripts/bench-pendulum.sh OUT_DIR "1 2 3"   env: SEEDRL (another build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: $0 OUT_DIR SEEDS}"
seeds="${2:-1 2 3}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
mkdir -p "$out"
for seed in $seeds; do
  logdir="$(mktemp -d /tmp/seedrl-pendulum-XXXXXX)"
  started=$(date +%s.%N)
  line=$("$seedrl" train --env pendulum --seed "$seed" --logdir "$logdir" --quiet 2>&1 | grep '^seedrl train: ' | tail -1 || true)
  ended=$(date +%s.%N)
  cp "$logdir/metrics.jsonl" "$out/seed-$seed-metrics.jsonl"
  rm -rf "$logdir"
  python3 - "$line" "$seed" "$started" "$ended" <<'PY' | tee -a "$out/runs.jsonl"
import json, re, sys
line, seed, started, ended = sys.argv[1:]
print(json.dumps({"env": "pendulum", "seed": int(seed), "reached_minus_200": "target reached" in line,
                  "env_steps": int(re.search(r"and (\d+) env steps", line).group(1)),
                  "final_last100_return": float(re.search(r"mean return (-?[0-9.]+)", line).group(1)),
                  "wall_seconds": round(float(ended) - float(started), 1), "summary": line}))
PY
done
