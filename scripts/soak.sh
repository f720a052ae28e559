#!/usr/bin/env bash
# Soak: ~1,000 streams that keep opening and closing against a training learner for
# DURATION seconds (600). Ten actor slots of 100 environments each; every slot runs an
# actor for 3-10 s, then stops it, alternately with SIGTERM (it must exit 0: no
# unexpected status) and SIGKILL (an abrupt disconnect), and starts another. The
# server's RSS is sampled every 10 s and must stay within 10 % after a 60 s warm-up.
# Usage: DURATION=600 scripts/soak.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/release/seedrl}"
duration="${DURATION:-600}"
warmup="${WARMUP:-60}"
port=$((24000 + $$ % 9000))
logs="$(mktemp -d)"
cleanup() { pkill -9 -P $$ 2>/dev/null || true; kill -9 "${server:-0}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

"$seedrl" server --env cartpole --port "$port" --log-level warning --status-seconds 100000 --max-streams 2048 \
  >"$logs/server" 2>&1 &
server=$!
sleep 1
end=$(( $(date +%s) + duration ))

slot() {  # slot N: actors one after another until the end
  local n=$1 round=0
  while [ "$(date +%s)" -lt "$end" ]; do
    round=$((round + 1))
    "$seedrl" actor --server "127.0.0.1:$port" --envs 100 --seed $((n * 100000 + round)) --log-level error \
      --status-seconds 1000 >"$logs/actor-$n.log" 2>&1 &
    local actor=$!
    sleep $((RANDOM % 8 + 3))
    if (( round % 2 )); then
      kill -TERM "$actor"
      if wait "$actor"; then echo "term-ok" >>"$logs/outcomes"
      else echo "term-FAILED $(tail -1 "$logs/actor-$n.log")" >>"$logs/outcomes"; fi
    else
      kill -9 "$actor"; wait "$actor" 2>/dev/null || true
      echo "killed" >>"$logs/outcomes"
    fi
  done
}
for n in $(seq 10); do slot "$n" & done

start=$(date +%s)
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 10
  elapsed=$(( $(date +%s) - start ))
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
  line=$("$seedrl" stats --server "127.0.0.1:$port" --json 2>/dev/null || echo '{}')
  echo "$elapsed $rss $line" | tee -a "$logs/samples"
done
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true

python3 - "$logs/samples" "$logs/outcomes" "$warmup" <<'PY'
import json, sys
samples = [l.split(" ", 2) for l in open(sys.argv[1]) if l.strip()]
after = [(int(t), int(r), json.loads(j)) for t, r, j in samples if int(t) >= int(sys.argv[3])]
outcomes = [l.strip() for l in open(sys.argv[2])]
failed = [o for o in outcomes if o.startswith("term-FAILED")]
rss = [r for _, r, _ in after]
first, peak = rss[0], max(rss)
last = after[-1][2]
print(f"soak: {len(outcomes)} actor processes of 100 streams stopped "
      f"({outcomes.count('term-ok')} by SIGTERM, {outcomes.count('killed')} by SIGKILL), {len(failed)} unexpected statuses")
print(f"soak: server RSS after warm-up {first} KiB, peak {peak} KiB ({100 * (peak - first) / first:+.1f} %), last {rss[-1]} KiB")
print(f"soak: steps served {last.get('steps_served')}, model version {last.get('model_version')}, frames trained {last.get('frames_trained')}")
ok = not failed and peak <= first * 1.10
for f in failed[:5]: print("  ", f)
print("soak: passed" if ok else "soak: FAILED")
sys.exit(0 if ok else 1)
PY
