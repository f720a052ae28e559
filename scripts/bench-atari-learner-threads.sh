#!/usr/bin/env bash
# The learner on both cores, on Atari (issue 24): agent steps/s of GAME with CleanRL's PPO
# settings (1,024 transitions per batch, 4 epochs x 4 minibatches on the nature torso:
# the learner is the bottleneck), with --learner-threads 1 and 2, interleaved REPS times,
# each run STEPS agent steps through scripts/bench-atari.sh (no evaluation to speak of).
# A run's speed: agent steps between its first metrics row past WARMUP seconds and its
# last row, over the time between (metrics.jsonl, a row every 30 s), so the start-up
# (ALE, the first batches) is left out. Prints each run, each setting's median and the
# ratio of the medians; raw runs stay in OUT_DIR.
# Usage: scripts/bench-atari-learner-threads.sh OUT_DIR   env: REPS (3), STEPS (60000), WARMUP (60), GAME (Pong)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: bench-atari-learner-threads.sh OUT_DIR}"
reps="${REPS:-3}"; steps="${STEPS:-60000}"; warmup="${WARMUP:-60}"; game="${GAME:-Pong}"
ppo="--algorithm ppo --batch-size 32 --unroll-length 32 --ppo-epochs 4 --ppo-minibatches 4 --ppo-clip 0.1
     --ppo-value-clip 0.1 --learning-rate 2.5e-4 --learning-rate-decay-frames 10000000 --unroll-queue 32"
mkdir -p "$out"
for rep in $(seq "$reps"); do
  for threads in 1 2; do
    run="$out/threads$threads-rep$rep"
    STEPS="$steps" EVAL_SECONDS=1 EVAL_ENVS=1 ARGS="$(echo $ppo) --learner-threads $threads" \
      "$root/scripts/bench-atari.sh" "$game" "$run" >"$run.log" 2>&1
  done
done
python3 - "$out" "$reps" "$warmup" <<'PY'
import json, statistics, sys
out, reps, warmup = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
medians = {}
for threads in (1, 2):
    speeds = []
    for rep in range(1, reps + 1):
        rows = [json.loads(line) for line in open(f"{out}/threads{threads}-rep{rep}/metrics.jsonl")]
        start = rows[0]["time"] - 30  # the first row comes 30 s after the server's start
        late = [row for row in rows if row["time"] - start >= warmup]
        if len(late) < 2:
            sys.exit(f"threads{threads}-rep{rep}: fewer than two metrics rows after the {warmup:g} s warm-up: give it more STEPS")
        first, last = late[0], late[-1]
        speed = (last["env_steps"] - first["env_steps"]) / (last["time"] - first["time"])
        speeds.append(speed)
        print(json.dumps({"threads": threads, "rep": rep, "agent_steps_per_s": round(speed, 1),
                          "from_s": round(first["time"] - start), "to_s": round(last["time"] - start)}))
    medians[threads] = statistics.median(speeds)
    print(json.dumps({"threads": threads, "median_agent_steps_per_s": round(medians[threads], 1)}))
print(json.dumps({"ratio_two_threads_over_one": round(medians[2] / medians[1], 3)}))
PY
