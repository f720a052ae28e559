#!/usr/bin/env bash
# Resident memory per idle Act stream: `seedrl server --no-train` with 16-byte (CartPole)
# and 28,224-byte (84x84x4 uint8) observations, the same server training (CartPole),
# and the reference echo server, each holding STREAMS streams that have each done a few
# real exchanges and then gone silent (scripts/idle-stream-memory.py). REPS runs each.
#
# Usage: scripts/bench-idle-memory.sh [OUT.jsonl]   env: STREAMS (1024), REPS (3), SHARED
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
out="${1:-$root/bench-idle-memory.jsonl}"
streams="${STREAMS:-1024}"
reps="${REPS:-3}"
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
make -s -C "$shared/tools/grpc-echo" OUT=/tmp/grpc-echo >/dev/null

server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null || true' EXIT
measure() {  # LABEL PORT COMMAND...
  local label=$1 port=$2; shift 2
  "$@" >/dev/null 2>&1 & server=$!
  for _ in $(seq 50); do (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
  "$venv/bin/python3" "$root/scripts/idle-stream-memory.py" --pid "$server" --target "127.0.0.1:$port" \
    --streams "$streams" --label "$label" | tee -a "$out"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
}

: > "$out"
common=(--log-level error --quiet --max-streams $((streams + 16)))
for rep in $(seq "$reps"); do
  measure "seedrl 16 B, no-train" 18740 "$seedrl" server --env cartpole --no-train --port 18740 "${common[@]}"
  measure "seedrl 16 B, training" 18741 "$seedrl" server --env cartpole --port 18741 "${common[@]}"
  measure "seedrl 28224 B, no-train" 18742 "$seedrl" server --obs-shape 84,84,4 --obs-dtype uint8 --num-actions 6 --torso mlp \
    --no-train --port 18742 "${common[@]}"
  measure "echo 28224 B" 18743 /tmp/grpc-echo/bin/echo_server --port 18743 --mode callback
done
python3 - "$out" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
for label in dict.fromkeys(r["label"] for r in runs):
    values = [r["kib_per_idle_stream"] for r in runs if r["label"] == label]
    print(f"{label}: median {statistics.median(values):.1f} KiB per idle stream ({len(values)} runs: {values})")
PY
