#!/usr/bin/env bash
# The metrics a run writes, read back by the tools people use: TensorBoard's own event
# reader (PyPI tensorboard) for the event files, and an XML parser for `seedrl plot`'s SVG.
# Usage: scripts/test-tensorboard.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
venv="$root/.build/python-venv"
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
"$venv/bin/python3" -c "import tensorboard" 2>/dev/null \
  || "$venv/bin/python3" -m pip install -q --disable-pip-version-check "tensorboard>=2.14"
run="$(mktemp -d)"
trap 'rm -rf "$run"' EXIT
"$seedrl" train --env cartpole --logdir "$run" --max-steps 40000 --progress-seconds 0.1 --quiet --log-level error >/dev/null || true
"$seedrl" plot --logdir "$run" --out "$run/progress.svg" >/dev/null
"$seedrl" bench --streams 1,8 --seconds 0.5 --warmup-seconds 0.1 --quiet --log-level error --plot "$run/bench.svg" >/dev/null
"$venv/bin/python3" - "$run" <<'PY'
import sys, xml.etree.ElementTree as ET
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
run = sys.argv[1]
acc = EventAccumulator(run, size_guidance={"scalars": 0})
acc.Reload()
tags = set(acc.Tags()["scalars"])
need = {"episode/return", "speed/env_steps_per_s", "losses/policy", "losses/baseline", "losses/entropy",
        "inference/batch_size", "learner/policy_lag", "queue/unrolls"}
missing = need - tags
assert not missing, f"missing scalars: {missing} (have {sorted(tags)})"
returns = acc.Scalars("episode/return")
assert len(returns) >= 3, f"only {len(returns)} episode/return points"
assert all(b.step >= a.step for a, b in zip(returns, returns[1:])), "steps go backwards"
svg = ET.parse(f"{run}/progress.svg").getroot()
lines = svg.findall(".//{http://www.w3.org/2000/svg}polyline")
assert len(lines) == 3 and all(l.get("points") for l in lines), "the plot lacks its curves"
bench = ET.parse(f"{run}/bench.svg").getroot()
curves = bench.findall(".//{http://www.w3.org/2000/svg}polyline")
assert len(curves) == 3, f"bench plot: {len(curves)} curves, expected QPS + 2 latency distributions"
print(f"tensorboard: ok ({len(tags)} scalar tags, {len(returns)} points of episode/return up to step {returns[-1].step}, "
      f"last {returns[-1].value:.1f}; plot with {len(lines)} curves)")
PY
