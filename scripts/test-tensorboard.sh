#!/usr/bin/env bash
# The metrics a run writes, read back by the tools people use: TensorBoard's own event
# reader (PyPI tensorboard) for the event files, and an XML parser for `seedrl plot`'s SVG.
# Usage: scripts/test-tensorboard.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
. "$root/scripts/python-venv.sh"
pinned "$venv" tensorboard
run="$(mktemp -d)"
trap 'rm -rf "$run"' EXIT
# Train until the log holds what the checks read (three records with episodes and training steps in them),
# then stop it as a user would: waiting for that event, not for a time window, so a fast
# machine (CartPole solved in a second) and a slow one both give the same test. The target
# is out of reach so the run cannot end itself before then. Rewards are normalised by the
# returns' spread, so the factor the learner applied is a curve of its own.
"$seedrl" train --env cartpole --logdir "$run" --target-return 1000 --max-steps 50000000 \
  --reward-normalization return --progress-seconds 0.1 --quiet --log-level error >/dev/null &
trainer=$!
trap 'kill $trainer 2>/dev/null || true; rm -rf "$run"' EXIT
for _ in $(seq 1200); do
  records=$(grep '"episode/count":[1-9]' "$run/metrics.jsonl" 2>/dev/null | grep -c '"learner/version":[1-9]' || true)
  [ "${records:-0}" -ge 3 ] && break
  kill -0 $trainer 2>/dev/null || { echo "tensorboard: seedrl train exited early" >&2; exit 1; }
  sleep 0.1
done
kill -TERM $trainer
wait $trainer || true  # exit 1: interrupted before the target, as asked
trap 'rm -rf "$run"' EXIT
"$seedrl" plot --logdir "$run" --out "$run/progress.svg" >/dev/null
"$seedrl" bench --streams 1,8 --seconds 0.5 --warmup-seconds 0.1 --quiet --log-level error --plot "$run/bench.svg" >/dev/null
"$venv/bin/python3" - "$run" <<'PY'
import json, sys, xml.etree.ElementTree as ET
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
run = sys.argv[1]
acc = EventAccumulator(run, size_guidance={"scalars": 0})
acc.Reload()
tags = set(acc.Tags()["scalars"])
need = {"episode/return", "speed/env_steps_per_s", "losses/policy", "losses/baseline", "losses/entropy",
        "inference/batch_size", "learner/policy_lag", "queue/unrolls", "learner/reward_factor"}
missing = need - tags
assert not missing, f"missing scalars: {missing} (have {sorted(tags)})"
returns = acc.Scalars("episode/return")
episodes = acc.Scalars("episode/count")
assert sum(e.value > 0 for e in episodes) >= 3, f"only {len(episodes)} episode/count points: {episodes}"
assert all(b.step >= a.step for a, b in zip(returns, returns[1:])), "steps go backwards"
# CartPole's reward of 1 a step makes returns that spread by several: divided by that spread
# (and by nothing else: the run card says the scale is 1), rewards shrink.
learning = json.load(open(f"{run}/run.json"))["learning"]
assert learning["reward_normalization"] == "return" and learning["reward_scale"] == 1, learning
factors = [e.value for e in acc.Scalars("learner/reward_factor")]
assert factors and 0 < factors[-1] < 0.9, f"reward factors {factors[-5:]}"
svg = ET.parse(f"{run}/progress.svg").getroot()
lines = svg.findall(".//{http://www.w3.org/2000/svg}polyline")
assert len(lines) == 3 and all(l.get("points") for l in lines), "the plot lacks its curves"
bench = ET.parse(f"{run}/bench.svg").getroot()
curves = bench.findall(".//{http://www.w3.org/2000/svg}polyline")
assert len(curves) == 3, f"bench plot: {len(curves)} curves, expected QPS + 2 latency distributions"
print(f"tensorboard: ok ({len(tags)} scalar tags, {len(returns)} points of episode/return up to step {returns[-1].step}, "
      f"last {returns[-1].value:.1f}; plot with {len(lines)} curves)")
PY
