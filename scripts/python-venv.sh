# Sourced by scripts that talk to a server from Python: makes .build/python-venv and
# installs the seedrl-actor package (python/: grpcio, gymnasium, numpy and the contract's
# stubs, generated from the proto while it is built) into it from PyPI. Reinstalls when the
# package or the proto changed. Sets $venv.
root="${root:?set root before sourcing}"
venv="$root/.build/python-venv"
if [ ! -x "$venv/bin/python3" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.seedrl-actor-source"
source_hash=$(cat "$root"/python/pyproject.toml "$root"/python/setup.py "$root"/python/seedrl_actor/*.py \
  "$root"/Protos/seedrl/v1/learner.proto | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$source_hash" ]; then
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check "$root/python" \
    && echo "$source_hash" > "$stamp"
fi
