#!/usr/bin/env bash
# Two learner ranks on two "hosts": network namespaces joined by a veth pair (iproute2,
# root). mpirun starts in host A and reaches host B through a stand-in for ssh (this
# script, called as `--rsh HOST COMMAND`) that runs the command in B's namespace; MPI's
# own traffic is kept on the veth link (TCP, no shared memory). Checks that the ranks'
# parameters agree bit for bit after training on synthetic unrolls, and that a CartPole
# job with a learner and actors on each host reaches its budgeted return.
#
# The same recipe across real machines: `--hostfile`, the same binary path everywhere,
# ssh (or `--mca plm_rsh_agent`) and `btl_tcp_if_include`/`oob_tcp_if_include` naming the
# network to use; see README "Outgrow one machine".
# Usage: scripts/test-mpi-netns.sh [SEEDRL_BINARY]   env: BENCH_STEPS (also measure
#        learner-bench over the link with this many steps, 3 runs)
set -euo pipefail
if [ "${1:-}" = "--rsh" ]; then  # the ssh stand-in: HOST COMMAND...
  host=$2; shift 2
  exec ip netns exec "$(cat "$SEEDRL_NETNS_MAP/$host")" sh -c "$*"
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
seedrl="$(cd "$(dirname "$seedrl")" && pwd)/$(basename "$seedrl")"  # the same path on every host
[ "$(id -u)" -eq 0 ] || { echo "mpi-netns: skipped: network namespaces need root"; exit 0; }
command -v ip >/dev/null || { echo "mpi-netns: needs iproute2"; exit 1; }
tag="sm$$" A="sm$$-a" B="sm$$-b"
net=10.233.$(( $$ % 200 ))
work=$(mktemp -d)
cleanup() {
  ip netns pids "$A" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns pids "$B" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns delete "$A" 2>/dev/null || true; ip netns delete "$B" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$A"; ip netns add "$B"
ip link add "$tag-a" netns "$A" type veth peer name "$tag-b" netns "$B"
ip -n "$A" addr add "$net.1/24" dev "$tag-a"; ip -n "$B" addr add "$net.2/24" dev "$tag-b"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "$tag-a" up; ip -n "$B" link set "$tag-b" up
mkdir "$work/hosts"; echo "$A" > "$work/hosts/$net.1"; echo "$B" > "$work/hosts/$net.2"

mpi=(mpirun --allow-run-as-root --bind-to none --mca mpi_yield_when_idle 1 --host "$net.1,$net.2" -np 2
     --mca plm_rsh_agent "$root/scripts/test-mpi-netns.sh --rsh" -x SEEDRL_NETNS_MAP
     --mca btl tcp,self --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24")
export SEEDRL_NETNS_MAP="$work/hosts"
cd "$work"

ip netns exec "$A" "${mpi[@]}" "$seedrl" learner-bench --steps 25 --warmup-steps 0 --seed 5 >"$work/bench.jsonl" 2>"$work/bench.err" \
  || { cat "$work/bench.err"; echo "FAILED: learner-bench across the two hosts"; exit 1; }
python3 - "$work/bench.jsonl" <<'PY' || exit 1
import json, sys
ranks = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
assert sorted(r["rank"] for r in ranks) == [0, 1] and len({r["checksum"] for r in ranks}) == 1, ranks
print(f"ok: across the veth link both ranks hold parameters {ranks[0]['checksum']} after 25 steps")
PY

if [ -n "${BENCH_STEPS:-}" ]; then  # a measurement, not a check: the all-reduce's share over the link
  for _ in 1 2 3; do
    ip netns exec "$A" "${mpi[@]}" "$seedrl" learner-bench --steps "$BENCH_STEPS" | grep '^{'
  done
fi

ip netns exec "$A" "${mpi[@]}" "$seedrl" train --env cartpole --seed 4 --actors 1 --envs-per-actor 16 --target-return 195 \
  --max-steps 1500000 --logdir "$work/train" --quiet --log-level error >"$work/train.out" 2>&1 &
job=$!
in_b=0
while kill -0 "$job" 2>/dev/null; do
  for pid in $(ip netns pids "$B" 2>/dev/null); do
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'seedrl train' && in_b=1
  done
  sleep 0.2
done
wait "$job" || { tail -5 "$work/train.out"; echo "FAILED: the two-host CartPole job did not reach 195"; exit 1; }
[ "$in_b" -eq 1 ] || { echo "FAILED: no rank ran in host B's namespace"; exit 1; }
echo "ok: a learner rank on each host reached 195 together ($(grep -o 'after [0-9.]*s and [0-9]* env steps' "$work/train.out"))"
echo "mpi-netns: passed"
