#!/usr/bin/env bash
# Does a learner fed by the Python actor still learn? `seedrl server --env cartpole` (its
# default learning settings) with one `seedrl-actor --env CartPole-v1 --envs 64` (a
# Gymnasium vector environment on one ActBatch stream) until the server's last-100 mean
# return reaches 475 or BUDGET env steps pass. Keeps the server's metrics.jsonl (every
# second) in OUT_DIR and prints one JSON line.
# Usage: scripts/bench-python-learning.sh OUT_DIR [SEED]   env: BUDGET (2000000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: bench-python-learning.sh OUT_DIR [SEED]}"; seed="${2:-1}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"
. "$root/scripts/python-venv.sh"
rm -rf "$out/run"; mkdir -p "$out"
"$seedrl" server --env cartpole --port 18781 --seed "$seed" --logdir "$out/run" --status-seconds 1 --log-level error >/dev/null &
server=$!
"$venv/bin/seedrl-actor" --server 127.0.0.1:18781 --env CartPole-v1 --envs 64 --seed "$seed" --steps "${BUDGET:-2000000}" > "$out/actor.json" &
actor=$!
trap 'kill $server $actor 2>/dev/null || true' EXIT
started=$(date +%s.%N)
reached=""
while kill -0 $actor 2>/dev/null; do
  sleep 1
  reached=$(python3 - "$out/run/metrics.jsonl" <<'PY' || true
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if (r.get("episode/return") or 0) >= 475:
        print(r["env_steps"]); break
PY
)
  [ -n "$reached" ] && break
done
wall=$(python3 -c "print(round($(date +%s.%N) - $started, 1))")
kill $actor 2>/dev/null || true; wait $actor 2>/dev/null || true
kill -TERM $server; wait $server || true
cp "$out/run/metrics.jsonl" "$out/metrics-seed$seed.jsonl"; rm -rf "$out/run"
python3 -c 'import json,sys; print(json.dumps({"seed": int(sys.argv[1]), "reached_475": sys.argv[2] != "", "env_steps_to_475": int(sys.argv[2]) if sys.argv[2] else None, "wall_seconds": float(sys.argv[3])}))' \
  "$seed" "$reached" "$wall" | tee -a "$out/summary.jsonl"
