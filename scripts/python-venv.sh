# Sourced by scripts that talk to a server from Python: makes .build/python-venv and
# installs the seedrl-actor package (python/: grpcio, gymnasium, numpy and the contract's
# stubs, generated from the proto while it is built) into it, every PyPI package at the
# version scripts/python-constraints.txt pins. Reinstalls when the package, the proto or the
# pins changed. Sets $venv and defines `pinned` (scripts/python-pins.sh).
root="${root:?set root before sourcing}"
. "$root/scripts/python-pins.sh"
venv="$root/.build/python-venv"
if [ ! -x "$venv/bin/python3" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.seedrl-actor-source"
source_hash=$(cat "$root"/python/pyproject.toml "$root"/python/setup.py "$root"/python/seedrl_actor/*.py \
  "$root"/Protos/seedrl/v1/learner.proto "$constraints" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$source_hash" ]; then
  # The build requirements (pyproject.toml) go into the venv at their pinned versions and
  # the package is built there, not in an isolated environment pip would fill unpinned.
  pinned "$venv" setuptools grpcio-tools \
    && "$venv/bin/python3" -m pip install -q --disable-pip-version-check --no-build-isolation "$root/python" \
    && echo "$source_hash" > "$stamp"
fi
