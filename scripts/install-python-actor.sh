#!/usr/bin/env bash
# Installs the Python actor (python/, the seedrl-actor command) into .build/python-venv,
# every PyPI package at the version scripts/python-constraints.txt pins, plus the packages
# named (at their pins too), e.g. the environments of `seedrl train --env gym:ID`:
#   scripts/install-python-actor.sh minatar       # MinAtar/*-v1 (--import minatar.gym)
#   scripts/install-python-actor.sh ale-py opencv-python-headless   # atari:GAME
#   scripts/install-python-actor.sh mujoco        # HalfCheetah-v5, Hopper-v5, ...
# `seedrl train --env gym:ID` finds the actor there (or set SEEDRL_PYTHON_ACTOR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/python-venv.sh"
[ $# -eq 0 ] || pinned "$venv" "$@"
echo "python actor: $venv/bin/seedrl-actor"
