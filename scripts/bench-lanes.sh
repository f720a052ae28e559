#!/usr/bin/env bash
# Issue 14's serving figures, one JSON line per run (medians are taken by the summary):
#  - seedrl server --no-train (CartPole spec) under the reference loadgen, 64 streams, as
#    Act (one lane per message) and as ActBatch with 64 lanes per message, with the server
#    process's CPU time per env step;
#  - the reference echo server under the same loadgen, 64 streams x 64 lanes x 16 B;
#  - 84x84x4 uint8 frames, 16 lanes per message, seedrl and echo at the same message size.
# Usage: scripts/bench-lanes.sh [OUT.jsonl]   env: REPS (3), SECONDS_PER_RUN (4), SHARED
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
tools="$shared/tools/grpc-echo"
out="${1:-$root/bench-lanes.jsonl}"
reps="${REPS:-3}"
seconds="${SECONDS_PER_RUN:-4}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
bin=/tmp/grpc-echo/bin
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
make -s -C "$tools" OUT=/tmp/grpc-echo >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
"$bin/echo_server" --port 18710 --mode callback >/dev/null 2>&1 & pids+=($!)
"$seedrl" server --env cartpole --no-train --port 18711 --max-streams 8192 --max-streams-per-peer 0 --log-level error --status-seconds 100000 >/dev/null & pids+=($!)
cartpole=$!
"$seedrl" server --obs-shape 84,84,4 --obs-dtype uint8 --num-actions 6 --torso mlp --no-train --port 18712 --max-streams-per-peer 0 \
  --log-level error --status-seconds 100000 >/dev/null & pids+=($!)
frames=$!
sleep 1

run() {  # label, pid or -, target, loadgen args...
  local label=$1 pid=$2 target=$3; shift 3
  if [ "$pid" = - ]; then
    line=$("$bin/loadgen" --target "$target" --warmup 1 --seconds "$seconds" --json "$@")
  else
    line=$("$root/scripts/cpu-per-step.sh" "$pid" "$target" "$bin/loadgen" --seconds "$seconds" "$@")
  fi
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["label"]=sys.argv[2]; print(json.dumps(r))' "$line" "$label" | tee -a "$out"
}

: > "$out"
for rep in $(seq "$reps"); do
  run seedrl-act-64 "$cartpole" 127.0.0.1:18711 --streams 64 --obs-bytes 16
  run seedrl-lanes-64x64 "$cartpole" 127.0.0.1:18711 --streams 64 --lanes 64 --obs-bytes 16
  run echo-lanes-64x64 - 127.0.0.1:18710 --streams 64 --lanes 64 --obs-bytes 16
  run seedrl-frames-16x16 "$frames" 127.0.0.1:18712 --streams 16 --lanes 16
  run echo-frames-16x16 - 127.0.0.1:18710 --streams 16 --lanes 16 --obs-bytes 28224
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def median(label, key):
    values = [r[key] for r in rows if r["label"] == label and key in r]
    return statistics.median(values) if values else float("nan")
for label in ["seedrl-act-64", "seedrl-lanes-64x64", "echo-lanes-64x64", "seedrl-frames-16x16", "echo-frames-16x16"]:
    steps, messages = median(label, "env_steps_per_s"), median(label, "qps")
    cpu = median(label, "server_cpu_us_per_step")
    mb = messages * (28224 if "frames" in label else 16) * (16 if "frames" in label else 64) / 1e6
    print(f"{label:22s} env steps/s {steps:12,.0f}  messages/s {messages:10,.0f}  server CPU/env step {cpu:6.2f} µs  MB/s {mb:8,.0f}")
PY
