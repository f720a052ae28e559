#!/usr/bin/env bash
# The Python actor as a package: a wheel built with `pip wheel ./python` (the contract's
# stubs generated into it), installed apart from the source tree, and its public API used
# the way python/examples/embed.py embeds it: an environment of the program's own,
# stepped against a training seedrl server, which must learn it.
# Usage: scripts/test-python-wheel.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
work="$(mktemp -d /tmp/seedrl-wheel-XXXXXX)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Built with the venv's pinned build requirements (not pip's unpinned isolated ones).
"$venv/bin/python3" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w "$work/wheels" "$root/python"
wheel=$(ls "$work"/wheels/seedrl_actor-*.whl)
"$venv/bin/python3" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for needed in ("seedrl_actor/__init__.py", "seedrl_actor/_gen/seedrl/v1/learner_pb2.py",
               "seedrl_actor/_gen/seedrl/v1/learner_pb2_grpc.py"):
    assert needed in names, f"{needed} missing from the wheel"
assert any(n.endswith("entry_points.txt") for n in names), "no seedrl-actor entry point"
PY
# Installed on its own (its dependencies are the venv's, at their pins), first on the path.
"$venv/bin/python3" -m pip install -q --disable-pip-version-check --no-deps --target "$work/site" "$wheel"
export PYTHONPATH="$work/site"
"$venv/bin/python3" -c 'import sys, seedrl_actor; assert seedrl_actor.__file__.startswith(sys.argv[1]), seedrl_actor.__file__' "$work/site"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
"$seedrl" server --obs-shape 2 --num-actions 2 --port "$port" --seed 1 --log-level error --status-seconds 1000 >/dev/null &
server=$!
for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
# Run from elsewhere, so nothing of python/ can be imported by accident.
out=$(cd "$work" && "$venv/bin/python3" "$root/python/examples/embed.py" --server "127.0.0.1:$port" --steps 200000)
kill -TERM "$server"; wait "$server"; server=""
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert not r["errors"], r["errors"]
assert r["steps"] >= 200000, r
# A uniform policy returns 10 per 20-step episode; the learned one nearly 20 (about 19 after
# 200k steps here, 17.4 after 100k).
assert r["mean_return"] >= 17, f"the embedded environment was not learned: {r['mean_return']}"
print(f"python wheel: embedded PickTheSign learned to {r['mean_return']:.1f} of 20 in {r['steps']} steps")
PY
echo "python wheel: passed"
