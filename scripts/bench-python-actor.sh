#!/usr/bin/env bash
# The Python actor's speed against `seedrl server --no-train` (CartPole spec): env steps
# per second of `seedrl-actor --env CartPole-v1` with one Act stream per environment
# (--lanes 1, the old example's way) and with vector environments on ActBatch streams, for
# several environment counts, REPS times each (alternating). One JSON line per run.
# Usage: scripts/bench-python-actor.sh [OUT.jsonl]   env: REPS (3), SECONDS_PER_RUN (8), ENVS ("16 64 256")
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/bench-python-actor.jsonl}"
reps="${REPS:-3}"
seconds="${SECONDS_PER_RUN:-8}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
"$seedrl" server --env cartpole --no-train --port 18731 --max-streams-per-peer 0 --log-level error --status-seconds 100000 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
: > "$out"
for rep in $(seq "$reps"); do
  for mode in act vector; do
    for envs in ${ENVS:-16 64 256}; do
      lanes=(); [ "$mode" = act ] && lanes=(--lanes 1)
      [ "$mode" = act ] && [ "$envs" -gt 64 ] && continue   # a thread per Act stream: 256 threads say nothing new
      line=$("$venv/bin/seedrl-actor" --server 127.0.0.1:18731 --env CartPole-v1 --envs "$envs" "${lanes[@]}" --seconds "$seconds" --seed "$rep")
      python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(json.dumps({"mode": sys.argv[2], "envs": int(sys.argv[3]), "rep": int(sys.argv[4]),
        "env_steps": r["steps"], "seconds": float(sys.argv[5]), "env_steps_per_s": round(r["steps"] / float(sys.argv[5])), "errors": r["errors"]}))' \
        "$line" "$mode" "$envs" "$rep" "$seconds" | tee -a "$out"
    done
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for key in sorted({(r["mode"], r["envs"]) for r in rows}):
    rates = [r["env_steps_per_s"] for r in rows if (r["mode"], r["envs"]) == key]
    print(f"{key[0]:6} {key[1]:4} envs: median {statistics.median(rates):,.0f} env steps/s over {len(rates)} runs {rates}")
PY
