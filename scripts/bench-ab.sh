#!/usr/bin/env bash
# Two builds of seedrl side by side under the reference loadgen, interleaved REPS times:
# `seedrl server --no-train` (CartPole spec, and 84x84x4 frames) driven by Act streams at
# 16 B (64 and 256 streams) and frames (64 streams); with LANES=1 also 64 streams x 64
# lanes (both builds must speak ActBatch). One JSON line per run with the server's CPU
# time per step; the summary prints each build's medians and the ratio new/base.
# Usage: scripts/bench-ab.sh BASE_BINARY NEW_BINARY [OUT.jsonl]
#   env: REPS (3), SECONDS_PER_RUN (4), LANES, CELLS (a subset, e.g. "act-frames-64"), SHARED
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
base="$1"; new="$2"; out="${3:-$root/bench-ab.jsonl}"
reps="${REPS:-3}"; seconds="${SECONDS_PER_RUN:-4}"
bin=/tmp/grpc-echo/bin
make -s -C "$shared/tools/grpc-echo" OUT=/tmp/grpc-echo >/dev/null
: > "$out"
run_build() {  # label, binary
  local label=$1 binary=$2 pids=()
  "$binary" server --env cartpole --no-train --port 18751 --max-streams 8192 --max-streams-per-peer 0 --log-level error --status-seconds 100000 >/dev/null & pids+=($!)
  local cartpole=$!
  torso=(); "$binary" server --help | grep -q -- --torso && torso=(--torso mlp)  # the transport, not a conv net
  "$binary" server --obs-shape 84,84,4 --obs-dtype uint8 --num-actions 6 "${torso[@]}" --no-train --port 18752 --max-streams-per-peer 0 --log-level error --status-seconds 100000 >/dev/null & pids+=($!)
  local frames=$!
  sleep 1
  cell() {  # name, pid, target, loadgen args
    local name=$1 pid=$2 target=$3; shift 3
    [ -z "${CELLS:-}" ] || [[ " $CELLS " == *" $name "* ]] || return 0
    line=$("$root/scripts/cpu-per-step.sh" "$pid" "$target" "$bin/loadgen" --seconds "$seconds" "$@")
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["build"]=sys.argv[2]; r["cell"]=sys.argv[3]; print(json.dumps(r))' "$line" "$label" "$name" | tee -a "$out"
  }
  cell act-16B-64 "$cartpole" 127.0.0.1:18751 --streams 64 --obs-bytes 16
  cell act-16B-256 "$cartpole" 127.0.0.1:18751 --streams 256 --obs-bytes 16
  cell act-frames-64 "$frames" 127.0.0.1:18752 --streams 64 --obs-bytes 28224
  [ -n "${LANES:-}" ] && cell lanes-64x64 "$cartpole" 127.0.0.1:18751 --streams 64 --lanes 64 --obs-bytes 16
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
}
for rep in $(seq "$reps"); do
  run_build base "$base"
  run_build new "$new"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for cell in dict.fromkeys(r["cell"] for r in rows):
    def med(build, key):
        return statistics.median(r[key] for r in rows if r["cell"] == cell and r["build"] == build)
    b, n = med("base", "env_steps_per_s"), med("new", "env_steps_per_s")
    bc, nc = med("base", "server_cpu_us_per_step"), med("new", "server_cpu_us_per_step")
    print(f"{cell:14s} env steps/s base {b:10,.0f} new {n:10,.0f} ratio {n / b:.2f}   CPU µs/step base {bc:.2f} new {nc:.2f} ratio {nc / bc:.2f}")
PY
