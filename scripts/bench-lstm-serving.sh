#!/usr/bin/env bash
# The serving cost of the LSTM core: `seedrl bench` (embedded server, inference only,
# CartPole spec) with --core mlp and --core lstm, alternating, REPS rounds, at each of
# STREAMS; prints median QPS and p99 per core and the LSTM/MLP ratio.
# Usage: scripts/bench-lstm-serving.sh [OUT.jsonl]   env: STREAMS ("64 256"), REPS (3), SECONDS_PER_RUN (4), ARGS
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
out="${1:-$root/bench-lstm-serving.jsonl}"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
: > "$out"
for rep in $(seq "${REPS:-3}"); do
  for n in ${STREAMS:-64 256}; do
    for core in mlp lstm; do
      line=$("$seedrl" bench --env cartpole --core "$core" --streams "$n" --seconds "${SECONDS_PER_RUN:-4}" --warmup-seconds 1 \
        --json --log-level error ${ARGS:-})
      echo "{\"core\":\"$core\",\"rep\":$rep,\"n\":$n,\"result\":$line}" | tee -a "$out"
    done
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
for n in dict.fromkeys(r["n"] for r in runs):
    qps = {c: statistics.median(r["result"]["qps"] for r in runs if r["n"] == n and r["core"] == c) for c in ("mlp", "lstm")}
    p99 = {c: statistics.median(r["result"]["p99_us"] for r in runs if r["n"] == n and r["core"] == c) for c in ("mlp", "lstm")}
    print(f"{n} streams: mlp {qps['mlp']:,.0f} QPS (p99 {p99['mlp']:,.0f} µs), lstm {qps['lstm']:,.0f} QPS "
          f"(p99 {p99['lstm']:,.0f} µs): {qps['lstm'] / qps['mlp']:.2f}x")
PY
