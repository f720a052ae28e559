#!/usr/bin/env bash
# A MinAtar game from PyPI `minatar` through the Python actor (the games seedrl has no
# Swift port of, e.g. Seaquest): `seedrl server` with the MinAtar defaults of `seedrl train`
# (the `minatar` torso, γ 0.99, Adam 2e-3, T 20, B 8) and one `seedrl-actor --import
# minatar.gym` stepping ENVS environments on one ActBatch stream (MinAtar's published
# protocol: sticky actions 0.1, difficulty ramping, all 6 actions; bool frames sent as
# uint8) for STEPS env steps. Keeps the server's metrics.jsonl (the curve) and the actor's
# summary in OUT_DIR and prints one JSON line: the final last-100 mean training return.
# Usage: scripts/bench-minatar-python.sh GAME CHANNELS OUT_DIR [SEED]   e.g. Seaquest 10 docs/x
#   env: STEPS (5000000), ENVS (64), extra server flags in ARGS
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
game="${1:?usage: bench-minatar-python.sh GAME CHANNELS OUT_DIR [SEED]}"; channels="${2:?channels}"
out="${3:?out dir}"; seed="${4:-1}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
pinned "$venv" MinAtar
rm -rf "$out/run"; mkdir -p "$out"
"$seedrl" server --obs-shape "10,10,$channels" --obs-dtype uint8 --num-actions 6 --torso minatar --discount 0.99 \
  --port 18791 --seed "$seed" --logdir "$out/run" --fresh --status-seconds 5 --log-level error ${ARGS:-} >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
started=$(date +%s.%N)
"$venv/bin/seedrl-actor" --server 127.0.0.1:18791 --import minatar.gym --env "MinAtar/$game-v0" --envs "${ENVS:-64}" \
  --steps "${STEPS:-5000000}" --seed "$seed" > "$out/actor.json"
ended=$(date +%s.%N)
kill -TERM $server; wait $server || true
cp "$out/run/metrics.jsonl" "$out/metrics-seed$seed.jsonl"
python3 - "$out/metrics-seed$seed.jsonl" "$game" "$seed" "$started" "$ended" <<'PY' | tee -a "$out/summary.jsonl"
import json, sys
path, game, seed, started, ended = sys.argv[1:]
rows = [json.loads(l) for l in open(path)]
returns = [r["episode/return"] for r in rows if r.get("episode/return") is not None]
print(json.dumps({"game": game, "seed": int(seed), "env_steps": rows[-1]["env_steps"], "final_last100_return": returns[-1],
                  "wall_seconds": round(float(ended) - float(started), 1)}))
PY
