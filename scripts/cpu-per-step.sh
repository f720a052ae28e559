#!/usr/bin/env bash
# Server CPU time per served step: runs the reference loadgen against a running server
# and divides the server process's CPU time (user+system, from /proc) by Actions served.
# Usage: scripts/cpu-per-step.sh PID TARGET LOADGEN [loadgen args...]
set -euo pipefail
pid=$1; target=$2; loadgen=$3; shift 3
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(cpu)
out=$("$loadgen" --target "$target" --warmup 0 --json "$@")
after=$(cpu)
python3 - "$out" "$before" "$after" "$ticks" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); before, after, ticks = map(float, sys.argv[2:5])
cpu = (after - before) / ticks
r["server_cpu_s"] = round(cpu, 3)
r["server_cpu_us_per_step"] = round(1e6 * cpu / max(r["actions"], 1), 2)
print(json.dumps(r))
PY
