#!/usr/bin/env bash
# Kill -9 actor processes mid-episode, again and again, while the learner trains: the
# server must keep training, free every killed stream (partial unrolls dropped), come
# back to the live actors' stream count, and keep its memory bounded.
# Usage: scripts/fault-kill-actors.sh [KILLS (100)] [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kills="${1:-100}"
seedrl="${2:-$root/.build/release/seedrl}"
[ -x "$seedrl" ] || seedrl="$root/.build/debug/seedrl"
port=$((22000 + $$ % 9000))
logs="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$logs"; }
trap cleanup EXIT
stats() { "$seedrl" stats --server "127.0.0.1:$port" --json 2>/dev/null; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$(stats)"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }

"$seedrl" server --env cartpole --port "$port" --log-level error --status-seconds 100000 >"$logs/server" 2>&1 &
server=$!; pids+=($server)
for _ in $(seq 100); do stats >/dev/null && break; sleep 0.1; done
# One actor that stays: its 8 streams must be served throughout.
"$seedrl" actor --server "127.0.0.1:$port" --envs 8 --log-level error >/dev/null 2>&1 & pids+=($!)
sleep 2
rss_start=$(rss_kib); version_start=$(field model_version)
for i in $(seq "$kills"); do
  "$seedrl" actor --server "127.0.0.1:$port" --envs 16 --seed "$i" --log-level error >/dev/null 2>&1 &
  victim=$!
  sleep "0.$((RANDOM % 5 + 2))"   # 0.2-0.6 s: mid-episode, mid-unroll
  kill -9 "$victim"; wait "$victim" 2>/dev/null || true
  if (( i % 20 == 0 )); then echo "  $i kills: streams $(field active_streams), version $(field model_version), RSS $(rss_kib) KiB"; fi
done
for _ in $(seq 100); do [ "$(field active_streams)" -eq 8 ] && break; sleep 0.1; done
streams=$(field active_streams); version_end=$(field model_version); rss_end=$(rss_kib)
echo "after $kills kills: streams $streams (the staying actor's 8), version $version_start → $version_end, RSS $rss_start → $rss_end KiB"
[ "$streams" -eq 8 ] || { echo "FAILED: killed streams were not all freed"; exit 1; }
[ "$version_end" -gt "$version_start" ] || { echo "FAILED: training stopped"; exit 1; }
[ "$rss_end" -lt $((rss_start * 3 / 2 + 20000)) ] || { echo "FAILED: memory grew from $rss_start to $rss_end KiB"; exit 1; }
kill -0 "$server" || { echo "FAILED: the server died"; exit 1; }
echo "fault-kill-actors: passed"
