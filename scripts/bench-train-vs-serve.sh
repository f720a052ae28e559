#!/usr/bin/env bash
# Env steps/s served to real `seedrl actor` processes (CartPole) by `seedrl server`
# with training on, against the same server with --no-train, alternating, in one
# session; and where the server's CPU goes (per thread, from /proc) in each mode.
#
# Usage: scripts/bench-train-vs-serve.sh [OUT.jsonl]
#   env: STREAMS (64), ACTORS (2: the streams are split between actor processes),
#        REPS (3), WARMUP (3 s), SECONDS_PER_RUN (8), EXTRA (more server flags)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
out="${1:-$root/bench-train-vs-serve.jsonl}"
streams="${STREAMS:-64}"
actors="${ACTORS:-2}"
reps="${REPS:-3}"
warmup="${WARMUP:-3}"
seconds="${SECONDS_PER_RUN:-8}"
port=18720
[ -x "$seedrl" ] || { echo "build first: swift build -c release" >&2; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; pids=(); }
trap cleanup EXIT

# CPU ticks (user+system) of each of PID's threads, as "name ticks" lines.
thread_ticks() {
  for task in /proc/"$1"/task/*; do
    name=$(tr ' ' '_' < "$task/comm")
    awk -v n="$name" '{ sub(/^.*\) /, ""); print n, $12 + $13 }' "$task/stat"
  done
}

# "steps_served frames_trained" from GetStats.
counters() { "$seedrl" stats --server "127.0.0.1:$port" --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["steps_served"], s.get("frames_trained", 0))'; }

: > "$out"
for rep in $(seq "$reps"); do
  for mode in serve train; do
    flags=(--env cartpole --port "$port" --log-level error --quiet ${EXTRA:-})
    [ "$mode" = serve ] && flags+=(--no-train)
    "$seedrl" server "${flags[@]}" >/dev/null & server=$!; pids+=($server)
    for a in $(seq "$actors"); do
      "$seedrl" actor --server "127.0.0.1:$port" --env cartpole --envs $((streams / actors)) --seed "$a" \
        --quiet --log-level error >/dev/null & pids+=($!)
    done
    sleep "$warmup"
    read -r steps0 frames0 < <(counters); ticks0=$(thread_ticks "$server"); t0=$(date +%s.%N)
    sleep "$seconds"
    read -r steps1 frames1 < <(counters); ticks1=$(thread_ticks "$server"); t1=$(date +%s.%N)
    python3 - "$mode" "$rep" "$streams" "$steps0" "$steps1" "$t0" "$t1" "$(getconf CLK_TCK)" "$frames0" "$frames1" "$ticks0" "$ticks1" <<'PY' | tee -a "$out"
import collections, json, sys
mode, rep, streams = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s0, s1, t0, t1, hz, f0, f1 = map(float, sys.argv[4:11])
def ticks(text):
    total = collections.Counter()
    for line in text.splitlines():
        name, value = line.rsplit(" ", 1)
        # Threads of a kind share a name prefix (seedrl-cq0, seedrl-cq1, ...).
        total[name.rstrip("0123456789")] += float(value)
    return total
before, after = ticks(sys.argv[11]), ticks(sys.argv[12])
wall = t1 - t0
cpu = {name: round((after[name] - before[name]) / hz / wall, 3) for name in after if after[name] - before[name] > 0}
print(json.dumps({"mode": mode, "rep": rep, "streams": streams, "env_steps_per_s": round((s1 - s0) / wall),
                  "frames_trained_per_s": round((f1 - f0) / wall),
                  "server_cores_by_thread": dict(sorted(cpu.items(), key=lambda kv: -kv[1])),
                  "server_cores": round(sum(cpu.values()), 3)}))
PY
    cleanup
    sleep 0.5
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
def median(mode, key):
    return statistics.median(r[key] for r in runs if r["mode"] == mode)
serve, train = median("serve", "env_steps_per_s"), median("train", "env_steps_per_s")
print(f"median env steps/s: no-train {serve:,.0f}, training {train:,.0f}, ratio {train / serve:.2f}")
for mode in ("serve", "train"):
    names = sorted({n for r in runs if r["mode"] == mode for n in r["server_cores_by_thread"]})
    split = {n: statistics.median(r["server_cores_by_thread"].get(n, 0) for r in runs if r["mode"] == mode) for n in names}
    print(f"{mode}: server cores by thread (median): " + ", ".join(f"{n} {v:.2f}" for n, v in sorted(split.items(), key=lambda kv: -kv[1])))
PY
