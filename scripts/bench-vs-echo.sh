#!/usr/bin/env bash
# The serving benchmark of BENCHMARKS.md: seedrl server (inference on, validation and
# stats on, the binary users run) beside the reference C++ echo server, both driven by
# the same reference load generator, alternating, in one session; plus `seedrl bench`
# (our own load generator) against the same seedrl server.
#
# Usage: scripts/bench-vs-echo.sh [OUT.jsonl]   env: STREAMS, SIZES, REPS, SECONDS_PER_RUN, SHARED
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
tools="$shared/tools/grpc-echo"
out="${1:-$root/bench-results.jsonl}"
streams="${STREAMS:-1 16 64 256 1024}"
sizes="${SIZES:-16 28224}"
reps="${REPS:-3}"
seconds="${SECONDS_PER_RUN:-4}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
echo_bin=/tmp/grpc-echo/bin

[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }
[ -d "$tools" ] || { echo "reference tools not found at $tools (set SHARED)" >&2; exit 1; }
make -s -C "$tools" OUT=/tmp/grpc-echo >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
"$echo_bin/echo_server" --port 18700 --mode callback >/dev/null 2>&1 & pids+=($!)
"$seedrl" server --env cartpole --no-train --port 18701 --log-level error --status-seconds 100000 >/dev/null & pids+=($!)
"$seedrl" server --obs-shape 84,84,4 --obs-dtype uint8 --num-actions 6 --torso mlp --no-train --port 18702 \
  --log-level error --status-seconds 100000 >/dev/null & pids+=($!)
sleep 1

: > "$out"
for rep in $(seq "$reps"); do
  for size in $sizes; do
    seedrl_port=$([ "$size" = 16 ] && echo 18701 || echo 18702)
    for n in $streams; do
      for who in echo seedrl seedrl-bench; do
        case $who in
          echo) line=$("$echo_bin/loadgen" --target 127.0.0.1:18700 --streams "$n" --seconds "$seconds" \
                  --warmup 1 --obs-bytes "$size" --json --label echo || true) ;;
          seedrl) line=$("$echo_bin/loadgen" --target "127.0.0.1:$seedrl_port" --streams "$n" --seconds "$seconds" \
                  --warmup 1 --json --label seedrl || true) ;;
          seedrl-bench) line=$("$seedrl" bench --server "127.0.0.1:$seedrl_port" --streams "$n" --seconds "$seconds" \
                  --warmup-seconds 1 --json --log-level error || true) ;;
        esac
        echo "{\"who\":\"$who\",\"rep\":$rep,\"size\":$size,\"n\":$n,\"result\":${line:-null}}" | tee -a "$out"
      done
    done
  done
done
python3 "$root/scripts/summarize-bench.py" "$out"
