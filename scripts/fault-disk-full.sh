#!/usr/bin/env bash
# A log directory that fills up: the learner's checkpoints go to a tiny tmpfs (root).
# The first checkpoint fits; later ones fail with "No space left on device". The server
# must say so clearly, keep training, and leave the last good checkpoint readable.
# Usage: scripts/fault-disk-full.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/release/seedrl}"
[ -x "$seedrl" ] || seedrl="$root/.build/debug/seedrl"
[ "$(id -u)" -eq 0 ] || { echo "fault-disk-full: skipped: mounting a tmpfs needs root"; exit 0; }
dir="$(mktemp -d)"
port=$((23000 + $$ % 9000))
mount -t tmpfs -o size=96k tmpfs "$dir"
cleanup() { kill -9 "${server:-0}" "${actor:-0}" 2>/dev/null || true; wait 2>/dev/null || true; umount "$dir" 2>/dev/null || true; rmdir "$dir"; }
trap cleanup EXIT

"$seedrl" server --env cartpole --port "$port" --logdir "$dir/run" --checkpoint-seconds 0.5 --log-level info \
  --status-seconds 100000 >"$dir.server.log" 2>&1 &
server=$!
sleep 0.5
"$seedrl" actor --server "127.0.0.1:$port" --envs 8 --log-level error >/dev/null 2>&1 &
actor=$!
for _ in $(seq 100); do grep -q "checkpoint failed" "$dir.server.log" && break; sleep 0.1; done
grep -q "checkpoint written" "$dir.server.log" || { echo "FAILED: no checkpoint was written at all"; cat "$dir.server.log"; exit 1; }
grep -m1 "checkpoint failed" "$dir.server.log" | grep -q "No space left on device" \
  || { echo "FAILED: the full disk was not reported clearly"; cat "$dir.server.log"; exit 1; }
echo "ok: $(grep -m1 'checkpoint failed' "$dir.server.log" | sed 's/^.*error=//')"
v1=$("$seedrl" stats --server "127.0.0.1:$port" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['model_version'])")
sleep 1
v2=$("$seedrl" stats --server "127.0.0.1:$port" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['model_version'])")
[ "$v2" -gt "$v1" ] || { echo "FAILED: training stopped on the full disk"; exit 1; }
echo "ok: training goes on (version $v1 → $v2)"
ls "$dir/run" | grep -q '\.tmp\.' && { echo "FAILED: a partial temporary file was left behind"; exit 1; }
"$seedrl" eval --checkpoint "$dir/run" --episodes 3 | sed 's/^/ok: the last good checkpoint reads back: /'
kill -TERM "$actor"; kill -TERM "$server"
wait "$server" && { echo "FAILED: the server reported success though its final checkpoint could not be written"; exit 1; }
grep -q "final checkpoint could not be written" "$dir.server.log" && echo "ok: the final checkpoint's failure is reported and the exit status says so"
rm -f "$dir.server.log"
echo "fault-disk-full: passed"
