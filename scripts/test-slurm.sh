#!/usr/bin/env bash
# deploy/seedrl.sbatch for real, under a one-node Slurm (Debian's slurm-wlm) started here
# on localhost, as root, in a temporary directory (its own munged, slurmctld and slurmd on
# free ports; no cgroups, so it runs in containers):
#  a. `sbatch --wait` with LEARNERS=1 on the one node (learner and actors co-located) and
#     RUN_SECONDS: the job completes, LOGDIR holds a checkpoint, run.json counts env steps;
#  b. `scancel --signal=USR1 JOB` writes a checkpoint while the job goes on (the actors
#     survive it), then `scancel JOB` (SIGTERM) writes the final one;
#  c. both again with LEARNERS=2: two data-parallel learner ranks, started with
#     `srun --mpi=pmix` when Slurm has the PMIx plugin (mpirun otherwise).
# Everything it started is stopped and its directory removed on exit.
# Usage: scripts/test-slurm.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
seedrl="$(cd "$(dirname "$seedrl")" && pwd)/$(basename "$seedrl")"
[ "$(id -u)" -eq 0 ] || { echo "run as root: it starts munged, slurmctld and slurmd" >&2; exit 1; }
for command in munged mungekey slurmctld slurmd sbatch scancel squeue sinfo scontrol srun python3; do
  command -v "$command" >/dev/null || { echo "$command not found (scripts/install-deps.sh test installs slurm-wlm and munge)" >&2; exit 1; }
done
node="$(hostname -s)"
getent hosts "$node" >/dev/null || { echo "this host's name ($node) does not resolve: the actors could not reach the learner" >&2; exit 1; }
started=$(date +%s)

