#!/usr/bin/env bash
# ONNX export end to end, against a real ONNX runtime (PyPI onnxruntime and onnx):
# checkpoints of every torso (a CartPole policy trained to its goal, a MinAtar policy
# trained briefly, and fresh Nature, IMPALA and pooled-MLP models from a server over
# external frames of odd sizes) and of the Gaussian head (a Pendulum policy trained to its
# goal, one trained briefly with normalised observations, one briefly with an MLP each for the
# policy and the value) are exported; each model must pass ONNX's checker, and its
# outputs for seeded observations must equal seedrl's own forward pass within 1e-5
# (scripts/check-onnx.py). Then the CartPole policy, played greedily by onnxruntime in
# Gymnasium's CartPole-v1, must score what `seedrl eval --greedy` scores, and so must the
# Pendulum policy (its mean action) in Gymnasium's Pendulum-v1.
# Usage: scripts/test-onnx.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
pinned "$venv" onnxruntime onnx
work="$(mktemp -d /tmp/seedrl-onnx-XXXXXX)"
trap 'rm -rf "$work"' EXIT

# A fresh model over external frames: a server starts, writes its version-0 checkpoint
# when stopped, and that checkpoint is exported.
fresh_checkpoint() {
  local name="$1"; shift
  "$seedrl" server --port 0 --logdir "$work/$name" --log-level error --status-seconds 1000 "$@" >/dev/null &
  local pid=$!
  for _ in $(seq 100); do [ -s "$work/$name/run.json" ] && break; sleep 0.1; done
  kill -TERM "$pid"; wait "$pid"
}

"$seedrl" train --env cartpole --seed 1 --logdir "$work/cartpole" --quiet --log-level error
"$seedrl" train --env minatar-breakout --seed 1 --max-steps 20000 --logdir "$work/minatar" --quiet --log-level error
# Pendulum reaches -200 within its default 1M steps on most seeds and machines, not all:
# seed 1 stopped at -237 on a fast many-core CI machine, and a run now and then collapses
# (-1,317 for seed 8 of 12 on the dev VM; seed 1 once ended at -1,132 after 3M), the actors'
# timing making each run different. This test needs a policy trained to the goal, not the
# learning figure (BENCHMARKS keeps that): the first of three seeds that gets there.
for pendulum_seed in 1 2 3; do
  "$seedrl" train --env pendulum --seed "$pendulum_seed" --fresh --logdir "$work/pendulum" --quiet --log-level error && break
  [ "$pendulum_seed" != 3 ] || { echo "onnx: no Pendulum seed of three reached -200" >&2; exit 1; }
done
"$seedrl" train --env pendulum --seed 1 --target-return=-5000 --normalize-observations --logdir "$work/pendulum-normalized" --quiet --log-level error
"$seedrl" train --env pendulum --seed 1 --target-return=-5000 --torso mlp-separate --logdir "$work/pendulum-separate" --quiet --log-level error
fresh_checkpoint nature --obs-shape 84,84,4 --obs-dtype uint8 --num-actions 6 --torso nature
fresh_checkpoint impala --obs-shape 45,39,3 --obs-dtype uint8 --num-actions 5 --torso impala
fresh_checkpoint impala-float --obs-shape 20,17,2 --obs-dtype float32 --num-actions 4 --torso impala
fresh_checkpoint pooled --obs-shape 64,48,4 --obs-dtype uint8 --num-actions 3 --torso mlp --hidden 32,16

for name in cartpole minatar nature impala impala-float pooled pendulum pendulum-normalized pendulum-separate; do
  "$seedrl" export --checkpoint "$work/$name" --onnx "$work/$name.onnx" --reference "$work/$name.json" >/dev/null
  "$venv/bin/python3" "$root/scripts/check-onnx.py" "$work/$name.onnx" "$work/$name.json" \
    || { echo "onnx: $name differs from seedrl's forward pass" >&2; exit 1; }
done

# An LSTM core is refused with a reason, and nothing is written.
fresh_checkpoint lstm --env cartpole --core lstm
if "$seedrl" export --checkpoint "$work/lstm" --onnx "$work/lstm.onnx" 2>"$work/lstm.err"; then
  echo "onnx: an LSTM checkpoint was exported" >&2; exit 1
fi
grep -q "LSTM core" "$work/lstm.err" && [ ! -e "$work/lstm.onnx" ] || { cat "$work/lstm.err" >&2; exit 1; }

played=$("$venv/bin/python3" "$root/scripts/play-onnx.py" "$work/cartpole.onnx" CartPole-v1 20 1)
evaluated=$("$seedrl" eval --checkpoint "$work/cartpole" --env cartpole --episodes 20 --greedy)
echo "$played"; echo "$evaluated"
read -r onnx_mean onnx_std < <(python3 -c 'import json,sys; d = json.loads(sys.argv[1]); print(d["mean_return"], d["std_return"])' "$played")
seedrl_mean=$(echo "$evaluated" | sed -E 's/.*return ([0-9.]+) .*/\1/')
seedrl_std=$(echo "$evaluated" | sed -E 's/.*± ([0-9.]+) .*/\1/')
# Gymnasium's and seedrl's CartPole start from different random states: the two means of
# 20 greedy episodes must agree within 5 % of the episode limit, or within 4 standard
# errors of their difference when the policy's episodes vary. A policy trained to a
# sampled mean of 475 is not always perfect greedily: one CI run's episodes spread from
# 182 to 500 (σ 130), and its means, 346.6 and 318.9, differed by 28 for no fault.
python3 -c 'import math, sys
a, sa, b, sb = map(float, sys.argv[1:])
sys.exit(0 if abs(a - b) <= max(25, 4 * math.sqrt((sa * sa + sb * sb) / 20)) else 1)' "$onnx_mean" "$onnx_std" "$seedrl_mean" "$seedrl_std" \
  || { echo "onnx: CartPole greedy return $onnx_mean ± $onnx_std in Gymnasium, $seedrl_mean ± $seedrl_std in seedrl eval" >&2; exit 1; }
# Pendulum starts from random states too, and a policy just trained to a sampled mean of
# -200 can still fail to swing up greedily from many of them (one CI run: -615 in Gymnasium,
# -718 in seedrl eval, episodes between -999 and -1): both greedy means must show control,
# better than -1,000, where zero torque scores -1,229 (means of 20 episodes: -1,381 to
# -1,138 over 200 seeds); the numbers themselves are compared by check-onnx.py above.
played=$("$venv/bin/python3" "$root/scripts/play-onnx.py" "$work/pendulum.onnx" Pendulum-v1 20 1)
evaluated=$("$seedrl" eval --checkpoint "$work/pendulum" --env pendulum --episodes 20 --greedy)
echo "$played"; echo "$evaluated"
onnx_mean=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["mean_return"])' "$played")
seedrl_mean=$(echo "$evaluated" | sed -E 's/.*return (-?[0-9.]+) .*/\1/')
python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if min(a, b) > -1000 else 1)' "$onnx_mean" "$seedrl_mean" \
  || { echo "onnx: Pendulum greedy return $onnx_mean in Gymnasium, $seedrl_mean in seedrl eval" >&2; exit 1; }
echo "onnx: passed"
