#!/usr/bin/env bash
# seedrl over a real network: three hosts made of network namespaces and veth pairs
# (iproute2, root). The learner listens on its own addresses; actor hosts A and B connect
# over their links. Checks that both are served, that cutting A's link leaves B
# undisturbed, and that A reconnects by itself once its link is back.
# Usage: scripts/test-netns.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ "$(id -u)" -eq 0 ] || { echo "test-netns: skipped: network namespaces need root"; exit 0; }
command -v ip >/dev/null || { echo "test-netns: needs iproute2"; exit 1; }
tag="sr$$"
L="$tag-l" A="$tag-a" B="$tag-b"
logs="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "$L" "$A" "$B"; do ip netns delete "$ns" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap cleanup EXIT

for ns in "$L" "$A" "$B"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add "$tag-la" netns "$L" type veth peer name "$tag-al" netns "$A"
ip link add "$tag-lb" netns "$L" type veth peer name "$tag-bl" netns "$B"
ip -n "$L" addr add 10.231.1.1/24 dev "$tag-la"; ip -n "$A" addr add 10.231.1.2/24 dev "$tag-al"
ip -n "$L" addr add 10.231.2.1/24 dev "$tag-lb"; ip -n "$B" addr add 10.231.2.2/24 dev "$tag-bl"
for pair in "$L $tag-la" "$A $tag-al" "$L $tag-lb" "$B $tag-bl"; do set -- $pair; ip -n "$1" link set "$2" up; done

ip netns exec "$L" "$seedrl" server --env cartpole --host 0.0.0.0 --port 8686 --no-train \
  --keepalive-seconds 1 --status-seconds 0.5 --log-level error >"$logs/server" 2>&1 & pids+=($!)
sleep 1
ip netns exec "$A" "$seedrl" actor --server 10.231.1.1:8686 --envs 4 --keepalive-seconds 1 --max-backoff-seconds 1 \
  --status-seconds 0.5 --log-level error >"$logs/a" 2>&1 & pids+=($!)
ip netns exec "$B" "$seedrl" actor --server 10.231.2.1:8686 --envs 4 --keepalive-seconds 1 --max-backoff-seconds 1 \
  --status-seconds 0.5 --log-level error >"$logs/b" 2>&1 & pids+=($!)

steps() { grep -o '^steps [0-9]*' "$logs/$1" | tail -1 | grep -o '[0-9]*' || echo 0; }
streams() { grep -o 'streams [0-9]*' "$logs/server" | tail -1 | grep -o '[0-9]*' || echo 0; }
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $((seconds * 10))); do "$@" && { echo "ok: $what"; return 0; }; sleep 0.1; done
  echo "FAILED: $what"; echo "--- server"; tail -3 "$logs/server"; echo "--- a"; tail -3 "$logs/a"; echo "--- b"; tail -3 "$logs/b"
  exit 1
}
both_served() { [ "$(streams)" -eq 8 ] && [ "$(steps a)" -gt 0 ] && [ "$(steps b)" -gt 0 ]; }
wait_for 20 "both actor hosts are served over their links (8 streams)" both_served

ip -n "$L" link set "$tag-la" down
cut_at=$(date +%s.%N)
# Host A's count as of the cut: its status line lags by up to one period (0.5 s), so read
# it one period later (nothing can be served over a link that is down).
sleep 0.7; a_cut=$(steps a)
a_freed() { [ "$(streams)" -eq 4 ]; }
wait_for 20 "the server frees host A's streams after its link is cut" a_freed
echo "  (freed after $(python3 -c "print(round($(date +%s.%N) - $cut_at, 1))") s)"
b_before=$(steps b); sleep 2; b_after=$(steps b)
wait_for 1 "host B is served undisturbed meanwhile ($b_before → $b_after steps)" test "$b_after" -gt "$b_before"
a_during=$(steps a)
[ "$a_during" -le $((a_cut + 200)) ] || { echo "FAILED: host A was served while cut off ($a_cut → $a_during)"; exit 1; }

ip -n "$L" link set "$tag-la" up
a_back=$(steps a)
a_recovered() { [ "$(steps a)" -gt "$a_back" ] && [ "$(streams)" -eq 8 ]; }
wait_for 30 "host A reconnects by itself once its link is back" a_recovered
grep -q "reconnects [1-9]" "$logs/a" && echo "ok: host A's status line counts its reconnects"
echo "netns: passed"