# munged checks that its socket's directory is reachable by everyone.
work=$(mktemp -d /tmp/seedrl-slurm.XXXXXX)
chmod 755 "$work"
mkdir -m 700 "$work/state" "$work/spool" "$work/log"
daemons=()
cleanup() {
  set +e
  if [ -n "${daemons[1]:-}" ] && kill -0 "${daemons[1]}" 2>/dev/null; then  # slurmctld is up
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 60); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  # Newest first: slurmd, slurmctld, munged.
  for (( i = ${#daemons[@]} - 1; i >= 0; i-- )); do kill -TERM "${daemons[$i]}" 2>/dev/null; done
  for pid in "${daemons[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
  echo "FAILED: $*"
  for f in "$work"/log/*; do echo "--- $(basename "$f") (last lines)"; tail -15 "$f"; done
  exit 1
}

# munge: the machine's key (created if missing), copied for a munged of our own (it wants
# a key owned by the user it runs as) on a socket of our own.
if [ ! -f /etc/munge/munge.key ]; then
  mungekey --create --keyfile /etc/munge/munge.key
  id munge >/dev/null 2>&1 && chown munge:munge /etc/munge/munge.key
fi
install -m 600 -o root -g root /etc/munge/munge.key "$work/munge.key"
munged --foreground --socket="$work/munge.socket" --key-file="$work/munge.key" \
  --pid-file="$work/munged.pid" --seed-file="$work/munged.seed" \
  >>"$work/log/munged.log" 2>&1 &
daemons+=($!)
for _ in $(seq 50); do [ -S "$work/munge.socket" ] && break; sleep 0.1; done
[ -S "$work/munge.socket" ] || fail "munged did not start"

# Free ports: slurmctld, slurmd, and two adjacent ones for the learner ranks.
read -r ctld_port slurmd_port seedrl_port < <(python3 - <<'PY'
import socket
def free(n=1):
    while True:
        s = socket.socket(); s.bind(("", 0)); p = s.getsockname()[1]; s.close()
        if all(_bindable(p + i) for i in range(n)): return p
def _bindable(p):
    try:
        with socket.socket() as s: s.bind(("", p)); return True
    except OSError: return False
a = free(); b = free()
while b == a: b = free()
c = free(2)
while c in (a, a - 1, b, b - 1): c = free(2)
print(a, b, c)
PY
)
# The node as slurmd sees this machine (CPUs, sockets, cores, threads), less its memory.
hardware=$(slurmd -C | head -1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
cpus=$(echo "$hardware" | grep -oE 'CPUs=[0-9]+' | cut -d= -f2)
cat >"$work/slurm.conf" <<EOF
ClusterName=seedrltest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
# sbatch --wait polls every 2 s (not 2, 8, 32 s) when finished jobs may be purged this soon.
MinJobAge=4
NodeName=$node NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >>"$work/log/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" >>"$work/log/slurmd.out" 2>&1 &
daemons+=($!)
for _ in $(seq 60); do [ "$(sinfo -h -n "$node" -o %t 2>/dev/null)" = idle ] && break; sleep 0.5; done
[ "$(sinfo -h -n "$node" -o %t 2>/dev/null)" = idle ] || fail "node $node is not idle: $(sinfo -h -n "$node" -o '%t %E' 2>&1)"
echo "ok: Slurm $(sinfo -V | grep -oE '[0-9.]+$') up: node $node ($cpus CPUs) idle, controller on port $ctld_port"

# What the jobs inherit (sbatch exports the environment): the binary, a small CartPole job
# on the one node, a fixed token (so this script can ask the learner for its stats).
export SEEDRL="$seedrl" ENV=cartpole ENVS_PER_NODE=8 SEEDRL_PORT="$seedrl_port"
export SEEDRL_TOKEN="test-slurm-$RANDOM$RANDOM"
# OpenMPI refuses root unless told (mpirun; harmless for srun --mpi=pmix).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
sbatch_args=(--nodes=1 --cpus-per-task="$cpus" --time=2 --chdir="$work")
if srun --mpi=list 2>&1 | grep -w pmix >/dev/null; then launcher="srun --mpi=pmix"; else launcher=mpirun; fi

serving() { local n; n=$(grep -c 'training and serving' "$1" 2>/dev/null) || true; echo "${n:-0}"; }
check_ranks() {  # OUT LEARNERS: as many ranks as asked for, each knowing the others
  (( $2 == 1 )) || [ "$(grep -c "rank [0-9]* of $2: training and serving" "$1")" -eq "$2" ] \
    || { cat "$1"; fail "expected $2 ranks of one MPI job serving"; }
}
job_state() { scontrol show job "$1" -o 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2; }
checkpoints() { ls "$1" 2>/dev/null | grep -E '^checkpoint-[0-9]+\.bin$' || true; }
# run.json's results: env steps and frames trained, both > 0, and the exit reason.
check_run() {  # LOGDIR WHAT
  python3 - "$1" "$2" <<'PY' || fail "$2: no training recorded in $1/run.json"
import json, sys
results = json.load(open(f"{sys.argv[1]}/run.json")).get("results", {})
steps, frames = results.get("env_steps", 0), results.get("frames_trained", 0)
assert steps > 0 and frames > 0, results
print(f"ok: {sys.argv[2]}: {steps} env steps, {frames} frames trained, "
      f"exit reason {results.get('exit_reason')}, final checkpoint {results['checkpoint'].rsplit('/', 1)[-1]}")
PY
}

# a. A short job that stops itself (RUN_SECONDS): the job completes with status 0.
budget() {  # LEARNERS
  local learners=$1 logdir="$work/budget-$1" out="$work/budget-$1.out"
  LEARNERS=$learners LOGDIR="$logdir" RUN_SECONDS=6 \
    sbatch --wait --quiet "${sbatch_args[@]}" --output="$out" "$root/deploy/seedrl.sbatch" \
    || { cat "$out"; fail "LEARNERS=$learners: the job did not complete with status 0"; }
  grep -q 'learner exited with status 0' "$out" || { cat "$out"; fail "LEARNERS=$learners: no clean learner exit"; }
  [ -n "$(checkpoints "$logdir")" ] || { cat "$out"; fail "LEARNERS=$learners: no checkpoint in LOGDIR"; }
  check_ranks "$out" "$learners"
  check_run "$logdir" "LEARNERS=$learners, sbatch --wait, RUN_SECONDS=6"
}

# b. SIGUSR1 through Slurm checkpoints a running job; scancel (SIGTERM) ends it with the
# final checkpoint.
signals() {  # LEARNERS
  local learners=$1 logdir="$work/signals-$1" out="$work/signals-$1.out" job state first steps
  job=$(LEARNERS=$learners LOGDIR="$logdir" sbatch --parsable "${sbatch_args[@]}" --output="$out" "$root/deploy/seedrl.sbatch")
  for _ in $(seq 120); do
    [ "$(serving "$out")" -ge "$learners" ] && break; sleep 0.25
  done
  [ "$(serving "$out")" -ge "$learners" ] || { cat "$out"; fail "job $job: the learner did not start"; }
  check_ranks "$out" "$learners"
  # Wait until the learner has trained (its version moves only when it steps); the last
  # answer (or error) of `seedrl stats` goes in the failure message.
  local deadline=$(( $(date +%s) + 60 ))
  while :; do
    version=$("$seedrl" stats --server "$node:$seedrl_port" --json 2>"$work/stats.err" \
      | tee "$work/stats.out" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("model_version", 0))' 2>/dev/null || echo 0)
    [ "${version:-0}" -gt 0 ] || (( $(date +%s) >= deadline )) && break; sleep 0.5
  done
  [ "${version:-0}" -gt 0 ] || { cat "$out"; echo "seedrl stats --server $node:$seedrl_port said:"; cat "$work/stats.out" "$work/stats.err"
                                 fail "job $job: the learner did not train within 60 s (model version ${version:-none})"; }
  [ -z "$(checkpoints "$logdir")" ] || fail "job $job: a checkpoint before any was asked for"
  scancel --signal=USR1 "$job"
  for _ in $(seq 80); do [ -n "$(checkpoints "$logdir")" ] && break; sleep 0.25; done
  first=$(checkpoints "$logdir")
  [ -n "$first" ] || { cat "$out"; fail "job $job: no checkpoint after scancel --signal=USR1"; }
  sleep 1
  state=$(job_state "$job")
  steps=$(squeue -h -s -j "$job" -o %i | grep -cE "^$job\.[0-9]+$" || true)
  [ "$state" = RUNNING ] && [ "$steps" -eq 2 ] \
    || { cat "$out"; fail "job $job after SIGUSR1: state $state, $steps of 2 steps left"; }
  echo "ok: LEARNERS=$learners: scancel --signal=USR1 wrote $(echo "$first" | tr '\n' ' ')and the job goes on (learner and actor steps running)"
  sleep 1
  scancel "$job"
  for _ in $(seq 120); do
    state=$(job_state "$job"); [[ $state == RUNNING || $state == COMPLETING ]] || break; sleep 0.25
  done
  [ "$state" = CANCELLED ] || { cat "$out"; fail "job $job after scancel: state $state"; }
  grep -q 'learner exited with status 0' "$out" || { cat "$out"; fail "job $job: the learner did not exit cleanly on SIGTERM"; }
  [ -n "$(comm -13 <(echo "$first") <(checkpoints "$logdir"))" ] \
    || { cat "$out"; fail "job $job: no new checkpoint after scancel"; }
  echo "ok: LEARNERS=$learners: scancel (SIGTERM) wrote the final checkpoint $(comm -13 <(echo "$first") <(checkpoints "$logdir") | tail -1), job $state"
  check_run "$logdir" "LEARNERS=$learners, USR1 then scancel"
}

budget 1
signals 1
echo "ok: LEARNERS=2 ranks start with $launcher"
budget 2
signals 2
echo "slurm: ok in $(( $(date +%s) - started )) s"
echo "slurm: passed"
