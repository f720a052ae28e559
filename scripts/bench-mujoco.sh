#!/usr/bin/env bash
# A learning run on a MuJoCo robot (or any Gymnasium environment) through the Python actor:
# `seedrl server` serving the spec `seedrl-actor --print-spec --env ENV_ID` gives (plus
# SERVER_FLAGS, e.g. "--learning-rate 3e-4 --entropy-cost 0"), fed by ACTORS seedrl-actor
# processes with ENVS environments in all (lanes of ActBatch streams, LANES per stream)
# until BUDGET env steps are taken. MuJoCo comes from PyPI `mujoco` at the version
# scripts/python-constraints.txt pins. Keeps the server's metrics.jsonl (every second) in
# OUT_DIR as metrics-ENV-seedSEED.jsonl and prints one JSON line (also appended to
# OUT_DIR/summary.jsonl): env, seed, env_steps (the server's: MID and LAST steps),
# wall_seconds (the actors' run), env_steps_per_second and mean_return_last100 (the server's
# `episode/return` in its final metrics record: the mean of the last 100 episodes).
# Usage: scripts/bench-mujoco.sh OUT_DIR ENV_ID [SEED]
#   env: BUDGET (1000000), ENVS (16), ACTORS (1: on 2 cores the learner wants the other),
#        LANES (all of an actor's environments on one stream), SERVER_FLAGS, SEEDRL (the
#        server binary; default .build/release/seedrl), IMPORT (a module to --import)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: bench-mujoco.sh OUT_DIR ENV_ID [SEED]}"; env_id="${2:?usage: bench-mujoco.sh OUT_DIR ENV_ID [SEED]}"
seed="${3:-1}"
budget="${BUDGET:-1000000}"; envs="${ENVS:-16}"; actors="${ACTORS:-1}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"
[ -x "$seedrl" ] || { echo "bench-mujoco.sh: no server binary at $seedrl (swift build -c release, or set SEEDRL)" >&2; exit 1; }
[ "$actors" -ge 1 ] && [ "$envs" -ge "$actors" ] || { echo "bench-mujoco.sh: need 1 <= ACTORS <= ENVS" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
pinned "$venv" mujoco ImageIO
out="$(mkdir -p "$out" && cd "$out" && pwd)"; rm -rf "$out/run"
server=
actor_flags=(--env "$env_id")
[ -z "${IMPORT:-}" ] || actor_flags+=(--import "$IMPORT")
[ -z "${LANES:-}" ] || actor_flags+=(--lanes "$LANES")

# The spec: the second line of --print-spec is the server's flags (it exits 1 when none serve the env).
# Actors run in OUT_DIR: MuJoCo writes its warnings to MUJOCO_LOG.TXT in the working directory.
spec=$(cd "$out" && "$venv/bin/seedrl-actor" --print-spec "${actor_flags[@]}" 2>"$out/print-spec.log" || true)
[ "$(wc -l <<<"$spec")" = 2 ] || { echo "bench-mujoco.sh: no server flags for $env_id:" >&2; cat "$out/print-spec.log" >&2; exit 1; }
rm -f "$out/print-spec.log"
read -r -a spec_flags <<<"$(tail -1 <<<"$spec")"
read -r -a extra_flags <<<"${SERVER_FLAGS:-}"

name="${env_id//\//_}"
socket="$(mktemp -u /tmp/seedrl-bench-mujoco-XXXXXX.sock)"
pids=()
trap 'kill $server ${pids[@]+"${pids[@]}"} 2>/dev/null || true; rm -f "$socket"' EXIT
# A server has no step budget: give it the budget `seedrl train` would decay the rate over.
"$seedrl" server "${spec_flags[@]}" --learning-rate-decay-frames "$budget" ${extra_flags[@]+"${extra_flags[@]}"} --port 0 --unix "$socket" --seed "$seed" \
  --logdir "$out/run" --fresh --status-seconds 1 --log-level error >/dev/null &
server=$!
for _ in $(seq 600); do [ -S "$socket" ] && break; kill -0 $server 2>/dev/null || break; sleep 0.1; done
[ -S "$socket" ] || { echo "bench-mujoco.sh: seedrl server ${spec_flags[*]} ${SERVER_FLAGS:-} did not start" >&2; exit 1; }

# The budget and the environments split over the actors (actor i seeds its envs from SEED + 1000 i).
started=$(date +%s.%N)
for i in $(seq 0 $((actors - 1))); do
  (cd "$out" && exec "$venv/bin/seedrl-actor" --server "unix:$socket" "${actor_flags[@]}" --envs $(( envs / actors + (i < envs % actors ? 1 : 0) )) \
    --seed $((seed + 1000 * i)) --steps $(( (budget + actors - 1) / actors ))) >"$out/actor-$i.json" 2>"$out/actor-$i.log" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
pids=()
wall=$(python3 -c "print(round($(date +%s.%N) - $started, 1))")
[ "$status" = 0 ] || { echo "bench-mujoco.sh: an actor failed (exit $status):" >&2; tail -3 "$out"/actor-*.log >&2; exit 1; }

# The server's env steps once every actor is done (the last actor's GetStats sees them all);
# then wait for the metrics record that has them all (one a second), so the return is final.
env_steps=$(python3 - "$out" "$actors" <<'PY'
import json, sys
out, actors = sys.argv[1], int(sys.argv[2])
print(max(json.load(open(f"{out}/actor-{i}.json"))["server"]["env_steps"] for i in range(actors)))
PY
)
final=""
for _ in $(seq 100); do
  final=$(python3 - "$out/run/metrics.jsonl" "$env_steps" <<'PY' || true
import json, sys
records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
if records and records[-1]["env_steps"] >= int(sys.argv[2]):
    print(json.dumps(records[-1].get("episode/return")))
PY
)
  [ -n "$final" ] && break
  sleep 0.1
done
kill -TERM $server; wait $server || true
cp "$out/run/metrics.jsonl" "$out/metrics-$name-seed$seed.jsonl"; rm -rf "$out/run"
python3 - "$env_id" "$seed" "$env_steps" "$wall" "${final:-null}" <<'PY' | tee -a "$out/summary.jsonl"
import json, sys
env, seed, steps, wall, final = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), json.loads(sys.argv[5])
print(json.dumps({"env": env, "seed": seed, "env_steps": steps, "wall_seconds": wall,
                  "env_steps_per_second": round(steps / wall, 1) if wall > 0 else None, "mean_return_last100": final}))
PY
