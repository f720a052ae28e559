#!/usr/bin/env bash
# Data-parallel learners under mpirun on this machine (2 ranks):
#  1. after K training steps on synthetic unrolls, both ranks' parameters are bitwise
#     identical, and equal to what one process computes from the same two batches averaged;
#  2. a seeded CartPole run with 2 ranks (each with its own actors) reaches its budgeted
#     return;
#  3. SIGUSR1 to mpirun checkpoints the job (rank 0 writes), SIGTERM ends it, and the next
#     job resumes from that checkpoint;
#  4. a rank that dies ends the job with a non-zero status;
#  and ranks started with different learning flags end the job, naming the flags.
# Usage: scripts/test-mpi.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun not found (scripts/install-deps.sh test installs OpenMPI)" >&2; exit 1; }
mpirun=(mpirun --bind-to none --mca mpi_yield_when_idle 1)
[ "$(id -u)" -eq 0 ] && mpirun=(mpirun --allow-run-as-root --bind-to none --mca mpi_yield_when_idle 1)
mpi=("${mpirun[@]}" -np 2)
work=$(mktemp -d)
job=
cleanup() { [ -n "$job" ] && kill -9 "$job" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAILED: $*"; exit 1; }

# 1. Bitwise agreement, and agreement with the single-process reference.
"${mpi[@]}" "$seedrl" learner-bench --steps 25 --warmup-steps 0 --seed 7 >"$work/ranks.jsonl"
"$seedrl" learner-bench --steps 25 --warmup-steps 0 --seed 7 --simulate-ranks 2 >"$work/single.jsonl"
"$seedrl" learner-bench --steps 25 --warmup-steps 0 --seed 7 >"$work/alone.jsonl"
python3 - "$work" <<'PY' || exit 1
import json, sys
work = sys.argv[1]
ranks = [json.loads(line) for line in open(f"{work}/ranks.jsonl") if line.startswith("{")]
single = json.loads(open(f"{work}/single.jsonl").read())
alone = json.loads(open(f"{work}/alone.jsonl").read())
assert sorted(r["rank"] for r in ranks) == [0, 1], ranks
sums = {r["checksum"] for r in ranks}
assert len(sums) == 1, f"ranks disagree: {ranks}"
assert ranks[0]["version"] == ranks[1]["version"] == 25, ranks
assert single["checksum"] in sums, f"2 ranks {sums} != one process averaging the same two batches {single['checksum']}"
assert alone["checksum"] != single["checksum"], "one rank's batch alone gives the same parameters: the check cannot fail"
print(f"ok: after 25 steps both ranks hold parameters {ranks[0]['checksum']}, "
      "bit for bit what one process computes from the two batches averaged")
PY

# 2. Learning with 2 ranks, each with one actor process of 16 CartPole environments.
start=$(date +%s)
"${mpi[@]}" "$seedrl" train --env cartpole --seed 3 --actors 1 --envs-per-actor 16 --target-return 195 \
  --max-steps 1500000 --logdir "$work/train" --quiet --log-level error >"$work/train.out" 2>&1 \
  || { tail -5 "$work/train.out"; fail "2 ranks did not reach a mean return of 195 within 1.5M env steps"; }
echo "ok: 2 ranks reached 195 ($(grep -o 'after [0-9.]*s and [0-9]* env steps' "$work/train.out"), $(( $(date +%s) - start )) s in all)"

# 2b. PPO over MPI: every minibatch's gradient all-reduced, so the ranks agree after each of
# a batch's updates (5 batches × 4 epochs × 4 minibatches) and learn together.
"${mpi[@]}" "$seedrl" learner-bench --steps 5 --warmup-steps 0 --seed 7 --algorithm ppo >"$work/ppo-ranks.jsonl"
"$seedrl" learner-bench --steps 5 --warmup-steps 0 --seed 7 --algorithm ppo >"$work/ppo-alone.jsonl"
python3 - "$work" <<'PY' || exit 1
import json, sys
work = sys.argv[1]
ranks = [json.loads(line) for line in open(f"{work}/ppo-ranks.jsonl") if line.startswith("{")]
alone = json.loads(open(f"{work}/ppo-alone.jsonl").read())
assert sorted(r["rank"] for r in ranks) == [0, 1], ranks
assert len({r["checksum"] for r in ranks}) == 1, f"PPO ranks disagree: {ranks}"
assert ranks[0]["version"] == 80, ranks
assert alone["checksum"] != ranks[0]["checksum"], "one rank alone gives the job's parameters: the check cannot fail"
print(f"ok: PPO, after 80 minibatch updates both ranks hold parameters {ranks[0]['checksum']}")
PY
"${mpi[@]}" "$seedrl" train --env cartpole --seed 3 --actors 1 --envs-per-actor 16 --target-return 195 --algorithm ppo \
  --learning-rate 1e-3 --max-steps 1500000 --logdir "$work/train-ppo" --quiet --log-level error >"$work/train-ppo.out" 2>&1 \
  || { tail -5 "$work/train-ppo.out"; fail "2 PPO ranks did not reach a mean return of 195 within 1.5M env steps"; }
echo "ok: 2 PPO ranks reached 195 ($(grep -o 'after [0-9.]*s and [0-9]* env steps' "$work/train-ppo.out"))"

# 2c. Ranks started with different learning flags end the job at once, naming the flag:
# left alone, PPO ranks with different epochs would make different numbers of all-reduces.
bench=(learner-bench --steps 2 --warmup-steps 0 --seed 7 --algorithm ppo)
if "${mpirun[@]}" -np 1 "$seedrl" "${bench[@]}" : -np 1 "$seedrl" "${bench[@]}" --ppo-epochs 2 --learning-rate 1e-3 \
  >"$work/mismatch.out" 2>&1; then
  cat "$work/mismatch.out"; fail "ranks with different --ppo-epochs ran"
fi
grep -q -- "--ppo-epochs 2 here, 4 on rank 0; --learning-rate 0.001 here, 0.002 on rank 0" "$work/mismatch.out" \
  || { cat "$work/mismatch.out"; fail "no message naming the flags the ranks differ in"; }
echo "ok: ranks with different flags ended the job: $(grep -o 'settings differ.*' "$work/mismatch.out" | head -1 | cut -c1-150)"

# 3. SIGUSR1 checkpoints the whole job; the next job resumes from it.
"${mpi[@]}" "$seedrl" server --env cartpole --port 0 --logdir "$work/server" --checkpoint-seconds 3600 --quiet \
  --log-level error >"$work/server.out" 2>&1 &
job=$!
# Two ports (one per rank) once both are up; then actors on each.
for _ in $(seq 100); do [ "$(grep -c 'training and serving' "$work/server.out")" -ge 2 ] && break; sleep 0.1; done
ports=$(grep -o 'on 127.0.0.1:[0-9]*' "$work/server.out" | grep -o '[0-9]*$')
[ "$(echo "$ports" | wc -l)" -eq 2 ] || { cat "$work/server.out"; fail "expected two ranks serving"; }
# One actor process spreads its 8 environments over both ranks.
list=$(for port in $ports; do printf '127.0.0.1:%s,' "$port"; done)
"$seedrl" actor --server "${list%,}" --env cartpole --envs 8 --quiet --log-level error & actors=($!)
sleep 3
for port in $ports; do
  streams=$("$seedrl" stats --server "127.0.0.1:$port" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["active_streams"])')
  [ "$streams" -eq 4 ] || fail "rank on port $port serves $streams streams, expected 4 of the actor's 8"
done
echo "ok: one actor spread its 8 environments over the two ranks (4 streams each)"
kill -USR1 "$job"
for _ in $(seq 100); do ls "$work/server"/checkpoint-*.bin >/dev/null 2>&1 && break; sleep 0.1; done
ls "$work/server"/checkpoint-*.bin >/dev/null 2>&1 || fail "no checkpoint after SIGUSR1"
echo "ok: SIGUSR1 wrote $(basename "$(ls "$work/server"/checkpoint-*.bin | tail -1)") for the job"
kill -TERM "$job"
wait "$job" || true
job=
kill "${actors[@]}" 2>/dev/null || true; wait "${actors[@]}" 2>/dev/null || true
count=$(ls "$work/server"/checkpoint-*.bin | wc -l)
"${mpi[@]}" "$seedrl" server --env cartpole --port 0 --logdir "$work/server" --quiet --log-level error \
  >"$work/resume.out" 2>&1 &
job=$!
for _ in $(seq 100); do grep -q 'resumed from' "$work/resume.out" && break; sleep 0.1; done
grep -q 'resumed from' "$work/resume.out" || { cat "$work/resume.out"; fail "the next job did not resume"; }
echo "ok: the next job $(grep -o 'resumed from.*' "$work/resume.out" | head -1 | sed "s|$work/||")"

# 4. A rank that dies ends the job.
rank1=$(pgrep -P "$job" -f 'seedrl server' | tail -1)
[ -n "$rank1" ] || fail "cannot find a rank's process"
kill -9 "$rank1"
for _ in $(seq 100); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$job" 2>/dev/null; then fail "the job went on after a rank died"; fi
if wait "$job"; then fail "the job exited 0 after a rank died"; fi
job=
grep -q 'exited on signal 9' "$work/resume.out" || { cat "$work/resume.out"; fail "no message naming the rank that died"; }
echo "ok: killing one rank ended the job with a non-zero status and mpirun's message:"
echo "    $(grep -o 'process rank [0-9]* .*exited on signal 9.*' "$work/resume.out" | head -1)"
echo "mpi: passed"
